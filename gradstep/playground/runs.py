"""The server's side of live training: a worker process per run, its events streamed to the page that started it.

A page POSTs its settings and keeps the response open: the response is the
run's event stream (server-sent events), one ``data:`` line per event of
:func:`gradstep.playground.training.train_live`. Pause, resume and stop come
as separate requests naming the run. When the page goes away its stream
closes, and the run is stopped: no run outlives the page that watches it.
"""
from __future__ import annotations

import asyncio
import json
import os
import secrets
import sys
from collections.abc import AsyncIterator

from gradstep.playground.inputs import BadInput
from gradstep.playground.training import TrainingSettings

FINAL_EVENTS = {"finished", "diverged", "error"}
"""A worker's last word; a worker that ends without one has failed."""
SECONDS_BETWEEN_HEARTBEATS = 2.0
"""While a run is paused no event comes; a comment line now and then shows whether the page is still there."""
SECONDS_TO_STOP = 3.0
"""How long a worker asked to stop may take before it is killed."""
MOST_RUNS = 4
"""Runs at once, even with more cores: each worker holds Fashion-MNIST (about 60 MB) and its own network."""
LONGEST_EVENT = 2**20
"""Bytes one event may take; the largest, the first layer's pictures, takes about 17 kB."""


def _server_sent_event(data: dict) -> str:
    return f"data: {json.dumps(data)}\n\n"


class Run:
    """One training run: its worker process and the commands sent to it."""

    def __init__(self, run_id: str, process: asyncio.subprocess.Process) -> None:
        self.id, self.process = run_id, process

    def command(self, command: str) -> None:
        """Send ``pause``, ``resume`` or ``stop`` to the worker; it obeys between two batches."""
        if self.process.returncode is None and not self.process.stdin.is_closing():
            self.process.stdin.write(command.encode() + b"\n")

    def close(self) -> None:
        """Stop the run: ask the worker, then kill it if it has not stopped in :data:`SECONDS_TO_STOP`.

        Plain calls only, no waiting: this runs when a page's stream is cancelled, where nothing can be awaited.
        """
        self.command("stop")
        if self.process.returncode is None:
            self.process.stdin.close()
            asyncio.get_running_loop().call_later(SECONDS_TO_STOP, self._kill)

    def _kill(self) -> None:
        if self.process.returncode is None:
            self.process.kill()


class Runs:
    """The runs in progress: at most one per core, and at most :data:`MOST_RUNS`.

    Example:
        >>> Runs(limit=2).limit
        2
    """

    def __init__(self, limit: int | None = None) -> None:
        self.limit = limit or min(os.cpu_count() or 1, MOST_RUNS)
        self._runs: dict[str, Run] = {}

    def __len__(self) -> int:
        return len(self._runs)

    def get(self, run_id: str) -> Run:
        try:
            return self._runs[run_id]
        except KeyError:
            raise BadInput("unknown_run", None, run=run_id) from None

    async def start(self, settings: TrainingSettings) -> Run:
        """Start a worker for ``settings``; refused when every core already trains a run."""
        if len(self._runs) >= self.limit:
            raise BadInput("too_many_runs", None, count=len(self._runs))
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "gradstep.playground.worker",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=LONGEST_EVENT,
            # Its own session: Ctrl-C in the terminal reaches the server, which stops the runs itself.
            start_new_session=True,
        )
        process.stdin.write(json.dumps(settings.to_json()).encode() + b"\n")
        run = Run(secrets.token_hex(8), process)
        self._runs[run.id] = run
        return run

    async def stream(self, run: Run) -> AsyncIterator[str]:
        """The run's events as server-sent events, until its worker ends; the run stops when the stream does."""
        try:
            yield _server_sent_event({"event": "run", "id": run.id})
            last_event = None
            while True:
                try:
                    line = await asyncio.wait_for(run.process.stdout.readline(), SECONDS_BETWEEN_HEARTBEATS)
                except asyncio.TimeoutError:  # the builtin TimeoutError from Python 3.11 on
                    yield ": still training\n\n"
                    continue
                if not line:
                    break
                last_event = json.loads(line)["event"]
                yield f"data: {line.decode().rstrip()}\n\n"
            if last_event not in FINAL_EVENTS:
                code = await run.process.wait()
                yield _server_sent_event({"event": "error", "message": f"the training process ended with code {code}"})
        finally:
            self._runs.pop(run.id, None)
            run.close()

    def stop_all(self) -> None:
        """Stop every run (the server is shutting down): their streams then end as their workers do."""
        for run in list(self._runs.values()):
            run.close()
