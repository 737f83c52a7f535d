"""Pinyin typed instead of characters ("yao teng hao jiu le gua shenme ke", "我妈 xiong kou
men"), read as Chinese characters, as a pinyin input method would offer them
(read_pinyin).

A word's likelihood is half its frequency in jieba's dictionary and half its frequency in
what patients say to 小安 (the NLU examples of data/nlu and the designers' phrases of
data/knowledge and data/triage), where the medical dictionary's words (data/lexicon)
count as seen a few times: "wo ma" is 我妈 here, not 我吗, and
"shenme ke" is 什么科. Readings come from jionlp's pinyin tables. Both packages are
already installed, so nothing is downloaded. A run of Latin words is read
only when every word in it splits into pinyin syllables and it has at least two
syllables; beside characters a single word needs three, or to read as a word of the
medical dictionary ("想割baopi" → 包皮; "cea", "ana" are lab tests).
A message mostly in English, and abbreviations in capitals (CT, HPV), are left as they are. Text without pinyin comes back unchanged, without the tables being loaded.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from typing import AbstractSet, Dict, FrozenSet, List, Optional, Tuple

from language import general_chinese
from language.knowledge_files import LEXICON_DIR, PROJECT_ROOT

MIN_FREQUENCY = 20  # rarer jieba words only make wrong readings likelier
MEDICAL_PRIOR = 3  # a medical word counts as seen this often in the NLU examples
MAX_WORD_CHARS = 6
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f']+")
_LATIN_RUN = re.compile(r"[A-Za-z\u00c0-\u024f']+(?:[ \t]+[A-Za-z\u00c0-\u024f']+)*")


class Index:
    """{letters of a word's syllables: [(word, log probability, syllable ends inside)]}."""

    def __init__(self) -> None:
        self.words: Dict[str, List[Tuple[str, float, Tuple[int, ...]]]] = {}
        self.longest = 0

    def add(self, word: str, reading: List[str], logp: float) -> None:
        key = "".join(reading)
        ends, at = [], 0
        for syllable in reading[:-1]:
            at += len(syllable)
            ends.append(at)
        entries = self.words.setdefault(key, [])
        for k, (_, old, old_ends) in enumerate(entries):
            if old_ends == tuple(ends):
                if logp > old:
                    entries[k] = (word, logp, tuple(ends))
                return
        entries.append((word, logp, tuple(ends)))
        self.longest = max(self.longest, len(key))


def _plain(syllable: str) -> str:
    """'lv4' → 'lv', 'tou2' → 'tou'."""
    return syllable.rstrip("012345")


def _letters(word: str) -> str:
    """The word as typed: lower case, tone marks dropped, ü as v."""
    decomposed = unicodedata.normalize("NFD", word.lower().replace("u:", "v")).replace("u\u0308", "v")
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@functools.lru_cache(maxsize=1)
def syllables() -> FrozenSet[str]:
    """Every syllable of jionlp's character dictionary ("[yī]1.最小的正整数…"), without tones:
    enough to tell pinyin from English without loading the words."""
    path = general_chinese.jionlp_dictionary() / "chinese_char_dictionary.txt"
    readings = re.findall(r"\[([^\W\d_]+)\]", path.read_text(encoding="utf-8"))
    return frozenset(_letters(r) for r in readings if len(r) <= 6) - {"m", "n", "ng", "hm", "hng"}


def _jieba_frequencies() -> Dict[str, int]:
    return {
        word: freq
        for word, freq in general_chinese.jieba_frequencies()
        if freq >= MIN_FREQUENCY and len(word) <= MAX_WORD_CHARS
    }


@functools.lru_cache(maxsize=1)
def _tokenizer():
    # jieba's default tokenizer is process-wide and learns the medical words when the NLU
    # loads (language.zh_nlp): a tokenizer of our own reads the same in every process.
    import jieba

    return jieba.Tokenizer()


@functools.lru_cache(maxsize=1)
def _designer_phrases() -> Tuple[str, ...]:
    """The phrases in Chinese of data/knowledge and data/triage."""
    phrases: List[str] = []
    for folder in ("knowledge", "triage"):
        for path in sorted((PROJECT_ROOT / "data" / folder).rglob("*.yml")):
            text = path.read_text(encoding="utf-8")
            phrases += re.findall(r"(?<![\\\[(|?])\b[\u4e00-\u9fff]{2,12}\b(?![\])|?*+])", text)
    return tuple(phrases)


@functools.lru_cache(maxsize=1)
def _lexicon_words() -> Tuple[str, ...]:
    """The words of the medical dictionary (data/lexicon) short enough to be typed as one."""
    from language.zh_nlp import lexicon_files, read_words  # spaCy, only once pinyin is read

    return tuple(w for w in read_words(lexicon_files(LEXICON_DIR)) if len(w) <= MAX_WORD_CHARS)


@functools.lru_cache(maxsize=1)
def medical_words() -> FrozenSet[str]:
    """The words of the medical dictionary and of the designers' phrases, short enough to be
    typed as one."""
    words = {w for phrase in _designer_phrases() for w in _tokenizer().lcut(phrase) + [phrase]}
    words.update(_lexicon_words())
    return frozenset(w for w in words if 2 <= len(w) <= MAX_WORD_CHARS and re.fullmatch(r"[\u4e00-\u9fff]+", w))


def _patient_frequencies() -> Dict[str, int]:
    """Words of the NLU examples and of the designers' medical phrases (data/knowledge,
    data/triage), and the medical dictionary's words as if seen a few times."""
    words = _tokenizer()
    counts: Dict[str, int] = {}

    def count(phrase: str) -> None:
        tokens = words.lcut(phrase)
        for word in tokens:
            counts[word] = counts.get(word, 0) + 1
        # two words said together count as a phrase of their own, a little context for
        # the reading: 不想活 over 不想或, 活了 over 或了
        for first, second in zip(tokens, tokens[1:]):
            if len(first) == 1 or len(second) == 1:
                counts[first + second] = counts.get(first + second, 0) + 1

    from language.text_models import nlu_examples  # it reads pinyin with this module

    for example in nlu_examples(sorted((PROJECT_ROOT / "data" / "nlu").rglob("*.yml"))):
        count(example)
    for phrase in _designer_phrases():
        count(phrase)
    for word in _lexicon_words():
        counts[word] = counts.get(word, 0) + MEDICAL_PRIOR
    return counts


def _probabilities() -> Dict[str, float]:
    general, patients = _jieba_frequencies(), _patient_frequencies()
    g_total, p_total = sum(general.values()), sum(patients.values())
    words = {w for w in set(general) | set(patients) if re.fullmatch(r"[\u4e00-\u9fff]+", w)}
    return {w: 0.5 * general.get(w, 0) / g_total + 0.5 * patients.get(w, 0) / p_total for w in words}


@functools.lru_cache(maxsize=1)
def load_index() -> Index:
    import jionlp

    index = Index()
    for word, p in _probabilities().items():
        reading = [_plain(s) for s in jionlp.pinyin(word, formater="simple")]
        if len(reading) != len(word) or any(not s.isalpha() for s in reading):
            continue
        logp = math.log(p)
        index.add(word, reading, logp)
        # a polyphone inside a word is typed with the character's everyday reading:
        # 流血 is read "liu xie" by the tables but typed "liu xue"
        typed = [_common_reading(c) or s for c, s in zip(word, reading)] if len(word) > 1 else reading
        if typed != reading:
            index.add(word, typed, logp)
        # "nv" and "lv" are often typed "nu" and "lu" (女儿 → nuer)
        if any(s in ("nv", "lv", "nve", "lve") for s in reading):
            index.add(word, [s.replace("v", "u") for s in reading], logp - math.log(4))
    return index


@functools.lru_cache(maxsize=None)
def _common_reading(char: str) -> str:
    """The reading jionlp gives the character alone ('血' → 'xue')."""
    import jionlp

    readings = jionlp.pinyin(char, formater="simple")
    return _plain(readings[0]) if readings and readings[0] else ""


def _syllable_count(letters: str, known: AbstractSet[str]) -> Optional[int]:
    """The fewest pinyin syllables the letters split into, or None."""
    best: List[Optional[int]] = [0] + [None] * len(letters)
    for i in range(len(letters)):
        if best[i] is None:
            continue
        for j in range(i + 1, min(len(letters), i + 6) + 1):
            if letters[i:j] in known and (best[j] is None or best[i] + 1 < best[j]):
                best[j] = best[i] + 1
    return best[-1]


def _read(words: List[str], index: Index) -> Optional[str]:
    """The likeliest characters for these pinyin words: a path of dictionary words over
    their letters that crosses a space only where a word's own syllables end."""
    letters = "".join(words)
    forced, at = set(), 0
    for word in words[:-1]:
        at += len(word)
        forced.add(at)
    n = len(letters)
    best: List[Optional[Tuple[float, int, str]]] = [(0.0, 0, "")] + [None] * n
    for i in range(n):
        if best[i] is None:
            continue
        for j in range(i + 1, min(n, i + index.longest) + 1):
            inside = {b - i for b in forced if i < b < j}
            for word, logp, ends in index.words.get(letters[i:j], ()):
                if inside <= set(ends):
                    score = best[i][0] + logp
                    if best[j] is None or score > best[j][0]:
                        best[j] = (score, i, word)
    if best[n] is None:
        return None
    out, j = [], n
    while j > 0:
        _, i, word = best[j]
        out.append(word)
        j = i
    return "".join(reversed(out))


def read_pinyin(text: str) -> str:
    """The text as it was, or, when it has pinyin, its reading in characters followed by
    the text as typed: "wo ba xiong kou teng" → "我爸胸口疼。wo ba xiong kou teng". A
    reading can be wrong where the sounds allow several words (liu xue: 留学 or 流血), so
    words the designers wrote in pinyin still match what was typed. A text already read
    comes back as it is: the NLU reads a message, then the red-flag rules read it again."""
    if _already_read(text):
        return text
    read = to_hanzi(text)
    return text if read == text else f"{read}{_THEN_TYPED}{text}"


_THEN_TYPED = "。"  # between the reading and the text as typed


def _already_read(text: str) -> bool:
    if not re.search(r"[a-z]{2}", text):
        return False
    at = text.find(_THEN_TYPED)
    while at != -1:
        typed = text[at + 1 :]
        if text[:at] != typed and to_hanzi(typed) == text[:at]:
            return True
        at = text.find(_THEN_TYPED, at + 1)
    return False


def to_hanzi(text: str) -> str:
    """The text with its runs of pinyin read as characters."""
    if not text or not re.search(r"[a-z]{2}", text):
        return text
    runs = list(_LATIN_RUN.finditer(text))
    latin_words = [w for m in runs for w in _LATIN_WORD.findall(m.group())]
    pinyin = [w for w in latin_words if _is_pinyin(w)]
    if not pinyin or 2 * len(pinyin) < len(latin_words):
        return text
    index = load_index()
    beside_characters = bool(re.search(r"[\u4e00-\u9fff]", text))
    out, last = [], 0
    for m in runs:
        out.append(text[last : m.start()])
        read = _read_run(m.group(), index, beside_characters)
        if read == m.group() and _is_pinyin(read):
            before = re.search(r"[\u4e00-\u9fff]{0,3}$", text[: m.start()]).group()
            after = re.match(r"[\u4e00-\u9fff]{0,3}", text[m.end() :]).group()
            read = _read_glued(read, before, after, index) or read
        out.append(read)
        last = m.end()
    out.append(text[last:])
    return "".join(out)


def _read_glued(word: str, before: str, after: str, index: Index) -> Optional[str]:
    """One syllable typed between characters ("xiong口痛", "我tou疼"): the likeliest
    character that makes a medical word with the characters beside it, if one does."""
    medical = medical_words()
    for char, _, _ in sorted(index.words.get(_letters(word), ()), key=lambda entry: -entry[1]):
        if len(char) == 1 and any(char + after[:k] in medical or before[-k:] + char in medical for k in (1, 2, 3)):
            return char
    return None


def _is_pinyin(word: str) -> bool:
    if len(word) >= 2 and word.isupper():
        return False  # an abbreviation: CT, HPV, BP
    return _syllable_count(_letters(word).replace("'", ""), syllables()) is not None


def _read_run(run: str, index: Index, beside_characters: bool) -> str:
    """Consecutive pinyin words of the run read as characters, the rest kept."""
    pieces = re.split(r"([ \t]+)", run)
    out: List[str] = []
    group: List[str] = []

    def flush() -> None:
        letters = [p for w in group for p in _letters(w).split("'") if p]
        count = sum(_syllable_count(w, syllables()) or 0 for w in letters)
        enough = count >= 3 or (count >= 2 and (len(group) >= 2 or not beside_characters))
        read = _read(letters, index) if count >= 2 else None
        if not enough and read not in medical_words():
            read = None  # one short word beside characters: only a medical word ("baopi")
        out.append(read if read else " ".join(group))
        group.clear()

    for piece in pieces:
        if not piece.strip():
            continue
        if _is_pinyin(piece):
            group.append(piece)
            continue
        if group:
            flush()
        out.append(piece)
    if group:
        flush()
    return " ".join(_join(out))


def _join(pieces: List[str]) -> List[str]:
    """Characters next to characters need no space; Latin words keep theirs."""
    joined: List[str] = []
    for piece in pieces:
        if joined and re.search(r"[\u4e00-\u9fff]$", joined[-1]) and re.match(r"[\u4e00-\u9fff]", piece):
            joined[-1] += piece
        else:
            joined.append(piece)
    return joined
