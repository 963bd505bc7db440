"""The action server's processes: rasa-sdk's primary only supervises, each Sanic worker
builds its own executor with every action (so the primary neither imports nor warms up
spaCy, the gazetteer and the database: a faster start and 90 MB less)."""

from __future__ import annotations

import pickle
import subprocess
import sys

from referrals.actions.server import SelectiveDomainExecutor

DOMAIN_ACTIONS = {
    "action_extract_language_and_place",
    "action_topic_menu",
    "action_ask_topic",
    "action_ask_city",
    "validate_referral_form",
    "action_find_referrals",
    "action_answer_faq",
    "action_offer_referral",
    "action_accept_offer",
    "action_confirm_language",
    "action_report_problem",
}


def test_a_worker_gets_every_action_the_primary_has_none() -> None:
    primary = SelectiveDomainExecutor()
    assert primary.actions == {}
    worker = pickle.loads(pickle.dumps(primary))  # what Sanic does to start a worker
    assert isinstance(worker, SelectiveDomainExecutor)
    assert DOMAIN_ACTIONS <= set(worker.actions)


def test_the_primary_imports_neither_spacy_nor_alembic() -> None:
    code = (
        "import sys, referrals.actions.server; "
        "print(sorted(m for m in ('spacy', 'alembic', 'referrals.gazetteer') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
