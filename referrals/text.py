"""Text normalisation for matching names as users type them."""

from __future__ import annotations

import unicodedata

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def fold(text: str, expand_umlauts: bool = True) -> str:
    """Case- and accent-insensitive form: 'Köln' and 'koeln' both become 'koeln'
    (or 'koln', like a user who just drops the dots, with expand_umlauts=False)."""
    text = unicodedata.normalize("NFC", text).lower()
    if expand_umlauts:
        text = text.translate(_UMLAUTS)
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
