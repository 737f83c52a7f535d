"""The service hotline as patients are told it ("0000-88881200（每天 8:00-20:00）"),
from data/hospital/facts.yml; the responses that offer it take it as {hotline}."""
from __future__ import annotations

import re

from hospital.reference import load_facts

_NOTE = re.compile(r"（[^（）]*）$")  # "（演示号码）": for staff, not said to patients


def hotline() -> str:
    facts = load_facts()["hospital"]
    return f"{_NOTE.sub('', facts['hotline'])}（{facts['hotline_hours']}）"
