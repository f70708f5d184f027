"""Loopback HTTP to an OpenAI-compatible server, for ``pickrt bench``: a JSON GET and a streamed POST.

Only loopback hosts are ever contacted (checked here, again, whatever the caller did), redirects are
never followed and no proxy is used (``http.client``), every read has a timeout, and responses are
capped in size. Errors come back as :class:`HttpError` with one line of text, never a traceback.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import socket
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

MAX_BODY = 1 << 20  # a JSON answer
MAX_STREAM = 8 << 20  # a whole streamed answer
MAX_LINE = 256 << 10


class HttpError(Exception):
    pass


class NotLoopback(ValueError):
    pass


@dataclass(frozen=True)
class Base:
    host: str
    port: int
    prefix: str  # path before /v1, usually ""

    @property
    def url(self) -> str:
        h = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{h}:{self.port}{self.prefix}"


def parse_base(url: str) -> Base:
    """``http://127.0.0.1:8080``, ``http://localhost:8080/v1``... -> Base; anything off loopback: NotLoopback."""
    parts = urlsplit(url.strip())
    if parts.scheme != "http":
        raise NotLoopback(f"{url!r}: only http:// on loopback is supported (127.0.0.1, ::1, localhost)")
    host = parts.hostname or ""
    if host == "localhost":
        host = "127.0.0.1"
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        raise NotLoopback(f"{url!r}: {host or 'no host'} is not a loopback address "
                          "(127.0.0.1, ::1, localhost)") from None
    if not ip.is_loopback:
        raise NotLoopback(f"{url!r}: {host} is not a loopback address; pickrt bench measures this machine only")
    try:
        port = parts.port or 80
    except ValueError:
        raise NotLoopback(f"{url!r}: bad port") from None
    prefix = parts.path.rstrip("/")
    if prefix.endswith("/v1"):
        prefix = prefix[:-3]
    return Base(str(ip), port, prefix)


def _conn(base: Base, timeout: float) -> http.client.HTTPConnection:
    if not ipaddress.ip_address(base.host).is_loopback:  # never anything else, whoever built the Base
        raise NotLoopback(f"{base.host} is not loopback")
    return http.client.HTTPConnection(base.host, base.port, timeout=timeout)


def get_json(base: Base, path: str, timeout: float = 2.0) -> Any:
    conn = _conn(base, timeout)
    try:
        conn.request("GET", base.prefix + path, headers={"Accept": "application/json"})
        r = conn.getresponse()
        body = r.read(MAX_BODY + 1)
        if r.status != 200:
            raise HttpError(f"GET {path} answered HTTP {r.status}")
        if len(body) > MAX_BODY:
            raise HttpError(f"GET {path}: answer larger than {MAX_BODY} bytes")
        try:
            return json.loads(body)
        except ValueError:
            raise HttpError(f"GET {path} answered no JSON") from None
    except (OSError, http.client.HTTPException) as e:
        raise HttpError(f"GET {base.url}{path}: {_why(e)}") from None
    finally:
        conn.close()


@dataclass
class Stream:
    """One streamed completion, timed on this side (monotonic seconds)."""

    t_start: float
    t_first: float | None = None
    t_end: float | None = None
    chunks: int = 0
    """Chunks that carried generated text (one token each on llama-server, vLLM, SGLang, Ollama)."""
    chars: int = 0
    usage: dict | None = None
    timings: dict | None = None
    """llama-server's own timings (prompt_n, prompt_ms, predicted_n, predicted_ms...), when it sends them."""
    finish_reason: str | None = None
    extra: dict = field(default_factory=dict)


def stream_completion(base: Base, path: str, body: dict, timeout: float) -> Stream:
    """POST ``body`` with ``stream: true`` and read the server-sent events to ``[DONE]``."""
    data = json.dumps(dict(body, stream=True)).encode()
    conn = _conn(base, timeout)
    st = Stream(t_start=time.monotonic())
    deadline = st.t_start + timeout
    try:
        conn.request("POST", base.prefix + path, body=data,
                     headers={"Content-Type": "application/json", "Accept": "text/event-stream"})
        r = conn.getresponse()
        if r.status != 200:
            detail = r.read(4096).decode("utf-8", "replace").strip().replace("\n", " ")[:200]
            raise HttpError(f"POST {path} answered HTTP {r.status}" + (f": {detail}" if detail else ""))
        total = 0
        while True:
            if time.monotonic() > deadline:
                raise HttpError(f"POST {path}: no end of stream within {timeout:g} s")
            line = r.readline(MAX_LINE)
            if not line:
                break
            total += len(line)
            if total > MAX_STREAM:
                raise HttpError(f"POST {path}: stream larger than {MAX_STREAM} bytes")
            line = line.strip()
            if not line.startswith(b"data:"):
                continue
            payload = line[5:].strip()
            if payload == b"[DONE]":
                break
            try:
                ev = json.loads(payload)
            except ValueError:
                continue
            if not isinstance(ev, dict):
                continue
            if isinstance(ev.get("error"), (dict, str)):
                err = ev["error"]
                raise HttpError(f"POST {path}: the server reported an error: "
                                f"{(err.get('message') if isinstance(err, dict) else err)!s:.200}")
            _take(st, ev)
        st.t_end = time.monotonic()
        return st
    except (OSError, http.client.HTTPException) as e:
        raise HttpError(f"POST {base.url}{path}: {_why(e)}") from None
    finally:
        conn.close()


def _take(st: Stream, ev: dict) -> None:
    choices = ev.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        c = choices[0]
        delta = c.get("delta") if isinstance(c.get("delta"), dict) else {}
        text = delta.get("content") or delta.get("reasoning_content") or c.get("text") or ""
        if isinstance(text, str) and text:
            if st.t_first is None:
                st.t_first = time.monotonic()
            st.chunks += 1
            st.chars += len(text)
        if c.get("finish_reason"):
            st.finish_reason = str(c["finish_reason"])[:40]
    if isinstance(ev.get("usage"), dict):
        st.usage = {k: v for k, v in ev["usage"].items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    if isinstance(ev.get("timings"), dict):
        st.timings = {k: v for k, v in ev["timings"].items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


def _why(e: BaseException) -> str:
    if isinstance(e, ConnectionRefusedError):
        return "connection refused (nothing listens there)"
    if isinstance(e, (socket.timeout, TimeoutError)):
        return "timed out"
    return str(e) or type(e).__name__


__all__ = ["Base", "HttpError", "NotLoopback", "Stream", "get_json", "parse_base", "stream_completion"]
