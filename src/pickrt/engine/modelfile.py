"""Size a model from its files without loading weights: a .gguf header or an HF folder."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any, Optional

from pickrt.catalog.models import ModelSpec
from pickrt.engine.workload import ModelRef
from pickrt.errors import InputError

GIB = 1024**3

# llama.cpp's LLAMA_FTYPE values -> quant ids of knowledge/hardware/quants.yaml
_FTYPE = {0: "gguf-f32", 1: "f16", 2: "q4_0", 3: "q4_1", 7: "q8_0", 8: "q5_0", 9: "q5_1", 10: "q2_k", 11: "q3_k_s",
          12: "q3_k_m", 13: "q3_k_l", 14: "q4_k_s", 15: "q4_k_m", 16: "q5_k_s", 17: "q5_k_m", 18: "q6_k",
          19: "iq2_xxs", 20: "iq2_xs", 21: "q2_k_s", 22: "iq3_xs", 23: "iq3_xxs", 24: "iq1_s", 25: "iq4_nl",
          26: "iq3_s", 27: "iq3_m", 28: "iq2_s", 29: "iq2_m", 30: "iq4_xs", 31: "iq1_m", 32: "gguf-bf16", 38: "mxfp4_moe"}


def read_gguf(path: Path) -> ModelRef:
    try:
        from gguf import GGUFReader
    except ImportError:  # pragma: no cover - gguf is a dependency
        raise InputError("--model: reading .gguf files needs the 'gguf' package (pip install gguf)") from None
    try:
        reader = GGUFReader(str(path), "r")
    except Exception as e:
        raise InputError(f"--model: {path}: not a readable GGUF file ({e.__class__.__name__}: {e})") from None

    def field(key: str) -> Any:
        f = reader.fields.get(key)
        if f is None or not f.data:
            return None
        try:
            v = f.parts[f.data[0]]
            if f.types and f.types[0].name == "STRING":
                return bytes(v).decode("utf-8", "replace")
            return v.tolist()[0] if hasattr(v, "tolist") else v
        except Exception:
            return None

    arch = field("general.architecture") or "llama"
    layers = field(f"{arch}.block_count")
    heads = field(f"{arch}.attention.head_count")
    kv_heads = field(f"{arch}.attention.head_count_kv") or heads
    emb = field(f"{arch}.embedding_length")
    key_len = field(f"{arch}.attention.key_length")
    window = field(f"{arch}.attention.sliding_window")
    ctx = field(f"{arch}.context_length")
    kv_lora = field(f"{arch}.attention.kv_lora_rank")
    rope_dim = field(f"{arch}.rope.dimension_count")
    ftype = field("general.file_type")
    name = field("general.name") or path.stem
    if not layers or not heads:
        raise InputError(f"--model: {path}: the GGUF header lacks {arch}.block_count / attention.head_count")
    head_dim = key_len or (emb // heads if emb else 128)
    n_params = sum(int(t.n_elements) for t in reader.tensors)
    size_gb = path.stat().st_size / GIB
    sliding_layers = None
    if window:
        sliding_layers = layers // 2 if arch.startswith("gpt-oss") or arch == "gptoss" else (layers - layers // 6 if arch.startswith("gemma3") else layers // 2)
    spec = ModelSpec(
        id=path.name, params_b=n_params / 1e9, active_params_b=None, layers=int(layers),
        hidden_size=emb, attention_heads=int(heads), kv_heads=int(kv_heads if not isinstance(kv_heads, list) else max(kv_heads)),
        head_dim=int(head_dim), kv_lora_rank=kv_lora, qk_rope_head_dim=rope_dim if kv_lora else None,
        sliding_window=window, sliding_layers=sliding_layers, max_context=ctx, note=f"read from the GGUF header ({arch})",
    )
    quant = _FTYPE.get(int(ftype)) if ftype is not None else None
    return ModelRef(spec=spec, label=str(name), file_gb=size_gb, file_quant=quant,
                    note=f"{path.name}: {arch}, {layers} layers, {kv_heads} KV heads x {head_dim}, file {size_gb:.2f} GiB")


def read_hf_dir(catalog, path: Path) -> ModelRef:
    try:
        cfg = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise InputError(f"--model: {path / 'config.json'}: not valid JSON ({e})") from None
    text = cfg.get("text_config") or cfg
    g = lambda k, d=None: text.get(k, cfg.get(k, d))  # noqa: E731
    layers, heads = g("num_hidden_layers"), g("num_attention_heads")
    if not layers or not heads:
        raise InputError(f"--model: {path / 'config.json'} lacks num_hidden_layers / num_attention_heads")
    hidden = g("hidden_size")
    head_dim = g("head_dim") or (hidden // heads if hidden else 128)
    kv_heads = g("num_key_value_heads") or heads
    window = g("sliding_window")
    layer_types = g("layer_types")
    sliding_layers = None
    if window and isinstance(layer_types, list):
        sliding_layers = sum(1 for t in layer_types if "sliding" in str(t))
    elif window and g("sliding_window_pattern"):
        sliding_layers = layers - layers // int(g("sliding_window_pattern"))
    elif window and not g("use_sliding_window", True):
        window = None
    total_bytes, n_params, dtype = _safetensors_size(path)
    if not n_params:
        vocab = g("vocab_size") or 32000
        inter = g("intermediate_size") or 4 * (hidden or 4096)
        n_params = layers * (4 * hidden * hidden + 3 * hidden * inter) + 2 * vocab * hidden if hidden else 0
    spec = ModelSpec(
        id=path.name, params_b=n_params / 1e9, layers=int(layers), hidden_size=hidden,
        attention_heads=int(heads), kv_heads=int(kv_heads), head_dim=int(head_dim),
        kv_lora_rank=g("kv_lora_rank"), qk_rope_head_dim=g("qk_rope_head_dim"),
        sliding_window=window if sliding_layers else None, sliding_layers=sliding_layers,
        max_context=g("max_position_embeddings"), note="read from config.json",
    )
    q = cfg.get("quantization_config") or {}
    qm = str(q.get("quant_method", "")).lower()
    fq = {"awq": "awq", "gptq": "gptq", "fp8": "fp8", "mxfp4": "mxfp4", "compressed-tensors": None, "modelopt": "nvfp4"}.get(qm)
    if not fq and not q and dtype in ("BF16", "F16"):
        fq = "bf16"
    return ModelRef(spec=spec, label=path.name, file_gb=total_bytes / GIB if total_bytes else None,
                    file_quant=fq, note=f"{path.name}: {layers} layers, {kv_heads} KV heads x {head_dim}"
                    + (f", safetensors {total_bytes / GIB:.2f} GiB" if total_bytes else ""))


_DT = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "F8_E4M3": 1, "F8_E5M2": 1, "BOOL": 1}


def _safetensors_size(path: Path) -> tuple[int, int, Optional[str]]:
    """Bytes and element count from safetensors headers (the first 8 bytes + JSON), no weights read."""
    total = 0
    elements = 0
    dtypes: dict[str, int] = {}
    for f in sorted(path.glob("*.safetensors")):
        try:
            with open(f, "rb") as fh:
                n = struct.unpack("<Q", fh.read(8))[0]
                if n > 100_000_000:
                    continue
                header = json.loads(fh.read(n))
        except (OSError, ValueError, struct.error):
            continue
        for k, t in header.items():
            if k == "__metadata__" or not isinstance(t, dict):
                continue
            off = t.get("data_offsets") or [0, 0]
            total += off[1] - off[0]
            cnt = 1
            for d in t.get("shape") or []:
                cnt *= d
            dt = t.get("dtype", "")
            dtypes[dt] = dtypes.get(dt, 0) + cnt
            # packed int4 (U8/I32 storage) counts 2 or 8 weights per element
            elements += cnt * (2 if dt == "U8" else 8 if dt == "I32" else 1)
    dtype = max(dtypes, key=dtypes.get) if dtypes else None
    return total, elements, dtype


__all__ = ["read_gguf", "read_hf_dir"]
