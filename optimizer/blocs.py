"""Built-in blocs (EU, G7, MSP, Pax Silica, US FTA partners, countries of concern, ...).

They ship as ``data/blocs.yaml`` with the source of each membership list. An instance may use
them by name, define its own, or override a built-in one by defining a bloc of the same name.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from types import MappingProxyType

from .instance.readers.safe_yaml import load_yaml


@lru_cache(maxsize=1)
def _load() -> dict[str, dict[str, object]]:
    text = resources.files("trustsource.data").joinpath("blocs.yaml").read_text("utf-8")
    # The strict (YAML 1.2) reader: under PyYAML's YAML 1.1 safe_load, Norway's unquoted NO
    # in the NATO and MSP lists read as the boolean False.
    doc, _ = load_yaml(text, "blocs.yaml")
    as_of = doc.get("as_of")
    return {
        name: {"members": tuple(entry["members"]), "source": entry["source"], "as_of": as_of}
        for name, entry in doc["blocs"].items()
    }


def builtin_blocs() -> Mapping[str, tuple[str, ...]]:
    """Built-in bloc name -> member country codes (read-only)."""
    return MappingProxyType({k: v["members"] for k, v in _load().items()})  # type: ignore[misc]


def builtin_bloc_sources() -> Mapping[str, str]:
    """Built-in bloc name -> where its membership list comes from, and as of when."""
    return MappingProxyType({k: f"{v['source']} (as of {v['as_of']})" for k, v in _load().items()})
