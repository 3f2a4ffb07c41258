#!/usr/bin/python3
"""The exact two-sample KS p-value for unequal sizes, mlmon against scipy in
one run: scipy.stats.ks_2samp(method='auto') on a 10 000-value reference
(i / 10 000) and a 1 000-value window (0.045 + j / 1 000), D = 0.045, against
mlmon's `ks_2samp_exact/10000x1000` benchmark on the same values.

    /usr/bin/python3 benchmarks/ks_vs_scipy.py [build/bin/mlmon_benchmarks]

Needs Debian's python3-scipy (/usr/bin/python3). Prints both p-values (they
must agree within 1e-6) and both times per call.
"""
import json
import subprocess
import sys
import time

import numpy as np
from scipy import stats

binary = sys.argv[1] if len(sys.argv) > 1 else "build/bin/mlmon_benchmarks"
reference = np.arange(10000) / 10000.0
current = 0.045 + np.arange(1000) / 1000.0

calls = 0
start = time.perf_counter()
while time.perf_counter() - start < 3.0:
    result = stats.ks_2samp(reference, current, method="auto")
    calls += 1
scipy_ms = (time.perf_counter() - start) / calls * 1e3

out = subprocess.run([binary, "--benchmark_filter=ks_2samp_exact/10000x1000", "--benchmark_min_time=3",
                      "--benchmark_format=json"], check=True, capture_output=True, text=True).stdout
bench = json.loads(out)["benchmarks"][0]
mlmon_ms = bench["real_time"] if bench["time_unit"] == "ms" else bench["real_time"] / 1e6

print(f"scipy ks_2samp:            D = {result.statistic:.6g}, p = {result.pvalue:.12g}, {scipy_ms:.3f} ms per call")
print(f"mlmon ks_2samp:            D = {bench['statistic']:.6g}, p = {bench['p_value']:.12g}, {mlmon_ms:.3f} ms per call")
print(f"|p difference| = {abs(result.pvalue - bench['p_value']):.3g}; scipy / mlmon time = {scipy_ms / mlmon_ms:.1f}x")
if abs(result.pvalue - bench["p_value"]) > 1e-6:
    sys.exit("p-values disagree by more than 1e-6")
