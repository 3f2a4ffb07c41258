#!/usr/bin/python3
"""The `mlmon` CLI against the equivalent numpy/scipy script, end to end.

Generates a seeded reference and current CSV of 1 000 000 rows x 10 columns
(9 numerical, 1 categorical; not timed), then times in the same run:

  mlmon:  mlmon drift --reference ref.csv --current cur.csv --categorical segment
              --sample-cap 1000000      (reads both, profiles the reference in memory)
          and, for the record, the two-step workflow with the default sample cap:
          mlmon profile --data ref.csv --out ref.json --categorical segment
          mlmon drift --reference ref.json --current cur.csv
  numpy:  read both CSVs (numpy.loadtxt; pandas is not installed here), then
          per numerical column quantile bins (numpy.quantile, linear), bin
          proportions, PSI and KL (floored at 1e-4), Jensen-Shannon
          (scipy.spatial.distance.jensenshannon), Hellinger,
          scipy.stats.ks_2samp (method='auto') and
          scipy.stats.wasserstein_distance (raw and normed); for the
          categorical column scipy.stats.chisquare over the union of
          categories, PSI, KL, JS and Hellinger.

Both compute the same statistics: the one-step mlmon run keeps every
reference value (--sample-cap 1000000, so KS and Wasserstein use all of them,
as the numpy script does) and the script checks every statistic of its JSON
report against numpy/scipy (statistics 1e-9 relative, p-values 1e-6 absolute,
the issue's tolerances). Times are wall-clock and CPU (user + system, of the
child process for mlmon); on a shared machine CPU time is the steadier one.

Usage (from the repository root, after building build/bin/mlmon):

    /usr/bin/python3 benchmarks/cli_vs_scipy.py [--mlmon build/bin/mlmon] [--rows 1000000] [--dir /tmp/x]

Prints both times and the ratio; exits 1 when the outputs disagree.
"""

import argparse
import json
import math
import os
import pathlib
import subprocess
import sys
import tempfile
import time

import numpy as np
import scipy
import scipy.stats
from scipy.spatial.distance import jensenshannon

FLOOR = 1e-4
NUMERICAL = 9
CATEGORIES = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"]


def generate(path, rows, seed, shift):
    """Nine numerical columns of assorted shapes and one categorical one."""
    rng = np.random.default_rng(seed)
    columns = [
        rng.normal(shift, 1.0, rows),
        rng.uniform(0.0, 10.0 + shift, rows),
        rng.exponential(1.0 + shift, rows),
        rng.lognormal(0.0, 0.5 + 0.1 * shift, rows),
        rng.gamma(2.0, 2.0, rows) + shift,
        rng.standard_t(5, rows),
        np.round(rng.normal(50.0, 10.0, rows)),  # integers: ties
        rng.beta(2.0, 5.0 + shift, rows),
        rng.normal(0.0, 1.0 + shift, rows),
    ]
    weights = np.array([30, 25, 20, 15, 10, 0 if shift == 0 else 5], dtype=float)
    segment = rng.choice(len(CATEGORIES), rows, p=weights / weights.sum())
    names = [f"x{i}" for i in range(NUMERICAL)] + ["segment"]
    with open(path, "w") as f:
        f.write(",".join(names) + "\n")
        block = 100000
        labels = np.array(CATEGORIES)
        for start in range(0, rows, block):
            stop = min(rows, start + block)
            numbers = np.column_stack([c[start:stop] for c in columns])
            text = [",".join(f"{x:.8g}" for x in row) for row in numbers.tolist()]
            f.write("".join(line + "," + label + "\n" for line, label in zip(text, labels[segment[start:stop]])))


# ---------------------------------------------------------------- numpy/scipy


def numpy_report(reference_csv, current_csv):
    """What a numpy/scipy user writes: read, bin, score."""
    usecols = list(range(NUMERICAL))
    ref = np.loadtxt(reference_csv, delimiter=",", skiprows=1, usecols=usecols)
    cur = np.loadtxt(current_csv, delimiter=",", skiprows=1, usecols=usecols)
    ref_cat = np.loadtxt(reference_csv, delimiter=",", skiprows=1, usecols=[NUMERICAL], dtype=str)
    cur_cat = np.loadtxt(current_csv, delimiter=",", skiprows=1, usecols=[NUMERICAL], dtype=str)
    out = {}
    for i in range(NUMERICAL):
        r = ref[:, i]
        c = cur[:, i]
        edges = np.unique(np.quantile(r, np.arange(1, 10) / 10))
        p = np.bincount(np.searchsorted(edges, r, side="left"), minlength=len(edges) + 1) / len(r)
        q = np.bincount(np.searchsorted(edges, c, side="left"), minlength=len(edges) + 1) / len(c)
        pa = np.where(p == 0, FLOOR, p)
        qa = np.where(q == 0, FLOOR, q)
        ks = scipy.stats.ks_2samp(r, c, method="auto")
        w = scipy.stats.wasserstein_distance(r, c)
        out[f"x{i}"] = {
            "psi": float(np.sum((qa - pa) * np.log(qa / pa))),
            "kl_divergence": float(scipy.stats.entropy(pa, qa)),
            "js_distance": float(jensenshannon(p, q)),
            "hellinger": float(np.sqrt(np.sum((np.sqrt(p) - np.sqrt(q)) ** 2)) / np.sqrt(2)),
            "ks_statistic": float(ks.statistic),
            "ks_pvalue": float(ks.pvalue),
            "wasserstein": float(w),
            "wasserstein_normed": float(w / max(np.std(r), 0.001)),
        }
    categories = sorted(set(np.unique(ref_cat)) | set(np.unique(cur_cat)))
    rc = np.array([np.count_nonzero(ref_cat == k) for k in categories], dtype=float)
    cc = np.array([np.count_nonzero(cur_cat == k) for k in categories], dtype=float)
    p = rc / rc.sum()
    q = cc / cc.sum()
    pa = np.where(p == 0, FLOOR, p)
    qa = np.where(q == 0, FLOOR, q)
    unseen = [k for k, n in zip(categories, rc) if n == 0]
    if unseen:
        chi2, chi2_p = math.inf, 0.0  # scipy raises: the sums differ
    else:
        chi = scipy.stats.chisquare(cc, rc / rc.sum() * cc.sum())
        chi2, chi2_p = float(chi.statistic), float(chi.pvalue)
    out["segment"] = {
        "psi": float(np.sum((qa - pa) * np.log(qa / pa))),
        "kl_divergence": float(scipy.stats.entropy(pa, qa)),
        "js_distance": float(jensenshannon(p, q)),
        "hellinger": float(np.sqrt(np.sum((np.sqrt(p) - np.sqrt(q)) ** 2)) / np.sqrt(2)),
        "chi2_statistic": chi2,
        "chi2_pvalue": chi2_p,
        "unseen_categories": unseen,
    }
    return out


# ---------------------------------------------------------------- mlmon


def timed(argv):
    """Runs argv; returns (wall seconds, CPU seconds of the child: user + system)."""
    before = os.times()
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = os.times()
    return wall, (after.children_user - before.children_user) + (after.children_system - before.children_system)


def run_mlmon_one_step(mlmon, reference_csv, current_csv, workdir, rows):
    """mlmon drift on the two CSVs: profiles the reference in memory, keeping
    every value (--sample-cap), so KS and Wasserstein see what numpy sees."""
    report = os.path.join(workdir, "report_exact.json")
    wall, cpu = timed([mlmon, "drift", "--reference", reference_csv, "--current", current_csv, "--categorical",
                       "segment", "--sample-cap", str(rows), "--out", report])
    with open(report) as f:
        return wall, cpu, json.load(f)


def run_mlmon_two_steps(mlmon, reference_csv, current_csv, workdir):
    """The usual workflow: a saved profile (default 100 000-value reservoir
    sample per feature), then drift against it."""
    profile = os.path.join(workdir, "ref.json")
    wall1, cpu1 = timed([mlmon, "profile", "--data", reference_csv, "--out", profile, "--categorical", "segment"])
    wall2, cpu2 = timed([mlmon, "drift", "--reference", profile, "--current", current_csv, "--out",
                         os.path.join(workdir, "report_profile.json")])
    return wall1 + wall2, cpu1 + cpu2


def compare(mlmon_report, numpy_out):
    worst_relative = 0.0
    worst_p = 0.0
    failures = []
    for name, expected in numpy_out.items():
        got = mlmon_report["features"][name]
        for key, want in expected.items():
            if key == "unseen_categories":
                if got[key] != want:
                    failures.append(f"{name}.{key}: {got[key]} != {want}")
                continue
            value = float(got[key])  # "inf" reads as inf
            if key.endswith("pvalue"):
                error = abs(value - want)
                worst_p = max(worst_p, error)
                if error > 1e-6:
                    failures.append(f"{name}.{key}: {value} vs {want}")
            elif math.isinf(want) or want == 0.0:
                if value != want:
                    failures.append(f"{name}.{key}: {value} vs {want}")
            else:
                error = abs(value - want) / abs(want)
                worst_relative = max(worst_relative, error)
                if error > 1e-9:
                    failures.append(f"{name}.{key}: {value} vs {want} (relative error {error:.2e})")
    return worst_relative, worst_p, failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mlmon", default="build/bin/mlmon")
    parser.add_argument("--rows", type=int, default=1000000)
    parser.add_argument("--dir", default=None, help="where the CSVs go (default: a temporary directory)")
    args = parser.parse_args()
    mlmon = str(pathlib.Path(args.mlmon).resolve())
    workdir = args.dir or tempfile.mkdtemp(prefix="mlmon_cli_vs_scipy_")
    os.makedirs(workdir, exist_ok=True)
    reference_csv = os.path.join(workdir, "ref.csv")
    current_csv = os.path.join(workdir, "cur.csv")
    if not (os.path.exists(reference_csv) and os.path.exists(current_csv)):
        print(f"generating {args.rows} x 10 CSVs in {workdir} ...", flush=True)
        generate(reference_csv, args.rows, 20241122, 0.0)
        generate(current_csv, args.rows, 20241123, 0.05)
    size = (os.path.getsize(reference_csv) + os.path.getsize(current_csv)) / 1e6
    print(f"inputs: {reference_csv}, {current_csv} ({size:.0f} MB together); "
          f"numpy {np.__version__}, scipy {scipy.__version__}; {os.cpu_count()} CPUs")

    exact_wall, exact_cpu, exact_report = run_mlmon_one_step(mlmon, reference_csv, current_csv, workdir, args.rows)
    two_wall, two_cpu = run_mlmon_two_steps(mlmon, reference_csv, current_csv, workdir)
    start = time.perf_counter()
    cpu_start = time.process_time()
    expected = numpy_report(reference_csv, current_csv)
    numpy_wall = time.perf_counter() - start
    numpy_cpu = time.process_time() - cpu_start

    worst_relative, worst_p, failures = compare(exact_report, expected)
    print(f"{'':52s} {'wall s':>8s} {'CPU s':>8s}")
    print(f"{'mlmon drift ref.csv cur.csv (every value kept)':52s} {exact_wall:8.2f} {exact_cpu:8.2f}")
    print(f"{'mlmon profile + mlmon drift ref.json (default cap)':52s} {two_wall:8.2f} {two_cpu:8.2f}")
    print(f"{'numpy/scipy read + statistics':52s} {numpy_wall:8.2f} {numpy_cpu:8.2f}")
    print(f"ratio numpy/scipy to mlmon drift (same statistics): {numpy_wall / exact_wall:.1f}x wall, "
          f"{numpy_cpu / exact_cpu:.1f}x CPU (target >= 5x)")
    print(f"agreement: max relative error {worst_relative:.2e} (statistics), max absolute error "
          f"{worst_p:.2e} (p-values), {len(failures)} disagreements")
    for f in failures:
        print("  " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
