"""Handover to a person: a user writes to an organisation's counsellors, who answer in the admin.

`models.py` holds the tables (opt-in per service, threads, messages, the delivery address, the
statistics counter), `threads.py` what the bot and the admin do with them, `retention.py` the
idle auto-close and the deletion of texts after closing. No web framework and no Telegram here:
the adapter, the action server and the admin all import this package.
"""
