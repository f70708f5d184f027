"""Parsers for Windows ``Win32_VideoController`` listings (``wmic`` and PowerShell ``Get-CimInstance``).

Pure functions of text: no I/O, never raise on odd input. ``AdapterRAM`` is a uint32, so any
card with 4 GiB or more reads as about 4 GiB (4293918720 or 4294967295): such values give
``vram_gb=None``, never 4. Integrated GPUs (Intel UHD/HD/Iris, AMD Radeon Graphics / ###M)
are marked ``unified_memory=True`` with ``vram_gb=None``: their AdapterRAM is a carve-out, not VRAM.
"""

from __future__ import annotations

import json
import re
from typing import Any, Optional

from pickrt.profile_plain import GPU, Vendor

__all__ = ["parse_cim_adapter", "parse_wmic_video"]

# Win32_VideoController properties (plus PowerShell's own); records with other keys are not GPUs.
_PROPERTIES = {
    p.lower()
    for p in (
        "AcceleratorCapabilities AdapterCompatibility AdapterDACType AdapterRAM Availability "
        "CapabilityDescriptions Caption ColorTableEntries ConfigManagerErrorCode ConfigManagerUserConfig "
        "CreationClassName CurrentBitsPerPixel CurrentHorizontalResolution CurrentNumberOfColors "
        "CurrentNumberOfColumns CurrentNumberOfRows CurrentRefreshRate CurrentScanMode "
        "CurrentVerticalResolution Description DeviceID DeviceSpecificPens DitherType DriverDate "
        "DriverVersion ErrorCleared ErrorDescription ICMIntent ICMMethod InfFilename InfSection "
        "InstallDate InstalledDisplayDrivers LastErrorCode MaxMemorySupported MaxNumberControlled "
        "MaxRefreshRate MinRefreshRate Monochrome Name NumberOfColorPlanes NumberOfVideoPages "
        "PNPDeviceID PowerManagementCapabilities PowerManagementSupported ProtocolSupported "
        "ReservedSystemPaletteEntries SpecificationVersion Status StatusInfo SystemCreationClassName "
        "SystemName SystemPaletteEntries TimeOfLastReset VideoArchitecture VideoMemoryType VideoMode "
        "VideoModeDescription VideoProcessor PSComputerName CimClass CimInstanceProperties "
        "CimSystemProperties"
    ).split()
}
_UINT32_CAP = 0xFF000000  # values at or above this are the uint32 ceiling, not a size
_NOT_GPUS = re.compile(r"Basic (Display|Render)|Remote Display|Virtual Display|Hyper-V Video|Mirage", re.IGNORECASE)
_IGPU = re.compile(
    r"Intel.*\b(UHD|HD|Iris)\b.*Graphics|Radeon(\(TM\))? Graphics\s*$|Radeon(\(TM\))? \d{3,4}[MS]\b",
    re.IGNORECASE,
)

_VENDORS: list[tuple[Vendor, re.Pattern[str]]] = [
    ("nvidia", re.compile(r"\bnvidia\b", re.IGNORECASE)),
    ("amd", re.compile(r"\bamd\b|\bati\b|radeon|advanced micro devices", re.IGNORECASE)),
    ("intel", re.compile(r"\bintel\b", re.IGNORECASE)),
]

Record = dict[str, str]


def _vendor(*hints: Optional[str]) -> Vendor:
    """Vendor from the adapter name, else from AdapterCompatibility / VideoProcessor."""
    for hint in hints:
        for vendor, pattern in _VENDORS:
            if hint and pattern.search(hint):
                return vendor
    return "other"


def _adapter_ram_gib(value: Optional[str]) -> Optional[float]:
    text = (value or "").strip()
    if not re.fullmatch(r"\d{1,20}", text):
        return None  # empty, negative (signed overflow) or garbage
    size = int(text)
    if size <= 0 or size >= _UINT32_CAP:
        return None
    return round(size / 2**30, 2)


def _gpus(records: list[Record]) -> list[GPU]:
    gpus = []
    for record in records:
        if not record or not set(record) <= _PROPERTIES:
            continue
        name = (record.get("name") or record.get("caption") or record.get("description") or "").strip() or None
        if name and _NOT_GPUS.search(name):
            continue
        integrated = bool(name and _IGPU.search(name))
        driver = (record.get("driverversion") or "").strip()
        gpus.append(GPU(
            vendor=_vendor(name, record.get("adaptercompatibility"), record.get("videoprocessor")),
            name=name,
            vram_gb=None if integrated else _adapter_ram_gib(record.get("adapterram")),
            driver=driver or None,
            unified_memory=True if integrated else None,
        ))
    return gpus


def _columns(header: str, ruler: Optional[str] = None) -> list[tuple[str, int, Optional[int]]]:
    """Column names with their [start, end) spans, from a ruler of dashes or the header's words."""
    spans = [(m.start(), m.end()) for m in re.finditer(r"\S+", ruler if ruler else header)]
    columns = []
    for i, (start, _) in enumerate(spans):
        end = spans[i + 1][0] if i + 1 < len(spans) else None
        columns.append((header[start:end].strip().lower(), start, end))
    return columns


def _table(lines: list[str]) -> list[Record]:
    """Fixed-width table: header, optional ``----`` ruler, rows."""
    header_at = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_at is None:
        return []
    header = lines[header_at]
    ruler = None
    body = lines[header_at + 1:]
    if body and re.fullmatch(r"[-\s]+", body[0]) and "-" in body[0]:
        ruler, body = body[0], body[1:]
    columns = _columns(header, ruler)
    records = []
    for line in body:
        if not line.strip():
            continue
        records.append({name: line[start:end].strip() for name, start, end in columns if name})
    return records


def _list(lines: list[str], separator: str) -> list[Record]:
    """``Key=Value`` (wmic /format:list) or ``Key : Value`` (Format-List) records split by blank lines."""
    pair = re.compile(rf"\s*(\w+)\s*{re.escape(separator)}\s*(.*)")
    records: list[Record] = []
    current: Record = {}
    for line in lines + [""]:
        if not line.strip():
            if current:
                records.append(current)
            current = {}
            continue
        match = pair.fullmatch(line)
        if match:  # other lines are Format-List continuations of a wrapped value
            current.setdefault(match.group(1).lower(), match.group(2).strip())
    return records


def _lines(text: str) -> list[str]:
    """Lines without carriage returns (wmic ends lines with CR CR LF) or stray UTF-16 NULs."""
    return [line.rstrip() for line in text.replace("\x00", "").replace("\r", "").split("\n")]


def parse_wmic_video(text: str) -> list[GPU]:
    """Parse ``wmic path win32_VideoController get ...`` in table or ``/format:list`` form."""
    lines = _lines(text)
    if any(re.match(r"\s*\w+=", line) for line in lines):
        return _gpus(_list(lines, "="))
    return _gpus(_table(lines))


def parse_cim_adapter(text: str) -> list[GPU]:
    """Parse ``Get-CimInstance Win32_VideoController`` output: table, Format-List or ConvertTo-Json."""
    if text.lstrip().startswith(("{", "[")):
        return _gpus(_json_records(text))
    lines = _lines(text)
    if any(re.match(r"\s*\w+\s*:", line) for line in lines):
        return _gpus(_list(lines, ":"))
    return _gpus(_table(lines))


def _json_records(text: str) -> list[Record]:
    try:
        data: Any = json.loads(text)
    except (ValueError, RecursionError):
        return []
    items = data if isinstance(data, list) else [data]
    return [
        {str(k).lower(): "" if v is None else str(v) for k, v in item.items()}
        for item in items
        if isinstance(item, dict)
    ]
