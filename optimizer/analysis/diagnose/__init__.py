"""Why an instance is infeasible: pre-solve arithmetic, an elastic re-solve, and the messages."""

from .entry import Diagnosis, apply_changes, diagnose

__all__ = ["Diagnosis", "apply_changes", "diagnose"]
