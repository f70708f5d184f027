"""Read files from outside (profiles, overlays, batch files, replay folders, model headers) safely.

A file is opened only when ``os.stat`` says it is a regular file (never a FIFO, a device such as
``/dev/zero``, a socket or a folder), with ``O_NONBLOCK`` so that a FIFO swapped in between the
check and the open cannot block, and it is read up to a size limit: a larger file is refused
before it is read. Errors are :class:`FileRejected` (a ``ValueError``) with a one-line reason
that callers prefix with the option and the path.
"""

from __future__ import annotations

import os
import stat
from typing import Union

PathLike = Union[str, "os.PathLike[str]"]

KIB = 1024
MIB = 1024 * KIB

PROFILE_LIMIT = 1 * MIB
"""``--hardware FILE`` (a detect --json output is a few KiB)."""
OVERLAY_LIMIT = 1 * MIB
"""One catalog YAML file (the shipped models.yaml is far below)."""
BATCH_LIMIT = 64 * MIB
"""A ``--batch`` file; each line is also limited (``BATCH_LINE_LIMIT``)."""
BATCH_LINE_LIMIT = 1 * MIB
CONFIG_LIMIT = 10 * MIB
"""A Hugging Face ``config.json`` (real ones are a few KiB)."""
REPLAY_LIMIT = 16 * MIB
"""One replay file, like a live probe's output (``runner.MAX_OUTPUT``)."""
MANIFEST_LIMIT = 1 * MIB
"""``probes.json`` of a recording."""


class FileRejected(ValueError):
    """The file is not something pickrt reads: not a regular file, too large, unreadable."""


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def size_text(n: int) -> str:
    if n >= MIB:
        return f"{n / MIB:g} MiB"
    if n >= KIB:
        return f"{n / KIB:g} KiB"
    return f"{n} bytes"


def check_regular(path: PathLike) -> os.stat_result:
    """``os.stat`` of ``path`` (symlinks followed) when it is a regular file; else FileRejected.

    A missing file raises ``FileNotFoundError`` (an OSError) so that callers can say "no such file".
    """
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):
        raise FileRejected(f"{_kind(st.st_mode)}, not a regular file")
    return st


def open_regular(path: PathLike) -> int:
    """An fd opened read-only on a regular file (checked before and after the open)."""
    check_regular(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):  # swapped between stat and open
            raise FileRejected(f"{_kind(st.st_mode)}, not a regular file")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_regular(path: PathLike, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes (FileRejected / OSError otherwise)."""
    fd = open_regular(path)
    try:
        size = os.fstat(fd).st_size
        if size > limit:
            raise FileRejected(f"{size_text(size)}, larger than the {size_text(limit)} allowed")
        chunks = []
        got = 0
        while True:
            chunk = os.read(fd, min(1 * MIB, limit + 1 - got))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
            if got > limit:  # grew while we read (or a /proc-like file that lies about its size)
                raise FileRejected(f"larger than the {size_text(limit)} allowed")
        return b"".join(chunks)
    finally:
        os.close(fd)


def reason(exc: BaseException) -> str:
    """One short phrase for an error raised by these readers."""
    if isinstance(exc, FileRejected):
        return str(exc)
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, IsADirectoryError):
        return "a directory, not a regular file"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, OSError):
        return f"cannot read ({exc.strerror or exc})"
    return str(exc)


__all__ = ["BATCH_LIMIT", "BATCH_LINE_LIMIT", "CONFIG_LIMIT", "FileRejected", "MANIFEST_LIMIT", "OVERLAY_LIMIT",
           "PROFILE_LIMIT", "REPLAY_LIMIT", "check_regular", "open_regular", "read_regular", "reason", "size_text"]
