// The descent page: knobs → /api/walk → the path on the contour map and the loss per step.
// While a slider moves, one request is in flight at a time and the latest knob values go next.
"use strict";

// Where each surface's walk starts and how big a step suits it, until the learner changes them.
const SURFACE_DEFAULTS = {
  bowl: { start: [-2.5, 1.5], lr: 0.05, steps: 100 },
  rosenbrock: { start: [-1.2, 1], lr: 0.001, steps: 500 },
  saddle: { start: [-1.8, 0.02], lr: 0.1, steps: 100 },
  logistic: { start: [-2, 1.5], lr: 1, steps: 100 },
};
const LOG_SLIDERS = { lr: [1e-4, 30], ratio: [1, 1000] };
const SLIDER_STEPS = 1000;

// The knobs as the learner set them: numbers as typed, for the server to check. Start, η and steps: below.
const state = { surface: "bowl", ratio: "10", optimizer: "gd", momentum: "0.9" };
let shownMap = null; // {key, view, background, answer}
let lastWalk = null;

const element = (id) => document.getElementById(id);

function sliderFromValue(name, value) {
  const [low, high] = LOG_SLIDERS[name];
  return Math.round(((Math.log10(value) - Math.log10(low)) / (Math.log10(high) - Math.log10(low))) * SLIDER_STEPS);
}

function valueFromSlider(name, position) {
  const [low, high] = LOG_SLIDERS[name];
  return 10 ** (Math.log10(low) + (position / SLIDER_STEPS) * (Math.log10(high) - Math.log10(low)));
}

function useSurfaceDefaults() {
  const defaults = SURFACE_DEFAULTS[state.surface];
  Object.assign(state, { start: defaults.start, lr: String(defaults.lr), steps: String(defaults.steps) });
}

// Put a knob's slider where its typed value is, if that is a number the slider can show.
function moveSlider(name) {
  const number = Number(state[name]);
  const logarithmic = name in LOG_SLIDERS;
  if (state[name] !== "" && Number.isFinite(number) && (number > 0 || !logarithmic)) {
    element(`${name}-slider`).value = logarithmic ? sliderFromValue(name, number) : number;
  }
}

// Show the state in the knobs (after a surface change, or at the start).
function showKnobs() {
  for (const name of ["surface", "optimizer"]) element(name).value = state[name];
  for (const name of ["ratio", "lr", "momentum", "steps"]) {
    element(name).value = state[name];
    moveSlider(name);
  }
  element("ratio-knob").hidden = state.surface !== "bowl";
  describeKnobs();
}

function describeKnobs() {
  element("surface-hint").textContent = t(`descent.surface_hints.${state.surface}`);
  element("optimizer-formula").textContent = t(`descent.formulas.${state.optimizer}`);
  element("momentum-label").textContent = t(state.optimizer === "adam" ? "descent.beta1" : "descent.momentum");
  const unused = state.optimizer === "gd";
  element("momentum-knob").classList.toggle("unused", unused);
  element("momentum-knob").title = unused ? t("descent.momentum_unused") : "";
  const [w1, w2] = state.start.map((w) => formatNumber(w, 3));
  element("start-shown").textContent = t("descent.start_at", { w1, w2 });
}

function wireKnobs() {
  element("surface").addEventListener("change", (event) => {
    state.surface = event.target.value;
    useSurfaceDefaults();
    showKnobs();
    update();
  });
  element("optimizer").addEventListener("change", (event) => {
    state.optimizer = event.target.value;
    describeKnobs();
    update();
  });
  for (const name of ["ratio", "lr", "momentum", "steps"]) {
    const box = element(name);
    const slider = element(`${name}-slider`);
    slider.addEventListener("input", () => {
      const value = name in LOG_SLIDERS ? valueFromSlider(name, Number(slider.value)) : Number(slider.value);
      state[name] = name === "steps" ? String(Math.round(value)) : String(Number(value.toPrecision(3)));
      box.value = state[name];
      update();
    });
    // Typed values go to the server as typed: it checks them and says what is wrong.
    box.addEventListener("input", () => {
      state[name] = box.value.trim();
      moveSlider(name);
      update();
    });
  }
  element("map").addEventListener("click", (event) => {
    if (!shownMap) return;
    const box = event.target.getBoundingClientRect();
    const clicked = shownMap.view.toWeights(event.clientX - box.left, event.clientY - box.top);
    state.start = clicked.map((w) => Number(w.toFixed(2)));
    describeKnobs();
    update();
  });
}

// Ask the server for the walk (and the map, if the surface changed); redraw. Only one request at a time.
const update = oneAtATime(async () => {
  const key = `${state.surface}:${state.surface === "bowl" ? state.ratio : ""}`;
  if (!shownMap || shownMap.key !== key) {
    const answer = await callApi("/api/surface", { surface: state.surface, ratio: state.ratio });
    const view = drawContourMap(element("map"), answer);
    const background = document.createElement("canvas");
    background.width = element("map").width;
    background.height = element("map").height;
    background.getContext("2d").drawImage(element("map"), 0, 0);
    shownMap = { key, view, background, answer };
  }
  lastWalk = await callApi("/api/walk", state);
  drawWalk();
});

function drawWalk() {
  if (!shownMap || !lastWalk) return;
  const canvas = element("map");
  const context = canvas.getContext("2d");
  const ratio = window.devicePixelRatio || 1;
  context.setTransform(1, 0, 0, 1, 0, 0);
  context.drawImage(shownMap.background, 0, 0);
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  const { view } = shownMap;
  const diverged = lastWalk.diverged_at !== null;
  const points = lastWalk.path.filter((point) => point.every(Number.isFinite)).map(view.toPixel);

  context.lineJoin = "round";
  for (const [colour, width] of [["rgba(255,255,255,0.9)", 4.5], [diverged ? "#d62828" : "#f77f00", 2]]) {
    context.strokeStyle = colour;
    context.lineWidth = width;
    context.beginPath();
    points.forEach(([x, y], i) => (i === 0 ? context.moveTo(x, y) : context.lineTo(x, y)));
    context.stroke();
  }
  const dot = points.length > 150 ? 1.5 : 2.5;
  context.fillStyle = diverged ? "#d62828" : "#f77f00";
  for (const [x, y] of points) {
    context.beginPath();
    context.arc(x, y, dot, 0, 2 * Math.PI);
    context.fill();
  }
  drawStar(context, view.toPixel(shownMap.answer.lowest));
  const [sx, sy] = points[0];
  context.fillStyle = "#111";
  context.strokeStyle = "#fff";
  context.lineWidth = 1.5;
  context.fillRect(sx - 6, sy - 6, 12, 12);
  context.strokeRect(sx - 6, sy - 6, 12, 12);
  canvas.dataset.pathPoints = String(points.length);
  drawLosses();
  describeWalk();
}

function drawStar(context, [x, y]) {
  context.beginPath();
  for (let i = 0; i < 10; i++) {
    const radius = i % 2 === 0 ? 10 : 4.5;
    const angle = -Math.PI / 2 + (i * Math.PI) / 5;
    context.lineTo(x + radius * Math.cos(angle), y + radius * Math.sin(angle));
  }
  context.closePath();
  context.fillStyle = "#ffd60a";
  context.strokeStyle = "#222";
  context.lineWidth = 1;
  context.fill();
  context.stroke();
}

function drawLosses() {
  const points = lastWalk.losses.map((loss, step) => [step, loss]).filter(([, loss]) => loss !== null);
  const color = lastWalk.diverged_at !== null ? "#d62828" : "#f77f00";
  drawLineChart(element("loss-chart"), [{ points, color, width: 2 }], {
    xLabel: t("descent.step_axis"),
    yLabel: t("descent.loss_axis"),
    logY: true,
    xRange: [0, Math.max(1, lastWalk.losses.length - 1)],
  });
}

// The words beside the map: the curvature, the learning-rate limit, and what became of the walk.
function describeWalk() {
  const map = shownMap.answer;
  const [smallest, largest] = map.curvatures;
  element("curvature").innerHTML = t("descent.curvatures", {
    largest: formatNumber(largest), smallest: formatNumber(smallest),
  });
  const limit = lastWalk.lr_limit;
  const lr = Number(state.lr);
  const mark = element("limit-mark");
  if (limit === null) {
    element("limit").innerHTML = t(state.optimizer === "adam" ? "descent.no_limit_adam" : "descent.no_limit");
    element("verdict").textContent = "";
    mark.hidden = true;
  } else {
    element("limit").innerHTML = t(`descent.limit.${state.optimizer}`, { limit: formatNumber(limit) });
    const above = lr > limit;
    element("verdict").textContent = t(above ? "descent.above_limit" : "descent.below_limit", { lr: formatNumber(lr) });
    element("verdict").classList.toggle("bad", above);
    const position = sliderFromValue("lr", limit) / SLIDER_STEPS;
    mark.hidden = position < 0 || position > 1;
    mark.style.left = `calc(${position} * (100% - 16px) + 8px)`;
  }
  const outcome = element("outcome");
  if (lastWalk.diverged_at !== null) {
    outcome.textContent = t("descent.diverged", { step: lastWalk.diverged_at });
    outcome.className = "outcome bad";
  } else {
    const steps = lastWalk.losses.length - 1;
    outcome.textContent = t("descent.settled", {
      steps, loss: formatNumber(lastWalk.losses[steps]), lowest: formatNumber(map.lowest_loss),
    });
    outcome.className = "outcome";
  }
}

startPage(() => {
  useSurfaceDefaults();
  showKnobs();
  wireKnobs();
  onLanguageChange(() => {
    describeKnobs();
    if (lastWalk) drawWalk();
  });
  update();
});
