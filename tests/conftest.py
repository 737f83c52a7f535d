"""Shared fixtures. The hospital is seeded once per test session for the reference day
and each test gets its own in-memory copy (SQLite backup, ~1 ms), so every test
starts from exactly the freshly seeded state without paying for the seed each time."""

from __future__ import annotations

import datetime as dt
import functools

import pytest

from hospital.config import ManualClock
from hospital.demo.scenario import DemoPatient, demo_patients
from hospital.factory import create_hospital
from hospital.sql import SqlHospital, clone_in_memory

# A Tuesday with no public holiday in the following 14 days.
REFERENCE_DAY = dt.date(2026, 11, 24)


@pytest.fixture(scope="session")
def today() -> dt.date:
    return REFERENCE_DAY


@functools.lru_cache(maxsize=None)
def reference_hospital() -> SqlHospital:
    """The demo hospital seeded for REFERENCE_DAY, built once. Tests copy it (`hospital`)
    or read from it; the demo draws doctors' names at random, so a test that needs one
    looks it up here instead of writing it down."""
    return create_hospital("sqlite://", today=REFERENCE_DAY)


@pytest.fixture(scope="session")
def _seeded_template() -> SqlHospital:
    return reference_hospital()


@pytest.fixture
def hospital(_seeded_template, today) -> SqlHospital:
    """A freshly seeded in-memory hospital for `today`; its clock is a ManualClock at
    09:00 (`hospital.clock.advance(minutes=15)`)."""
    h = clone_in_memory(_seeded_template, clock=ManualClock(dt.datetime.combine(today, dt.time(9, 0))))
    yield h
    h.dispose()


@pytest.fixture
def demo_patient() -> DemoPatient:
    """The first demo patient of data/hospital/demo_scenario.yml: `.card_no`, `.name`
    and `.phone_last4` (verification "phone4")."""
    return demo_patients()[0]


def pytest_configure(config) -> None:
    """With several test workers (`pytest -n 2`) the first process builds the cached text
    models (.data/) before the workers start, so that they load them instead of each
    training its own."""
    if getattr(config.option, "numprocesses", None) and not hasattr(config, "workerinput"):
        from actions.triage.departments.model import build_model as department_model
        from safety.emergency_model import build_model as emergency_model

        department_model()
        emergency_model()


# The running assistant (action server, Rasa server, web page), started once per test
# session by the tests that ask for it.
from tests.servers import assistant, chat, wechat_api  # noqa: E402,F401
