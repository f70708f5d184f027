"""What is running: one GET per distinct (port, path) on loopback, then who answered.

Every runtime with an ``api.default_port`` is probed at ``http://127.0.0.1:<port><probe_path>``
(``[::1]`` too when 127.0.0.1 refuses), all at once, each within a short total deadline. Only
loopback is ever contacted and redirects are never followed (``http.client`` does not).

A response counts for a runtime only when it has the runtime's ``api.probe_shape``; several
runtimes share ports (8080, 8000, 1234), so a matching answer is attributed to every runtime of
that shape unless the answer itself (``owned_by``, model ids), the listening process, or what is
installed tells them apart, and the row says so.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket

from pickrt.bounds import depth as _depth, names as _names
import threading
import time
from concurrent.futures import ALL_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Optional

from pickrt.doctor import listeners as _listeners

LOOPBACK_HOSTS = ("127.0.0.1", "::1")
MAX_BODY = 1 << 20
MAX_NAME = 200
AUTH_CODES = (401, 403)

_SHAPE_WORDS = {
    "ollama": "an Ollama API",
    "openai-models": "an OpenAI-compatible server",
    "lmstudio": "an LM Studio server",
    "health-ok": "a server",
    "any-http": "something that answers HTTP",
}


# ---- probing ---------------------------------------------------------------------------------


@dataclass
class Probe:
    """What one (port, path) answered. ``path`` None: a TCP connect only (no HTTP API to ask)."""

    port: int
    path: Optional[str]
    outcome: str = "refused"
    """refused | open (TCP only) | silent | closed | not-http | http | error"""
    host: Optional[str] = None
    status: Optional[int] = None
    content_type: str = ""
    body: bytes = b""
    data: Any = None
    extra: dict = field(default_factory=dict)
    error: str = ""

    @property
    def connected(self) -> bool:
        return self.outcome not in ("refused", "error")

    @property
    def ok(self) -> bool:
        return self.outcome == "http" and self.status is not None and 200 <= self.status < 300

    @property
    def html(self) -> bool:
        head = self.body[:200].lstrip().lower()
        return "html" in self.content_type.lower() or head.startswith((b"<!doctype", b"<html"))

    def describe(self, timeout: float) -> str:
        if self.outcome == "silent":
            return f"it accepts connections but does not answer HTTP within {timeout:g} s"
        if self.outcome == "closed":
            return "it closes the connection without an HTTP answer"
        if self.outcome == "not-http":
            return "it does not speak HTTP"
        if self.outcome == "http":
            kind = self.content_type.split(";")[0].strip()
            if self.data is not None and "json" not in kind:
                kind = (kind + " " if kind else "") + "JSON"
            return f"GET {self.path} answered HTTP {self.status}" + (f" with {kind}" if kind else "")
        return self.error or self.outcome


class _Prober:
    def __init__(self, port: int, path: Optional[str], timeout: float, follow_ollama: bool):
        self.port, self.path, self.timeout, self.follow_ollama = port, path, timeout, follow_ollama
        self._lock = threading.Lock()
        self._conn: Optional[http.client.HTTPConnection] = None
        self.aborted = False

    def abort(self) -> None:
        """Called from another thread past the deadline: unblocks a read that is still waiting."""
        with self._lock:
            self.aborted = True
            sock = self._conn.sock if self._conn is not None else None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def run(self) -> Probe:
        deadline = time.monotonic() + self.timeout
        probe = Probe(self.port, self.path)
        hosts = LOOPBACK_HOSTS if socket.has_ipv6 else LOOPBACK_HOSTS[:1]
        for host in hosts:
            probe = self._one(host, deadline)
            if probe.outcome not in ("refused", "error"):
                break
        if probe.outcome == "http" and self.follow_ollama and _is_ollama(probe):
            tags = self._get(probe.host, "/api/tags", deadline)
            if tags.ok and isinstance(tags.data, dict) and isinstance(tags.data.get("models"), list):
                probe.extra["models"] = [m.get("name") or m.get("model") for m in tags.data["models"]
                                         if isinstance(m, dict) and (m.get("name") or m.get("model"))]
        return probe

    def _one(self, host: str, deadline: float) -> Probe:
        if self.path is None:
            probe = Probe(self.port, None, host=host)
            conn = self._connect(host, deadline, probe)
            if conn is not None:
                probe.outcome = "open"
                conn.close()
            return probe
        return self._get(host, self.path, deadline)

    def _connect(self, host: str, deadline: float, probe: Probe) -> Optional[http.client.HTTPConnection]:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or self.aborted:
            probe.outcome = "silent"
            return None
        conn = http.client.HTTPConnection(host, self.port, timeout=remaining)
        with self._lock:
            self._conn = conn
        try:
            conn.connect()
        except ConnectionRefusedError:
            probe.outcome = "refused"
            return None
        except (socket.timeout, TimeoutError):
            probe.outcome = "silent"
            return None
        except OSError as e:  # no IPv6 loopback, and the like
            probe.outcome, probe.error = "error", f"cannot connect: {e.strerror or e}"
            return None
        return conn

    def _get(self, host: str, path: str, deadline: float) -> Probe:
        probe = Probe(self.port, path, host=host)
        conn = self._connect(host, deadline, probe)
        if conn is None:
            return probe
        try:
            conn.sock.settimeout(max(0.01, deadline - time.monotonic()))
            conn.request("GET", path, headers={
                "Accept": "application/json", "User-Agent": "pickrt-doctor", "Connection": "close"})
            resp = conn.getresponse()
            probe.outcome, probe.status = "http", resp.status
            probe.content_type = resp.getheader("Content-Type", "") or ""
            try:
                probe.body = resp.read(MAX_BODY)
            except (OSError, http.client.HTTPException):
                probe.body = b""
        except (socket.timeout, TimeoutError):
            probe.outcome = "silent"
        except http.client.RemoteDisconnected:
            probe.outcome = "silent" if self.aborted else "closed"
        except http.client.HTTPException:
            probe.outcome = "not-http"
        except OSError as e:
            probe.outcome = "silent" if self.aborted else "closed"
            probe.error = str(e)
        finally:
            conn.close()
        if self.aborted:  # cut at the deadline: whatever came in is incomplete
            probe.outcome, probe.status, probe.body = "silent", None, b""
        if probe.outcome == "http" and probe.body:
            try:
                probe.data = json.loads(probe.body.decode("utf-8", "replace"))
                _depth(probe.data)  # nested past 64 levels: a ValueError
            except (ValueError, RecursionError):  # not JSON, or nested past MAX_JSON_DEPTH
                probe.data = None
        return probe


def probe_ports(keys: dict[tuple[int, Optional[str]], bool], timeout: float) -> dict[tuple[int, Optional[str]], Probe]:
    """Probe every (port, path) at once; the bool asks for Ollama's model list when it is Ollama."""
    if not keys:
        return {}
    probers = {k: _Prober(k[0], k[1], timeout, follow) for k, follow in keys.items()}
    pool = ThreadPoolExecutor(max_workers=min(64, len(probers)), thread_name_prefix="pickrt-probe")
    futs = {pool.submit(p.run): k for k, p in probers.items()}
    try:
        _, pending = wait(futs, timeout=timeout + 0.1, return_when=ALL_COMPLETED)
        for f in pending:
            probers[futs[f]].abort()
        if pending:
            wait(pending, timeout=0.3)
    finally:
        pool.shutdown(wait=False)
    out = {}
    for f, k in futs.items():
        if f.done() and f.exception() is None:
            out[k] = f.result()
        else:
            out[k] = Probe(k[0], k[1], outcome="silent")
    return out


# ---- shapes ----------------------------------------------------------------------------------


@dataclass
class Match:
    shape: str
    models: list[str] = field(default_factory=list)
    version: Optional[str] = None
    owners: list[str] = field(default_factory=list)
    weak: bool = False


def _is_ollama(probe: Probe) -> bool:
    return probe.ok and isinstance(probe.data, dict) and isinstance(probe.data.get("version"), str)


def match_shape(shape: Optional[str], probe: Probe) -> Optional[Match]:
    """A :class:`Match` when ``probe`` answered the way ``shape`` says the runtime answers."""
    if probe.outcome != "http" or not probe.ok:
        return None
    data = probe.data
    if shape == "ollama":
        if _is_ollama(probe):
            return Match(shape, models=_names(probe.extra.get("models", [])), version=data["version"][:MAX_NAME])
        return None
    if shape in ("openai-models", "lmstudio"):
        if not isinstance(data, dict) or not isinstance(data.get("data"), list):
            return None
        if data.get("object", "list") != "list":
            return None
        entries = [e for e in data["data"] if isinstance(e, dict)]
        if len(entries) != len(data["data"]):
            return None
        models = _names(e["id"] for e in entries if e.get("id") is not None)
        owners = sorted(set(_names(e["owned_by"] for e in entries if e.get("owned_by"))))
        return Match(shape, models=models, owners=owners)
    if shape == "health-ok":
        return Match(shape)
    if shape == "any-http":
        # A web app's catch-all HTML page is no evidence of an API at this path.
        if probe.html:
            return None
        models = []
        if isinstance(data, dict) and isinstance(data.get("model_id"), str):
            models = [data["model_id"]]  # TGI's /info
        return Match(shape, models=models, weak=True)
    return None


# ---- attribution -----------------------------------------------------------------------------


@dataclass
class RunState:
    running: bool = False
    endpoint: Optional[str] = None
    models: list[str] = field(default_factory=list)
    server_version: Optional[str] = None
    detail: str = ""


def probe_keys(catalog) -> dict[tuple[int, Optional[str]], bool]:
    keys: dict[tuple[int, Optional[str]], bool] = {}
    for rt in catalog.runtimes.values():
        for port in _ports(rt):
            key = _key(rt, port)
            keys[key] = keys.get(key, False) or rt.api.probe_shape == "ollama"
    return keys


def _ports(rt) -> list[int]:
    """The default port, then the other ports the catalog says it may listen on (llama-server's 9931)."""
    return list(dict.fromkeys([int(p) for p in (rt.api.default_port, *(rt.api.other_ports or []))])) if rt.api.default_port else []


def _key(rt, port: Optional[int] = None) -> Optional[tuple[int, Optional[str]]]:
    port = port or rt.api.default_port
    if not port:
        return None
    path = rt.api.probe_path or (rt.api.health_path if rt.api.probe_shape else None)
    if path and not path.startswith("/"):
        path = "/" + path
    return (int(port), path)


def _tokens(rt) -> set[str]:
    """Names a server or process could call this runtime by, reduced to [a-z0-9]."""
    words = [rt.slug, *rt.detect.binaries, *rt.detect.python_packages]
    return {_alnum(w) for w in words if _alnum(w)}


def _alnum(s: str) -> str:
    return re.sub(r"[^a-z0-9]", "", s.lower())


def _process_names(cmdline: tuple[str, ...]) -> set[str]:
    """``/usr/bin/python3 -m vllm.entrypoints...`` -> {"python3", "vllm"}; ``ray::ProxyActor`` -> {"ray"}."""
    if not cmdline:
        return set()
    names = set()
    exe = os.path.basename(cmdline[0]).split("::", 1)[0]
    if exe.lower().endswith(".exe"):
        exe = exe[:-4]
    names.add(_alnum(exe))
    if exe.lower().startswith(("python", "pypy", "uv")):
        args = list(cmdline[1:])
        for i, a in enumerate(args):
            if a == "-m" and i + 1 < len(args):
                names.add(_alnum(args[i + 1].split(".", 1)[0]))
                break
            if not a.startswith("-"):
                names.add(_alnum(os.path.basename(a).rsplit(".py", 1)[0]))
                break
    return names - {""}


def _join(names: list[str], last: str = "or", cap: int = 4) -> str:
    if len(names) > cap:
        return ", ".join(names[:cap]) + "…"
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + f" {last} " + names[-1]


def _endpoint(rt, probe: Probe) -> str:
    host = probe.host or "127.0.0.1"
    host = f"[{host}]" if ":" in host else host
    base = rt.api.base_path or ""
    if base and not base.startswith("/"):
        base = "/" + base
    return f"http://{host}:{probe.port or rt.api.default_port}{base}"


def attribute(catalog, probes: dict, installed: set[str], timeout: float) -> tuple[dict[str, RunState], list[str]]:
    """slug -> :class:`RunState` for every runtime, and the warnings about ports."""
    runtimes = catalog.runtimes
    states = {slug: RunState() for slug in runtimes}
    warnings: list[str] = []

    by_port: dict[int, list[str]] = {}
    for slug, rt in runtimes.items():
        for port in _ports(rt):
            by_port.setdefault(port, []).append(slug)

    connected_ports = {k[0] for k, p in probes.items() if p.connected}
    procs = _listeners.listeners(connected_ports) if connected_ports else {}

    for slug in (s for s, rt in runtimes.items() if not rt.api.default_port):
        states[slug].detail = "no local API to probe"
    probes = dict(probes)
    for key in (_key(rt, port) for rt in runtimes.values() for port in _ports(rt)):
        probes.setdefault(key, Probe(key[0], key[1], outcome="refused"))
    # default ports first: a runtime found there is not looked for again on its other ports
    for port in sorted(by_port, key=lambda p: not any(runtimes[s].api.default_port == p for s in by_port[p])):
        _attribute_port(runtimes, port, by_port[port], probes, installed, procs.get(port, []), states, warnings, timeout)
    return states, warnings


def _attribute_port(runtimes, port, slugs, probes, installed, procs, states, warnings, timeout) -> None:
    # On a port that is not its default (llama-server's announced 9931) a runtime only adds to what
    # its default port said; one already found running is not looked for again.
    if not (slugs := [s for s in slugs if not states[s].running]):
        return
    extra = {s for s in slugs if runtimes[s].api.default_port != port}
    names = {s: runtimes[s].name for s in slugs}
    shared = len(slugs) > 1
    matches: dict[str, Match] = {}
    for s in slugs:
        rt = runtimes[s]
        key = _key(rt, port)
        m = match_shape(rt.api.probe_shape, probes[key]) if key[1] is not None else None
        if m:
            matches[s] = m

    # Tell apart runtimes that matched the same answer (same path, same shape).
    groups: dict[tuple, list[str]] = {}
    for s, m in matches.items():
        groups.setdefault((_key(runtimes[s], port), m.shape), []).append(s)
    running: dict[str, str] = {}  # slug -> detail
    for (key, shape), cands in groups.items():
        probe = probes[key]
        chosen, why = _narrow(runtimes, cands, matches, procs, installed)
        for s in cands:
            m = matches[s]
            if s not in chosen:
                continue
            running[s] = _running_detail(runtimes, s, m, port, key[1], cands, chosen, why, shared, names)
            st = states[s]
            st.running, st.endpoint, st.models, st.server_version = True, _endpoint(runtimes[s], probe), m.models, m.version
            st.detail = running[s]

    answered_as = [names[s] for s in slugs if s in running]
    for s in slugs:
        if s in running:
            continue
        st = states[s]
        key = _key(runtimes[s], port)
        probe = probes[key]
        if s in extra:
            if st.detail.startswith("not running (nothing listens on :") and probe.outcome in ("refused", "error"):
                st.detail = st.detail[:-1] + f" or :{port})"
            continue
        if answered_as:
            st.detail = f"not running: :{port} answers as {_join(answered_as)}"
        elif probe.outcome == "refused" or probe.outcome == "error":
            st.detail = f"not running (nothing listens on :{port})"
        elif probe.outcome == "open":
            st.detail = f"something listens on :{port} ({runtimes[s].name} has no HTTP API to confirm it is)"
        elif probe.outcome == "http" and probe.status in AUTH_CODES:
            st.detail = (f"something on :{port} asks for credentials (HTTP {probe.status} on {probe.path}); "
                         f"it may be {runtimes[s].name}, not confirmed")
        else:
            st.detail = f"not running: :{port} is taken by something else ({probe.describe(timeout)})"

    if running:
        _exposure(runtimes, port, [s for s in slugs if s in running], procs, warnings)
        return
    if not (slugs := [s for s in slugs if s not in extra]):  # an announced port taken by something else: no warning
        return
    # Nothing on this port answered like any runtime that uses it: say so once, if something is there.
    http_keys = [(_key(runtimes[s], port)) for s in slugs if _key(runtimes[s], port)[1] is not None]
    port_probes = [probes[k] for k in dict.fromkeys(http_keys)]
    if not port_probes or not any(p.connected for p in port_probes):
        return
    if any(p.outcome == "http" and p.status in AUTH_CODES for p in port_probes):
        return
    best = next((p for p in port_probes if p.outcome == "http"), None) or next(p for p in port_probes if p.connected)
    who = _join([names[s] for s in slugs if _key(runtimes[s], port)[1] is not None])
    warnings.append(f"port {port} is taken by something that is not {who} ({best.describe(timeout)})")


def _narrow(runtimes, cands, matches, procs, installed) -> tuple[list[str], str]:
    """The candidates the evidence points to, and why; all of them (and "") when it cannot tell."""
    if len(cands) == 1:
        return cands, ""
    # 1. the API names itself: owned_by, or tell-tale model ids
    m = matches[cands[0]]
    owners = {_alnum(o) for o in m.owners}
    hit = [s for s in cands if _tokens(runtimes[s]) & owners]
    if hit:
        return hit, f"it reports owned_by {_join(sorted(repr(o) for o in m.owners), 'and')}"
    ids = [x.lower() for x in m.models]
    hit = [s for s in cands if any(h.lower() in i for h in (runtimes[s].detect.model_id_hints or ()) for i in ids)]
    if hit:
        return hit, "its model ids name it"
    # 2. the process that listens on the port
    pnames = set()
    for lst in procs:
        pnames |= _process_names(lst.cmdline)
    hit = [s for s in cands if _tokens(runtimes[s]) & pnames]
    if hit:
        return hit, "the process listening on the port is " + _join(sorted(pnames), "/")
    # 3. only some of them are installed here
    hit = [s for s in cands if s in installed]
    if hit and len(hit) < len(cands):
        return hit, "the only one of them installed here" if len(hit) == 1 else "the ones installed here"
    return cands, ""


def _running_detail(runtimes, slug, m: Match, port, path, cands, chosen, why, shared, names) -> str:
    rt = runtimes[slug]
    n = len(m.models)
    listing = f"; {n} model{'s' if n != 1 else ''}" if m.shape in ("openai-models", "lmstudio", "ollama") else ""
    if m.shape == "ollama":
        return f"Ollama {m.version} answers on :{port}{listing}"
    if m.weak:
        return f"something answers HTTP on :{port} at {path} (weak evidence that it is {rt.name})"
    what = _SHAPE_WORDS.get(m.shape, "a server")
    if len(chosen) > 1:
        return (f"{what} on :{port} ({_join([names[s] for s in chosen], 'and', cap=5)} cannot be told apart "
                f"by the API){listing}")
    if len(cands) > 1:
        return f"{what} on :{port}, shared with {_join([names[s] for s in cands if s != slug], 'and')}: {why}{listing}"
    if shared:
        return f"{what} on :{port} (a port other runtimes use too){listing}"
    return f"{what} answers on :{port}{listing}"


def _exposure(runtimes, port, slugs, procs, warnings) -> None:
    """A server that answered us without credentials and listens on every interface: anyone can use it."""
    wide = [lst for lst in procs if lst.all_interfaces]
    if not wide:
        return
    ip = wide[0].ip or "0.0.0.0"
    who = _join([runtimes[s].name for s in slugs], "/")
    warnings.append(
        f"{who} on :{port} listens on all interfaces ({ip}) and answered without an API key: anyone who can "
        f"reach this machine can use it; bind it to 127.0.0.1 or require a key")
