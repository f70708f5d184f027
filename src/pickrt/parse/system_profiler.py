"""Parse macOS ``system_profiler SPHardwareDataType -json`` and ``SPDisplaysDataType -json``.

Pure; never raises. Broken or trimmed JSON falls back to picking ``"key" : value`` pairs out of the
text, and the plain-text report (``Chip: Apple M1``, ``Memory: 16 GB``) is understood too.
"""

from __future__ import annotations

import json
import re
from typing import Any, Optional

_PAIR = re.compile(r'"([A-Za-z0-9_\-]+)"\s*:\s*("(?:[^"\\]|\\.)*"|-?[0-9]+(?:\.[0-9]+)?)')
_SIZE = re.compile(r"^\s*([0-9]+(?:[.,][0-9]+)?)\s*(KB|MB|GB|TB|K|M|G|T)?\b", re.IGNORECASE)
_MULT = {"k": 1 / 1024**2, "kb": 1 / 1024**2, "m": 1 / 1024, "mb": 1 / 1024, "g": 1.0, "gb": 1.0,
         "t": 1024.0, "tb": 1024.0}

# plain-text report labels -> JSON keys
_TEXT_KEYS = {
    "chip": "chip_type",
    "processor name": "cpu_type",
    "model identifier": "machine_model",
    "model name": "machine_name",
    "memory": "physical_memory",
    "total number of cores": "number_processors",
    "number of processors": "packages",
}


def size_gb(value: Any) -> Optional[float]:
    """'16 GB' -> 16.0, '64 MB' -> 0.06, '1,5 GB' -> 1.5 (Apple's sizes are binary units)."""
    if not isinstance(value, str):
        return None
    m = _SIZE.match(value)
    if not m:
        return None
    unit = (m.group(2) or "").lower()
    if not unit:
        return None
    number = float(m.group(1).replace(",", "."))
    return round(number * _MULT[unit], 2)


def repair_json(text: str, attempts: int = 64) -> Any:
    """Best effort for JSON cut short (trimmed by hand or truncated): drop the unfinished tail back
    to a ``,``/``{``/``[`` outside strings and close what is open. Returns the decoded value, or None.
    One pass records the open brackets at each such point; only ``json.loads`` is repeated."""
    points: list[tuple[int, str]] = []  # (cut position, closers for that point)
    stack: list[str] = []
    in_string = escape = False
    for i, ch in enumerate(text):
        if in_string:
            if escape:
                escape = False
            elif ch == "\\":
                escape = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            stack.append("}" if ch == "{" else "]")
            points.append((i + 1, "".join(reversed(stack))))
        elif ch in "}]":
            if not stack:
                return None
            stack.pop()
        elif ch == ",":
            points.append((i, "".join(reversed(stack))))
    for cut, closers in reversed(points[-attempts:]):
        try:
            return json.loads(text[:cut] + closers)
        except (ValueError, RecursionError):
            continue
    return None


def _load_items(text: str, section: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(text)
    except (ValueError, TypeError, RecursionError):
        data = repair_json(text) if isinstance(text, str) else None
    if isinstance(data, dict):
        items = data.get(section)
        if items is None and len(data) == 1:
            items = next(iter(data.values()))
        if isinstance(items, list):
            return [i for i in items if isinstance(i, dict)]
        if isinstance(items, dict):
            return [items]
    return []


def _pairs(text: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for m in _PAIR.finditer(text or ""):
        raw = m.group(2)
        if raw.startswith('"'):
            try:
                value: Any = json.loads(raw)
            except ValueError:
                value = raw.strip('"')
        else:
            value = float(raw) if "." in raw else int(raw)
        out.append((m.group(1), value))
    return out


def _text_report(text: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for raw in (text or "").splitlines():
        key, sep, value = raw.strip().partition(":")
        if not sep:
            continue
        mapped = _TEXT_KEYS.get(key.strip().lower())
        if mapped and value.strip():
            out.setdefault(mapped, value.strip())
    return out


def _processors(value: Any) -> dict[str, Optional[int]]:
    """number_processors: 8, "8", or "proc 18:6:0:12" (total:perf-levels...)."""
    if isinstance(value, bool):
        return {"cores": None}
    if isinstance(value, int):
        return {"cores": value if value > 0 else None}
    if isinstance(value, str):
        nums = re.findall(r"\d+", value)
        if nums:
            total = int(nums[0])
            return {"cores": total if total > 0 else None}
    return {"cores": None}


def parse_hardware(json_text: str) -> dict[str, Any]:
    """SPHardwareDataType -> {"chip", "cpu_type", "machine_model", "machine_name", "memory_gb",
    "cores", "virtual"}; each None when absent. ``chip`` is set only from ``chip_type`` (Apple
    Silicon): under Rosetta the report has ``cpu_type: Unknown`` and no chip, and stays None."""
    out: dict[str, Any] = {k: None for k in ("chip", "cpu_type", "machine_model", "machine_name",
                                              "memory_gb", "cores", "virtual")}
    try:
        items = _load_items(json_text, "SPHardwareDataType")
        item: dict[str, Any] = items[0] if items else {}
        if not item:
            item = {}
            for key, value in _pairs(json_text):
                item.setdefault(key, value)
            item = item or _text_report(json_text)
        chip = item.get("chip_type")
        cpu_type = item.get("cpu_type")
        if isinstance(chip, str) and chip.strip():
            out["chip"] = chip.replace("(Virtual)", "").strip() or None
        if isinstance(cpu_type, str) and cpu_type.strip() and cpu_type.strip().lower() != "unknown":
            out["cpu_type"] = cpu_type.strip()
        for key in ("machine_model", "machine_name"):
            if isinstance(item.get(key), str) and item[key].strip():
                out[key] = item[key].strip()
        out["memory_gb"] = size_gb(item.get("physical_memory"))
        out["cores"] = _processors(item.get("number_processors"))["cores"]
        virtual = None
        if isinstance(chip, str) and "(virtual)" in chip.lower():
            virtual = True
        model = out["machine_model"] or ""
        if model.lower().startswith("virtualmac") or "virtual machine" in (out["machine_name"] or "").lower():
            virtual = True
        out["virtual"] = virtual
    except Exception:  # pragma: no cover
        pass
    return out


def _vendor(value: Any, name: str) -> Optional[str]:
    text = f"{value or ''} {name}".lower()
    if "apple" in text:
        return "apple"
    if "nvidia" in text:
        return "nvidia"
    if "amd" in text or "ati" in text.split("_") or "radeon" in text:
        return "amd"
    if "intel" in text:
        return "intel"
    return None


def _display(item: dict[str, Any]) -> dict[str, Any]:
    name = item.get("sppci_model") or item.get("_name")
    name = name.strip() if isinstance(name, str) else None
    cores = item.get("sppci_cores")
    try:
        cores = int(cores) if cores is not None and not isinstance(cores, bool) else None
    except (TypeError, ValueError, OverflowError):
        cores = None
    vram = size_gb(item.get("spdisplays_vram") or item.get("spdisplays_vram_shared") or item.get("_spdisplays_vram"))
    shared = item.get("spdisplays_vram_shared") is not None and item.get("spdisplays_vram") is None
    vendor = _vendor(item.get("spdisplays_vendor"), name or "")
    return {
        "name": name,
        "vendor": vendor,
        "cores": cores if cores and cores > 0 else None,
        "vram_gb": vram,
        "shared_vram": shared,
        "builtin": item.get("sppci_bus") == "spdisplays_builtin",
        "paravirtual": bool(name and "paravirtual" in name.lower()),
    }


def parse_displays(json_text: str) -> list[dict[str, Any]]:
    """SPDisplaysDataType -> one dict per GPU: {"name", "vendor" ("apple"|"amd"|"intel"|"nvidia"|None),
    "cores" (``sppci_cores``, Apple GPU cores), "vram_gb", "shared_vram", "builtin", "paravirtual"}.
    Attached monitors (``spdisplays_ndrvs``) are not GPUs and are ignored."""
    try:
        items = _load_items(json_text, "SPDisplaysDataType")
        if items:
            return [_display(i) for i in items]
        # Broken JSON: take GPU-level keys in order; monitors' "_name" keys are skipped by
        # keying on sppci_model, which only GPUs have.
        gpus: list[dict[str, Any]] = []
        current: dict[str, Any] = {}
        for key, value in _pairs(json_text):
            if key in ("sppci_model",) and "sppci_model" in current:
                gpus.append(current)
                current = {}
            if key in ("sppci_model", "sppci_cores", "spdisplays_vendor", "spdisplays_vram",
                       "spdisplays_vram_shared", "sppci_bus"):
                current[key] = value
        if current.get("sppci_model"):
            gpus.append(current)
        return [_display(g) for g in gpus]
    except Exception:  # pragma: no cover
        return []


__all__ = ["parse_displays", "parse_hardware", "size_gb"]
