"""``pickrt knowledge list | show SLUG | check [DIR] | gpus | models``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pickrt.errors import EXIT_BAD_INPUT, EXIT_OK, InputError


def run(a) -> int:
    from pickrt.catalog import CatalogError, load_catalog
    from pickrt.catalog.plain import thaw

    if a.action == "check":
        return _check(a.dir)
    try:
        cat = load_catalog([Path(d) for d in getattr(a, "knowledge", [])])
    except CatalogError as e:
        from pickrt.render.terminal import clean_line

        for p in e.problems:
            sys.stderr.write(clean_line(p) + "\n")
        return EXIT_BAD_INPUT
    if a.action == "list":
        rows = [{"slug": r.slug, "name": r.name, "zone": r.zone, "status": r.status.state} for r in cat.runtimes.values()]
        if a.json:
            _out(json.dumps(rows, indent=2) + "\n")
        else:
            w = max(len(r["slug"]) for r in rows)
            for r, rt in zip(rows, cat.runtimes.values()):
                _out(f"{r['slug']:<{w}}  {r['zone']:<15}  {r['status']:<11}  {rt.summary}\n")
        return EXIT_OK
    if a.action == "show":
        rt = cat.runtime(a.slug)
        if rt is None:
            raise InputError(f"knowledge show: unknown runtime {a.slug!r}; known: {', '.join(cat.runtimes)}")
        if a.json:
            _out(json.dumps(thaw(rt), indent=2) + "\n")
        else:
            _out(_show_text(rt))
        return EXIT_OK
    if a.action == "gpus":
        if a.json:
            _out(json.dumps(thaw(cat.gpus, {"cls": "class"}), indent=2) + "\n")
        else:
            for g in cat.gpus:
                cc = g.compute_capability or g.gfx or "-"
                _out(f"{g.name:<36} {g.vendor:<6} {g.vram_gb or 0:>6g} GB  {g.memory_bandwidth_gbs or 0:>6g} GB/s  {cc}\n")
        return EXIT_OK
    if a.action == "models":
        return _models(cat, a.json)
    return EXIT_BAD_INPUT


def _models(cat, as_json: bool) -> int:
    """Catalog models, then the models already on this machine (HF cache, Ollama, LM Studio), marked local."""
    from pickrt.catalog.plain import thaw
    from pickrt.engine.kvcache import layout_of
    from pickrt.probes.local_models import list_local

    local = list_local()
    if as_json:
        rows = thaw(cat.models)
        for m in local:
            known = cat.find_model(m.name)
            rows.append({"id": m.name, "local": True, "tool": m.tool, "path": str(m.path),
                         "size_gb": round(m.size_bytes / 2**30, 3) if m.size_bytes else None,
                         "catalog_id": known.id if known else None})
        _out(json.dumps(rows, indent=2) + "\n")
        return EXIT_OK
    w = max(len(m.id) for m in cat.models)
    for m in cat.models:
        act = f" ({m.active_params_b:g}B active)" if m.active_params_b and m.active_params_b != m.params_b else ""
        kv = layout_of(m).per_token_bytes() / 1024
        mods = "+".join(x for x in (m.modalities or ["text"]) if x != "text")
        ctx = f"{(m.max_context or 0) // 1024}K ctx" if m.max_context else "ctx ?"
        tag = f"  ollama {m.ollama_tag}" if m.ollama_tag else ""
        _out(f"{m.id:<{w}}  {m.params_b:>7g}B{act}  {ctx}, KV {kv:.4g} KiB/token"
                         + (f", {mods}" if mods else "") + tag + "\n")
    if local:
        _out("\nlocal (already on this machine):\n")
        for m in local:
            known = cat.find_model(m.name)
            size = f"{m.size_bytes / 2**30:.2f} GiB" if m.size_bytes else "no weights"
            _out(f"{m.name:<{w}}  local {m.tool}, {size}" + (f" (= {known.id})" if known else "")
                             + f"  {m.path}\n")
    return EXIT_OK


def _check(d) -> int:
    from pickrt.catalog import CatalogError, load_catalog

    overlays = []
    if d is not None:
        p = Path(d)
        if not p.is_dir():
            from pickrt.render.terminal import clean_line

            sys.stderr.write(clean_line(f"{d}: not a directory (pickrt knowledge check [DIR] takes a folder laid out like knowledge/)") + "\n")
            return EXIT_BAD_INPUT
        overlays.append(p)
    try:
        cat = load_catalog(overlays, use_user_overlay=d is None, use_cache=False)
    except CatalogError as e:
        from pickrt.render.terminal import clean_line

        for p in e.problems:
            sys.stderr.write(clean_line(p) + "\n")
        return EXIT_BAD_INPUT
    for w in cat.warnings:
        sys.stderr.write(f"warning: {w}\n")
    what = f"{d} over the shipped catalog" if d else "shipped catalog"
    _out(f"ok: {what}: {len(cat.runtimes)} runtimes, {len(cat.rules)} rules, {len(cat.gpus)} GPUs, "
                     f"{len(cat.apple_chips)} Apple chips, {len(cat.models)} models, {len(cat.quants)} quant types"
                     + (f", {len(cat.warnings)} warnings" if cat.warnings else "") + "\n")
    return EXIT_OK


def _show_text(rt) -> str:
    out = [f"{rt.name} ({rt.slug}) - zone {rt.zone}, {rt.status.state}", rt.summary, ""]
    out.append(f"homepage: {rt.homepage or '-'}   licence: {rt.license or '-'}   open source: {rt.open_source}")
    if rt.latest_release and rt.latest_release.version:
        out.append(f"latest release: {rt.latest_release.version} {rt.latest_release.date or ''}")
    out.append("platforms: " + ", ".join(f"{p.os}/{p.arch}{'' if p.native else ' (not native)'}" for p in rt.platforms))
    acc = [k for k in ("cuda", "rocm", "metal", "intel", "vulkan", "cpu") if getattr(rt.accelerators, k).supported]
    cc = rt.accelerators.cuda.min_compute_capability
    out.append("accelerators: " + ", ".join(acc) + (f" (CUDA CC >= {cc})" if cc else ""))
    out.append("quant formats: " + ", ".join(rt.quant_formats))
    if rt.api.default_port:
        out.append(f"API: port {rt.api.default_port}, OpenAI-compatible: {rt.api.openai_compatible}")
    for os_, steps in rt.install.items():
        out.append(f"install ({os_}):")
        out.extend(f"  {s.run or ('# ' + (s.text or '') + (' ' + s.url if s.url else ''))}" for s in steps)
    if rt.serve:
        out.append(f"serve: {rt.serve}")
    if rt.operator_notes:
        out.append("operator notes:")
        out.extend(f"  - {n.text}" for n in rt.operator_notes)
    out.append(f"as of {rt.as_of}; {len(rt.sources)} sources")
    return "\n".join(out) + "\n"


__all__ = ["run"]


def _out(text: str) -> None:
    """Overlay text (names, summaries) cannot reach the terminal as control sequences."""
    from pickrt.render.terminal import clean

    sys.stdout.write(clean(text))
