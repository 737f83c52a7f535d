"""Departments and number types named in a message, from the hospital catalogue
(data/hospital/departments.yml and the three number types): every name and alias with
the catalogue name as its value, the longest name winning. Rasa's pipeline reads them
through components/catalogue_entities.py; the actions read them here, without Rasa.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Dict, List, Pattern, Tuple

from hospital.config import HOSPITAL_DATA_DIR
from hospital.interface import NUMBER_TYPES
from hospital.reference import load_departments

EXTRACTOR = "CatalogueEntityExtractor"  # the component's name, as Rasa reports an entity's extractor
DEPARTMENTS_FILE = HOSPITAL_DATA_DIR / "departments.yml"


def entity_words() -> Dict[str, Tuple[str, str]]:
    """Every catalogue word: word -> (entity, value)."""
    words: Dict[str, Tuple[str, str]] = {}
    for department in load_departments(DEPARTMENTS_FILE):
        for name in (department.name, *department.aliases):
            words[name] = ("department", department.name)
    for number_type in NUMBER_TYPES:
        for word in (number_type, number_type.rstrip("号")):
            words[word] = ("number_type", number_type)
    return words


@functools.lru_cache(maxsize=1)
def _matcher() -> Tuple[Pattern[str], Dict[str, Tuple[str, str]]]:
    words = entity_words()
    # Longest first: at each position the regex takes the first alternative that matches.
    pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))
    return pattern, words


def find_entities(text: str) -> List[Dict[str, Any]]:
    pattern, words = _matcher()
    found = []
    for match in pattern.finditer(text):
        entity, value = words[match.group()]
        found.append(
            {
                "entity": entity,
                "value": value,
                "start": match.start(),
                "end": match.end(),
                "extractor": EXTRACTOR,
            }
        )
    return found
