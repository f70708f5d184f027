"""Per-layer KV memory model against hand-computed bytes for each attention type.

Configs below are the memory-relevant fields of each model's config.json (text_config where nested);
the expected numbers are worked out by hand in the comments, not by the code under test.
"""

import pytest

from pickrt.engine.kvcache import layout_from_config, layout_from_gguf, layout_of

QWEN3_NEXT_80B = {  # Qwen/Qwen3-Next-80B-A3B-Instruct
    "model_type": "qwen3_next", "num_hidden_layers": 48, "hidden_size": 2048, "num_attention_heads": 16,
    "num_key_value_heads": 2, "head_dim": 256, "full_attention_interval": 4,
    "linear_num_key_heads": 16, "linear_num_value_heads": 32, "linear_key_head_dim": 128,
    "linear_value_head_dim": 128, "linear_conv_kernel_dim": 4, "max_position_embeddings": 262144,
}
QWEN35_27B = {  # Qwen/Qwen3.5-27B (vision wrapper, text_config nested)
    "model_type": "qwen3_5", "text_config": {
        "model_type": "qwen3_5_text", "num_hidden_layers": 64, "hidden_size": 5120, "num_attention_heads": 24,
        "num_key_value_heads": 4, "head_dim": 256, "full_attention_interval": 4, "linear_num_key_heads": 16,
        "linear_num_value_heads": 48, "linear_key_head_dim": 128, "linear_value_head_dim": 128,
        "linear_conv_kernel_dim": 4, "mamba_ssm_dtype": "float32", "max_position_embeddings": 262144}}
GEMMA3_27B = {"model_type": "gemma3", "text_config": {
    "num_hidden_layers": 62, "hidden_size": 5376, "num_attention_heads": 32, "num_key_value_heads": 16,
    "head_dim": 128, "sliding_window": 1024, "sliding_window_pattern": 6}}
GEMMA4_31B = {"model_type": "gemma4", "text_config": {
    "num_hidden_layers": 60, "num_attention_heads": 32, "num_key_value_heads": 16, "head_dim": 256,
    "num_global_key_value_heads": 4, "global_head_dim": 512, "attention_k_eq_v": True, "sliding_window": 1024,
    "layer_types": (["sliding_attention"] * 5 + ["full_attention"]) * 10}}
GEMMA4_E4B = {"model_type": "gemma4", "text_config": {
    "num_hidden_layers": 42, "num_attention_heads": 8, "num_key_value_heads": 2, "head_dim": 256,
    "global_head_dim": 512, "num_global_key_value_heads": None, "sliding_window": 512, "num_kv_shared_layers": 18,
    "layer_types": (["sliding_attention"] * 5 + ["full_attention"]) * 7}}
GPT_OSS_20B = {"model_type": "gpt_oss", "num_hidden_layers": 24, "hidden_size": 2880, "num_attention_heads": 64,
               "num_key_value_heads": 8, "head_dim": 64, "sliding_window": 128,
               "layer_types": ["sliding_attention", "full_attention"] * 12}
DEEPSEEK_V3 = {"model_type": "deepseek_v3", "num_hidden_layers": 61, "hidden_size": 7168, "num_attention_heads": 128,
               "num_key_value_heads": 128, "kv_lora_rank": 512, "qk_rope_head_dim": 64, "qk_nope_head_dim": 128,
               "v_head_dim": 128}
NEMOTRON3_NANO = {"model_type": "nemotron_h", "num_hidden_layers": 52, "hidden_size": 2688, "num_attention_heads": 32,
                  "num_key_value_heads": 2, "head_dim": 128,
                  "hybrid_override_pattern": "MEMEM*EMEMEM*EMEMEM*EMEMEM*EMEMEM*EMEMEMEM*EMEMEMEME",
                  "mamba_num_heads": 64, "mamba_head_dim": 64, "ssm_state_size": 128, "n_groups": 8, "conv_kernel": 4}
LLAMA2_7B = {"model_type": "llama", "num_hidden_layers": 32, "hidden_size": 4096, "num_attention_heads": 32}


def test_qwen3_next_full_layers_only_grow():
    lay = layout_from_config(QWEN3_NEXT_80B)
    assert lay.count("full") == 12 and lay.count("recurrent") == 36
    # 12 layers x 2 kv heads x (256 K + 256 V) x 2 bytes
    assert lay.per_token_bytes() == 24_576
    # per layer: 32 v heads x 128 x 128 = 524,288 state + 3 x (32x128 + 2x16x128) = 24,576 conv; x 4 bytes x 36
    assert lay.fixed_bytes() == 548_864 * 4 * 36 == 79_036_416
    assert lay.bytes_per_sequence(32768) == 24_576 * 32768 + 79_036_416


def test_qwen35_27b_nested_text_config():
    lay = layout_from_config(QWEN35_27B)
    assert lay.count("full") == 16 and lay.count("recurrent") == 48
    assert lay.per_token_bytes() == 16 * 4 * 512 * 2 == 65_536
    # 48 x 128 x 128 = 786,432 + 3 x (48x128 + 2x16x128 = 10,240) = 817,152 elements x 4 bytes x 48 layers
    assert lay.fixed_bytes() == 156_893_184
    # a naive layers x kv x head_dim estimate is 4x too high per token
    naive = 2 * 64 * 4 * 256 * 2
    assert naive / lay.per_token_bytes() == 4


def test_gemma3_sliding_pattern():
    lay = layout_from_config(GEMMA3_27B)
    assert lay.count("full") == 10 and lay.count("sliding") == 52
    assert lay.per_token_bytes() == 10 * 16 * 256 * 2 == 81_920
    # 52 layers x 16 x 256 x 2 bytes x 1024 window
    assert lay.bytes_per_sequence(8192) == 81_920 * 8192 + 436_207_616
    assert lay.bytes_per_sequence(512) == (81_920 + 52 * 16 * 256 * 2) * 512


def test_gemma4_split_global_heads():
    lay = layout_from_config(GEMMA4_31B)
    # 10 global layers x 4 kv heads x (512 + 512) x 2 bytes: K and V both counted under attention_k_eq_v
    assert lay.per_token_bytes() == 81_920
    assert lay.sliding_bytes(100_000) == 50 * 16 * 512 * 2 * 1024 == 838_860_800
    assert any("attention_k_eq_v" in n for n in lay.notes)
    naive = 2 * 60 * 16 * 256 * 2  # every layer, sliding dims, whole context
    assert naive / lay.per_token_bytes() == 12


def test_gemma4_kv_shared_layers():
    lay = layout_from_config(GEMMA4_E4B)
    # first 24 layers keep KV: 4 full (layers 6, 12, 18, 24) + 20 sliding; 18 shared
    assert (lay.count("full"), lay.count("sliding"), lay.count("shared")) == (4, 20, 18)
    assert lay.per_token_bytes() == 4 * 2 * 1024 * 2 == 16_384
    assert lay.sliding_bytes(65536) == 20 * 2 * 512 * 2 * 512 == 20_971_520


def test_gpt_oss_alternating():
    lay = layout_from_config(GPT_OSS_20B)
    assert lay.per_token_bytes() == 12 * 8 * 128 * 2 == 24_576
    assert lay.bytes_per_sequence(131072) == 24_576 * 131072 + 12 * 8 * 128 * 2 * 128


def test_deepseek_mla_and_indexer():
    lay = layout_from_config(DEEPSEEK_V3)
    assert lay.per_token_bytes() == 61 * (512 + 64) * 2 == 70_272
    v32 = layout_from_config({**DEEPSEEK_V3, "index_head_dim": 128, "index_n_heads": 64})
    # + 61 layers x (128 fp8 + 4 scale) bytes, independent of the KV element size
    assert v32.per_token_bytes() == 70_272 + 61 * 132
    assert v32.per_token_bytes(1.0) == 35_136 + 61 * 132


def test_nemotron_h_mamba_hybrid():
    lay = layout_from_config(NEMOTRON3_NANO)
    assert (lay.count("full"), lay.count("recurrent"), lay.count("none")) == (6, 23, 23)
    assert lay.per_token_bytes() == 6 * 2 * 256 * 2 == 6_144
    # 64 x 64 = 4096 inner x 128 state = 524,288 + 3 x (4096 + 2 x 8 x 128) = 18,432 -> 542,720 x 4 bytes x 23
    assert lay.fixed_bytes() == 49_930_240


def test_plain_llama_defaults_and_notes():
    lay = layout_from_config(LLAMA2_7B)
    assert lay.per_token_bytes() == 32 * 32 * 256 * 2 == 524_288
    assert lay.notes == ()


def test_unknown_fields_are_said():
    lay = layout_from_config({**LLAMA2_7B, "compress_ratios": [0, 4, 128]})
    assert any("compress_ratios" in n for n in lay.notes)
    lay = layout_from_config({**LLAMA2_7B, "layer_types": ["weird_attention"] * 32})
    assert any("weird_attention" in n for n in lay.notes)
    lay = layout_from_config({**LLAMA2_7B, "hybrid_override_pattern": "M*" * 16})
    assert any("state is not counted" in n for n in lay.notes)
    with pytest.raises(ValueError):
        layout_from_config({"hidden_size": 4096})


def test_gguf_qwen3next_and_nemotron_h():
    meta = {"general.architecture": "qwen3next", "qwen3next.block_count": 48, "qwen3next.attention.head_count": 16,
            "qwen3next.attention.head_count_kv": 2, "qwen3next.attention.key_length": 256,
            "qwen3next.attention.value_length": 256, "qwen3next.full_attention_interval": 4,
            "qwen3next.ssm.inner_size": 4096, "qwen3next.ssm.state_size": 128, "qwen3next.ssm.group_count": 16,
            "qwen3next.ssm.time_step_rank": 32, "qwen3next.ssm.conv_kernel": 4}
    lay = layout_from_gguf(meta)
    assert lay.per_token_bytes() == 24_576 and lay.fixed_bytes() == 79_036_416
    pat = NEMOTRON3_NANO["hybrid_override_pattern"]
    meta = {"general.architecture": "nemotron_h", "nemotron_h.block_count": 52,
            "nemotron_h.attention.head_count": [32 if c == "*" else 0 for c in pat],
            "nemotron_h.attention.head_count_kv": [2 if c == "*" else 0 for c in pat],
            "nemotron_h.attention.key_length": 128, "nemotron_h.feed_forward_length": [1856 if c == "E" else 0 for c in pat],
            "nemotron_h.ssm.inner_size": 4096, "nemotron_h.ssm.state_size": 128, "nemotron_h.ssm.group_count": 8,
            "nemotron_h.ssm.conv_kernel": 4}
    lay = layout_from_gguf(meta)
    assert lay.per_token_bytes() == 6_144 and lay.fixed_bytes() == 49_930_240


def test_gguf_gemma3_pattern_and_mla():
    meta = {"general.architecture": "gemma3", "gemma3.block_count": 62, "gemma3.attention.head_count": 32,
            "gemma3.attention.head_count_kv": 16, "gemma3.attention.key_length": 128,
            "gemma3.attention.sliding_window": 1024}
    lay = layout_from_gguf(meta)
    assert lay.count("full") == 10 and lay.per_token_bytes() == 81_920
    meta = {"general.architecture": "deepseek2", "deepseek2.block_count": 61, "deepseek2.attention.head_count": 128,
            "deepseek2.attention.kv_lora_rank": 512, "deepseek2.rope.dimension_count": 64}
    assert layout_from_gguf(meta).per_token_bytes() == 70_272


def test_catalog_spec_layout_and_classic_fields():
    from types import SimpleNamespace as NS

    classic = NS(layers=24, kv_heads=8, head_dim=64, sliding_window=128, sliding_layers=12, kv_lora_rank=None,
                 qk_rope_head_dim=None, layout=[])
    assert layout_of(classic).per_token_bytes() == 24_576
    hybrid = NS(layers=64, kv_heads=4, head_dim=256, sliding_window=None, sliding_layers=None, kv_lora_rank=None,
                qk_rope_head_dim=None, layout=[{"kind": "full", "layers": 16, "kv_heads": 4, "head_dim": 256},
                                              {"kind": "recurrent", "layers": 48, "inner": 6144, "state_size": 128,
                                               "groups": 16, "conv_kernel": 4}])
    assert layout_of(hybrid).bytes_per_sequence(1000) == 65_536 * 1000 + 156_893_184


def write_hybrid_gguf(path, arch="nemotron_h"):
    """A tiny GGUF header with per-layer arrays (no real weights beyond one small tensor)."""
    import gguf
    import numpy as np

    w = gguf.GGUFWriter(str(path), arch)
    w.add_block_count(4)
    w.add_embedding_length(64)
    w.add_context_length(4096)
    w.add_head_count([4, 0, 0, 0])
    w.add_head_count_kv([2, 0, 0, 0])
    w.add_key_length(16)
    w.add_value_length(16)
    w.add_feed_forward_length([0, 0, 128, 0])  # layer 2 is MLP-only; 1 and 3 are Mamba
    w.add_ssm_inner_size(128)
    w.add_ssm_state_size(16)
    w.add_ssm_group_count(2)
    w.add_ssm_conv_kernel(4)
    w.add_file_type(0)
    w.add_tensor("token_embd.weight", np.zeros((8, 64), dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


def test_gguf_file_through_the_reader(tmp_path):
    from pickrt.engine.fit import kv_bytes_per_sequence
    from pickrt.engine.modelfile import read_gguf

    ref = read_gguf(write_hybrid_gguf(tmp_path / "hybrid.gguf"))
    lay = layout_of(ref.spec)
    assert (lay.count("full"), lay.count("recurrent"), lay.count("none")) == (1, 2, 1)
    # 1 layer x 2 kv x 32 x 2 bytes = 128 per token; state 128 x 16 + 3 x (128 + 2 x 2 x 16) = 2624 x 4 x 2 layers
    assert kv_bytes_per_sequence(ref.spec, 1000) == 128 * 1000 + 2624 * 4 * 2


def test_llama4_chunked_attention():
    cfg = {"model_type": "llama4", "text_config": {
        "num_hidden_layers": 48, "num_attention_heads": 40, "num_key_value_heads": 8, "head_dim": 128,
        "attention_chunk_size": 8192, "no_rope_layers": [1, 1, 1, 0] * 12}}
    lay = layout_from_config(cfg)
    assert (lay.count("full"), lay.count("sliding")) == (12, 36)
    assert lay.per_token_bytes() == 12 * 8 * 256 * 2 == 49_152
    assert lay.sliding_bytes(1_000_000) == 36 * 8 * 256 * 2 * 8192


def test_hybrid_hf_folder_grows_by_full_layers_only(catalog, tmp_path):
    import json

    from pickrt.engine.fit import kv_bytes_per_sequence
    from pickrt.engine.workload import resolve_model

    d = tmp_path / "Qwen3.5-27B-local"
    d.mkdir()
    (d / "config.json").write_text(json.dumps(QWEN35_27B))
    spec = resolve_model(catalog, str(d)).spec
    grow = kv_bytes_per_sequence(spec, 20_000) - kv_bytes_per_sequence(spec, 10_000)
    assert grow == 65_536 * 10_000  # 16 full-attention layers, not 64
    assert kv_bytes_per_sequence(spec, 10_000) == 65_536 * 10_000 + 156_893_184


def test_shorter_context_idea_uses_the_per_layer_model(capsys):
    """Qwen3.5-27B at q4_k_m on a 24 GiB GPU: ~7 GiB left for KV at 64 KiB/token (16 full-attention
    layers) is ~115k tokens; a 64-layer estimate (256 KiB/token) would say ~29k."""
    import json
    import re

    from pickrt.cli import main

    main(["--json", "--gpu", "RTX 4090", "--model", "qwen3.5-27b", "--context", "1000000", "--quant", "q4_k_m"])
    doc = json.loads(capsys.readouterr().out)
    m = re.search(r"a shorter context: about (\d+) tokens", " ".join(doc["warnings"]))
    assert m and 100_000 < int(m.group(1)) < 130_000


def test_glm5_indexer_types():
    full = {6, 10, 14, 18, 22, 26, 30, 34, 38, 42, 46, 50, 54, 58, 62, 66, 70, 74}
    cfg = {"model_type": "glm_moe_dsa", "num_hidden_layers": 78, "num_attention_heads": 64, "kv_lora_rank": 512,
           "qk_rope_head_dim": 64, "index_head_dim": 128,
           "indexer_types": ["full"] * 3 + ["full" if i in full else "shared" for i in range(3, 78)]}
    lay = layout_from_config(cfg)
    # 21 layers keep indexer keys (3 dense + 18), 78 keep the MLA latent
    assert lay.per_token_bytes() == 78 * 576 * 2 + 21 * 132


def test_junk_configs_never_crash():
    """Any JSON-ish dict: a Layout with finite, non-negative bytes, or ValueError; never another error."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    keys = ["num_hidden_layers", "num_attention_heads", "num_key_value_heads", "head_dim", "hidden_size",
            "layer_types", "full_attention_interval", "sliding_window", "sliding_window_pattern", "kv_lora_rank",
            "qk_rope_head_dim", "index_head_dim", "linear_num_value_heads", "linear_key_head_dim", "num_kv_shared_layers",
            "hybrid_override_pattern", "mamba_num_heads", "ssm_state_size", "text_config", "no_rope_layers",
            "attention_chunk_size", "global_head_dim", "indexer_types", "mamba_ssm_dtype"]
    vals = st.recursive(st.none() | st.booleans() | st.integers(-10, 10**7) | st.floats(allow_nan=True) | st.text(max_size=8),
                        lambda c: st.lists(c, max_size=6) | st.dictionaries(st.sampled_from(keys), c, max_size=4), max_leaves=12)

    @settings(max_examples=300, deadline=None)
    @given(st.dictionaries(st.sampled_from(keys), vals, max_size=10))
    def check(cfg):
        try:
            lay = layout_from_config(cfg)
        except ValueError:
            return
        b = lay.bytes_per_sequence(4096)
        assert b >= 0 and b == b

    check()


def test_junk_gguf_meta_never_crash():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    keys = ["general.architecture", "x.block_count", "x.attention.head_count", "x.attention.head_count_kv",
            "x.attention.key_length", "x.attention.sliding_window", "x.attention.sliding_window_pattern",
            "x.ssm.inner_size", "x.ssm.state_size", "x.full_attention_interval", "x.feed_forward_length",
            "x.attention.kv_lora_rank", "x.attention.shared_kv_layers"]
    vals = st.none() | st.integers(-5, 10**6) | st.just("x") | st.lists(st.integers(-2, 64), max_size=70) | st.floats()

    @settings(max_examples=300, deadline=None)
    @given(st.dictionaries(st.sampled_from(keys), vals, max_size=12))
    def check(meta):
        try:
            lay = layout_from_gguf(meta)
        except ValueError:
            return
        assert lay.bytes_per_sequence(4096) >= 0

    check()
