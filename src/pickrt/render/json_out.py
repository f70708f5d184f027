"""JSON renderer: exactly the document of cli.md."""

from __future__ import annotations

from pickrt.advice import Advice


def dumps(advice: Advice, indent: int | None = 2) -> str:
    return advice.model_dump_json(indent=indent)


__all__ = ["dumps"]
