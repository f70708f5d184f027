"""Parse macOS/BSD ``sysctl`` dumps and pull out the facts pickrt needs about a Mac.

Pure; never raises. ``parse`` accepts ``key: value`` (macOS) and ``key = value`` (BSD, ``-a`` on
some systems) lines; anything else is skipped.
"""

from __future__ import annotations

import re
from typing import Any, Optional

from pickrt.parse.proc_cpuinfo import notable_flags
from pickrt.profile_plain import CPU

_LINE = re.compile(r"^\s*([A-Za-z0-9_][A-Za-z0-9_.\-]*)\s*(?::|=)\s?(.*)$")
_CHIP = re.compile(r"^Apple M\d")


def parse(text: str) -> dict[str, str]:
    """sysctl output -> {key: value} (first occurrence wins; values stripped)."""
    out: dict[str, str] = {}
    try:
        for raw in (text or "").splitlines():
            m = _LINE.match(raw)
            if not m:
                continue
            key, value = m.group(1), m.group(2).strip()
            if "." not in key:
                continue
            out.setdefault(key, value)
    except Exception:  # pragma: no cover
        pass
    return out


def _int(d: dict[str, str], key: str) -> Optional[int]:
    value = d.get(key)
    if value is None:
        return None
    try:
        return int(value.split()[0])
    except (ValueError, IndexError):
        return None


def _bool(d: dict[str, str], key: str) -> Optional[bool]:
    value = _int(d, key)
    if value is None:
        return None
    return value != 0


def apple_facts(d: dict[str, str]) -> dict[str, Any]:
    """Facts about a Mac from a sysctl dict.

    Keys: ``brand`` (machdep.cpu.brand_string), ``chip`` (the brand when it names an Apple chip,
    e.g. "Apple M3 Max"; "Apple processor" of early Big Sur is not a chip name -> None),
    ``model`` (hw.model), ``memory_bytes`` (hw.memsize), ``arm64`` (hw.optional.arm64),
    ``perflevels`` ([{"name", "physicalcpu", "logicalcpu"}]), ``wired_limit_mb``
    (iogpu.wired_limit_mb; 0 means the default), ``rosetta`` (sysctl.proc_translated),
    ``virtual`` (kern.hv_vmm_present, or a "(Virtual)" chip / VirtualMac model), ``cores``,
    ``threads``. Each is None when the dump does not say.
    """
    try:
        return _apple_facts(d or {})
    except Exception:  # pragma: no cover
        return {k: None for k in ("brand", "chip", "model", "memory_bytes", "arm64", "perflevels",
                                  "wired_limit_mb", "rosetta", "virtual", "cores", "threads")}


def _apple_facts(d: dict[str, str]) -> dict[str, Any]:
    brand = d.get("machdep.cpu.brand_string") or None
    chip = brand if brand and _CHIP.match(brand) else None
    if chip:
        chip = chip.replace("(Virtual)", "").strip()
    model = d.get("hw.model") or None
    perflevels: list[dict[str, Any]] = []
    n = _int(d, "hw.nperflevels")
    i = 0
    while True:
        prefix = f"hw.perflevel{i}."
        if not any(k.startswith(prefix) for k in d):
            break
        perflevels.append({
            "name": d.get(prefix + "name") or None,
            "physicalcpu": _int(d, prefix + "physicalcpu"),
            "logicalcpu": _int(d, prefix + "logicalcpu"),
        })
        i += 1
        if i > 16:
            break
    if n is not None and n < len(perflevels):
        perflevels = perflevels[:n]

    virtual = _bool(d, "kern.hv_vmm_present")
    if (brand and "(virtual)" in brand.lower()) or (model and model.lower().startswith("virtualmac")):
        virtual = True

    cores = _int(d, "hw.physicalcpu")
    if cores is None:
        cores = _int(d, "machdep.cpu.core_count")
    threads = _int(d, "hw.logicalcpu")
    if threads is None:
        threads = _int(d, "machdep.cpu.thread_count")
    # Performance levels partition the cores: their sum is the total when each level says.
    if perflevels and cores is None and all(p["physicalcpu"] for p in perflevels):
        cores = sum(p["physicalcpu"] for p in perflevels)
    if perflevels and threads is None and all(p["logicalcpu"] for p in perflevels):
        threads = sum(p["logicalcpu"] for p in perflevels)
    return {
        "brand": brand,
        "chip": chip,
        "model": model,
        "memory_bytes": _int(d, "hw.memsize"),
        "arm64": _bool(d, "hw.optional.arm64"),
        "perflevels": perflevels,
        "wired_limit_mb": _int(d, "iogpu.wired_limit_mb"),
        "rosetta": _bool(d, "sysctl.proc_translated"),
        "virtual": virtual,
        "cores": cores,
        "threads": threads,
    }


# hw.optional.* switches -> notable flag names
_OPTIONAL = {
    "hw.optional.neon": "neon",
    "hw.optional.AdvSIMD": "neon",
    "hw.optional.arm.AdvSIMD": "neon",
    "hw.optional.arm.FEAT_BF16": "bf16",
    "hw.optional.arm.FEAT_I8MM": "i8mm",
    "hw.optional.arm.FEAT_SME": "sme",
    "hw.optional.arm.FEAT_SME2": "sme2",
    "hw.optional.avx1_0": "avx",
    "hw.optional.avx2_0": "avx2",
    "hw.optional.avx512f": "avx512f",
    "hw.optional.avx512vnni": "avx512_vnni",
    "hw.optional.fma": "fma",
    "hw.optional.f16c": "f16c",
}


def cpu(d: dict[str, str]) -> CPU:
    """CPU facts from a sysctl dict (model = brand string, cores, threads, notable flags)."""
    try:
        facts = _apple_facts(d or {})
        tokens: list[str] = []
        for key, flag in _OPTIONAL.items():
            if _bool(d, key):
                tokens.append(flag)
        for key in ("machdep.cpu.features", "machdep.cpu.leaf7_features", "machdep.cpu.extfeatures"):
            tokens.extend((d.get(key) or "").split())
        model = facts["brand"]
        return CPU(model=model, cores=facts["cores"], threads=facts["threads"], flags=notable_flags(tokens))
    except Exception:  # pragma: no cover
        return CPU()


__all__ = ["apple_facts", "cpu", "parse"]
