"""Record probe outputs to a folder and load them back (``pickrt detect --record/--replay``).

File names are the contract's (``runner.PROBE_FILES``), plus a few extra probes
(``runner.EXTRA_FILES``). ``probes.json`` beside them keeps each probe's status and detail so that a
replay shows a recorded timeout as a timeout rather than as a missing file; it is optional.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Mapping, Union

from pickrt.probes.runner import ALL_FILES, EXTRA_FILES, PROBE_FILES, STATUSES, ProbeResult

MANIFEST = "probes.json"

PathLike = Union[str, "os.PathLike[str]"]


def load_dir(path: PathLike) -> dict[str, ProbeResult]:
    """A recorded folder -> {probe name: ProbeResult}.

    Every contract file present is ``ok`` with its text; each absent one is ``missing`` (or the
    status recorded in ``probes.json``). Extra probes (nvml.json, ...) appear only when present or
    recorded. A folder that does not exist gives an all-missing result (the caller decides whether
    that is an error).
    """
    from pickrt.probes.files import MANIFEST_LIMIT, REPLAY_LIMIT, FileRejected, read_regular

    root = Path(path)
    manifest = _manifest(root, MANIFEST_LIMIT)
    results: dict[str, ProbeResult] = {}
    for name, filename in ALL_FILES.items():
        file = root / filename
        if os.path.lexists(file):
            try:
                text = read_regular(file, REPLAY_LIMIT).decode("utf-8", errors="replace")
            except FileNotFoundError:
                text = None  # a dangling link: as if absent
            except (OSError, FileRejected) as exc:
                from pickrt.probes.files import reason

                results[name] = ProbeResult(name, "error", detail=f"{filename}: {reason(exc)}")
                continue
            if text is not None:
                detail = manifest.get(name, {}).get("detail")
                results[name] = ProbeResult(name, "ok", text, detail=detail or f"replayed {filename}")
                continue
        recorded = manifest.get(name)
        if recorded and recorded.get("status") in STATUSES and recorded.get("status") != "ok":
            results[name] = ProbeResult(name, recorded["status"], detail=recorded.get("detail"))
        elif name in PROBE_FILES:
            results[name] = ProbeResult(name, "missing", detail=f"no {filename} in the replay folder")
    return results


MAX_DETAIL = 300
"""Characters of a probe's detail kept from a manifest."""


def _manifest(root: Path, limit: int) -> dict[str, dict]:
    """``probes.json`` as {probe name: {"status": str, "detail": str | None}}; odd entries dropped.

    Only known probe names, known statuses and string details (cut to ``MAX_DETAIL``) are kept:
    anything else in the file (numbers, lists, deep nesting) is ignored, never passed on.
    """
    from pickrt.probes.files import FileRejected, read_regular

    try:
        raw = json.loads(read_regular(root / MANIFEST, limit))
    except (OSError, ValueError, FileRejected, RecursionError):
        return {}
    if not isinstance(raw, dict):
        return {}
    out: dict[str, dict] = {}
    for name, entry in raw.items():
        if name not in ALL_FILES or not isinstance(entry, dict):
            continue
        status = entry.get("status")
        detail = entry.get("detail")
        out[name] = {
            "status": status if isinstance(status, str) and status in STATUSES else None,
            "detail": detail[:MAX_DETAIL] if isinstance(detail, str) else None,
        }
    return out


def _write_atomic(target: Path, data: bytes) -> None:
    """Write to a temporary file beside ``target`` (mode 0666 less the umask), then rename it."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = str(target.parent / f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(tmp, flags, 0o666)
            break
        except FileExistsError:
            continue
    else:  # pragma: no cover
        raise FileExistsError(f"cannot create a temporary file beside {target}")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def record_dir(results: Mapping[str, ProbeResult], path: PathLike) -> list[Path]:
    """Write each ``ok`` probe's raw output under its replay file name in ``path`` (created if
    needed), each file atomically, plus ``probes.json``. Replay files from an earlier recording
    that this one did not produce are removed, so the folder always describes one run.
    Returns the files written. Raises OSError when the folder cannot be written.
    """
    root = Path(path)
    root.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    manifest: dict[str, dict] = {}
    for name, res in results.items():
        filename = ALL_FILES.get(name)
        manifest[name] = {"status": res.status, "detail": res.detail}
        if filename is None or res.status != "ok":
            continue
        target = root / filename
        _write_atomic(target, (res.text or "").encode("utf-8"))
        written.append(target)
    keep = {p.name for p in written}
    for filename in ALL_FILES.values():
        stale = root / filename
        if filename not in keep and stale.is_file():
            stale.unlink()
    _write_atomic(root / MANIFEST, (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode("utf-8"))
    return written


__all__ = ["MANIFEST", "load_dir", "record_dir", "EXTRA_FILES", "PROBE_FILES"]
