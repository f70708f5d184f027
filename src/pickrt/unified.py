"""Facts about unified memory shared by detection and what-if profiles.

On Apple Silicon the GPU may only wire up to Metal's ``recommendedMaxWorkingSetSize``.
Apple does not document it; logged values give 2/3 of RAM up to 36 GB and 3/4 above
(knowledge/hardware/apple.yaml, ``gpu_usable_memory``). A non-zero ``iogpu.wired_limit_mb``
sysctl overrides it.
"""

from __future__ import annotations

from typing import Optional

SMALL_MAC_GB = 36.0
SMALL_FRACTION = 2.0 / 3.0
LARGE_FRACTION = 0.75


def apple_gpu_usable_gb(memory_gb: Optional[float], wired_limit_mb: Optional[int] = None) -> Optional[float]:
    """GPU-usable share of unified memory (GiB), or None when memory is unknown."""
    if wired_limit_mb:
        return round(wired_limit_mb / 1024.0, 2)
    if memory_gb is None:
        return None
    fraction = SMALL_FRACTION if memory_gb <= SMALL_MAC_GB else LARGE_FRACTION
    return round(memory_gb * fraction, 2)


__all__ = ["apple_gpu_usable_gb"]
