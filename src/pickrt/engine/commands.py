"""Commands for one deployment: ``get`` (download), ``serve`` (start) and ``verify`` (a curl).

Everything runtime-specific is catalog data: the ``serve``/``get_model`` templates, what ``{model}``
is (``model_arg``), the documented flags and which of them sets each deployment field (``flags``),
the environment variables (``env_options``) and how the listen address is set (``api.bind``). A serve
command uses only flags from the runtime's documented list (tests/test_deployment.py checks it).

The commands say exactly what the deployment says: a split deployment carries its tensor/pipeline
parallel size, a pinned context and slot count carry theirs, and nothing else is added.
"""

from __future__ import annotations

import json
import re
import shlex
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from pickrt.catalog import Catalog
    from pickrt.catalog.models import Runtime, Step
    from pickrt.engine.deployment import Deployment

_PLACEHOLDER = re.compile(r"\{([a-z0-9_]+)\}")
LOOPBACK = "127.0.0.1"
ALL_INTERFACES = ("0.0.0.0", "::", "", "*")


def endpoint_for(rt: Runtime, port: Optional[int] = None) -> Optional[str]:
    port = port or rt.api.default_port
    if not port:
        return None
    base = rt.api.base_path if rt.api.openai_compatible else ""
    return f"http://127.0.0.1:{port}{base}"


def step_line(step: Step) -> str:
    if step.run:
        return step.run
    return f"# {step.text}" + (f": {step.url}" if step.url else "")


def install_lines(rt: Runtime) -> dict[str, list[str]]:
    return {os_: [step_line(s) for s in steps] for os_, steps in rt.install.items() if steps}


def gguf_type(quant: str) -> str:
    """A GGUF type as file names spell it (``q4_k_m`` -> ``Q4_K_M``)."""
    return quant.upper() if not quant.startswith(("exl", "mlx")) else quant


def bits_of(quant: str) -> str:
    """EXL2/EXL3 repos name branches like 4.0bpw, 4.65bpw; MLX repos 4bit, 8bit."""
    if quant.startswith("mlx-") and quant.endswith("bit"):
        return quant[4:-3]
    try:
        b = float(quant.split(":")[-1]) if ":" in quant else 4.0
    except ValueError:
        return "4.0"
    return f"{b:.1f}" if abs(b * 10 - round(b * 10)) < 1e-9 else f"{b:g}"


def model_values(rt: Runtime, wl, catalog: Optional[Catalog], fit=None, port: Optional[int] = None) -> dict[str, str]:
    """Values for {model}, {hf_repo}, {ollama_tag}... in serve/get_model templates (the guide's fallback
    when it has no deployment; the advice uses :func:`deployment_values`)."""
    m = wl.model.spec if wl is not None and wl.model is not None else None
    quant = fit.quant.id if fit is not None else (rt.default_quant or "q4_k_m")
    qfile = gguf_type(quant)
    name = (m.hf_repo.split("/")[-1] if m and m.hf_repo else (m.id if m else "model"))
    vals = {
        "port": str(port or rt.api.default_port or 8080),
        "hf_repo": (m.hf_repo if m and m.hf_repo else "Qwen/Qwen3-8B"),
        "ollama_tag": (m.ollama_tag if m and m.ollama_tag else "qwen3:8b"),
        "gguf_repo": (m.gguf_repo if m and m.gguf_repo else "Qwen/Qwen3-8B-GGUF"),
        "mlx_repo": (m.mlx_repo if m and m.mlx_repo else "mlx-community/Qwen3-8B-4bit"),
        "quant": qfile,
        "model_name": name,
        "localai_name": (m.id if m else "qwen3-8b"),
        "bits": bits_of(quant),
        "exl2_repo": f"turboderp/{name}-exl2",
        "exl3_repo": f"turboderp/{name}-exl3",
        "gguf_file": f"{name}-{qfile}.gguf",
    }
    arg = rt.model_arg
    if wl is not None and wl.model is not None and wl.model.file_gb is not None and wl.model_arg:
        model = wl.model_arg
    elif arg == "gguf_file":
        model = vals["gguf_file"]
    elif arg == "mlx_repo":
        model = vals["mlx_repo"]
    elif arg == "local_dir":
        model = f"models/{name}"
    elif arg == "ollama_tag":
        model = vals["ollama_tag"]
    elif arg == "model_name":
        model = name
    else:
        model = vals["hf_repo"]
    vals["model"] = model
    return vals


def fill(template: Optional[str], vals: dict[str, str]) -> Optional[str]:
    if template is None:
        return None
    out = _PLACEHOLDER.sub(lambda mo: vals.get(mo.group(1), mo.group(1).upper()), template)
    return out.replace("{{", "{").replace("}}", "}")


def serve_line(rt: Runtime, wl, catalog: Optional[Catalog], fit=None, port: Optional[int] = None) -> Optional[str]:
    return fill(rt.serve, model_values(rt, wl, catalog, fit, port))


def get_model_line(rt: Runtime, wl, catalog: Optional[Catalog], fit=None, port: Optional[int] = None) -> Optional[str]:
    return fill(rt.get_model, model_values(rt, wl, catalog, fit, port))


# ---- from a deployment ---------------------------------------------------------------------------


def bind_default(rt: Runtime) -> Optional[str]:
    """The host part of the address the runtime binds when not told (None: not known)."""
    b = rt.api.bind
    d = b.default if b is not None and b.default is not None else rt.api.bind_default
    if d is None:
        return None
    parts = d.split()
    if not parts:
        return ""
    host = parts[0]
    if host.startswith("["):
        return host[1:].split("]")[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 or host.startswith(":") else host


def binds_all_interfaces(rt: Runtime) -> bool:
    return bind_default(rt) in ALL_INTERFACES


def _needs_bind(rt: Runtime, d: Deployment) -> bool:
    """Set the address only where the runtime's own default is not already loopback."""
    host = bind_default(rt)
    return bool(d.bind) and host not in (LOOPBACK, "localhost", "::1") and host != d.bind


def deployment_values(rt: Runtime, d: Deployment, wl, port: Optional[int] = None) -> dict[str, str]:
    """Template values from the deployment's checkpoint (never a BF16 repo for a quantized fit)."""
    m = wl.model.spec if wl is not None and wl.model is not None else None
    vals = model_values(rt, wl, None, None, port)
    vals["quant"] = gguf_type(d.quant)
    vals["bits"] = bits_of(d.quant)
    c = d.checkpoint
    if c is not None:
        if c.repo:
            for k in ("hf_repo", "gguf_repo", "mlx_repo", "exl2_repo", "exl3_repo"):
                vals[k] = c.repo
        if c.file:
            vals["gguf_file"] = c.file
        if c.tag:
            vals["ollama_tag"] = c.tag
    name = (m.hf_repo.split("/")[-1] if m and m.hf_repo else (m.id if m else "model"))
    arg = rt.model_arg
    local_file = wl is not None and wl.model is not None and wl.model.file_gb is not None and wl.model_arg
    if local_file:
        model = wl.model_arg
    elif arg == "gguf_file":
        model = vals["gguf_file"]
    elif arg == "ollama_tag":
        model = vals["ollama_tag"]
    elif arg == "model_name":
        model = name
    elif arg == "local_dir":
        model = f"models/{name}"
    elif c is not None and c.repo:
        model = c.repo
    elif c is not None and c.make:
        model = f"./{name}-{d.quant.upper().replace(':', '-')}"  # the folder the make step writes
    else:
        model = vals["hf_repo"]
    vals["model"] = model
    vals["model_name"] = name
    vals["tensor_parallel"] = str(d.tensor_parallel)
    vals["pipeline_parallel"] = str(d.pipeline_parallel)
    return vals


def _opt(flag: str, value) -> list[str]:
    """``--flag VALUE`` (or ``--flag=VALUE`` when the data says so)."""
    if flag.endswith("="):
        return [f"{flag}{value}"]
    return [flag, str(value)]


def serve_args(rt: Runtime, d: Deployment, gpu_backend: bool) -> list[str]:
    """The options the deployment adds to the runtime's serve template, in a fixed order."""
    f = rt.flags
    out: list[str] = []
    b = rt.api.bind
    if b is not None and b.how == "flag" and b.option and _needs_bind(rt, d) and b.option not in (rt.serve or "").split():
        out += _opt(b.option, b.value.replace("{host}", d.bind).replace("{port}", "{port}"))
    if d.tensor_parallel > 1 and f.tensor_parallel:
        out += _opt(f.tensor_parallel, d.tensor_parallel)
    if d.pipeline_parallel > 1 and f.pipeline_parallel and d.split_by != "layers":
        out += _opt(f.pipeline_parallel, d.pipeline_parallel)
    if d.replicas > 1 and d.replicas_per_node > 1 and f.data_parallel and d.nodes == 1:
        out += _opt(f.data_parallel, d.replicas_per_node)
    if f.context:
        total = d.context * (d.max_sequences if f.context_total else 1)
        out += _opt(f.context, total)
    if f.max_sequences:
        out += _opt(f.max_sequences, d.max_sequences)
    if f.kv_cache_dtype and d.kv_cache_dtype not in ("f16", "auto"):
        out += _opt(f.kv_cache_dtype, d.kv_cache_dtype)
        if f.kv_cache_dtype.startswith("--cache-type-k") and "--cache-type-v" in f.list:
            out += ["--cache-type-v", d.kv_cache_dtype]
    p = d.placement
    if f.gpu_layers and gpu_backend:
        out += _opt(f.gpu_layers, p.gpu_layers if p.gpu_layers is not None else 999)
    if f.cpu_moe_layers and p.cpu_moe_layers:
        out += _opt(f.cpu_moe_layers, p.cpu_moe_layers)
    if f.yarn and d.rope_scaling:
        r = d.rope_scaling
        theta = f', "rope_theta": {r["theta"]:g}' if r.get("theta") else ""
        out += shlex.split(f.yarn.replace("{factor}", f"{float(r['factor']):.1f}").replace("{native}", str(r["native"]))
                           .replace("{theta}", theta))
    if f.quantization and d.checkpoint is not None and d.checkpoint.make and d.checkpoint.make.startswith("on load"):
        q = d.quant.split(":")[0]
        if f.quantization_bits:
            m = re.search(r"\d+", q)
            q = m.group(0) if m else "4"
        out += _opt(f.quantization, q)
    return out


def env_for(rt: Runtime, d: Deployment) -> dict[str, str]:
    """Variables the runtime reads for the deployment's fields (Ollama: context and parallel slots)."""
    e = rt.env_options
    out: dict[str, str] = {}
    if e.context:
        out[e.context] = str(d.context)
    if e.max_sequences:
        out[e.max_sequences] = str(d.max_sequences)
    if e.kv_cache_dtype and d.kv_cache_dtype not in ("f16", "auto"):
        out[e.kv_cache_dtype] = d.kv_cache_dtype
    b = rt.api.bind
    if b is not None and b.how == "env" and b.option and _needs_bind(rt, d):
        out[b.option] = b.value.replace("{host}", d.bind)
    return out


def build(rt: Runtime, d: Deployment, wl, gpu_backend: bool, port: Optional[int] = None) -> tuple[list[str], Optional[str], Optional[str]]:
    """(get, serve, verify) for the deployment."""
    vals = deployment_values(rt, d, wl, port)
    get: list[str] = []
    c = d.checkpoint
    if c is not None and c.make and not c.make.startswith("on load"):
        get.append("# " + c.make)
    elif rt.get_model and not (wl is not None and wl.model is not None and wl.model.file_gb is not None):
        line = fill(rt.get_model, vals)
        if line:
            get.append(line)
    serve = None
    if rt.serve:
        base = fill(rt.serve, vals)
        args = [a.replace("{port}", vals["port"]) for a in serve_args(rt, d, gpu_backend)]
        env = " ".join(f"{k}={shlex.quote(v)}" for k, v in d.env.items())
        serve = " ".join(x for x in (env, base, shlex.join(args) if args else "") if x)
    return get, serve, verify_line(rt, vals, d)


def verify_line(rt: Runtime, vals: dict[str, str], d: Deployment) -> Optional[str]:
    port = vals.get("port")
    if not rt.api.default_port or not port:
        return None
    host = LOOPBACK
    if rt.api.openai_compatible:
        c = d.checkpoint
        model = (c.tag if c is not None and c.tag else None) or (vals.get("model", "") if rt.model_arg not in (None, "none")
                                                                  else (c.repo or c.file or "") if c is not None else "")
        body = json.dumps({"model": model, "messages": [{"role": "user", "content": "Say hello."}], "max_tokens": 16})
        return (f"curl -s http://{host}:{port}{rt.api.base_path}/chat/completions "
                f"-H 'Content-Type: application/json' -d {shlex.quote(body)}")
    if rt.api.health_path:
        return f"curl -s http://{host}:{port}{rt.api.health_path}"
    return f"curl -s http://{host}:{port}/"


def flags_used(serve: str) -> list[str]:
    """The options a serve command gives its program (``--port``, ``-np``...), for the
    documented-flags check: not ``VAR=value`` prefixes, nor the ``-m`` of ``python -m module``."""
    out = []
    seg: list[str] = []
    toks = shlex.split(serve, comments=True) + ["&"]
    for tok in toks:
        if tok in ("&", "&&", ";", "|", "||"):
            while seg and re.match(r"^[A-Z_][A-Z0-9_]*=", seg[0]):
                seg.pop(0)
            if len(seg) >= 3 and re.match(r"^python[\d.]*$", seg[0]) and seg[1] == "-m":
                seg = seg[3:]
            out += [t.split("=", 1)[0] for t in seg if re.match(r"^--?[A-Za-z][\w-]*", t)]
            seg = []
        else:
            seg.append(tok)
    return out


__all__ = [
    "binds_all_interfaces", "bind_default", "build", "deployment_values", "endpoint_for", "env_for", "fill",
    "flags_used", "get_model_line", "install_lines", "model_values", "serve_args", "serve_line", "step_line",
]
