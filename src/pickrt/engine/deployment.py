"""The deployment: what pickrt advises is a launch, not a name (shared/design/deployment.md).

For the recommendation and every alternative the engine builds one :class:`Deployment`; the memory
fit, the speed estimate, the commands, the guide, the wizard, ``--json`` and the text output all
read it and nothing else. Nothing downstream re-derives a quant, a checkpoint, a port or a split.

This module holds only the shape (pure data, no I/O). The engine fills it in
(``engine/advise.py``); ``engine/speed.py`` estimates the speed *of this deployment as launched*
(its tensor/pipeline split, its placement, its ``max_sequences``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional


@dataclass
class Checkpoint:
    """What to download for ``quant``: a published checkpoint, or ``None`` fields plus ``make``.

    kind: ``hf`` (a Hugging Face repo of safetensors), ``gguf`` (a GGUF repo + file), ``ollama``
    (an Ollama tag), ``mlx`` (an MLX repo), ``local`` (a file or folder already on this machine).
    """

    kind: str
    repo: Optional[str] = None
    file: Optional[str] = None
    tag: Optional[str] = None
    make: Optional[str] = None
    """When no published checkpoint is known: the step that makes one (quantize/convert)."""
    source: Optional[str] = None


@dataclass
class Placement:
    """Where the weights live. ``gpu_layers is None`` and ``cpu_moe_layers == 0``: all on the GPU(s)."""

    gpu_layers: Optional[int] = None
    """Layers on the GPU(s) (``-ngl``) when some run on the CPU; ``None`` = all of them."""
    layers: Optional[int] = None
    """The model's layer count, when known."""
    cpu_moe_layers: int = 0
    """MoE layers whose expert tensors live in system RAM (``--n-cpu-moe``); attention and KV stay on the GPU."""


@dataclass
class Commands:
    get: list[str] = field(default_factory=list)
    serve: Optional[str] = None
    verify: Optional[str] = None


@dataclass
class Deployment:
    quant: str
    checkpoint: Optional[Checkpoint]
    gpus: int
    """Devices one replica uses (0 on CPU-only)."""
    nodes: int
    tensor_parallel: int
    pipeline_parallel: int
    replicas: int
    context: int
    """Tokens per sequence as the runtime allocates them (never above the model's maximum)."""
    max_sequences: int
    """Sequences served at once (slots / --max-num-seqs / OLLAMA_NUM_PARALLEL); the rest queue."""
    kv_cache_dtype: str = "f16"
    placement: Placement = field(default_factory=Placement)
    bind: Optional[str] = "127.0.0.1"
    env: dict[str, str] = field(default_factory=dict)
    commands: Commands = field(default_factory=Commands)
    split_by: Optional[str] = None
    """``tensor`` (TP within a node), ``pipeline`` (TP within nodes, PP stages across them) or
    ``layers`` (a runtime that splits only by whole layers, run one after another); None: one device."""
    rope_scaling: Optional[dict] = None
    """``{"type": "yarn", "factor": 4.0, "native": 32768}`` when ``context`` is beyond the native window."""
    replicas_per_node: int = 1
    """Replicas one machine holds (what a data-parallel flag in one command starts)."""
    users: int = 1
    """Requests the workload keeps in flight; ``users - max_sequences`` of them queue."""
    notes: list[str] = field(default_factory=list)
    """Why a field is what it is, where a senior operator would ask (YaRN, KV dtype, queueing...)."""

    @property
    def split(self) -> bool:
        return self.tensor_parallel > 1 or self.pipeline_parallel > 1

    @property
    def queued(self) -> int:
        """Requests that wait for a free slot at the workload's concurrency."""
        return max(0, self.users - self.max_sequences * self.replicas)


def as_record(d: Deployment):
    """The deployment as the advice's plain record (cli.md's ``deployment`` object)."""
    from pickrt.records import record

    c = d.checkpoint
    ck = None if c is None else record("CheckpointOut", kind=c.kind, repo=c.repo, file=c.file, tag=c.tag, make=c.make,
                                       source=c.source)
    p = d.placement
    return record(
        "Deployment", quant=d.quant, checkpoint=ck, gpus=d.gpus, nodes=d.nodes, tensor_parallel=d.tensor_parallel,
        pipeline_parallel=d.pipeline_parallel, replicas=d.replicas, context=d.context, max_sequences=d.max_sequences,
        kv_cache_dtype=d.kv_cache_dtype,
        placement=record("Placement", gpu_layers=p.gpu_layers, layers=p.layers, cpu_moe_layers=p.cpu_moe_layers),
        bind=d.bind, env=dict(d.env),
        commands=record("Commands", get=list(d.commands.get), serve=d.commands.serve, verify=d.commands.verify),
        split_by=d.split_by, rope_scaling=dict(d.rope_scaling) if d.rope_scaling else None, notes=list(d.notes),
    )


__all__ = ["Checkpoint", "Commands", "Deployment", "Placement", "as_record"]
