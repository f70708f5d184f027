"""Time to the wizard's first painted screen, next to the cost of ``import textual`` alone.

Each sample is a fresh process, timed from spawn by the parent:

- ``wizard``: what ``pickrt --apple "M3 Max" --memory 64 --model llama-3.1-8b`` does on a terminal
  (parse options, load the catalog, build the workload, import the wizard, run it), on Textual's
  headless driver, until the hardware screen has mounted and refreshed once;
- ``import textual``: ``python -c "import textual"``;
- ``python``: ``python -c pass``, the interpreter's own start-up.

Side by side (``--tmux``): each TUI starts in a fresh 120x40 tmux window, as a person starts it, and
"first paint" is when its first screen is readable (polled every 10 ms with ``tmux capture-pane``):

- ``pickrt`` (the same options; marker "What if?"), ``llmfit`` (its TUI, marker "Models ("; give
  ``--llmfit PATH`` or have ``llmfit`` on PATH);
- ``textual hello``: a Textual app with a header, a line and a footer (Textual's own floor).

Usage: ``python bench/bench_tui.py [-n 7] [--tmux] [--llmfit PATH]``. Prints the medians and the
ratios to ``import textual``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

ARGV = ["--apple", "M3 Max", "--memory", "64", "--model", "llama-3.1-8b"]
MARK = "PICKRT-FIRST-PAINT"

CHILD = r"""
import sys
from pickrt.cli import _advise_parser, _catalog, _workload
a = _advise_parser().parse_args(sys.argv[1:])
catalog = _catalog(a.knowledge)
wl = _workload(a, catalog)
from pickrt.tui.app import PickrtApp
from pickrt.tui.screens import hardware

_orig = hardware.HardwareScreen.on_mount

def on_mount(self):
    _orig(self)
    def painted():
        sys.stdout.write("%s\n" % MARK)
        sys.stdout.flush()
        self.app.exit(0)
    self.call_after_refresh(painted)

hardware.HardwareScreen.on_mount = on_mount
app = PickrtApp(a, catalog, wl)
app.run(headless=True)
""".replace("MARK", repr(MARK))


def _time(cmd: list[str], env: dict, mark: str | None = None) -> float:
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    if mark is None:
        _, err = proc.communicate(timeout=120)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed: {err.strip()[-500:]}")
        return time.perf_counter() - t0
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.strip() == mark:
            elapsed = time.perf_counter() - t0
            proc.communicate(timeout=60)
            return elapsed
    _, err = proc.communicate(timeout=60)
    raise SystemExit(f"the wizard never painted (rc {proc.returncode}): {err.strip()[-800:]}")


HELLO = r"""
from textual.app import App
from textual.widgets import Footer, Header, Static
class Hello(App):
    BINDINGS = [("q", "quit", "Quit")]
    def compose(self):
        yield Header()
        yield Static("hello")
        yield Footer()
Hello().run()
"""


def _time_tmux(cmd: list[str], marker: str, env: dict, limit: float = 60.0) -> float:
    """Seconds from starting ``cmd`` in a fresh 120x40 tmux window until ``marker`` is on screen."""
    import shlex
    import uuid

    name = f"pickrt-bench-{uuid.uuid4().hex[:8]}"
    shell = " ".join(shlex.quote(c) for c in cmd) + "; sleep 30"
    t0 = time.perf_counter()
    subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", "120", "-y", "40", shell], env=env, check=True)
    try:
        while time.perf_counter() - t0 < limit:
            screen = subprocess.run(["tmux", "capture-pane", "-p", "-t", name], capture_output=True, text=True).stdout
            if marker in screen:
                return time.perf_counter() - t0
            time.sleep(0.01)
        raise SystemExit(f"{' '.join(cmd)}: {marker!r} not on screen within {limit:.0f} s")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)


def _tmux_main(a, env: dict, py: str) -> int:
    import shutil

    if not shutil.which("tmux"):
        raise SystemExit("--tmux needs tmux on PATH")
    pickrt = [os.path.join(os.path.dirname(py), "pickrt"), *ARGV]
    llmfit = a.llmfit or shutil.which("llmfit")
    cmds: dict[str, tuple[list[str], str] | None] = {
        "python -c 'import textual'": None,
        "textual hello (floor)": ([py, "-c", HELLO], "hello"),
        "pickrt first paint": (pickrt, "What if?"),
    }
    if llmfit:
        cmds["llmfit first paint"] = ([llmfit], "Models (")
    for c in cmds.values():  # warm caches, untimed
        if c:
            _time_tmux(*c, env)
    rows: dict[str, list[float]] = {k: [] for k in cmds}
    for _ in range(a.n):  # interleaved, so drift in machine load hits all alike
        for k, c in cmds.items():
            rows[k].append(_time([py, "-c", "import textual"], env) if c is None else _time_tmux(*c, env))
    med = {k: statistics.median(v) for k, v in rows.items()}
    print(f"{'':28} {'median':>9} {'min':>9} {'max':>9}   (n={a.n}, tmux 120x40, polled every 10 ms)")
    for k, v in rows.items():
        print(f"{k:28} {med[k] * 1000:8.0f}ms {min(v) * 1000:8.0f}ms {max(v) * 1000:8.0f}ms")
    base = med["python -c 'import textual'"]
    for k in cmds:
        if k != "python -c 'import textual'":
            print(f"ratio {k} / import textual: {med[k] / base:.2f}x")
    if llmfit:
        print(f"ratio pickrt / llmfit: {med['pickrt first paint'] / med['llmfit first paint']:.2f}x")
    else:
        print("llmfit not found (give --llmfit PATH): no side-by-side row")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-n", type=int, default=7, help="samples of each (default 7)")
    p.add_argument("--tmux", action="store_true", help="time the TUIs on a real terminal (tmux), side by side with llmfit")
    p.add_argument("--llmfit", metavar="PATH", help="llmfit's executable (default: llmfit on PATH)")
    a = p.parse_args(argv)
    env = dict(os.environ, PICKRT_NO_DOCTOR="1", PYTHONDONTWRITEBYTECODE="0")
    env.pop("NO_COLOR", None)
    py = sys.executable
    if a.tmux:
        return _tmux_main(a, env, py)
    # Warm the OS file cache, Python's bytecode and pickrt's catalog cache once, untimed.
    _time([py, "-c", CHILD, *ARGV], env, MARK)
    _time([py, "-c", "import textual"], env)
    rows = {"python -c pass": [], "python -c 'import textual'": [], "wizard first paint": []}
    for _ in range(a.n):  # interleaved, so drift in machine load hits all three alike
        rows["python -c pass"].append(_time([py, "-c", "pass"], env))
        rows["python -c 'import textual'"].append(_time([py, "-c", "import textual"], env))
        rows["wizard first paint"].append(_time([py, "-c", CHILD, *ARGV], env, MARK))
    med = {k: statistics.median(v) for k, v in rows.items()}
    print(f"{'':28} {'median':>9} {'min':>9} {'max':>9}   (n={a.n}, {py})")
    for k, v in rows.items():
        print(f"{k:28} {med[k] * 1000:8.0f}ms {min(v) * 1000:8.0f}ms {max(v) * 1000:8.0f}ms")
    base = med["python -c 'import textual'"]
    print(f"ratio wizard first paint / import textual: {med['wizard first paint'] / base:.2f}x")
    py0 = med["python -c pass"]
    print(f"without the interpreter's own start-up:    {(med['wizard first paint'] - py0) / max(base - py0, 1e-9):.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
