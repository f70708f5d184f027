"""Write a tiny llama-architecture GGUF (random f32 weights, ~0.5 MB) that llama.cpp loads and serves.

    python tests/e2e/tiny_gguf.py OUT.gguf

Nothing is downloaded: the model is made here with the ``gguf`` package (a test dependency). It has
2 layers, 64-dim embeddings, 4 heads (4 KV heads), a 256-token context, and a SentencePiece-style
vocabulary of 262 tokens: <unk>, <s>, </s>, the 256 byte tokens <0x00>..<0xFF>, "▁" and the ChatML
markers, with a ChatML chat template. Its weights are random, but biased so that what it writes is
lowercase ASCII letters and spaces (valid UTF-8, never an immediate end of text): every token
embedding shares a strong component on dimension 0, which the output rows of letters and space
align with and those of the control and other byte tokens oppose.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

N_LAYER = 2
N_EMBD = 64
N_HEAD = 4
N_HEAD_KV = 4
N_FF = 128
N_CTX = 256
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
NAME = "pickrt-e2e-tiny"


def vocab() -> tuple[list[str], list[int], set[int]]:
    """(tokens, token types, ids the model should favour when it writes)."""
    import gguf

    tokens = ["<unk>", "<s>", "</s>"]
    types = [gguf.TokenType.UNKNOWN, gguf.TokenType.CONTROL, gguf.TokenType.CONTROL]
    favour = set()
    for b in range(256):
        if chr(b).islower() and chr(b).isascii() or b == 0x20:
            favour.add(len(tokens))
        tokens.append(f"<0x{b:02X}>")
        types.append(gguf.TokenType.BYTE)
    tokens.append("\u2581")
    types.append(gguf.TokenType.NORMAL)
    tokens += ["<|im_start|>", "<|im_end|>"]
    types += [gguf.TokenType.CONTROL, gguf.TokenType.CONTROL]
    return tokens, [int(t) for t in types], favour


def write(path: Path, seed: int = 0) -> Path:
    import gguf

    rng = np.random.default_rng(seed)
    tokens, types, favour = vocab()
    n_vocab = len(tokens)
    head_dim = N_EMBD // N_HEAD
    n_embd_kv = head_dim * N_HEAD_KV

    def rand(*shape: int, scale: float = 0.02) -> np.ndarray:
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    w = gguf.GGUFWriter(str(path), "llama")
    w.add_name(NAME)
    w.add_file_type(int(gguf.LlamaFileType.ALL_F32))
    w.add_context_length(N_CTX)
    w.add_embedding_length(N_EMBD)
    w.add_block_count(N_LAYER)
    w.add_feed_forward_length(N_FF)
    w.add_head_count(N_HEAD)
    w.add_head_count_kv(N_HEAD_KV)
    w.add_rope_dimension_count(head_dim)
    w.add_rope_freq_base(10000.0)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_vocab_size(n_vocab)

    w.add_tokenizer_model("llama")
    w.add_token_list(tokens)
    w.add_token_scores([0.0] * n_vocab)
    w.add_token_types(types)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_unk_token_id(0)
    w.add_add_bos_token(True)
    w.add_add_eos_token(False)
    w.add_chat_template(CHAT_TEMPLATE)

    # numpy shapes are GGUF's ne reversed: token_embd ne=[n_embd, n_vocab] is (n_vocab, n_embd).
    embd = rand(n_vocab, N_EMBD)
    embd[:, 0] = 1.0
    w.add_tensor("token_embd.weight", embd)
    for i in range(N_LAYER):
        p = f"blk.{i}."
        w.add_tensor(p + "attn_norm.weight", np.ones(N_EMBD, dtype=np.float32))
        w.add_tensor(p + "attn_q.weight", rand(N_EMBD, N_EMBD))
        w.add_tensor(p + "attn_k.weight", rand(n_embd_kv, N_EMBD))
        w.add_tensor(p + "attn_v.weight", rand(n_embd_kv, N_EMBD))
        w.add_tensor(p + "attn_output.weight", rand(N_EMBD, N_EMBD))
        w.add_tensor(p + "ffn_norm.weight", np.ones(N_EMBD, dtype=np.float32))
        w.add_tensor(p + "ffn_gate.weight", rand(N_FF, N_EMBD))
        w.add_tensor(p + "ffn_up.weight", rand(N_FF, N_EMBD))
        w.add_tensor(p + "ffn_down.weight", rand(N_EMBD, N_FF))
    w.add_tensor("output_norm.weight", np.ones(N_EMBD, dtype=np.float32))
    out = rand(n_vocab, N_EMBD, scale=0.2)
    out[:, 0] = [1.0 if t in favour else -1.0 for t in range(n_vocab)]
    w.add_tensor("output.weight", out)

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("out", type=Path, help="where to write the .gguf")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    p = write(a.out, a.seed)
    print(f"wrote {p} ({p.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
