"""The wizard on simulated hardware, for snapshot and Pilot tests (never this host).

``make_app(argv)`` parses ``argv`` with pickrt's own parser, so the app sees exactly what
``pickrt [OPTIONS]`` would hand it. Host detection and the guide are replaced by fixed stand-ins
unless asked for, so snapshots depend only on the catalog and the wizard.
Run by hand: ``.venv/bin/textual run tests/tui_snapshot_app.py`` (or ``python tests/tui_snapshot_app.py``).
"""

from __future__ import annotations

import os
import sys
import time
from typing import Optional, Sequence

os.environ.setdefault("PICKRT_NO_DOCTOR", "1")

from pickrt.profile import CPU, GPU, Probe, Profile  # noqa: E402

APPLE_ARGV = ["--apple", "M3 Max", "--memory", "64", "--model", "llama-3.1-8b"]

FAKE_GUIDE = """\
# Install Ollama on macOS

Recommended for this machine: **Ollama** (zone: desktop).

## 1. Install

```sh
brew install ollama
```

## 2. Serve and pull the model

```sh
ollama serve
ollama pull llama3.1:8b
```

## 3. Check it answers

```sh
curl http://127.0.0.1:11434/v1/models
```
"""


def fake_host() -> Profile:
    """A made-up Linux workstation with one RTX 4090, a container limit and some absent probes."""
    return Profile(
        os="linux", arch="x86_64",
        cpu=CPU(model="AMD Ryzen 9 7950X", cores=16, threads=32, flags=["avx2", "avx512f"]),
        memory_gb=62.6, memory_available_gb=50.1, memory_limit_gb=32.0,
        gpus=[GPU(vendor="nvidia", name="NVIDIA GeForce RTX 4090", vram_gb=23.99, compute_capability="8.9",
                  driver="550.54.14")],
        probes=[
            Probe(name="uname", status="ok"), Probe(name="proc-cpuinfo", status="ok"),
            Probe(name="proc-meminfo", status="ok"), Probe(name="cgroup-memory.max", status="ok"),
            Probe(name="nvidia-smi-q-x", status="ok"),
            Probe(name="rocm-smi-json", status="missing", detail="rocm-smi not found on PATH"),
            Probe(name="kubectl-nodes", status="missing", detail="kubectl not found on PATH"),
            Probe(name="ray-status", status="timeout", detail="no answer in 2.0 s"),
        ],
    )


def fake_detect(delay: float = 0.0, error: Optional[BaseException] = None, gate=None):
    """A stand-in for host detection; ``gate`` (a threading.Event) holds it until set."""
    def detect(catalog):
        if gate is not None:
            gate.wait(10)
        if delay:
            time.sleep(delay)
        if error is not None:
            raise error
        return fake_host(), None
    return detect


def fake_guide(profile, wl, catalog, os_name, local) -> str:
    return FAKE_GUIDE


# ---- driving the app as a person would, robust to a slow or loaded machine ------------------

def quiet(app) -> bool:
    """The active screen is mounted, has its focus, its advice preview is up to date, and no button
    is in its 0.2 s press effect (Textual's Button ignores a second press while it shows that effect)."""
    scr = app.screen
    if not scr.is_mounted or app.focused is None and scr.focus_chain:
        return False
    if any(getattr(p, "_pending", None) is not None for p in scr.query("Preview")):
        return False  # the advice preview runs after a refresh: wait for it
    return not any(b.has_class("-active") for b in scr.query("Button"))


async def settle(pilot, until=None, timeout: float = 15.0) -> None:
    """Let a key's work finish (screens mount, buttons settle), even on a loaded machine."""
    deadline = time.monotonic() + timeout
    await pilot.pause()
    while time.monotonic() < deadline:
        if quiet(pilot.app) and (until is None or until()):
            return
        await pilot.pause(0.05)


async def expect_screen(pilot, screen_type) -> None:
    await settle(pilot, lambda: isinstance(pilot.app.screen, screen_type))
    assert isinstance(pilot.app.screen, screen_type), type(pilot.app.screen).__name__


async def enter_until(pilot, screen_type, limit: int = 4):
    await settle(pilot)
    for _ in range(limit):
        if isinstance(pilot.app.screen, screen_type):
            return
        before = pilot.app.screen
        await pilot.press("enter")
        await settle(pilot, lambda: pilot.app.screen is not before)
    assert isinstance(pilot.app.screen, screen_type), type(pilot.app.screen).__name__


def parse(argv: Sequence[str]):
    from pickrt.cli import _advise_parser

    return _advise_parser().parse_args(list(argv))


def make_app(argv: Sequence[str] = APPLE_ARGV, *, detect=None, guide=fake_guide, save_dir: Optional[str] = None,
             catalog=None):
    from pickrt.catalog import load_catalog
    from pickrt.engine.workload import build_workload
    from pickrt.tui.app import PickrtApp

    args = parse(argv)
    catalog = catalog if catalog is not None else load_catalog()
    wl = build_workload(catalog, traffic=args.traffic, users=args.users, quant=args.quant, model=args.model,
                        context=args.context, goal=args.goal, needs=args.need, runtime=args.runtime)
    return PickrtApp(args, catalog, wl, detect=detect or fake_detect(), guide=guide, save_dir=save_dir)


app = make_app(sys.argv[1:] if __name__ == "__main__" and len(sys.argv) > 1 else APPLE_ARGV)

if __name__ == "__main__":
    app.run()
