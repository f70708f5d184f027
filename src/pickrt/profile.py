"""The hardware profile: what detection (or what-if flags) knows about a machine.

This is the meeting point of detection and the engine. Unknown is ``None``, never a guess.
All ``*_gb`` fields are GiB (2**30 bytes).
"""


from typing import Annotated, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

from pickrt import bounds as _B

# Every number and size from a profile file has a bound (pickrt.bounds): NaN, inf, 1e308 and
# negative sizes are bad input, and counts cannot make the engine build millions of records.
GiB = Annotated[float, Field(gt=0, le=_B.MAX_GB, allow_inf_nan=False)]
Name = Annotated[str, Field(max_length=_B.MAX_TEXT)]
Threads = Annotated[int, Field(ge=1, le=_B.MAX_CPU_THREADS)]

Vendor = Literal["nvidia", "amd", "intel", "apple", "other"]
OSName = Literal["linux", "macos", "windows"]
ProbeStatus = Literal["ok", "missing", "timeout", "error"]
ClusterSource = Literal["kubectl", "ray", "slurm", "exo", "what-if"]
Interconnect = Literal["ethernet", "infiniband", "thunderbolt5", "internet", "nvlink"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class MigInstance(_Model):
    profile: Optional[Name] = None
    memory_gb: Optional[GiB] = None


class Mig(_Model):
    enabled: bool = True
    instances: list[MigInstance] = Field(default_factory=list, max_length=_B.MAX_LIST)


class GPU(_Model):
    vendor: Vendor
    name: Optional[Name] = None
    vram_gb: Optional[GiB] = None
    compute_capability: Optional[Name] = None
    gfx_target: Optional[Name] = None
    driver: Optional[Name] = None
    cuda_version: Optional[Name] = None
    mig: Optional[Mig] = None
    unified_memory: Optional[bool] = None
    """True for GPUs that share system memory (Jetson, GB10/DGX Spark, Strix Halo, iGPUs)."""
    count: int = Field(1, ge=1, le=_B.MAX_GPUS_PER_NODE)
    """Cluster node summaries may list one entry with a count; detection lists one entry per device."""


class CPU(_Model):
    model: Optional[Name] = None
    cores: Optional[Threads] = None
    threads: Optional[Threads] = None
    flags: list[Name] = Field(default_factory=list, max_length=_B.MAX_LIST)
    """Notable flags only (avx2, avx512f, amx_tile, sve, neon...)."""


class Apple(_Model):
    chip: Optional[Name] = None
    gpu_cores: Optional[Threads] = None
    memory_gb: Optional[GiB] = None
    gpu_usable_gb: Optional[GiB] = None
    """GPU-usable share of unified memory, GiB. Detection sets it only from the live limit macOS reports
    (``iogpu.wired_limit_mb``); when null the engine applies the catalog's default share."""
    rosetta: bool = False
    """This process runs as x86_64 under Rosetta 2 (``sysctl.proc_translated``)."""
    virtual: bool = False
    machine_model: Optional[Name] = None
    """The Mac's model identifier (``MacBookAir10,1``): it names the chip when Rosetta hides it."""


class ClusterNode(_Model):
    name: Optional[Name] = None
    gpus: list[GPU] = Field(default_factory=list, max_length=_B.MAX_GPUS_PER_NODE)
    cpus: Optional[Threads] = None
    memory_gb: Optional[GiB] = None


class Cluster(_Model):
    source: ClusterSource
    nodes: list[ClusterNode] = Field(default_factory=list, max_length=_B.MAX_NODES)
    gpus_total: Optional[int] = Field(None, ge=0, le=_B.MAX_NODES * _B.MAX_GPUS_PER_NODE)
    interconnect: Optional[Interconnect] = None


class Probe(_Model):
    name: Name
    status: ProbeStatus
    detail: Optional[Annotated[str, Field(max_length=_B.MAX_DETAIL)]] = None


class Profile(_Model):
    os: Optional[OSName] = None
    arch: Optional[Name] = None
    cpu: CPU = Field(default_factory=lambda: CPU.model_construct())
    memory_gb: Optional[GiB] = None
    memory_available_gb: Optional[GiB] = None
    memory_limit_gb: Optional[GiB] = None
    gpus: list[GPU] = Field(default_factory=list, max_length=_B.MAX_GPUS_PER_NODE)
    apple: Optional[Apple] = None
    cluster: Optional[Cluster] = None
    probes: list[Probe] = Field(default_factory=list, max_length=_B.MAX_LIST)
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
