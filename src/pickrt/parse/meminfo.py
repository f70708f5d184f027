"""Parse memory totals: ``/proc/meminfo``, ``free -h`` / ``free -m``, Windows ``wmic``/CIM.

Pure; never raises. Results are GiB (2**30 bytes) rounded to 2 decimals; unknown is None.
"""

from __future__ import annotations

import re
from typing import Optional

GIB = float(2**30)

_UNITS = {
    "": None, "b": 1, "k": 1024, "ki": 1024, "kb": 1024, "kib": 1024,
    "m": 1024**2, "mi": 1024**2, "mb": 1024**2, "mib": 1024**2,
    "g": 1024**3, "gi": 1024**3, "gb": 1024**3, "gib": 1024**3,
    "t": 1024**4, "ti": 1024**4, "tb": 1024**4, "tib": 1024**4,
    "p": 1024**5, "pi": 1024**5,
}


def _gib(n_bytes: Optional[float]) -> Optional[float]:
    if n_bytes is None or n_bytes < 0:
        return None
    return round(n_bytes / GIB, 2)


def parse_proc_meminfo_bytes(text: str) -> dict[str, int]:
    """Every 'Key: N kB' (or bare N) line of /proc/meminfo -> bytes (HugePages_* counts kept as-is)."""
    out: dict[str, int] = {}
    for raw in (text or "").splitlines():
        key, sep, rest = raw.partition(":")
        if not sep:
            continue
        key = key.strip()
        words = rest.split()
        if not key or not words or " " in key:
            continue
        try:
            value = int(words[0])
        except ValueError:
            continue
        unit = words[1].lower() if len(words) > 1 else ""
        mult = _UNITS.get(unit)
        out[key] = value * mult if mult else value
    return out


def parse_proc_meminfo(text: str) -> tuple[Optional[float], Optional[float]]:
    """/proc/meminfo -> (total_gb, available_gb). MemAvailable missing (kernels < 3.14) -> None.

    Old kernels also print a ``Mem: total used free ...`` byte line first; it is used only when
    MemTotal is absent.
    """
    try:
        values = parse_proc_meminfo_bytes(text)
        total = values.get("MemTotal")
        if total is None:
            for raw in (text or "").splitlines():
                words = raw.split()
                if len(words) >= 2 and words[0] == "Mem:" and words[1].isascii() and words[1].isdigit():
                    total = int(words[1])
                    break
        available = values.get("MemAvailable")
        return _gib(total), _gib(available)
    except Exception:  # pragma: no cover
        return None, None


_SIZE = re.compile(r"^([0-9]+(?:[.,][0-9]+)?)([A-Za-z]*)$")


def _size_bytes(word: str, default_unit: str) -> Optional[float]:
    m = _SIZE.match(word.strip())
    if not m:
        return None
    number = float(m.group(1).replace(",", "."))
    unit = m.group(2).lower()
    mult = _UNITS.get(unit) if unit else _UNITS.get(default_unit.lower())
    if mult is None:
        return None
    return number * mult


def parse_free(text: str, default_unit: str = "m") -> tuple[Optional[float], Optional[float]]:
    """``free -h`` / ``free -m`` (or ``-g``/``-k``/``-b`` with ``default_unit`` set to match)
    -> (total_gb, available_gb). Numbers with a suffix (``754Gi``, ``1.5G``, ``0B``) carry their own
    unit; bare numbers use ``default_unit`` ("m" for ``free -m``). No 'available' column -> None."""
    try:
        header: Optional[list[str]] = None
        for raw in (text or "").splitlines():
            words = raw.split()
            if not words:
                continue
            if "total" in words and header is None:
                header = [w.lower() for w in words]
                continue
            if words[0].lower() in ("mem:", "mem"):
                values = words[1:]
                cols = header or ["total", "used", "free", "shared", "buff/cache", "available"]
                row = dict(zip(cols, values))
                total = _size_bytes(row["total"], default_unit) if "total" in row else None
                avail = _size_bytes(row["available"], default_unit) if "available" in row else None
                return _gib(total), _gib(avail)
        return None, None
    except Exception:  # pragma: no cover
        return None, None


def parse_wmic_memory(text: str) -> Optional[float]:
    """Windows total RAM in GiB from ``wmic ComputerSystem get TotalPhysicalMemory /format:list``
    (``TotalPhysicalMemory=17096380416``), the same from PowerShell (``TotalPhysicalMemory : ...``),
    or ``wmic OS get TotalVisibleMemorySize`` (KiB)."""
    try:
        for raw in (text or "").splitlines():
            line = raw.strip()
            for sep in ("=", ":"):
                if sep in line:
                    key, _, value = line.partition(sep)
                    key = key.strip().lower()
                    value = value.strip()
                    if not (value.isascii() and value.isdigit()):
                        continue
                    if key == "totalphysicalmemory":
                        return _gib(int(value))
                    if key == "totalvisiblememorysize":
                        return _gib(int(value) * 1024)
        return None
    except Exception:  # pragma: no cover
        return None


__all__ = ["parse_free", "parse_proc_meminfo", "parse_proc_meminfo_bytes", "parse_wmic_memory"]
