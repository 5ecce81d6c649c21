"""Web concurrency: a cheap request's latency while Pareto searches run (issue 19).

Starts ``costcurve web`` on 127.0.0.1 (a free port), then runs two phases of 16 concurrent clients,
each sending a fixed number of cheap requests (``POST /api/train`` with the MFU given, ``POST
/api/infer``): first alone, then while 2 other clients keep the server busy with Pareto searches
(``POST /api/plan`` over 6 accelerators up to 4,096 of them, several seconds each). Prints the
median and p95 of the cheap requests in each phase, and how many searches ran; stops the server.
Bounded: 16 × ``--requests`` cheap requests per phase, no loop without end.

Target: cheap p95 under 0.5 s while a search runs.

    python benchmarks/bench_web.py [--requests 12] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time

DATE = "2025-06-01"
CHEAP = [("/api/train", {"model": "llama3-8b", "gpus": "64", "mfu": "0.4", "date": DATE}),
         ("/api/infer", {"model": "llama3-8b", "gpu": "h100", "gpus": "1", "date": DATE})]
HEAVY = ("/api/plan", {"model": "llama3-70b", "tokens": "15T", "gpu_options": "h100,a100,b200,mi300x,h200,l40s",
                       "max_gpus": "4096", "date": DATE})
CLIENTS = 16
HEAVY_CLIENTS = 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(port: int) -> subprocess.Popen:
    env = dict(os.environ)
    proc = subprocess.Popen([sys.executable, "-m", "costcurve", "web", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import httpx

    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/kinds", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start")


def _cheap_client(base: str, n: int, out: list, errors: list) -> None:
    import httpx

    with httpx.Client(base_url=base, timeout=60) as c:
        for i in range(n):
            path, body = CHEAP[i % len(CHEAP)]
            t0 = time.perf_counter()
            r = c.post(path, json=body)
            out.append(time.perf_counter() - t0)
            if r.status_code != 200:
                errors.append(r.status_code)


def _heavy_client(base: str, stop: threading.Event, done: list, codes: list) -> None:
    import httpx

    with httpx.Client(base_url=base, timeout=300) as c:
        while not stop.is_set():
            t0 = time.perf_counter()
            r = c.post(HEAVY[0], json=HEAVY[1])
            codes.append(r.status_code)
            if r.status_code == 200:
                done.append(time.perf_counter() - t0)
            elif r.status_code == 429:
                time.sleep(0.2)


def _phase(base: str, n: int) -> tuple[list[float], list]:
    times, errors = [], []
    threads = [threading.Thread(target=_cheap_client, args=(base, n, times, errors)) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times, errors


def _p95(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=20)[-1] if len(xs) >= 20 else max(xs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=12, help="cheap requests per client per phase")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    port = _free_port()
    proc = _start(port)
    base = f"http://127.0.0.1:{port}"
    try:
        import httpx

        httpx.post(base + CHEAP[0][0], json=CHEAP[0][1], timeout=60)  # first-request imports
        alone, err_alone = _phase(base, args.requests)
        stop, searches, codes = threading.Event(), [], []
        heavy = [threading.Thread(target=_heavy_client, args=(base, stop, searches, codes)) for _ in range(HEAVY_CLIENTS)]
        for t in heavy:
            t.start()
        time.sleep(1.0)  # the searches are under way
        loaded, err_loaded = _phase(base, args.requests)
        stop.set()
        for t in heavy:
            t.join()
    finally:
        proc.terminate()
        proc.wait(30)
    res = {"clients": CLIENTS, "cheap_requests_per_phase": len(alone),
           "cheap_alone_median_s": statistics.median(alone), "cheap_alone_p95_s": _p95(alone),
           "cheap_under_search_median_s": statistics.median(loaded), "cheap_under_search_p95_s": _p95(loaded),
           "searches_completed": len(searches), "search_median_s": statistics.median(searches) if searches else None,
           "search_status_codes": sorted(set(codes)), "cheap_errors": err_alone + err_loaded,
           "target_cheap_p95_s": 0.5}
    if args.json:
        print(json.dumps(res, indent=2))
    else:
        for k, v in res.items():
            print(f"{k:32s} {v:.3f}" if isinstance(v, float) else f"{k:32s} {v}")


if __name__ == "__main__":
    main()
