"""Run a short version command safely and pull a version token out of what it prints."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from typing import Optional

_SEMVER = re.compile(r"(?<![\w.])v?\d+\.\d+(?:\.\d+)*(?:[-+][0-9A-Za-z][0-9A-Za-z.+-]*|(?:a|b|rc|\.dev|\.post)\d+)?(?!\.?\w)")
_BUILD = re.compile(r"(?<![\w.])b\d{3,}(?!\.?\w)")
# llama.cpp prints "version: 6123 (e2e5ad2b)": that build number is the release tag b6123.
_BUILD_NUMBER = re.compile(r"\(build\s+(\d{3,})")
"""llama.cpp >= 0.5: 'version: 0.5.0-dev (build 11312, commit 0c1e570)': the build number names the release."""
_LLAMA_BUILD = re.compile(r"version:?\s*(\d{3,})\s*\(")


def parse_version(text: str) -> Optional[str]:
    """A version-looking token (``0.12.3``, ``v1.2``, ``b9855``) from a tool's output, or None.

    Lines that mention "version" are searched first, so that a compiler version in a
    "built with gcc 11.4.0" line does not win over the tool's own.
    """
    if not text:
        return None
    lines = text.splitlines()
    ranked = [ln for ln in lines if "version" in ln.lower()] + [ln for ln in lines if "version" not in ln.lower()]
    for line in ranked:
        low = line.lower()
        if "version" in low:
            tail = line[low.index("version"):]
            m = _BUILD_NUMBER.search(tail) or _LLAMA_BUILD.search(tail)
            if m:
                return f"b{m.group(1)}"
            m = _SEMVER.search(tail) or _BUILD.search(tail)
            if m:
                return m.group(0)
        m = _SEMVER.search(line) or _BUILD.search(line)
        if m and not low.lstrip().startswith("built with"):
            return m.group(0)
    return None


OUTPUT_CAP = 1024 * 1024
"""Bytes of a version command's output read at most; the tool is killed past it."""

REMOTE_ENV = ("DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH",
              "CONTAINER_HOST", "CONTAINER_CONNECTION", "CONTAINER_SSHKEY")
"""Variables that point docker/podman at another daemon; removed for doctor's commands (and
``DOCKER_CONTEXT=default`` overrides a remote context chosen in docker's config file)."""


def run_quiet(argv: list[str], timeout: float) -> Optional[str]:
    """stdout+stderr of ``argv`` (stdin closed, LC_ALL=C), or None if it fails to start or times out.

    The child runs in its own process group so that a timeout also ends whatever it spawned
    (a grandchild holding the pipe open would otherwise block us past the timeout).
    """
    env = dict(os.environ, LC_ALL="C", LANG="C", NO_COLOR="1", TERM="dumb")
    # `ollama --version` also asks the server at $OLLAMA_HOST, which may be another machine:
    # doctor contacts loopback only, so let it ask the default (127.0.0.1:11434).
    env.pop("OLLAMA_HOST", None)
    # `docker images` / `podman images` ask the daemon named by these, which may be a remote
    # host (tcp://, ssh://) or a remote context: doctor asks only the local socket.
    for var in REMOTE_ENV:
        env.pop(var, None)
    env["DOCKER_CONTEXT"] = "default"
    kwargs: dict = {}
    if sys.platform == "win32":
        kwargs["creationflags"] = getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0) | getattr(
            subprocess, "CREATE_NO_WINDOW", 0)
    else:
        kwargs["start_new_session"] = True
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, env=env, **kwargs)
    except (OSError, ValueError):
        return None
    from pickrt.probes.runner import read_capped

    out, _, outcome = read_capped(proc, max(0.01, timeout), cap=OUTPUT_CAP)
    if outcome != "done":
        return None
    return out.decode("utf-8", "replace") if out else ""

