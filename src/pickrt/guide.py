"""``pickrt guide``: a first-install guide, as Markdown, for the recommended runtime or the one named.

The guide renders the advice: :func:`pickrt.engine.advise.advise` computes it (with its deployment),
:func:`pickrt.engine.guide_plan.build_plan` adds what only a guide needs (install steps for the OS
and accelerator, the order of the steps, binding, a chat UI), and :mod:`pickrt.render.guide` writes
the Markdown. ``--os`` changes the OS of the commands only (:func:`pickrt.engine.os_target.retarget_os`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pickrt.advice import Advice
    from pickrt.catalog import Catalog
    from pickrt.engine.workload import Workload


def guide_and_advice(
    profile, wl: Workload, catalog: Catalog, *, os_name: str | None = None, local: dict | None = None
) -> tuple[str, Advice]:
    """The Markdown guide and the advice it renders; raises :class:`NoRuntimeError` (exit 3)."""
    from pickrt.engine.advise import advise
    from pickrt.engine.guide_plan import build_plan
    from pickrt.engine.os_target import retarget_os
    from pickrt.render.guide import render_guide

    profile, assumed = retarget_os(profile, os_name)
    adv = advise(profile, wl, catalog, local=local)
    plan = build_plan(profile, wl, catalog, adv, os_name=os_name, local=local, assumed=assumed)
    return render_guide(plan, adv), adv


def guide_for(profile, wl: Workload, catalog: Catalog, *, os_name: str | None = None, local: dict | None = None) -> str:
    """The Markdown guide; raises :class:`NoRuntimeError` (exit 3) when nothing can be guided here."""
    return guide_and_advice(profile, wl, catalog, os_name=os_name, local=local)[0]


__all__ = ["guide_and_advice", "guide_for"]
