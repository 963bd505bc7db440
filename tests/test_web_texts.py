"""The text catalogue of the web pages (referrals/web_texts/, one YAML file per language): every
language has every key with the same placeholders; every key the code and the templates name
exists, every family of keys built from codes (statuses, roles, error codes, table columns ...)
covers its codes, and no key is left unused."""

from __future__ import annotations

import ast
import re
import string
from datetime import date
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from referrals import web_texts
from referrals.admin.audit import ACTIONS
from referrals.admin.models import ROLES
from referrals.admin.statistics_pages import TABLES, VIEWS
from referrals.directory.models import Base
from referrals.directory.problem_reports import REPORT_REASONS
from referrals.directory.validation import ICAL_DAYS, SERVICE_STATUSES
from referrals.handover.models import STATES
from referrals.statistics import headline, queries
from referrals.statistics.models import ALL_CITIES
from referrals.topics import SUPPORTED_LANGUAGES
from referrals.web_language import LANGUAGES

ROOT = Path(__file__).resolve().parents[1]
CODE = sorted((ROOT / "referrals").rglob("*.py"))
TEMPLATES = sorted((ROOT / "referrals").rglob("templates/*.html"))
CATALOGUE = {language: web_texts.catalogue(language) for language in LANGUAGES}
KEYS = set(CATALOGUE["de"])
# A template's t("prefix" + code): the family of keys of the prefix (its members are checked below).
TEMPLATE_CALL = re.compile(r"""\bt\(\s*(["'])([^"']+)\1\s*([,)+~])""")
# Calls that take a key, and where: text(key, ...), flash(request, key), error_page(request, 404, key);
# FieldError(code), Problem(record, field, code), _refuse(where, code) take an error code.
KEY_ARGUMENT = {"text": 0, "flash": 1, "error_page": 2}
CODE_ARGUMENT = {"FieldError": 0, "Problem": 2, "_refuse": 1}
KEY_KEYWORDS = {"error", "message_key", "title_key"}  # render(..., error="login_failed")
KEY_VARIABLES = {"error", "message", "title"}  # message = "verified_done"; flash(request, message)


def _name(node: ast.expr) -> str:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""


def _is_lookup(function: ast.expr, imported: bool) -> bool:
    """text(...) where the module imports it from the catalogue, or web_texts.text(...)."""
    if isinstance(function, ast.Attribute):
        return isinstance(function.value, ast.Name) and function.value.id == "web_texts"
    return imported


def _constants(node: ast.expr | None) -> list[str]:
    """The string constants a value can be ("a" if x else "b" gives both)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _constants(node.body) + _constants(node.orelse)
    return []


def _prefix(node: ast.expr) -> str | None:
    """The constant start of f"status_{s}"."""
    if isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
        return str(node.values[0].value)
    return None


def _scan() -> tuple[set[str], set[str], set[str]]:
    """Keys named in the code and the templates, prefixes of key families, and every string
    constant of the code and the templates (for the unused check)."""
    keys: set[str] = set()
    prefixes: set[str] = set()
    strings: set[str] = set()
    for path in CODE:
        source = path.read_text(encoding="utf-8")
        pages = path.parent.name in ("admin", "statistics")
        imported = "from referrals.web_texts import text" in source
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                strings.add(node.value)
            elif isinstance(node, ast.Call):
                name, args = _name(node.func), node.args
                if name == "text" and not _is_lookup(node.func, imported):
                    continue  # another text(): SQLAlchemy's, a Problem's
                if name in KEY_ARGUMENT and len(args) > KEY_ARGUMENT[name]:
                    argument = args[KEY_ARGUMENT[name]]
                    keys.update(_constants(argument))
                    if (prefix := _prefix(argument)) is not None:
                        prefixes.add(prefix)
                if name in CODE_ARGUMENT and len(args) > CODE_ARGUMENT[name]:
                    keys.update(f"error.{code}" for code in _constants(args[CODE_ARGUMENT[name]]))
                for keyword in node.keywords:
                    if keyword.arg in KEY_KEYWORDS:
                        keys.update(_constants(keyword.value))
            elif (
                pages
                and isinstance(node, ast.Assign)
                and any(_name(t) in KEY_VARIABLES for t in node.targets)
            ):
                keys.update(_constants(node.value))
            elif pages and isinstance(node, ast.FunctionDef) and node.name.endswith("_problem"):  # a key
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Return):
                        keys.update(_constants(inner.value))
    for path in TEMPLATES:
        source = path.read_text(encoding="utf-8")
        for _quote, key, after in TEMPLATE_CALL.findall(source):
            (prefixes if after in "+~" else keys).add(key)
        strings.update(re.findall(r"""["']([\w .:-]+)["']""", source))
    return keys, prefixes, strings


NAMED, PREFIXES, STRINGS = _scan()


def _placeholders(text: str) -> set[str]:
    return {name for _literal, name, _spec, _conversion in string.Formatter().parse(text) if name is not None}


def _statistics_codes() -> dict[str, set[str]]:
    """The columns of every table of the statistics and the figures at a glance (built on an empty
    database)."""
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    filters = queries.Filters(date(2026, 11, 1), date(2026, 11, 28), ALL_CITIES)
    with Session(engine) as session:
        return {
            "col.": {column for build in TABLES.values() for column in build(session, filters).columns},
            "headline.": {figure.key for figure in headline.figures(session, filters)},
        }


FAMILIES = {  # prefix -> the codes it must name
    "status_": set(SERVICE_STATUSES),
    "action_": set(ACTIONS),
    "role_": set(ROLES),
    "reason_": set(REPORT_REASONS),
    "inq_state_": set(STATES),
    "day.": set(ICAL_DAYS),
    "view.": set(VIEWS),
    "table.": set(TABLES),
    "period.": {*queries.PERIODS, "custom"},
    "language.": set(SUPPORTED_LANGUAGES),
}


def test_the_catalogue_has_a_file_for_each_page_language_and_nothing_else() -> None:
    files = {path.stem for path in Path(web_texts.__file__).parent.glob("*.y*ml")}
    assert files == set(LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_has_every_key(language: str) -> None:
    assert set(CATALOGUE[language]) == KEYS
    raw = yaml.safe_load((Path(web_texts.__file__).parent / f"{language}.yml").read_text(encoding="utf-8"))
    assert all(isinstance(value, str) and value.strip() for value in raw.values())


def test_every_text_has_the_same_placeholders_in_every_language() -> None:
    differing = {
        key: {language: sorted(_placeholders(CATALOGUE[language][key])) for language in LANGUAGES}
        for key in KEYS
        if len({frozenset(_placeholders(CATALOGUE[language][key])) for language in LANGUAGES}) > 1
    }
    assert not differing


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_fills_in_its_placeholders(language: str) -> None:
    for key, text in CATALOGUE[language].items():
        assert web_texts.text(key, language, **dict.fromkeys(_placeholders(text), "x")), key


def test_every_key_the_code_and_the_templates_name_exists() -> None:
    assert NAMED, "the scan found no keys: has the lookup been renamed?"
    assert not NAMED - KEYS


def test_every_family_of_keys_names_all_its_codes() -> None:
    families = FAMILIES | _statistics_codes()
    assert PREFIXES <= {*families, "error."}, "a family of keys without its codes in this test"
    missing = {f"{prefix}{code}" for prefix, codes in families.items() for code in codes} - KEYS
    assert not missing


def test_every_intent_named_is_an_intent_of_the_domain() -> None:
    intents = {
        intent if isinstance(intent, str) else next(iter(intent))
        for path in (ROOT / "domain").glob("*.yml")
        for intent in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("intents", [])
    }
    named = {key.removeprefix("intent.") for key in KEYS if key.startswith("intent.")} - {"none"}
    assert named and not named - intents


def test_no_key_is_unused() -> None:
    families = FAMILIES | _statistics_codes()

    def used(key: str) -> bool:
        if key in NAMED or key in STRINGS:
            return True
        for prefix, codes in families.items():
            if key.startswith(prefix):
                return key.removeprefix(prefix) in codes
        if key.startswith("intent."):
            return True  # names of the domain's intents (above)
        return any(key.startswith(prefix) and key.removeprefix(prefix) in STRINGS for prefix in PREFIXES)

    assert not {key for key in KEYS if not used(key)}
