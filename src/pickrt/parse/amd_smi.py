"""Parser for ``amd-smi static`` output (text or ``--json``).

Pure function of text: no I/O, never raises on odd input. amd-smi's "MB" sizes are MiB
(the library divides bytes by 1024*1024), returned here as GiB.
"""

from __future__ import annotations

import json
import re
from typing import Any, Optional

from pickrt.parse.rocm_smi import normalize_gfx
from pickrt.profile_plain import GPU

__all__ = ["parse_static"]

_NA = {"", "n/a", "na", "none", "unknown", "not supported"}
_SIZE = re.compile(r"(\d{1,12}(?:\.\d{1,6})?)\s*(MB|MIB|GB|GIB|KB|KIB|B)?", re.IGNORECASE)
_UNIT_BYTES = {"b": 1, "kb": 2**10, "kib": 2**10, "mb": 2**20, "mib": 2**20, "gb": 2**30, "gib": 2**30}


def _clean(value: Any) -> Optional[str]:
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return None if text.lower() in _NA else text


def _size_gib(value: Any, default_unit: str = "MB") -> Optional[float]:
    """``"196592 MB"``, ``196592`` or ``{"value": 196592, "unit": "MB"}`` -> GiB."""
    if isinstance(value, dict):
        return _size_gib(value.get("value"), str(value.get("unit") or default_unit))
    text = _clean(value)
    if text is None:
        return None
    match = _SIZE.fullmatch(text)
    if match is None:
        return None
    unit = (match.group(2) or default_unit).lower()
    size = float(match.group(1)) * _UNIT_BYTES.get(unit, 2**20)
    return round(size / 2**30, 2) if size > 0 else None


def _lower_keys(value: Any) -> dict[str, Any]:
    return {str(k).strip().lower(): v for k, v in value.items()} if isinstance(value, dict) else {}


def _gpu(entry: dict[str, Any]) -> GPU:
    """One GPU from an amd-smi record whose section and field keys are lower-cased."""
    asic = _lower_keys(entry.get("asic"))
    board = _lower_keys(entry.get("board"))
    driver = _lower_keys(entry.get("driver"))
    vram = _lower_keys(entry.get("vram"))
    size = next((vram[k] for k in ("size", "vram_size", "vram_size_mb") if k in vram), None)
    version = _clean(driver.get("version") or driver.get("driver_version"))
    return GPU(
        vendor="amd",
        name=_clean(asic.get("market_name")) or _clean(board.get("product_name")),
        vram_gb=_size_gib(size),
        gfx_target=normalize_gfx(asic.get("target_graphics_version")),
        driver=version if version and re.fullmatch(r"\d[\w.+-]{0,60}", version) else None,
    )


def _tree(text: str) -> list[dict[str, Any]]:
    """``KEY: value`` lines nested by indentation -> one dict per ``GPU: N`` block."""
    gpus: list[dict[str, Any]] = []
    stack: list[tuple[int, dict[str, Any]]] = []
    for raw in text.expandtabs().splitlines():
        if not raw.strip() or ":" not in raw:
            continue
        indent = len(raw) - len(raw.lstrip())
        key, _, value = raw.strip().partition(":")
        key, value = key.strip().lower(), value.strip()
        if indent == 0:
            stack = []
            if key == "gpu":
                block: dict[str, Any] = {}
                gpus.append(block)
                stack = [(0, block)]
            continue
        while stack and stack[-1][0] >= indent:
            stack.pop()
        if not stack:
            continue
        parent = stack[-1][1]
        if value:
            parent.setdefault(key, value)
        else:
            section: dict[str, Any] = {}
            parent.setdefault(key, section)
            stack.append((indent, section))
    return gpus


def _json_entries(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, dict):
        data = data.get("gpu_data", [data] if "gpu" in data else [])
    return [_lower_keys(item) for item in data if isinstance(item, dict)] if isinstance(data, list) else []


def parse_static(text: str) -> list[GPU]:
    """Parse ``amd-smi static`` (any section subset), text or ``--json``."""
    if text.lstrip().startswith(("{", "[")):
        try:
            entries = _json_entries(json.loads(text))
        except (ValueError, RecursionError):
            return []
    else:
        entries = _tree(text)
    return [_gpu(entry) for entry in entries]
