"""The language of a web page of the admin, its statistics pages included: German or English.

The user's choice (the admin's DE/EN switch, kept in the session as "lang"), else the browser's
Accept-Language, else German. It sits here, at the top of referrals/, because the text catalogue
(referrals.web_texts), which the statistics' charts and CSV use too, takes its LANGUAGES.
"""

from __future__ import annotations

from starlette.requests import Request

LANGUAGES = ("de", "en")
DEFAULT = "de"


def language_of(request: Request) -> str:
    chosen = request.session.get("lang") if "session" in request.scope else None
    if chosen in LANGUAGES:
        return chosen
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip()[:2].lower()
        if code in LANGUAGES:
            return code
    return DEFAULT
