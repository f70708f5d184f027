"""Plain records with the exact fields (and field order) of the pydantic models in
``pickrt.profile`` and ``pickrt.advice``.

The what-if path and the engine build these instead of model instances, so `pickrt --json` on
simulated hardware never imports pydantic. The pydantic models stay the definition: they validate
profiles read from files or detection, generate the shipped JSON Schemas, and a test keeps the
field lists here equal to theirs.
"""

from typing import Any

from pickrt.catalog.plain import Obj

FIELDS: dict[str, tuple[str, ...]] = {
    "MigInstance": ("profile", "memory_gb"),
    "Mig": ("enabled", "instances"),
    "GPU": ("vendor", "name", "vram_gb", "compute_capability", "gfx_target", "driver", "cuda_version", "mig",
            "unified_memory", "count"),
    "CPU": ("model", "cores", "threads", "flags"),
    "Apple": ("chip", "gpu_cores", "memory_gb", "gpu_usable_gb", "rosetta", "virtual", "machine_model"),
    "ClusterNode": ("name", "gpus", "cpus", "memory_gb"),
    "Cluster": ("source", "nodes", "gpus_total", "interconnect"),
    "Probe": ("name", "status", "detail"),
    "Profile": ("os", "arch", "cpu", "memory_gb", "memory_available_gb", "memory_limit_gb", "gpus", "apple",
                "cluster", "probes", "simulated"),
    "WorkloadOut": ("traffic", "users", "quant", "model", "context", "goal", "needs", "runtime"),
    "Speed": ("decode_tps", "prefill_tps", "concurrent_sequences", "basis"),
    "Recommendation": ("runtime", "name", "zone", "reasons", "operator_notes", "install", "serve", "endpoint", "speed"),
    "Alternative": ("runtime", "name", "zone", "reasons", "speed"),
    "Listed": ("runtime", "name", "reasons"),
    "ModelFit": ("fits", "required_gb", "available_gb", "quant", "detail", "offload", "weights_gb", "kv_cache_gb",
                 "overhead_gb", "gpu_layers", "runtime"),
    "Suggestion": ("model", "quant", "required_gb", "available_gb", "decode_tps", "get", "note"),
    "Advice": ("schema_version", "hardware", "workload", "recommendation", "alternatives", "rejected", "companions",
               "model_fit", "model_suggestions", "warnings"),
}

_DEFAULTS: dict[str, dict[str, Any]] = {
    "Mig": {"enabled": True},
    "GPU": {"count": 1},
    "Apple": {"rosetta": False, "virtual": False},
    "Profile": {"simulated": False},
    "ModelFit": {"offload": False, "weights_gb": 0.0, "kv_cache_gb": 0.0, "overhead_gb": 0.0},
    "Speed": {"basis": ""},
    "Suggestion": {"note": ""},
    "Advice": {"schema_version": 1},
}
_LISTS = {"instances", "flags", "gpus", "nodes", "probes", "needs", "reasons", "operator_notes", "alternatives",
          "rejected", "companions", "model_suggestions", "warnings"}


def record(kind: str, **values: Any) -> Obj:
    """A record of ``kind`` with every field in the model's order; unknown fields are an error."""
    fields = FIELDS[kind]
    extra = set(values) - set(fields)
    if extra:
        raise TypeError(f"{kind} has no field(s) {', '.join(sorted(extra))}")
    defaults = _DEFAULTS.get(kind, {})
    out = {}
    for f in fields:
        if f in values:
            out[f] = values[f]
        elif f in defaults:
            out[f] = defaults[f]
        elif f in _LISTS:
            out[f] = []
        elif f == "cpu":
            out[f] = record("CPU")
        else:
            out[f] = None
    return Obj(**out)


def effective_memory_gb(profile: Any):
    """System memory a process can use: the container limit when there is one."""
    lim, mem = profile.memory_limit_gb, profile.memory_gb
    if lim is not None and mem is not None:
        return min(lim, mem)
    return lim if lim is not None else mem


__all__ = ["FIELDS", "effective_memory_gb", "record"]
