"""Whether a message has any word in it: a Chinese character, a Latin letter or a digit
(half or full width). Only emoji, punctuation or symbols means there is nothing to
understand or to match."""

import re

WORD = re.compile(r"[\u3400-\u9fff\uf900-\ufaffA-Za-z0-9\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")


def has_words(text: str) -> bool:
    return bool(WORD.search(text or ""))
