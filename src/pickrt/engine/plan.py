"""``pickrt plan``: the other way round. Which hardware serves this model and workload?

Pure: candidate machines are built from the catalog (each GPU as 1, 2, 4 or 8 per node and, for
datacenter GPUs, 2 or 4 such nodes; each Apple chip by memory configuration, Thunderbolt 5 chips also
as 2- or 4-Mac clusters; CPU-only boxes by RAM size) and each is judged by the very same
:func:`pickrt.engine.advise.advise` on a what-if profile. Nothing here sizes memory or estimates
speed: an option's runtime, deployment, memory fit and speed are the advice's own.

Pruning: per GPU type (and per Apple chip, and for CPU boxes) sizes are tried smallest first and the
first that serves ends that family; a size whose memory cannot even hold the weights at 3.5 bits per
parameter is skipped without advising.

Order: pickrt holds no sourced price list, so options are ordered by accelerator memory (VRAM, the
unified memory of Macs, RAM of CPU boxes), then by generation (older first), and the order says so.
An option that is neither smaller, older nor faster than another of its kind (GPU box, Mac, CPU box)
is dropped: it is never the cheaper choice.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field

from pickrt.catalog import Catalog
from pickrt.catalog.plain import Obj
from pickrt.engine.fit import kv_bytes_per_sequence
from pickrt.engine.hardware import view, whatif_profile
from pickrt.engine.workload import Workload

GIB = 1024**3
ORDER = ("accelerator memory (VRAM, unified memory of Macs, RAM of CPU-only boxes), then fewer machines and cards, "
         "then generation (older first): pickrt has no sourced prices")
GPU_COUNTS = (1, 2, 4, 8)
DC_NODES = (2, 4)  # 8-GPU datacenter nodes over InfiniBand
MAC_NODES = (2, 4)  # Macs over Thunderbolt 5 (Exo)
CPU_RAM_GB = (8, 16, 32, 64, 128, 256, 384, 512, 768, 1024, 1536)
MIN_BITS = 3.5  # pruning only: no 4-bit-class quant is smaller than this
MIN_KV_BYTES = 0.5  # pruning only: a 4-bit KV cache (q4_0 is 0.5625 bytes per value)
BUDGETS = ("desktop", "workstation", "datacenter")
DEFAULT_LIMIT = 10
KV_Q8_BYTES = 1.0625  # q8_0: 34 bytes per 32 values (vLLM's fp8 cache is 1.0: this is the conservative one)
MAX_CONTEXT_ROWS = 12


@dataclass
class Candidate:
    kind: str  # gpu | apple | cpu
    label: str
    flags: list[str]
    whatif: dict
    accel_gb: float
    year: int | None
    cls: str | None
    gpu: str | None = None
    gpus: int = 0
    nodes: int = 1
    apple: str | None = None
    memory_gb: float | None = None
    interconnect: str | None = None
    family: str | None = None

    def hardware(self) -> Obj:
        return Obj(label=self.label, kind=self.kind, gpu=self.gpu, gpus=self.gpus, nodes=self.nodes, apple=self.apple,
                   memory_gb=self.memory_gb, accelerator_memory_gb=round(self.accel_gb, 1),
                   interconnect=self.interconnect,
                   year=self.year, hw_class=self.cls, flags=list(self.flags))


@dataclass
class Judged:
    cand: Candidate
    advice: object
    serves: bool
    why_not: str = ""
    smaller: list[str] = field(default_factory=list)

    @property
    def rec(self):
        return self.advice.recommendation

    @property
    def decode_hi(self) -> float | None:
        sp = self.rec.speed if self.rec is not None else None
        d = getattr(sp, "decode_tps", None) if sp is not None else None
        return d[1] if d else None

    @property
    def decode_lo(self) -> float | None:
        sp = self.rec.speed if self.rec is not None else None
        d = getattr(sp, "decode_tps", None) if sp is not None else None
        return d[0] if d else None


# ---- candidates ------------------------------------------------------------------------------


def _budget_allows(budget: str | None, kind: str, cls: str | None, gpus: int, nodes: int) -> bool:
    if budget in (None, "datacenter"):
        return True
    if budget == "desktop":
        if kind == "gpu":
            return cls in ("consumer", "apu", "embedded") and gpus <= 2 and nodes == 1
        return nodes == 1 and (kind != "cpu" or True)
    # workstation
    if kind == "gpu":
        return cls in ("consumer", "workstation", "apu", "embedded") and gpus <= 4 and nodes == 1
    return True


def _gpu_families(catalog: Catalog, budget: str | None) -> list[list[Candidate]]:
    fams = []
    for g in catalog.gpus:
        if not g.vram_gb:
            continue
        single = g.cls in ("embedded", "apu") or g.unified_memory
        shapes = [(n, 1) for n in ((1,) if single else GPU_COUNTS)]
        if g.cls == "datacenter" and not single:
            shapes += [(8, k) for k in DC_NODES]
        fam = []
        for n, nodes in shapes:
            if not _budget_allows(budget, "gpu", g.cls, n, nodes):
                continue
            label = (f"{nodes} nodes x " if nodes > 1 else "") + (f"{n}x {g.name}" if n > 1 else g.name)
            flags = ["--gpu", g.name] + (["--gpus", str(n)] if n > 1 else [])
            whatif = {"gpu": g.name, "gpus": n}
            ic = None
            if nodes > 1:
                ic = "infiniband"
                flags += ["--nodes", str(nodes), "--interconnect", ic]
                whatif.update(nodes=nodes, interconnect=ic)
            fam.append(Candidate("gpu", label, flags, whatif, g.vram_gb * n * nodes, g.year, g.cls, gpu=g.name,
                                 gpus=n, nodes=nodes, interconnect=ic, family=g.name))
        if fam:
            fams.append(fam)
    return fams


def _apple_families(catalog: Catalog, budget: str | None) -> list[list[Candidate]]:
    fams = []
    for chip in catalog.apple_chips:
        mems = sorted({m for b in chip.bins for m in b.memory_gb})
        fam = []
        for mem in mems:
            bin_ = min((b for b in chip.bins if mem in b.memory_gb), key=lambda b: b.gpu_cores)
            name = f"{chip.name} {bin_.gpu_cores}-core" if len(chip.bins) > 1 else chip.name
            fam.append(Candidate("apple", f"Apple {name}, {mem:g} GB", ["--apple", name, "--memory", f"{mem:g}"],
                                 {"apple": name, "memory": float(mem)}, float(mem), chip.year, "apple",
                                 apple=name, memory_gb=float(mem), family=chip.name))
        if chip.thunderbolt5 and mems and budget != "desktop":
            mem = mems[-1]
            bin_ = min((b for b in chip.bins if mem in b.memory_gb), key=lambda b: b.gpu_cores)
            name = f"{chip.name} {bin_.gpu_cores}-core" if len(chip.bins) > 1 else chip.name
            for k in MAC_NODES:
                fam.append(Candidate(
                    "apple", f"{k} x Apple {name}, {mem:g} GB (Thunderbolt 5)",
                    ["--apple", name, "--memory", f"{mem:g}", "--nodes", str(k), "--interconnect", "thunderbolt5"],
                    {"apple": name, "memory": float(mem), "nodes": k, "interconnect": "thunderbolt5"},
                    float(mem) * k, chip.year, "apple", apple=name, memory_gb=float(mem), nodes=k,
                    interconnect="thunderbolt5",
                    family=chip.name))
        if fam:
            fams.append(fam)
    return fams


def _cpu_family(budget: str | None) -> list[Candidate]:
    out = []
    for ram in CPU_RAM_GB:
        if budget == "desktop" and ram > 256:
            break
        out.append(Candidate("cpu", f"CPU only, {ram:g} GB RAM", ["--cpu-only", "--memory", f"{ram:g}"],
                             {"cpu_only": True, "memory": float(ram)}, float(ram), None, "cpu", memory_gb=float(ram)))
    return out


def _weights_floor_gb(wl: Workload) -> float:
    """A lower bound on the weights (pruning only; the fit itself is the engine's)."""
    ref = wl.model
    if ref is None:
        return 0.0
    if ref.file_gb:
        return ref.file_gb * 0.95
    bits = wl.quant_spec.bpw * 0.95 if wl.quant_spec is not None else MIN_BITS
    return ref.spec.params_b * 1e9 * bits / 8 / GIB


def _floor_gb(wl: Workload) -> float:
    """Weights plus every user's KV cache at 4 bits per value (no runtime's cache is smaller): pruning only."""
    if wl.model is None:
        return 0.0
    spec = wl.model.spec
    ctx = min(wl.context, spec.max_context) if spec.max_context else wl.context
    kv = kv_bytes_per_sequence(spec, ctx, MIN_KV_BYTES) * wl.users / GIB
    return _weights_floor_gb(wl) + kv


# ---- judging -----------------------------------------------------------------------------------


def _judge(cand: Candidate, wl: Workload, catalog: Catalog, advise_fn: Callable, min_tps: float | None) -> Judged:
    prof = whatif_profile(catalog, **cand.whatif)
    adv = advise_fn(prof, wl, catalog)
    return _verdict(cand, adv, min_tps)


def _verdict(cand: Candidate, adv, min_tps: float | None) -> Judged:
    j = Judged(cand, adv, False)
    rec, mf = adv.recommendation, adv.model_fit
    if rec is None and (mf is None or mf.fits):
        j.why_not = "no runtime can serve it"
    elif mf is None or not mf.fits:
        j.why_not = (f"needs {mf.required_gb:.0f} GiB, {mf.available_gb:.0f} GiB usable" if mf
                     else "its fit is unknown")
    elif min_tps is not None and (j.decode_lo is None or j.decode_lo < min_tps):
        j.why_not = (f"about {j.decode_lo:g} tokens/s per user, below --min-tps {min_tps:g}" if j.decode_lo is not None
                     else "its speed is unknown, so --min-tps cannot be checked")
    else:
        j.serves = True
    return j


def _family_first(fam: list[Candidate], floor: float, wl, catalog, advise_fn, min_tps) -> Judged | None:
    tried: list[str] = []
    for cand in fam:
        if cand.accel_gb < floor:
            tried.append(f"{cand.label}: {cand.accel_gb:g} GB cannot hold the weights and KV cache")
            continue
        j = _judge(cand, wl, catalog, advise_fn, min_tps)
        if j.serves:
            j.smaller = tried
            return j
        tried.append(f"{cand.label}: {j.why_not}")
    return None


def _dominated(a: Judged, b: Judged) -> bool:
    """``b`` (at least as big, as new, no faster) is never the cheaper choice than ``a``."""
    if a is b or a.cand.kind != b.cand.kind or a.decode_hi is None or b.decode_hi is None:
        return False  # a Mac and a GPU box are not priced alike: only compare within a kind
    ka = (a.cand.accel_gb, a.cand.year or 0)
    kb = (b.cand.accel_gb, b.cand.year or 0)
    if not (ka[0] <= kb[0] and ka[1] <= kb[1] and a.decode_hi >= b.decode_hi):
        return False
    return ka != kb or a.decode_hi > b.decode_hi or a.cand.label < b.cand.label


def _shown(kept: list[Judged], limit: int) -> list[Judged]:
    """The first ``limit`` options, plus the first of each kind (NVIDIA, AMD, Intel, Mac, CPU-only) beyond them."""
    out = kept[:limit]
    seen = {_vendor(j) for j in out}
    for j in kept[limit:]:
        if _vendor(j) not in seen:
            seen.add(_vendor(j))
            out.append(j)
    return sorted(out, key=_sort_key)


def _vendor(j: Judged) -> str:
    if j.cand.kind != "gpu":
        return j.cand.kind
    prof = j.advice.hardware
    return prof.gpus[0].vendor if prof.gpus else "gpu"


def _sort_key(j: Judged):
    # equal memory: fewer machines and cards first (a chassis for 8 cards is a server), then the older
    return (j.cand.accel_gb, j.cand.nodes, j.cand.gpus, j.cand.year or 0, j.cand.label)


# ---- the plan ------------------------------------------------------------------------------------


def plan(wl: Workload, catalog: Catalog, *, this_profile=None, budget: str | None = None,
         min_tps: float | None = None, limit: int | None = DEFAULT_LIMIT,
         advise_fn: Callable | None = None, prune: bool = True) -> Obj:
    """The plan document (see ``pickrt.plan_doc.Plan``). ``wl.model`` must be set.

    ``prune=False`` advises every size up to the first that serves (for tests: same options, slower)."""
    if advise_fn is None:
        from pickrt.engine.advise import advise as advise_fn
    assert wl.model is not None, "plan needs a model"
    floor = _floor_gb(wl) if prune else 0.0
    fams = _gpu_families(catalog, budget) + _apple_families(catalog, budget) + [_cpu_family(budget)]
    found = [j for j in (_family_first(f, floor, wl, catalog, advise_fn, min_tps) for f in fams) if j is not None]
    kept = [b for b in found if not any(_dominated(a, b) for a in found)]
    kept.sort(key=_sort_key)
    total = len(kept)
    shown = kept if not limit else _shown(kept, limit)
    at = {id(j): i for i, j in enumerate(kept)}
    options = [_option(j, kept[at[id(j)] + 1] if at[id(j)] + 1 < len(kept) else None, wl) for j in shown]
    warnings = []
    if not kept:
        warnings.append(f"No machine in pickrt's catalog serves {wl.model.label} for this workload"
                        + (f" at {min_tps:g} tokens/s per user" if min_tps else "") + ".")
    elif len(shown) < total:
        warnings.append(f"{total - len(shown)} more options not shown (--limit {limit}; --limit 0 shows all).")
    if any(j.decode_hi is None for j in shown):
        warnings.append("Options without a speed estimate (unknown bandwidth) are kept but cannot be compared "
                        "on speed.")
    concurrency = _concurrency(shown[0], wl) if shown else None
    this = None
    if this_profile is not None:
        this = this_machine(this_profile, wl, catalog, kept, advise_fn=advise_fn, min_tps=min_tps, budget=budget)
    return Obj(schema_version=1, model=wl.model.label, workload=_workload_out(wl, min_tps, budget), order=ORDER,
               options=options, concurrency=concurrency, this_machine=this, warnings=warnings)


def _workload_out(wl: Workload, min_tps, budget) -> Obj:
    return Obj(traffic=wl.traffic, users=wl.users, quant=wl.quant, model=wl.model.label if wl.model else None,
               context=wl.context, goal=wl.goal, needs=list(wl.needs), runtime=wl.runtime, min_tps=min_tps,
               budget=budget)


def _rt_name(j: Judged) -> str:
    return j.rec.name if j.rec is not None else "?"


def _option(j: Judged, nxt: Judged | None, wl: Workload) -> Obj:
    rec, mf = j.rec, j.advice.model_fit
    why = [f"{j.cand.label} holds it with {rec.name}: {mf.required_gb:.1f} of {mf.available_gb:.1f} GiB ({mf.quant})"]
    if j.smaller:
        why.append("smaller in this family does not serve: " + "; ".join(j.smaller[-2:]))
    if nxt is None:
        why.append("the largest option that serves")
    else:
        a, b = j.decode_hi, nxt.decode_hi
        cmp = ""
        if a and b:
            r = b / a
            cmp = (f", about {r:.1f}x its decode speed" if r >= 1.15 else
                   ", no faster" if r < 1.05 else f", about {round((r - 1) * 100)}% faster")
        caution = ": worth its price if speed matters" if a and b and b / a >= 3 else ""
        why.append(f"first by pickrt's order before the next-bigger option, {nxt.cand.label} "
                   f"({nxt.cand.accel_gb:g} GB{cmp}){caution}")
    runtime_why = [r for r in rec.reasons if f"{wl.model.label} fits" not in r]
    if runtime_why:
        why.append(f"{rec.name}: {runtime_why[0]}")
    return Obj(hardware=j.cand.hardware(), runtime=rec.runtime, deployment=_deployment(rec),
               model_fit=mf, speed=rec.speed, why=why)


def _deployment(rec) -> dict | None:
    """The advice's deployment as plain data (a dataclass, a record or a dict), or None."""
    dep = getattr(rec, "deployment", None) if rec is not None else None
    if dep is None:
        return None
    if dataclasses.is_dataclass(dep) and not isinstance(dep, type):
        return dataclasses.asdict(dep)
    if isinstance(dep, Obj):
        from pickrt.catalog.plain import thaw

        return thaw(dep, drop_none=False)
    return dep if isinstance(dep, dict) else None


def _contexts(wl: Workload) -> list[int]:
    top = wl.model.spec.max_context or max(wl.context, 131072)
    out, c = [], 4096
    while c <= top and len(out) < MAX_CONTEXT_ROWS:
        out.append(c)
        c *= 2
    if top not in out and len(out) < MAX_CONTEXT_ROWS + 1 and top > 4096:
        out.append(top)
    return out or [top]


def concurrency_rows(model_fit, wl: Workload) -> list[Obj]:
    """Sequences of each context length the memory left after weights and overhead holds."""
    room_gb = model_fit.available_gb - model_fit.weights_gb - model_fit.overhead_gb
    rows = []
    for ctx in _contexts(wl):
        per = kv_bytes_per_sequence(wl.model.spec, ctx) / GIB
        per8 = kv_bytes_per_sequence(wl.model.spec, ctx, KV_Q8_BYTES) / GIB
        rows.append(Obj(context=ctx, kv_gb_per_sequence=round(per, 3),
                        sequences=max(0, math.floor(room_gb / per)) if per > 0 else None,
                        sequences_kv_q8=max(0, math.floor(room_gb / per8)) if per8 > 0 else None))
    return rows


def _concurrency(j: Judged, wl: Workload) -> Obj:
    mf = j.advice.model_fit
    room = mf.available_gb - mf.weights_gb - mf.overhead_gb
    return Obj(hardware=j.cand.label, runtime=j.rec.runtime, room_gb=round(room, 2),
               basis=(f"{mf.available_gb:.1f} GiB usable - {mf.weights_gb:.1f} GiB weights - {mf.overhead_gb:.1f} GiB "
                      f"{j.rec.name} overhead = {room:.1f} GiB for the KV cache; q8: an 8-bit KV cache "
                      "(llama.cpp --cache-type-k/v q8_0, vLLM --kv-cache-dtype fp8)"),
               rows=concurrency_rows(mf, wl))


# ---- this machine ---------------------------------------------------------------------------------


def _this_candidate(profile, catalog) -> tuple[Candidate, list[list[Candidate]]]:
    """This machine as a candidate, and the families of its own upgrades (more of what it has)."""
    hw = view(profile, catalog)
    if hw.accel == "apple":
        mem = hw.system_gb or 0.0
        chip = catalog.find_apple(_family(hw.apple_chip))
        cand = Candidate("apple", f"{hw.label}, {mem:g} GB", [], {}, float(mem),
                         chip.year if chip else None, "apple", memory_gb=mem)
        ups = []
        if chip:
            ups = [[c for c in fam if c.accel_gb > mem] for fam in _apple_families(catalog, None)
                   if fam[0].family == chip.name]
        return cand, [u for u in ups if u]
    if hw.gpus:
        g = hw.gpus[0]
        n = len(hw.gpus) // max(1, hw.nodes)
        total = sum(x.vram_gb or 0 for x in hw.gpus)
        label = hw.label + (f" x {hw.nodes} nodes" if hw.nodes > 1 else "")
        cand = Candidate("gpu", label, [], {}, total, g.spec.year if g.spec else None,
                         g.cls, gpu=g.name, gpus=n, nodes=hw.nodes)
        ups = []
        if g.spec is not None:
            fam = [c for f in _gpu_families(catalog, None) for c in f if c.gpu == g.spec.name
                   and (c.nodes, c.gpus) > (hw.nodes, n)]
            ups = [fam] if fam else []
        return cand, ups
    mem = hw.system_gb or 0.0
    cand = Candidate("cpu", f"CPU only, {mem:g} GB RAM", [], {}, float(mem), None, "cpu", memory_gb=mem)
    return cand, [[c for c in _cpu_family(None) if c.accel_gb > mem]]


def _family(chip: str | None) -> str:
    from pickrt.engine.hardware import _chip_family

    return _chip_family(chip or "")


def this_machine(profile, wl: Workload, catalog: Catalog, options: list[Judged], *, advise_fn: Callable,
                 min_tps: float | None = None, budget: str | None = None) -> Obj:
    cand, upgrade_fams = _this_candidate(profile, catalog)
    adv = advise_fn(profile, wl, catalog)
    j = _verdict(cand, adv, min_tps)
    lacks: list[str] = []
    fmt = [w for w in adv.warnings if w.startswith("No runtime can serve")]
    if fmt:
        lacks.append("format: " + fmt[0])
    rec, mf = adv.recommendation, adv.model_fit
    if rec is None and mf is None and not fmt:
        first = adv.rejected[0] if adv.rejected else None
        lacks.append("a runtime: no runtime in the catalog runs here"
                     + (f" ({first.name}: {first.reasons[0]})" if first is not None and first.reasons else ""))
    if mf is not None and not mf.fits:
        off = ": it runs only by offloading layers to system RAM, several times slower" if mf.offload else ""
        lacks.append(f"memory: {wl.model.label} needs {mf.required_gb:.1f} GiB ({mf.quant}); "
                     f"{mf.available_gb:.1f} GiB usable{off}")
    elif mf is None and rec is not None:
        lacks.append("memory: unknown for this profile (give --memory / --vram)")
    if mf is not None and mf.fits and rec is not None and min_tps is not None and not j.serves:
        lacks.append(f"bandwidth: {j.why_not}")
    upgrade = None
    if not j.serves:
        floor = _floor_gb(wl)
        for fam in upgrade_fams:
            u = _family_first(fam, floor, wl, catalog, advise_fn, min_tps)
            if u is not None:
                what = {"gpu": "more GPUs", "apple": "more unified memory", "cpu": "more RAM"}[u.cand.kind]
                upgrade = _upgrade(u, f"{what}: {u.cand.label}")
                break
        if upgrade is None:
            bigger = [o for o in options if o.cand.accel_gb >= cand.accel_gb] or options
            if bigger:
                upgrade = _upgrade(bigger[0], f"the smallest option that serves it: {bigger[0].cand.label}")
    concurrency = _concurrency(j, wl) if j.serves else None
    return Obj(hardware=cand.label, serves=j.serves, runtime=rec.runtime if rec else None,
               deployment=_deployment(rec), model_fit=mf,
               speed=rec.speed if rec else None, lacks=lacks, upgrade=upgrade, concurrency=concurrency)


def _upgrade(j: Judged, change: str) -> Obj:
    return Obj(hardware=j.cand.hardware(), runtime=j.rec.runtime, change=change, model_fit=j.advice.model_fit,
               speed=j.rec.speed)


__all__ = ["BUDGETS", "DEFAULT_LIMIT", "ORDER", "concurrency_rows", "plan", "this_machine"]
