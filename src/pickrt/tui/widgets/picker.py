"""A text field that filters a list of known names as you type, and still accepts anything.

Typing narrows the list below the field (every word must appear) and shows the first name that
starts with the text as grey ghost text. Enter (or Right) accepts that ghost text and stays in the
field; Down moves into the list and Enter there takes the highlighted name; Escape or Up at the top
returns to the field. Enter with no ghost text submits the field as typed (``Input.Submitted``
bubbles to the screen, which moves on), so a size like ``8b`` or a path is kept as typed.
"""

from __future__ import annotations

from typing import Iterable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.suggester import SuggestFromList
from textual.widgets import Input, OptionList


class PickerInput(Input):
    """An ``Input`` whose Enter first accepts the visible suggestion (the grey ghost text)."""

    def type_ahead(self, text: str, replace: bool) -> None:
        """Take text typed while another widget had focus, and focus the field without selecting
        its text (the next key must add to it, not replace it)."""
        self.select_on_focus = False
        self.app.set_focus(self)  # now, not later: the next key must reach this field
        self.value = text if replace else self.value + text
        self.cursor_position = len(self.value)

    def _on_focus(self, event) -> None:
        # Input's own focus handler runs after this one; select on focus again from the next focus.
        if not self.select_on_focus:
            self.call_later(setattr, self, "select_on_focus", True)

    def watch__suggestion(self) -> None:
        show = getattr(self.screen, "show_suggestion", None) if self.is_attached else None
        if show is not None:
            show(self.suggestion)

    def _on_blur(self, event) -> None:
        show = getattr(self.screen, "show_suggestion", None) if self.is_attached else None
        if show is not None:
            show("")

    @property
    def suggestion(self) -> str:
        """The ghost text on show, or ''."""
        sugg = self._suggestion
        if sugg and len(sugg) > len(self.value) and sugg.lower().startswith(self.value.lower()):
            return sugg
        return ""

    async def action_submit(self) -> None:
        sugg = self.suggestion
        if sugg:
            self.value = sugg
            self.cursor_position = len(sugg)
            picker = self.parent
            if isinstance(picker, Picker):
                picker.close_list(focus=False)
            return
        await super().action_submit()


class PickerMatches(OptionList):
    BINDINGS = [
        Binding("escape", "close", "Close list", show=False),
        Binding("up", "up_or_close", "Up", show=False),
    ]

    def action_close(self) -> None:
        picker = self.parent
        if isinstance(picker, Picker):
            picker.close_list()

    def action_up_or_close(self) -> None:
        if self.highlighted in (None, 0):
            self.action_close()
        else:
            self.action_cursor_up()


class Picker(Vertical):
    """``Input`` + a filtered ``OptionList`` of ``choices``; ``value`` is the text."""

    DEFAULT_CSS = """
    Picker { height: auto; }
    Picker > PickerMatches { display: none; max-height: 6; height: auto; border: none; padding: 0; }
    Picker:focus-within > PickerMatches.-open { display: block; }
    """
    BINDINGS = [Binding("down", "into_list", "Matches", show=False)]

    def __init__(self, choices: Iterable[str], value: str = "", *, placeholder: str = "",
                 suggestions: Iterable[str] = (), id: str | None = None, max_matches: int = 40) -> None:
        super().__init__(id=id)
        self.choices = list(dict.fromkeys(choices))
        self.max_matches = max_matches
        sugg = list(dict.fromkeys([*self.choices, *suggestions]))
        self._input = PickerInput(value, placeholder=placeholder, compact=True,
                            suggester=SuggestFromList(sugg, case_sensitive=False) if sugg else None,
                            id=f"{id}-input" if id else None)
        self._list: PickerMatches | None = None  # mounted when first needed (first paint stays light)

    def compose(self) -> ComposeResult:
        yield self._input

    def _matches_list(self) -> PickerMatches:
        if self._list is None:
            self._list = PickerMatches(id=f"{self.id}-matches" if self.id else None)
            self.mount(self._list)
        return self._list

    # -- value ----------------------------------------------------------------------------
    @property
    def input(self) -> Input:
        return self._input

    @property
    def value(self) -> str:
        return self._input.value

    @value.setter
    def value(self, v: str) -> None:
        self._input.value = v

    def matches(self, text: str) -> list[str]:
        words = text.lower().split()
        if not words:
            return []
        return [c for c in self.choices if all(w in c.lower() for w in words)][: self.max_matches]

    # -- list -----------------------------------------------------------------------------
    def close_list(self, focus: bool = True) -> None:
        if self._list is not None:
            self._list.remove_class("-open")
        if focus:
            self._input.focus()

    def _show(self, names: list[str]) -> None:
        lst = self._matches_list()
        lst.clear_options()
        lst.add_options(names)
        lst.add_class("-open")

    @on(Input.Changed)
    def _filter(self, event: Input.Changed) -> None:
        if event.input is not self._input:
            return
        found = self.matches(event.value)
        exact = len(found) == 1 and found[0].lower() == event.value.strip().lower()
        if found and not exact and self._input.has_focus:
            self._show(found)
        elif self._list is not None:
            self._list.clear_options()
            self._list.remove_class("-open")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if self._list is not None:
            self._list.remove_class("-open")

    def action_into_list(self) -> None:
        if self._list is None or not self._list.has_class("-open"):
            # Down on a field with no list open: every choice that matches, or all of them.
            self._show(self.matches(self._input.value) or self.choices[: self.max_matches])
            self.call_after_refresh(self._enter_list)
            return
        self._enter_list()

    def _enter_list(self) -> None:
        lst = self._list
        if lst is not None and lst.has_class("-open") and lst.option_count:
            lst.focus()
            lst.highlighted = 0

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        if self._list is None or event.option_list is not self._list:
            return
        event.stop()
        self._input.value = str(event.option.prompt)
        self._list.remove_class("-open")
        self._input.focus()
        self._input.cursor_position = len(self._input.value)


__all__ = ["Picker", "PickerInput"]
