"""Speed of the deployment as launched: the arithmetic's properties, not timings.

Tensor parallel is never linear; small-batch MoE over many GPUs is latency-bound; layer split adds
no bandwidth; offloaded layers, experts in RAM and CPU-only decode follow the RAM bandwidth;
aggregate >= per sequence; single stream >= per sequence at concurrency.
"""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pickrt.engine.deployment import Deployment, Placement
from pickrt.engine.fit import choose_quant, compute_fit
from pickrt.engine.hardware import view, whatif_profile
from pickrt.engine.speed import estimate, ram_bandwidth
from pickrt.engine.workload import build_workload


def _setup(catalog, hw_args, model, quant, runtime, users=1, context=8192, backend=None):
    hw = view(whatif_profile(catalog, **hw_args), catalog)
    wl = build_workload(catalog, model=model, users=users, quant=quant, context=context)
    rt = catalog.runtimes[runtime]
    backend = backend or ("metal" if hw.accel == "apple" else "cuda" if hw.accel == "nvidia" else "cpu")
    fit = compute_fit(catalog, rt, hw, wl, backend, wl.quant_spec or choose_quant(catalog, rt, wl))
    return rt, hw, wl, backend, fit


def _dep(
    fit, *, tp=1, pp=1, gpus=1, replicas=1, seqs=1, context=8192, gpu_layers=None, layers=None, cpu_moe=0, kv="f16"
):
    return Deployment(
        quant=fit.quant.id,
        checkpoint=None,
        gpus=gpus,
        nodes=1,
        tensor_parallel=tp,
        pipeline_parallel=pp,
        replicas=replicas,
        context=context,
        max_sequences=seqs,
        kv_cache_dtype=kv,
        placement=Placement(gpu_layers=gpu_layers, layers=layers, cpu_moe_layers=cpu_moe),
    )


def _mid(r):
    return (r[0] + r[1]) / 2


# ---- tensor parallel -------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(
    gpu=st.sampled_from(["H100 SXM", "H200", "A100 80GB PCIe", "L40S", "RTX 4090"]),
    model=st.sampled_from(["llama-3.1-70b", "qwen3-32b", "llama-3.1-8b", "deepseek-v3", "gpt-oss-120b"]),
    tp=st.sampled_from([2, 4, 8]),
)
def test_tensor_parallel_is_never_linear(catalog, gpu, model, tp):
    rt, hw, wl, be, fit = _setup(catalog, {"gpu": gpu, "gpus": 8}, model, "fp8", "vllm")
    one = estimate(rt, hw, wl, be, fit, _dep(fit, tp=1, gpus=1)).single_stream_tps
    many = estimate(rt, hw, wl, be, fit, _dep(fit, tp=tp, gpus=tp)).single_stream_tps
    assert many[1] < tp * one[1] and many[0] < tp * one[0]


def test_tensor_parallel_only_when_the_deployment_sets_it(catalog):
    rt, hw, wl, be, fit = _setup(catalog, {"gpu": "H100 SXM", "gpus": 4}, "llama-3.1-70b", "fp8", "vllm")
    tp4 = estimate(rt, hw, wl, be, fit, _dep(fit, tp=4, gpus=4))
    pp4 = estimate(rt, hw, wl, be, fit, _dep(fit, pp=4, gpus=4))
    one = estimate(rt, hw, wl, be, fit, _dep(fit, gpus=1))
    assert _mid(tp4.single_stream_tps) > 2 * _mid(pp4.single_stream_tps)
    # stages run one after another: no bandwidth is added, only hand-overs
    assert pp4.single_stream_tps[1] <= one.single_stream_tps[1]
    assert "tensor parallel over 4" in tp4.basis and "tensor parallel" not in pp4.basis
    assert "one after another" in pp4.basis


def test_layer_split_runtime_gets_no_bandwidth_sum(catalog):
    """llama.cpp over 2 GPUs (no deployment yet): the fit's split is by layers, charged as one GPU."""
    rt, hw, wl, be, fit = _setup(catalog, {"gpu": "RTX 3090", "gpus": 2}, "llama-3.1-70b", "q4_k_m", "llama-cpp")
    assert fit.fits and fit.pool.gpus_used == 2
    split = estimate(rt, hw, wl, be, fit)
    # the roofline of ONE RTX 3090 (936 GB/s) over the weights, with the printed range's top margin
    assert split.single_stream_tps[1] <= 936 / (fit.weights_gb * 1.074) * 1.15
    assert "one after another" in split.basis and "tensor parallel" not in split.basis


def test_moe_tensor_parallel_at_batch_1_is_latency_bound(catalog):
    """DeepSeek-V3 on 8 x H200 decodes one stream at tens of tokens/s (SGLang's own: ~30), not hundreds."""
    rt, hw, wl, be, fit = _setup(catalog, {"gpu": "H200", "gpus": 8}, "deepseek-v3", "fp8", "sglang")
    s = estimate(rt, hw, wl, be, fit, _dep(fit, tp=8, gpus=8))
    assert 15 <= s.single_stream_tps[0] and s.single_stream_tps[1] <= 60
    assert "latency-bound" in s.basis
    # twice the bandwidth barely helps: the per-layer costs dominate
    spec = hw.gpus[0].spec
    for g in hw.gpus:
        g.spec = spec.model_copy(update={"memory_bandwidth_gbs": spec.memory_bandwidth_gbs * 2})
    s2 = estimate(rt, hw, wl, be, fit, _dep(fit, tp=8, gpus=8))
    assert _mid(s2.single_stream_tps) < 1.25 * _mid(s.single_stream_tps)


def test_small_model_on_many_gpus_is_charged_for_one(catalog):
    rt, hw, wl, be, fit = _setup(catalog, {"gpu": "H200", "gpus": 8}, "llama-3.1-8b", "bf16", "vllm")
    s = estimate(rt, hw, wl, be, fit)
    # 4.8 TB/s / 16 GB ~ 300 tok/s is the roofline of one H200
    assert s.single_stream_tps[1] < 4800 / 16
    assert "1 of the 8 GPUs" in s.basis


# ---- system RAM ------------------------------------------------------------------------------


def test_cpu_only_decode_follows_the_ram_bandwidth(catalog):
    slow = _setup(
        catalog, {"cpu_only": True, "memory": 64, "memory_bandwidth": 40.0}, "llama-3.1-8b", "q4_k_m", "llama-cpp"
    )
    fast = _setup(
        catalog, {"cpu_only": True, "memory": 64, "memory_bandwidth": 160.0}, "llama-3.1-8b", "q4_k_m", "llama-cpp"
    )
    a, b = estimate(*slow), estimate(*fast)
    assert a.single_stream_tps and b.single_stream_tps
    assert _mid(b.single_stream_tps) > 3 * _mid(a.single_stream_tps)
    assert "--memory-bandwidth" in a.basis and "assumed" not in a.basis


def test_cpu_only_without_a_bandwidth_says_it_is_assumed(catalog):
    s = estimate(*_setup(catalog, {"cpu_only": True, "memory": 32}, "llama-3.1-8b", "q4_k_m", "llama-cpp"))
    assert s.decode_tps is not None
    assert "assumed" in s.basis and "--memory-bandwidth" in s.basis


def test_ram_bandwidth_from_the_cpu_platform(catalog):
    prof = whatif_profile(catalog, cpu_only=True, memory=512)
    prof.cpu.model = "AMD EPYC 9654 96-Core Processor"
    bw = ram_bandwidth(view(prof, catalog))
    assert bw.lo == bw.hi == pytest.approx(460.8) and bw.assumed
    prof.memory_bandwidth_gbs = 300.0
    assert ram_bandwidth(view(prof, catalog)).lo == 300.0


def test_offloaded_layers_are_read_from_ram(catalog):
    rt, hw, wl, be, fit = _setup(
        catalog, {"gpu": "RTX 4090", "memory": 128, "os": "linux"}, "llama-3.1-70b", "q4_k_m", "llama-cpp"
    )
    assert fit.offload
    s = estimate(rt, hw, wl, be, fit)
    assert s.single_stream_tps is not None and s.single_stream_tps[1] < 10
    assert "layers in system RAM" in s.basis
    rt2, hw2, wl2, be2, fit2 = _setup(
        catalog,
        {"gpu": "RTX 4090", "memory": 128, "os": "linux", "memory_bandwidth": 400.0},
        "llama-3.1-70b",
        "q4_k_m",
        "llama-cpp",
    )
    assert _mid(estimate(rt2, hw2, wl2, be2, fit2).single_stream_tps) > 2 * _mid(s.single_stream_tps)


def test_moe_experts_in_ram_gpu_part_from_vram_expert_part_from_ram(catalog):
    rt, hw, wl, be, fit = _setup(
        catalog,
        {"gpu": "RTX 4090", "memory": 128, "os": "linux", "memory_bandwidth": 80.0},
        "gpt-oss-120b",
        "any",
        "llama-cpp",
    )
    L = wl.model.spec.layers
    all_ram = estimate(rt, hw, wl, be, fit, _dep(fit, cpu_moe=L, layers=L))
    half = estimate(rt, hw, wl, be, fit, _dep(fit, cpu_moe=L // 2, layers=L))
    whole_layers = estimate(rt, hw, wl, be, fit, _dep(fit, gpu_layers=0, layers=L))
    assert "experts of" in all_ram.basis and "system RAM" in all_ram.basis
    # tens of tokens/s (users report 20-30 on such boxes), faster with fewer experts in RAM,
    # and faster than keeping whole layers (attention and KV too) in RAM
    assert 8 < _mid(all_ram.single_stream_tps) < 60
    assert _mid(half.single_stream_tps) > _mid(all_ram.single_stream_tps)
    assert _mid(all_ram.single_stream_tps) > _mid(whole_layers.single_stream_tps)
    hw.profile.memory_bandwidth_gbs = 160.0
    faster = estimate(rt, view(hw.profile, catalog), wl, be, fit, _dep(fit, cpu_moe=L, layers=L))
    assert _mid(faster.single_stream_tps) > 1.3 * _mid(all_ram.single_stream_tps)


# ---- concurrency -----------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    gpu=st.sampled_from(["H100 SXM", "RTX 4090", "L4", "A100 80GB SXM"]),
    model=st.sampled_from(["llama-3.1-8b", "qwen3-30b-a3b", "qwen3-32b", "gpt-oss-20b"]),
    runtime=st.sampled_from(["vllm", "llama-cpp", "ollama", "sglang"]),
    users=st.integers(1, 256),
    seqs=st.integers(1, 64),
    replicas=st.integers(1, 4),
    context=st.sampled_from([2048, 8192, 32768]),
)
def test_aggregate_and_single_stream_bound_the_per_sequence_rate(
    catalog, gpu, model, runtime, users, seqs, replicas, context
):
    rt, hw, wl, be, fit = _setup(
        catalog,
        {"gpu": gpu, "gpus": replicas},
        model,
        "q4_k_m" if runtime in ("llama-cpp", "ollama") else "fp8",
        runtime,
        users=users,
        context=context,
    )
    s = estimate(rt, hw, wl, be, fit, _dep(fit, seqs=seqs, replicas=replicas, context=context))
    assert s.aggregate_tps[0] >= s.decode_tps[0] and s.aggregate_tps[1] >= s.decode_tps[1]
    assert s.single_stream_tps[0] >= s.decode_tps[0] and s.single_stream_tps[1] >= s.decode_tps[1]
    assert s.decode_tps[0] <= s.decode_tps[1]
    assert s.concurrent_sequences == seqs * replicas
    # never more in flight than users or slots
    n = min(users, seqs * replicas)
    assert s.aggregate_tps[1] <= (s.decode_tps[1] + 0.1) * n


def test_per_user_rate_under_concurrency_is_not_the_single_stream_rate(catalog):
    rt, hw, wl, be, fit = _setup(catalog, {"gpu": "H100 SXM"}, "llama-3.1-8b", "fp8", "vllm", users=64)
    s = estimate(rt, hw, wl, be, fit, _dep(fit, seqs=64))
    assert s.decode_tps[1] < s.single_stream_tps[0]
    assert s.aggregate_tps[0] > 10 * s.decode_tps[0]
    assert "64 sequences batched" in s.basis


def test_a_quantized_kv_cache_reads_less(catalog):
    rt, hw, wl, be, fit = _setup(catalog, {"gpu": "H100 SXM"}, "llama-3.1-8b", "fp8", "vllm", users=32, context=32768)
    f16 = estimate(rt, hw, wl, be, fit, _dep(fit, seqs=32, context=32768))
    fp8 = estimate(rt, hw, wl, be, fit, _dep(fit, seqs=32, context=32768, kv="fp8"))
    assert fp8.decode_tps[0] > f16.decode_tps[0]


# ---- the advice ------------------------------------------------------------------------------


def test_speed_fields_in_the_advice_and_the_flag(capsys):
    from pickrt.cli import main

    main(["--json", "--cpu-only", "--memory", "64", "--model", "llama-3.1-8b", "--memory-bandwidth", "90"])
    sp = json.loads(capsys.readouterr().out)["recommendation"]["speed"]
    assert set(sp) == {
        "decode_tps",
        "single_stream_tps",
        "aggregate_tps",
        "prefill_tps",
        "concurrent_sequences",
        "basis",
    }
    assert sp["decode_tps"] and "90 GB/s" in sp["basis"]


@pytest.mark.parametrize("bad", ["0", "-5", "fast", "30000"])
def test_memory_bandwidth_flag_rejects_bad_values(capsys, bad):
    from pickrt.cli import main

    with pytest.raises(SystemExit) as e:
        main(["--json", "--cpu-only", "--model", "llama-3.1-8b", "--memory-bandwidth", bad])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "--memory-bandwidth" in err and "Traceback" not in err


def test_speed_overlay_platform_wins_and_a_bad_pattern_names_its_line(tmp_path):
    from pickrt.catalog import CatalogError, load_catalog

    hw_dir = tmp_path / "ok" / "hardware"
    hw_dir.mkdir(parents=True)
    shipped = (load_catalog.__globals__["shipped_dir"]() / "hardware" / "speed.yaml").read_text()
    mine = shipped.replace(
        "  platforms:\n", "  platforms:\n  - match: 'Mystery CPU'\n    what: my box\n    gbs: 123.0\n", 1
    )
    (hw_dir / "speed.yaml").write_text(mine)
    cat = load_catalog([tmp_path / "ok"], use_user_overlay=False, use_cache=False)
    prof = whatif_profile(cat, cpu_only=True, memory=64)
    prof.cpu.model = "Mystery CPU 9000"
    assert ram_bandwidth(view(prof, cat)).lo == 123.0
    bad = tmp_path / "bad" / "hardware"
    bad.mkdir(parents=True)
    (bad / "speed.yaml").write_text(
        shipped.replace("  platforms:\n", "  platforms:\n  - match: '(unclosed'\n    what: x\n    gbs: 1.0\n", 1)
    )
    with pytest.raises(CatalogError) as e:
        load_catalog([tmp_path / "bad"], use_user_overlay=False, use_cache=False)
    assert "speed.yaml:" in e.value.problems[0] and "not a regular expression" in e.value.problems[0]


@settings(max_examples=30, deadline=None)
@given(
    hw=st.sampled_from(
        [
            {"gpu": "RTX 4090"},
            {"gpu": "H100 SXM", "gpus": 8},
            {"gpu": "RTX 3060", "memory": 32},
            {"apple": "M3 Max"},
            {"cpu_only": True, "memory": 64},
            {"gpu": "MI300X", "gpus": 8},
            {"gpu": "H200", "gpus": 8, "nodes": 2, "interconnect": "infiniband"},
            {"gpu": "Arc B580", "memory": 64},
            {"gpu": "DGX Spark"},
            {"gpu": "RTX 3090", "gpus": 2, "memory": 256},
        ]
    ),
    model=st.sampled_from(
        ["llama-3.1-8b", "qwen3-30b-a3b", "llama-3.1-70b", "deepseek-v3", "gpt-oss-120b", "gemma-3-27b"]
    ),
    users=st.sampled_from([1, 4, 32, 256]),
    context=st.sampled_from([4096, 32768]),
)
def test_every_speed_in_the_advice_is_consistent_or_says_why_not(catalog, hw, model, users, context):
    from pickrt.engine.advise import advise

    adv = advise(
        whatif_profile(catalog, **hw), build_workload(catalog, model=model, users=users, context=context), catalog
    )
    recs = ([adv.recommendation] if adv.recommendation else []) + list(adv.alternatives)
    for r in recs:
        s = r.speed
        if s is None:
            continue
        if s.decode_tps is None:
            assert s.basis.startswith("no estimate:")
            continue
        lo, hi = s.decode_tps
        assert 0 < lo <= hi and all(x == x and x < 1e7 for x in (lo, hi))
        assert s.single_stream_tps[0] >= lo and s.single_stream_tps[1] >= hi
        assert s.aggregate_tps[0] >= lo and s.aggregate_tps[1] >= hi


def test_batched_cpu_decode_is_capped_by_the_cores_compute(catalog):
    rt, hw, wl, be, fit = _setup(
        catalog,
        {"cpu_only": True, "memory": 256, "memory_bandwidth": 400.0},
        "qwen3-32b",
        "q4_k_m",
        "llama-cpp",
        users=16,
    )
    hw.profile.cpu.cores = 8
    capped = estimate(rt, view(hw.profile, catalog), wl, be, fit, _dep(fit, seqs=16, gpus=0))
    flops_cap = 8 * catalog.speed.decode.cpu_gflops_per_core * 1e9 / (2 * wl.model.spec.params_b * 1e9)
    assert capped.aggregate_tps[1] <= flops_cap * catalog.speed.decode.range_hi * 1.01
    assert capped.prefill_tps is not None
    hw.profile.cpu.cores = None
    uncapped = estimate(rt, view(hw.profile, catalog), wl, be, fit, _dep(fit, seqs=16, gpus=0))
    assert uncapped.aggregate_tps[1] > capped.aggregate_tps[1]
