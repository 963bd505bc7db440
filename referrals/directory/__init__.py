"""The referral directory: its data model (HSDS 3.0), import and export, validation, search and
the places it knows. The rooms that use it (actions, admin, statistics, handover) sit above it:
it imports none of them (import contract in pyproject.toml)."""
