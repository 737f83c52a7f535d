"""The one place actions find departments and doctors a patient names, in the
hospital they are given."""

from __future__ import annotations

import functools
import re
from typing import List, Optional

from hospital.interface import Department, Doctor, HospitalSystems

_HANZI = re.compile(r"^[\u4e00-\u9fa5]+$")


def find_department(hospital: HospitalSystems, text: str) -> Optional[Department]:
    """The department a patient names anywhere in a sentence (name or alias). A name
    inside a longer one does not count (心血管内科 is not some other 内科); of several
    departments, the one a booking or referral word points to ("医生让我去眼科", "转胸外科")
    wins, else the longest name. Otherwise the hospital's own reading of the whole answer
    ("眼科门诊", "眼科室")."""
    found = [
        (m.start(), m.end(), department)
        for department in hospital.departments()
        for name in dict.fromkeys((department.name, *department.aliases))
        if name
        for m in re.finditer(re.escape(name), text)
    ]
    found = [f for f in found if not any(o[0] <= f[0] and f[1] <= o[1] and o[1] - o[0] > f[1] - f[0] for o in found)]
    if not found:
        return hospital.find_department(text) if text else None
    pointed = sorted((f for f in found if _pointers().search(text[: f[0]])), key=lambda f: f[0])
    if pointed:
        return pointed[-1][2]  # the last one the patient points to
    return max(found, key=lambda f: f[1] - f[0])[2]


@functools.lru_cache(maxsize=None)
def _pointers() -> "re.Pattern[str]":
    from actions.booking.wording import words

    return re.compile(f"(?:{'|'.join(map(re.escape, words('department_pointers')))})$")


@functools.lru_cache(maxsize=None)
def _titles() -> "re.Pattern[str]":
    from actions.booking.wording import words

    return re.compile("|".join(map(re.escape, words("doctor_titles"))))


def find_doctors(hospital: HospitalSystems, text: str, department: Optional[str] = None) -> List[Doctor]:
    """Doctors named in a sentence: a full name wins; otherwise "李医生" gives every
    doctor surnamed 李 (narrowed to `department` when that is known)."""
    doctors = hospital.doctors(department) if department else hospital.doctors()
    full = [doctor for doctor in doctors if doctor.name in text]
    if full:
        return full
    # The surname is just before the title ("我想约李医生"): two characters first, for
    # compound surnames such as 欧阳.
    for match in _titles().finditer(text):
        for size in (2, 1):
            surname = text[max(match.start() - size, 0) : match.start()]
            if len(surname) == size and _HANZI.match(surname):
                found = [doctor for doctor in doctors if doctor.name.startswith(surname)]
                if found:
                    return found
    return []


def doctor_named(hospital: HospitalSystems, name: Optional[str], department: Optional[str] = None) -> Optional[Doctor]:
    """The doctor of exactly this name (in `department` when given)."""
    if not name:
        return None
    return next((d for d in hospital.doctors(department) if d.name == name), None)
