"""Rasa NLU component: a crisis phrase overrides the classifier's intent.

DIET is confidently wrong on wording it never saw, and a missed crisis is the worst error the
assistant can make. Placed last in the pipeline, this component looks for the phrases of
content/crisis_keywords.yml and, when one occurs, makes the message's intent that crisis intent
(confidence 1.0), so the rules answer with the emergency numbers first. The phrases are copied
into the model at training time: a model behaves the same wherever it is loaded.

It is the second line behind the sentence classifier (nlu_components/sentence_classifier.py),
which reads the whole message: when that one is sure there is no emergency now ("last year my
husband hit me", "this letter is killing me", a film about suicide), a phrase does not override
it. Where the sentence classifier is unsure or absent, the phrases decide as before.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components import source_files
from nlu_components.crisis_phrases import KEYWORDS_FILE, CrisisPhrases
from nlu_components.sentence_classifier import NO_CRISIS, SENTENCE_CRISIS_KEY

_FILE = "crisis_phrases.json"
CRISIS_PHRASE_KEY = "crisis_phrase"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class CrisisKeywordClassifier(GraphComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # The sentence classifier's probability of "no emergency" from which a phrase defers to it
        # (below its `crisis_threshold` it calls an emergency itself; in between, the phrases decide).
        return {"keywords_file": str(KEYWORDS_FILE), "sentence_sure_no_crisis": 0.9}

    def __init__(
        self,
        model_storage: ModelStorage,
        resource: Resource,
        phrases: CrisisPhrases,
        sure_no_crisis: float = 0.9,
    ) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self._phrases = phrases
        self._sure_no_crisis = sure_no_crisis

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        return source_files.digest(config["keywords_file"])  # copied into the model at training

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> CrisisKeywordClassifier:
        return cls(
            model_storage,
            resource,
            CrisisPhrases.from_file(Path(config["keywords_file"])),
            config["sentence_sure_no_crisis"],
        )

    def train(self, training_data: TrainingData) -> Resource:
        with self._model_storage.write_to(self._resource) as directory:
            (directory / _FILE).write_text(json.dumps(self._phrases.phrases_by_intent, ensure_ascii=False))
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> CrisisKeywordClassifier:
        with model_storage.read_from(resource) as directory:
            phrases = json.loads((directory / _FILE).read_text(encoding="utf-8"))
        return cls(model_storage, resource, CrisisPhrases(phrases), config["sentence_sure_no_crisis"])

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            crisis = self._phrases.intent(text)
            current = (message.get(INTENT) or {}).get(INTENT_NAME_KEY) or ""
            if crisis is None or current.startswith("crisis_"):
                continue  # the classifier already saw a crisis (perhaps of a more fitting kind)
            whole_message = message.get(SENTENCE_CRISIS_KEY) or {}
            if whole_message.get(NO_CRISIS, 0.0) >= self._sure_no_crisis:
                continue  # the whole message is clearly not an emergency now
            message.set(INTENT, {INTENT_NAME_KEY: crisis, "confidence": 1.0}, add_to_output=True)
            # What the classifier had said, for evaluation (benchmarks/nlu_accuracy.py counts these).
            message.set(CRISIS_PHRASE_KEY, {"overridden": current}, add_to_output=True)
            ranking = [i for i in message.get(INTENT_RANKING_KEY) or [] if i.get(INTENT_NAME_KEY) != crisis]
            message.set(
                INTENT_RANKING_KEY,
                [{INTENT_NAME_KEY: crisis, "confidence": 1.0}, *ranking],
                add_to_output=True,
            )
        return messages
