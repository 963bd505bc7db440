"""`python -m referrals admin ...`: create the first admin, add users, reset a password.

Passwords are asked for at the terminal (not echoed), or read from ADMIN_PASSWORD for
scripts and tests; they are never printed or logged.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from sqlalchemy import select

from referrals.admin import auth
from referrals.admin.models import ROLES
from referrals.db import get_sessionmaker
from referrals.directory.models import Organization


def add_parser(sub: argparse._SubParsersAction) -> None:
    admin = sub.add_parser("admin", help="admin web page users").add_subparsers(
        dest="admin_command", required=True
    )
    first = admin.add_parser("create-admin", help="create an admin (e.g. the first one)")
    first.add_argument("email")
    user = admin.add_parser("create-user", help="create a counsellor or coordinator")
    user.add_argument("email")
    user.add_argument("--role", choices=ROLES, default="counsellor")
    user.add_argument("--org", action="append", default=[], help="organisation id (repeatable)")
    reset = admin.add_parser("reset-password", help="set a new password for a user")
    reset.add_argument("email")


def _password() -> str:
    if password := os.environ.get("ADMIN_PASSWORD"):
        return password
    first = getpass.getpass("Password (10+ characters): ")
    if first != getpass.getpass("Repeat: "):
        raise ValueError("the passwords differ")
    return first


def run(args: argparse.Namespace) -> int:
    try:
        with get_sessionmaker()() as session:
            if args.admin_command == "reset-password":
                user = auth.find_user(session, args.email)
                if user is None:
                    raise ValueError("no such user")
                password = _password()
                if len(password) < auth.MIN_PASSWORD_LENGTH:
                    raise ValueError(f"the password needs at least {auth.MIN_PASSWORD_LENGTH} characters")
                user.password_hash = auth.hash_password(password)
                user.session_version += 1
                user.must_change_password = False
                session.commit()
                print("password changed")
                return 0
            role = "admin" if args.admin_command == "create-admin" else args.role
            orgs = tuple(getattr(args, "org", []))
            known = set(session.scalars(select(Organization.id).where(Organization.id.in_(orgs))))
            if unknown := [org for org in orgs if org not in known]:
                raise ValueError(f"unknown organisation id(s): {', '.join(unknown)}")
            auth.create_user(session, args.email, _password(), role, orgs)
            session.commit()
            print(f"{role} created")
            return 0
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
