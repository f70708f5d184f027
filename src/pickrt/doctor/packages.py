"""Python packages: the current environment (importlib.metadata) and pipx / uv tool environments.

Packages are never imported: the current environment is read through ``importlib.metadata``,
tool environments by reading ``*.dist-info/METADATA`` headers on disk.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional


@dataclass(frozen=True)
class PackageHit:
    name: str
    version: Optional[str]
    where: str
    """Short human text: ``python: <site-packages>``, ``pipx: <venv>``, ``uv tool: <dir>``."""


def normalize(name: str) -> str:
    """PEP 503 name normalization: ``MLX_LM`` and ``mlx-lm`` are the same project."""
    return re.sub(r"[-_.]+", "-", name).lower()


# ---- the current environment ----------------------------------------------------------------


def in_current_env(names: Iterable[str]) -> dict[str, PackageHit]:
    """Normalized name -> hit, for the packages of ``names`` installed next to pickrt."""
    from importlib import metadata

    hits: dict[str, PackageHit] = {}
    for name in {normalize(n) for n in names}:
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        except Exception:  # a broken METADATA file must not stop doctor
            continue
        try:
            site = str(dist.locate_file(""))
        except Exception:
            site = sys.prefix
        version = dist.version if isinstance(dist.version, str) else None
        hits[name] = PackageHit(name, version, f"python: {site}")
    return hits


# ---- pipx and uv tool environments ---------------------------------------------------------


def pipx_venv_roots() -> list[Path]:
    """Folders whose sub-folders are pipx venvs (``$PIPX_HOME/venvs`` wins over the defaults)."""
    env = os.environ.get("PIPX_HOME")
    if env:
        return [Path(env).expanduser() / "venvs"]
    home = Path.home()
    roots = [home / ".local" / "pipx" / "venvs"]
    xdg = os.environ.get("XDG_DATA_HOME")
    roots.append((Path(xdg) if xdg else home / ".local" / "share") / "pipx" / "venvs")
    if sys.platform == "darwin":
        roots.append(home / "Library" / "Application Support" / "pipx" / "venvs")
    if sys.platform == "win32":
        roots.append(home / "pipx" / "venvs")
        local = os.environ.get("LOCALAPPDATA")
        if local:
            roots.append(Path(local) / "pipx" / "pipx" / "venvs")
    return _dedupe(roots)


def uv_tool_roots() -> list[Path]:
    """Folders whose sub-folders are uv tool environments (``$UV_TOOL_DIR`` wins)."""
    env = os.environ.get("UV_TOOL_DIR")
    if env:
        return [Path(env).expanduser()]
    home = Path.home()
    xdg = os.environ.get("XDG_DATA_HOME")
    roots = [(Path(xdg) if xdg else home / ".local" / "share") / "uv" / "tools"]
    if sys.platform == "win32":
        appdata = os.environ.get("APPDATA")
        if appdata:
            roots.append(Path(appdata) / "uv" / "tools")
    return _dedupe(roots)


def in_tool_envs(names: Iterable[str]) -> dict[str, PackageHit]:
    """Normalized name -> hit for packages installed as a pipx or uv *tool*.

    Only a tool environment's main package counts (the folder is named after it): vLLM's pipx
    venv also holds ``ray``, which does not make Ray Serve installed.
    """
    wanted = {normalize(n) for n in names}
    hits: dict[str, PackageHit] = {}
    for label, roots in (("pipx", pipx_venv_roots()), ("uv tool", uv_tool_roots())):
        for root in roots:
            try:
                envs = sorted(p for p in root.iterdir() if p.is_dir())
            except OSError:
                continue
            for env_dir in envs:
                key = normalize(env_dir.name)
                if key not in wanted or key in hits:
                    continue
                version = _dist_info_version(env_dir, key)
                if version is _MISSING:
                    continue  # a folder named like the package but without it installed
                hits[key] = PackageHit(key, version, f"{label}: {env_dir}")
    return hits


_MISSING = object()


def _site_packages(env_dir: Path) -> list[Path]:
    out = []
    lib = env_dir / "lib"
    try:
        out += sorted(p / "site-packages" for p in lib.iterdir() if p.name.startswith(("python", "pypy")))
    except OSError:
        pass
    out.append(env_dir / "Lib" / "site-packages")  # Windows layout
    return [p for p in out if p.is_dir()]


def _dist_info_version(env_dir: Path, key: str):
    """The version of package ``key`` in this environment, None if unreadable, _MISSING if absent."""
    for site in _site_packages(env_dir):
        try:
            entries = list(site.iterdir())
        except OSError:
            continue
        for d in entries:
            if not d.name.endswith(".dist-info"):
                continue
            stem = d.name[: -len(".dist-info")]
            if normalize(stem.split("-", 1)[0]) != key and not normalize(stem).startswith(key + "-"):
                continue
            name, version = read_metadata(d / "METADATA")
            if name is not None and normalize(name) != key:
                continue
            if version is None and "-" in stem:
                version = stem.rsplit("-", 1)[1]
            return version
    return _MISSING


def read_metadata(path: Path) -> tuple[Optional[str], Optional[str]]:
    """``Name`` and ``Version`` from a METADATA file's header (stops at the first blank line)."""
    name = version = None
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for i, line in enumerate(fh):
                if not line.strip() or i > 200:
                    break
                key, sep, value = line.partition(":")
                if not sep:
                    continue
                key = key.strip().lower()
                if key == "name" and name is None:
                    name = value.strip()
                elif key == "version" and version is None:
                    version = value.strip()
                if name and version:
                    break
    except OSError:
        pass
    return name, version


def _dedupe(paths: list[Path]) -> list[Path]:
    seen, out = set(), []
    for p in paths:
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out
