"""The interface finder is a significance test: a step must explain a profile much better than a
linear drift. On main a hydrogen drift in pure Si was called an interface."""

from __future__ import annotations

import numpy as np
import pytest
from compute_specimens import NAMES, two_phase_alloy

from hea_studio.compute.profile.interface import interface_test
from hea_studio.compute.profile.slabs import composition_profile, interface_position
from hea_studio.core.atoms import AtomSet
from hea_studio.core.geometry import Box


def _si_with_hydrogen(h_of_z, n: int = 400_000, length: float = 60.0, seed: int = 3) -> AtomSet:
    """Pure Si along z with a hydrogen share ``h_of_z(z / length)``."""
    rng = np.random.default_rng(seed)
    pos = rng.uniform(0.0, 1.0, (n, 3)) * np.array([10.0, 10.0, length])
    labels = (rng.uniform(size=n) < h_of_z(pos[:, 2] / length)).astype(np.int64)
    return AtomSet(positions=pos, labels=labels, names=("Si", "H"), colours={})


def _profile(atoms: AtomSet, length: float = 60.0):
    return composition_profile(atoms, Box((0.0, 0.0, 0.0), (10.0, 10.0, length)), "z", 1.0)


@pytest.mark.parametrize("drift", [0.02, 0.03])
def test_a_hydrogen_drift_in_pure_si_is_no_interface(drift):
    profile = _profile(_si_with_hydrogen(lambda t: 0.005 + drift * t))
    for name in ("H", "Si"):
        test = interface_test(profile, name)
        assert not test.significant and test.position_nm is None, (name, test)
        assert interface_position(profile, name) is None
    assert abs(interface_test(profile, "H").step) > 0.01  # the drift is there, and large


def test_a_real_step_is_found_where_it_is():
    profile = _profile(_si_with_hydrogen(lambda t: np.where(t < 0.4, 0.005, 0.035)))
    test = interface_test(profile, "H")
    assert test.significant and abs(test.position_nm - 24.0) < 1.0
    assert test.chi2_line - test.chi2_step > 100


def test_the_two_phase_specimen_keeps_its_interface():
    atoms = two_phase_alloy(80_000, interface_z=11.3, seed=4)
    profile = composition_profile(atoms, Box((0, 0, 0), (10, 10, 24)), "z", 0.5)
    for name in NAMES:
        assert abs(interface_position(profile, name) - 11.3) < 1.0
