"""Assemble the sourcing model from its families: load -> validate -> **build** -> solve -> results.

:func:`build_model` returns a :class:`BuiltModel`: the block-form model plus the context that
maps columns back to suppliers, items and sites. Backends hand it to HiGHS:

* ``to_pyomo()`` builds a Pyomo ``ConcreteModel`` whose components carry the family and rule
  names (``m.x['ga-cn-1']``, ``m.component('crma-65')['gallium|CN']``), also in LP files
  written by ``write_lp()``;
* ``to_highs()`` passes the same matrix straight to a ``highspy.Highs`` object.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ..instance.instance import Instance
from .balance import add_balance
from .capacity import add_capacity
from .context import Context, make_context
from .core import ModelData
from .handoff import highs_from_data
from .pyomo_form import to_pyomo
from .rules import add_rule
from .tiers import add_tiers
from .variables import add_variables


@dataclass
class BuiltModel:
    """A built model: block data, context, and build timings."""

    data: ModelData
    ctx: Context
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def stats(self) -> dict[str, int]:
        """Rows, columns, nonzeros and integer columns."""
        return self.data.stats

    def to_pyomo(self) -> Any:
        """The model as a Pyomo ``ConcreteModel`` (names carry families and rules)."""
        return to_pyomo(self.data)

    def write_lp(self, path: str | Path) -> None:
        """Write the model as an LP file whose names carry families, rules and labels.

        The LP format allows few characters, so Pyomo writes ``crma-65['gallium|CN']`` as
        ``c_u_crma_65(gallium_CN)_`` (``c_u`` an upper-bounded row, ``c_e`` an equation).
        """
        write_lp(self.data, path)

    def to_highs(self) -> Any:
        """A ``highspy.Highs`` with this model passed directly (no Pyomo in between)."""
        return highs_from_data(self.data)


def write_lp(data: ModelData, path: str | Path) -> None:
    """Write block-form model ``data`` as an LP file with named rows and columns (Pyomo)."""
    from pyomo.opt import ProblemFormat

    model, _ = to_pyomo(data)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    model.write(
        str(target), format=ProblemFormat.cpxlp, io_options={"symbolic_solver_labels": True}
    )


ExitForm = Literal["auto", "dense", "aux"]


@contextmanager
def paused_gc() -> Iterator[None]:
    """The cyclic garbage collector off for the block (restored as it was)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def build_model(
    inst: Instance,
    *,
    exit_form: ExitForm = "auto",
    separate_awards: bool = False,
    room: Mapping[str, tuple[float, float]] | None = None,
) -> BuiltModel:
    """Build the MIP of ``inst`` in block form.

    Args:
        inst: a validated instance.
        exit_form: formulation of ``exit`` rules (see :mod:`trustsource.model.rules.exit`).
        separate_awards: give every offer with a minimum order (or under ``max_suppliers``)
            an award binary of its own, apart from its qualification (the two-stage model).
        room: per item, (less, more) supply than its demand a plan may buy: the period model
            of a periodic plan, where a stock serves demand or is filled (bounds and cover
            rows use it; see :func:`trustsource.instance.checks.required_supply`).
    """
    if inst.periods:
        raise ValueError(
            "a periodic instance is one model per period, linked: build it with "
            "trustsource.model.periods.build_periods (trustsource.solve does), or one period's "
            "plain instance with build_model(inst.at(year))"
        )
    if exit_form not in ("auto", "dense", "aux"):
        raise ValueError(f"unknown exit_form {exit_form!r}; use 'auto', 'dense' or 'aux'")
    t0 = time.perf_counter()
    md = ModelData()
    # The build creates many small objects; pausing the cyclic GC avoids rescanning them.
    with paused_gc():
        ctx = make_context(inst, room)
        ctx.options["exit_form"] = exit_form
        ctx.options["separate_awards"] = separate_awards
        add_variables(md, ctx)
        add_tiers(md, ctx)
        add_balance(md, ctx)
        add_capacity(md, ctx)
        for rule in inst.rules:
            add_rule(md, ctx, rule)
    md.info["n_suppliers"] = len(ctx.sup_ids)
    return BuiltModel(md, ctx, {"build": time.perf_counter() - t0})


def column_values(model: BuiltModel, col_value: np.ndarray, name: str) -> np.ndarray:
    """Values of one variable block from a full solution vector."""
    block = model.data.var_blocks.get(name)
    if block is None:
        return np.zeros(0)
    return col_value[block.start : block.start + block.size]
