"""Per-layer memory model: KV bytes per token and the fixed per-sequence state, layer by layer.

Pure: reads a Hugging Face ``config.json`` dict, GGUF metadata (a dict of header keys) or a
catalog model, and returns a :class:`Layout` (groups of layers that keep the same kind of cache).

What each kind of layer keeps per sequence (``e`` = bytes per KV element, 2 for f16/bf16):

- ``full``: K and V for every token: ``kv_heads x (head_dim + v_head_dim) x e`` bytes per token.
- ``sliding``: the same, but for at most ``window`` tokens (sliding-window or chunked attention).
- ``mla``: one compressed latent and one shared RoPE key: ``(kv_lora_rank + rope_dim) x e``.
- ``indexer``: a DSA indexer key cache on top of MLA layers (DeepSeek-V3.2, GLM-5):
  ``index_head_dim`` fp8 bytes + a 4-byte scale per token (as vLLM pages it), whatever ``e`` is.
- ``recurrent``: linear attention (Gated DeltaNet: Qwen3-Next, Qwen3.5) or Mamba-2 (Nemotron-H):
  a fixed state per sequence, ``inner x state_size`` (the recurrent state) plus
  ``(conv_kernel - 1) x (inner + 2 x groups x state_size)`` (the convolution window), in
  ``state_bytes`` (4: llama.cpp and the configs' ``mamba_ssm_dtype`` keep it in float32).
  GDN maps as inner = value heads x value head dim, state_size = key head dim, groups = key heads.
- ``shared``: layers that reuse another layer's KV (Gemma ``num_kv_shared_layers``): nothing.
- ``none``: layers without a token mixer that caches anything (MLP/MoE-only layers of Nemotron-H).

Anything the reader does not understand is said in ``notes`` (shown in the fit detail), never
guessed silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Optional

KINDS = ("full", "sliding", "mla", "indexer", "recurrent", "shared", "none")
INDEXER_SCALE_BYTES = 4
MAX_LAYERS = 4096  # bound on any layer count read from outside


@dataclass(frozen=True)
class LayerGroup:
    kind: str
    layers: int
    kv_heads: int = 0
    head_dim: int = 0
    v_head_dim: int = 0  # 0: same as head_dim
    window: int = 0
    kv_lora_rank: int = 0
    rope_dim: int = 0
    index_head_dim: int = 0
    inner: int = 0
    state_size: int = 0
    groups: int = 0
    conv_kernel: int = 0
    note: str = ""

    def per_token_elems(self) -> int:
        """Elements one layer of this group adds per token (sliding: while within the window)."""
        if self.kind in ("full", "sliding"):
            return self.kv_heads * (self.head_dim + (self.v_head_dim or self.head_dim))
        if self.kind == "mla":
            return self.kv_lora_rank + self.rope_dim
        return 0

    def state_elems(self) -> int:
        """Fixed elements one layer of this group keeps per sequence (recurrent layers)."""
        if self.kind != "recurrent":
            return 0
        conv = max(0, self.conv_kernel - 1) * (self.inner + 2 * self.groups * self.state_size)
        return self.inner * self.state_size + conv


@dataclass(frozen=True)
class Layout:
    groups: tuple[LayerGroup, ...]
    notes: tuple[str, ...] = ()
    state_bytes: float = 4.0

    @property
    def layers(self) -> int:
        return sum(g.layers for g in self.groups if g.kind != "indexer")

    def count(self, kind: str) -> int:
        return sum(g.layers for g in self.groups if g.kind == kind)

    def per_token_bytes(self, kv_bytes_per_elem: float = 2.0) -> float:
        """Bytes every further token adds to one sequence's cache (sliding layers excluded)."""
        b = 0.0
        for g in self.groups:
            if g.kind in ("full", "mla"):
                b += g.layers * g.per_token_elems() * kv_bytes_per_elem
            elif g.kind == "indexer":
                b += g.layers * (g.index_head_dim + INDEXER_SCALE_BYTES)
        return b

    def sliding_bytes(self, context: int, kv_bytes_per_elem: float = 2.0) -> float:
        return sum(g.layers * g.per_token_elems() * kv_bytes_per_elem * min(context, g.window)
                   for g in self.groups if g.kind == "sliding")

    def fixed_bytes(self) -> float:
        """Per-sequence state that does not grow with the context (recurrent layers)."""
        return sum(g.layers * g.state_elems() for g in self.groups) * self.state_bytes

    def bytes_per_sequence(self, context: int, kv_bytes_per_elem: float = 2.0) -> float:
        return (self.per_token_bytes(kv_bytes_per_elem) * context + self.sliding_bytes(context, kv_bytes_per_elem)
                + self.fixed_bytes())

    def describe(self, kv_bytes_per_elem: float = 2.0) -> str:
        """The layout in words, with the numbers a user can check."""
        eb = f"{kv_bytes_per_elem:g} bytes"
        kinds = [g.kind for g in self.groups]
        if kinds == ["full"] and not self.groups[0].v_head_dim:  # the classic wording
            g = self.groups[0]
            return f"2 x {g.layers} layers x {g.kv_heads} KV heads x {g.head_dim} head dim x {eb}"
        if kinds == ["mla"]:
            g = self.groups[0]
            return f"MLA: {g.layers} layers x ({g.kv_lora_rank} latent + {g.rope_dim} rope) x {eb} per token"
        if sorted(kinds) == ["full", "sliding"] and len({(g.kv_heads, g.head_dim) for g in self.groups}) == 1 \
                and not any(g.v_head_dim for g in self.groups):
            f, sl = sorted(self.groups, key=lambda g: g.kind)
            return (f"{f.layers} full-attention layers + {sl.layers} sliding-window layers capped at {sl.window} tokens, "
                    f"{f.kv_heads} KV heads x {f.head_dim} head dim, f16")
        parts = []
        for g in self.groups:
            n = g.layers
            if g.kind == "full":
                v = f"+{g.v_head_dim}" if g.v_head_dim and g.v_head_dim != g.head_dim else ""
                parts.append(f"{n} full-attention layers x {g.kv_heads} KV heads x {g.head_dim}{v} head dim x "
                             f"{'' if v else '2 (K, V) x '}{eb}")
            elif g.kind == "sliding":
                parts.append(f"{n} sliding-window layers capped at {g.window} tokens, {g.kv_heads} KV heads x {g.head_dim} head dim")
            elif g.kind == "mla":
                parts.append(f"MLA: {n} layers x ({g.kv_lora_rank} latent + {g.rope_dim} rope) x {eb}")
            elif g.kind == "indexer":
                parts.append(f"indexer keys on {n} layers x ({g.index_head_dim} fp8 + {INDEXER_SCALE_BYTES} scale) bytes")
            elif g.kind == "recurrent":
                parts.append(f"{n} recurrent layers with a fixed state ({g.inner} x {g.state_size}"
                             f" + conv {g.conv_kernel - 1} x {g.inner + 2 * g.groups * g.state_size}) x {self.state_bytes:g} bytes")
            elif g.kind == "shared":
                parts.append(f"{n} layers reuse earlier layers' KV")
        return "; ".join(parts) or "no cached layers"


# ---- construction helpers ------------------------------------------------------------------


def _int(v: Any, default: int = 0) -> int:
    """A non-negative int from outside data (bools and junk are ``default``)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return default
    if v != v or v < 0 or v > 1 << 40:
        return default
    return int(v)


def _merge(groups: Iterable[LayerGroup]) -> tuple[LayerGroup, ...]:
    out: dict[tuple, LayerGroup] = {}
    for g in groups:
        if g.layers <= 0:
            continue
        key = tuple(v for k, v in g.__dict__.items() if k != "layers")
        if key in out:
            out[key] = LayerGroup(**{**g.__dict__, "layers": out[key].layers + g.layers})
        else:
            out[key] = g
    return tuple(out.values())


# ---- catalog models -------------------------------------------------------------------------


def layout_of(m: Any) -> Layout:
    """A catalog model's layout: its ``layout`` groups when given, else the classic fields
    (layers, kv_heads, head_dim, sliding_window/sliding_layers, kv_lora_rank)."""
    groups = getattr(m, "layout", None) or []
    notes = tuple(getattr(m, "layout_notes", None) or ())
    if groups:
        gs = []
        for g in groups:
            d = g if isinstance(g, Mapping) else g.__dict__
            gs.append(LayerGroup(**{k: (v if v is not None else ("" if k == "note" else 0))
                                    for k, v in d.items() if k in LayerGroup.__dataclass_fields__}))
        return Layout(_merge(gs), notes, float(getattr(m, "state_bytes", None) or 4.0))
    layers = int(m.layers)
    if m.kv_lora_rank:
        return Layout((LayerGroup("mla", layers, kv_lora_rank=int(m.kv_lora_rank), rope_dim=int(m.qk_rope_head_dim or 64)),), notes)
    sliding = min(layers, int(m.sliding_layers or 0)) if m.sliding_window else 0
    gs = [LayerGroup("full", layers - sliding, int(m.kv_heads), int(m.head_dim))]
    if sliding:
        gs.append(LayerGroup("sliding", sliding, int(m.kv_heads), int(m.head_dim), window=int(m.sliding_window)))
    return Layout(_merge(gs), notes)


def layout_to_data(lay: Layout) -> list[dict]:
    """A layout as the catalog's ``layout`` entries (non-default fields only)."""
    out = []
    for g in lay.groups:
        out.append({k: v for k, v in g.__dict__.items() if k in ("kind", "layers") or v})
    return out


# ---- Hugging Face config.json ---------------------------------------------------------------

_LAYER_TYPE = {
    "full_attention": "full", "attention": "full", "global_attention": "full", "full": "full", "global": "full",
    "sliding_attention": "sliding", "sliding_window": "sliding", "sliding": "sliding", "local": "sliding",
    "local_attention": "sliding", "chunked_attention": "sliding",
    "linear_attention": "recurrent", "linear": "recurrent", "mamba": "recurrent", "mamba2": "recurrent",
    "gated_deltanet": "recurrent",
}
# Fields that change the KV cache in ways this model does not compute (said, not guessed).
_NOT_MODELLED = {
    "compress_ratios": "per-layer KV compression (compress_ratios, DeepSeek-V4 style) is not modelled: "
                       "counted as uncompressed, an over-estimate",
    "indexer_compress_ratio": "a compressed indexer cache (indexer_compress_ratio) is not modelled",
    "kv_compress_ratio": "KV compression (kv_compress_ratio) is not modelled: counted as uncompressed",
    "mamba_expand": "Mamba-1 layers (mamba_expand / mamba_d_state) are not modelled: their state is not counted",
}


def _text(cfg: Mapping) -> Mapping:
    for k in ("text_config", "llm_config", "language_config", "thinker_config"):
        sub = cfg.get(k)
        if isinstance(sub, Mapping):
            if k == "thinker_config" and isinstance(sub.get("text_config"), Mapping):
                return sub["text_config"]
            return sub
    return cfg


def layout_from_config(cfg: Mapping) -> Layout:
    """Layout of any HF ``config.json`` (text_config nesting, layer_types, full_attention_interval,
    sliding_window(_pattern), hybrid_override_pattern, num_kv_shared_layers, MLA, DSA indexer,
    linear attention, Mamba-2). Raises ValueError when the layer count or heads are missing."""
    text = _text(cfg)

    def g(k: str, d: Any = None) -> Any:
        v = text.get(k)
        return cfg.get(k, d) if v is None else v

    notes: list[str] = []
    n = _int(g("num_hidden_layers") or g("n_layer") or g("num_layers"))
    if not n or n > MAX_LAYERS:
        raise ValueError(f"num_hidden_layers missing or out of range (1..{MAX_LAYERS})")
    heads = _int(g("num_attention_heads") or g("n_head"))
    hidden = _int(g("hidden_size") or g("d_model"))
    kvh = _int(g("num_key_value_heads"), heads) or heads
    hd = _int(g("head_dim"))
    if not hd:
        if hidden and heads:
            hd = hidden // heads
        elif not g("kv_lora_rank"):
            notes.append("head_dim and hidden_size are missing: full-attention KV not counted")
    # -- the kind of each layer
    kinds: list[str]
    lt = g("layer_types")
    pattern = g("hybrid_override_pattern")
    interval = _int(g("full_attention_interval"))
    window = _int(g("sliding_window")) or _int(g("attention_chunk_size"))
    if isinstance(lt, list) and lt:
        kinds = []
        unknown = set()
        for t in lt[:MAX_LAYERS]:
            k = _LAYER_TYPE.get(str(t).lower())
            if k is None:
                unknown.add(str(t)[:40])
                k = "full"
            kinds.append(k)
        if unknown:
            notes.append(f"unknown layer_types {sorted(unknown)} counted as full attention")
        if len(kinds) != n:
            notes.append(f"layer_types lists {len(kinds)} layers, num_hidden_layers says {n}: layer_types used")
    elif isinstance(pattern, str) and pattern:
        kinds = [{"M": "recurrent", "*": "full"}.get(c, "none") for c in pattern[:MAX_LAYERS]]
        if len(kinds) != n:
            notes.append(f"hybrid_override_pattern has {len(kinds)} layers, num_hidden_layers says {n}: the pattern used")
    elif interval and (g("linear_num_value_heads") is not None or g("linear_key_head_dim") is not None):
        kinds = ["full" if (i + 1) % interval == 0 else "recurrent" for i in range(n)]
    elif isinstance(g("no_rope_layers"), list) and g("attention_chunk_size"):
        # Llama 4: chunked local attention on RoPE layers (1), global NoPE layers (0).
        nr = g("no_rope_layers")[:MAX_LAYERS]
        kinds = ["sliding" if x else "full" for x in nr] + ["full"] * max(0, n - len(nr))
    elif window and _int(g("sliding_window_pattern")):
        p = _int(g("sliding_window_pattern"))
        kinds = ["full" if (i + 1) % p == 0 else "sliding" for i in range(n)]
    elif window and g("use_sliding_window") is not False and not _int(g("max_window_layers")):
        kinds = ["sliding"] * n
        notes.append(f"sliding_window {window} without layer_types or a pattern: every layer taken as sliding "
                     "(as Mistral-7B-v0.1)")
    else:
        kinds = ["full"] * n
    if g("use_sliding_window") is False:
        kinds = ["full" if k == "sliding" else k for k in kinds]
    if "sliding" in kinds and not window:
        notes.append("sliding layers without a sliding_window size: counted as full attention")
        kinds = ["full" if k == "sliding" else k for k in kinds]
    shared = _int(g("num_kv_shared_layers"))
    if shared:
        shared = min(shared, len(kinds))
        kinds = kinds[: len(kinds) - shared] + ["shared"] * shared
    # -- the dims of each kind
    groups: list[LayerGroup] = []
    lora = _int(g("kv_lora_rank"))
    counts = {k: kinds.count(k) for k in KINDS}
    if counts["full"] or counts["sliding"]:
        ghd = _int(g("global_head_dim")) or hd
        gkv = _int(g("num_global_key_value_heads")) or kvh
        if lora:
            rope = _int(g("qk_rope_head_dim"), 64) or 64
            groups.append(LayerGroup("mla", counts["full"], kv_lora_rank=lora, rope_dim=rope))
            if counts["sliding"]:
                notes.append("sliding layers with MLA: counted as full MLA layers")
                groups.append(LayerGroup("mla", counts["sliding"], kv_lora_rank=lora, rope_dim=rope))
            ihd = _int(g("index_head_dim"))
            if ihd:
                it = g("indexer_types")  # GLM-5.x: "full" layers keep indexer keys, "shared" reuse them
                n_idx = (sum(1 for t in it[:MAX_LAYERS] if str(t) == "full") if isinstance(it, list)
                         else counts["full"] + counts["sliding"])
                groups.append(LayerGroup("indexer", n_idx, index_head_dim=ihd))
        else:
            vhd = _int(g("v_head_dim"))
            groups.append(LayerGroup("full", counts["full"], gkv, ghd, v_head_dim=vhd if vhd and vhd != ghd else 0))
            groups.append(LayerGroup("sliding", counts["sliding"], kvh, hd, window=window))
            if g("attention_k_eq_v"):
                notes.append("attention_k_eq_v: global layers' K and V both counted (vLLM stores both)")
    if counts["recurrent"]:
        if g("linear_key_head_dim") is not None or g("linear_num_value_heads") is not None:
            vh = _int(g("linear_num_value_heads")); vd = _int(g("linear_value_head_dim"))  # noqa: E702
            kh = _int(g("linear_num_key_heads")); kd = _int(g("linear_key_head_dim"))  # noqa: E702
            conv = _int(g("linear_conv_kernel_dim"), 4)
            if not (vh and vd and kh and kd):
                notes.append("linear-attention layers lack linear_num_*_heads / linear_*_head_dim: their state is not counted")
            groups.append(LayerGroup("recurrent", counts["recurrent"], inner=vh * vd, state_size=kd, groups=kh, conv_kernel=conv))
        elif g("ssm_state_size") is not None or g("mamba_num_heads") is not None:
            mh = _int(g("mamba_num_heads") or g("mamba_n_heads"))
            md = _int(g("mamba_head_dim") or g("mamba_d_head"))
            st = _int(g("ssm_state_size") or g("mamba_d_state"))
            grp = _int(g("n_groups") or g("mamba_n_groups"), 1) or 1
            conv = _int(g("conv_kernel") or g("mamba_d_conv"), 4)
            if not (mh and md and st):
                notes.append("Mamba layers lack mamba_num_heads / mamba_head_dim / ssm_state_size: their state is not counted")
            groups.append(LayerGroup("recurrent", counts["recurrent"], inner=mh * md, state_size=st, groups=grp, conv_kernel=conv))
        else:
            notes.append(f"{counts['recurrent']} linear/recurrent layers without linear_* or ssm_* fields: their state is not counted")
    groups.append(LayerGroup("shared", counts["shared"]))
    groups.append(LayerGroup("none", counts["none"]))
    for k, why in _NOT_MODELLED.items():
        if g(k) is not None:
            notes.append(why)
    sdt = str(g("mamba_ssm_dtype") or "float32").lower()
    state_bytes = 2.0 if sdt in ("bfloat16", "float16", "bf16", "fp16") else 4.0
    return Layout(_merge(groups), tuple(notes), state_bytes)


# ---- GGUF metadata --------------------------------------------------------------------------


def _per_layer(v: Any, n: int) -> Optional[list[int]]:
    if isinstance(v, list):
        vals = [_int(x) for x in v[:n]]
        return vals + [vals[-1] if vals else 0] * (n - len(vals))
    if v is None:
        return None
    return [_int(v)] * n


# llama.cpp's fixed sliding-window patterns where the GGUF does not carry one: every Nth layer full.
_SWA_EVERY = {"gemma3": 6, "gemma2": 2, "gpt-oss": 2, "cohere2": 4, "llama4": 4}


def layout_from_gguf(meta: Mapping[str, Any]) -> Layout:
    """Layout from GGUF header keys (``general.architecture``, ``<arch>.block_count``,
    ``<arch>.attention.*``, ``<arch>.ssm.*``, ``<arch>.full_attention_interval``). Per-layer arrays
    (head_count_kv) are lists. Raises ValueError when the block count is missing."""
    arch = str(meta.get("general.architecture") or "llama")
    a = lambda k: meta.get(f"{arch}.{k}")  # noqa: E731
    notes: list[str] = []
    n = _int(a("block_count"))
    if not n or n > MAX_LAYERS:
        raise ValueError(f"{arch}.block_count missing or out of range (1..{MAX_LAYERS})")
    heads = _per_layer(a("attention.head_count"), n) or [0] * n
    kv = _per_layer(a("attention.head_count_kv"), n) or heads
    emb = _int(a("embedding_length"))
    hmax = max(heads) if heads else 0
    kl = _int(a("attention.key_length")) or (emb // hmax if emb and hmax else 0)
    vl = _int(a("attention.value_length")) or kl
    kl_swa = _int(a("attention.key_length_swa")) or kl
    vl_swa = _int(a("attention.value_length_swa")) or vl
    window = _int(a("attention.sliding_window"))
    lora = _int(a("attention.kv_lora_rank"))
    ff = _per_layer(a("feed_forward_length"), n)
    interval = _int(a("full_attention_interval"))
    ssm_inner = _int(a("ssm.inner_size"))
    kinds: list[str] = []
    for i in range(n):
        if interval and ssm_inner:
            kinds.append("full" if (i + 1) % interval == 0 else "recurrent")
        elif ssm_inner and kv[i] == 0:
            kinds.append("recurrent" if ff is None or ff[i] == 0 else "none")
        elif kv[i] == 0 and a("attention.head_count_kv") is not None and isinstance(a("attention.head_count_kv"), list):
            kinds.append("none")
        else:
            kinds.append("full")
    if window:
        pat = a("attention.sliding_window_pattern")
        if isinstance(pat, list) and pat:
            # one bool per layer: true = sliding
            swa = [bool(x) for x in pat[:n]] + [False] * max(0, n - len(pat))
        else:
            every = _int(pat) or _SWA_EVERY.get(arch)
            if every:
                swa = [(i + 1) % every != 0 for i in range(n)]
            else:
                swa = [False] * n
                notes.append(f"{arch}: a sliding_window of {window} without a layer pattern: all layers counted as full attention")
        kinds = ["sliding" if k == "full" and s else k for k, s in zip(kinds, swa)]
    shared = _int(a("attention.shared_kv_layers"))
    if shared:
        shared = min(shared, n)
        kinds = kinds[: n - shared] + ["shared"] * shared
    groups: list[LayerGroup] = []
    for i, k in enumerate(kinds):
        if k == "full" and lora:
            groups.append(LayerGroup("mla", 1, kv_lora_rank=lora, rope_dim=_int(a("rope.dimension_count"), 64) or 64))
        elif k == "full":
            groups.append(LayerGroup("full", 1, kv[i], kl, v_head_dim=vl if vl != kl else 0))
        elif k == "sliding":
            groups.append(LayerGroup("sliding", 1, kv[i], kl_swa, v_head_dim=vl_swa if vl_swa != kl_swa else 0, window=window))
        elif k == "recurrent":
            st = _int(a("ssm.state_size"))
            grp = _int(a("ssm.group_count"), 1) or 1
            conv = _int(a("ssm.conv_kernel"), 4)
            groups.append(LayerGroup("recurrent", 1, inner=ssm_inner, state_size=st, groups=grp, conv_kernel=conv))
        else:
            groups.append(LayerGroup(k, 1))
    ihd = _int(a("attention.indexer.key_length"))
    if ihd and lora:
        groups.append(LayerGroup("indexer", kinds.count("full"), index_head_dim=ihd))
    if arch.startswith("deepseek4") or a("attention.compress_ratios") is not None:
        notes.append(_NOT_MODELLED["compress_ratios"])
    return Layout(_merge(groups), tuple(notes))


__all__ = ["KINDS", "LayerGroup", "Layout", "layout_from_config", "layout_from_gguf", "layout_of", "layout_to_data"]
