"""Spike-train statistics from Python, against closed forms and `ionsim analyze`."""

import h5py
import numpy as np
import pytest

import ionsim
from conftest import REPO, read_json


def test_golden_values_and_poisson():
    # intervals [0.3, 4.5, 6.7, 9.3] (the library's golden values)
    t = np.cumsum([1.0, 0.3, 4.5, 6.7, 9.3])
    s = ionsim.train_statistics(t, 0.0, 25.0)
    assert s["lv"] == pytest.approx(0.8306154336734695, abs=1e-15)
    assert s["cv2"] == pytest.approx(0.8226190476190478, abs=1e-15)
    assert s["spikes"] == 5 and s["rate"] == pytest.approx(5 / 25)
    rng = np.random.default_rng(3)
    poisson = np.cumsum(rng.exponential(0.01, 200000))  # 100 Hz
    p = ionsim.train_statistics(poisson, 0.0, poisson[-1], refractory=5e-3)
    for k in ("cv", "lv", "cv2", "fano"):
        assert p[k] == pytest.approx(1.0, abs=0.02), k
    assert p["lvr"] == pytest.approx(1 + 4 * 5e-3 * 100, abs=0.03)
    assert ionsim.train_statistics([], 0, 1)["class"] == "none"
    d = ionsim.pair_distances(t, t, 0.0, 25.0)
    # identical trains: zero distances (the closed-form van Rossum to rounding), Gamma 1
    assert d["isi_distance"] == 0 and d["van_rossum"] < 1e-6 and d["gamma"] == pytest.approx(1)
    with pytest.raises(ValueError, match="window"):
        ionsim.train_statistics(t, 1.0, 1.0)


def test_population_as_the_cli_computes_it(cli, tmp_path):
    config = REPO / "examples" / "networks" / "cuba.toml"
    assert cli("run", config, "--out", "r", "--no-progress")[0] == 0
    assert cli("analyze", tmp_path / "r", "--out", "a")[0] == 0
    expected = read_json(tmp_path / "a" / "statistics.json")["populations"]
    with h5py.File(tmp_path / "r" / "spikes.h5") as f:
        times, ids = f["/spikes/times"][:], f["/spikes/ids"][:].astype(np.int64)
        first = dict(zip([n.decode() if isinstance(n, bytes) else n
                          for n in f["/populations/names"][:]], f["/populations/first_id"][:]))
        size = dict(zip(first, f["/populations/size"][:]))
    for pop in ("exc", "inh"):
        mine = (ids >= first[pop]) & (ids < first[pop] + size[pop])
        a = ionsim.analyze(times[mine], ids[mine] - first[pop], n=int(size[pop]), t0=0.0, t1=1.0,
                           name=pop)
        e = expected[pop]
        assert a["rate"] == pytest.approx(e["rate_hz"], rel=1e-12)
        for k in ("cv", "cv2", "lv", "lvr", "fano", "chi", "isi_distance", "spike_distance",
                  "van_rossum"):
            assert a[k] == pytest.approx(e[k], rel=1e-12), k
        assert a["class"] == e["class"] and a["per_neuron"]["rate"].shape == (size[pop],)
    with pytest.raises(ValueError, match="not below n = 3"):
        ionsim.analyze(np.array([0.1]), np.array([5]), n=3, t1=1.0)
