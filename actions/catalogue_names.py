"""The one place actions find departments and doctors a patient names, in the
hospital they are given."""

from __future__ import annotations

import functools
import re
from typing import List, Optional

from hospital.interface import Department, Doctor, HospitalSystems

_HANZI = re.compile(r"^[\u4e00-\u9fa5]+$")


def find_department(hospital: HospitalSystems, text: str) -> Optional[Department]:
    """The department a patient names anywhere in a sentence (name or alias): the
    longest name wins, so 心血管内科 is not read as some other 内科. Otherwise the
    hospital's own reading of the whole answer ("眼科门诊", "眼科室")."""
    names = [
        (name, department)
        for department in hospital.departments()
        for name in (department.name, *department.aliases)
        if name and name in text
    ]
    if names:
        return max(names, key=lambda pair: len(pair[0]))[1]
    return hospital.find_department(text) if text else None


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
