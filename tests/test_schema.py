"""The JSON Schema of instance documents: shipped copy, docs page, bundled instances, rejections."""

from __future__ import annotations

import copy
import json
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from trustsource import load
from trustsource.cli.schema_cmd import schema_command
from trustsource.instance.jsonschema import (
    SCHEMA_ID,
    instance_schema,
    schema_text,
    shipped_schema_path,
    write_schema,
)
from trustsource.instance.schema import RULE_KINDS, TOP_LEVEL_KEYS
from trustsource.instance.schema_docs import render

DOCS_PAGE = Path(__file__).resolve().parents[1] / "docs" / "instance-schema.md"


def _bundled() -> list[Any]:
    root = files("trustsource.instances")
    return sorted((p for p in root.iterdir() if p.name.endswith(".yaml")), key=lambda p: p.name)


BUNDLED = _bundled()


@pytest.fixture(scope="module")
def validator() -> Any:
    jsonschema = pytest.importorskip("jsonschema")  # a dev (test) dependency only
    schema = instance_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _minimal() -> dict[str, Any]:
    return {
        "trustsource": 1,
        "items": [{"id": "ga", "demand": 10}],
        "suppliers": [{"id": "s1", "item": "ga", "country": "DE", "unit_cost": 5}],
        "rules": [{"kind": "country_cap", "max_share": 0.6, "except": ["eu"]}],
    }


def test_shipped_copy_equals_generated() -> None:
    assert shipped_schema_path().read_text(encoding="utf-8") == schema_text(), (
        "regenerate: python -m trustsource.instance.jsonschema"
    )


def test_docs_page_equals_generated() -> None:
    assert DOCS_PAGE.read_text(encoding="utf-8") == render(), (
        "regenerate: python -m trustsource.instance.schema_docs > docs/instance-schema.md"
    )


def test_schema_shape() -> None:
    schema = instance_schema()
    assert schema["$id"] == SCHEMA_ID
    assert schema["title"]
    assert schema["description"]
    assert schema["properties"]["trustsource"]["const"] == 1
    assert {"trustsource", "items"} <= set(schema["required"])
    assert list(schema["properties"]) == list(TOP_LEVEL_KEYS)
    assert "from" in schema["$defs"]["PriceBreak"]["properties"]
    assert "except" in schema["$defs"]["CountryCapRule"]["properties"]
    kinds = {
        d["properties"]["kind"]["const"]
        for d in schema["$defs"].values()
        if "kind" in d.get("properties", {})
    }
    assert kinds == set(RULE_KINDS)


def test_write_schema(tmp_path: Path) -> None:
    out = write_schema(tmp_path / "s.json")
    assert json.loads(out.read_text(encoding="utf-8")) == instance_schema()


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_bundled_instances_validate(validator: Any, path: Any) -> None:
    # As JSON sees it: YAML reads a year key (2026:) as a number, JSON keys are text.
    doc = json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8"))))
    errors = [e.message for e in validator.iter_errors(doc)]
    assert not errors, errors


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_bundled_instances_inline_validate(validator: Any, path: Any) -> None:
    """The same instances with every table inline (CSV rows read and typed) validate too."""
    doc = json.loads(json.dumps(load(Path(str(path))).to_dict()))
    errors = [e.message for e in validator.iter_errors(doc)]
    assert not errors, errors


def test_minimal_document_validates(validator: Any) -> None:
    doc = _minimal()
    doc["suppliers"][0].pop("unit_cost")
    doc["suppliers"][0]["price_tiers"] = {
        "mode": "incremental",
        "breaks": [{"from": 0, "price": 5}, {"from": 10, "price": 4}],
    }
    assert validator.is_valid(doc)
    assert validator.is_valid({**_minimal(), "items": "items.csv"})


def _set(doc: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    node: Any = doc
    for key in path[:-1]:
        node = node[key]
    if value is _DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return doc


_DELETE = object()

BAD = {
    "missing trustsource": (("trustsource",), _DELETE),
    "version 2": (("trustsource",), 2),
    "unknown top-level key": (("solver",), "highs"),
    "negative demand": (("items", 0, "demand"), -1),
    "unknown item key": (("items", 0, "demnad"), 10),
    "bad id": (("items", 0, "id"), "Gallium"),
    "unknown rule kind": (("rules", 0, "kind"), "country_limit"),
    "unknown rule key": (("rules", 0, "max_shares"), 0.5),
    "share above 1": (("rules", 0, "max_share"), 1.5),
    "both prices": (
        ("suppliers", 0, "price_tiers"),
        {"mode": "all_units", "breaks": [{"from": 0, "price": 1}]},
    ),
    "no price": (("suppliers", 0, "unit_cost"), _DELETE),
    "no country or site": (("suppliers", 0, "country"), _DELETE),
    "table not a list or path": (("suppliers",), 3),
    "bad bloc name": (("blocs",), {"Bad Name": ["DE"]}),
}


@pytest.mark.parametrize("case", list(BAD))
def test_schema_rejects(validator: Any, case: str) -> None:
    path, value = BAD[case]
    assert validator.is_valid(_minimal())
    assert not validator.is_valid(_set(_minimal(), path, value))


def test_cli_schema_stdout_and_file(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(schema_command, [])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output) == instance_schema()
    out = tmp_path / "instance.schema.json"
    res = runner.invoke(schema_command, ["--out", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_text(encoding="utf-8") == schema_text()
