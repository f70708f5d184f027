"""``pickrt bench``: measure a running OpenAI-compatible server on loopback, beside pickrt's estimate.

The workload is fixed so that runs compare: a prompt of ``PROMPT_WORDS`` words (its token count is
the server's, from ``usage`` or llama-server's ``timings``), ``tokens`` generated tokens, one warm-up,
``repeat`` single streams, then ``concurrency`` streams at once (threads). Each run's prompt starts
differently so that no prompt cache turns prefill into a lookup. Figures come from the server's own
timings when it sends them (llama-server), else from the usage counts and this side's clock, else
from counting streamed chunks; the report says which.

HTTP is ``probes/openai_http`` (loopback only); finding a server is doctor's port probing.
"""

from __future__ import annotations

import os
import statistics
import threading
from datetime import datetime, timezone
from typing import Any

from pickrt.errors import InputError
from pickrt.probes.openai_http import Base, HttpError, NotLoopback, Stream, get_json, parse_base, stream_completion

PROMPT_WORDS = 240
MAX_TPS = 1e7  # tokens/s beyond this are a server's nonsense, not a measurement
_WORDS = ("the river carries small stones past the old mill while farmers count sheep near quiet hills and "
          "children read about distant stars under a lamp").split()
CHAT = "/v1/chat/completions"
COMPLETIONS = "/v1/completions"


class NothingAnswers(Exception):
    pass


_NONCE = int.from_bytes(os.urandom(3), "big")


def prompt(run: int, n_words: int = PROMPT_WORDS) -> str:
    """The fixed prompt; its first word differs per run (and per invocation) so no prompt cache serves it."""
    words = [_WORDS[(i * 7 + run) % len(_WORDS)] for i in range(n_words)]
    return f"{_NONCE + run * 7919:x}. Continue this text: " + " ".join(words)


# ---- finding the server -------------------------------------------------------------------------


def find_server(catalog, runtime: str | None, timeout: float = 0.7) -> tuple[Base, str | None, list[str], str]:
    """(base, runtime slug, served model ids, how it was found) of a running server, as doctor sees it."""
    from pickrt.doctor import running as R

    probes = R.probe_ports(R.probe_keys(catalog), timeout)
    states, _ = R.attribute(catalog, probes, set(), timeout)
    rows = [(slug, st) for slug, st in states.items()
            if st.running and st.endpoint and catalog.runtimes[slug].api.openai_compatible is not False]
    if runtime:
        rows = [(s, st) for s, st in rows if s == runtime]
        if not rows:
            rt = catalog.runtimes[runtime]
            port = rt.api.default_port
            raise NothingAnswers(f"{rt.name} is not running on this machine (nothing of its kind answers on "
                                 f"127.0.0.1:{port}); start it, or give --endpoint URL")
    if not rows:
        raise NothingAnswers("no running OpenAI-compatible server found on this machine's loopback ports "
                             "(see `pickrt doctor`); start one, or give --endpoint URL")
    slug, st = rows[0]
    how = "--runtime" if runtime else f"found running on its port ({len(rows)} running)"
    return parse_base(st.endpoint), slug, list(st.models), how


def _owner(catalog, base: Base, timeout: float = 0.7) -> str | None:
    """The runtime doctor sees on ``base``'s port, if one."""
    try:
        from pickrt.doctor import running as R

        probes = R.probe_ports(R.probe_keys(catalog), timeout)
        states, _ = R.attribute(catalog, probes, set(), timeout)
    except Exception:  # advisory only
        return None
    for slug, st in states.items():
        if st.running and st.endpoint:
            try:
                if parse_base(st.endpoint).port == base.port:
                    return slug
            except NotLoopback:
                continue
    return None


# ---- measuring ----------------------------------------------------------------------------------


def _request(base: Base, api: str, model: str, run: int, tokens: int, timeout: float,
             words: int = PROMPT_WORDS) -> Stream:
    body: dict[str, Any] = {"model": model, "max_tokens": tokens, "temperature": 0,
                            "stream_options": {"include_usage": True}, "ignore_eos": True}
    if api == CHAT:
        body["messages"] = [{"role": "user", "content": prompt(run, words)}]
    else:
        body["prompt"] = prompt(run, words)
    try:
        return stream_completion(base, api, body, timeout)
    except HttpError as e:
        if ("HTTP 400" in str(e) or "HTTP 422" in str(e)) and not _too_long(e):
            body.pop("ignore_eos", None)
            body.pop("stream_options", None)
            return stream_completion(base, api, body, timeout)
        raise


def _too_long(e: Exception) -> bool:
    s = str(e).lower()
    return "context" in s and any(w in s for w in ("exceed", "too long", "maximum", "longer than"))


def _cut_by_context(st: Stream, tokens: int) -> bool:
    t = st.timings or {}
    n = t.get("predicted_n") or (st.usage or {}).get("completion_tokens") or st.chunks
    return bool(n) and n < tokens


def _warm_up(base: Base, model: str, tokens: int, timeout: float) -> tuple[str, int, list[str]]:
    """The API that streams, and the prompt length (words) the server's context takes with ``tokens``."""
    notes: list[str] = []
    last: HttpError | None = None
    for api in (CHAT, COMPLETIONS):
        words = PROMPT_WORDS
        while True:
            try:
                st = _request(base, api, model, 0, tokens, timeout, words)
                got = _tokens(st)[0] or 0
                if got < tokens and st.finish_reason == "length" and words > 8 and _cut_by_context(st, tokens):
                    words //= 2  # the context ended the generation: leave it room
                    continue
                if api != CHAT:
                    notes.append(f"{CHAT} failed ({last}); measured with {COMPLETIONS}")
                if words != PROMPT_WORDS:
                    notes.append(f"the server's context is short: the prompt was cut to {words} words")
                return api, words, notes
            except HttpError as e:
                last = e
                if _too_long(e) and words > 8:
                    words //= 2
                    continue
                break
    raise NothingAnswers(f"{base.url} does not serve streamed completions: {last}")


def _tokens(st: Stream) -> tuple[int | None, str]:
    t = st.timings or {}
    if isinstance(t.get("predicted_n"), (int, float)) and t["predicted_n"] > 0:
        return int(t["predicted_n"]), "server timings"
    u = st.usage or {}
    if isinstance(u.get("completion_tokens"), (int, float)) and u["completion_tokens"] > 0:
        return int(u["completion_tokens"]), "usage"
    return (st.chunks or None), "streamed chunks"


def _prompt_tokens(st: Stream) -> int | None:
    t, u = st.timings or {}, st.usage or {}
    for v in (t.get("prompt_n"), u.get("prompt_tokens")):
        if isinstance(v, (int, float)) and v > 0:
            return int(v)
    return None


def single_figures(st: Stream) -> dict:
    """ttft, prefill, decode and end-to-end tokens/s of one stream."""
    n, counted = _tokens(st)
    out: dict[str, Any] = {"tokens": n, "counted_by": counted, "prompt_tokens": _prompt_tokens(st),
                           "ttft_s": None, "prefill_tps": None, "decode_tps": None, "single_stream_tps": None}
    if st.t_first is not None:
        out["ttft_s"] = st.t_first - st.t_start
    t = st.timings or {}
    if t.get("predicted_per_second"):
        out["decode_tps"] = float(t["predicted_per_second"])
    elif n and n >= 2 and st.t_first is not None and st.t_end and st.t_end > st.t_first:
        out["decode_tps"] = (n - 1) / (st.t_end - st.t_first)
    if t.get("prompt_per_second") and (t.get("prompt_n") or 0) > 1:
        out["prefill_tps"] = float(t["prompt_per_second"])
    elif out["prompt_tokens"] and out["ttft_s"]:
        out["prefill_tps"] = out["prompt_tokens"] / out["ttft_s"]
    if n and st.t_end and st.t_end > st.t_start:
        out["single_stream_tps"] = n / (st.t_end - st.t_start)
    for k in ("prefill_tps", "decode_tps", "single_stream_tps"):  # a server's numbers, bounded
        if out[k] is not None and not 0 < out[k] < MAX_TPS:
            out[k] = None
    return out


def _concurrent(base: Base, api: str, model: str, first_run: int, n: int, tokens: int, timeout: float,
                words: int) -> tuple[float | None, int, list[str]]:
    """``n`` streams started together: generated tokens per second while they decode together."""
    results: list[Stream | None] = [None] * n
    errors: list[str] = []

    def one(i: int) -> None:
        try:
            results[i] = _request(base, api, model, first_run + i, tokens, timeout, words)
        except HttpError as e:
            errors.append(str(e))

    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout + 5)
    done = [s for s in results if s is not None and s.t_end is not None]
    if not done:
        return None, 0, errors
    total = sum((_tokens(s)[0] or 0) for s in done)
    # The window in which they decode together: from the first stream's first token (or, with
    # llama-server's timings, the start of its decode as the server timed it) to the last stream's end.
    # Prefill and this side's thread start-up stay out of it, as they do for the single-stream decode rate.
    starts = []
    for s in done:
        ms = (s.timings or {}).get("predicted_ms")
        starts.append(s.t_end - ms / 1000 if ms and ms > 0 else (s.t_first if s.t_first is not None else s.t_start))
    wall = max(s.t_end for s in done) - min(starts)
    return (total / wall if wall > 0 and total else None), len(done), errors


def _median(xs: list) -> float | None:
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def measure(base: Base, model: str, *, repeat: int = 3, tokens: int = 64, concurrency: int = 4,
            timeout: float = 60.0) -> tuple[dict, list[str]]:
    api, words, notes = _warm_up(base, model, tokens, timeout)  # also loads the model
    try:
        singles = [single_figures(_request(base, api, model, r, tokens, timeout, words)) for r in range(1, repeat + 1)]
    except HttpError as e:
        raise NothingAnswers(f"{base.url} stopped answering: {e}") from None
    aggregates, errors, completed = [], [], []
    for rnd in range(min(5, repeat)):  # the concurrent run, up to 5 times: its median
        agg, done, errs = _concurrent(base, api, model, 100 + 10 * rnd, concurrency, tokens, timeout, words)
        errors += errs
        completed.append(done)
        if agg is not None:
            aggregates.append(agg)
    aggregate = _median(aggregates)
    if errors:
        notes.append(f"{len(errors)} concurrent streams failed: {errors[0][:160]}")
    counted = {s["counted_by"] for s in singles}
    short = [s["tokens"] for s in singles if s["tokens"] is not None and s["tokens"] < tokens]
    if short:
        notes.append(f"the server stopped early ({min(short)} of {tokens} tokens): decode figures rest on fewer tokens")
    m = {
        "api": api,
        "prompt_words": words,
        "prompt_tokens": _median([s["prompt_tokens"] for s in singles]),
        "ttft_s": _median([s["ttft_s"] for s in singles]),
        "prefill_tps": _median([s["prefill_tps"] for s in singles]),
        "decode_tps": _median([s["decode_tps"] for s in singles]),
        "single_stream_tps": _median([s["single_stream_tps"] for s in singles]),
        "aggregate_tps": aggregate,
        "concurrency": concurrency,
        "streams_completed": min(completed) if completed else 0,
        "counted_by": " / ".join(sorted(counted)),
    }
    for k in ("ttft_s", "prefill_tps", "decode_tps", "single_stream_tps", "aggregate_tps"):
        if m[k] is not None:
            m[k] = round(m[k], 4 if k == "ttft_s" else 1)
    if m["decode_tps"] is None:
        raise NothingAnswers(f"{base.url} answered, but streamed no tokens pickrt could time (model {model!r})")
    if m["prefill_tps"] is None:
        notes.append("prefill tokens/s unknown: the server reported no prompt token count")
    return m, notes


# ---- estimate, the whole run, saving ---------------------------------------------------------------


def _estimate(catalog, profile, model: str | None, runtime: str | None, prompt_tokens, tokens: int,
              concurrency: int) -> tuple[dict | None, str | None]:
    if not model:
        return None, "no model pickrt knows: give --model NAME (or a .gguf file) to compare with an estimate"
    from pickrt.engine.advise import advise
    from pickrt.engine.workload import build_workload

    ctx = max(256, int((prompt_tokens or 300) + tokens))
    try:
        wl = build_workload(catalog, model=model, runtime=runtime, context=ctx)
    except InputError as e:
        return None, str(e)
    adv = advise(profile, wl, catalog)
    rec = adv.recommendation
    if rec is None:
        why = adv.warnings[0] if adv.warnings else "no runtime can serve it here"
        return None, f"pickrt has no estimate here: {why}"
    sp = rec.speed
    est = {"runtime": rec.runtime, "model": wl.model.label, "context": ctx,
           "decode_tps": list(sp.decode_tps) if sp is not None and sp.decode_tps else None,
           "prefill_tps": list(sp.prefill_tps) if sp is not None and sp.prefill_tps else None,
           "aggregate_tps": None, "basis": sp.basis if sp is not None else "no speed estimate"}
    if concurrency > 1:
        wl_c = build_workload(catalog, model=model, runtime=runtime, context=ctx, users=concurrency)
        rc = advise(profile, wl_c, catalog).recommendation
        agg = getattr(rc.speed, "aggregate_tps", None) if rc is not None and rc.speed is not None else None
        if isinstance(agg, (int, float)):
            agg = [agg, agg]
        est["aggregate_tps"] = list(agg) if agg else None
    return est, None


def _ratio(measured: float | None, est: list | None) -> float | None:
    if measured is None or not est:
        return None
    mid = (est[0] + est[1]) / 2
    return round(measured / mid, 2) if mid > 0 else None


def run(catalog, *, endpoint: str | None = None, runtime: str | None = None, model: str | None = None,
        served_model: str | None = None, concurrency: int = 4, repeat: int = 3, tokens: int = 64,
        timeout: float = 60.0, profile=None) -> dict:
    if endpoint:
        try:
            base = parse_base(endpoint)
        except NotLoopback as e:
            raise InputError(f"--endpoint {e}") from None
        slug, how, ids = runtime, "--runtime" if runtime else None, []
        if slug is None:
            slug = _owner(catalog, base)
            how = "doctor sees it on that port" if slug else None
    else:
        base, slug, ids, how = find_server(catalog, runtime)
    if served_model is None:
        try:
            listing = get_json(base, "/v1/models", timeout=min(timeout, 5.0))
            data = listing.get("data") if isinstance(listing, dict) else None
            if isinstance(data, list):
                ids = [str(m.get("id"))[:200] for m in data if isinstance(m, dict) and m.get("id")]
        except HttpError as e:
            if not ids:
                raise NothingAnswers(f"nothing answers at {base.url}: {e}") from None
        if not ids:
            raise NothingAnswers(f"{base.url} lists no model on /v1/models; give --served-model ID")
        served_model = ids[0]
    measured, notes = measure(base, served_model, repeat=repeat, tokens=tokens, concurrency=concurrency,
                              timeout=timeout)

    from pickrt.engine.hardware import view
    from pickrt.engine.measured import hardware_key

    if profile is None:
        from pickrt.detect import detect_host

        profile = detect_host()
    hw = view(profile, catalog)
    est_model = model
    if est_model is None:
        from pickrt.engine.workload import resolve_model

        try:
            est_model = resolve_model(catalog, served_model).label
        except InputError:
            est_model = None
    est, why = _estimate(catalog, profile, est_model, slug, measured["prompt_tokens"], tokens, concurrency)
    if why:
        notes.append(why)
    if slug is None:
        notes.append("which runtime serves this endpoint is unknown (give --runtime SLUG); the estimate is for "
                     "pickrt's own pick")
    ratio = {"decode": _ratio(measured["decode_tps"], est and est["decode_tps"]),
             "prefill": _ratio(measured["prefill_tps"], est and est["prefill_tps"]),
             "aggregate": _ratio(measured["aggregate_tps"], est and est["aggregate_tps"])}
    return {
        "schema_version": 1,
        "when": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "endpoint": base.url,
        "runtime": slug,
        "runtime_found_by": how,
        "served_model": served_model,
        "model": est["model"] if est else est_model,
        "hardware": hardware_key(hw),
        "workload": {"prompt_words": measured["prompt_words"], "max_tokens": tokens, "repeat": repeat,
                     "concurrency": concurrency},
        "measured": measured,
        "estimate": est,
        "ratio": ratio,
        "notes": notes,
    }


def save(report: dict):
    from pickrt import measured_store
    from pickrt.engine.measured import key, model_key

    runtime = report.get("runtime") or (report.get("estimate") or {}).get("runtime")
    model = model_key(report.get("model") or report.get("served_model"))
    if not runtime or not model:
        raise InputError("--save needs to know the runtime and the model: give --runtime SLUG and --model NAME")
    m = report["measured"]
    keep = ("decode_tps", "prefill_tps", "ttft_s", "single_stream_tps", "aggregate_tps", "concurrency")
    entry = {k: m.get(k) for k in keep}
    entry.update(when=report["when"], runtime=runtime, hardware=report["hardware"], model=model,
                 endpoint=report["endpoint"])
    return measured_store.save(key(runtime, report["hardware"], model), entry)


def render_text(r: dict) -> str:
    m, e, ratio = r["measured"], r.get("estimate") or {}, r["ratio"]

    def f(v, unit="", nd=1):
        return "unknown" if v is None else f"{v:.{nd}f}{unit}"

    def rng(v):
        return "-" if not v else f"{v[0]:g}-{v[1]:g}"

    def rt(v):
        return "" if v is None else f"  (x{v:g} the estimate)"

    out = [f"pickrt bench: {r['endpoint']} ({r['runtime'] or 'runtime unknown'}), model {r['served_model']}",
           f"  hardware: {r['hardware']}; {m['prompt_words']}-word prompt "
           f"({f(m['prompt_tokens'], ' tokens', 0)}), {r['workload']['max_tokens']} tokens generated, "
           f"{r['workload']['repeat']} runs + {m['concurrency']} at once; counted by {m['counted_by']}",
           "",
           f"  {'':24}{'measured':>12}  {'pickrt estimate':>16}",
           f"  {'time to first token':24}{f(m['ttft_s'], ' s', 3):>12}",
           f"  {'prefill tokens/s':24}{f(m['prefill_tps']):>12}  {rng(e.get('prefill_tps')):>16}{rt(ratio['prefill'])}",
           f"  {'decode tokens/s':24}{f(m['decode_tps']):>12}  {rng(e.get('decode_tps')):>16}{rt(ratio['decode'])}",
           f"  {'one stream, end to end':24}{f(m['single_stream_tps']):>12}",
           f"  {'aggregate, ' + str(m['concurrency']) + ' streams':24}{f(m['aggregate_tps']):>12}  "
           f"{rng(e.get('aggregate_tps')):>16}{rt(ratio['aggregate'])}"]
    if e:
        out.append(f"  estimate: {e['runtime']}, {e['model']}, {e['context']} tokens: {e['basis']}")
    for n in r.get("notes", []):
        out.append(f"  ! {n}")
    if r.get("saved"):
        out.append(f"  saved to {r['saved']}: estimates on this machine for {r['runtime']} and this model now use it")
    return "\n".join(out) + "\n"


__all__ = ["NothingAnswers", "find_server", "measure", "render_text", "run", "save", "single_figures"]
