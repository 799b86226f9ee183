#!/usr/bin/env python3
"""Summarizes ghz JSON reports (bench/ghz.sh).

usage: ghz_summary.py LABEL EVENTS_PER_CALL REPORT.json [REPORT.json ...]
Several reports are runs that went on at the same time (the mixed scenario):
their rates add up. Prints one tab-separated line:
label, calls/s, events/s, p50, p95, p99 (ms, worst of the reports), errors
by status (ghz ends a -z run by cancelling the calls in flight: a few
"Canceled" are normal).
"""
import json
import sys


def main():
    label, events_per_call, paths = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    rps = 0.0
    events = 0.0
    pct = {50: 0.0, 95: 0.0, 99: 0.0}
    errors = {}
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
        for code, n in (r.get("statusCodeDistribution") or {}).items():
            if code != "OK":
                errors[code] = errors.get(code, 0) + n
    err = ",".join(f"{c}:{n}" for c, n in sorted(errors.items())) or "0"
    print(f"{label}\t{rps:.0f}\t{events:.0f}\t{pct[50]:.2f}\t{pct[95]:.2f}\t{pct[99]:.2f}\t{err}")


if __name__ == "__main__":
    main()
