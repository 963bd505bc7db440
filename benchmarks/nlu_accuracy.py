"""NLU quality per language on the held-out messages (tests/nlu/heldout_<lang>.yml).

Trains two NLU models on nlu/ (the project's config.yml, and Rasa's default pipeline
as `rasa init` writes it) and prints intent accuracy and macro-F1 per language for
both, side by side, plus FAQ answer (response selector) accuracy and the share of messages
the FallbackClassifier's threshold sent to the fallback, how many messages the crisis
phrases (nlu_components/crisis_keywords.py) decided and the accuracy without them. The held-out
messages are never trained on.

Runs in the Rasa environment (it uses only Rasa and its own dependencies):

    RASA_TELEMETRY_ENABLED=false .venv-rasa/bin/python benchmarks/nlu_accuracy.py [--model-dir DIR]

With --project-model / --default-model PATH an already trained model is used instead of training one;
--skip-default trains and evaluates only the project pipeline; --keep-models DIR keeps the
trained models; --errors prints every misclassified held-out message (truth -> predicted).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the pipeline's own components (nlu_components/), as `rasa` does
LANGUAGES = ("de", "en", "ar", "tr", "ru", "uk", "fa", "fr")

# Rasa 3.6's default pipeline (what `rasa init` leaves commented out in config.yml and uses).
DEFAULT_CONFIG = """
recipe: default.v1
assistant_id: default_pipeline
language: en
pipeline:
  - name: WhitespaceTokenizer
  - name: RegexFeaturizer
  - name: LexicalSyntacticFeaturizer
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 4
  - name: DIETClassifier
    epochs: 100
    constrain_similarities: true
  - name: EntitySynonymMapper
  - name: ResponseSelector
    epochs: 100
    constrain_similarities: true
  - name: FallbackClassifier
    threshold: 0.3
    ambiguity_threshold: 0.1
policies: []
"""


def train(config: Path, out: Path, name: str) -> Path:
    started = time.monotonic()
    subprocess.run(
        [
            str(ROOT / ".venv-rasa/bin/rasa"),
            "train",
            "nlu",
            "--config",
            str(config),
            "--nlu",
            "nlu",
            "--domain",
            "domain",
            "--out",
            str(out),
            "--fixed-model-name",
            name,
            "--quiet",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    print(f"trained {name} in {time.monotonic() - started:.0f} s")
    return out / f"{name}.tar.gz"


def held_out(language: str) -> list[tuple[str, str, str | None]]:
    """(text, intent, faq id or None) of every held-out message."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(ROOT / "tests" / "nlu" / f"heldout_{language}.yml"))
    examples = []
    for message in data.intent_examples:
        intent = message.get("intent")
        full = message.get("intent_response_key") or intent
        examples.append((message.get("text"), intent, full.split("/", 1)[1] if "/" in full else None))
    return examples


def _best_real_intent(ranking: list[dict]) -> str | None:
    return next((i["name"] for i in ranking if i["name"] != "nlu_fallback"), None)


async def evaluate(model: Path, errors: bool = False) -> dict[str, dict[str, float]]:
    import logging

    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # unconfigured, Rasa logs every parsed text at debug level
    logging.disable(logging.INFO)
    from sklearn.metrics import accuracy_score, f1_score

    agent = Agent.load(str(model))
    results = {}
    for language in LANGUAGES:
        examples = held_out(language)
        truth, predicted, faq_truth, faq_predicted = [], [], [], []
        classifier_only = []  # what the intent classifier said before the crisis phrases
        fallbacks = crisis_net = 0
        for text, intent, faq in examples:
            parsed = await agent.parse_message(text)
            top = parsed["intent"]["name"]
            if top == "nlu_fallback":
                # Judge the classifier, not the threshold (the thresholds differ between the two
                # pipelines): FallbackClassifier puts nlu_fallback first in the ranking, so take the
                # best real intent after it. How often the threshold fired is reported apart.
                fallbacks += 1
                top = _best_real_intent(parsed.get("intent_ranking") or []) or top
            before = top
            if parsed.get("crisis_phrase"):  # nlu_components/crisis_keywords.py decided the intent
                crisis_net += 1
                before = parsed["crisis_phrase"]["overridden"]
                if before == "nlu_fallback":  # the net's intent heads the ranking, the classifier's follow
                    before = _best_real_intent((parsed.get("intent_ranking") or [])[1:]) or before
                if errors:
                    print(f"  {language} net     {before:>20} -> {top:20}       {text}")
            classifier_only.append(before)
            truth.append(intent)
            predicted.append(top)
            if errors and top != intent:
                confidence = parsed["intent_ranking"][0]["confidence"] if parsed.get("intent_ranking") else 0
                print(f"  {language} intent  {intent:>20} -> {top:20} {confidence:.2f}  {text}")
            if faq:
                # The project's selector is for retrieval intent "faq"; the default one, without
                # `retrieval_intent`, answers under "default".
                selectors = parsed.get("response_selector") or {}
                key = (selectors.get("faq") or selectors.get("default") or {}).get("response") or {}
                faq_truth.append(faq)
                faq_predicted.append((key.get("intent_response_key") or "").removeprefix("faq/"))
                if errors and top == intent and faq_predicted[-1] != faq:
                    print(f"  {language} faq     {faq:>20} -> {faq_predicted[-1]:20}       {text}")
        results[language] = {
            "n": len(examples),
            "accuracy": accuracy_score(truth, predicted),
            "macro_f1": f1_score(truth, predicted, average="macro", zero_division=0),
            "faq_answer": accuracy_score(faq_truth, faq_predicted) if faq_truth else float("nan"),
            "fallback": fallbacks / len(examples),
            "crisis_net": crisis_net,
            "accuracy_without_net": accuracy_score(truth, classifier_only),
        }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--project-model", type=Path, help="use this trained model for the project pipeline")
    parser.add_argument("--default-model", type=Path, help="use this trained model for Rasa's default")
    parser.add_argument("--skip-default", action="store_true", help="do not train Rasa's default pipeline")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument("--keep-models", type=Path, help="write the trained models to this directory")
    parser.add_argument("--errors", action="store_true", help="print every misclassified held-out message")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = args.keep_models or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        models = {"project": args.project_model or train(ROOT / "config.yml", out, "project")}
        if args.default_model:
            models["rasa-default"] = args.default_model
        elif not args.skip_default:
            (out / "default.yml").write_text(DEFAULT_CONFIG)
            models["rasa-default"] = train(out / "default.yml", out, "default")
        figures = {}
        for name, path in models.items():
            if args.errors:
                print(f"\nerrors of {name}:")
            figures[name] = asyncio.run(evaluate(path, args.errors))
    names = list(figures)
    header = " ".join(
        f"{n + ' acc':>16} {n + ' F1':>15} {'faq':>6} {'fallbk':>6} {'net':>3} {'acc w/o net':>11}"
        for n in names
    )
    print(f"\n{'lang':5} {'n':>4} {header}")
    for language in LANGUAGES:
        row = figures[names[0]][language]
        cells = " ".join(
            f"{figures[n][language]['accuracy']:16.3f} {figures[n][language]['macro_f1']:15.3f} "
            f"{figures[n][language]['faq_answer']:6.3f} {figures[n][language]['fallback']:6.3f} "
            f"{figures[n][language]['crisis_net']:3d} {figures[n][language]['accuracy_without_net']:11.3f}"
            for n in names
        )
        print(f"{language:5} {row['n']:4d} {cells}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
