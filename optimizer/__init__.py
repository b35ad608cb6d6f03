"""trustsource: diversified sourcing under trust constraints.

Load or build an instance, solve it with HiGHS, read the plan as pandas DataFrames::

    import trustsource
    inst = trustsource.load("instances/gallium-demo.yaml")
    plan = trustsource.solve(inst, time_limit=60)
    plan.allocations

The analyses, each a function returning a result object with DataFrames, ``to_dict()`` (the
JSON of the matching command) and, where it writes files, ``write(folder)``:

* :func:`explain` (the price of each rule), :func:`diagnose` (why no plan exists);
* :func:`compare` (variants side by side), :func:`stress` (lose a country, a site, a scenario),
  :func:`sweep` (one parameter over a range);
* :func:`risk` (two-stage, over scenarios), :func:`glide` (periodic: when a cap can hold);
* :func:`coalition` (allies planning together), :func:`alternatives` (the room near the optimum).

The library never prints; it logs through :mod:`logging` under the ``trustsource`` logger.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from ._version import __version__ as __version__

if TYPE_CHECKING:  # the names below, for type checkers; at run time they load on first use
    from .analysis.alternatives import AlternativesResult, alternatives
    from .analysis.coalition.analysis import CoalitionResult, coalition
    from .analysis.compare import Comparison, compare
    from .analysis.diagnose import Diagnosis, diagnose
    from .analysis.explain import Explanation, explain
    from .analysis.glide import GlideResult, glide
    from .analysis.risk import RiskResult, risk
    from .analysis.stress import StressResult, stress
    from .analysis.sweep import SweepResult, sweep
    from .errors import InstanceError, Issue, TrustsourceError
    from .instance.instance import Instance
    from .instance.load import load
    from .model.build import BuiltModel, build_model
    from .results.plan import NoOptimalPlanError, Plan
    from .solve import solve
    from .status import Status

# Public name -> module that defines it. Imported lazily (PEP 562): ``import trustsource`` and
# the command line start without pandas, Pyomo and HiGHS (a few seconds on a busy machine), and
# the CLI can install its signal handlers before any of them load.
_EXPORTS = {
    "AlternativesResult": ".analysis.alternatives",
    "alternatives": ".analysis.alternatives",
    "CoalitionResult": ".analysis.coalition.analysis",
    "coalition": ".analysis.coalition.analysis",
    "Comparison": ".analysis.compare",
    "compare": ".analysis.compare",
    "Diagnosis": ".analysis.diagnose",
    "diagnose": ".analysis.diagnose",
    "Explanation": ".analysis.explain",
    "explain": ".analysis.explain",
    "GlideResult": ".analysis.glide",
    "glide": ".analysis.glide",
    "RiskResult": ".analysis.risk",
    "risk": ".analysis.risk",
    "StressResult": ".analysis.stress",
    "stress": ".analysis.stress",
    "SweepResult": ".analysis.sweep",
    "sweep": ".analysis.sweep",
    "InstanceError": ".errors",
    "Issue": ".errors",
    "TrustsourceError": ".errors",
    "Instance": ".instance.instance",
    "load": ".instance.load",
    "Pack": ".instance.packs",
    "pack": ".instance.packs",
    "packs": ".instance.packs",
    "BuiltModel": ".model.build",
    "build_model": ".model.build",
    "NoOptimalPlanError": ".results.plan",
    "Plan": ".results.plan",
    "solve": ".solve",
    "Reuse": ".solve.blocks",
    "Status": ".status",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'trustsource' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
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
    "AlternativesResult",
    "BuiltModel",
    "CoalitionResult",
    "Comparison",
    "Diagnosis",
    "Explanation",
    "GlideResult",
    "Instance",
    "InstanceError",
    "Issue",
    "NoOptimalPlanError",
    "Pack",
    "Plan",
    "Reuse",
    "RiskResult",
    "Status",
    "StressResult",
    "SweepResult",
    "TrustsourceError",
    "alternatives",
    "build_model",
    "coalition",
    "compare",
    "diagnose",
    "explain",
    "glide",
    "load",
    "pack",
    "packs",
    "risk",
    "solve",
    "stress",
    "sweep",
]
