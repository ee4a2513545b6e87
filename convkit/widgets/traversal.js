// @ts-check
// convkit KernelTraversal: a kernel window sliding over a padded input, drawn on a <canvas>.
//
// Every number and every sentence comes from Python (convkit.traverse / convolve / pool and
// convkit.render.traversal_words), sent once per change of settings as a JSON header and a few little-endian
// binary arrays; this module only indexes them:
//   origins  (num_steps, rank) int16|int32  input coordinate of each step's first tap (negative = in padding)
//   offsets  (num_taps, rank)  int16|int32  kernel index × dilation of each tap; taps = origin + offsets
//   coverage input_size        uint8|16|32  how often each input cell is read (0 = never)
//   texts    UTF-8 lines                    numbers mode: input cells (channel 0), kernel taps, outputs by step
// Step i writes output cell unravel(i, output_size) (the core's C-order). The step and sum sentences are
// templates filled here exactly as convkit.render.traversal_words fills them in Python (fillStep, fillSum), and
// the views of a large grid page by the exporter's rule (header.view, convkit.render._traversal_view).
//
// Playback runs in requestAnimationFrame with the step kept here: nothing is sent to the kernel while
// playing; `step` is synced back once when playback pauses or a scrub / step interaction ends.
// render() builds the DOM (buildDom), the player (createPlayer) and the model observers (observeModel); all
// state lives in its closure, so several widgets on a page are independent.

const MARGIN = 34;        // css px around a grid (padding labels live there)
const TOP = 46;           // css px above the grids (caption + top padding label)
const GAP = 56;           // css px between the input and the output grid
const MAX_CELL = 44;      // largest auto-fitted cell (css px)
const MAX_GRID_HEIGHT = 620;
const NUMBERS_MIN_CELL = 18;
const GRID_MIN_CELL = 4;     // grid lines wherever cells are at least this big (css px)
const MIN_FOLLOW_CELL = 8;   // a view that follows the kernel draws each cell at least this big
const OVERVIEW_MAX = 150;    // longest side of a 2-D overview (css px)
const OVERVIEW_GAP = 34;     // between a view and its overview (the overview's caption lives there)
const MIN_SPEED = 0.25;
const MAX_SPEED = 5000;
const MAX_CANVAS_PX = 16000;
const MAX_ZOOM = 8;          // zoom levels above the fitted size (× 1.5 each)
const SYNC_DELAY_MS = 300;
const DESCRIBED = ["strides", "dilation_rate", "filters", "numbers"]; // controls that can be switched off
const PLAY = "▶ play";
const PAUSE = "|| pause";

/**
 * @typedef {{size: number, length: number, window: number, margin: number, page: number}} AxisView
 * @typedef {string | {step?: number, index?: number, span?: number, stride?: number, first?: number,
 *   extent?: number, pad?: PadAxis[], taps?: number, before?: string, after?: string}} Token
 * @typedef {{size: number, stride: number, first: number, kernel: number, dilation: number}} PadAxis
 * @typedef {{output_size: number[], tokens: Token[]}} StepTemplate
 * @typedef {{output_size: number[], input_size: number[], operation: string, axes: PadAxis[],
 *   channels: number, max_terms: number, bias?: string | null}} SumTemplate
 * @typedef {{light: Palette, dark: Palette}} Palettes
 * @typedef {Record<string, string>} Palette
 * @typedef {{rank: number, operation: string, input_size: number[], kernel_size: number[], strides: number[],
 *   padding: number[][], padded_size: number[], effective_kernel: number[], output_size: number[],
 *   padding_mode: string, num_steps: number, num_taps: number, title: string, formula: string[], depth: string,
 *   palette: Palettes, view: {input: AxisView[], output: AxisView[]}, too_large: string | null,
 *   numbers: null | {channels: number, pool: boolean, counts: number[]},
 *   sentences: null | {step: StepTemplate, sum: SumTemplate | null}, index_dtype?: string,
 *   coverage_dtype?: string, unread_cells?: number, unread_fraction?: number}} Header
 * @typedef {{inR: AxisView, inC: AxisView, outR: AxisView, outC: AxisView}} Views
 * @typedef {{r0: number, c0: number, or0: number, oc0: number}} Origins
 * @typedef {{x: number, y: number, w: number, h: number}} Box
 * @typedef {{g: any, L: any, pal: Palette | null, dpr: number, canvas: HTMLCanvasElement, base: HTMLCanvasElement,
 *   pattern: CanvasPattern | null, step: number, playing: boolean, zoom: number, frames: number, fontFamily: string,
 *   follow: boolean, origins: Origins | null, baseKey: string, speed: number, baseDraws: number,
 *   map: HTMLCanvasElement | null, overview: HTMLCanvasElement | null}} ViewState
 *   What one widget view shows: geometry g (readGeometry), layout L (fitLayout), step, playback, zoom.
 * @typedef {{get: (name: string) => any, set: (name: string, value: any) => void, save_changes: () => void,
 *   on: (event: string, fn: Function) => void, off: (event: string, fn: Function) => void}} Model
 */

// --------------------------------------------------------------------------------------------- bytes

/** @param {any} value @returns {Uint8Array} */
function bytesOf(value) {
  if (!value) return new Uint8Array(0);
  if (value instanceof DataView) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return new Uint8Array(0);
}

const TYPED = {
  int16: Int16Array, int32: Int32Array, uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array,
  float32: Float32Array, float64: Float64Array,
};

/** @param {any} value @param {string} dtype */
function typed(value, dtype) {
  const bytes = bytesOf(value).slice(); // copy: aligned, and independent of the message buffer
  const Type = TYPED[/** @type {keyof typeof TYPED} */ (dtype)];
  return new Type(bytes.buffer, 0, Math.floor(bytes.byteLength / Type.BYTES_PER_ELEMENT));
}

/** The numbers-mode texts: input cells, kernel taps, outputs (what Python wrote, digit for digit).
 * @param {any} value @param {number[]} counts @returns {[string[], string[], string[]]} */
function textLines(value, counts) {
  const lines = new TextDecoder("utf-8").decode(bytesOf(value)).split("\n");
  const a = counts[0], b = counts[0] + counts[1];
  return [lines.slice(0, a), lines.slice(a, b), lines.slice(b)];
}

const times = (/** @type {number[]} */ a) => a.join("×");

/** @param {string} hex @returns {number[]} */
function rgba(hex) {
  const h = hex.replace("#", "");
  const n = parseInt(h.length === 3 ? h.split("").map((c) => c + c).join("") : h.slice(0, 6), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255, 255];
}

/** RGBA bytes as one little-endian uint32 (ImageData through a Uint32Array). @param {string} hex */
function packColor(hex) {
  const [r, g, b, a] = rgba(hex);
  return ((a << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

// ------------------------------------------------------------------------------------------ sentences
// The same rules as convkit.render.traversal_words (StepTemplate.fill / SumTemplate.fill); a test runs both.

/** @param {number} step @param {number[]} size @returns {number[]} */
function unravel(step, size) {
  const index = new Array(size.length);
  for (let a = size.length - 1; a >= 0; a--) { index[a] = step % size[a]; step = Math.floor(step / size[a]); }
  return index;
}

/** Kernel taps along one axis that land inside the input for output index i. @param {PadAxis} axis @param {number} i */
function inside(axis, i) {
  const start = i * axis.stride + axis.first;
  let n = 0;
  for (let j = 0; j < axis.kernel; j++) { const p = start + j * axis.dilation; if (p >= 0 && p < axis.size) n++; }
  return n;
}

/** @param {Token[]} tokens @param {number} step @param {number[]} index @returns {string} */
function fillTokens(tokens, step, index) {
  let out = "";
  for (const t of tokens) {
    if (typeof t === "string") out += t;
    else if (t.step !== undefined) out += String(step + 1);
    else if (t.index !== undefined) out += String(index[t.index]);
    else if (t.span !== undefined) {
      const start = index[t.span] * /** @type {number} */ (t.stride) + /** @type {number} */ (t.first);
      const end = start + /** @type {number} */ (t.extent) - 1;
      out += end === start ? String(start) : `${start}${start < 0 ? " to " : "–"}${end}`;
    } else if (t.pad !== undefined) {
      let kept = 1;
      t.pad.forEach((axis, a) => { kept *= inside(axis, index[a]); });
      const n = /** @type {number} */ (t.taps) - kept;
      if (n) out += `${t.before}${n}${t.after}`;
    }
  }
  return out;
}

/** The step sentence of step s (0-based). @param {StepTemplate} tpl @param {number} s */
export function fillStep(tpl, s) { return fillTokens(tpl.tokens, s, unravel(s, tpl.output_size)); }

const wrap = (/** @type {string} */ t) => (t.startsWith("-") ? `(${t})` : t);

/** @param {string[]} terms @param {string} sep @param {number} max */
function elide(terms, sep, max) {
  if (terms.length <= max) return terms.join(sep);
  return `${terms.slice(0, max - 2).join(sep)}${sep}…${sep}${terms.slice(-2).join(sep)} (${terms.length} terms)`;
}

/** The flat input cell of every tap of the step at `index` (C-order), -1 for padding.
 * @param {SumTemplate} tpl @param {number[]} index */
function tapCells(tpl, index) {
  let cells = [0];
  tpl.axes.forEach((axis, a) => {
    const n = tpl.input_size[a], start = index[a] * axis.stride + axis.first, next = [];
    for (const c of cells) {
      for (let j = 0; j < axis.kernel; j++) {
        const p = start + j * axis.dilation;
        next.push(c < 0 || p < 0 || p >= n ? -1 : c * n + p);
      }
    }
    cells = next;
  });
  return cells;
}

/** The multiply-sum sentence of step s from the value texts.
 * @param {SumTemplate} tpl @param {number} s @param {string[]} x @param {string[]} w @param {string[]} y */
export function fillSum(tpl, s, x, w, y) {
  const index = unravel(s, tpl.output_size);
  const cells = tapCells(tpl, index);
  const rank = tpl.output_size.length;
  const prefix = `output[${index.slice(0, rank).join(", ")}] = `;
  if (tpl.operation === "conv") {
    const terms = cells.map((c, t) => `${wrap(c < 0 ? "0" : x[c])}·${wrap(w[t])}`);
    let body = elide(terms, " + ", tpl.max_terms);
    if (tpl.channels > 1) {
      body += ` (channel 0) + ${tpl.channels === 2 ? "channel 1" : `channels 1–${tpl.channels - 1}`}`;
    }
    if (tpl.bias != null) body += ` + bias ${tpl.bias}`; // y is the layer's output: the bias included
    return `${prefix}${body} = ${y[s]}`;
  }
  const kept = cells.filter((c) => c >= 0).map((c) => x[c]);
  return `${prefix}${tpl.operation === "max" ? "max(" : "mean("}${elide(kept, ", ", tpl.max_terms)}) = ${y[s]}`;
}

// ------------------------------------------------------------------------------------------- geometry

/** @param {Model} model */
function readGeometry(model) {
  /** @type {Header} */
  const h = model.get("header");
  if (!h || !h.rank) return null;
  const two = h.rank === 2;
  /** @type {any} */
  const g = { h, rank: h.rank, tooLarge: h.too_large || null, numSteps: h.num_steps, numTaps: h.num_taps };
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
  const o = typed(model.get("origins"), /** @type {string} */ (h.index_dtype));
  const f = typed(model.get("offsets"), /** @type {string} */ (h.index_dtype));
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
  g.coverage = typed(model.get("coverage"), /** @type {string} */ (h.coverage_dtype));
  g.numbers = h.numbers;
  g.sentences = h.sentences;
  if (g.numbers) [g.xText, g.wText, g.yText] = textLines(model.get("texts"), g.numbers.counts);
  return g;
}

function isPaddingCell(g, pr, pc) { // padded coordinates
  return pr < g.padTop || pr >= g.padTop + g.inRows || pc < g.padLeft || pc >= g.padLeft + g.inCols;
}

/** The text of padded cell (pr, pc) in numbers mode ("0" on padding, as in the sum). */
function cellText(g, pr, pc) {
  return isPaddingCell(g, pr, pc) ? "0" : g.xText[(pr - g.padTop) * g.inCols + (pc - g.padLeft)];
}

// ---------------------------------------------------------------------------------------------- views
// Inputs or outputs of more than 40 cells a side are drawn through a view that follows the kernel (the output:
// the current cell), paging by the exporter's rule (header.view: convkit.render._traversal_view); the whole
// grid is then drawn as a small overview with the view outlined.

/** @param {number} size @returns {AxisView} */
function fullView(size) { return { size, length: size, window: 1, margin: 0, page: Math.max(1, size) }; }

/** First cell shown while the window starts at `position` (AxisView.origin in Python).
 * @param {AxisView} v @param {number} position */
export function axisOrigin(v, position) {
  if (v.length >= v.size) return 0;
  const start = Math.floor(position / v.page) * v.page - v.margin;
  return Math.min(Math.max(start, 0), v.size - v.length);
}

/** @returns {Views} */
function viewsFor(g, follow) {
  const hv = g.h.view;
  if (follow && hv) return { inR: hv.input[0], inC: hv.input[1], outR: hv.output[0], outC: hv.output[1] };
  return { inR: fullView(g.R), inC: fullView(g.C), outR: fullView(g.outRows), outC: fullView(g.outCols) };
}

const isZoomed = (/** @type {AxisView} */ v) => v.length < v.size;
const canFollow = (g) => !!g.h.view && [...g.h.view.input, ...g.h.view.output].some(isZoomed);

/** First shown (row, col) of the input view (padded coords) and the output view. @returns {Origins} */
function viewOrigins(g, /** @type {Views} */ V, /** @type {number} */ s) {
  const outR = Math.floor(s / g.outCols), outC = s % g.outCols;
  return {
    r0: axisOrigin(V.inR, g.originRow[s] + g.padTop), c0: axisOrigin(V.inC, g.originCol[s] + g.padLeft),
    or0: axisOrigin(V.outR, outR), oc0: axisOrigin(V.outC, outC),
  };
}

// --------------------------------------------------------------------------------------------- layout

/** @param {number} rows @param {number} cols @param {number} maxSide */
function overviewBox(rows, cols, maxSide) {
  const scale = maxSide / Math.max(rows, cols);
  return { w: Math.max(24, cols * scale), h: Math.max(8, rows * scale) };
}

/** Where everything goes on the canvas for the views V, a stage width and a zoom level. @param {Views} V */
function fitLayout(g, V, /** @type {number} */ stageWidth, /** @type {number} */ zoom) {
  /** @type {any} */
  const L = { V, followed: [V.inR, V.inC, V.outR, V.outC].some(isZoomed) };
  const availWidth = stageWidth - 2; // the canvas is rounded up to whole px: keep it inside the stage
  const nIn = V.inC.length, nOut = V.outC.length, rIn = V.inR.length, rOut = V.outR.length;
  const scale = 1.5 ** zoom;
  const inOv = isZoomed(V.inR) || isZoomed(V.inC), outOv = isZoomed(V.outR) || isZoomed(V.outC);
  if (g.rank === 1) {
    let fit = Math.min(MAX_CELL, (availWidth - 2 * MARGIN) / Math.max(nIn, nOut));
    if (L.followed) fit = Math.max(fit, MIN_FOLLOW_CELL);
    L.cw = Math.max(fit, 0.05) * scale;
    L.ch = Math.min(40, Math.max(16, L.cw));
    const ovW = Math.max(120, Math.min(availWidth - 2 * MARGIN, 600));
    L.inX = MARGIN; L.inY = TOP;
    let y = L.inY + L.ch;
    if (inOv) { L.inOv = { x: MARGIN, y: y + 28, w: ovW, h: 10 }; y = L.inOv.y + L.inOv.h; }
    L.outX = MARGIN; L.outY = y + MARGIN + 18;
    y = L.outY + L.ch;
    if (outOv) { L.outOv = { x: MARGIN, y: y + 28, w: ovW, h: 10 }; y = L.outOv.y + L.outOv.h; }
    L.height = y + 24;
  } else {
    const side = Math.min((availWidth - 3 * MARGIN - GAP) / (nIn + nOut), (MAX_GRID_HEIGHT - MARGIN) / Math.max(rIn, rOut));
    const stack = Math.min((availWidth - 2 * MARGIN) / Math.max(nIn, nOut),
      (MAX_GRID_HEIGHT * 1.6 - 2 * MARGIN - TOP) / (rIn + rOut));
    L.stacked = stack > side * 1.25 || (L.followed && side < MIN_FOLLOW_CELL);
    let fit = Math.min(MAX_CELL, L.stacked ? stack : side);
    if (L.followed) fit = Math.max(fit, MIN_FOLLOW_CELL);
    L.cw = L.ch = Math.max(0.05, fit) * scale;
    const inW = nIn * L.cw, inH = rIn * L.ch, outH = rOut * L.ch;
    const ovSide = Math.min(OVERVIEW_MAX, Math.max(60, inW * 0.6));
    const inBox = inOv ? overviewBox(g.R, g.C, ovSide) : null;
    const outBox = outOv ? overviewBox(g.outRows, g.outCols, ovSide) : null;
    L.inX = MARGIN; L.inY = TOP;
    if (L.stacked) {
      let y = L.inY + inH;
      if (inBox) { L.inOv = { x: MARGIN, y: y + OVERVIEW_GAP, ...inBox }; y = L.inOv.y + inBox.h; }
      L.outX = MARGIN; L.outY = y + MARGIN + 22;
      y = L.outY + outH;
      if (outBox) { L.outOv = { x: MARGIN, y: y + OVERVIEW_GAP, ...outBox }; y = L.outOv.y + outBox.h; }
      L.height = y + MARGIN;
    } else {
      L.outX = MARGIN + inW + MARGIN + GAP; L.outY = TOP;
      const y = TOP + Math.max(inH, outH) + OVERVIEW_GAP;
      if (inBox) L.inOv = { x: MARGIN, y, ...inBox };
      if (outBox) L.outOv = { x: L.outX, y, ...outBox };
      L.height = Math.max(TOP + Math.max(inH, outH), ...[L.inOv, L.outOv].filter(Boolean).map((o) => o.y + o.h))
        + MARGIN;
    }
  }
  const rights = [L.inX + nIn * L.cw, L.outX + nOut * L.cw, ...[L.inOv, L.outOv].filter(Boolean).map((o) => o.x + o.w)];
  L.width = Math.ceil(Math.max(...rights) + MARGIN);
  L.height = Math.ceil(L.height);
  return L;
}

// ------------------------------------------------------------------------------------------- drawing

/** @param {CanvasRenderingContext2D} ctx @param {string} color */
function dotPattern(ctx, color) {
  const tile = document.createElement("canvas");
  tile.width = 4; tile.height = 4;
  const t = /** @type {CanvasRenderingContext2D} */ (tile.getContext("2d"));
  t.fillStyle = color;
  t.globalAlpha = 0.55;
  t.fillRect(1, 1, 1, 1);
  t.fillRect(3, 3, 1, 1);
  return ctx.createPattern(tile, "repeat");
}

/** @param {CanvasRenderingContext2D} ctx */
function gridLines(ctx, x, y, rows, cols, cw, ch, color, dpr) {
  if (cw < GRID_MIN_CELL) return;
  ctx.save();
  ctx.strokeStyle = color;
  ctx.globalAlpha = cw < 8 ? 0.8 : 1; // dense grids a little lighter, still visible from 4 px cells
  ctx.lineWidth = 1 / dpr;
  ctx.beginPath();
  const snap = (v) => (Math.round(v * dpr) + 0.5) / dpr; // crisp one-device-pixel lines
  for (let r = 0; r <= rows; r++) { ctx.moveTo(x, snap(y + r * ch)); ctx.lineTo(x + cols * cw, snap(y + r * ch)); }
  for (let c = 0; c <= cols; c++) { ctx.moveTo(snap(x + c * cw), y); ctx.lineTo(snap(x + c * cw), y + rows * ch); }
  ctx.stroke();
  ctx.restore();
}

/** The padded input at one pixel per cell. @param {Palette} pal @param {boolean} showCoverage */
function cellMap(g, pal, showCoverage) {
  const map = document.createElement("canvas");
  map.width = g.C; map.height = g.R;
  const mctx = /** @type {CanvasRenderingContext2D} */ (map.getContext("2d"));
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

/** The whole input, area-averaged once into the overview's size. @param {HTMLCanvasElement} map @param {Box} ov */
function overviewImage(map, ov, dpr) {
  const img = document.createElement("canvas");
  img.width = Math.max(1, Math.round(ov.w * dpr));
  img.height = Math.max(1, Math.round(ov.h * dpr));
  const ctx = /** @type {CanvasRenderingContext2D} */ (img.getContext("2d"));
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(map, 0, 0, img.width, img.height);
  return img;
}

/** @param {CanvasRenderingContext2D} ctx @param {string} text @param {CanvasTextAlign} align */
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

/** The longest wording that fits in room px (else the shortest). @param {CanvasRenderingContext2D} ctx
 * @param {string[]} candidates */
function fitText(ctx, candidates, room, font) {
  ctx.save();
  ctx.font = font;
  const fits = candidates.find((t) => ctx.measureText(t).width <= room);
  ctx.restore();
  return fits !== undefined ? fits : candidates[candidates.length - 1];
}

/** @param {CanvasRenderingContext2D} ctx */
function clipRect(ctx, x, y, w, h) {
  ctx.beginPath();
  ctx.rect(x, y, w, h);
  ctx.clip();
}

const span = (a, n) => (n > 1 ? `${a}–${a + n - 1}` : `${a}`);

/** Everything that stays while the views stay: cells, padding, grid, captions, overview images.
 * @param {HTMLCanvasElement} canvas @param {Palette} pal @param {Origins} o */
function drawBase(canvas, g, L, pal, dpr, opts, o) {
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = pal.background;
  ctx.fillRect(0, 0, L.width, L.height);
  const { cw, ch, inX, inY, outX, outY, V } = L;
  const lenR = V.inR.length, lenC = V.inC.length, { r0, c0, or0, oc0 } = o;
  const inW = lenC * cw, inH = lenR * ch;
  const font = `12px ${opts.fontFamily}`;
  const small = `11px ${opts.fontFamily}`;
  // input cells in view (padding, input, never-read): one image, the view's part scaled up
  ctx.imageSmoothingEnabled = cw < 1;
  ctx.drawImage(opts.map, c0, r0, lenC, lenR, inX, inY, inW, inH);
  // padding: a dotted pattern on top of the colour, so it never relies on colour alone
  ctx.save();
  clipRect(ctx, inX, inY, inW, inH);
  ctx.setTransform(1, 0, 0, 1, 0, 0); // pattern in device pixels: crisp dots at any zoom
  ctx.fillStyle = /** @type {CanvasPattern} */ (dotPattern(ctx, pal.text));
  const band = (rA, cA, rows, cols) => {
    if (rows > 0 && cols > 0) {
      ctx.fillRect(Math.round((inX + (cA - c0) * cw) * dpr), Math.round((inY + (rA - r0) * ch) * dpr),
        Math.round(cols * cw * dpr), Math.round(rows * ch * dpr));
    }
  };
  band(0, 0, g.padTop, g.C);
  band(g.padTop + g.inRows, 0, g.padBottom, g.C);
  band(g.padTop, 0, g.inRows, g.padLeft);
  band(g.padTop, g.padLeft + g.inCols, g.inRows, g.padRight);
  ctx.restore();
  // never-read cells also get an × (as in the exported pictures) when there is room for it: not colour alone
  if (opts.showCoverage && cw >= 6) {
    ctx.save();
    ctx.strokeStyle = pal.background;
    ctx.globalAlpha = 0.9;
    ctx.lineWidth = cw >= 14 ? 1.5 : 1;
    const inset = Math.max(1.5, cw * 0.22);
    ctx.beginPath();
    const rEnd = Math.min(g.inRows, r0 + lenR - g.padTop), cEnd = Math.min(g.inCols, c0 + lenC - g.padLeft);
    for (let r = Math.max(0, r0 - g.padTop); r < rEnd; r++) {
      for (let c = Math.max(0, c0 - g.padLeft); c < cEnd; c++) {
        if (g.coverage[r * g.inCols + c] !== 0) continue;
        const x = inX + (c + g.padLeft - c0) * cw, y = inY + (r + g.padTop - r0) * ch;
        ctx.moveTo(x + inset, y + ch - inset); ctx.lineTo(x + cw - inset, y + inset);
        ctx.moveTo(x + inset, y + inset); ctx.lineTo(x + cw - inset, y + ch - inset);
      }
    }
    ctx.stroke();
    ctx.restore();
  }
  gridLines(ctx, inX, inY, lenR, lenC, cw, ch, pal.grid_line, dpr);
  ctx.strokeStyle = pal.grid_line;
  ctx.lineWidth = 1;
  ctx.strokeRect(inX, inY, inW, inH);
  const padded = g.padTop + g.padBottom + g.padLeft + g.padRight > 0;
  if (padded) { // the real input's border inside the padding
    ctx.save();
    clipRect(ctx, inX - 1, inY - 1, inW + 2, inH + 2);
    ctx.strokeStyle = pal.text;
    ctx.lineWidth = 1.5;
    ctx.strokeRect(inX + (g.padLeft - c0) * cw, inY + (g.padTop - r0) * ch, g.inCols * cw, g.inRows * ch);
    ctx.restore();
  }
  drawCaptions(ctx, g, L, pal, o, font, small, padded);
  // input values (numbers mode, when the cells are large enough to read)
  if (g.numbers && cw >= NUMBERS_MIN_CELL && ch >= 14) {
    ctx.save();
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.font = `${Math.min(14, Math.floor(ch * 0.42))}px ${opts.fontFamily}`;
    for (let pr = r0; pr < r0 + lenR; pr++) {
      for (let pc = c0; pc < c0 + lenC; pc++) {
        const pad = isPaddingCell(g, pr, pc);
        if (pad && g.numbers.pool) continue; // pooling ignores padding: nothing to show
        ctx.fillStyle = pal.text;
        ctx.globalAlpha = pad ? 0.45 : 1;
        ctx.fillText(cellText(g, pr, pc), inX + (pc - c0 + 0.5) * cw, inY + (pr - r0 + 0.5) * ch, cw - 2);
      }
    }
    ctx.restore();
  }
  // output grid, not computed yet
  const outW = V.outC.length * cw, outH = V.outR.length * ch;
  ctx.fillStyle = pal.output_cell;
  ctx.fillRect(outX, outY, outW, outH);
  ctx.strokeStyle = pal.grid_line;
  ctx.lineWidth = 1;
  ctx.strokeRect(outX, outY, outW, outH);
  // overviews: the whole grid, small (area-averaged), captioned
  for (const [ov, which] of [[L.inOv, "input"], [L.outOv, "output"]]) {
    if (!ov) continue;
    if (which === "input") ctx.drawImage(opts.overview, ov.x, ov.y, ov.w, ov.h);
    else { ctx.fillStyle = pal.output_cell; ctx.fillRect(ov.x, ov.y, ov.w, ov.h); }
    ctx.strokeStyle = pal.grid_line;
    ctx.strokeRect(ov.x, ov.y, ov.w, ov.h);
    label(ctx, fitText(ctx, [`whole ${which} (box: the view above)`, `whole ${which}`], L.width - 4 - ov.x, small),
      ov.x, ov.y - 10, "left", pal, small);
  }
}

/** Grid captions and padding amounts (before / after on every side: asymmetric "same" shows at a glance).
 * @param {CanvasRenderingContext2D} ctx @param {Origins} o */
function drawCaptions(ctx, g, L, pal, o, font, small, padded) {
  const { cw, ch, inX, inY, outX, outY, V } = L;
  const lenR = V.inR.length, lenC = V.inC.length, { r0, c0, or0, oc0 } = o;
  const inW = lenC * cw, inH = lenR * ch;
  const h = g.h;
  const two = g.rank === 2;
  const inZoom = isZoomed(V.inR) || isZoomed(V.inC);
  const viewText = two ? ` · showing rows ${span(r0, lenR)}, cols ${span(c0, lenC)}` : ` · showing ${span(c0, lenC)}`;
  const inName = `input ${times(h.input_size)}` + (padded ? ` → padded ${times(h.padded_size)}` : "");
  const sideBySide = two && !L.stacked;
  const inRoom = (sideBySide ? L.outX - GAP / 2 : L.width - 4) - inX;
  const inCaptions = inZoom ? [`${inName}${viewText} (padded coordinates)`, `${inName}${viewText}`,
    `input ${times(h.input_size)}${viewText}`, inName, `input ${times(h.input_size)}`] : [inName, `input ${times(h.input_size)}`];
  label(ctx, fitText(ctx, inCaptions, inRoom, `bold ${font}`), inX, 12, "left", pal, `bold ${font}`);
  const outZoom = isZoomed(V.outR) || isZoomed(V.outC);
  const outText = two ? ` · showing rows ${span(or0, V.outR.length)}, cols ${span(oc0, V.outC.length)}`
    : ` · showing ${span(oc0, V.outC.length)}`;
  const outName = `output ${times(h.output_size)}`;
  label(ctx, fitText(ctx, outZoom ? [outName + outText, outName] : [outName], L.width - 4 - outX, `bold ${font}`),
    outX, outY - (L.stacked || g.rank === 1 ? 24 : 34), "left", pal, `bold ${font}`);
  if (h.padding_mode === "valid" && !padded) return;
  const midX = inX + inW / 2, midY = inY + inH / 2;
  const top = r0 === 0, bottom = r0 + lenR === g.R, left = c0 === 0, right = c0 + lenC === g.C;
  if (two) {
    if (top) label(ctx, `top pad ${g.padTop}`, midX, inY - 10, "center", pal, small);
    if (bottom) label(ctx, `bottom pad ${g.padBottom}`, midX, inY + inH + 11, "center", pal, small);
    if (left) label(ctx, `left pad ${g.padLeft}`, inX - 11, midY, "center", pal, small, -Math.PI / 2);
    if (right) label(ctx, `right pad ${g.padRight}`, inX + inW + 11, midY, "center", pal, small, Math.PI / 2);
  } else {
    if (left) label(ctx, `left pad ${g.padLeft}`, inX, inY - 10, "left", pal, small);
    if (right) label(ctx, `right pad ${g.padRight}`, inX + inW, inY - 10, "right", pal, small);
  }
}

/** The view's box in an overview. @param {CanvasRenderingContext2D} ctx @param {Box} ov */
function markView(ctx, ov, rows, cols, r0, c0, lenR, lenC, pal) {
  const sx = ov.w / cols, sy = ov.h / rows;
  for (const [color, width] of [[pal.background, 3], [pal.text, 1.5]]) {
    ctx.strokeStyle = color;
    ctx.lineWidth = width;
    ctx.strokeRect(ov.x + c0 * sx, ov.y + r0 * sy, Math.max(2, lenC * sx), Math.max(2, lenR * sy));
  }
}

/** One frame: the background of the current views, then the window, the output so far and the markers. */
function drawFrame(state) {
  const { g, L, pal, dpr, canvas, base } = state;
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.drawImage(base, 0, 0);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const { cw, ch, inX, inY, outX, outY, V } = L;
  const s = state.step;
  const { r0, c0, or0, oc0 } = state.origins;
  const lenR = V.outR.length, lenC = V.outC.length;
  // computed output cells: steps are C-order, so the done cells are full rows plus part of one row
  const fullRows = Math.floor(s / g.outCols), rest = s % g.outCols;
  ctx.fillStyle = pal.output_done;
  const doneRows = Math.min(Math.max(fullRows - or0, 0), lenR);
  ctx.fillRect(outX, outY, lenC * cw, doneRows * ch);
  if (fullRows >= or0 && fullRows < or0 + lenR) {
    ctx.fillRect(outX, outY + (fullRows - or0) * ch, Math.min(Math.max(rest - oc0, 0), lenC) * cw, ch);
  }
  gridLines(ctx, outX, outY, lenR, lenC, cw, ch, pal.grid_line, dpr);
  const curR = fullRows - or0, curC = rest - oc0; // inside the output view by construction
  const minW = Math.max(cw, 1), minH = Math.max(ch, 1);
  ctx.fillStyle = pal.output_current;
  ctx.fillRect(outX + curC * cw, outY + curR * ch, minW, minH);
  // the window: taps filled (a dilated kernel's gaps stay empty), its span outlined
  const pr0 = g.originRow[s] + g.padTop, pc0 = g.originCol[s] + g.padLeft;
  const vr = pr0 - r0, vc = pc0 - c0; // window's first tap in view coordinates
  ctx.save();
  clipRect(ctx, inX, inY, V.inC.length * cw, V.inR.length * ch);
  ctx.fillStyle = pal.tap;
  for (let t = 0; t < g.numTaps; t++) {
    ctx.fillRect(inX + (vc + g.tapCol[t]) * cw, inY + (vr + g.tapRow[t]) * ch, minW, minH);
  }
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.fillStyle = state.pattern;
  for (let t = 0; t < g.numTaps; t++) {
    const pr = pr0 + g.tapRow[t], pc = pc0 + g.tapCol[t];
    if (!isPaddingCell(g, pr, pc)) continue;
    ctx.fillRect(Math.round((inX + (pc - c0) * cw) * dpr), Math.round((inY + (pr - r0) * ch) * dpr),
      Math.max(1, Math.round(cw * dpr)), Math.max(1, Math.round(ch * dpr)));
  }
  ctx.restore();
  gridLines(ctx, inX + vc * cw, inY + vr * ch, g.keffRows, g.keffCols, cw, ch, pal.grid_line, dpr);
  const wx = inX + vc * cw, wy = inY + vr * ch, ww = g.keffCols * cw, wh = g.keffRows * ch;
  // outlines with a halo in the background colour, so they stand out on any cell colour, even at 1 px cells
  for (const [color, width] of [[pal.background, 4], [pal.window, 2]]) {
    ctx.strokeStyle = color;
    ctx.lineWidth = width;
    ctx.strokeRect(wx - 1, wy - 1, ww + 2, wh + 2);
    ctx.strokeRect(outX + curC * cw - 1, outY + curR * ch - 1, minW + 2, minH + 2);
  }
  // a thin connector from the window to the cell it writes (not across an overview drawn between them)
  const crossesOverview = L.inOv && (L.stacked || g.rank === 1);
  ctx.save();
  ctx.strokeStyle = pal.window;
  ctx.globalAlpha = crossesOverview ? 0 : 0.55;
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
  // overview markers: the view's box, the window, the output computed so far
  if (L.inOv) {
    const ov = L.inOv, sx = ov.w / g.C, sy = ov.h / g.R;
    markView(ctx, ov, g.R, g.C, r0, c0, V.inR.length, V.inC.length, pal);
    ctx.fillStyle = pal.window;
    ctx.fillRect(ov.x + pc0 * sx, ov.y + pr0 * sy, Math.max(2, g.keffCols * sx), Math.max(2, g.keffRows * sy));
  }
  if (L.outOv) {
    const ov = L.outOv, sx = ov.w / g.outCols, sy = ov.h / g.outRows;
    ctx.fillStyle = pal.output_done;
    ctx.fillRect(ov.x, ov.y, ov.w, fullRows * sy);
    ctx.fillRect(ov.x, ov.y + fullRows * sy, rest * sx, sy);
    markView(ctx, ov, g.outRows, g.outCols, or0, oc0, lenR, lenC, pal);
    ctx.fillStyle = pal.output_current;
    ctx.fillRect(ov.x + rest * sx, ov.y + fullRows * sy, Math.max(2, sx), Math.max(2, sy));
  }
  if (g.numbers && cw >= NUMBERS_MIN_CELL && ch >= 14) drawNumbers(ctx, state, pr0, pc0, s);
}

/** Numbers mode: the values under the window, the weights, the outputs computed so far (Python's texts).
 * @param {CanvasRenderingContext2D} ctx */
function drawNumbers(ctx, state, pr0, pc0, s) { // every value fits its cell (fillText's maxWidth narrows a long one)
  const { g, L, fontFamily } = state;
  const { cw, ch, inX, inY, outX, outY, V } = L;
  const { r0, c0, or0, oc0 } = state.origins;
  ctx.save();
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  ctx.fillStyle = state.pal.text;
  const big = Math.min(14, Math.floor(ch * 0.42));
  for (let t = 0; t < g.numTaps; t++) {
    const pr = pr0 + g.tapRow[t], pc = pc0 + g.tapCol[t];
    const x = inX + (pc - c0 + 0.5) * cw, y = inY + (pr - r0 + 0.5) * ch;
    if (!(isPaddingCell(g, pr, pc) && g.numbers.pool)) {
      ctx.font = `bold ${big}px ${fontFamily}`;
      ctx.fillText(cellText(g, pr, pc), x, g.numbers.pool ? y : y - ch * 0.14, cw - 2);
    }
    if (!g.numbers.pool && ch >= 24) {
      ctx.font = `${Math.max(8, Math.floor(ch * 0.28))}px ${fontFamily}`;
      ctx.fillText(`×${g.wText[t]}`, x, y + ch * 0.26, cw - 2);
    }
  }
  const done = Math.min(s + 1, g.numSteps);
  const lenR = V.outR.length, lenC = V.outC.length;
  if (lenR * lenC <= 2500) {
    ctx.font = `${big}px ${fontFamily}`;
    for (let r = or0; r < or0 + lenR; r++) {
      for (let c = oc0; c < oc0 + lenC; c++) {
        const i = r * g.outCols + c;
        if (i >= done) break;
        ctx.fillText(g.yText[i], outX + (c - oc0 + 0.5) * cw, outY + (r - or0 + 0.5) * ch, cw - 2);
      }
    }
  }
  ctx.restore();
}

// ----------------------------------------------------------------------------------------- depth view
// The same rules as convkit.render._traversal_depth (DepthModel) and traversal_words.depth_step_sentence.

const MAX_CHANNEL_TERMS = 8;
const LIVE_EVERY_MS = 1000; // the live region speaks at most once a second while playing

/** Python's fmt: a whole number as such when every value is whole, else 3 significant digits ("%.3g").
 * @param {number} v @param {boolean} whole */
export function fmtNumber(v, whole) {
  if (whole && Number.isInteger(v)) return String(v === 0 ? 0 : v);
  if (!Number.isFinite(v)) return Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
  if (v === 0) return Object.is(v, -0) ? "-0" : "0";
  const [mant, e] = v.toExponential(2).split("e");
  const exp = Number(e);
  if (exp < -4 || exp >= 3) {
    return `${mant.replace(/\.?0+$/, "")}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  const fixed = v.toFixed(2 - exp);
  return fixed.includes(".") ? fixed.replace(/\.?0+$/, "") : fixed;
}

/** Which of `total` planes are drawn (the ones in use first) and how many are left out.
 * @param {number} total @param {number} start @param {number} reads @param {number} max @returns {[number[], number]} */
export function shownPlanes(total, start, reads, max) {
  const range = (/** @type {number} */ a, /** @type {number} */ n) => Array.from({ length: n }, (_, i) => a + i);
  if (total <= max) return [range(0, total), 0];
  if (reads > max) return [[...range(start, max - 2), start + reads - 2, start + reads - 1], total - max];
  const lo = Math.min(Math.max(0, start - Math.floor((max - reads) / 2)), total - max);
  return [range(lo, max), total - max];
}

/** @param {number} hidden @param {string} what */
const moreText = (hidden, what) => (hidden ? `… ${hidden} more ${hidden === 1 ? what.slice(0, -1) : what}` : "");

/** The depth view's data: header entry plus the values (input, weights, bias) when numbers are on.
 * @param {Model} model @param {any} h */
function readDepth(model, h) {
  const dv = h.depth_view;
  if (!dv) return null;
  const D = { ...dv, x: null, w: null, b: null };
  if (dv.numbers) {
    const all = typed(model.get("depth"), dv.dtype);
    const [nx, nw] = dv.counts;
    D.x = all.subarray(0, nx); D.w = all.subarray(nx, nx + nw); D.b = all.subarray(nx + nw);
  }
  return D;
}

/** @param {any} D @param {number} plane */
function startOf(D, plane) {
  if (D.kind === "depthwise" || D.kind === "separable") return Math.floor(plane / D.depth_multiplier);
  if (D.kind === "pool") return plane;
  if (D.kind === "grouped") return Math.floor(plane / (D.output_depth / D.groups)) * D.reads;
  return 0;
}

/** The flat input cell of every tap of step s, -1 on padding (pointwise: the output cell).
 * @param {any} D @param {any} g @param {number} s */
function depthCells(D, g, s) {
  if (D.kind === "pointwise") return Int32Array.of(s);
  const cells = new Int32Array(g.numTaps);
  for (let t = 0; t < g.numTaps; t++) {
    const r = g.originRow[s] + g.tapRow[t], c = g.originCol[s] + g.tapCol[t];
    cells[t] = r < 0 || r >= g.inRows || c < 0 || c >= g.inCols ? -1 : r * g.inCols + c;
  }
  return cells;
}

/** One multiply-sum (pooling: max / mean) per channel `plane` reads, in tap order, as Python sums them.
 * @param {any} D @param {any} g @param {number} s @param {number} plane @returns {number[] | null} */
export function depthPartials(D, g, s, plane) {
  if (!D.x) return null;
  const cells = depthCells(D, g, s), C = D.in_channels, start = startOf(D, plane), out = [];
  const taps = cells.length;
  for (let j = 0; j < D.reads; j++) {
    const ch = start + j;
    if (D.kind === "pool") {
      let best = -Infinity, total = 0, n = 0;
      for (const c of cells) if (c >= 0) { const v = D.x[c * C + ch]; total += v; n++; if (v > best) best = v; }
      out.push(D.operation === "max" ? best : total / n);
      continue;
    }
    const base = (plane * D.reads + j) * taps;
    let total = 0;
    for (let t = 0; t < taps; t++) if (cells[t] >= 0) total += D.x[cells[t] * C + ch] * D.w[base + t];
    out.push(total);
  }
  return out;
}

/** The depth narration of step s for output plane `plane` (Python: Payload.depth_sentence).
 * @param {any} D @param {any} g @param {number} s @param {number} plane */
export function depthSentence(D, g, s, plane) {
  const index = unravel(s, g.h.output_size);
  const cell = `output[${index.join(", ")}]`;
  const m = Math.max(1, D.depth_multiplier), start = startOf(D, plane);
  const channels = Array.from({ length: D.reads }, (_, i) => start + i);
  let head = `${cell}, filter ${plane}`;
  if (D.kind === "pool") head = `${cell}, channel ${plane}`;
  else if (D.kind === "depthwise" || D.kind === "separable") {
    head = `${cell}, plane ${plane} (channel ${Math.floor(plane / m)}, kernel ${plane % m} of ${m})`;
  } else if (D.kind === "grouped") head = `${cell}, filter ${plane} (group g${Math.floor(start / D.reads)} of ${D.groups})`;
  else if (D.kind === "pointwise") head = `${cell}, filter ${plane} (pointwise 1×1, mixing depthwise outputs)`;
  const partials = depthPartials(D, g, s, plane);
  if (!partials) {
    if (D.kind === "pool") return `${head} reads channel ${plane} only: pooling keeps each channel apart (depth in = depth out)`;
    const span = channels.length === 1 ? `channel ${channels[0]}` : `channels ${channels[0]}–${channels[channels.length - 1]}`;
    return `${head} reads ${span} (kernel depth ${channels.length})`;
  }
  if (D.kind === "pool") {
    return `${head} = ${D.operation === "max" ? "max" : "mean"} of channel ${plane}'s window = `
      + `${fmtNumber(partials[0], D.whole)} (each channel alone)`;
  }
  const terms = channels.map((c, i) => `channel ${c}: ${fmtNumber(partials[i], D.whole)}`);
  let total = 0;
  for (const p of partials) total += p;
  const b = D.b ? D.b[plane] : 0;
  return `${head} = ${elide(terms, " + ", MAX_CHANNEL_TERMS)} + bias ${fmtNumber(b, D.whole)} = ${fmtNumber(total + b, D.whole)}`;
}

/** Sizes of the depth view for a stage `avail` px wide. @param {any} g @param {any} D @param {number} avail */
function depthLayout(g, D, avail) {
  const slots = D.max_planes + 1.2;
  const S = Math.max(28, Math.min(96, Math.floor((avail - 40) / slots) - 12));
  const ps = D.plane_size || [g.inRows, g.inCols];
  const aspect = g.rank === 2 ? ps[0] / ps[1] : 0;
  const H = g.rank === 2 ? Math.max(10, Math.round(S * Math.min(aspect, 1.5))) : 12;
  const oAspect = g.rank === 2 ? g.outRows / g.outCols : 0;
  const OH = g.rank === 2 ? Math.max(10, Math.round(S * Math.min(oAspect, 1.5))) : 12;
  const lift = 3; // each plane further back sits this much higher: a stack seen at an angle
  const inY = 40 + lift * D.max_planes, outY = inY + H + 62 + lift * D.max_planes;
  return { S, H, OH, gap: 12, x0: 16, inY, outY, lift, width: Math.max(avail, 200), height: outY + OH + 34 };
}

/** x of each drawn plane, with room for "…" where drawn planes are not neighbours. @param {number[]} planes */
function planeXs(planes, L) {
  const xs = [];
  let x = L.x0;
  planes.forEach((p, i) => {
    if (i > 0 && p !== planes[i - 1] + 1) x += 18;
    xs.push(x);
    x += L.S + L.gap;
  });
  return { xs, end: x };
}

/** The depth view of step s: input planes with the window's footprint on every plane the kernel reads (one
 * cuboid through them), and the output planes with the cell being computed.
 * `part` "base": what stays while the step moves (planes, labels); else the moving parts drawn over it.
 * @param {CanvasRenderingContext2D} ctx @param {any} st @param {string} part */
function drawDepth(ctx, st, part) {
  const { g, D, pal, fontFamily } = st, L = st.DL, s = st.step, f = st.filter;
  const base = part === "base";
  ctx.setTransform(st.dpr, 0, 0, st.dpr, 0, 0);
  ctx.textBaseline = "middle";
  const font = `12px ${fontFamily}`, small = `11px ${fontFamily}`;
  const start = startOf(D, f), [ins, hiddenIn] = shownPlanes(D.in_channels, start, D.reads, D.max_planes);
  const [outs, hiddenOut] = shownPlanes(D.output_depth, f, 1, D.max_planes);
  const reads = (/** @type {number} */ c) => c >= start && c < start + D.reads;
  const groupOf = (/** @type {number} */ c) => (D.kind === "grouped" ? Math.floor(c / D.reads) : -1);
  const outGroup = (/** @type {number} */ o) => (D.kind === "grouped" ? Math.floor(o / (D.output_depth / D.groups)) : -1);
  const inPos = planeXs(ins, L), outPos = planeXs(outs, L);
  if (base) {
    ctx.fillStyle = pal.background;
    ctx.fillRect(0, 0, L.width, L.height);
    const what = D.kind === "pool" ? "pool window" : D.kind === "pointwise" ? "1×1 kernel" : "kernel";
    ctx.fillStyle = pal.text;
    ctx.font = `bold ${font}`;
    ctx.textAlign = "left";
    const depthWord = D.kind === "pool" ? "each channel alone" : `${what} depth ${D.reads}`;
    const inWord = D.kind === "pointwise" ? "depthwise outputs" : D.in_channels > 1 ? "channels" : "channel";
    ctx.fillText(`input: ${D.in_channels} ${inWord} · ${depthWord}`
      + (hiddenIn ? ` · ${moreText(hiddenIn, "channels")}` : ""), L.x0, 14);
    for (let i = ins.length - 1; i >= 0; i--) { // back to front
      const c = ins[i], x = inPos.xs[i], y = L.inY - i * L.lift, on = reads(c);
      ctx.globalAlpha = on ? 1 : 0.5;
      ctx.fillStyle = pal.input_cell;
      ctx.fillRect(x, y, L.S, L.H);
      const gi = groupOf(c);
      ctx.strokeStyle = gi >= 0 ? D.group_colors[gi % D.group_colors.length] : pal.grid_line;
      ctx.lineWidth = gi >= 0 ? 3 : 1;
      if (gi >= 0 && gi % 2 === 1) ctx.setLineDash([5, 3]); // pattern as well as colour
      ctx.strokeRect(x + 0.5, y + 0.5, L.S - 1, L.H - 1);
      ctx.setLineDash([]);
      ctx.globalAlpha = 1;
      ctx.fillStyle = pal.text;
      ctx.font = small;
      ctx.textAlign = "center";
      ctx.fillText(L.S >= 64 ? `ch ${c}` : `${c}`, x + L.S / 2, L.inY + L.H + 10);
      if (gi >= 0) { ctx.textAlign = "left"; ctx.fillText(`g${gi}`, x + 5, y + 10); ctx.textAlign = "center"; }
      if (i > 0 && c !== ins[i - 1] + 1) ctx.fillText("…", x - 12, y + L.H / 2);
    }
    const outWord = D.kind === "pool" ? "channels (depth in = depth out)"
      : D.kind === "conv" || D.kind === "grouped" || D.kind === "pointwise"
      ? "filters, one plane each" : `planes (${D.in_channels} channels × depth_multiplier ${D.depth_multiplier})`;
    ctx.textAlign = "left";
    ctx.font = `bold ${font}`;
    ctx.fillStyle = pal.text;
    ctx.fillText(`output: ${D.output_depth} ${outWord}` + (hiddenOut ? ` · ${moreText(hiddenOut, "planes")}` : "")
      + (st.allFilters ? " · all filters" : ""), L.x0, L.outY - D.max_planes * L.lift - 14);
    for (let i = outs.length - 1; i >= 0; i--) {
      const o = outs[i], x = outPos.xs[i], y = L.outY - i * L.lift, sel = o === f;
      ctx.fillStyle = pal.output_cell;
      ctx.fillRect(x, y, L.S, L.OH);
      const gi = outGroup(o);
      ctx.strokeStyle = sel ? pal.window : gi >= 0 ? D.group_colors[gi % D.group_colors.length] : pal.grid_line;
      ctx.lineWidth = sel ? 3 : gi >= 0 ? 2 : 1;
      if (!sel && gi >= 0 && gi % 2 === 1) ctx.setLineDash([5, 3]);
      ctx.strokeRect(x + 0.5, y + 0.5, L.S - 1, L.OH - 1);
      ctx.setLineDash([]);
      ctx.fillStyle = pal.text;
      ctx.font = sel ? `bold ${small}` : small;
      ctx.textAlign = "center";
      const name = D.kind === "pool" ? "ch" : ["conv", "grouped", "pointwise"].includes(D.kind) ? "filter" : "plane";
      ctx.fillText(`${sel ? "▸ " : ""}${L.S >= 64 ? `${name} ` : ""}${o}`, x + L.S / 2, L.outY + L.OH + 10);
      if (gi >= 0) { ctx.textAlign = "left"; ctx.fillText(`g${gi}`, x + 5, y + 10); ctx.textAlign = "center"; }
      if (i > 0 && o !== outs[i - 1] + 1) ctx.fillText("…", x - 12, y + L.OH / 2);
    }
    return { ins, outs, hiddenIn, hiddenOut };
  }
  // the moving parts: the window's footprint on every plane read, in plane pixels (clipped to the plane)
  const pw = D.kind === "pointwise"; // a 1×1 window on the depthwise outputs, at the cell being computed
  const pRows = pw ? g.outRows : g.inRows, pCols = pw ? g.outCols : g.inCols;
  const pr = pw ? Math.floor(s / g.outCols) : g.originRow[s], pc = pw ? s % g.outCols : g.originCol[s];
  const kr = pw ? 1 : g.keffRows, kc = pw ? 1 : g.keffCols;
  const sx = L.S / pCols, sy = L.H / (g.rank === 2 ? pRows : 1);
  const fx0 = Math.max(0, pc) * sx, fx1 = Math.min(pCols, pc + kc) * sx;
  const fy0 = g.rank === 2 ? Math.max(0, pr) * sy : 0, fy1 = g.rank === 2 ? Math.min(pRows, pr + kr) * sy : L.H;
  const fw = Math.max(2, fx1 - fx0), fh = Math.max(2, fy1 - fy0);
  const partials = depthPartials(D, g, s, f);
  /** @type {number[][]} */
  const corners = [];
  ctx.font = small;
  ctx.textAlign = "center";
  for (let i = ins.length - 1; i >= 0; i--) {
    const c = ins[i];
    if (!reads(c)) continue;
    const x = inPos.xs[i], y = L.inY - i * L.lift;
    ctx.fillStyle = pal.tap;
    ctx.fillRect(x + fx0, y + fy0, fw, fh);
    ctx.strokeStyle = pal.window;
    ctx.lineWidth = 2;
    ctx.strokeRect(x + fx0, y + fy0, fw, fh);
    corners.push([x + fx0, y + fy0, x + fx0 + fw, y + fy0 + fh]);
    if (partials) {
      ctx.fillStyle = pal.text;
      ctx.fillText(`${D.kind === "pool" ? "" : "Σ "}${fmtNumber(partials[c - start], D.whole)}`, x + L.S / 2,
        L.inY + L.H + 24);
    }
  }
  if (corners.length > 1) { // the cuboid: the footprints of the first and last plane read, joined
    const a = corners[corners.length - 1], b = corners[0];
    ctx.strokeStyle = pal.window;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    for (const [i, j] of [[0, 1], [2, 1], [0, 3], [2, 3]]) { ctx.moveTo(a[i], a[j]); ctx.lineTo(b[i], b[j]); }
    ctx.stroke();
  }
  const ox = L.S / g.outCols, oy = L.OH / (g.rank === 2 ? g.outRows : 1);
  const fullRows = Math.floor(s / g.outCols), rest = s % g.outCols;
  let target = null;
  for (let i = outs.length - 1; i >= 0; i--) {
    const o = outs[i], x = outPos.xs[i], y = L.outY - i * L.lift, sel = o === f;
    if (!sel && !st.allFilters) continue;
    ctx.fillStyle = pal.output_done;
    ctx.fillRect(x + 1.5, y + 1.5, L.S - 3, Math.min(fullRows * oy, L.OH - 3));
    ctx.fillRect(x + 1.5, y + fullRows * oy, rest * ox, oy);
    ctx.fillStyle = pal.output_current;
    ctx.fillRect(x + rest * ox, y + fullRows * oy, Math.max(2, ox), Math.max(2, oy));
    if (sel) target = [x + (rest + 0.5) * ox, y + (fullRows + 0.5) * oy];
  }
  if (target && corners.length) { // from the cuboid to the cell it writes
    const c = corners[0];
    ctx.save();
    ctx.strokeStyle = pal.window;
    ctx.globalAlpha = 0.7;
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    ctx.moveTo((c[0] + c[2]) / 2, c[3]);
    ctx.lineTo(target[0], target[1]);
    ctx.stroke();
    ctx.restore();
  }
  return { ins, outs, hiddenIn, hiddenOut };
}

// --------------------------------------------------------------------------------------------- DOM

/** @param {string} tag @param {string} [cls] @param {string} [text] @returns {any} */
function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** @param {string} cls @param {string} text @param {string} title @returns {HTMLButtonElement} */
function button(cls, text, title) {
  const b = el("button", `ck-button ${cls}`, text);
  b.type = "button";
  b.title = title;
  b.setAttribute("aria-label", title);
  return b;
}

/** @param {string} cls @param {string} text */
function checkbox(cls, text) {
  const box = el("label", `${cls}-label`);
  const input = el("input", cls);
  input.type = "checkbox";
  box.append(input, el("span", "", ` ${text}`));
  return { box, input };
}

/** The widget's DOM: toolbar, stage with the canvas, message line, text lines. @param {HTMLElement} host */
function buildDom(host) {
  const root = el("div", "convkit-widget convkit-traversal");
  root.tabIndex = 0;
  root.setAttribute("data-lm-suppress-shortcuts", "true"); // JupyterLab leaves our keys alone
  root.setAttribute("role", "group");
  root.setAttribute("aria-label", "kernel traversal animation");
  const d = {
    root,
    first: button("ck-first", "|◀", "first step (Home)"),
    back: button("ck-back", "◀", "step back (←)"),
    play: button("ck-play", PLAY, "play / pause (space)"),
    fwd: button("ck-forward", "▶", "step forward (→)"),
    last: button("ck-last", "▶|", "last step (End)"),
    scrub: el("input", "ck-scrubber"),
    stepText: el("span", "ck-step-text"),
    speed: el("input", "ck-speed"),
    loop: checkbox("ck-loop", "loop"),
    cov: checkbox("ck-coverage", "never-read cells"),
    follow: checkbox("ck-follow", "follow kernel"),
    zoomOut: button("ck-zoom-out", "−", "zoom out"),
    zoomFit: button("ck-zoom-fit", "fit", "fit to width"),
    zoomIn: button("ck-zoom-in", "+", "zoom in"),
    zoomText: el("span", "ck-zoom-text"),
    stage: el("div", "ck-stage"),
    canvas: /** @type {HTMLCanvasElement} */ (el("canvas", "ck-canvas")),
    message: el("div", "ck-message"),
    title: el("div", "ck-title"),
    formula: el("div", "ck-formula"),
    depth: el("div", "ck-depth"),
    stepInfo: el("div", "ck-step-info"),
    sum: el("div", "ck-sum"),
    covInfo: el("div", "ck-coverage-info"),
    depthBox: el("div", "ck-depth-view"),
    depthBar: el("div", "ck-depth-bar"),
    filter: el("input", "ck-filter"),
    filterMax: el("span", "ck-filter-max"),
    allFilters: checkbox("ck-all-filters", "all filters"),
    phase: el("select", "ck-phase"),
    phaseBox: el("label", "ck-phase-label"),
    depthStage: el("div", "ck-depth-stage"),
    depthCanvas: /** @type {HTMLCanvasElement} */ (el("canvas", "ck-depth-canvas")),
    depthText: el("div", "ck-depth-sum"),
    live: el("div", "ck-live"),
  };
  d.scrub.type = "range"; d.scrub.min = "0"; d.scrub.step = "1";
  d.scrub.setAttribute("aria-label", "step");
  d.speed.type = "number"; d.speed.min = String(MIN_SPEED); d.speed.max = String(MAX_SPEED); d.speed.step = "any";
  d.speed.title = "speed in steps per second";
  const speedBox = el("label", "ck-speed-label");
  speedBox.append(d.speed, el("span", "", " steps/s"));
  d.follow.input.checked = true;
  d.follow.box.title = "show a zoomed view that follows the kernel, with the whole map as a small overview";
  const bar = el("div", "ck-toolbar");
  bar.append(d.first, d.back, d.play, d.fwd, d.last, d.scrub, d.stepText, speedBox, d.loop.box, d.cov.box,
    d.follow.box, d.zoomOut, d.zoomFit, d.zoomIn, d.zoomText);
  d.stage.append(d.canvas);
  d.message.setAttribute("role", "alert");
  const info = el("div", "ck-info");
  info.append(d.title, d.formula, d.depth, d.stepInfo, d.sum, d.covInfo);
  d.filter.type = "number"; d.filter.min = "0"; d.filter.step = "1";
  d.filter.title = "the output plane being computed ([ and ] step through them)";
  d.filter.setAttribute("aria-label", "filter being computed");
  const filterBox = el("label", "ck-filter-label");
  filterBox.append(el("span", "ck-filter-name", "filter "), d.filter, d.filterMax);
  d.allFilters.box.title = "show every filter making its own output plane";
  for (const [value, text] of [["depthwise", "depthwise (each channel its own kernel)"],
    ["pointwise", "pointwise (1×1 mixing the channels)"]]) {
    const option = el("option", "", text);
    option.value = value;
    d.phase.append(option);
  }
  d.phase.setAttribute("aria-label", "phase of the separable convolution");
  d.phaseBox.append(el("span", "", "phase "), d.phase);
  d.depthBar.append(filterBox, d.allFilters.box, d.phaseBox);
  d.depthStage.append(d.depthCanvas);
  d.depthCanvas.setAttribute("role", "img");
  d.live.setAttribute("role", "status");
  d.live.setAttribute("aria-live", "polite");
  d.live.setAttribute("aria-atomic", "true");
  d.depthBox.append(d.depthBar, d.depthStage, d.depthText, d.live);
  root.append(bar, d.stage, d.depthBox, d.message, info);
  host.append(root);
  return d;
}

/** Controls that are switched off say why: each gets aria-describedby pointing at its reason, which the Python
 * side writes as <div class="ck-reason" data-for="<setting>"> into the box's .ck-disabled-reasons line.
 * @param {HTMLElement} host @param {HTMLElement} root @returns {() => void} cleanup */
function describeDisabledControls(host, root) {
  const uid = Math.random().toString(36).slice(2, 9);
  /** @type {Element | null} */
  let box = null;
  /** @type {MutationObserver | null} */
  let watch = null;
  let queued = false;
  function wire() {
    queued = false;
    if (!box) return;
    /** @type {Record<string, string>} */
    const ids = {};
    for (const r of box.querySelectorAll(".ck-disabled-reasons .ck-reason[data-for]")) {
      const reason = /** @type {HTMLElement} */ (r);
      if (!reason.id) reason.id = `ck-reason-${uid}-${reason.dataset.for}`;
      ids[/** @type {string} */ (reason.dataset.for)] = reason.id;
    }
    for (const name of DESCRIBED) {
      for (const input of box.querySelectorAll(`.ck-control-${name} input, .ck-control-${name} select`)) {
        if (ids[name]) input.setAttribute("aria-describedby", ids[name]);
        else input.removeAttribute("aria-describedby");
      }
    }
  }
  function find(tries) { // the canvas view is attached inside the widget's box a little after render()
    box = host.closest(".convkit-traversal-box");
    if (box) {
      watch = new MutationObserver((records) => {
        if (queued || !records.some((r) => !root.contains(r.target))) return; // our own texts: not controls
        queued = true;
        requestAnimationFrame(wire);
      });
      watch.observe(box, { childList: true, subtree: true, characterData: true });
      wire();
    } else if (tries > 0) requestAnimationFrame(() => find(tries - 1));
  }
  find(240);
  return () => { if (watch) watch.disconnect(); };
}

// -------------------------------------------------------------------------------------------- player

/** Playback, stepping and the step synced back to Python (once per pause or scrub, never while playing).
 * @param {Model} model @param {ViewState} state @param {any} d @param {() => void} draw redraws the frame
 * @param {() => void} shown records what is shown (data attributes) */
function createPlayer(model, state, d, draw, shown) {
  let raf = 0, lastTime = 0, carry = 0, syncTimer = 0;
  const ready = () => state.g && !state.g.tooLarge;

  function setStep(s) { if (ready()) state.step = Math.min(Math.max(0, s), state.g.numSteps - 1); }

  function syncNow() {
    clearTimeout(syncTimer); syncTimer = 0;
    if (model.get("step") !== state.step) { model.set("step", state.step); model.save_changes(); }
  }

  function syncSoon() { // coalesce a burst of key presses / clicks into one message
    clearTimeout(syncTimer);
    syncTimer = setTimeout(syncNow, SYNC_DELAY_MS);
  }

  function follow() { // keep the window in the visible part of the stage when the canvas is wider than it
    if (state.zoom === 0 || !state.L || !state.origins) return;
    const { g, L } = state, stage = d.stage;
    const x = L.inX + (g.originCol[state.step] + g.padLeft - state.origins.c0) * L.cw;
    const y = L.inY + (g.originRow[state.step] + g.padTop - state.origins.r0) * L.ch;
    if (x < stage.scrollLeft || x > stage.scrollLeft + stage.clientWidth - 40) stage.scrollLeft = x - 40;
    if (y < stage.scrollTop || y > stage.scrollTop + stage.clientHeight - 40) stage.scrollTop = y - 40;
  }

  function tick(time) {
    raf = 0;
    if (!state.playing) return;
    const g = state.g;
    const dt = Math.min(0.25, Math.max(0, (time - lastTime) / 1000));
    lastTime = time;
    carry += dt * state.speed;
    const n = Math.floor(carry);
    if (n > 0) {
      carry -= n;
      let s = state.step + n;
      if (s >= g.numSteps) {
        if (d.loop.input.checked) s %= g.numSteps;
        else { state.step = g.numSteps - 1; draw(); pause(true); return; }
      }
      state.step = s;
    }
    draw();
    follow();
    raf = requestAnimationFrame(tick);
  }

  function start() {
    if (!ready() || state.playing) return;
    clearTimeout(syncTimer); syncTimer = 0;
    if (state.step >= state.g.numSteps - 1) state.step = 0;
    state.playing = true;
    d.play.textContent = PAUSE;
    carry = 0;
    lastTime = performance.now();
    shown();
    raf = requestAnimationFrame(tick);
  }

  function pause(sync) {
    const was = state.playing;
    state.playing = false;
    if (raf) cancelAnimationFrame(raf);
    raf = 0;
    d.play.textContent = PLAY;
    shown();
    if (was && sync) syncNow();
  }

  function stepBy(n) { pause(false); setStep(state.step + n); draw(); follow(); syncSoon(); }
  function goTo(s) { pause(false); setStep(s); draw(); syncSoon(); }
  const toggle = () => (state.playing ? pause(true) : start());

  const on = (node, type, fn) => node.addEventListener(type, fn);
  on(d.play, "click", toggle);
  on(d.back, "click", () => stepBy(-1));
  on(d.fwd, "click", () => stepBy(1));
  on(d.first, "click", () => goTo(0));
  on(d.last, "click", () => goTo(Infinity));
  on(d.scrub, "input", () => { pause(false); setStep(Number(d.scrub.value)); draw(); });
  on(d.scrub, "change", () => syncNow());
  on(d.speed, "change", () => { // a typed speed is used as typed or refused with the reason, never clamped
    const text = d.speed.value.trim();
    const v = Number(text);
    if (text === "" || !Number.isFinite(v) || v < MIN_SPEED || v > MAX_SPEED) {
      d.speed.classList.add("ck-invalid");
      d.speed.setAttribute("aria-invalid", "true");
      d.message.textContent = `speed must be a number of steps per second from ${MIN_SPEED} to ${MAX_SPEED}; `
        + `playback keeps ${state.speed} steps/s. Received: ${JSON.stringify(text)}`;
      return;
    }
    d.speed.classList.remove("ck-invalid");
    d.speed.removeAttribute("aria-invalid");
    if (!(state.g && state.g.tooLarge)) d.message.textContent = "";
    state.speed = v;
  });
  on(d.root, "keydown", (/** @type {KeyboardEvent} */ event) => {
    const target = /** @type {HTMLInputElement | null} */ (event.target);
    if (target && target.tagName === "INPUT" && (target.type === "number" || target.type === "range")) return;
    /** @type {Record<string, () => void>} */
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
  return { setStep, pause, stop: () => { pause(false); clearTimeout(syncTimer); } };
}

// ----------------------------------------------------------------------------------------- observers

/** Python -> browser: new settings rebuild the geometry; step, loop, coverage and speed update the view.
 * @param {Model} model @param {Record<string, () => void>} handlers @returns {() => void} cleanup */
function observeModel(model, handlers) {
  const names = ["header", "origins", "offsets", "coverage", "texts", "depth"];
  const pairs = [...names.map((n) => [`change:${n}`, handlers.geometry]),
    ["change:step", handlers.step], ["change:loop", handlers.loop], ["change:show_coverage", handlers.coverage],
    ["change:speed", handlers.speed], ["change:filter", handlers.filter],
    ["change:show_filters", handlers.showFilters]];
  for (const [event, fn] of pairs) model.on(/** @type {string} */ (event), /** @type {Function} */ (fn));
  return () => { for (const [event, fn] of pairs) model.off(/** @type {string} */ (event), /** @type {Function} */ (fn)); };
}

// -------------------------------------------------------------------------------------------- render

/** @param {{model: Model, el: HTMLElement}} args */
function render({ model, el: host }) {
  const d = buildDom(host);
  const unwire = describeDisabledControls(host, d.root);
  /** @type {ViewState} */
  const state = {
    g: null, L: null, pal: null, dpr: 1, canvas: d.canvas, base: document.createElement("canvas"), pattern: null,
    step: 0, playing: false, zoom: 0, frames: 0, fontFamily: "sans-serif", follow: true, origins: null,
    baseKey: "", speed: 1, baseDraws: 0, map: null, overview: null,
    D: null, DL: null, filter: 0, allFilters: false, depthShown: null, liveAt: 0, liveTimer: 0,
  };
  let rebuildQueued = false, layoutQueued = false, lastWidth = -1, shownStep = -1;

  const darkTheme = () => document.body && document.body.dataset.jpThemeLight === "false";
  const palette = () => {
    const p = state.g && state.g.h.palette;
    return p ? (darkTheme() ? p.dark : p.light) : null;
  };

  function setAttrs() { // what the widget shows, for tests and curious readers
    const ds = d.root.dataset;
    ds.step = String(state.step);
    ds.numSteps = String(state.g && !state.g.tooLarge ? state.g.numSteps : 0);
    ds.playing = String(state.playing);
    ds.frames = String(state.frames);
    if (state.L && state.origins) {
      const { V } = state.L, o = state.origins, g = state.g, s = state.step;
      ds.viewInput = [o.r0, o.c0, V.inR.length, V.inC.length].join(",");
      ds.viewOutput = [o.or0, o.oc0, V.outR.length, V.outC.length].join(",");
      ds.baseDraws = String(state.baseDraws);
      ds.window = [g.originRow[s] + g.padTop, g.originCol[s] + g.padLeft, g.keffRows, g.keffCols].join(",");
    }
    if (!state.playing && depthOn() && state.DL) refreshDepthText(); // paused: the sentence of this step
    if (!state.playing && state.liveTimer) speak(true); // paused: say the step now
    ds.filter = String(state.filter);
    ds.allFilters = String(state.allFilters);
    const shownD = state.depthShown;
    if (shownD) {
      ds.depthInput = shownD.ins.join(",");
      ds.depthOutput = shownD.outs.join(",");
      ds.depthHidden = `${shownD.hiddenIn},${shownD.hiddenOut}`;
    }
  }

  const depthOn = () => !!(state.D && state.g && !state.g.tooLarge && !d.depthBox.hidden);

  function speak(now) { // the live region: at most once a second while playing, at once when paused or stepped
    clearTimeout(state.liveTimer); state.liveTimer = 0;
    const text = d.depthText.textContent || "";
    if (!state.playing || now) { if (d.live.textContent !== text) d.live.textContent = text; state.liveAt = performance.now(); return; }
    const wait = LIVE_EVERY_MS - (performance.now() - state.liveAt);
    if (wait <= 0) { d.live.textContent = text; state.liveAt = performance.now(); }
    else state.liveTimer = setTimeout(() => speak(true), wait);
  }

  let depthBaseKey = "", depthTextAt = 0;
  const depthBase = document.createElement("canvas");

  function drawDepthView() {
    if (!depthOn() || !state.DL) return;
    const ctx = /** @type {CanvasRenderingContext2D} */ (d.depthCanvas.getContext("2d"));
    const key = `${state.filter},${state.allFilters},${d.depthCanvas.width},${d.depthCanvas.height},${state.pal && state.pal.background}`;
    if (key !== depthBaseKey) { // planes and labels: drawn once per filter / layout / theme
      depthBaseKey = key;
      depthBase.width = d.depthCanvas.width;
      depthBase.height = d.depthCanvas.height;
      state.depthShown = drawDepth(/** @type {CanvasRenderingContext2D} */ (depthBase.getContext("2d")), state, "base");
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(depthBase, 0, 0);
    drawDepth(ctx, state, "frame");
    const now = performance.now();
    if (state.playing && now - depthTextAt < 100) return; // the sentence: 10 times a second while playing
    depthTextAt = now;
    refreshDepthText();
  }

  function refreshDepthText() {
    const text = depthSentence(state.D, state.g, state.step, state.filter);
    if (d.depthText.textContent !== text) {
      d.depthText.textContent = text;
      d.depthCanvas.setAttribute("aria-label", `depth view: ${text}`);
      speak(false);
    }
  }

  function setFilter(f, sync) {
    const D = state.D;
    if (!D) return;
    state.filter = Math.min(Math.max(0, f | 0), D.output_depth - 1);
    d.filter.value = String(state.filter);
    d.filter.classList.remove("ck-invalid");
    d.filter.removeAttribute("aria-invalid");
    draw();
    if (sync && model.get("filter") !== state.filter) { model.set("filter", state.filter); model.save_changes(); }
  }

  function updateTexts() {
    const g = state.g;
    if (!g || g.tooLarge || shownStep === state.step) return;
    d.scrub.value = String(state.step);
    d.stepText.textContent = `${state.step + 1} / ${g.numSteps}`;
    d.stepInfo.textContent = fillStep(g.sentences.step, state.step);
    if (g.numbers) d.sum.textContent = fillSum(g.sentences.sum, state.step, g.xText, g.wText, g.yText);
    shownStep = state.step;
  }

  function paintBase() { // the background of the current views: redrawn only when a view moves to a new page
    const { g, L } = state;
    state.origins = viewOrigins(g, L.V, state.step);
    const o = state.origins;
    const key = `${o.r0},${o.c0},${o.or0},${o.oc0}`;
    if (key === state.baseKey) return;
    state.baseKey = key;
    drawBase(state.base, g, L, state.pal, state.dpr,
      { showCoverage: !!model.get("show_coverage"), fontFamily: state.fontFamily, map: state.map,
        overview: state.overview }, o);
    state.baseDraws += 1;
  }

  function draw() {
    const g = state.g;
    if (!g || g.tooLarge || !state.L) { setAttrs(); return; }
    paintBase();
    drawFrame(state);
    drawDepthView();
    state.frames += 1;
    updateTexts();
    setAttrs();
  }

  const player = createPlayer(model, state, d, draw, setAttrs);

  function rebuildBase() {
    const g = state.g;
    if (!g || g.tooLarge) return;
    const avail = Math.max(200, d.stage.clientWidth || host.clientWidth || 800);
    lastWidth = avail;
    const followable = canFollow(g);
    d.follow.box.hidden = !followable;
    const V = viewsFor(g, followable && state.follow);
    let L = fitLayout(g, V, avail, state.zoom);
    while (state.zoom > 0 && Math.max(L.width, L.height) * (window.devicePixelRatio || 1) > MAX_CANVAS_PX) {
      state.zoom -= 1;
      L = fitLayout(g, V, avail, state.zoom);
    }
    const dpr = window.devicePixelRatio || 1;
    d.root.dataset.follow = String(L.followed);
    d.root.dataset.layout = JSON.stringify({ inX: L.inX, inY: L.inY, outX: L.outX, outY: L.outY, cw: L.cw, ch: L.ch,
      width: L.width, height: L.height, stacked: !!L.stacked, inOv: L.inOv || null, outOv: L.outOv || null, dpr });
    state.L = L; state.dpr = dpr; state.pal = palette();
    state.fontFamily = getComputedStyle(d.root).fontFamily || "sans-serif";
    for (const c of [d.canvas, state.base]) {
      c.width = Math.round(L.width * dpr);
      c.height = Math.round(L.height * dpr);
    }
    d.canvas.style.width = `${L.width}px`;
    d.canvas.style.height = `${L.height}px`;
    state.baseKey = "";
    state.map = cellMap(g, state.pal, !!model.get("show_coverage"));
    state.overview = L.inOv ? overviewImage(state.map, L.inOv, dpr) : null;
    state.pattern = dotPattern(/** @type {CanvasRenderingContext2D} */ (d.canvas.getContext("2d")), state.pal.text);
    d.zoomText.textContent = `cell ${L.cw >= 10 ? Math.round(L.cw) : L.cw.toPrecision(2)} px`;
    // a zoom button that can do nothing more says so (never a click that silently does nothing)
    const next = fitLayout(g, V, avail, state.zoom + 1);
    const atMax = state.zoom >= MAX_ZOOM || Math.max(next.width, next.height) * dpr > MAX_CANVAS_PX;
    d.zoomIn.disabled = atMax;
    d.zoomIn.title = atMax ? `largest zoom: a bigger picture would pass the browser's canvas limit of ${MAX_CANVAS_PX} px`
      : "zoom in";
    d.zoomOut.disabled = d.zoomFit.disabled = state.zoom === 0;
    d.zoomOut.title = state.zoom === 0 ? "zoom out: the picture already fits the width" : "zoom out";
    d.root.dataset.cellSize = String(L.cw);
    depthBaseKey = "";
    if (state.D && !d.depthBox.hidden) {
      const DL = depthLayout(g, state.D, avail);
      state.DL = DL;
      d.depthCanvas.width = Math.round(DL.width * dpr);
      d.depthCanvas.height = Math.round(DL.height * dpr);
      d.depthCanvas.style.width = `${DL.width}px`;
      d.depthCanvas.style.height = `${DL.height}px`;
    }
    shownStep = -1;
    draw();
  }

  function coverageText() {
    const g = state.g;
    const pct = (100 * g.h.unread_fraction).toFixed(2).replace(/\.?0+$/, "");
    d.covInfo.textContent = g.h.unread_cells
      ? `never read: ${g.h.unread_cells.toLocaleString("en-US")} of ${(g.inRows * g.inCols).toLocaleString("en-US")} `
        + `input cells (${pct} %)` + (model.get("show_coverage") ? " · marked in the input" : "")
      : "every input cell is read at least once";
  }

  function rebuild() {
    rebuildQueued = false;
    const g = readGeometry(model);
    state.g = g;
    shownStep = -1;
    if (!g) return;
    d.title.textContent = g.h.title || "";
    d.formula.textContent = (g.h.formula || []).join("\n");
    d.depth.textContent = g.h.depth || "";
    if (g.tooLarge) {
      player.pause(false);
      d.message.textContent = g.tooLarge;
      d.message.style.color = palette().error;
      d.root.classList.add("ck-too-large");
      d.depthBox.hidden = true; // nothing to draw: no empty depth canvas under the message
      d.stepInfo.textContent = d.sum.textContent = d.covInfo.textContent = "";
      setAttrs();
      return;
    }
    d.message.textContent = "";
    d.root.classList.remove("ck-too-large");
    state.step = Math.min(Math.max(0, model.get("step") | 0), g.numSteps - 1);
    d.scrub.max = String(g.numSteps - 1);
    d.sum.textContent = "";
    d.sum.hidden = !g.numbers;
    state.D = readDepth(model, g.h);
    const D = state.D;
    d.depthBox.hidden = !D || (D.in_channels === 1 && D.output_depth === 1);
    if (D) {
      d.filter.max = String(D.output_depth - 1);
      d.filterMax.textContent = ` of 0–${D.output_depth - 1}`;
      state.filter = Math.min(Math.max(0, model.get("filter") | 0), D.output_depth - 1);
      d.filter.value = String(state.filter);
      state.allFilters = !!model.get("show_filters");
      d.allFilters.input.checked = state.allFilters;
      d.depthText.textContent = "";
      d.phaseBox.hidden = !(D.kind === "separable" || D.kind === "pointwise");
      d.phase.value = D.kind === "pointwise" ? "pointwise" : "depthwise";
    }
    coverageText();
    state.speed = Number(model.get("speed")) || 1;
    if (document.activeElement !== d.speed) d.speed.value = String(state.speed);
    rebuildBase();
  }

  const unobserve = observeModel(model, {
    geometry: () => { if (!rebuildQueued) { rebuildQueued = true; queueMicrotask(rebuild); } },
    step: () => {
      const s = model.get("step") | 0;
      if (s !== state.step) { player.setStep(s); if (!state.playing) draw(); }
    },
    loop: () => { d.loop.input.checked = !!model.get("loop"); },
    coverage: () => {
      d.cov.input.checked = !!model.get("show_coverage");
      if (state.g && !state.g.tooLarge) { coverageText(); rebuildBase(); }
    },
    filter: () => { if ((model.get("filter") | 0) !== state.filter) setFilter(model.get("filter") | 0, false); },
    showFilters: () => {
      state.allFilters = !!model.get("show_filters");
      d.allFilters.input.checked = state.allFilters;
      if (!state.playing) draw();
    },
    speed: () => {
      state.speed = Number(model.get("speed")) || 1;
      d.speed.value = String(state.speed);
      d.speed.classList.remove("ck-invalid");
      d.speed.removeAttribute("aria-invalid");
    },
  });
  // browser -> Python: the view boxes (the step goes back through the player)
  d.loop.input.addEventListener("change", () => { model.set("loop", d.loop.input.checked); model.save_changes(); });
  d.cov.input.addEventListener("change", () => { model.set("show_coverage", d.cov.input.checked); model.save_changes(); });
  d.filter.addEventListener("change", () => { // a typed filter is used as typed or refused with the reason
    const text = d.filter.value.trim(), v = Number(text), D = state.D;
    if (!D) return;
    if (text === "" || !Number.isInteger(v) || v < 0 || v >= D.output_depth) {
      d.filter.classList.add("ck-invalid");
      d.filter.setAttribute("aria-invalid", "true");
      d.message.textContent = `filter must be a whole number from 0 to ${D.output_depth - 1}; `
        + `showing filter ${state.filter}. Received: ${JSON.stringify(text)}`;
      return;
    }
    d.message.textContent = "";
    setFilter(v, true);
  });
  d.phase.addEventListener("change", () => { model.set("phase", d.phase.value); model.save_changes(); });
  d.allFilters.input.addEventListener("change", () => {
    state.allFilters = d.allFilters.input.checked;
    if (!state.playing) draw();
    model.set("show_filters", state.allFilters); model.save_changes();
  });
  d.root.addEventListener("keydown", (/** @type {KeyboardEvent} */ event) => {
    const target = /** @type {HTMLInputElement | null} */ (event.target);
    if (!state.D || d.depthBox.hidden || (target && target.tagName === "INPUT" && target.type === "number")) return;
    if (event.key !== "[" && event.key !== "]") return;
    event.preventDefault();
    setFilter(state.filter + (event.key === "]" ? 1 : -1), true);
  });
  const zoom = (z) => { state.zoom = Math.min(Math.max(z, 0), MAX_ZOOM); rebuildBase(); };
  d.zoomIn.addEventListener("click", () => zoom(state.zoom + 1));
  d.zoomOut.addEventListener("click", () => zoom(state.zoom - 1));
  d.zoomFit.addEventListener("click", () => zoom(0));
  d.follow.input.addEventListener("change", () => { state.follow = d.follow.input.checked; zoom(0); });

  const resize = new ResizeObserver(() => {
    if (layoutQueued) return;
    layoutQueued = true;
    requestAnimationFrame(() => {
      layoutQueued = false;
      const w = Math.max(200, d.stage.clientWidth || 0);
      if (state.g && !state.g.tooLarge && Math.abs(w - lastWidth) > 1) rebuildBase();
    });
  });
  resize.observe(d.root);
  const themeWatch = new MutationObserver(() => { if (state.g && !state.g.tooLarge) rebuildBase(); });
  if (document.body) themeWatch.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-light"] });

  d.loop.input.checked = !!model.get("loop");
  d.cov.input.checked = !!model.get("show_coverage");
  rebuild();

  return () => {
    player.stop();
    resize.disconnect();
    themeWatch.disconnect();
    unwire();
    unobserve();
  };
}

export default { render };
