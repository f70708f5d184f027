"""Spellings as people write them: one normal form, and "did you mean" for near misses.

Pure functions over strings, used by the catalog's lookups (runtimes, GPUs, Apple chips) and by
the command line's enumerated options, so the CLI and the wizard forgive the same spellings.
"""

from __future__ import annotations

import re
from typing import Iterable, Optional

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_PAREN = re.compile(r"\(([^)]*)\)")
_VENDOR = re.compile(r"^(nvidia|amd|intel|apple|hugging ?face)\s+", re.I)


def norm(name: str) -> str:
    """Lower case, punctuation and spaces dropped: 'llama.cpp', 'Llama-CPP', 'llamacpp' -> 'llamacpp'."""
    return _NON_ALNUM.sub("", (name or "").lower())


def name_forms(name: str) -> list[str]:
    """The spellings a display name stands for: 'llama.cpp (llama-server)' -> llama.cpp,
    llama-server, the whole; 'NVIDIA Dynamo' -> also 'Dynamo'."""
    out = [name]
    inner = _PAREN.findall(name)
    outer = _PAREN.sub(" ", name).strip()
    out.append(outer)
    out.extend(inner)
    for s in list(out):
        bare = _VENDOR.sub("", s)
        if bare != s:
            out.append(bare)
    return [s for s in dict.fromkeys(x.strip() for x in out) if s]


def closest(word: str, choices: Iterable[str], *, cutoff: float = 0.6) -> Optional[str]:
    """The choice nearest to ``word`` (compared in normal form), or None when nothing is close."""
    import difflib

    by_norm: dict[str, str] = {}
    for c in choices:
        by_norm.setdefault(norm(c), c)
    key = norm(word)
    if not key or not by_norm:
        return None
    # A choice that starts with or contains what was typed ("4090" in "rtx4090") is nearest.
    starts = [n for n in by_norm if n.startswith(key) or key.startswith(n)]
    if len(starts) == 1:
        return by_norm[starts[0]]
    hit = difflib.get_close_matches(key, list(by_norm), n=1, cutoff=cutoff)
    return by_norm[hit[0]] if hit else None


def did_you_mean(word: str, choices: Iterable[str], *, cutoff: float = 0.6) -> str:
    """' (did you mean "x"?)' or ''."""
    hit = closest(word, choices, cutoff=cutoff)
    return f' (did you mean "{hit}"?)' if hit and norm(hit) != norm(word) else ""


def pick(word: str, choices: Iterable[str]) -> Optional[str]:
    """The choice ``word`` names exactly, forgiving case and punctuation ('Shared_Prefix' -> 'shared-prefix')."""
    key = norm(word)
    for c in choices:
        if norm(c) == key:
            return c
    return None


__all__ = ["closest", "did_you_mean", "name_forms", "norm", "pick"]
