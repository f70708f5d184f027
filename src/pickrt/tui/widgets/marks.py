"""Radio buttons and checkboxes whose state shows in the glyph, not only in its colour.

Textual draws the same ``●`` / ``X`` whether an item is on or off and tells them apart by colour,
so under ``NO_COLOR`` (or to a colour-blind reader) the choice disappears. These subclasses draw
``●`` / ``○`` and ``✓`` / a blank instead; colours stay as the theme has them.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.strip import Strip
from textual.widgets import RadioButton, SelectionList
from textual.widgets._toggle_button import ToggleButton

RADIO_ON, RADIO_OFF = "●", "○"
CHECK_ON, CHECK_OFF = "✓", " "


class MarkedRadioButton(RadioButton):
    @property
    def _button(self):
        self.BUTTON_INNER = RADIO_ON if self.value else RADIO_OFF
        return super()._button


class MarkedSelectionList(SelectionList):
    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        segs = list(strip)
        if len(segs) < 2 or segs[1].text != ToggleButton.BUTTON_INNER or segs[1].style is None:
            return strip
        index = segs[1].style.meta.get("option")
        if index is None:
            return strip
        try:
            on = self.get_option_at_index(index).value in self._selected
        except Exception:  # an index from a stale line: leave it as drawn
            return strip
        segs[1] = Segment(CHECK_ON if on else CHECK_OFF, segs[1].style)
        return Strip(segs, strip.cell_length)


__all__ = ["CHECK_OFF", "CHECK_ON", "MarkedRadioButton", "MarkedSelectionList", "RADIO_OFF", "RADIO_ON"]
