"""Networks from Python: files or dicts, chunked runs, arrays, Ctrl-C, the GIL."""

import os
import signal
import threading
import time

import h5py
import numpy as np
import pytest

import ionsim
from conftest import REPO


def cuba(duration="0.2s", recorders=True):
    """The CUBA benchmark network as dicts (examples/networks/cuba.toml, smaller)."""
    lif = {"tau_m": "20ms", "tau_e": "5ms", "tau_i": "10ms", "v_th": "-50mV",
           "v_reset": "-60mV", "e_l": "-49mV", "t_ref": "5ms"}
    init = {"v": {"uniform": ["-60mV", "-50mV"]}}
    proj = [{"source": s, "target": t, "rule": "fixed_probability", "p": 0.02,
             "receptor": "exc" if s == "exc" else "inh",
             "weight": "1.62mV" if s == "exc" else "-9mV", "delay": "0.1ms"}
            for s in ("exc", "inh") for t in ("exc", "inh")]
    d = {"run": {"dt": "0.1ms", "duration": duration, "seed": 4, "threads": 1},
         "population": [{"name": "exc", "model": "lif_cuba", "size": 800, "params": lif,
                         "init": init},
                        {"name": "inh", "model": "lif_cuba", "size": 200, "params": lif,
                         "init": init}],
         "projection": proj}
    if recorders:
        d["recorder"] = [{"type": "spikes", "populations": ["exc", "inh"]},
                         {"name": "v", "type": "state", "population": "exc",
                          "variables": ["v"], "neurons": [0, 5, 7], "interval": "1ms"}]
    return d


def test_dict_file_and_cli_give_the_same_spikes(cli, tmp_path):
    config = cuba()
    net = ionsim.Network(config)
    assert net.populations == {"exc": 800, "inh": 200} and net.dt == pytest.approx(1e-4)
    out = net.run(0.2)
    t, ids = net.spikes()
    assert len(t) == sum(out["spikes"].values()) > 100
    path = tmp_path / "cuba.toml"
    path.write_text(ionsim.network_toml(config))
    from_file = ionsim.Network(str(path))
    from_file.run(0.2)
    for a, b in zip(from_file.spikes(), (t, ids)):
        np.testing.assert_array_equal(a, b)
    code, _, err = cli("run", path, "--out", "o", "--no-progress")
    assert code == 0, err
    with h5py.File(tmp_path / "o" / "spikes.h5") as f:
        np.testing.assert_allclose(f["/spikes/times"][:], t, rtol=0, atol=1e-12)
        np.testing.assert_array_equal(f["/spikes/ids"][:], ids)
        np.testing.assert_allclose(f["/state/v/v"][:], net.state("v")["v"], rtol=1e-15)
    te, local = net.spikes("exc")
    assert np.all(local < 800) and len(te) == out["spikes"]["exc"]
    rates = net.rates()
    assert rates["exc"] == pytest.approx(out["spikes"]["exc"] / (800 * 0.2))


def test_chunks_continue_the_same_run():
    whole = ionsim.Network(cuba())
    whole.run(0.2)
    chunked = ionsim.Network(cuba())
    for _ in range(4):
        chunked.run(0.05)
    assert chunked.time == pytest.approx(0.2)
    for a, b in zip(whole.spikes(), chunked.spikes()):
        np.testing.assert_array_equal(a, b)
    s = chunked.state("v")
    assert s["v"].shape == (200, 3) and s["t"][1] - s["t"][0] == pytest.approx(1e-3)
    assert list(s["neurons"]) == [0, 5, 7]
    assert np.all(s["v"] < -0.049)  # in volts, below the threshold after each step


def test_plastic_weights_as_arrays():
    path = REPO / "examples" / "networks" / "stdp_song.toml"
    net = ionsim.Network(str(path))
    w0 = net.weights("input_to_neuron")
    net.run(1.0)
    w1 = net.weights("input_to_neuron")
    assert w1["w"].shape == (1000,) and np.all(w1["target"] == 0)
    np.testing.assert_array_equal(w1["source"], np.arange(1000))
    assert np.any(w1["w"] != w0["w"]) and np.all((w1["w"] >= 0) & (w1["w"] <= 0.01))
    assert w1["snapshots"].shape[1] == 1000
    with pytest.raises(ValueError, match="no projection is named 'x'"):
        net.weights("x")


def test_errors_name_the_line(cli, tmp_path):
    bad = cuba()
    bad["population"][0]["sise"] = 3
    with pytest.raises(ionsim.InputError, match="sise") as e:
        ionsim.Network(bad)
    assert "ionsim.network_toml" in str(e.value)
    path = tmp_path / "bad.toml"
    path.write_text(ionsim.network_toml(bad))
    with pytest.raises(ValueError) as f:
        ionsim.Network(str(path))
    code, _, err = cli("run", path, "--out", "o")
    assert code == 2 and str(f.value) in err
    assert not (tmp_path / "o").exists()
    with pytest.raises(TypeError, match="population\\[0\\].params.tau_m"):
        c = cuba()
        c["population"][0]["params"]["tau_m"] = object()
        ionsim.Network(c)
    with pytest.raises(ValueError, match="must be zero or more"):
        ionsim.Network(cuba()).run(-1)


def test_ctrl_c_stops_cleanly_and_keeps_the_state():
    net = ionsim.Network(cuba(recorders=False))
    timer = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        net.run(1000.0)
    timer.join()
    stopped = net.time
    assert 0 < stopped < 1000.0
    net.run(0.01)  # the run goes on from where it stopped
    assert net.time == pytest.approx(stopped + 0.01)


def test_the_gil_is_released():
    net = ionsim.Network(cuba(recorders=False))
    worker = threading.Thread(target=net.run, args=(30.0,))
    start = time.perf_counter()
    worker.start()
    n = 0
    while worker.is_alive():
        n += 1
        time.sleep(0.001)
    # Python ran beside the network (with the GIL held by the run, the loop could not have
    # turned while the worker was alive)
    assert n >= 10, (n, time.perf_counter() - start)


def test_read_recording_of_a_finished_and_of_a_stopped_run(cli, tmp_path):
    path = tmp_path / "cuba.toml"
    path.write_text(ionsim.network_toml(cuba("0.2s")))
    code, _, err = cli("run", path, "--out", "whole", "--no-progress")
    assert code == 0, err
    whole = ionsim.read_recording(str(tmp_path / "whole"))
    assert whole["complete"] and whole["segments"] == 0 and whole["simulated"] == pytest.approx(0.2)
    assert whole["populations"] == ["exc", "inh"] and len(whole["times"]) > 100
    # A run with checkpoints, stopped by SIGTERM after its second: its segments read as one
    # recording, the first part of the finished run's.
    long = tmp_path / "long.toml"
    long.write_text(ionsim.network_toml(cuba("1000s")))
    binary = os.environ.get("IONSIM_BINARY") or str(REPO / "build" / "ionsim")
    import subprocess
    p = subprocess.Popen([binary, "run", str(long), "--out", str(tmp_path / "cut"),
                          "--no-progress", "--checkpoint-every", "0.05s"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while not (tmp_path / "cut" / "segments" / "spikes-000002.h5").exists():
        assert p.poll() is None and time.time() < deadline
        time.sleep(0.005)
    p.send_signal(signal.SIGTERM)
    assert p.wait() == 128 + signal.SIGTERM
    cut = ionsim.read_recording(str(tmp_path / "cut"))
    assert not cut["complete"] and cut["segments"] >= 3
    n = np.searchsorted(whole["times"], min(cut["simulated"], 0.2) - 1e-9)
    m = np.searchsorted(cut["times"], 0.2 - 1e-9)
    assert m == n > 50
    np.testing.assert_array_equal(cut["times"][:m], whole["times"][:n])
    np.testing.assert_array_equal(cut["ids"][:m], whole["ids"][:n])
    with pytest.raises(ionsim.InputError, match="no recording"):
        ionsim.read_recording(str(tmp_path / "nothing"))
