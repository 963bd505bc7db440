"""Importing what other HSDS systems publish: the JSON shapes, API pages, the tabular form, a
foreign taxonomy through a map, and one clear line (never a traceback) for anything else."""

from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import func, select

import referrals.__main__ as cli
from referrals.directory.hsds import DirectoryImportError, all_services
from referrals.directory.hsds_publish import export_json
from referrals.directory.hsds_read import import_file, read_records
from referrals.directory.models import Service
from referrals.directory.tabular import export_tabular
from tests.test_directory_import import GOOD

MAP = """\
taxonomy:                 # the official example's vocabulary is literally named "taxonomy"
  code: health
open-eligibility:
  "1102": health
  Legal Aid: [migration_counselling, women]
"""


@pytest.fixture
def run_cli(make_session, monkeypatch, capsys):
    """python -m referrals ... in this process, on the test's database; returns (code, stderr)."""
    monkeypatch.setattr(cli, "upgrade_database", lambda *args: None)
    monkeypatch.setattr(cli, "get_sessionmaker", lambda: make_session)

    def run(*args: str) -> tuple[int, str]:
        code = cli.main([str(a) for a in args])
        return code, capsys.readouterr().err

    return run


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(Service))


def _germany(service: dict) -> dict:
    """The official example moved to Darmstadt (its own address, coordinates and postcode are not German)."""
    moved = copy.deepcopy(service)
    location = moved["service_at_locations"][0]["location"]
    location.update(latitude=49.87, longitude=8.65)
    location["addresses"][0].update(postal_code="64283", country="DE", city="Darmstadt")
    return moved


@pytest.mark.parametrize(
    "shape",
    [lambda s: [s], lambda s: {"services": [s]}, lambda s: s],
    ids=["bare list", "services object", "one service"],
)
def test_json_shapes_of_other_systems_are_read(make_session, tmp_path, shape) -> None:
    path = tmp_path / "in.json"
    path.write_text(json.dumps(shape(GOOD)), encoding="utf-8")
    with make_session() as session:
        assert import_file(session, path) == 1
    with make_session() as session:
        assert session.get(Service, "svc-test-kita").name == "Kita-Beratung"


def test_every_page_of_an_api_list_is_imported_and_a_missing_page_is_named(
    make_session, tmp_path, demo_services
):
    pages = [demo_services[0:20], demo_services[20:40], demo_services[40:]]
    paths = []
    for number, contents in enumerate(pages, start=1):
        path = tmp_path / f"page-{number}.json"
        page = {"total_items": 51, "total_pages": 3, "page_number": number, "size": 20, "contents": contents}
        path.write_text(json.dumps(page), encoding="utf-8")
        paths.append(path)
    with pytest.raises(DirectoryImportError) as error:
        read_records([paths[2], paths[0]])
    assert str(error.value) == "page-3.json: file: the set has 3 pages; missing page(s) 2"
    records = read_records([paths[2], paths[0], paths[1]])  # any order on the command line
    assert [r["id"] for _where, r in records] == [s["id"] for s in demo_services]


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("data.json", '{"data": []}', "found an object with keys data; expected a JSON list"),
        ("text.json", '"hello"', "found str; expected"),
        ("broken.json", '{"services": [', "not JSON (line 1, column 15)"),
        ("numbers.json", "[1, 2]", "record #1 is not an object"),
        ("services.csv", "id,name\n1,x\n", "not our flat CSV (no service_id column)"),
        ("directory.xml", "<services/>", "give JSON files, a datapackage.json or one flat CSV"),
    ],
)
def test_any_other_shape_gets_one_clear_line(run_cli, make_session, tmp_path, name, content, says) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    code, err = run_cli("import", path)
    lines = [line for line in err.splitlines() if line.startswith(name)]
    assert code == 1 and len(lines) == 1 and says in lines[0], err
    assert "Traceback" not in err


def test_the_official_list_example_is_refused_as_an_incomplete_set(run_cli, hsds_schemas) -> None:
    code, err = run_cli("import", hsds_schemas.folder / "example_service_list.json")
    assert code == 1 and "the set has 10 pages; missing page(s) 2, 3" in err and "Traceback" not in err


def test_the_official_example_is_refused_field_by_field_for_being_outside_germany(
    run_cli, tmp_path, hsds_schemas
):
    (tmp_path / "map.yml").write_text(MAP, encoding="utf-8")
    code, err = run_cli(
        "import", hsds_schemas.folder / "example_service_full.json", "--taxonomy-map", tmp_path / "map.yml"
    )
    assert code == 1
    fields = sorted(
        line.split(": ")[2] for line in err.splitlines() if line.startswith("example_service_full.json")
    )
    assert fields == [
        "service_at_locations[0].location.addresses[0].country",
        "service_at_locations[0].location.addresses[0].postal_code",
        "service_at_locations[0].location.latitude",
        "service_at_locations[0].location.longitude",
    ]


def test_a_foreign_taxonomy_comes_in_through_the_map(run_cli, make_session, tmp_path, hsds_schemas):
    example = _germany(hsds_schemas.example("service_full"))
    other = copy.deepcopy(GOOD) | {"id": "svc-second"}
    other["service_at_locations"][0]["id"] = "sal-second"
    other["attributes"] = [
        {"taxonomy_term": {"code": "1102", "name": "Mental Health", "taxonomy": "open-eligibility"}},
        {"taxonomy_term": {"code": "77", "name": "Bicycles", "taxonomy": "open-eligibility"}},
    ]
    lost = copy.deepcopy(other) | {"id": "svc-lost"}
    lost["service_at_locations"][0]["id"] = "sal-lost"
    lost["attributes"] = [
        {"taxonomy_term": {"code": "77", "name": "Bicycles", "taxonomy": "open-eligibility"}}
    ]
    path = tmp_path / "services.json"
    path.write_text(json.dumps([example, other, lost]), encoding="utf-8")
    (tmp_path / "map.yml").write_text(MAP, encoding="utf-8")

    code, err = run_cli("import", path, "--taxonomy-map", tmp_path / "map.yml")
    assert code == 1
    assert "unmapped term, 2x: open-eligibility: 77 (Bicycles)" in err
    assert "1 record(s) have no mapped topic: nothing is written unless --skip-unmapped" in err
    with make_session() as session:
        assert _count(session) == 0

    code, err = run_cli("import", path, "--taxonomy-map", tmp_path / "map.yml", "--skip-unmapped")
    assert code == 0 and "skipped 1 record(s) without a mapped topic" in err, err
    with make_session() as session:
        topics = {s.id: [t.topic_code for t in s.topics] for s in all_services(session)}
    assert topics == {"ac148810-d857-441c-9679-408f346de14b": ["health"], "svc-second": ["health"]}


def test_without_a_map_a_foreign_term_says_how_to_map_it(make_session, tmp_path, hsds_schemas):
    path = tmp_path / "one.json"
    path.write_text(json.dumps(_germany(hsds_schemas.example("service_full"))), encoding="utf-8")
    with make_session() as session, pytest.raises(DirectoryImportError) as error:
        import_file(session, path)
    [problem] = error.value.problems
    assert "another taxonomy ('taxonomy'): map it to our topics with --taxonomy-map" in problem.message


def test_a_map_naming_an_unknown_topic_is_refused(run_cli, tmp_path, demo_services):
    (tmp_path / "map.yml").write_text("open-eligibility:\n  '1102': astrology\n", encoding="utf-8")
    (tmp_path / "in.json").write_text(json.dumps(demo_services[:1]), encoding="utf-8")
    code, err = run_cli("import", tmp_path / "in.json", "--taxonomy-map", tmp_path / "map.yml")
    assert code == 1 and "map.yml: open-eligibility: 1102: unknown topic astrology" in err


def test_the_tabular_form_round_trip_gives_the_same_directory(demo_session, make_session, tmp_path):
    package = tmp_path / "tables" / "datapackage.json"
    package.parent.mkdir()
    assert export_tabular(demo_session, package) == 51
    assert {p.name for p in package.parent.iterdir()} >= {
        "services.csv",
        "organizations.csv",
        "attributes.csv",
    }
    assert json.loads(package.read_text())["profile"] == "tabular-data-package"
    with make_session() as session:
        assert import_file(session, package) == 51
    export_json(demo_session, tmp_path / "before.json")
    with make_session() as session:
        export_json(session, tmp_path / "after.json")
    strip = lambda path: [  # noqa: E731
        {k: v for k, v in s.items() if k != "last_modified"} for s in json.loads(path.read_text())["services"]
    ]
    assert strip(tmp_path / "after.json") == strip(tmp_path / "before.json")
