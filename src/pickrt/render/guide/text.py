"""Small text helpers shared by the guide's sections."""

from __future__ import annotations


def nodot(s: str | None) -> str:
    s = " ".join((s or "").split())
    return s[:-1] if s.endswith(".") else s


def cap(s: str) -> str:
    """Capitalise a sentence, but not one that starts with a name (llama-3.1-8b, pickrt's, vLLM)."""
    first = s.split(" ", 1)[0] if s else ""
    return s[:1].upper() + s[1:] if first.isalpha() and first.islower() else s


def gib(x: float) -> str:
    return f"{x:g}" if float(x).is_integer() else f"{x:.1f}"


def dedupe(xs: list[str]) -> list[str]:
    return list(dict.fromkeys(xs))


AUTH = (
    "Before exposing it, put a reverse proxy with TLS and authentication (nginx, Caddy, Traefik: a password "
    "or an API key per user) in front, or limit the port to a trusted network with a firewall."
)

__all__ = ["AUTH", "cap", "dedupe", "gib", "nodot"]
