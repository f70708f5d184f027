"""Pydantic models of the knowledge catalog (``knowledge/``).

Every file kind has a model here; ``extra="forbid"`` so that a typo in a user's overlay is an
error that names the field. JSON Schemas in ``knowledge/schema/`` are generated from these.
"""


from typing import Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field

Zone = Literal["desktop", "high-throughput", "apple-silicon", "quantized", "distributed", "bridges"]
Kind = Literal["engine", "bridge"]
State = Literal["active", "maintenance", "archived", "dead"]
OS = Literal["linux", "macos", "windows"]
Arch = Literal["x86_64", "arm64"]
InstallTarget = Literal["linux", "macos", "windows", "docker"]
QuantFormat = Literal[
    "gguf", "exl2", "exl3", "awq", "gptq", "fp8", "nvfp4", "mxfp4", "mlx", "bf16",
    "int8", "bitsandbytes", "other",
]
HttpShape = Literal["ollama", "openai-models", "health-ok", "lmstudio", "any-http"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class Source(_Model):
    """Where a fact comes from: a URL, or a file in a repository at a commit."""

    url: Optional[str] = None
    repo: Optional[str] = None
    path: Optional[str] = None
    commit: Optional[str] = None
    what: Optional[str] = None
    note: Optional[str] = None
    as_of: Optional[str] = None


class Status(_Model):
    state: State
    since: Optional[str] = None
    evidence: Optional[str] = None
    source: Optional[str] = None
    as_of: Optional[str] = None
    inferred: bool = False


class Release(_Model):
    version: Optional[str] = None
    date: Optional[str] = None
    source: Optional[str] = None
    note: Optional[str] = None


class Platform(_Model):
    os: OS
    arch: Arch
    note: Optional[str] = None
    native: bool = True
    """False where it runs only through a plugin, WSL or a source build the project does not ship."""


class Backend(_Model):
    supported: Optional[bool] = None
    min_compute_capability: Optional[str] = None
    note: Optional[str] = None


class Accelerators(_Model):
    cuda: Backend = Field(default_factory=Backend)
    rocm: Backend = Field(default_factory=Backend)
    metal: Backend = Field(default_factory=Backend)
    intel: Backend = Field(default_factory=Backend)
    vulkan: Backend = Field(default_factory=Backend)
    cpu: Backend = Field(default_factory=Backend)
    other: Optional[str] = None


class Api(_Model):
    openai_compatible: Optional[bool] = None
    default_port: Optional[int] = None
    base_path: str = "/v1"
    health_path: Optional[str] = None
    health_note: Optional[str] = None
    bind_default: Optional[str] = None
    probe_path: Optional[str] = None
    """Path doctor GETs on loopback to tell this runtime apart from others on the same port."""
    probe_shape: Optional[HttpShape] = None
    native_api: Optional[str] = None


BackendName = Literal["cuda", "rocm", "metal", "intel", "vulkan", "cpu"]


class ServerStart(_Model):
    """An install step that leaves the server running (a system service, a desktop app)."""

    how: Literal["service", "app"]
    check: Optional[str] = None
    """A command that shows whether it runs (``systemctl status ollama``); else the guide curls the health path."""
    note: Optional[str] = None
    """What the installer does, in one sentence."""
    env: Optional[str] = None
    """How to give this server environment variables (the service does not read your shell's)."""
    source: Optional[str] = None


class Step(_Model):
    """One install step: a command to run, or a sentence (with a link) where there is none."""

    run: Optional[str] = None
    text: Optional[str] = None
    url: Optional[str] = None
    backends: list[BackendName] = Field(default_factory=list)
    """Only for these accelerators (a CUDA wheel, a CPU build); empty: for all."""
    starts: Optional[ServerStart] = None
    """This step also starts the server (a service, an app): the guide checks it before starting another."""


class Detect(_Model):
    binaries: list[str] = Field(default_factory=list)
    python_packages: list[str] = Field(default_factory=list)
    app_bundles: list[str] = Field(default_factory=list)
    windows_dirs: list[str] = Field(default_factory=list)
    docker_images: list[str] = Field(default_factory=list)
    version_command: Optional[str] = None


class MultiGpu(_Model):
    split: bool = False
    """Can spread one model over several GPUs in one machine (layers or tensors)."""
    tensor_parallel: Optional[bool] = None
    pipeline_parallel: Optional[bool] = None
    note: Optional[str] = None


class MultiNode(_Model):
    supported: bool = False
    note: Optional[str] = None


class Features(_Model):
    continuous_batching: Optional[bool] = None
    paged_attention: Optional[bool] = None
    prefix_caching: Optional[bool] = None
    speculative_decoding: Optional[bool] = None
    structured_output: Optional[bool] = None
    multi_lora: Optional[bool] = None
    vision: Optional[bool] = None
    multimodal: Optional[bool] = None
    """Several modalities (image generation, audio, embeddings) behind one API."""
    gui: Optional[bool] = None
    single_file: Optional[bool] = None
    hf_hub: Optional[bool] = None
    kubernetes: Optional[bool] = None
    chat_ui: Optional[bool] = None
    rag: Optional[bool] = None
    cpu_offload: Optional[bool] = None
    """Can keep some layers in system RAM when the model does not fit VRAM."""
    note: Optional[str] = None


class Memory(_Model):
    overhead_gb: float = 0.8
    """Runtime overhead per GPU process (context, compute buffers), GiB."""
    preallocate_fraction: Optional[float] = None
    """Fraction of each GPU's memory claimed at start-up (vLLM's gpu_memory_utilization)."""
    note: Optional[str] = None
    source: Optional[str] = None


class Efficiency(_Model):
    """Decode efficiency: achieved share of the memory-bandwidth roofline, per backend."""

    cuda: Optional[float] = None
    rocm: Optional[float] = None
    metal: Optional[float] = None
    intel: Optional[float] = None
    cpu: Optional[float] = None
    source: Optional[str] = None


class Note(_Model):
    text: str
    source: Optional[str] = None
    as_of: Optional[str] = None


class Failure(_Model):
    symptom: str
    fix: str
    source: Optional[str] = None


class Runtime(_Model):
    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    zone: Zone
    kind: Kind = "engine"
    core: bool = True
    summary: str = ""
    homepage: Optional[str] = None
    repo: Optional[str] = None
    license: Optional[str] = None
    open_source: Optional[bool] = None
    status: Status
    latest_release: Optional[Release] = None
    superseded_by: Optional[str] = None
    engines: list[str] = Field(default_factory=list)
    """Engines this runtime drives (Ray Serve over vLLM/SGLang, TabbyAPI over ExLlamaV3)."""
    platforms: list[Platform] = Field(default_factory=list)
    accelerators: Accelerators = Field(default_factory=Accelerators)
    quant_formats: list[QuantFormat] = Field(default_factory=list)
    default_quant: Optional[str] = None
    quant_fallbacks: list[QuantFormat] = Field(default_factory=list)
    """Formats it still runs on GPUs without native support for them (weight-only kernels)."""
    quant_note: Optional[str] = None
    api: Api = Field(default_factory=Api)
    install: dict[InstallTarget, list[Step]] = Field(default_factory=dict)
    get_model: Optional[str] = None
    """Command template to fetch a model: {hf_repo}, {gguf_repo}, {ollama_tag}, {mlx_repo}, {quant}."""
    get_model_needs_server: bool = False
    """The download command talks to the running server (``ollama pull``): the guide starts the server first."""
    serve: Optional[str] = None
    """Command template to serve: {model}, {port}."""
    detect: Detect = Field(default_factory=Detect)
    multi_gpu: MultiGpu = Field(default_factory=MultiGpu)
    multi_node: MultiNode = Field(default_factory=MultiNode)
    features: Features = Field(default_factory=Features)
    memory: Memory = Field(default_factory=Memory)
    efficiency: Efficiency = Field(default_factory=Efficiency)
    operator_notes: list[Note] = Field(default_factory=list)
    common_failures: list[Failure] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    as_of: str
    """Date the entry was last checked against its sources (YYYY-MM-DD)."""


# ---- rules -------------------------------------------------------------------------------

Traffic = Literal["chat", "diverse", "shared-prefix", "structured", "agent-loop", "batch"]
Goal = Literal["easy", "throughput", "latency"]
Need = Literal["gui", "single-file", "openai-api", "multimodal", "hf-hub", "kubernetes", "chat-ui", "rag"]
HwClass = Literal[
    "apple", "nvidia", "nvidia-datacenter", "nvidia-consumer", "amd", "intel", "jetson",
    "cpu-only", "unified", "fp8-native", "fp4-native",
]


class Condition(_Model):
    """All given fields must hold (AND); a list means any of its values (OR)."""

    traffic: Optional[list[Traffic]] = None
    goal: Optional[list[Goal]] = None
    needs_any: Optional[list[Need]] = None
    needs_none: Optional[list[Need]] = None
    quant: Optional[list[QuantFormat]] = None
    os: Optional[list[OS]] = None
    hardware: Optional[list[HwClass]] = None
    not_hardware: Optional[list[HwClass]] = None
    users_min: Optional[int] = None
    users_max: Optional[int] = None
    context_min: Optional[int] = None
    gpus_min: Optional[int] = None
    nodes_min: Optional[int] = None
    nodes_max: Optional[int] = None
    interconnect: Optional[list[str]] = None
    fits_one_node: Optional[bool] = None
    """Whether the model fits one machine (None: no model given, or not relevant)."""
    model_given: Optional[bool] = None
    named_runtime: Optional[bool] = None
    """True when the user named the runtime being judged with --runtime."""


class Target(_Model):
    """Which runtimes a rule acts on: by slug, zone, or a feature they have."""

    runtimes: Optional[list[str]] = None
    zones: Optional[list[Zone]] = None
    feature: Optional[str] = None
    quant: Optional[QuantFormat] = None
    """Runtimes that load this quant format."""


class Action(_Model):
    reject: Optional[str] = None
    prefer: Optional[float] = None
    reason: Optional[str] = None
    note: Optional[str] = None
    warning: Optional[str] = None


class RuleExample(_Model):
    args: list[str]
    expect_recommend: Optional[list[str]] = None
    expect_rejected: Optional[list[str]] = None
    expect_not_recommend: Optional[list[str]] = None


class Rule(_Model):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    description: str
    when: Condition = Field(default_factory=Condition)
    target: Target
    then: Action
    source: Optional[str] = None
    examples: list[RuleExample] = Field(default_factory=list)


class RuleFile(_Model):
    topic: str
    rules: list[Rule]


# ---- hardware and models -----------------------------------------------------------------


class GpuSpec(_Model):
    name: str
    aliases: list[str] = Field(default_factory=list)
    vendor: Literal["nvidia", "amd", "intel"]
    cls: Literal["consumer", "workstation", "datacenter", "embedded", "apu"] = Field(alias="class")
    arch: Optional[str] = None
    compute_capability: Optional[str] = None
    gfx: Optional[str] = None
    vram_gb: Optional[float] = None
    memory_bandwidth_gbs: Optional[float] = None
    fp16_tflops: Optional[float] = None
    fp8: Optional[bool] = None
    fp4: Optional[bool] = None
    unified_memory: bool = False
    year: Optional[int] = None
    source: Optional[str] = None
    note: Optional[str] = None

    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)


class AppleBin(_Model):
    gpu_cores: int
    memory_gb: list[float]
    bandwidth_gbs: float
    cpu_cores: Optional[int] = None


class AppleChip(_Model):
    name: str
    year: Optional[int] = None
    bins: list[AppleBin]
    thunderbolt5: bool = False
    fp16_tflops_per_core: Optional[float] = None
    source: Optional[str] = None
    note: Optional[str] = None


class ModelSpec(_Model):
    id: str
    aliases: list[str] = Field(default_factory=list)
    hf_repo: Optional[str] = None
    family: Optional[str] = None
    params_b: float
    active_params_b: Optional[float] = None
    layers: int
    hidden_size: Optional[int] = None
    attention_heads: Optional[int] = None
    kv_heads: int
    head_dim: int
    kv_lora_rank: Optional[int] = None
    qk_rope_head_dim: Optional[int] = None
    sliding_window: Optional[int] = None
    sliding_layers: Optional[int] = None
    """How many of the layers use the sliding window (the rest attend to the full context)."""
    max_context: Optional[int] = None
    native_format: Optional[QuantFormat] = None
    """Published quantized format (gpt-oss: mxfp4, DeepSeek-V3: fp8); None for BF16 releases."""
    native_size_gb: Optional[float] = None
    """Checkpoint size in its native format, GiB, where the format mixes precisions."""
    multimodal: bool = False
    ollama_tag: Optional[str] = None
    gguf_repo: Optional[str] = None
    mlx_repo: Optional[str] = None
    license: Optional[str] = None
    gated: Optional[bool] = None
    source: Optional[str] = None
    note: Optional[str] = None


class QuantSpec(_Model):
    id: str
    format: QuantFormat
    bpw: float
    aliases: list[str] = Field(default_factory=list)
    note: Optional[str] = None
    source: Optional[str] = None


class GpuFile(_Model):
    as_of: str
    sources: dict[str, Union[str, Source]] = Field(default_factory=dict)
    gpus: list[GpuSpec]


class AppleFile(_Model):
    as_of: str
    gpu_usable_fraction: dict[str, float]
    sources: dict[str, Union[str, Source]] = Field(default_factory=dict)
    chips: list[AppleChip]


class ModelFile(_Model):
    as_of: str
    models: list[ModelSpec]


class QuantFile(_Model):
    as_of: str
    default_for_format: dict[QuantFormat, str]
    quants: list[QuantSpec]
    sources: dict[str, Union[str, Source]] = Field(default_factory=dict)


__all__ = [
    "Accelerators", "Action", "Api", "AppleBin", "AppleChip", "AppleFile", "Backend", "Condition",
    "Detect", "Efficiency", "Failure", "Features", "GpuFile", "GpuSpec", "Memory", "ModelFile",
    "ModelSpec", "MultiGpu", "MultiNode", "Note", "Platform", "QuantFile", "QuantFormat",
    "QuantSpec", "Release", "Rule", "RuleExample", "RuleFile", "Runtime", "Source", "Status",
    "Step", "Target", "Zone",
]
