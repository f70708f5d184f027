"""The guide's plan: what ``pickrt guide`` installs, in which order, with which commands.

Built once, beside :func:`pickrt.engine.advise.advise`, from the catalog, the profile and the advice.
The model, quant, memory line and commands are the advice's deployment (``recommendation.deployment``:
its checkpoint, ``commands.get/serve/verify``, env, bind); nothing here sizes a model again.
``pickrt.render.guide`` turns the plan into Markdown and computes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pickrt.engine.gates import OS_NAME, backend_for, platform_gate
from pickrt.engine.guide_bind import LOCAL, bind_facts
from pickrt.engine.guide_launch import Launch, launch_for
from pickrt.engine.hardware import HwView, view
from pickrt.errors import NoRuntimeError
from pickrt.engine.commands import endpoint_for

if TYPE_CHECKING:
    from pickrt.advice import Advice
    from pickrt.catalog import Catalog
    from pickrt.catalog.models import Runtime, Step
    from pickrt.engine.workload import Workload

HARD_KINDS = ("gate", "fit", "rule")


@dataclass
class Bind:
    """How the server is told its address, and what the command does about it."""

    how: str | None = None  # flag | env | setting | config
    option: str | None = None
    default: str | None = None  # None: pickrt does not know
    added: bool = False  # the serve command adds a localhost bind the runtime would not use by default
    command_local: bool = False  # the serve command binds 127.0.0.1 itself


@dataclass
class Companion:
    """A chat UI to put on top of the engine."""

    rt: Runtime
    steps: list[Step]
    target: str | None  # the engine's URL it talks to
    var: str | None = None  # the env variable that points it at the engine (Open WebUI)
    serve: str | None = None  # the command that starts it, pointed at the engine
    port: int | None = None
    python: str | None = None
    others: list[Runtime] = field(default_factory=list)


@dataclass
class GuidePlan:
    rt: Runtime
    os: str
    hw: HwView
    hw_label: str
    arch: str | None
    backend: str | None
    forced: bool
    recommended: bool
    launch: Launch
    bind: Bind
    install: list[Step]
    install_missing_backend: bool  # steps exist for this OS, none for this accelerator
    docker: list[str]
    docker_gpu: bool
    server_first: bool  # the download talks to the server: start it before the download
    starts: list[Any]  # ServerStart of the install steps that leave the server running
    workdir: str | None
    lifecycle: list[str] = field(default_factory=list)
    assumed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    local_state: str | None = None  # running | installed
    runner_up: tuple[str, str, str] | None = None  # name, slug, its own reason
    engine_pick: tuple[str, str, Runtime] | None = None  # for a companion: the engine pickrt picks
    companion: Companion | None = None
    successor: Runtime | None = None
    wrappers: list[Runtime] = field(default_factory=list)
    other_runtimes: list[tuple[str, str]] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    endpoint: str | None = None
    notes: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    """Operator notes: (text, source, as of)."""
    engine_endpoint: str | None = None  # for a companion: the engine's OpenAI-compatible endpoint
    engine_native: str | None = None  # ... and its Ollama-native base URL, where it has one
    rt_connect_var: str | None = None  # for a companion started from a command: the env variable naming the engine

    @property
    def lang(self) -> str:
        return "powershell" if self.os == "windows" else "sh"

    @property
    def port(self) -> int | None:
        return self.rt.api.default_port

    @property
    def os_name(self) -> str:
        return OS_NAME.get(self.os, self.os)


# ---- entry point ------------------------------------------------------------------------------------


def build_plan(
    profile,
    wl: Workload,
    catalog: Catalog,
    adv: Advice,
    *,
    os_name: str | None = None,
    local: dict | None = None,
    assumed: list[str] | None = None,
) -> GuidePlan:
    """The plan for ``adv`` (advice for ``profile`` and ``wl``); raises :class:`NoRuntimeError` (exit 3)."""
    hw = view(profile, catalog)
    os_ = os_name or profile.os or ("macos" if hw.accel == "apple" else "linux")
    rt, rec, lifecycle = _choose(adv, hw, os_, catalog, wl)
    backend = backend_for(rt, hw)[0] if rt.kind != "bridge" else None
    launch = launch_for(rt, adv, wl, catalog, os_, backend, recommended=rec is not None)
    install, missing = _install_steps(rt, os_, backend)
    docker, docker_gpu = _docker(rt, os_, backend, launch.values)
    plan = GuidePlan(
        rt=rt,
        os=os_,
        hw=hw,
        hw_label=hw_label(hw),
        arch=_arch(hw.arch),
        backend=backend,
        forced=bool(wl.runtime),
        recommended=rec is not None,
        launch=launch,
        bind=_bind(rt, launch),
        install=install,
        install_missing_backend=missing,
        docker=docker,
        docker_gpu=docker_gpu,
        server_first=bool(rt.get_model_needs_server and launch.get and rt.serve),
        starts=[s.starts for s in install if s.starts is not None],
        workdir=_workdir(install),
        lifecycle=lifecycle,
        assumed=list(assumed or []),
    )
    plan.reasons = list(rec.reasons) if rec is not None else []
    plan.warnings = list(adv.warnings) if rec is not None or rt.kind == "bridge" else []
    if local:
        plan.local_state = (
            "running"
            if rt.slug in local.get("running", set())
            else "installed"
            if rt.slug in local.get("installed", set())
            else None
        )
    alts = [a for a in adv.alternatives if a.runtime != rt.slug]
    if alts:
        plan.runner_up = (alts[0].name, alts[0].runtime, _own_reason(alts[0]))
    plan.other_runtimes = [(a.name, a.runtime) for a in alts[:3]]
    plan.engine_pick = _engine_pick(adv, catalog)
    plan.successor = catalog.runtimes.get(rt.superseded_by) if rt.superseded_by else None
    plan.wrappers = [r for r in catalog.runtimes.values() if rt.slug in r.engines]
    if rt.kind == "engine":
        plan.companion = _companion(rt, adv, catalog, os_, wl)
    plan.endpoint = endpoint_for(rt)
    plan.notes = _notes(rt, rec)
    if plan.engine_pick is not None and rt.kind == "bridge":
        ert = plan.engine_pick[2]
        plan.engine_endpoint = endpoint_for(ert)
        if ert.api.probe_shape == "ollama" and ert.api.default_port:
            plan.engine_native = f"http://127.0.0.1:{ert.api.default_port}"
        if rt.serve:
            plan.rt_connect_var = "OLLAMA_BASE_URL" if plan.engine_native else "OPENAI_API_BASE_URL"
    return plan


def _notes(rt: Runtime, rec) -> list[tuple[str, str | None, str | None]]:
    cat = {n.text: n for n in rt.operator_notes}
    if rec is not None:
        # the bind note is the guide's own Binding fact (until the deployment's bind replaces it)
        texts = [n for n in rec.operator_notes if n in cat or not n.startswith("Listens on 127.0.0.1:")]
    else:
        texts = list(cat)
    out = []
    for t in dict.fromkeys(texts):
        n = cat.get(t)
        out.append((t, n.source if n is not None else None, n.as_of if n is not None else None))
    return out


# ---- which runtime ------------------------------------------------------------------------------------


def _choose(adv: Advice, hw: HwView, os_: str, catalog: Catalog, wl: Workload):
    rec = adv.recommendation
    where = f"{OS_NAME.get(os_, os_)} ({hw_label(hw)})"
    if wl.runtime:
        rt = catalog.runtimes[wl.runtime]
        if rec is not None and rec.runtime == rt.slug:
            return rt, rec, _lifecycle_of(rt)
        if rt.kind == "bridge":
            gate = platform_gate(rt, hw)
            if gate:
                raise NoRuntimeError(f"{rt.name} cannot run on {where}: {gate}{_instead(adv)}")
            return rt, None, []
        listed = next((x for x in adv.rejected if x.runtime == rt.slug), None)
        reasons = list(listed.reasons) if listed else []
        kinds = list(getattr(listed, "kinds", None) or []) if listed else []
        kinds += ["rule"] * (len(reasons) - len(kinds))
        hard = [r for r, k in zip(reasons, kinds) if k in HARD_KINDS]
        gate = platform_gate(rt, hw)
        if gate and gate not in hard:
            hard.insert(0, gate)
        if hard or not reasons:
            why = hard[0] if hard else "it cannot serve this workload here"
            raise NoRuntimeError(f"{rt.name} cannot run on {where}: {why}{_instead(adv)}")
        return rt, None, [r for r, k in zip(reasons, kinds) if k == "lifecycle"]
    if rec is None:
        raise NoRuntimeError(
            adv.warnings[0] if adv.warnings else "no runtime in the catalog can serve this workload on this hardware"
        )
    return catalog.runtimes[rec.runtime], rec, []


def _lifecycle_of(rt: Runtime) -> list[str]:
    state = rt.status.state
    if state not in ("dead", "archived"):
        return []
    since = f", since {rt.status.since}" if rt.status.since else ""
    return [f"{'unmaintained' if state == 'dead' else state} ({state}{since}): {rt.status.evidence or ''}"]


def _instead(adv: Advice) -> str:
    if adv.alternatives:
        a = adv.alternatives[0]
        return f"; use {a.name} instead (`pickrt guide --runtime {a.runtime}`)"
    return "; no other runtime in the catalog can serve this workload here either"


def _own_reason(alt) -> str:
    """The alternative's own trade-off (not its rank below the pick); after "pickrt's own pick" where it is."""
    kinds = list(getattr(alt, "kinds", None) or []) + ["rule"] * len(alt.reasons)
    own = [r for r, k in zip(alt.reasons, kinds) if k not in ("rank", "pick")]
    pick = [r for r, k in zip(alt.reasons, kinds) if k == "pick"]
    head = own[0] if own else (alt.reasons[-1] if alt.reasons else alt.name)
    return f"{pick[0]}: {head}" if pick and own else (pick[0] if pick else head)


def _engine_pick(adv: Advice, catalog: Catalog) -> tuple[str, str, Runtime] | None:
    cands = ([adv.recommendation] if adv.recommendation is not None else []) + list(adv.alternatives)
    for a in cands:
        rt = catalog.runtimes.get(a.runtime)
        if rt is not None and rt.kind == "engine":
            return a.name, a.runtime, rt
    return None


def hw_label(hw: HwView) -> str:
    if hw.accel == "apple":
        mem = hw.profile.apple.memory_gb if hw.profile.apple else None
        label = re.sub(r"^(Apple )+", "Apple ", hw.label)
        return f"{label}, {_gib(mem)} GiB unified memory" if mem else label
    if hw.gpus:
        vram = hw.gpus[0].vram_gb
        base = hw.label + (f", {_gib(vram)} GiB VRAM" + (" each" if len(hw.gpus) > 1 else "") if vram else "")
        return base + (f", {hw.nodes} nodes" if hw.nodes > 1 else "")
    return "CPU only" + (f", {_gib(hw.system_gb)} GiB RAM" if hw.system_gb else "")


def _gib(x: float) -> str:
    return f"{x:g}" if float(x).is_integer() else f"{x:.1f}"


def _arch(a: str | None) -> str | None:
    if not a:
        return None
    return "arm64" if a in ("arm64", "aarch64") else "x86_64" if a in ("x86_64", "amd64") else a


# ---- install ------------------------------------------------------------------------------------------


def _install_steps(rt: Runtime, os_: str, backend: str | None) -> tuple[list[Step], bool]:
    """The OS's steps that apply to this accelerator; and whether the OS has steps but none for it."""
    steps = [s for target, ss in rt.install.items() if target == os_ for s in ss]
    if backend is None:
        return list(steps), False
    keep = [s for s in steps if not (getattr(s, "backends", None) or []) or backend in s.backends]
    return keep, bool(steps) and not keep


def _workdir(steps: list[Step]) -> str | None:
    """The folder a `git clone` install leaves you in (where relative commands must run)."""
    import posixpath

    runs = [s.run for s in steps if s.run]
    if not any("git clone" in r for r in runs):
        return None
    cwd = "."
    for r in runs:
        for m in re.finditer(r"\bcd\s+([^\s;&|]+)", r):
            cwd = posixpath.normpath(posixpath.join(cwd, m.group(1)))
    return None if cwd in (".", "") else cwd


def _nvidia(cmd: str) -> bool:
    return bool(re.search(r"--gpus\b|--runtime[ =]nvidia", cmd))


def _docker(rt: Runtime, os_: str, backend: str | None, vals: dict[str, str]) -> tuple[list[str], bool]:
    """The container commands that suit this OS and accelerator, filled in."""
    from pickrt.engine.commands import fill

    steps = [s.run for s in rt.install.get("docker", []) if s.run]
    if os_ == "macos":
        steps = [s for s in steps if not _nvidia(s)]
    else:
        gpu = [s for s in steps if _nvidia(s)]
        if backend == "cuda" and gpu and len(gpu) < len(steps):
            steps = gpu
        elif backend != "cuda":
            steps = [s for s in steps if not _nvidia(s)]
    return [fill(s, vals) or s for s in steps], any(_nvidia(s) for s in steps)


# ---- binding ------------------------------------------------------------------------------------------


def _bind(rt: Runtime, launch: Launch) -> Bind:
    facts = bind_facts(rt)
    out = Bind(*facts) if facts else Bind()
    cmd = launch.serve or ""
    out.added = launch.bind_added
    out.command_local = any(f"{h}:" in cmd or f" {h}" in cmd for h in LOCAL)
    return out


# ---- a chat UI on top --------------------------------------------------------------------------------


def _companion(rt: Runtime, adv: Advice, catalog: Catalog, os_: str, wl: Workload) -> Companion | None:
    from pickrt.engine.commands import serve_line

    comps = [catalog.runtimes[c.runtime] for c in adv.companions if c.runtime in catalog.runtimes]
    if not comps:
        return None
    if "rag" in wl.needs:
        comps.sort(key=lambda c: not c.features.rag)
    comp = next((c for c in comps if any(p.os == os_ and p.native for p in c.platforms)), None)
    ep = endpoint_for(rt)
    if comp is None or (not ep and not rt.api.openai_compatible):
        return None
    native = rt.api.probe_shape == "ollama"
    target = (f"http://127.0.0.1:{rt.api.default_port}" if native else ep) if ep else None
    steps = comp.install.get(os_, [])
    out = Companion(rt=comp, steps=list(steps), target=target, others=[c for c in comps if c is not comp])
    out.var = "OLLAMA_BASE_URL" if native else "OPENAI_API_BASE_URL"
    if any(s.run for s in steps) and comp.serve:
        cport = comp.api.default_port or 8080
        if cport == rt.api.default_port:
            cport = 3000
        serve = serve_line(comp, None, catalog, port=cport) or ""
        facts = bind_facts(comp)
        if facts and facts[0] == "flag" and facts[1] not in serve:
            serve += f" {facts[1]} 127.0.0.1"
        out.serve, out.port = serve, cport
        py = re.search(r"Python (3\.\d+)", " ".join(p.note or "" for p in comp.platforms))
        out.python = py.group(1) if py else None
    return out


__all__ = ["Bind", "Companion", "GuidePlan", "LOCAL", "bind_facts", "build_plan", "hw_label"]
