"""``pickrt --json --batch FILE``: one advice per JSON line of {hardware, workload}.

Each line is validated, advised and rendered completely before anything of it is printed, so a
line of output is always whole. A bad line prints ``{"line": N, "error": "..."}`` in its place (in
input order) and the run goes on; after the last line, when any line was bad, one line on stderr
names the first bad line and the exit code is 2. A file that cannot be read at all (missing, not
a regular file, too large) is bad input before anything is printed.
"""

from __future__ import annotations

import json
import sys
from typing import Any, Iterator

from pickrt.errors import EXIT_OK, InputError

HARDWARE_KEYS = ("gpu", "gpus", "vram", "apple", "memory", "os", "cpu_only", "nodes", "interconnect")
WORKLOAD_KEYS = ("traffic", "users", "quant", "model", "context", "goal", "needs", "runtime")
PROFILE_KEYS = ("gpus", "probes", "apple", "cpu", "cluster", "memory_gb", "arch")


class LineError(ValueError):
    """A bad batch line: the message says what and what is allowed."""


def _kind(v: Any) -> str:
    return {type(None): "null", bool: "true/false", int: "a number", float: "a number", str: "a string",
            list: "a list", dict: "an object"}.get(type(v), type(v).__name__)


def _lines(path: str) -> Iterator[tuple[int, bytes]]:
    from pickrt.probes.files import BATCH_LINE_LIMIT, BATCH_LIMIT, FileRejected, open_regular, reason, size_text

    if path == "-":
        fh = sys.stdin.buffer
    else:
        try:
            fd = open_regular(path)
        except (OSError, FileRejected) as e:
            raise InputError(f"--batch: {path}: {reason(e)} (a JSON Lines file, or - for stdin)") from None
        import os

        fh = os.fdopen(fd, "rb")
    total = 0
    with fh:
        n = 0
        while True:
            raw = fh.readline(BATCH_LINE_LIMIT + 1)
            if not raw:
                return
            n += 1
            total += len(raw)
            if total > BATCH_LIMIT:
                raise InputError(f"--batch: {path}: larger than the {size_text(BATCH_LIMIT)} allowed (at line {n})")
            if len(raw) > BATCH_LINE_LIMIT and not raw.endswith(b"\n"):
                while raw and not raw.endswith(b"\n"):  # skip the rest of the long line
                    raw = fh.readline(BATCH_LINE_LIMIT + 1)
                    total += len(raw)
                    if total > BATCH_LIMIT:
                        raise InputError(f"--batch: {path}: larger than the {size_text(BATCH_LIMIT)} allowed")
                yield n, b"\x00too-long"
                continue
            yield n, raw


def _decode(raw: bytes) -> Any:
    from pickrt.bounds import MAX_DEPTH, BoundError, depth
    from pickrt.probes.files import BATCH_LINE_LIMIT, size_text

    if raw == b"\x00too-long":
        raise LineError(f"a line longer than {size_text(BATCH_LINE_LIMIT)}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise LineError(f"not UTF-8 (byte {e.start})") from None
    if not text.strip():
        return None
    try:
        obj = json.loads(text)
        depth(obj, MAX_DEPTH)
    except RecursionError:
        raise LineError(f"nested deeper than {MAX_DEPTH} levels") from None
    except BoundError as e:
        raise LineError(str(e)) from None
    except ValueError as e:
        raise LineError(f"not JSON ({str(e).splitlines()[0][:100]})") from None
    return obj


def _keys(what: str, d: dict, allowed: tuple[str, ...]) -> dict:
    from pickrt.bounds import clip

    out = {}
    for k, v in d.items():
        key = k.replace("-", "_") if isinstance(k, str) else k
        if key not in allowed:
            raise LineError(f"{what}: unknown key {clip(k)}; allowed: {', '.join(allowed)}")
        out[key] = v
    return out


def _hardware(hw: Any, catalog) -> Any:
    if not isinstance(hw, dict):
        raise LineError(f'"hardware" is an object, not {_kind(hw)}')
    if any(k in hw for k in PROFILE_KEYS) and not (set(hw) & set(HARDWARE_KEYS) - {"gpus"}) and (
            isinstance(hw.get("gpus"), list) or "gpus" not in hw):
        from pydantic import ValidationError

        from pickrt.profile import Profile

        try:
            prof = Profile.model_validate(hw)
        except ValidationError as e:
            err = e.errors()[0]
            where = ".".join(str(x) for x in err.get("loc", ())) or "hardware"
            raise LineError(f"hardware.{where}: {err.get('msg')}") from None
        prof.simulated = True
        return prof
    from pickrt.engine.hardware import whatif_profile

    return whatif_profile(catalog, **_keys('"hardware"', hw, HARDWARE_KEYS))


def _workload(wk: Any, catalog) -> Any:
    from pickrt import bounds as B
    from pickrt.engine.workload import build_workload

    if not isinstance(wk, dict):
        raise LineError(f'"workload" is an object, not {_kind(wk)}')
    args = _keys('"workload"', wk, WORKLOAD_KEYS)
    try:
        if "users" in args:
            args["users"] = B.whole("users", args["users"], 1, B.MAX_USERS)
        if "context" in args:
            args["context"] = B.whole("context", args["context"], B.MIN_CONTEXT, B.MAX_CONTEXT)
    except B.BoundError as e:
        raise LineError(str(e)) from None
    for k in ("traffic", "quant", "model", "goal", "runtime"):
        v = args.get(k)
        if v is not None and (not isinstance(v, str) or not v.strip() or len(v) > B.MAX_TEXT):
            raise LineError(f"{k} is a non-empty string of at most {B.MAX_TEXT} characters, not {B.clip(v)}")
    needs = args.get("needs")
    if needs is not None and (not isinstance(needs, list) or not all(isinstance(x, str) for x in needs)):
        raise LineError(f"needs is a list of strings (e.g. [\"gui\"]), not {B.clip(needs)}")
    return build_workload(catalog, **args)


def advise_line(obj: Any, catalog) -> str:
    """One batch line (decoded) -> its advice as one line of JSON. Raises LineError / InputError."""
    from pickrt.engine.advise import advise
    from pickrt.render.json_out import dumps

    if obj is None or not isinstance(obj, dict):
        raise LineError(f'a line is an object {{"hardware": {{...}}, "workload": {{...}}}}, not {_kind(obj)}')
    _keys("the line", obj, ("hardware", "workload"))
    prof = _hardware(obj.get("hardware") or {}, catalog)
    wl = _workload(obj.get("workload") or {}, catalog)
    return dumps(advise(prof, wl, catalog), indent=None)


def run_batch(path: str, catalog) -> int:
    from pickrt.render.terminal import clean_line

    out = sys.stdout
    first_bad = None
    bad = 0
    for n, raw in _lines(path):
        try:
            obj = _decode(raw)
            if obj is None and not raw.strip():
                continue
            line = advise_line(obj, catalog)
        except (LineError, InputError) as e:
            msg = str(e)
        except (ValueError, TypeError, ArithmeticError, RecursionError, KeyError, AttributeError) as e:
            msg = f"could not advise: {type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''}"
        else:
            out.write(line + "\n")
            continue
        msg = clean_line(msg)
        bad += 1
        first_bad = first_bad or f"{path}:{n}: {msg}"
        out.write(json.dumps({"line": n, "error": msg}, ensure_ascii=False) + "\n")
    if bad:
        out.flush()
        more = f" (and {bad - 1} more bad line(s))" if bad > 1 else ""
        raise InputError(f"--batch: {first_bad}{more}; each bad line is a {{\"line\", \"error\"}} line in the output")
    return EXIT_OK


__all__ = ["advise_line", "run_batch"]
