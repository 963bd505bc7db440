"""Rasa custom actions, served by rasa-sdk: `python -m rasa_sdk --actions referrals.actions`."""

from referrals.actions.directory import warm_up

warm_up()
