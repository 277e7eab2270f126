# Device STDP window: relative conductance change against t_post - t_pre, with the fitted
# exponential decay of each side and the spike waveform the device was driven with.
# Usage: stdp_window.py OUT.png WINDOW.csv SUMMARY.json
import json
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

out, window, summary = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3]))
d = np.genfromtxt(window, delimiter=",", names=True)
p = summary["protocol"]

fig, (ax_w, ax_l, ax_s) = plt.subplots(1, 3, figsize=(14, 4), gridspec_kw={"width_ratios": [3, 2, 2]})
ax_w.axhline(0, color="0.7", lw=0.8)
ax_w.axvline(0, color="0.7", lw=0.8)
ax_w.plot(d["delta_t_s"] * 1e3, d["dg_rel"] * 100, "o", ms=4, color="C0", label="device")
for key, sign in (("post_after_pre", 1), ("post_before_pre", -1)):
    w = summary["window"][key]
    if w["tau_s"] > 0:
        x = d["delta_t_s"][np.sign(d["delta_t_s"]) == sign]
        x0 = np.min(np.abs(x))
        xs = np.linspace(x0, np.max(np.abs(x)), 100)
        ys = np.sign(w["dg_rel_nearest"]) * w["fit_a"] * np.exp(-xs / w["tau_s"])
        ax_w.plot(sign * xs * 1e3, ys * 100, color="C1", lw=1,
                  label="exponential fit" if sign > 0 else None)
        ax_l.plot(xs * 1e3, np.abs(ys), color="C1" if sign > 0 else "C2", lw=1)
        ax_w.annotate(f"τ = {w['tau_s'] * 1e3:.3g} ms", (sign * x0 * 1e3, w["dg_rel_nearest"] * 100),
                      textcoords="offset points", xytext=(8 * sign, 0), fontsize=8,
                      ha="left" if sign > 0 else "right")
    m = np.sign(d["delta_t_s"]) == sign
    ax_l.plot(np.abs(d["delta_t_s"][m]) * 1e3, np.abs(d["dg_rel"][m]), "o", ms=3,
              color="C1" if sign > 0 else "C2",
              label="post after pre" if sign > 0 else "post before pre")
ax_w.set_xlabel("t_post − t_pre (ms)")
ax_w.set_ylabel("ΔG / G (%)")
ax_w.set_title(f"{summary['model']}: {summary['parameters']}", fontsize=9)
ax_w.legend(fontsize=8)
ax_l.set_yscale("log")
ax_l.set_xlabel("|t_post − t_pre| (ms)")
ax_l.set_ylabel("|ΔG / G|")
ax_l.legend(fontsize=8)

t = np.linspace(-1e-3, p["width_s"] + p["tail_s"], 2000)
v = np.where(t < 0, 0.0, np.where(t < p["width_s"], p["peak_V"],
                                  -p["tail_depth_V"] * np.exp(-(t - p["width_s"]) / p["tau_tail_s"])))
v[t >= p["width_s"] + p["tail_s"]] = 0
ax_s.plot(t * 1e3, v, color="C3")
ax_s.set_xlabel("Time after the spike's onset (ms)")
ax_s.set_ylabel("Spike waveform (V)")
ax_s.set_title("device voltage = spike(t − t_post) − spike(t − t_pre)", fontsize=9)
fig.tight_layout()
fig.savefig(out, dpi=120)
