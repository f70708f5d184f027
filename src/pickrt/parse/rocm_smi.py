"""Parsers for ``rocm-smi`` (text, CSV, JSON) and ``rocminfo`` outputs.

Pure functions of text: no I/O, never raise on odd input. One ``GPU`` per device rocm-smi lists
(an MI250X shows up as one device per GCD, as the tool reports it).
"""

from __future__ import annotations

import csv
import json
import re
from typing import Any, Optional

from pickrt.profile_plain import GPU

__all__ = ["normalize_gfx", "parse_driver_version", "parse_json", "parse_rocminfo", "parse_text"]

_NA = {"", "n/a", "na", "none", "unknown", "not supported", "not available"}
_HEX_ID = re.compile(r"0x[0-9a-fA-F]+")
_GPU_LINE = re.compile(r"GPU\[(\d{1,4})\]\s*:\s*([^:]+?)\s*:\s*(.*?)\s*")
_CARD = re.compile(r"card(\d{1,4})", re.IGNORECASE)
_NAME_KEYS = ("card series", "marketing name", "card model", "device name", "product name")

Record = dict[str, str]


def _clean(value: Any) -> Optional[str]:
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return None if text.lower() in _NA else text


def _name(record: Record) -> Optional[str]:
    """The first human-readable name; bare PCI ids such as ``0x738c`` are not names."""
    for key in _NAME_KEYS:
        value = _clean(record.get(key))
        if value and not _HEX_ID.fullmatch(value):
            return value
    return None


def normalize_gfx(value: Any) -> Optional[str]:
    """``"gfx942:sramecc+:xnack-"`` -> ``"gfx942"``; None unless it is a gfx target.

    rocm-smi prints the target as decimal major/minor/stepping, so gfx90a reads ``gfx9010``;
    that spelling is decoded back (stepping 10-15 -> a-f).
    """
    text = _clean(value)
    if text is None:
        return None
    target = text.split(":", 1)[0].strip().lower()
    stepping = re.fullmatch(r"gfx9(\d)(1[0-5])", target)
    if stepping:
        target = f"gfx9{stepping.group(1)}{int(stepping.group(2)):x}"
    return target if re.fullmatch(r"gfx[0-9a-f]{3,5}", target) else None


def _bytes_to_gib(value: Any) -> Optional[float]:
    text = _clean(value)
    if text is None or not re.fullmatch(r"\d{1,20}", text):
        return None
    size = int(text)
    return round(size / 2**30, 2) if size > 0 else None


def _driver(value: Any) -> Optional[str]:
    text = _clean(value)
    return text if text and re.fullmatch(r"\d[\w.+-]{0,60}", text) else None


def _build(records: dict[int, Record], driver: Optional[str]) -> list[GPU]:
    return [
        GPU(
            vendor="amd",
            name=_name(record),
            vram_gb=_bytes_to_gib(record.get("vram total memory (b)")),
            gfx_target=normalize_gfx(record.get("gfx version")),
            driver=_driver(record.get("driver version")) or driver,
        )
        for _, record in sorted(records.items())
    ]


# ---------------------------------------------------------------------------
# text and CSV forms
# ---------------------------------------------------------------------------


def _looks_csv(text: str) -> bool:
    first = next((line for line in text.splitlines() if line.strip()), "")
    return first.strip().lower().startswith("device,")


def _parse_csv(text: str) -> tuple[dict[int, Record], Optional[str]]:
    records: dict[int, Record] = {}
    driver = None
    try:
        rows = list(csv.reader(line for line in text.splitlines() if line.strip()))
    except csv.Error:
        return {}, None
    if not rows:
        return {}, None
    header = [cell.strip().lower() for cell in rows[0]]
    for row in rows[1:]:
        values = dict(zip(header, (cell.strip() for cell in row)))
        card = _CARD.fullmatch(values.get("device", ""))
        if card:
            records[int(card.group(1))] = values
        else:  # "system"/"cardsystem" rows carry system-wide values such as the driver
            driver = driver or _driver(values.get("driver version"))
    return records, driver


def _parse_lines(text: str) -> tuple[dict[int, Record], Optional[str]]:
    records: dict[int, Record] = {}
    driver = None
    for line in text.splitlines():
        match = _GPU_LINE.fullmatch(line.strip())
        if match:
            record = records.setdefault(int(match.group(1)), {})
            record.setdefault(match.group(2).strip().lower(), match.group(3).strip())
            continue
        global_driver = re.fullmatch(r"\s*Driver version\s*:\s*(\S+)\s*", line, re.IGNORECASE)
        if global_driver:
            driver = driver or _driver(global_driver.group(1))
    return records, driver


def _parse_concise(text: str) -> dict[int, Record]:
    """Device rows of the default ``Concise Info`` table; some layouts print the name below."""
    records: dict[int, Record] = {}
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if "Concise Info" in line), None)
    if start is None:
        return records
    has_names = False
    current: Optional[Record] = None
    for line in lines[start + 1:]:
        if line.startswith("="):
            if re.search(r"[A-Za-z]", line):  # the next section's title, or "End of ROCm SMI Log"
                break
            continue
        row = re.match(r"(\d{1,4})\s+\S", line)
        if row:
            current = records.setdefault(int(row.group(1)), {})
        elif current is None:
            has_names = has_names or "Name" in line  # header lines
        elif has_names and line[:1].isspace() and line.strip():
            current.setdefault("device name", re.split(r"\s{2,}", line.strip())[0])
            current = None
    return records


def parse_text(text: str) -> list[GPU]:
    """Parse plain ``rocm-smi``, ``rocm-smi -a``, ``--showproductname`` and their ``--csv`` forms."""
    if _looks_csv(text):
        records, driver = _parse_csv(text)
        return _build(records, driver)
    records, driver = _parse_lines(text)
    for index, concise in _parse_concise(text).items():
        record = records.setdefault(index, {})
        for key, value in concise.items():
            record.setdefault(key, value)
    return _build(records, driver)


# ---------------------------------------------------------------------------
# JSON form
# ---------------------------------------------------------------------------


def _load_json(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _parse_json(text: str) -> tuple[dict[int, Record], Optional[str]]:
    data = _load_json(text)
    if not isinstance(data, dict):
        return {}, None
    records: dict[int, Record] = {}
    driver = None
    for key, value in data.items():
        if not isinstance(value, dict):
            continue
        fields = {str(k).strip().lower(): str(v) for k, v in value.items() if not isinstance(v, (dict, list))}
        card = _CARD.fullmatch(str(key).strip())
        if card:
            records[int(card.group(1))] = fields
        else:
            driver = driver or _driver(fields.get("driver version"))
    return records, driver


def parse_json(text: str) -> list[GPU]:
    """Parse ``rocm-smi ... --json`` (``{"card0": {...}, "system": {...}}``)."""
    records, driver = _parse_json(text)
    return _build(records, driver)


def parse_driver_version(text: str) -> Optional[str]:
    """The system-wide driver version from any rocm-smi form (``--showdriverversion``)."""
    if text.lstrip().startswith("{"):
        records, driver = _parse_json(text)
    elif _looks_csv(text):
        records, driver = _parse_csv(text)
    else:
        records, driver = _parse_lines(text)
    if driver:
        return driver
    return next((d for r in records.values() if (d := _driver(r.get("driver version")))), None)


# ---------------------------------------------------------------------------
# rocminfo
# ---------------------------------------------------------------------------

_AGENT = re.compile(r"\s*Agent\s+\d+\s*")
_KB = re.compile(r"(\d{1,18})\s*(?:\([^)]*\))?\s*KB", re.IGNORECASE)


def parse_rocminfo(text: str) -> list[GPU]:
    """Parse ``rocminfo``: one GPU per GPU agent, VRAM from its coarse-grained global pool."""
    agents: list[list[str]] = []
    for line in text.splitlines():
        if _AGENT.fullmatch(line):
            agents.append([])
        elif agents:
            agents[-1].append(line)
    gpus = []
    for lines in agents:
        fields: Record = {}
        pool_segment = ""
        vram_kb: Optional[int] = None
        for line in lines:
            key, sep, value = line.partition(":")
            if not sep:
                continue
            key, value = key.strip().lower(), value.strip()
            if line.startswith("  ") and not line.startswith("   "):
                fields.setdefault(key, value)
            elif key == "segment":
                pool_segment = value.upper()
            elif key == "size" and vram_kb is None and "GLOBAL" in pool_segment and "COARSE" in pool_segment:
                size = _KB.fullmatch(value)
                vram_kb = int(size.group(1)) if size else None
        if fields.get("device type", "").upper() != "GPU":
            continue
        vram = round(vram_kb * 1024 / 2**30, 2) if vram_kb else None
        gpus.append(GPU(
            vendor="amd",
            name=_name({"marketing name": fields.get("marketing name", "")}),
            vram_gb=vram,
            gfx_target=normalize_gfx(fields.get("name")),
        ))
    return gpus
