"""Circuits from Python: a netlist as text or a path, traces as arrays."""

import numpy as np
import pytest

import ionsim
from conftest import REPO

RC = """* RC step: 1 kOhm, 1 uF, 1 V step
V1 in 0 PULSE(0 1 0 1n 1n 1 2)
R1 in out 1k
C1 out 0 1u
.options reltol=1e-4 abstol=1e-15 vntol=1e-9
.tran 1u 5m 0 1u
.save v(in) v(out)
.end
"""


def test_rc_step_against_the_closed_form():
    r = ionsim.circuit_run(RC)
    t, v = r["t"], r["traces"]["v(out)"]
    assert t[-1] == pytest.approx(5e-3) and len(t) == len(v)
    # 1 - exp(-t/RC); the engine's local error control (reltol 1e-4) keeps it within 1e-3 V
    exact = np.where(t > 1e-9, 1 - np.exp(-(t - 1e-9) / 1e-3), 0.0)
    assert np.max(np.abs(v - exact)) < 1e-3
    s = r["summary"]
    assert s["accepted"] > 0 and s["newton_iterations"] >= s["accepted"]
    # the capacitor ends holding C V^2 / 2; the resistor dissipated about as much
    assert s["energy_j"]["c1"] == pytest.approx(0.5e-6 * v[-1] ** 2, rel=1e-3)


def test_a_path_gives_the_cli_traces(cli, tmp_path):
    path = REPO / "examples" / "circuits" / "1m1t1r_dc.cir"
    r = ionsim.circuit_run(str(path), seed=3)
    code, _, err = cli("circuit", "run", path, "--out", "c", "--seed", 3, "--format", "csv")
    assert code == 0, err
    data = np.genfromtxt(tmp_path / "c" / "trace.csv", delimiter=",", names=True)
    # trace.csv holds time to 12 significant digits and the signals to 9
    np.testing.assert_allclose(data[data.dtype.names[0]], r["t"], rtol=1e-11)
    assert len(r["traces"]) == len(data.dtype.names) - 1
    for column, values in zip(data.dtype.names[1:], r["traces"].values()):
        np.testing.assert_allclose(data[column], values, rtol=1e-8, atol=1e-30)


def test_malformed_netlist(cli, tmp_path):
    bad = RC.replace("R1 in out 1k", "R1 in out 1k 2k 3k")
    with pytest.raises(ionsim.InputError) as e:
        ionsim.circuit_run(bad)
    (tmp_path / "bad.cir").write_text(bad)
    code, _, err = cli("circuit", "run", "bad.cir", "--out", "o")
    assert code == 2
    # the same message, naming the line; only the file's name differs
    assert str(e.value).split(":", 1)[1] in err
    with pytest.raises(ValueError, match="no such netlist file"):
        ionsim.circuit_run("no_such_file.cir")


def test_ctrl_c_stops_a_circuit():
    import os
    import signal
    import threading

    long_rc = RC.replace(".tran 1u 5m 0 1u", ".tran 1u 100 0 1u")
    timer = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        ionsim.circuit_run(long_rc)
    timer.join()
