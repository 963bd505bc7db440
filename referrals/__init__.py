"""Referrals: the directory (referrals/directory/) and the rooms that use it, the Rasa custom
actions (actions/), the counsellor admin (admin/), the statistics (statistics/) and the handover
(handover/), beside the helpers they all share."""
