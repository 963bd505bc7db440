"""The text catalogue of the web pages (the counsellor admin and the statistics it mounts) and of
the directory's validation messages: one YAML file per page language beside this module
(de.yml, en.yml), read once.

`text(key, language, **values)` is the one lookup. Validation problems carry a code and values
(referrals.directory.validation.FieldError, referrals.directory.hsds.Problem); their text is the
key "error.<code>": in the page language on the admin's forms, in English in the import report of
the command line. tests/test_web_texts.py checks that every language has every key with the same
placeholders, and that every key the code and the templates use exists (and every key is used).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from referrals.web_language import LANGUAGES

HERE = Path(__file__).parent


@cache
def catalogue(language: str) -> dict[str, str]:
    """All texts of one language, key -> text (str.format placeholders)."""
    if language not in LANGUAGES:
        raise KeyError(f"no texts in {language!r}; the pages speak {', '.join(LANGUAGES)}")
    texts = yaml.safe_load((HERE / f"{language}.yml").read_text(encoding="utf-8"))
    return {str(key): str(value) for key, value in texts.items()}


def text(key: str, language: str, **values: object) -> str:
    """The text of `key` in `language` with the values filled in."""
    return catalogue(language)[key].format(**values)
