"""Crisis recognition on the frozen fresh set (tests/fresh/crisis.yml): recall and false alarms.

The set holds, per language, 24 present emergencies (6 each: medical, violence, suicidal, child in
danger, most of the latter told without any violence word) and 40 messages that use the same words
but are not an emergency now (past events, questions about a service, films, figures of speech).
Its writer saw neither the training data nor the crisis phrase lists; it is never trained on.

A message counts as recognised when the trained model's final intent (after the crisis phrase
net, nlu_components/crisis_keywords.py) is a crisis intent: that is exactly when the rules answer
with the emergency numbers first (an `nlu_fallback` on top gets no numbers, so it counts as missed).
"Right kind" additionally asks for the kind's own numbers (110 first for a child in danger, not 112).
Targets: recall 100 %, false alarms <= 3 %.

Runs in the Rasa environment on a trained model:

    RASA_TELEMETRY_ENABLED=false .venv-rasa/bin/python benchmarks/crisis_recall.py [MODEL] [--errors]

Without MODEL the newest models/wegweiser-*.tar.gz is used.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import time
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the pipeline's own components (nlu_components/), as `rasa` does
LANGUAGES = ("de", "en", "ar", "tr", "ru", "uk", "fa", "fr")
KINDS = ("medical", "violence", "suicidal", "child_danger")
INTENT_OF_KIND = {
    "medical": "crisis_medical",
    "violence": "crisis_violence",
    "suicidal": "crisis_suicidal",
    "child_danger": "crisis_child_danger",
}


def newest_model() -> Path:
    models = sorted((ROOT / "models").glob("wegweiser-*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        sys.exit("no trained model in models/: run scripts/run.sh or .venv/bin/python -m assistant train")
    return models[-1]


async def classify(model: Path, messages: list[dict], parses: list[dict]) -> list[tuple[dict, str, float]]:
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # unconfigured, Rasa logs every parsed text at debug level
    logging.disable(logging.INFO)
    agent = Agent.load(str(model))
    results = []
    for message in messages:
        started = time.perf_counter()
        parsed = await agent.parse_message(message["text"])
        results.append((message, parsed["intent"]["name"], time.perf_counter() - started))
        parsed.pop("text_tokens", None)
        parses.append({"message": message, "parse": parsed})
    return results


def report(results: list[tuple[dict, str, float]], errors: bool) -> dict:
    # counts[language][kind] = [emergencies recognised, right kind, emergencies, false alarms, look-alikes]
    counts: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0, 0, 0, 0]))
    for message, intent, _seconds in results:
        row = counts[message["lang"]][message["kind"]]
        alarm = intent.startswith("crisis_")
        if message["emergency"]:
            row[0] += alarm
            row[1] += intent == INTENT_OF_KIND[message["kind"]]
            row[2] += 1
            if errors and intent != INTENT_OF_KIND[message["kind"]]:
                print(
                    f"  MISSED {message['id']:8} {message['kind']:12} -> {intent:20} {message['text'][:110]}"
                )
        else:
            row[3] += alarm
            row[4] += 1
            if errors and alarm:
                print(
                    f"  ALARM  {message['id']:8} {message['kind']:12} -> {intent:20} {message['text'][:110]}"
                )

    def pct(a: int, b: int) -> str:
        return f"{a}/{b} {100 * a / b:5.1f} %" if b else "-"

    header = f"{'lang':5} {'recall':>15} {'right kind':>15} {'false alarms':>15}"
    print(f"\n{header}   recall by kind (med/viol/suic/child)")
    total = [0, 0, 0, 0, 0]
    figures: dict[str, dict] = {}
    for language in LANGUAGES:
        rows = counts[language]
        sums = [sum(rows[k][i] for k in KINDS) for i in range(5)]
        total = [t + s for t, s in zip(total, sums, strict=True)]
        by_kind = " ".join(f"{rows[k][0]}/{rows[k][2]}" for k in KINDS)
        shares = f"{pct(sums[0], sums[2]):>15} {pct(sums[1], sums[2]):>15} {pct(sums[3], sums[4]):>15}"
        print(f"{language:5} {shares}   {by_kind}")
        figures[language] = {
            "recall": sums[0] / sums[2],
            "right_kind": sums[1] / sums[2],
            "false_alarms": sums[3] / sums[4],
        }
    print(
        f"{'all':5} {pct(total[0], total[2]):>15} {pct(total[1], total[2]):>15} {pct(total[3], total[4]):>15}"
    )
    print("\nfalse alarms by the kind of words used (all languages):")
    for kind in KINDS:
        alarms = sum(counts[lang][kind][3] for lang in LANGUAGES)
        lookalikes = sum(counts[lang][kind][4] for lang in LANGUAGES)
        recall = sum(counts[lang][kind][0] for lang in LANGUAGES)
        emergencies = sum(counts[lang][kind][2] for lang in LANGUAGES)
        print(
            f"  {kind:13} recall {pct(recall, emergencies):>16}   false alarms {pct(alarms, lookalikes):>16}"
        )
    seconds = sorted(s for _, _, s in results)
    print(f"\nNLU time per message: median {1000 * seconds[len(seconds) // 2]:.0f} ms")
    figures["all"] = {
        "recall": total[0] / total[2],
        "right_kind": total[1] / total[2],
        "false_alarms": total[3] / total[4],
    }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("model", nargs="?", type=Path, help="trained model (default: the newest in models/)")
    parser.add_argument("--messages", type=Path, default=ROOT / "tests" / "fresh" / "crisis.yml")
    parser.add_argument("--errors", action="store_true", help="print every missed emergency and false alarm")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument(
        "--parses",
        type=Path,
        help="write every message's parse data to this JSON file (for analysis)",
    )
    args = parser.parse_args()
    model = args.model or newest_model()
    messages = yaml.safe_load(args.messages.read_text(encoding="utf-8"))["messages"]
    shown = args.messages.relative_to(ROOT) if args.messages.is_relative_to(ROOT) else args.messages
    print(f"model {model.name}, {len(messages)} messages from {shown}")
    parses: list[dict] = []
    figures = report(asyncio.run(classify(model, messages, parses)), args.errors)
    if args.parses:
        args.parses.write_text(json.dumps(parses, ensure_ascii=False), encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
