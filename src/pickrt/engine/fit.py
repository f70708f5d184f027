"""Memory fit: weights + KV cache + runtime overhead against the memory a runtime can use.

All sizes GiB. The arithmetic is returned in words (``detail``) so a user can check it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from pickrt.catalog import Catalog
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pickrt.catalog.models import ModelSpec, QuantSpec, Runtime
from pickrt.engine.hardware import HwView
from pickrt.engine.workload import ModelRef, Workload

GIB = 1024**3
OS_RESERVE_GB = 2.0
CPU_OVERHEAD_GB = 0.3  # llama.cpp compute buffers on the CPU, no device context
# When the user leaves the quant to pickrt and the runtime's usual one does not fit, try these in
# order (best quality first) and stop at 4-bit: going lower is the user's call, said in a warning.
FALLBACK_QUANTS = ("bf16", "fp8", "q8_0", "mlx-8bit", "exl3:6", "exl2:6", "q6_k", "q5_k_m", "awq", "gptq",
                   "q4_k_m", "mlx-4bit", "exl3:4", "exl2:4.65")  # system RAM left to the OS and other programs on CPU-only / offload


def kv_bytes_per_sequence(m: ModelSpec, context: int, kv_bytes_per_elem: float = 2.0) -> float:
    """KV cache and fixed state bytes for one sequence of ``context`` tokens, layer by layer
    (engine/kvcache.py: full, sliding, MLA, indexer, recurrent and shared-KV layers)."""
    from pickrt.engine.kvcache import layout_of

    return layout_of(m).bytes_per_sequence(context, kv_bytes_per_elem)


@dataclass
class Pool:
    gb: Optional[float]
    what: str
    gpus_used: int = 1
    kind: str = "vram"  # vram | unified | ram | cluster
    offload_gb: Optional[float] = None  # system RAM a CPU-offloading runtime can add


@dataclass
class Fit:
    runtime: str
    quant: QuantSpec
    weights_gb: float
    kv_gb: float
    overhead_gb: float
    pool: Pool
    fits: bool
    offload: bool
    gpu_layers: Optional[int]
    detail: str
    partial: bool = False
    """Weights fit; the KV cache holds fewer sequences than users (a paged cache queues the rest)."""

    @property
    def required_gb(self) -> float:
        return self.weights_gb + self.kv_gb + self.overhead_gb


def choose_quant(catalog: Catalog, rt: Runtime, wl: Workload) -> Optional[QuantSpec]:
    """The quant this runtime would use: the user's precise type, the format's default, the
    model's own published format where the runtime loads it, else the runtime's usual."""
    if wl.quant_spec is not None:
        return wl.quant_spec
    if wl.quant_format:
        return catalog.find_quant(catalog.default_quant.get(wl.quant_format, "bf16"))
    m = wl.model.spec if wl.model else None
    if m and m.native_format:
        if m.native_format in rt.quant_formats:
            return catalog.find_quant(catalog.default_quant[m.native_format])
        if m.native_format == "mxfp4" and "gguf" in rt.quant_formats:
            return catalog.find_quant("mxfp4_moe")
        if m.native_format == "mxfp4" and "mlx" in rt.quant_formats:
            return catalog.find_quant("mxfp4")
    if rt.default_quant:
        q = catalog.find_quant(rt.default_quant)
        if q and q.format in rt.quant_formats:
            return q
    for fmt in rt.quant_formats:
        q = catalog.find_quant(catalog.default_quant.get(fmt, ""))
        if q:
            return q
    return catalog.find_quant("bf16")


def weights_gb(ref: ModelRef, q: QuantSpec) -> float:
    m = ref.spec
    if ref.file_gb and (ref.file_quant is None or ref.file_quant == q.id):
        return ref.file_gb
    if m.native_size_gb and q.format in ("mxfp4",) or (m.native_size_gb and q.id == "mxfp4_moe"):
        return m.native_size_gb
    if m.native_format == "fp8" and q.format == "fp8" and m.native_size_gb:
        return m.native_size_gb
    return m.params_b * 1e9 * q.bpw / 8 / GIB


def pool_for(rt: Runtime, hw: HwView, backend: str) -> Pool:
    """Memory this runtime can put a model in on this hardware."""
    per_node_nodes = hw.nodes if (hw.nodes > 1 and rt.multi_node.supported and hw.interconnect != "internet") else 1
    node_note = f" x {per_node_nodes} nodes" if per_node_nodes > 1 else ""
    sys_free = None if hw.system_gb is None else max(0.0, hw.system_gb - OS_RESERVE_GB)
    if backend == "metal":
        gb = hw.apple_usable_gb
        # Layers a llama.cpp-family runtime keeps on the CPU live in the rest of unified memory.
        off = None
        if rt.features.cpu_offload and gb is not None and sys_free is not None and per_node_nodes == 1:
            off = max(0.0, sys_free - gb) or None
        return Pool(None if gb is None else gb * per_node_nodes,
                    f"{gb:.1f} GiB GPU-usable share of {hw.profile.apple.memory_gb:g} GiB unified memory{node_note}" if gb is not None else "unknown unified memory",
                    kind="unified", offload_gb=off)
    if backend == "cpu":
        gb = sys_free
        lim = " (container limit)" if hw.profile.memory_limit_gb is not None else ""
        return Pool(None if gb is None else gb * per_node_nodes,
                    f"{gb:.1f} GiB system RAM{lim} after {OS_RESERVE_GB:g} GiB for the OS{node_note}" if gb is not None else "unknown system RAM",
                    kind="ram")
    vrams = [v for v in hw.vram_list if v is not None]
    if not vrams or len(vrams) < len(hw.gpus):
        return Pool(None, "unknown VRAM")
    if hw.unified:
        # GPU shares system memory (Jetson, DGX Spark, Strix Halo): the smaller of the GPU's reach and RAM.
        cap = sum(vrams) if rt.multi_gpu.split else max(vrams)
        gb = min(cap, sys_free) if sys_free is not None else cap - OS_RESERVE_GB
        return Pool(gb * per_node_nodes, f"{gb:.1f} GiB of unified memory the GPU can use{node_note}", kind="unified")
    if rt.multi_gpu.split and len(vrams) > 1:
        gb, used = sum(vrams), len(vrams)
        what = f"{used} x {vrams[0]:g} GiB VRAM" if len(set(vrams)) == 1 else " + ".join(f"{v:g}" for v in vrams) + " GiB VRAM"
    else:
        gb, used = max(vrams), 1
        what = f"{gb:g} GiB VRAM of one GPU" + (" (this runtime does not split a model across GPUs)" if len(vrams) > 1 else "")
    frac = rt.memory.preallocate_fraction
    if frac:
        what += f", of which {rt.name} claims {frac:.0%}"
        gb *= frac
    off = None
    if rt.features.cpu_offload and sys_free is not None:
        off = sys_free
    return Pool(gb * per_node_nodes, what + node_note, gpus_used=used * per_node_nodes, kind="vram", offload_gb=off)


def compute_fit(catalog: Catalog, rt: Runtime, hw: HwView, wl: Workload, backend: str, quant: QuantSpec) -> Optional[Fit]:
    if wl.model is None:
        return None
    ref = wl.model
    w = weights_gb(ref, quant)
    seqs = wl.users
    kv = kv_bytes_per_sequence(ref.spec, wl.context) * seqs / GIB
    pool = pool_for(rt, hw, backend)
    # GPU runtimes pay a context + compute buffers per GPU; on the CPU only compute buffers.
    per = rt.memory.overhead_gb if backend not in ("cpu",) else min(rt.memory.overhead_gb, CPU_OVERHEAD_GB)
    overhead = per * max(1, pool.gpus_used if pool.kind == "vram" else 1)
    req = w + kv + overhead
    avail = pool.gb
    fits = avail is not None and req <= avail
    offload = False
    gpu_layers = None
    kv_per = kv_bytes_per_sequence(ref.spec, wl.context) / GIB
    parts = (f"weights {ref.spec.params_b:g}B params x {quant.bpw:g} bits ({quant.id}) = {w:.1f} GiB"
             if not (ref.file_gb and w == ref.file_gb) else f"weights {w:.1f} GiB (file size)")
    if ref.spec.native_size_gb and w == ref.spec.native_size_gb:
        parts = f"weights {w:.1f} GiB ({ref.spec.id} as published, {quant.id})"
    kvdesc = _kv_desc(ref.spec)
    detail = (f"{parts} + KV cache {kv_per:.2f} GiB per sequence at {wl.context} tokens ({kvdesc})"
              f" x {seqs} = {kv:.1f} GiB + {rt.name} overhead {overhead:.1f} GiB = {req:.1f} GiB needed; "
              f"usable: {pool.what} = " + (f"{avail:.1f} GiB" if avail is not None else "unknown"))
    if not fits and avail is not None and pool.kind in ("vram", "unified") and pool.offload_gb:
        if req <= avail + pool.offload_gb:
            offload = True
            on_gpu = max(0.0, avail - overhead - kv)
            gpu_layers = max(0, min(ref.spec.layers, int(ref.spec.layers * on_gpu / w))) if w else None
            where = "VRAM" if pool.kind == "vram" else "the GPU's share of unified memory"
            detail += (f"; does not fit {where}, but {rt.name} can keep {ref.spec.layers - (gpu_layers or 0)} of {ref.spec.layers} "
                       f"layers on the CPU in system RAM ({pool.offload_gb:.0f} GiB free): it runs, several times slower")
    partial = False
    if not fits and not offload and avail is not None and rt.features.paged_attention and seqs > 1:
        # A paged KV cache serves as many sequences as fit and queues the rest.
        one = w + kv_per + overhead
        if one <= avail:
            partial = True
            n = int((avail - w - overhead) / kv_per) if kv_per else seqs
            detail += (f"; the weights fit but not the KV cache of all {seqs} sequences: "
                       f"{rt.name}'s paged KV cache holds about {n} at {wl.context} tokens at once and queues the rest")
    if not fits and not offload and not partial:
        detail += "; does not fit"
    elif fits:
        detail += "; fits"
    return Fit(rt.slug, quant, w, kv, overhead, pool, fits, offload, gpu_layers, detail, partial)


def best_fit(catalog: Catalog, rt: Runtime, hw: HwView, wl: Workload, backend: str, allowed=None) -> Optional[Fit]:
    """The runtime's usual quant, or when the user left the quant to pickrt and it does not fit,
    the best-quality fallback (down to 4 bits) that does."""
    first = choose_quant(catalog, rt, wl)
    if first is None:
        return None
    f = compute_fit(catalog, rt, hw, wl, backend, first)
    if f is None or f.fits or wl.quant_format is not None or wl.quant_spec is not None:
        return f
    partial = None
    for qid in FALLBACK_QUANTS:
        q = catalog.find_quant(qid)
        if q is None or q.format not in rt.quant_formats or q.bpw >= first.bpw:
            continue
        if (q.format == "gguf") != (first.format == "gguf"):
            continue  # stay in the runtime's own family: no GGUF fallback for a safetensors server
        if allowed is not None and not allowed(q.format):
            continue
        g = compute_fit(catalog, rt, hw, wl, backend, q)
        if g is not None and g.fits:
            g.detail = f"{first.id} does not fit ({f.required_gb:.1f} GiB), so {q.id}: " + g.detail
            return g
        if g is not None and g.partial and not f.partial:
            # Many users: the quant that leaves the most room for KV cache serves the most at once.
            if partial is None or (g.pool.gb or 0) - g.weights_gb > (partial.pool.gb or 0) - partial.weights_gb:
                partial = g
    if partial is not None:
        partial.detail = f"{first.id} does not fit ({f.required_gb:.1f} GiB), so {partial.quant.id}: " + partial.detail
        return partial
    return f


def _kv_desc(m: ModelSpec) -> str:
    from pickrt.engine.kvcache import layout_of

    lay = layout_of(m)
    return lay.describe() + "".join(f"; note: {n}" for n in lay.notes)


__all__ = ["Fit", "Pool", "choose_quant", "compute_fit", "kv_bytes_per_sequence", "pool_for", "weights_gb"]
