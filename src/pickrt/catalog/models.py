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
    "int8", "bitsandbytes", "openvino", "other",
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
    min_compute_capability: Optional[str] = Field(default=None, pattern=r"^\d+\.\d+$")
    """CUDA: the lowest compute capability any of its builds supports (e.g. '8.0'); a GPU below it is rejected."""
    gfx_targets: Optional[list[str]] = None
    """ROCm: the gfx targets the project lists (gfx90a, gfx942, 'gfx110X' = gfx1100-gfx110f); a GPU whose gfx target
    is known and not listed is rejected (or falls back to Vulkan). None: no list, every ROCm GPU passes."""
    devices: Optional[list[str]] = None
    """Intel / NPU: device kinds it runs on (arc, data-center-gpu, igpu; xdna2, intel-npu)."""
    note: Optional[str] = None
    source: Optional[str] = None


class Accelerators(_Model):
    cuda: Backend = Field(default_factory=Backend)
    rocm: Backend = Field(default_factory=Backend)
    metal: Backend = Field(default_factory=Backend)
    intel: Backend = Field(default_factory=Backend)
    vulkan: Backend = Field(default_factory=Backend)
    cpu: Backend = Field(default_factory=Backend)
    npu: Backend = Field(default_factory=Backend)
    """Neural processing units (AMD XDNA2 Ryzen AI, Intel Core Ultra NPU); informative until profiles report NPUs."""
    other: Optional[str] = None


class Api(_Model):
    openai_compatible: Optional[bool] = None
    default_port: Optional[int] = Field(None, ge=1, le=65535)
    base_path: str = "/v1"
    health_path: Optional[str] = None
    health_note: Optional[str] = None
    bind_default: Optional[str] = None
    bind_note: Optional[str] = None
    other_ports: list[int] = Field(default_factory=list)
    """Ports it also listens on by default in some versions (llama-server's announced 9931); doctor probes them too."""
    ports_note: Optional[str] = None
    probe_path: Optional[str] = None
    """Path doctor GETs on loopback to tell this runtime apart from others on the same port."""
    probe_shape: Optional[HttpShape] = None
    native_api: Optional[str] = None


class Step(_Model):
    """One install step: a command to run, or a sentence (with a link) where there is none."""

    run: Optional[str] = None
    text: Optional[str] = None
    url: Optional[str] = None


class Detect(_Model):
    binaries: list[str] = Field(default_factory=list)
    python_packages: list[str] = Field(default_factory=list)
    app_bundles: list[str] = Field(default_factory=list)
    windows_dirs: list[str] = Field(default_factory=list)
    docker_images: list[str] = Field(default_factory=list)
    version_command: Optional[str] = None
    model_id_hints: list[str] = Field(default_factory=list)
    """Substrings of served model ids that point at this runtime (mlx-community/, .llamafile) when several
    runtimes answer on the same port."""


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


class Container(_Model):
    """A container-first runtime: it runs models inside OCI containers that it pulls itself."""

    required: bool = True
    """True when it needs a container engine to run at all (Docker Model Runner, RamaLama)."""
    engines: list[Literal["docker", "podman"]] = Field(default_factory=list)
    note: Optional[str] = None
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
    order: Optional[int] = None
    """Tie-break rank when two runtimes score the same (lower first); runtimes without one come after, by slug."""
    container: Optional[Container] = None
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
    "cpu-only", "unified", "fp8-native", "fp4-native", "thunderbolt5",
]
"""``thunderbolt5``: an Apple chip with Thunderbolt 5 ports (knowledge/hardware/apple.yaml), which exo's RDMA needs."""


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
    fits_anywhere: Optional[bool] = None
    """Whether any runtime here can hold the model at all, offloading included (None: no model given)."""
    rosetta: Optional[bool] = None
    """Whether pickrt runs as an x86_64 process under Rosetta 2 on an Apple Silicon Mac."""


TargetFeature = Literal[
    "continuous_batching", "paged_attention", "prefix_caching", "speculative_decoding", "structured_output",
    "multi_lora", "vision", "multimodal", "gui", "single_file", "hf_hub", "kubernetes", "chat_ui", "rag",
    "cpu_offload", "openai_compatible", "not_core", "status:active", "status:maintenance", "status:archived",
    "status:dead",
]
"""A `Features` flag the runtime has, ``openai_compatible``, ``not_core`` or ``status:<state>``; a test keeps the
flags in step with ``Features``."""


class Target(_Model):
    """Which runtimes a rule acts on: by slug, zone, or a feature they have."""

    runtimes: Optional[list[str]] = None
    zones: Optional[list[Zone]] = None
    feature: Optional[TargetFeature] = None
    quant: Optional[QuantFormat] = None
    """Runtimes that load this quant format."""


class Action(_Model):
    reject: Optional[str] = None
    prefer: Optional[float] = None
    reason: Optional[str] = None
    note: Optional[str] = None
    warning: Optional[str] = None
    """A warning shown when the targeted runtime is the recommendation."""
    advice_warning: Optional[str] = None
    """A warning shown in the advice whenever the rule holds, whatever becomes of the targeted runtime
    (Petals is not a way out when nothing can hold the model)."""


class RuleExample(_Model):
    args: list[str]
    expect_recommend: Optional[list[str]] = None
    expect_rejected: Optional[list[str]] = None
    expect_not_recommend: Optional[list[str]] = None
    expect_warning: Optional[str] = None
    """A substring of one of the advice's warnings or the recommendation's operator notes."""
    expect_no_warning: Optional[str] = None
    """A substring that none of them may contain."""


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
    unconfirmed: list[Literal["vram_gb", "memory_bandwidth_gbs", "fp16_tflops", "compute_capability", "gfx"]] = Field(
        default_factory=list)
    """Fields whose value comes from an unconfirmed or derived source (bus width x data rate, a sibling part)."""

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
    machine_models: list[str] = Field(default_factory=list)
    """Mac model identifiers (hw.model, SPHardwareDataType machine_model) built with this chip: they name the chip
    when an x86_64 (Rosetta) process cannot see it."""
    fp16_tflops_per_core: Optional[float] = None
    source: Optional[str] = None
    note: Optional[str] = None


LayerKind = Literal["full", "sliding", "mla", "indexer", "recurrent", "shared", "none"]
Modality = Literal["text", "image", "audio", "video"]


class LayerGroupSpec(_Model):
    """Layers that keep the same kind of cache (engine/kvcache.py says what each kind costs)."""
    kind: LayerKind
    layers: int = Field(ge=0, le=4096)
    kv_heads: Optional[int] = Field(None, ge=0, le=10**9)
    head_dim: Optional[int] = Field(None, ge=0, le=10**9)
    v_head_dim: Optional[int] = Field(None, ge=0, le=10**9)
    window: Optional[int] = Field(None, ge=0, le=10**9)
    """sliding: tokens a layer keeps (sliding window or attention chunk)."""
    kv_lora_rank: Optional[int] = Field(None, ge=0, le=10**9)
    rope_dim: Optional[int] = Field(None, ge=0, le=10**9)
    index_head_dim: Optional[int] = Field(None, ge=0, le=10**9)
    inner: Optional[int] = Field(None, ge=0, le=10**9)
    """recurrent: value heads x value head dim (GDN) or Mamba heads x head dim."""
    state_size: Optional[int] = Field(None, ge=0, le=10**9)
    """recurrent: key head dim (GDN) or ssm_state_size (Mamba-2)."""
    groups: Optional[int] = Field(None, ge=0, le=10**9)
    """recurrent: key heads (GDN) or n_groups (Mamba-2)."""
    conv_kernel: Optional[int] = Field(None, ge=0, le=10**9)
    note: Optional[str] = None


class Checkpoint(_Model):
    """A published download of the model in one format (contract shared with the deployment)."""
    repo: Optional[str] = None
    file: Optional[str] = None
    """GGUF file name template; {QUANT} is the upper-case GGUF type (Q4_K_M)."""
    tag: Optional[str] = None
    quant: Optional[str] = None
    source: Optional[str] = None


class ModelSpec(_Model):
    id: str
    aliases: list[str] = Field(default_factory=list)
    """Other names people use: Ollama tags, GGUF/LM Studio file stems, older ids."""
    hf_repo: Optional[str] = None
    family: Optional[str] = None
    # bounds: a model from an overlay or a file header with 0, NaN or 1e308 is bad input
    params_b: float = Field(gt=0, le=1_000_000, allow_inf_nan=False)
    active_params_b: Optional[float] = Field(None, gt=0, le=1_000_000, allow_inf_nan=False)
    layers: int = Field(ge=1, le=100_000)
    hidden_size: Optional[int] = Field(None, ge=1, le=10**9)
    attention_heads: Optional[int] = Field(None, ge=1, le=10**6)
    kv_heads: int = Field(ge=1, le=10**6)
    head_dim: int = Field(ge=1, le=10**6)
    kv_lora_rank: Optional[int] = Field(None, ge=1, le=10**6)
    qk_rope_head_dim: Optional[int] = Field(None, ge=0, le=10**6)
    sliding_window: Optional[int] = Field(None, ge=1, le=10**9)
    sliding_layers: Optional[int] = Field(None, ge=0, le=100_000)
    """How many of the layers use the sliding window (the rest attend to the full context)."""
    layout: list[LayerGroupSpec] = Field(default_factory=list)
    """Per-layer cache layout when the classic fields cannot say it (hybrid, split heads, shared KV)."""
    layout_notes: list[str] = Field(default_factory=list)
    state_bytes: Optional[float] = Field(None, gt=0, le=64, allow_inf_nan=False)
    """Bytes per element of a recurrent state (default 4: float32)."""
    max_context: Optional[int] = Field(None, ge=1, le=10**9)
    """Longest context the model supports (with its documented RoPE scaling)."""
    native_context: Optional[int] = Field(None, ge=1, le=10**9)
    """Context trained/configured without RoPE scaling (config.json max_position_embeddings)."""
    rope_scaling: Optional[str] = None
    """How max_context is reached beyond native_context, e.g. 'yarn factor 4'."""
    modalities: list[Modality] = Field(default_factory=list)
    """Inputs the model takes (text, image, audio, video); empty: text."""
    checkpoints: dict[str, Checkpoint] = Field(default_factory=dict)
    superseded_by: Optional[str] = None
    """A current model to suggest instead (Ollama's launcher deprecates llama3.x, qwen2.5, mistral and the
    deepseek-r1 distills: ollama/ollama cmd/launch/deprecated_models.go @ fb30760, 2026-08-21). Still resolves."""
    released: Optional[str] = None
    confidence: Optional[Literal["high", "medium", "low"]] = None
    """How sure the catalog is of the dims (low: not read from a config copy)."""
    as_of: Optional[str] = None
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
    "Accelerators", "Action", "Api", "AppleBin", "AppleChip", "AppleFile", "Backend", "Checkpoint", "Condition",
    "Detect", "Efficiency", "Failure", "Features", "GpuFile", "GpuSpec", "LayerGroupSpec", "Memory", "ModelFile",
    "ModelSpec", "MultiGpu", "MultiNode", "Note", "Platform", "QuantFile", "QuantFormat",
    "QuantSpec", "Release", "Rule", "RuleExample", "RuleFile", "Runtime", "Source", "Status",
    "Step", "Target", "Zone",
]
