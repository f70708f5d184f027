"""Parse cgroup memory limits (container limits). Pure; never raises.

Results are **bytes** (int) or None for "no limit"/unknown; the profile converts to GiB.

- v2 ``memory.max``: a number of bytes, or ``max`` (no limit).
- v1 ``memory.limit_in_bytes``: a number; "unlimited" is a huge page-aligned sentinel
  (9223372036854771712 = 2**63 - 4096 on most kernels, 2**64 - 1 on some) -> None.
- Also tolerated: several files cat'ed together (``memory.max`` then ``cpu.max``: only the first
  lone value counts), ``memory.stat`` or a grep of it (``hierarchical_memory_limit N``), and
  ``# comments``.
"""

from __future__ import annotations

from typing import Optional

UNLIMITED_FLOOR = 2**60
"""Any limit at or above this (1 EiB) means "no limit"."""

_STAT_KEYS = ("hierarchical_memory_limit", "memory.max", "memory.limit_in_bytes")


def _clean_lines(text: str) -> list[str]:
    lines = []
    for raw in (text or "").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            lines.append(line)
    return lines


def _as_limit(word: str) -> tuple[bool, Optional[int]]:
    """(understood, bytes-or-None)."""
    w = word.strip().lower()
    if w in ("max", "-1", "unlimited"):
        return True, None
    try:
        value = int(w)
    except ValueError:
        return False, None
    if value < 0 or value >= UNLIMITED_FLOOR:
        return True, None
    return True, value


def _parse(text: str) -> Optional[int]:
    lines = _clean_lines(text)
    # memory.stat style first: "hierarchical_memory_limit 4294967296" (or "memory.max: N")
    for line in lines:
        words = line.replace(":", " ").replace("=", " ").split()
        if len(words) == 2 and words[0].lower() in _STAT_KEYS:
            ok, value = _as_limit(words[1])
            if ok:
                return value
    # The first line that is a lone value (memory.max); "max 100000" is cpu.max, skipped.
    for line in lines:
        words = line.split()
        if len(words) == 1:
            ok, value = _as_limit(words[0])
            if ok:
                return value
    return None


def parse_memory_max(text: str) -> Optional[int]:
    """cgroup v2 ``memory.max`` -> limit in bytes, or None for ``max``/unknown."""
    try:
        return _parse(text)
    except Exception:  # pragma: no cover
        return None


def parse_limit_in_bytes(text: str) -> Optional[int]:
    """cgroup v1 ``memory.limit_in_bytes`` (or a ``memory.stat`` grep) -> bytes, or None when unlimited."""
    try:
        return _parse(text)
    except Exception:  # pragma: no cover
        return None


def parse_proc_self_cgroup(text: str) -> dict[str, str]:
    """``/proc/self/cgroup`` -> {controller: path}; the v2 unified entry is under key ``""``.

    ``0::/`` -> {"": "/"}; ``4:memory:/docker/abc`` -> {"memory": "/docker/abc"}.
    """
    out: dict[str, str] = {}
    try:
        for raw in (text or "").splitlines():
            parts = raw.strip().split(":", 2)
            if len(parts) != 3:
                continue
            _, controllers, path = parts
            if not path.startswith("/"):
                continue
            if controllers == "":
                out.setdefault("", path)
            for c in controllers.split(","):
                if c:
                    out.setdefault(c, path)
    except Exception:  # pragma: no cover
        pass
    return out


def describe(text: str) -> str:
    """A short human note for a probe detail: 'no limit' or '4.0 GiB limit'."""
    value = parse_memory_max(text)
    if value is None:
        lines = _clean_lines(text)
        if lines and lines[0].split()[0].lower() in ("max", "unlimited") or any(
            (w.isascii() and w.isdigit() and int(w) >= UNLIMITED_FLOOR) for line in lines for w in line.split()
        ):
            return "no limit"
        return "unreadable"
    return f"{value / 2**30:.2f} GiB limit"


__all__ = ["UNLIMITED_FLOOR", "describe", "parse_limit_in_bytes", "parse_memory_max", "parse_proc_self_cgroup"]
