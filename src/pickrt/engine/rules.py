"""Typed rule conditions and targets (``knowledge/rules/``), matched without eval."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pickrt.catalog.models import Condition, Rule, Runtime, Target
from pickrt.engine.hardware import HwView
from pickrt.engine.workload import Workload


@dataclass
class Situation:
    hw: HwView
    wl: Workload
    fits_one_node: Optional[bool] = None
    fits_anywhere: Optional[bool] = None


def condition_holds(c: Condition, s: Situation, rt: Runtime) -> bool:
    wl, hw = s.wl, s.hw
    if c.traffic is not None and wl.traffic not in c.traffic:
        return False
    if c.goal is not None and wl.goal not in c.goal:
        return False
    if c.needs_any is not None and not set(c.needs_any) & set(wl.needs):
        return False
    if c.needs_none is not None and set(c.needs_none) & set(wl.needs):
        return False
    if c.quant is not None and wl.quant_format not in c.quant:
        return False
    if c.os is not None and hw.os not in c.os:
        return False
    if c.hardware is not None and not set(c.hardware) & hw.classes:
        return False
    if c.not_hardware is not None and set(c.not_hardware) & hw.classes:
        return False
    if c.users_min is not None and wl.users < c.users_min:
        return False
    if c.users_max is not None and wl.users > c.users_max:
        return False
    if c.context_min is not None and wl.context < c.context_min:
        return False
    if c.gpus_min is not None and len(hw.gpus) < c.gpus_min:
        return False
    if c.nodes_min is not None and hw.nodes < c.nodes_min:
        return False
    if c.nodes_max is not None and hw.nodes > c.nodes_max:
        return False
    if c.interconnect is not None and (hw.interconnect or "none") not in c.interconnect:
        return False
    if c.fits_one_node is not None and s.fits_one_node != c.fits_one_node:
        return False
    if c.model_given is not None and (wl.model is not None) != c.model_given:
        return False
    if c.named_runtime is not None and (wl.runtime == rt.slug) != c.named_runtime:
        return False
    if c.fits_anywhere is not None and s.fits_anywhere != c.fits_anywhere:
        return False
    if c.rosetta is not None and hw.rosetta != c.rosetta:
        return False
    return True


def targets(t: Target, rt: Runtime) -> bool:
    if t.runtimes is not None and rt.slug not in t.runtimes:
        return False
    if t.zones is not None and rt.zone not in t.zones:
        return False
    if t.feature is not None:
        if t.feature == "openai_compatible":
            if not rt.api.openai_compatible:
                return False
        elif t.feature.startswith("status:"):
            if rt.status.state != t.feature.split(":", 1)[1]:
                return False
        elif t.feature == "not_core":
            if rt.core:
                return False
        elif not getattr(rt.features, t.feature, None):
            return False
    if t.quant is not None and t.quant not in rt.quant_formats:
        return False
    return True


# Which rules target a runtime depends only on the catalog: work it out once per rule list and
# runtime. Each entry holds the rule list itself, so its id() cannot be reused by a later catalog
# while the entry lives (the old key was a bare id(), which a new list could take over); at most a
# few rule lists are kept.
_TARGETED: dict[int, tuple[list, dict[str, list]]] = {}
_TARGETED_MAX = 4


def applicable(rules: list[Rule], s: Situation, rt: Runtime) -> list[Rule]:
    entry = _TARGETED.get(id(rules))
    if entry is None or entry[0] is not rules:
        if len(_TARGETED) >= _TARGETED_MAX:
            _TARGETED.clear()
        entry = _TARGETED[id(rules)] = (rules, {})
    per_rt = entry[1]
    mine = per_rt.get(rt.slug)
    if mine is None:
        mine = per_rt[rt.slug] = [r for r in rules if targets(r.target, rt)]
    return [r for r in mine if condition_holds(r.when, s, rt)]


__all__ = ["Situation", "applicable", "condition_holds", "targets"]
