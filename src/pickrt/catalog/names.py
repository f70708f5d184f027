"""Everyday model names -> catalog models: ids, aliases, Hugging Face repo ids, Ollama tags,
GGUF / LM Studio file names and case or punctuation variants. Pure (no I/O).

Names are compared in a normal form (lower case, only letters, digits and dots), so
``Qwen/Qwen3-8B``, ``qwen3 8b``, ``QWEN3_8B`` and ``qwen3:8b`` meet. Ids and aliases are indexed
before repository names, so a name the catalog gives a model explicitly always wins.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Optional

# A quant / shard suffix of a GGUF or MLX file or repo name: -Q4_K_M, .Q4_0, -UD-Q4_K_XL, -IQ4_XS,
# -f16, -bf16, -MXFP4, -4bit, -00001-of-00003, -GGUF.
_SUFFIX = re.compile(
    r"([-._](ud[-_])?(i?q\d[a-z0-9_]*|f16|bf16|f32|fp16|fp8|mxfp4(_moe)?|nvfp4|\d+bit|awq|gptq(-int\d)?|int[48]|gguf|mlx)"
    r"|[-.]\d{5}-of-\d{5})$",
    re.I,
)
_OLLAMA_PREFIX = re.compile(r"^(https?://)?(registry\.ollama\.ai/)?(library/)?", re.I)
_HF_PREFIX = re.compile(r"^(https?://)?(huggingface\.co/|hf\.co/)", re.I)


def norm(name: str) -> str:
    return "".join(c for c in name.lower() if c.isalnum() or c == ".").strip(".")


def strip_suffixes(stem: str) -> str:
    """``Qwen3-8B-Q4_K_M`` -> ``Qwen3-8B``; repeated (``-UD-Q4_K_XL-00001-of-00002``)."""
    prev = None
    while prev != stem:
        prev = stem
        stem = _SUFFIX.sub("", stem)
    return stem


def _names(m: Any) -> tuple[list[str], list[str]]:
    """(explicit names, derived names) of a catalog model."""
    explicit = [m.id, *(m.aliases or [])]
    derived: list[str] = []
    repos = [m.hf_repo] if m.hf_repo else []
    for c in (getattr(m, "checkpoints", None) or {}).values():
        if c.repo:
            repos.append(c.repo.replace("{bits}", "4"))
        if c.tag:
            explicit.append(c.tag)
        if c.file:
            derived.append(strip_suffixes(c.file.replace("{QUANT}", "Q4_K_M").removesuffix(".gguf")))
    for r in (m.gguf_repo, m.mlx_repo):
        if r:
            repos.append(r)
    for r in repos:
        derived.append(r)
        name = r.split("/")[-1]
        derived.append(name)
        derived.append(strip_suffixes(name))
    return explicit, derived


def build_index(models: Iterable[Any]) -> dict[str, Any]:
    models = list(models)
    idx: dict[str, Any] = {}
    for m in models:
        for n in _names(m)[0]:
            idx.setdefault(norm(n), m)
    for m in models:
        for n in _names(m)[1]:
            k = norm(n)
            if k:
                idx.setdefault(k, m)
    return idx


def candidates(name: str) -> list[str]:
    """Normal forms to try for a name as typed, most specific first."""
    s = name.strip()
    out = [s]
    s2 = _HF_PREFIX.sub("", s)
    s2 = _OLLAMA_PREFIX.sub("", s2)
    out.append(s2)
    base = s2.rsplit("/", 1)[-1]
    if base.lower().endswith(".gguf"):
        base = base[:-5]
    out.append(base)
    if ":" in s2:
        repo, _, tag = s2.partition(":")
        out.append(s2.removesuffix(":latest"))
        # hf.co/unsloth/Qwen3-8B-GGUF:Q4_K_M -> the repo; qwen3:8b-q4_K_M -> qwen3:8b
        if "/" in repo:
            out.append(repo)
        if "-" in tag:
            out.append(f"{repo}:{tag.split('-')[0]}")
    out.append(strip_suffixes(base))
    if "/" in s2:
        out.append(strip_suffixes(s2))
    seen, res = set(), []
    for c in out:
        k = norm(c)
        if k and k not in seen:
            seen.add(k)
            res.append(k)
    return res


def lookup(index: dict[str, Any], name: str) -> Optional[Any]:
    for k in candidates(name):
        if k in index:
            return index[k]
    return None


def did_you_mean(models: Iterable[Any], name: str, n: int = 3) -> list[str]:
    """Closest catalog names (ids or the Ollama tag people type), best first."""
    import difflib

    shown: dict[str, str] = {}
    for m in models:
        for s in [m.id, *(m.aliases or []), *([m.hf_repo] if m.hf_repo else [])]:
            shown.setdefault(norm(s), s if (":" in s or "/" in s or s == m.id) else m.id)
    keys = list(shown)
    out: list[str] = []
    for c in candidates(name)[:3]:
        for k in difflib.get_close_matches(c, keys, n=n * 2, cutoff=0.6):
            if shown[k] not in out:
                out.append(shown[k])
    return out[:n]


__all__ = ["build_index", "candidates", "did_you_mean", "lookup", "norm", "strip_suffixes"]
