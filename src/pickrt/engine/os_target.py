"""``--os``: the OS the commands are written for; the rest of the machine stays as detected or given.

A guide for another OS than the machine's keeps its memory and GPUs. Two cases need an assumption,
said in words: a macOS guide for a machine without an Apple chip assumes an Apple Silicon Mac with
the same memory (as unified memory); a Linux or Windows guide for a Mac keeps the memory but not the
Apple GPU (no other OS drives it).
"""

from __future__ import annotations

from pickrt.records import record
from pickrt.unified import apple_gpu_usable_gb

APPLE_SILICON = "Apple Silicon"


def retarget_os(profile, os_name: str | None) -> tuple[object, list[str]]:
    """(profile for ``os_name``, the assumptions made, as sentences). Pure; never mutates ``profile``.

    Nothing changes when the profile is already for ``os_name``.
    """
    if not os_name or profile.os == os_name:
        return profile, []
    apple = getattr(profile, "apple", None)
    has_chip = bool(apple is not None and apple.chip)
    if os_name == "macos":
        if has_chip or profile.gpus:
            return profile.model_copy(update={"os": "macos"}), []
        mem = profile.memory_gb
        new = profile.model_copy(
            update={
                "os": "macos",
                "arch": "arm64",
                "gpus": [],
                "cluster": None,
                "apple": record("Apple", chip=APPLE_SILICON, memory_gb=mem, gpu_usable_gb=apple_gpu_usable_gb(mem)),
            }
        )
        said = (
            f"with {round(mem):g} GiB of unified memory (this machine's memory)"
            if mem
            else "of unknown memory (give `--memory GB`)"
        )
        return new, [
            f"No Apple chip given: this macOS guide assumes an Apple Silicon Mac {said}; "
            '`--apple CHIP` (e.g. "M3 Max") names yours.'
        ]
    update: dict = {"os": os_name}
    notes: list[str] = []
    if apple is not None and apple.chip:
        update.update(apple=None, gpus=[g for g in profile.gpus if getattr(g, "vendor", None) != "apple"])
        notes.append(
            f"The machine is a Mac ({apple.chip}): a {'Linux' if os_name == 'linux' else 'Windows'} guide "
            "for it cannot use the Apple GPU, so it assumes the CPU only."
        )
    return profile.model_copy(update=update), notes


__all__ = ["APPLE_SILICON", "retarget_os"]
