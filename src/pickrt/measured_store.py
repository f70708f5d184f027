"""Saved measurements of ``pickrt bench --save``: one JSON file in the user data dir.

``$PICKRT_DATA_DIR`` (if set) replaces the platform's user data dir (``platformdirs``). The file maps
``runtime|hardware|model`` (``engine.measured.key``) to the latest measurement. Reads are bounded
(size, entries, numbers) and never raise: a missing, unreadable or mangled file is no measurement.
Writes are atomic (a temporary file in the same folder, then ``os.replace``).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

FILE = "measurements.json"
MAX_BYTES = 1 << 20
MAX_ENTRIES = 500
_NUMS = ("decode_tps", "prefill_tps", "ttft_s", "single_stream_tps", "aggregate_tps")


def data_dir() -> Path:
    given = os.environ.get("PICKRT_DATA_DIR")
    if given:
        return Path(given)
    import platformdirs

    return Path(platformdirs.user_data_dir("pickrt", appauthor=False))


def path() -> Path:
    return data_dir() / FILE


def _clean(entry: object) -> dict | None:
    if not isinstance(entry, dict):
        return None
    out: dict = {}
    for k in _NUMS:
        v = entry.get(k)
        if isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v < 1e7:
            out[k] = float(v)
    c = entry.get("concurrency")
    if isinstance(c, int) and not isinstance(c, bool) and 1 <= c <= 1024:
        out["concurrency"] = c
    for k in ("when", "runtime", "hardware", "model", "endpoint"):
        v = entry.get(k)
        if isinstance(v, str):
            out[k] = v[:200]
    return out if "decode_tps" in out else None


def load() -> dict:
    """``{key: measurement}``; empty when there is none or the file is unusable."""
    p = path()
    try:
        with open(p, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError:
        return {}
    if len(raw) > MAX_BYTES:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        return {}
    entries = data.get("measurements") if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        return {}
    out = {}
    for k, v in list(entries.items())[:MAX_ENTRIES]:
        e = _clean(v)
        if isinstance(k, str) and e is not None:
            out[k[:400]] = e
    return out


def save(key: str, entry: dict) -> Path:
    """Add or replace one measurement; returns the file written."""
    p = path()
    p.parent.mkdir(parents=True, exist_ok=True)
    current = load()
    current.pop(key, None)
    current[key] = _clean(entry) or {}
    while len(current) > MAX_ENTRIES:
        current.pop(next(iter(current)))
    text = json.dumps({"schema_version": 1, "measurements": current}, indent=2, sort_keys=False) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=".measurements-", suffix=".tmp", dir=p.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, p)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return p


__all__ = ["data_dir", "load", "path", "save"]
