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

// ---------------------------------------------------------------------------------------------- views
// Inputs or outputs of more than ZOOM_ABOVE cells a side are drawn through a view that follows the kernel (the
// output: the current cell), paging exactly as convkit.widgets._traversal_view.AxisView.origin does; the whole
// grid is then drawn as a small overview with the view outlined.

function fullView(size) { return { size, length: size, window: 1, margin: 0, page: Math.max(1, size) }; }

function axisOrigin(v, position) {
  if (v.length >= v.size) return 0;
  const start = Math.floor(position / v.page) * v.page - v.margin;
  return Math.min(Math.max(start, 0), v.size - v.length);
}

function viewsFor(g, follow) {
  const hv = g.h.view;
  if (follow && hv) return { inR: hv.input[0], inC: hv.input[1], outR: hv.output[0], outC: hv.output[1] };
  return { inR: fullView(g.R), inC: fullView(g.C), outR: fullView(g.outRows), outC: fullView(g.outCols) };
}

const isZoomed = (v) => v.length < v.size;
const canFollow = (g) => !!g.h.view && [...g.h.view.input, ...g.h.view.output].some(isZoomed);

function viewOrigins(g, V, s) { // first shown (row, col) of the input view (padded coords) and the output view
  const outR = Math.floor(s / g.outCols), outC = s % g.outCols;
  return {
    r0: axisOrigin(V.inR, g.originRow[s] + g.padTop), c0: axisOrigin(V.inC, g.originCol[s] + g.padLeft),
    or0: axisOrigin(V.outR, outR), oc0: axisOrigin(V.outC, outC),
  };
}

// --------------------------------------------------------------------------------------------- layout

function overviewBox(rows, cols, maxSide) {
  const scale = maxSide / Math.max(rows, cols);
  return { w: Math.max(24, cols * scale), h: Math.max(8, rows * scale) };
}

function fitLayout(g, V, stageWidth, zoom) {
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

function overviewImage(map, ov, dpr) { // the whole input, area-averaged once into the overview's size
  const img = document.createElement("canvas");
  img.width = Math.max(1, Math.round(ov.w * dpr));
  img.height = Math.max(1, Math.round(ov.h * dpr));
  const ctx = img.getContext("2d");
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(map, 0, 0, img.width, img.height);
  return img;
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

function fitText(ctx, candidates, room, font) { // the longest wording that fits in room px (else the shortest)
  ctx.save();
  ctx.font = font;
  const fits = candidates.find((t) => ctx.measureText(t).width <= room);
  ctx.restore();
  return fits !== undefined ? fits : candidates[candidates.length - 1];
}

function clipRect(ctx, x, y, w, h) {
  ctx.beginPath();
  ctx.rect(x, y, w, h);
  ctx.clip();
}

const span = (a, n) => (n > 1 ? `${a}–${a + n - 1}` : `${a}`);

function drawBase(canvas, g, L, pal, dpr, opts, o) {
  // everything that stays while the views stay: cells, padding, grid, captions, overview images
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = pal.background;
  ctx.fillRect(0, 0, L.width, L.height);
  const { cw, ch, inX, inY, outX, outY, V } = L;
  const lenR = V.inR.length, lenC = V.inC.length, { r0, c0, or0, oc0 } = o;
  const inW = lenC * cw, inH = lenR * ch;
  const font = `12px ${opts.fontFamily}`;
  const small = `11px ${opts.fontFamily}`;
  const map = opts.map; // the padded input at one pixel per cell (built once per settings / theme / coverage)
  // input cells in view (padding, input, never-read): one image, the view's part scaled up
  ctx.imageSmoothingEnabled = cw < 1;
  ctx.drawImage(map, c0, r0, lenC, lenR, inX, inY, inW, inH);
  // padding: a dotted pattern on top of the colour, so it never relies on colour alone
  ctx.save();
  clipRect(ctx, inX, inY, inW, inH);
  ctx.setTransform(1, 0, 0, 1, 0, 0); // pattern in device pixels: crisp dots at any zoom
  ctx.fillStyle = dotPattern(ctx, pal.text);
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
  // captions and padding amounts (before / after on every side: asymmetric "same" shows at a glance)
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
  if (h.padding_mode !== "valid" || padded) {
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
        const v = pad ? 0 : g.x[(pr - g.padTop) * g.inCols + (pc - g.padLeft)];
        ctx.fillText(fmt(v), inX + (pc - c0 + 0.5) * cw, inY + (pr - r0 + 0.5) * ch);
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
  if (L.inOv) {
    const ov = L.inOv;
    ctx.drawImage(opts.overview, ov.x, ov.y, ov.w, ov.h);
    ctx.strokeStyle = pal.grid_line;
    ctx.strokeRect(ov.x, ov.y, ov.w, ov.h);
    label(ctx, fitText(ctx, ["whole input (box: the view above)", "whole input"], L.width - 4 - ov.x, small),
      ov.x, ov.y - 10, "left", pal, small);
  }
  if (L.outOv) {
    const ov = L.outOv;
    ctx.fillStyle = pal.output_cell;
    ctx.fillRect(ov.x, ov.y, ov.w, ov.h);
    ctx.strokeStyle = pal.grid_line;
    ctx.strokeRect(ov.x, ov.y, ov.w, ov.h);
    label(ctx, fitText(ctx, ["whole output (box: the view above)", "whole output"], L.width - 4 - ov.x, small),
      ov.x, ov.y - 10, "left", pal, small);
  }
}

function markView(ctx, ov, rows, cols, r0, c0, lenR, lenC, pal) { // the view's box in an overview
  const sx = ov.w / cols, sy = ov.h / rows;
  for (const [color, width] of [[pal.background, 3], [pal.text, 1.5]]) {
    ctx.strokeStyle = color;
    ctx.lineWidth = width;
    ctx.strokeRect(ov.x + c0 * sx, ov.y + r0 * sy, Math.max(2, lenC * sx), Math.max(2, lenR * sy));
  }
}

function drawFrame(state) {
  const { g, L, pal, dpr, canvas, base } = state;
  const ctx = canvas.getContext("2d");
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
  let padTaps = 0;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.fillStyle = state.pattern;
  for (let t = 0; t < g.numTaps; t++) {
    const pr = pr0 + g.tapRow[t], pc = pc0 + g.tapCol[t];
    if (!isPaddingCell(g, pr, pc)) continue;
    padTaps++;
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
  state.padTaps = padTaps;
}

function drawNumbers(ctx, state, pr0, pc0, s) {
  const { g, L, pal, fontFamily } = state;
  const { cw, ch, inX, inY, outX, outY, V } = L;
  const { r0, c0, or0, oc0 } = state.origins;
  ctx.save();
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  const big = Math.min(14, Math.floor(ch * 0.42));
  for (let t = 0; t < g.numTaps; t++) {
    const pr = pr0 + g.tapRow[t], pc = pc0 + g.tapCol[t];
    const pad = isPaddingCell(g, pr, pc);
    const x = inX + (pc - c0 + 0.5) * cw, y = inY + (pr - r0 + 0.5) * ch;
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
  const lenR = V.outR.length, lenC = V.outC.length;
  if (lenR * lenC <= 2500) {
    ctx.font = `${big}px ${fontFamily}`;
    ctx.fillStyle = pal.text;
    for (let r = or0; r < or0 + lenR; r++) {
      for (let c = oc0; c < oc0 + lenC; c++) {
        const i = r * g.outCols + c;
        if (i >= done) break;
        ctx.fillText(fmt(g.y[i]), outX + (c - oc0 + 0.5) * cw, outY + (r - or0 + 0.5) * ch);
      }
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
  const followBox = el("label", "ck-follow-label");
  const followInput = el("input", "ck-follow");
  followInput.type = "checkbox";
  followInput.checked = true;
  followBox.title = "show a zoomed view that follows the kernel, with the whole map as a small overview";
  followBox.append(followInput, el("span", "", " follow kernel"));
  const zoomOut = button("ck-zoom-out", "−", "zoom out");
  const zoomFit = button("ck-zoom-fit", "fit", "fit to width");
  const zoomIn = button("ck-zoom-in", "+", "zoom in");
  const zoomText = el("span", "ck-zoom-text");
  bar.append(first, back, play, fwd, last, scrub, stepText, speedBox, loopBox, covBox, followBox, zoomOut, zoomFit,
    zoomIn, zoomText);
  const stage = el("div", "ck-stage");
  const canvas = el("canvas", "ck-canvas");
  stage.append(canvas);
  const message = el("div", "ck-message");
  message.setAttribute("role", "alert");
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

  // Controls that are switched off say why: each gets aria-describedby pointing at its reason, which the Python
  // side writes as <div class="ck-reason" data-for="<setting>"> into the box's .ck-disabled-reasons line.
  const uid = Math.random().toString(36).slice(2, 9);
  let box = null, reasonWatch = null, wireQueued = false;
  function wireReasons() {
    wireQueued = false;
    if (!box) return;
    const ids = {};
    for (const r of box.querySelectorAll(".ck-disabled-reasons .ck-reason[data-for]")) {
      if (!r.id) r.id = `ck-reason-${uid}-${r.dataset.for}`;
      ids[r.dataset.for] = r.id;
    }
    for (const name of DESCRIBED) {
      for (const ctl of box.querySelectorAll(`.ck-control-${name}`)) {
        for (const input of ctl.querySelectorAll("input, select")) {
          if (ids[name]) input.setAttribute("aria-describedby", ids[name]);
          else input.removeAttribute("aria-describedby");
        }
      }
    }
  }
  function findBox(tries) { // the canvas view is attached inside the widget's box a little after render()
    box = host.closest(".convkit-traversal-box");
    if (box) {
      reasonWatch = new MutationObserver((records) => {
        if (wireQueued || !records.some((r) => !root.contains(r.target))) return; // our own texts: not controls
        wireQueued = true;
        requestAnimationFrame(wireReasons);
      });
      reasonWatch.observe(box, { childList: true, subtree: true, characterData: true });
      wireReasons();
    } else if (tries > 0) requestAnimationFrame(() => findBox(tries - 1));
  }
  findBox(240);

  const state = {
    g: null, L: null, pal: null, dpr: 1, canvas, base: document.createElement("canvas"), pattern: null,
    step: 0, playing: false, zoom: 0, frames: 0, padTaps: 0, fontFamily: "sans-serif", follow: true,
    origins: null, baseKey: "", speed: 1, baseDraws: 0,
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
    if (state.L && state.origins) { // what the views show, for tests and curious readers
      const { V } = state.L, o = state.origins;
      root.dataset.viewInput = [o.r0, o.c0, V.inR.length, V.inC.length].join(",");
      root.dataset.viewOutput = [o.or0, o.oc0, V.outR.length, V.outC.length].join(",");
      root.dataset.baseDraws = String(state.baseDraws);
      const g = state.g, s = state.step;
      root.dataset.window = [g.originRow[s] + g.padTop, g.originCol[s] + g.padLeft, g.keffRows, g.keffCols].join(",");
    }
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
    state.frames += 1;
    updateTexts();
    setAttrs();
  }

  function rebuildBase() {
    const g = state.g;
    if (!g || g.tooLarge) return;
    const avail = Math.max(200, stage.clientWidth || host.clientWidth || 800);
    lastWidth = avail;
    const followable = canFollow(g);
    followBox.hidden = !followable;
    const V = viewsFor(g, followable && state.follow);
    let L = fitLayout(g, V, avail, state.zoom);
    while (state.zoom > 0 && Math.max(L.width, L.height) * (window.devicePixelRatio || 1) > MAX_CANVAS_PX) {
      state.zoom -= 1;
      L = fitLayout(g, V, avail, state.zoom);
    }
    root.dataset.follow = String(L.followed);
    root.dataset.layout = JSON.stringify({ inX: L.inX, inY: L.inY, outX: L.outX, outY: L.outY, cw: L.cw, ch: L.ch,
      width: L.width, height: L.height, stacked: !!L.stacked, inOv: L.inOv || null, outOv: L.outOv || null,
      dpr: window.devicePixelRatio || 1 });
    const dpr = window.devicePixelRatio || 1;
    state.L = L; state.dpr = dpr; state.pal = palette();
    state.fontFamily = getComputedStyle(root).fontFamily || "sans-serif";
    for (const c of [canvas, state.base]) {
      c.width = Math.round(L.width * dpr);
      c.height = Math.round(L.height * dpr);
    }
    canvas.style.width = `${L.width}px`;
    canvas.style.height = `${L.height}px`;
    state.baseKey = "";
    state.map = cellMap(g, state.pal, !!model.get("show_coverage"));
    state.overview = L.inOv ? overviewImage(state.map, L.inOv, dpr) : null;
    state.pattern = dotPattern(canvas.getContext("2d"), state.pal.text);
    zoomText.textContent = `cell ${L.cw >= 10 ? Math.round(L.cw) : L.cw.toPrecision(2)} px`;
    // a zoom button that can do nothing more says so (never a click that silently does nothing)
    const next = fitLayout(g, V, avail, state.zoom + 1);
    const atMax = state.zoom >= MAX_ZOOM || Math.max(next.width, next.height) * dpr > MAX_CANVAS_PX;
    zoomIn.disabled = atMax;
    zoomIn.title = atMax ? `largest zoom: a bigger picture would pass the browser's canvas limit of ${MAX_CANVAS_PX} px`
      : "zoom in";
    zoomOut.disabled = zoomFit.disabled = state.zoom === 0;
    zoomOut.title = state.zoom === 0 ? "zoom out: the picture already fits the width" : "zoom out";
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
    state.speed = Number(model.get("speed")) || 1;
    if (document.activeElement !== speed) speed.value = String(state.speed);
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
    carry += dt * state.speed;
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

  function follow() { // keep the window in the visible part of the stage when the canvas is wider than it
    if (state.zoom === 0 || !state.L || !state.origins) return;
    const { g, L } = state;
    const x = L.inX + (g.originCol[state.step] + g.padLeft - state.origins.c0) * L.cw;
    const y = L.inY + (g.originRow[state.step] + g.padTop - state.origins.r0) * L.ch;
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
  on(zoomIn, "click", () => { state.zoom = Math.min(state.zoom + 1, MAX_ZOOM); rebuildBase(); });
  on(zoomOut, "click", () => { state.zoom = Math.max(state.zoom - 1, 0); rebuildBase(); });
  on(zoomFit, "click", () => { state.zoom = 0; rebuildBase(); });
  on(followInput, "change", () => { state.follow = followInput.checked; state.zoom = 0; rebuildBase(); });
  on(speed, "change", () => { // a typed speed is used as typed or refused with the reason, never clamped
    const text = speed.value.trim();
    const v = Number(text);
    if (text === "" || !Number.isFinite(v) || v < MIN_SPEED || v > MAX_SPEED) {
      speed.classList.add("ck-invalid");
      speed.setAttribute("aria-invalid", "true");
      message.textContent = `speed must be a number of steps per second from ${MIN_SPEED} to ${MAX_SPEED}; `
        + `playback keeps ${fmt(state.speed)} steps/s. Received: ${JSON.stringify(text)}`;
      return;
    }
    speed.classList.remove("ck-invalid");
    speed.removeAttribute("aria-invalid");
    if (!(state.g && state.g.tooLarge)) message.textContent = "";
    state.speed = v;
  });
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
  const onSpeed = () => {
    state.speed = Number(model.get("speed")) || 1;
    speed.value = String(state.speed);
    speed.classList.remove("ck-invalid");
    speed.removeAttribute("aria-invalid");
  };
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
    if (reasonWatch) reasonWatch.disconnect();
    for (const name of geometryTraits) model.off(`change:${name}`, queueRebuild);
    model.off("change:step", onStep);
    model.off("change:loop", onLoop);
    model.off("change:show_coverage", onCoverage);
    model.off("change:speed", onSpeed);
  };
}

export default { render };
