#!/usr/bin/env python3
"""Decode-speed estimates (engine/speed.py) against published measurements.

Run: ``.venv/bin/python bench/speed_calibration.py`` (add ``--verbose`` for each row's basis).
Prints, per row, the estimate's range and midpoint against the measurement, then per group and
overall how many midpoints fall within +-35% of the measurement and the spread of the ratios.

Rows marked ``fit`` were used to set a constant in knowledge/hardware/speed.yaml (named in the
row); the others are held out. Sources (as of 2026-12-04):

Single GPU, llama.cpp (tg128, one stream)
- [4167] ggml-org/llama.cpp discussion #4167 "Performance of llama.cpp on Apple Silicon M-series":
  LLaMA 7B Q4_0 (llama-2-7b, 3.56 GiB), tg128, Metal.
- [4766] ggml-org/llama.cpp PR #4766 (llama-bench table): Tesla P40, llama 7B Q4_0 tg128 = 56.79.
- [15802] ggml-org/llama.cpp PR #15802: RTX 3090, llama 8B Q4_0 at batch 1 = 155.
- [nb3] brand-o/normiebench issue #3: Mac mini M4 16 GB, Llama 3.1 8B Q4_K_M, Metal, tg128 = 20.9.
- [1029] ml-explore/mlx-examples issue #1029: M3 Max 64 GB (40-core GPU), Llama-3.3-70B 4-bit:
  MLX 9.35 tok/s; llama.cpp Q4_K_M 1.12x slower (8.35) at ~260 prompt tokens.
- [21024] ggml-org/llama.cpp PR #21024 "Vulkan Repack PoC" (2026-05-15), RTX 3090, Vulkan backend, "before"
  column: llama 8B Q4_0 tg128 = 146.73; gpt-oss 20B MXFP4 MoE tg128 = 181.32.
MLX
- [1029] as above (mlx-lm 0.20.4).
- [1069] ml-explore/mlx-examples PR #1069: M2 Ultra, Llama 3 70B 16-bit, wired memory: 4.7 tok/s.
Unified-memory GPU (DGX Spark GB10, 273 GB/s)
- [dsp79] NVIDIA/dgx-spark-playbooks issue #79 and PR #91: vLLM, Llama-3.3-70B-Instruct-NVFP4, single
  Spark, 4.0-4.2 tok/s (reproduced in #91).
- [sa17] spark-arena/recipe-registry issue #17: vLLM, gpt-oss-120b, single Spark, 59.5 tok/s (TPOT).
- [lf917] AlexsJones/llmfit PR #917: Ollama gpt-oss:120b on GB10, 43.9 tok/s average.
Multi-GPU tensor parallel (and pipeline)
- [2643] sgl-project/sglang PR #2643 (v0.4.1.post2 notes): DeepSeek-V3, --tp 8 on 8 x H200, input 128,
  output 256: batch 1 = 30.29 tok/s; batch 8 = 206.32; batch 32 = 760.52 (totals).
- [11539] vllm-project/vllm issue #11539: SGLang, DeepSeek-V3, 8 x H200, bs=1 (--max-concurrency 1): ~26 tok/s.
- [30832] vllm-project/vllm issue #30832: vLLM, DeepSeek-V3.2 (DeepSeek-V3 dimensions), --tensor-parallel-size 8
  on 8 x H20: 30 tok/s for one request.
- [nv405] NVIDIA technical blog "Boosting Llama 3.1 405B Throughput by Another 1.5x on NVIDIA H200 Tensor
  Core GPUs and NVLink Switch" (2024-10-09), Table 1: TensorRT-LLM, Llama 3.1 405B FP8 on 8 x H200,
  minimum latency: TP8 56 tok/s, PP8 10 tok/s ("tensor parallelism ... 5.6x" in the text).
- [7567] vllm-project/vllm issue #7567 (comment 2024-12-15): Llama 3.1 70B BF16 on 2 x A100 PCIe,
  "17 tokens per second for 1 request".
MoE at batch 1, one device
- [15396] ggml-org/llama.cpp discussion #15396 ("guide: running gpt-oss with llama.cpp"), reply:
  RX 7900 XT (ROCm), gpt-oss-20b fully on the GPU ~94 tok/s; with -cmoe (all experts on the CPU,
  Ryzen 9 5900X, dual-channel DDR4-3200) ~20 tok/s.
- sa17 / lf917 above (gpt-oss-120b on GB10).
- [tt340] tenstorrent/tt-inference-server issue #340 "Qwen3 Family: GPU Benchmarks" (2025-07-18): vLLM,
  Qwen3-30B-A3B on an A100 (BF16; 80 GB SXM assumed, the variant is not stated), concurrency 1, ISL/OSL
  128/128: TPOT 9.6 ms = 103.9 tok/s.
Offload (layers or experts in system RAM)
- [lf755] AlexsJones/llmfit PR #755: RTX 2080 8 GB + i9-10900X (quad-channel DDR4, ~102 GB/s measured),
  Qwen3-30B-A3B Q4_K_M, -ngl 99 --n-cpu-moe 36: 36.7 tok/s (server-reported generation).
- [15396] -cmoe row above.
- [o15207] ollama/ollama PR #15207 (cited in shared/reviews/operator-audit.md P5.4): qwen3:30b-a3b on an
  RTX 3060 12 GB with plain layer offload, 29.41 tok/s; system RAM not stated (pickrt's default range).
CPU only
- [nb42] brand-o/normiebench issue #42: Intel Core i7-7820HQ (dual-channel DDR4-2400, 37.5 GB/s per
  Intel ARK), Llama 3.1 8B Q4_K_M, llama.cpp CPU, tg128 = 5.62.
"""

from __future__ import annotations

import math
import statistics
import sys
from dataclasses import dataclass, field

from pickrt.catalog import load_catalog
from pickrt.catalog.models import ModelSpec
from pickrt.engine.deployment import Deployment, Placement
from pickrt.engine.fit import compute_fit
from pickrt.engine.hardware import view, whatif_profile
from pickrt.engine.speed import estimate
from pickrt.engine.workload import ModelRef, build_workload

# llama-2-7b as in llama.cpp's tables (the model catalog may not list it)
LLAMA7B = ModelSpec(id="llama-2-7b", params_b=6.74, layers=32, kv_heads=32, head_dim=128, hidden_size=4096)


@dataclass
class Row:
    group: str
    hw: dict
    model: str | ModelSpec
    quant: str
    runtime: str
    measured: float
    source: str
    dep: dict = field(default_factory=dict)  # tp, pp, gpus, cpu_moe (None: the fit's own placement)
    batch: int = 1
    metric: str = "single"  # single | aggregate
    context: int = 512
    fit: str | None = None  # the constant this row was used to set
    label: str = ""
    backend: str | None = None  # None: the usual one for the hardware


def _apple(chip: str, measured: float, **kw) -> Row:
    return Row(
        "llama.cpp single GPU",
        {"apple": chip},
        LLAMA7B,
        "q4_0",
        "llama-cpp",
        measured,
        "4167",
        fit="layer_launch_s.metal, efficiency.metal",
        **kw,
    )


ROWS = [
    _apple("M1 8-core", 14.2),
    _apple("M1 Pro 16-core", 36.4),
    _apple("M1 Max 32-core", 61.2),
    _apple("M1 Ultra 64-core", 84.0),
    _apple("M2 10-core", 21.9),
    _apple("M2 Pro 19-core", 38.9),
    _apple("M2 Max 38-core", 66.0),
    _apple("M2 Ultra 76-core", 94.3),
    _apple("M3 10-core", 21.3),
    _apple("M3 Pro 18-core", 30.7),
    _apple("M3 Max 40-core", 66.3),
    _apple("M4 Max 40-core", 83.1),
    _apple("M3 Ultra 80-core", 92.1),
    Row(
        "llama.cpp single GPU",
        {"apple": "M4 10-core", "memory": 16},
        "llama-3.1-8b",
        "q4_k_m",
        "llama-cpp",
        20.9,
        "nb3",
    ),
    Row(
        "llama.cpp single GPU",
        {"gpu": "Tesla P40"},
        LLAMA7B,
        "q4_0",
        "llama-cpp",
        56.8,
        "4766",
        fit="layer_launch_s.cuda",
    ),
    Row(
        "llama.cpp single GPU",
        {"gpu": "RTX 3090"},
        "llama-3.1-8b",
        "q4_0",
        "llama-cpp",
        155.0,
        "15802",
        fit="efficiency.cuda",
    ),
    Row(
        "llama.cpp single GPU",
        {"apple": "M3 Max 40-core", "memory": 64},
        "llama-3.1-70b",
        "q4_k_m",
        "llama-cpp",
        8.35,
        "1029",
        context=256,
    ),
    Row(
        "llama.cpp Vulkan",
        {"gpu": "RTX 3090"},
        "llama-3.1-8b",
        "q4_0",
        "llama-cpp",
        146.73,
        "21024",
        backend="vulkan",
        fit="vulkan_factor",
    ),
    Row("MoE batch 1", {"gpu": "RTX 3090"}, "gpt-oss-20b", "mxfp4_moe", "llama-cpp", 181.32, "21024", backend="vulkan"),
    Row(
        "MLX",
        {"apple": "M3 Max 40-core", "memory": 64},
        "llama-3.1-70b",
        "mlx-4bit",
        "mlx-lm",
        9.35,
        "1029",
        context=256,
    ),
    Row(
        "MLX", {"apple": "M2 Ultra 76-core", "memory": 192}, "llama-3.1-70b", "bf16", "mlx-lm", 4.7, "1069", context=256
    ),
    Row("unified GPU", {"gpu": "DGX Spark"}, "llama-3.1-70b", "nvfp4", "vllm", 4.1, "dsp79"),
    Row("MoE batch 1", {"gpu": "DGX Spark"}, "gpt-oss-120b", "mxfp4", "vllm", 59.5, "sa17"),
    Row("MoE batch 1", {"gpu": "DGX Spark"}, "gpt-oss-120b", "mxfp4_moe", "ollama", 43.9, "lf917"),
    Row(
        "MoE batch 1",
        {"gpu": "Radeon RX 7900 XT", "os": "linux"},
        "gpt-oss-20b",
        "mxfp4_moe",
        "llama-cpp",
        94.0,
        "15396",
    ),
    Row("MoE batch 1", {"gpu": "A100 80GB SXM"}, "qwen3-30b-a3b", "bf16", "vllm", 103.9, "tt340", context=256),
    Row(
        "tensor parallel",
        {"gpu": "H200", "gpus": 8},
        "deepseek-v3",
        "fp8",
        "sglang",
        30.29,
        "2643",
        dep={"tp": 8, "gpus": 8},
        context=384,
        fit="tensor_parallel.moe_layer_s",
    ),
    Row(
        "tensor parallel",
        {"gpu": "H200", "gpus": 8},
        "deepseek-v3",
        "fp8",
        "sglang",
        206.32,
        "2643",
        dep={"tp": 8, "gpus": 8},
        batch=8,
        metric="aggregate",
        context=384,
        fit="tensor_parallel.overlap",
    ),
    Row(
        "tensor parallel",
        {"gpu": "H200", "gpus": 8},
        "deepseek-v3",
        "fp8",
        "sglang",
        760.52,
        "2643",
        dep={"tp": 8, "gpus": 8},
        batch=32,
        metric="aggregate",
        context=384,
        fit="tensor_parallel.overlap",
    ),
    Row(
        "tensor parallel",
        {"gpu": "H200", "gpus": 8},
        "deepseek-v3",
        "fp8",
        "sglang",
        26.0,
        "11539",
        dep={"tp": 8, "gpus": 8},
        context=2048,
    ),
    Row(
        "tensor parallel",
        {"gpu": "H20", "gpus": 8},
        "deepseek-v3",
        "fp8",
        "vllm",
        30.0,
        "30832",
        dep={"tp": 8, "gpus": 8},
        context=3072,
    ),
    Row(
        "tensor parallel",
        {"gpu": "H200", "gpus": 8},
        "llama-3.1-405b",
        "fp8",
        "tensorrt-llm",
        56.0,
        "nv405",
        dep={"tp": 8, "gpus": 8},
        context=2176,
        fit="tensor_parallel.allreduce_s.nvlink",
    ),
    Row(
        "tensor parallel",
        {"gpu": "H200", "gpus": 8},
        "llama-3.1-405b",
        "fp8",
        "tensorrt-llm",
        10.0,
        "nv405",
        dep={"pp": 8, "gpus": 8},
        context=2176,
        label="PP8",
    ),
    Row(
        "tensor parallel",
        {"gpu": "A100 80GB PCIe", "gpus": 2},
        "llama-3.1-70b",
        "bf16",
        "vllm",
        17.0,
        "7567",
        dep={"tp": 2, "gpus": 2},
        context=1024,
        fit="tensor_parallel.allreduce_s.pcie",
    ),
    Row(
        "offload",
        {"gpu": "RTX 2080", "os": "linux", "memory": 64, "memory_bandwidth": 102.0},
        "qwen3-30b-a3b",
        "q4_k_m",
        "llama-cpp",
        36.7,
        "lf755",
        dep={"cpu_moe": 36},
    ),
    Row(
        "offload",
        {"gpu": "Radeon RX 7900 XT", "os": "linux", "memory": 32, "memory_bandwidth": 51.2},
        "gpt-oss-20b",
        "mxfp4_moe",
        "llama-cpp",
        20.0,
        "15396",
        dep={"cpu_moe": 24},
    ),
    Row(
        "offload",
        {"gpu": "RTX 3060", "os": "linux", "memory": 32},
        "qwen3-30b-a3b",
        "q4_k_m",
        "ollama",
        29.41,
        "o15207",
    ),
    Row(
        "CPU only",
        {"cpu_only": True, "memory": 32, "memory_bandwidth": 37.5},
        "llama-3.1-8b",
        "q4_k_m",
        "llama-cpp",
        5.62,
        "nb42",
    ),
]


def run(row: Row, cat) -> tuple[tuple[float, float] | None, str, str]:
    hwargs = dict(row.hw)
    prof = whatif_profile(cat, os=hwargs.pop("os", "macos" if "apple" in hwargs else "linux"), **hwargs)
    hw = view(prof, cat)
    users = row.batch
    if isinstance(row.model, str):
        wl = build_workload(cat, quant=row.quant, context=row.context, model=row.model, users=users)
    else:
        wl = build_workload(cat, quant=row.quant, context=row.context, users=users)
        wl.model = ModelRef(spec=row.model, label=row.model.id)
    rt = cat.runtimes[row.runtime]
    backend = row.backend or (
        "metal" if hw.accel == "apple" else "cpu" if hw.accel == "cpu" else "rocm" if hw.accel == "amd" else "cuda"
    )
    q = wl.quant_spec or cat.find_quant(cat.default_quant.get(row.quant, row.quant))
    f = compute_fit(cat, rt, hw, wl, backend, q)
    dep = None
    if row.dep:
        m = wl.model.spec
        dep = Deployment(
            quant=q.id,
            checkpoint=None,
            gpus=row.dep.get("gpus", 1),
            nodes=1,
            tensor_parallel=row.dep.get("tp", 1),
            pipeline_parallel=row.dep.get("pp", 1),
            replicas=1,
            context=row.context,
            max_sequences=max(1, users),
            placement=Placement(layers=m.layers, cpu_moe_layers=row.dep.get("cpu_moe", 0)),
        )
    est = estimate(rt, hw, wl, backend, f, dep)
    if est is None:
        return None, hw.label, "no fit"
    r = est.aggregate_tps if row.metric == "aggregate" else est.single_stream_tps
    return r, hw.label, est.basis


def main(argv: list[str]) -> int:
    verbose = "--verbose" in argv
    cat = load_catalog(use_user_overlay=False)
    by_group: dict[str, list[float]] = {}
    held: list[float] = []
    print(
        f"{'group':<21} {'hardware':<22} {'model':<18} {'quant':<9} {'runtime':<12} {'estimate':>15} {'mid':>7} "
        f"{'measured':>8} {'ratio':>5}  source"
    )
    for row in ROWS:
        r, label, basis = run(row, cat)
        model = row.model if isinstance(row.model, str) else row.model.id
        what = f"{model}{' ' + row.label if row.label else ''}{' b=' + str(row.batch) if row.batch > 1 else ''}"
        if r is None:
            print(f"{row.group:<21} {label:<22} {what:<18} no estimate: {basis}")
            continue
        mid = (r[0] + r[1]) / 2
        ratio = mid / row.measured
        by_group.setdefault(row.group, []).append(ratio)
        if row.fit is None:
            held.append(ratio)
        tag = f"[{row.source}]" + (f" fit: {row.fit}" if row.fit else "")
        print(
            f"{row.group:<21} {label[:22]:<22} {what[:18]:<18} {row.quant:<9} {row.runtime:<12} "
            f"{r[0]:7.1f}-{r[1]:7.1f} {mid:7.1f} {row.measured:8.1f} {ratio:5.2f}  {tag}"
        )
        if verbose:
            print(f"    {basis}")
    print()
    allr = [x for v in by_group.values() for x in v]
    for g, v in list(by_group.items()) + [("ALL", allr), ("held out (no fit)", held)]:
        within = sum(1 for x in v if 0.65 <= x <= 1.35)
        gsd = math.exp(statistics.pstdev([math.log(x) for x in v])) if len(v) > 1 else 1.0
        print(
            f"{g:<22} {within:>2}/{len(v):<2} within +-35%   median ratio {statistics.median(v):.2f}  "
            f"min {min(v):.2f}  max {max(v):.2f}  geometric sd x{gsd:.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
