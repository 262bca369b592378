// The live training page: settings → POST /api/train, whose answer is the run's stream of events.
// Each event is drawn as it comes. Closing the page ends the stream, and the server stops the run.
// Finished runs stay on the charts, each in its colour, to compare with the next.
"use strict";

const RUN_COLOURS = ["#1f6feb", "#f77f00", "#2a9d8f", "#9b5de5", "#e63946", "#6c757d"];
const SETTINGS = [
  "network", "hidden", "optimizer", "lr", "momentum", "batch_size", "epochs", "train_size", "seed",
];
const KEPT_RUNS = RUN_COLOURS.length;

let options = null;
let runs = []; // oldest first; the last one may be training
let current = null; // the run this page is training: {id, paused, settings, progress, ...}
let examples = null; // the test images and their labels, from the "started" event
let redrawQueued = false;

const element = (id) => document.getElementById(id);

function describeRun(run) {
  const s = run.settings;
  if (!s) return t("train.loading");
  const network = options.networks[s.network].names[language] || s.network;
  const shape = options.networks[s.network].takes_hidden_sizes ? ` ${s.hidden.join("-")}` : "";
  const optimizer = s.optimizer === "sgd" ? `SGD η=${s.lr} γ=${s.momentum}` : `Adam η=${s.lr}`;
  return t("train.run_summary", {
    number: run.number, network: network + shape, optimizer, batch: s.batch_size, images: s.train_size,
  });
}

function runResult(run) {
  if (run.state === "diverged") return t("train.diverged_short", { step: run.divergedAt });
  const last = run.validation[run.validation.length - 1];
  return last ? `${(last[1] * 100).toFixed(1)}%` : "—";
}

// --- drawing ---------------------------------------------------------------------------------------------

function queueRedraw() {
  if (redrawQueued) return;
  redrawQueued = true;
  requestAnimationFrame(() => {
    redrawQueued = false;
    drawCharts();
  });
}

function drawCharts() {
  // The epochs axis reaches as far as the longest run has got, so that a run fills the chart as it goes.
  const reached = (run) => (run.progress.length ? run.progress[run.progress.length - 1][0] : 0);
  const longest = Math.max(1, ...runs.map((run) => Math.ceil(reached(run))));
  const lossSeries = runs.map((run) => ({
    points: run.progress.map(([epochs, loss]) => [epochs, loss]),
    color: run.colour,
    width: run === current ? 2.4 : 1.3,
  }));
  drawLineChart(element("loss-chart"), lossSeries, {
    xLabel: t("train.epoch_axis"), yLabel: t("train.loss_axis"), xRange: [0, longest],
  });
  const accuracySeries = runs.flatMap((run) => [
    {
      points: run.progress.map(([epochs, , accuracy]) => [epochs, accuracy]),
      color: run.colour,
      width: run === current ? 1.6 : 1,
    },
    { points: run.validation, color: run.colour, width: 2.2, dash: [5, 4], dots: 4 },
  ]);
  drawLineChart(element("accuracy-chart"), accuracySeries, {
    xLabel: t("train.epoch_axis"),
    yLabel: t("train.accuracy_axis"),
    xRange: [0, longest],
    yRange: [0, 1],
    percentY: true,
  });
  // What the current run has drawn so far, for anyone checking that the charts move.
  element("loss-chart").dataset.points = String(current ? current.progress.length : 0);
  element("accuracy-chart").dataset.validationPoints = String(current ? current.validation.length : 0);
}

function drawRunsList() {
  element("no-runs").hidden = runs.length > 0;
  element("runs").innerHTML = runs.slice().reverse().map((run) => `<li>
      <i class="swatch" style="background:${run.colour}"></i><span>${describeRun(run)}</span>
      <span class="result">${runResult(run)}</span></li>`).join("");
}

function drawWeights(pictures) {
  const grid = element("weights");
  const decoded = decodePictures(pictures);
  while (grid.children.length < decoded.length) grid.appendChild(document.createElement("canvas"));
  while (grid.children.length > decoded.length) grid.lastChild.remove();
  decoded.forEach((picture, i) => drawPicture(grid.children[i], picture, divergingColour));
  grid.dataset.updates = String(Number(grid.dataset.updates || 0) + 1);
}

function drawExamples(predictions) {
  if (!examples) return;
  const box = element("examples");
  box.innerHTML = examples.pictures.map((_, i) => {
    const truth = examples.labels[i];
    if (!predictions) return `<figure><canvas></canvas><figcaption>${t(`classes.${truth}`)}</figcaption></figure>`;
    const guess = predictions.labels[i];
    const right = guess === truth;
    const caption = right
      ? `<span class="right">✓ ${t(`classes.${guess}`)}</span>`
      : `<span class="wrong">✗ ${t(`classes.${guess}`)}</span><br><span>(${t(`classes.${truth}`)})</span>`;
    return `<figure><canvas></canvas><figcaption>${caption}</figcaption></figure>`;
  }).join("");
  box.querySelectorAll("canvas").forEach((canvas, i) => drawPicture(canvas, examples.pictures[i], greyColour));
}

function drawConfusion(matrix) {
  const box = element("confusion");
  if (!matrix) {
    box.innerHTML = `<p class="empty-note">${t("train.confusion_waiting")}</p>`;
    return;
  }
  const names = matrix.map((_, i) => t(`classes.${i}`));
  const header = names.map((name) => `<th class="column">${name}</th>`).join("");
  const rows = matrix.map((row, i) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    const cells = row.map((count, j) => {
      const share = count / total;
      // Right answers green, wrong ones red, deeper for a larger share of the true class.
      const colour = i === j
        ? `rgba(26, 127, 55, ${0.12 + 0.8 * share})`
        : `rgba(214, 40, 40, ${Math.min(1, 3 * share)})`;
      const ink = (i === j && share > 0.5) || (i !== j && share > 0.2) ? "#fff" : "#1d2733";
      return `<td style="background:${colour};color:${ink}" title="${names[i]} → ${names[j]}: ${count}">${count}</td>`;
    }).join("");
    return `<tr><th>${names[i]}</th>${cells}</tr>`;
  }).join("");
  box.innerHTML = `<table class="confusion"><tr><th></th>${header}</tr>${rows}</table>`;
}

function setStatus(text, kind = "") {
  element("status").textContent = text;
  element("status").className = `status ${kind}`;
}

function showButtons() {
  const training = current !== null && current.state === "training";
  element("start").disabled = training;
  element("pause").disabled = !training || !current.id;
  element("stop").disabled = !training || !current.id;
  element("pause").textContent = t(training && current.paused ? "train.resume" : "train.pause");
  const last = runs[runs.length - 1];
  document.body.dataset.runState = training ? (current.paused ? "paused" : "training") : (last ? last.state : "none");
}

// --- the run's events ------------------------------------------------------------------------------------

function handle(run, event) {
  if (event.event === "run") {
    run.id = event.id;
  } else if (event.event === "started") {
    run.settings = event.settings; // as the server read them: "1e6" is 1000000, "256, 128" is [256, 128]
    drawRunsList();
    examples = { pictures: decodePictures(event.examples), labels: event.example_labels };
    drawExamples(null);
    drawConfusion(null);
  } else if (event.event === "progress") {
    run.progress.push([event.epochs, event.loss, event.accuracy]);
    run.step = event.step;
    run.epoch = event.epoch;
    queueRedraw();
  } else if (event.event === "weights") {
    drawWeights(event);
  } else if (event.event === "epoch") {
    run.validation.push([event.epoch, event.val_accuracy]);
    run.confusion = event.confusion;
    drawConfusion(event.confusion);
    drawRunsList();
    queueRedraw();
  } else if (event.event === "predictions") {
    run.predictions = event;
    drawExamples(event);
  } else if (event.event === "diverged") {
    run.state = "diverged";
    run.divergedAt = event.step;
  } else if (event.event === "finished") {
    run.state = event.reason === "stopped" ? "stopped" : "done";
    run.step = event.step;
    run.seconds = event.seconds;
  } else if (event.event === "error") {
    run.state = "error";
    run.message = event.message;
  }
  if (["diverged", "finished", "error"].includes(event.event)) drawRunsList();
  describeState(run);
  showButtons();
}

function describeState(run) {
  if (run.state === "diverged") setStatus(t("train.diverged", { step: run.divergedAt }), "bad");
  else if (run.state === "error") setStatus(t("train.failed", { message: run.message }), "bad");
  else if (run.state === "stopped") setStatus(t("train.stopped", { step: run.step }));
  else if (run.state === "done") {
    setStatus(t("train.done", { seconds: run.seconds.toFixed(1), result: runResult(run) }), "good");
  }
  else if (run.progress.length === 0) setStatus(t("train.loading"));
  else {
    const key = current && current.paused ? "train.paused" : "train.training";
    const loss = formatNumber(run.progress[run.progress.length - 1][1], 3);
    setStatus(t(key, { epoch: run.epoch, epochs: run.settings.epochs, step: run.step, loss }));
  }
}

async function start() {
  const values = Object.fromEntries(SETTINGS.map((name) => [name, element(name).value.trim()]));
  element("start").disabled = true; // one run at a time from a page
  let response;
  try {
    response = await callApi("/api/train", values, { stream: true });
  } catch (problem) {
    showProblem(element("problem"), problem);
    element("start").disabled = false;
    return;
  }
  showProblem(element("problem"), null);
  const run = {
    id: null, paused: false, settings: null, state: "training", progress: [], validation: [],
    number: (runs.length ? runs[runs.length - 1].number : 0) + 1,
    colour: RUN_COLOURS[(runs.length ? runs[runs.length - 1].number : 0) % RUN_COLOURS.length],
  };
  runs.push(run);
  if (runs.length > KEPT_RUNS) runs.shift();
  current = run;
  describeState(run);
  drawRunsList();
  showButtons();
  await readEvents(run, response);
  current = null;
  if (run.state === "training") { // the stream ended without a last word
    run.state = "error";
    run.message = t("train.connection_lost");
  }
  describeState(run);
  drawRunsList();
  showButtons();
  queueRedraw();
}

// Server-sent events, read from the response as they arrive: blocks of lines separated by a blank line.
async function readEvents(run, response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.split("\n").filter((line) => line.startsWith("data: "))
          .map((line) => line.slice(6)).join("\n");
        if (data) handle(run, JSON.parse(data));
      }
    }
  } catch (error) {
    if (run.state === "training") {
      run.state = "error";
      run.message = error.message;
    }
  }
}

async function command(name) {
  if (!current || !current.id) return;
  try {
    await callApi(`/api/train/${current.id}/${name}`, {});
    if (name === "pause" || name === "resume") current.paused = name === "pause";
    showProblem(element("problem"), null);
  } catch (problem) {
    showProblem(element("problem"), problem);
  }
  describeState(current || runs[runs.length - 1]);
  showButtons();
}

function showOptions() {
  const select = element("network");
  const chosen = select.value || options.training_defaults.network;
  select.innerHTML = Object.entries(options.networks)
    .map(([name, network]) => `<option value="${name}">${network.names[language] || name}</option>`).join("");
  select.value = chosen;
  element("hidden-knob").hidden = !options.networks[select.value].takes_hidden_sizes;
  element("momentum-knob").classList.toggle("unused", element("optimizer").value !== "sgd");
}

startPage(async () => {
  options = await (await fetch("/api/options")).json();
  const defaults = options.training_defaults;
  for (const name of SETTINGS) {
    element(name).value = Array.isArray(defaults[name]) ? defaults[name].join(",") : defaults[name];
  }
  showOptions();
  element("network").addEventListener("change", showOptions);
  element("optimizer").addEventListener("change", () => {
    // Each optimizer's usual learning rate: the lesson's 0.15 for SGD, Adam's own 0.001.
    element("lr").value = element("optimizer").value === "adam" ? "0.001" : String(defaults.lr);
    showOptions();
  });
  element("start").addEventListener("click", start);
  element("pause").addEventListener("click", () => command(current && current.paused ? "resume" : "pause"));
  element("stop").addEventListener("click", () => command("stop"));
  onLanguageChange(() => {
    showOptions();
    drawRunsList();
    drawCharts();
    drawConfusion(runs.length ? runs[runs.length - 1].confusion : null);
    const last = runs[runs.length - 1];
    drawExamples(last ? last.predictions : null);
    if (last) describeState(last);
    showButtons();
  });
  drawRunsList();
  drawCharts();
  drawConfusion(null);
  showButtons();
});
