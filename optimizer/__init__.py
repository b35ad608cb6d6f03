"""trustsource: diversified sourcing under trust constraints.

Load or build an instance, solve it with HiGHS, read the plan as pandas DataFrames::

    import trustsource
    inst = trustsource.load("instances/gallium-demo.yaml")
    plan = trustsource.solve(inst, time_limit=60)
    plan.allocations

The library never prints; it logs through :mod:`logging` under the ``trustsource`` logger.
"""

from trustsource.errors import InstanceError, Issue, TrustsourceError
from trustsource.instance import Instance
from trustsource.loader import load

__all__ = ["Instance", "InstanceError", "Issue", "TrustsourceError", "load"]
__version__ = "0.1.0"
