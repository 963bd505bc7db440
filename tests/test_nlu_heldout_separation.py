"""The held-out NLU messages (tests/nlu/), the fresh test sets (tests/fresh/) and the dev set
(tests/dev/) must never be trained on, not even as a near copy.

benchmarks/nlu_accuracy.py reports accuracy on them; a training example that repeats one
(or differs by a typo) would make that figure a measure of memory, not of understanding.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process

from assistant.settings import PROJECT_ROOT
from referrals.text import fold

# rapidfuzz ratio (0-100) a training example may reach against a held-out one. Above it is a
# near copy (a typo, one word more); at 80 common short phrases ("aynen öyle" / "evet aynen öyle") meet.
MAX_SIMILARITY = 85
# ... nor the same words in another order ("прививка от кори обязательна для садика"):
# at most this share of the held-out message's words (3+ letters, 3 or more of them).
MAX_SHARED_WORDS = 0.75
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\{[^}]*\}|\([^)]*\))")


def _examples(path: Path) -> list[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    texts = []
    for block in data.get("nlu") or []:
        if "intent" not in block:  # lookups, synonyms and regexes are vocabularies, not messages
            continue
        for line in (block.get("examples") or "").splitlines():
            line = line.strip()
            if line.startswith("- "):
                texts.append(fold(_ANNOTATION.sub(r"\1", line[2:])).strip(" .!?"))
    return texts


def _fresh(path: Path) -> list[str]:
    return [
        fold(m["text"]).strip(" .!?") for m in yaml.safe_load(path.read_text(encoding="utf-8"))["messages"]
    ]


def test_no_training_example_repeats_a_held_out_message() -> None:
    training = [text for path in sorted((PROJECT_ROOT / "nlu").glob("*/*.yml")) for text in _examples(path)]
    held_out = [
        text
        for path in sorted((PROJECT_ROOT / "tests" / "nlu").glob("heldout_*.yml"))
        for text in _examples(path)
    ]
    fresh = [
        text
        for folder in ("fresh", "dev")  # the dev set tunes settings: trained on, it would tune nothing
        for path in sorted((PROJECT_ROOT / "tests" / folder).glob("*.yml"))
        for text in _fresh(path)
    ]
    assert len(training) > 4000 and len(held_out) > 400 and len(fresh) > 800
    held_out += fresh
    close = []
    for message in held_out:
        if len(message) < 12:  # "hello", "ok", "Berlin": short messages are common to both by nature
            continue
        match = process.extractOne(message, training, scorer=fuzz.ratio, score_cutoff=MAX_SIMILARITY + 0.01)
        if match:
            close.append(f"{match[1]:.0f}  held out: {message!r}  trained: {match[0]!r}")
    # Word sets computed once, and only training examples sharing a word are compared: the same
    # pairs are checked as by comparing every message with every example, without 15 M set builds.
    training_words = [_words(text) for text in training]
    having: dict[str, list[int]] = defaultdict(list)
    for index, words in enumerate(training_words):
        for word in words:
            having[word].append(index)
    for message in held_out:
        words = _words(message)
        if len(words) < 3:
            continue
        candidates = sorted({index for word in words for index in having[word]})
        for index in candidates:
            shared = words & training_words[index]
            if len(shared) >= 3 and len(shared) / len(words | training_words[index]) >= MAX_SHARED_WORDS:
                close.append(f"same words  held out: {message!r}  trained: {training[index]!r}")
    assert not close, "training examples too close to held-out messages:\n" + "\n".join(close)


def _words(text: str) -> set[str]:
    return {word for word in re.findall(r"\w+", text) if len(word) >= 3}
