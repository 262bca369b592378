"""``gradstep playground``: the lesson's knobs in the browser, every number computed by gradstep.

A local web app with three pages: gradient descent and momentum on loss
surfaces over two weights, backpropagation through the lesson's small network
step by step, and live training on Fashion-MNIST. The server computes; the
pages (``static/``) only draw, in English or Chinese.

* :mod:`~gradstep.playground.cli`: the command; it imports the web stack only when it runs;
* :mod:`~gradstep.playground.server`: the pages and the JSON API (Starlette, served by uvicorn);
* :mod:`~gradstep.playground.inputs`: every value from a page checked, a bad one named in a clear message;
* :mod:`~gradstep.playground.descent`, :mod:`~gradstep.playground.backprop`: the numbers of the first two
  pages, from ``gradstep.lesson``;
* :mod:`~gradstep.playground.training`, :mod:`~gradstep.playground.networks`: a live training run and the
  networks it can train;
* :mod:`~gradstep.playground.worker`, :mod:`~gradstep.playground.runs`: each run in a process of its own,
  its events streamed to the page that started it.

Nothing here is imported by ``import gradstep``.
"""
