"""What is installed: binaries on PATH, Python packages, app bundles, Windows folders, images.

Nothing here is imported or started except each runtime's own ``--version`` command (when its
first word is one of the runtime's binaries) and ``docker images`` / ``podman images``; every
command runs with a short timeout, all of them at once.
"""

from __future__ import annotations

import os
import plistlib
import shlex
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from pickrt.doctor import packages as _packages
from pickrt.doctor.versions import parse_version, run_quiet

COMMAND_TIMEOUT = 1.5
"""Seconds any one external command may take (version commands, ``docker images``)."""

IMAGE_TOOLS = ("docker", "podman")


@dataclass
class Installed:
    """What doctor found of one runtime. ``where`` is the first, strongest piece of evidence."""

    slug: str
    found: list[tuple[str, Optional[str]]] = field(default_factory=list)
    """(where, version) pairs, strongest evidence first."""

    @property
    def installed(self) -> bool:
        return bool(self.found)

    @property
    def where(self) -> Optional[str]:
        return self.found[0][0] if self.found else None

    @property
    def version(self) -> Optional[str]:
        return next((v for _, v in self.found if v), None)


def find_installed(catalog, *, command_timeout: float = COMMAND_TIMEOUT,
                   app_dirs: Optional[list[Path]] = None, quick: bool = False) -> dict[str, Installed]:
    """slug -> :class:`Installed` for every runtime of ``catalog`` (found or not), in catalog order.

    ``quick``: no external commands (version commands, container images): what the advice needs."""
    runtimes = catalog.runtimes
    out = {slug: Installed(slug) for slug in runtimes}

    # binaries, and which version commands to run
    binary_paths: dict[str, dict[str, str]] = {}
    version_jobs: dict[str, list[str]] = {}
    for slug, rt in runtimes.items():
        paths = {}
        for b in rt.detect.binaries:
            p = shutil.which(b)
            if p:
                paths[b] = p
        binary_paths[slug] = paths
        argv = None if quick else _version_argv(rt.detect.version_command, paths)
        if argv:
            version_jobs[slug] = argv

    want_images = any(rt.detect.docker_images for rt in runtimes.values())
    image_tools = [] if quick else [t for t in IMAGE_TOOLS if want_images and shutil.which(t)]

    with ThreadPoolExecutor(max_workers=max(1, min(16, len(version_jobs) + len(image_tools)))) as pool:
        version_futs = {slug: pool.submit(run_quiet, argv, command_timeout) for slug, argv in version_jobs.items()}
        image_futs = [pool.submit(list_images, t, command_timeout) for t in image_tools]

        # while those run: Python packages, app bundles, Windows folders
        all_pkgs = [p for rt in runtimes.values() for p in rt.detect.python_packages]
        env_pkgs = _packages.in_current_env(all_pkgs) if all_pkgs else {}
        tool_pkgs = _packages.in_tool_envs(all_pkgs) if all_pkgs else {}
        apps = app_dirs if app_dirs is not None else default_app_dirs()

        versions = {slug: parse_version(f.result() or "") for slug, f in version_futs.items()}
        images: list[str] = []
        for f in image_futs:
            images += f.result()

    for slug, rt in runtimes.items():
        inst = out[slug]
        for b, p in binary_paths[slug].items():
            first = _first_word(rt.detect.version_command)
            inst.found.append((p, versions.get(slug) if first == b else None))
        seen = set()
        for pkg in rt.detect.python_packages:
            key = _packages.normalize(pkg)
            if key in seen:
                continue
            seen.add(key)
            for table in (env_pkgs, tool_pkgs):
                hit = table.get(key)
                if hit:
                    inst.found.append((hit.where, hit.version))
        for bundle in rt.detect.app_bundles:
            for d in apps:
                app = d / bundle
                if app.is_dir():
                    inst.found.append((str(app), app_version(app)))
        if sys.platform == "win32":
            for raw in rt.detect.windows_dirs:
                path = os.path.expandvars(raw)
                if "%" not in path and Path(path).is_dir():
                    inst.found.append((path, None))
        for wanted in rt.detect.docker_images:
            for ref in images:
                repo, tag = split_image(ref)
                if repo == normalize_image(wanted):
                    inst.found.append((f"image: {ref}", tag if parse_version(tag or "") == tag else None))
    return out


def _first_word(command: Optional[str]) -> Optional[str]:
    if not command:
        return None
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    return words[0] if words else None


VERSION_ARGS = ("--version", "-version", "-V", "-v", "version")
"""The only argument a version command may have: ``<binary> --version`` and its spellings."""

NOT_RUN = frozenset({
    "sh", "bash", "zsh", "dash", "ksh", "csh", "tcsh", "fish", "busybox", "env", "sudo", "doas", "su", "nohup",
    "python", "python3", "pythonw", "py", "perl", "ruby", "node", "nodejs", "deno", "bun", "php", "lua", "tclsh",
    "osascript", "powershell", "pwsh", "cmd", "cmd.exe", "xargs", "find", "awk", "gawk", "sed", "curl", "wget",
    "nc", "ncat", "socat", "ssh", "scp", "rsync", "docker", "podman", "kubectl", "make", "git",
})
"""Binaries doctor never runs as a version command: shells, interpreters and tools that run or fetch
other things (their ``--version`` is harmless, but a catalog that names them is not describing a runtime)."""


def _version_argv(command: Optional[str], paths: dict[str, str]) -> Optional[list[str]]:
    """The version command with its first word resolved, when it has the allowed shape.

    Allowed: exactly ``<binary> <flag>``, where ``<binary>`` is one of the runtime's found binaries
    (a bare name, not a shell or an interpreter) and ``<flag>`` is one of ``VERSION_ARGS``.
    ``python -c "import x; ..."`` commands and anything longer are never run: doctor does not
    import packages, and the catalog (overlays can't define commands at all) names no code.
    """
    if not command:
        return None
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    if len(words) != 2 or words[1] not in VERSION_ARGS:
        return None
    binary = words[0]
    if binary not in paths or "/" in binary or "\\" in binary or binary.lower() in NOT_RUN:
        return None
    return [paths[binary], words[1]]


# ---- app bundles ---------------------------------------------------------------------------


def default_app_dirs() -> list[Path]:
    if sys.platform != "darwin":
        return []
    return [Path("/Applications"), Path.home() / "Applications"]


def app_version(app: Path) -> Optional[str]:
    try:
        with open(app / "Contents" / "Info.plist", "rb") as fh:
            info = plistlib.load(fh)
    except Exception:
        return None
    v = info.get("CFBundleShortVersionString") or info.get("CFBundleVersion")
    return str(v) if v else None


# ---- container images ----------------------------------------------------------------------


def list_images(tool: str, timeout: float = COMMAND_TIMEOUT,
                run: Callable[[list[str], float], Optional[str]] = run_quiet) -> list[str]:
    """``repo:tag`` of every local image that ``tool`` (docker or podman) lists; [] on any failure."""
    path = shutil.which(tool)
    if not path:
        return []
    text = run([path, "images", "--format", "{{.Repository}}:{{.Tag}}"], timeout)
    if not text:
        return []
    refs = []
    for line in text.splitlines():
        line = line.strip()
        # a daemon error ("Cannot connect to the Docker daemon ...") has spaces; image refs do not
        if line and " " not in line and ":" in line:
            refs.append(line)
    return refs


def normalize_image(repo: str) -> str:
    """``docker.io/library/x`` and ``docker.io/ollama/ollama`` as docker prints them: ``x``, ``ollama/ollama``."""
    repo = repo.strip().lower()
    for prefix in ("docker.io/library/", "docker.io/", "index.docker.io/library/", "index.docker.io/"):
        if repo.startswith(prefix):
            return repo[len(prefix):]
    return repo


def split_image(ref: str) -> tuple[str, Optional[str]]:
    """``ghcr.io/ggml-org/llama.cpp:server`` -> (``ghcr.io/ggml-org/llama.cpp``, ``server``)."""
    ref = ref.split("@", 1)[0]
    head, sep, tag = ref.rpartition(":")
    if not sep or "/" in tag:  # "localhost:5000/x" has no tag
        repo, tag = ref, None
    else:
        repo = head
    if tag in ("<none>", ""):
        tag = None
    return normalize_image(repo), tag
