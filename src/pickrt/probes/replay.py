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


MARKER = ".pickrt-recording"
"""The file that makes a folder a pickrt recording (``--record`` replaces only such folders)."""
MARKER_TEXT = "pickrt recording: replay with `pickrt detect --replay DIR`; safe to replace with --record\n"


class RecordError(Exception):
    """``--record`` cannot (or will not) write the folder: one line saying why."""


def is_recording(root: Path) -> bool:
    """A pickrt recording: has the marker, or (older recordings) ``probes.json`` and only replay files."""
    if (root / MARKER).is_file():
        return True
    try:
        names = set(os.listdir(root))
    except OSError:
        return False
    return MANIFEST in names and names <= set(ALL_FILES.values()) | {MANIFEST}


def _write_file(target: Path, data: bytes) -> None:
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    rc = fn(at_fdcwd, os.fsencode(str(a)), at_fdcwd, os.fsencode(str(b)), rename_exchange)
    return rc == 0


def record_dir(results: Mapping[str, ProbeResult], path: PathLike, *, redact: bool = True) -> list[Path]:
    """Write each ``ok`` probe's raw output under its replay file name, plus ``probes.json`` and the
    marker, as one folder ``path``: written whole into a temporary sibling, then put in place.

    - ``path`` absent or an empty folder: created; a pickrt recording: replaced as a whole (a kill at
      any moment leaves either the old recording or the new one, never a mix); anything else (a
      file, a folder with other files): refused with RecordError, nothing touched.
    - ``redact`` (default): serials, UUIDs, addresses, host and user names and the processes on
      the GPUs are replaced first (see :mod:`pickrt.probes.redact`).
    Returns the files written (under ``path``). Raises RecordError.
    """
    import shutil

    root = Path(path)
    if os.path.lexists(root):
        if root.is_symlink():
            raise RecordError(f"{root} is a symbolic link: give the folder itself (new, empty, or an earlier recording)")
        if not root.is_dir():
            raise RecordError(f"{root} exists and is not a folder: give a new or empty folder, or an earlier recording")
        try:
            entries = os.listdir(root)
        except OSError as e:
            raise RecordError(f"{root}: cannot read the folder ({e.strerror})") from None
        if entries and not is_recording(root):
            raise RecordError(f"{root} is not empty and not a pickrt recording ({len(entries)} entries, no {MARKER}): "
                              "give a new or empty folder")
    parent = root.parent if str(root.parent) else Path(".")
    if not parent.is_dir():
        raise RecordError(f"{parent}: no such folder")
    redactor = None
    if redact:
        from pickrt.probes.redact import Redactor

        redactor = Redactor()
    tmp = parent / f".{root.name}.pickrt-{secrets.token_hex(4)}.tmp"
    old: Path | None = None
    try:
        os.mkdir(tmp, 0o777)
        written: list[str] = []
        manifest: dict[str, dict] = {}
        for name, res in results.items():
            filename = ALL_FILES.get(name)
            detail = res.detail
            if redactor is not None and isinstance(detail, str):
                detail = redactor.text(detail)
            manifest[name] = {"status": res.status, "detail": detail}
            if filename is None or res.status != "ok":
                continue
            text = res.text or ""
            if redactor is not None:
                text = redactor.text(text, name)
            _write_file(tmp / filename, text.encode("utf-8"))
            written.append(filename)
        _write_file(tmp / MANIFEST, (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode("utf-8"))
        _write_file(tmp / MARKER, (MARKER_TEXT + ("redacted: yes\n" if redact else "redacted: no\n")).encode())
        if os.path.isdir(root) and os.listdir(root):
            if not _exchange(tmp, root):
                old = parent / f".{root.name}.pickrt-{secrets.token_hex(4)}.old"
                os.rename(root, old)
                os.rename(tmp, root)
            else:
                old = tmp  # the earlier recording now sits in the temporary name
            tmp = None  # type: ignore[assignment]
        else:
            if os.path.isdir(root):
                os.rmdir(root)  # empty: replaced by the new folder
            os.rename(tmp, root)
            tmp = None  # type: ignore[assignment]
    except OSError as e:
        raise RecordError(f"{root}: cannot write the recording ({e.strerror or e}); nothing was changed") from None
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return [root / f for f in written]


__all__ = ["MANIFEST", "MARKER", "RecordError", "is_recording", "load_dir", "record_dir", "EXTRA_FILES", "PROBE_FILES"]
