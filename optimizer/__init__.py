"""trustsource: diversified sourcing under trust constraints.

Load or build an instance, solve it with HiGHS, read the plan as pandas DataFrames::

    import trustsource
    inst = trustsource.load("instances/gallium-demo.yaml")
    plan = trustsource.solve(inst, time_limit=60)
    plan.allocations

The library never prints; it logs through :mod:`logging` under the ``trustsource`` logger.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names below, for type checkers; at run time they load on first use
    from trustsource.analysis.diagnose import Diagnosis, diagnose
    from trustsource.analysis.explain import Explanation, explain
    from trustsource.errors import InstanceError, Issue, TrustsourceError
    from trustsource.instance import Instance
    from trustsource.loader import load
    from trustsource.model.build import BuiltModel, build_model
    from trustsource.results.plan import NoOptimalPlanError, Plan
    from trustsource.solve import solve
    from trustsource.status import Status

# Public name -> module that defines it. Imported lazily (PEP 562): ``import trustsource`` and
# the command line start without pandas, Pyomo and HiGHS (a few seconds on a busy machine), and
# the CLI can install its signal handlers before any of them load.
_EXPORTS = {
    "Diagnosis": "trustsource.analysis.diagnose",
    "diagnose": "trustsource.analysis.diagnose",
    "Explanation": "trustsource.analysis.explain",
    "explain": "trustsource.analysis.explain",
    "InstanceError": "trustsource.errors",
    "Issue": "trustsource.errors",
    "TrustsourceError": "trustsource.errors",
    "Instance": "trustsource.instance",
    "load": "trustsource.loader",
    "BuiltModel": "trustsource.model.build",
    "build_model": "trustsource.model.build",
    "NoOptimalPlanError": "trustsource.results.plan",
    "Plan": "trustsource.results.plan",
    "solve": "trustsource.solve",
    "Status": "trustsource.status",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'trustsource' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


class _Package(types.ModuleType):
    """``trustsource.solve`` is the function even once the subpackage of that name is loaded.

    Importing ``trustsource.solve.highs`` makes Python set the package attribute ``solve`` to
    the subpackage; eager imports used to rebind it to the function, lazy ones cannot.
    """

    def __getattribute__(self, name: str) -> Any:
        value = super().__getattribute__(name)
        if name == "solve" and isinstance(value, types.ModuleType):
            return value.solve
        return value


sys.modules[__name__].__class__ = _Package


__all__ = [
    "BuiltModel",
    "Diagnosis",
    "Explanation",
    "Instance",
    "InstanceError",
    "Issue",
    "NoOptimalPlanError",
    "Plan",
    "Status",
    "TrustsourceError",
    "build_model",
    "diagnose",
    "explain",
    "load",
    "solve",
]
__version__ = "0.1.0"
