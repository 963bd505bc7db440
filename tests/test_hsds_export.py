"""The JSON export as other HSDS 3.0 systems see it: valid against the official compiled schemas,
no nulls, UUID ids that do not churn, our own fields x_-prefixed, our ids back on re-import."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from sqlalchemy.orm import sessionmaker

from referrals.db import make_engine
from referrals.directory.hsds import all_services, service_to_hsds
from referrals.directory.hsds_publish import export_json
from referrals.directory.hsds_read import import_file

BENCHMARK = Path(__file__).resolve().parent.parent / "benchmarks" / "directory_search.py"


def _export(session, path: Path) -> dict:
    export_json(session, path)
    return json.loads(path.read_text(encoding="utf-8"))


def _walk(record, schema: dict, path: str = ""):
    """(path, key) of every key the schema does not define, at every depth."""
    if isinstance(record, list):
        for item in record:
            yield from _walk(item, schema.get("items", {}), path + "[]")
    elif isinstance(record, dict):
        properties = schema.get("properties", {})
        for key, value in record.items():
            if key not in properties:
                yield f"{path}.{key}", key  # our own: not looked into
            else:
                yield from _walk(value, properties[key], f"{path}.{key}")


def _nulls(record, path: str = ""):
    if isinstance(record, dict):
        for key, value in record.items():
            if value is None or value == "" or value == []:
                yield f"{path}.{key}"
            yield from _nulls(value, f"{path}.{key}")
    elif isinstance(record, list):
        for item in record:
            yield from _nulls(item, path + "[]")


def test_demo_export_is_valid_hsds_with_only_x_prefixed_additions(demo_session, tmp_path, hsds_schemas):
    data = _export(demo_session, tmp_path / "export.json")
    assert len(data["services"]) == 51
    for service in data["services"]:
        assert hsds_schemas.errors("service", service) == [], service.get("x_id")
        assert hsds_schemas.errors("organization", service["organization"]) == []
        assert list(_nulls(service)) == [], service["x_id"]
        foreign = {
            path for path, key in _walk(service, hsds_schemas.schemas["service"]) if not key.startswith("x_")
        }
        assert foreign == set(), service["x_id"]
    # What the demo lacks is not invented: the 12 addresses without a postcode travel as x_ data.
    partial = [
        a
        for s in data["services"]
        for sal in s.get("service_at_locations", [])
        for a in sal["location"].get("x_partial_addresses", [])
    ]
    assert len(partial) == 12 and all("postal_code" not in a and a["city"] for a in partial)


def test_a_generated_directory_exports_valid_hsds(make_session, tmp_path, hsds_schemas):
    spec = importlib.util.spec_from_file_location("directory_search_benchmark", BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    services, _places = module.generate(300, seed=7)
    services[0]["phones"][0]["extension"] = "12a"  # HSDS wants a number: kept as x_extension
    services[1]["phones"][0]["extension"] = "34"
    source = tmp_path / "generated.json"
    source.write_text(json.dumps(services), encoding="utf-8")
    with make_session() as session:
        import_file(session, source)
    with make_session() as session:
        data = _export(session, tmp_path / "export.json")
    problems = {s["x_id"]: errors for s in data["services"] if (errors := hsds_schemas.errors("service", s))}
    assert problems == {}
    by_id = {s["x_id"]: s for s in data["services"]}
    assert by_id["svc-0"]["phones"][0]["x_extension"] == "12a"
    assert by_id["svc-1"]["phones"][0]["extension"] == 34
    # the federal state, which HSDS requires, comes from the gazetteer when the data lacks it
    address = by_id["svc-2"]["service_at_locations"][0]["location"]["addresses"][0]
    assert address["state_province"] and address["country"] == "DE"


def test_ids_are_stable_uuids_and_our_ids_come_back_on_reimport(demo_session, tmp_path, database_url):
    first = _export(demo_session, tmp_path / "first.json")
    assert first == _export(demo_session, tmp_path / "again.json")  # same directory, same file
    service = next(s for s in first["services"] if s["x_id"] == "svc-de-hilfetelefon-gewalt-gegen-frauen")
    assert len(service["id"]) == 36 and service["organization"]["x_id"] == "org-bafza"
    language_ids = {lang["code"]: lang["id"] for lang in service["languages"]}
    assert len(set(language_ids.values())) == len(language_ids)

    target = sessionmaker(make_engine(database_url), expire_on_commit=False)
    with target() as session:
        import_file(session, tmp_path / "first.json")
    with target() as session:
        second = _export(session, tmp_path / "second.json")
        again = {s.id: service_to_hsds(s) for s in all_services(session)}
    # a re-import and re-export changes no id (languages and attributes included) and no content
    strip = lambda data: [{k: v for k, v in s.items() if k != "last_modified"} for s in data["services"]]  # noqa: E731
    assert strip(second) == strip(first)
    assert "svc-de-hilfetelefon-gewalt-gegen-frauen" in again  # our readable ids, not the UUIDs


@pytest.mark.parametrize("name", ["service_full"])
def test_the_official_example_passes_the_same_check(hsds_schemas, name):
    """The check itself is sound: the official example is valid by it."""
    assert hsds_schemas.errors("service", hsds_schemas.example(name)) == []
