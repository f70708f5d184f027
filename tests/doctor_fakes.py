"""Fakes for the doctor tests: loopback HTTP servers, a silent listener, fake binaries, overlays."""

from __future__ import annotations

import json
import os
import socket
import stat
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Optional, Union

Route = tuple[int, str, Union[bytes, str, dict]]


class FakeServer:
    """A ThreadingHTTPServer on an ephemeral 127.0.0.1 port answering fixed routes (404 otherwise)."""

    def __init__(self, routes: dict[str, Route]):
        self.routes = routes
        self.requests: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                outer.requests.append(self.path)
                status, ctype, body = outer.routes.get(self.path, (404, "text/plain", "404 page not found"))
                if isinstance(body, dict):
                    body = json.dumps(body)
                if isinstance(body, str):
                    body = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def ollama_server(version: str = "0.12.3", models=("llama3.2:3b",)) -> FakeServer:
    return FakeServer({
        "/": (200, "text/plain; charset=utf-8", "Ollama is running"),
        "/api/version": (200, "application/json; charset=utf-8", {"version": version}),
        "/api/tags": (200, "application/json; charset=utf-8", {"models": [{"name": m, "model": m} for m in models]}),
    })


def openai_server(ids=("qwen2.5-0.5b-instruct",), owned_by: Optional[str] = None, with_object: bool = True) -> FakeServer:
    data = []
    for i in ids:
        e = {"id": i, "object": "model", "created": 1700000000}
        if owned_by:
            e["owned_by"] = owned_by
        data.append(e)
    body = {"object": "list", "data": data} if with_object else {"data": data}
    return FakeServer({"/v1/models": (200, "application/json", body), "/health": (200, "application/json", {})})


def html_server() -> FakeServer:
    """Answers every path with a web page: the wrong shape for any API probe."""
    page = (200, "text/html; charset=utf-8", "<!DOCTYPE html><html><body>Router admin</body></html>")

    class Routes(dict):
        def get(self, key, default=None):
            return page

    return FakeServer(Routes())


class SilentListener:
    """Accepts TCP connections (through the kernel backlog) and never answers."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.sock.close()


class DripServer:
    """Starts an HTTP answer and then sends one byte at a time, forever: only a total deadline stops it."""

    def __init__(self, interval: float = 0.1):
        self.interval = interval
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self):
        self.sock.settimeout(0.05)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn):
        try:
            conn.recv(4096)
            conn.sendall(b"HTTP/1.1 200 OK\r\n")
            while not self.stop.is_set():
                conn.sendall(b"X-Slow: a\r\n")
                time.sleep(self.interval)
        except OSError:
            pass
        finally:
            conn.close()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.sock.close()


def closed_port() -> int:
    """A loopback port that nothing listens on (bound, then released)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def fake_binary(bindir: Path, name: str, script: str) -> Path:
    """A ``/bin/sh`` script named ``name`` in ``bindir``."""
    bindir.mkdir(parents=True, exist_ok=True)
    p = bindir / name
    p.write_text("#!/bin/sh\n" + script + "\n")
    p.chmod(p.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return p


def write_overlay(root: Path, ports: dict[str, int]) -> Path:
    """``root/runtimes/<slug>.yaml`` moving each runtime to the port given."""
    d = root / "runtimes"
    d.mkdir(parents=True, exist_ok=True)
    for slug, port in ports.items():
        (d / f"{slug}.yaml").write_text(f"slug: {slug}\napi:\n  default_port: {port}\n")
    return root


def dist_info(site: Path, name: str, version: str) -> Path:
    """A minimal ``<name>-<version>.dist-info/METADATA`` under ``site``."""
    d = site / f"{name.replace('-', '_')}-{version}.dist-info"
    d.mkdir(parents=True, exist_ok=True)
    (d / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\nLong description\n")
    return d


def prepend_path(monkeypatch, bindir: Path) -> None:
    monkeypatch.setenv("PATH", str(bindir) + os.pathsep + os.environ.get("PATH", ""))
