#!/usr/bin/python3
"""The peer of bench_device_throughput: the public PyTorch reference implementation of model B
(T. Wang et al., IEEE TCASAI 2024; repository yanglab2021/DiffusiveMemristor, file
MemristorModel.py, class Memristor) timed on the same protocol, on one CPU thread.

The reference code is not part of ionsim and must never be committed to it. It is looked up
outside the repository at run time, in this order:
  1. $IONSIM_REFERENCE_DIR: a checkout holding MemristorModel.py, or a git directory;
  2. /work/.mirror/yanglab2021+DiffusiveMemristor (a bare mirror, or its repo/ subdirectory);
  3. git clone --depth 1 https://github.com/yanglab2021/DiffusiveMemristor into a temp dir.
MemristorModel.py is copied into a temporary directory outside the repository and imported
from there. If it cannot be found, the script says so and exits with status 2.

What is timed is the body of Memristor.forward() for one step, without its per-step
recording lists: the series divider and current-compliance clamp of the voltage,
memristor_update(res, fil, S, vin) (cycle-to-cycle noise, hold state, diffusion, drift,
transfer, resistance) and the branch current with its clamp -- the same work as one
ionsim advance() step. Each repetition runs at least --steps steps and --seconds seconds. Protocol as in bench/device_throughput.cpp: N devices, triangle sweep
0 -> +A -> 0 -> -A -> 0 of period P steps, device i shifted by i steps. The applied voltages
are precomputed outside the timing, as forward() receives them.

Run with Debian's /usr/bin/python3 (python3-torch). Prints one JSON line per dtype.
"""
import argparse
import contextlib
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO_URL = "https://github.com/yanglab2021/DiffusiveMemristor"
MIRROR = "/work/.mirror/yanglab2021+DiffusiveMemristor"
FILE = "MemristorModel.py"
IONSIM_ROOT = os.path.realpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

# The wang2024-dc-symmetric preset (src/device/presets/wang2024-dc-symmetric.toml), in the
# reference's argument names.
DC_SYMMETRIC = dict(dt=1e-3, Ron=1.7e5, Roff=1e11, mu=60, gamma1=60, gamma2=40, gamma3=10,
                    theta=100, alpha=0.01, beta=40, lam=0.8, symmetric=True, C2C=True,
                    sigma1=8, sigma2=5, sigma3=0, I_Compliance=1e-6)
# A device counts as switched on above this conductance (below 100 MΩ) [S], as in the C++ side.
ON_CONDUCTANCE = 1e-8


def log(msg):
    print(f"reference_wang2024: {msg}", file=sys.stderr, flush=True)


def inside_repo(path):
    p = os.path.realpath(path)
    return p == IONSIM_ROOT or p.startswith(IONSIM_ROOT + os.sep)


def git(args, timeout=60):
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0")
    return subprocess.run(["git"] + args, capture_output=True, text=True, timeout=timeout, env=env)


def read_git_dir(gdir):
    """MemristorModel.py at HEAD of a git directory (bare, mirror or .git), or None."""
    try:
        show = git(["--git-dir", gdir, "show", f"HEAD:{FILE}"])
        if show.returncode != 0:
            return None
        rev = git(["--git-dir", gdir, "rev-parse", "HEAD"])
        commit = rev.stdout.strip() if rev.returncode == 0 else "unknown"
        return show.stdout, commit
    except (OSError, subprocess.SubprocessError):
        return None


def read_dir(d):
    """MemristorModel.py from a checkout or a git directory at d (or d/repo, d/.git)."""
    if not d or not os.path.isdir(d):
        return None
    f = os.path.join(d, FILE)
    if os.path.isfile(f):
        with open(f, encoding="utf-8") as fh:
            text = fh.read()
        commit = "unknown"
        try:
            # Only a checkout of its own: a plain folder inside some other repository must
            # not report that repository's commit.
            if not os.path.exists(os.path.join(d, ".git")):
                raise FileNotFoundError(d)
            rev = git(["-C", d, "rev-parse", "HEAD"])
            if rev.returncode == 0:
                commit = rev.stdout.strip()
        except (OSError, subprocess.SubprocessError):
            pass
        return text, commit
    for g in (d, os.path.join(d, "repo"), os.path.join(d, ".git")):
        if os.path.isdir(g):
            got = read_git_dir(g)
            if got:
                return got
    return None


def temp_dir(prefix):
    base = tempfile.gettempdir()
    if inside_repo(base):
        base = "/tmp"
    return tempfile.mkdtemp(prefix=prefix, dir=base)


def locate_reference():
    """Returns (source text, commit, where) or None."""
    tried = []
    env = os.environ.get("IONSIM_REFERENCE_DIR")
    if env:
        got = read_dir(env)
        if got:
            return got + (f"$IONSIM_REFERENCE_DIR={env}",)
        tried.append(f"$IONSIM_REFERENCE_DIR={env} (no {FILE} there)")
    else:
        tried.append("$IONSIM_REFERENCE_DIR (not set)")
    got = read_dir(MIRROR)
    if got:
        return got + (MIRROR,)
    tried.append(f"{MIRROR} (absent or without {FILE})")
    clone_parent = temp_dir("ionsim-ref-clone-")
    try:
        dest = os.path.join(clone_parent, "DiffusiveMemristor")
        try:
            r = git(["clone", "--quiet", "--depth", "1", REPO_URL, dest], timeout=180)
            ok = r.returncode == 0
            why = r.stderr.strip().splitlines()[-1] if r.stderr.strip() else f"exit {r.returncode}"
        except (OSError, subprocess.SubprocessError) as e:
            ok, why = False, str(e)
        if ok:
            got = read_dir(dest)
            if got:
                return got + (REPO_URL,)
            why = f"no {FILE} in the clone"
        tried.append(f"git clone --depth 1 {REPO_URL} ({why})")
    finally:
        shutil.rmtree(clone_parent, ignore_errors=True)
    log("the PyTorch reference (yanglab2021/DiffusiveMemristor, MemristorModel.py) was not "
        "found; skipping the peer. Tried: " + "; ".join(tried) + ". Set IONSIM_REFERENCE_DIR "
        "to a checkout of that repository to run it.")
    return None


def sweep_levels(amplitude, period):
    out = []
    for j in range(period):
        x = j / period
        tri = 4 * x if x < 0.25 else (2 - 4 * x if x < 0.75 else 4 * x - 4)
        out.append(amplitude * tri)
    return out


def run(model_mod, torch, args, dtype_name):
    dtype = {"float32": torch.float32, "float64": torch.float64}[dtype_name]
    torch.set_default_dtype(dtype)
    torch.manual_seed(20240601)
    n, period = args.devices, args.period
    m = model_mod.Memristor(**DC_SYMMETRIC)
    levels = torch.tensor(sweep_levels(args.amplitude, period), dtype=dtype)
    idx = torch.arange(n)

    def applied(first, count):
        # (count, 1, N): step t, device i gets levels[(t + i) mod P], as forward()'s Vin[:, t, :].
        t = torch.arange(first, first + count).unsqueeze(1)
        return levels[(t + idx.unsqueeze(0)) % period].unsqueeze(1)

    # Initial state as in forward().
    res = torch.zeros(1, n)
    fil = torch.zeros(1, n)
    S = torch.zeros(1, n)
    Rm = torch.ones(1, n) * m.Roff
    current = torch.zeros(1, n)

    def steps(vin_all, res, fil, S, Rm):
        current = None
        for t in range(vin_all.shape[0]):
            v_app = vin_all[t]
            vin = v_app / (m.R_Compliance + Rm) * Rm
            if m.I_Compliance:
                vin = torch.clamp(vin, max=m.I_Compliance * Rm, min=-Rm * m.I_Compliance)
            res, fil, S, Rm = m.memristor_update(res, fil, S, vin)
            current = v_app / (Rm + m.R_Compliance)
            if m.I_Compliance:
                current = torch.clamp(current, max=m.I_Compliance, min=-m.I_Compliance)
        return res, fil, S, Rm, current

    step = 0
    rates = []
    total_steps, total_seconds = 0, 0.0
    with torch.no_grad():
        vin_all = applied(step, args.warmup)
        res, fil, S, Rm, current = steps(vin_all, res, fil, S, Rm)
        step += args.warmup
        for _ in range(args.reps):
            # Chunks of `chunk` steps until at least --steps steps and --seconds seconds; the
            # applied voltages of a chunk are made before its timing starts.
            done, elapsed = 0, 0.0
            while done < args.steps or elapsed < args.seconds:
                vin_all = applied(step, args.chunk)
                t0 = time.perf_counter()
                res, fil, S, Rm, current = steps(vin_all, res, fil, S, Rm)
                elapsed += time.perf_counter() - t0
                step += args.chunk
                done += args.chunk
            rates.append(n * done / elapsed)
            total_steps += done
            total_seconds += elapsed
    return {
        "impl": "reference-pytorch",
        "case": "wang2024-reference",
        "model": "wang2024",
        "preset": "wang2024-dc-symmetric",
        "scheme": "published (reference)",
        "dtype": dtype_name,
        "threads": torch.get_num_threads(),
        "n_devices": n,
        "dt": DC_SYMMETRIC["dt"],
        "steps": total_steps,
        "seconds": round(total_seconds, 4),
        "device_steps_per_s": statistics.median(rates),
        "rep_device_steps_per_s": [float(f"{r:.6g}") for r in rates],
        "warmup_steps": args.warmup,
        "sweep_amplitude": args.amplitude,
        "sweep_period": period,
        "mean_abs_current": float(current.abs().mean()),
        "mean_conductance": float((1.0 / Rm).mean()),
        "on_fraction": round(float(((1.0 / Rm) > ON_CONDUCTANCE).double().mean()), 4),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--devices", type=int, default=100000)
    ap.add_argument("--steps", type=int, default=200, help="minimum timed steps per repetition")
    ap.add_argument("--seconds", type=float, default=2.0,
                    help="minimum timed seconds per repetition")
    ap.add_argument("--chunk", type=int, default=100, help="steps per timed chunk")
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--amplitude", type=float, default=0.5, help="sweep amplitude [V]")
    ap.add_argument("--period", type=int, default=1000, help="sweep period [steps]")
    ap.add_argument("--dtype", action="append", choices=["float32", "float64"],
                    help="repeatable; default float32 (the reference's own dtype)")
    args = ap.parse_args()
    if min(args.devices, args.chunk, args.reps, args.period) < 1 or args.warmup < 0:
        ap.error("--devices, --chunk, --reps and --period must be positive, --warmup >= 0")
    dtypes = args.dtype or ["float32"]

    found = locate_reference()
    if not found:
        return 2
    text, commit, where = found

    # Measure the CPU implementation even where a GPU is present (the reference picks CUDA at
    # import time), and keep matplotlib off any display.
    os.environ["CUDA_VISIBLE_DEVICES"] = ""
    os.environ.setdefault("MPLBACKEND", "Agg")
    try:
        import torch
    except ImportError:
        log(f"PyTorch is missing for {sys.executable}; use Debian's /usr/bin/python3 with "
            "python3-torch (apt-get install python3-torch); skipping the peer.")
        return 2
    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass

    workdir = temp_dir("ionsim-ref-")
    try:
        with open(os.path.join(workdir, FILE), "w", encoding="utf-8") as fh:
            fh.write(text)
        sys.path.insert(0, workdir)
        with contextlib.redirect_stdout(io.StringIO()):
            import MemristorModel as model_mod  # noqa: E402 (the reference, outside the repo)
        sys.path.remove(workdir)
        log(f"reference {FILE} from {where} (commit {commit}), torch {torch.__version__}")
        for dt in dtypes:
            row = run(model_mod, torch, args, dt)
            row["torch"] = torch.__version__
            row["reference"] = f"yanglab2021/DiffusiveMemristor@{commit}"
            print(json.dumps(row), flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
