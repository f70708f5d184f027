"""The workload: what the user wants to run, validated; and the model it names."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from pickrt.catalog import Catalog
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pickrt.catalog.models import QuantSpec
from pickrt.engine.model_ref import ModelRef
from pickrt.errors import InputError

TRAFFIC = ("chat", "diverse", "shared-prefix", "structured", "agent-loop", "batch")
GOALS = ("easy", "throughput", "latency")
NEEDS = ("gui", "single-file", "openai-api", "multimodal", "hf-hub", "kubernetes", "chat-ui", "rag")
FORMATS = ("any", "gguf", "exl2", "exl3", "awq", "gptq", "fp8", "nvfp4", "mxfp4", "mlx", "bf16")


@dataclass
class Workload:
    traffic: str = "chat"
    users: int = 1
    quant: str = "any"
    quant_format: Optional[str] = None  # None = any
    quant_spec: Optional[QuantSpec] = None  # a precise type
    model: Optional[ModelRef] = None
    model_arg: Optional[str] = None
    context: int = 8192
    goal: str = "easy"
    needs: list[str] = field(default_factory=list)
    runtime: Optional[str] = None

    @property
    def multi_user(self) -> bool:
        return self.users > 1 or self.traffic in ("diverse", "batch")


def build_workload(
    catalog: Catalog,
    *,
    traffic: str = "chat",
    users: int = 1,
    quant: str = "any",
    model: Optional[str] = None,
    context: int = 8192,
    goal: Optional[str] = None,
    needs: Optional[list[str]] = None,
    runtime: Optional[str] = None,
) -> Workload:
    if traffic not in TRAFFIC:
        raise InputError(f"--traffic: {traffic!r} is not one of {', '.join(TRAFFIC)}")
    if users < 1:
        raise InputError(f"--users must be a positive count of concurrent users, not {users}")
    if context < 256 or context > 10_000_000:
        raise InputError(f"--context must be a token count between 256 and 10000000, not {context}")
    if goal is None:
        goal = "easy" if users == 1 and traffic not in ("diverse", "batch") else "throughput"
    if goal not in GOALS:
        raise InputError(f"--goal: {goal!r} is not one of {', '.join(GOALS)}")
    needs = list(dict.fromkeys(needs or []))
    for n in needs:
        if n not in NEEDS:
            raise InputError(f"--need: {n!r} is not one of {', '.join(NEEDS)}")
    if runtime is not None:
        rt = catalog.find_runtime(runtime)  # 'Ollama', 'llama.cpp', 'LMStudio' name runtimes too
        if rt is None:
            raise InputError(catalog.unknown_runtime(runtime))
        runtime = rt.slug
    wl = Workload(traffic=traffic, users=users, context=context, goal=goal, needs=needs, runtime=runtime)
    q = quant.strip().lower()
    if q in FORMATS:
        wl.quant = q
        wl.quant_format = None if q == "any" else q
    else:
        spec = catalog.find_quant(q)
        if spec is None:
            raise InputError(
                f"--quant: {quant!r} is not a format ({', '.join(FORMATS)}) nor a known type "
                "(q4_0, q4_k_m, q5_k_m, q6_k, q8_0, f16, iq4_xs, exl2:4.65, exl3:4.0, mlx-4bit, mlx-8bit, ...)"
            )
        wl.quant, wl.quant_format, wl.quant_spec = spec.id, spec.format, spec
    if model:
        wl.model_arg = model
        wl.model = resolve_model(catalog, model)
        if wl.model.file_quant and wl.quant_format is None:
            # A file is in the format it is in.
            fq = catalog.find_quant(wl.model.file_quant)
            if fq:
                wl.quant, wl.quant_format, wl.quant_spec = fq.id, fq.format, fq
    return wl


_SIZE = re.compile(r"^(\d+(?:\.\d+)?)\s*b$", re.I)


def resolve_model(catalog: Catalog, arg: str) -> ModelRef:
    """A path on disk, then a model the user already has (by the name its tool uses, sized from its
    files), then the catalog, then a size."""
    p = Path(arg).expanduser()
    if p.suffix.lower() == ".gguf" and p.is_file():
        return _from_gguf(p)
    if p.is_dir() and (p / "config.json").is_file():
        return _from_hf_dir(catalog, p)
    if p.suffix.lower() == ".gguf" and p.is_dir():
        raise InputError(f"--model: {arg!r} is a folder, not a .gguf file")
    local = _from_local(catalog, arg)
    if local is not None:
        return local
    spec = catalog.find_model(arg)
    if spec:
        return ModelRef(spec=spec, label=spec.id)
    m = _SIZE.match(arg.strip())
    if m:
        return _from_size(catalog, float(m.group(1)))
    if p.suffix.lower() == ".gguf" or "/" in arg and not p.exists() and arg.count("/") != 1:
        raise InputError(f"--model: {arg!r}: no such file")
    close = catalog.similar_models(arg)
    hint = f"did you mean {', '.join(close)}? " if close else ""
    raise InputError(
        f"--model: {arg!r} is not a known model, a local one (Hugging Face cache, Ollama, LM Studio), a size like "
        f"8b or 70b, a .gguf file nor a Hugging Face model folder with config.json; {hint}"
        "`pickrt knowledge models` lists the names"
    )


def _from_local(catalog: Catalog, arg: str) -> Optional[ModelRef]:
    """A model in the Hugging Face cache, the Ollama store or LM Studio's folder (probes/local_models)."""
    if _SIZE.match(arg.strip()) or not arg.strip():
        return None
    from pickrt.probes.local_models import find_local

    hit = find_local(arg)
    if hit is None or (hit.tool == "huggingface" and not hit.complete):
        return None  # a snapshot without weights sizes nothing: the catalog does better
    ref = _from_gguf(hit.path) if hit.path.suffix == ".gguf" or hit.tool == "ollama" else _from_hf_dir(catalog, hit.path)
    known = catalog.find_model(hit.name)
    update = {"id": hit.name}
    if known is not None:  # what a header does not say: modalities, active params, checkpoints
        update.update(modalities=known.modalities, multimodal=known.multimodal, active_params_b=known.active_params_b,
                      hf_repo=known.hf_repo, checkpoints=known.checkpoints, ollama_tag=known.ollama_tag,
                      gguf_repo=known.gguf_repo, mlx_repo=known.mlx_repo, max_context=ref.spec.max_context or known.max_context)
    ref.spec = ref.spec.model_copy(update=update)
    ref.label = hit.name
    ref.note = f"{hit.tool} ({hit.path}): " + ref.note
    return ref


def _from_size(catalog: Catalog, params_b: float) -> ModelRef:
    if not 0.1 <= params_b <= 5000:
        raise InputError(f"--model: a size must be between 0.1b and 5000b, not {params_b:g}b")
    dense = [m for m in catalog.models if (m.active_params_b or m.params_b) == m.params_b and not m.kv_lora_rank and not m.sliding_window and not m.layout]
    ref = min(dense, key=lambda m: abs(m.params_b - params_b) / m.params_b)
    spec = ref.model_copy(update={"id": f"{params_b:g}b", "aliases": [], "params_b": params_b, "active_params_b": params_b,
                                  "hf_repo": None, "ollama_tag": None, "gguf_repo": None, "mlx_repo": None,
                                  "note": f"a dense {params_b:g}B model; KV cache shaped like {ref.id}"})
    return ModelRef(spec=spec, label=f"{params_b:g}b", exact=False,
                    note=f"sized as a dense {params_b:g}B model with {ref.id}'s attention shape (name a model for exact KV cache)")


def _from_gguf(path: Path) -> ModelRef:
    """Read a .gguf header (architecture, layers, KV heads, head dim, window) without the weights."""
    from pickrt.engine.modelfile import read_gguf

    return read_gguf(path)


def _from_hf_dir(catalog: Catalog, path: Path) -> ModelRef:
    from pickrt.engine.modelfile import read_hf_dir

    return read_hf_dir(catalog, path)


__all__ = ["FORMATS", "GOALS", "ModelRef", "NEEDS", "TRAFFIC", "Workload", "build_workload", "resolve_model"]
