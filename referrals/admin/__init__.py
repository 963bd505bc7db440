"""Counsellor admin: a small web application where counsellors keep their organisation's
entries right, admins manage users and organisations, and coordinators read statistics.

`create_app()` (referrals.admin.app) returns the ASGI application; `python -m referrals.admin`
serves it with uvicorn (the run command starts it as one of its components).
"""
