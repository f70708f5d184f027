"""Load a hardware profile file (``--hardware FILE``): YAML or JSON, as ``detect --json`` prints."""

from __future__ import annotations

from pathlib import Path

from pickrt.errors import InputError
from pickrt.profile import Profile


def load_profile(path: str) -> Profile:
    from pydantic import ValidationError

    from pickrt.bounds import MAX_DEPTH, BoundError, depth
    from pickrt.probes.files import PROFILE_LIMIT, FileRejected, read_regular, reason

    p = Path(path)
    if not str(path).strip():
        raise InputError("--hardware needs a file name, not an empty string")
    try:
        raw = read_regular(p, PROFILE_LIMIT)
    except (OSError, FileRejected) as e:
        raise InputError(f"--hardware: {path}: {reason(e)} (a profile is a YAML or JSON file of at most "
                         f"{PROFILE_LIMIT // 1024} KiB, as printed by `pickrt detect --json`)") from None
    import yaml

    try:
        data = yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        depth(data, MAX_DEPTH)
    except yaml.MarkedYAMLError as e:
        line = e.problem_mark.line + 1 if e.problem_mark else 1
        raise InputError(f"{path}:{line}: not valid YAML/JSON: {e.problem}") from None
    except yaml.YAMLError as e:
        raise InputError(f"{path}:1: not valid YAML/JSON: {str(e).splitlines()[0] if str(e) else e}") from None
    except RecursionError:
        raise InputError(f"{path}:1: not a profile: nested deeper than {MAX_DEPTH} levels") from None
    except BoundError as e:
        raise InputError(f"{path}:1: not a profile: {e}") from None
    except (ValueError, TypeError, OverflowError) as e:  # libyaml's odd scalars (dates out of range...)
        raise InputError(f"{path}:1: not valid YAML/JSON: {e}") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}:1: a profile is a mapping (the output of `pickrt detect --json`)")
    try:
        prof = Profile.model_validate(data)
    except ValidationError as e:
        from pickrt.catalog.loader import _format_error

        raise InputError(_format_error(p, raw, e.errors()[0])) from None
    prof.simulated = True
    return prof


__all__ = ["load_profile"]
