"""The playground's web server: three pages, the JSON API their knobs call, and live training streams.

Built on Starlette (routing, requests, responses) served by uvicorn; see the
README for why. The pages are static files; every number they show comes from
this API, computed by gradstep:

    GET  /descent, /backprop, /train     the pages (/ leads to the first)
    GET  /api/options                    the surfaces, optimizers and networks to choose from
    POST /api/surface                    {"surface": "bowl", "ratio": 10} → the loss on a grid, the bottom, curvatures
    POST /api/walk                       + optimizer, lr, momentum, steps, start → the path and its losses
    POST /api/backprop                   {"x": [...], "y": 1, "w": [[...]], "v": [...]} → the chain rule, autograd
    POST /api/train                      training settings → a stream of server-sent events, one per measurement
    POST /api/train/{run}/{command}      pause, resume or stop that run

A bad value is answered with HTTP 400 and ``{"error", "code", "field", "params"}``
(see :mod:`gradstep.playground.inputs`), never with a failing server.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from gradstep.playground import backprop, descent
from gradstep.playground.inputs import BadInput
from gradstep.playground.networks import NETWORKS
from gradstep.playground.runs import Runs
from gradstep.playground.training import OPTIMIZERS, TrainingSettings, read_settings

STATIC = Path(__file__).parent / "static"
PAGES = ("descent", "backprop", "train")
LARGEST_REQUEST = 64 * 1024
"""Bytes a request body may have: the largest the pages send is well under 1 kB."""
STATUS = {"unknown_run": 404, "not_json": 415, "too_large": 413, "too_many_runs": 429}
"""The HTTP status of each kind of refusal; any other bad value is a 400."""


def create_app(runs: Runs | None = None) -> Starlette:
    """The playground as an ASGI application (``uvicorn.run(create_app())`` serves it).

    ``runs`` keeps the live training runs; the command passes its own, to stop them on Ctrl-C.
    """
    runs = runs if runs is not None else Runs()

    async def compute(function: Callable[[Mapping[str, Any]], dict], request: Request) -> Response:
        values = await _read_json(request)
        # In a thread, so that the server goes on streaming training events meanwhile.
        answer = await anyio.to_thread.run_sync(function, values, limiter=request.app.state.engine_turns)
        return JSONResponse(answer)

    async def options(request: Request) -> Response:
        return JSONResponse({
            "surfaces": list(descent.SURFACES),
            "walks": list(descent.WALKS),
            "networks": {name: {"names": network.names, "takes_hidden_sizes": network.takes_hidden_sizes}
                         for name, network in NETWORKS.items()},
            "optimizers": list(OPTIMIZERS),
            "training_defaults": TrainingSettings().to_json(),
            "runs_at_once": runs.limit,
        })

    async def train(request: Request) -> Response:
        settings = read_settings(await _read_json(request))
        run = await runs.start(settings)
        # No caching, and no buffering by a proxy: each event should reach the page as it happens.
        return StreamingResponse(runs.stream(run), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    async def command(request: Request) -> Response:
        run = runs.get(request.path_params["run"])
        name = request.path_params["command"]
        if name not in ("pause", "resume", "stop"):
            raise BadInput("not_one_of", "command", value=name, choices="pause, resume, stop")
        run.command(name)
        return JSONResponse({"run": run.id, "command": name})

    def page(name: str) -> Route:
        return Route(f"/{name}", lambda request: FileResponse(STATIC / f"{name}.html"), name=name)

    @asynccontextmanager
    async def lifespan(app: Starlette):
        # gradstep records the graph (or not, under no_grad) by one switch for the whole process, so two
        # computations in two threads at once could disturb each other: they take turns, one at a time.
        app.state.engine_turns = anyio.CapacityLimiter(1)
        yield
        runs.stop_all()

    return Starlette(
        routes=[
            Route("/", lambda request: RedirectResponse("/descent")),
            *(page(name) for name in PAGES),
            Route("/api/options", options),
            Route("/api/surface", partial(compute, descent.surface_map), methods=["POST"]),
            Route("/api/walk", partial(compute, descent.walk), methods=["POST"]),
            Route("/api/backprop", partial(compute, backprop.work_through), methods=["POST"]),
            Route("/api/train", train, methods=["POST"]),
            Route("/api/train/{run}/{command}", command, methods=["POST"]),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        # Only the names of this machine: a web page elsewhere cannot reach the server by a name of its own.
        middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=["127.0.0.1", "localhost"])],
        exception_handlers={BadInput: _refuse},
        lifespan=lifespan,
    )


async def _read_json(request: Request) -> dict[str, Any]:
    """The request's JSON object, at most :data:`LARGEST_REQUEST` bytes of it.

    Asking for ``application/json`` also keeps other web sites out: a browser
    sends such a request to another site only after asking it, and this server
    never says yes.
    """
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise BadInput("not_json")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > LARGEST_REQUEST:
            raise BadInput("too_large", None, max=LARGEST_REQUEST)
    try:
        values = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise BadInput("bad_json") from None
    if not isinstance(values, dict):
        raise BadInput("bad_json")
    return values


async def _refuse(request: Request, error: Exception) -> Response:
    assert isinstance(error, BadInput)
    return JSONResponse(error.as_json(), status_code=STATUS.get(error.code, 400))
