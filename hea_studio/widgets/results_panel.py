"""The numbers of the current analysis: bulk composition, S_bulk, class, the SUMEs and their warnings.

The panel reads the analysis in its public JSON form (``AnalysisResult.to_json()``, the schema of
``hea-studio analyze --json``), so what the window shows is by construction what scripts get. Two
columns: the box and its composition on the left, the SUMEs on the right with the warnings right
under the primary SUME, in colour and in words (a tooltip alone is easily missed).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from hea_studio.core.summary import apparent, headline
from hea_studio.widgets.wording import gui_wording

WARNING_STYLE = "color: #b34700;"  # dark orange: readable on the light panel, not an error red
NO_WARNING_STYLE = "color: #2e7d32;"

TIPS = {
    "box": "The analysed sub-volume: edge lengths in nm and number of atoms of the entropy elements",
    "composition": "Atomic fractions of the entropy elements in the box (x_i = n_i / Σ n_j)",
    "s_bulk": "Configurational entropy of mixing of the whole box, S = -R Σ x_i ln x_i, in units of R",
    "s_bulk_j": "The same entropy in J mol⁻¹ K⁻¹ (R = 8.314462618 J mol⁻¹ K⁻¹)",
    "class": "Entropy class: low < 1.0 R ≤ medium < 1.5 R ≤ high (with sublattices: of the mixing sublattice(s))",
    "sublattices": (
        "Entropy of each sublattice, per formula unit (S_fu = Σ m_s S_s) and per site (S_fu / Σ m_s), "
        "science.md 8; the class is that of the mixing sublattice(s)"
    ),
    "sume": (
        "Smallest unit of maximal entropy (science.md 5): the cube edge L* below which chemistry, "
        "not counting noise, lowers the entropy (hinge fit on the deficit D(L) = S_null - S_mean), "
        "with its 95 % sampling interval (cubes resampled, tiling grid shifted). A random material "
        "reads 'random down to' the smallest fitted edge; a curve that does not level off reads '≥'"
    ),
    "warnings": (
        "Reasons not to trust a SUME as it stands (codes as in analyze --json): "
        "sume_at_range_edge, few_cubes, not_levelled, mixed_phases, box_outside_specimen"
    ),
    "sume_apparent": (
        "Apparent SUME: the paper's criterion, a hinge on S(L) itself with the bulk branch at S_bulk. "
        "It includes counting noise (a small cube's entropy is low even in a random alloy), so it "
        "moves with the detection efficiency and the edge list; shown to compare with the paper"
    ),
    "sume_volume": "SUME cube volume L³ in nm³",
    "sume_cells": (
        "SUME in unit cells (L/a)³ of the lattice chosen for this dataset in Analysis settings "
        "(none chosen: not reported)"
    ),
    "sume_atoms": (
        "Atoms in the SUME cube: unit cells × atoms per cell (lattice), and atoms actually detected "
        "(mean count in cubes of that edge; the detector sees only part of the atoms)"
    ),
    "sume_null": (
        "Null-corrected SUME: the smallest edge at which S no longer falls significantly below the "
        "random-mixing reference (a random alloy gives the smallest edge analysed)"
    ),
    "unranged": "Ions of the whole run that no range claims; they are left out of every composition "
    "(edit the ranges in the Mass spectrum dock)",
}


def _fmt(value: Any, spec: str, suffix: str = "") -> str:
    if value is None:
        return "–"
    try:
        return f"{value:{spec}}{suffix}"
    except (TypeError, ValueError):
        return str(value)


class ResultsPanel(QWidget):
    """Labelled read-only values with a tooltip each."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.values: dict[str, QLabel] = {}
        # The primary SUME, its warnings and a compound's sublattices across the whole width (long
        # lines wrap into few; in the narrow left column the sublattices took five), the rest in
        # two columns under them.
        top = [("sume", "SUME"), ("warnings", "Warnings"), ("sublattices", "Sublattices")]
        columns = (
            [
                ("box", "Box"),
                ("composition", "Composition"),
                ("s_bulk", "S bulk"),
                ("s_bulk_j", ""),
                ("class", "Class"),
                ("unranged", "Unranged ions"),
            ],
            [
                ("sume_volume", "SUME volume"),
                ("sume_cells", "  unit cells"),
                ("sume_atoms", "  atoms"),
                ("sume_apparent", "Apparent SUME"),
                ("sume_null", "SUME (null-corr.)"),
            ],
        )
        layout = QVBoxLayout(self)
        layout.addLayout(self._form(top))
        row = QHBoxLayout()
        for stretch, rows in zip((2, 3), columns):
            column = QVBoxLayout()
            column.addLayout(self._form(rows))
            column.addStretch(1)
            row.addLayout(column, stretch)
        layout.addLayout(row)
        layout.addStretch(1)

    def _form(self, rows: list[tuple[str, str]]) -> QFormLayout:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for key, title in rows:
            label = QLabel("–")
            label.setTextFormat(Qt.TextFormat.PlainText)  # element and warning text from files
            label.setWordWrap(True)
            label.setToolTip(TIPS[key])
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            caption = QLabel(title)
            caption.setToolTip(TIPS[key])
            form.addRow(caption, label)
            self.values[key] = label
        return form

    def clear(self) -> None:
        """Show dashes (no analysis yet, or it is being recomputed from scratch)."""
        for key, label in self.values.items():
            if key != "unranged":  # belongs to the ranging, not to the analysis
                label.setText("–")
        self.values["warnings"].setStyleSheet("")

    def set_ranging(self, n_ions: int, n_unranged: int, waiting: bool = False) -> None:
        """Show the share of ions no range claims (or that the run waits for ranges)."""
        if waiting:
            self.values["unranged"].setText(f"all {n_ions:,}: no ranges yet (analysis waits)")
        else:
            share = 100.0 * n_unranged / max(n_ions, 1)
            self.values["unranged"].setText(f"{n_unranged:,} of {n_ions:,} ({share:.1f} %)")

    def set_box(self, size_nm, n_atoms: int | None) -> None:
        """Show the analysed box."""
        text = " × ".join(f"{s:.1f}" for s in size_nm) + " nm"
        if n_atoms is not None:
            text += f", {n_atoms:,} atoms"
        self.values["box"].setText(text)

    def show_result(self, result: Mapping[str, Any], preview: bool = False) -> None:
        """Fill the panel from an analysis in JSON form.

        ``preview``: a live result computed while the box is dragged, without the SUME interval
        (which follows once the mouse is released).
        """
        bulk = result.get("bulk") or {}
        fractions = bulk.get("fractions") or {}
        self.values["composition"].setText(
            ", ".join(f"{name} {100 * x:.1f}" for name, x in fractions.items()) + " at.%"
            if fractions
            else "–"
        )
        note = result.get("elements_note")
        if note and fractions:
            # A compound: the default elements are its cations (issue 12); say so where it shows.
            self.values["composition"].setText(self.values["composition"].text() + " (cations)")
        self.values["composition"].setToolTip(gui_wording(note) if note else TIPS["composition"])
        self.values["s_bulk"].setText(_fmt(bulk.get("S_R"), ".3f", " R"))
        self.values["s_bulk_j"].setText(_fmt(bulk.get("S_J_per_molK"), ".2f", " J mol⁻¹ K⁻¹"))
        self.values["class"].setText(str(bulk.get("class") or "–"))
        sub = result.get("sublattices")
        if sub:
            b = sub["bulk"]
            parts = ", ".join(f"{name} {v['S_R']:.3f} R" for name, v in b["per_sublattice"].items())
            self.values["sublattices"].setText(
                f"{parts}; {b['S_fu_R']:.3f} R per f.u., {b['S_site_R']:.3f} R per site"
            )
        else:
            self.values["sublattices"].setText("none")
        self._show_warnings(result.get("warnings"), preview)
        self._show_apparent(result)
        sume = result.get("sume")
        head = headline(result)
        text = head.line()
        if head.is_number and not head.interval and preview:
            text += "  (interval when the drag ends)"
        if head.method and head.method != "hinge-deficit":
            text += f"  [{head.method}]"  # another method chosen as the headline in the settings
        label = self.values["sume"]
        label.setText(text)
        # Only a measured number is bold; a bound or "random down to" is a calm statement.
        label.setStyleSheet("font-weight: bold;" if head.is_number else "")
        label.setToolTip(TIPS["sume"] + (f"\n{head.details}" if head.details else ""))
        if not sume:
            for key in ("sume_volume", "sume_cells", "sume_atoms"):
                self.values[key].setText("–")
        else:
            self.values["sume_volume"].setText(_fmt(sume.get("volume_nm3"), ".1f", " nm³"))
            cells = sume.get("unit_cells")
            # Unit cells only for a lattice the user chose for this dataset (science.md 5).
            self.values["sume_cells"].setText(
                _fmt(cells, ",.0f") if cells is not None else "– (no lattice chosen)"
            )
            detected = sume.get("detected_atoms")
            parts = [] if sume.get("atoms") is None else [f"{_fmt(sume.get('atoms'), ',.0f')} in the lattice"]
            if detected is not None:
                parts.append(f"{_fmt(detected, ',.0f')} detected")
            self.values["sume_atoms"].setText(", ".join(parts) or "–")
            if not head.is_number:
                # The cube of a bound: say so next to the numbers.
                bound = "≤" if sume.get("at_most_nm") is not None else "≥"
                for key in ("sume_volume", "sume_atoms"):
                    self.values[key].setText(f"{bound} {self.values[key].text()}")
        null = result.get("sume_null") or {}
        self.values["sume_null"].setText(_fmt(null.get("edge_nm"), ".2f", " nm"))

    def _show_warnings(self, warnings, preview: bool) -> None:
        label = self.values["warnings"]
        if warnings:
            label.setText("\n".join(f"⚠ {w.get('code')}{_scope(w)}: {w.get('message')}" for w in warnings))
            label.setStyleSheet(WARNING_STYLE)
        elif warnings is None:
            label.setText("–")
            label.setStyleSheet("")
        else:
            label.setText("none" + (" so far (preview)" if preview else ""))
            label.setStyleSheet(NO_WARNING_STYLE)

    def _show_apparent(self, result: Mapping[str, Any]) -> None:
        t = apparent(result)
        self.values["sume_apparent"].setText(f"{t.line()} (includes counting noise)")

    def warning_codes(self) -> list[str]:
        """The warning codes shown (for tests and the self-test)."""
        text = self.values["warnings"].text()
        return [
            line[2:].split(":", 1)[0].split(" ", 1)[0] for line in text.splitlines() if line.startswith("⚠ ")
        ]


def _scope(warning: Mapping[str, Any]) -> str:
    """`` (apparent SUME)`` when a warning concerns particular SUMEs only."""
    names = {"sume": "SUME", "sume_apparent": "apparent SUME"}
    applies = [a for a in warning.get("applies_to") or () if a != "all"]
    return f" ({', '.join(names.get(a, a) for a in applies)})" if applies else ""
