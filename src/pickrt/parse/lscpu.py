"""Parse ``lscpu`` (util-linux, run with LC_ALL=C) into a :class:`~pickrt.profile.CPU`.

Pure: text in, facts out; never raises. Handles the old flat layout, the newer layout with
per-model sections (heterogeneous ARM: one ``Model name:`` block per cluster) and partial pastes.
"""

from __future__ import annotations

from typing import Optional

from pickrt.parse.proc_cpuinfo import notable_flags
from pickrt.profile_plain import CPU

# Vendors whose lscpu "Model name" omits the vendor (ARM world).
_PREFIX_VENDORS = {"arm", "apple", "cavium", "ampere", "fujitsu", "hisilicon", "nvidia", "qualcomm", "broadcom", "marvell"}


def _int(value: Optional[str]) -> Optional[int]:
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


def parse_fields(text: str) -> list[tuple[str, str]]:
    """All 'Key: value' pairs in order (keys stripped, as printed)."""
    pairs: list[tuple[str, str]] = []
    for raw in (text or "").splitlines():
        if ":" not in raw:
            continue
        key, _, value = raw.partition(":")
        key = key.strip()
        if key:
            pairs.append((key, value.strip()))
    return pairs


def parse(text: str) -> CPU:
    """lscpu -> CPU(model, cores = cores per socket/cluster x sockets/clusters summed over sections,
    threads = ``CPU(s)``, notable flags)."""
    try:
        return _parse(text)
    except Exception:  # pragma: no cover
        return CPU()


def _parse(text: str) -> CPU:
    pairs = parse_fields(text)
    first: dict[str, str] = {}
    for k, v in pairs:
        first.setdefault(k, v)

    vendor = first.get("Vendor ID")
    # Sections start at each "Model name"; topology keys that follow belong to it.
    sections: list[dict[str, str]] = []
    current: Optional[dict[str, str]] = None
    for k, v in pairs:
        if k == "Model name":
            current = {"Model name": v}
            sections.append(current)
        elif current is not None:
            current.setdefault(k, v)
    if not sections:
        sections = [first]

    names: list[str] = []
    for s in sections:
        name = s.get("Model name")
        if not name or name in ("-", "N/A"):
            continue
        name = " ".join(name.split())
        if vendor and vendor.lower() in _PREFIX_VENDORS and not name.lower().startswith(vendor.lower()):
            name = f"{vendor} {name}"
        if name not in names:
            names.append(name)
    model = " + ".join(names) if names else None

    threads = _int(first.get("CPU(s)"))

    cores: Optional[int] = None
    total = 0
    ok = True
    for s in sections:
        if "Core(s) per cluster" in s:
            per = _int(s.get("Core(s) per cluster"))
            count = _int(s.get("Cluster(s)")) or _int(s.get("Socket(s)"))
        else:
            per = _int(s.get("Core(s) per socket") or first.get("Core(s) per socket"))
            count = _int(s.get("Socket(s)") or first.get("Socket(s)"))
        if per is None or count is None:
            ok = False
            break
        total += per * count
    if ok and total > 0:
        cores = total
    if cores is not None and threads is not None and cores > threads:
        cores = None  # contradicts itself: unknown rather than wrong

    flags = notable_flags((first.get("Flags") or "").split())
    return CPU(model=model, cores=cores, threads=threads, flags=flags)


__all__ = ["parse", "parse_fields"]
