"""Load a hardware profile file (``--hardware FILE``): YAML or JSON, as ``detect --json`` prints."""

from __future__ import annotations

from pathlib import Path

from pickrt.errors import InputError
from pickrt.profile import Profile


def load_profile(path: str) -> Profile:
    from pydantic import ValidationError

    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"--hardware: {path}: no such file") from None
    except OSError as e:
        raise InputError(f"--hardware: {path}: cannot read ({e.strerror})") from None
    import yaml

    try:
        data = yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.MarkedYAMLError as e:
        line = e.problem_mark.line + 1 if e.problem_mark else 1
        raise InputError(f"{path}:{line}: not valid YAML/JSON: {e.problem}") from None
    except yaml.YAMLError as e:
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
