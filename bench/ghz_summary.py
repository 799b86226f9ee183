#!/usr/bin/env python3
"""Summarizes ghz JSON reports (bench/ghz.sh).

usage: ghz_summary.py LABEL EVENTS_PER_CALL REPORT.json [REPORT.json ...]
Several reports are runs that went on at the same time (the mixed scenario):
their rates add up. Prints one tab-separated line:
label, calls/s, events/s, p50, p95, p99 (ms, worst of the reports), errors
by status (ghz ends a -z run by cancelling the calls in flight: a few
"Canceled" are normal), and the client's CPU time per call in microseconds
("-" unless bench/ghz.sh left REPORT.cpu beside the report: ghz's user+system
seconds), and the server's CPU time per call (from REPORT.server files, the
server's user+system seconds during the run; "-" when there are none).
"""
import json
import os
import sys


def main():
    label, events_per_call, paths = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    rps = 0.0
    events = 0.0
    pct = {50: 0.0, 95: 0.0, 99: 0.0}
    errors = {}
    calls = 0
    cpu = 0.0
    have_cpu = True
    server = None
    for i, path in enumerate(paths):
        with open(path) as f:
            r = json.load(f)
        rps += r["rps"]
        # In the mixed scenario only the first report (PutEvents) carries events.
        if i == 0:
            events += r["rps"] * events_per_call
        for d in r.get("latencyDistribution") or []:
            p = int(d["percentage"])
            if p in pct:
                pct[p] = max(pct[p], d["latency"] / 1e6)
        calls += r.get("count", 0)
        cpu_path = os.path.splitext(path)[0] + ".cpu"
        if os.path.exists(cpu_path):
            with open(cpu_path) as f:
                cpu += sum(float(x) for x in f.read().split())
        else:
            have_cpu = False
        server_path = os.path.splitext(path)[0] + ".server"
        if os.path.exists(server_path):
            with open(server_path) as f:
                server = (server or 0.0) + float(f.read())
        for code, n in (r.get("statusCodeDistribution") or {}).items():
            if code != "OK":
                errors[code] = errors.get(code, 0) + n
    err = ",".join(f"{c}:{n}" for c, n in sorted(errors.items())) or "0"
    client = f"{cpu / calls * 1e6:.0f}" if have_cpu and calls else "-"
    server_us = f"{server / calls * 1e6:.0f}" if server is not None and calls else "-"
    print(f"{label}\t{rps:.0f}\t{events:.0f}\t{pct[50]:.2f}\t{pct[95]:.2f}\t{pct[99]:.2f}\t{err}"
          f"\t{client}\t{server_us}")


if __name__ == "__main__":
    main()
