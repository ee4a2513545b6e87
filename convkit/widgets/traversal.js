// convkit KernelTraversal: a kernel window sliding over a padded input, drawn on a <canvas>.
//
// Every number comes from Python (convkit.traverse / convolve / pool), sent once per change of settings as a
// JSON header and a few little-endian binary arrays; this module only indexes them:
//   origins  (num_steps, rank) int16|int32  input coordinate of each step's first tap (negative = in padding)
//   offsets  (num_taps, rank)  int16|int32  kernel index × dilation of each tap; taps = origin + offsets
//   coverage input_size        uint8|16|32  how often each input cell is read (0 = never)
//   x_values / w_values / y_values float64  numbers mode: input ch. 0, kernel weights, output ch. 0 by step
// Step i writes output cell unravel(i, output_size) (the core's C-order).
//
// Playback runs in requestAnimationFrame with the step kept here: nothing is sent to the kernel while
// playing; `step` is synced back once when playback pauses or a scrub / step interaction ends.
// All state lives in render()'s closure, so several widgets on a page are independent.

const MARGIN = 34;        // css px around a grid (padding labels live there)
const TOP = 46;           // css px above the grids (caption + top padding label)
const GAP = 56;           // css px between the input and the output grid
const MAX_CELL = 44;      // largest auto-fitted cell (css px)
const MAX_GRID_HEIGHT = 620;
const NUMBERS_MIN_CELL = 18;
const GRID_MIN_CELL = 4;
const MAX_CANVAS_PX = 16000;
const SYNC_DELAY_MS = 300;
const PLAY = "▶ play";
const PAUSE = "|| pause";

function bytesOf(value) {
  if (!value) return new Uint8Array(0);
  if (value instanceof DataView) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return new Uint8Array(0);
}

const TYPED = {
  int16: Int16Array, int32: Int32Array, uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array,
  float64: Float64Array,
};

function typed(value, dtype) {
  const bytes = bytesOf(value).slice(); // copy: aligned, and independent of the message buffer
  const Type = TYPED[dtype];
  return new Type(bytes.buffer, 0, Math.floor(bytes.byteLength / Type.BYTES_PER_ELEMENT));
}

function fmt(v) {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  return String(parseFloat(v.toPrecision(3)));
}
const paren = (v) => (v < 0 ? `(${fmt(v)})` : fmt(v));
const times = (a) => a.join("×");

function rgba(hex) {
  const h = hex.replace("#", "");
  const n = parseInt(h.length === 3 ? h.split("").map((c) => c + c).join("") : h.slice(0, 6), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255, 255];
}

function packColor(hex) { // RGBA bytes as one little-endian uint32 (ImageData through a Uint32Array)
  const [r, g, b, a] = rgba(hex);
  return ((a << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

// ------------------------------------------------------------------------------------------- geometry

function readGeometry(model) {
  const h = model.get("header");
  if (!h || !h.rank) return null;
  const g = { h, rank: h.rank, tooLarge: h.too_large || null, numSteps: h.num_steps, numTaps: h.num_taps };
  const two = h.rank === 2;
  g.inRows = two ? h.input_size[0] : 1;
  g.inCols = two ? h.input_size[1] : h.input_size[0];
  g.padTop = two ? h.padding[0][0] : 0;
  g.padBottom = two ? h.padding[0][1] : 0;
  g.padLeft = two ? h.padding[1][0] : h.padding[0][0];
  g.padRight = two ? h.padding[1][1] : h.padding[0][1];
  g.R = two ? h.padded_size[0] : 1;
  g.C = two ? h.padded_size[1] : h.padded_size[0];
  g.outRows = two ? h.output_size[0] : 1;
  g.outCols = two ? h.output_size[1] : h.output_size[0];
  g.keffRows = two ? h.effective_kernel[0] : 1;
  g.keffCols = two ? h.effective_kernel[1] : h.effective_kernel[0];
  if (g.tooLarge) return g;
  const o = typed(model.get("origins"), h.index_dtype);
  const f = typed(model.get("offsets"), h.index_dtype);
  // split into per-axis arrays once, so a frame indexes plain arrays (1-D: rows are all 0)
  g.originRow = new Int32Array(g.numSteps);
  g.originCol = new Int32Array(g.numSteps);
  for (let i = 0; i < g.numSteps; i++) {
    if (two) { g.originRow[i] = o[2 * i]; g.originCol[i] = o[2 * i + 1]; } else { g.originCol[i] = o[i]; }
  }
  g.tapRow = new Int32Array(g.numTaps);
  g.tapCol = new Int32Array(g.numTaps);
  for (let t = 0; t < g.numTaps; t++) {
    if (two) { g.tapRow[t] = f[2 * t]; g.tapCol[t] = f[2 * t + 1]; } else { g.tapCol[t] = f[t]; }
  }
  g.coverage = typed(model.get("coverage"), h.coverage_dtype);
  g.numbers = h.numbers;
  if (g.numbers) {
    g.x = typed(model.get("x_values"), "float64");
    g.w = typed(model.get("w_values"), "float64");
    g.y = typed(model.get("y_values"), "float64");
  }
  return g;
}

function isPaddingCell(g, pr, pc) { // padded coordinates
  return pr < g.padTop || pr >= g.padTop + g.inRows || pc < g.padLeft || pc >= g.padLeft + g.inCols;
}

// --------------------------------------------------------------------------------------------- layout

function fitLayout(g, availWidth, zoom) {
  const L = {};
  if (g.rank === 1) {
    const fit = Math.min(MAX_CELL, (availWidth - 2 * MARGIN) / g.C);
    L.cw = Math.max(fit, 0.05) * 2 ** zoom;
    L.ch = Math.min(40, Math.max(16, L.cw));
    L.inX = MARGIN; L.inY = TOP;
    L.outX = MARGIN; L.outY = TOP + L.ch + MARGIN + 18;
    L.width = Math.max(L.inX + g.C * L.cw, L.outX + g.outCols * L.cw) + MARGIN;
    L.height = L.outY + L.ch + 24;
  } else {
    const side = Math.min((availWidth - 3 * MARGIN - GAP) / (g.C + g.outCols), (MAX_GRID_HEIGHT - MARGIN) / g.R);
    const stack = Math.min((availWidth - 2 * MARGIN) / Math.max(g.C, g.outCols),
      (MAX_GRID_HEIGHT * 1.6 - 2 * MARGIN - TOP) / (g.R + g.outRows));
    L.stacked = stack > side * 1.25;
    const fit = Math.max(0.05, Math.min(MAX_CELL, L.stacked ? stack : side));
    L.cw = L.ch = fit * 2 ** zoom;
    L.inX = MARGIN; L.inY = TOP;
    if (L.stacked) {
      L.outX = MARGIN; L.outY = TOP + g.R * L.ch + MARGIN + 22;
    } else {
      L.outX = MARGIN + g.C * L.cw + MARGIN + GAP; L.outY = TOP;
    }
    L.width = Math.max(L.inX + g.C * L.cw, L.outX + g.outCols * L.cw) + MARGIN;
    L.height = Math.max(L.inY + g.R * L.ch, L.outY + g.outRows * L.ch) + MARGIN;
  }
  L.width = Math.ceil(L.width); L.height = Math.ceil(L.height);
  return L;
}

// ------------------------------------------------------------------------------------------- drawing

function dotPattern(ctx, color) {
  const tile = document.createElement("canvas");
  tile.width = 4; tile.height = 4;
  const t = tile.getContext("2d");
  t.fillStyle = color;
  t.globalAlpha = 0.55;
  t.fillRect(1, 1, 1, 1);
  t.fillRect(3, 3, 1, 1);
  return ctx.createPattern(tile, "repeat");
}

function gridLines(ctx, x, y, rows, cols, cw, ch, color, dpr) {
  ctx.save();
  ctx.strokeStyle = color;
  ctx.globalAlpha = cw < 8 ? 0.45 : 1; // dense grids stay light
  ctx.lineWidth = 1 / dpr;
  ctx.beginPath();
  for (let r = 0; r <= rows; r++) { ctx.moveTo(x, y + r * ch); ctx.lineTo(x + cols * cw, y + r * ch); }
  for (let c = 0; c <= cols; c++) { ctx.moveTo(x + c * cw, y); ctx.lineTo(x + c * cw, y + rows * ch); }
  ctx.stroke();
  ctx.restore();
}

function cellMap(g, pal, showCoverage) { // the padded input at one pixel per cell
  const map = document.createElement("canvas");
  map.width = g.C; map.height = g.R;
  const mctx = map.getContext("2d");
  const img = mctx.createImageData(g.C, g.R);
  const px = new Uint32Array(img.data.buffer);
  px.fill(packColor(pal.padding_cell));
  const input = packColor(pal.input_cell);
  const unread = packColor(pal.unread);
  for (let r = 0; r < g.inRows; r++) {
    const base = (r + g.padTop) * g.C + g.padLeft;
    for (let c = 0; c < g.inCols; c++) {
      px[base + c] = showCoverage && g.coverage[r * g.inCols + c] === 0 ? unread : input;
    }
  }
  mctx.putImageData(img, 0, 0);
  return map;
}

function label(ctx, text, x, y, align, pal, font, rotate = 0) {
  ctx.save();
  ctx.fillStyle = pal.text;
  ctx.font = font;
  ctx.textAlign = align;
  ctx.textBaseline = "middle";
  ctx.translate(x, y);
  if (rotate) ctx.rotate(rotate);
  ctx.fillText(text, 0, 0);
  ctx.restore();
}

function drawBase(canvas, g, L, pal, dpr, opts) {
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = pal.background;
  ctx.fillRect(0, 0, L.width, L.height);
  const { cw, ch, inX, inY, outX, outY } = L;
  const font = `12px ${opts.fontFamily}`;
  const small = `11px ${opts.fontFamily}`;
  // input cells (padding, input, never-read), one image scaled up
  ctx.imageSmoothingEnabled = cw < 1;
  ctx.drawImage(cellMap(g, pal, opts.showCoverage), inX, inY, g.C * cw, g.R * ch);
  // padding: a dotted pattern on top of the colour, so it never relies on colour alone
  const pat = dotPattern(ctx, pal.text);
  ctx.save();
  ctx.setTransform(1, 0, 0, 1, 0, 0); // pattern in device pixels: crisp dots at any zoom
  ctx.fillStyle = pat;
  const band = (r0, c0, rows, cols) => {
    if (rows > 0 && cols > 0) {
      ctx.fillRect(Math.round((inX + c0 * cw) * dpr), Math.round((inY + r0 * ch) * dpr),
        Math.round(cols * cw * dpr), Math.round(rows * ch * dpr));
    }
  };
  band(0, 0, g.padTop, g.C);
  band(g.padTop + g.inRows, 0, g.padBottom, g.C);
  band(g.padTop, 0, g.inRows, g.padLeft);
  band(g.padTop, g.padLeft + g.inCols, g.inRows, g.padRight);
  ctx.restore();
  // never-read cells also get a diagonal stroke when there is room for it
  if (opts.showCoverage && cw >= 6) {
    ctx.save();
    ctx.strokeStyle = pal.text;
    ctx.globalAlpha = 0.6;
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let r = 0; r < g.inRows; r++) {
      for (let c = 0; c < g.inCols; c++) {
        if (g.coverage[r * g.inCols + c] !== 0) continue;
        const x = inX + (c + g.padLeft) * cw, y = inY + (r + g.padTop) * ch;
        ctx.moveTo(x + 2, y + ch - 2); ctx.lineTo(x + cw - 2, y + 2);
      }
    }
    ctx.stroke();
    ctx.restore();
  }
  if (cw >= GRID_MIN_CELL) gridLines(ctx, inX, inY, g.R, g.C, cw, ch, pal.grid_line, dpr);
  ctx.strokeStyle = pal.grid_line;
  ctx.lineWidth = 1;
  ctx.strokeRect(inX, inY, g.C * cw, g.R * ch);
  const padded = g.padTop + g.padBottom + g.padLeft + g.padRight > 0;
  if (padded) { // the real input's border inside the padding
    ctx.strokeStyle = pal.text;
    ctx.lineWidth = 1.5;
    ctx.strokeRect(inX + g.padLeft * cw, inY + g.padTop * ch, g.inCols * cw, g.inRows * ch);
  }
  // captions and padding amounts (before / after on every side: asymmetric "same" shows at a glance)
  const h = g.h;
  const inCaption = `input ${times(h.input_size)}` + (padded ? ` → padded ${times(h.padded_size)}` : "");
  label(ctx, inCaption, inX, 12, "left", pal, `bold ${font}`);
  label(ctx, `output ${times(h.output_size)}`, outX, outY - (L.stacked || g.rank === 1 ? 24 : 34), "left", pal,
    `bold ${font}`);
  if (h.padding_mode !== "valid" || padded) {
    const midX = inX + (g.C * cw) / 2, midY = inY + (g.R * ch) / 2;
    if (g.rank === 2) {
      label(ctx, `top pad ${g.padTop}`, midX, inY - 10, "center", pal, small);
      label(ctx, `bottom pad ${g.padBottom}`, midX, inY + g.R * ch + 11, "center", pal, small);
      label(ctx, `left pad ${g.padLeft}`, inX - 11, midY, "center", pal, small, -Math.PI / 2);
      label(ctx, `right pad ${g.padRight}`, inX + g.C * cw + 11, midY, "center", pal, small, Math.PI / 2);
    } else {
      label(ctx, `left pad ${g.padLeft}`, inX, inY - 10, "left", pal, small);
      label(ctx, `right pad ${g.padRight}`, inX + g.C * cw, inY - 10, "right", pal, small);
    }
  }
  // input values (numbers mode, when the cells are large enough to read)
  if (g.numbers && cw >= NUMBERS_MIN_CELL && ch >= 14) {
    ctx.save();
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.font = `${Math.min(14, Math.floor(ch * 0.42))}px ${opts.fontFamily}`;
    for (let pr = 0; pr < g.R; pr++) {
      for (let pc = 0; pc < g.C; pc++) {
        const pad = isPaddingCell(g, pr, pc);
        if (pad && g.numbers.pool) continue; // pooling ignores padding: nothing to show
        ctx.fillStyle = pal.text;
        ctx.globalAlpha = pad ? 0.45 : 1;
        const v = pad ? 0 : g.x[(pr - g.padTop) * g.inCols + (pc - g.padLeft)];
        ctx.fillText(fmt(v), inX + (pc + 0.5) * cw, inY + (pr + 0.5) * ch);
      }
    }
    ctx.restore();
  }
  // output grid, not computed yet
  ctx.fillStyle = pal.output_cell;
  ctx.fillRect(outX, outY, g.outCols * cw, g.outRows * ch);
  ctx.strokeStyle = pal.grid_line;
  ctx.lineWidth = 1;
  ctx.strokeRect(outX, outY, g.outCols * cw, g.outRows * ch);
}

function drawFrame(state) {
  const { g, L, pal, dpr, canvas, base } = state;
  const ctx = canvas.getContext("2d");
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.drawImage(base, 0, 0);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const { cw, ch, inX, inY, outX, outY } = L;
  const s = state.step;
  // computed output cells: steps are C-order, so the done cells are full rows plus part of one row
  const fullRows = Math.floor(s / g.outCols), rest = s % g.outCols;
  ctx.fillStyle = pal.output_done;
  ctx.fillRect(outX, outY, g.outCols * cw, fullRows * ch);
  ctx.fillRect(outX, outY + fullRows * ch, rest * cw, ch);
  if (cw >= GRID_MIN_CELL) gridLines(ctx, outX, outY, g.outRows, g.outCols, cw, ch, pal.grid_line, dpr);
  const curR = fullRows, curC = rest;
  const minW = Math.max(cw, 1), minH = Math.max(ch, 1);
  ctx.fillStyle = pal.output_current;
  ctx.fillRect(outX + curC * cw, outY + curR * ch, minW, minH);
  // the window: taps filled (a dilated kernel's gaps stay empty), its span outlined
  const pr0 = g.originRow[s] + g.padTop, pc0 = g.originCol[s] + g.padLeft;
  ctx.fillStyle = pal.tap;
  for (let t = 0; t < g.numTaps; t++) {
    ctx.fillRect(inX + (pc0 + g.tapCol[t]) * cw, inY + (pr0 + g.tapRow[t]) * ch, minW, minH);
  }
  let padTaps = 0;
  ctx.save();
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.fillStyle = state.pattern;
  for (let t = 0; t < g.numTaps; t++) {
    const pr = pr0 + g.tapRow[t], pc = pc0 + g.tapCol[t];
    if (!isPaddingCell(g, pr, pc)) continue;
    padTaps++;
    ctx.fillRect(Math.round((inX + pc * cw) * dpr), Math.round((inY + pr * ch) * dpr),
      Math.max(1, Math.round(cw * dpr)), Math.max(1, Math.round(ch * dpr)));
  }
  ctx.restore();
  const wx = inX + pc0 * cw, wy = inY + pr0 * ch, ww = g.keffCols * cw, wh = g.keffRows * ch;
  // outlines with a halo in the background colour, so they stand out on any cell colour, even at 1 px cells
  for (const [color, width] of [[pal.background, 4], [pal.window, 2]]) {
    ctx.strokeStyle = color;
    ctx.lineWidth = width;
    ctx.strokeRect(wx - 1, wy - 1, ww + 2, wh + 2);
    ctx.strokeRect(outX + curC * cw - 1, outY + curR * ch - 1, minW + 2, minH + 2);
  }
  // a thin connector from the window to the cell it writes
  ctx.save();
  ctx.globalAlpha = 0.55;
  ctx.setLineDash([4, 3]);
  ctx.lineWidth = 1;
  ctx.beginPath();
  if (g.rank === 2 && !L.stacked) {
    ctx.moveTo(wx + ww + 1, wy + wh / 2);
    ctx.lineTo(outX + curC * cw - 1, outY + (curR + 0.5) * ch);
  } else {
    ctx.moveTo(wx + ww / 2, wy + wh + 1);
    ctx.lineTo(outX + (curC + 0.5) * cw, outY + curR * ch - 1);
  }
  ctx.stroke();
  ctx.restore();
  if (g.numbers && cw >= NUMBERS_MIN_CELL && ch >= 14) drawNumbers(ctx, state, pr0, pc0, s);
  state.padTaps = padTaps;
}

function drawNumbers(ctx, state, pr0, pc0, s) {
  const { g, L, pal, fontFamily } = state;
  const { cw, ch, inX, inY, outX, outY } = L;
  ctx.save();
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  const big = Math.min(14, Math.floor(ch * 0.42));
  for (let t = 0; t < g.numTaps; t++) {
    const pr = pr0 + g.tapRow[t], pc = pc0 + g.tapCol[t];
    const pad = isPaddingCell(g, pr, pc);
    const x = inX + (pc + 0.5) * cw, y = inY + (pr + 0.5) * ch;
    ctx.fillStyle = pal.text;
    if (!(pad && g.numbers.pool)) {
      ctx.font = `bold ${big}px ${fontFamily}`;
      const v = pad ? 0 : g.x[(pr - g.padTop) * g.inCols + (pc - g.padLeft)];
      ctx.fillText(fmt(v), x, g.numbers.pool ? y : y - ch * 0.14);
    }
    if (!g.numbers.pool && ch >= 24) {
      ctx.font = `${Math.max(8, Math.floor(ch * 0.28))}px ${fontFamily}`;
      ctx.fillText(`×${fmt(g.w[t])}`, x, y + ch * 0.26);
    }
  }
  const done = Math.min(s + 1, g.numSteps);
  if (g.outRows * g.outCols <= 2500) {
    ctx.font = `${big}px ${fontFamily}`;
    ctx.fillStyle = pal.text;
    for (let i = 0; i < done; i++) {
      const r = Math.floor(i / g.outCols), c = i % g.outCols;
      ctx.fillText(fmt(g.y[i]), outX + (c + 0.5) * cw, outY + (r + 0.5) * ch);
    }
  }
  ctx.restore();
}

function sumLine(g, s) { // the multiply-sum of the current step, indexing Python's values
  const pr0 = g.originRow[s] + g.padTop, pc0 = g.originCol[s] + g.padLeft;
  const terms = [];
  for (let t = 0; t < g.numTaps; t++) {
    const pr = pr0 + g.tapRow[t], pc = pc0 + g.tapCol[t];
    const pad = isPaddingCell(g, pr, pc);
    const v = pad ? 0 : g.x[(pr - g.padTop) * g.inCols + (pc - g.padLeft)];
    if (g.numbers.pool) { if (!pad) terms.push(fmt(v)); } else terms.push(`${paren(v)}·${paren(g.w[t])}`);
  }
  const shown = terms.length > 27 ? [...terms.slice(0, 18), "…", ...terms.slice(-6)] : terms;
  const y = fmt(g.y[s]);
  if (g.numbers.pool) return `${g.h.operation === "max" ? "max" : "mean"}(${shown.join(", ")}) = ${y}`;
  if (g.numbers.channels > 1) {
    return `channel 0 of ${g.numbers.channels}: ${shown.join(" + ")}; + the other channels' sums = ${y}`;
  }
  return `${shown.join(" + ")} = ${y}`;
}

function stepLine(g, s, padTaps) {
  const pr0 = g.originRow[s], pc0 = g.originCol[s];
  const span = (o, k) => (k > 1 ? `${o}…${o + k - 1}` : `${o}`);
  const out = g.rank === 2 ? `(${Math.floor(s / g.outCols)}, ${s % g.outCols})` : `${s}`;
  const win = g.rank === 2 ? `rows ${span(pr0, g.keffRows)}, cols ${span(pc0, g.keffCols)}`
    : `cells ${span(pc0, g.keffCols)}`;
  const pad = padTaps ? `, ${padTaps} of ${g.numTaps} taps on padding` : "";
  return `step ${s + 1} of ${g.numSteps}: output ${out} ← window over input ${win}${pad}`;
}

// --------------------------------------------------------------------------------------------- DOM

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(cls, text, title) {
  const b = el("button", `ck-button ${cls}`, text);
  b.type = "button";
  b.title = title;
  b.setAttribute("aria-label", title);
  return b;
}

function render({ model, el: host }) {
  const root = el("div", "convkit-widget convkit-traversal");
  root.tabIndex = 0;
  root.setAttribute("data-lm-suppress-shortcuts", "true"); // JupyterLab leaves our keys alone
  root.setAttribute("role", "group");
  root.setAttribute("aria-label", "kernel traversal animation");
  const bar = el("div", "ck-toolbar");
  const first = button("ck-first", "|◀", "first step (Home)");
  const back = button("ck-back", "◀", "step back (←)");
  const play = button("ck-play", PLAY, "play / pause (space)");
  const fwd = button("ck-forward", "▶", "step forward (→)");
  const last = button("ck-last", "▶|", "last step (End)");
  const scrub = el("input", "ck-scrubber");
  scrub.type = "range"; scrub.min = "0"; scrub.step = "1";
  scrub.setAttribute("aria-label", "step");
  const stepText = el("span", "ck-step-text");
  const speedBox = el("label", "ck-speed-label");
  const speed = el("input", "ck-speed");
  speed.type = "number"; speed.min = "0.25"; speed.max = "5000"; speed.step = "any";
  speed.title = "speed in steps per second";
  speedBox.append(speed, el("span", "", " steps/s"));
  const loopBox = el("label", "ck-loop-label");
  const loop = el("input", "ck-loop");
  loop.type = "checkbox";
  loopBox.append(loop, el("span", "", " loop"));
  const covBox = el("label", "ck-coverage-label");
  const cov = el("input", "ck-coverage");
  cov.type = "checkbox";
  covBox.append(cov, el("span", "", " never-read cells"));
  const zoomOut = button("ck-zoom-out", "−", "zoom out");
  const zoomFit = button("ck-zoom-fit", "fit", "fit to width");
  const zoomIn = button("ck-zoom-in", "+", "zoom in");
  const zoomText = el("span", "ck-zoom-text");
  bar.append(first, back, play, fwd, last, scrub, stepText, speedBox, loopBox, covBox, zoomOut, zoomFit, zoomIn,
    zoomText);
  const stage = el("div", "ck-stage");
  const canvas = el("canvas", "ck-canvas");
  stage.append(canvas);
  const message = el("div", "ck-message");
  const info = el("div", "ck-info");
  const title = el("div", "ck-title");
  const formula = el("div", "ck-formula");
  const depth = el("div", "ck-depth");
  const stepInfo = el("div", "ck-step-info");
  const sum = el("div", "ck-sum");
  const covInfo = el("div", "ck-coverage-info");
  info.append(title, formula, depth, stepInfo, sum, covInfo);
  root.append(bar, stage, message, info);
  host.append(root);

  const state = {
    g: null, L: null, pal: null, dpr: 1, canvas, base: document.createElement("canvas"), pattern: null,
    step: 0, playing: false, zoom: 0, frames: 0, padTaps: 0, fontFamily: "sans-serif",
  };
  let raf = 0, lastTime = 0, carry = 0, syncTimer = 0, rebuildQueued = false, layoutQueued = false;
  let lastWidth = -1, shownStep = -1;

  const darkTheme = () => document.body && document.body.dataset.jpThemeLight === "false";
  const palette = () => {
    const p = state.g && state.g.h.palette;
    return p ? (darkTheme() ? p.dark : p.light) : null;
  };

  function setAttrs() {
    root.dataset.step = String(state.step);
    root.dataset.numSteps = String(state.g && !state.g.tooLarge ? state.g.numSteps : 0);
    root.dataset.playing = String(state.playing);
    root.dataset.frames = String(state.frames);
  }

  function updateTexts() {
    const g = state.g;
    if (!g || g.tooLarge) return;
    if (shownStep !== state.step) {
      scrub.value = String(state.step);
      stepText.textContent = `${state.step + 1} / ${g.numSteps}`;
      stepInfo.textContent = stepLine(g, state.step, state.padTaps);
      if (g.numbers) sum.textContent = sumLine(g, state.step);
      shownStep = state.step;
    }
  }

  function draw() {
    const g = state.g;
    if (!g || g.tooLarge || !state.L) { setAttrs(); return; }
    drawFrame(state);
    state.frames += 1;
    updateTexts();
    setAttrs();
  }

  function rebuildBase() {
    const g = state.g;
    if (!g || g.tooLarge) return;
    const avail = Math.max(200, stage.clientWidth || host.clientWidth || 800);
    lastWidth = avail;
    let L = fitLayout(g, avail, state.zoom);
    while (state.zoom > 0 && Math.max(L.width, L.height) * (window.devicePixelRatio || 1) > MAX_CANVAS_PX) {
      state.zoom -= 1;
      L = fitLayout(g, avail, state.zoom);
    }
    const dpr = window.devicePixelRatio || 1;
    state.L = L; state.dpr = dpr; state.pal = palette();
    state.fontFamily = getComputedStyle(root).fontFamily || "sans-serif";
    for (const c of [canvas, state.base]) {
      c.width = Math.round(L.width * dpr);
      c.height = Math.round(L.height * dpr);
    }
    canvas.style.width = `${L.width}px`;
    canvas.style.height = `${L.height}px`;
    drawBase(state.base, g, L, state.pal, dpr,
      { showCoverage: !!model.get("show_coverage"), fontFamily: state.fontFamily });
    state.pattern = dotPattern(canvas.getContext("2d"), state.pal.text);
    zoomText.textContent = `cell ${L.cw >= 10 ? Math.round(L.cw) : L.cw.toPrecision(2)} px`;
    root.dataset.cellSize = String(L.cw);
    shownStep = -1;
    draw();
  }

  function rebuild() {
    rebuildQueued = false;
    const g = readGeometry(model);
    state.g = g;
    shownStep = -1;
    if (!g) return;
    const pal = palette();
    if (g.tooLarge) {
      pause(false);
      message.textContent = g.tooLarge;
      message.style.color = pal.error;
      root.classList.add("ck-too-large");
      title.textContent = g.h.title || "";
      formula.textContent = (g.h.formula || []).join("\n");
      depth.textContent = g.h.depth || "";
      stepInfo.textContent = sum.textContent = covInfo.textContent = "";
      setAttrs();
      return;
    }
    message.textContent = "";
    root.classList.remove("ck-too-large");
    state.step = Math.min(Math.max(0, model.get("step") | 0), g.numSteps - 1);
    scrub.max = String(g.numSteps - 1);
    title.textContent = g.h.title;
    formula.textContent = g.h.formula.join("\n");
    depth.textContent = g.h.depth;
    sum.textContent = "";
    sum.hidden = !g.numbers;
    coverageText();
    const sp = Number(model.get("speed")) || 1;
    if (document.activeElement !== speed) speed.value = String(sp);
    rebuildBase();
  }

  function coverageText() {
    const g = state.g;
    const pct = (100 * g.h.unread_fraction).toFixed(2).replace(/\.?0+$/, "");
    covInfo.textContent = g.h.unread_cells
      ? `never read: ${g.h.unread_cells.toLocaleString("en-US")} of ${(g.inRows * g.inCols).toLocaleString("en-US")} `
        + `input cells (${pct} %)` + (model.get("show_coverage") ? " · marked in the input" : "")
      : "every input cell is read at least once";
  }

  const queueRebuild = () => {
    if (!rebuildQueued) { rebuildQueued = true; queueMicrotask(rebuild); }
  };

  // ---- step and playback
  function setStep(s) {
    const g = state.g;
    if (!g || g.tooLarge) return;
    state.step = Math.min(Math.max(0, s), g.numSteps - 1);
  }

  function syncNow() {
    clearTimeout(syncTimer); syncTimer = 0;
    if (model.get("step") !== state.step) {
      model.set("step", state.step);
      model.save_changes();
    }
  }

  function syncSoon() { // coalesce a burst of key presses / clicks into one message
    clearTimeout(syncTimer);
    syncTimer = setTimeout(syncNow, SYNC_DELAY_MS);
  }

  function tick(time) {
    raf = 0;
    if (!state.playing) return;
    const g = state.g;
    const dt = Math.min(0.25, Math.max(0, (time - lastTime) / 1000));
    lastTime = time;
    carry += dt * (Number(speed.value) || 1);
    const n = Math.floor(carry);
    if (n > 0) {
      carry -= n;
      let s = state.step + n;
      if (s >= g.numSteps) {
        if (loop.checked) s %= g.numSteps;
        else { state.step = g.numSteps - 1; draw(); pause(true); return; }
      }
      state.step = s;
    }
    draw();
    follow();
    raf = requestAnimationFrame(tick);
  }

  function start() {
    const g = state.g;
    if (!g || g.tooLarge || state.playing) return;
    clearTimeout(syncTimer); syncTimer = 0;
    if (state.step >= g.numSteps - 1) state.step = 0;
    state.playing = true;
    play.textContent = PAUSE;
    carry = 0;
    lastTime = performance.now();
    setAttrs();
    raf = requestAnimationFrame(tick);
  }

  function pause(sync) {
    const was = state.playing;
    state.playing = false;
    if (raf) cancelAnimationFrame(raf);
    raf = 0;
    play.textContent = PLAY;
    setAttrs();
    if (was && sync) syncNow();
  }

  function follow() { // keep the window in view when zoomed in
    if (state.zoom === 0 || !state.L) return;
    const { g, L } = state;
    const x = L.inX + (g.originCol[state.step] + g.padLeft) * L.cw;
    const y = L.inY + (g.originRow[state.step] + g.padTop) * L.ch;
    if (x < stage.scrollLeft || x > stage.scrollLeft + stage.clientWidth - 40) stage.scrollLeft = x - 40;
    if (y < stage.scrollTop || y > stage.scrollTop + stage.clientHeight - 40) stage.scrollTop = y - 40;
  }

  function stepBy(n) {
    pause(false);
    setStep(state.step + n);
    draw();
    follow();
    syncSoon();
  }

  function goTo(s) {
    pause(false);
    setStep(s);
    draw();
    syncSoon();
  }

  const toggle = () => (state.playing ? pause(true) : start());
  const on = (node, type, fn) => node.addEventListener(type, fn);
  on(play, "click", toggle);
  on(back, "click", () => stepBy(-1));
  on(fwd, "click", () => stepBy(1));
  on(first, "click", () => goTo(0));
  on(last, "click", () => goTo(Infinity));
  on(scrub, "input", () => { pause(false); setStep(Number(scrub.value)); draw(); });
  on(scrub, "change", () => syncNow());
  on(loop, "change", () => { model.set("loop", loop.checked); model.save_changes(); });
  on(cov, "change", () => { model.set("show_coverage", cov.checked); model.save_changes(); });
  on(zoomIn, "click", () => { state.zoom = Math.min(state.zoom + 1, 8); rebuildBase(); });
  on(zoomOut, "click", () => { state.zoom = Math.max(state.zoom - 1, 0); rebuildBase(); });
  on(zoomFit, "click", () => { state.zoom = 0; rebuildBase(); });
  on(root, "keydown", (event) => {
    const target = event.target;
    if (target && target.tagName === "INPUT" && (target.type === "number" || target.type === "range")) return;
    const keys = {
      " ": toggle, Spacebar: toggle, ArrowRight: () => stepBy(1), ArrowLeft: () => stepBy(-1),
      Home: () => goTo(0), End: () => goTo(Infinity),
    };
    const action = keys[event.key];
    if (!action) return;
    event.preventDefault();
    event.stopPropagation();
    action();
  });

  const onStep = () => {
    const s = model.get("step") | 0;
    if (s !== state.step) { setStep(s); if (!state.playing) draw(); }
  };
  const onLoop = () => { loop.checked = !!model.get("loop"); };
  const onCoverage = () => {
    cov.checked = !!model.get("show_coverage");
    if (state.g && !state.g.tooLarge) { coverageText(); rebuildBase(); }
  };
  const onSpeed = () => { speed.value = String(Number(model.get("speed")) || 1); };
  const geometryTraits = ["header", "origins", "offsets", "coverage", "x_values", "w_values", "y_values"];
  for (const name of geometryTraits) model.on(`change:${name}`, queueRebuild);
  model.on("change:step", onStep);
  model.on("change:loop", onLoop);
  model.on("change:show_coverage", onCoverage);
  model.on("change:speed", onSpeed);

  const resize = new ResizeObserver(() => {
    if (layoutQueued) return;
    layoutQueued = true;
    requestAnimationFrame(() => {
      layoutQueued = false;
      const w = Math.max(200, stage.clientWidth || 0);
      if (state.g && !state.g.tooLarge && Math.abs(w - lastWidth) > 1) rebuildBase();
    });
  });
  resize.observe(root);
  const themeWatch = new MutationObserver(() => {
    if (state.g && !state.g.tooLarge) rebuildBase();
  });
  if (document.body) themeWatch.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-light"] });

  onLoop();
  cov.checked = !!model.get("show_coverage");
  rebuild();

  return () => {
    pause(false);
    clearTimeout(syncTimer);
    resize.disconnect();
    themeWatch.disconnect();
    for (const name of geometryTraits) model.off(`change:${name}`, queueRebuild);
    model.off("change:step", onStep);
    model.off("change:loop", onLoop);
    model.off("change:show_coverage", onCoverage);
    model.off("change:speed", onSpeed);
  };
}

export default { render };
