"""`gradstep playground`: listens on 127.0.0.1, prints where, opens the browser if asked, stops on Ctrl-C, and
says how to install what it needs when it is missing."""
import os
import signal
import socket
import subprocess
import sys
import time
from urllib.parse import urlsplit

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from gradstep.cli import main  # noqa: E402
from playground_helpers import REPOSITORY, EventStream, request, running_playground, worker_processes  # noqa: E402


def test_it_serves_on_this_machine_and_stops_cleanly_on_ctrl_c():
    with running_playground() as (process, address):
        assert urlsplit(address).hostname == "127.0.0.1"
        assert request(address, "GET", "/")[0] == 307  # to the first page
        assert request(address, "GET", "/descent")[0] == 200
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0
        assert process.stdout.read().strip() == "gradstep playground: stopped"
        assert process.stderr.read() == ""


def test_ctrl_c_during_training_stops_the_runs_and_the_server():
    with running_playground() as (process, address):
        stream = EventStream(address, {"hidden": "32", "epochs": 50, "train_size": 640, "batch_size": 64})
        stream.until("progress")
        workers = worker_processes(process.pid)
        assert len(workers) == 1
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0
        last, _ = stream.until("finished", "error")
        stream.close()
        assert last == {"event": "end"} or (last["event"], last.get("reason")) == ("finished", "stopped")
        deadline = time.monotonic() + 10
        while os.path.exists(f"/proc/{workers[0]}") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not os.path.exists(f"/proc/{workers[0]}")
        assert "Traceback" not in process.stderr.read()


def test_it_listens_on_the_port_asked_for():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with running_playground("--port", str(port)) as (process, address):
        assert address == f"http://127.0.0.1:{port}/"
        assert request(address, "GET", "/train")[0] == 200


def test_a_port_in_use_is_one_line_and_exit_code_2(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["playground", "--no-browser", "--port", str(port)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and f"port {port} is in use" in error and "--port" in error


def test_it_opens_the_browser_unless_told_not_to(tmp_path):
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" > {opened}\n')
    browser.chmod(0o755)
    environment = {**os.environ, "BROWSER": str(browser), "PYTHONPATH": str(REPOSITORY)}
    process = subprocess.Popen([sys.executable, "-m", "gradstep", "playground"], stdout=subprocess.PIPE,
                               text=True, env=environment)
    try:
        address = process.stdout.readline().split()[2]
        deadline = time.monotonic() + 15
        while not opened.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert opened.read_text().strip() == address
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=15)
        process.stdout.close()


def test_without_the_web_stack_it_says_how_to_install_it():
    code = ("import sys; sys.modules['uvicorn'] = None\n"
            "from gradstep.cli import main; sys.exit(main(['playground', '--no-browser']))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPOSITORY)})
    assert result.returncode == 2
    assert result.stderr == ('gradstep playground: error: it needs uvicorn, which is not installed: '
                             'pip install "gradstep[playground]"\n')


def test_import_gradstep_and_the_command_line_load_no_web_stack():
    code = ("import sys, gradstep, gradstep.cli; gradstep.cli.build_parser();"
            "print(sorted(m for m in ('starlette', 'uvicorn', 'anyio', 'asyncio') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPOSITORY)})
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("argv, message", [
    (["playground", "--port", "70000"], "--port must be from 1 to 65535, got 70000"),
    (["playground", "--port", "eighty"], "invalid int value: 'eighty'"),
])
def test_bad_arguments_are_one_line(argv, message, capsys):
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and message in error
