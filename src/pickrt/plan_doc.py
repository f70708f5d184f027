"""The plan document: what ``pickrt plan MODEL --json`` prints, as pydantic models.

The engine (``engine/plan.py``) builds plain records with exactly these fields; these models are the
definition, generate ``knowledge/schema/plan.schema.json`` (``make schemas``) and a test validates
real output against that schema. ``model_fit`` and ``speed`` are the advice's own models.
"""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from pickrt.advice import ModelFit, Speed


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class PlanWorkload(_Model):
    traffic: str
    users: int
    quant: str
    model: str | None
    context: int
    goal: str
    needs: list[str]
    runtime: str | None = None
    min_tps: float | None = None
    """Target decode tokens/s per user (--min-tps): an option serves only if its low estimate reaches it."""
    budget: str | None = None


class PlanHardware(_Model):
    label: str
    kind: Literal["gpu", "apple", "cpu"]
    gpu: str | None = None
    gpus: int = 0
    """GPUs per node."""
    nodes: int = 1
    apple: str | None = None
    memory_gb: float | None = None
    """Unified memory of a Mac, RAM of a CPU-only box (GB as sold); null for GPU machines."""
    accelerator_memory_gb: float
    """What the order goes by: VRAM of all GPUs, unified memory of all Macs, RAM of a CPU box (GB as sold)."""
    interconnect: str | None = None
    year: int | None = None
    hw_class: str | None = None
    flags: list[str] = Field(default_factory=list)
    """The what-if options that describe this machine: `pickrt MODEL-OPTIONS <flags>` gives its full advice."""


class PlanOption(_Model):
    hardware: PlanHardware
    runtime: str
    deployment: dict[str, Any] | None = None
    model_fit: ModelFit
    speed: Speed | None = None
    why: list[str]


class ConcurrencyRow(_Model):
    context: int
    kv_gb_per_sequence: float
    sequences: int | None
    sequences_kv_q8: int | None


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
    speed: Speed | None = None


class ThisMachine(_Model):
    hardware: str
    serves: bool
    runtime: str | None = None
    deployment: dict[str, Any] | None = None
    model_fit: ModelFit | None = None
    speed: Speed | None = None
    lacks: list[str] = Field(default_factory=list)
    """What it lacks, each starting with memory:, bandwidth:, format: or a runtime:."""
    upgrade: Upgrade | None = None
    concurrency: Concurrency | None = None


class Plan(_Model):
    schema_version: Literal[1] = 1
    model: str
    workload: PlanWorkload
    order: str
    """What the options are ordered by (cheapest first as far as pickrt can tell)."""
    options: list[PlanOption]
    concurrency: Concurrency | None = None
    """Sequences that fit per context length for the first option's deployment, with and without an 8-bit KV cache."""
    this_machine: ThisMachine | None = None
    warnings: list[str] = Field(default_factory=list)


__all__ = ["Concurrency", "ConcurrencyRow", "Plan", "PlanHardware", "PlanOption", "PlanWorkload", "ThisMachine",
           "Upgrade"]
