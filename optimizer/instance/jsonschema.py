"""A JSON Schema (draft 2020-12) of instance documents, schema version 1.

The schema is generated from the pydantic validation models (:class:`trustsource.Instance`,
:mod:`.schema` and :mod:`.overlays`) and then adjusted to describe what users *write* rather than
what the model holds:

* the top-level ``trustsource: 1`` key (required, not an :class:`~trustsource.Instance` field);
* ``items``, ``sites`` and ``suppliers`` as an inline list *or* the path of a CSV file;
* mappings keyed by ids (``blocs``, ``variants``, ``inputs``, ``change``) reject other keys;
* defaults of mapping fields (which pydantic leaves out), and the "one of / at least one of"
  checks of suppliers and ``bloc_share`` rules, so editors flag them too.

The schema checks one document on its own. What needs the whole instance (references between
ids, duplicates, cycles, country codes, the contents of CSV files) is left to
``trustsource validate``. A copy ships as ``trustsource/data/instance.schema.json``
(:func:`shipped_schema_path`); a test keeps it equal to :func:`instance_schema`.
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from . import overlays, periods, schema
from .instance import Instance

SCHEMA_ID = "urn:trustsource:schema:instance:1"
"""The ``$id`` of the schema (a URN: the schema is shipped with the package, not hosted)."""

DIALECT = "https://json-schema.org/draft/2020-12/schema"

TABLE_KEYS = ("items", "sites", "suppliers")
"""Top-level keys whose value may also be the path of a CSV file."""

_ROOT_DESCRIPTION = (
    "A trustsource instance document, schema version 1 (YAML or JSON). The tables items, sites "
    "and suppliers are inline lists or the path of a CSV file relative to the document. This "
    "schema checks each document on its own; `trustsource validate` also checks references "
    "between ids, duplicates, cycles, country codes and the contents of CSV files."
)


def _models() -> dict[str, type[BaseModel]]:
    """Schema title -> pydantic model, for every model the instance schema refers to."""
    out: dict[str, type[BaseModel]] = {"Instance": Instance}
    for module in (schema, overlays, periods):
        for name in dir(module):
            obj = getattr(module, name)
            if isinstance(obj, type) and issubclass(obj, BaseModel):
                out[name] = obj
    return out


def _json_default(value: Any) -> Any:
    """A default value as JSON data (read-only mappings and tuples become objects and arrays)."""
    return json.loads(json.dumps(value, default=lambda v: dict(v) if hasattr(v, "items") else v))


def _add_factory_defaults(obj: dict[str, Any], model: type[BaseModel]) -> None:
    """Give mapping fields built by ``default_factory`` their (empty) default, as pydantic won't."""
    props = obj.get("properties", {})
    for name, field in model.model_fields.items():
        key = field.alias or name
        if key in props and field.default_factory is not None and "default" not in props[key]:
            default = field.get_default(call_default_factory=True, validated_data={})
            props[key]["default"] = _json_default(default)


def _close_pattern_maps(node: Any) -> None:
    """Mappings keyed by ids accept no other keys (pydantic checks the key pattern too)."""
    if isinstance(node, dict):
        if "patternProperties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            _close_pattern_maps(value)
    elif isinstance(node, list):
        for value in node:
            _close_pattern_maps(value)


PERIOD_MAP = {
    "type": "object",
    "title": "Value by period",
    "description": "A value per period, {year: value}: each holds from its year until the next "
    "year given (periodic instances; every year must be in `periods`).",
    "patternProperties": {"^[0-9]{4}$": {"type": "number"}},
    "additionalProperties": False,
    "minProperties": 1,
}


def _period_maps(defs: dict[str, Any], models: dict[str, type[BaseModel]]) -> None:
    """Numeric fields that a mapping by period may set (:data:`.periods.PERIODIC_KEYS`) accept
    one: ``{"anyOf": [the number, PeriodMap]}``."""
    defs["PeriodMap"] = PERIOD_MAP
    sections = {
        "ItemSpec": "items",
        "SiteSpec": "sites",
        "SupplierSpec": "suppliers",
        "BuildSpec": "build",
        "StockpileSpec": "stockpiles",
        **{m.__name__: "rules" for m in schema.RULE_MODELS},
    }
    for name, section in sections.items():
        if name not in defs or name not in models:
            continue
        props = defs[name].get("properties", {})
        for key in sorted(periods.PERIODIC_KEYS[section] & set(props)):
            orig = props[key]
            kept = {k: v for k, v in orig.items() if k in ("title", "description", "default")}
            value = {k: v for k, v in orig.items() if k not in kept}
            props[key] = {**kept, "anyOf": [value, {"$ref": "#/$defs/PeriodMap"}]}


TOP_LEVEL_ORDER = schema.TOP_LEVEL_KEYS

INCLUDE = {
    "type": "array",
    "title": "Include",
    "description": "Policy packs whose rules the instance adopts (`trustsource packs` lists "
    "them): a pack id, or {pack, items, year} to narrow its rules to some items or take the "
    "values in effect in one year.",
    "items": {
        "anyOf": [
            {"type": "string", "pattern": schema.ID_PATTERN},
            {
                "type": "object",
                "properties": {
                    "pack": {"type": "string", "pattern": schema.ID_PATTERN},
                    "items": {
                        "type": "array",
                        "items": {"type": "string", "pattern": schema.ID_PATTERN},
                        "minItems": 1,
                    },
                    "year": {"type": "integer", "minimum": 1000, "maximum": 9999},
                },
                "required": ["pack"],
                "additionalProperties": False,
            },
        ]
    },
}


def _non_null(prop: str, typ: Any) -> dict[str, Any]:
    """Subschema: ``prop`` is present and not null."""
    return {"required": [prop], "properties": {prop: {"type": typ}}}


def instance_schema() -> dict[str, Any]:
    """The JSON Schema of a schema-1 instance document, as a dict (deterministic)."""
    raw = Instance.model_json_schema(by_alias=True, mode="validation")
    defs: dict[str, Any] = raw.pop("$defs")
    models = _models()
    for name, sub in defs.items():
        if name in models:
            _add_factory_defaults(sub, models[name])
    _add_factory_defaults(raw, Instance)

    props: dict[str, Any] = {
        "trustsource": {
            "const": 1,
            "description": "Schema version of the document; this release reads version 1.",
            "title": "Trustsource",
        },
    }
    for key, prop in raw["properties"].items():
        if key in TABLE_KEYS:
            array = {k: v for k, v in prop.items() if k in ("type", "items")}
            prop = {k: v for k, v in prop.items() if k not in ("type", "items")}
            prop["anyOf"] = [
                array,
                {
                    "type": "string",
                    "minLength": 1,
                    "title": "CSV file",
                    "description": "Path of a CSV file with one row per entry, relative to "
                    "the document.",
                },
            ]
        props[key] = prop

    # `include` is expanded before validation (policy packs), so the Instance model has no field.
    props["include"] = INCLUDE
    props = {k: props[k] for k in TOP_LEVEL_ORDER if k in props}

    for sub in defs.values():
        kind = sub.get("properties", {}).get("kind")
        if kind is not None and "description" not in kind:
            kind["description"] = "The rule kind."

    _period_maps(defs, models)
    supplier = defs["SupplierSpec"]
    cost: Any = ["number", "object"]  # a number, or a mapping by period
    supplier["allOf"] = [
        {"anyOf": [_non_null("unit_cost", cost), _non_null("price_tiers", "object")]},
        {"not": {"allOf": [_non_null("unit_cost", cost), _non_null("price_tiers", "object")]}},
        {"anyOf": [_non_null("site", "string"), _non_null("country", "string")]},
    ]
    bloc_share = defs["BlocShareRule"]
    bloc_share["anyOf"] = [_non_null("min_share", cost), _non_null("max_share", cost)]

    schema: dict[str, Any] = {
        "$schema": DIALECT,
        "$id": SCHEMA_ID,
        "title": "trustsource instance (schema version 1)",
        "description": _ROOT_DESCRIPTION,
        "type": "object",
        "additionalProperties": False,
        "required": ["trustsource", *raw.get("required", [])],
        "properties": props,
        "$defs": defs,
    }
    _close_pattern_maps(schema)
    return schema


def schema_text() -> str:
    """The schema as the exact text of the shipped file (2-space indent, trailing newline)."""
    return json.dumps(instance_schema(), indent=2, ensure_ascii=False) + "\n"


def write_schema(path: str | Path) -> Path:
    """Write the schema to ``path`` (UTF-8 JSON) and return the path."""
    out = Path(path)
    out.write_text(schema_text(), encoding="utf-8")
    return out


def shipped_schema_path() -> Path:
    """Path of the copy shipped with the package (``trustsource/data/instance.schema.json``)."""
    return Path(str(files("trustsource.data").joinpath("instance.schema.json")))


if __name__ == "__main__":  # pragma: no cover - regenerates the shipped copy
    write_schema(shipped_schema_path())  # the library writes files, it does not print
