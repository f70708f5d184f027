"""The catalog cache: plain JSON data, checked on load, never code.

The validated catalog (a tree of :class:`~pickrt.catalog.plain.Obj`, lists, dicts and scalars) is
written as JSON with two tags (``{"\\u0000o": {...}}`` for an ``Obj``, ``{"\\u0000d": {...}}`` for a
dict), in a private folder (0700), to a temporary file that is removed if anything fails, then
renamed. A cache file is read only when it is a regular file of this user, not writable by others,
of bounded size, and when it decodes to the expected shape with the expected key; anything else
is ignored (and rebuilt by the caller). Unlike a pickle, a planted cache file cannot run code: at
worst it describes a wrong catalog, and only its owner could have planted it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
import stat
from pathlib import Path
from typing import Any, Optional

from pickrt.catalog.plain import Obj

MAX_CACHE_BYTES = 64 * 1024 * 1024
_O, _D = "\x00o", "\x00d"


class CacheInvalid(ValueError):
    """A cache file that is not ours, not data, or not the expected shape."""


def encode(value: Any) -> Any:
    if isinstance(value, Obj):
        return {_O: {k: encode(v) for k, v in value.__dict__.items() if not k.startswith("_")}}
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TypeError("dict keys must be strings")
        return {_D: {k: encode(v) for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    raise TypeError(f"cannot cache a {type(value).__name__}")


def _hook(d: dict) -> Any:
    if len(d) == 1:
        if _O in d and isinstance(d[_O], dict):
            return Obj(**d[_O])
        if _D in d and isinstance(d[_D], dict):
            return d[_D]
    return d


def decode(text: bytes) -> Any:
    return json.loads(text, object_hook=_hook)


# ---- the shape of a cached catalog ---------------------------------------------------------------

_LIST_OF_OBJ = {"rules": "id", "gpus": "name", "apple_chips": "name", "models": "id", "quants": "id"}


def _check(payload: Any, key: str, fields: list[str]) -> dict:
    if not isinstance(payload, dict) or payload.get("key") != key or not isinstance(payload.get("catalog"), dict):
        raise CacheInvalid("not a cache of this catalog")
    cat = payload["catalog"]
    if sorted(cat) != sorted(fields):
        raise CacheInvalid("fields differ")
    runtimes = cat["runtimes"]
    if not isinstance(runtimes, dict) or not all(
            isinstance(r, Obj) and r.__dict__.get("slug") == s for s, r in runtimes.items()):
        raise CacheInvalid("runtimes")
    for name, ident in _LIST_OF_OBJ.items():
        items = cat.get(name)
        if not isinstance(items, list) or not all(isinstance(x, Obj) and isinstance(x.__dict__.get(ident), str)
                                                  for x in items):
            raise CacheInvalid(name)
    for name, types in (("apple_fraction", (int, float)), ("default_quant", (str,))):
        d = cat.get(name)
        if not isinstance(d, dict) or not all(isinstance(v, types) and not isinstance(v, bool) for v in d.values()):
            raise CacheInvalid(name)
    for name in ("warnings", "files"):
        if not isinstance(cat.get(name), list) or not all(isinstance(x, str) for x in cat[name]):
            raise CacheInvalid(name)
    return cat


def load(path: Path, key: str, cls: type) -> Optional[Any]:
    """The cached catalog of ``cls`` at ``path`` when it is valid and ours; else None."""
    from pickrt.probes.files import FileRejected, open_regular

    try:
        fd = open_regular(path)
    except (OSError, FileRejected):
        return None
    try:
        st = os.fstat(fd)
        if hasattr(os, "getuid") and (st.st_uid != os.getuid() or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)):
            return None  # written by someone else, or writable by others: not trusted
        if st.st_size > MAX_CACHE_BYTES:
            return None
        with os.fdopen(os.dup(fd), "rb") as fh:
            raw = fh.read(MAX_CACHE_BYTES + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    fields = [f.name for f in dataclasses.fields(cls)]
    try:
        cat = _check(decode(raw), key, fields)
    except (ValueError, RecursionError, TypeError, AttributeError):
        _remove(path)
        return None
    return cls(**cat)


def store(path: Path, key: str, catalog: Any) -> None:
    """Write ``catalog`` at ``path`` (atomically, mode 0600 in a 0700 folder); never raises."""
    folder = path.parent
    tmp: Optional[Path] = None
    try:
        payload = {"key": key, "catalog": {f.name: encode(getattr(catalog, f.name)) for f in dataclasses.fields(catalog)}}
        data = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = folder / f".{path.name}.{secrets.token_hex(4)}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
        tmp = None
    except (OSError, TypeError, ValueError, RecursionError):
        pass  # a cache is an optimisation: a full disk or a read-only folder only costs speed
    finally:
        if tmp is not None:
            _remove(tmp)


def _remove(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


__all__ = ["CacheInvalid", "MAX_CACHE_BYTES", "decode", "encode", "load", "store"]
