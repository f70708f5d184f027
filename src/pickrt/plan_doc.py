"""The plan document: what ``pickrt plan MODEL --json`` prints, as pydantic models.

The engine (``engine/plan.py``) builds plain records with exactly these fields; these models are the
definition, generate ``knowledge/schema/plan.schema.json`` (``make schemas``) and a test validates
real output against that schema. ``model_fit`` and ``speed`` are the advice's own models.
"""

from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

from pickrt.advice import ModelFit, Speed


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class PlanWorkload(_Model):
    traffic: str
    users: int
    quant: str
    model: Optional[str]
    context: int
    goal: str
    needs: list[str]
    runtime: Optional[str] = None
    min_tps: Optional[float] = None
    """Target decode tokens/s per user (--min-tps): an option serves only if its low estimate reaches it."""
    budget: Optional[str] = None


class PlanHardware(_Model):
    label: str
    kind: Literal["gpu", "apple", "cpu"]
    gpu: Optional[str] = None
    gpus: int = 0
    """GPUs per node."""
    nodes: int = 1
    apple: Optional[str] = None
    memory_gb: Optional[float] = None
    """Unified memory of a Mac, RAM of a CPU-only box (GB as sold); null for GPU machines."""
    accelerator_memory_gb: float
    """What the order goes by: VRAM of all GPUs, unified memory of all Macs, RAM of a CPU box (GB as sold)."""
    interconnect: Optional[str] = None
    year: Optional[int] = None
    hw_class: Optional[str] = None
    flags: list[str] = Field(default_factory=list)
    """The what-if options that describe this machine: `pickrt MODEL-OPTIONS <flags>` gives its full advice."""


class PlanOption(_Model):
    hardware: PlanHardware
    runtime: str
    deployment: Optional[dict[str, Any]] = None
    model_fit: ModelFit
    speed: Optional[Speed] = None
    why: list[str]


class ConcurrencyRow(_Model):
    context: int
    kv_gb_per_sequence: float
    sequences: Optional[int]
    sequences_kv_q8: Optional[int]


class Concurrency(_Model):
    hardware: str
    runtime: str
    room_gb: float
    basis: str
    rows: list[ConcurrencyRow]


class Upgrade(_Model):
    hardware: PlanHardware
    runtime: str
    change: str
    model_fit: ModelFit
    speed: Optional[Speed] = None


class ThisMachine(_Model):
    hardware: str
    serves: bool
    runtime: Optional[str] = None
    deployment: Optional[dict[str, Any]] = None
    model_fit: Optional[ModelFit] = None
    speed: Optional[Speed] = None
    lacks: list[str] = Field(default_factory=list)
    """What it lacks, each starting with memory:, bandwidth:, format: or a runtime:."""
    upgrade: Optional[Upgrade] = None
    concurrency: Optional[Concurrency] = None


class Plan(_Model):
    schema_version: Literal[1] = 1
    model: str
    workload: PlanWorkload
    order: str
    """What the options are ordered by (cheapest first as far as pickrt can tell)."""
    options: list[PlanOption]
    concurrency: Optional[Concurrency] = None
    """Sequences that fit per context length for the first option's deployment, with and without an 8-bit KV cache."""
    this_machine: Optional[ThisMachine] = None
    warnings: list[str] = Field(default_factory=list)


__all__ = ["Concurrency", "ConcurrencyRow", "Plan", "PlanHardware", "PlanOption", "PlanWorkload", "ThisMachine", "Upgrade"]
