"""knowledge/hardware/speed.yaml beyond its pydantic shape: the regular expressions compile, and an
overlay's RAM platforms come first."""

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any


def check(sf: Any, path: Path, problems: list[str], line_of: Callable[[tuple], int]) -> None:
    """Each platform pattern and NVLink GPU pattern must compile (an overlay's typo names its line)."""
    for i, p in enumerate(sf.system_memory.platforms):
        try:
            re.compile(p.match)
        except re.error as e:
            problems.append(
                f"{path}:{line_of(('system_memory', 'platforms', i, 'match'))}: "
                f"system_memory.platforms.{i}.match: not a regular expression ({e})"
            )
    for i, pat in enumerate(sf.decode.tensor_parallel.nvlink_gpus):
        try:
            re.compile(pat)
        except re.error as e:
            problems.append(
                f"{path}:{line_of(('decode', 'tensor_parallel', 'nvlink_gpus', i))}: "
                f"decode.tensor_parallel.nvlink_gpus.{i}: not a regular expression ({e})"
            )


def overlay(base: Any, over: Any) -> Any:
    """An overlay's platforms come first (they win the match); its other sections replace the shipped ones."""
    mem = over.system_memory.model_copy(
        update={"platforms": over.system_memory.platforms + base.system_memory.platforms}
    )
    return over.model_copy(update={"system_memory": mem})
