"""The emergency decision of the whole message: who gets the numbers, and which numbers first.

The sentence classifier reads the whole message (its sentence vector and its character n-grams)
and decides together with DIET whether the message is an emergency now, and of which kind. The
user notices both halves: a missed emergency gets no numbers; a wrong kind gets the wrong numbers
first (a child left alone needs 110 and the children's line, not the on-call doctor); a false alarm
answers an everyday question with emergency numbers. Runs in the Rasa environment (the component
is a Rasa GraphComponent), on made-up probabilities.
"""

from __future__ import annotations

import pytest

from tests.rasa_script import RasaScripts, in_rasa

SCRIPT = in_rasa(
    """
import json
import numpy as np
from rasa.shared.nlu.training_data.message import Message
from nlu_components.sentence_classifier import SentenceClassifier

class Fixed:
    # A stand-in for the trained regression: the probabilities of one message.
    def __init__(self, probabilities):
        self.classes_ = list(probabilities)
        self._row = [probabilities[k] for k in self.classes_]
    def predict_proba(self, features):
        return np.array([self._row])

def decide(intent, confidence, probabilities):
    none = probabilities.pop("none")
    rest = {k: 0.0 for k in ("medical", "violence", "suicidal", "child_danger")}
    rest.update(probabilities)
    classifier = SentenceClassifier(
        SentenceClassifier.get_default_config(), None, None, {"crisis": Fixed({"none": none, **rest})}
    )
    ranking = [{"name": intent, "confidence": confidence}, {"name": "faq", "confidence": 0.01}]
    message = Message(data={"text": "...", "intent": ranking[0], "intent_ranking": ranking})
    classifier._decide_crisis(message, np.ones((1, 384), dtype=np.float32))
    return message.get("intent")["name"]

print(json.dumps({
    "diet_medical_message_child": decide(
        "crisis_medical", 0.99, {"none": 0.2, "child_danger": 0.6, "medical": 0.2}
    ),
    "diet_violence_message_sure_none": decide("crisis_violence", 1.0, {"none": 0.97, "violence": 0.03}),
    "diet_sure_request_message_emergency": decide("request_referral", 0.97, {"none": 0.3, "suicidal": 0.7}),
    "diet_sure_request_message_unsure": decide("request_referral", 0.97, {"none": 0.75, "medical": 0.25}),
    "diet_unsure_message_unsure": decide("faq", 0.6, {"none": 0.7, "medical": 0.3}),
    "small_talk_message_unsure": decide("goodbye", 0.6, {"none": 0.7, "suicidal": 0.3}),
    "diet_fairly_sure_request_message_unsure": decide(
        "request_referral", 0.93, {"none": 0.82, "medical": 0.18}
    ),
    "diet_violence_message_nearly_sure_none": decide(
        "crisis_violence", 1.0, {"none": 0.92, "violence": 0.08}
    ),
}))
"""
)


@pytest.fixture(scope="module")
def decided(rasa_scripts: RasaScripts) -> dict:
    return rasa_scripts.result(SCRIPT)


def test_the_whole_message_chooses_the_kind_of_an_emergency_diet_found(decided: dict) -> None:
    # A child left alone at home, which DIET took for a medical emergency: 110 first, not 112.
    assert decided["diet_medical_message_child"] == "crisis_child_danger"


def test_a_message_surely_no_emergency_gets_no_numbers_though_diet_read_alarm_words(decided: dict) -> None:
    # "My boss will kill me if I'm late again."
    assert decided["diet_violence_message_sure_none"] == "faq"


def test_an_emergency_told_without_alarm_words_is_recognised_from_the_whole_message(decided: dict) -> None:
    assert decided["diet_sure_request_message_emergency"] == "crisis_suicidal"


def test_where_diet_is_sure_of_a_request_an_unsure_message_stays_a_request(decided: dict) -> None:
    assert decided["diet_sure_request_message_unsure"] == "request_referral"


def test_where_diet_is_unsure_too_the_lower_bar_raises_the_alarm(decided: dict) -> None:
    assert decided["diet_unsure_message_unsure"] == "crisis_medical"


def test_a_goodbye_raises_the_alarm_only_by_the_strict_bar(decided: dict) -> None:
    # "je vous laisse, au revoir" resembles a farewell letter to the sentence vector.
    assert decided["small_talk_message_unsure"] == "goodbye"


def test_a_request_diet_is_not_quite_sure_of_gets_the_numbers_when_the_message_may_be_one(
    decided: dict,
) -> None:
    # "ya beremennaya 30 nedel, silnoe krovotechenie, odna doma, kak vyzvat Notarzt": DIET read a
    # request for a place at 0.93; pregnant, bleeding heavily and alone is an emergency now.
    assert decided["diet_fairly_sure_request_message_unsure"] == "crisis_medical"


def test_a_figure_of_speech_the_whole_message_is_nearly_sure_of_gets_no_numbers(decided: dict) -> None:
    # "el modir ra7 yedba7ni iza t2akhart kamen marra 😂" (the boss will slaughter me if I'm late).
    assert decided["diet_violence_message_nearly_sure_none"] == "faq"
