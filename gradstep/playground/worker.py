"""``python -m gradstep.playground.worker``: one live training run in a process of its own.

The server starts one worker per run and talks to it through pipes, in plain
text (no pickling):

* stdin, first line: the run's settings as JSON; then one command a line:
  ``pause``, ``resume`` or ``stop``. When stdin closes (the server has gone), the run stops;
* stdout: one JSON object a line, ``{"event": NAME, ...}``, for each event of
  :func:`gradstep.playground.training.train_live`, or ``error`` with a message.

A process per run lets several runs use several cores at once, and keeps a run
that fails (out of memory, say) from taking the server down with it.
"""
from __future__ import annotations

import json
import os
import sys
import threading
import traceback
from typing import IO

from gradstep.playground.training import Control, read_settings, train_live

COMMANDS = {"pause": Control.pause, "resume": Control.resume, "stop": Control.stop}


def obey(commands: IO[str], control: Control) -> None:
    """Apply each command line as it comes; stop when the server closes the pipe."""
    for line in commands:
        command = COMMANDS.get(line.strip())
        if command is not None:
            command(control)
    control.stop()


def main() -> int:
    # Events go to the real stdout; anything else writing there (a library, Python or C) goes to stderr instead.
    events = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    lock = threading.Lock()

    def emit(event: str, data: dict) -> None:
        with lock:
            events.write(json.dumps({"event": event, **data}) + "\n")
            events.flush()

    control = Control()
    try:
        settings = read_settings(json.loads(sys.stdin.readline()))
        threading.Thread(target=obey, args=(sys.stdin, control), daemon=True).start()
        train_live(settings, emit, control)
    except BrokenPipeError:
        return 0  # the server is gone: nobody to tell
    except BaseException as error:  # noqa: BLE001 - the page must hear about any failure, MemoryError included
        traceback.print_exc()
        emit("error", {"message": f"{type(error).__name__}: {error}"})
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
