"""Parsers for Intel GPU probes: ``xpu-smi discovery``, ``sycl-ls`` and ``clinfo -l``.

Pure functions of text: no I/O, never raise on odd input.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any, Optional

from pickrt.profile_plain import GPU

__all__ = ["parse_clinfo_l", "parse_sycl_ls", "parse_xpu_smi_discovery"]

_NA = {"", "n/a", "unknown", "none"}
_MIB = re.compile(r"(\d{1,12}(?:\.\d{1,6})?)\s*MiB", re.IGNORECASE)


def _clean(value: Any) -> Optional[str]:
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return None if text.lower() in _NA else text


def _mib_to_gib(value: Any) -> Optional[float]:
    match = _MIB.fullmatch(_clean(value) or "")
    if match is None:
        return None
    size = float(match.group(1))
    return round(size / 1024, 2) if size > 0 else None


def _bytes_to_gib(value: Any) -> Optional[float]:
    text = _clean(value)
    if text is None or not re.fullmatch(r"\d{1,20}", text):
        return None
    return round(int(text) / 2**30, 2) if int(text) > 0 else None


# ---------------------------------------------------------------------------
# xpu-smi discovery
# ---------------------------------------------------------------------------


def _xpu_gpu(fields: dict[str, Any]) -> Optional[GPU]:
    """A GPU from one device's fields (keys lower-cased, spaces as underscores)."""
    device_type = _clean(fields.get("device_type"))
    if device_type is not None and device_type.upper() != "GPU":
        return None
    vram = _mib_to_gib(fields.get("memory_physical_size")) or _bytes_to_gib(
        fields.get("memory_physical_size_byte")
    )
    return GPU(
        vendor="intel",
        name=_clean(fields.get("device_name")),
        vram_gb=vram,
        driver=_clean(fields.get("driver_version")),
    )


def _xpu_table(text: str) -> list[dict[str, str]]:
    devices: list[dict[str, str]] = []
    for line in text.splitlines():
        cells = line.strip().split("|")
        if len(cells) < 4:
            continue
        device_id, info = cells[1].strip(), cells[2].strip()
        if re.fullmatch(r"\d{1,4}", device_id):
            devices.append({})
        elif device_id or not devices:
            continue
        key, sep, value = info.partition(":")
        if sep:
            devices[-1].setdefault(key.strip().lower().replace(" ", "_"), value.strip())
    return devices


def _xpu_json(text: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return []
    if isinstance(data, dict):
        data = data.get("device_list", [data] if "device_name" in data else [])
    if not isinstance(data, list):
        return []
    return [{str(k).lower(): v for k, v in item.items()} for item in data if isinstance(item, dict)]


def parse_xpu_smi_discovery(text: str) -> list[GPU]:
    """Parse ``xpu-smi discovery`` in its table, ``-d N`` detail and ``-j`` JSON forms."""
    devices = _xpu_json(text) if text.lstrip().startswith(("{", "[")) else _xpu_table(text)
    return [gpu for fields in devices if (gpu := _xpu_gpu(fields)) is not None]


# ---------------------------------------------------------------------------
# sycl-ls
# ---------------------------------------------------------------------------

# new: "[level_zero:gpu][level_zero:0] Platform, Device 12.55.8 [1.3.29735+27]"
# old: "[ext_oneapi_level_zero:gpu:0] Platform, Device 1.3 [1.3.28044]"
_SYCL_LINE = re.compile(r"\[(?:ext_oneapi_)?(\w+):(\w+)(?::\d+)?\](?:\[[^\]]*\])?\s+(.*)")
_SYCL_BACKENDS = {"level_zero", "opencl"}


def _sycl_device(rest: str) -> tuple[Optional[str], Optional[str]]:
    """``"Platform, Device <version> [driver]"`` -> (device name, driver version)."""
    _, sep, device = rest.partition(", ")
    if not sep:
        return None, None
    driver_match = re.search(r"\s*\[([^\]]*)\]\s*$", device)
    driver = driver_match.group(1).strip() if driver_match else None
    device = device[: driver_match.start()] if driver_match else device
    device = re.sub(r"\s+OpenCL\s+\d.*$", "", device)
    device = re.sub(r"\s+\d+(?:\.\d+)+\s*$", "", device)
    return _clean(device), driver


def parse_sycl_ls(text: str) -> list[GPU]:
    """Parse ``sycl-ls`` (both formats): Level Zero/OpenCL GPU devices, de-duplicated across backends."""
    names: dict[str, Counter[str]] = {}
    order: list[str] = []
    drivers: dict[str, str] = {}
    for line in text.splitlines():
        match = _SYCL_LINE.fullmatch(line.strip())
        if not match or match.group(1) not in _SYCL_BACKENDS or match.group(2) != "gpu":
            continue
        name, driver = _sycl_device(match.group(3))
        if name is None:
            continue
        names.setdefault(match.group(1), Counter())[name] += 1
        if name not in order:
            order.append(name)
        if match.group(1) == "opencl" and driver:  # OpenCL reports the compute-runtime (driver) version
            drivers.setdefault(name, driver)
    gpus = []
    for name in order:
        count = max(counter[name] for counter in names.values())
        gpus.extend(GPU(vendor="intel", name=name, driver=drivers.get(name)) for _ in range(count))
    return gpus


# ---------------------------------------------------------------------------
# clinfo -l
# ---------------------------------------------------------------------------


def parse_clinfo_l(text: str) -> list[GPU]:
    """Parse ``clinfo -l``: devices on Intel GPU platforms (``Intel(R) OpenCL ... Graphics``)."""
    gpus = []
    gpu_platform = False
    for line in text.splitlines():
        platform = re.fullmatch(r"\s*Platform\s+#\d+:\s*(.*?)\s*", line)
        if platform:
            name = platform.group(1)
            gpu_platform = name.startswith("Intel") and "Graphics" in name
            continue
        device = re.fullmatch(r"\s*[`|+\\]?-+\s*Device\s+#\d+:\s*(.*?)\s*", line)
        if device and gpu_platform and _clean(device.group(1)):
            gpus.append(GPU(vendor="intel", name=device.group(1)))
    return gpus
