"""Coordinator statistics: coarse, anonymous counts of what people ask, where and in which language.

- `recording`: the action server counts every user turn once (language, intent, topic,
  directory city, hour, fallback, crisis) and every referral search (outcome, organisations
  shown) into aggregated daily counters. No text, no ids, no pseudonym is ever stored.
- `queries`: the dashboard's tables, with small counts suppressed (`suppression`).
- no web: the pages (Starlette routes, charts, CSV) are the admin's,
  `referrals.admin.statistics_pages`, mounted under /statistics.
"""
