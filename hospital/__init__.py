"""The hospital's systems behind one interface (`interface.HospitalSystems`).

Dialogue code calls `get_hospital()` (hospital.factory); tests call
`create_hospital(url, today=...)`. The business facts (hotline, booking window, release
rules, fees, clinic hours) are `facts()` (hospital.facts). The demo hospital's data
comes from `hospital.demo`.
Both are imported lazily so importing this package creates no engine and reads no file.
"""

from .interface import (  # noqa: F401
    Appointment,
    BookingRejected,
    ClinicSession,
    CodeRequest,
    Department,
    Doctor,
    HandoffTicket,
    HospitalError,
    HospitalSystems,
    ImagingExam,
    LabOrder,
    LabResult,
    NotFound,
    Patient,
    Reminder,
    SystemUnavailable,
    VerificationResult,
)

_LAZY = {
    "create_hospital": "factory",
    "get_hospital": "factory",
    "reset_hospital_cache": "factory",
    "SqlHospital": "sql",
    "ManualClock": "config",
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(name)
