#!/usr/bin/python3
"""Writes the model-quality metric fixtures under tests/performance/fixtures/.

The C++ metrics (include/mlmon/performance/) must agree with scikit-learn;
this script records what scikit-learn (and scipy/numpy, where sklearn has no
such function) says on fixed-seed data, and tests/performance/*_test.cpp check
every metric against it within 1e-9 relative.

Run with Debian's interpreter, which has python3-sklearn, python3-scipy and
python3-numpy (the first python3 on PATH may be another one without them):

    /usr/bin/python3 scripts/generate_quality_fixtures.py

Output is deterministic (fixed seeds, sorted keys); rerunning it must leave
the committed files unchanged unless the libraries changed. Inputs are stored
with the expected values; every file records the library versions.

Conventions (docs/quality-metrics.md):
  - classes are indices 0..k-1 and sklearn is always given labels=range(k);
    binary metrics use pos_label=1 and zero_division=0.
  - "undefined" is null in a fixture and std::nullopt in C++. The script
    asserts what sklearn does there (NaN, raises, or a zero_division value),
    so each documented deviation is checked against the library, not assumed.
  - one-vs-rest ROC AUC with a class absent from y_true: sklearn raises; mlmon
    averages the classes whose AUC is defined, which the script computes with
    sklearn's binary roc_auc_score per class.
  - there is no sklearn ECE: the reliability bins of the binary case are
    sklearn.calibration.calibration_curve(strategy='uniform'); ECE and the
    top-label (multiclass) diagram are computed here with numpy on the same
    bins (numpy.searchsorted over numpy.linspace edges).
  - the Wilson interval is statsmodels' formula (statsmodels is not packaged
    here) with z = scipy.stats.norm.isf(alpha / 2).
"""

import json
import math
import pathlib
import platform
import warnings

import numpy as np
import scipy
import scipy.special
import scipy.stats
import sklearn
from sklearn.calibration import calibration_curve
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import (
    accuracy_score,
    brier_score_loss,
    confusion_matrix,
    log_loss,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    precision_recall_fscore_support,
    r2_score,
    roc_auc_score,
)

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "performance" / "fixtures"


def number(x):
    """A JSON float; None stays None (undefined). NaN and inf must not occur."""
    if x is None:
        return None
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"non-finite value {x} in a fixture")
    return x


def numbers(xs):
    return [number(x) for x in xs]


def ints(xs):
    return [int(x) for x in xs]


def meta():
    return {
        "generator": "scripts/generate_quality_fixtures.py",
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


def outcome(call):
    """sklearn's answer: a finite float, or the string "nan" / "raises"."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            value = float(call())
        except ValueError:
            return "raises"
    return "nan" if math.isnan(value) else value


def defined(call):
    """sklearn's answer where mlmon calls it undefined unless it is a number."""
    value = outcome(call)
    return None if isinstance(value, str) else value


# ------------------------------------------------------------ label metrics

def label_cases():
    rng = np.random.default_rng(20240605)
    cases = []

    def add(name, k, y_true, y_pred):
        y_true = np.asarray(y_true, dtype=int)
        y_pred = np.asarray(y_pred, dtype=int)
        labels = list(range(k))
        case = {
            "name": name,
            "num_classes": k,
            "y_true": ints(y_true),
            "y_pred": ints(y_pred),
            "confusion_matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist()
            if len(y_true) else [[0] * k for _ in range(k)],
        }
        if len(y_true) == 0:
            # sklearn: accuracy NaN, precision/recall/F1 the zero_division value.
            assert outcome(lambda: accuracy_score(y_true, y_pred)) == "nan"
            case["accuracy"] = None
            case["sklearn_on_empty"] = {
                "accuracy": "nan",
                "macro_precision": outcome(lambda: precision_recall_fscore_support(
                    y_true, y_pred, labels=labels, average="macro", zero_division=0)[0]),
            }
            for average in ["macro", "weighted"] + (["binary_pos1", "binary_pos0"] if k == 2 else []):
                case[average] = None
            cases.append(case)
            return
        case["accuracy"] = number(accuracy_score(y_true, y_pred))
        for average in ("macro", "weighted"):
            p, r, f, _ = precision_recall_fscore_support(
                y_true, y_pred, labels=labels, average=average, zero_division=0)
            case[average] = {"precision": number(p), "recall": number(r), "f1": number(f)}
        if k == 2:
            for pos in (1, 0):
                p, r, f, _ = precision_recall_fscore_support(
                    y_true, y_pred, labels=labels, average="binary", pos_label=pos, zero_division=0)
                case[f"binary_pos{pos}"] = {"precision": number(p), "recall": number(r), "f1": number(f)}
        cases.append(case)

    # Binary.
    y = rng.integers(0, 2, 400)
    flip = rng.random(400) < 0.25
    add("binary_noisy", 2, y, np.where(flip, 1 - y, y))
    add("binary_perfect", 2, y, y)
    add("binary_worst", 2, y, 1 - y)
    add("binary_single_class_negative", 2, np.zeros(50, int), (rng.random(50) < 0.2).astype(int))
    add("binary_single_class_positive_all_right", 2, np.ones(30, int), np.ones(30, int))
    add("binary_never_predicts_positive", 2, y[:100], np.zeros(100, int))
    add("binary_one_sample", 2, [1], [0])
    add("binary_empty", 2, [], [])
    # Multiclass.
    y = rng.integers(0, 4, 500)
    wrong = rng.random(500) < 0.35
    add("multiclass_noisy", 4, y, np.where(wrong, rng.integers(0, 4, 500), y))
    y = rng.choice([0, 1, 2, 4], 300)  # class 3 never occurs, never predicted
    wrong = rng.random(300) < 0.3
    add("multiclass_absent_class", 5, y, np.where(wrong, rng.choice([0, 1, 2, 4], 300), y))
    y = rng.choice([0, 1, 3], 200)  # class 2 predicted but never true
    wrong = rng.random(200) < 0.3
    add("multiclass_predicted_but_absent", 4, y, np.where(wrong, rng.integers(0, 4, 200), y))
    y = rng.integers(0, 3, 150)
    add("multiclass_perfect", 3, y, y)
    add("multiclass_worst", 3, y, (y + 1) % 3)
    add("multiclass_single_class", 3, np.full(40, 2), rng.integers(0, 3, 40))
    add("multiclass_imbalanced", 3, rng.choice(3, 400, p=[0.9, 0.08, 0.02]), rng.choice(3, 400, p=[0.8, 0.15, 0.05]))
    add("multiclass_empty", 3, [], [])
    return cases


# ------------------------------------------------------------ score metrics

def binary_score_cases():
    rng = np.random.default_rng(20240606)
    cases = []

    def add(name, y_true, prob):
        y_true = np.asarray(y_true, dtype=int)
        prob = np.asarray(prob, dtype=float)
        labels = [0, 1]
        case = {"name": name, "y_true": ints(y_true), "probabilities": numbers(prob)}
        auc = outcome(lambda: roc_auc_score(y_true, prob))
        if len(np.unique(y_true)) < 2:
            assert auc in ("raises", "nan"), auc
            case["sklearn_roc_auc"] = auc
            auc = None
        case["roc_auc"] = number(auc)
        if len(y_true) == 0:
            case["sklearn_on_empty"] = {
                "log_loss": outcome(lambda: log_loss(y_true, prob, labels=labels)),
                "brier": outcome(lambda: brier_score_loss(y_true, prob, pos_label=1)),
            }
            case["log_loss"] = None
            case["brier"] = None
        else:
            case["log_loss"] = number(log_loss(y_true, prob, labels=labels))
            case["brier"] = number(brier_score_loss(y_true, prob, pos_label=1))
        cases.append(case)

    n = 500
    y = rng.integers(0, 2, n)
    logits = rng.normal(0.0, 1.0, n) + 1.2 * (2 * y - 1)
    prob = 1.0 / (1.0 + np.exp(-logits))
    add("continuous", y, prob)
    # Rounded to 2 decimals: many tied scores across both classes.
    add("ties_rounded", y, np.round(prob, 2))
    # Five levels including exactly 0 and 1: heavy ties and log-loss clipping.
    add("ties_five_levels_with_0_and_1", y, np.round(prob * 4) / 4)
    add("all_scores_equal", y[:60], np.full(60, 0.3))
    add("perfect_separation", y[:80], np.where(y[:80] == 1, 0.9, 0.1))
    add("worst_separation", y[:80], np.where(y[:80] == 1, 0.1, 0.9))
    add("hard_0_and_1_right", [0, 1, 0, 1], [0.0, 1.0, 0.0, 1.0])
    add("hard_0_and_1_wrong", [0, 1, 0, 1], [1.0, 0.0, 0.0, 1.0])
    add("single_class_negative", np.zeros(40, int), rng.random(40))
    add("single_class_positive", np.ones(25, int), np.round(rng.random(25), 1))
    add("one_sample", [1], [0.7])
    add("empty", [], [])
    return cases


def multiclass_score_cases():
    rng = np.random.default_rng(20240607)
    cases = []

    def add(name, k, y_true, prob):
        y_true = np.asarray(y_true, dtype=int)
        prob = np.asarray(prob, dtype=float).reshape(len(y_true), k)
        labels = list(range(k))
        case = {"name": name, "num_classes": k, "y_true": ints(y_true),
                "probabilities": numbers(prob.ravel())}
        sk_auc = outcome(lambda: roc_auc_score(y_true, prob, multi_class="ovr", average="macro", labels=labels))
        present = [c for c in labels if 0 < np.sum(y_true == c) < len(y_true)]
        if len(present) == k:
            case["roc_auc_ovr"] = number(sk_auc)
        else:
            # Deviation: sklearn raises; mlmon averages the defined classes.
            assert sk_auc == "raises", sk_auc
            case["sklearn_roc_auc_ovr"] = sk_auc
            case["roc_auc_ovr"] = number(np.mean(
                [roc_auc_score(y_true == c, prob[:, c]) for c in present])) if present else None
        if len(y_true) == 0:
            case["sklearn_on_empty"] = {"log_loss": outcome(lambda: log_loss(y_true, prob, labels=labels))}
            case["log_loss"] = None
        else:
            case["log_loss"] = number(log_loss(y_true, prob, labels=labels))
        cases.append(case)

    def quantised(n, k, steps, concentrate=None):
        # Rows of multinomial counts / steps: ties, exact zeros and ones, and
        # rows that sum to 1 within an ulp, as sklearn's ovr check requires.
        rows = []
        for i in range(n):
            p = rng.dirichlet(np.ones(k) if concentrate is None else concentrate[i])
            rows.append(rng.multinomial(steps, p) / steps)
        return np.array(rows)

    n, k = 400, 3
    y = rng.integers(0, k, n)
    add("three_classes_ties", k, y, quantised(n, k, 20, [np.ones(k) + 3 * (np.arange(k) == c) for c in y]))
    n, k = 300, 4
    y = rng.choice([0, 1, 3], n)  # class 2 absent
    add("absent_class", k, y, quantised(n, k, 50, [np.ones(k) + 4 * (np.arange(k) == c) for c in y]))
    k = 3
    y = np.array([0, 1, 2, 0, 1, 2, 2, 1])
    hard = np.eye(k)[[0, 1, 2, 1, 1, 0, 2, 1]]  # probabilities exactly 0 and 1, some wrong
    add("hard_one_hot", k, y, hard)
    y = rng.integers(0, k, 120)
    add("perfect", k, y, np.eye(k)[y] * 0.8 + 0.2 / k)
    n, k = 200, 5
    y = rng.integers(0, k, n)
    add("five_classes_continuous", k, y, rng.dirichlet(np.ones(k), n))
    add("single_class", 3, np.full(30, 1), quantised(30, 3, 10))
    add("empty", 3, [], np.zeros((0, 3)))
    return cases


# ------------------------------------------------------------ calibration

def reliability(confidence, hit, n_bins):
    """Bins as calibration_curve(strategy='uniform'); ECE from them."""
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    ids = np.searchsorted(edges[1:-1], confidence)
    counts = np.bincount(ids, minlength=n_bins)
    sums = np.bincount(ids, weights=confidence, minlength=n_bins)
    hits = np.bincount(ids, weights=hit.astype(float), minlength=n_bins)
    nonzero = counts > 0
    observed = np.zeros(n_bins)
    mean_conf = np.zeros(n_bins)
    observed[nonzero] = hits[nonzero] / counts[nonzero]
    mean_conf[nonzero] = sums[nonzero] / counts[nonzero]
    total = counts.sum()
    ece = float(np.sum(counts[nonzero] / total * np.abs(observed[nonzero] - mean_conf[nonzero]))) if total else None
    return {"counts": ints(counts), "observed": numbers(observed), "mean_confidence": numbers(mean_conf),
            "lower": numbers(edges[:-1]), "upper": numbers(edges[1:]), "ece": number(ece)}


def calibration_cases():
    rng = np.random.default_rng(20240608)
    binary = []

    def add_binary(name, y_true, prob, n_bins):
        y_true = np.asarray(y_true, dtype=int)
        prob = np.asarray(prob, dtype=float)
        case = {"name": name, "n_bins": n_bins, "y_true": ints(y_true), "probabilities": numbers(prob),
                **reliability(prob, y_true == 1, n_bins)}
        if len(y_true):
            prob_true, prob_pred = calibration_curve(y_true, prob, n_bins=n_bins, strategy="uniform")
            case["sklearn_prob_true"] = numbers(prob_true)
            case["sklearn_prob_pred"] = numbers(prob_pred)
            nonzero = np.array(case["counts"]) > 0
            assert np.array_equal(np.array(case["observed"])[nonzero], prob_true)
            assert np.allclose(np.array(case["mean_confidence"])[nonzero], prob_pred, rtol=1e-14, atol=0)
        binary.append(case)

    n = 1000
    y = rng.integers(0, 2, n)
    prob = np.clip(rng.beta(2, 2, n) * 0.7 + 0.3 * y, 0, 1)
    # Values exactly on bin edges (and 0 and 1) must land where numpy puts them.
    prob[:12] = [0.0, 0.1, 0.2, 0.3, 0.30000000000000004, 0.6, 0.7, 0.7000000000000001, 0.8, 0.9, 1.0, 0.5]
    add_binary("ten_bins_with_edge_values", y, prob, 10)
    add_binary("five_bins", y[:300], np.round(prob[:300], 3), 5)
    add_binary("fifteen_bins_sparse", y[:40], prob[:40], 15)
    add_binary("single_class", np.zeros(50, int), rng.random(50) * 0.4, 10)
    add_binary("empty", [], [], 10)

    top = []

    def add_top(name, k, y_true, prob, n_bins):
        y_true = np.asarray(y_true, dtype=int)
        prob = np.asarray(prob, dtype=float).reshape(len(y_true), k)
        predicted = np.argmax(prob, axis=1) if len(y_true) else np.zeros(0, int)
        confidence = prob[np.arange(len(y_true)), predicted] if len(y_true) else np.zeros(0)
        top.append({"name": name, "num_classes": k, "n_bins": n_bins, "y_true": ints(y_true),
                    "probabilities": numbers(prob.ravel()), **reliability(confidence, predicted == y_true, n_bins)})

    n, k = 400, 3
    y = rng.integers(0, k, n)
    # Multiples of 1/20: confidences on bin edges and arg-max ties (first wins).
    rows = np.array([rng.multinomial(20, rng.dirichlet(np.ones(k) + 2 * (np.arange(k) == c))) / 20 for c in y])
    add_top("three_classes_quantised", k, y, rows, 10)
    n, k = 250, 5
    y = rng.integers(0, k, n)
    add_top("five_classes_continuous", k, y, rng.dirichlet(np.ones(k) * 0.5, n), 8)
    add_top("empty", 3, [], np.zeros((0, 3)), 10)
    return binary, top


# ------------------------------------------------------------ regression

def regression_cases():
    rng = np.random.default_rng(20240609)
    cases = []

    def add(name, y_true, y_pred):
        y_true = np.asarray(y_true, dtype=float)
        y_pred = np.asarray(y_pred, dtype=float)
        case = {"name": name, "y_true": numbers(y_true), "y_pred": numbers(y_pred)}
        if len(y_true) == 0:
            case["sklearn_on_empty"] = {"mae": outcome(lambda: mean_absolute_error(y_true, y_pred))}
            case.update({"mae": None, "rmse": None, "r2": None, "mape": None})
        else:
            case["mae"] = number(mean_absolute_error(y_true, y_pred))
            case["rmse"] = number(mean_squared_error(y_true, y_pred, squared=False))
            case["mape"] = number(mean_absolute_percentage_error(y_true, y_pred))
            r2 = outcome(lambda: r2_score(y_true, y_pred))
            if len(y_true) < 2:
                assert r2 == "nan", r2
                case["sklearn_r2"] = r2
                r2 = None
            case["r2"] = number(r2)
        cases.append(case)

    y = rng.normal(10.0, 3.0, 500)
    add("normal_noise", y, y + rng.normal(0.0, 1.0, 500))
    add("perfect", y[:50], y[:50])
    add("worse_than_mean", y[:100], y[:100][::-1] * 1.5)
    add("large_offset", 1e6 + y[:200], 1e6 + y[:200] + rng.normal(0.0, 0.5, 200))
    add("constant_y_wrong_predictions", np.full(20, 2.5), 2.5 + rng.normal(0.0, 1.0, 20))
    add("constant_y_exact_predictions", np.full(20, 2.5), np.full(20, 2.5))
    zeros = np.round(rng.normal(0.0, 2.0, 60), 1)
    zeros[:10] = 0.0
    pred = zeros + np.round(rng.normal(0.0, 0.5, 60), 2)
    pred[:3] = 0.0  # zero true, zero predicted: contributes 0
    add("zeros_in_y_true", zeros, pred)
    add("one_sample", [3.0], [2.0])
    add("empty", [], [])
    return cases


# ------------------------------------------------------------ intervals

def interval_cases():
    probabilities = [1e-300, 1e-100, 1e-20, 1e-10, 1e-5, 0.001, 0.01, 0.025, 0.05, 0.07499, 0.075, 0.07501,
                     0.1, 0.2, 0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7, 0.8, 0.9, 0.925, 0.95, 0.975, 0.99,
                     0.999, 1 - 1e-10, 1 - 2.0 ** -52, 2.0 ** -1074 * 7]
    quantiles = [{"p": number(p), "ndtri": number(scipy.special.ndtri(p))} for p in probabilities]

    wilson = []
    for successes, trials in [(0, 10), (10, 10), (5, 10), (1, 3), (45, 50), (45000, 50000), (1, 1000000),
                              (999999, 1000000), (37, 41), (0, 1), (1, 1)]:
        for confidence in (0.5, 0.8, 0.9, 0.95, 0.99, 0.999):
            alpha = 1.0 - confidence
            z = scipy.stats.norm.isf(alpha / 2.0)
            n = float(trials)
            p = successes / n
            denominator = 1.0 + z * z / n
            centre = (p + z * z / (2.0 * n)) / denominator
            half = z * np.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n)) / denominator
            lower = 0.0 if successes == 0 else max(centre - half, 0.0)
            upper = 1.0 if successes == trials else min(centre + half, 1.0)
            wilson.append({"successes": successes, "trials": trials, "confidence": confidence,
                           "estimate": number(p), "lower": number(lower), "upper": number(upper)})
    return quantiles, wilson


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    warnings.simplefilter("error", UndefinedMetricWarning)  # zero_division=0 must silence them
    write("labels.json", {"cases": label_cases()})
    write("scores.json", {"binary": binary_score_cases(), "multiclass": multiclass_score_cases()})
    binary, top = calibration_cases()
    write("calibration.json", {"binary": binary, "top_label": top})
    write("regression.json", {"cases": regression_cases()})
    quantiles, wilson = interval_cases()
    write("confidence_interval.json", {"normal_quantile": quantiles, "wilson": wilson})


if __name__ == "__main__":
    main()
