"""Parse ``/proc/cpuinfo`` (Linux, any architecture) into a :class:`~pickrt.profile.CPU`.

Pure: text in, facts out. Never raises; what the text does not say is ``None``.
Also home of :func:`notable_flags` (shared by the lscpu and sysctl parsers) and of
:func:`parse_wmic_cpu` for Windows' ``wmic cpu get ... /format:list`` or PowerShell
``Get-CimInstance Win32_Processor | Format-List`` output.
"""

from __future__ import annotations

from typing import Iterable, Optional

from pickrt.profile_plain import CPU

# Canonical order of the flags the engine cares about.
NOTABLE = (
    "avx", "avx2", "fma", "f16c", "avx512f", "avx512_bf16", "avx512_vnni", "avx512_fp16",
    "avx_vnni", "amx_tile", "amx_bf16", "amx_int8",
    "neon", "sve", "sve2", "i8mm", "bf16", "sme", "sme2",
)

# Other spellings of the same feature (ARM 'asimd' is NEON; macOS feature words).
_ALIASES = {
    "asimd": "neon",
    "advsimd": "neon",
    "avx1.0": "avx",
    "avx2.0": "avx2",
    "avx512vnni": "avx512_vnni",
    "avx512bf16": "avx512_bf16",
    "avx512fp16": "avx512_fp16",
    "avxvnni": "avx_vnni",
    "amx_tile": "amx_tile",
}


# Names that mean something else on x86 ("sme" is AMD's Secure Memory Encryption there).
_ARM_ONLY = frozenset({"neon", "sve", "sve2", "i8mm", "bf16", "sme", "sme2"})
_X86_MARKERS = frozenset({"fpu", "sse", "sse2", "lm", "cx8"})


def notable_flags(tokens: Iterable[str]) -> list[str]:
    """Keep the notable flags of a flag list, normalised and in canonical order.

    A list that is visibly x86 (``fpu``, ``sse2``...) never yields the ARM-only names, so AMD's
    ``sme`` (memory encryption) is not taken for ARM's SME."""
    seen: set[str] = set()
    raw = [str(tok).strip().lower() for tok in tokens]
    x86 = any(t in _X86_MARKERS for t in raw)
    for t in raw:
        t = _ALIASES.get(t, t)
        if t in NOTABLE and not (x86 and t in _ARM_ONLY):
            seen.add(t)
    return [f for f in NOTABLE if f in seen]


# ARM "CPU implementer" / "CPU part" -> name (Linux arch/arm64/include/asm/cputype.h).
_ARM_PARTS: dict[int, dict[int, str]] = {
    0x41: {
        0xB76: "ARM1176", 0xC07: "Cortex-A7", 0xC09: "Cortex-A9", 0xC0F: "Cortex-A15",
        0xD03: "Cortex-A53", 0xD04: "Cortex-A35", 0xD05: "Cortex-A55", 0xD07: "Cortex-A57",
        0xD08: "Cortex-A72", 0xD09: "Cortex-A73", 0xD0A: "Cortex-A75", 0xD0B: "Cortex-A76",
        0xD0C: "Neoverse-N1", 0xD0D: "Cortex-A77", 0xD40: "Neoverse-V1", 0xD41: "Cortex-A78",
        0xD42: "Cortex-A78AE", 0xD44: "Cortex-X1", 0xD46: "Cortex-A510", 0xD47: "Cortex-A710",
        0xD48: "Cortex-X2", 0xD49: "Neoverse-N2", 0xD4B: "Cortex-A78C", 0xD4D: "Cortex-A715",
        0xD4E: "Cortex-X3", 0xD4F: "Neoverse-V2", 0xD80: "Cortex-A520", 0xD81: "Cortex-A720",
        0xD82: "Cortex-X4", 0xD83: "Neoverse-V3AE", 0xD84: "Neoverse-V3", 0xD85: "Cortex-X925",
        0xD87: "Cortex-A725", 0xD8E: "Neoverse-N3",
    },
    0x43: {0x0A1: "ThunderX", 0x0A2: "ThunderX 81xx", 0x0A3: "ThunderX 83xx", 0x0AF: "ThunderX2"},
    0x46: {0x001: "A64FX"},
    0x48: {0xD01: "Kunpeng-920 (TSV110)"},
    0x4E: {0x003: "Denver", 0x004: "Carmel"},
    0x61: {
        0x022: "M1 Icestorm", 0x023: "M1 Firestorm", 0x024: "M1 Pro Icestorm",
        0x025: "M1 Pro Firestorm", 0x028: "M1 Max Icestorm", 0x029: "M1 Max Firestorm",
        0x032: "M2 Blizzard", 0x033: "M2 Avalanche", 0x034: "M2 Pro Blizzard",
        0x035: "M2 Pro Avalanche", 0x038: "M2 Max Blizzard", 0x039: "M2 Max Avalanche",
    },
    0xC0: {0xAC3: "Ampere-1", 0xAC4: "Ampere-1a"},
}
_ARM_VENDORS = {
    0x41: "ARM", 0x42: "Broadcom", 0x43: "Cavium", 0x46: "Fujitsu", 0x48: "HiSilicon",
    0x4E: "NVIDIA", 0x51: "Qualcomm", 0x61: "Apple", 0xC0: "Ampere",
}


def arm_cpu_name(implementer: Optional[str], part: Optional[str]) -> Optional[str]:
    """'0x41', '0xd0c' -> 'ARM Neoverse-N1'; None when the pair is not known."""
    imp = _hex(implementer)
    prt = _hex(part)
    if imp is None or prt is None:
        return None
    name = _ARM_PARTS.get(imp, {}).get(prt)
    if name is None:
        return None
    vendor = _ARM_VENDORS.get(imp)
    if vendor and not name.startswith(vendor):
        return f"{vendor} {name}"
    return name


def _hex(value: Optional[str]) -> Optional[int]:
    if value is None:
        return None
    try:
        return int(str(value).strip(), 16)
    except ValueError:
        return None


def _int(value: Optional[str]) -> Optional[int]:
    if value is None:
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _blocks(text: str) -> list[dict[str, str]]:
    """Blank-line separated blocks of 'key : value' lines; keys keep their case."""
    blocks: list[dict[str, str]] = []
    current: dict[str, str] = {}
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line:
            if current:
                blocks.append(current)
                current = {}
            continue
        if ":" not in line:
            continue
        key, _, value = line.partition(":")
        key = key.strip()
        if key and key not in current:
            current[key] = value.strip()
    if current:
        blocks.append(current)
    return blocks


_GENERIC_MODEL_PREFIXES = ("armv", "arm processor")


def parse(text: str) -> CPU:
    """``/proc/cpuinfo`` -> CPU(model, cores, threads, notable flags).

    Threads are the processor entries, when the listing is visibly complete (indices 0..n-1 and,
    on x86, each package shows as many entries as its ``siblings``). Physical cores come from the x86
    topology fields (``physical id``/``cpu cores``); other architectures do not state them (None).
    """
    try:
        return _parse(text)
    except Exception:  # pragma: no cover - a parser never raises
        return CPU()


def _parse(text: str) -> CPU:
    blocks = _blocks(text)
    procs = [b for b in blocks if _int(b.get("processor")) is not None]
    # Single-CPU ARMv6 kernels print no 'processor' index at all.
    info = procs or [b for b in blocks if "Processor" in b or "Features" in b or "model name" in b]

    # --- model -------------------------------------------------------------------------------
    model: Optional[str] = None
    arm_names: list[str] = []
    arm_all_known = True
    for b in info:
        if "CPU implementer" in b or "CPU part" in b:
            name = arm_cpu_name(b.get("CPU implementer"), b.get("CPU part"))
            if name is None:
                arm_all_known = False
            elif name not in arm_names:
                arm_names.append(name)
    first = info[0] if info else {}
    for key in ("model name", "Model Name", "cpu model", "uarch", "cpu", "Processor"):
        value = first.get(key)
        if value:
            model = value
            break
    if arm_names and arm_all_known and (model is None or model.lower().startswith(_GENERIC_MODEL_PREFIXES)):
        model = " + ".join(arm_names)
    if model is not None:
        model = " ".join(model.split()) or None

    # --- flags -------------------------------------------------------------------------------
    tokens: list[str] = []
    for key in ("flags", "Features", "features"):
        if key in first:
            tokens = first[key].split()
            break
    if not tokens:
        for b in blocks:
            for key in ("flags", "Features"):
                if key in b:
                    tokens = b[key].split()
                    break
            if tokens:
                break
    flags = notable_flags(tokens)

    # --- topology ----------------------------------------------------------------------------
    threads: Optional[int] = None
    cores: Optional[int] = None
    if procs:
        indices = sorted(_int(b.get("processor")) for b in procs)  # type: ignore[type-var]
        complete = indices == list(range(len(procs)))
        has_topology = all("physical id" in b and "siblings" in b for b in procs)
        if has_topology:
            per_package: dict[str, list[dict[str, str]]] = {}
            for b in procs:
                per_package.setdefault(b["physical id"], []).append(b)
            consistent = complete
            core_total = 0
            for entries in per_package.values():
                siblings = _int(entries[0].get("siblings"))
                if siblings is None or siblings != len(entries):
                    consistent = False
                    break
                per_pkg_cores = _int(entries[0].get("cpu cores"))
                core_ids = {e.get("core id") for e in entries if e.get("core id") is not None}
                if per_pkg_cores is not None:
                    core_total += per_pkg_cores
                elif core_ids:
                    core_total += len(core_ids)
                else:
                    core_total = -1
            if consistent:
                threads = len(procs)
                cores = core_total if core_total > 0 else None
        elif complete:
            threads = len(procs)
    return CPU(model=model, cores=cores, threads=threads, flags=flags)


def parse_wmic_cpu(text: str) -> CPU:
    """Windows ``wmic cpu get Name,NumberOfCores,NumberOfLogicalProcessors /format:list`` (``Key=Value``)
    or PowerShell ``Get-CimInstance Win32_Processor | Format-List ...`` (``Key : Value``) -> CPU.

    One block per socket: cores and threads add up. Windows shows no instruction-set flags here.
    """
    try:
        sockets: list[dict[str, str]] = []
        current: dict[str, str] = {}
        for raw in (text or "").splitlines():
            line = raw.strip()
            if not line:
                continue
            if "=" in line and (":" not in line or line.index("=") < line.index(":")):
                key, _, value = line.partition("=")
            elif ":" in line:
                key, _, value = line.partition(":")
            else:
                continue
            key = key.strip().lower()
            if key in current:
                sockets.append(current)
                current = {}
            current[key] = value.strip()
        if current:
            sockets.append(current)
        if not sockets:
            return CPU()
        model = next((s["name"] for s in sockets if s.get("name")), None)
        core_values = [_int(s.get("numberofcores")) for s in sockets]
        thread_values = [_int(s.get("numberoflogicalprocessors")) for s in sockets]
        cores = sum(core_values) if core_values and all(v is not None for v in core_values) else None  # type: ignore[misc]
        threads = sum(thread_values) if thread_values and all(v is not None for v in thread_values) else None  # type: ignore[misc]
        return CPU(model=" ".join(model.split()) if model else None, cores=cores or None, threads=threads or None)
    except Exception:  # pragma: no cover
        return CPU()


__all__ = ["NOTABLE", "arm_cpu_name", "notable_flags", "parse", "parse_wmic_cpu"]
