"""The sublattice part of one analysis: collects the per-edge sublattice statistics, fits SUME.

Kept apart from :mod:`hea_studio.compute.analysis` so that the whole-atom analysis reads the same with or without
sublattices; the SUME of the formula-unit curve comes from the same functions as the main one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from hea_studio.compute.compounds.curve import (
    SublatticePlan,
    SublatticeReference,
    SublatticeScale,
    sublattice_bulk,
    sublattice_scale,
)
from hea_studio.compute.lac.binning import PreparedRoi
from hea_studio.compute.sume.estimate import curve_sumes
from hea_studio.compute.sume.fits import sume_null
from hea_studio.core.progress import TaskState
from hea_studio.core.results import AnalysisResult, ScaleResult, json_ready
from hea_studio.core.settings import AnalysisSettings


@dataclass(eq=False)
class SublatticeRun:
    """Per-edge sublattice statistics of one analysis, in edge order."""

    plan: SublatticePlan
    reference: SublatticeReference
    bulk: dict[str, Any]
    scales: list[SublatticeScale] = field(default_factory=list)

    @classmethod
    def start(cls, settings: AnalysisSettings, prep: PreparedRoi) -> SublatticeRun:
        assert settings.sublattices is not None
        plan = SublatticePlan.build(settings.sublattices, prep.elements)
        counts = prep.bulk_counts()
        types = prep.ion_type_counts() if prep.ion_level else None
        reference = SublatticeReference(plan, counts, prep.ion_types, types)
        return cls(plan, reference, sublattice_bulk(plan, counts))

    def add(self, size_nm: float, kept_counts: np.ndarray, kept_ion_types: np.ndarray | None = None) -> None:
        """The :func:`~hea_studio.compute.lac.curve.iter_prepared` hook: one edge's kept cubes."""
        self.scales.append(sublattice_scale(self.plan, self.reference, kept_counts, size_nm, kept_ion_types))

    def fu_curve(self, curve: list[ScaleResult]) -> list[ScaleResult]:
        """The main curve's edges carrying the formula-unit values (what the SUME fits read)."""
        out = []
        for main, sub in zip(curve, self.scales):
            out.append(
                replace(
                    main,
                    S_mean=sub.S_fu_mean,
                    S_std=sub.S_fu_std,
                    S_sem=sub.S_fu_sem,
                    S_null=sub.S_fu_null,
                    deficit=sub.deficit_fu,
                    cube_entropy=sub.cube_fu,
                )
            )
        return out

    def finish(
        self, curve: list[ScaleResult], settings: AnalysisSettings, density: float, task: TaskState | None
    ) -> dict[str, Any]:
        """The JSON ``sublattices`` block (docs/cli.md, schema 2)."""
        fu = self.fu_curve(curve)
        self._fu = fu
        S_fu = self.bulk["S_fu_R"]
        sume, reason, apparent = curve_sumes(
            fu, S_fu, settings.lattice, density, settings.bootstrap, settings.seed
        )
        null = sume_null(fu, S_fu)
        self._sumes = (sume, reason, apparent, null)
        sites = self.plan.sites
        return json_ready(
            {
                "spec": [s.to_json() for s in self.plan.sublattices],
                "sites_per_formula_unit": sites,
                "bulk": self.bulk,
                "curve": [s.to_json() for s in self.scales],
                # The per-site curve is the formula-unit curve divided by the sites, so its SUME
                # edge is the same; both are given for scripts that read one or the other.
                "sume": sume.to_json() if sume is not None else None,
                "sume_reason": reason if sume is None else None,
                "sume_null": null.to_json(),
                "sume_apparent": apparent.to_json() if apparent is not None else None,
                "sume_chemical": sume.to_json() if sume is not None else None,
                "sume_site": sume.to_json() if sume is not None else None,
                "reference": {
                    s.name: ("ion draws" if ion else "binomial") + " from this sublattice's own counts"
                    for s, ion in zip(self.plan.sublattices, self.reference.ion_level)
                },
            }
        )

    def view(self, result: AnalysisResult) -> AnalysisResult:
        """``result`` seen per formula unit: the S_fu curve, its reference and SUMEs (after :meth:`finish`).

        The bulk line is S_fu of the whole box and the ideal line sum_s m_s ln(N_s), the maximum for
        these sublattices, so the plot reads like the whole-atom one.
        """
        sume, reason, apparent, null = self._sumes
        ideal = float(
            sum(
                s.multiplicity * np.log(len(s.elements)) for s in self.plan.sublattices if len(s.elements) > 1
            )
        )
        S_fu = float(self.bulk["S_fu_R"])
        bulk = replace(
            result.bulk,
            S_R=S_fu,
            S_J_per_molK=float(self.bulk["S_fu_J_per_molK"]),
            cls=str(self.bulk["class"]),
            S_ideal_R=ideal,
        )
        return replace(
            result,
            curve=tuple(self._fu),
            bulk=bulk,
            sume=sume,
            sume_reason=reason,
            sume_null=null,
            sume_chemical=sume,
            sume_chemical_reason=reason,
            sume_apparent=apparent,
            sume_apparent_reason=reason if apparent is None else None,
            sume_variants={},
            warnings=(),
            sublattices=None,
            sublattice_view=None,
        )
