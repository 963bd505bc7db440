"""Mapping another system's taxonomy terms to our eight topics, for an import.

The map is YAML: per vocabulary (the term's `taxonomy`, or its `taxonomy_detail.name`), its
terms by code or by name, each to one topic code or a list of them:

    open-eligibility:
      "1102": health                 # by code
      Mental Health Care: health     # by name (case does not matter)
      Legal Aid: [migration_counselling, women]
    "*":                             # any vocabulary, after the named one
      Kita: youth_family

Terms of our own taxonomy (wegweiser-topics) need no map. A term the map does not know is
dropped from the record and listed once with how often it occurred; a record left without any
topic is reported, and the import writes nothing unless such records are to be skipped.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from referrals.directory.hsds import TAXONOMY, DirectoryImportError, Problem
from referrals.topics import TOPICS

Records = list[tuple[str, dict[str, Any]]]


@dataclass
class MapReport:
    mapped: Counter[str] = field(default_factory=Counter)  # "vocabulary: term -> topic"
    unmapped: Counter[str] = field(default_factory=Counter)  # "vocabulary: code (name)"
    without_topic: list[str] = field(default_factory=list)  # records
    skipped: int = 0


@dataclass(frozen=True)
class TaxonomyMap:
    terms: dict[str, dict[str, list[str]]]  # vocabulary -> code or folded name -> topics

    @classmethod
    def load(cls, path: Path) -> TaxonomyMap:
        where = path.name
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as error:
            raise DirectoryImportError([Problem(where, "map", "unreadable_map", {"reason": error})]) from None
        if not isinstance(data, dict):
            raise DirectoryImportError([Problem(where, "map", "bad_map")])
        problems: list[Problem] = []
        terms: dict[str, dict[str, list[str]]] = {}
        for vocabulary, entries in data.items():
            if not isinstance(entries, dict):
                problems.append(Problem(where, str(vocabulary), "bad_map_vocabulary"))
                continue
            terms[str(vocabulary)] = {}
            for term, topics in entries.items():
                codes = [topics] if isinstance(topics, str) else topics if isinstance(topics, list) else []
                unknown = [c for c in codes if c not in TOPICS] or ([] if codes else [repr(topics)])
                if unknown:
                    problems.append(
                        Problem(
                            where,
                            f"{vocabulary}: {term}",
                            "unknown_map_topic",
                            {"value": ", ".join(map(str, unknown)), "known": ", ".join(TOPICS)},
                        )
                    )
                terms[str(vocabulary)][str(term).casefold()] = [str(c) for c in codes]
        if problems:
            raise DirectoryImportError(problems)
        return cls(terms)

    def topics(self, vocabulary: str, code: str | None, name: str | None) -> list[str] | None:
        for table in (self.terms.get(vocabulary), self.terms.get("*")):
            for key in (code, name):
                if table and key and str(key).casefold() in table:
                    return table[str(key).casefold()]
        return None


def _vocabulary(term: dict[str, Any]) -> str | None:
    detail = term.get("taxonomy_detail")
    named = detail.get("name") if isinstance(detail, dict) else None
    return term.get("taxonomy") or named or term.get("taxonomy_id")


def apply(records: Records, taxonomy_map: TaxonomyMap, skip_unmapped: bool) -> tuple[Records, MapReport]:
    """Records with their foreign terms replaced by our topics. Records left without a topic are
    left out when `skip_unmapped`, else kept (validation then refuses them, and the whole import)."""
    report = MapReport()
    kept: Records = []
    for where, record in records:
        attributes = []
        for attribute in record.get("attributes") or []:
            term = attribute.get("taxonomy_term") if isinstance(attribute, dict) else None
            term = term if isinstance(term, dict) else {}
            vocabulary = _vocabulary(term)
            if vocabulary in (None, TAXONOMY) and term.get("code") in TOPICS:
                attributes.append({"taxonomy_term": {"code": term["code"]}})
                continue
            topics = taxonomy_map.topics(str(vocabulary or "*"), term.get("code"), term.get("name"))
            label = (
                f"{vocabulary or '(no vocabulary)'}: {term.get('code') or '-'} ({term.get('name') or '-'})"
            )
            if topics is None:
                report.unmapped[label] += 1
                continue
            report.mapped[f"{label} -> {', '.join(topics)}"] += 1
            attributes += [{"taxonomy_term": {"code": code}} for code in topics]
        if not attributes:
            report.without_topic.append(where)
            if skip_unmapped:
                report.skipped += 1
                continue
        kept.append((where, {**record, "attributes": attributes}))
    return kept, report
