"""Build the deployment for one runtime on this hardware (shared/design/deployment.md).

From the fit the evaluation found on the whole machine, choose the launch an operator would write:
the fewest GPUs that hold the weights and the KV cache the workload needs (tensor parallel within a
node, a power of two that divides the attention heads; pipeline stages across nodes only when one
node is not enough), spare GPUs as replicas, the context (YaRN beyond the native window), the
sequences served at once, where the weights live, the bind address, the environment and the
commands. The fit returned is the fit *of this deployment*, so the memory line, the speed and the
commands all describe the same launch. Pure; no I/O.
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING, Optional

from pickrt.engine import commands as cmds
from pickrt.engine.deployment import Checkpoint, Commands, Deployment, Placement
from pickrt.engine.fit import Fit, compute_fit, serves_concurrently

if TYPE_CHECKING:
    from pickrt.catalog import Catalog
    from pickrt.catalog.models import Runtime
    from pickrt.engine.hardware import HwView
    from pickrt.engine.workload import Workload

GIB = 1024**3
LOOPBACK = "127.0.0.1"


def native_context(m) -> Optional[int]:
    """The model's native (pre-training) window, where the catalog knows it; else its maximum."""
    return getattr(m, "native_context", None) or None


def _fit_on(catalog: Catalog, rt: Runtime, hw: HwView, wl: Workload, backend: str, fit: Fit, n: int, nodes: int) -> Optional[Fit]:
    hw2 = dataclasses.replace(hw, gpus=hw.gpus[:n], nodes=nodes)
    return compute_fit(catalog, rt, hw2, wl, backend, fit.quant)


def _users_per_replica(wl: Workload, reps: int) -> int:
    return math.ceil(wl.users / max(1, reps))


def _tp_sizes(rt: Runtime, wl: Workload, per_node: int) -> list[int]:
    """Tensor-parallel sizes the runtime accepts here: powers of two within a node that divide the
    model's attention heads (vLLM, SGLang and TRT-LLM shard heads evenly)."""
    heads = wl.model.spec.attention_heads if wl.model is not None else None
    out, n = [], 1
    while n <= per_node:
        if heads is None or heads % n == 0:
            out.append(n)
        n *= 2
    return out or [1]


def split(catalog: Catalog, rt: Runtime, hw: HwView, wl: Workload, backend: str, fit: Fit):
    """(fit, gpus, nodes, tp, pp, replicas, split_by) of the smallest launch that holds the workload."""
    if backend in ("cpu",) or fit is None:
        return fit, 0, 1, 1, 1, 1, None
    if backend == "metal":
        nodes = hw.nodes if (fit.pool.gb or 0) > (hw.apple_usable_gb or 0) * 1.01 else 1
        if nodes > 1:
            return fit, 1, nodes, 1, nodes, 1, "layers"
        return fit, 1, 1, 1, 1, 1, None
    per_node = max(1, len(hw.gpus))
    if fit.pool.kind != "vram" or fit.pool.gpus_used <= 1 or per_node == 1 and hw.nodes == 1:
        reps = _replicas(rt, wl, per_node * hw.nodes, 1) if fit.pool.kind == "vram" else 1
        if reps > 1:
            wl_n = dataclasses.replace(wl, users=math.ceil(wl.users / reps))
            f = _fit_on(catalog, rt, hw, wl_n, backend, fit, 1, 1)
            if f is not None and (f.fits or f.partial):
                f.detail = f"one of {reps} replicas, serving its share ({wl_n.users}) of the {wl.users} users: " + f.detail
                return f, 1, 1, 1, 1, reps, None
        return fit, 1, 1, 1, 1, 1, None
    tp_ok = rt.multi_gpu.tensor_parallel is True and (bool(rt.flags.tensor_parallel) or rt.serve is None
                                                      or "{tensor_parallel}" in rt.serve)
    sizes = _tp_sizes(rt, wl, per_node) if tp_ok else list(range(1, per_node + 1))
    for n in sizes:
        reps = _replicas(rt, wl, per_node * hw.nodes, n)
        wl_n = wl if reps == 1 else dataclasses.replace(wl, users=math.ceil(wl.users / reps))
        f = fit if n == per_node and hw.nodes == 1 and reps == 1 else _fit_on(catalog, rt, hw, wl_n, backend, fit, n, 1)
        if f is not None and f.fits:
            if reps > 1:
                f.detail = f"one of {reps} replicas, serving its share ({wl_n.users}) of the {wl.users} users: " + f.detail
            if n == 1:
                return f, 1, 1, 1, 1, reps, None
            by = "tensor" if tp_ok else "layers"
            tp, pp = (n, 1) if tp_ok else (1, n)
            return f, n, 1, tp, pp, reps, by
    top = sizes[-1]
    if hw.nodes > 1 and rt.multi_node.supported and fit.pool.gpus_used > per_node:
        for k in range(2, hw.nodes + 1):
            f = _fit_on(catalog, rt, hw, wl, backend, fit, per_node, k)
            if f is not None and (f.fits or k == hw.nodes):
                tp = top if tp_ok else 1
                pp = k if tp_ok else per_node * k
                f2 = f if tp * 1 == per_node or not tp_ok else f
                return f2, tp * k if tp_ok else per_node * k, k, tp, pp, max(1, hw.nodes // k), "pipeline" if tp_ok else "layers"
    # One node, nothing smaller holds it: the whole node.
    if tp_ok:
        pp = per_node // top if rt.flags.pipeline_parallel and per_node // top > 1 else 1
        f = fit if top * pp == per_node else _fit_on(catalog, rt, hw, wl, backend, fit, top * pp, 1)
        return f, top * pp, 1, top, pp, 1, ("tensor" if pp == 1 else "pipeline")
    return fit, per_node, 1, 1, per_node, 1, "layers"


def _replicas(rt: Runtime, wl: Workload, total_gpus: int, per_replica: int) -> int:
    """Spare GPUs serve more users as replicas (data parallel): only for servers with many users."""
    if wl.users <= 1 or not rt.features.continuous_batching or per_replica < 1:
        return 1
    return max(1, total_gpus // per_replica)


# ---- checkpoint ------------------------------------------------------------------------------------


def checkpoint(catalog: Catalog, rt: Runtime, wl: Workload, fit: Fit) -> Optional[Checkpoint]:
    """What to download for ``fit.quant`` in the form this runtime loads; never a BF16 repo for a
    quantized fit: where no published checkpoint is known, ``make`` says how to make it."""
    if wl.model is None:
        return None
    ref = wl.model
    m = ref.spec
    q = fit.quant
    cks = getattr(m, "checkpoints", None) or {}
    name = m.hf_repo.split("/")[-1] if m.hf_repo else m.id
    if ref.file_gb is not None and wl.model_arg:
        return Checkpoint(kind="local", file=wl.model_arg, source="given with --model")
    arg = rt.model_arg
    fmt = q.format
    bf16_repo = (cks["bf16"].repo if "bf16" in cks else None) or m.hf_repo
    if fmt in rt.flags.quantize_on_load and bf16_repo and arg == "hf_repo" and fmt != m.native_format and not cks.get(fmt):
        return Checkpoint(kind="hf", repo=bf16_repo, make=f"on load: {rt.name} quantizes the BF16 weights to {q.id} while loading "
                          f"({rt.flags.quantization}); no {fmt.upper()} checkpoint needed", source=m.source)
    uses = set(cmds._PLACEHOLDER.findall((rt.get_model or "") + " " + (rt.serve or "")))
    if arg == "ollama_tag" or "ollama_tag" in uses:
        c = cks.get("ollama")
        tag = (c.tag if c else None) or m.ollama_tag
        cq = (c.quant if c else None) or "q4_k_m"
        if fmt == "gguf" and tag and cq == q.id:
            return Checkpoint(kind="ollama", tag=tag, source=c.source if c else m.source)
        if fmt == "mxfp4" and tag and m.native_format == "mxfp4":
            return Checkpoint(kind="ollama", tag=tag, source=c.source if c else m.source)
        if tag and fmt == "gguf":
            return Checkpoint(kind="ollama", tag=f"{tag}-{q.id}" if ":" in tag else f"{tag}:{q.id}",
                              make=f"if the Ollama library has no {q.id} tag of {tag}, import a {q.id.upper()} GGUF with a Modelfile (`ollama create`)",
                              source=c.source if c else m.source)
        return Checkpoint(kind="ollama", make=f"no Ollama tag of {m.id} is known to pickrt: import a {q.id.upper()} GGUF with a Modelfile (`ollama create`)")
    if fmt == "gguf" or arg == "gguf_file":
        c = cks.get("gguf")
        repo = (c.repo if c else None) or m.gguf_repo
        qt = cmds.gguf_type(q.id if fmt == "gguf" else "q4_k_m")
        if q.id == "mxfp4_moe":
            qt = "MXFP4"
        file = c.file.replace("{QUANT}", qt) if c and c.file else f"{name}-{qt}.gguf"
        if repo:
            return Checkpoint(kind="gguf", repo=repo, file=file, source=c.source if c else m.source)
        return Checkpoint(kind="gguf", file=file, make=f"no GGUF repo of {m.id} is known to pickrt: convert {m.hf_repo or m.id} with "
                          f"llama.cpp's convert_hf_to_gguf.py, then llama-quantize to {qt}")
    if fmt == "mlx":
        c = cks.get("mlx")
        bits = cmds.bits_of(q.id)
        repo = c.repo.replace("{bits}", bits) if c and c.repo else None
        if repo is None and m.mlx_repo:
            repo = m.mlx_repo.replace("4bit", f"{bits}bit") if "4bit" in m.mlx_repo else (m.mlx_repo if bits == "4" else None)
        if repo:
            return Checkpoint(kind="mlx", repo=repo, source=c.source if c else m.source)
        return Checkpoint(kind="mlx", make=f"no MLX {bits}-bit repo of {m.id} is known to pickrt: "
                          f"mlx_lm.convert --hf-path {m.hf_repo or m.id} -q --q-bits {bits}")
    if fmt in ("exl2", "exl3"):
        c = cks.get(fmt)
        if c and c.repo:
            return Checkpoint(kind="hf", repo=c.repo, source=c.source)
        return Checkpoint(kind="hf", make=f"no {fmt.upper()} repo of {m.id} is known to pickrt: convert {m.hf_repo or m.id} "
                          f"with ExLlama's convert.py at {cmds.bits_of(q.id)} bits per weight")
    # safetensors servers: bf16, fp8, awq, gptq, nvfp4, mxfp4, int8
    c = cks.get(fmt)
    if c and c.repo:
        return Checkpoint(kind="hf", repo=c.repo, source=c.source)
    if fmt == "bf16" or (m.native_format and m.native_format == fmt):
        b = cks.get("bf16")
        repo = (b.repo if b else None) or m.hf_repo
        if repo:
            return Checkpoint(kind="hf", repo=repo, source=(b.source if b else m.source))
    bf16 = bf16_repo
    tool = {"awq": "llm-compressor or AutoAWQ", "gptq": "llm-compressor or GPTQModel", "fp8": "llm-compressor (FP8_DYNAMIC)",
            "nvfp4": "NVIDIA ModelOpt (NVFP4)", "int8": "llm-compressor (W8A8)"}.get(fmt, "a quantization tool")
    return Checkpoint(kind="hf", make=f"no {fmt.upper()} checkpoint of {m.id} is known to pickrt: quantize {bf16 or m.id} with {tool} "
                      f"into ./{name}-{fmt.upper()} and serve that folder")


# ---- the deployment --------------------------------------------------------------------------------


def build(catalog: Catalog, rt: Runtime, hw: HwView, wl: Workload, backend: str, fit: Fit) -> tuple[Deployment, Fit]:
    f, gpus, nodes, tp, pp, reps, by = split(catalog, rt, hw, wl, backend, fit)
    m = wl.model.spec if wl.model is not None else None
    notes: list[str] = []
    kv_dtype = "f16"
    if f is not None and f.partial and rt.flags.kv_cache_quant and backend not in ("cpu", "metal"):
        # When the KV cache of many users is the limit, an 8-bit KV cache comes before queueing them.
        hw2 = dataclasses.replace(hw, gpus=hw.gpus[:max(1, gpus)], nodes=nodes) if gpus else hw
        wl_r = wl if reps == 1 else dataclasses.replace(wl, users=_users_per_replica(wl, reps))
        g = compute_fit(catalog, rt, hw2, wl_r, backend, f.quant, kv_elem_bytes=1.0)
        if g is not None and (g.fits or g.partial and g.sequences >= 1.5 * f.sequences):
            kv_dtype = rt.flags.kv_cache_quant
            notes.append(f"an 8-bit KV cache ({kv_dtype}) is what lets {g.sequences} of {wl_r.users} sequences run at once "
                         f"(f16: {f.sequences}); it halves KV memory at a small cost in accuracy")
            f = g
    # sequences served at once: the KV budget of this deployment, capped by the users
    seqs = _max_sequences(rt, wl, f)
    ctx = wl.context
    rope = None
    nat = native_context(m) if m is not None else None
    if m is not None and nat and ctx > nat:
        factor = round(ctx / nat, 2)
        rope = {"type": "yarn", "factor": factor, "native": nat}
        if getattr(m, "rope_theta", None):
            rope["theta"] = m.rope_theta
        if rt.flags.yarn:
            notes.append(f"{ctx} tokens is beyond {m.id}'s native {nat}-token window: YaRN RoPE scaling, factor {factor:g}, "
                         "is set on the command line (it can cost some quality on short prompts)")
        else:
            notes.append(f"{ctx} tokens is beyond {m.id}'s native {nat}-token window and {rt.name} documents no way to set "
                         "YaRN RoPE scaling: past the native window, output degrades")
    placement = Placement(layers=m.layers if m is not None else None)
    if f is not None and f.offload:
        if f.cpu_moe_layers:
            placement.cpu_moe_layers = f.cpu_moe_layers
        else:
            placement.gpu_layers = f.gpu_layers
    host_default = cmds.bind_default(rt)
    b = rt.api.bind
    settable = b is not None and b.how in ("flag", "env") and b.option
    if host_default in cmds.ALL_INTERFACES and not settable:
        bind = "0.0.0.0" if host_default in ("", "*") else host_default
        notes.append(f"{rt.name} listens on all interfaces and its command cannot say otherwise: firewall the port or "
                     "run it where only this machine can reach it")
    else:
        bind = LOOPBACK
        if host_default in cmds.ALL_INTERFACES:
            notes.append(f"{rt.name} listens on all interfaces by default: the command binds {LOOPBACK}. To serve other "
                         "machines, put a reverse proxy with authentication (and TLS) in front rather than binding 0.0.0.0")
    ck = checkpoint(catalog, rt, wl, f) if f is not None else None
    d = Deployment(
        quant=f.quant.id if f is not None else (rt.default_quant or "bf16"), checkpoint=ck, gpus=gpus, nodes=nodes,
        tensor_parallel=tp, pipeline_parallel=pp, replicas=reps, context=ctx, max_sequences=seqs,
        placement=placement, bind=bind, split_by=by, rope_scaling=rope, users=wl.users, notes=notes,
        kv_cache_dtype=kv_dtype,
    )
    if gpus and reps > 1:
        d.replicas_per_node = max(1, min(reps, len(hw.gpus) // gpus))
    if m is not None and m.multimodal and "multimodal" in wl.needs and rt.model_arg == "gguf_file":
        d.notes.append(f"image input needs {m.id}'s vision projector next to the weights: add --mmproj with the repo's "
                       "mmproj GGUF (or start with -hf REPO:QUANT, which fetches both)" if "--mmproj" in rt.flags.list else
                       f"image input needs {m.id}'s vision projector (mmproj GGUF) loaded next to the weights")
    if by == "layers" and gpus > 1:
        d.notes.append(f"{rt.name} splits the model by whole layers over {gpus} GPUs: they run one after another, so "
                       "decode is about as fast as one GPU (no tensor-parallel speed-up)")
    if reps > 1:
        per = d.replicas_per_node
        if rt.flags.data_parallel and nodes == 1:
            how = f"{rt.flags.data_parallel} {per} in the command" + (
                f", run on each of the {reps // per} nodes behind a load balancer" if reps > per else "")
        else:
            how = f"start {reps} copies, each on its own {gpus or 1} GPU(s) and port, behind a load balancer"
        d.notes.append(f"one replica needs {max(gpus, 1)} GPU(s); the other GPUs serve as {reps - 1} more replica(s): {how}")
    if d.queued:
        d.notes.append(f"{d.max_sequences * d.replicas} of {wl.users} requests run at once; the other {d.queued} wait in "
                       "the queue, so their time to first token grows with the queue")
    d.env = cmds.env_for(rt, d)
    if backend == "cpu" and rt.env_options.cpu_kv_cache_gb and f is not None:
        d.env[rt.env_options.cpu_kv_cache_gb] = str(max(1, math.ceil(f.kv_gb)))
    if by == "layers" and 0 < gpus < len(hw.gpus) or (gpus == 1 and len(hw.gpus) > 1 and rt.features.cpu_offload):
        var = {"nvidia": "CUDA_VISIBLE_DEVICES", "amd": "HIP_VISIBLE_DEVICES"}.get(hw.accel)
        if var:
            d.env[var] = ",".join(str(i) for i in range(gpus))
    get, serve, verify = cmds.build(rt, d, wl, backend not in ("cpu",))
    d.commands = Commands(get=get, serve=serve, verify=verify)
    if serve and m is not None:
        d.notes.extend(_unset(rt, d))
    return d, f


def _unset(rt: Runtime, d: Deployment) -> list[str]:
    """What the deployment needs that this runtime's command cannot carry: where to set it instead."""
    f, e = rt.flags, rt.env_options
    out = []
    if d.placement.cpu_moe_layers and not f.cpu_moe_layers:
        out.append(f"keep the expert tensors of {d.placement.cpu_moe_layers} MoE layers on the CPU in {rt.name}'s model load "
                   "settings: its serve command has no option for it")
    if d.placement.gpu_layers is not None and not f.gpu_layers:
        out.append(f"offload {d.placement.gpu_layers} of {d.placement.layers} layers to the GPU in {rt.name}'s model load settings")
    if d.max_sequences > 1 and not (f.max_sequences or e.max_sequences) and not rt.features.paged_attention:
        out.append(f"allow {d.max_sequences} parallel requests in {rt.name}'s settings: its serve command has no option for it")
    if rt.features.cpu_offload and not (f.context or e.context):
        out.append(f"load the model with a {d.context}-token context in {rt.name} (the fit assumes it; its serve command "
                   "cannot set it)")
    return out


def _max_sequences(rt: Runtime, wl: Workload, f: Optional[Fit]) -> int:
    if not serves_concurrently(rt):
        return 1
    if f is None:
        return wl.users
    return max(1, min(wl.users, f.sequences))


__all__ = ["build", "checkpoint", "native_context", "split"]
