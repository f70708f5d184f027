"""The hardware profile as plain records, for detection's hot path.

Same names, fields, field order and defaults as the pydantic models in :mod:`pickrt.profile`
(``tests/test_records.py`` keeps them equal), with the few model methods detection uses
(``model_construct``, ``model_validate``, ``model_copy``, ``model_dump``, ``model_dump_json``).
Detection builds these from its own parsers, so `pickrt detect` and host advice need not import
pydantic; a profile read from a user's file is still validated by :mod:`pickrt.profile`.
"""

import copy as _copy
import json as _json
from typing import Any, Literal, Optional

from pickrt.catalog.plain import Obj
from pickrt.records import FIELDS, record


Vendor = Literal["nvidia", "amd", "intel", "apple", "other"]


class _Record(Obj):
    __slots__ = ()
    _kind = ""

    def __init__(self, **values: Any) -> None:
        Obj.__init__(self, **record(self._kind, **values).__dict__)

    @classmethod
    def model_construct(cls, **values: Any):
        return cls(**values)

    @classmethod
    def model_validate(cls, data: dict):
        return cls(**{k: v for k, v in data.items() if k in FIELDS[cls._kind]})

    def model_copy(self, update: Optional[dict] = None, deep: bool = False):
        o = _copy.deepcopy(self) if deep else _copy.copy(self)
        if update:
            o.__dict__.update(update)
        return o

    def __copy__(self):
        o = type(self).__new__(type(self))
        o.__dict__.update(self.__dict__)
        return o

    def model_dump(self) -> dict:
        from pickrt.render.json_out import to_data

        return to_data(self)

    def model_dump_json(self, indent: Optional[int] = None) -> str:
        return _json.dumps(self.model_dump(), indent=indent, ensure_ascii=False)


def _kind(name: str):
    return type(name, (_Record,), {"__slots__": (), "_kind": name})


MigInstance = _kind("MigInstance")
Mig = _kind("Mig")
GPU = _kind("GPU")
CPU = _kind("CPU")
Apple = _kind("Apple")
ClusterNode = _kind("ClusterNode")
Cluster = _kind("Cluster")
Probe = _kind("Probe")


class Profile(_kind("Profile")):
    __slots__ = ()

    @property
    def effective_memory_gb(self) -> Optional[float]:
        from pickrt.records import effective_memory_gb

        return effective_memory_gb(self)


__all__ = ["Vendor", "Apple", "CPU", "Cluster", "ClusterNode", "GPU", "Mig", "MigInstance", "Probe", "Profile"]
