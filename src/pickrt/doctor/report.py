"""``run_doctor``: installed and running runtimes as one JSON-ready dict; ``render_table`` for people."""

from __future__ import annotations

import threading
from typing import Any, Optional

from pickrt.doctor import installed as _installed
from pickrt.doctor import running as _running

SCHEMA_VERSION = 1


def run_doctor(catalog, *, timeout: float = 0.7, command_timeout: float = _installed.COMMAND_TIMEOUT,
               quick: bool = False) -> dict:
    """What of ``catalog`` is installed and running here. One row per runtime, in catalog order.

    ``timeout`` bounds each loopback probe (connect + answer); ``command_timeout`` each external
    command (``--version``, ``docker images``). Probing and the installed checks run side by side.
    """
    found: dict[str, Any] = {}

    def _find() -> None:
        try:
            found["value"] = _installed.find_installed(catalog, command_timeout=command_timeout, quick=quick)
        except Exception as e:  # doctor reports, it never crashes on a strange machine
            found["error"] = e

    worker = threading.Thread(target=_find, name="pickrt-installed", daemon=True)
    worker.start()
    probes = _running.probe_ports(_running.probe_keys(catalog), timeout)
    worker.join(command_timeout + 1.0)
    inst: dict[str, _installed.Installed] = found.get("value") or {s: _installed.Installed(s) for s in catalog.runtimes}
    warnings: list[str] = []
    if "error" in found:
        warnings.append(f"could not check what is installed: {found['error']}")
    elif worker.is_alive():
        warnings.append("checking what is installed took too long; installed runtimes are not shown")

    states, port_warnings = _running.attribute(catalog, probes, {s for s, i in inst.items() if i.installed}, timeout)
    warnings += port_warnings

    rows = []
    for slug in catalog.runtimes:
        i = inst.get(slug) or _installed.Installed(slug)
        st = states[slug]
        rows.append({
            "runtime": slug,
            "installed": i.installed,
            "version": i.version or st.server_version,
            "where": i.where,
            "running": st.running,
            "endpoint": st.endpoint if st.running else None,
            "models": list(st.models) if st.running else [],
            "detail": st.detail,
        })
    return {"schema_version": SCHEMA_VERSION, "runtimes": rows, "warnings": warnings}


def installed_slugs(report: dict) -> set[str]:
    return {r["runtime"] for r in report.get("runtimes", []) if r.get("installed")}


def running_slugs(report: dict) -> set[str]:
    return {r["runtime"] for r in report.get("runtimes", []) if r.get("running")}


# ---- table ---------------------------------------------------------------------------------


def _cell(text: str, width: int) -> str:
    if len(text) > width:
        text = text[: max(1, width - 1)] + "…"
    return text.ljust(width)


def _models(models: list[str]) -> str:
    if not models:
        return "-"
    shown = ", ".join(models[:2])
    return shown + (f" +{len(models) - 2}" if len(models) > 2 else "")


def render_table(report: dict, *, width: Optional[int] = None) -> str:
    """A fixed-width table (runtime, installed, running, models, detail), then the warnings."""
    head = ("RUNTIME", "INSTALLED", "RUNNING", "MODELS", "DETAIL")
    rows = []
    for r in report.get("runtimes", []):
        inst = ("yes " + r["version"]) if r.get("installed") and r.get("version") else ("yes" if r.get("installed") else "no")
        run = r["endpoint"] if r.get("running") and r.get("endpoint") else ("yes" if r.get("running") else "no")
        detail = r.get("detail") or ""
        if r.get("installed") and r.get("where"):
            detail = f"{detail} [{r['where']}]" if detail else f"[{r['where']}]"
        rows.append((r["runtime"], inst, run, _models(r.get("models") or []), detail))
    caps = (24, 18, 30, 32)  # 24: the longest slugs (openvino-model-server) stay whole
    widths = [min(cap, max(len(head[i]), *(len(row[i]) for row in rows))) if rows else len(head[i])
              for i, cap in enumerate(caps)]
    lines = []
    for row in [head, *rows]:
        cells = [_cell(row[i], widths[i]) for i in range(4)]
        detail = row[4]
        line = "  ".join(cells) + "  " + detail
        if width:
            line = line[:width]
        lines.append(line.rstrip())
    warnings = report.get("warnings") or []
    if warnings:
        lines.append("")
        lines.append("Warnings:")
        lines += [f"  ! {w}" for w in warnings]
    return "\n".join(lines) + "\n"
