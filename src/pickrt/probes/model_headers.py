"""Read the headers of model files (GGUF, safetensors, ``config.json``) within fixed bounds.

Nothing here materialises what sizing does not need: a GGUF's tokenizer vocabulary (hundreds of
thousands of strings) is skipped by lengths, a chunk at a time, and never decoded; only scalar
values, short strings and short numeric arrays are kept. Every length read from a file is checked
against the file's size and a bound before it is used, so a hostile or truncated file costs at most
a bounded read, and raises :class:`HeaderError` (a ``ValueError``) with the byte offset where it
went wrong.
"""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path
from typing import Any, Optional, Union

from pickrt.probes.files import CONFIG_LIMIT, FileRejected, open_regular, read_regular, size_text

GGUF_MAGIC = b"GGUF"
MAX_GGUF_KV = 100_000
"""Key/value pairs in a GGUF header (real files: a few dozen)."""
MAX_GGUF_TENSORS = 1_000_000
MAX_KEY_LEN = 64 * 1024
MAX_KEPT_STRING = 64 * 1024
"""Longer string values (a chat template) are skipped, not kept."""
MAX_STRING = 64 * 1024 * 1024
MAX_ARRAY = 16 * 1024 * 1024
"""Elements of one GGUF array (a Llama-3 vocabulary: 128,256 strings; its merges: 280,147)."""
MAX_KEPT_ARRAY = 4096
"""Numeric arrays up to this length are kept (per-layer head counts); longer ones are skipped."""
MAX_ARRAY_DEPTH = 4
MAX_DIMS = 8
MAX_TENSOR_NAME = 64 * 1024
SAFETENSORS_HEADER_LIMIT = 32 * 1024 * 1024
"""Header bytes of one file (the format allows 100 MB; a 405B model's 191 shards hold ~10 MB in all)."""
SAFETENSORS_TOTAL_LIMIT = 32 * 1024 * 1024
"""Header bytes read across all shards of one folder."""
MAX_SHARDS = 4096
MAX_JSON_DEPTH = 64

_CHUNK = 1024 * 1024

# GGUF value types: (struct code, size)
_SCALARS = {0: ("B", 1), 1: ("b", 1), 2: ("H", 2), 3: ("h", 2), 4: ("I", 4), 5: ("i", 4), 6: ("f", 4), 7: ("?", 1),
            10: ("Q", 8), 11: ("q", 8), 12: ("d", 8)}
_STRING, _ARRAY = 8, 9

PathLike = Union[str, "os.PathLike[str]"]


class HeaderError(ValueError):
    """A model file whose header cannot be read: the message says what and where."""


class _Reader:
    """Sequential reads over an fd through a bounded buffer; skips seek instead of reading."""

    def __init__(self, fd: int, size: int, endian: str = "<") -> None:
        self.fd, self.size, self.e = fd, size, endian
        self.buf = b""
        self.start = 0  # file offset of buf[0]
        self.pos = 0  # offset in buf

    @property
    def offset(self) -> int:
        return self.start + self.pos

    def _fill(self, n: int) -> None:
        if self.pos + n <= len(self.buf):
            return
        if self.offset + n > self.size:
            raise HeaderError(f"truncated at byte {self.offset} (needs {n} more bytes, the file has {self.size})")
        rest = self.buf[self.pos:]
        os.lseek(self.fd, self.start + len(self.buf), os.SEEK_SET)
        want = max(n - len(rest), _CHUNK)
        more = os.read(self.fd, want)
        while len(rest) + len(more) < n:
            extra = os.read(self.fd, n - len(rest) - len(more))
            if not extra:
                raise HeaderError(f"truncated at byte {self.offset}")
            more += extra
        self.start += self.pos
        self.buf = rest + more
        self.pos = 0

    def take(self, n: int) -> bytes:
        self._fill(n)
        out = self.buf[self.pos:self.pos + n]
        self.pos += n
        return out

    def unpack(self, code: str, size: int) -> Any:
        self._fill(size)
        (v,) = struct.unpack_from(self.e + code, self.buf, self.pos)
        self.pos += size
        return v

    def u32(self) -> int:
        return self.unpack("I", 4)

    def u64(self) -> int:
        return self.unpack("Q", 8)

    def skip(self, n: int) -> None:
        if n < 0 or self.offset + n > self.size:
            raise HeaderError(f"truncated at byte {self.offset} (a length of {n} bytes runs past the end of the file)")
        if self.pos + n <= len(self.buf):
            self.pos += n
        else:
            self.start, self.buf, self.pos = self.offset + n, b"", 0

    def skip_strings(self, count: int) -> None:
        """Skip ``count`` length-prefixed strings without decoding them (a chunk at a time)."""
        unpack = struct.Struct(self.e + "Q").unpack_from
        left = count
        while left:
            self._fill(8)
            buf, pos, end = self.buf, self.pos, len(self.buf)
            # as many strings as lie wholly in the buffer, in a tight loop
            while left and pos + 8 <= end:
                (n,) = unpack(buf, pos)
                if n > MAX_STRING:
                    self.pos = pos
                    raise HeaderError(f"a string of {n} bytes at byte {self.offset} (at most {size_text(MAX_STRING)})")
                if pos + 8 + n > end:
                    break
                pos += 8 + n
                left -= 1
            self.pos = pos
            if left and pos + 8 <= end:  # a string that crosses the buffer's end
                (n,) = unpack(buf, pos)
                self.pos = pos + 8
                self.skip(n)
                left -= 1


def _string(r: _Reader, limit: int, what: str) -> Optional[str]:
    at = r.offset
    n = r.u64()
    if n > MAX_STRING or n > limit and limit == MAX_KEY_LEN:
        raise HeaderError(f"{what} of {n} bytes at byte {at} (at most {size_text(min(limit, MAX_STRING))})")
    if n > limit:
        r.skip(n)
        return None
    return r.take(n).decode("utf-8", "replace")


def _value(r: _Reader, vtype: int, depth: int = 0) -> Any:
    if vtype in _SCALARS:
        code, size = _SCALARS[vtype]
        return r.unpack(code, size)
    if vtype == _STRING:
        return _string(r, MAX_KEPT_STRING, "a string")
    if vtype == _ARRAY:
        at = r.offset
        etype = r.u32()
        count = r.u64()
        if count > MAX_ARRAY:
            raise HeaderError(f"an array of {count} elements at byte {at} (at most {MAX_ARRAY})")
        if etype in _SCALARS:
            code, size = _SCALARS[etype]
            if count <= MAX_KEPT_ARRAY:
                r._fill(count * size) if count else None
                vals = list(struct.unpack_from(f"{r.e}{count}{code}", r.buf, r.pos)) if count else []
                r.pos += count * size
                return vals
            r.skip(count * size)
            return None
        if etype == _STRING:
            r.skip_strings(count)
            return None
        if etype == _ARRAY:
            if depth >= MAX_ARRAY_DEPTH:
                raise HeaderError(f"arrays nested deeper than {MAX_ARRAY_DEPTH} at byte {at}")
            for _ in range(count):
                _value(r, _ARRAY, depth + 1)
            return None
        raise HeaderError(f"unknown array element type {etype} at byte {at}")
    raise HeaderError(f"unknown value type {vtype} at byte {r.offset - 4}")


def read_gguf_header(path: PathLike) -> dict[str, Any]:
    """A GGUF file's metadata: ``{"version", "kv": {key: value}, "tensor_count", "n_elements", "file_size"}``.

    ``kv`` holds scalars, strings up to 64 KiB and numeric arrays up to 4096 elements; longer
    values (the vocabulary, merges, chat templates) are ``None``. ``n_elements`` sums the tensor
    shapes (the parameter count). Raises HeaderError, FileRejected or OSError.
    """
    fd = open_regular(path)
    try:
        size = os.fstat(fd).st_size
        r = _Reader(fd, size)
        if r.take(4) != GGUF_MAGIC:
            raise HeaderError("not a GGUF file (no GGUF magic at byte 0)")
        version = r.u32()
        if version > 0xFFFF:  # a big-endian file
            r.e = ">"
            version = struct.unpack(">I", struct.pack("<I", version))[0]
        if version not in (1, 2, 3):
            raise HeaderError(f"GGUF version {version} (pickrt reads versions 1 to 3)")
        count = (lambda: r.u32()) if version == 1 else r.u64
        n_tensors, n_kv = count(), count()
        if n_kv > MAX_GGUF_KV:
            raise HeaderError(f"{n_kv} metadata entries (at most {MAX_GGUF_KV})")
        if n_tensors > MAX_GGUF_TENSORS:
            raise HeaderError(f"{n_tensors} tensors (at most {MAX_GGUF_TENSORS})")
        kv: dict[str, Any] = {}
        for _ in range(n_kv):
            key = _string(r, MAX_KEY_LEN, "a key")
            vtype = r.u32()
            kv[key or ""] = _value(r, vtype)
        n_elements = 0
        for _ in range(n_tensors):
            if _string(r, MAX_TENSOR_NAME, "a tensor name") is None:
                raise HeaderError(f"a tensor name longer than {size_text(MAX_TENSOR_NAME)} before byte {r.offset}")
            at = r.offset
            n_dims = r.u32()
            if n_dims > MAX_DIMS:
                raise HeaderError(f"a tensor with {n_dims} dimensions at byte {at} (at most {MAX_DIMS})")
            elems = 1
            for _ in range(n_dims):
                elems *= r.u64() if version > 1 else r.u32()
            r.skip(4 + 8)  # type, offset
            n_elements += elems
        return {"version": version, "kv": kv, "tensor_count": n_tensors, "n_elements": n_elements, "file_size": size}
    except struct.error as e:  # pragma: no cover - _fill guarantees the bytes
        raise HeaderError(f"malformed header ({e})") from None
    finally:
        os.close(fd)


def read_json_file(path: PathLike, limit: int = CONFIG_LIMIT) -> Any:
    """A JSON file (regular, at most ``limit`` bytes, nested at most 64 deep) decoded; HeaderError if not JSON."""
    data = read_regular(path, limit)
    return loads_bounded(data, what="JSON")


def loads_bounded(data: bytes, what: str = "JSON") -> Any:
    from pickrt.bounds import BoundError, depth

    try:
        value = json.loads(data)
        depth(value, MAX_JSON_DEPTH)
    except RecursionError:
        raise HeaderError(f"not valid {what}: nested deeper than {MAX_JSON_DEPTH} levels") from None
    except BoundError as e:
        raise HeaderError(f"not valid {what}: {e}") from None
    except (ValueError, UnicodeDecodeError) as e:
        raise HeaderError(f"not valid {what} ({str(e).splitlines()[0][:120]})") from None
    return value


def read_safetensors_headers(folder: PathLike) -> list[tuple[str, Any]]:
    """(file name, decoded JSON header) of each ``*.safetensors`` regular file in ``folder``.

    Only the 8-byte length and the header are read (never the weights); a header above 32 MiB,
    one that runs past its file, or more than 32 MiB of headers in all is refused. Files that are
    not regular (FIFOs, devices) are skipped.
    """
    root = Path(folder)
    out: list[tuple[str, Any]] = []
    total = 0
    names = sorted(p.name for p in root.iterdir() if p.name.endswith(".safetensors"))
    if len(names) > MAX_SHARDS:
        raise HeaderError(f"{len(names)} safetensors files (at most {MAX_SHARDS})")
    for name in names:
        try:
            fd = open_regular(root / name)
        except (OSError, FileRejected):
            continue
        try:
            size = os.fstat(fd).st_size
            head = os.read(fd, 8)
            if len(head) < 8:
                raise HeaderError(f"{name}: truncated at byte {len(head)} (no header length)")
            (n,) = struct.unpack("<Q", head)
            if n > SAFETENSORS_HEADER_LIMIT or 8 + n > size:
                raise HeaderError(f"{name}: a header of {n} bytes (the file has {size}; at most "
                                  f"{size_text(SAFETENSORS_HEADER_LIMIT)})")
            total += n
            if total > SAFETENSORS_TOTAL_LIMIT:
                raise HeaderError(f"more than {size_text(SAFETENSORS_TOTAL_LIMIT)} of safetensors headers")
            chunks, got = [], 0
            while got < n:
                chunk = os.read(fd, min(_CHUNK, n - got))
                if not chunk:
                    raise HeaderError(f"{name}: truncated at byte {8 + got}")
                chunks.append(chunk)
                got += len(chunk)
        finally:
            os.close(fd)
        try:
            out.append((name, loads_bounded(b"".join(chunks), what="a safetensors header")))
        except HeaderError as e:
            raise HeaderError(f"{name}: {e}") from None
    return out


__all__ = ["HeaderError", "MAX_ARRAY", "loads_bounded", "read_gguf_header", "read_json_file", "read_safetensors_headers"]
