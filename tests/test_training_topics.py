"""A referral request told as a story teaches the sentence classifier its topic.

Training examples name their topic with a `topic` entity where a word names the need; a story ("my
mother can't wash herself any more") has no such word, so the intent block it is written in carries
the topic as metadata. Without that label the story would teach nothing about topics, and the
assistant would answer the same story from a user with the topic menu instead of places.
Runs in the Rasa environment, with Rasa's own reader, as training does.
"""

from __future__ import annotations

import pytest

from tests.rasa_script import RasaScripts, in_rasa

TOPICS = {
    "health",
    "youth_family",
    "citizen_office",
    "migration_counselling",
    "women",
    "seniors_care",
    "language_courses",
    "work_recognition",
}

SCRIPT = in_rasa(
    """
import json, sys
from pathlib import Path
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
from rasa.shared.nlu.training_data.loading import load_data
from nlu_components.sentence_classifier import _topic_of, faq_topics

sample = RasaYAMLReader().reads('''
version: "3.1"
nlu:
  - intent: request_referral
    metadata:
      topic: seniors_care
    examples: |
      - my mother cannot wash herself any more and i work all day in [Bochum](place)
      - we need a [Kita]{"entity":"topic","value":"youth_family"} for the little one too
  - intent: request_referral
    examples: |
      - can someone help me
''')
labels = [_topic_of(m, {}) for m in sample.intent_examples]
files = sorted(Path("nlu").glob("*/*.yml"))
data = load_data(str(files[0])).merge(*[load_data(str(f)) for f in files[1:]])
blocks = sorted({
    str(((m.get("metadata") or {}).get("intent") or {}).get("topic"))
    for m in data.intent_examples
    if ((m.get("metadata") or {}).get("intent") or {}).get("topic")
})
answers = faq_topics()
referrals = [m for m in data.intent_examples if m.get("intent") == "request_referral"]
unlabelled = sum(1 for m in referrals if _topic_of(m, answers) is None)
print(json.dumps({"labels": labels, "blocks": blocks, "referrals": len(referrals), "unlabelled": unlabelled}))
"""
)


@pytest.fixture(scope="module")
def labelled(rasa_scripts: RasaScripts) -> dict:
    return rasa_scripts.result(SCRIPT)


def test_a_story_without_a_topic_word_is_labelled_with_its_blocks_topic(labelled: dict) -> None:
    # The topic word wins where there is one; a block without metadata leaves a bare request unlabelled.
    assert labelled["labels"] == ["seniors_care", "youth_family", None]


def test_every_blocks_topic_is_a_directory_topic(labelled: dict) -> None:
    assert labelled["blocks"], "no training block carries a topic"
    assert set(labelled["blocks"]) <= TOPICS


def test_most_referral_requests_teach_a_topic(labelled: dict) -> None:
    # The general referral files mix topics and hold bare requests ("I need help"); everything
    # else must teach one.
    assert labelled["unlabelled"] / labelled["referrals"] < 0.15, labelled
