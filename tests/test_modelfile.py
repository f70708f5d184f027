"""--model FILE: a .gguf header and a Hugging Face folder are read without loading weights."""

import json
import struct
import sys
from pathlib import Path

import pytest

from pickrt.cli import main
from pickrt.engine.workload import resolve_model

sys.path.insert(0, str(Path(__file__).parent / "e2e"))


@pytest.fixture(scope="module")
def tiny_gguf(tmp_path_factory):
    import tiny_gguf

    return tiny_gguf.write(tmp_path_factory.mktemp("m") / "tiny.gguf")


def test_gguf_header(catalog, tiny_gguf):
    ref = resolve_model(catalog, str(tiny_gguf))
    m = ref.spec
    assert (m.layers, m.kv_heads, m.head_dim) == (2, 4, 16)
    assert ref.file_gb == pytest.approx(tiny_gguf.stat().st_size / 2**30)
    assert ref.file_quant == "gguf-f32"  # a GGUF file with F32 tensors is still GGUF (llama.cpp loads it)


def test_gguf_in_advice(capsys, tiny_gguf):
    assert main(["--json", "--gpu", "RTX 3060", "--model", str(tiny_gguf)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert "file size" in doc["model_fit"]["detail"]
    assert doc["workload"]["quant"] == "gguf-f32"


def _hf_folder(tmp_path: Path) -> Path:
    d = tmp_path / "Qwen3-8B"
    d.mkdir()
    (d / "config.json").write_text(json.dumps({
        "architectures": ["Qwen3ForCausalLM"], "hidden_size": 4096, "num_attention_heads": 32,
        "num_key_value_heads": 8, "head_dim": 128, "num_hidden_layers": 36, "intermediate_size": 12288,
        "vocab_size": 151936, "max_position_embeddings": 40960, "torch_dtype": "bfloat16"}))
    header = {"model.embed_tokens.weight": {"dtype": "BF16", "shape": [151936, 4096], "data_offsets": [0, 151936 * 4096 * 2]},
              "__metadata__": {"format": "pt"}}
    raw = json.dumps(header).encode()
    (d / "model.safetensors").write_bytes(struct.pack("<Q", len(raw)) + raw)  # header only: never read past it
    return d


def test_hf_folder_config_and_safetensors_header(catalog, tmp_path):
    ref = resolve_model(catalog, str(_hf_folder(tmp_path)))
    m = ref.spec
    assert (m.layers, m.kv_heads, m.head_dim) == (36, 8, 128)  # head_dim from config, not 4096/32
    assert ref.file_gb == pytest.approx(151936 * 4096 * 2 / 2**30)
    assert ref.file_quant == "bf16"


@pytest.mark.parametrize("arg", ["missing.gguf", "no/such/folder/model", "llama-9-900b"])
def test_unknown_model_is_bad_input(capsys, arg):
    with pytest.raises(SystemExit) as ei:
        main(["--json", "--gpu", "RTX 3060", "--model", arg])
    assert ei.value.code == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1


def test_not_a_gguf_is_bad_input(capsys, tmp_path):
    f = tmp_path / "fake.gguf"
    f.write_bytes(b"not a gguf at all")
    with pytest.raises(SystemExit) as ei:
        main(["--json", "--gpu", "RTX 3060", "--model", str(f)])
    assert ei.value.code == 2 and "GGUF" in capsys.readouterr().err


def test_hf_repo_id_of_a_reference_model(capsys):
    assert main(["--json", "--gpu", "RTX 4090", "--model", "meta-llama/Llama-3.1-8B-Instruct"]) == 0
    assert json.loads(capsys.readouterr().out)["workload"]["model"] == "llama-3.1-8b"
