"""Directory commands:

  python -m referrals migrate                 create or upgrade the database schema
  python -m referrals import FILE...          import services: HSDS 3.0 JSON (a list, {"services": [...]},
                                              the pages of an HSDS API's /services), an HSDS
                                              datapackage.json with its CSV tables, or our flat .csv
        --taxonomy-map MAP.yml                map another taxonomy's terms to our topics
        --skip-unmapped                       leave out records without a mapped topic
  python -m referrals export FILE             export the whole directory (.json: HSDS 3.0,
                                              datapackage.json: HSDS tables beside it, .csv: flat)
  python -m referrals load-demo               import data/demo_directory.json
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

from referrals.admin import cli as admin_cli
from referrals.db import get_sessionmaker, upgrade_database
from referrals.directory.csv_format import export_csv, import_csv
from referrals.directory.hsds import DirectoryImportError, Problem, import_records
from referrals.directory.hsds_publish import export_json
from referrals.directory.hsds_read import DEMO_DIRECTORY, read_records
from referrals.directory.tabular import export_tabular
from referrals.directory.taxonomy_map import TaxonomyMap, apply

log = logging.getLogger("referrals")


def _is_flat_csv(path: Path) -> bool:
    """Our flat CSV (a service_id column) rather than a table of the HSDS tabular form."""
    with path.open(encoding="utf-8-sig") as handle:
        header = handle.readline()
    if "service_id" in header.split(","):
        return True
    raise DirectoryImportError([Problem(path.name, "header", "not_flat_csv")])


def import_paths(paths: list[Path], taxonomy_map: Path | None = None, skip_unmapped: bool = False) -> int:
    """Import the files (see the module's docstring); prints the taxonomy map's report."""
    session = get_sessionmaker()()
    try:
        if len(paths) == 1 and paths[0].suffix.lower() == ".csv" and _is_flat_csv(paths[0]):
            return import_csv(session, paths[0])
        records = read_records(paths)
        if taxonomy_map is not None:
            records, report = apply(records, TaxonomyMap.load(taxonomy_map), skip_unmapped)
            for term, count in sorted(report.unmapped.items(), key=lambda item: (-item[1], item[0])):
                print(f"unmapped term, {count}x: {term}", file=sys.stderr)
            if report.skipped:
                print(f"skipped {report.skipped} record(s) without a mapped topic", file=sys.stderr)
            elif report.without_topic:
                print(
                    f"{len(report.without_topic)} record(s) have no mapped topic: nothing is written "
                    "unless --skip-unmapped leaves them out",
                    file=sys.stderr,
                )
        return import_records(session, records, updated_by=f"import:{paths[0].name}")
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
    importing = sub.add_parser("import", help="import services (HSDS 3.0 JSON, datapackage.json, flat .csv)")
    importing.add_argument("files", type=Path, nargs="+", help="one file, or every page of an API's list")
    importing.add_argument("--taxonomy-map", type=Path, help="YAML: vocabulary -> term code or name -> topic")
    importing.add_argument("--skip-unmapped", action="store_true", help="leave out records without a topic")
    sub.add_parser(
        "export", help="export all services to .json (HSDS 3.0), datapackage.json (HSDS tables) or .csv"
    ).add_argument("file", type=Path)
    sub.add_parser("load-demo", help="import the demo directory")
    admin_cli.add_parser(sub)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)

    upgrade_database()
    if args.command == "migrate":
        return 0
    if args.command == "admin":
        return admin_cli.run(args)
    if args.command == "export":
        with get_sessionmaker()() as session:
            exporter = (
                export_tabular
                if args.file.name == "datapackage.json"
                else export_csv
                if args.file.suffix.lower() == ".csv"
                else export_json
            )
            count = exporter(session, args.file)
        log.info("exported %d services to %s", count, args.file)
        return 0
    paths = [DEMO_DIRECTORY] if args.command == "load-demo" else args.files
    path = paths[0]
    started = time.monotonic()
    try:
        if args.command == "load-demo":
            count = import_paths(paths)
        else:
            count = import_paths(paths, args.taxonomy_map, args.skip_unmapped)
    except DirectoryImportError as error:
        for problem in error.problems:
            named = problem.record.startswith(path.name)
            print(problem if named else f"{path.name}: {problem}", file=sys.stderr)
        log.error("import failed with %d problem(s); nothing was changed", len(error.problems))
        return 1
    log.info("imported %d services from %s in %.1f s", count, path.name, time.monotonic() - started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
