"""JSON renderer: exactly the document of cli.md.

The advice models are plain data; walking their declared fields and handing the result to the
standard ``json`` module avoids building pydantic serializers on every run (start-up time). A test
checks the output against the shipped schema and against ``model_dump_json``.
"""

import json
from typing import Any, Optional

from pickrt.catalog.plain import Obj


_SCALARS = (str, int, float, bool, type(None))


def to_data(obj: Any) -> Any:
    t = type(obj)
    if t in _SCALARS:
        return obj
    if isinstance(obj, Obj):
        return {k: to_data(v) for k, v in obj.__dict__.items()}
    fields = getattr(t, "__pydantic_fields__", None)
    if fields is not None:
        return {name: to_data(getattr(obj, name)) for name in fields}
    if t is list or isinstance(obj, tuple):
        return [x if type(x) in _SCALARS else to_data(x) for x in obj]
    if isinstance(obj, dict):
        return {str(k): to_data(v) for k, v in obj.items()}
    if isinstance(obj, (set, frozenset)):
        return sorted(to_data(x) for x in obj)
    return obj


def dumps(advice: Any, indent: Optional[int] = 2) -> str:
    return json.dumps(to_data(advice), indent=indent, ensure_ascii=False)


__all__ = ["dumps", "to_data"]
