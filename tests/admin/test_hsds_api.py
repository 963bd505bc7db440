"""The read-only HSDS 3.0 API (/hsds): no login, the official schemas, pages and filters, only what
the bot shows anyone, rate-limited."""

from __future__ import annotations

from datetime import datetime

import pytest
from limits import parse
from sqlalchemy import update

from referrals.admin import hsds_api
from referrals.directory.models import Contact, Service
from tests.admin.conftest import OTHER_SERVICE, OWN_SERVICE


@pytest.fixture
def api(app, client_for):
    hsds_api.reset_rate_limits()
    client = client_for("anonymous")
    return lambda path: client.get("/hsds" + path)


def _all_pages(api, path: str) -> list[dict]:
    items, page = [], 1
    while True:
        body = api(f"{path}{'&' if '?' in path else '?'}page={page}&per_page=20").json()
        items += body["contents"]
        if body["last_page"]:
            assert body["total_items"] == len(items)
            return items
        page += 1


def test_services_without_login_valid_against_the_official_schemas(api, hsds_schemas) -> None:
    listed = _all_pages(api, "/services")
    assert len(listed) == 51 and len({s["id"] for s in listed}) == 51
    for record in listed:
        assert hsds_schemas.errors("service_list", record) == [], record["x_id"]
        assert "phones" not in record  # the list form: the service and its organisation
    full = api("/services?full=true&per_page=200").json()["contents"]
    assert len(full) == 51
    for record in full:
        assert hsds_schemas.errors("service", record) == [], record["x_id"]
    one = api(f"/services/{full[0]['id']}")
    assert one.status_code == 200 and one.json() == full[0]
    assert api(f"/services/{full[0]['x_id']}").json()["id"] == full[0]["id"]  # our id works too
    assert api("/services/9b2f4f0e-0000-4000-8000-000000000000").status_code == 404


def test_organizations_and_taxonomy_terms_valid_against_the_official_schemas(api, hsds_schemas) -> None:
    organizations = _all_pages(api, "/organizations")
    assert len(organizations) == 43
    for record in organizations:
        assert hsds_schemas.errors("organization", record) == [], record["x_id"]
    caritas = api(f"/organizations/{organizations[0]['id']}").json()
    assert hsds_schemas.errors("organization", caritas) == [] and caritas["services"]
    terms = api("/taxonomy_terms").json()["contents"]
    term_schema = hsds_schemas.schemas["service"]["properties"]["attributes"]["items"]["properties"]
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(term_schema["taxonomy_term"])
    assert len(terms) == 8 and all(not list(validator.iter_errors(term)) for term in terms)


def test_filters_by_taxonomy_term_and_modification_time(api, directory) -> None:
    women = next(t for t in api("/taxonomy_terms").json()["contents"] if t["code"] == "women")
    found = api(f"/services?full=true&per_page=200&taxonomy_term_id={women['id']}").json()
    assert found["total_items"] == 14
    assert all(any(a["taxonomy_term"]["code"] == "women" for a in s["attributes"]) for s in found["contents"])
    assert api("/services?taxonomy_term_id=women").json()["total_items"] == 14

    with directory() as session, session.begin():
        session.execute(update(Service).values(last_modified=datetime(2026, 1, 1, 12)))
        session.execute(
            update(Service).where(Service.id == OWN_SERVICE).values(last_modified=datetime(2026, 6, 1, 12))
        )
    changed = api("/services?modified_after=2026-03-01T00:00:00Z").json()
    assert [s["x_id"] for s in changed["contents"]] == [OWN_SERVICE]
    assert api("/services?modified_after=2025-12-31").json()["total_items"] == 51
    bad = api("/services?modified_after=last-week")
    assert bad.status_code == 400 and "modified_after" in bad.json()["detail"]
    assert api("/services?taxonomy_term_id=astrology").status_code == 400


def test_only_what_the_bot_shows_anyone(api, directory) -> None:
    with directory() as session, session.begin():
        session.add(
            Contact(
                id="c-1", service_id=OWN_SERVICE, title="Beratung auf Arabisch", email="fatma@example.org"
            )
        )
        session.execute(
            update(Service).where(Service.id == OWN_SERVICE).values(assurer_email="fatma@example.org")
        )
        session.execute(update(Service).where(Service.id == OTHER_SERVICE).values(archived=True))
    everything = api("/services?full=true&per_page=200").text + api(f"/services/{OWN_SERVICE}").text
    assert "fatma@example.org" not in everything and "Beratung auf Arabisch" not in everything
    assert '"contacts"' not in everything and "assurer_email" not in everything
    assert OTHER_SERVICE not in everything and api(f"/services/{OTHER_SERVICE}").status_code == 404
    assert api("/services").json()["total_items"] == 50
    # nothing else of the admin is reachable through the API's prefix
    assert api("/reports").status_code == 404 and api(f"/services/{OWN_SERVICE}/history").status_code == 404


def test_requests_beyond_the_limit_are_refused_with_retry_after(api, app) -> None:
    app.state.hsds_rate_limit = parse("3/minute")
    assert [api("/taxonomy_terms").status_code for _ in range(3)] == [200, 200, 200]
    refused = api("/services")
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
