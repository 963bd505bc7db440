"""Rasa NLU component: a request to answer in another language becomes `choose_language`.

Users ask to switch the reply language in many wordings and mostly with a reason attached: "can
you reply in French please, it's easier for my husband", "Kannst du bitte auf Türkisch antworten?
Meine Mutter liest mit", "میشه عربی بنویسی؟ شوهرم عربه". DIET reads words: the context words
(husband, mother, colleague, "I am learning the language") dominate such a message and DIET takes it
for a referral request, an information question or out of scope, while the few words that make it
a switch ("reply", "antworten", "بنویسی") and the language name are a small part of it. The
training examples cannot list every reason a user gives. What makes the request is plain in the
words, though, and the same in every such message: one language named, and a word asking the
assistant itself to reply, write, speak or answer in it (or nothing but the name and a "please").
So this is a rule on words, not a classifier: the words are in data/language_names.yml, which the
application reads too (referrals/language.py), reviewable like content/ and copied into the model at
training time, so that a model behaves the same wherever it is loaded.

A message becomes `choose_language` (confidence 1.0) with a `language` entity (the ISO code) when
- it names exactly one of the 8 languages and asks for it: a `reply` word of the file, or nothing
  but the name and `polite` words ("english please", "بالعربي لو سمحت", "по-русски");
- it is not about someone or something that speaks the language: no `not_a_request` word ("who",
  "spricht", "qui", "котор", "بيحكي", a course, a letter) and no `speaking` word right after the
  name ("arabic speaking", "türkçe konuşan", "فارسی زبان", "Deutschkurs");
- it asks for no place or person: no `topic` entity of DIET or the RegexEntityExtractor (one that is
  nothing but the language words, "زبان آلمانی", does not count), and the sentence classifier's
  topic ranking is below `topic_veto` ("I need a doctor who speaks Arabic" is a referral request
  whatever its words);
- its intent is not an emergency, nor a request for a human that DIET is sure of (which asks for a
  person): "my husband beats me, please answer in Arabic" stays a crisis. Placed before the crisis
  phrase net, so a crisis phrase still wins over this rule.
Otherwise DIET's intent stands: the rule only ever adds a switch it is sure of. The intent it
replaced stays in the ranking, and `language_request` in the parse data says what was overridden
and which word decided (for evaluation, like the phrase net's `crisis_phrase`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components import source_files
from nlu_components.language_words import DATA_FILE, LanguageRequest, LanguageWords
from nlu_components.sentence_classifier import TOPIC_RANKING_KEY

_FILE = "language_names.json"
CHOOSE_LANGUAGE = "choose_language"
LANGUAGE_REQUEST_KEY = "language_request"
# Whose topic entities say the message asks for a place or person. The sentence classifier's own
# topic entity is judged by its ranking instead (`topic_veto`).
TOPIC_EXTRACTORS = frozenset({"DIETClassifier", "RegexEntityExtractor"})
# A request for a person (a counsellor who speaks the language, not the assistant): the rule
# overrides it only where DIET is unsure of it (`human_sure`); an emergency never.
REQUEST_HUMAN = "request_human"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class LanguageRequestClassifier(GraphComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "language_names_file": str(DATA_FILE),
            # The sentence classifier's probability of a directory topic from which the message
            # counts as asking for a place or person, whatever its words. 0.5: the topic is likelier
            # than everything else together, "no topic" included (its own bars: 0.3 to search a topic
            # no word names, 0.6 to turn "out of scope" into a request). A request to switch was
            # trained as "no topic" there; a missed switch costs the user a second try (or the
            # /language buttons), a wrong one loses their request, so the bar leans to keeping DIET.
            # Not measured: chosen without a trained model at hand (no tuning on the fresh sets).
            "topic_veto": 0.5,
            # A request for a person is kept when DIET is at least this sure of it. Below, the
            # words decide: a switch's words name no person (`not_a_request` holds "counsellor",
            # "someone", "человек" ...), and an unsure DIET took "ответь пожалуйста по-английски,
            # хочу переслать коллеге" (0.1) and "Vous pouvez écrire en persan ? C'est pour ma
            # voisine" (0.47) for one (understanding dev set, model 1ff32d65).
            "human_sure": 0.5,
        }

    def __init__(
        self,
        model_storage: ModelStorage,
        resource: Resource,
        words: LanguageWords,
        topic_veto: float = 0.5,
        human_sure: float = 0.5,
    ) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self._words = words
        self._topic_veto = topic_veto
        self._human_sure = human_sure

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        return source_files.digest(config["language_names_file"])  # copied into the model at training

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageRequestClassifier:
        return cls(
            model_storage,
            resource,
            LanguageWords.from_file(Path(config["language_names_file"])),
            config["topic_veto"],
            config["human_sure"],
        )

    def train(self, training_data: TrainingData) -> Resource:
        with self._model_storage.write_to(self._resource) as directory:
            (directory / _FILE).write_text(json.dumps(self._words.data, ensure_ascii=False), encoding="utf-8")
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LanguageRequestClassifier:
        with model_storage.read_from(resource) as directory:
            data = json.loads((directory / _FILE).read_text(encoding="utf-8"))
        return cls(model_storage, resource, LanguageWords(data), config["topic_veto"], config["human_sure"])

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text or text.startswith("/"):
                continue  # button payloads say what they mean
            incoming = message.get(INTENT) or {}
            current = str(incoming.get(INTENT_NAME_KEY) or "")
            if current == CHOOSE_LANGUAGE or current.startswith("crisis_"):
                continue
            if current == REQUEST_HUMAN and float(incoming.get("confidence") or 0.0) >= self._human_sure:
                continue
            request = self._words.request(text)
            if request is None or self._asks_for_a_place(message, text):
                continue
            self._switch(message, request, incoming)
        return messages

    def _asks_for_a_place(self, message: Message, text: str) -> bool:
        """A topic entity, or a topic the whole message is likely about: a place or person is
        asked for ("I speak Arabic and need a Kita in Köln"), not the assistant's reply."""
        for entity in message.get(ENTITIES) or []:
            if entity.get(ENTITY_ATTRIBUTE_TYPE) != "topic" or entity.get(EXTRACTOR) not in TOPIC_EXTRACTORS:
                continue
            start, end = entity.get(ENTITY_ATTRIBUTE_START), entity.get(ENTITY_ATTRIBUTE_END)
            span = text[start:end] if isinstance(start, int) and isinstance(end, int) else ""
            if not (span and self._words.only_names(span)):  # "زبان آلمانی" names the language only
                return True
        ranking = message.get(TOPIC_RANKING_KEY) or []
        return bool(ranking) and float(ranking[0].get("confidence") or 0.0) >= self._topic_veto

    @staticmethod
    def _switch(message: Message, request: LanguageRequest, incoming: dict[str, Any]) -> None:
        choice = {INTENT_NAME_KEY: CHOOSE_LANGUAGE, "confidence": 1.0}
        ranking = [
            i for i in message.get(INTENT_RANKING_KEY) or [] if i.get(INTENT_NAME_KEY) != CHOOSE_LANGUAGE
        ]
        original = {k: incoming.get(k) for k in (INTENT_NAME_KEY, "confidence")}
        if original[INTENT_NAME_KEY] and all(
            i.get(INTENT_NAME_KEY) != original[INTENT_NAME_KEY] for i in ranking
        ):
            ranking.insert(0, original)
        message.set(INTENT, choice, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [choice, *ranking], add_to_output=True)
        # A topic entity the sentence classifier gave the request it took this for would fill the
        # form's topic slot; a `language` entity of another language would contradict the switch.
        entities = [
            e
            for e in message.get(ENTITIES) or []
            if e.get(ENTITY_ATTRIBUTE_TYPE) != "topic"
            and (
                e.get(ENTITY_ATTRIBUTE_TYPE) != "language"
                or e.get(ENTITY_ATTRIBUTE_VALUE) == request.language
            )
        ]
        if not any(e.get(ENTITY_ATTRIBUTE_TYPE) == "language" for e in entities):
            entities.append(
                {
                    ENTITY_ATTRIBUTE_TYPE: "language",
                    ENTITY_ATTRIBUTE_VALUE: request.language,
                    EXTRACTOR: LanguageRequestClassifier.__name__,
                }
            )
        message.set(ENTITIES, entities, add_to_output=True)
        # What DIET (and the sentence classifier) had said, and the word that decided.
        message.set(
            LANGUAGE_REQUEST_KEY,
            {"overridden": original, "language": request.language, "because": request.because},
            add_to_output=True,
        )
