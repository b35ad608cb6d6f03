"""trustsource: diversified sourcing under trust constraints.

Load or build an instance, solve it with HiGHS, read the plan as pandas DataFrames::

    import trustsource
    inst = trustsource.load("instances/gallium-demo.yaml")
    plan = trustsource.solve(inst, time_limit=60)
    plan.allocations

The library never prints; it logs through :mod:`logging` under the ``trustsource`` logger.
"""

from trustsource.analysis.diagnose import Diagnosis, diagnose
from trustsource.analysis.explain import Explanation, explain
from trustsource.errors import InstanceError, Issue, TrustsourceError
from trustsource.instance import Instance
from trustsource.loader import load
from trustsource.model.build import BuiltModel, build_model
from trustsource.results.plan import NoOptimalPlanError, Plan
from trustsource.solve import solve
from trustsource.status import Status

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
