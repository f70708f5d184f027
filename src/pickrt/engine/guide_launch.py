"""What the guide launches: the advice's deployment, as the guide shows it.

Read from ``recommendation.deployment`` (quant, checkpoint, ``commands.get/serve/verify``, env, bind,
context, max_sequences) where the advice has one; from ``recommendation.serve`` and ``model_fit``
(the advice's fields before deployments existed) otherwise. Nothing here sizes a model or picks a quant:
the quant is the fit's, the serve command is the advice's.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pickrt.advice import Advice
    from pickrt.catalog import Catalog
    from pickrt.catalog.models import Runtime
    from pickrt.engine.workload import Workload

_MODEL_PH = re.compile(r"\{(model|model_name|hf_repo|mlx_repo|ollama_tag|localai_name|gguf_repo)\}")
_PROSE_START = re.compile(r"^(open|download|visit|go to|use|place|click|see)\s+(the|a|an|to)\b", re.I)


@dataclass
class Launch:
    model: str | None = None
    """The model's name as the user gave it (or the catalog's id); None when the guide installs none."""
    repo: str | None = None
    quant: str | None = None
    why: str = ""
    have_file: bool = False
    file_arg: str | None = None
    fit: Any = None
    """``advice.model_fit`` when it describes this runtime's deployment."""
    users: int = 1
    context: int = 8192
    max_sequences: int | None = None
    get: list[str] = field(default_factory=list)
    get_prose: str | None = None
    get_starts_server: bool = False
    serve: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    verify: str | None = None
    request_model: str = "default"
    made_up_file: str | None = None
    """A .gguf name the commands use for a file the user downloads (with ``file_repo``)."""
    file_repo: str | None = None
    gated_repo: str | None = None
    hf_download: str | None = None
    """For a runtime without a download command: where the weights are (``hf download ...``)."""
    values: dict[str, str] = field(default_factory=dict)
    bind_added: bool = False
    suggestions: list[Any] = field(default_factory=list)
    default_model: bool = False
    """No model was named: the commands use the deployment's default first model."""
    make: str | None = None
    """No published checkpoint for this quant: the step that makes one (the deployment's checkpoint.make)."""
    notes: list[str] = field(default_factory=list)
    """Why the launch is what it is (the deployment's notes: context scaling, KV dtype, queueing...)."""
    split: str | None = None
    """How the deployment spreads over GPUs and machines, in words (None on one device)."""
    suggested: Any = None
    """No model named: the suggestion the deployment launches (the advice's first ``model_suggestions``)."""


class _Q:
    def __init__(self, qid: str) -> None:
        self.id = qid


class _FitShim:
    """The one field of a fit the command templates read: its quant."""

    def __init__(self, qid: str) -> None:
        self.quant = _Q(qid)


def launch_for(
    rt: Runtime, adv: Advice, wl: Workload, catalog: Catalog, os_: str, backend: str | None, *, recommended: bool
) -> Launch:
    from pickrt.engine.guide_bind import LOCAL, bind_facts
    from pickrt.engine.commands import fill, model_values

    if rt.kind == "bridge":
        vals = model_values(rt, None, catalog)
        out = Launch(values=vals, serve=_fill_rest(fill(rt.serve, vals) or "", vals) or None)
        _bind_localhost(rt, out)
        return out
    if backend is None:
        return Launch()
    rec = adv.recommendation if recommended else None
    dep = getattr(rec, "deployment", None) if rec is not None else None
    mf = (
        adv.model_fit
        if adv.model_fit is not None and getattr(adv.model_fit, "runtime", None) in (None, rt.slug)
        else None
    )
    ref = wl.model
    quant = (_at(dep, "quant") if dep is not None else mf.quant if mf is not None else None) or rt.default_quant
    vals = model_values(rt, wl, catalog, _FitShim(quant) if quant else None)
    vals["bits"] = _bits(vals.get("bits", ""))
    out = Launch(
        quant=quant,
        fit=mf,
        users=wl.users,
        context=wl.context,
        values=vals,
        suggestions=list(adv.model_suggestions) if ref is None else [],
    )
    if ref is not None:
        out.model = ref.label
        out.have_file = ref.file_gb is not None and bool(wl.model_arg)
        out.file_arg = wl.model_arg if out.have_file else None
        out.repo = ref.spec.hf_repo if not out.have_file else None
        out.why = (
            "the model file you gave"
            if out.have_file
            else "the model you asked for"
            if ref.exact
            else f"sized as you gave it ({ref.label})"
        )
        if ref.spec.gated and ref.spec.hf_repo and _uses_hf_repo(rt, vals):
            out.gated_repo = ref.spec.hf_repo
    else:
        out.default_model = True
        out.why = "pickrt's first model here: you named none"
        first = out.suggestions[0] if out.suggestions else None
        if dep is not None and first is not None and _at(dep, "checkpoint") is not None:
            # the deployment launches the first suggestion (its note says so): name it, with its memory
            out.suggested, out.model, out.suggestions = first, first.model, out.suggestions[1:]
            out.why = "the largest model pickrt suggests here: you named none"
    # the commands: the deployment's, else the advice's serve and the runtime's download template
    if dep is not None:
        cmds = _at(dep, "commands")
        out.get, out.serve, out.verify = list(_at(cmds, "get") or []), _at(cmds, "serve"), _at(cmds, "verify")
        out.env, out.context, out.max_sequences = (
            dict(_at(dep, "env") or {}),
            _at(dep, "context"),
            _at(dep, "max_sequences"),
        )
        out.make = _at(_at(dep, "checkpoint"), "make")
        out.notes = list(_at(dep, "notes") or [])
        out.split = _split_words(dep)
        # a get line that is a comment is the step that makes the checkpoint: prose, not a command
        out.get = [g for g in out.get if not g.startswith("# ")]
        # the serve command carries the env as a POSIX prefix; the guide writes it for the OS
        prefix = " ".join(f"{k}={shlex.quote(str(v))}" for k, v in out.env.items())
        if prefix and out.serve and out.serve.startswith(prefix + " "):
            out.serve = out.serve[len(prefix) + 1 :]
        facts = bind_facts(rt)
        out.bind_added = bool(
            out.serve and facts and facts[0] == "flag" and facts[2] not in (None, *LOCAL) and f" {facts[1]} " in f"{out.serve} "
        )
    else:
        line = fill(rt.get_model, vals) if rt.get_model else None
        if line and not out.have_file:
            line = _fill_rest(line, vals)
            if _PROSE_START.match(line.strip()):
                out.get_prose = line
            else:
                out.get = [_os_cmd(os_, line)]
        out.serve = rec.serve if rec is not None else (fill(rt.serve, vals) if rt.serve else None)
        if out.serve:
            out.serve = _fill_parallel(_fill_rest(out.serve, vals), adv)
            _bind_localhost(rt, out)
    if out.serve:
        out.serve = _os_cmd(os_, out.serve)
    out.get_starts_server = any(_starts_server(rt, g) for g in out.get)
    if not out.get and not out.get_prose and not out.have_file and not rt.serve:
        if "gguf" in rt.quant_formats and vals.get("gguf_repo"):
            out.hf_download = f'hf download {vals["gguf_repo"]} --include "*{vals.get("quant", "")}*" --local-dir .'
        elif vals.get("hf_repo"):
            out.hf_download = f"hf download {vals['hf_repo']}"
    model = vals.get("model", "")
    if model.endswith(".gguf") and not out.have_file:
        out.made_up_file = model
        out.file_repo = ref.spec.gguf_repo if ref is not None and ref.spec.gguf_repo else vals.get("gguf_repo")
    m = re.search(r'"model": "([^"]*)"', out.verify or "")
    out.request_model = m.group(1) if m and m.group(1) else _request_model(rt, vals)
    return out


def _at(obj: Any, name: str) -> Any:
    """A field of a record, a pydantic model or a dict (the advice comes in all three)."""
    if obj is None:
        return None
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def _split_words(dep: Any) -> str | None:
    tp, pp, reps = _at(dep, "tensor_parallel") or 1, _at(dep, "pipeline_parallel") or 1, _at(dep, "replicas") or 1
    gpus, nodes = _at(dep, "gpus") or 0, _at(dep, "nodes") or 1
    if tp <= 1 and pp <= 1 and reps <= 1:
        return None
    parts = []
    if tp > 1:
        parts.append(f"tensor parallel over {tp} GPUs")
    if pp > 1:
        parts.append(f"pipeline parallel over {pp} " + ("machines" if nodes > 1 else "stages"))
    if reps > 1:
        parts.append(f"{reps} replicas of {gpus} GPU{'s' if gpus != 1 else ''} each")
    return ", ".join(parts)


def _bind_localhost(rt: Runtime, out: Launch) -> None:
    """A server whose default is every interface gets an explicit localhost bind (until the deployment's bind)."""
    from pickrt.engine.guide_bind import LOCAL, bind_facts

    facts = bind_facts(rt)
    if (
        out.serve
        and facts
        and facts[0] == "flag"
        and facts[2] is not None
        and facts[2] not in LOCAL
        and facts[1] not in out.serve
    ):
        cmd, sep, comment = out.serve.partition("  # ")
        out.serve = f"{cmd.rstrip()} {facts[1]} 127.0.0.1" + (f"  # {comment}" if sep else "")
        out.bind_added = True


def _uses_hf_repo(rt: Runtime, vals: dict[str, str]) -> bool:
    t = " ".join(x for x in (rt.get_model, rt.serve) if x)
    return "{hf_repo}" in t or ("{model}" in t and vals.get("model") == vals.get("hf_repo"))


def _bits(b: str) -> str:
    """Bits per weight as EXL repos name their branches (``4.0bpw``, ``4.65bpw``)."""
    try:
        s = f"{float(b):.2f}".rstrip("0")
    except ValueError:
        return b
    return s + "0" if s.endswith(".") else s


def _fill_rest(line: str, vals: dict[str, str]) -> str:
    """Any placeholder with a digit in its name (``{exl3_repo}``) the template filler left."""
    return re.sub(r"\{([a-z][a-z0-9_]*)\}", lambda m: vals.get(m.group(1), m.group(0)), line)


def _fill_parallel(line: str, adv: Advice) -> str:
    """Ray Serve's config hint names tensor/pipeline sizes N and M: give them this machine's numbers."""
    hw = adv.hardware
    gpus = max(1, len(hw.gpus or []))
    nodes = max(1, len(hw.cluster.nodes) if hw.cluster is not None and hw.cluster.nodes else 1)
    line = re.sub(r'("tensor_parallel_size":\s*)N\b', lambda m: f"{m.group(1)}{gpus}", line)
    return re.sub(r'("pipeline_parallel_size":\s*)M\b', lambda m: f"{m.group(1)}{nodes}", line)


def _os_cmd(os_: str, cmd: str) -> str:
    """A command as typed on this OS (``./start.sh`` -> ``.\\start.bat`` on Windows)."""
    if os_ != "windows" or not cmd.startswith("./"):
        return cmd
    first, _, rest = cmd.partition(" ")
    name = first[2:]
    if name.endswith(".sh"):
        name = name[:-3] + ".bat"
    elif not name.lower().endswith((".exe", ".bat", ".cmd", ".ps1")):
        name += ".exe"
    return f".\\{name}" + (f" {rest}" if rest else "")


def _starts_server(rt: Runtime, line: str) -> bool:
    """Does the download command also start the server (``llama-server -hf ... --port``)?"""
    if not line or not rt.serve or "--port" not in line:
        return False
    return line.split()[0] == rt.serve.split()[0] or " --server" in line


def _request_model(rt: Runtime, vals: dict[str, str]) -> str:
    """The "model" field a request names: the model argument of the serve (else the download) command."""
    from pickrt.engine.commands import fill

    for tpl in (rt.serve or "", rt.get_model or ""):
        for tok in tpl.split():
            if _MODEL_PH.search(tok):
                if tok == "{model_name}" and "--model-name" not in tpl:
                    continue
                val = _fill_rest(fill(tok, vals) or "", vals).strip("\"',{}")
                if val:
                    return val
    return vals.get("model", "default")


__all__ = ["Launch", "launch_for"]
