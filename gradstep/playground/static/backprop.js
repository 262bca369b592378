// The backpropagation page: the values on the left → /api/backprop → the network drawn step by step.
// Forward, each neuron's value; backward, each edge's local derivative and the chain rule's products;
// last, every weight's gradient beside autograd's. The server computes every number; this page shows them.
"use strict";

const STEPS = ["start", "hidden", "output", "loss", "loss_by_output", "output_sigmoid", "output_weights",
  "to_hidden", "hidden_sigmoid", "hidden_weights", "compare"];
const at = (name) => STEPS.indexOf(name);
const SUB = ["₁", "₂", "₃"];

// Where each node sits in the drawing (viewBox 800 × 420).
const POSITIONS = {
  x: [[90, 70], [90, 210], [90, 350]],
  h: [[400, 130], [400, 290]],
  out: [600, 210],
  loss: [740, 210],
};
const RADIUS = 30;

let answer = null;
let step = 0;

const element = (id) => document.getElementById(id);
const f = (value) => formatNumber(value, 4);
const factor = (value) => (value < 0 ? `(${f(value)})` : f(value)); // a negative factor in a product, in brackets

function readValues() {
  const values = { x: [null, null, null], y: null, w: [[null, null], [null, null], [null, null]], v: [null, null] };
  document.querySelectorAll("#values input").forEach((input) => {
    const text = input.value.trim();
    const { name, index } = input.dataset;
    if (name === "y") values.y = text;
    else if (name === "w") {
      const [i, j] = index.split(",").map(Number);
      values.w[i][j] = text;
    } else values[name][Number(index)] = text;
  });
  return values;
}

function showValues(values) {
  document.querySelectorAll("#values input").forEach((input) => {
    const { name, index } = input.dataset;
    if (name === "y") input.value = values.y;
    else if (name === "w") {
      const [i, j] = index.split(",").map(Number);
      input.value = values.w[i][j];
    } else input.value = values[name][Number(index)];
  });
}

const update = oneAtATime(async (values) => {
  answer = await callApi("/api/backprop", values);
  render();
});

// --- the drawing ---------------------------------------------------------------------------------------

function node(id, [x, y], name, lines, active) {
  const text = lines.map(([cls, content], i) => {
    const dy = cls === "value" ? 5 : RADIUS + 17 + 16 * (i - 1);
    return `<text class="${cls}" x="${x}" y="${y + dy}" text-anchor="middle">${content}</text>`;
  }).join("");
  return `<g class="node${active ? " active" : ""}" data-node="${id}">
    <circle cx="${x}" cy="${y}" r="${RADIUS}"></circle>
    <text class="name" x="${x}" y="${y - RADIUS - 8}" text-anchor="middle">${name}</text>${text}</g>`;
}

function edge(from, to, labelLines, state, along = 0.3) {
  const [x1, y1] = from;
  const [x2, y2] = to;
  const length = Math.hypot(x2 - x1, y2 - y1);
  const [ux, uy] = [(x2 - x1) / length, (y2 - y1) / length];
  const [ax, ay] = [x1 + ux * RADIUS, y1 + uy * RADIUS];
  const [bx, by] = [x2 - ux * RADIUS, y2 - uy * RADIUS];
  const drawn = `<g class="edge ${state}"><line x1="${ax}" y1="${ay}" x2="${bx}" y2="${by}"></line></g>`;
  if (labelLines.length === 0) return drawn;
  const [lx, ly] = [ax + (bx - ax) * along, ay + (by - ay) * along];
  const width = Math.max(...labelLines.map(([, text]) => text.length)) * 6.6 + 10;
  const height = labelLines.length * 15 + 4;
  const top = ly - height / 2;
  const labels = labelLines.map(([cls, text], i) =>
    `<text class="${cls}" x="${lx}" y="${top + 14 + i * 15}" text-anchor="middle">${text}</text>`).join("");
  return `${drawn}<g class="edge-label ${state}">
    <rect x="${lx - width / 2}" y="${top}" width="${width}" height="${height}" rx="4"></rect>${labels}</g>`;
}

function drawNetwork() {
  const { values, forward: fw, backward: bw, gradients } = answer;
  const reached = (name) => step >= at(name);
  const parts = [];
  // Edges first, so that the nodes are drawn over their ends.
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 2; j++) {
      const lines = [["", `w${SUB[i]}${SUB[j]} = ${f(values.w[i][j])}`]];
      if (reached("hidden_weights")) lines.push(["grad", `∂L/∂w = ${f(gradients.w[i][j])}`]);
      const state = step === at("hidden_weights") ? "backward" : step === at("hidden") ? "active" : "";
      parts.push(edge(POSITIONS.x[i], POSITIONS.h[j], lines, state, 0.24));
    }
  }
  for (let j = 0; j < 2; j++) {
    const lines = [["", `v${SUB[j]} = ${f(values.v[j])}`]];
    if (reached("output_weights")) lines.push(["grad", `∂L/∂v = ${f(gradients.v[j])}`]);
    const backward = step === at("output_weights") || step === at("to_hidden");
    const state = backward ? "backward" : step === at("output") ? "active" : "";
    parts.push(edge(POSITIONS.h[j], POSITIONS.out, lines, state, 0.45));
  }
  const lossState = step === at("loss_by_output") ? "backward" : step === at("loss") ? "active" : "";
  parts.push(edge(POSITIONS.out, POSITIONS.loss, [], lossState, 0.5));

  for (let i = 0; i < 3; i++) {
    parts.push(node(`x${i + 1}`, POSITIONS.x[i], `x${SUB[i]}`, [["value", f(values.x[i])]], step === 0));
  }
  for (let j = 0; j < 2; j++) {
    const lines = [["value", reached("hidden") ? f(fw.hidden[j]) : "?"]];
    if (reached("hidden")) lines.push(["sum", `z${SUB[j]} = ${f(fw.hidden_sums[j])}`]);
    if (reached("to_hidden")) lines.push(["grad", `∂L/∂h${SUB[j]} = ${f(bw.loss_by_hidden[j])}`]);
    if (reached("hidden_sigmoid")) lines.push(["grad", `∂L/∂z${SUB[j]} = ${f(bw.loss_by_hidden_sums[j])}`]);
    const active = [at("hidden"), at("to_hidden"), at("hidden_sigmoid")].includes(step);
    parts.push(node(`h${j + 1}`, POSITIONS.h[j], `h${SUB[j]} = σ(z${SUB[j]})`, lines, active));
  }
  const outLines = [["value", reached("output") ? f(fw.output) : "?"]];
  if (reached("output")) outLines.push(["sum", `z = ${f(fw.output_sum)}`]);
  if (reached("loss_by_output")) outLines.push(["grad", `∂L/∂ŷ = ${f(bw.loss_by_output)}`]);
  if (reached("output_sigmoid")) outLines.push(["grad", `∂L/∂z = ${f(bw.loss_by_output_sum)}`]);
  const outActive = [at("output"), at("loss_by_output"), at("output_sigmoid")].includes(step);
  parts.push(node("output", POSITIONS.out, "ŷ = σ(z)", outLines, outActive));
  const lossLines = [["value", reached("loss") ? f(fw.loss) : "?"], ["sum", `y = ${f(values.y)}`]];
  parts.push(node("loss", POSITIONS.loss, "L", lossLines, step === at("loss")));
  element("network").innerHTML = parts.join("");
}

// --- the explanation under the drawing ---------------------------------------------------------------

function lines(rows) {
  return `<table>${rows.map((row) => `<tr><td class="math">${row}</td></tr>`).join("")}</table>`;
}

// One line of arithmetic: what is computed = how, in symbols = the same with the numbers = the result.
function line(computed, symbols, numbers, result) {
  return `${computed} = ${symbols} = ${numbers} = <b>${f(result)}</b>`;
}

const times = (...values) => values.map(factor).join("·");

function arithmetic() {
  const { values: { x, y, w, v }, forward: fw, backward: bw, gradients, autograd } = answer;
  const name = STEPS[step];
  const [h, out] = [fw.hidden, fw.output];
  if (name === "start") return "";
  if (name === "hidden") {
    return lines([0, 1].flatMap((j) => [
      line(`z${SUB[j]}`, [0, 1, 2].map((i) => `x${SUB[i]}·w${SUB[i]}${SUB[j]}`).join(" + "),
        [0, 1, 2].map((i) => times(x[i], w[i][j])).join(" + "), fw.hidden_sums[j]),
      line(`h${SUB[j]}`, `σ(z${SUB[j]})`, `σ(${f(fw.hidden_sums[j])})`, h[j]),
    ]));
  }
  if (name === "output") {
    return lines([
      line("z", "h₁·v₁ + h₂·v₂", `${times(h[0], v[0])} + ${times(h[1], v[1])}`, fw.output_sum),
      line("ŷ", "σ(z)", `σ(${f(fw.output_sum)})`, out),
    ]);
  }
  if (name === "loss") {
    return lines([line("L", "−[y ln ŷ + (1 − y) ln(1 − ŷ)]",
      `−[${f(y)}·ln ${f(out)} + (1 − ${f(y)})·ln(1 − ${f(out)})]`, fw.loss)]);
  }
  if (name === "loss_by_output") {
    return lines([line("∂L/∂ŷ", "(ŷ − y) / (ŷ(1 − ŷ))",
      `(${f(out)} − ${f(y)}) / (${f(out)}·(1 − ${f(out)}))`, bw.loss_by_output)]);
  }
  if (name === "output_sigmoid") {
    return lines([
      line("∂ŷ/∂z", "ŷ(1 − ŷ)", `${f(out)}·(1 − ${f(out)})`, bw.output_by_sum),
      `${line("∂L/∂z", "∂L/∂ŷ · ∂ŷ/∂z", times(bw.loss_by_output, bw.output_by_sum), bw.loss_by_output_sum)} = ŷ − y`,
    ]);
  }
  if (name === "output_weights") {
    return lines([0, 1].map((j) => line(`∂L/∂v${SUB[j]}`, `∂L/∂z · h${SUB[j]}`,
      times(bw.loss_by_output_sum, h[j]), gradients.v[j])));
  }
  if (name === "to_hidden") {
    return lines([0, 1].map((j) => line(`∂L/∂h${SUB[j]}`, `∂L/∂z · v${SUB[j]}`,
      times(bw.loss_by_output_sum, v[j]), bw.loss_by_hidden[j])));
  }
  if (name === "hidden_sigmoid") {
    return lines([0, 1].flatMap((j) => [
      line(`∂h${SUB[j]}/∂z${SUB[j]}`, `h${SUB[j]}(1 − h${SUB[j]})`, `${f(h[j])}·(1 − ${f(h[j])})`,
        bw.hidden_by_sums[j]),
      line(`∂L/∂z${SUB[j]}`, `∂L/∂h${SUB[j]} · ∂h${SUB[j]}/∂z${SUB[j]}`,
        times(bw.loss_by_hidden[j], bw.hidden_by_sums[j]), bw.loss_by_hidden_sums[j]),
    ]));
  }
  if (name === "hidden_weights") {
    return lines([0, 1, 2].flatMap((i) => [0, 1].map((j) => line(`∂L/∂w${SUB[i]}${SUB[j]}`,
      `∂L/∂z${SUB[j]} · x${SUB[i]}`, times(bw.loss_by_hidden_sums[j], x[i]), gradients.w[i][j]))));
  }
  // compare: every weight, by hand and by autograd
  const rows = [];
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 2; j++) {
      rows.push([`w${SUB[i]}${SUB[j]}`, `w${i + 1}${j + 1}`, gradients.w[i][j], autograd.w[i][j]]);
    }
  }
  for (let j = 0; j < 2; j++) rows.push([`v${SUB[j]}`, `v${j + 1}`, gradients.v[j], autograd.v[j]]);
  const precise = (value) => formatNumber(value, 8);
  // The difference as it is, however small: rounding it to 0 would hide what the comparison shows.
  const difference = (value) => (value === 0 ? "0" : value.toExponential(1).replace("-", "−"));
  return `<table class="gradients-table" id="gradients">
    <tr><th>${t("backprop.weight")}</th><th>${t("backprop.by_hand")}</th><th>${t("backprop.by_autograd")}</th></tr>
    ${rows.map(([shown, id, hand, auto]) => `<tr data-weight="${id}"><td class="math">∂L/∂${shown}</td>
      <td class="number hand">${precise(hand)}</td><td class="number autograd">${precise(auto)}</td></tr>`).join("")}
    </table><p class="agree">${t("backprop.agree", { difference: difference(answer.largest_difference) })}</p>`;
}

function render() {
  if (!answer) return;
  drawNetwork();
  const name = STEPS[step];
  element("explain").innerHTML = `<p class="step-title">${t(`backprop.steps.${name}.title`)}</p>
    <p>${t(`backprop.steps.${name}.text`)}</p>${arithmetic()}`;
  element("counter").textContent = t("backprop.counter", { step: step + 1, count: STEPS.length });
  element("back").disabled = step === 0;
  element("next").disabled = step === STEPS.length - 1;
  element("network").dataset.step = name;
}

function goTo(next) {
  step = Math.min(Math.max(next, 0), STEPS.length - 1);
  render();
}

startPage(async () => {
  element("back").addEventListener("click", () => goTo(step - 1));
  element("next").addEventListener("click", () => goTo(step + 1));
  element("all").addEventListener("click", () => goTo(STEPS.length - 1));
  element("restart").addEventListener("click", () => goTo(0));
  document.querySelectorAll("#values input").forEach((input) => {
    input.addEventListener("input", () => update(readValues()));
  });
  onLanguageChange(() => {
    render();
  });
  await update({}); // the example's values, as the server has them
  if (answer) showValues(answer.values);
});
