"""What follows the emergency numbers on a crisis set: the answer or places after an unsure alarm.

A false alarm hides the answer a worried question asked for; `action_answer_after_alarm`
(referrals/actions/after_alarm.py) adds it after the numbers where the alarm was unsure. This
plays that action on the parse data `benchmarks/crisis_recall.py --parses` wrote and prints, for
the false alarms, how many still got their answer or their topic's places, and for the real
emergencies, how many got anything after the numbers (ideally none: the numbers stand alone).

    RASA_TELEMETRY_ENABLED=false .venv-rasa/bin/python benchmarks/crisis_recall.py --parses /tmp/p.json
    .venv/bin/python benchmarks/after_alarm.py /tmp/p.json [--list]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from referrals.actions.after_alarm import ActionAnswerAfterAlarm  # noqa: E402 - after the path


def follow_up(message: dict, parse: dict) -> str:
    """ "answer", "places" or "" (the numbers alone) after an alarm on this message."""
    tracker = Tracker("benchmark", {"language": message["lang"]}, parse, [], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    ActionAnswerAfterAlarm().run(dispatcher, tracker, {})
    if any(m.get("response") for m in dispatcher.messages):
        return "answer"
    return "places" if dispatcher.messages else ""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("parses", type=Path, help="the file crisis_recall.py --parses wrote")
    parser.add_argument("--list", action="store_true", help="print every alarm with what followed it")
    args = parser.parse_args()
    alarms = [
        (r["message"], r["parse"])
        for r in json.loads(args.parses.read_text(encoding="utf-8"))
        if str(r["parse"]["intent"]["name"]).startswith("crisis_")
    ]
    real: Counter[str] = Counter()
    false: Counter[str] = Counter()
    for message, parse in alarms:
        after = follow_up(message, parse)
        (real if message["emergency"] else false)[after] += 1
        if args.list:
            flag = "EMERGENCY" if message["emergency"] else "false alarm"
            print(f"  {flag:11} {after or '-':7} {message['id']:8} {message['text'][:100]}")
    print(
        f"false alarms {sum(false.values())}: followed by the answer {false['answer']}, "
        f"by the topic's places {false['places']}, numbers alone {false['']}"
    )
    print(
        f"emergencies recognised {sum(real.values())}: numbers alone {real['']}, "
        f"followed by an answer {real['answer']}, by places {real['places']}"
    )


if __name__ == "__main__":
    main()
