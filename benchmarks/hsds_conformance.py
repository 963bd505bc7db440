"""Conformance: the HSDS JSON export checked against the official HSDS 3.0 compiled schemas.

Loads the demo directory and a generated directory (benchmarks/directory_search.py's generator)
into throw-away SQLite databases, exports them as the directory's JSON export does and validates
every service against `service.json` and every organisation against `organization.json` with
`jsonschema` (Draft 2020-12), once as the draft defines it (formats are annotations) and once
with format checking (uuid, email, uri, date-time). Prints the error counts and the commonest
errors.

    HSDS_SCHEMA_DIR=../shared/hsds-3.0 .venv/bin/python benchmarks/hsds_conformance.py [--services 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from sqlalchemy.orm import sessionmaker

from referrals.db import make_engine, upgrade_database
from referrals.directory.hsds_publish import export_json
from referrals.directory.hsds_read import import_file

sys.path.insert(0, str(Path(__file__).resolve().parent))
from directory_search import generate  # noqa: E402

DEMO = Path(__file__).resolve().parent.parent / "data" / "demo_directory.json"


def validators(schema_dir: Path) -> dict[str, tuple]:
    from jsonschema import Draft202012Validator, FormatChecker

    out = {}
    for name in ("service", "organization"):
        schema = json.loads((schema_dir / f"{name}.json").read_text(encoding="utf-8"))
        out[name] = (
            Draft202012Validator(schema),
            Draft202012Validator(schema, format_checker=FormatChecker()),
        )
    return out


def exported(source: Path, folder: Path) -> dict:
    url = f"sqlite:///{folder / (source.stem + '.sqlite3')}"
    upgrade_database(url)
    factory = sessionmaker(make_engine(url), expire_on_commit=False)
    with factory() as session:
        import_file(session, source)
    target = folder / (source.stem + "-export.json")
    with factory() as session:
        export_json(session, target)
    return json.loads(target.read_text(encoding="utf-8"))


def check(label: str, data: dict, checks: dict[str, tuple]) -> None:
    # Organisations travel inside their services; each distinct one is checked on its own too.
    organizations = {json.dumps(s["organization"], sort_keys=True) for s in data.get("services", [])}
    records = {"service": data.get("services", []), "organization": [json.loads(o) for o in organizations]}
    for kind, items in records.items():
        if not items:
            continue
        plain, formats = checks[kind]
        for mode, validator in (("draft 2020-12", plain), ("with formats", formats)):
            started = time.perf_counter()
            kinds: Counter[str] = Counter()
            invalid = errors = 0
            for item in items:
                found = list(validator.iter_errors(item))
                invalid += bool(found)
                errors += len(found)
                for error in found:
                    path = ".".join(str(p) if not isinstance(p, int) else "[]" for p in error.absolute_path)
                    kinds[f"{path or '(record)'}: {error.validator}"] += 1
            print(
                f"{label} {kind}s ({mode}): {invalid} of {len(items)} invalid, {errors} errors "
                f"({time.perf_counter() - started:.1f} s)"
            )
            for what, count in kinds.most_common(12):
                print(f"    {count:6d}  {what}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--services", type=int, default=2000, help="size of the generated directory")
    args = parser.parse_args()
    schema_dir = Path(os.environ.get("HSDS_SCHEMA_DIR", "../shared/hsds-3.0"))
    if not (schema_dir / "service.json").is_file():
        sys.exit(f"no HSDS 3.0 schemas in {schema_dir}: set HSDS_SCHEMA_DIR")
    checks = validators(schema_dir)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        check("demo", exported(DEMO, folder), checks)
        generated = folder / "generated.json"
        services, _places = generate(args.services)
        generated.write_text(json.dumps({"services": services}), encoding="utf-8")
        check(f"generated ({args.services})", exported(generated, folder), checks)


if __name__ == "__main__":
    main()
