"""ionsim.learn against `ionsim learn`: the same results and weights from a file or a dict."""

import os
import pathlib
import signal
import threading

import numpy as np
import pytest

import ionsim
from conftest import read_json

DIGITS = os.environ.get("IONSIM_DIGITS") or (
    "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz")

# 30 training and 30 test digits, 10 neurons: under a second
SMALL = {
    "data": {"dataset": "digits", "train": 30, "test": 30},
    "network": {"neurons": 10},
    "plasticity": {"norm": 0.5, "nu_post": 0.05, "nu_pre": 5e-4},
}


@pytest.fixture(autouse=True)
def digits():
    if not pathlib.Path(DIGITS).exists():
        pytest.skip(f"missing {DIGITS} (install Debian's python3-sklearn)")


def test_file_dict_and_cli_agree(cli, tmp_path):
    path = tmp_path / "small.toml"
    path.write_text('[data]\ndataset = "digits"\ntrain = 30\ntest = 30\n[network]\nneurons = 10\n'
                    "[plasticity]\nnorm = 0.5\nnu_post = 0.05\nnu_pre = 5e-4\n")
    calls = []
    from_file = ionsim.learn(str(path), progress=lambda f, what: calls.append((f, what)))
    from_dict = ionsim.learn(SMALL)
    code, _, err = cli("learn", path, "--out", "o", "--no-plot")
    assert code == 0, err
    on_disk = read_json(tmp_path / "o" / "results.json")
    for r in (from_file, from_dict):
        assert r["accuracy"] == on_disk["accuracy"]
        assert r["assignment"] == on_disk["assignment"]
        assert r["confusion"] == on_disk["confusion"]
        assert r["weights"].shape == (64, 10)
        np.testing.assert_array_equal(r["weights"], np.load(tmp_path / "o" / "weights.npy"))
    assert 0 <= from_file["accuracy"] <= 1
    # at most one call per 0.5 s: the first one at least, with its phase
    assert calls and 0 < calls[0][0] <= 1 and "training" in calls[0][1]


def test_a_trained_network_is_saved_and_read_back(cli, tmp_path):
    first = ionsim.learn(SMALL, save_trained=tmp_path / "t.state")
    again = ionsim.learn(SMALL, trained=tmp_path / "t.state")
    for key in ("accuracy", "assignment", "confusion", "running_accuracy", "trained_images"):
        assert first[key] == again[key], key
    np.testing.assert_array_equal(first["weights"], again["weights"])
    assert again["trained_from"] == str(tmp_path / "t.state")
    # the command reads the same file
    path = tmp_path / "small.toml"
    path.write_text('[data]\ndataset = "digits"\ntrain = 30\ntest = 30\n[network]\nneurons = 10\n'
                    "[plasticity]\nnorm = 0.5\nnu_post = 0.05\nnu_pre = 5e-4\n")
    code, _, err = cli("learn", path, "--trained", tmp_path / "t.state", "--out", "o", "--no-plot")
    assert code == 0, err
    assert read_json(tmp_path / "o" / "results.json")["accuracy"] == first["accuracy"]
    with pytest.raises(ionsim.InputError, match="\\[network\\] neurons = 12 differs"):
        ionsim.learn({**SMALL, "network": {"neurons": 12}}, trained=tmp_path / "t.state")


def test_errors_name_the_key():
    bad = {**SMALL, "network": {"neurons": 10, "sise": 3}}
    with pytest.raises(ionsim.InputError, match="unknown key 'sise' in \\[network\\]"):
        ionsim.learn(bad)
    with pytest.raises(ionsim.InputError, match="learning.toml: cannot open the file"):
        ionsim.learn("/nonexistent/learning.toml")


def test_ctrl_c_stops_after_the_current_image():
    long = {**SMALL, "data": {"dataset": "digits"}, "training": {"epochs": 50}}
    timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        ionsim.learn(long)
    timer.join()
