"""The numbers of the current analysis: bulk composition, S_bulk, class, SUME and null-corrected SUME.

The panel reads the analysis in its public JSON form (``AnalysisResult.to_json()``, the schema of
``hea-studio analyze --json``), so what the window shows is by construction what scripts get.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget

TIPS = {
    "box": "The analysed sub-volume: edge lengths in nm and number of atoms of the entropy elements",
    "composition": "Atomic fractions of the entropy elements in the box (x_i = n_i / Σ n_j)",
    "s_bulk": "Configurational entropy of mixing of the whole box, S = -R Σ x_i ln x_i, in units of R",
    "s_bulk_j": "The same entropy in J mol⁻¹ K⁻¹ (R = 8.314462618 J mol⁻¹ K⁻¹)",
    "class": "Entropy class: low < 1.0 R ≤ medium < 1.5 R ≤ high",
    "sume": (
        "Smallest unit of maximal entropy (Khort et al., PCCP 2024): the cube edge where the lines "
        "fitted to the descending and the bulk branch of S(L) cross, with its bootstrap 95 % interval"
    ),
    "sume_volume": "SUME cube volume L³ in nm³",
    "sume_cells": "SUME in unit cells (L/a)³ of the chosen lattice",
    "sume_atoms": (
        "Atoms in the SUME cube: unit cells × atoms per cell (lattice), and atoms actually detected "
        "(mean count in cubes of that edge; the detector sees only part of the atoms)"
    ),
    "sume_null": (
        "Null-corrected SUME: the smallest edge at which S no longer falls significantly below the "
        "random-mixing reference (a random alloy gives the smallest edge analysed)"
    ),
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
        form = QFormLayout()
        rows = [
            ("box", "Box"),
            ("composition", "Composition"),
            ("s_bulk", "S bulk"),
            ("s_bulk_j", ""),
            ("class", "Class"),
            ("sume", "SUME"),
            ("sume_volume", "  volume"),
            ("sume_cells", "  unit cells"),
            ("sume_atoms", "  atoms"),
            ("sume_null", "SUME (null-corr.)"),
        ]
        for key, title in rows:
            label = QLabel("–")
            label.setWordWrap(True)
            label.setToolTip(TIPS[key])
            caption = QLabel(title)
            caption.setToolTip(TIPS[key])
            form.addRow(caption, label)
            self.values[key] = label
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addStretch(1)

    def clear(self) -> None:
        """Show dashes (no analysis yet, or it is being recomputed from scratch)."""
        for label in self.values.values():
            label.setText("–")

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
        self.values["composition"].setToolTip(note or TIPS["composition"])
        self.values["s_bulk"].setText(_fmt(bulk.get("S_R"), ".3f", " R"))
        self.values["s_bulk_j"].setText(_fmt(bulk.get("S_J_per_molK"), ".2f", " J mol⁻¹ K⁻¹"))
        self.values["class"].setText(str(bulk.get("class") or "–"))
        sume = result.get("sume")
        if not sume:
            reason = result.get("sume_reason") or result.get("reason") or "too few points to fit"
            self.values["sume"].setText(f"not found: {reason}")
            for key in ("sume_volume", "sume_cells", "sume_atoms"):
                self.values[key].setText("–")
        else:
            text = _fmt(sume.get("edge_nm"), ".2f", " nm")
            ci = sume.get("ci95_nm")
            if ci and None not in ci:
                text += f"  (95 %: {ci[0]:.2f}–{ci[1]:.2f})"
            elif preview:
                text += "  (interval when the drag ends)"
            self.values["sume"].setText(text)
            self.values["sume_volume"].setText(_fmt(sume.get("volume_nm3"), ".1f", " nm³"))
            self.values["sume_cells"].setText(_fmt(sume.get("unit_cells"), ",.0f"))
            atoms = _fmt(sume.get("atoms"), ",.0f")
            detected = sume.get("detected_atoms")
            if detected is not None:
                atoms += f" ({_fmt(detected, ',.0f')} detected)"
            self.values["sume_atoms"].setText(atoms)
        null = result.get("sume_null") or {}
        self.values["sume_null"].setText(_fmt(null.get("edge_nm"), ".2f", " nm"))
