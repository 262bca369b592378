"""The playground's API, served by a real `gradstep playground`: the numbers are the lesson's, bad values get a 4xx
with a message naming the knob, and training runs stream, pause, stop and end with their page."""
import json
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from gradstep.lesson.adam import adam  # noqa: E402
from gradstep.lesson.descent import gradient_descent  # noqa: E402
from gradstep.lesson.momentum import nesterov_momentum, textbook_momentum  # noqa: E402
from gradstep.lesson.surfaces import Rosenbrock  # noqa: E402
from playground_helpers import EventStream, request, running_playground, worker_processes  # noqa: E402

torch = pytest.importorskip("torch")

STATIC = Path(__file__).parents[1] / "gradstep" / "playground" / "static"
SMALL_RUN = {"hidden": "32", "epochs": 1, "train_size": 640, "batch_size": 64}
DIVERGING_RUN = {"hidden": "128", "lr": "1e6", "train_size": 1280, "batch_size": 128, "seed": 420}


@pytest.fixture(scope="module")
def server():
    with running_playground() as (process, address):
        yield process, address


@pytest.fixture(scope="module")
def address(server):
    return server[1]


def test_the_pages_and_their_files_come_from_the_package(address):
    for page in ("descent", "backprop", "train"):
        status, html = request(address, "GET", f"/{page}")
        assert status == 200 and f'data-page="{page}"' in html
        for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
            assert request(address, "GET", asset)[0] == 200, asset
    assert request(address, "GET", "/static/texts.json")[0] == 200


def test_the_pages_offer_what_the_api_accepts(address):
    status, options = request(address, "GET", "/api/options")
    descent_page = (STATIC / "descent.html").read_text(encoding="utf-8")
    train_page = (STATIC / "train.html").read_text(encoding="utf-8")
    for select, choices in [("surface", options["surfaces"]), ("optimizer", options["walks"])]:
        menu = re.search(rf'<select id="{select}".*?</select>', descent_page, re.S).group(0)
        assert re.findall(r'value="(\w+)"', menu) == choices
    menu = re.search(r'<select id="optimizer".*?</select>', train_page, re.S).group(0)
    assert re.findall(r'value="(\w+)"', menu) == options["optimizers"]
    assert list(options["networks"]) == ["mlp", "cnn"] and options["training_defaults"]["hidden"] == [128]


def test_nothing_is_fetched_from_elsewhere():
    for path in STATIC.iterdir():
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(src|href)=[\"']?(https?:)?//", text), path.name
        assert not re.search(r"(fetch|import)\(\s*[\"'](https?:)?//", text), path.name


def test_every_text_exists_in_english_and_chinese():
    texts = json.loads((STATIC / "texts.json").read_text(encoding="utf-8"))

    def keys(node, prefix=""):
        if isinstance(node, dict):
            return {key for name, child in node.items() for key in keys(child, f"{prefix}{name}.")}
        return {prefix.rstrip(".")}

    assert keys(texts["en"]) == keys(texts["zh"])
    known = keys(texts["en"])
    used = set()
    for path in STATIC.glob("*.html"):
        used |= set(re.findall(r'data-i18n(?:-html|-title)?="([^"]+)"', path.read_text(encoding="utf-8")))
    for path in STATIC.glob("*.js"):
        used |= {key for key in re.findall(r'\bt\("([a-z_.0-9]+)"', path.read_text(encoding="utf-8"))}
    assert used - known == set()
    # Texts built from a prefix in the pages: each choice has its words.
    for prefix, choices in [("descent.surfaces", ["bowl", "rosenbrock", "saddle", "logistic"]),
                            ("descent.surface_hints", ["bowl", "rosenbrock", "saddle", "logistic"]),
                            ("descent.walks", ["gd", "momentum", "nesterov", "adam"]),
                            ("descent.formulas", ["gd", "momentum", "nesterov", "adam"]),
                            ("descent.limit", ["gd", "momentum", "nesterov"]),
                            ("train.optimizers", ["sgd", "adam"])]:
        assert {f"{prefix}.{choice}" for choice in choices} <= known
    assert len(texts["en"]["classes"]) == len(texts["zh"]["classes"]) == 10
    assert {f"errors.{code}" for code in ("more_than", "at_least", "not_a_number", "too_many_runs")} <= known


@pytest.mark.parametrize("optimizer, walk", [
    ("gd", lambda surface, start: gradient_descent(surface, start, 0.001, 200)),
    ("momentum", lambda surface, start: textbook_momentum(surface, start, 0.001, 0.9, 200)),
    ("nesterov", lambda surface, start: nesterov_momentum(surface, start, 0.001, 0.9, 200)),
    ("adam", lambda surface, start: adam(surface, start, 0.001, 200, betas=(0.9, 0.999))),
])
def test_a_walk_is_the_lessons_walk(address, optimizer, walk):
    start = [-1.2, 1.0]
    status, answer = request(address, "POST", "/api/walk", {
        "surface": "rosenbrock", "optimizer": optimizer, "lr": "0.001", "momentum": 0.9, "steps": 200, "start": start})
    assert status == 200
    expected = walk(Rosenbrock(), np.array(start))
    np.testing.assert_allclose(answer["path"], expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(answer["losses"], Rosenbrock().values(expected), rtol=1e-5)
    assert answer["diverged_at"] is None
    assert answer["largest_curvature"] == pytest.approx(1001.6, abs=0.1)


def test_above_two_over_the_largest_curvature_the_walk_diverges_at_a_step(address):
    status, surface = request(address, "POST", "/api/surface", {"surface": "bowl", "ratio": 10})
    assert status == 200 and surface["size"] ** 2 == len(surface["losses"])
    assert surface["curvatures"] == pytest.approx([1, 10]) and surface["lowest"] == pytest.approx([0, 0], abs=1e-9)
    settings = {"surface": "bowl", "ratio": 10, "optimizer": "gd", "steps": 200, "start": [-2.5, 1.5]}
    status, below = request(address, "POST", "/api/walk", {**settings, "lr": 0.19})
    assert status == 200 and below["diverged_at"] is None and below["lr_limit"] == pytest.approx(0.2)
    status, above = request(address, "POST", "/api/walk", {**settings, "lr": 0.21})
    assert status == 200 and above["diverged_at"] == len(above["path"]) - 1 < 200
    assert np.abs(above["path"][-1]).max() > 1000 and above["losses"][-2] > above["losses"][0]


def test_backprop_gives_pytorchs_gradients(address):
    rng = np.random.default_rng(7)
    x, w, v = rng.normal(size=3), rng.normal(size=(3, 2)), rng.normal(size=2)
    status, answer = request(address, "POST", "/api/backprop",
                             {"x": x.tolist(), "y": 0.3, "w": w.tolist(), "v": [str(value) for value in v]})
    assert status == 200
    tw, tv = torch.tensor(w, requires_grad=True), torch.tensor(v, requires_grad=True)
    output = torch.sigmoid(torch.sigmoid(torch.tensor(x) @ tw) @ tv)
    loss = torch.nn.functional.binary_cross_entropy(output, torch.tensor(0.3, dtype=torch.float64))
    loss.backward()
    assert answer["forward"]["loss"] == pytest.approx(loss.item(), rel=1e-12)
    for name, expected in (("w", tw.grad), ("v", tv.grad)):
        np.testing.assert_allclose(answer["gradients"][name], expected.numpy(), rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(answer["autograd"][name], expected.numpy(), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("path, body, status, code, field", [
    ("/api/walk", {"lr": -1}, 400, "more_than", "lr"),
    ("/api/walk", {"lr": 0}, 400, "more_than", "lr"),
    ("/api/walk", {"lr": "NaN"}, 400, "not_a_number", "lr"),
    ("/api/walk", {"lr": "fast"}, 400, "not_a_number", "lr"),
    ("/api/walk", {"lr": True}, 400, "not_a_number", "lr"),
    ("/api/walk", {"optimizer": "rmsprop"}, 400, "not_one_of", "optimizer"),
    ("/api/walk", {"steps": 0}, 400, "at_least", "steps"),
    ("/api/walk", {"steps": 2.5}, 400, "not_a_whole_number", "steps"),
    ("/api/walk", {"steps": 10**400}, 400, "not_a_number", "steps"),
    ("/api/walk", {"momentum": 1}, 400, "less_than", "momentum"),
    ("/api/walk", {"start": [1]}, 400, "not_a_point", "start"),
    ("/api/surface", {"surface": "moon"}, 400, "not_one_of", "surface"),
    ("/api/backprop", {"x": [1, "abc", 3]}, 400, "not_a_number", "x₂"),
    ("/api/backprop", {"w": [[1, 2], [3]]}, 400, "wrong_shape", "w"),
    ("/api/backprop", {"y": 2}, 400, "at_most", "y"),
    ("/api/train", {"batch_size": 0}, 400, "at_least", "batch_size"),
    ("/api/train", {"lr": "-0.1"}, 400, "more_than", "lr"),
    ("/api/train", {"hidden": "100000"}, 400, "layer_too_wide", "hidden"),
    ("/api/train", {"hidden": "64,64,64,64,64"}, 400, "too_many_layers", "hidden"),
    ("/api/train", {"hidden": "64,,2"}, 400, "not_sizes", "hidden"),
    ("/api/train", {"train_size": 60000}, 400, "at_most", "train_size"),
    ("/api/train", {"network": "transformer"}, 400, "not_one_of", "network"),
    ("/api/train/0123456789abcdef/pause", {}, 404, "unknown_run", None),
])
def test_bad_values_are_refused_with_a_message_naming_them(address, path, body, status, code, field):
    answer_status, answer = request(address, "POST", path, body)
    assert (answer_status, answer["code"], answer["field"]) == (status, code, field)
    assert answer["error"] and "\n" not in answer["error"]
    if field in ("lr", "batch_size"):
        assert answer["error"].startswith({"lr": "η (learning rate)", "batch_size": "batch size"}[field])


def test_what_is_not_json_or_too_big_is_refused(address):
    assert request(address, "POST", "/api/walk", b"lr=1", content_type="text/plain")[0] == 415
    assert request(address, "POST", "/api/walk", b"{not json")[0] == 400
    assert request(address, "POST", "/api/walk", b"[1, 2]")[0] == 400
    assert request(address, "POST", "/api/walk", b"{" + b" " * 70_000 + b"}")[0] == 413
    assert request(address, "GET", "/api/walk")[0] == 405


def test_the_server_answers_only_to_this_machines_names(address):
    from playground_helpers import connect

    connection = connect(address)
    connection.request("GET", "/descent", headers={"Host": "attacker.example"})
    assert connection.getresponse().status == 400
    connection.close()


def test_a_training_run_streams_its_measurements(address):
    stream = EventStream(address, {**SMALL_RUN, "epochs": 2})
    try:
        assert stream.status == 200 and re.fullmatch(r"[0-9a-f]{16}", stream.run_id)
        started, _ = stream.until("started")
        assert started["steps_per_epoch"] == 10 and started["examples"]["shape"] == [24, 28, 28]
        last, events = stream.until("finished", "diverged", "error")
    finally:
        stream.close()
    assert last["event"] == "finished" and last["reason"] == "done" and last["step"] == 20
    names = [event["event"] for event in events]
    assert names.count("epoch") == 2 and names.count("predictions") == 2 and "weights" in names
    progress = [event for event in events if event["event"] == "progress"]
    assert [event["step"] for event in progress] == list(range(1, 21))  # 10 batches an epoch: one point each
    assert progress[-1]["loss"] < progress[0]["loss"]
    epoch = next(event for event in events if event["event"] == "epoch" and event["epoch"] == 2)
    assert np.array(epoch["confusion"]).sum() == 10_000 and 0.4 < epoch["val_accuracy"] <= 1
    weights = next(event for event in events if event["event"] == "weights")
    assert weights["shape"] == [16, 28, 28]


def test_a_run_pauses_resumes_and_stops(address):
    stream = EventStream(address, {**SMALL_RUN, "epochs": 50})
    try:
        stream.until("progress")
        assert request(address, "POST", f"/api/train/{stream.run_id}/pause", {})[0] == 200
        # The run pauses between two batches; once the events already on their way have come, only heartbeats do.
        stream.during(2)
        assert [event["event"] for event in stream.during(4)] == []
        assert request(address, "POST", f"/api/train/{stream.run_id}/resume", {})[0] == 200
        assert stream.until("progress")[0]["event"] == "progress"
        assert request(address, "POST", f"/api/train/{stream.run_id}/stop", {})[0] == 200
        last, _ = stream.until("finished", "diverged", "error")
        assert last["event"] == "finished" and last["reason"] == "stopped"
        assert stream.until("never")[0]["event"] == "end"
    finally:
        stream.close()
    assert request(address, "POST", f"/api/train/{stream.run_id}/resume", {})[0] == 404


def test_closing_the_page_stops_its_run(server):
    process, address = server
    stream = EventStream(address, {**SMALL_RUN, "epochs": 50})
    stream.until("progress")
    assert len(worker_processes(process.pid)) == 1
    stream.close()  # what the browser does when the page is closed
    deadline = time.monotonic() + 15
    while worker_processes(process.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert worker_processes(process.pid) == []
    assert request(address, "POST", f"/api/train/{stream.run_id}/stop", {})[0] == 404


def test_several_pages_train_at_once_up_to_one_run_per_core(address):
    status, options = request(address, "GET", "/api/options")
    limit = options["runs_at_once"]
    streams = [EventStream(address, {**SMALL_RUN, "epochs": 3, "seed": seed}) for seed in range(limit)]
    try:
        assert [stream.status for stream in streams] == [200] * limit
        status, refused = request(address, "POST", "/api/train", SMALL_RUN)
        assert status == 429 and refused["code"] == "too_many_runs" and str(limit) in refused["error"]
        with ThreadPoolExecutor(limit) as pool:
            results = list(pool.map(lambda stream: stream.until("finished", "diverged", "error")[0], streams))
    finally:
        for stream in streams:
            stream.close()
    assert [(result["event"], result["reason"]) for result in results] == [("finished", "done")] * limit


def test_a_diverging_run_reports_the_step(address):
    # The lesson's network and seed, with η a million: the configuration `gradstep train` is tested to diverge with.
    stream = EventStream(address, {**DIVERGING_RUN, "epochs": 1})
    try:
        last, events = stream.until("finished", "diverged", "error")
    finally:
        stream.close()
    assert last["event"] == "diverged" and 1 <= last["step"] <= 10 and last["loss"] in ("nan", "inf")
    # Every loss point sent before it was a number: the page never draws a NaN.
    assert all(np.isfinite(event["loss"]) for event in events if event["event"] == "progress")
