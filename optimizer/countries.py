"""Country codes: ISO 3166-1 alpha-2 plus the user-assigned ranges for custom regions."""

from __future__ import annotations

import string
from functools import lru_cache

import pycountry

# ISO 3166-1 reserves these alpha-2 codes for private use; trustsource accepts them for custom
# regions (a "rest of world" bucket, a trading zone, an anonymised supplier country).
_USER_ASSIGNED = frozenset(
    ["AA", "ZZ"]
    + [f"Q{c}" for c in string.ascii_uppercase[string.ascii_uppercase.index("M") :]]
    + [f"X{c}" for c in string.ascii_uppercase]
)


@lru_cache(maxsize=1)
def iso_codes() -> frozenset[str]:
    """Every officially assigned ISO 3166-1 alpha-2 code."""
    return frozenset(c.alpha_2 for c in pycountry.countries)


def is_country(code: str) -> bool:
    """Whether ``code`` is an assigned ISO alpha-2 code or a user-assigned one."""
    return code in _USER_ASSIGNED or code in iso_codes()


def country_name(code: str) -> str:
    """A readable name for messages and reports (the code itself for custom regions)."""
    found = pycountry.countries.get(alpha_2=code)
    return found.name if found is not None else code
