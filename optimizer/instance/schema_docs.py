"""The instance-schema reference page, generated from the JSON Schema and the field docstrings.

``python -m trustsource.instance.schema_docs > docs/instance-schema.md`` regenerates the committed
page; a test keeps the two equal. One table per object (key, type, default, required,
description), in the order a document is read: document keys, tables, price tiers, rules,
variants. Descriptions are the docstrings of the pydantic models in :mod:`.schema`.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from .jsonschema import instance_schema

ORDER = (
    "ItemSpec",
    "SiteSpec",
    "SupplierSpec",
    "PriceTiers",
    "PriceBreak",
    "CountryCapRule",
    "BlocShareRule",
    "BanRule",
    "SupplierCapRule",
    "ExitClauseRule",
    "MinSuppliersRule",
    "MaxSuppliersRule",
    "MinCountriesRule",
    "ExitRule",
    "HhiCapRule",
    "VariantSpec",
)
"""Section order of the page; objects not listed follow in alphabetical order."""

HEADINGS = {
    "ItemSpec": "Items (`items`)",
    "SiteSpec": "Sites (`sites`)",
    "SupplierSpec": "Suppliers (`suppliers`)",
    "PriceTiers": "Price tiers (`price_tiers`)",
    "PriceBreak": "Price break (`price_tiers.breaks`)",
    "VariantSpec": "Variants (`variants`)",
}

ID_PATTERN = "^[a-z0-9][a-z0-9_.-]*$"


def _anchor(name: str, schema: dict[str, Any]) -> str:
    """GitHub-style anchor of the section of object ``name``."""
    return re.sub(r"[^a-z0-9 _-]", "", _heading(name, schema).lower()).replace(" ", "-")


def _heading(name: str, schema: dict[str, Any]) -> str:
    if name in HEADINGS:
        return HEADINGS[name]
    kind = schema["$defs"][name].get("properties", {}).get("kind", {}).get("const")
    return f"Rule `{kind}`" if kind else name


def _text(doc: str) -> str:
    """A docstring as one Markdown table cell: rST literals to backticks, no pipes or newlines."""
    doc = re.sub(r":\w+:`~?([^`]+)`", r"`\1`", doc)
    doc = doc.replace("``", "`")
    return " ".join(doc.split()).replace("|", "\\|")


def _number(node: dict[str, Any], word: str) -> str:
    lo, hi = node.get("minimum"), node.get("maximum")
    xlo = node.get("exclusiveMinimum")
    if xlo is not None and hi is not None:
        return f"{word} in ({xlo:g}, {hi:g}]"
    if lo is not None and hi is not None:
        return f"{word} in [{lo:g}, {hi:g}]"
    if lo is not None:
        return f"{word} ≥ {lo:g}"
    if xlo is not None:
        return f"{word} > {xlo:g}"
    return word


def type_text(node: dict[str, Any], schema: dict[str, Any]) -> str:
    """A short human reading of a schema fragment, with links to the objects it refers to."""
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{_anchor(name, schema)})"
    if "discriminator" in node:
        return "[rule](#rules)"
    if "const" in node:
        return f"`{node['const']}`"
    if "enum" in node:
        return " or ".join(f"`{v}`" for v in node["enum"])
    for key in ("anyOf", "oneOf"):
        if key in node:
            parts = [type_text(n, schema) for n in node[key] if n.get("type") != "null"]
            return " or ".join(parts)
    typ = node.get("type")
    if typ == "string":
        if node.get("pattern") == ID_PATTERN:
            return "id"
        if node.get("title") == "CSV file":
            return "CSV file path"
        return "non-empty text" if node.get("minLength") else "text"
    if typ == "number":
        return _number(node, "number")
    if typ == "integer":
        return _number(node, "integer")
    if typ == "boolean":
        return "boolean"
    if typ == "array":
        text = f"list of {type_text(node.get('items', {}), schema)}"
        if node.get("minItems"):
            text += f" (at least {node['minItems']})"
        return text
    if typ == "object":
        for pattern, value in node.get("patternProperties", {}).items():
            key = "id" if pattern == ID_PATTERN else "key"
            return f"mapping {key} → {type_text(value, schema)}"
        extra = node.get("additionalProperties")
        if isinstance(extra, dict):
            return f"mapping text → {type_text(extra, schema)}"
        return "mapping"
    return "any"


def _default(prop: dict[str, Any]) -> str:
    if "default" not in prop or prop["default"] is None:
        return "–"
    return f"`{json.dumps(prop['default'], ensure_ascii=False, separators=(', ', ': '))}`"


def table(obj: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    """The Markdown table of one object of the schema."""
    required = set(obj.get("required", ()))
    lines = ["| key | type | default | required | description |", "|---|---|---|---|---|"]
    for key, prop in obj.get("properties", {}).items():
        lines.append(
            f"| `{key}` | {type_text(prop, schema)} | {_default(prop)} | "
            f"{'yes' if key in required else 'no'} | {_text(prop.get('description', ''))} |"
        )
    return lines


def render(schema: dict[str, Any] | None = None) -> str:
    """The whole reference page as Markdown text."""
    schema = schema or instance_schema()
    defs: dict[str, Any] = schema["$defs"]
    names = [n for n in ORDER if n in defs] + sorted(set(defs) - set(ORDER))
    rules = [n for n in names if "kind" in defs[n].get("properties", {})]
    out = [
        "# Instance schema reference (schema version 1)",
        "",
        "<!-- Generated by `python -m trustsource.instance.schema_docs > docs/instance-schema.md`; "
        "do not edit by hand. -->",
        "",
        f"Every key of an instance document, generated from the JSON Schema `{schema['$id']}` "
        "(`trustsource schema` prints it; a copy ships as `trustsource/data/instance.schema.json`"
        "). The guide with examples is [instance-format.md](instance-format.md).",
        "",
        _text(schema["description"]),
        "",
        f"An **id** matches `{ID_PATTERN}`. A default of – means the key is absent (none). No "
        "object accepts a key that its table does not list.",
        "",
        "## Document keys",
        "",
        *table(schema, schema),
    ]
    for name in names:
        if name == rules[0] if rules else False:
            kinds = ", ".join(
                f"[`{defs[r]['properties']['kind']['const']}`](#{_anchor(r, schema)})"
                for r in rules
            )
            out += [
                "",
                "## Rules",
                "",
                f"A rule is an object whose `kind` is one of {kinds}. Each kind's table lists "
                "every key it accepts, the common ones (`name`, `items`, `basis`, "
                "`description`) included.",
            ]
        level = "###" if name in rules else "##"
        out += ["", f"{level} {_heading(name, schema)}", "", _text(defs[name]["description"]), ""]
        out += table(defs[name], schema)
        if name == "SupplierSpec":
            out += [
                "",
                "Give exactly one of `unit_cost` and `price_tiers`, and `country` or `site`.",
            ]
        if name == "BlocShareRule":
            out += ["", "Give `min_share`, `max_share` or both."]
    return "\n".join(out) + "\n"


def main() -> None:
    """Write the page to stdout."""
    sys.stdout.write(render())


if __name__ == "__main__":
    main()
