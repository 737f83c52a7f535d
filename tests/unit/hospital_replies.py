"""What a patient reads for a hospital error: the domain response named by the error's
key (domain.yml), filled as actions.common.say_hospital_error fills it."""

from __future__ import annotations

import functools
from pathlib import Path

import yaml

from hospital.facts import facts
from hospital.interface import HospitalError

DOMAIN = Path(__file__).resolve().parents[2] / "domain.yml"


@functools.lru_cache(maxsize=1)
def error_responses() -> dict:
    responses = yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["responses"]
    return {
        name: variants[0]["text"] for name, variants in responses.items() if name.startswith("utter_hospital_error_")
    }


def reply_to(error: HospitalError) -> str:
    return error_responses()[f"utter_hospital_error_{error.key}"].format(
        hotline=facts().hotline_with_hours, **error.params
    )
