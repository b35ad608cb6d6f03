"""Input: load -> parse -> validate -> cross-check -> :class:`Instance` -> findings, one way.

``readers/`` parse the formats (YAML, JSON, CSV tables, Excel) within bounds; :mod:`.schema`
declares schema 1 and :mod:`.kinds` the rule kinds; :mod:`.locate` says where each value came
from; :mod:`.checks` cross-checks references; :mod:`.instance` is the validated, immutable
instance; :mod:`.findings` the pre-solve arithmetic; :mod:`.load` is the one entry point.
"""
