// What every page shares: its texts in the chosen language, the switch between languages, and calls to the API.
// The pages only draw: every number they show comes from the server, computed by gradstep.
"use strict";

const LANGUAGES = ["en", "zh"];
const LANGUAGE_KEY = "gradstep-playground-language";
let TEXTS = null;
let language = "en";
const languageListeners = [];

// The language: the one last chosen on this machine, else the browser's (Chinese for any zh-*), else English.
function startingLanguage() {
  const chosen = localStorage.getItem(LANGUAGE_KEY);
  if (LANGUAGES.includes(chosen)) return chosen;
  const preferred = (navigator.languages && navigator.languages[0]) || navigator.language || "en";
  return preferred.toLowerCase().startsWith("zh") ? "zh" : "en";
}

function lookUp(texts, key) {
  return key.split(".").reduce((node, part) => (node == null ? undefined : node[part]), texts);
}

// The text under a dotted key ("descent.title") in the current language (else in English), with {name}
// filled in from params.
function t(key, params = {}) {
  const text = lookUp(TEXTS[language], key) ?? lookUp(TEXTS.en, key);
  if (typeof text !== "string") return key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? params[name] : whole));
}

function applyTexts() {
  document.documentElement.lang = language === "zh" ? "zh-CN" : "en";
  document.querySelectorAll("[data-i18n]").forEach((element) => { element.textContent = t(element.dataset.i18n); });
  document.querySelectorAll("[data-i18n-html]").forEach((element) => {
    element.innerHTML = t(element.dataset.i18nHtml);
  });
  document.querySelectorAll("[data-i18n-title]").forEach((element) => {
    element.title = t(element.dataset.i18nTitle);
  });
  document.querySelectorAll(".language-switch button").forEach((button) => {
    button.setAttribute("aria-pressed", String(button.dataset.language === language));
  });
  document.title = t(document.body.dataset.titleKey) + " · gradstep playground";
}

function setLanguage(chosen) {
  language = chosen;
  localStorage.setItem(LANGUAGE_KEY, chosen);
  applyTexts();
  document.querySelectorAll(".problem").forEach((box) => {
    if (!box.hidden && box.problem) showProblem(box, box.problem);
  });
  languageListeners.forEach((listener) => listener());
}

// Call `listener` whenever the language changes, to redraw the texts a page writes itself.
function onLanguageChange(listener) {
  languageListeners.push(listener);
}

const PAGES = ["descent", "backprop", "train"];

// The bar at the top of every page: the name, a link to each page, and the language switch.
function buildHeader() {
  const header = document.createElement("header");
  header.className = "top-bar";
  const here = document.body.dataset.page;
  const links = PAGES.map((page) => `<a href="/${page}" data-page="${page}" data-i18n="nav.${page}"
      ${page === here ? 'aria-current="page"' : ""}></a>`).join("");
  const switches = LANGUAGES.map((code) => `<button type="button" data-language="${code}"
      data-i18n="language_name.${code}"></button>`).join("");
  header.innerHTML = `<span class="brand">gradstep <b>playground</b></span><nav>${links}</nav>
    <div class="language-switch" role="group" data-i18n-title="language_switch">${switches}</div>`;
  document.body.prepend(header);
  header.querySelectorAll(".language-switch button").forEach((button) => {
    button.addEventListener("click", () => setLanguage(button.dataset.language));
  });
}

// Load the texts, build the header, word the page; then `start` the page.
async function startPage(start) {
  TEXTS = await (await fetch("/static/texts.json")).json();
  language = startingLanguage();
  buildHeader();
  applyTexts();
  start();
}

// A refusal from the server, worded in the page's language from its code, with the knob it is about.
class Problem extends Error {
  constructor(answer) {
    super(answer.error);
    this.code = answer.code;
    this.field = answer.field;
    this.params = answer.params || {};
  }

  wording() {
    if (!TEXTS[language].errors[this.code]) return this.message;
    const field = this.field ? t(`fields.${this.field}`) : "";
    return t(`errors.${this.code}`, { ...this.params, field: field.startsWith("fields.") ? this.field : field });
  }
}

// POST `values` as JSON to an API path; the answer's JSON (the response itself with `stream`, to read as it
// comes), or a Problem when the server refuses.
async function callApi(path, values, { stream = false } = {}) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(values),
  });
  if (!response.ok) {
    let answer;
    try {
      answer = await response.json();
    } catch {
      const message = `HTTP ${response.status}`;
      answer = { error: message, code: "server", params: { message } };
    }
    throw new Problem(answer);
  }
  return stream ? response : response.json();
}

// Show a problem in the page's message box and mark the knob it is about; `null` clears both.
function showProblem(box, problem) {
  document.querySelectorAll(".invalid").forEach((element) => element.classList.remove("invalid"));
  box.hidden = problem === null;
  box.problem = problem; // worded again if the language changes
  if (problem === null) return;
  const message = problem instanceof Problem ? problem.wording() : t("errors.server", { message: problem.message });
  // A sentence starts with a capital, unless it starts with a symbol such as x₂ or η.
  box.textContent = message.replace(/^[a-z](?=[a-z])/, (letter) => letter.toUpperCase());
  box.dataset.code = problem.code || "";
  if (problem.field) {
    document.querySelectorAll(`[data-field="${problem.field}"]`).forEach((element) => element.classList.add("invalid"));
  }
}

// `ask` wrapped so that one call runs at a time. A call made while one is under way waits, and of those only
// the latest runs, once the running one is done: a slider moved faster than the server answers asks again once,
// for where it is now. A failure is shown in the page's #problem box; a success clears it.
function oneAtATime(ask) {
  let running = false;
  let waiting = null; // the arguments of the latest call made while one ran
  async function run(...args) {
    if (running) {
      waiting = args;
      return;
    }
    running = true;
    try {
      await ask(...args);
      showProblem(document.getElementById("problem"), null);
    } catch (problem) {
      showProblem(document.getElementById("problem"), problem);
    } finally {
      running = false;
      if (waiting) {
        const next = waiting;
        waiting = null;
        run(...next);
      }
    }
  }
  return run;
}

// A number as a learner reads it: 4 significant digits, without an exponent unless it is tiny or huge.
function formatNumber(value, digits = 4) {
  if (value === null || value === undefined) return "—";
  const size = Math.abs(value);
  if (size < 1e-12) return "0"; // what is left of an exact 0 after rounding
  const text = size >= 1e6 || size < 1e-4
    ? value.toExponential(digits - 1).replace("e+", "e")
    : String(Number(value.toPrecision(digits)));
  return text.replace("-", "−"); // the minus sign, not the hyphen
}
