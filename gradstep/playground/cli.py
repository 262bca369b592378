"""``gradstep playground``: start the web app on this machine and open it in the browser.

    gradstep playground                  # a free port, and the browser opens on it
    gradstep playground --port 8000 --no-browser

:func:`add_playground_command` adds the command to the ``gradstep`` parser. The
web stack (Starlette, uvicorn) is imported only when the command runs, so
``gradstep --help`` and ``import gradstep`` do not pay for it, and work without it.
"""
from __future__ import annotations

import argparse
import errno
import socket
import sys
import threading

HOST = "127.0.0.1"
"""The playground listens on this machine only: it runs code for whoever reaches it."""
INSTALL = 'pip install "gradstep[playground]"'
SECONDS_TO_FINISH_STREAMS = 3
"""On Ctrl-C, how long the training streams get to end before they are cut."""


def add_playground_command(commands: argparse._SubParsersAction) -> None:
    """Add ``playground`` to a parser's sub-commands.

    Example:
        >>> parser = argparse.ArgumentParser(prog="gradstep")
        >>> add_playground_command(parser.add_subparsers())
        >>> args = parser.parse_args(["playground", "--no-browser"])
        >>> args.port, args.browser
        (None, False)
    """
    parser = commands.add_parser(
        "playground",
        help="turn the lesson's knobs in the browser: descent, backprop, live training",
        description="Start a local web app (on 127.0.0.1) where every number is computed by gradstep: "
        "gradient descent and momentum on 2-D loss surfaces, backpropagation step by step, and live "
        f"training on Fashion-MNIST, in English and Chinese. Needs the playground extra: {INSTALL}. "
        "Ctrl-C stops it.",
    )
    parser.add_argument("--port", type=int, metavar="N", help="the port to listen on (default: a free one)")
    parser.add_argument("--no-browser", dest="browser", action="store_false",
                        help="do not open the browser, only print the address")
    parser.set_defaults(run=run_playground)


def run_playground(args: argparse.Namespace) -> int:
    try:
        import asyncio

        import uvicorn

        from gradstep.playground.runs import Runs
        from gradstep.playground.server import create_app
    except ImportError as error:
        print(f"gradstep playground: error: it needs {error.name}, which is not installed: {INSTALL}",
              file=sys.stderr)
        return 2
    if args.port is not None and not 0 < args.port < 65536:
        print(f"gradstep playground: error: --port must be from 1 to 65535, got {args.port}", file=sys.stderr)
        return 2
    try:
        listening = _listen(args.port or 0)
    except OSError as error:
        reason = "is in use" if error.errno == errno.EADDRINUSE else f"cannot be opened ({error.strerror})"
        print(f"gradstep playground: error: port {args.port} {reason}; choose another with --port, or leave it "
              "out to take a free one", file=sys.stderr)
        return 2
    address = f"http://{HOST}:{listening.getsockname()[1]}/"
    runs = Runs()

    class Server(uvicorn.Server):
        def handle_exit(self, sig, frame):
            # Ctrl-C: stop the training runs, so that their streams end; uvicorn waits for open streams.
            # This runs as a signal handler, between two steps of the event loop: it only leaves a note.
            try:
                asyncio.get_running_loop().call_soon_threadsafe(runs.stop_all)
            except RuntimeError:  # the loop has already stopped: so have the streams
                pass
            super().handle_exit(sig, frame)

    config = uvicorn.Config(create_app(runs), log_level="warning",
                            timeout_graceful_shutdown=SECONDS_TO_FINISH_STREAMS)
    print(f"gradstep playground: {address}  (Ctrl-C to stop)", flush=True)
    if args.browser:
        import webbrowser

        # In a thread: starting a browser can take a while, and the server is ready to answer by then.
        threading.Thread(target=webbrowser.open, args=(address,), daemon=True).start()
    try:
        Server(config).run(sockets=[listening])
    except KeyboardInterrupt:  # uvicorn passes Ctrl-C on once it has shut down: the stop asked for
        pass
    print("gradstep playground: stopped")
    return 0


def _listen(port: int) -> socket.socket:
    """A socket listening on :data:`HOST` at ``port`` (0: any free port), ready to hand to the server.

    Listening already, before the server starts, means that a browser opened
    at once has its connection queued rather than refused.
    """
    # IPPROTO_TCP named, not left 0: asyncio turns Nagle's algorithm off (TCP_NODELAY) only on
    # connections accepted from a socket that says it is TCP. With it on, the body of an answer,
    # written after its headers, waited for the browser to acknowledge them: 40 ms more a request.
    listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listening.bind((HOST, port))
        listening.listen(128)
    except OSError:
        listening.close()
        raise
    return listening
