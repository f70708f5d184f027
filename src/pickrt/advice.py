"""The advice document: what ``pickrt --json`` prints (cli.md), as pydantic models.

Every renderer (JSON, text, Markdown guide, TUI) reads this one object.
"""


from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

from pickrt.profile import Profile

SCHEMA_VERSION = 1

ReasonKind = Literal["gate", "fit", "lifecycle", "rule", "local", "asked", "pick", "rank"]
"""gate: a hardware/OS/format fact; fit: memory; lifecycle: the project's state (archived, superseded);
rule: a catalog rule's judgment; local: what is installed or running here; asked: you named it with --runtime; pick: pickrt's own pick when
another runtime was asked for; rank: ranked below the recommendation."""


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
    decode_tps: Optional[list[float]] = None
    prefill_tps: Optional[list[float]] = None
    concurrent_sequences: Optional[int] = None
    basis: str = ""


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
    speed: Optional[Speed] = None


class Alternative(_Model):
    runtime: str
    name: str
    zone: str
    reasons: list[str]
    kinds: list[ReasonKind] = Field(default_factory=list)
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
    "Advice", "Alternative", "Listed", "ReasonKind", "ModelFit", "Recommendation", "SCHEMA_VERSION", "Speed",
    "Suggestion", "WorkloadOut",
]
