"""Directory commands:

  python -m referrals migrate                 create or upgrade the database schema
  python -m referrals import FILE             import services (.json: HSDS 3.0, .csv: flat table)
  python -m referrals export FILE             export the whole directory (.json or .csv)
  python -m referrals load-demo               import data/demo_directory.json
  python -m referrals retention               delete conversations idle past CONVERSATION_RETENTION_HOURS
  python -m referrals admin create-admin EMAIL   create an admin of the admin web page (password
                                              prompted, or from ADMIN_PASSWORD)
  python -m referrals admin create-user EMAIL --role counsellor --org ORG_ID
  python -m referrals admin reset-password EMAIL

Imports are all-or-nothing: a file with a broken record changes nothing, and every
problem is listed with its record (or line) and field.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from assistant.settings import PROJECT_ROOT
from referrals.admin import cli as admin_cli
from referrals.csv_format import export_csv, import_csv
from referrals.db import get_sessionmaker, upgrade_database
from referrals.hsds import DirectoryImportError, export_json, import_file

DEMO_DIRECTORY = PROJECT_ROOT / "data" / "demo_directory.json"
log = logging.getLogger("referrals")


def import_path(path: Path) -> int:
    session = get_sessionmaker()()
    try:
        return import_csv(session, path) if path.suffix.lower() == ".csv" else import_file(session, path)
    finally:
        session.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m referrals",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="create or upgrade the database schema")
    sub.add_parser("import", help="import services from .json (HSDS 3.0) or .csv").add_argument(
        "file", type=Path
    )
    sub.add_parser("export", help="export all services to .json (HSDS 3.0) or .csv").add_argument(
        "file", type=Path
    )
    sub.add_parser("load-demo", help="import the demo directory")
    sub.add_parser("retention", help="delete conversation texts past the retention period, once")
    admin_cli.add_parser(sub)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)

    upgrade_database()
    if args.command == "migrate":
        return 0
    if args.command == "retention":
        from referrals.statistics.retention import run_retention

        run_retention()
        return 0
    if args.command == "admin":
        return admin_cli.run(args)
    if args.command == "export":
        with get_sessionmaker()() as session:
            exporter = export_csv if args.file.suffix.lower() == ".csv" else export_json
            count = exporter(session, args.file)
        log.info("exported %d services to %s", count, args.file)
        return 0
    path = DEMO_DIRECTORY if args.command == "load-demo" else args.file
    started = time.monotonic()
    try:
        count = import_path(path)
    except DirectoryImportError as error:
        for problem in error.problems:
            print(f"{path.name}: {problem}", file=sys.stderr)
        log.error("import failed with %d problem(s); nothing was changed", len(error.problems))
        return 1
    log.info("imported %d services from %s in %.1f s", count, path.name, time.monotonic() - started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
