#!/usr/bin/env python3
"""Regenerates breast_cancer.csv from the copy bundled with Debian's python3-sklearn.

sklearn's bundled file starts with a "569,30,malignant,benign" summary line
instead of a header, so it is rewritten here as a plain CSV whose header names
the 30 features exactly as sklearn.datasets.load_breast_cancer().feature_names
does, followed by `target` (0 = malignant, 1 = benign). Values are copied
verbatim (no float reformatting) so the file diffs cleanly against the source.

Usage: make_breast_cancer_csv.py [SOURCE_CSV] > breast_cancer.csv
"""
import csv
import sys

SOURCE = "/usr/lib/python3/dist-packages/sklearn/datasets/data/breast_cancer.csv"

STATS = ["radius", "texture", "perimeter", "area", "smoothness", "compactness",
         "concavity", "concave points", "symmetry", "fractal dimension"]
FEATURES = ([f"mean {s}" for s in STATS] + [f"{s} error" for s in STATS]
            + [f"worst {s}" for s in STATS])


def main() -> int:
    source = sys.argv[1] if len(sys.argv) > 1 else SOURCE
    with open(source, newline="") as f:
        rows = list(csv.reader(f))
    n_samples, n_features = int(rows[0][0]), int(rows[0][1])
    body = rows[1:]
    if n_features != len(FEATURES) or len(body) != n_samples:
        sys.exit(f"unexpected shape in {source}: header says {rows[0]}, got {len(body)} rows")
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(FEATURES + ["target"])
    for row in body:
        if len(row) != n_features + 1 or row[-1] not in ("0", "1"):
            sys.exit(f"malformed row in {source}: {row}")
        out.writerow(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
