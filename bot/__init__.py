"""Telegram adapter: translates Telegram updates into Rasa REST messages and Rasa replies back."""
