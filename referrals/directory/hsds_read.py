"""Reading the forms in which other systems publish HSDS services, as service records.

- a JSON list of services, an object with a `services` list (our export), one service object
  (what an HSDS API's `/services/{id}` returns);
- pages of an HSDS API's `/services` (`{"total_items", "page_number", "contents": [...]}`), one
  file per page, given together: every page must be there, each once;
- the HSDS tabular form: CSV tables beside a `datapackage.json` (referrals.directory.tabular);
- our own flat CSV (referrals.directory.csv_format) is told apart by its `service_id` column.

Anything else is refused with one line saying what was expected (DirectoryImportError).
`import_file` reads one such file and imports it (referrals.directory.hsds.import_records).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from assistant.settings import PROJECT_ROOT
from referrals.directory.hsds import DirectoryImportError, Problem, import_records
from referrals.directory.tabular import read_datapackage

# What `python -m referrals load-demo` imports, and the run command into an empty directory.
DEMO_DIRECTORY = PROJECT_ROOT / "data" / "demo_directory.json"

Records = list[tuple[str, dict[str, Any]]]


def _refuse(where: str, code: str, **values: object) -> DirectoryImportError:
    """The file refused as a whole; the texts "error.<code>" of the ones whose shape is not understood
    end with the shapes that are (referrals/web_texts/)."""
    return DirectoryImportError([Problem(where, "file", code, values)])


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as error:
        raise _refuse(path.name, "unreadable_file", reason=error.__class__.__name__) from None
    except json.JSONDecodeError as error:
        raise _refuse(path.name, "not_json", line=error.lineno, column=error.colno) from None


def _numbered(name: str, services: list[Any], start: int = 1) -> Records:
    records: Records = []
    for n, service in enumerate(services, start=start):
        if not isinstance(service, dict):
            raise _refuse(name, "record_not_object", number=n)
        records.append((f"service #{n} ({service.get('x_id') or service.get('id') or 'no id'})", service))
    return records


def _pages(pages: list[tuple[Path, dict[str, Any]]]) -> Records:
    """Services of HSDS API pages, in page order; every page present exactly once."""
    by_number: dict[int, tuple[Path, dict[str, Any]]] = {}
    for path, page in pages:
        number = page.get("page_number", 1)
        if not isinstance(number, int) or not isinstance(page["contents"], list):
            raise _refuse(path.name, "bad_page")
        if number in by_number:
            raise _refuse(path.name, "page_twice", number=number, other=by_number[number][0].name)
        by_number[number] = (path, page)
    total = max(int(p.get("total_pages") or 1) for _path, p in pages)
    missing = [n for n in range(1, total + 1) if n not in by_number]
    if missing:
        shown = ", ".join(map(str, missing[:10])) + (" ..." if len(missing) > 10 else "")
        raise _refuse(pages[0][0].name, "pages_missing", total=total, missing=shown)
    records: Records = []
    for number in sorted(by_number):
        path, page = by_number[number]
        records += _numbered(f"{path.name}", page["contents"], start=len(records) + 1)
    return records


def read_records(paths: list[Path]) -> Records:
    """The service records of the files; raises DirectoryImportError for a shape not understood."""
    if len(paths) == 1 and (paths[0].is_dir() or paths[0].name == "datapackage.json"):
        folder = paths[0] if paths[0].is_dir() else paths[0].parent
        return read_datapackage(folder)
    pages: list[tuple[Path, dict[str, Any]]] = []
    records: Records = []
    for path in paths:
        if path.suffix.lower() != ".json":
            raise _refuse(path.name, "not_json_file")
        data = _load_json(path)
        if isinstance(data, list):
            records += _numbered(path.name, data, start=len(records) + 1)
        elif isinstance(data, dict) and isinstance(data.get("services"), list):
            records += _numbered(path.name, data["services"], start=len(records) + 1)
        elif isinstance(data, dict) and "contents" in data:
            pages.append((path, data))
        elif isinstance(data, dict) and "id" in data and "name" in data:  # one service, as /services/{id}
            records += _numbered(path.name, [data], start=len(records) + 1)
        elif isinstance(data, dict) and data.get("resources") is not None:
            raise _refuse(path.name, "misnamed_data_package")
        else:
            shape = (
                f"an object with keys {', '.join(list(data)[:6])}"
                if isinstance(data, dict)
                else type(data).__name__
            )
            raise _refuse(path.name, "unknown_shape", shape=shape)
    if pages and records:
        raise _refuse(paths[0].name, "pages_and_lists_mixed")
    return _pages(pages) if pages else records


def import_file(session: Session, path: Path) -> int:
    """Import an HSDS JSON file (a list of services, `{"services": [...]}`, an API page) or a
    datapackage.json with its tables: the forms read_records understands."""
    return import_records(session, read_records([path]), updated_by=f"import:{path.name}")
