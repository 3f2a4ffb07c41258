#!/usr/bin/env python3
"""Side-by-side ratios from one mlmon_benchmarks run (Google Benchmark JSON).

    build/bin/mlmon_benchmarks --benchmark_repetitions=5 \
        --benchmark_report_aggregates_only=true \
        --benchmark_out=bench.json --benchmark_out_format=json
    python3 benchmarks/ratios.py bench.json

Uses the median of the repetitions and CPU time per operation (per thread),
and prints whether the targets of docs/performance.md hold in this run.
"""
import json
import sys


def medians(path):
    with open(path) as f:
        data = json.load(f)
    out = {}
    for b in data["benchmarks"]:
        if b.get("aggregate_name", "median") != "median":
            continue
        name = b["run_name"].replace("/real_time", "")
        out[name] = {"cpu": b["cpu_time"], "real": b["real_time"]}
    return out


def main():
    m = medians(sys.argv[1] if len(sys.argv) > 1 else "bench.json")
    ok = True

    def cpu(name):
        return m[name]["cpu"]

    print("| pair | threads | mlmon ns/op | prometheus-cpp ns/op | ratio | target |")
    print("|---|---|---|---|---|---|")
    for metric, targets in (("counter_increment", {}), ("histogram_observe", {1: 1 / 3, 2: 1 / 5})):
        for t in (1, 2):
            a = cpu(f"{metric}/mlmon/threads:{t}")
            b = cpu(f"{metric}/prometheus_cpp/threads:{t}")
            target = targets.get(t)
            verdict = "" if target is None else ("<= %.3f %s" % (target, "met" if a / b <= target else "MISSED"))
            ok &= target is None or a / b <= target
            print(f"| {metric} | {t} | {a:.2f} | {b:.2f} | {a / b:.3f} | {verdict} |")

    # The budget: the cost of the call's own two steady-clock reads (measured
    # in place, as predict_overhead/clock_only - bare) plus 20 ns. The
    # isolated steady_clock_now figure is printed too: in place the reads
    # cost more, since each waits for the work before it.
    clock = cpu("steady_clock_now/threads:1")
    print()
    print("| predict_overhead | threads | bare | clock_only | mlmon | prometheus_cpp | mlmon - bare | budget (clock_only - bare) + 20 | 2 x isolated clock + 20 |")
    print("|---|---|---|---|---|---|---|---|---|")
    for t in (1, 2):
        bare = cpu(f"predict_overhead/bare/threads:{t}")
        clock_only = cpu(f"predict_overhead/clock_only/threads:{t}")
        mlmon = cpu(f"predict_overhead/mlmon/threads:{t}")
        prom = cpu(f"predict_overhead/prometheus_cpp/threads:{t}")
        over = mlmon - bare
        budget = (clock_only - bare) + 20
        isolated = 2 * clock + 20
        ok &= over <= budget
        print(f"| | {t} | {bare:.2f} | {clock_only:.2f} | {mlmon:.2f} | {prom:.2f} | {over:.2f} | "
              f"{budget:.2f} {'met' if over <= budget else 'MISSED'} | "
              f"{isolated:.2f} {'met' if over <= isolated else 'missed'} |")
    print()
    print(f"steady_clock_now: {clock:.2f} ns")
    print("all targets met" if ok else "SOME TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
