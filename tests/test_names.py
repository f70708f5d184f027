"""Names as people write them: runtimes, GPUs, Apple chips and option values forgive case and
punctuation, and a near miss gets "did you mean". One lookup layer for the CLI and the wizard."""

from __future__ import annotations

import json

import pytest

from pickrt.catalog import load_catalog
from pickrt.catalog.spelling import closest, did_you_mean, name_forms, norm, pick
from pickrt.cli import main


@pytest.fixture(scope="module")
def cat():
    return load_catalog()


@pytest.mark.parametrize("name,slug", [
    ("Ollama", "ollama"), ("OLLAMA", "ollama"), ("llama.cpp", "llama-cpp"), ("llamacpp", "llama-cpp"),
    ("Llama_CPP", "llama-cpp"), ("llama-server", "llama-cpp"), ("LMStudio", "lm-studio"),
    ("LM Studio", "lm-studio"), ("vLLM", "vllm"), ("VLLM", "vllm"), ("MLX LM", "mlx-lm"), ("mlx_lm", "mlx-lm"),
    ("TGI", "tgi"), ("TensorRT-LLM", "tensorrt-llm"), ("SGLang", "sglang"), ("Dynamo", "nvidia-dynamo"),
])
def test_runtime_any_spelling(cat, name, slug):
    rt = cat.find_runtime(name)
    assert rt is not None and rt.slug == slug


@pytest.mark.parametrize("typo,slug", [("olama", "ollama"), ("vllmm", "vllm"), ("lmstdio", "lm-studio"),
                                       ("sglan", "sglang"), ("exlamav2", "exllamav2")])
def test_runtime_typo_did_you_mean(cat, typo, slug):
    assert cat.find_runtime(typo) is None
    assert f"did you mean {slug!r}" in cat.unknown_runtime(typo)


def test_nonsense_runtime_gets_no_guess(cat):
    msg = cat.unknown_runtime("zzzzzz")
    assert "did you mean" not in msg and "known: ollama" in msg


def test_name_helpers():
    assert norm("llama.cpp") == norm("Llama-CPP") == "llamacpp"
    assert name_forms("llama.cpp (llama-server)") == ["llama.cpp (llama-server)", "llama.cpp", "llama-server"]
    assert "Dynamo" in name_forms("NVIDIA Dynamo")
    assert pick("Shared_Prefix", ("chat", "shared-prefix")) == "shared-prefix"
    assert pick("chatt", ("chat", "diverse")) is None
    assert closest("chatt", ("chat", "diverse")) == "chat"
    assert did_you_mean("xyzzy", ("chat", "diverse")) == ""


@pytest.mark.parametrize("argv,slug", [
    (["--runtime", "Ollama"], "ollama"), (["--runtime", "llama.cpp"], "llama-cpp"),
    (["--runtime", "LMStudio"], "lm-studio"), (["--runtime", "vLLM", "--gpu", "RTX 4090"], "vllm"),
])
def test_cli_runtime_names(argv, slug, capsys):
    code = main(["--json", "--memory", "32", *argv] if "--gpu" not in argv else ["--json", *argv])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0
    assert doc["recommendation"]["runtime"] == slug
    assert doc["workload"]["runtime"] == slug


def _fails(argv, capsys) -> str:
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    return err


@pytest.mark.parametrize("argv,hint", [
    (["--runtime", "olama"], "did you mean 'ollama'?"),
    (["--gpu", "M4 Pro"], "did you mean --apple 'M4 Pro'?"),
    (["--gpu", "Apple M2 Ultra"], "did you mean --apple 'M2 Ultra'?"),
    (["--gpu", "RTX 4900"], "did you mean 'GeForce RTX 4090'?"),
    (["--apple", "M3 Maxx"], 'did you mean "M3 Max"?'),
    (["--traffic", "chatt"], 'did you mean "chat"?'),
    (["--os", "macs"], 'did you mean "macos"?'),
    (["--goal", "throughput!"], None),
    (["--interconnect", "infini", "--nodes", "2", "--gpu", "H100"], 'did you mean "infiniband"?'),
    (["--need", "openai"], 'did you mean "openai-api"?'),
])
def test_cli_did_you_mean(argv, hint, capsys):
    if hint is None:  # punctuation is forgiven: this one is accepted
        assert main(["--json", "--memory", "16", *argv]) == 0
        capsys.readouterr()
        return
    err = _fails(["--json", *argv], capsys)
    assert hint in err, err


def test_cli_forgives_case_of_option_values(capsys):
    assert main(["--json", "--memory", "16", "--traffic", "Shared_Prefix", "--os", "macOS", "--need", "GUI"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["workload"]["traffic"] == "shared-prefix" and doc["workload"]["needs"] == ["gui"]
    assert doc["hardware"]["os"] == "macos"


def test_apple_chip_without_space(capsys):
    assert main(["--json", "--apple", "m4pro"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["hardware"]["apple"]["chip"] == "Apple M4 Pro"


def test_knowledge_show_any_spelling(capsys):
    assert main(["knowledge", "show", "LMStudio"]) == 0
    assert "LM Studio (lm-studio)" in capsys.readouterr().out
    err = _fails(["knowledge", "show", "lmstdio"], capsys)
    assert "did you mean 'lm-studio'?" in err
