"""Models already on this machine, found by the names their own tools use. Offline; reads only
directory listings, small manifest files and (elsewhere) file headers.

- Hugging Face cache (``HF_HUB_CACHE``, ``HF_HOME``/hub, ``$XDG_CACHE_HOME``/huggingface/hub,
  ``~/.cache/huggingface/hub``): ``models--{org}--{name}/snapshots/{revision}/``, the revision named
  by ``refs/main``. The layout is the one huggingface_hub documents ("Manage the cache"); it is read
  directly so a lookup by repo id is two path joins and pickrt needs no extra dependency.
- Ollama (``OLLAMA_MODELS`` or ``~/.ollama/models``): ``manifests/{registry}/{namespace}/{model}/{tag}``
  is a JSON manifest whose ``application/vnd.ollama.image.model`` layer names the GGUF blob
  ``blobs/sha256-{hex}``.
- LM Studio (``~/.lmstudio/models``, older ``~/.cache/lm-studio/models``): ``{publisher}/{repo}/{file}.gguf``.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

MAX_MANIFEST_BYTES = 1 << 20
MAX_ENTRIES = 5000  # bound on directory entries looked at per store
OLLAMA_MODEL_LAYER = "application/vnd.ollama.image.model"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


@dataclass
class LocalModel:
    tool: str  # "huggingface" | "ollama" | "lm-studio"
    name: str  # the name the tool uses: repo id, tag, file name
    path: Path  # HF snapshot folder or GGUF file
    size_bytes: Optional[int] = None
    complete: bool = True  # HF: weights present in the snapshot


def _home() -> Path:
    return Path(os.environ.get("HOME") or Path.home())


def _dedupe(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p not in out:
            out.append(p)
    return out


def hf_cache_dirs() -> list[Path]:
    env = os.environ
    dirs = []
    if env.get("HF_HUB_CACHE"):
        dirs.append(Path(env["HF_HUB_CACHE"]).expanduser())
    if env.get("HF_HOME"):
        dirs.append(Path(env["HF_HOME"]).expanduser() / "hub")
    if env.get("XDG_CACHE_HOME") and not env.get("HF_HOME"):
        dirs.append(Path(env["XDG_CACHE_HOME"]).expanduser() / "huggingface" / "hub")
    if not env.get("HF_HUB_CACHE") and not env.get("HF_HOME"):
        dirs.append(_home() / ".cache" / "huggingface" / "hub")
    return _dedupe(dirs)


def ollama_dir() -> Path:
    env = os.environ.get("OLLAMA_MODELS")
    return Path(env).expanduser() if env else _home() / ".ollama" / "models"


def lmstudio_dirs() -> list[Path]:
    return [_home() / ".lmstudio" / "models", _home() / ".cache" / "lm-studio" / "models"]


def _listdir(d: Path) -> list[Path]:
    try:
        out = []
        with os.scandir(d) as it:
            for i, e in enumerate(it):
                if i >= MAX_ENTRIES:
                    break
                out.append(Path(e.path))
        return out
    except OSError:
        return []


def _read_small(p: Path, limit: int = MAX_MANIFEST_BYTES) -> Optional[str]:
    try:
        with open(p, "rb") as f:
            data = f.read(limit + 1)
    except OSError:
        return None
    if len(data) > limit:
        return None
    return data.decode("utf-8", "replace")


# ---- Hugging Face cache --------------------------------------------------------------------


def _snapshot(repo_dir: Path) -> Optional[Path]:
    ref = _read_small(repo_dir / "refs" / "main", 200)
    snaps = repo_dir / "snapshots"
    if ref and _NAME.match(ref.strip()):
        p = snaps / ref.strip()
        if p.is_dir():
            return p
    cands = [p for p in _listdir(snaps) if p.is_dir()]
    if not cands:
        return None
    return max(cands, key=lambda p: p.stat().st_mtime)


def _hf_size(snap: Path) -> tuple[int, bool]:
    total, weights = 0, False
    for f in _listdir(snap):
        if f.suffix in (".safetensors", ".gguf", ".bin"):
            try:
                total += f.stat().st_size
                weights = True
            except OSError:  # a symlink to a blob that is not there (partial download)
                pass
    return total, weights


def find_hf(repo_id: str) -> Optional[LocalModel]:
    """A cached snapshot of ``org/name`` (case-insensitive) that has a config.json."""
    parts = repo_id.strip().strip("/").split("/")
    if len(parts) != 2 or not all(_NAME.match(p) for p in parts):
        return None
    want = f"models--{parts[0]}--{parts[1]}"
    for cache in hf_cache_dirs():
        d = cache / want
        if not d.is_dir():
            d = next((p for p in _listdir(cache) if p.name.lower() == want.lower() and p.is_dir()), None)
        if d is None:
            continue
        snap = _snapshot(d)
        if snap is not None and (snap / "config.json").is_file():
            size, weights = _hf_size(snap)
            return LocalModel("huggingface", "/".join(d.name[len("models--"):].split("--", 1)), snap, size or None, weights)
    return None


def _hf_all() -> Iterator[LocalModel]:
    for cache in hf_cache_dirs():
        for d in _listdir(cache):
            if d.name.startswith("models--") and d.name.count("--") >= 2:
                m = find_hf("/".join(d.name[len("models--"):].split("--", 1)))
                if m is not None:
                    yield m


# ---- Ollama --------------------------------------------------------------------------------


def _ollama_parts(name: str) -> Optional[tuple[str, str, str, str]]:
    """(registry, namespace, model, tag) of ``[registry/][namespace/]model[:tag]``."""
    s = re.sub(r"^https?://", "", name.strip())
    model, _, tag = s.partition(":")
    tag = tag or "latest"
    segs = model.split("/")
    if len(segs) == 1:
        segs = ["registry.ollama.ai", "library", segs[0]]
    elif len(segs) == 2:
        segs = ["registry.ollama.ai", *segs]
    if len(segs) != 3 or not all(_NAME.match(x) for x in (*segs, tag)):
        return None
    return segs[0], segs[1], segs[2], tag


def _ollama_blob(manifest: Path) -> Optional[Path]:
    raw = _read_small(manifest)
    if raw is None:
        return None
    try:
        doc = json.loads(raw)
    except ValueError:
        return None
    for layer in doc.get("layers") or []:
        if isinstance(layer, dict) and layer.get("mediaType") == OLLAMA_MODEL_LAYER:
            digest = str(layer.get("digest", ""))
            if re.fullmatch(r"sha256:[0-9a-f]{64}", digest):
                blob = manifest.parents[4] / "blobs" / digest.replace(":", "-")
                return blob if blob.is_file() else None
    return None


def find_ollama(tag: str) -> Optional[LocalModel]:
    parts = _ollama_parts(tag)
    if parts is None:
        return None
    root = ollama_dir() / "manifests"
    man = root.joinpath(*parts)
    if not man.is_file():
        # tags are case-insensitive in Ollama: look once, bounded
        d = root.joinpath(*parts[:3])
        man = next((p for p in _listdir(d) if p.name.lower() == parts[3].lower()), man)
    if not man.is_file():
        return None
    blob = _ollama_blob(man)
    if blob is None:
        return None
    return LocalModel("ollama", _ollama_name(*parts), blob, blob.stat().st_size)


def _ollama_name(registry: str, ns: str, model: str, tag: str) -> str:
    if registry == "registry.ollama.ai":
        return f"{model}:{tag}" if ns == "library" else f"{ns}/{model}:{tag}"
    return f"{registry}/{ns}/{model}:{tag}"


def _ollama_all() -> Iterator[LocalModel]:
    root = ollama_dir() / "manifests"
    for reg in _listdir(root):
        for ns in _listdir(reg):
            for model in _listdir(ns):
                for tag in _listdir(model):
                    m = find_ollama(_ollama_name(reg.name, ns.name, model.name, tag.name))
                    if m is not None:
                        yield m


# ---- LM Studio -----------------------------------------------------------------------------


def _lms_files() -> Iterator[Path]:
    for root in lmstudio_dirs():
        for pub in _listdir(root):
            for repo in _listdir(pub):
                for f in _listdir(repo):
                    if f.suffix.lower() == ".gguf" and f.is_file():
                        yield f


def find_lmstudio(name: str) -> Optional[LocalModel]:
    """A GGUF in LM Studio's models folder by file name, or by publisher/repo/file."""
    key = name.strip().lower()
    for f in _lms_files():
        rel = "/".join(f.parts[-3:]).lower()
        if f.name.lower() == key or rel == key or rel.endswith("/" + key):
            return LocalModel("lm-studio", f.name, f, f.stat().st_size)
    return None


# ---- all -----------------------------------------------------------------------------------


def find_local(name: str) -> Optional[LocalModel]:
    """The local model a name means: an LM Studio .gguf file name, an HF repo id, an Ollama tag."""
    s = name.strip()
    if s.lower().endswith(".gguf"):
        return find_lmstudio(s)
    if s.count("/") == 1 and ":" not in s:
        hit = find_hf(s)
        if hit is not None:
            return hit
    return find_ollama(s)


def list_local(limit: int = 1000) -> list[LocalModel]:
    out: list[LocalModel] = []
    for gen in (_hf_all(), _ollama_all(), (LocalModel("lm-studio", f.name, f, f.stat().st_size) for f in _lms_files())):
        for m in gen:
            out.append(m)
            if len(out) >= limit:
                return out
    return out


__all__ = ["LocalModel", "find_hf", "find_lmstudio", "find_local", "find_ollama", "hf_cache_dirs", "list_local",
           "lmstudio_dirs", "ollama_dir"]
