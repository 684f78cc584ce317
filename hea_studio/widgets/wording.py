"""The window's words for what the command line calls an option.

Compute functions explain an input error the same way to both interfaces, naming the CLI option
(``choose them with --elements``); a window user has no options to give, so the text shown in the
window names the control instead.
"""

from __future__ import annotations

import re

# CLI option -> where the same choice is made in the window.
GUI_PLACES = {
    "--elements": "the Elements list of the Analysis settings tab (untick principal elements)",
    "--sizes": "the cube edges of the Analysis settings tab",
    "--roi": "the Sub-volumes panel",
    "--lattice": "the Lattice choice of the Analysis settings tab",
}
_OPTION = re.compile(r"(?:with |give |use )?(--[a-z][a-z-]*)")


def gui_wording(text: str) -> str:
    """``text`` with each CLI option replaced by the place in the window where it is chosen
    ("choose them with --elements" -> "choose them in the Elements list of ...")."""

    def place(match: re.Match) -> str:
        where = GUI_PLACES.get(match.group(1))
        return f"in {where}" if where else match.group(0)

    return _OPTION.sub(place, text)
