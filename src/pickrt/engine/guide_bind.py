"""How each server is told which address to listen on, and what it listens on when not told.

From the runtime's catalog entry (``api.bind``) where it has one; the table below holds the same facts for
entries that do not yet, each with where it comes from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pickrt.catalog.models import Runtime

# (how, option, default); default None: pickrt does not know.
_BIND: dict[str, tuple[str, str, str | None]] = {
    "ollama": ("env", "OLLAMA_HOST", "127.0.0.1"),  # catalog api.bind_default; docs/faq.mdx
    "llama-cpp": ("flag", "--host", "127.0.0.1"),  # tools/server/README.md: --host (default: 127.0.0.1)
    "llamafile": ("flag", "--host", "127.0.0.1"),  # llama.cpp server options
    "mlx-lm": ("flag", "--host", "127.0.0.1"),  # mlx_lm/SERVER.md: "port 8080 of the localhost"
    "vllm": ("flag", "--host", "0.0.0.0"),  # binds (args.host or "", port): every interface
    "sglang": ("flag", "--host", "127.0.0.1"),  # ServerArgs.host = "127.0.0.1"
    "tensorrt-llm": ("flag", "--host", None),  # the catalog's serve command passes --host 127.0.0.1
    "tgi": ("flag", "--hostname", "0.0.0.0"),  # text-generation-launcher --hostname default 0.0.0.0
    "lmdeploy": ("flag", "--server-name", "0.0.0.0"),  # lmdeploy serve api_server --server-name default 0.0.0.0
    "tabbyapi": ("flag", "--host", "127.0.0.1"),  # catalog api.bind_default
    "localai": ("flag", "--address", "0.0.0.0"),  # default ":8080"; the catalog's serve command binds 127.0.0.1
    "open-webui": ("flag", "--host", "0.0.0.0"),  # open_webui/__init__.py: serve(host="0.0.0.0", port=8080)
    "lm-studio": (
        "setting",
        "Serve on Local Network",
        "127.0.0.1",
    ),  # lmstudio.ai/docs/developer/core/server/serve-on-network
    "ray-serve": (
        "config",
        "`host: 0.0.0.0` under `http_options` in config.yaml",
        "127.0.0.1",
    ),  # Serve HTTPOptions.host
}
LOCAL = ("127.0.0.1", "localhost", "::1")


def bind_facts(rt: Runtime) -> tuple[str, str, str | None] | None:
    """(how, option, default host) from the catalog's ``api.bind`` where it says how, else the table above."""
    b = getattr(rt.api, "bind", None)
    if b is not None and getattr(b, "how", None) in ("flag", "env") and b.option:
        return b.how, b.option, _host(b.default if b.default is not None else rt.api.bind_default)
    return _BIND.get(rt.slug)


def _host(addr: str | None) -> str | None:
    """The host part of a listen address (``0.0.0.0:8080`` -> ``0.0.0.0``, ``[::]:80`` -> ``::``)."""
    if not addr or not addr.split():
        return None
    host = addr.split()[0]
    if host.startswith("["):
        return host[1:].split("]")[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


__all__ = ["LOCAL", "bind_facts"]
