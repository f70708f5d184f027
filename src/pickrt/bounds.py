"""Bounds for every number and size that comes from outside (flags, profile files, batch lines).

One place, so that the CLI, the profile model, ``--batch`` and the what-if builder agree, and so
that an error names the same allowed range everywhere. Counts are kept as counts: nothing builds
one record per GPU or per node past these limits.
"""

from __future__ import annotations

import math
import re
from typing import Any

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""Terminal controls in names from probe output: replaced at detection, for every renderer."""

MAX_GPUS_PER_NODE = 64
"""GPUs in one machine (``--gpus``, ``count`` of a GPU entry, a profile's ``gpus`` list)."""
MAX_NODES = 4096
"""Machines in a cluster (``--nodes``, a profile's ``cluster.nodes``)."""
MAX_USERS = 100_000
"""Concurrent users / in-flight requests (``--users``)."""
MIN_CONTEXT, MAX_CONTEXT = 256, 10_000_000
"""Tokens per request (``--context``)."""
MAX_GB = 1_000_000.0
"""GiB of memory or VRAM (``--memory``, ``--vram``, ``*_gb`` in a profile)."""
MAX_TIMEOUT = 60.0
"""Seconds a probe may take (``detect --timeout``)."""
MAX_CPU_THREADS = 65_536
MAX_TEXT = 1_000
"""Characters of a name (GPU, CPU, chip, node) in a profile."""
MAX_DETAIL = 10_000
MAX_LIST = 512
"""Entries of a short list in a profile (CPU flags, probes, MIG instances)."""
MAX_DEPTH = 64
"""Nesting depth of a batch line or a JSON file pickrt reads."""


class BoundError(ValueError):
    """A number out of its range: the message names the allowed range."""


def clip(text: Any, n: int = 60) -> str:
    """``repr`` of an outside value, cut for a one-line message."""
    if isinstance(text, int) and not isinstance(text, bool) and abs(text) >= 10**12:
        return f"a {len(str(abs(text)))}-digit number"
    s = repr(text)
    return s if len(s) <= n else s[: n - 5] + "..." + f" ({len(s)} characters)"


def whole(name: str, value: Any, lo: int, hi: int) -> int:
    """``value`` as an int in [lo, hi] (bools, floats with a fraction and strings refused)."""
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            value = int(value)
        else:
            raise BoundError(f"{name} takes a whole number from {lo} to {hi}, not {clip(value)}")
    if not lo <= value <= hi:
        shown = value if abs(value) < 10**12 else f"a {len(str(abs(value)))}-digit number"
        raise BoundError(f"{name} must be a whole number from {lo} to {hi}, not {shown}")
    return value


def number(name: str, value: Any, lo: float, hi: float, *, lo_open: bool = True, unit: str = "") -> float:
    """``value`` as a finite float in (lo, hi] (or [lo, hi] when not ``lo_open``); NaN, inf refused."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BoundError(f"{name} takes a number{unit}, not {clip(value)}")
    try:
        v = float(value)
    except OverflowError:
        v = math.inf
    low_ok = v > lo if lo_open else v >= lo
    if not (math.isfinite(v) and low_ok and v <= hi):
        rng = f"greater than {lo:g}" if lo_open else f"at least {lo:g}"
        shown = f"{v:g}" if math.isfinite(v) and isinstance(value, float) else clip(value)
        raise BoundError(f"{name} must be a number{unit} {rng} and at most {hi:.0f}, not {shown}")
    return v


MAX_VALUES = 1_000_000
"""Values (scalars, lists, mappings) in one decoded document: YAML aliases cannot multiply past it."""


def depth(value: Any, limit: int = MAX_DEPTH, max_values: int = MAX_VALUES) -> int:
    """Nesting depth of decoded JSON/YAML, iteratively (no recursion); raises BoundError past
    ``limit`` levels or past ``max_values`` values (a YAML "billion laughs" of shared aliases)."""
    stack = [(value, 1)]
    deepest = 0
    seen = 0
    while stack:
        v, d = stack.pop()
        seen += 1
        if seen > max_values:
            raise BoundError(f"more than {max_values} values (YAML aliases that expand without end?)")
        if d > limit:
            raise BoundError(f"nested deeper than {limit} levels")
        deepest = max(deepest, d)
        if isinstance(v, dict):
            stack.extend((x, d + 1) for x in v.values())
        elif isinstance(v, list):
            stack.extend((x, d + 1) for x in v)
    return deepest


MAX_NAMES = 200
"""Names kept from one outside list (model names a server lists)."""


def names(values: Any, limit: int = MAX_NAMES, length: int = 200) -> list[str]:
    """Strings (and numbers as text) of an outside list, each cut to ``length``, at most ``limit``."""
    out: list[str] = []
    for v in values:
        if isinstance(v, (str, int, float)) and not isinstance(v, bool):
            out.append(str(v)[:length])
            if len(out) >= limit:
                break
    return out


def clamp_detected(gpus: list, cluster: Any, note: Any) -> tuple[list, Any]:
    """Keep a detected profile's GPU and node lists within the bounds a profile file has, so that
    ``detect --json`` always loads back with ``--hardware``; ``note(probe, text)`` says what was cut."""
    if len(gpus) > MAX_GPUS_PER_NODE:
        note("uname", f"{len(gpus)} GPUs reported: only the first {MAX_GPUS_PER_NODE} are kept")
        gpus = gpus[:MAX_GPUS_PER_NODE]
    lists = [gpus]
    if cluster is not None:
        if len(cluster.nodes) > MAX_NODES:
            note(str(cluster.source), f"{len(cluster.nodes)} nodes: only the first {MAX_NODES} are kept")
            cluster.nodes = cluster.nodes[:MAX_NODES]
        for node in cluster.nodes:
            node.gpus = node.gpus[:MAX_GPUS_PER_NODE]
            lists.append(node.gpus)
        if cluster.gpus_total is not None and not 0 <= cluster.gpus_total <= MAX_NODES * MAX_GPUS_PER_NODE:
            cluster.gpus_total = None
    for gl in lists:
        for g in gl:
            if not isinstance(g.count, int) or not 1 <= g.count <= MAX_GPUS_PER_NODE:
                g.count = min(max(1, g.count if isinstance(g.count, int) else 1), MAX_GPUS_PER_NODE)
            for key in ("name", "driver", "compute_capability", "gfx_target", "cuda_version"):
                v = getattr(g, key, None)
                if isinstance(v, str):
                    setattr(g, key, _CONTROL.sub("\ufffd", v[:MAX_TEXT]))
    return gpus, cluster


def _size(v: Any) -> Any:
    ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and 0 < v <= MAX_GB
    return v if ok else None


def clamp_sizes(profile: Any) -> Any:
    """A detected profile's sizes that a profile file could not hold (0, tiny values rounded to 0.0,
    absurd ones) become unknown (None): unknown is null, never a wrong number."""
    for key in ("memory_gb", "memory_available_gb", "memory_limit_gb"):
        setattr(profile, key, _size(getattr(profile, key)))
    for key in ("cores", "threads"):
        v = getattr(profile.cpu, key, None)
        if v is not None and not (isinstance(v, int) and 1 <= v <= MAX_CPU_THREADS):
            setattr(profile.cpu, key, None)
    if profile.apple is not None:
        for key in ("memory_gb", "gpu_usable_gb"):
            setattr(profile.apple, key, _size(getattr(profile.apple, key)))
    nodes = profile.cluster.nodes if profile.cluster is not None else []
    for g in [*profile.gpus, *(g for n in nodes for g in n.gpus)]:
        g.vram_gb = _size(g.vram_gb)
        for inst in (g.mig.instances if g.mig is not None else []):
            inst.memory_gb = _size(inst.memory_gb)
    for n in nodes:
        n.memory_gb = _size(n.memory_gb)
    return profile


__all__ = ["BoundError", "clamp_detected", "clamp_sizes", "names", "MAX_CONTEXT", "MAX_CPU_THREADS", "MAX_DEPTH", "MAX_DETAIL", "MAX_GB", "MAX_GPUS_PER_NODE",
           "MAX_LIST", "MAX_NODES", "MAX_TEXT", "MAX_TIMEOUT", "MAX_USERS", "MIN_CONTEXT", "clip", "depth", "number",
           "whole"]
