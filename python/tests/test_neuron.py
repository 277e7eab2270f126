"""The 1M1T1R neuron from Python."""

import numpy as np
import pytest

import ionsim
from conftest import read_json


def test_trials_are_reproducible_and_independent():
    a = ionsim.neuron_trials(amplitude=0.8, trials=4, t_end=0.1, seed=2)
    b = ionsim.neuron_trials(amplitude=0.8, trials=4, t_end=0.1, seed=2)
    assert len(a) == 4
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x["spikes"], y["spikes"])
    assert all(len(t["spikes"]) > 0 for t in a)  # 0.8 V DC fires the calibrated neuron
    assert len({tuple(t["spikes"]) for t in a}) > 1  # each trial its own noise
    assert all(t["energy_input"] > 0 for t in a)
    # a smaller gate resistor discharges the gate sooner after a spike: shorter intervals
    # (Fig. 4d)
    low = ionsim.neuron_trials(amplitude=0.8, trials=4, t_end=0.1, seed=2, circuit={"r_c": 50e6})
    assert sum(len(t["spikes"]) for t in low) > sum(len(t["spikes"]) for t in a)


def test_characterize_matches_the_cli(cli, tmp_path):
    r = ionsim.characterize(trials=4, threshold_trials=4, seed=3)
    code, _, err = cli("neuron", "characterize", "--preset", "zhao2025-calibrated", "--trials", 4, "--threshold-trials", 4, "--seed", 3,
                       "--out", "n", "--no-plot")
    assert code == 0, err
    expected = read_json(tmp_path / "n" / "results.json")
    assert r["fig2e"] == expected["fig2e"]
    assert r.keys() == expected.keys()


def test_bad_circuit_key():
    with pytest.raises(ionsim.InputError, match="unknown key 'r_x'"):
        ionsim.neuron_trials(circuit={"r_x": 1.0})
    with pytest.raises(ValueError, match="no \\[circuit\\] table"):
        ionsim.neuron_trials(preset="wang2024-dc-symmetric")


def test_the_sweep_example_runs(tmp_path):
    import os
    import subprocess
    import sys

    from conftest import REPO

    r = subprocess.run([sys.executable, str(REPO / "examples" / "python" / "neuron_sweep.py"),
                        str(tmp_path)], capture_output=True, text=True, env=dict(os.environ))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "neuron_sweep.png").stat().st_size > 10000
    table = np.genfromtxt(tmp_path / "neuron_sweep.csv", delimiter=",", names=True)
    assert len(table) == 4 * 15
    at = table[table["input_v"] == 0.9]
    # at 0.9 V the rate falls as R_c grows (Fig. 4d: the refractory period grows with R_c)
    assert np.all(np.diff(at["rate_hz"][np.argsort(at["r_c_ohm"])]) < 0)
