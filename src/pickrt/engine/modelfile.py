"""Size a model from its files without loading weights: a .gguf header or an HF folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from pickrt.catalog.models import ModelSpec
from pickrt.engine.kvcache import layout_from_config, layout_from_gguf, layout_to_data
from pickrt.engine.model_ref import ModelRef
from pickrt.errors import InputError

GIB = 1024**3

# llama.cpp's LLAMA_FTYPE values -> quant ids of knowledge/hardware/quants.yaml
_FTYPE = {0: "gguf-f32", 1: "f16", 2: "q4_0", 3: "q4_1", 7: "q8_0", 8: "q5_0", 9: "q5_1", 10: "q2_k", 11: "q3_k_s",
          12: "q3_k_m", 13: "q3_k_l", 14: "q4_k_s", 15: "q4_k_m", 16: "q5_k_s", 17: "q5_k_m", 18: "q6_k",
          19: "iq2_xxs", 20: "iq2_xs", 21: "q2_k_s", 22: "iq3_xs", 23: "iq3_xxs", 24: "iq1_s", 25: "iq4_nl",
          26: "iq3_s", 27: "iq3_m", 28: "iq2_s", 29: "iq2_m", 30: "iq4_xs", 31: "iq1_m", 32: "gguf-bf16", 38: "mxfp4_moe"}


def read_gguf(path: Path) -> ModelRef:
    from pickrt.probes.files import FileRejected, reason
    from pickrt.probes.model_headers import HeaderError, read_gguf_header

    try:
        header = read_gguf_header(path)
    except (HeaderError, FileRejected, OSError) as e:
        raise InputError(f"--model: {path}: not a readable GGUF file: {reason(e)}") from None
    kv = header["kv"]

    def field(key: str, kind: str = "int") -> Any:
        v = kv.get(key)
        return _checked(path, key, v, kind)

    arch = field("general.architecture", "str") or "llama"
    layers = field(f"{arch}.block_count")
    heads = field(f"{arch}.attention.head_count", "int_or_list")
    kv_heads = field(f"{arch}.attention.head_count_kv", "int_or_list") or heads
    emb = field(f"{arch}.embedding_length")
    key_len = field(f"{arch}.attention.key_length")
    window = field(f"{arch}.attention.sliding_window")
    ctx = field(f"{arch}.context_length")
    kv_lora = field(f"{arch}.attention.kv_lora_rank")
    rope_dim = field(f"{arch}.rope.dimension_count")
    ftype = field("general.file_type")
    name = field("general.name", "str") or path.stem
    heads = max(heads) if isinstance(heads, list) else heads
    kv_heads = max(kv_heads) if isinstance(kv_heads, list) else kv_heads
    if not layers or not heads:
        raise InputError(f"--model: {path}: the GGUF header lacks {arch}.block_count / attention.head_count")
    head_dim = key_len or (emb // heads if emb else 128)
    if head_dim < 1:
        raise InputError(f"--model: {path}: {arch}.embedding_length {emb} is smaller than its {heads} heads")
    n_params = header["n_elements"]
    size_gb = header["file_size"] / GIB
    sliding_layers = None
    if window:
        sliding_layers = layers // 2 if arch.startswith("gpt-oss") or arch == "gptoss" else (layers - layers // 6 if arch.startswith("gemma3") else layers // 2)
    try:
        spec = ModelSpec(
            id=path.name, params_b=max(n_params / 1e9, 1e-6), active_params_b=None, layers=int(layers),
            hidden_size=emb, attention_heads=int(heads), kv_heads=int(kv_heads),
            head_dim=int(head_dim), kv_lora_rank=kv_lora, qk_rope_head_dim=rope_dim if kv_lora else None,
            sliding_window=window, sliding_layers=sliding_layers, max_context=ctx, note=f"read from the GGUF header ({arch})",
            **_layout_fields(lambda: layout_from_gguf(kv)),
        )
    except ValueError as e:  # pydantic's ValidationError
        raise InputError(f"--model: {path}: GGUF header values out of range: {_first_error(e)}") from None
    quant = _FTYPE.get(ftype) if ftype is not None else None
    return ModelRef(spec=spec, label=str(name), file_gb=size_gb, file_quant=quant,
                    note=f"{path.name}: {arch}, {layers} layers, {kv_heads} KV heads x {head_dim}, file {size_gb:.2f} GiB")


_MAX_DIM = 10**9
"""Upper bound of any layer count, head count, width or context read from a model file."""


def _first_error(e: Exception) -> str:
    errors = getattr(e, "errors", None)
    if callable(errors):
        try:
            err = errors()[0]
            return f"{'.'.join(str(x) for x in err.get('loc', ()))}: {err.get('msg')}"
        except Exception:
            pass
    return str(e).splitlines()[0]


def _checked(path: Path, key: str, v: Any, kind: str = "int") -> Any:
    """A header/config value of the expected type and range, or None when absent; else InputError."""
    if v is None:
        return None
    if kind == "str":
        if isinstance(v, str):
            return v[:200]
        raise InputError(f"--model: {path}: {key} should be a string, not {type(v).__name__}")
    if kind == "bool":
        if isinstance(v, bool):
            return v
        raise InputError(f"--model: {path}: {key} should be true or false, not {str(v)[:40]!r}")
    if kind == "int_or_list" and isinstance(v, list):
        items = [_checked(path, key, x) for x in v]
        items = [x for x in items if x]
        return items or None
    if isinstance(v, float) and v.is_integer() and abs(v) <= _MAX_DIM:
        v = int(v)
    if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= _MAX_DIM:
        shown = str(v)[:40]
        raise InputError(f"--model: {path}: {key} should be a whole number from 0 to {_MAX_DIM}, not {shown!r}")
    return v


def read_hf_dir(catalog, path: Path) -> ModelRef:
    from pickrt.probes.files import FileRejected, reason
    from pickrt.probes.model_headers import HeaderError, read_json_file

    cfg_path = path / "config.json"
    try:
        cfg = read_json_file(cfg_path)
    except (OSError, FileRejected, HeaderError) as e:
        raise InputError(f"--model: {cfg_path}: {reason(e)}") from None
    if not isinstance(cfg, dict):
        raise InputError(f"--model: {cfg_path}: a model config is a JSON object, not {type(cfg).__name__}")
    text = cfg.get("text_config")
    text = text if isinstance(text, dict) and text else cfg
    _kinds = {"use_sliding_window": "bool", "layer_types": "list", "quantization_config": "dict"}

    def g(k: str, d: Any = None) -> Any:
        v = text.get(k, cfg.get(k, d))
        kind = _kinds.get(k, "int")
        if kind == "list":
            return v if isinstance(v, list) else None
        if kind == "dict":
            return v if isinstance(v, dict) else None
        return _checked(cfg_path, k, v, kind)

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
        sliding_layers = layers - layers // g("sliding_window_pattern")
    elif window and not g("use_sliding_window", True):
        window = None
    try:
        total_bytes, n_params, dtype = _safetensors_size(path)
    except (HeaderError, OSError) as e:
        raise InputError(f"--model: {path}: {reason(e)}") from None
    if not n_params:
        vocab = g("vocab_size") or 32000
        inter = g("intermediate_size") or 4 * (hidden or 4096)
        n_params = layers * (4 * hidden * hidden + 3 * hidden * inter) + 2 * vocab * hidden if hidden else 0
    if head_dim < 1:
        raise InputError(f"--model: {cfg_path}: hidden_size {hidden} is smaller than its {heads} attention heads")
    try:
        spec = ModelSpec(
            id=path.name, params_b=max(n_params / 1e9, 1e-6), layers=int(layers), hidden_size=hidden,
            attention_heads=int(heads), kv_heads=int(kv_heads), head_dim=int(head_dim),
            kv_lora_rank=g("kv_lora_rank"), qk_rope_head_dim=g("qk_rope_head_dim"),
            sliding_window=window if sliding_layers else None, sliding_layers=sliding_layers,
            max_context=g("max_position_embeddings"), note="read from config.json",
            **_layout_fields(lambda: layout_from_config(cfg)),
        )
    except ValueError as e:  # pydantic's ValidationError
        raise InputError(f"--model: {cfg_path}: values out of range: {_first_error(e)}") from None
    q = cfg.get("quantization_config") if isinstance(cfg.get("quantization_config"), dict) else {}
    qm = str(q.get("quant_method", "")).lower()
    fq = {"awq": "awq", "gptq": "gptq", "fp8": "fp8", "mxfp4": "mxfp4", "compressed-tensors": None, "modelopt": "nvfp4"}.get(qm)
    if not fq and not q and dtype in ("BF16", "F16"):
        fq = "bf16"
    return ModelRef(spec=spec, label=path.name, file_gb=total_bytes / GIB if total_bytes else None,
                    file_quant=fq, note=f"{path.name}: {layers} layers, {kv_heads} KV heads x {head_dim}"
                    + (f", safetensors {total_bytes / GIB:.2f} GiB" if total_bytes else ""))


def _layout_fields(make) -> dict:
    """The per-layer layout (engine/kvcache.py) as ModelSpec fields; a header it cannot read is a note."""
    try:
        lay = make()
    except ValueError as e:
        return {"layout_notes": [f"per-layer layout not read ({e}): classic KV estimate"]}
    return {"layout": layout_to_data(lay), "layout_notes": list(lay.notes), "state_bytes": lay.state_bytes}


_DT = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "F8_E4M3": 1, "F8_E5M2": 1, "BOOL": 1}


def _safetensors_size(path: Path) -> tuple[int, int, Optional[str]]:
    """Bytes and element count from safetensors headers (the first 8 bytes + JSON), no weights read.

    Entries that are not tensor descriptions (odd types, negative or reversed offsets, shapes that
    are not lists of whole numbers) are left out of the sums.
    """
    from pickrt.probes.model_headers import read_safetensors_headers

    total = 0
    elements = 0
    dtypes: dict[str, int] = {}
    for _name, header in read_safetensors_headers(path):
        if not isinstance(header, dict):
            continue
        for k, t in header.items():
            if k == "__metadata__" or not isinstance(t, dict):
                continue
            off = t.get("data_offsets")
            shape = t.get("shape")
            dt = t.get("dtype")
            if not (isinstance(off, list) and len(off) == 2 and all(_whole(x) for x in off) and 0 <= off[0] <= off[1]):
                continue
            if not (isinstance(shape, list) and len(shape) <= 8 and all(_whole(d) for d in shape)) or not isinstance(dt, str):
                continue
            total += off[1] - off[0]
            cnt = 1
            for d in shape:
                cnt *= d
            dtypes[dt] = dtypes.get(dt, 0) + cnt
            # packed int4 (U8/I32 storage) counts 2 or 8 weights per element
            elements += cnt * (2 if dt == "U8" else 8 if dt == "I32" else 1)
    dtype = max(dtypes, key=dtypes.get) if dtypes else None  # type: ignore[arg-type]
    return min(total, 2**62), min(elements, 10**15), dtype


def _whole(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and 0 <= x <= 2**62


__all__ = ["read_gguf", "read_hf_dir"]
