"""``pickrt plan MODEL`` and ``pickrt bench``: their argument parsing and output.

cli.py dispatches here and hands over its own module (``cli``) for the shared option groups and steps,
so that this module does not import cli.py back.
"""

from __future__ import annotations

import argparse
import sys
from types import ModuleType

from pickrt.errors import EXIT_BAD_INPUT, EXIT_NO_RUNTIME, EXIT_OK, InputError

BUDGETS = ("desktop", "workstation", "datacenter")


def _positive_number(name: str):
    def conv(s: str) -> float:
        try:
            v = float(s)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} takes a number, not {s!r}") from None
        if not (0 < v <= 1e6):
            raise argparse.ArgumentTypeError(f"{name} must be a positive number up to 1000000, not {s}")
        return v
    return conv


def _count(name: str, lo: int, hi: int):
    def conv(s: str) -> int:
        try:
            v = int(s)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} takes a whole number, not {s!r}") from None
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError(f"{name} must be between {lo} and {hi}, not {v}")
        return v
    return conv


# ---- pickrt plan ------------------------------------------------------------------------------


def plan_parser(cli: ModuleType) -> argparse.ArgumentParser:
    p = cli._Parser(
        prog="pickrt plan",
        description="Which hardware serves MODEL for this workload: options from the catalog's GPUs (1, 2, 4, 8 per "
                    "node, multi-node), Apple chips (and Mac clusters over Thunderbolt 5) and CPU-only boxes, each "
                    "judged by the same engine as `pickrt` (runtime, deployment, memory fit, speed), cheapest first "
                    "(by memory, then generation: pickrt has no sourced prices). Also: whether this machine serves it "
                    "(detected, or described with the hardware options) and what it lacks.",
        epilog="Exit codes: 0 plan printed, 2 bad input, 3 no option in the catalog serves this workload.",
    )
    p.add_argument("model_pos", metavar="MODEL", nargs="?",
                   help="a known model (llama-3.1-8b, deepseek-v3, ...), a size (70b), or a .gguf file / HF folder")
    p.add_argument("--json", action="store_true", help="print the plan as one JSON document (schema: plan.schema.json)")
    p.add_argument("--budget", choices=BUDGETS, default=None,
                   help="largest class of hardware to consider: desktop (consumer GPUs, at most 2; single Macs; "
                        "CPU boxes up to 256 GB), workstation (+ workstation GPUs, up to 4; Mac clusters), "
                        "datacenter (everything; the default)")
    p.add_argument("--min-tps", type=_positive_number("--min-tps"), metavar="N",
                   help="target decode tokens/s per user: an option serves only if its low estimate reaches it")
    p.add_argument("--limit", type=_count("--limit", 0, 1000), default=10, metavar="N",
                   help="options to show (default 10, plus the first of each kind beyond them; 0: all)")
    p.add_argument("--no-this-machine", action="store_true",
                   help="skip the verdict on this machine (no detection)")
    cli._add_work_options(p)
    cli._add_hw_options(p)
    return p


def cmd_plan(argv: list[str], cli: ModuleType) -> int:
    a = plan_parser(cli).parse_args(argv)
    if a.model_pos and a.model and a.model_pos != a.model:
        raise InputError(f"two models given: {a.model_pos!r} and --model {a.model!r}")
    a.model = a.model_pos or a.model
    if not a.model:
        raise InputError("pickrt plan needs a MODEL (a known name, a size like 70b, or a .gguf file / model folder)")
    catalog = cli._catalog(a.knowledge)
    wl = cli._workload(a, catalog)
    prof = None
    if a.hardware or cli._whatif_given(a) or not a.no_this_machine:
        prof, _ = cli._profile(a, catalog)
    from pickrt.engine.plan import plan

    doc = plan(wl, catalog, this_profile=prof, budget=a.budget, min_tps=a.min_tps, limit=a.limit)
    if a.json:
        from pickrt.render.json_out import dumps

        sys.stdout.write(dumps(doc) + "\n")
    else:
        from pickrt.render.plan_text import render

        sys.stdout.write(render(doc))
    return EXIT_OK if doc.options else EXIT_NO_RUNTIME


# ---- pickrt bench -----------------------------------------------------------------------------


def bench_parser(cli: ModuleType) -> argparse.ArgumentParser:
    p = cli._Parser(
        prog="pickrt bench",
        description="Measure a running OpenAI-compatible server on this machine (loopback only): prefill and decode "
                    "tokens/s, time to first token, and aggregate throughput under concurrency, beside pickrt's own "
                    "estimate for the same model and hardware. Without --endpoint, finds a running server on the "
                    "catalog's ports the way `pickrt doctor` does.",
        epilog="Exit codes: 0 measured, 2 bad input (e.g. a non-loopback --endpoint), 3 nothing answered "
               "(no running server found, or it failed the requests).",
    )
    p.add_argument("--endpoint", metavar="URL", help="base URL on loopback, e.g. http://127.0.0.1:8080 (or .../v1)")
    p.add_argument("--runtime", metavar="SLUG", help="the runtime serving it (found on its port when no --endpoint)")
    p.add_argument("--model", metavar="NAME",
                   help="the model pickrt estimates for (a known name or a .gguf file); default: the served model id "
                        "if pickrt knows it")
    p.add_argument("--served-model", metavar="ID", help="the model id to request (default: the first of /v1/models)")
    p.add_argument("--concurrency", type=_count("--concurrency", 1, 64), default=4, metavar="N",
                   help="parallel streams for the throughput run (default 4)")
    p.add_argument("--repeat", type=_count("--repeat", 1, 20), default=3, metavar="N",
                   help="single-stream repetitions (default 3, after one warm-up)")
    p.add_argument("--tokens", type=_count("--tokens", 8, 2048), default=64, metavar="N",
                   help="tokens to generate per request (default 64)")
    p.add_argument("--timeout", type=_positive_number("--timeout"), default=60.0, metavar="S",
                   help="seconds one request may take (default 60)")
    p.add_argument("--json", action="store_true", help="print the measurement as JSON")
    p.add_argument("--save", action="store_true",
                   help="store the measurement in the user data dir: later estimates on this machine for the same "
                        "runtime and model say 'measured' and use it")
    p.add_argument("--knowledge", action="append", default=[], metavar="DIR",
                   help="catalog overlay (e.g. to move ports)")
    return p


def cmd_bench(argv: list[str], cli: ModuleType) -> int:
    a = bench_parser(cli).parse_args(argv)
    catalog = cli._catalog(a.knowledge)
    if a.runtime and a.runtime not in catalog.runtimes:
        raise InputError(f"--runtime: unknown runtime {a.runtime!r}; known: {', '.join(catalog.runtimes)}")
    from pickrt import benchmark

    try:
        report = benchmark.run(catalog, endpoint=a.endpoint, runtime=a.runtime, model=a.model,
                               served_model=a.served_model, concurrency=a.concurrency, repeat=a.repeat,
                               tokens=a.tokens, timeout=a.timeout)
    except benchmark.NothingAnswers as e:
        cli._fail(f"pickrt bench: {e}", EXIT_NO_RUNTIME)
    if a.save:
        path = benchmark.save(report)
        report["saved"] = str(path)
    if a.json:
        import json

        sys.stdout.write(json.dumps(report, indent=2) + "\n")
    else:
        sys.stdout.write(benchmark.render_text(report))
    return EXIT_OK


__all__ = ["BUDGETS", "EXIT_BAD_INPUT", "bench_parser", "cmd_bench", "cmd_plan", "plan_parser"]
