"""Measured beats estimated: speeds saved by ``pickrt bench --save`` replace the estimate. Pure.

The CLI reads the saved measurements (a plain dict, ``measured_store.load``) and passes them to
``advise(..., measured=...)``; here they are matched to the advice by runtime, hardware and model, and
each match replaces that runtime's ``speed`` with the measured figures, its ``basis`` starting with
"measured" and naming the estimate it replaced.
"""

from __future__ import annotations

import re
from typing import Any

_QUANT_TAIL = re.compile(r"[-_.](?:i?q\d[\w]*|f16|bf16|f32|fp8|awq|gptq|mlx|\d+bit)$", re.I)


def hardware_key(hw: Any) -> str:
    """What a measurement is tied to: the GPUs (count and name), the Mac (chip and memory), or the CPU."""
    if hw.accel == "apple":
        mem = hw.system_gb
        return f"{hw.label}" + (f" {mem:g} GB" if mem else "")
    if hw.gpus:
        return hw.label + (f" x {hw.nodes} nodes" if hw.nodes > 1 else "")
    cpu = getattr(getattr(hw.profile, "cpu", None), "model", None)
    return f"CPU only: {cpu or 'unknown CPU'}"


def model_key(label: str | None) -> str | None:
    """``Qwen3-8B-Q4_K_M.gguf`` and ``qwen3-8b`` -> ``qwen3-8b`` (the quant and extension dropped)."""
    if not label:
        return None
    s = str(label).strip().lower()
    s = s.rsplit("/", 1)[-1]
    for ext in (".gguf", ".safetensors", ".bin"):
        if s.endswith(ext):
            s = s[: -len(ext)]
    prev = None
    while prev != s:
        prev, s = s, _QUANT_TAIL.sub("", s)
    return s or None


def key(runtime: str, hardware: str, model: str) -> str:
    return f"{runtime}|{hardware}|{model}"


def apply(advice: Any, hw: Any, wl: Any, measured: dict) -> None:
    """Replace the speed of every runtime of ``advice`` that has a measurement here for this model."""
    if not measured or wl.model is None:
        return
    hk, mk = hardware_key(hw), model_key(wl.model.label)
    rows = [advice.recommendation] if advice.recommendation is not None else []
    rows += list(advice.alternatives)
    for row in rows:
        m = measured.get(key(row.runtime, hk, mk))
        if isinstance(m, dict):
            sp = _speed(row.speed, m, wl.users)
            if sp is not None:
                row.speed = sp


def _num(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v) if 0 < v < 1e7 else None


def _speed(old: Any, m: dict, users: int) -> Any | None:
    decode = _num(m.get("decode_tps"))
    if decode is None:
        return None
    prefill = _num(m.get("prefill_tps"))
    agg = _num(m.get("aggregate_tps"))
    streams = m.get("concurrency") if isinstance(m.get("concurrency"), int) else None
    per_user = decode
    how = f"decode {decode:.1f} tokens/s"
    if users > 1 and agg and streams and streams > 1:
        per_user = min(decode, agg / min(users, streams))
        how = f"decode {decode:.1f} tokens/s alone, {agg:.1f} tokens/s in total over {streams} streams"
    was = getattr(old, "decode_tps", None) if old is not None else None
    basis = (f"measured by `pickrt bench` on {str(m.get('when', 'an earlier run'))[:25]}: {how}"
             + (f", prefill {prefill:.0f} tokens/s" if prefill else "")
             + (f"; pickrt's estimate was {was[0]:g}-{was[1]:g} tokens/s" if was else ""))
    update = {"decode_tps": [round(per_user, 1), round(per_user, 1)], "basis": basis}
    if prefill:
        update["prefill_tps"] = [round(prefill), round(prefill)]
    if old is None:
        from pickrt.records import record

        return record("Speed", **update)
    fields = old.__dict__ if hasattr(old, "__dict__") else {}
    if "single_stream_tps" in fields:
        update["single_stream_tps"] = [round(decode, 1), round(decode, 1)]
    if "aggregate_tps" in fields and agg:
        update["aggregate_tps"] = [round(agg, 1), round(agg, 1)]
    return old.model_copy(update=update)


__all__ = ["apply", "hardware_key", "key", "model_key"]
