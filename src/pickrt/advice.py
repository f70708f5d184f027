"""The advice document: what ``pickrt --json`` prints (cli.md), as pydantic models.

Every renderer (JSON, text, Markdown guide, TUI) reads this one object.
"""


from typing import Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field

from pickrt.profile import Profile

SCHEMA_VERSION = 1

ReasonKind = Literal["gate", "fit", "lifecycle", "rule", "local", "asked", "pick", "rank", "tradeoff"]
"""gate: a hardware/OS/format fact; fit: memory; lifecycle: the project's state (archived, superseded);
rule: a catalog rule's judgment; local: what is installed or running here; asked: you named it with --runtime; pick: pickrt's own pick when
another runtime was asked for; rank: ranked below the recommendation; tradeoff: an alternative's own trade-off
against the pick (engine/whynot.py)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class WorkloadOut(_Model):
    traffic: str
    users: int
    quant: str
    model: Optional[str]
    context: int
    goal: str
    needs: list[str]
    runtime: Optional[str] = None


class Speed(_Model):
    """Speed of the deployment as launched (engine/speed.py). Each range is [lo, hi] tokens/s; null only
    with the reason in ``basis``."""

    decode_tps: Optional[list[float]] = None
    """Decode per sequence at the workload's concurrency (the sequences the deployment serves at once)."""
    single_stream_tps: Optional[list[float]] = None
    """Decode of one sequence alone."""
    aggregate_tps: Optional[list[float]] = None
    """Decode tokens/s summed over every sequence in flight (all replicas)."""
    prefill_tps: Optional[list[float]] = None
    concurrent_sequences: Optional[int] = None
    """Sequences the deployment serves at once (max_sequences x replicas); the rest queue."""
    basis: str = ""


class CheckpointOut(_Model):
    """What to download: a published repo / GGUF file / Ollama tag / MLX repo, or the step that makes it."""

    kind: str
    repo: Optional[str] = None
    file: Optional[str] = None
    tag: Optional[str] = None
    make: Optional[str] = None
    source: Optional[str] = None


class Placement(_Model):
    gpu_layers: Optional[int] = None
    layers: Optional[int] = None
    cpu_moe_layers: int = 0


class Commands(_Model):
    get: list[str]
    serve: Optional[str] = None
    verify: Optional[str] = None


class Deployment(_Model):
    """One launch (deployment.md): every output renders this and nothing else."""

    quant: str
    checkpoint: Optional[CheckpointOut]
    gpus: int
    nodes: int
    tensor_parallel: int
    pipeline_parallel: int
    replicas: int
    context: int
    max_sequences: int
    kv_cache_dtype: str = "f16"
    placement: Placement
    bind: Optional[str] = None
    env: dict[str, str]
    commands: Commands
    split_by: Optional[Literal["tensor", "layers", "pipeline"]] = None
    """How one replica is spread over its GPUs: tensor parallel, whole layers one after another, or
    tensor parallel within nodes and pipeline stages across them. None: one device."""
    rope_scaling: Optional[dict[str, Union[str, int, float]]] = None
    """{"type": "yarn", "factor": 4.0, "native": 32768} when the context is beyond the native window."""
    notes: list[str] = Field(default_factory=list)


class Recommendation(_Model):
    runtime: str
    name: str
    zone: str
    reasons: list[str]
    kinds: list[ReasonKind] = Field(default_factory=list)
    """One per reason, same order: what the reason is about (see ``ReasonKind``)."""
    operator_notes: list[str]
    install: dict[str, list[str]]
    serve: Optional[str]
    endpoint: Optional[str]
    deployment: Optional[Deployment] = None
    speed: Optional[Speed] = None


class Alternative(_Model):
    runtime: str
    name: str
    zone: str
    reasons: list[str]
    kinds: list[ReasonKind] = Field(default_factory=list)
    deployment: Optional[Deployment] = None
    speed: Optional[Speed] = None


class Listed(_Model):
    runtime: str
    name: str
    reasons: list[str]
    kinds: list[ReasonKind] = Field(default_factory=list)


class ModelFit(_Model):
    fits: bool
    required_gb: float
    available_gb: float
    quant: str
    detail: str
    offload: bool = False
    weights_gb: float = 0.0
    kv_cache_gb: float = 0.0
    overhead_gb: float = 0.0
    gpu_layers: Optional[int] = None
    runtime: Optional[str] = None


class Suggestion(_Model):
    model: str
    quant: str
    required_gb: float
    available_gb: float
    decode_tps: Optional[list[float]] = None
    get: Optional[str] = None
    note: str = ""


class Advice(_Model):
    schema_version: Literal[1] = SCHEMA_VERSION
    hardware: Profile
    workload: WorkloadOut
    recommendation: Optional[Recommendation]
    alternatives: list[Alternative] = Field(default_factory=list)
    rejected: list[Listed] = Field(default_factory=list)
    companions: list[Listed] = Field(default_factory=list)
    model_fit: Optional[ModelFit] = None
    model_suggestions: list[Suggestion] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)


__all__ = [
    "Advice", "Alternative", "CheckpointOut", "Commands", "Deployment", "Listed", "ReasonKind", "Placement", "ModelFit", "Recommendation", "SCHEMA_VERSION", "Speed",
    "Suggestion", "WorkloadOut",
]
