"""Facts about unified memory shared by detection and the engine.

On Apple Silicon the GPU may only wire up to Metal's ``recommendedMaxWorkingSetSize``. Apple does
not document the default share; the catalog holds the logged values
(knowledge/hardware/apple.yaml ``gpu_usable_fraction``, keys ``up_to_<N>gb`` and ``above_<N>gb``).
A non-zero ``iogpu.wired_limit_mb`` sysctl is the live limit and overrides it.
"""

from __future__ import annotations

import re
from typing import Mapping, Optional

_KEY = re.compile(r"^(up_to|above)_(\d+(?:\.\d+)?)gb$")


def wired_limit_gb(wired_limit_mb: Optional[int]) -> Optional[float]:
    """The live GPU limit macOS reports (``iogpu.wired_limit_mb``), GiB; None when unset (0) or absent."""
    if not wired_limit_mb or wired_limit_mb <= 0:
        return None
    return round(wired_limit_mb / 1024.0, 2)


def default_fraction(memory_gb: float, fractions: Mapping[str, float]) -> Optional[float]:
    """The catalog's default share for a Mac with ``memory_gb``: the tightest ``up_to_<N>gb`` bound that
    holds, else the ``above_<N>gb`` entry with the largest N below the memory. None when none applies."""
    ups = []
    aboves = []
    for key, frac in fractions.items():
        m = _KEY.match(key)
        if not m or not 0 < frac <= 1:
            continue
        (ups if m.group(1) == "up_to" else aboves).append((float(m.group(2)), frac))
    fit = [f for bound, f in sorted(ups) if memory_gb <= bound]
    if fit:
        return fit[0]
    over = [f for bound, f in sorted(aboves) if memory_gb > bound]
    return over[-1] if over else None


def apple_gpu_usable_gb(memory_gb: Optional[float], wired_limit_mb: Optional[int] = None,
                        fractions: Optional[Mapping[str, float]] = None) -> Optional[float]:
    """GPU-usable share of unified memory (GiB): the live limit when macOS reports one, else the catalog's
    default share of ``memory_gb``; None when neither is known."""
    live = wired_limit_gb(wired_limit_mb)
    if live is not None:
        return live
    if memory_gb is None or not fractions:
        return None
    frac = default_fraction(memory_gb, fractions)
    return round(memory_gb * frac, 2) if frac is not None else None


__all__ = ["apple_gpu_usable_gb", "default_fraction", "wired_limit_gb"]
