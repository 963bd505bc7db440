"""Directory commands: `python -m referrals migrate | import FILE | load-demo`."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from assistant.settings import PROJECT_ROOT
from referrals.db import get_sessionmaker, upgrade_database
from referrals.hsds import DirectoryImportError, import_file

DEMO_DIRECTORY = PROJECT_ROOT / "data" / "demo_directory.json"
log = logging.getLogger("referrals")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m referrals", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="create or upgrade the database schema")
    imp = sub.add_parser("import", help="import services from an HSDS 3.0 JSON file")
    imp.add_argument("file", type=Path)
    sub.add_parser(
        "load-demo", help="migrate, then import the demo directory (data/demo_directory.json)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )

    upgrade_database()
    if args.command == "migrate":
        return 0
    path = DEMO_DIRECTORY if args.command == "load-demo" else args.file
    try:
        count = import_file(get_sessionmaker()(), path)
    except DirectoryImportError as error:
        log.error("import failed, nothing changed: %s", error)
        return 1
    log.info("imported %d services from %s", count, path.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
