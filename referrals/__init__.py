"""Referral directory: data model, search, import, and the Rasa custom actions that use them."""
