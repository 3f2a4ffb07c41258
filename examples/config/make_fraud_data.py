#!/usr/bin/env python3
"""Writes the small synthetic training data that examples/config/mlmon.yml
refers to: fraud_reference.csv (the model's inputs) and fraud_scores.csv
(the model's scores on them, the reference of prediction drift).

Deterministic (fixed seed, standard library only):
    python3 examples/config/make_fraud_data.py
"""
import math
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
ROWS = 400


def main():
    rng = random.Random(20240601)
    countries = ["DE", "FR", "IT", "NL", "US"]
    weights = [0.35, 0.25, 0.15, 0.15, 0.10]
    inputs = ["amount,age,account_age_days,country"]
    scores = ["score"]
    for _ in range(ROWS):
        amount = round(math.exp(rng.gauss(3.5, 1.0)), 2)
        age = max(18, min(90, int(rng.gauss(42, 13))))
        account_age_days = int(rng.expovariate(1 / 400.0))
        country = rng.choices(countries, weights)[0]
        inputs.append(f"{amount},{age},{account_age_days},{country}")
        z = -4.0 + 0.015 * amount - 0.002 * account_age_days + (0.8 if country == "US" else 0.0)
        scores.append(f"{1.0 / (1.0 + math.exp(-z)):.6f}")
    with open(os.path.join(HERE, "fraud_reference.csv"), "w", encoding="utf-8") as out:
        out.write("\n".join(inputs) + "\n")
    with open(os.path.join(HERE, "fraud_scores.csv"), "w", encoding="utf-8") as out:
        out.write("\n".join(scores) + "\n")


if __name__ == "__main__":
    main()
