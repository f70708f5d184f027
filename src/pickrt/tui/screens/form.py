"""What the form screens (hardware, workload) share: typing is never lost to a key binding.

A person who types a name on a form expects it in a field. The form screens focus their first
text field; when focus sits elsewhere (a button, a radio list, the needs list), a typed letter
goes to the screen's text field (``TYPE_TARGET``, or the picker whose list has focus) instead of
reaching a binding. Space, Enter, arrows and Tab keep their usual meaning. Escape comes back to the
field the person left (Textual restores a screen's focus when it is shown again).
"""

from __future__ import annotations

from textual import events
from textual.screen import Screen
from textual.widgets import Input, Static

from pickrt.tui.widgets.picker import Picker, PickerInput

HINT = "Enter/→ takes the grey suggestion · ↓ matches · Tab next field · Esc back"


def hint_line(id: str) -> Static:
    return Static(HINT, id=id, classes="hint")


class FormScreen(Screen):
    TYPE_TARGET = ""  # CSS selector of the Input that takes letters typed elsewhere on the screen

    def show_suggestion(self, suggestion: str) -> None:
        """The hint line names the suggestion on show, so a person knows what Enter will do."""
        for hint in self.query(".hint"):
            if isinstance(hint, Static):
                hint.update(f"Enter or → takes “{suggestion}” · ↓ matches · Tab next field" if suggestion else HINT)

    def first_field(self) -> Input | None:
        if not self.TYPE_TARGET:
            return None
        try:
            return self.query_one(self.TYPE_TARGET, Input)
        except Exception:  # not mounted yet
            return None

    def focus_first_field(self) -> None:
        inp = self.first_field()
        if inp is not None and not inp.disabled:
            inp.focus()

    def _target_for(self, focused) -> Input | None:
        node = focused
        while node is not None and node is not self:
            if isinstance(node, Picker):
                return node.input
            node = node.parent
        return self.first_field()

    def on_key(self, event: events.Key) -> None:
        """A printable key that no focused widget took: type it into a field, never a binding."""
        ch = event.character
        if not ch or not event.is_printable or ch == " ":
            return
        focused = self.app.focused
        if isinstance(focused, Input):
            return
        event.stop()
        event.prevent_default()
        target = self._target_for(focused)
        if target is None or target.disabled:
            return  # e.g. while the hardware is being detected: the key is dropped, not a command
        # From the picker's own list: add to its text; from elsewhere: like a field whose text is
        # selected on focus, typing starts a new value.
        replace = not (focused is not None and target.parent is not None and focused.parent is target.parent)
        if isinstance(target, PickerInput):
            target.type_ahead(ch, replace)
        else:
            self.app.set_focus(target)
            target.value = ch if replace else target.value + ch
            target.cursor_position = len(target.value)


__all__ = ["FormScreen", "HINT", "hint_line"]
