"""Parsers for NVIDIA Jetson probes: ``/etc/nv_tegra_release`` and ``tegrastats``.

Pure functions of text: no I/O, never raise on odd input.
"""

from __future__ import annotations

import re
from typing import Optional

from pickrt.profile_plain import GPU

__all__ = ["jetson_gpu", "parse_nv_tegra_release", "parse_tegrastats"]

# "# R35 (release), REVISION: 4.1, GCID: 33958178, BOARD: t186ref, EABI: aarch64, DATE: Tue Aug  1 ..."
_RELEASE = re.compile(r"#\s*(R\d{1,3})\s*\(release\)\s*,?\s*(.*)")
_FIELD = re.compile(r"([A-Z]{2,10}):\s*([^,]*)")


def parse_nv_tegra_release(text: str) -> Optional[dict[str, Optional[str]]]:
    """Parse ``/etc/nv_tegra_release``.

    Returns ``{"l4t_release": "R35", "revision": "4.1", "l4t_version": "35.4.1", "board": ...,
    "gcid": ..., "eabi": ..., "date": ...}`` or None when the text is not such a file.
    """
    for line in text.splitlines():
        match = _RELEASE.fullmatch(line.strip())
        if not match:
            continue
        fields = {key.lower(): value.strip() or None for key, value in _FIELD.findall(match.group(2))}
        release, revision = match.group(1), fields.get("revision")
        valid_revision = revision if revision and re.fullmatch(r"\d{1,3}(?:\.\d{1,3}){0,2}", revision) else None
        return {
            "l4t_release": release,
            "revision": valid_revision,
            "l4t_version": f"{release[1:]}.{valid_revision}" if valid_revision else release[1:],
            "board": fields.get("board"),
            "gcid": fields.get("gcid"),
            "eabi": fields.get("eabi"),
            "date": fields.get("date"),
        }
    return None


def jetson_gpu(info: Optional[dict[str, Optional[str]]]) -> GPU:
    """The integrated GPU of a Jetson described by ``parse_nv_tegra_release`` output.

    Jetson GPUs share system memory, so ``vram_gb`` stays None.
    """
    version = (info or {}).get("l4t_version")
    return GPU(
        vendor="nvidia",
        name=f"Jetson (L4T R{version})" if version else "Jetson",
        unified_memory=True,
    )


_RAM = re.compile(r"\bRAM\s+(\d{1,9})/(\d{1,9})MB")
_SWAP = re.compile(r"\bSWAP\s+(\d{1,9})/(\d{1,9})MB")
_GR3D = re.compile(r"\bGR3D_FREQ\s+(\d{1,3})%")


def parse_tegrastats(text: str) -> Optional[dict[str, int]]:
    """Parse the first ``tegrastats`` line with a ``RAM used/totalMB`` field.

    Returns ``ram_used_mb``, ``ram_total_mb`` and, when printed, ``swap_used_mb``, ``swap_total_mb``
    and ``gpu_load_pct`` (GR3D_FREQ); None when no RAM field is found. tegrastats' "MB" are MiB.
    """
    for line in text.splitlines():
        ram = _RAM.search(line)
        if not ram:
            continue
        stats = {"ram_used_mb": int(ram.group(1)), "ram_total_mb": int(ram.group(2))}
        swap = _SWAP.search(line)
        if swap:
            stats["swap_used_mb"], stats["swap_total_mb"] = int(swap.group(1)), int(swap.group(2))
        gr3d = _GR3D.search(line)
        if gr3d:
            stats["gpu_load_pct"] = int(gr3d.group(1))
        return stats
    return None
