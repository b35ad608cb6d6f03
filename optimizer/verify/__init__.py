"""The independent verifier: checks a plan against the instance without the model's code."""

from .verifier import recompute_cost, verify, verify_plan

__all__ = ["recompute_cost", "verify", "verify_plan"]
