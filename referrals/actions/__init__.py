"""Rasa custom actions, served by rasa-sdk: `python -m rasa_sdk --actions referrals.actions`."""
