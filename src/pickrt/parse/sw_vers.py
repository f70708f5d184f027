"""Parse macOS ``sw_vers``. Pure; never raises."""

from __future__ import annotations

from typing import Optional


def parse(text: str) -> dict[str, Optional[str]]:
    """sw_vers -> {"product": "macOS", "version": "15.7.9", "build": "24G830"} (None when absent)."""
    out: dict[str, Optional[str]] = {"product": None, "version": None, "build": None}
    keys = {"productname": "product", "productversion": "version", "buildversion": "build"}
    try:
        for raw in (text or "").splitlines():
            key, sep, value = raw.partition(":")
            if not sep:
                continue
            mapped = keys.get(key.strip().lower())
            if mapped and value.strip() and out[mapped] is None:
                out[mapped] = value.strip()
    except Exception:  # pragma: no cover
        pass
    return out


__all__ = ["parse"]
