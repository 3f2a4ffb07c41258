#!/usr/bin/python3
"""Writes the drift-estimator fixtures under tests/drift/fixtures/.

The C++ estimators (include/mlmon/drift/) must agree with numpy/scipy; this
script records what numpy/scipy say on fixed-seed data, and tests/drift/*_test.cpp
check every estimator against it (statistics within 1e-9 relative, p-values
within 1e-6 absolute).

Run with Debian's interpreter, which has python3-scipy and python3-numpy:

    /usr/bin/python3 scripts/generate_drift_fixtures.py

Output is deterministic (fixed seeds, sorted keys); rerunning it must leave
the committed files unchanged unless numpy/scipy changed. The samples
themselves are stored (numpy's generators are not reproduced in C++), rounded
where that keeps the files small; every file records the versions used.

Conventions (ARCHITECTURE.md, "Statistical conventions"):
  - quantile edges: numpy.quantile(ref, k/B, method='linear'), k=1..B-1, unique;
    uniform edges: interior of numpy.linspace(min, max, B+1), unique;
    bins are right-closed: numpy.digitize(v, edges, right=True).
  - PSI / KL floor zero proportions at 1e-4 without renormalising; KL is
    scipy.stats.entropy(p', q'); JS is scipy.spatial.distance.jensenshannon on
    raw proportions; Hellinger on raw proportions.
  - KS is scipy.stats.ks_2samp(method='auto'); Wasserstein is
    scipy.stats.wasserstein_distance, normed by max(numpy.std(ref), 0.001).
  - chi-square goodness of fit is scipy.stats.chisquare(cur, ref/ref.sum()*cur.sum());
    an unseen category gives +inf / p = 0 (scipy raises there); contingency is
    scipy.stats.chi2_contingency on the 2 x k table.
  - multivariate drift is NannyML's data reconstruction drift, rebuilt from
    scikit-learn parts (NannyML itself is not packaged by Debian):
    SimpleImputer(strategy="mean") -> StandardScaler -> PCA(n_components=0.65)
    fitted on the reference; a row's error is the Euclidean norm of
    (scaled - pca.inverse_transform(pca.transform(scaled))); a chunk's error the
    mean over its rows; thresholds mean +- 3 * numpy.std of the reference chunk
    errors, the lower one clipped at 0; for n < chunk_size current rows the std
    is scaled by sqrt(chunk_size / n) (mlmon's extension to smaller windows).
"""

import json
import math
import pathlib
import platform
import sys
import warnings

import numpy as np
import scipy
import scipy.special
import scipy.stats
from scipy.spatial.distance import jensenshannon
import sklearn
from sklearn.decomposition import PCA
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import StandardScaler

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "drift" / "fixtures"
FLOOR = 1e-4


def number(x):
    """A JSON-safe float: infinities become the strings "inf" / "-inf"."""
    x = float(x)
    if math.isnan(x):
        raise ValueError("NaN in a fixture")
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def numbers(xs):
    return [number(x) for x in xs]


def meta():
    return {
        "generator": "scripts/generate_drift_fixtures.py",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "sklearn": sklearn.__version__,
    }


def write(name, payload):
    payload = {"meta": meta(), **payload}
    path = OUT / name
    path.write_text(json.dumps(payload, sort_keys=True, separators=(",", ":")) + "\n")
    print(f"wrote {path} ({path.stat().st_size} bytes)")


# ---------------------------------------------------------------- binning

def quantile_edges(ref, bins):
    q = np.arange(1, bins) / bins
    return np.unique(np.quantile(np.asarray(ref, dtype=float), q, method="linear"))


def uniform_edges(ref, bins):
    ref = np.asarray(ref, dtype=float)
    return np.unique(np.linspace(ref.min(), ref.max(), bins + 1)[1:-1])


def counts(edges, values):
    idx = np.digitize(np.asarray(values, dtype=float), edges, right=True)
    return np.bincount(idx, minlength=len(edges) + 1)


def binning_cases():
    rng = np.random.default_rng(20240601)
    cases = []

    def add(name, ref, cur, method, bins):
        ref = np.asarray(ref, dtype=float)
        cur = np.asarray(cur, dtype=float)
        edges = quantile_edges(ref, bins) if method == "quantile" else uniform_edges(ref, bins)
        cr = counts(edges, ref)
        cc = counts(edges, cur)
        cases.append({
            "name": name,
            "method": method,
            "bins": bins,
            "reference": numbers(ref),
            "current": numbers(cur),
            "edges": numbers(edges),
            "reference_counts": [int(c) for c in cr],
            "current_counts": [int(c) for c in cc],
            "reference_proportions": numbers(cr / cr.sum()),
            "current_proportions": numbers(cc / cc.sum()),
        })

    normal_ref = rng.normal(0.0, 1.0, 1000)
    normal_cur = rng.normal(0.3, 1.2, 500)
    add("normal_quantile_10", normal_ref, normal_cur, "quantile", 10)
    add("normal_uniform_10", normal_ref, normal_cur, "uniform", 10)
    ints_ref = rng.integers(0, 4, 300)
    ints_cur = rng.integers(0, 6, 200)  # values equal to edges: right-closed bins
    add("integer_ties_quantile_10", ints_ref, ints_cur, "quantile", 10)
    add("integer_ties_uniform_5", ints_ref, ints_cur, "uniform", 5)
    skewed = rng.exponential(2.0, 800)
    add("exponential_quantile_20", skewed, rng.exponential(2.5, 300), "quantile", 20)
    add("exponential_uniform_7", skewed, rng.exponential(2.5, 300), "uniform", 7)
    add("tiny_n1_quantile", [0.5], [0.1, 0.5, 0.9], "quantile", 10)
    add("tiny_n2_quantile", [1.0, 3.0], [0.0, 1.0, 1.5, 2.0, 3.0, 4.0], "quantile", 10)
    add("tiny_n3_quantile", [2.0, -1.0, 7.5], [-2.0, -1.0, 0.0, 2.0, 7.5, 8.0], "quantile", 4)
    add("tiny_n3_uniform", [2.0, -1.0, 7.5], [-2.0, -1.0, 0.0, 2.0, 7.5, 8.0], "uniform", 4)
    add("constant_quantile", [4.2] * 10, [4.0, 4.2, 4.4], "quantile", 10)
    add("constant_uniform", [4.2] * 10, [4.0, 4.2, 4.4], "uniform", 10)
    add("single_bin", normal_ref[:50], normal_cur[:20], "quantile", 1)
    add("fractions_quantile_3", [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7], [0.3, 0.5, 0.6, 0.65], "quantile", 3)
    # Empty bins on the current side (disjoint support).
    add("disjoint_quantile_10", rng.uniform(0, 1, 200), rng.uniform(5, 6, 50), "quantile", 10)
    return cases


# ------------------------------------------------------------- divergences

def divergence_case(name, p, q):
    p = np.asarray(p, dtype=float)
    q = np.asarray(q, dtype=float)
    pa = np.where(p == 0, FLOOR, p)
    qa = np.where(q == 0, FLOOR, q)
    return {
        "name": name,
        "reference": numbers(p),
        "current": numbers(q),
        "psi": number(np.sum((qa - pa) * np.log(qa / pa))),
        "kl": number(scipy.stats.entropy(pa, qa)),
        "kl_base2": number(scipy.stats.entropy(pa, qa, base=2)),
        "js": number(jensenshannon(p, q)),
        "js_base2": number(jensenshannon(p, q, base=2)),
        "hellinger": number(np.sqrt(np.sum((np.sqrt(p) - np.sqrt(q)) ** 2)) / np.sqrt(2)),
    }


def divergence_cases(binned):
    rng = np.random.default_rng(20240602)
    cases = [divergence_case("binned_" + c["name"], c["reference_proportions"], c["current_proportions"])
             for c in binned]
    p10 = np.full(10, 0.1)
    cases.append(divergence_case("identical_uniform", p10, p10))
    d = rng.dirichlet(np.ones(10))
    cases.append(divergence_case("identical_dirichlet", d, d))
    cases.append(divergence_case("small_shift", d, rng.dirichlet(np.ones(10) * 200) * 0.02 + d * 0.98))
    cases.append(divergence_case("empty_current_bins", [0.2, 0.3, 0.1, 0.4], [0.5, 0.0, 0.0, 0.5]))
    cases.append(divergence_case("empty_reference_bins", [0.0, 0.6, 0.4, 0.0], [0.1, 0.5, 0.3, 0.1]))
    cases.append(divergence_case("disjoint", [0.5, 0.5, 0.0, 0.0], [0.0, 0.0, 0.25, 0.75]))
    cases.append(divergence_case("two_bins", [0.9, 0.1], [0.1, 0.9]))
    cases.append(divergence_case("single_bin", [1.0], [1.0]))
    cases.append(divergence_case("unnormalised", [2.0, 1.0, 1.0], [1.0, 1.0, 2.0]))
    for i in range(4):
        k = int(rng.integers(3, 30))
        p = rng.dirichlet(np.ones(k))
        q = rng.dirichlet(np.ones(k))
        q[rng.integers(0, k)] = 0.0
        cases.append(divergence_case(f"random_{k}_bins", p, q / q.sum()))
    return cases


# ------------------------------------------------------- two-sample (KS, W1)

def two_sample_case(name, a, b):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ks = scipy.stats.ks_2samp(a, b, alternative="two-sided", method="auto")
    fell_back = any("Exact calculation unsuccessful" in str(w.message) for w in caught)
    w = scipy.stats.wasserstein_distance(a, b)
    return {
        "name": name,
        "reference": numbers(a),
        "current": numbers(b),
        "ks_statistic": number(ks.statistic),
        "ks_pvalue": number(ks.pvalue),
        "ks_method": "asymp" if (max(len(a), len(b)) > 10000 or fell_back) else "exact",
        "wasserstein": number(w),
        "wasserstein_normed": number(w / max(np.std(a), 0.001)),
    }


def two_sample_cases():
    rng = np.random.default_rng(20240603)
    cases = []
    x = rng.normal(0, 1, 50)
    cases.append(two_sample_case("identical", x, x))
    cases.append(two_sample_case("integer_ties", rng.integers(0, 6, 40), rng.integers(0, 6, 55)))
    cases.append(two_sample_case("integer_ties_shifted", rng.integers(0, 6, 80), rng.integers(1, 7, 60)))
    cases.append(two_sample_case("tiny_1_1_disjoint", [1.0], [2.0]))
    cases.append(two_sample_case("tiny_1_1_equal", [3.0], [3.0]))
    cases.append(two_sample_case("tiny_1_2", [0.5], [0.0, 1.0]))
    cases.append(two_sample_case("tiny_2_3", [0.1, 0.9], [0.2, 0.3, 2.0]))
    cases.append(two_sample_case("tiny_3_3", [1.0, 2.0, 3.0], [1.5, 2.5, 3.5]))
    cases.append(two_sample_case("tiny_1_3", [10.0], [1.0, 2.0, 3.0]))
    cases.append(two_sample_case("tiny_2_2_ties", [1.0, 1.0], [1.0, 2.0]))
    # n1 == n2 == 5 with D = 1/5: scipy's exact result rounds to 1 + 2^-52 and
    # ks_2samp falls back to the asymptotic distribution.
    cases.append(two_sample_case("equal_5_exact_fallback",
                                 [1.0, 2.0, 3.0, 4.0, 5.0], [1.0, 2.0, 3.0, 4.0, 6.0]))
    cases.append(two_sample_case("unequal_100_37", rng.normal(0, 1, 100), rng.normal(0.3, 1, 37)))
    cases.append(two_sample_case("disjoint_20_30", rng.uniform(0, 1, 20), rng.uniform(2, 3, 30)))
    cases.append(two_sample_case("equal_200_shift", rng.normal(0, 1, 200), rng.normal(0.25, 1, 200)))
    cases.append(two_sample_case("equal_64_same", rng.normal(0, 1, 64), rng.normal(0, 1, 64)))
    cases.append(two_sample_case("exact_tiny_p_300_400", rng.normal(0, 1, 300), rng.normal(1.0, 1, 400)))
    cases.append(two_sample_case("exact_1000_700", rng.normal(0, 1, 1000), rng.normal(0.1, 1, 700)))
    cases.append(two_sample_case("exact_1200_1500_common_factor",
                                 np.round(rng.normal(0, 1, 1200), 3), np.round(rng.normal(0.05, 1, 1500), 3)))
    # Sizes at and just past MAX_AUTO_N = 10000 (values rounded: small files, more ties).
    cases.append(two_sample_case("exact_boundary_10000_500",
                                 np.round(rng.normal(0, 1, 10000), 3), np.round(rng.normal(0.1, 1, 500), 3)))
    cases.append(two_sample_case("asymp_12000_9000",
                                 np.round(rng.normal(0, 1, 12000), 3),
                                 np.round(rng.normal(0.03, 1, 9000), 3)))
    cases.append(two_sample_case("asymp_10001_2000",
                                 np.round(rng.normal(0, 1, 10001), 3),
                                 np.round(rng.normal(0.08, 1, 2000), 3)))
    cases.append(two_sample_case("asymp_10500_60_pomeranz",
                                 np.round(rng.normal(0, 1, 10500), 3), np.round(rng.normal(0.2, 1, 60), 3)))
    cases.append(two_sample_case("asymp_10500_3", np.round(rng.normal(0, 1, 10500), 3), [0.1, 0.5, 0.7]))
    return cases


# ------------------------------------------------- Kolmogorov distributions

def kstwo_grid():
    rows = []
    ns = [1, 2, 3, 5, 10, 37, 100, 140, 141, 500, 2000, 5143, 9091, 50000, 100000, 100001, 250000,
          2000000]
    nd2s = [0.05, 0.3, 0.6, 0.754, 0.76, 1.0, 1.5, 2.0, 2.19, 2.21, 3.0, 4.0, 4.1, 6.0, 10.0, 20.0,
            50.0, 300.0, 400.0]
    for n in ns:
        ds = {math.sqrt(v / n) for v in nd2s}
        ds |= {0.4 / n, 0.75 / n, 1.0 / n, 1.5 / n, 0.5, 0.75, 0.999}
        if n > 1:
            ds.add((n - 0.5) / n)
        for d in sorted(ds):
            if 0.0 < d < 1.0:
                rows.append({"n": n, "d": number(d), "sf": number(scipy.stats.kstwo.sf(d, n))})
    return rows


def smirnov_grid():
    rows = []
    for n in [1, 2, 5, 10, 100, 1000, 9091, 100000, 1000000, 1000001]:
        ds = {0.5 / n, 1.0 / n, 0.05, 0.1, 0.3, 0.5, 0.9, 1.0 - 1.0 / n if n > 1 else 0.5,
              math.sqrt(2.2 / n), math.sqrt(5.0 / n), math.sqrt(30.0 / n), math.sqrt(200.0 / n)}
        for d in sorted(ds):
            if 0.0 <= d <= 1.0:
                rows.append({"n": n, "d": number(d), "sf": number(scipy.special.smirnov(n, d))})
    return rows


# ----------------------------------------------------------- chi-square

def gof_case(name, categories, ref, cur):
    ref = np.asarray(ref, dtype=np.int64)
    cur = np.asarray(cur, dtype=np.int64)
    keep = (ref > 0) | (cur > 0)
    unseen = [c for c, r, o in zip(categories, ref, cur) if r == 0 and o > 0]
    k = int(keep.sum())
    case = {"name": name, "categories": categories, "reference_counts": ref.tolist(),
            "current_counts": cur.tolist(), "dof": k - 1, "unseen": unseen}
    if unseen:
        case.update(statistic="inf", pvalue=0.0, source="convention")  # scipy raises here
    elif k == 1:
        case.update(statistic=0.0, pvalue=1.0, source="convention")  # scipy: NaN for dof 0
    else:
        r = ref[keep]
        o = cur[keep]
        expected = r / r.sum() * o.sum()
        res = scipy.stats.chisquare(o, expected)
        case.update(statistic=number(res.statistic), pvalue=number(res.pvalue), source="scipy")
    return case


def contingency_case(name, categories, ref, cur, correction):
    ref = np.asarray(ref, dtype=np.int64)
    cur = np.asarray(cur, dtype=np.int64)
    keep = (ref > 0) | (cur > 0)
    table = np.vstack([ref[keep], cur[keep]])
    res = scipy.stats.chi2_contingency(table, correction=correction)
    return {"name": name, "categories": categories, "reference_counts": ref.tolist(),
            "current_counts": cur.tolist(), "correction": correction,
            "unseen": [c for c, r, o in zip(categories, ref, cur) if r == 0 and o > 0],
            "statistic": number(res.statistic), "pvalue": number(res.pvalue), "dof": int(res.dof)}


def chi_square_cases():
    rng = np.random.default_rng(20240604)
    abc = ["a", "b", "c"]
    gof = [
        gof_case("same_distribution", abc, [500, 300, 200], [52, 29, 19]),
        gof_case("shifted", abc, [500, 300, 200], [30, 30, 40]),
        gof_case("zero_current_category", abc, [500, 300, 200], [60, 40, 0]),
        gof_case("unseen_category", abc + ["d"], [500, 300, 200, 0], [50, 30, 15, 5]),
        gof_case("two_unseen_categories", ["a", "b", "x", "y"], [10, 5, 0, 0], [4, 2, 1, 3]),
        gof_case("single_category", ["a"], [10], [5]),
        gof_case("category_absent_both_sides", abc + ["z"], [500, 300, 200, 0], [48, 33, 19, 0]),
        gof_case("two_categories", ["no", "yes"], [900, 100], [85, 15]),
        gof_case("identical_counts", abc, [5, 5, 5], [5, 5, 5]),
    ]
    letters = [chr(ord("a") + i) for i in range(26)]
    p = rng.dirichlet(np.ones(26))
    gof.append(gof_case("letters_tiny_p", letters, rng.multinomial(100000, p),
                        rng.multinomial(20000, rng.dirichlet(np.ones(26)))))
    gof.append(gof_case("letters_same", letters, rng.multinomial(100000, p), rng.multinomial(5000, p)))
    many = [f"c{i:03d}" for i in range(200)]
    q = rng.dirichlet(np.ones(200) * 5)
    gof.append(gof_case("many_categories_200", many, rng.multinomial(50000, q), rng.multinomial(3000, q)))

    contingency = []
    for correction in (True, False):
        tag = "yates" if correction else "no_correction"
        contingency += [
            contingency_case(f"two_categories_{tag}", ["no", "yes"], [900, 100], [85, 15], correction),
            contingency_case(f"small_gap_{tag}", ["no", "yes"], [10, 10], [10, 11], correction),
            contingency_case(f"three_categories_{tag}", abc, [500, 300, 200], [30, 30, 40], correction),
            contingency_case(f"unseen_category_{tag}", abc + ["d"], [500, 300, 200, 0], [50, 30, 15, 5],
                             correction),
            contingency_case(f"single_category_{tag}", ["a"], [10], [5], correction),
            contingency_case(f"absent_both_sides_{tag}", ["a", "b", "z"], [40, 60, 0], [30, 20, 0],
                             correction),
        ]
    contingency.append(contingency_case("letters", letters, rng.multinomial(100000, p),
                                        rng.multinomial(2000, rng.dirichlet(np.ones(26))), True))

    grid = []
    for dof in [1, 2, 3, 4, 5, 9, 10, 25, 49, 50, 199, 1000, 4001]:
        xs = {0.001, 0.5, 1.0, float(dof), 2.0 * dof, dof + 10.0 * math.sqrt(2.0 * dof), 100.0, 1000.0,
              1400.0, max(dof - 3.0 * math.sqrt(2.0 * dof), 0.01)}
        for x in sorted(xs):
            grid.append({"x": number(x), "dof": dof, "sf": number(scipy.stats.chi2.sf(x, dof))})
    return gof, contingency, grid


# ------------------------------------------ offline drift (profile + CLI)

def offline_cases():
    """A small CSV pair and the report numpy/scipy give for it.

    tests/cli/cli_test.cpp runs `mlmon drift` on the pair and
    tests/drift/report_test.cpp runs evaluate_drift() on it; both compare with
    these numbers (statistics 1e-9 relative, p-values 1e-6 absolute). The
    files exercise RFC 4180 quoting (a label with a comma and a quote), CRLF
    line ends, missing cells (empty, NaN, inf), ties and an unseen category.
    """
    rng = np.random.default_rng(20240610)
    n_ref, n_cur = 400, 300
    ref = {
        "income": np.round(rng.lognormal(3.0, 0.5, n_ref), 2),
        "age": rng.integers(18, 80, n_ref).astype(float),
        "score": np.round(rng.normal(0.0, 1.0, n_ref), 4),
    }
    cur = {
        "income": np.round(rng.lognormal(3.1, 0.5, n_cur), 2),
        "age": rng.integers(18, 80, n_cur).astype(float),
        "score": np.round(rng.normal(0.8, 1.0, n_cur), 4),
    }
    plans = ['basic', 'pro, yearly', 'say "hi"']
    ref_city = rng.choice(["paris", "oslo", "rome"], n_ref, p=[0.5, 0.3, 0.2])
    cur_city = rng.choice(["paris", "oslo", "rome", "lima"], n_cur, p=[0.3, 0.3, 0.3, 0.1])
    ref_plan = rng.choice(plans, n_ref, p=[0.6, 0.3, 0.1])
    cur_plan = rng.choice(plans, n_cur, p=[0.6, 0.3, 0.1])
    # Missing cells: written as empty / NaN / inf, counted as missing.
    ref_missing = {"income": {3: "", 50: "NaN"}, "score": {7: "inf"}}
    cur_missing = {"income": {0: "", 9: "nan"}, "age": {5: "-inf", 6: "NA"}}
    ref_city[11] = ""
    cur_city[4] = ""

    def quote(label):
        if any(c in label for c in ',"\n'):
            return '"' + label.replace('"', '""') + '"'
        return label

    def cell(value, row, column, missing):
        if row in missing.get(column, {}):
            return missing[column][row]
        return repr(float(value))

    def write_csv(name, data, city, plan, missing, n, line_end):
        lines = ["income,age,city,score,plan"]
        for i in range(n):
            lines.append(",".join([cell(data["income"][i], i, "income", missing),
                                   cell(data["age"][i], i, "age", missing), quote(str(city[i])),
                                   cell(data["score"][i], i, "score", missing), quote(str(plan[i]))]))
        path = OUT / name
        path.write_bytes((line_end.join(lines) + line_end).encode())
        print(f"wrote {path} ({path.stat().st_size} bytes)")

    write_csv("offline_reference.csv", ref, ref_city, ref_plan, ref_missing, n_ref, "\n")
    write_csv("offline_current.csv", cur, cur_city, cur_plan, cur_missing, n_cur, "\r\n")

    def finite(values, column, missing):
        return np.array([v for i, v in enumerate(values) if i not in missing.get(column, {})])

    features = {}
    for column in ["income", "age", "score"]:
        r = finite(ref[column], column, ref_missing)
        c = finite(cur[column], column, cur_missing)
        edges = quantile_edges(r, 10)
        p = counts(edges, r) / len(r)
        q = counts(edges, c) / len(c)
        pa = np.where(p == 0, FLOOR, p)
        qa = np.where(q == 0, FLOOR, q)
        ks = scipy.stats.ks_2samp(r, c, method="auto")
        w = scipy.stats.wasserstein_distance(r, c)
        features[column] = {
            "type": "numerical", "n_reference": len(r), "n_current": len(c),
            "psi": number(np.sum((qa - pa) * np.log(qa / pa))),
            "ks_statistic": number(ks.statistic), "ks_pvalue": number(ks.pvalue),
            "js_distance": number(jensenshannon(p, q)),
            "wasserstein": number(w), "wasserstein_normed": number(w / max(np.std(r), 0.001)),
            "hellinger": number(np.sqrt(np.sum((np.sqrt(p) - np.sqrt(q)) ** 2)) / np.sqrt(2)),
            "kl_divergence": number(scipy.stats.entropy(pa, qa)),
            "chi2_statistic": None, "chi2_pvalue": None, "unseen_categories": [],
            "reference_mean": number(np.mean(r)), "reference_std": number(np.std(r)),
            "reference_edges": numbers(edges),
        }
    for column, r_labels, c_labels in [("city", ref_city, cur_city), ("plan", ref_plan, cur_plan)]:
        r_labels = [x for x in r_labels if x != ""]
        c_labels = [x for x in c_labels if x != ""]
        categories = sorted(set(r_labels) | set(c_labels))
        rc = np.array([r_labels.count(k) for k in categories])
        cc = np.array([c_labels.count(k) for k in categories])
        p = rc / rc.sum()
        q = cc / cc.sum()
        pa = np.where(p == 0, FLOOR, p)
        qa = np.where(q == 0, FLOOR, q)
        gof = gof_case(column, categories, rc, cc)
        features[column] = {
            "type": "categorical", "n_reference": int(rc.sum()), "n_current": int(cc.sum()),
            "psi": number(np.sum((qa - pa) * np.log(qa / pa))),
            "ks_statistic": None, "ks_pvalue": None,
            "js_distance": number(jensenshannon(p, q)),
            "wasserstein": None, "wasserstein_normed": None,
            "hellinger": number(np.sqrt(np.sum((np.sqrt(p) - np.sqrt(q)) ** 2)) / np.sqrt(2)),
            "kl_divergence": number(scipy.stats.entropy(pa, qa)),
            "chi2_statistic": gof["statistic"], "chi2_pvalue": gof["pvalue"],
            "unseen_categories": gof["unseen"],
        }
    # Multivariate: the three numerical columns, missing cells imputed.
    def matrix(data, missing, n):
        columns = []
        for column in ["income", "age", "score"]:
            values = np.array(data[column], dtype=float)
            for row in missing.get(column, {}):
                values[row] = np.nan
            columns.append(values[:n])
        return np.column_stack(columns)

    model = Reconstruction(matrix(ref, ref_missing, n_ref))
    multivariate = model.evaluate(matrix(cur, cur_missing, n_cur))
    multivariate["model"] = model.model()
    return {"categorical": ["city", "plan"], "features": features, "multivariate": multivariate}


# ---------------------------------------------------------------- multivariate


class Reconstruction:
    """NannyML's DataReconstructionDriftCalculator from scikit-learn parts."""

    def __init__(self, reference, variance=0.65, chunk_size=None):
        self.imputer = SimpleImputer(strategy="mean").fit(reference)
        scaled = self.scaler_fit(self.imputer.transform(reference))
        self.pca = PCA(n_components=variance, svd_solver="full").fit(scaled)
        n = reference.shape[0]
        self.chunk_size = chunk_size or max(1, n // 10)
        errors = self.row_errors(reference)
        chunks = n // self.chunk_size
        self.chunk_errors = np.array([errors[c * self.chunk_size:(c + 1) * self.chunk_size].mean()
                                      for c in range(chunks)])
        self.error_mean = float(np.mean(self.chunk_errors))
        self.error_std = float(np.std(self.chunk_errors))

    def scaler_fit(self, imputed):
        self.scaler = StandardScaler().fit(imputed)
        return self.scaler.transform(imputed)

    def row_errors(self, data):
        scaled = self.scaler.transform(self.imputer.transform(data))
        rebuilt = self.pca.inverse_transform(self.pca.transform(scaled))
        return np.linalg.norm(scaled - rebuilt, axis=1)

    def thresholds(self, rows, multiplier=3.0):
        half = multiplier * self.error_std * math.sqrt(self.chunk_size / min(rows, self.chunk_size))
        return max(0.0, self.error_mean - half), self.error_mean + half

    def evaluate(self, data):
        error = float(self.row_errors(data).mean())
        lower, upper = self.thresholds(data.shape[0])
        return {"reconstruction_error": error, "lower_threshold": lower, "upper_threshold": upper,
                "drift_detected": bool(not (lower <= error <= upper)), "rows": int(data.shape[0])}

    def model(self):
        return {
            "n_components": int(self.pca.n_components_),
            "explained_variance_ratio": numbers(self.pca.explained_variance_ratio_),
            "mean": numbers(self.scaler.mean_), "scale": numbers(self.scaler.scale_),
            "chunk_size": int(self.chunk_size), "chunk_errors": numbers(self.chunk_errors),
            "error_mean": self.error_mean, "error_std": self.error_std,
            "lower_threshold": self.thresholds(self.chunk_size)[0],
            "upper_threshold": self.thresholds(self.chunk_size)[1],
        }


def correlated(rng, n, rho):
    """x0, x1 standard normal with correlation rho; x2 ~ N(5, 2); x3 = x2 / 2 + noise."""
    x0 = rng.normal(0.0, 1.0, n)
    x1 = rho * x0 + math.sqrt(1.0 - rho * rho) * rng.normal(0.0, 1.0, n)
    x2 = rng.normal(5.0, 2.0, n)
    x3 = 0.5 * x2 + rng.normal(0.0, 0.5, n)
    return np.round(np.column_stack([x0, x1, x2, x3]), 6)


def multivariate_cases():
    """The PCA reconstruction model on a reference where x0 and x1 move
    together (rho = 0.9), then current data with the same joint law, and with
    the correlation reversed (rho = -0.9: every marginal unchanged)."""
    rng = np.random.default_rng(20241122)
    reference = correlated(rng, 2000, 0.9)
    reference[[5, 17, 400], [0, 2, 3]] = np.nan  # imputed with the mean
    same = correlated(rng, 1000, 0.9)
    reversed_ = correlated(rng, 1000, -0.9)
    model = Reconstruction(reference, chunk_size=200)

    def table(data):
        return [[None if math.isnan(x) else float(x) for x in row] for row in data]

    return {
        "features": ["x0", "x1", "x2", "x3"],
        "variance_share": 0.65, "chunk_size": 200,
        "reference": table(reference), "same": table(same), "reversed": table(reversed_),
        "model": model.model(),
        "row_errors": {"reference_first_50": numbers(model.row_errors(reference)[:50]),
                       "reversed_first_50": numbers(model.row_errors(reversed_)[:50])},
        "same_result": model.evaluate(same), "reversed_result": model.evaluate(reversed_),
    }


def main():
    if not sys.executable.startswith("/usr/bin/"):
        print(f"note: running {sys.executable}; the fixtures are meant for Debian's /usr/bin/python3")
    OUT.mkdir(parents=True, exist_ok=True)
    binned = binning_cases()
    write("binning.json", {"cases": binned})
    write("divergence.json", {"cases": divergence_cases(binned)})
    write("two_sample.json", {"cases": two_sample_cases()})
    write("kolmogorov.json", {"kstwo_sf": kstwo_grid(), "smirnov_sf": smirnov_grid()})
    gof, contingency, grid = chi_square_cases()
    write("chi_square.json", {"goodness_of_fit": gof, "contingency": contingency, "chi2_sf": grid})
    write("offline_report.json", offline_cases())
    write("multivariate.json", multivariate_cases())


if __name__ == "__main__":
    main()
