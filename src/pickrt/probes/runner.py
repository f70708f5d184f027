"""Run one probe (a command or a file read) and say what happened, never raising.

A probe's ``name`` is the stem of its replay file (``PROBE_FILES``); its ``status`` is ``ok``,
``missing`` (tool or file absent), ``timeout`` (killed after ``timeout`` seconds) or ``error``
(ran and failed); ``text`` is the raw output the parsers read.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import Iterable, Optional, Sequence

# Probe name -> replay file name (docs/design cli.md "pickrt detect"), in the order probes are listed.
PROBE_FILES: dict[str, str] = {
    "uname": "uname.txt",
    "proc-cpuinfo": "proc-cpuinfo.txt",
    "lscpu": "lscpu.txt",
    "proc-meminfo": "proc-meminfo.txt",
    "cgroup-memory.max": "cgroup-memory.max",
    "cgroup-memory.limit_in_bytes": "cgroup-memory.limit_in_bytes",
    "nvidia-smi-q-x": "nvidia-smi-q-x.xml",
    "nvidia-smi-q": "nvidia-smi-q.txt",
    "nvidia-smi": "nvidia-smi.txt",
    "nvidia-smi-L": "nvidia-smi-L.txt",
    "nvidia-smi-query": "nvidia-smi-query.csv",
    "rocm-smi": "rocm-smi.txt",
    "rocm-smi-json": "rocm-smi.json",
    "amd-smi-static": "amd-smi-static.json",
    "xpu-smi-discovery": "xpu-smi-discovery.txt",
    "sycl-ls": "sycl-ls.txt",
    "sysctl": "sysctl.txt",
    "sw_vers": "sw_vers.txt",
    "system_profiler-SPHardwareDataType": "system_profiler-SPHardwareDataType.json",
    "system_profiler-SPDisplaysDataType": "system_profiler-SPDisplaysDataType.json",
    "nv_tegra_release": "nv_tegra_release.txt",
    "kubectl-nodes": "kubectl-nodes.json",
    "ray-status": "ray-status.txt",
    "scontrol-show-node": "scontrol-show-node.txt",
    "sinfo": "sinfo.txt",
}
"""The replay files of the contract. Both ``rocm-smi.txt`` and ``rocm-smi.json`` have the stem
``rocm-smi``: the JSON one is the probe ``rocm-smi-json``."""

EXTRA_FILES: dict[str, str] = {
    "nvml": "nvml.json",
    "cuda-visible-devices": "cuda-visible-devices.txt",
    "wmic-cpu": "wmic-cpu.txt",
    "wmic-memory": "wmic-memory.txt",
    "wmic-videocontroller": "wmic-videocontroller.txt",
    "cim-videocontroller": "cim-videocontroller.txt",
}
"""Probes beyond the contract's table: recorded and replayed the same way, listed only when present."""

ALL_FILES: dict[str, str] = {**PROBE_FILES, **EXTRA_FILES}

STATUSES = ("ok", "missing", "timeout", "error")
MAX_OUTPUT = 16 * 1024 * 1024

# Tools that answer "nothing here" with a non-zero exit: that is an ok answer with no devices.
NO_DEVICE_MARKERS = ("No devices were found",)


@dataclass
class ProbeResult:
    name: str
    status: str
    text: str = ""
    detail: Optional[str] = None
    seconds: Optional[float] = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def probe_env() -> dict[str, str]:
    """The environment for probe commands: the caller's, in the C locale (parsers read English)."""
    env = dict(os.environ)
    env["LC_ALL"] = "C"
    env["LANG"] = "C"
    env.pop("LANGUAGE", None)
    return env


def _first_line(*texts: str) -> Optional[str]:
    for text in texts:
        for line in (text or "").splitlines():
            line = line.strip()
            if line:
                return line[:300]
    return None


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)
        else:  # pragma: no cover - Windows
            proc.kill()
    except (ProcessLookupError, PermissionError, OSError):
        try:
            proc.kill()
        except OSError:
            pass


def _decode(data: Optional[bytes]) -> str:
    if not data:
        return ""
    return data[:MAX_OUTPUT].decode("utf-8", errors="replace")


def _pump(pipe, buf: bytearray, cap: int, flood: threading.Event, done: threading.Event) -> None:
    """Copy ``pipe`` into ``buf`` in chunks, never more than ``cap`` bytes; set ``flood`` past it."""
    try:
        fd = pipe.fileno()
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            room = cap - len(buf)
            if len(chunk) > room:
                buf += chunk[:room]
                flood.set()
                break
            buf += chunk
    except (OSError, ValueError):
        pass
    finally:
        done.set()


def read_capped(proc: subprocess.Popen, timeout: float, cap: int = MAX_OUTPUT,
                 grace: float = 0.2) -> tuple[bytes, bytes, str]:
    """Read both pipes of ``proc`` incrementally, at most ``cap`` bytes each, for ``timeout`` s.

    Returns (stdout, stderr, outcome) with outcome ``done``, ``timeout`` or ``flood``. On timeout
    or flood the whole process group is killed at once. When the tool itself has exited but a
    grandchild still holds its pipes, the group is killed after ``grace`` s and what was read is
    the answer. Reader threads are daemons: one blocked on a pipe held by a process outside the
    group is abandoned, never waited for.
    """
    deadline = time.monotonic() + timeout
    flood = threading.Event()
    bufs = (bytearray(), bytearray())
    dones = (threading.Event(), threading.Event())
    for pipe, buf, done in zip((proc.stdout, proc.stderr), bufs, dones):
        if pipe is None:
            done.set()
            continue
        threading.Thread(target=_pump, args=(pipe, buf, cap, flood, done), daemon=True,
                         name="pickrt-pipe").start()
    outcome = "done"
    exited_at: Optional[float] = None
    while True:
        if flood.is_set():
            outcome = "flood"
            break
        if all(d.is_set() for d in dones):
            break
        now = time.monotonic()
        if now >= deadline:
            outcome = "timeout"
            break
        if exited_at is None and proc.poll() is not None:
            exited_at = now
        if exited_at is not None and now - exited_at >= grace:
            break  # the tool is gone; a grandchild keeps its pipes open
        flood.wait(min(0.02, max(0.0, deadline - now)))
    if outcome == "done" and exited_at is None:
        try:  # both pipes closed: let the tool exit on its own before the group is ended
            proc.wait(timeout=max(0.01, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            outcome = "timeout"
    _kill_group(proc)  # the tool if still running, and whatever it left behind in its group
    for done in dones:
        done.wait(0.1)
    try:
        proc.wait(timeout=0.5)
    except (subprocess.TimeoutExpired, OSError):  # pragma: no cover - unkillable
        pass
    if all(d.is_set() for d in dones):
        for pipe in (proc.stdout, proc.stderr):
            try:
                if pipe is not None:
                    pipe.close()
            except OSError:
                pass
    # copies taken now: an abandoned reader can no longer change what we return
    return bytes(bufs[0]), bytes(bufs[1]), outcome


def run_command(
    name: str,
    argv: Sequence[str],
    timeout: float,
    *,
    partial_ok: bool = False,
    no_device_markers: Iterable[str] = NO_DEVICE_MARKERS,
) -> ProbeResult:
    """Run ``argv`` with stdin closed, LC_ALL=C and a time limit.

    - binary not found -> ``missing``;
    - still running after ``timeout`` s -> its whole process group is killed -> ``timeout``;
    - non-zero exit -> ``error`` with the first line of stderr (or stdout), except output naming
      "No devices were found" (nvidia-smi), which is ``ok``; with ``partial_ok`` (sysctl with a
      name this macOS lacks) a non-zero exit that still printed something is ``ok``.
    """
    start = time.monotonic()
    if not argv:
        return ProbeResult(name, "error", detail="empty command")
    exe = shutil.which(argv[0])
    if exe is None:
        return ProbeResult(name, "missing", detail=f"{argv[0]} not found on PATH")
    kwargs: dict = {}
    if os.name == "posix":
        kwargs["start_new_session"] = True
    else:  # pragma: no cover - Windows
        kwargs["creationflags"] = getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0) | getattr(
            subprocess, "CREATE_NO_WINDOW", 0)
    try:
        proc = subprocess.Popen(
            [exe, *argv[1:]],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=probe_env(),
            **kwargs,
        )
    except FileNotFoundError:
        return ProbeResult(name, "missing", detail=f"{argv[0]} not found")
    except PermissionError as exc:
        return ProbeResult(name, "error", detail=f"{argv[0]}: permission denied ({exc.strerror})")
    except OSError as exc:
        return ProbeResult(name, "error", detail=f"{argv[0]}: {exc.strerror or exc}")
    out, err, outcome = read_capped(proc, max(0.01, timeout))
    if outcome == "timeout":
        return ProbeResult(name, "timeout", detail=f"{argv[0]} did not answer within {timeout:g} s (killed)",
                           seconds=round(time.monotonic() - start, 3))
    if outcome == "flood":
        return ProbeResult(name, "error", detail=f"{argv[0]} printed more than {MAX_OUTPUT // (1024 * 1024)} MiB "
                                                 "(stopped and killed)", seconds=round(time.monotonic() - start, 3))
    elapsed = round(time.monotonic() - start, 3)
    stdout, stderr = _decode(out), _decode(err)
    rc = proc.returncode
    for marker in no_device_markers:
        if marker in stdout or marker in stderr:
            return ProbeResult(name, "ok", stdout or stderr, detail=marker.rstrip(".").lower(), seconds=elapsed)
    if rc == 0:
        return ProbeResult(name, "ok", stdout, seconds=elapsed)
    if partial_ok and stdout.strip():
        note = _first_line(stderr)
        return ProbeResult(name, "ok", stdout, detail=f"partial (exit {rc}): {note}" if note else f"partial (exit {rc})",
                           seconds=elapsed)
    line = _first_line(stderr, stdout)
    detail = f"exit {rc}: {line}" if line else f"exit {rc}"
    if rc is not None and rc < 0 and os.name == "posix":
        detail = f"killed by signal {-rc}" + (f": {line}" if line else "")
    return ProbeResult(name, "error", stdout, detail=detail, seconds=elapsed)


def read_file(name: str, path: str, *, limit: int = MAX_OUTPUT) -> ProbeResult:
    """Read a text file (its first ``limit`` bytes): absent -> ``missing``; not a regular file
    (a FIFO, a device) or unreadable -> ``error``. Never blocks on a FIFO."""
    from pickrt.probes.files import FileRejected, open_regular

    start = time.monotonic()
    try:
        fd = open_regular(path)
        try:
            data = _read_up_to(fd, limit)
        finally:
            os.close(fd)
    except FileNotFoundError:
        return ProbeResult(name, "missing", detail=f"{path} does not exist")
    except FileRejected as exc:
        return ProbeResult(name, "error", detail=f"{path}: {exc}")
    except IsADirectoryError:
        return ProbeResult(name, "error", detail=f"{path} is a directory")
    except PermissionError:
        return ProbeResult(name, "error", detail=f"{path}: permission denied")
    except OSError as exc:
        return ProbeResult(name, "error", detail=f"{path}: {exc.strerror or exc}")
    return ProbeResult(name, "ok", data.decode("utf-8", errors="replace"), detail=path,
                       seconds=round(time.monotonic() - start, 3))


def _read_up_to(fd: int, limit: int) -> bytes:
    chunks, got = [], 0
    while got < limit:
        chunk = os.read(fd, min(1024 * 1024, limit - got))
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def platform_name() -> str:
    """'linux', 'darwin' or 'win32' (sys.platform, normalised)."""
    if sys.platform.startswith("linux"):
        return "linux"
    if sys.platform == "darwin":
        return "darwin"
    if sys.platform.startswith(("win", "cygwin", "msys")):
        return "win32"
    return sys.platform


__all__ = ["ALL_FILES", "EXTRA_FILES", "PROBE_FILES", "ProbeResult", "STATUSES", "platform_name",
           "probe_env", "read_file", "run_command"]
