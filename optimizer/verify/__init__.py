"""The independent verifier: checks a plan against the instance without the model's code."""

from .periods import verify_periods, verify_plan
from .verifier import recompute_cost, verify

__all__ = ["recompute_cost", "verify", "verify_periods", "verify_plan"]
