#!/usr/bin/python3
"""200 alerting rules over 10 000 series: mlmon's RuleEngine vs Prometheus.

Writes one rule file (200 alerting rules, checked with `promtool check
rules`), starts bin/mlmon_rules_bench_server (10 000 series in an
mlmon::Registry updated every second, served on 127.0.0.1, and the same rule
file evaluated by mlmon::RuleEngine on that registry), starts a real
`prometheus` on 127.0.0.1 scraping it every second and evaluating the same
rule file, and after SECONDS reports the per-cycle evaluation time of both
(Prometheus: prometheus_rule_group_last_duration_seconds from its own
/metrics; mlmon: the group's last_duration_seconds, the value of
mlmon_rule_group_last_duration_seconds), averaged over the cycles evaluated
once the 5-minute windows are full (--warmup). Everything runs on loopback
and is stopped at the end.

Usage: benchmarks/rules_vs_prometheus.py --server build/bin/mlmon_rules_bench_server
       [--seconds 340] [--warmup 300] [--interval 5]
"""

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

GROUP = "bench"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rules(interval):
    """The rule file's text: 200 alerting rules, the mix of alerting_bench.cpp."""
    exprs = []
    for i in range(100):
        exprs.append(f'rate(bench_requests_total_{i % 40}{{model="m{i % 10}"}}[5m]) > {i % 9}.5')
    for i in range(50):
        exprs.append(f"sum by (model) (rate(bench_requests_total_{i % 40}[5m])) > {10 * (i % 5) + 5}")
    for i in range(30):
        exprs.append(f"histogram_quantile(0.99, sum by (le, model) "
                     f"(rate(bench_latency_seconds_{i % 10}_bucket[5m]))) > 0.45")
    for i in range(20):
        exprs.append(f"avg_over_time(bench_gauge_{i % 27}[5m]) > 0.605 and bench_gauge_{i % 27} > 0.905")
    lines = ["groups:", f"  - name: {GROUP}", f"    interval: {interval}s", "    rules:"]
    for n, expr in enumerate(exprs):
        lines.append(f"      - alert: BenchAlert{n}")
        lines.append(f"        expr: '{expr}'")
        if n % 2:
            lines.append("        for: 1m")
        lines.append("        labels:")
        lines.append("          severity: page")
        lines.append("        annotations:")
        lines.append("          summary: 'value {{ $value }} on {{ $labels.instance }}'")
    return "\n".join(lines) + "\n"


def get(url, timeout=5.0):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode()


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"timed out waiting for {what}")


def prom_sample(text, name, group_key):
    for line in text.splitlines():
        if line.startswith(name + "{") and f'rule_group="{group_key}"' in line:
            return float(line.rsplit(" ", 1)[1])
    return None


def values(response):
    """The sample values of an /api/v1/query answer."""
    return re.findall(r'"value":\[[^,]+,"([^"]+)"', response)


def summary(values):
    if not values:
        return "no samples"
    return (f"n={len(values)} mean={statistics.mean(values) * 1e3:.2f} ms "
            f"median={statistics.median(values) * 1e3:.2f} ms "
            f"min={min(values) * 1e3:.2f} ms max={max(values) * 1e3:.2f} ms")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--server", required=True, help="path of mlmon_rules_bench_server")
    ap.add_argument("--prometheus", default=shutil.which("prometheus") or "prometheus")
    ap.add_argument("--promtool", default=shutil.which("promtool") or "promtool")
    ap.add_argument("--seconds", type=int, default=340, help="length of the run")
    ap.add_argument("--warmup", type=int, default=300,
                    help="cycles before this many seconds are left out of the figures")
    ap.add_argument("--interval", type=int, default=5, help="rule group evaluation interval (s)")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="mlmon-rules-bench-")
    procs = []
    try:
        rule_file = os.path.join(tmp, "rules.yml")
        with open(rule_file, "w") as f:
            f.write(rules(args.interval))
        check = subprocess.run([args.promtool, "check", "rules", rule_file], capture_output=True, text=True)
        print(check.stdout.strip())
        if check.returncode != 0:
            raise SystemExit("promtool check rules failed:\n" + check.stderr)

        server_log = open(os.path.join(tmp, "server.out"), "w+")
        server = subprocess.Popen([args.server, rule_file, str(args.seconds + 5)], stdout=server_log,
                                  stderr=subprocess.STDOUT)
        procs.append(server)

        def server_port():
            server_log.seek(0)
            m = re.search(r"port=(\d+)", server_log.read())
            return int(m.group(1)) if m else None

        wait_until(lambda: server_port() is not None, 30, "the mlmon server")
        target = f"127.0.0.1:{server_port()}"

        prom_port = free_port()
        config = os.path.join(tmp, "prometheus.yml")
        with open(config, "w") as f:
            f.write(f"""global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: {args.interval}s
rule_files: ['{rule_file}']
scrape_configs:
  - job_name: mlmon
    static_configs:
      - targets: ['{target}']
    metric_relabel_configs:
      - source_labels: [__name__]
        regex: 'ALERTS|ALERTS_FOR_STATE|mlmon_.*'
        action: drop
""")
        prom_log = open(os.path.join(tmp, "prometheus.log"), "w")
        prom = subprocess.Popen([args.prometheus, f"--config.file={config}",
                                 f"--storage.tsdb.path={os.path.join(tmp, 'data')}",
                                 f"--web.listen-address=127.0.0.1:{prom_port}", "--log.level=warn"],
                                stdout=prom_log, stderr=subprocess.STDOUT)
        procs.append(prom)
        prom_url = f"http://127.0.0.1:{prom_port}"
        wait_until(lambda: "ready" in get(prom_url + "/-/ready").lower(), 60, "prometheus")
        start = time.time()
        print(f"mlmon server at {target}, prometheus at 127.0.0.1:{prom_port}; running {args.seconds} s")

        group_key = f"{rule_file};{GROUP}"
        prom_evals = {}  # evaluation timestamp -> duration
        while time.time() - start < args.seconds:
            time.sleep(1.0)
            if prom.poll() is not None or server.poll() is not None:  # the server runs 5 s longer
                raise SystemExit("a process exited early; logs in " + tmp)
            text = get(prom_url + "/metrics")
            ts = prom_sample(text, "prometheus_rule_group_last_evaluation_timestamp_seconds", group_key)
            dur = prom_sample(text, "prometheus_rule_group_last_duration_seconds", group_key)
            if ts and dur is not None:
                prom_evals[ts] = dur

        up = get(prom_url + "/api/v1/query?query=up")
        scraped = get(prom_url + "/api/v1/query?query=scrape_samples_scraped")
        firing = get(prom_url + "/api/v1/query?query=count(ALERTS%7Balertstate%3D%22firing%22%7D)")
        pending = get(prom_url + "/api/v1/query?query=count(ALERTS%7Balertstate%3D%22pending%22%7D)")
        per_rule = get(prom_url + "/api/v1/query?query=count%20by%20(alertname)%20(ALERTS)")
        prom_active = {m.group(1): int(m.group(2)) for m in
                       re.finditer(r'"alertname":"([^"]+)"\},"value":\[[^,]+,"(\d+)"', per_rule)}
        bad = get(prom_url + "/api/v1/rules").count('"health":"err"')

        server.wait(timeout=60)  # it prints its alerts per rule as it exits
        server_log.seek(0)
        mlmon_evals = {}
        mlmon_alerts = None
        for m in re.finditer(r"eval t=([\d.]+) group=(\S+) duration_s=([\d.e+-]+) rules_s=([\d.e+-]+) "
                             r"firing=(\d+) pending=(\d+)", server_log.read()):
            if m.group(2) == GROUP:
                mlmon_evals[float(m.group(1))] = (float(m.group(3)), float(m.group(4)))
                mlmon_alerts = (m.group(5), m.group(6))

        cut = start + args.warmup
        p = [d for t, d in sorted(prom_evals.items()) if t >= cut]
        mg = [d for t, (d, _) in sorted(mlmon_evals.items()) if t >= cut]
        mr = [r for t, (_, r) in sorted(mlmon_evals.items()) if t >= cut]
        print(f"prometheus up: {values(up)}, samples scraped: {values(scraped)}, "
              f"rules with health err: {bad}")
        print(f"prometheus ALERTS firing: {values(firing)}, pending: {values(pending)}")
        if mlmon_alerts:
            print(f"mlmon alerts at its last cycle: firing {mlmon_alerts[0]}, pending {mlmon_alerts[1]}")
        server_log.seek(0)
        mlmon_active = {m.group(1): int(m.group(2)) for m in
                        re.finditer(r"active rule=(\S+) alerts=(\d+)", server_log.read())}
        names = [f"BenchAlert{n}" for n in range(200)]
        same = [n for n in names if prom_active.get(n, 0) == mlmon_active.get(n, 0)]
        print(f"rules with the same number of active alerts (pending + firing) at the end: {len(same)} of 200")
        for n in names:
            if n not in same:
                print(f"  {n}: prometheus {prom_active.get(n, 0)}, mlmon {mlmon_active.get(n, 0)}")
        print(f"cycles after {args.warmup} s (200 rules, 10 000 series, interval {args.interval} s):")
        print(f"  prometheus_rule_group_last_duration_seconds: {summary(p)}")
        print(f"  mlmon group duration (mlmon_rule_group_last_duration_seconds): {summary(mg)}")
        print(f"  mlmon sum of rule durations (no registry collection): {summary(mr)}")
        if p and mg:
            print(f"  ratio mlmon/prometheus (means): group {statistics.mean(mg) / statistics.mean(p):.2f}, "
                  f"rules only {statistics.mean(mr) / statistics.mean(p):.2f}")
        return 0
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
