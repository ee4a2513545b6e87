// @ts-check
// convkit ReceptiveFieldView: every map of a layer stack as a grid; hover or click a cell and every earlier map
// highlights the cells (and the padded zeros) that cell depends on.
//
// The geometry comes from Python once per stack (convkit.core.receptive_field.stack_dependencies, written by
// convkit/widgets/receptive_field.py): a JSON header and one little-endian int32 buffer holding, per layer and
// spatial axis, a CSR matrix (indptr, indices) from output cells to the source map's cells in RING coordinates
// (index 0 is the first cell of the padding drawn before the map; the map's own cells start at its ring width),
// plus each output cell's padding taps along the axis (pad). A layer's 2-D dependency is the outer product of its
// two axes, so the cells of a source map that an output mask M reads are D0ᵀ·M·D1 in the boolean semiring; a
// merge takes the union over its sources; a layer that mixes every cell (Flatten, Dense, global pooling) reads its
// whole input. All of it runs here, in the browser: a hover sends nothing to the kernel. A click stores the chosen
// cell in `selected` (one message) so view.save() draws the same cell.

const MAP_PX = 240;      // longest side of a map's picture (css px)
const MAX_CELL = 22;     // largest cell (css px)
const GRID_MIN_CELL = 5; // grid lines wherever cells are at least this big

/**
 * @typedef {{off: number, n: number, nnz: number, taps: number}} AxisRef
 * @typedef {{name: string, caption: string, rows: number, cols: number, ring: number[], grid: boolean,
 *   note: string | null, field: number[] | null}} MapInfo
 * @typedef {{map: number, sources: number[], mixes: boolean, axes: (AxisRef[] | null)[]}} LayerInfo
 * @typedef {{maps: MapInfo[], layers: LayerInfo[], palette: {light: Record<string, string>,
 *   dark: Record<string, string>}, words: Record<string, string>, rank: number, message: string | null}} Header
 * @typedef {{map: number, r: number, c: number}} Cell
 * @typedef {{masks: Uint8Array[], pads: number[], reads: number[], layerPads: number[]}} Result
 * @typedef {{get: (name: string) => any, set: (name: string, value: any) => void, save_changes: () => void,
 *   on: (event: string, fn: Function) => void, off: (event: string, fn: Function) => void}} Model
 */

/** @param {any} value @returns {Int32Array} */
function int32Of(value) {
  let bytes = new Uint8Array(0);
  if (value instanceof DataView) bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  else if (value instanceof ArrayBuffer) bytes = new Uint8Array(value);
  else if (value && ArrayBuffer.isView(value)) bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  const copy = bytes.slice(); // aligned, independent of the message buffer
  return new Int32Array(copy.buffer, 0, Math.floor(copy.byteLength / 4));
}

/** @param {string} hex @returns {number} RGBA as one little-endian uint32 */
function packColor(hex) {
  const h = hex.replace("#", "");
  const n = parseInt(h.length === 3 ? h.split("").map((ch) => ch + ch).join("") : h.slice(0, 6), 16);
  return ((255 << 24) | ((n & 255) << 16) | (((n >> 8) & 255) << 8) | ((n >> 16) & 255)) >>> 0;
}

// ------------------------------------------------------------------------------------------ the masks

/** Width of map m including its padding ring, and its height. @param {MapInfo} m */
const ringSize = (m) => [m.rows + m.ring[0] + m.ring[1], m.cols + m.ring[2] + m.ring[3]];

/**
 * Every map's mask (in ring coordinates) for one chosen cell, and each layer's padding reads.
 * masks[k][i * width + j] = 1 where map k's cell (or padding cell) (i, j) is read on the way to the chosen cell.
 * @param {Header} h @param {Int32Array} geo @param {Cell} chosen @returns {Result}
 */
function computeMasks(h, geo, chosen) {
  const maps = h.maps;
  const masks = maps.map((m) => { const [R, C] = ringSize(m); return new Uint8Array(R * C); });
  const layerPads = h.layers.map(() => 0);
  const start = maps[chosen.map];
  masks[chosen.map][(chosen.r + start.ring[0]) * ringSize(start)[1] + chosen.c + start.ring[2]] = 1;
  // layers are in computation order; walking back, every layer's output mask is final before it is read
  for (let li = h.layers.length - 1; li >= 0; li--) {
    const layer = h.layers[li];
    if (layer.map > chosen.map) continue;
    const out = maps[layer.map], outMask = masks[layer.map], outW = ringSize(out)[1];
    let any = false;
    for (let i = 0; i < outMask.length && !any; i++) any = outMask[i] === 1;
    if (!any) continue;
    layer.sources.forEach((src, si) => {
      const inMap = maps[src], inC = ringSize(inMap)[1], inMask = masks[src], axes = layer.axes[si];
      if (!axes) {
        for (let i = 0; i < inMap.rows; i++) {
          inMask.fill(1, (i + inMap.ring[0]) * inC + inMap.ring[2], (i + inMap.ring[0]) * inC + inMap.ring[2] + inMap.cols);
        }
        return;
      }
      const [ax0, ax1] = axes;
      const p0 = ax0.off, i0 = ax0.off + ax0.n + 1, p1 = ax1.off, i1 = ax1.off + ax1.n + 1;
      const rowIn = new Uint8Array(inC);
      for (let r = 0; r < out.rows; r++) {
        rowIn.fill(0);
        const base = (r + out.ring[0]) * outW + out.ring[2];
        let rowAny = false;
        for (let c = 0; c < out.cols; c++) {
          if (!outMask[base + c]) continue;
          rowAny = true;
          for (let t = geo[p1 + c]; t < geo[p1 + c + 1]; t++) rowIn[geo[i1 + t]] = 1; // M·D1
        }
        if (!rowAny) continue;
        for (let t = geo[p0 + r]; t < geo[p0 + r + 1]; t++) { // D0ᵀ·(M·D1)
          const row = geo[i0 + t] * inC;
          for (let j = 0; j < inC; j++) if (rowIn[j]) inMask[row + j] = 1;
        }
      }
    });
    layerPads[li] = padReads(layer, out, outMask, geo);
  }
  const pads = maps.map(() => 0), reads = maps.map(() => 0);
  masks.forEach((mask, k) => { // how many map cells and padding cells each map highlights
    const m = maps[k], W = ringSize(m)[1];
    let all = 0, inside = 0;
    for (let i = 0; i < mask.length; i++) all += mask[i];
    if (!all) return;
    for (let r = 0; r < m.rows; r++) {
      const row = (r + m.ring[0]) * W + m.ring[2];
      for (let c = 0; c < m.cols; c++) inside += mask[row + c];
    }
    reads[k] = inside;
    pads[k] = all - inside;
  });
  return { masks, pads, reads, layerPads };
}

/** How many of a layer's reads for the masked output cells fall in zero padding (taps per cell minus the taps
 * inside the map: the same count the core's ReceptiveField.padding_reads gives).
 * @param {LayerInfo} layer @param {MapInfo} out @param {Uint8Array} outMask @param {Int32Array} geo */
function padReads(layer, out, outMask, geo) {
  const axes = layer.axes[0];
  if (!axes) return 0;
  const [a0, a1] = axes, q0 = a0.off + a0.n + 1 + a0.nnz, q1 = a1.off + a1.n + 1 + a1.nnz;
  const W = ringSize(out)[1];
  let n = 0;
  for (let r = 0; r < out.rows; r++) {
    for (let c = 0; c < out.cols; c++) {
      if (!outMask[(r + out.ring[0]) * W + c + out.ring[2]]) continue;
      n += a0.taps * a1.taps - (a0.taps - geo[q0 + r]) * (a1.taps - geo[q1 + c]);
    }
  }
  return n;
}

/** The stack input's cells the chosen cell sees: how many, and their bounding box per axis.
 * @param {Header} h @param {Result} res @returns {{pixels: number, extent: number[]}} */
function inputSeen(h, res) {
  const m = h.maps[0], W = ringSize(m)[1], mask = res.masks[0];
  let r0 = Infinity, r1 = -1, c0 = Infinity, c1 = -1, pixels = 0;
  for (let r = 0; r < m.rows; r++) {
    for (let c = 0; c < m.cols; c++) {
      if (!mask[(r + m.ring[0]) * W + c + m.ring[2]]) continue;
      pixels++;
      r0 = Math.min(r0, r); r1 = Math.max(r1, r); c0 = Math.min(c0, c); c1 = Math.max(c1, c);
    }
  }
  const extent = r1 < 0 ? [0, 0] : [r1 - r0 + 1, c1 - c0 + 1];
  return { pixels, extent: h.rank === 1 ? [extent[1]] : extent };
}

const noun = (/** @type {number} */ n, /** @type {string} */ word) => (n === 1 ? word : `${word}s`);

/** What the chosen cell sees: the same sentence as str(ReceptiveField) (convkit.core.words.receptive_field_sentence,
 * followed rule for rule here). @param {Header} h @param {Cell} cell @param {Result} res */
function sentence(h, cell, res) {
  const m = h.maps[cell.map];
  const index = h.rank === 1 ? [cell.c] : [cell.r, cell.c];
  if (cell.map === 0) return h.words.input.replace("{index}", `(${index.join(", ")}${index.length === 1 ? "," : ""})`);
  const where = `output (${index.join(", ")}${index.length === 1 ? "," : ""}) of ${m.name}`;
  const mixing = [];
  for (const layer of h.layers) { // computation order, as the core lists them
    if (layer.map > cell.map || !layer.mixes || !res.masks[layer.map].includes(1)) continue;
    const name = h.maps[layer.map].name;
    if (!mixing.includes(name)) mixing.push(name);
  }
  const { pixels, extent } = inputSeen(h, res);
  const dims = extent.join("×");
  let seen;
  if (mixing.length) {
    const names = mixing.length <= 2 ? mixing.join(" and ") : `${mixing.slice(0, -1).join(", ")} and ${mixing[mixing.length - 1]}`;
    seen = `sees all ${pixels} input ${noun(pixels, "pixel")}: ${names} ${mixing.length === 1 ? "mixes" : "mix"} every cell`;
  } else if (pixels === 0) {
    seen = "sees no input pixel (it reads padding only)";
  } else {
    const box = extent.reduce((a, b) => a * b, 1);
    seen = `sees ${dims} input ${noun(box, "pixel")}`;
    if (pixels < box) seen = `sees ${pixels} input ${noun(pixels, "pixel")} within ${extent.length === 1 ? "a span of " : ""}${dims}`;
    if (m.field && m.field.join("×") !== dims) seen += `${h.words.field_open}${m.field.join("×")}${h.words.field_close}`;
  }
  let pads = 0;
  for (const n of res.layerPads) pads += n;
  const pad = pads === 0 ? "none of its reads are padding" : pads === 1 ? "1 of its reads is padding" : `${pads} of its reads are padding`;
  return `${where} ${seen}; ${pad}`;
}

// ------------------------------------------------------------------------------------------ drawing

/** Pixel layout of one map: css cell size and the canvas' backing size (1 px per cell when cells are < 1 px).
 * @param {MapInfo} m */
function mapLayout(m) {
  const [R, C] = ringSize(m);
  const fit = MAP_PX / Math.max(R, C);
  const cell = Math.max(1, Math.min(MAX_CELL, Math.floor(fit)));
  const scaled = fit < 1;
  return { R, C, cell: scaled ? fit : cell, px: scaled ? 1 : cell, scaled };
}

/**
 * @typedef {{key: string, image: ImageData, pixels: Uint32Array, base: Uint32Array, W: number,
 *   dirty: number[] | null}} MapPicture
 *   One map's canvas pixels: ``base`` (cells, striped padding ring, grid lines) is drawn once per theme; a
 *   highlight copies it, paints only the cells read and sends the canvas only the rectangle that changed
 *   (``dirty``: what the last highlight painted, [x0, y0, x1, y1] in canvas pixels, or null).
 */

/** The picture without highlights. @param {MapInfo} m @param {Record<string, string>} pal @returns {MapPicture} */
function basePicture(m, pal) {
  const L = mapLayout(m), px = L.px, W = L.C * px, H = L.R * px;
  const image = new ImageData(W, H);
  const pixels = new Uint32Array(image.data.buffer);
  const cell = packColor(pal.input_cell), pad = packColor(pal.padding_cell), grid = packColor(pal.grid_line);
  const stripe = packColor(pal.background);
  const lines = px >= GRID_MIN_CELL;
  for (let i = 0; i < L.R; i++) {
    const inside0 = i >= m.ring[0] && i < m.ring[0] + m.rows;
    for (let j = 0; j < L.C; j++) {
      const inside = inside0 && j >= m.ring[2] && j < m.ring[2] + m.cols;
      for (let y = 0; y < px; y++) {
        const rowStart = (i * px + y) * W + j * px;
        for (let x = 0; x < px; x++) {
          let v = inside ? cell : pad;
          if (lines && (x === px - 1 || y === px - 1)) v = grid;
          else if (!inside && (j * px + x + i * px + y) % 4 === 0) v = stripe; // padding: stripes, not colour alone
          pixels[rowStart + x] = v;
        }
      }
    }
  }
  return { key: "", image, pixels, base: pixels.slice(), W, dirty: [0, 0, W, H] };
}

/** Paint one map: its base picture, the cells read (padded zeros in their own colour, stripes kept), the chosen
 * cell. @param {HTMLCanvasElement} canvas @param {MapPicture} pic @param {MapInfo} m @param {Uint8Array} mask
 * @param {Record<string, string>} pal @param {Cell | null} chosen @param {number} k */
function paintMap(canvas, pic, m, mask, pal, chosen, k) {
  const L = mapLayout(m), px = L.px, W = pic.W;
  if (canvas.width !== W || canvas.height !== L.R * px) {
    canvas.width = W;
    canvas.height = L.R * px;
    canvas.style.width = `${L.C * L.cell}px`;
    canvas.style.height = `${L.R * L.cell}px`;
    if (L.scaled) canvas.style.imageRendering = "auto";
    pic.dirty = [0, 0, W, L.R * px];
  }
  const pixels = pic.pixels;
  let r0 = Infinity, r1 = -1, c0 = Infinity, c1 = -1;
  pixels.set(pic.base);
  const read = packColor(pal.tap), padRead = packColor(pal.unread), here = packColor(pal.output_current);
  const lines = px >= GRID_MIN_CELL;
  const at = chosen && chosen.map === k ? (chosen.r + m.ring[0]) * L.C + chosen.c + m.ring[2] : -1;
  for (let n = 0; n < mask.length; n++) {
    if (!mask[n] && n !== at) continue;
    const i = Math.floor(n / L.C), j = n - i * L.C;
    if (i < r0) r0 = i;
    if (i > r1) r1 = i;
    if (j < c0) c0 = j;
    if (j > c1) c1 = j;
    const inside = i >= m.ring[0] && i < m.ring[0] + m.rows && j >= m.ring[2] && j < m.ring[2] + m.cols;
    const fill = n === at ? here : inside ? read : padRead;
    for (let y = 0; y < px; y++) {
      const rowStart = (i * px + y) * W + j * px;
      for (let x = 0; x < px; x++) {
        if (lines && (x === px - 1 || y === px - 1)) continue;
        if (!inside && (j * px + x + i * px + y) % 4 === 0) continue;
        pixels[rowStart + x] = fill;
      }
    }
  }
  if (px < 4) marks(pixels, W, L, m, mask, at, packColor(pal.window));
  // what changed: the cells painted now (with the frame or ticks around them) and those painted last time
  const H = L.R * px;
  /** @type {number[] | null} */
  let now = null;
  if (r1 >= 0) {
    const margin = px < 4 ? 10 : 0;
    now = at >= 0 && px < 4 ? [0, 0, W, H]
      : [c0 * px - margin, r0 * px - margin, (c1 + 1) * px + margin, (r1 + 1) * px + margin];
  }
  const old = pic.dirty;
  pic.dirty = now;
  const box = now && old ? [Math.min(now[0], old[0]), Math.min(now[1], old[1]), Math.max(now[2], old[2]), Math.max(now[3], old[3])]
    : now || old;
  if (!box) return; // nothing highlighted before or now: the canvas already shows the base picture
  const x0 = Math.max(0, box[0]), y0 = Math.max(0, box[1]), x1 = Math.min(W, box[2]), y1 = Math.min(H, box[3]);
  /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d")).putImageData(pic.image, 0, 0, x0, y0, x1 - x0, y1 - y0);
}

/** Where cells are only a few pixels (or less, drawn scaled), a chosen cell and a small field would be specks:
 * ticks at the border point at the chosen cell's row and column, and a frame 2 px wide surrounds the cells read.
 * @param {Uint32Array} pixels @param {number} W @param {{R: number, C: number, px: number}} L @param {MapInfo} m
 * @param {Uint8Array} mask @param {number} at @param {number} colour */
function marks(pixels, W, L, m, mask, at, colour) {
  const px = L.px, H = L.R * px;
  const put = (/** @type {number} */ x, /** @type {number} */ y) => {
    if (x >= 0 && y >= 0 && x < W && y < H) pixels[y * W + x] = colour;
  };
  let r0 = Infinity, r1 = -1, c0 = Infinity, c1 = -1;
  for (let n = 0; n < mask.length; n++) {
    if (!mask[n]) continue;
    const i = Math.floor(n / L.C), j = n - i * L.C;
    if (i < r0) r0 = i;
    if (i > r1) r1 = i;
    if (j < c0) c0 = j;
    if (j > c1) c1 = j;
  }
  if (r1 >= 0 && at < 0) {
    const grow = (/** @type {number} */ a, /** @type {number} */ b) => Math.max(0, Math.ceil((12 - (b - a)) / 2));
    const gx = grow(c0 * px, (c1 + 1) * px), gy = grow(r0 * px, (r1 + 1) * px); // at least 12 px: never a speck
    const x0 = c0 * px - 2 - gx, x1 = (c1 + 1) * px + 1 + gx, y0 = r0 * px - 2 - gy, y1 = (r1 + 1) * px + 1 + gy;
    for (let t = 0; t < 2; t++) {
      for (let x = x0; x <= x1; x++) { put(x, y0 + t); put(x, y1 - t); }
      for (let y = y0; y <= y1; y++) { put(x0 + t, y); put(x1 - t, y); }
    }
  }
  if (at >= 0) {
    const i = Math.floor(at / L.C), j = at - i * L.C, tick = Math.max(6, Math.round(H / 16));
    for (let t = 0; t < tick; t++) {
      for (let d = -1; d <= px; d++) { put(j * px + d, t); put(j * px + d, H - 1 - t); put(t, i * px + d); put(W - 1 - t, i * px + d); }
    }
    // and a ring of at least 12 px around the chosen cell itself, so the ticks point at something visible
    const g = Math.max(0, Math.ceil((12 - px) / 2));
    const x0 = j * px - 2 - g, x1 = (j + 1) * px + 1 + g, y0 = i * px - 2 - g, y1 = (i + 1) * px + 1 + g;
    for (let t = 0; t < 2; t++) {
      for (let x = x0; x <= x1; x++) { put(x, y0 + t); put(x, y1 - t); }
      for (let y = y0; y <= y1; y++) { put(x0 + t, y); put(x1 - t, y); }
    }
  }
}

// ------------------------------------------------------------------------------------------ render

/** @param {{model: Model, el: HTMLElement}} args */
function render({ model, el: host }) {
  const root = document.createElement("div");
  root.className = "convkit-widget convkit-rf";
  const title = document.createElement("div");
  title.className = "ck-rf-title";
  const help = document.createElement("div");
  help.className = "ck-rf-help";
  const maps = document.createElement("div");
  maps.className = "ck-rf-maps";
  const live = document.createElement("div");
  live.className = "ck-rf-sentence";
  live.setAttribute("aria-live", "polite");
  live.setAttribute("role", "status");
  const message = document.createElement("div");
  message.className = "ck-rf-message";
  root.append(title, help, live, message, maps);
  host.appendChild(root);

  /** @type {{h: Header | null, geo: Int32Array, canvases: (HTMLCanvasElement | null)[], figures: HTMLElement[],
   *   chosen: Cell | null, result: Result | null, frames: number, queued: boolean, drawMs: number,
   *   pictures: (MapPicture | null)[]}} */
  const state = { h: null, geo: new Int32Array(0), canvases: [], figures: [], chosen: null, result: null, frames: 0,
    queued: false, drawMs: 0, pictures: [] };
  const dark = () => document.body && document.body.dataset.jpThemeLight === "false";
  const palette = () => (state.h ? (dark() ? state.h.palette.dark : state.h.palette.light) : {});

  function draw() {
    state.queued = false;
    const h = state.h;
    if (!h || !state.chosen) return;
    const t0 = performance.now();
    state.result = computeMasks(h, state.geo, state.chosen);
    const pal = palette();
    h.maps.forEach((m, k) => {
      const canvas = state.canvases[k];
      if (!canvas || !state.result) return;
      const key = dark() ? "dark" : "light";
      let pic = state.pictures[k];
      if (!pic || pic.key !== key) { pic = state.pictures[k] = basePicture(m, pal); pic.key = key; }
      paintMap(canvas, pic, m, state.result.masks[k], pal, state.chosen, k);
      const fig = state.figures[k];
      fig.dataset.read = String(state.result.reads[k]);
      fig.dataset.padRead = String(state.result.pads[k]);
    });
    const text = sentence(h, state.chosen, state.result);
    if (live.textContent !== text) { live.textContent = text; root.dataset.sentence = text; }
    state.frames += 1;
    state.drawMs += performance.now() - t0;
    root.dataset.frames = String(state.frames);
    root.dataset.drawMs = state.drawMs.toFixed(2); // total time spent computing and painting highlights
    root.dataset.chosen = `${state.chosen.map},${state.chosen.r},${state.chosen.c}`;
  }

  /** Choose a cell (hover or keys: nothing to Python; a click also stores it in `selected`).
   * @param {Cell} cell @param {boolean} store */
  function choose(cell, store) {
    const h = state.h;
    if (!h) return;
    const m = h.maps[cell.map];
    if (!m || !m.grid) return;
    const next = { map: cell.map, r: Math.min(Math.max(cell.r, 0), m.rows - 1), c: Math.min(Math.max(cell.c, 0), m.cols - 1) };
    const same = state.chosen && state.chosen.map === next.map && state.chosen.r === next.r && state.chosen.c === next.c;
    state.chosen = next;
    if (!same && !state.queued) { state.queued = true; requestAnimationFrame(draw); }
    if (store) {
      model.set("selected", [next.map, next.r, next.c]);
      model.save_changes();
    }
  }

  /** The map cell under a pointer event (null over the padding ring or outside). @param {PointerEvent | MouseEvent} e
   * @param {number} k */
  function cellAt(e, k) {
    const h = state.h, canvas = state.canvases[k];
    if (!h || !canvas) return null;
    const m = h.maps[k], L = mapLayout(m), box = canvas.getBoundingClientRect();
    const i = Math.floor(((e.clientY - box.top) / box.height) * L.R) - m.ring[0];
    const j = Math.floor(((e.clientX - box.left) / box.width) * L.C) - m.ring[2];
    return i >= 0 && i < m.rows && j >= 0 && j < m.cols ? { map: k, r: i, c: j } : null;
  }

  function build() {
    const h = /** @type {Header} */ (model.get("header"));
    state.h = h && h.maps ? h : null;
    state.geo = int32Of(model.get("geometry"));
    maps.textContent = "";
    state.canvases = [];
    state.figures = [];
    state.pictures = [];
    if (!state.h) return;
    title.textContent = h.words.title || "";
    help.textContent = h.words.help || "";
    message.textContent = h.message || "";
    h.maps.forEach((m, k) => {
      const fig = document.createElement("figure");
      fig.className = "ck-rf-map";
      fig.dataset.map = String(k);
      const cap = document.createElement("figcaption");
      cap.textContent = m.caption;
      fig.appendChild(cap);
      if (m.grid && mapLayout(m).scaled) {
        const note = document.createElement("div");
        note.className = "ck-rf-scaled";
        note.textContent = h.words.scaled_note || "";
        fig.appendChild(note);
      }
      if (m.grid) {
        const canvas = document.createElement("canvas");
        canvas.className = "ck-rf-canvas";
        canvas.setAttribute("aria-hidden", "true");
        fig.tabIndex = 0; // Tab moves between maps; arrow keys move the chosen cell
        fig.setAttribute("role", "group");
        fig.setAttribute("aria-label", `${m.caption}: arrow keys choose a cell`);
        fig.appendChild(canvas);
        canvas.addEventListener("pointermove", (e) => { const c = cellAt(e, k); if (c) choose(c, false); });
        canvas.addEventListener("click", (e) => { const c = cellAt(e, k); if (c) choose(c, true); });
        fig.addEventListener("focus", () => {
          if (state.chosen && state.chosen.map !== k) choose({ map: k, r: 0, c: 0 }, false);
        });
        fig.addEventListener("keydown", (e) => {
          /** @type {Record<string, number[]>} */
          const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
          const mv = moves[e.key];
          if (!mv || !state.chosen) return;
          e.preventDefault();
          e.stopPropagation();
          const base = state.chosen.map === k ? state.chosen : { map: k, r: 0, c: 0 };
          choose({ map: k, r: base.r + mv[0], c: base.c + mv[1] }, false);
        });
        state.canvases.push(canvas);
      } else {
        const note = document.createElement("div");
        note.className = "ck-rf-note";
        note.textContent = m.note || "";
        fig.appendChild(note);
        state.canvases.push(null);
      }
      state.figures.push(fig);
      maps.appendChild(fig);
    });
    const sel = model.get("selected") || [];
    const k = Math.min(Math.max(Number(sel[0]) | 0, 0), h.maps.length - 1);
    state.chosen = null;
    choose({ map: k, r: Number(sel[1]) | 0, c: Number(sel[2]) | 0 }, false);
    if (!state.chosen) { state.queued = false; draw(); }
  }

  // test hook: what each map highlights now, as plain arrays (map cells and padding cells separately)
  /** @type {any} */ (root).ckRead = () => {
    const h = state.h, res = state.result;
    if (!h || !res) return null;
    return h.maps.map((m, k) => {
      const W = ringSize(m)[1], cells = [], pads = [];
      for (let i = 0; i < res.masks[k].length; i++) {
        if (!res.masks[k][i]) continue;
        const r = Math.floor(i / W) - m.ring[0], c = (i % W) - m.ring[2];
        if (r >= 0 && r < m.rows && c >= 0 && c < m.cols) cells.push(r * m.cols + c); else pads.push([r, c]);
      }
      return { cells, pads };
    });
  };
  /** @type {any} */ (root).ckHeader = () => state.h;
  /** @type {any} */ (root).ckChoose = (/** @type {number} */ k, /** @type {number} */ r, /** @type {number} */ c) =>
    choose({ map: k, r, c }, false);

  const onGeometry = () => queueMicrotask(build);
  const onSelected = () => {
    const sel = model.get("selected") || [];
    if (sel.length === 3) choose({ map: sel[0] | 0, r: sel[1] | 0, c: sel[2] | 0 }, false);
  };
  model.on("change:header", onGeometry);
  model.on("change:geometry", onGeometry);
  model.on("change:selected", onSelected);
  const themeWatch = new MutationObserver(() => { state.queued = false; draw(); });
  if (document.body) themeWatch.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-light"] });
  build();
  return () => {
    themeWatch.disconnect();
    model.off("change:header", onGeometry);
    model.off("change:geometry", onGeometry);
    model.off("change:selected", onSelected);
  };
}

export default { render };
