"""The deployment (issue 14): one launch per runtime that fit, commands and speed all describe.

Properties over generated hardware x workload, and the operator audit's principles on machines it did not
list: the serve command is the deployment's, it splits exactly when the deployment does, it loads the
checkpoint of the quant the fit used, it uses only flags the runtime documents.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shlex

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pickrt.cli import main
from pickrt.engine.commands import flags_used

GPUS = ["RTX 4090", "RTX 3060", "RTX 3090", "H100 SXM", "H200", "A100 80GB", "L40S", "MI300X", "RTX 5090", "T4", "L4",
        "Radeon RX 7900 XTX", "A10G"]
MODELS = ["llama-3.1-8b", "qwen3-8b", "qwen3-32b", "llama-3.1-70b", "llama-3.1-405b", "gpt-oss-20b", "gpt-oss-120b",
          "deepseek-v3", "qwen3-30b-a3b", "gemma-3-27b", "mistral-7b", "mixtral-8x7b"]


def run(capsys, *args):
    try:
        code = main(["--json", *args])
    except SystemExit as e:
        code = e.code
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else None), err


@st.composite
def machine_and_work(draw):
    kind = draw(st.sampled_from(["gpu", "gpu", "gpu", "apple", "cpu"]))
    args: list[str] = []
    if kind == "gpu":
        args += ["--gpu", draw(st.sampled_from(GPUS)), "--gpus", str(draw(st.sampled_from([1, 1, 2, 4, 8]))), "--os", "linux"]
        if draw(st.integers(0, 5)) == 0:
            args += ["--nodes", str(draw(st.integers(2, 3))), "--interconnect", "infiniband"]
    elif kind == "apple":
        args += ["--apple", draw(st.sampled_from(["M2 Pro", "M3 Max", "M4 Max", "M2 Ultra"]))]
    else:
        args += ["--cpu-only"]
    if draw(st.booleans()) or kind == "cpu":
        args += ["--memory", str(draw(st.sampled_from([16, 32, 64, 128, 256, 512])))]
    args += ["--model", draw(st.sampled_from(MODELS))]
    args += ["--users", str(draw(st.sampled_from([1, 1, 4, 16, 64, 256])))]
    args += ["--context", str(draw(st.sampled_from([4096, 8192, 32768, 131072])))]
    args += ["--quant", draw(st.sampled_from(["any", "any", "any", "gguf", "awq", "fp8", "bf16", "q8_0", "mlx"]))]
    if draw(st.booleans()):
        args += ["--goal", draw(st.sampled_from(["easy", "throughput", "latency"]))]
    return args


def _deployed(doc):
    """(runtime slug, deployment) of the recommendation and every alternative that has one."""
    rows = []
    if doc["recommendation"] and doc["recommendation"]["deployment"]:
        rows.append((doc["recommendation"]["runtime"], doc["recommendation"]["deployment"]))
    rows += [(a["runtime"], a["deployment"]) for a in doc["alternatives"] if a.get("deployment")]
    return rows


def _arg_after(argv: list[str], flag: str):
    for i, a in enumerate(argv):
        if a == flag and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith(flag + "="):
            return a.split("=", 1)[1]
    return None


def check_deployment(slug: str, d: dict, catalog, doc) -> None:
    rt = catalog.runtimes[slug]
    serve = d["commands"]["serve"]
    c = d["checkpoint"]
    # the quant is one this runtime loads, gated for this hardware
    q = catalog.find_quant(d["quant"])
    assert q is not None and q.format in rt.quant_formats, (slug, d["quant"])
    if q.format == "mlx":
        assert doc["hardware"]["apple"], f"{slug}: MLX weights off Apple Silicon"
    if serve is None:
        return
    argv = shlex.split(serve)
    # every flag is documented (catalog data, with its source)
    for flag in flags_used(serve):
        assert flag in rt.flags.list, f"{slug}: `{flag}` is not in its documented flags ({rt.flags.source}): {serve}"
    # it splits exactly when the deployment does
    f = rt.flags
    if f.tensor_parallel:
        tp = _arg_after(argv, f.tensor_parallel)
        assert (tp is not None) == (d["tensor_parallel"] > 1), (slug, serve, d["tensor_parallel"])
        if tp is not None:
            assert int(tp) == d["tensor_parallel"]
    if f.pipeline_parallel and d["split_by"] != "layers":
        pp = _arg_after(argv, f.pipeline_parallel)
        assert (pp is not None) == (d["pipeline_parallel"] > 1), (slug, serve)
    if not f.tensor_parallel and "{tensor_parallel}" not in (rt.serve or ""):
        assert d["tensor_parallel"] == 1, f"{slug} cannot set tensor parallel, yet the deployment has TP {d['tensor_parallel']}"
    # context and slots are pinned where the runtime has a way to pin them
    if f.context:
        want = d["context"] * (d["max_sequences"] if f.context_total else 1)
        assert _arg_after(argv, f.context) == str(want), (slug, serve)
    if f.max_sequences:
        assert _arg_after(argv, f.max_sequences) == str(d["max_sequences"]), (slug, serve)
    for var, field in ((rt.env_options.context, "context"), (rt.env_options.max_sequences, "max_sequences")):
        if var:
            assert d["env"].get(var) == str(d[field]) and f"{var}={d[field]}" in serve, (slug, serve)
    if d["placement"]["cpu_moe_layers"] and f.cpu_moe_layers:
        assert _arg_after(argv, f.cpu_moe_layers) == str(d["placement"]["cpu_moe_layers"]), (slug, serve)
    # the bind: never all interfaces where the command can say otherwise
    b = rt.api.bind
    if b is not None and b.how in ("flag", "env") and b.option:
        assert d["bind"] == "127.0.0.1", (slug, d["bind"])
        if b.default in ("0.0.0.0", "", "::", "*") or (b.default or "").startswith(":"):
            assert b.option in serve, f"{slug} listens on all interfaces by default, and its command does not bind: {serve}"
    # the checkpoint is the quant's, and the command loads it
    if c is None:
        return
    if c["kind"] == "gguf":
        assert q.format == "gguf" or q.id.startswith("mxfp4"), (slug, d["quant"], c)
        assert c["file"] and (q.id.upper() in c["file"] or "MXFP4" in c["file"]), (slug, d["quant"], c)
    elif c["kind"] == "mlx":
        assert q.format == "mlx"
    elif c["kind"] == "hf" and c["repo"] and not (c["make"] or "").startswith("on load"):
        model = next(m for m in catalog.models if m.id == doc["workload"]["model"]) if doc["workload"]["model"] else None
        if model is not None and q.format not in ("bf16",) and q.format != model.native_format:
            assert c["repo"] != model.hf_repo, f"{slug}: a {d['quant']} fit served from the BF16 repo {c['repo']}"
    if rt.model_arg in ("hf_repo",) and c.get("repo") and c["kind"] == "hf":
        assert c["repo"] in serve, (slug, serve, c)
    if rt.model_arg == "gguf_file" and c["kind"] == "gguf":
        assert c["file"] in argv, (slug, serve, c)


@settings(max_examples=int(__import__("os").environ.get("PICKRT_DEP_EXAMPLES", "150")), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(args=machine_and_work())
def test_every_deployment_is_what_its_commands_launch(capsys, catalog, args):
    code, doc, err = run(capsys, *args)
    assert code in (0, 3), err
    r = doc["recommendation"]
    if r is not None:
        d = r["deployment"]
        assert d is not None, "a recommendation without a deployment"
        assert r["serve"] == d["commands"]["serve"]
        mf = doc["model_fit"]
        if mf is not None:
            # model_fit describes the recommendation's deployment, and its weights fit
            assert mf["runtime"] == r["runtime"] and mf["quant"] == d["quant"], (mf, d["quant"])
            held = mf["fits"] or mf["offload"] or mf["weights_gb"] + mf["overhead_gb"] < mf["available_gb"]
            assert held, f"{r['runtime']} recommended though its fit does not hold the weights: {mf['detail']}"
            assert d["max_sequences"] >= 1
            assert d["context"] <= (next((m.max_context for m in catalog.models if m.id == doc["workload"]["model"]), None) or 10**9)
    for slug, d in _deployed(doc):
        check_deployment(slug, d, catalog, doc)


# ---- the audit's principles on machines it did not list -----------------------------------------------


def _rec(capsys, *args):
    code, doc, err = run(capsys, *args)
    assert code == 0, err
    return doc["recommendation"], doc


def test_quantized_multi_gpu_fit_splits_and_never_loads_bf16(capsys, catalog):
    r, doc = _rec(capsys, "--gpu", "H200", "--gpus", "4", "--model", "llama-3.1-70b", "--quant", "fp8", "--users", "8")
    d = r["deployment"]
    assert d["quant"] == "fp8"
    assert d["tensor_parallel"] in (1, 2, 4) and d["gpus"] == d["tensor_parallel"]
    argv = shlex.split(r["serve"])
    rt = catalog.runtimes[r["runtime"]]
    if d["tensor_parallel"] > 1:
        assert _arg_after(argv, rt.flags.tensor_parallel) == str(d["tensor_parallel"])
    c = d["checkpoint"]
    assert c["make"] and c["make"].startswith("on load") or c["repo"] != "meta-llama/Llama-3.1-70B-Instruct"


def test_small_model_on_many_gpus_uses_one_gpu_per_replica(capsys):
    r, _ = _rec(capsys, "--gpu", "A100 80GB", "--gpus", "4", "--nodes", "2", "--interconnect", "infiniband",
                "--model", "qwen3-8b", "--users", "64")
    d = r["deployment"]
    assert d["gpus"] == 1 and d["tensor_parallel"] == 1 and d["replicas"] == 8
    assert "tensor-parallel" not in r["serve"] and "--tp" not in r["serve"]


def test_tensor_parallel_divides_the_attention_heads(capsys, catalog):
    # 6 GPUs: TP must be a power of two dividing the heads, never 6
    code, doc, _ = run(capsys, "--gpu", "L40S", "--gpus", "6", "--os", "linux", "--model", "llama-3.1-70b", "--quant", "fp8",
                       "--users", "4", "--runtime", "vllm")
    d = doc["recommendation"]["deployment"]
    assert d["tensor_parallel"] in (1, 2, 4)
    heads = catalog.find_model("llama-3.1-70b").attention_heads
    assert heads % d["tensor_parallel"] == 0


def test_llama_server_pins_slots_and_total_context(capsys):
    r, _ = _rec(capsys, "--cpu-only", "--memory", "64", "--model", "qwen3-8b", "--users", "6", "--runtime", "llama-cpp",
                "--context", "4096")
    argv = shlex.split(r["serve"])
    d = r["deployment"]
    assert _arg_after(argv, "-np") == str(d["max_sequences"]) == "6"
    assert _arg_after(argv, "-c") == str(4096 * 6)


def test_ollama_pins_context_and_parallel_slots(capsys):
    r, _ = _rec(capsys, "--gpu", "Radeon RX 7900 XTX", "--os", "linux", "--model", "qwen3-32b", "--context", "4096",
                "--runtime", "ollama")
    assert r["deployment"]["env"]["OLLAMA_CONTEXT_LENGTH"] == "4096"
    assert "OLLAMA_CONTEXT_LENGTH=4096" in r["serve"] and "OLLAMA_NUM_PARALLEL=1" in r["serve"]


def test_all_interfaces_default_is_bound_to_localhost(capsys):
    for rt, flag in (("koboldcpp", "--host"), ("vllm", "--host")):
        args = ["--gpu", "RTX 4090", "--os", "linux", "--model", "qwen3-8b", "--runtime", rt]
        r, _ = _rec(capsys, *args)
        argv = shlex.split(r["serve"])
        assert _arg_after(argv, flag) == "127.0.0.1", r["serve"]
        assert not any("Listens on 127.0.0.1:5001 by default" in n for n in r["operator_notes"])
        assert any("all interfaces" in n for n in r["operator_notes"])


def test_moe_larger_than_vram_keeps_experts_in_ram(capsys):
    r, doc = _rec(capsys, "--gpu", "RTX 4090", "--os", "linux", "--memory", "128", "--model", "gpt-oss-120b")
    d = r["deployment"]
    assert d["placement"]["cpu_moe_layers"] > 0 and d["placement"]["gpu_layers"] is None, d
    assert r["runtime"] != "ollama"  # Ollama loads every expert into VRAM (ollama/ollama#17557)


def test_ktransformers_is_sized_on_vram_plus_ram(capsys):
    _, doc = _rec(capsys, "--gpu", "RTX 4090", "--os", "linux", "--memory", "512", "--model", "deepseek-v3")
    rej = {x["runtime"]: x["reasons"] for x in doc["rejected"]}
    assert "ktransformers" not in rej or not any("24.0 GiB usable" in r for r in rej["ktransformers"]), rej.get("ktransformers")


def test_many_users_llama_cpp_queues_like_vllm(capsys):
    _, doc = _rec(capsys, "--gpu", "RTX 4090", "--os", "linux", "--users", "32", "--model", "llama-3.1-8b")
    rejected = {x["runtime"] for x in doc["rejected"]}
    assert "llama-cpp" not in rejected and "ollama" not in rejected


def test_kv_bound_many_users_prefers_native_smaller_format(capsys):
    r, _ = _rec(capsys, "--gpu", "RTX 4090", "--os", "linux", "--users", "32", "--model", "llama-3.1-8b", "--runtime", "vllm")
    assert r["deployment"]["quant"] != "bf16"  # FP8 on Ada halves the weights and serves more at once


def test_default_quant_is_gated_by_the_hardware(capsys):
    code, doc, _ = run(capsys, "--gpu", "RTX 3060", "--memory", "32", "--goal", "latency", "--model", "llama-3.1-8b")
    for slug, d in _deployed(doc):
        if slug == "tensorrt-llm":
            assert d["quant"] != "fp8", "TensorRT-LLM FP8 on an Ampere RTX 3060"


def test_no_mlx_off_apple_and_no_iquants_for_vllm(capsys):
    code, doc, _ = run(capsys, "--cpu-only", "--memory", "128", "--model", "gpt-oss-120b", "--quant", "mlx", "--need", "gui")
    if doc["recommendation"]:
        assert not doc["recommendation"]["deployment"]["quant"].startswith("mlx")
    for args in (["--gpu", "RTX 5090", "--os", "linux", "--model", "qwen3-32b", "--quant", "nvfp4", "--users", "8"],
                 ["--gpu", "H100 SXM", "--model", "qwen3-8b", "--context", "131072", "--users", "4"]):
        _, doc, _ = run(capsys, *args)
        text = " ".join(doc["warnings"])
        assert not re.search(r"iq\d\w* with vLLM|mlx-\dbit with", text), text


def test_context_above_the_model_maximum_is_capped_and_said(capsys):
    r, doc = _rec(capsys, "--gpu", "H100 SXM", "--model", "llama-3.1-8b", "--context", "262144")
    assert r["deployment"]["context"] == 131072
    assert any("131072" in w for w in doc["warnings"])


def test_yarn_beyond_the_native_window(catalog):
    """With the model's native window as data, a longer context sets YaRN on the command line."""
    from pickrt.engine import deploy
    from pickrt.engine.fit import best_fit
    from pickrt.engine.hardware import view, whatif_profile
    from pickrt.engine.workload import ModelRef, build_workload

    spec = catalog.find_model("qwen3-8b").model_copy(update={"native_context": 32768, "max_context": 131072})
    wl = build_workload(catalog, users=1, context=131072)
    wl = dataclasses.replace(wl, model=ModelRef(spec=spec, label=spec.id))
    hw = view(whatif_profile(catalog, gpu="H100 SXM"), catalog)
    for slug, needle in (("vllm", "rope_parameters"), ("llama-cpp", "--yarn-orig-ctx"), ("sglang", "rope_scaling")):
        rt = catalog.runtimes[slug]
        backend = "cuda"
        f = best_fit(catalog, rt, hw, wl, backend)
        d, _ = deploy.build(catalog, rt, hw, wl, backend, f)
        assert d.rope_scaling == {"type": "yarn", "factor": 4.0, "native": 32768}
        assert needle in d.commands.serve and "32768" in d.commands.serve, d.commands.serve
        if slug == "vllm":
            override = _arg_after(shlex.split(d.commands.serve), "--hf-overrides")
            assert json.loads(override)["rope_parameters"]["factor"] == 4.0


def test_alternatives_say_their_own_trade_off(capsys):
    _, doc = _rec(capsys, "--gpu", "MI300X", "--gpus", "8", "--model", "llama-3.1-405b", "--users", "256", "--traffic", "diverse")
    firsts = [a["reasons"][0] for a in doc["alternatives"]]
    # runtimes that wrap the same engine (Xinference, GPUStack over vLLM) may share a trade-off line
    assert len(set(firsts)) >= max(1, (2 * len(firsts)) // 3), firsts
    assert not any(f.startswith("runs here, ranked below") for f in firsts)
    tgi = next((a for a in doc["alternatives"] if a["runtime"] == "tgi"), None)
    if tgi:
        assert tgi["reasons"][0].lower().startswith("maintenance")


def test_flags_used_parses_options():
    assert flags_used("OLLAMA_HOST=x ollama serve") == []
    assert flags_used("llama-server -m a.gguf --port 8080 -c 8192 -np 2") == ["-m", "--port", "-c", "-np"]
    assert flags_used("vllm serve x --hf-overrides '{\"a\": 1}' --max-model-len=4") == ["--hf-overrides", "--max-model-len"]


@pytest.mark.parametrize("slug", ["vllm", "sglang", "llama-cpp", "ollama", "koboldcpp", "tgi", "tensorrt-llm", "lmdeploy",
                                  "localai", "mlx-lm", "llamafile", "lm-studio", "mistral-rs", "tabbyapi", "mlc-llm"])
def test_launch_facts_are_data_with_sources(catalog, slug):
    rt = catalog.runtimes[slug]
    assert rt.flags.source, f"{slug}: documented flags need a source"
    assert rt.model_arg is not None
    for opt in (rt.flags.tensor_parallel, rt.flags.pipeline_parallel, rt.flags.context, rt.flags.max_sequences,
                rt.flags.kv_cache_dtype, rt.flags.gpu_layers, rt.flags.cpu_moe_layers, rt.flags.quantization):
        if opt:
            assert opt.rstrip("=") in rt.flags.list, f"{slug}: {opt} is mapped but not in its documented list"
    if rt.serve:
        for flag in flags_used(rt.serve.replace("{", "").replace("}", "")):
            assert flag in rt.flags.list, f"{slug}: its serve template uses {flag}, not in its documented flags"
    b = rt.api.bind
    assert b is not None and b.source, f"{slug}: api.bind needs how/default and a source"
