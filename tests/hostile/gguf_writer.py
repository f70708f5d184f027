"""A minimal GGUF writer for tests: any key/values (including huge string arrays) and tensor infos."""

from __future__ import annotations

import struct
from typing import Any

T_U32, T_I32, T_F32, T_BOOL, T_STR, T_ARR, T_U64 = 4, 5, 6, 7, 8, 9, 10


def s(text: str | bytes) -> bytes:
    b = text.encode() if isinstance(text, str) else text
    return struct.pack("<Q", len(b)) + b


def value(v: Any) -> bytes:
    """Type tag + payload for a Python value (int -> u32/u64, float -> f32, str, bool, list)."""
    if isinstance(v, bool):
        return struct.pack("<I?", T_BOOL, v)
    if isinstance(v, int):
        if v < 0:
            return struct.pack("<Ii", T_I32, v)
        return struct.pack("<IQ", T_U64, v) if v >= 2**32 else struct.pack("<II", T_U32, v)
    if isinstance(v, float):
        return struct.pack("<If", T_F32, v)
    if isinstance(v, str):
        return struct.pack("<I", T_STR) + s(v)
    if isinstance(v, list):
        if v and isinstance(v[0], str):
            return struct.pack("<IIQ", T_ARR, T_STR, len(v)) + b"".join(s(x) for x in v)
        return struct.pack("<IIQ", T_ARR, T_I32, len(v)) + b"".join(struct.pack("<i", x) for x in v)
    raise TypeError(v)


def gguf(kv: dict[str, Any], tensors: list[tuple[str, list[int]]] = (), version: int = 3, raw_kv: bytes = b"",
         n_kv: int | None = None, n_tensors: int | None = None) -> bytes:
    out = b"GGUF" + struct.pack("<I", version)
    out += struct.pack("<QQ", len(tensors) if n_tensors is None else n_tensors, len(kv) if n_kv is None else n_kv)
    for k, v in kv.items():
        out += s(k) + value(v)
    out += raw_kv
    for name, dims in tensors:
        out += s(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        out += struct.pack("<IQ", 0, 0)
    return out


def llama(n_vocab: int = 0, merges: int = 0, **extra: Any) -> bytes:
    kv: dict[str, Any] = {
        "general.architecture": "llama", "general.name": "Test Llama", "general.file_type": 15,
        "llama.block_count": 32, "llama.attention.head_count": 32, "llama.attention.head_count_kv": 8,
        "llama.embedding_length": 4096, "llama.context_length": 131072,
    }
    if n_vocab:
        kv["tokenizer.ggml.tokens"] = [f"tok{i:06d}ĠÄ" for i in range(n_vocab)]
        kv["tokenizer.ggml.token_type"] = [1] * n_vocab
    if merges:
        kv["tokenizer.ggml.merges"] = [f"m{i} x{i}" for i in range(merges)]
    kv.update(extra)
    tensors = [(f"blk.{i}.attn_q.weight", [4096, 4096]) for i in range(32)]
    return gguf(kv, tensors)
