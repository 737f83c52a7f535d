"""The departments the triage engine would suggest for what the patient wrote, for a booking
or schedule question that names none ("22周想约四维彩超 现在还约得上吗" → 产科)."""

from __future__ import annotations

from typing import List

from actions.triage.assessment import evaluate
from actions.triage.departments.combiner import CLOSE_RATIO
from actions.triage.flow import update


def suggested_departments(text: str) -> List[str]:
    """The first department, and the second when it is a real alternative (at least half as
    likely): "孕12周要做NT" is 产科's, not "产科或肿瘤科" for a sliver of the ranking. None for
    a red flag: the emergency layer answers that."""
    assessment = evaluate(update(None, text))
    if assessment.red_flags:
        return []
    top = assessment.ranking[:2]
    return [name for name, score in top if score >= CLOSE_RATIO * top[0][1]]
