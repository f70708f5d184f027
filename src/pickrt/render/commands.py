"""Turn catalog command templates into concrete commands for one runtime, model and port."""

from __future__ import annotations

import re
from typing import Optional

from pickrt.catalog import Catalog
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pickrt.catalog.models import Runtime, Step

_PLACEHOLDER = re.compile(r"\{([a-z0-9_]+)\}")


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


def model_values(rt: Runtime, wl, catalog: Optional[Catalog], fit=None, port: Optional[int] = None) -> dict[str, str]:
    """Values for {model}, {hf_repo}, {ollama_tag}... in serve/get_model templates."""
    m = wl.model.spec if wl is not None and wl.model is not None else None
    quant = fit.quant.id if fit is not None else (rt.default_quant or "q4_k_m")
    qfile = quant.upper() if not quant.startswith(("exl", "mlx")) else quant
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
        "bits": _bits(quant),
        "exl2_repo": f"turboderp/{name}-exl2",
        "exl3_repo": f"turboderp/{name}-exl3",
    }
    if wl is not None and wl.model is not None and wl.model.file_gb is not None and wl.model_arg:
        model = wl.model_arg
    elif "gguf" in rt.quant_formats and rt.slug not in ("vllm", "sglang", "localai", "ray-serve"):
        model = f"{name}-{qfile}.gguf"
    elif rt.zone == "apple-silicon" or rt.slug == "exo":
        model = vals["mlx_repo"]
    elif rt.slug in ("tabbyapi", "exllamav2", "exllamav3"):
        model = f"models/{name}"
    else:
        model = vals["hf_repo"]
    vals["model"] = model
    return vals


def _bits(quant: str) -> str:
    """EXL2/EXL3 repos name branches like 4.0bpw, 4.65bpw."""
    try:
        b = float(quant.split(":")[-1]) if ":" in quant else 4.0
    except ValueError:
        return "4.0"
    return f"{b:.1f}" if abs(b * 10 - round(b * 10)) < 1e-9 else f"{b:g}"


def fill(template: Optional[str], vals: dict[str, str]) -> Optional[str]:
    if template is None:
        return None
    out = _PLACEHOLDER.sub(lambda mo: vals.get(mo.group(1), mo.group(1).upper()), template)
    return out.replace("{{", "{").replace("}}", "}")


def serve_line(rt: Runtime, wl, catalog: Optional[Catalog], fit=None, port: Optional[int] = None) -> Optional[str]:
    return fill(rt.serve, model_values(rt, wl, catalog, fit, port))


def get_model_line(rt: Runtime, wl, catalog: Optional[Catalog], fit=None, port: Optional[int] = None) -> Optional[str]:
    return fill(rt.get_model, model_values(rt, wl, catalog, fit, port))


__all__ = ["endpoint_for", "fill", "get_model_line", "install_lines", "model_values", "serve_line", "step_line"]
