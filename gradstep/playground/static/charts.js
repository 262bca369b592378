// Hand-drawn charts on <canvas>: line charts with axes, a contour map of a loss surface, small images.
// Small on purpose: the pages need only these, and nothing has to come from the network.
"use strict";

// Size the canvas's pixels to its size on screen (sharp on high-density screens); its 2-D context, in CSS pixels.
function prepareCanvas(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  const context = canvas.getContext("2d");
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, width, height);
  return { context, width, height };
}

// About `count` round numbers between low and high, for axis ticks.
function niceTicks(low, high, count = 5) {
  const span = high - low || Math.abs(high) || 1;
  const rough = span / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= rough);
  const ticks = [];
  for (let value = Math.ceil(low / step) * step; value <= high + step * 1e-9; value += step) {
    ticks.push(Number(value.toPrecision(12)));
  }
  return ticks;
}

// Powers of ten between 10^low and 10^high, every one or every few: at most 6 ticks.
function powersOfTen(low, high) {
  const first = Math.ceil(low);
  const last = Math.floor(high);
  const every = Math.max(1, Math.ceil((last - first + 1) / 6));
  const ticks = [];
  for (let e = first; e <= last; e += every) ticks.push(10 ** e);
  return ticks;
}

const CHART_FONT = "12px system-ui, 'Noto Sans CJK SC', 'Noto Sans', sans-serif";

// A line chart. `series`: [{points: [[x, y], ...], color, width, dots, dash}]. Options: xLabel, yLabel,
// xRange, yRange (else fitted), logY (a log scale: all y must be positive), percentY (ticks as percentages).
// The number of points drawn is left in canvas.dataset.points, for anyone checking that the chart moved.
function drawLineChart(canvas, series, options = {}) {
  const { context, width, height } = prepareCanvas(canvas);
  const margin = { left: 58, right: 14, top: 12, bottom: 40 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const all = series.flatMap((line) => line.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  canvas.dataset.points = String(all.length);
  // A log scale only pays when the values span orders of magnitude; over less, its ticks would be too few.
  const ys = all.map(([, y]) => y);
  const logY = options.logY && all.length > 0 && Math.min(...ys) > 0 && Math.max(...ys) / Math.min(...ys) > 100;
  const scaleY = (y) => (logY ? Math.log10(y) : y);
  let [xLow, xHigh] = options.xRange || [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  const scaled = all.map(([, y]) => scaleY(y));
  let [yLow, yHigh] = options.yRange || [Math.min(...scaled), Math.max(...scaled)];
  if (!Number.isFinite(xLow)) [xLow, xHigh] = [0, 1];
  if (!Number.isFinite(yLow)) [yLow, yHigh] = [0, 1];
  if (xHigh === xLow) xHigh = xLow + 1;
  if (yHigh === yLow) [yLow, yHigh] = [yLow - 0.5, yHigh + 0.5];
  if (!options.yRange) {
    const pad = (yHigh - yLow) * 0.05;
    [yLow, yHigh] = [yLow - pad, yHigh + pad];
  }
  const px = (x) => margin.left + ((x - xLow) / (xHigh - xLow)) * plotWidth;
  const py = (y) => margin.top + (1 - (scaleY(y) - yLow) / (yHigh - yLow)) * plotHeight;

  context.font = CHART_FONT;
  context.fillStyle = "#fbfcfe";
  context.fillRect(margin.left, margin.top, plotWidth, plotHeight);
  context.strokeStyle = "#e3e8ef";
  context.fillStyle = "#5b6675";
  context.lineWidth = 1;
  context.textAlign = "right";
  context.textBaseline = "middle";
  const yTicks = logY ? powersOfTen(yLow, yHigh) : niceTicks(yLow, yHigh, 5).filter((v) => v >= yLow && v <= yHigh);
  for (const value of yTicks) {
    const y = py(value);
    context.beginPath();
    context.moveTo(margin.left, y);
    context.lineTo(margin.left + plotWidth, y);
    context.stroke();
    context.fillText(options.percentY ? `${Math.round(value * 100)}%` : formatNumber(value, 3), margin.left - 6, y);
  }
  context.textAlign = "center";
  context.textBaseline = "top";
  for (const value of niceTicks(xLow, xHigh, 6).filter((v) => v >= xLow && v <= xHigh)) {
    const x = px(value);
    context.beginPath();
    context.moveTo(x, margin.top);
    context.lineTo(x, margin.top + plotHeight);
    context.stroke();
    context.fillText(formatNumber(value, 3), x, margin.top + plotHeight + 5);
  }
  context.strokeStyle = "#9aa5b4";
  context.strokeRect(margin.left, margin.top, plotWidth, plotHeight);
  if (options.xLabel) context.fillText(options.xLabel, margin.left + plotWidth / 2, height - 16);
  if (options.yLabel) {
    context.save();
    context.translate(12, margin.top + plotHeight / 2);
    context.rotate(-Math.PI / 2);
    context.textBaseline = "middle";
    context.fillText(options.yLabel, 0, 0);
    context.restore();
  }

  context.save();
  context.beginPath();
  context.rect(margin.left, margin.top, plotWidth, plotHeight);
  context.clip();
  for (const line of series) {
    const points = line.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!logY || y > 0));
    context.strokeStyle = line.color;
    context.fillStyle = line.color;
    context.lineWidth = line.width || 2;
    context.setLineDash(line.dash || []);
    if (!line.dotsOnly) {
      context.beginPath();
      points.forEach(([x, y], i) => (i === 0 ? context.moveTo(px(x), py(y)) : context.lineTo(px(x), py(y))));
      context.stroke();
    }
    if (line.dots) {
      for (const [x, y] of points) {
        context.beginPath();
        context.arc(px(x), py(y), line.dots, 0, 2 * Math.PI);
        context.fill();
      }
    }
  }
  context.restore();
  context.setLineDash([]);
}

// The colour of t in [0, 1] along a dark-blue → teal → pale-yellow scale: low losses dark, high ones light.
function surfaceColour(t) {
  const stops = [[24, 45, 92], [33, 102, 150], [54, 160, 160], [150, 205, 140], [246, 240, 190]];
  const position = Math.min(Math.max(t, 0), 1) * (stops.length - 1);
  const i = Math.min(Math.floor(position), stops.length - 2);
  const f = position - i;
  return stops[i].map((c, k) => Math.round(c + (stops[i + 1][k] - c) * f));
}

// The contour map of a surface: `map` is the server's answer (losses on a size × size grid, row by row from
// the bottom, x_range, y_range, lowest). Colours and lines follow log(loss − lowest loss on the grid), so
// the flat floor of a valley gets as many lines as its steep walls. Returns the weights ↔ pixels mapping.
function drawContourMap(canvas, map) {
  const { context, width, height } = prepareCanvas(canvas);
  const n = map.size;
  const lowest = Math.min(...map.losses);
  const excess = map.losses.map((loss) => loss - lowest);
  const top = Math.max(...excess);
  const floor = top * 1e-4;
  const level = (value) => Math.log(Math.max(value, floor) / floor) / Math.log(top / floor);

  const image = context.createImageData(n, n);
  for (let row = 0; row < n; row++) {
    for (let column = 0; column < n; column++) {
      const [r, g, b] = surfaceColour(level(excess[row * n + column]));
      const offset = ((n - 1 - row) * n + column) * 4; // image rows go down, the grid's w2 goes up
      image.data.set([r, g, b, 255], offset);
    }
  }
  const tile = document.createElement("canvas");
  tile.width = tile.height = n;
  tile.getContext("2d").putImageData(image, 0, 0);
  context.imageSmoothingEnabled = true;
  context.drawImage(tile, 0, 0, width, height);

  const [x0, x1] = map.x_range;
  const [y0, y1] = map.y_range;
  const view = {
    toPixel: ([w1, w2]) => [((w1 - x0) / (x1 - x0)) * width, (1 - (w2 - y0) / (y1 - y0)) * height],
    toWeights: (x, y) => [x0 + (x / width) * (x1 - x0), y0 + (1 - y / height) * (y1 - y0)],
  };
  // Contour lines by marching squares: in each grid cell, where the level crosses its edges.
  context.strokeStyle = "rgba(255, 255, 255, 0.55)";
  context.lineWidth = 1;
  const cellX = width / (n - 1);
  const cellY = height / (n - 1);
  for (let k = 1; k <= 14; k++) {
    const threshold = floor * Math.exp((k / 15) * Math.log(top / floor));
    context.beginPath();
    for (let row = 0; row < n - 1; row++) {
      for (let column = 0; column < n - 1; column++) {
        const corners = [[column, row], [column + 1, row], [column + 1, row + 1], [column, row + 1]];
        const values = corners.map(([c, r]) => excess[r * n + c]);
        const crossings = [];
        for (let e = 0; e < 4; e++) {
          const a = values[e];
          const b = values[(e + 1) % 4];
          if ((a < threshold) !== (b < threshold)) {
            const f = (threshold - a) / (b - a);
            const [ca, ra] = corners[e];
            const [cb, rb] = corners[(e + 1) % 4];
            crossings.push([(ca + (cb - ca) * f) * cellX, height - (ra + (rb - ra) * f) * cellY]);
          }
        }
        for (let i = 0; i + 1 < crossings.length; i += 2) {
          context.moveTo(...crossings[i]);
          context.lineTo(...crossings[i + 1]);
        }
      }
    }
    context.stroke();
  }
  return view;
}

// Pictures from bytes, as the server sends them: `pixels` = {shape: [count, h, w], base64}.
function decodePictures(pixels) {
  const bytes = Uint8Array.from(atob(pixels.base64), (c) => c.charCodeAt(0));
  const [count, h, w] = pixels.shape;
  const size = h * w;
  return Array.from({ length: count }, (_, i) => ({
    width: w, height: h, bytes: bytes.subarray(i * size, (i + 1) * size),
  }));
}

// Draw one picture, each byte coloured by `colour(byte)` → [r, g, b].
function drawPicture(canvas, picture, colour) {
  canvas.width = picture.width;
  canvas.height = picture.height;
  const context = canvas.getContext("2d");
  const image = context.createImageData(picture.width, picture.height);
  picture.bytes.forEach((byte, i) => image.data.set([...colour(byte), 255], i * 4));
  context.putImageData(image, 0, 0);
}

// Weights around 128 (zero): blue below, red above, white at zero.
function divergingColour(byte) {
  const t = (byte - 128) / 127;
  return t < 0
    ? [Math.round(255 + t * (255 - 33)), Math.round(255 + t * (255 - 102)), Math.round(255 + t * (255 - 172))]
    : [Math.round(255 - t * (255 - 178)), Math.round(255 - t * (255 - 24)), Math.round(255 - t * (255 - 43))];
}

// Fashion-MNIST's pixels: 0 is the black background.
function greyColour(byte) {
  return [byte, byte, byte];
}
