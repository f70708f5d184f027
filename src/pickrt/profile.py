"""The hardware profile: what detection (or what-if flags) knows about a machine.

This is the meeting point of detection and the engine. Unknown is ``None``, never a guess.
All ``*_gb`` fields are GiB (2**30 bytes).
"""


from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

Vendor = Literal["nvidia", "amd", "intel", "apple", "other"]
OSName = Literal["linux", "macos", "windows"]
ProbeStatus = Literal["ok", "missing", "timeout", "error"]
ClusterSource = Literal["kubectl", "ray", "slurm", "exo", "what-if"]
Interconnect = Literal["ethernet", "infiniband", "thunderbolt5", "internet", "nvlink"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class MigInstance(_Model):
    profile: Optional[str] = None
    memory_gb: Optional[float] = None


class Mig(_Model):
    enabled: bool = True
    instances: list[MigInstance] = Field(default_factory=list)


class GPU(_Model):
    vendor: Vendor
    name: Optional[str] = None
    vram_gb: Optional[float] = None
    compute_capability: Optional[str] = None
    gfx_target: Optional[str] = None
    driver: Optional[str] = None
    cuda_version: Optional[str] = None
    mig: Optional[Mig] = None
    unified_memory: Optional[bool] = None
    """True for GPUs that share system memory (Jetson, GB10/DGX Spark, Strix Halo, iGPUs)."""
    count: int = 1
    """Cluster node summaries may list one entry with a count; detection lists one entry per device."""


class CPU(_Model):
    model: Optional[str] = None
    cores: Optional[int] = None
    threads: Optional[int] = None
    flags: list[str] = Field(default_factory=list)
    """Notable flags only (avx2, avx512f, amx_tile, sve, neon...)."""


class Apple(_Model):
    chip: Optional[str] = None
    gpu_cores: Optional[int] = None
    memory_gb: Optional[float] = None
    gpu_usable_gb: Optional[float] = None
    rosetta: bool = False
    virtual: bool = False


class ClusterNode(_Model):
    name: Optional[str] = None
    gpus: list[GPU] = Field(default_factory=list)
    cpus: Optional[int] = None
    memory_gb: Optional[float] = None


class Cluster(_Model):
    source: ClusterSource
    nodes: list[ClusterNode] = Field(default_factory=list)
    gpus_total: Optional[int] = None
    interconnect: Optional[Interconnect] = None


class Probe(_Model):
    name: str
    status: ProbeStatus
    detail: Optional[str] = None


class Profile(_Model):
    os: Optional[OSName] = None
    arch: Optional[str] = None
    cpu: CPU = Field(default_factory=lambda: CPU.model_construct())
    memory_gb: Optional[float] = None
    memory_available_gb: Optional[float] = None
    memory_limit_gb: Optional[float] = None
    memory_bandwidth_gbs: Optional[float] = Field(default=None, gt=0, le=20000)
    """System RAM bandwidth in GB/s when the user gives it (``--memory-bandwidth``); null: pickrt assumes
    one from the CPU platform (knowledge/hardware/speed.yaml) and says so."""
    gpus: list[GPU] = Field(default_factory=list)
    apple: Optional[Apple] = None
    cluster: Optional[Cluster] = None
    probes: list[Probe] = Field(default_factory=list)
    simulated: bool = False
    """True when built from what-if flags or a profile file rather than detected here."""

    @property
    def effective_memory_gb(self) -> Optional[float]:
        """System memory a process here can use: the container limit when there is one."""
        if self.memory_limit_gb is not None and self.memory_gb is not None:
            return min(self.memory_limit_gb, self.memory_gb)
        return self.memory_limit_gb if self.memory_limit_gb is not None else self.memory_gb


__all__ = [
    "Apple", "CPU", "Cluster", "ClusterNode", "GPU", "Interconnect", "Mig", "MigInstance",
    "OSName", "Probe", "ProbeStatus", "Profile", "Vendor",
]
