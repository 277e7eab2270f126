"""Devices, sweeps, pulses and fits from Python, against the command line."""

import numpy as np
import pytest

import ionsim
from conftest import REPO, read_json, shared_data


def test_registry():
    assert "wang2024" in ionsim.models() and "zhao2025" in ionsim.models()
    names = {p["name"]: p["model"] for p in ionsim.presets()}
    assert names["wang2024-dc-symmetric"] == "wang2024"
    table = {p["name"]: p for p in ionsim.model_parameters("wang2024")}
    assert table["r_series"]["unit"] == "Ω" and table["dt"]["unit"] == "s"


def test_advance_is_reproducible_and_per_device():
    # without the preset's 1 uA compliance
    a = ionsim.Devices(preset="wang2024-dc-symmetric", n=3, seed=7, params={"i_compliance": 0})
    b = ionsim.Devices(preset="wang2024-dc-symmetric", n=3, seed=7, params={"i_compliance": 0})
    assert a.parameters["i_compliance"] == 0
    assert a.model == "wang2024" and a.n == 3 and a.dt > 0
    for _ in range(5):
        ia, ga = a.advance([0.0, 0.3, 0.6], steps=200)
        ib, gb = b.advance(np.array([0.0, 0.3, 0.6]), steps=200)
        np.testing.assert_array_equal(ia, ib)
        np.testing.assert_array_equal(ga, gb)
    assert ia.shape == (3,) and np.all(ga > 0)
    assert ia[0] == 0.0 and ia[2] > ia[1] > 0  # no voltage, no current; more voltage, more current
    assert a.time == pytest.approx(1000 * a.dt)
    np.testing.assert_allclose(1.0 / a.resistance(), ga, rtol=1e-12)
    assert len(a.state(a.state_names[0])) == 3
    a.reset()
    assert a.time == 0


def test_bad_input_is_a_value_error_with_the_cli_message(cli):
    with pytest.raises(ionsim.InputError) as e:
        ionsim.Devices(preset="no-such-preset")
    assert isinstance(e.value, ValueError)
    code, _, err = cli("device", "sweep", "--preset", "no-such-preset", "--out", "x")
    assert code == 2 and str(e.value) in err
    with pytest.raises(ValueError, match="r_series"):
        ionsim.Devices(preset="wang2024-dc-symmetric", params={"r_series": -1.0})
    d = ionsim.Devices(n=2)
    with pytest.raises(ValueError, match="2 devices"):
        d.advance([0.1, 0.2, 0.3])


def test_sweep_and_pulse_match_the_cli(cli, tmp_path):
    d = ionsim.Devices(preset="wang2024-dc-symmetric", n=2, seed=5)
    r = d.sweep(vmax=0.5, points=101, dwell=1e-3, cycles=3)
    assert r["i"].shape == (2, 3, 101) and r["v"].shape == (101,)
    assert len(r["vth"]) > 0
    code, _, _ = cli("device", "sweep", "--preset", "wang2024-dc-symmetric", "--vmax", 0.5,
                     "--points", 101, "--dwell", 1e-3, "--cycles", 3, "--devices", 2, "--seed", 5,
                     "--out", "s", "--no-plot")
    assert code == 0
    assert read_json(tmp_path / "s" / "summary.json")["thresholds"] == r["summary"]

    p = ionsim.Devices(preset="wang2024-pulse", n=20, seed=3).pulse(amplitude=1.0, width=5e-3,
                                                                   post=10e-3, record=2)
    assert p["i"].shape == (2, len(p["t"])) and p["delay"].shape == (20,)
    code, _, _ = cli("device", "pulse", "--preset", "wang2024-pulse", "--trials", 20, "--seed", 3,
                     "--amplitude", 1.0, "--width", 5e-3, "--post", 10e-3, "--out", "p",
                     "--no-plot")
    assert code == 0
    summary = read_json(tmp_path / "p" / "summary.json")
    assert summary["simulated"] == p["summary"]
    delays = [t["delay_s"] for t in summary["per_trial"]]
    np.testing.assert_array_equal(p["delay"], [np.nan if x is None else x for x in delays])


def test_stdp_window_matches_the_cli(cli, tmp_path):
    dts = [-4e-3, -2e-3, 2e-3, 4e-3]
    r = ionsim.Devices(preset="drift-synapse", n=4).stdp(dts)
    assert r["dg_rel"][2] > r["dg_rel"][3] > 0 > r["dg_rel"][0] > r["dg_rel"][1]
    code, _, _ = cli("device", "stdp", "--preset", "drift-synapse", "--max-delay", "4ms",
                     "--delay-step", "2ms", "--out", "w", "--no-plot")
    assert code == 0
    rows = np.loadtxt(tmp_path / "w" / "window.csv", delimiter=",", skiprows=1)
    np.testing.assert_allclose(rows[:, 0], dts)
    np.testing.assert_allclose(rows[:, 3], r["dg_rel"], rtol=1e-8)  # the CSV's 9 digits
    np.testing.assert_allclose(rows[:, 4], r["energy"], rtol=1e-8)
    assert np.all(r["energy"] > 0)
    with pytest.raises(ValueError, match="one per device"):
        ionsim.Devices(preset="drift-synapse", n=2).stdp([1e-3])
    with pytest.raises(ValueError, match="dt .* quarter of width"):
        ionsim.Devices(preset="drift-synapse", n=1).stdp([1e-3], dt=1e-3)
    with pytest.raises(ValueError, match="tau_tail must be positive"):
        ionsim.Devices(preset="drift-synapse", n=1).stdp([1e-3], tau_tail=0)


def test_fit_gives_the_cli_result(cli, tmp_path):
    # synthetic pulse data, fitted from another preset's start, as `ionsim device fit` does
    code, _, err = cli("device", "pulse", "--preset", "wang2024-pulse", "--trials", 12,
                       "--record", 12, "--width", 5e-3, "--post", 10e-3, "--out", "m",
                       "--no-plot")
    assert code == 0, err
    data = str(tmp_path / "m" / "trace.csv")
    r = ionsim.fit(pulse=data, model="wang2024", max_evals=12, seed=2)
    code, _, err = cli("device", "fit", "--model", "wang2024", "--pulse", data, "--max-evals", 12,
                       "--seed", 2, "--out", "fit.toml", "--no-plot")
    assert code == 0, err
    report = read_json(tmp_path / "fit-report" / "report.json")
    assert r["report"]["simulated"] == report["simulated"]
    # the same file but for the comment lines and the fit's wall time
    def lines(text):
        return [x for x in text.splitlines() if not x.startswith(("#", "seconds ="))]

    assert lines(r["toml"]) == lines((tmp_path / "fit.toml").read_text())
    assert r["model"] == "wang2024" and 0 < r["evaluations"] <= 12
    assert set(r["parameters"]) == set(ionsim.Devices(preset="wang2024-pulse").parameters)
    with pytest.raises(ValueError, match="sweep=FILE or pulse=FILE"):
        ionsim.fit()


def test_fit_without_evaluations_and_of_named_parameters(tmp_path):
    # max_evals=0 reports the start on the data: the shipped preset's report again
    data = shared_data("device/ag_dc_sweep_symmetric.csv")
    e = ionsim.fit(sweep=data, start="ag-polar-fit-2", max_evals=0)
    shipped = read_json(REPO / "docs" / "fits" / "ag-polar-fit-2" / "report.json")
    assert e["evaluations"] == 1 and e["report"]["fit"]["free"] == []
    assert e["report"]["held_out"]["objective"] == pytest.approx(shipped["held_out"]["objective"],
                                                                 rel=1e-9)
    # free: only the parameters named move
    g = ionsim.fit(sweep=data, start="ag-polar-fit", free=["alpha_spread"], max_evals=10)
    start = ionsim.Devices(preset="ag-polar-fit").parameters
    assert g["report"]["fit"]["free"] == ["alpha_spread"]
    assert g["parameters"]["mu"] == start["mu"] and g["parameters"]["alpha"] == start["alpha"]
    with pytest.raises(ValueError, match="free parameter 'bogus'"):
        ionsim.fit(sweep=data, start="ag-polar-fit", free=["bogus"], max_evals=10)
    with pytest.raises(ValueError, match="max_evals"):
        ionsim.fit(sweep=data, start="ag-polar-fit", max_evals=5)
    # the devices per evaluation (the model's own by default) and the local phase
    assert g["report"]["fit"]["devices"] == 8
    assert g["report"]["fit"]["algorithm"].startswith("Levenberg-Marquardt")
    b = ionsim.fit(sweep=data, start="ag-polar-fit", free=["alpha_spread"], max_evals=10,
                   devices=2, local="bobyqa")
    assert b["report"]["fit"]["devices"] == 2
    assert b["report"]["fit"]["algorithm"] == "NLopt LN_BOBYQA, common random numbers"
    with pytest.raises(ValueError, match="local 'newton'"):
        ionsim.fit(sweep=data, start="ag-polar-fit", max_evals=10, local="newton")
    with pytest.raises(ValueError, match="devices must be at least 1"):
        ionsim.fit(sweep=data, start="ag-polar-fit", max_evals=10, devices=-1)
