"""Moved to :mod:`pickrt.engine.commands` (the engine builds the deployment's commands); kept so
renderers that still import it from here keep working."""

from pickrt.engine.commands import (  # noqa: F401
    endpoint_for, fill, get_model_line, install_lines, model_values, serve_line, step_line,
)

__all__ = ["endpoint_for", "fill", "get_model_line", "install_lines", "model_values", "serve_line", "step_line"]
