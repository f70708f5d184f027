"""The arithmetic: KV cache per token on known models, speed estimates and their monotonicity."""

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pickrt.engine.fit import kv_bytes_per_sequence, weights_gb
from pickrt.engine.hardware import view, whatif_profile
from pickrt.engine.speed import estimate
from pickrt.engine.workload import build_workload

KIB = 1024


@pytest.mark.parametrize("model,context,expected", [
    ("llama-3.1-8b", 1, 128 * KIB),                      # 2 x 32 x 8 x 128 x 2
    ("qwen3-32b", 1, 2 * 64 * 8 * 128 * 2),              # head_dim 128 from config.json, not 5120/64
    ("deepseek-v3", 1, 61 * (512 + 64) * 2),             # MLA latent + rope key, ~70x below expanded MHA
    ("gpt-oss-20b", 1, 2 * 24 * 8 * 64 * 2),             # at 1 token every layer holds it
])
def test_kv_per_token(catalog, model, context, expected):
    assert kv_bytes_per_sequence(catalog.find_model(model), context) == expected


def test_gemma3_27b_at_128k_counts_sliding_window(catalog):
    m = catalog.find_model("gemma-3-27b")
    full = 10 * 2 * 16 * 128 * 2 * 131072             # 10 global layers
    local = 52 * 2 * 16 * 128 * 2 * 1024              # 52 sliding layers capped at 1024 tokens
    assert kv_bytes_per_sequence(m, 131072) == full + local
    assert kv_bytes_per_sequence(m, 131072) / 2**30 == pytest.approx(10.4, abs=0.1)


def test_gpt_oss_sliding_window_and_deepseek_mla(catalog):
    g = catalog.find_model("gpt-oss-120b")
    assert kv_bytes_per_sequence(g, 131072) == 18 * 2 * 8 * 64 * 2 * 131072 + 18 * 2 * 8 * 64 * 2 * 128
    d = catalog.find_model("deepseek-v3")
    assert kv_bytes_per_sequence(d, 131072) / 2**30 == pytest.approx(8.58, abs=0.05)


def test_native_formats_sized_as_published(catalog):
    from pickrt.engine.workload import ModelRef

    m = catalog.find_model("gpt-oss-20b")
    assert weights_gb(ModelRef(spec=m, label=m.id), catalog.find_quant("mxfp4_moe")) == pytest.approx(12.85, abs=0.1)


def _speed(catalog, args, model="llama-3.1-8b", users=1, quant="q4_k_m", runtime="llama-cpp"):
    from pickrt.engine.fit import compute_fit

    prof = whatif_profile(catalog, **args)
    hw = view(prof, catalog)
    wl = build_workload(catalog, model=model, users=users, quant=quant)
    rt = catalog.runtimes[runtime]
    backend = "metal" if hw.accel == "apple" else "cuda" if hw.accel == "nvidia" else "cpu"
    return estimate(rt, hw, wl, backend, compute_fit(catalog, rt, hw, wl, backend, catalog.find_quant(quant)))


def test_speed_is_reported_in_advice(capsys):
    import json

    from pickrt.cli import main

    main(["--json", "--gpu", "RTX 4090", "--model", "llama-3.1-8b"])
    doc = json.loads(capsys.readouterr().out)
    lo, hi = doc["recommendation"]["speed"]["decode_tps"]
    assert 80 < lo < hi < 250
    assert "GB/s" in doc["recommendation"]["speed"]["basis"]


def test_cpu_only_speed_is_estimated_from_an_assumed_ram_bandwidth_said_plainly(catalog):
    s = _speed(catalog, {"cpu_only": True, "memory": 32})
    assert s.decode_tps is not None and "assumed" in s.basis


@settings(max_examples=30, deadline=None)
@given(gpu=st.sampled_from(["RTX 3060", "RTX 4090", "H100 SXM", "L4", "A100 80GB"]),
       model=st.sampled_from(["llama-3.1-8b", "qwen3-8b", "mistral-7b", "qwen3-30b-a3b"]))
def test_more_bandwidth_never_lowers_the_estimate(catalog, gpu, model):
    base = _speed(catalog, {"gpu": gpu}, model=model)
    if base is None or base.decode_tps is None:
        return
    hw = view(whatif_profile(catalog, gpu=gpu), catalog)
    spec = hw.gpus[0].spec
    faster = dataclasses.replace(spec) if False else spec.model_copy(update={"memory_bandwidth_gbs": spec.memory_bandwidth_gbs * 2})
    hw.gpus[0].spec = faster
    from pickrt.engine.fit import compute_fit

    wl = build_workload(catalog, model=model, quant="q4_k_m")
    rt = catalog.runtimes["llama-cpp"]
    s2 = estimate(rt, hw, wl, "cuda", compute_fit(catalog, rt, hw, wl, "cuda", wl.quant_spec))
    assert s2.decode_tps[0] >= base.decode_tps[0] and s2.decode_tps[1] >= base.decode_tps[1]


@settings(max_examples=30, deadline=None)
@given(q=st.sampled_from([("q2_k", "q4_k_m"), ("q4_k_m", "q8_0"), ("q4_0", "q6_k"), ("awq", "fp8"), ("mlx-4bit", "mlx-8bit")]),
       model=st.sampled_from(["llama-3.1-8b", "qwen3-32b", "deepseek-v3", "gemma-3-27b"]))
def test_bigger_quant_never_needs_less_memory(catalog, q, model):
    from pickrt.engine.workload import ModelRef

    m = catalog.find_model(model)
    ref = ModelRef(spec=m, label=m.id)
    assert weights_gb(ref, catalog.find_quant(q[0])) <= weights_gb(ref, catalog.find_quant(q[1]))


def test_more_users_never_raise_per_user_speed(catalog):
    a = _speed(catalog, {"gpu": "H100 SXM"}, users=1, quant="bf16", runtime="vllm")
    b = _speed(catalog, {"gpu": "H100 SXM"}, users=32, quant="bf16", runtime="vllm")
    assert b.decode_tps[0] <= a.decode_tps[1]
