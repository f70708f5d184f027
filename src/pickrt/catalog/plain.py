"""Plain, pickle-friendly copies of validated catalog entries.

The catalog is validated by pydantic once (when a file changes); the cached copy the engine reads
on every run is made of these small objects, so a cache hit needs neither YAML nor pydantic's
model classes: that keeps `pickrt --json` start-up close to Python's own.
"""

from typing import Any, Optional


class Obj:
    """Attribute access over a dict of already-validated fields (``None`` where unset)."""

    __slots__ = ("__dict__",)

    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)

    def model_copy(self, update: Optional[dict] = None, deep: bool = False) -> "Obj":
        o = Obj(**self.__dict__)
        if update:
            o.__dict__.update(update)
        return o

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Obj) and other.__dict__ == self.__dict__

    def __repr__(self) -> str:
        name = self.__dict__.get("slug") or self.__dict__.get("id") or self.__dict__.get("name")
        return f"Obj({name!r})" if name else f"Obj({', '.join(self.__dict__)})"


def freeze(value: Any) -> Any:
    """A validated pydantic model (recursively) as :class:`Obj`; containers copied."""
    fields = getattr(type(value), "__pydantic_fields__", None)
    if fields is not None:
        return Obj(**{name: freeze(getattr(value, name)) for name in fields})
    if isinstance(value, list):
        return [freeze(v) for v in value]
    if isinstance(value, dict):
        return {k: freeze(v) for k, v in value.items()}
    return value


def thaw(value: Any, aliases: Optional[dict[str, str]] = None, drop_none: bool = True) -> Any:
    """JSON-ready data of an :class:`Obj` tree (for `pickrt knowledge show --json`)."""
    if isinstance(value, Obj):
        out = {}
        for k, v in value.__dict__.items():
            if drop_none and v is None:
                continue
            out[(aliases or {}).get(k, k)] = thaw(v, aliases, drop_none)
        return out
    if isinstance(value, list):
        return [thaw(v, aliases, drop_none) for v in value]
    if isinstance(value, dict):
        return {k: thaw(v, aliases, drop_none) for k, v in value.items()}
    return value


__all__ = ["Obj", "freeze", "thaw"]
