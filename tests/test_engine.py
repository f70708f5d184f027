"""The rules engine through `pickrt --json`: principles, invariants, exit codes, bad input."""

import json
import shlex
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pickrt.catalog.loader import shipped_dir
from pickrt.cli import main

BRIDGES = {"open-webui", "anythingllm"}


def run(capsys, *args):
    try:
        code = main(["--json", *args])
    except SystemExit as e:
        code = e.code
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else None), err


def check_invariants(doc, code, catalog):
    assert doc["schema_version"] == 1
    seen = []
    if doc["recommendation"]:
        seen.append(doc["recommendation"]["runtime"])
        assert doc["recommendation"]["reasons"]
    for k in ("alternatives", "rejected", "companions"):
        for x in doc[k]:
            seen.append(x["runtime"])
            assert x["reasons"] and all(r.strip() for r in x["reasons"]), x
    assert sorted(seen) == sorted(catalog.runtimes), "every runtime exactly once"
    assert (doc["recommendation"] is None) == (code == 3)
    assert doc["recommendation"] is None or doc["recommendation"]["runtime"] not in BRIDGES
    assert not {a["runtime"] for a in doc["alternatives"]} & BRIDGES
    assert "fastertransformer" in {r["runtime"] for r in doc["rejected"]}


# ---- the rules' own examples (each rule ships its cases) ----------------------------------------

def _rule_examples():
    from pickrt.catalog import load_catalog

    cat = load_catalog(use_user_overlay=False, use_cache=False)
    for r in cat.rules:
        for i, ex in enumerate(r.examples):
            yield pytest.param(r.id, ex, id=f"{r.id}-{i}")


@pytest.mark.parametrize("rule_id,ex", list(_rule_examples()))
def test_rule_examples(capsys, catalog, rule_id, ex):
    code, doc, err = run(capsys, *ex.args)
    assert doc is not None, err
    check_invariants(doc, code, catalog)
    rec = doc["recommendation"]["runtime"] if doc["recommendation"] else None
    if ex.expect_recommend:
        assert rec in ex.expect_recommend, (rule_id, rec)
    if ex.expect_not_recommend:
        assert rec not in ex.expect_not_recommend
    for slug in ex.expect_rejected or []:
        assert slug in {r["runtime"] for r in doc["rejected"]}
    said = doc["warnings"] + (doc["recommendation"]["operator_notes"] if doc["recommendation"] else [])
    if ex.expect_warning:
        assert any(ex.expect_warning in w for w in said), (rule_id, said)
    if ex.expect_no_warning:
        assert not any(ex.expect_no_warning in w for w in said), (rule_id, said)


# ---- principles on hardware the public scenarios do not name ------------------------------------

CASES = [
    # (args, recommend-one-of, extra checks)
    ('--apple "M4 Pro" --memory 48 --model qwen3-8b', {"ollama", "mlx-lm"}, {"fits": True}),
    ('--apple "M1 Ultra" --memory 128 --goal throughput --model llama-3.3-70b', {"mlx-lm"}, {"fits": True}),
    ('--apple "M3" --memory 8 --model phi-4 --quant bf16', None, {"fits": False}),
    ('--gpu "RTX 3060" --os linux --model qwen3-8b', {"ollama"}, {"fits": True}),
    ('--gpu "RX 7900 XTX" --os linux --model qwen3-32b', {"ollama", "llama-cpp"}, {"fits": True}),
    ('--gpu "Arc B580" --os windows --model llama-3.1-8b', {"ollama", "llama-cpp", "lm-studio"}, {}),
    ('--gpu "Jetson AGX Orin" --model llama-3.1-8b', {"ollama", "llama-cpp"}, {"fits": True}),
    ('--gpu "L4" --users 12 --traffic diverse --model qwen3-8b', {"vllm"}, {}),
    ('--gpu "MI300X" --gpus 8 --users 64 --traffic shared-prefix --model llama-3.1-70b', {"sglang"}, {"fits": True}),
    ('--gpu "B200" --gpus 8 --users 128 --traffic diverse --quant nvfp4 --model deepseek-v3', {"vllm", "sglang", "tensorrt-llm"}, {"fits": True}),
    ('--gpu "RTX 4090" --os windows --need gui', {"lm-studio"}, {}),
    ('--gpu "RTX 4090" --os linux --need multimodal --users 2', {"localai"}, {}),
    ('--cpu-only --memory 32 --os linux --model qwen3-8b', {"ollama", "llama-cpp", "llamafile"}, {"fits": True}),
    ('--gpu "H100 SXM" --gpus 8 --model deepseek-v3 --users 16', {"vllm", "sglang"}, {"fits": True}),
    ('--apple "M3 Ultra" --memory 512 --model deepseek-v3', {"mlx-lm", "ollama", "llama-cpp"}, {"fits": True}),
    ('--apple "M4 Pro" --memory 64 --nodes 3 --interconnect thunderbolt5 --model llama-3.1-405b --quant mlx-4bit', None, {}),
]


@pytest.mark.parametrize("args,want,checks", CASES, ids=[c[0] for c in CASES])
def test_principles_generalise(capsys, catalog, args, want, checks):
    code, doc, err = run(capsys, *shlex.split(args))
    assert doc is not None, err
    check_invariants(doc, code, catalog)
    if want:
        assert doc["recommendation"] and doc["recommendation"]["runtime"] in want, (doc["recommendation"] or {}).get("runtime")
    if "fits" in checks:
        assert doc["model_fit"]["fits"] is checks["fits"], doc["model_fit"]["detail"]


def test_gate_names_compute_capability(capsys):
    code, doc, _ = run(capsys, "--gpu", "GTX 1080 Ti", "--os", "linux", "--users", "8")
    vllm = next(r for r in doc["rejected"] if r["runtime"] == "vllm")
    assert any("7.5" in x and "6.1" in x for x in vllm["reasons"]), vllm


def test_cuda_engines_rejected_on_mac_and_linux_only_on_windows(capsys):
    _, doc, _ = run(capsys, "--apple", "M2 Pro", "--memory", "32")
    rej = {r["runtime"]: " ".join(r["reasons"]) for r in doc["rejected"]}
    assert "tensorrt-llm" in rej and "exllamav2" in rej
    _, doc, _ = run(capsys, "--gpu", "RTX 4080", "--os", "windows")
    rej = {r["runtime"]: " ".join(r["reasons"]) for r in doc["rejected"]}
    assert "WSL" in rej["vllm"] and "WSL" in rej["sglang"]


def test_container_limit_counts_not_host_ram(capsys, tmp_path):
    prof = {"os": "linux", "arch": "x86_64", "memory_gb": 503.0, "memory_limit_gb": 16.0, "gpus": []}
    f = tmp_path / "p.json"
    f.write_text(json.dumps(prof))
    code, doc, err = run(capsys, "--hardware", str(f), "--model", "qwen3-32b", "--quant", "q8_0")
    assert doc["model_fit"]["fits"] is False
    assert doc["model_fit"]["available_gb"] < 16


def test_runtime_forced(capsys):
    code, doc, _ = run(capsys, "--gpu", "RTX 4090", "--os", "linux", "--runtime", "llama-cpp")
    assert code == 0 and doc["recommendation"]["runtime"] == "llama-cpp"
    assert doc["alternatives"][0]["runtime"] == "ollama"
    assert "own pick" in doc["alternatives"][0]["reasons"][0]
    code, doc, _ = run(capsys, "--apple", "M3 Max", "--runtime", "tensorrt-llm")
    assert code == 3 and doc["recommendation"] is None
    assert any("TensorRT" in w for w in doc["warnings"])


def test_fits_nowhere_exit_3_says_what_would(capsys):
    code, doc, _ = run(capsys, "--gpu", "RTX 4090", "--memory", "64", "--os", "linux", "--model", "llama-3.1-405b")
    assert code == 3 and doc["model_fit"]["fits"] is False
    assert any("would" in w for w in doc["warnings"])


def test_offload_is_not_a_fit(capsys):
    code, doc, _ = run(capsys, "--gpu", "RTX 4090", "--memory", "64", "--os", "linux", "--model", "llama-3.1-70b", "--quant", "gguf")
    assert code == 0
    assert doc["model_fit"]["fits"] is False and doc["model_fit"]["offload"] is True
    assert any("slower" in w for w in doc["warnings"])


def test_output_matches_shipped_schema(capsys):
    import jsonschema

    schema = json.loads((shipped_dir() / "schema" / "advice.schema.json").read_text())
    for args in (["--gpu", "RTX 4090", "--model", "llama-3.1-8b"], ["--apple", "M2", "--memory", "8", "--model", "llama-3.1-70b"]):
        _, doc, _ = run(capsys, *args)
        jsonschema.validate(doc, schema)


BAD = [
    (["--goal", "fastest"], "easy"),
    (["--gpu", "RTX 4090", "--users", "0"], "users"),
    (["--gpu", "RTX 4090", "--users", "many"], "users"),
    (["--gpu", "RTX 4090", "--context", "-5"], "context"),
    (["--gpu", "Voodoo 5 6000"], "vram"),
    (["--apple", "M9 Mega"], "M3 Max"),
    (["--hardware", "no-such.json"], "no-such.json"),
    (["--quant", "q7_z"], "q4_k_m"),
    (["--model", "llama-9-900b"], "known model"),
    (["--memory", "-3", "--cpu-only"], "memory"),
    (["--runtime", "nosuch"], "ollama"),
    (["--need", "telepathy"], "gui"),
    (["--gpu", "RTX 4090", "--interconnect", "infiniband"], "nodes"),
]


@pytest.mark.parametrize("args,needle", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_one_line_exit_2(capsys, args, needle):
    code, doc, err = run(capsys, *args)
    assert code == 2 and doc is None
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert needle.lower() in err.lower(), err


def test_malformed_hardware_file_names_line(capsys, tmp_path):
    f = tmp_path / "hw.yaml"
    f.write_text("os: linux\ngpus:\n  - vendor: nvidia\n    vram_gb: [lots\n")
    code, _, err = run(capsys, "--hardware", str(f))
    assert code == 2 and f"{f}:" in err
    f.write_text("os: linux\ngpus:\n  - vendor: martian\n")
    code, _, err = run(capsys, "--hardware", str(f))
    assert code == 2 and f"{f}:3" in err and "nvidia" in err


def test_json_never_imports_textual():
    code = ("import sys; from pickrt.cli import main; rc = main(['--json', '--gpu', 'RTX 4090']);"
            "assert 'textual' not in sys.modules, 'textual imported'; print('ok', rc)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip().endswith("ok 0"), r.stderr


def test_piped_without_json_prints_text():
    r = subprocess.run([sys.executable, "-m", "pickrt", "--gpu", "RTX 4090", "--model", "llama-3.1-8b"],
                       capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert r.returncode == 0 and "Recommended: Ollama" in r.stdout


def test_batch(tmp_path, capsys):
    f = tmp_path / "b.jsonl"
    f.write_text('{"hardware": {"gpu": "RTX 4090"}, "workload": {"model": "llama-3.1-8b"}}\n'
                 '{"hardware": {"apple": "M3 Max", "memory": 64}, "workload": {"goal": "throughput"}}\n')
    assert main(["--json", "--batch", str(f)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [json.loads(x)["recommendation"]["runtime"] for x in lines] == ["ollama", "mlx-lm"]
    f.write_text('{"hardware": {"gpu": "RTX 4090"}, "workload": {"goal": "fastest"}}\n')
    with pytest.raises(SystemExit) as ei:
        main(["--json", "--batch", str(f)])
    assert ei.value.code == 2 and f"{f}:1" in capsys.readouterr().err


# ---- properties ------------------------------------------------------------------------------

GPUS = ["RTX 4090", "RTX 3060", "H100 SXM", "A100 80GB", "L40S", "MI300X", "Arc B580", "GTX 1080 Ti", "RTX 5090", "Jetson AGX Orin", "T4"]
MODELS = [None, "llama-3.1-8b", "qwen3-32b", "llama-3.1-70b", "gpt-oss-20b", "deepseek-v3", "gemma-3-27b", "mixtral-8x7b"]


@st.composite
def whatif(draw):
    args = []
    kind = draw(st.sampled_from(["gpu", "apple", "cpu"]))
    if kind == "gpu":
        args += ["--gpu", draw(st.sampled_from(GPUS)), "--gpus", str(draw(st.integers(1, 8)))]
        args += ["--os", draw(st.sampled_from(["linux", "windows"]))]
    elif kind == "apple":
        args += ["--apple", draw(st.sampled_from(["M1", "M2 Pro", "M3 Max", "M4 Max", "M2 Ultra"]))]
    else:
        args += ["--cpu-only"]
    if draw(st.booleans()) or kind == "cpu":
        args += ["--memory", str(draw(st.sampled_from([8, 16, 32, 64, 128, 512])))]
    if draw(st.integers(0, 4)) == 0:
        args += ["--nodes", str(draw(st.integers(2, 4))), "--interconnect", draw(st.sampled_from(["ethernet", "infiniband", "thunderbolt5", "internet"]))]
    m = draw(st.sampled_from(MODELS))
    if m:
        args += ["--model", m]
    args += ["--users", str(draw(st.sampled_from([1, 2, 8, 64])))]
    args += ["--traffic", draw(st.sampled_from(["chat", "diverse", "shared-prefix", "structured", "agent-loop", "batch"]))]
    args += ["--quant", draw(st.sampled_from(["any", "gguf", "exl2", "exl3", "awq", "fp8", "nvfp4", "mlx", "bf16", "q8_0"]))]
    args += ["--context", str(draw(st.sampled_from([2048, 8192, 32768, 131072])))]
    for n in draw(st.lists(st.sampled_from(["gui", "single-file", "openai-api", "multimodal", "hf-hub", "kubernetes", "chat-ui", "rag"]), max_size=2)):
        args += ["--need", n]
    if draw(st.booleans()):
        args += ["--goal", draw(st.sampled_from(["easy", "throughput", "latency"]))]
    return args


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(args=whatif())
def test_invariants_hold_and_advice_is_deterministic(capsys, catalog, args):
    code, doc, err = run(capsys, *args)
    assert code in (0, 3), err
    check_invariants(doc, code, catalog)
    code2, doc2, _ = run(capsys, *args)
    assert doc2 == doc and code2 == code


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(model=st.sampled_from(MODELS[1:]), mem=st.sampled_from([16, 32, 64, 128]))
def test_more_memory_never_turns_a_fit_into_a_non_fit(capsys, model, mem):
    _, small, _ = run(capsys, "--cpu-only", "--memory", str(mem), "--model", model)
    _, big, _ = run(capsys, "--cpu-only", "--memory", str(mem * 2), "--model", model)
    if small["model_fit"]["fits"]:
        assert big["model_fit"]["fits"]


def test_fast_json_is_the_pydantic_document(capsys):
    from pickrt.catalog import load_catalog
    from pickrt.engine.advise import advise
    from pickrt.engine.hardware import whatif_profile
    from pickrt.engine.workload import build_workload
    from pickrt.render.json_out import dumps

    cat = load_catalog(use_user_overlay=False)
    from pickrt.advice import Advice

    adv = advise(whatif_profile(cat, gpu="L40S", gpus=2), build_workload(cat, users=16, model="qwen3-32b"), cat)
    doc = json.loads(dumps(adv))
    assert json.loads(Advice.model_validate(doc).model_dump_json()) == doc  # valid, complete, in field order


def test_detect_json_loads_unchanged_with_hardware(tmp_path, capsys):
    from pickrt.cli import main as cli_main

    replay = tmp_path / "rec"
    replay.mkdir()
    src = __import__("pathlib").Path(__file__).parent / "fixtures" / "probes" / "nvidia"
    (replay / "nvidia-smi-q.txt").write_text((src / "gls__H100SXMx8__q.txt").read_text())
    (replay / "uname.txt").write_text("Linux x86_64\n")
    assert cli_main(["detect", "--json", "--replay", str(replay)]) == 0
    prof = tmp_path / "p.json"
    prof.write_text(capsys.readouterr().out)
    code, doc, err = run(capsys, "--hardware", str(prof), "--users", "32", "--model", "llama-3.1-70b")
    assert code == 0, err
    assert len(doc["hardware"]["gpus"]) == 8
    assert doc["recommendation"]["runtime"] in ("vllm", "sglang")
    assert doc["model_fit"]["fits"] is True
