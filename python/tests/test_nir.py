"""NIR graphs from Python, against the command line and the data's reference spikes."""

import numpy as np
import pytest

import ionsim
from conftest import shared_data


def test_single_lif_spike_steps(cli, tmp_path):
    graph = shared_data("nir/lif/lif_norse.nir")
    x = np.loadtxt(shared_data("nir/lif/lif_norse.csv"), delimiter=",", ndmin=2)[:, :1]
    r = ionsim.nir_run(graph, x, dt=1e-4)
    assert r["version"] == "0.1.1"
    spikes = r["nodes"]["1"]["spikes"]
    assert spikes.shape == (1000, 1)
    # the steps on which the exact solver, Norse and snnTorch agree, each within one step
    steps = np.flatnonzero(spikes[:, 0])
    assert len(steps) == 4 and np.all(np.abs(steps - [460, 510, 710, 760]) <= 1)
    np.save(tmp_path / "x.npy", x)
    code, _, err = cli("nir", "run", graph, "--input", "x.npy", "--out", "o")
    assert code == 0, err
    np.testing.assert_array_equal(np.load(tmp_path / "o" / "output.npy"), r["output"])


def test_bad_input_shape():
    graph = shared_data("nir/lif/lif_norse.nir")
    with pytest.raises(ionsim.InputError, match="3 columns where the graph's Input has 1"):
        ionsim.nir_run(graph, np.zeros((10, 3)))
    with pytest.raises(ValueError, match="reset 'half'"):
        ionsim.nir_run(graph, np.zeros((10, 1)), reset="half")


def test_export_and_run_give_the_networks_spike_counts(tmp_path):
    from conftest import REPO

    config = str(REPO / "examples" / "networks" / "lif_to_nir" / "net.toml")
    info = ionsim.nir_export(config, str(tmp_path / "net.nir"))
    assert info["input_population"] == "in" and info["output_population"] == "out"
    assert info["nodes"]["hidden"] == "LIF" and info["nodes"]["hidden.exc"] == "LI"
    assert info["nodes"]["out"] == "CubaLIF" and info["nodes"]["in"] == "Input"
    net = ionsim.Network(config)
    net.run(0.5)
    steps = round(0.5 / net.dt)
    t, ids = net.spikes("in")
    x = np.zeros((steps, 20))
    x[np.round(t / net.dt).astype(int), ids] = 1 / net.dt  # pulses of area 1
    r = ionsim.nir_run(str(tmp_path / "net.nir"), x, dt=net.dt, spike="area", method="exact")
    # the runner holds a spike's charge over its step, the engine adds it at the step's start:
    # a neuron that only just reaches threshold may fire once more or less (the unit test
    # NirExport.RoundTripGivesTheEnginesSpikes matches the spike steps); counts within 3 %
    for pop in ("hidden", "gate", "out"):
        n = len(net.spikes(pop)[0])
        assert n > 10 and abs(r["nodes"][pop]["spikes"].sum() - n) <= max(1, 0.03 * n)
    # the CUBA benchmark starts from random potentials, which NIR cannot hold
    with pytest.raises(ionsim.InputError, match="population 'exc': an initial state"):
        ionsim.nir_export(str(REPO / "examples" / "networks" / "cuba.toml"), str(tmp_path / "b.nir"))
    assert not (tmp_path / "b.nir").exists()


def test_a_batch_is_independent_copies():
    graph = ionsim.NirGraph(shared_data("nir/rnn/braille_noDelay_bias_zero.nir"))
    x = np.load(shared_data("nir/rnn/braille_test0_input.npy"))  # (256 steps, 12)
    one = graph.run(x)
    rng = np.random.default_rng(1)
    batch = np.stack([x, rng.permutation(x), x])
    many = graph.run(batch)
    assert many["output"].shape == (3,) + one["output"].shape
    # each sample starts from rest: the first and the third are the single run's
    for k in (0, 2):
        np.testing.assert_array_equal(many["output"][k], one["output"])
        for name, node in one["nodes"].items():
            if "spikes" in node:
                np.testing.assert_array_equal(many["nodes"][name]["spikes"][k], node["spikes"])
    assert not np.array_equal(many["output"][1], one["output"])


def test_fixed_width_names_that_fill_their_width(tmp_path):
    # numpy's "S" strings are padded with nulls, not terminated: 'output' in an S6 array
    # fills its six bytes and must keep its last letter.
    import h5py

    with h5py.File(tmp_path / "g.nir", "w") as f:
        f["version"] = np.bytes_("0.2.0")
        f["node/type"] = np.bytes_("NIRGraph")
        f["node/edges"] = np.array([("input", "lif"), ("lif", "output")], dtype="S")
        f["node/nodes/input/type"] = np.bytes_("Input")
        f["node/nodes/input/shape"] = np.array([1])
        f["node/nodes/output/type"] = np.bytes_("Output")
        f["node/nodes/output/shape"] = np.array([1])
        n = f.create_group("node/nodes/lif")
        n["type"] = np.bytes_("LIF")
        for k, v in {"tau": 1e-3, "r": 1.0, "v_leak": 0.0, "v_threshold": 0.5}.items():
            n[k] = np.array([v])
    r = ionsim.nir_run(str(tmp_path / "g.nir"), np.ones((3, 1)), dt=1e-3)
    # Euler with dt = tau: v = x = 1 > 0.5 on every step
    np.testing.assert_array_equal(r["output"][:, 0], [1, 1, 1])


def test_hardware_mapping_as_the_command_line(cli, tmp_path):
    from conftest import REPO

    graph = str(REPO / "data" / "nir" / "digits_ff.nir")
    rng = np.random.default_rng(1)
    x = (rng.random((3, 30, 64)) < 0.15).astype(float)
    hw = ionsim.NirHardware(graph, 30, dt=1e-3, threads=2)
    assert hw.dilation == 5.0
    assert hw.mapping["nodes"]["lif1"]["tau_in_s"] == pytest.approx(0.05)
    r = hw.run(x)
    assert r["output"].shape == (3, 30, 10) and r["nodes"]["lif1"]["spikes"].shape == (3, 30, 32)
    assert r["nodes"]["lif1"]["spikes"].sum() > 0
    one = hw.run(x[0])
    np.testing.assert_array_equal(one["output"], r["output"][0])
    np.save(tmp_path / "x.npy", x[0])
    code, _, err = cli("nir", "run", graph, "--input", "x.npy", "--dt", "1ms", "--hardware",
                       "1m1t1r", "--out", "o")
    assert code == 0, err
    np.testing.assert_array_equal(np.load(tmp_path / "o" / "output.npy"), one["output"])
    with pytest.raises(ionsim.InputError, match="0.5 is not a spike"):
        hw.run(np.full((30, 64), 0.5))
    with pytest.raises(ionsim.InputError, match="unknown hardware option 'levles'"):
        ionsim.NirHardware(graph, 30, dt=1e-3, levles=16)
    with pytest.raises(ionsim.InputError, match="integrator = 'rk4'"):
        ionsim.NirHardware(graph, 30, dt=1e-3, integrator="rk4")
    # the hybrid integrator at 100 us steps, as `nir run --integrator hybrid --hardware-dt 100us`
    hy = ionsim.NirHardware(graph, 30, dt=1e-3, dt_hardware=1e-4, integrator="hybrid")
    assert hy.mapping["integrator"] == "hybrid" and hy.mapping["dt_hardware_s"] == 1e-4
    code, _, err = cli("nir", "run", graph, "--input", "x.npy", "--dt", "1ms", "--hardware",
                       "1m1t1r", "--hardware-dt", "100us", "--integrator", "hybrid", "--out", "oh")
    assert code == 0, err
    np.testing.assert_array_equal(np.load(tmp_path / "oh" / "output.npy"),
                                  hy.run(x[0])["output"])
