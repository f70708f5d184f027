"""``pickrt --json --batch FILE``: one advice per JSON line of {hardware, workload}."""

from __future__ import annotations

import json
import sys

from pickrt.errors import EXIT_OK, InputError


def run_batch(path: str, catalog) -> int:
    from pydantic import ValidationError

    from pickrt.engine.advise import advise
    from pickrt.engine.hardware import whatif_profile
    from pickrt.engine.workload import build_workload
    from pickrt.render.json_out import dumps
    from pickrt.profile import Profile

    try:
        fh = sys.stdin if path == "-" else open(path, encoding="utf-8")
    except OSError as e:
        raise InputError(f"--batch: {path}: cannot read ({e.strerror})") from None
    items = []
    with fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                hw = obj.get("hardware") or {}
                wk = obj.get("workload") or {}
                if not isinstance(hw, dict) or not isinstance(wk, dict):
                    raise ValueError("hardware and workload must be objects")
                if "gpus" in hw and isinstance(hw["gpus"], list) or "probes" in hw or "apple" in hw and isinstance(hw.get("apple"), dict):
                    prof = Profile.model_validate(hw)
                else:
                    prof = whatif_profile(catalog, **{k.replace("-", "_"): v for k, v in hw.items()})
                wl = build_workload(catalog, **{k.replace("-", "_"): v for k, v in wk.items()})
            except (ValueError, TypeError, ValidationError) as e:
                raise InputError(f"{path}:{n}: {str(e).splitlines()[0]}") from None
            except InputError as e:
                raise InputError(f"{path}:{n}: {e}") from None
            items.append((prof, wl))
    out = sys.stdout
    for prof, wl in items:
        out.write(dumps(advise(prof, wl, catalog), indent=None) + "\n")
    return EXIT_OK


__all__ = ["run_batch"]
