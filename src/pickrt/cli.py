"""Command line: ``pickrt [OPTIONS]``, ``detect``, ``guide``, ``doctor``, ``knowledge``.

Only the standard library is imported at the top: each branch imports what it needs, so the
headless paths never load Textual and stay fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Optional, Sequence

from pickrt import __version__
from pickrt import bounds as _B
from pickrt.errors import EXIT_BAD_INPUT, EXIT_NO_RUNTIME, EXIT_OK, InputError, NoRuntimeError
from pickrt.local_findings import local_findings

SUBCOMMANDS = ("detect", "guide", "doctor", "knowledge", "plan", "bench")
TRAFFIC = ("chat", "diverse", "shared-prefix", "structured", "agent-loop", "batch")
GOALS = ("easy", "throughput", "latency")
NEEDS = ("gui", "single-file", "openai-api", "multimodal", "hf-hub", "kubernetes", "chat-ui", "rag")
OSES = ("linux", "macos", "windows")
INTERCONNECTS = ("ethernet", "infiniband", "thunderbolt5", "internet")


class _Parser(argparse.ArgumentParser):
    """argparse that reports bad input as one line and exit 2 (cli.md)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        _fail(f"{self.prog}: {message}")


def _fail(msg: str, code: int = EXIT_BAD_INPUT) -> "NoReturn":  # noqa: F821
    from pickrt.render.terminal import clean_line

    sys.stderr.write(clean_line(msg.rstrip()) + "\n")
    raise SystemExit(code)


def _write_text(text: str) -> None:
    """Text output (not JSON): outside data in it cannot reach the terminal as control sequences."""
    from pickrt.render.terminal import clean

    sys.stdout.write(clean(text))


def _positive_int(name: str, hi: int):
    def conv(s: str) -> int:
        from pickrt.bounds import BoundError, clip, whole

        try:
            v = int(s.strip()) if len(s) <= 100 else None
        except ValueError:
            v = None
        if v is None:
            raise argparse.ArgumentTypeError(f"{name} takes a whole number from 1 to {hi}, not {clip(s)}") from None
        try:
            return whole(name, v, 1, hi)
        except BoundError as e:
            raise argparse.ArgumentTypeError(str(e)) from None
    return conv


def _bounded_float(name: str, hi: float, unit: str = " of GiB"):
    def conv(s: str) -> float:
        from pickrt.bounds import BoundError, clip, number

        try:
            v = float(s) if len(s) <= 100 else None
        except ValueError:
            v = None
        if v is None:
            raise argparse.ArgumentTypeError(f"{name} takes a number{unit}, not {clip(s)}") from None
        try:
            return number(name, v, 0.0, hi, unit=unit)
        except BoundError as e:
            raise argparse.ArgumentTypeError(str(e)) from None
    return conv


def _positive_float(name: str):
    from pickrt.bounds import MAX_GB

    return _bounded_float(name, MAX_GB)


def _nonempty(name: str):
    def conv(s: str) -> str:
        from pickrt.bounds import MAX_TEXT, clip

        if not s.strip():
            raise argparse.ArgumentTypeError(f"{name} needs a value, not an empty string")
        if len(s) > MAX_TEXT:
            raise argparse.ArgumentTypeError(f"{name} takes at most {MAX_TEXT} characters, not {clip(s)}")
        return s
    return conv


def _bandwidth_arg(s: str) -> float:
    try:
        v = float(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--memory-bandwidth takes a number of GB/s, not {s!r}") from None
    if not (0 < v <= 20000):
        raise argparse.ArgumentTypeError(f"--memory-bandwidth must be between 0 and 20000 GB/s, not {s}")
    return v


def _choice(values: tuple[str, ...]):
    """An enumerated option that forgives case and punctuation ('Shared_Prefix', 'macOS') and
    answers a typo with "did you mean"."""
    def conv(s: str) -> str:
        from pickrt.catalog.spelling import did_you_mean, pick

        hit = pick(s, values)
        if hit is None:
            raise argparse.ArgumentTypeError(f"{s!r} is not one of {', '.join(values)}{did_you_mean(s, values)}")
        return hit
    return conv


def _meta(values: tuple[str, ...]) -> str:
    return "{" + ",".join(values) + "}"


def _add_work_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("the work")
    g.add_argument("--traffic", type=_choice(TRAFFIC), metavar=_meta(TRAFFIC), default="chat", help="traffic shape (default: chat, one person)")
    g.add_argument("--users", type=_positive_int("--users", _B.MAX_USERS), default=1, metavar="N", help="concurrent users / in-flight requests (default 1)")
    g.add_argument("--quant", default="any", metavar="Q",
                   help="format (any, gguf, exl2, exl3, awq, gptq, fp8, nvfp4, mxfp4, mlx, bf16) or a precise type "
                        "(q4_k_m, q8_0, f16, exl2:4.65, mlx-4bit, ...); default any")
    g.add_argument("--model", metavar="M", type=_nonempty("--model"),
                   help="a model by id, HF repo id, Ollama tag or GGUF file name (qwen3:8b, Qwen/Qwen3.5-27B, "
                        "Qwen3-8B-Q4_K_M.gguf); one already in the HF cache, Ollama or LM Studio; "
                        "a size (8b, 70b); a .gguf file or a Hugging Face model folder")
    g.add_argument("--context", type=_positive_int("--context", _B.MAX_CONTEXT), default=8192, metavar="N", help="tokens per request (default 8192)")
    g.add_argument("--goal", type=_choice(GOALS), metavar=_meta(GOALS), default=None, help="easy (default for one user) | throughput (default for many) | latency")
    g.add_argument("--need", action="append", type=_choice(NEEDS), default=[], metavar="NEED",
                   help="repeatable: " + ", ".join(NEEDS))
    g.add_argument("--runtime", metavar="NAME", help="evaluate this runtime, by slug or name (ollama, llama.cpp, vLLM, "
                                                  "LM Studio, ...): it becomes the recommendation if it can run here")
    g.add_argument("--knowledge", action="append", default=[], metavar="DIR", help="extra catalog overlay folder (repeatable)")


def _add_hw_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("the hardware (what-if; default: detect this machine)")
    g.add_argument("--hardware", metavar="FILE", type=_nonempty("--hardware"), help="a profile (YAML or JSON, as printed by `pickrt detect --json`)")
    g.add_argument("--gpu", metavar="NAME", type=_nonempty("--gpu"), help='a GPU, e.g. "RTX 4090", "H100 SXM", "MI300X", "Arc B580"')
    g.add_argument("--gpus", type=_positive_int("--gpus", _B.MAX_GPUS_PER_NODE), metavar="N", help="GPUs per machine")
    g.add_argument("--vram", type=_positive_float("--vram"), metavar="GB", help="VRAM per GPU in GiB (for a GPU the catalog does not know)")
    g.add_argument("--apple", metavar="CHIP", type=_nonempty("--apple"), help='an Apple chip, e.g. "M3 Max" or "M3 Max 40-core" (not --gpu)')
    g.add_argument("--memory", type=_positive_float("--memory"), metavar="GB", help="system or unified memory in GiB")
    g.add_argument("--os", type=_choice(OSES), metavar=_meta(OSES), help="operating system")
    g.add_argument("--cpu-only", action="store_true", help="no usable GPU")
    g.add_argument("--nodes", type=_positive_int("--nodes", _B.MAX_NODES), metavar="N", help="machines (each with --gpus GPUs)")
    g.add_argument("--interconnect", type=_choice(INTERCONNECTS), metavar=_meta(INTERCONNECTS),
                   help="how the machines are connected")
    g.add_argument("--memory-bandwidth", type=_bandwidth_arg, metavar="GBps", dest="memory_bandwidth",
                   help="system RAM bandwidth in GB/s, for the speed of offloaded layers, experts in RAM and CPU-only "
                        "decode (default: assumed from the CPU platform, and said so)")
    g.add_argument("--cluster", action="store_true",
                   help="when detecting this machine, also ask cluster tools (kubectl, ray, scontrol, sinfo), "
                        "which contact the cluster's servers; off by default")


def _advise_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="pickrt",
        description="Pick a local LLM inference runtime for this hardware and workload. Without --json on a "
                    "terminal, starts the wizard; piped, prints the advice as text.",
        epilog="Commands: pickrt detect | guide | doctor | knowledge | plan | bench (each has --help). "
               "Exit codes: 0 advice printed, 2 bad input, 3 no runtime can serve this workload here.",
    )
    p.add_argument("--version", action="version", version=f"pickrt {__version__}")
    p.add_argument("--json", action="store_true", help="print the advice as one JSON document (never starts the wizard)")
    p.add_argument("--batch", metavar="FILE", help="with --json: JSON Lines of {hardware, workload}; one advice per line")
    _add_work_options(p)
    _add_hw_options(p)
    return p


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] in SUBCOMMANDS:
            return _SUB[argv[0]](argv[1:])
        return _cmd_advise(argv)
    except InputError as e:
        _fail(f"pickrt: {e}")
    except NoRuntimeError as e:
        _fail(f"pickrt: {e}", EXIT_NO_RUNTIME)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK


# ---- shared steps ---------------------------------------------------------------------------


def _catalog(dirs: Sequence[str]):
    from pathlib import Path

    from pickrt.catalog import CatalogError, load_catalog

    try:
        return load_catalog([Path(d) for d in dirs])
    except CatalogError as e:
        extra = f" (and {len(e.problems) - 1} more: run `pickrt knowledge check DIR`)" if len(e.problems) > 1 else ""
        _fail(f"pickrt: invalid catalog: {e.problems[0]}{extra}")


def _whatif_given(a: argparse.Namespace) -> bool:
    """Hardware what-if flags; ``--os`` alone is not one: it changes the OS, the machine stays as detected."""
    return any(getattr(a, k) not in (None, False) for k in
               ("gpu", "gpus", "vram", "apple", "memory", "cpu_only", "nodes", "interconnect"))


def _profile(a: argparse.Namespace, catalog, *, allow_detect: bool = True, retarget: bool = True):
    """(profile, detected here). ``--os`` changes the OS of a detected, loaded or simulated machine and
    nothing else (:func:`pickrt.engine.os_target.retarget_os`); ``retarget=False`` leaves that to the caller."""
    from pickrt.engine.hardware import whatif_profile

    if a.hardware:
        from pickrt.profile_file import load_profile

        prof, host = load_profile(a.hardware), False
    elif _whatif_given(a):
        if a.interconnect and not a.nodes:
            raise InputError("--interconnect needs --nodes N (how many machines it connects)")
        # a Mac without a chip is Apple Silicon (retarget_os), unless the flags say CPU only or name a GPU
        mac_guess = a.os == "macos" and not (a.apple or a.gpu or a.cpu_only)
        prof = whatif_profile(
            catalog, gpu=a.gpu, gpus=a.gpus, vram=a.vram, apple=a.apple, memory=a.memory,
            os=None if mac_guess else a.os, cpu_only=a.cpu_only, nodes=a.nodes, interconnect=a.interconnect,
            memory_bandwidth=getattr(a, "memory_bandwidth", None),
        )
        host = False
    else:
        from pickrt.detect import detect_host

        prof, host = detect_host(cluster=bool(getattr(a, "cluster", False))), True
    if getattr(a, "memory_bandwidth", None):
        prof.memory_bandwidth_gbs = a.memory_bandwidth
    if retarget and a.os:
        from pickrt.engine.os_target import retarget_os

        prof = retarget_os(prof, a.os)[0]
    return prof, host


def _workload(a: argparse.Namespace, catalog):
    from pickrt.engine.workload import build_workload

    return build_workload(catalog, traffic=a.traffic, users=a.users, quant=a.quant, model=a.model, context=a.context,
                          goal=a.goal, needs=a.need, runtime=a.runtime)


def _measured() -> Optional[dict]:
    """Speeds saved by `pickrt bench --save` (host mode only); never breaks the advice."""
    from pickrt.measured_store import load

    return load()


# ---- pickrt [--json] --------------------------------------------------------------------------


def _cmd_advise(argv: list[str]) -> int:
    a = _advise_parser().parse_args(argv)
    catalog = _catalog(a.knowledge)
    if a.batch:
        if not a.json:
            raise InputError("--batch needs --json")
        from pickrt.batch import run_batch

        return run_batch(a.batch, catalog)
    wl = _workload(a, catalog)
    interactive = not a.json and sys.stdout.isatty() and sys.stdin.isatty()
    if interactive:
        from pickrt.tui.app import run_wizard

        return run_wizard(a, catalog, wl)
    prof, host = _profile(a, catalog, retarget=False)
    here = host and (not a.os or a.os == prof.os)  # what doctor sees here says nothing about another OS
    if a.os:
        from pickrt.engine.os_target import retarget_os

        prof = retarget_os(prof, a.os)[0]
    from pickrt.engine.advise import advise

    adv = advise(prof, wl, catalog, local=local_findings(catalog) if here else None,
                 measured=_measured() if here else None)
    if a.json:
        from pickrt.render.json_out import dumps

        sys.stdout.write(dumps(adv) + "\n")
    else:
        from pickrt.render.text import render

        _write_text(render(adv))
    return EXIT_OK if adv.recommendation is not None else EXIT_NO_RUNTIME


# ---- pickrt detect ----------------------------------------------------------------------------


def _cmd_detect(argv: list[str]) -> int:
    p = _Parser(prog="pickrt detect", description="Hardware profile of this machine (or of a recorded one).")
    p.add_argument("--json", action="store_true", help="print the profile as JSON (loads unchanged with --hardware)")
    p.add_argument("--record", metavar="DIR", help="also write every probe's raw output to DIR, a new or empty folder "
                                                   "or an earlier recording (attach it to a bug report)")
    p.add_argument("--no-redact", action="store_true",
                   help="with --record: keep serials, UUIDs, addresses, host/user names and GPU processes")
    p.add_argument("--replay", metavar="DIR", help="build the profile from a recorded DIR instead of this machine")
    p.add_argument("--cluster", action="store_true",
                   help="also ask cluster tools (kubectl, ray, scontrol, sinfo), which contact the cluster's "
                        "servers; off by default")
    p.add_argument("--timeout", type=_bounded_float("--timeout", _B.MAX_TIMEOUT, " of seconds"), default=2.0,
                   help=f"seconds each probe may take (default 2, at most {_B.MAX_TIMEOUT:g})")
    p.add_argument("-v", "--verbose", action="store_true", help="list every probe that found nothing, with why")
    a = p.parse_args(argv)
    from pickrt import detect

    if a.replay:
        if not os.path.isdir(a.replay):
            raise InputError(f"--replay: {a.replay}: not a directory")
        from pickrt.probes.replay import MANIFEST
        from pickrt.probes.runner import ALL_FILES

        if not any(os.path.lexists(os.path.join(a.replay, f)) for f in (MANIFEST, *ALL_FILES.values())):
            raise InputError(f"--replay: {a.replay}: no recording here (no {MANIFEST} and no probe output such as "
                             "uname.txt or nvidia-smi-q-x.xml; make one with `pickrt detect --record DIR`)")
        prof = detect.detect_replay(a.replay)
        results = None
    else:
        if a.record:
            results = detect.collect_host(timeout=a.timeout, cluster=a.cluster)
            prof = detect.build_profile(results)
        else:
            prof = detect.detect_host(timeout=a.timeout, cluster=a.cluster)
    if a.record:
        from pickrt.probes.replay import RecordError, load_dir, record_dir

        try:
            record_dir(results if results is not None else load_dir(a.replay), a.record, redact=not a.no_redact)
        except RecordError as e:
            raise InputError(f"--record: {e}") from None
        kept = "unredacted (--no-redact)" if a.no_redact else (
            "serials, UUIDs, addresses, host/user names and GPU processes redacted")
        sys.stderr.write(f"raw probe outputs written to {a.record} ({kept})\n")
    if a.json:
        from pickrt.render.json_out import dumps

        sys.stdout.write(dumps(prof) + "\n")
    else:
        from pickrt.render.detect_text import render

        _write_text(render(prof, verbose=a.verbose))
    return EXIT_OK


# ---- pickrt guide -----------------------------------------------------------------------------


def _cmd_guide(argv: list[str]) -> int:
    p = _Parser(prog="pickrt guide", description="First-install guide (Markdown) for the recommended runtime or the one named. "
                "--os writes the commands for that OS; the rest of the machine stays as detected or given.")
    _add_work_options(p)
    _add_hw_options(p)
    p.add_argument("--format", choices=("markdown", "terminal"), default=None,
                   help="markdown (raw, the default when piped) or terminal (rendered; the default on a terminal)")
    a = p.parse_args(argv)
    catalog = _catalog(a.knowledge)
    wl = _workload(a, catalog)
    from pickrt.guide import guide_for

    prof, host = _profile(a, catalog, retarget=False)
    here = host and (not a.os or a.os == prof.os)  # what doctor sees here says nothing about another OS
    text = guide_for(prof, wl, catalog, os_name=a.os, local=local_findings(catalog) if here else None)
    fmt = a.format or ("terminal" if sys.stdout.isatty() else "markdown")
    if fmt == "terminal":
        from pickrt.render.guide.terminal import print_markdown
        from pickrt.render.terminal import clean

        print_markdown(clean(text), sys.stdout)
    else:
        _write_text(text)
    return EXIT_OK


# ---- pickrt doctor ----------------------------------------------------------------------------


def _cmd_doctor(argv: list[str]) -> int:
    p = _Parser(prog="pickrt doctor", description="Which runtimes are installed and which are running on this machine.")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--knowledge", action="append", default=[], metavar="DIR", help="catalog overlay (e.g. to move ports)")
    a = p.parse_args(argv)
    catalog = _catalog(a.knowledge)
    from pickrt.doctor.report import render_table, run_doctor

    rep = run_doctor(catalog)
    if a.json:
        import json

        sys.stdout.write(json.dumps(rep, indent=2) + "\n")
    else:
        _write_text(render_table(rep))
    return EXIT_OK


# ---- pickrt knowledge -------------------------------------------------------------------------


def _cmd_knowledge(argv: list[str]) -> int:
    p = _Parser(prog="pickrt knowledge", description="Browse and validate the runtime catalog and overlays.")
    sub = p.add_subparsers(dest="action", metavar="{list,show,check,gpus,models}", parser_class=_Parser)
    ls = sub.add_parser("list", help="one line per runtime")
    ls.add_argument("--json", action="store_true")
    sh = sub.add_parser("show", help="everything the catalog knows about one runtime")
    sh.add_argument("slug")
    sh.add_argument("--json", action="store_true")
    ck = sub.add_parser("check", help="validate the shipped catalog, or an overlay folder")
    ck.add_argument("dir", nargs="?")
    gp = sub.add_parser("gpus", help="GPUs pickrt knows (names for --gpu)")
    gp.add_argument("--json", action="store_true")
    md = sub.add_parser("models", help="reference models and the models already on this machine (names for --model)")
    md.add_argument("--json", action="store_true")
    for sp in (ls, sh, gp, md):
        sp.add_argument("--knowledge", action="append", default=[], metavar="DIR")
    a = p.parse_args(argv)
    from pickrt import knowledge_cmd

    if a.action is None:
        raise InputError("knowledge: choose an action: list, show SLUG, check [DIR], gpus or models "
                         "(`pickrt knowledge --help`)")
    return knowledge_cmd.run(a)


def _cmd_plan(argv: list[str]) -> int:
    from pickrt.cli_plan import cmd_plan

    return cmd_plan(argv, sys.modules[__name__])


def _cmd_bench(argv: list[str]) -> int:
    from pickrt.cli_plan import cmd_bench

    return cmd_bench(argv, sys.modules[__name__])


_SUB = {"detect": _cmd_detect, "guide": _cmd_guide, "doctor": _cmd_doctor, "knowledge": _cmd_knowledge,
        "plan": _cmd_plan, "bench": _cmd_bench}

__all__ = ["main"]
