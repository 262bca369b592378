"""How quickly `gradstep playground` starts and answers, measured against the real command.

    python benchmarks/playground.py

Measures, and writes to ``benchmarks/results/playground.json``:

* start: from launching ``gradstep playground --no-browser`` to its first page served (median of 5);
* the descent page's round trip: POST /api/walk for 200 steps, from sending to the whole answer read,
  for each surface and optimizer (median of 15, after one call that fills the server's caches);
  beside it, the processor time the same walk takes computed in this process (``time.process_time``),
  which a busy machine stretches less than it stretches the wall-clock time;
* a live training run's first event: from POST /api/train to the ``started`` event (the worker
  process starting and loading Fashion-MNIST) and to the first ``progress`` event.
"""
from __future__ import annotations

import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from gradstep.playground import descent

REPOSITORY = Path(__file__).parents[1]
RESULTS = Path(__file__).parent / "results"
SURFACES = {"bowl": [-2.5, 1.5], "rosenbrock": [-1.2, 1.0], "saddle": [-1.8, 0.02], "logistic": [-2.0, 1.5]}
LEARNING_RATES = {"bowl": 0.05, "rosenbrock": 0.001, "saddle": 0.1, "logistic": 1.0}
WALKS = ("gd", "momentum", "nesterov", "adam")


def launch() -> tuple[subprocess.Popen, str]:
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
    process = subprocess.Popen([sys.executable, "-m", "gradstep", "playground", "--no-browser"],
                               stdout=subprocess.PIPE, text=True, env=environment)
    return process, process.stdout.readline().split()[2]


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGINT)
    process.wait(timeout=30)
    process.stdout.close()


def connection(address: str) -> http.client.HTTPConnection:
    parts = urlsplit(address)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)


def seconds_to_start() -> float:
    started = time.perf_counter()
    process, address = launch()
    try:
        while True:
            try:
                link = connection(address)
                link.request("GET", "/descent")
                if link.getresponse().status == 200:
                    return time.perf_counter() - started
            except ConnectionError:
                time.sleep(0.01)
    finally:
        stop(process)


def post(link: http.client.HTTPConnection, path: str, body: dict) -> dict:
    link.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
    response = link.getresponse()
    answer = json.loads(response.read())
    if response.status != 200:
        raise RuntimeError(answer)
    return answer


def round_trips(address: str, repeats: int = 15) -> list[dict]:
    rows = []
    link = connection(address)  # one kept-alive connection, as a page has
    for surface, start in SURFACES.items():
        for walk in WALKS:
            body = {"surface": surface, "optimizer": walk, "lr": LEARNING_RATES[surface], "momentum": 0.9,
                    "steps": 200, "start": start}
            post(link, "/api/walk", body)
            times = []
            for _ in range(repeats):
                began = time.perf_counter()
                answer = post(link, "/api/walk", body)
                times.append(time.perf_counter() - began)
            processor = []
            for _ in range(repeats):
                began = time.process_time()
                descent.walk(body)
                processor.append(time.process_time() - began)
            rows.append({"surface": surface, "optimizer": walk, "steps": len(answer["path"]) - 1,
                         "median_ms": 1000 * statistics.median(times), "max_ms": 1000 * max(times),
                         "processor_ms": 1000 * statistics.median(processor)})
            print(f"  {surface:<11}{walk:<10}{rows[-1]['median_ms']:7.1f} ms (slowest {rows[-1]['max_ms']:.1f});"
                  f" computing it takes {rows[-1]['processor_ms']:.1f} ms of processor time")
    return rows


def first_training_events(address: str) -> dict:
    link = connection(address)
    began = time.perf_counter()
    link.request("POST", "/api/train", body=json.dumps({"train_size": 2000, "epochs": 1}),
                 headers={"Content-Type": "application/json"})
    response = link.getresponse()
    seen = {}
    while "progress" not in seen:
        line = response.readline().decode()
        if line.startswith("data: "):
            name = json.loads(line[6:])["event"]
            seen.setdefault(name, time.perf_counter() - began)
    link.close()
    return {"started_s": seen["started"], "first_progress_s": seen["progress"]}


def main() -> None:
    load_before = os.getloadavg()[0]
    starts = [seconds_to_start() for _ in range(5)]
    all_starts = ", ".join(f"{seconds:.2f}" for seconds in starts)
    print(f"start to first page: median {statistics.median(starts):.2f} s (all: {all_starts})")
    process, address = launch()
    try:
        print("POST /api/walk, 200 steps, median of 15:")
        rows = round_trips(address)
        training = first_training_events(address)
    finally:
        stop(process)
    print(f"load average (1 minute) before and after: {load_before:.1f}, {os.getloadavg()[0]:.1f}")
    print(f"training: started after {training['started_s']:.2f} s,"
          f" first loss point after {training['first_progress_s']:.2f} s")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "playground.json").write_text(json.dumps({
        "start_seconds": starts, "walks_200_steps": rows, "training": training,
        "cpu_count": os.cpu_count(), "load_average": [load_before, os.getloadavg()[0]],
        "python": sys.version.split()[0],
    }, indent=2) + "\n")


if __name__ == "__main__":
    main()
