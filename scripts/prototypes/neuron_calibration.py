#!/usr/bin/python3
"""Prototype of the 1M1T1R neuron (Zhao et al. 2025) at the compact level, for the
`zhao2025-calibrated` preset.  numpy only; see docs/dev/neuron-calibration-notes.md.

Circuit:  V_in --[memristor R_d(x)]-- V_g --(C_g || R_c)-- GND,  spike = V_g rising through 0.22 V.

Per step dt (as ionsim does it):
  1. v_d = V_in - V_g (held over the step);
  2. the memristor is advanced with ionsim's zhao2025 step (src/device/zhao2025.cpp,
     step_device): exponential integrator for x1, x2 with the field at the midpoint x
     (one predictor pass), Euler-Maruyama noise x += sqrt(sigma |f| dt) xi, x >= 0;
     optional extensions (all off by default = plain model A):
       * hold state S (theta, gamma3): du/dt = a - gamma3 u^2, u = exp(S-1),
         a = theta v+ while the channel is complete (x >= 1), solved exactly (Riccati),
         S >= 1; the channel (x1, x2) is frozen while S > 1 (at the step's start);
         R_d uses R_on x / S^2 as in model B;
       * v_th: a drift threshold, E = max(v_d - v_th, 0) / (alpha + |1 - x|);
  3. the gate node is integrated exactly for the step's (end-of-step) R_d:
     V_g <- V_inf + (V_g - V_inf) exp(-dt/tau).
Everything is vectorized over an ensemble (trials, and/or parameter variants: every
parameter may be an array over the ensemble).

Sections printed: 1. Table 1 reproduced; 2. lock-up and the mechanisms tried (hold state,
residue decay, drift threshold); 3. the calibrated set against Fig. 2e and Fig. 3c/d;
4. inter-spike interval over R_c (Fig. 4d); 5. leaky integration; 6. intrinsic plasticity.

    /usr/bin/python3 scripts/prototypes/neuron_calibration.py --quick   # ~80 s
    /usr/bin/python3 scripts/prototypes/neuron_calibration.py           # more trials, ~2 min
    /usr/bin/python3 scripts/prototypes/neuron_calibration.py --search  # Nelder-Mead, ~25 min
"""
import argparse
import time

import numpy as np

V_SPIKE = 0.22      # [V] spike = V_g rising through this (transistor threshold)
V_REARM = 0.20      # [V] V_g must fall below this before the next spike counts

TABLE1 = dict(mu=150.0, alpha=0.01, beta=20.0, gamma1=600.0, gamma2=5.0, lam=0.2,
              r_on=1e6, r_off=1e12, sigma1=0.0, sigma2=0.0, c_g=10e-12, r_c=250e6,
              theta=0.0, gamma3=0.0, v_th=0.0)


def _arr(v, n):
    return np.broadcast_to(np.asarray(v, dtype=float), (n,)).copy()


def simulate(p, n, vin, t_end, dt=2e-6, seed=1, stop_after=None, t_stop_min=0.0,
             record=None, max_spikes=100000, crn_groups=1):
    """Simulate an ensemble of n neurons.

    p      dict of parameters (scalars or arrays of length n)
    vin    function t -> V_in (scalar or array of length n), evaluated at the step start
    stop_after  stop once every member has fired this many spikes (and t >= t_stop_min)
    record list of state names to record every `record_every` (returned as arrays)
    crn_groups  common random numbers: the ensemble is crn_groups blocks of n/crn_groups
           members, member j of every block sees the same noise (for paired comparisons)
    Returns dict: spikes (list of arrays of spike times per member), n_spikes, t_end, trace.
    """
    q = {k: _arr(v, n) for k, v in p.items()}
    mu, al, be, g1, g2 = q["mu"], q["alpha"], q["beta"], q["gamma1"], q["gamma2"]
    r_on, r_off, lam = q["r_on"], q["r_off"], q["lam"]
    s1, s2, cg, rc = q["sigma1"], q["sigma2"], q["c_g"], q["r_c"]
    th, g3, vth = q["theta"], q["gamma3"], q["v_th"]
    noisy = bool(np.any(s1 > 0) or np.any(s2 > 0))
    hold = bool(np.any(th > 0))
    k1 = g1 + be
    e1, e2 = np.exp(-k1 * dt), np.exp(-g2 * dt)

    def phi(a):
        ad = a * dt
        small = np.abs(ad) < 1e-8
        safe = np.where(small, 1.0, a)
        return np.where(small, dt * (1 - 0.5 * ad), -np.expm1(-ad) / safe)

    phi2, phi21 = phi(g2), phi(g2 - k1)
    x1inf_fac = np.where(k1 > 0, 1.0 / np.where(k1 > 0, k1, 1.0), 0.0)
    off_norm = 1.0 / np.expm1(1.0 / lam)
    sq1, sq2 = np.sqrt(s1 * dt), np.sqrt(s2 * dt)
    if hold:
        us = np.sqrt(th / np.maximum(g3, 1e-300))
        kk_dt = np.sqrt(th * g3) * dt

    rng = np.random.default_rng(seed)
    x1 = np.zeros(n)
    x2 = np.zeros(n)
    S = np.ones(n)
    vg = np.zeros(n)
    above = np.zeros(n, bool)
    nsp = np.zeros(n, int)
    sp_i, sp_t = [], []
    dev_on = np.zeros(n, bool)          # device switched on: R_d < R_c (x ~ 0.99)
    on_i, on_t = [], []
    t_high = np.zeros(n)                # time with V_g above the spike level
    t_high_late = np.zeros(n)           # ... over the last 50 ms of the run
    nsteps = int(round(t_end / dt))
    trace = {k: [] for k in (record or [])}
    rec_every = max(1, int(round(1e-5 / dt)))
    k = 0
    for k in range(nsteps):
        t = k * dt
        v_in = vin(t)
        vd = v_in - vg
        vpos = np.maximum(vd - vth, 0.0)          # drift only from the anode, above v_th
        x = x1 + x2
        if hold:
            is_open = S <= 1 + 1e-6
            complete = x >= 1 - 1e-6
            a = th * np.maximum(vd, 0.0) * complete
            u0 = np.exp(S - 1)
            # Riccati du/dt = a - g3 u^2, exact for fixed a
            ust = us * np.sqrt(complete * np.maximum(vd, 0.0))
            tt = np.tanh(kk_dt * np.sqrt(complete * np.maximum(vd, 0.0)))
            grow = a > 0
            u_grow = ust * (u0 + ust * tt) / np.where(grow, ust + u0 * tt, 1.0)
            u_rel = u0 / (1 + g3 * u0 * dt)
            u = np.where(grow, u_grow, u_rel)
            S = np.maximum(1.0, 1.0 + np.log(u))
        # channel (model A step of ionsim)
        f0 = mu * vpos / (al + np.abs(1.0 - x))
        x1i = f0 * x1inf_fac
        x1n = x1i + (x1 - x1i) * e1
        x2n = x2 * e2 + be * (x1i * phi2 + (x1 - x1i) * e1 * phi21)
        fm = mu * vpos / (al + np.abs(1.0 - 0.5 * (x + x1n + x2n)))
        x1i = fm * x1inf_fac
        x1n = x1i + (x1 - x1i) * e1
        x2n = x2 * e2 + be * (x1i * phi2 + (x1 - x1i) * e1 * phi21)
        if noisy:
            z = np.tile(rng.standard_normal((2, n // crn_groups)), crn_groups)
            x1n = x1n + sq1 * np.sqrt(np.abs(f0 - k1 * x1)) * z[0]
            x2n = x2n + sq2 * np.sqrt(np.abs(be * x1 - g2 * x2)) * z[1]
        x1n = np.maximum(x1n, 0.0)
        x2n = np.maximum(x2n, 0.0)
        if hold:
            x1 = np.where(is_open, x1n, x1)
            x2 = np.where(is_open, x2n, x2)
        else:
            x1, x2 = x1n, x2n
        # gate node, exact for the step's R_d
        xh = np.clip(x1 + x2, 0.0, 1.0)
        ron = r_on / (S * S) if hold else r_on
        rd = ron * xh + r_off * np.expm1((1.0 - xh) / lam) * off_norm
        gsum = 1.0 / rd + 1.0 / rc
        vinf = v_in / (rd * gsum)
        vg = vinf + (vg - vinf) * np.exp(-dt * gsum / cg)
        # spikes
        up = (vg > V_SPIKE) & ~above
        if up.any():
            idx = np.nonzero(up)[0]
            sp_i.append(idx)
            sp_t.append(np.full(idx.size, t + dt))
            nsp[idx] += 1
        above = np.where(above, vg > V_REARM, vg > V_SPIKE)
        ison = rd < rc
        upd = ison & ~dev_on
        if upd.any():
            idx = np.nonzero(upd)[0]
            on_i.append(idx)
            on_t.append(np.full(idx.size, t + dt))
        dev_on = np.where(dev_on, rd < 4 * rc, ison)
        hi = vg > V_SPIKE
        t_high += hi * dt
        if t >= t_end - 0.05:
            t_high_late += hi * dt
        if record and k % rec_every == 0:
            loc = dict(t=t, vg=vg, x1=x1, x2=x2, S=S, vin=v_in)
            for name in record:
                trace[name].append(np.copy(loc[name]))
        if stop_after and (k & 63) == 0 and t >= t_stop_min and nsp.min() >= stop_after:
            break
        if nsp.max() > max_spikes:
            break
    def events(li, lt):
        ev = [[] for _ in range(n)]
        if li:
            for i, tv in zip(np.concatenate(li), np.concatenate(lt)):
                ev[i].append(tv)
        return [np.array(e) for e in ev]

    tend = (k + 1) * dt
    out = dict(spikes=events(sp_i, sp_t), on=events(on_i, on_t), n_spikes=nsp, t_end=tend,
               vg=vg, x1=x1, x2=x2, S=S, frac_high=t_high / tend,
               frac_high_late=t_high_late / min(0.05, tend))
    if record:
        out["trace"] = {kk_: np.array(v) for kk_, v in trace.items()}
    return out


# ----------------------------------------------------------------------------- stimuli

def dc(v):
    return lambda t: v


def pulse_train(v, period, width, t0=0.0):
    def f(t):
        tp = t - t0
        return v if (tp >= 0 and (tp % period) < width - 1e-12) else 0.0
    return f


def single_pulse(v, width, t0=0.0):
    return lambda t: v if t0 <= t < t0 + width - 1e-12 else 0.0


def first_spike(res):
    return np.array([s[0] if len(s) else np.nan for s in res["spikes"]])


# ----------------------------------------------------------------------------- protocols

def proto_dc_first(p, v, t_end=0.3, n=1, seed=1, dt=2e-6):
    r = simulate(p, n, dc(v), t_end, dt=dt, seed=seed, stop_after=1)
    return first_spike(r)


def proto_fig2e(p, n=1, seed=1, t_end=0.4, dt=2e-6):
    """0.8 V, 2 ms period, 50 % duty: first spike time and pulse number."""
    r = simulate(p, n, pulse_train(0.8, 2e-3, 1e-3), t_end, dt=dt, seed=seed, stop_after=1)
    t = first_spike(r)
    return t, np.floor(t / 2e-3) + 1


def proto_prob(p, amps, n=200, seed=2, dt=2e-6, width=15e-3):
    """One 15 ms pulse at each amplitude, n trials each; firing probability."""
    amps = np.asarray(amps, float)
    va = np.repeat(amps, n)
    pp = {k: (np.repeat(np.broadcast_to(np.asarray(v, float), amps.shape), n)
              if np.ndim(v) else v) for k, v in p.items()}
    r = simulate(pp, va.size, lambda t: va if t < width - 1e-12 else 0.0 * va,
                 width + 1e-3, dt=dt, seed=seed, crn_groups=amps.size)
    fired = (r["n_spikes"] > 0).reshape(amps.size, n)
    return fired.mean(axis=1)


def proto_isi(p, v, r_cs, t_end=0.3, n=1, seed=3, dt=2e-6, skip=1):
    """Constant drive v from t = 0, R_c swept; mean ISI (after the first `skip` spikes).

    A spike counts only if V_g fell below V_REARM since the last one (discrete spiking).
    'locked': V_g stayed above the spike level for the whole last 50 ms of the run."""
    r_cs = np.asarray(r_cs, float)
    pp = {k: (np.repeat(np.broadcast_to(np.asarray(v_, float), r_cs.shape), n)
              if np.ndim(v_) else v_) for k, v_ in p.items()}
    pp["r_c"] = np.repeat(r_cs, n)
    r = simulate(pp, r_cs.size * n, dc(v), t_end, dt=dt, seed=seed)
    rows = []
    for j, rcv in enumerate(r_cs):
        sl = slice(j * n, (j + 1) * n)
        isis, counts = [], []
        for s in r["spikes"][sl]:
            counts.append(len(s))
            if len(s) > skip + 1:
                isis.extend(np.diff(s[skip:]))
        isis = np.array(isis)
        rows.append(dict(r_c=rcv, n_spikes=float(np.mean(counts)),
                         isi_mean=float(isis.mean()) if isis.size else np.nan,
                         isi_cv=float(isis.std() / isis.mean()) if isis.size > 2 else np.nan,
                         locked=float(np.mean(r["frac_high_late"][sl] > 0.999)),
                         frac_high=float(np.mean(r["frac_high"][sl])),
                         vg_end=float(np.mean(r["vg"][sl]))))
    return rows


def proto_leak(p, gaps, n=1, seed=4, dt=2e-6, v=0.9, width=1e-3, t_end=0.3):
    """0.9 V, 1 ms pulses, gap g: number of pulses to the first spike (nan: none)."""
    gaps = np.asarray(gaps, float)
    per = np.repeat(gaps + width, n)
    va = np.full(per.size, v)

    def f(t):
        return np.where((t % per) < width - 1e-12, va, 0.0)

    r = simulate(p, per.size, f, t_end, dt=dt, seed=seed, stop_after=1, crn_groups=gaps.size)
    t = first_spike(r)
    npulse = np.floor(t / per) + 1
    return npulse.reshape(gaps.size, n)


def proto_paired(p, gap, n=1, seed=5, dt=2e-6, v=2.0, width=20e-3):
    """Paired 2 V, 20 ms pulses separated by `gap`.  Integration time of each pulse = time
    from its onset to the device switching on (R_d < R_c).  Also returns whether the second
    pulse produced a V_g spike (V_g may still be above V_T after a short gap: refractory)."""
    t2 = width + gap

    def f(t):
        return v if (t < width or t2 <= t < t2 + width) else 0.0

    r = simulate(p, n, f, t2 + width + 1e-3, dt=dt, seed=seed)
    d1, d2, sp2 = [], [], []
    for on, sp in zip(r["on"], r["spikes"]):
        a = on[on < width]
        b = on[(on >= t2) & (on < t2 + width)]
        d1.append(a[0] if a.size else np.nan)
        d2.append(b[0] - t2 if b.size else np.nan)
        sp2.append(bool(np.any((sp >= t2) & (sp < t2 + width))))
    return np.array(d1), np.array(d2), np.array(sp2)


# ----------------------------------------------------------------------------- calibration

FIG3 = {0.8: 0.05, 0.9: 0.76, 1.0: 0.95}   # firing probability for one 15 ms pulse
FIG2E_PULSES = 44


def calib_metrics(p, n2e=50, nprob=200, dt=4e-6, seed=11):
    """Fig. 2e mean pulse count (n2e trials) and Fig. 3c/d probabilities (nprob trials)."""
    t, k = proto_fig2e(p, n=n2e, t_end=0.3, dt=dt, seed=seed)
    k = np.where(np.isfinite(k), k, 151.0)
    P = proto_prob(p, list(FIG3), n=nprob, dt=dt, seed=seed + 1)
    return float(np.mean(k)), P


def calib_cost(p, **kw):
    k, P = calib_metrics(p, **kw)
    c = (np.log(k / FIG2E_PULSES) / np.log(1.25)) ** 2
    c += float(np.sum(((P - np.array(list(FIG3.values()))) / 0.15) ** 2))
    return c, k, P


def nelder_mead(f, x0, step, iters=200, tol=1e-3, log=None):
    """Plain Nelder-Mead (adaptive coefficients of Gao & Han for dimension n)."""
    n = len(x0)
    a, g, r, s = 1.0, 1 + 2.0 / n, 0.75 - 1 / (2.0 * n), 1 - 1.0 / n
    X = [np.asarray(x0, float)] + [np.asarray(x0, float) + step[i] * np.eye(n)[i]
                                    for i in range(n)]
    F = [f(x) for x in X]
    for it in range(iters):
        o = np.argsort(F)
        X = [X[i] for i in o]
        F = [F[i] for i in o]
        if log:
            log(it, X[0], F[0])
        if abs(F[-1] - F[0]) < tol:
            break
        c = np.mean(X[:-1], axis=0)
        xr = c + a * (c - X[-1])
        fr = f(xr)
        if fr < F[0]:
            xe = c + g * (xr - c)
            fe = f(xe)
            X[-1], F[-1] = (xe, fe) if fe < fr else (xr, fr)
        elif fr < F[-2]:
            X[-1], F[-1] = xr, fr
        else:
            if fr < F[-1]:
                xc = c + r * (xr - c)
            else:
                xc = c + r * (X[-1] - c)
            fc = f(xc)
            if fc < min(fr, F[-1]):
                X[-1], F[-1] = xc, fc
            else:
                X = [X[0]] + [X[0] + s * (x - X[0]) for x in X[1:]]
                F = [F[0]] + [f(x) for x in X[1:]]
    o = int(np.argmin(F))
    return X[o], F[o]


# ----------------------------------------------------------------------------- parameter sets

# The proposed `zhao2025-calibrated` set: model A plus a drift threshold v_th (see the notes).
CALIBRATED = dict(TABLE1, mu=279.0, beta=48.0, gamma1=186.0, gamma2=11.7, sigma1=0.21,
                  sigma2=0.023, v_th=0.658)
DETERMINISTIC = dict(CALIBRATED, sigma1=0.0, sigma2=0.0)
RCS = [50e6, 100e6, 250e6, 500e6, 1e9]


def fmt_ms(t):
    return "—" if not np.isfinite(t) else f"{1e3 * t:.2f}"


def section(title):
    print(f"\n== {title}", flush=True)


def isi_table(name, rows):
    print(f"  {name}")
    print("    R_c (MΩ)  spikes  mean ISI (ms)  CV    locked  V_g(end)")
    for r in rows:
        print(f"    {r['r_c'] / 1e6:7.0f}  {r['n_spikes']:6.1f}  {fmt_ms(r['isi_mean']):>12}  "
              f"{r['isi_cv']:4.2f}  {r['locked']:5.2f}   {r['vg_end']:.2f}")
    isi = [r["isi_mean"] for r in rows]
    if all(np.isfinite(isi)):
        mono = all(b > a for a, b in zip(isi, isi[1:]))
        print(f"    ISI(1 GΩ)/ISI(50 MΩ) = {isi[-1] / isi[0]:.1f}, monotonic: {mono}")


def validate_table1(dt):
    section(f"1. Table 1 (model A as published), dt = {dt * 1e6:g} µs")
    for v, ref in ((0.6, 77.6), (0.8, 34.9), (1.0, 15.4)):
        t = proto_dc_first(TABLE1, v, dt=dt)[0]
        print(f"  DC {v:.1f} V: first V_g crossing {fmt_ms(t)} ms (reference {ref} ms)")
    t, k = proto_fig2e(TABLE1, dt=dt)
    print(f"  Fig. 2e: first spike {fmt_ms(t[0])} ms = pulse {k[0]:.0f} "
          f"(reference ≈193 ms ≈ 97 pulses; measured 88 ms = 44 pulses)")


def isi_batch(cases, r_cs, t_end, dt, n=1, seed=3, skip=1):
    """proto_isi for several (params, drive) cases in one ensemble; returns rows per case."""
    keys = set(TABLE1).union(*[set(p) for p, _ in cases])
    m = len(cases) * len(r_cs) * n
    pp = {k: np.repeat([p.get(k, TABLE1[k]) for p, _ in cases], len(r_cs) * n) for k in keys}
    pp["r_c"] = np.tile(np.repeat(r_cs, n), len(cases))
    va = np.repeat([v for _, v in cases], len(r_cs) * n).astype(float)
    r = simulate(pp, m, lambda t: va, t_end, dt=dt, seed=seed, crn_groups=len(cases) * len(r_cs))
    out = []
    for c in range(len(cases)):
        rows = []
        for j, rcv in enumerate(r_cs):
            sl = slice((c * len(r_cs) + j) * n, (c * len(r_cs) + j + 1) * n)
            isis, counts = [], []
            for s_ in r["spikes"][sl]:
                counts.append(len(s_))
                if len(s_) > skip + 1:
                    isis.extend(np.diff(s_[skip:]))
            isis = np.array(isis)
            rows.append(dict(r_c=rcv, n_spikes=float(np.mean(counts)),
                             isi_mean=float(isis.mean()) if isis.size else np.nan,
                             isi_cv=float(isis.std() / isis.mean()) if isis.size > 2 else np.nan,
                             locked=float(np.mean(r["frac_high_late"][sl] > 0.999)),
                             frac_high=float(np.mean(r["frac_high"][sl])),
                             vg_end=float(np.mean(r["vg"][sl]))))
        out.append(rows)
    return out


def mechanisms(dt, t_end):
    section(f"2. Lock-up: deterministic runs, DC drive from t = 0, {t_end * 1e3:.0f} ms, "
            f"dt = {dt * 1e6:g} µs ('locked': V_g above 0.22 V for all of the last 50 ms)")
    cases = [("Table 1", TABLE1, 1.0), ("Table 1", TABLE1, 0.8),
             ("Table 1 + hold state θ=1e4 1/(V·s), γ3=300 1/s", dict(TABLE1, theta=1e4,
                                                                      gamma3=300.0), 1.0),
             ("Table 1 + hold state θ=1e5, γ3=30", dict(TABLE1, theta=1e5, gamma3=30.0), 1.0),
             ("Table 1 + stronger residue decay γ2=50", dict(TABLE1, gamma2=50.0), 1.0),
             ("Table 1 + v_th=0.05 V (measured V_hold)", dict(TABLE1, v_th=0.05), 1.0),
             ("calibrated, deterministic, without v_th (v_th=0)", dict(DETERMINISTIC, v_th=0.0),
              0.8),
             ("calibrated, deterministic", DETERMINISTIC, 0.8)]
    res = isi_batch([(p, v) for _, p, v in cases], RCS, t_end, dt)
    for (name, _, v), rows in zip(cases, res):
        isi_table(f"{name}, {v} V", rows)


def calibrated(dt, quick):
    n2e, nprob = (100, 200) if quick else (400, 500)
    section(f"3. Calibrated set, dt = {dt * 1e6:g} µs: " + ", ".join(
        f"{k}={v:g}" for k, v in CALIBRATED.items() if k not in ("theta", "gamma3")))
    t, k = proto_fig2e(CALIBRATED, n=n2e, dt=dt, seed=101, t_end=0.3)
    ok = np.isfinite(k)
    print(f"  Fig. 2e ({n2e} trials): pulses to the first spike {np.mean(k[ok]):.1f} ± "
          f"{np.std(k[ok]):.1f} (median {np.median(k[ok]):.0f}, 10–90 % "
          f"{np.percentile(k[ok], 10):.0f}–{np.percentile(k[ok], 90):.0f}; "
          f"{(~ok).sum()} without a spike in 300 ms); target 44 ± 25 %")
    amps = [0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0, 1.1, 1.2]
    P = proto_prob(CALIBRATED, amps, n=nprob, dt=dt, seed=102)
    Pd = proto_prob(DETERMINISTIC, amps, n=1, dt=dt)
    print(f"  Fig. 3c/d, one 15 ms pulse ({nprob} trials per amplitude):")
    print("    V_in (V)       " + " ".join(f"{a:5.2f}" for a in amps))
    print("    P(fire)        " + " ".join(f"{x:5.2f}" for x in P))
    print("    deterministic  " + " ".join(f"{x:5.2f}" for x in Pd))
    print("    paper                    0.05        0.76        0.95")
    t, _ = proto_fig2e(DETERMINISTIC, dt=dt)
    print(f"  deterministic Fig. 2e: pulse {np.floor(t[0] / 2e-3) + 1:.0f}")
    r = simulate(CALIBRATED, nprob, single_pulse(1.0, 15e-3), 15e-3, dt=dt, seed=103)
    d = np.array([o[0] for o in r["on"] if o.size])
    print(f"  switching delay at 1.0 V ({d.size}/{nprob} switched in 15 ms): "
          f"median {1e3 * np.median(d):.2f} ms, 5–95 % {1e3 * np.percentile(d, 5):.2f}–"
          f"{1e3 * np.percentile(d, 95):.2f} ms (measured device: 0.1–9 ms)")


def refractory(dt, quick):
    n = 4 if quick else 10
    section(f"4. Refractory period over R_c, calibrated, {n} trials, 300 ms, dt = {dt * 1e6:g} µs")
    drives = (0.8, 1.0) if quick else (0.75, 0.8, 0.85, 0.9, 1.0)
    res = isi_batch([(CALIBRATED, v) for v in drives], RCS, 0.3, dt, n=n, seed=104)
    for v, rows in zip(drives, res):
        isi_table(f"DC {v} V", rows)


def leak_and_ip(dt, quick):
    n = 100 if quick else 300
    gaps = [0.4e-3, 0.6e-3, 0.8e-3, 1.0e-3, 1.2e-3]
    section(f"5. Leaky integration: 0.9 V, 1 ms pulses ({n} trials), dt = {dt * 1e6:g} µs")
    pp = dict(CALIBRATED)
    pp["sigma1"] = np.tile(np.r_[0.0, np.full(n, CALIBRATED["sigma1"])], len(gaps))
    pp["sigma2"] = np.tile(np.r_[0.0, np.full(n, CALIBRATED["sigma2"])], len(gaps))
    k = proto_leak(pp, gaps, n=n + 1, dt=dt, t_end=0.4, seed=105)
    kd, k = k[:, :1], k[:, 1:]
    print("    gap (ms)        " + " ".join(f"{1e3 * g:6.1f}" for g in gaps))
    print("    pulses mean     " + " ".join(f"{x:6.1f}" for x in np.nanmean(k, axis=1)))
    print("    pulses median   " + " ".join(f"{x:6.1f}" for x in np.nanmedian(k, axis=1)))
    print("    pulses sd       " + " ".join(f"{x:6.1f}" for x in np.nanstd(k, axis=1)))
    print("    deterministic   " + " ".join(f"{x:6.0f}" for x in kd[:, 0]))
    n = 40 if quick else 200
    section(f"6. Intrinsic plasticity: paired 2 V, 20 ms pulses ({n} trials), R_c 250 MΩ; "
            "integration time = onset to switch-on (R_d < R_c)")
    print("    gap (ms)   first (ms)  second (ms)  det. first  det. second  "
          "2nd pulse gives a V_g spike")
    pp = dict(CALIBRATED)
    pp["sigma1"] = np.r_[0.0, np.full(n, CALIBRATED["sigma1"])]   # member 0: deterministic
    pp["sigma2"] = np.r_[0.0, np.full(n, CALIBRATED["sigma2"])]
    for g in (3e-3, 30e-3, 80e-3, 200e-3, 1.0):
        d1, d2, sp = proto_paired(pp, g, n=n + 1, dt=dt, seed=106)
        print(f"    {1e3 * g:7.0f}   {1e3 * np.nanmean(d1[1:]):9.3f}  "
              f"{1e3 * np.nanmean(d2[1:]):10.3f}  {1e3 * d1[0]:10.3f}  {1e3 * d2[0]:11.3f}  "
              f"{np.mean(sp[1:]):6.2f}", flush=True)
    if not quick:
        print(f"    (sd of the first integration time: {1e3 * np.nanstd(d1[1:]):.3f} ms)")


def search(dt):
    section("Nelder-Mead refinement of the calibrated set (slow: ~25 min)")
    names = ["mu", "beta", "gamma1", "gamma2", "sigma1", "sigma2", "v_th"]

    def topar(z):
        p = dict(CALIBRATED)
        for nm, zi in zip(names, z):
            p[nm] = float(zi if nm == "v_th" else np.exp(zi))
        return p

    def f(z):
        return calib_cost(topar(z), n2e=200, nprob=300, dt=dt, seed=2024)[0]

    z0 = [CALIBRATED[nm] if nm == "v_th" else np.log(CALIBRATED[nm]) for nm in names]
    z, c = nelder_mead(f, z0, [0.2] * 4 + [0.5, 0.5, 0.02], iters=150,
                       log=lambda it, x, fx: print(f"  it {it:3d} cost {fx:.3f}", flush=True))
    print("  best", {k: round(v, 5) for k, v in topar(z).items() if k in names}, "cost", c)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer trials (< 2 min)")
    ap.add_argument("--dt", type=float, default=2e-6, help="step [s] (default 2e-6)")
    ap.add_argument("--search", action="store_true", help="rerun the Nelder-Mead refinement")
    a = ap.parse_args()
    t0 = time.time()
    if a.search:
        search(4e-6)
        return
    validate_table1(a.dt)
    mechanisms(max(a.dt, 4e-6) if a.quick else a.dt, 0.2)
    calibrated(a.dt, a.quick)
    refractory(a.dt, a.quick)
    leak_and_ip(a.dt, a.quick)
    print(f"\n[{time.time() - t0:.0f} s]")


if __name__ == "__main__":
    main()
