"""The model a workload names, as the engine sizes it (shared by the workload and the model-file readers)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from pickrt.catalog.models import ModelSpec


@dataclass
class ModelRef:
    """A model to size: from the catalog, a size, a .gguf header or a Hugging Face folder."""

    spec: ModelSpec
    label: str
    exact: bool = True
    file_gb: Optional[float] = None
    file_quant: Optional[str] = None
    note: str = ""


__all__ = ["ModelRef"]
