"""Parse ``uname -sm`` (or ``os.uname()`` rendered the same way) into (os, arch).

Pure: text in, facts out; unknown is ``None``.
"""

from __future__ import annotations

from typing import Optional

_OS = {
    "linux": "linux",
    "darwin": "macos",
    "macos": "macos",
    "windows": "windows",
    "windows_nt": "windows",
}

_ARCH = {
    "x86_64": "x86_64",
    "amd64": "x86_64",
    "x64": "x86_64",
    "em64t": "x86_64",
    "aarch64": "arm64",
    "arm64": "arm64",
    "armv8l": "arm64",
    "aarch64_be": "arm64",
    "i386": "x86",
    "i486": "x86",
    "i586": "x86",
    "i686": "x86",
    "x86": "x86",
    "riscv64": "riscv64",
    "ppc64le": "ppc64le",
    "ppc64": "ppc64",
    "s390x": "s390x",
}


def normalize_os(word: Optional[str]) -> Optional[str]:
    """'Linux' -> 'linux', 'Darwin' -> 'macos', 'MINGW64_NT-10.0' -> 'windows'; else None."""
    if not word:
        return None
    w = word.strip().lower()
    if w in _OS:
        return _OS[w]
    if w.startswith(("mingw", "msys", "cygwin", "windows")):
        return "windows"
    return None


def normalize_arch(word: Optional[str]) -> Optional[str]:
    """'amd64' -> 'x86_64', 'aarch64' -> 'arm64', 'armv7l' -> 'arm'; unknown words kept lower-case."""
    if not word:
        return None
    w = word.strip().lower()
    if not w or not all(c.isalnum() or c in "_-." for c in w):
        return None
    if w in _ARCH:
        return _ARCH[w]
    if w.startswith("armv") or w == "arm":
        return "arm"
    return w


def parse(text: str) -> tuple[Optional[str], Optional[str]]:
    """``uname -sm`` output -> (os, arch), e.g. ("linux", "x86_64"), ("macos", "arm64")."""
    try:
        for line in (text or "").splitlines():
            words = line.split()
            if not words:
                continue
            os_name = normalize_os(words[0])
            arch = normalize_arch(words[-1]) if len(words) >= 2 else None
            if os_name is None and len(words) == 1:
                # `uname -m` alone
                arch = normalize_arch(words[0]) if words[0].lower() in _ARCH else None
            return os_name, arch
    except Exception:  # pragma: no cover - defensive: a parser never raises
        pass
    return None, None


__all__ = ["parse", "normalize_os", "normalize_arch"]
