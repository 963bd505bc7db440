"""Choose the emergency decision's bars on the crisis DEV set, without retraining for each try.

The sentence classifier (nlu_components/sentence_classifier.py) and the phrase net
(nlu_components/crisis_keywords.py) decide with a few bars whether a message is an emergency:
`crisis_threshold`, `crisis_threshold_if_unsure`, `diet_sure`, `crisis_veto`,
`crisis_veto_if_unsure` and the phrase net's `sentence_sure_no_crisis`. Each parse keeps what the
decision read (DIET's `incoming_intent`, the whole message's `sentence_crisis` probabilities, the
text for the phrases), so the decision can be replayed offline with other bars:

    .venv-rasa/bin/python benchmarks/crisis_recall.py MODEL --messages tests/dev/crisis.yml \
        --parses var/dev_parses.json
    .venv-rasa/bin/python benchmarks/crisis_bars.py var/dev_parses.json

It first replays the bars the model has (the code's defaults, or `--bars` for a model trained with
others): the count of reproduced decisions must be all of them,
else this replay no longer matches the components and its figures mean nothing. Then, for each
recall, the fewest false alarms found and the bars that give them. Use the dev set only: bars
chosen on the frozen fresh set (tests/fresh/crisis.yml) would make its figures worthless.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the pipeline's own components, as `rasa` loads them

from nlu_components.crisis_keywords import CrisisKeywordClassifier  # noqa: E402
from nlu_components.crisis_phrases import CrisisPhrases  # noqa: E402
from nlu_components.sentence_classifier import (  # noqa: E402
    INCOMING_INTENT_KEY,
    NO_CRISIS,
    SENTENCE_CRISIS_KEY,
    SMALL_TALK_INTENTS,
    SentenceClassifier,
)

BARS = ("crisis_threshold", "crisis_threshold_if_unsure", "diet_sure", "crisis_veto", "crisis_veto_if_unsure")
SURE_NO = "sentence_sure_no_crisis"
GRID = {
    "crisis_threshold": (0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7),
    "crisis_threshold_if_unsure": (0.7, 0.75, 0.8, 0.85, 0.9, 0.95),
    "diet_sure": (0.8, 0.85, 0.9, 0.95),
    "crisis_veto": (0.85, 0.9, 0.95, 0.98, 1.01),  # 1.01: no veto
    "crisis_veto_if_unsure": (0.7, 0.75, 0.8, 0.85, 0.9, 1.01),
    SURE_NO: (0.8, 0.85, 0.9, 0.95),
}


def model_bars() -> dict[str, float]:
    defaults = SentenceClassifier.get_default_config()
    return {
        **{bar: defaults[bar] for bar in BARS},
        SURE_NO: CrisisKeywordClassifier.get_default_config()[SURE_NO],
    }


def replay(parse: dict, phrase: str | None, bars: dict[str, float]) -> str:
    """The final intent with these bars: a crisis intent, or what DIET said (or "other")."""
    incoming = parse.get(INCOMING_INTENT_KEY) or {}
    current = incoming.get("name") or ""
    probabilities = parse.get(SENTENCE_CRISIS_KEY)
    final = current
    if probabilities is not None:
        unsure = current == "nlu_fallback" or (incoming.get("confidence") or 0) < bars["diet_sure"]
        strict = not unsure or current in SMALL_TALK_INTENTS
        threshold = bars["crisis_threshold" if strict else "crisis_threshold_if_unsure"]
        kind = max((k for k in probabilities if k != NO_CRISIS), key=probabilities.__getitem__)
        if current.startswith("crisis_"):
            veto = bars["crisis_veto_if_unsure" if unsure else "crisis_veto"]
            final = "other" if probabilities[NO_CRISIS] >= veto else f"crisis_{kind}"
        elif probabilities[NO_CRISIS] < threshold:
            final = f"crisis_{kind}"
    if (
        not final.startswith("crisis_")
        and phrase
        and (probabilities or {}).get(NO_CRISIS, 0.0) < bars[SURE_NO]
    ):
        final = phrase
    return final


def score(rows: list[tuple[dict, dict, str | None]], bars: dict[str, float]) -> tuple[int, int, int]:
    """(emergencies recognised, false alarms, recognised with the right kind)."""
    recognised = alarms = right_kind = 0
    for message, parse, phrase in rows:
        final = replay(parse, phrase, bars)
        if not final.startswith("crisis_"):
            continue
        if message["emergency"]:
            recognised += 1
            right_kind += final == f"crisis_{message['kind']}"
        else:
            alarms += 1
    return recognised, alarms, right_kind


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("parses", type=Path, help="written by crisis_recall.py --parses (dev set)")
    parser.add_argument(
        "--bars",
        type=json.loads,
        default={},
        help="the bars of the model that parsed, where they differ from the code's: '{\"diet_sure\": 0.9}'",
    )
    args = parser.parse_args()
    saved = json.loads(args.parses.read_text(encoding="utf-8"))
    phrases = CrisisPhrases.from_file()
    rows = [(s["message"], s["parse"], phrases.intent(s["message"]["text"])) for s in saved]
    bars = {**model_bars(), **args.bars}
    reproduced = sum(
        replay(parse, phrase, bars).startswith("crisis_") == parse["intent"]["name"].startswith("crisis_")
        for _message, parse, phrase in rows
    )
    emergencies = sum(1 for message, _parse, _phrase in rows if message["emergency"])
    print(f"replay reproduces {reproduced} of {len(rows)} decisions with the model's bars {bars}")
    recognised, alarms, right_kind = score(rows, bars)
    print(
        f"now: recall {recognised}/{emergencies}, false alarms {alarms}/{len(rows) - emergencies}, ", end=""
    )
    print(f"right kind {right_kind}")
    best: dict[int, tuple[tuple[int, int, int], dict[str, float]]] = {}
    for values in itertools.product(*GRID.values()):
        tried = dict(zip(GRID, values, strict=True))
        if tried["crisis_threshold_if_unsure"] < tried["crisis_threshold"]:
            continue
        figures = score(rows, tried)
        kept = best.get(figures[0])
        if kept is None or (figures[1], -figures[2]) < (kept[0][1], -kept[0][2]):
            best[figures[0]] = (figures, tried)
    print("\nfor each recall, the fewest false alarms found (then the most right kinds):")
    for recall in sorted(best, reverse=True)[:8]:
        (_, alarms, right_kind), tried = best[recall]
        print(f"  recall {recall}  false alarms {alarms}  right kind {right_kind}  {tried}")


if __name__ == "__main__":
    main()
