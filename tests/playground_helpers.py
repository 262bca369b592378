"""Shared by the playground's tests: a real `gradstep playground` server, its API, and headless Chromium."""
from __future__ import annotations

import base64
import http.client
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

REPOSITORY = Path(__file__).parents[1]
INSTALL_CHROMIUM = "apt-get install chromium chromium-driver (Debian's Chromium and its driver)"


@contextmanager
def running_playground(*arguments: str):
    """``gradstep playground --no-browser`` in a process of its own; yields ``(process, address)``."""
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    process = subprocess.Popen(
        [sys.executable, "-m", "gradstep", "playground", "--no-browser", *arguments],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment, cwd=REPOSITORY,
    )
    try:
        line = process.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:\d+/", line)
        if found is None:
            process.kill()
            raise AssertionError(f"no address printed: {line!r} {process.stderr.read()!r}")
        yield process, found.group(0)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        process.stdout.close()
        process.stderr.close()


def connect(address: str, timeout: float = 60) -> http.client.HTTPConnection:
    parts = urlsplit(address)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)


def request(address: str, method: str, path: str, body: object = None, content_type: str = "application/json"):
    """``(status, parsed JSON or text)`` of one request to the server."""
    connection = connect(address)
    try:
        payload = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
        headers = {"Content-Type": content_type} if payload is not None else {}
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        text = response.read().decode()
        is_json = response.getheader("Content-Type", "").startswith("application/json")
        return response.status, json.loads(text) if is_json else text
    finally:
        connection.close()


class EventStream:
    """A training run's server-sent events, read one at a time from an open POST /api/train."""

    def __init__(self, address: str, settings: dict) -> None:
        self.connection = connect(address)
        self.connection.request("POST", "/api/train", body=json.dumps(settings).encode(),
                                headers={"Content-Type": "application/json"})
        self.response = self.connection.getresponse()
        self.status = self.response.status
        first = self.next() if self.status == 200 else None
        self.run_id = first["id"] if first else None

    def next(self) -> dict:
        """The next event, ``{"event": "heartbeat"}`` for a comment, ``{"event": "end"}`` once the stream is over."""
        data = []
        while True:
            line = self.response.readline().decode()
            if not line:
                return {"event": "end"}
            line = line.rstrip("\n")
            if line.startswith("data: "):
                data.append(line[6:])
            elif line.startswith(":"):
                return {"event": "heartbeat"}
            elif line == "" and data:
                return json.loads("\n".join(data))

    def until(self, *names: str) -> tuple[dict, list[dict]]:
        """Read until an event named in ``names`` (or the end); return it and the events before it."""
        seen = []
        while True:
            event = self.next()
            if event["event"] in names or event["event"] == "end":
                return event, seen
            if event["event"] != "heartbeat":
                seen.append(event)

    def during(self, seconds: float) -> list[dict]:
        """The events that come in the next ``seconds`` (give or take a heartbeat's interval)."""
        deadline = time.monotonic() + seconds
        seen = []
        while time.monotonic() < deadline:
            event = self.next()
            if event["event"] == "end":
                break
            if event["event"] != "heartbeat":
                seen.append(event)
        return seen

    def close(self) -> None:
        self.connection.close()


def worker_processes(server_pid: int) -> list[int]:
    """The training workers the server has started and that are still alive (from /proc, so Linux only)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == server_pid and fields[0] != "Z" and b"gradstep.playground.worker" in command:
            children.append(int(stat.parent.name))
    return children


def chromium_or_skip():
    """Headless Chromium from Debian's packages, driven by Selenium; skip where it is missing, fail under CI."""
    browser, driver = shutil.which("chromium"), shutil.which("chromedriver")
    try:
        from selenium import webdriver  # noqa: F401
    except ImportError:
        missing = 'Selenium is not installed: pip install -e ".[dev]"'
    else:
        missing = None if browser and driver else f"Chromium is not installed: {INSTALL_CHROMIUM}"
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{missing}; CI runs the browser tests, so .ci/run installs it")
        pytest.skip(missing, allow_module_level=True)
    return browser, driver


def start_chromium(language: str = "en-US"):
    """A headless Chromium whose browser language is ``language``, 1360 pixels wide."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, driver = chromium_or_skip()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1360,1000", f"--lang={language}"):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"intl.accept_languages": language})
    return webdriver.Chrome(service=Service(driver), options=options)


def save_full_page(browser, path: Path, readme_name: str | None = None) -> Path:
    """A screenshot of the whole page, however tall, as PNG.

    With ``readme_name``, and ``GRADSTEP_PLAYGROUND_SCREENSHOTS`` set to a folder, the README's picture of
    the page is written there too, in 256 colours to keep it small.
    """
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": 1360, "height": height, "deviceScaleFactor": 1, "mobile": False})
    try:
        shot = browser.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    path.write_bytes(base64.b64decode(shot["data"]))
    folder = os.environ.get("GRADSTEP_PLAYGROUND_SCREENSHOTS")
    if folder and readme_name:
        from PIL import Image

        picture = Image.open(io.BytesIO(path.read_bytes())).convert("RGB").quantize(256)
        picture.save(Path(folder) / readme_name, optimize=True)
    return path
