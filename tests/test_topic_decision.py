"""A referral request is searched for the topic of the whole message, not of one word in it.

The sentence classifier leaves exactly one `topic` entity on a referral request: the topic of
the whole message, where a topic word (DIET's or the lookup tables') counts as one signal. The
user notices the difference: "my mother can't live alone, is there a meeting place for women
like her" must bring care places, not the women's counselling its words suggest; a span DIET
tagged but the synonyms don't know ("women's group") must not send the user to the topic menu.
Runs in the Rasa environment (the component is a Rasa GraphComponent), on made-up probabilities.
"""

from __future__ import annotations

import pytest

from tests.rasa_script import RasaScripts, in_rasa

SCRIPT = in_rasa(
    """
import json
from rasa.shared.nlu.training_data.message import Message
from nlu_components.sentence_classifier import SentenceClassifier

classifier = SentenceClassifier(SentenceClassifier.get_default_config(), None, None, {})
TOPICS = ["health", "youth_family", "citizen_office", "migration_counselling", "women",
          "seniors_care", "language_courses", "work_recognition"]

def decide(entities, likely):
    probabilities = {t: 0.01 for t in TOPICS}
    probabilities.update(likely)
    message = Message(data={"text": "...", "entities": entities})
    classifier._choose_topic(message, probabilities)
    return [(e["entity"], e["value"]) for e in message.get("entities")]

def word(value, extractor="RegexEntityExtractor"):
    return {"entity": "topic", "value": value, "extractor": extractor}

place = {"entity": "place", "value": "Köln", "extractor": "DIETClassifier"}
print(json.dumps({
    "story_outweighs_a_word": decide([word("women")], {"seniors_care": 0.86, "women": 0.05}),
    "word_decides_a_close_call": decide([word("health")], {"health": 0.3, "women": 0.6}),
    "two_words_the_message_decides": decide(
        [word("youth_family"), word("language_courses")], {"language_courses": 0.8, "youth_family": 0.1}),
    "unknown_span_gives_way": decide([word("women's group", "DIETClassifier"), place], {"women": 0.6}),
    "no_word_likely_topic": decide([place], {"work_recognition": 0.35}),
    "no_word_unsure": decide([word("women's group", "DIETClassifier"), place], {"women": 0.2}),
}))
"""
)


@pytest.fixture(scope="module")
def decided(rasa_scripts: RasaScripts) -> dict:
    return {k: [tuple(e) for e in v] for k, v in rasa_scripts.result(SCRIPT).items()}


def test_a_story_about_care_is_searched_as_care_though_it_names_women(decided: dict) -> None:
    assert decided["story_outweighs_a_word"] == [("topic", "seniors_care")]


def test_a_topic_word_wins_when_the_message_is_not_clearly_about_something_else(decided: dict) -> None:
    assert decided["word_decides_a_close_call"] == [("topic", "health")]


def test_of_two_topic_words_the_one_the_message_is_about_is_kept(decided: dict) -> None:
    assert decided["two_words_the_message_decides"] == [("topic", "language_courses")]


def test_a_span_the_synonyms_dont_know_gives_way_to_the_messages_topic(decided: dict) -> None:
    assert decided["unknown_span_gives_way"] == [("place", "Köln"), ("topic", "women")]


def test_without_a_topic_word_a_likely_topic_is_searched(decided: dict) -> None:
    assert decided["no_word_likely_topic"] == [("place", "Köln"), ("topic", "work_recognition")]


def test_an_unsure_message_keeps_no_topic_so_the_form_asks(decided: dict) -> None:
    # The town stays; the form then asks for the topic with the likely ones first.
    assert decided["no_word_unsure"] == [("place", "Köln")]
