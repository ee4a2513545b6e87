// @ts-check
// convkit TransposedKernelTraversal: the drawing and playback of a transposed convolution (or an upsampling).
//
// Everything drawn comes from the payload the Python side sends once per change of the settings: a JSON header
// (sizes, sentences, step templates from convkit/render/transpose_words.py, the palette) and binary arrays
// (per-axis scatter tables, overlap counts, numbers). Playback runs here in requestAnimationFrame and sends
// nothing to the kernel; the step goes back once when playback pauses or the learner scrubs.
//
// Scatter view: step i = input cell i times the kernel, added into the drawn grid (uncropped output plus the cells
// output_padding appends); counts (and values) accumulate, the crop is a dashed frame.
// Zero-stuffed view: step o = output cell o, the flipped kernel over the stuffed, padded input.

const MAX_VIEW_CELLS = 30; // a panel shows at most this many cells a side; larger grids follow the kernel
const PANEL_PX = 360;
const MIN_CELL = 12;
const LIVE_MS_PLAYING = 1000; // narration while playing: at most one sentence a second

/** @param {any} value @returns {Uint8Array} */
function bytesOf(value) {
  if (!value) return new Uint8Array(0);
  if (value instanceof DataView) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return new Uint8Array(0);
}
/** @param {any} value */
function int32(value) {
  const b = bytesOf(value).slice();
  return new Int32Array(b.buffer, 0, Math.floor(b.byteLength / 4));
}
/** @param {any} value */
function float64(value) {
  const b = bytesOf(value).slice();
  return new Float64Array(b.buffer, 0, Math.floor(b.byteLength / 8));
}

/** Python's "%.3g" (what convkit.render.traversal_words.fmt writes). @param {number} v */
function g3(v) {
  if (v === 0 || !isFinite(v)) return String(v === 0 ? 0 : v);
  const [m, e] = v.toExponential(2).split("e");
  const ex = parseInt(e, 10);
  if (ex < -4 || ex >= 3) {
    const mant = m.includes(".") ? m.replace(/\.?0+$/, "") : m;
    return `${mant}e${ex < 0 ? "-" : "+"}${String(Math.abs(ex)).padStart(2, "0")}`;
  }
  let out = v.toFixed(Math.max(0, 2 - ex));
  if (out.includes(".")) out = out.replace(/\.?0+$/, "");
  return out;
}
/** @param {number} v @param {boolean} whole */
const fmt = (v, whole) => (whole && Number.isInteger(v) ? String(v) : g3(v));
/** @param {string} t @param {Record<string, any>} f */
const fill = (t, f) => t.replace(/\{(\w+)\}/g, (_, k) => String(f[k]));

/** The geometry decoded once per payload. @param {any} model */
function decode(model) {
  const h = model.get("header") || {};
  if (!h.input_size) return null;
  const rank = h.rank;
  const two = (/** @type {number[]} */ a, /** @type {number} */ one) => (rank === 1 ? [one, a[0]] : a);
  const targets = int32(model.get("targets"));
  const inSize = two(h.input_size, 1);
  const widths = two(h.widths, 1);
  const t0 = rank === 1 ? new Int32Array([0]) : targets.subarray(0, inSize[0] * widths[0]);
  const t1 = rank === 1 ? targets : targets.subarray(inSize[0] * widths[0]);
  const g = {
    h,
    rank,
    inSize,
    outSize: two(h.output_size, 1),
    gridSize: two(h.grid_size, 1),
    before: two(h.crop_before, 0),
    kernel: two(h.kernel_size, 1),
    widths,
    tables: [t0, t1],
    overlap: int32(model.get("overlap")),
    strides: h.strides ? two(h.strides, 1) : [1, 1],
    dilation: h.dilation ? two(h.dilation, 1) : [1, 1],
    stuffed: h.stuffed_size ? two(h.stuffed_size, 1) : [1, 1],
    dpad: h.direct_padding ? (rank === 1 ? [[0, 0], h.direct_padding[0]] : h.direct_padding) : [[0, 0], [0, 0]],
    numbers: !!h.numbers,
    x: float64(model.get("x")),
    contrib: float64(model.get("contrib")),
    output: float64(model.get("output")),
    parts: float64(model.get("parts")),
    channels: h.channels || 1,
    whole: !!h.whole,
  };
  return g;
}

/** @typedef {NonNullable<ReturnType<typeof decode>>} Geo */

/** Rows and columns (drawn-grid coordinates, -1 = none) step s adds to. @param {Geo} g @param {number} s */
function scatterAxes(g, s) {
  const i0 = Math.floor(s / g.inSize[1]);
  const i1 = s % g.inSize[1];
  return [
    g.tables[0].subarray(i0 * g.widths[0], (i0 + 1) * g.widths[0]),
    g.tables[1].subarray(i1 * g.widths[1], (i1 + 1) * g.widths[1]),
    [i0, i1],
  ];
}

/** @param {Geo} g @param {number[]} lo @param {number[]} hi */
function spanText(g, lo, hi) {
  return g.rank === 1 ? `cells ${lo[1]}–${hi[1]}` : `rows ${lo[0]}–${hi[0]}, cols ${lo[1]}–${hi[1]}`;
}
/** @param {Geo} g @param {number[]} idx */
const cellText = (g, idx) => (g.rank === 1 ? String(idx[1]) : `${idx[0]}, ${idx[1]}`);

/** Taps of output cell o's direct window that read an input cell, per axis. @param {Geo} g @param {number[]} o */
function directReal(g, o) {
  let count = 1;
  for (let ax = 0; ax < 2; ax++) {
    const k = g.kernel[ax], d = g.dilation[ax], s = g.strides[ax];
    let hits = 0;
    for (let j = 0; j < k; j++) {
      const pos = o[ax] + g.before[ax] - (k - 1 - j) * d;
      if (pos >= 0 && pos % s === 0 && pos / s < g.inSize[ax]) hits++;
    }
    count *= hits;
  }
  return count;
}

/** The narration of step s (same fields as transpose_words.step_fields). @param {Geo} g @param {string} view @param {number} s */
function sentence(g, view, s) {
  const T = g.h.templates;
  if (view === "direct") {
    const o = [Math.floor(s / g.outSize[1]), s % g.outSize[1]];
    const keff = [0, 1].map((ax) => (g.kernel[ax] - 1) * g.dilation[ax] + 1);
    return fill(T.direct, {
      n: s + 1,
      total: g.outSize[0] * g.outSize[1],
      cell: cellText(g, o),
      span: spanText(g, o, [o[0] + keff[0] - 1, o[1] + keff[1] - 1]),
      real: directReal(g, o),
      taps: g.kernel[0] * g.kernel[1],
    });
  }
  const [r0, r1, idx] = scatterAxes(g, s);
  const inside = [r0, r1].map((r, ax) =>
    Array.from(r).filter((v) => v >= 0 && v - g.before[ax] >= 0 && v - g.before[ax] < g.outSize[ax]).map((v) => v - g.before[ax]));
  const taps = Array.from(r0).filter((v) => v >= 0).length * Array.from(r1).filter((v) => v >= 0).length;
  const kept = inside[0].length * inside[1].length;
  const f = { n: s + 1, total: g.inSize[0] * g.inSize[1], cell: cellText(g, idx) };
  if (kept === 0) return fill(T.scatter_empty, f);
  const span = spanText(g, inside.map((r) => Math.min(...r)), inside.map((r) => Math.max(...r)));
  if (g.h.operation === "upsample") return fill(T[`scatter_${g.h.interpolation}`], { ...f, span });
  const patch = g.rank === 1 ? `${g.kernel[1]}` : `${g.kernel[0]}×${g.kernel[1]}`;
  const cut = kept < taps ? fill(T.cut, { cropped: taps - kept, taps }) : "";
  return fill(T.scatter, { ...f, span, patch, cut });
}

/** Running counts and values of the drawn grid after steps 0..step (scatter view). */
class Accumulator {
  /** @param {Geo} g */
  constructor(g) {
    this.g = g;
    this.count = new Int32Array(g.gridSize[0] * g.gridSize[1]);
    this.value = new Float64Array(g.numbers ? this.count.length : 0);
    this.upTo = -1;
  }
  /** @param {number} step */
  to(step) {
    if (step < this.upTo) {
      this.count.fill(0);
      this.value.fill(0);
      this.upTo = -1;
    }
    const g = this.g, W = g.gridSize[1], taps = g.widths[0] * g.widths[1];
    for (let s = this.upTo + 1; s <= step; s++) {
      const [r0, r1] = scatterAxes(g, s);
      for (let a = 0; a < r0.length; a++) {
        if (r0[a] < 0) continue;
        for (let b = 0; b < r1.length; b++) {
          if (r1[b] < 0) continue;
          const c = r0[a] * W + r1[b];
          this.count[c]++;
          if (g.numbers) this.value[c] += g.contrib[s * taps + a * g.widths[1] + b];
        }
      }
    }
    this.upTo = step;
  }
}

/** @param {number} n @param {number} lo @param {number} hi */
function viewport(n, lo, hi) {
  if (n <= MAX_VIEW_CELLS) return { start: 0, count: n, full: n, cell: Math.max(MIN_CELL, Math.min(36, Math.floor(PANEL_PX / n))) };
  const mid = Math.floor((lo + hi) / 2);
  const page = Math.floor(MAX_VIEW_CELLS / 2);
  // moves by half a view at a time, so the view stays still for several steps
  let start = Math.floor((mid - page / 2) / page) * page;
  start = Math.max(0, Math.min(n - MAX_VIEW_CELLS, start));
  return { start, count: MAX_VIEW_CELLS, full: n, cell: MIN_CELL };
}

/** @param {{ model: any, el: HTMLElement }} ctx */
function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "convkit-transpose";
  root.tabIndex = 0;
  root.setAttribute("role", "group");
  root.innerHTML = `
    <div class="ck-title"></div>
    <div class="ck-toolbar">
      <button class="ck-button ck-first" type="button" aria-label="first step">|◀</button>
      <button class="ck-button ck-prev" type="button" aria-label="previous step">◀</button>
      <button class="ck-button ck-play" type="button" aria-label="play">▶</button>
      <button class="ck-button ck-next" type="button" aria-label="next step">▶|</button>
      <input class="ck-scrubber" type="range" min="0" value="0" aria-label="step">
      <span class="ck-step-text" aria-hidden="true"></span>
      <label>speed <input class="ck-speed" type="number" min="0.5" max="120" step="0.5" aria-label="steps per second"></label>
      <label><input class="ck-loop" type="checkbox"> loop</label>
    </div>
    <div class="ck-toolbar">
      <span role="radiogroup" aria-label="view" class="ck-views">
        <button class="ck-button ck-view" type="button" role="radio" data-view="scatter"></button>
        <button class="ck-button ck-view" type="button" role="radio" data-view="direct"></button>
      </span>
      <label><input class="ck-overlap" type="checkbox"> overlap count map</label>
      <span class="ck-zoom-text"></span>
    </div>
    <div class="ck-stage"><canvas class="ck-canvas" role="img"></canvas></div>
    <div class="ck-step-info" role="status" aria-live="polite"></div>
    <div class="ck-sum"></div>
    <div class="ck-info">
      <div class="ck-formula"></div>
      <div class="ck-crop-text"></div>
      <div class="ck-overlap-text"></div>
      <div class="ck-depth-text"></div>
    </div>`;
  el.appendChild(root);
  const $ = (/** @type {string} */ q) => /** @type {HTMLElement} */ (root.querySelector(q));
  const canvas = /** @type {HTMLCanvasElement} */ ($(".ck-canvas"));
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
  const scrub = /** @type {HTMLInputElement} */ ($(".ck-scrubber"));
  const speedBox = /** @type {HTMLInputElement} */ ($(".ck-speed"));
  const loopBox = /** @type {HTMLInputElement} */ ($(".ck-loop"));
  const overlapBox = /** @type {HTMLInputElement} */ ($(".ck-overlap"));
  const viewButtons = /** @type {HTMLButtonElement[]} */ (Array.from(root.querySelectorAll(".ck-view")));

  /** @type {{ g: Geo | null, acc: Accumulator | null, step: number, view: string, overlap: boolean, playing: boolean, frames: number, raf: number, last: number, carry: number, liveAt: number }} */
  const st = { g: null, acc: null, step: 0, view: "scatter", overlap: false, playing: false, frames: 0, raf: 0, last: 0, carry: 0, liveAt: 0 };
  const dark = () => !!document.body && document.body.dataset.jpThemeLight === "false";

  const numSteps = () => {
    const g = st.g;
    if (!g) return 1;
    return st.view === "direct" ? g.outSize[0] * g.outSize[1] : g.inSize[0] * g.inSize[1];
  };

  function loadPayload() {
    st.g = decode(model);
    st.acc = st.g ? new Accumulator(st.g) : null;
    const h = st.g ? st.g.h : {};
    $(".ck-title").textContent = h.title || "";
    $(".ck-formula").textContent = (h.formula || []).join("\n");
    $(".ck-crop-text").textContent = h.crop || "";
    $(".ck-overlap-text").textContent = h.overlap_text || "";
    $(".ck-depth-text").textContent = h.depth_text || "";
    for (const b of viewButtons) {
      b.textContent = (h.view_names || {})[b.dataset.view || ""] || b.dataset.view || "";
      b.disabled = b.dataset.view === "direct" && !h.has_direct;
    }
  }

  function syncFromModel() {
    st.view = model.get("view");
    st.overlap = model.get("show_overlap");
    st.step = Math.min(model.get("step"), numSteps() - 1);
    speedBox.value = String(model.get("speed"));
    loopBox.checked = model.get("loop");
    draw(true);
  }

  /** @param {string} name @param {any} value */
  function send(name, value) {
    model.set(name, value);
    model.save_changes();
  }

  function colours() {
    const h = st.g ? st.g.h : {};
    const theme = dark() ? "dark" : "light";
    return { c: (h.colours || {})[theme] || {}, ov: (h.overlap_colours || {})[theme] || [] };
  }

  /** @param {string} hex */
  function textOn(hex) {
    const n = parseInt(hex.slice(1), 16);
    const lum = 0.2126 * ((n >> 16) & 255) + 0.7152 * ((n >> 8) & 255) + 0.0722 * (n & 255);
    return lum > 140 ? "#1A1A1A" : "#F0F0F0";
  }

  /**
   * One grid panel. cellFn(r, c) -> { fill, text?, hatch? }.
   * @param {number} x0 @param {number} y0 @param {{start:number,count:number,full:number,cell:number}[]} vp
   * @param {(r: number, c: number) => {fill: string, text?: string, hatch?: boolean, dot?: boolean}} cellFn @param {any} C
   */
  function drawGrid(x0, y0, vp, cellFn, C) {
    const [vr, vc] = vp;
    ctx.font = `${Math.max(8, Math.floor(vr.cell * 0.42))}px sans-serif`;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    for (let i = 0; i < vr.count; i++) {
      for (let j = 0; j < vc.count; j++) {
        const r = vr.start + i, c = vc.start + j;
        const cell = cellFn(r, c);
        const x = x0 + j * vc.cell, y = y0 + i * vr.cell;
        ctx.fillStyle = cell.fill;
        ctx.fillRect(x, y, vc.cell, vr.cell);
        if (cell.hatch) {
          ctx.strokeStyle = C.grid_line;
          ctx.beginPath();
          ctx.moveTo(x, y + vr.cell);
          ctx.lineTo(x + vc.cell, y);
          ctx.stroke();
        }
        ctx.strokeStyle = C.grid_line;
        ctx.lineWidth = 0.5;
        ctx.strokeRect(x + 0.25, y + 0.25, vc.cell - 0.5, vr.cell - 0.5);
        if (cell.dot) {  // an inserted zero: marked by a dot as well as by its colour
          ctx.fillStyle = C.grid_line;
          ctx.fillRect(x + vc.cell / 2 - 1, y + vr.cell / 2 - 1, 2, 2);
        }
        if (cell.text && vc.cell >= 16) {
          ctx.fillStyle = textOn(cell.fill);
          ctx.fillText(cell.text, x + vc.cell / 2, y + vr.cell / 2, vc.cell - 2);
        }
      }
    }
  }

  /** @param {number} x0 @param {number} y0 @param {{start:number,count:number,full:number,cell:number}[]} vp @param {number} r0 @param {number} c0 @param {number} r1 @param {number} c1 */
  function rect(x0, y0, vp, r0, c0, r1, c1) {
    const [vr, vc] = vp;
    return [x0 + (c0 - vc.start) * vc.cell, y0 + (r0 - vr.start) * vr.cell, (c1 - c0) * vc.cell, (r1 - r0) * vr.cell];
  }

  /** Outlines stay inside their panel (a frame larger than the followed view is cut at its edges, not moved).
   * @param {number} x0 @param {number} y0 @param {{start:number,count:number,full:number,cell:number}[]} vp @param {() => void} paint */
  function clipped(x0, y0, vp, paint) {
    ctx.save();
    ctx.beginPath();
    ctx.rect(x0 - 2, y0 - 2, vp[1].count * vp[1].cell + 4, vp[0].count * vp[0].cell + 4);
    ctx.clip();
    paint();
    ctx.restore();
  }

  /** @param {boolean} [live] */
  function draw(live) {
    const g = st.g;
    if (!g) return;
    const { c: C, ov } = colours();
    const ovColour = (/** @type {number} */ n) => (n <= 0 ? C.output_cell : ov[Math.min(n, ov.length) - 1]);
    const s = st.step;
    let left, right, drawLeft, drawRight, leftBox = null, rightBoxes = [], frame = null, zoom = "";
    if (st.view === "scatter") {
      /** @type {Accumulator} */ (st.acc).to(s);
      const acc = /** @type {Accumulator} */ (st.acc);
      const [r0, r1, idx] = scatterAxes(g, s);
      const rows = Array.from(r0).filter((v) => v >= 0), cols = Array.from(r1).filter((v) => v >= 0);
      left = [viewport(g.inSize[0], idx[0], idx[0]), viewport(g.inSize[1], idx[1], idx[1])];
      right = [viewport(g.gridSize[0], Math.min(...rows), Math.max(...rows)), viewport(g.gridSize[1], Math.min(...cols), Math.max(...cols))];
      const W = g.gridSize[1];
      drawLeft = (/** @type {number} */ r, /** @type {number} */ c) => {
        const i = r * g.inSize[1] + c;
        const f = i === s ? C.tap : i < s ? C.output_done : C.input_cell;
        return { fill: f, text: g.numbers ? fmt(g.x[i * g.channels], g.whole) : "" };
      };
      const inFrame = (/** @type {number} */ r, /** @type {number} */ c) =>
        r >= g.before[0] && r < g.before[0] + g.outSize[0] && c >= g.before[1] && c < g.before[1] + g.outSize[1];
      drawRight = (/** @type {number} */ r, /** @type {number} */ c) => {
        const n = st.overlap ? g.overlap[r * W + c] : acc.count[r * W + c];
        const text = g.numbers ? (acc.count[r * W + c] ? fmt(acc.value[r * W + c], g.whole) : "") : n ? String(n) : "";
        return { fill: ovColour(n), text, hatch: !inFrame(r, c) };
      };
      leftBox = [idx[0], idx[1], idx[0] + 1, idx[1] + 1];
      for (const a of rows) for (const b of cols) rightBoxes.push([a, b, a + 1, b + 1]);
      rightBoxes.push([Math.min(...rows), Math.min(...cols), Math.max(...rows) + 1, Math.max(...cols) + 1]);
      frame = [g.before[0], g.before[1], g.before[0] + g.outSize[0], g.before[1] + g.outSize[1]];
    } else {
      const o = [Math.floor(s / g.outSize[1]), s % g.outSize[1]];
      const keff = [0, 1].map((ax) => (g.kernel[ax] - 1) * g.dilation[ax] + 1);
      const P = [0, 1].map((ax) => g.stuffed[ax] + g.dpad[ax][0] + g.dpad[ax][1]);
      left = [viewport(P[0], o[0], o[0] + keff[0] - 1), viewport(P[1], o[1], o[1] + keff[1] - 1)];
      right = [viewport(g.outSize[0], o[0], o[0]), viewport(g.outSize[1], o[1], o[1])];
      drawLeft = (/** @type {number} */ r, /** @type {number} */ c) => {
        const u = r - g.dpad[0][0], v = c - g.dpad[1][0];
        const inside = u >= 0 && v >= 0 && u < g.stuffed[0] && v < g.stuffed[1];
        if (!inside) return { fill: C.padding_cell, text: g.numbers ? "0" : "", hatch: true };
        if (u % g.strides[0] || v % g.strides[1]) return { fill: C.background, text: g.numbers ? "0" : "", dot: !g.numbers };
        const i = (u / g.strides[0]) * g.inSize[1] + v / g.strides[1];
        return { fill: C.input_cell, text: g.numbers ? fmt(g.x[i * g.channels], g.whole) : "" };
      };
      const OW = g.outSize[1];
      drawRight = (/** @type {number} */ r, /** @type {number} */ c) => {
        const i = r * OW + c;
        if (st.overlap) {
          const n = g.overlap[(r + g.before[0]) * g.gridSize[1] + c + g.before[1]];
          return { fill: ovColour(n), text: g.numbers ? fmt(g.output[i], g.whole) : String(n) };
        }
        const f = i === s ? C.output_current : i < s ? C.output_done : C.output_cell;
        return { fill: f, text: g.numbers && i <= s ? fmt(g.output[i], g.whole) : "" };
      };
      for (let a = 0; a < g.kernel[0]; a++)
        for (let b = 0; b < g.kernel[1]; b++) {
          const rr = o[0] + a * g.dilation[0], cc = o[1] + b * g.dilation[1];
          leftBoxTaps.push([rr, cc, rr + 1, cc + 1]);
        }
      leftBox = [o[0], o[1], o[0] + keff[0], o[1] + keff[1]];
      rightBoxes = [[o[0], o[1], o[0] + 1, o[1] + 1]];
    }
    const size = (/** @type {any[]} */ vp) => [vp[1].count * vp[1].cell, vp[0].count * vp[0].cell];
    const [lw, lh] = size(left), [rw, rh] = size(right);
    const gap = 28, pad = 4;
    const W = Math.ceil(lw + gap + rw + 2 * pad), H = Math.ceil(Math.max(lh, rh) + 2 * pad);
    const ratio = window.devicePixelRatio || 1;
    if (canvas.width !== W * ratio || canvas.height !== H * ratio) {
      canvas.width = W * ratio;
      canvas.height = H * ratio;
      canvas.style.width = `${W}px`;
      canvas.style.height = `${H}px`;
    }
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.fillStyle = C.background;
    ctx.fillRect(0, 0, W, H);
    const lx = pad, rx = pad + lw + gap, y = pad;
    drawGrid(lx, y, left, drawLeft, C);
    drawGrid(rx, y, right, drawRight, C);
    clipped(lx, y, left, () => {
      ctx.strokeStyle = C.window;
      ctx.lineWidth = 1.5;
      for (const b of leftBoxTaps.splice(0)) {
        const [x, yy, w, hh] = rect(lx, y, left, b[0], b[1], b[2], b[3]);
        ctx.strokeRect(x + 2, yy + 2, w - 4, hh - 4);
      }
      if (leftBox) {
        ctx.lineWidth = 3;
        const [x, yy, w, hh] = rect(lx, y, left, leftBox[0], leftBox[1], leftBox[2], leftBox[3]);
        ctx.strokeRect(x, yy, w, hh);
      }
    });
    clipped(rx, y, right, () => {
      ctx.strokeStyle = C.window;
      rightBoxes.forEach((b, k) => {
        const big = k === rightBoxes.length - 1;
        const inset = big ? 0 : 2;
        ctx.lineWidth = big ? 3 : 1.5;
        const [x, yy, w, hh] = rect(rx, y, right, b[0], b[1], b[2], b[3]);
        ctx.strokeRect(x + inset, yy + inset, w - 2 * inset, hh - 2 * inset);
      });
      if (frame) {
        const [x, yy, w, hh] = rect(rx, y, right, frame[0], frame[1], frame[2], frame[3]);
        ctx.strokeStyle = C.unread;
        ctx.lineWidth = 2.5;
        ctx.setLineDash([6, 4]);
        ctx.strokeRect(x, yy, w, hh);
        ctx.setLineDash([]);
      }
    });
    const leftFull = left.map((v) => v.full);
    const rightFull = right.map((v) => v.full);
    for (const [v, n, what] of [[right, rightFull, "output"], [left, leftFull, "input"]]) {
      if (v[0].count < n[0] || v[1].count < n[1]) {
        const shown = g.rank === 1
          ? `${what} cells ${v[1].start}–${v[1].start + v[1].count - 1}`
          : `${what} rows ${v[0].start}–${v[0].start + v[0].count - 1}, cols ${v[1].start}–${v[1].start + v[1].count - 1}`;
        zoom = fill(g.h.templates.zoom, { shown, size: g.rank === 1 ? `${n[1]}` : `${n[0]}×${n[1]}` });
        break;
      }
    }
    $(".ck-zoom-text").textContent = zoom;
    const total = numSteps();
    scrub.max = String(total - 1);
    scrub.value = String(s);
    $(".ck-step-text").textContent = `step ${s + 1}/${total}`;
    const text = sentence(g, st.view, s);
    canvas.setAttribute("aria-label", `${g.h.title}. ${text}`);
    const now = performance.now();
    if (live || !st.playing || now - st.liveAt > LIVE_MS_PLAYING) {
      $(".ck-step-info").textContent = text;
      st.liveAt = now;
    }
    $(".ck-sum").textContent = g.numbers ? sumText(g, s) : "";
    for (const b of viewButtons) {
      const on = b.dataset.view === st.view;
      b.setAttribute("aria-checked", String(on));
      b.classList.toggle("ck-on", on);
    }
    overlapBox.checked = st.overlap;
    st.frames++;
    root.dataset.frames = String(st.frames);
    root.dataset.step = String(s);
    root.dataset.view = st.view;
    root.dataset.playing = String(st.playing);
    root.dataset.cellSize = String(right[1].cell);
    root.dataset.theme = dark() ? "dark" : "light";
  }
  /** @type {number[][]} */
  const leftBoxTaps = [];

  /** @param {Geo} g @param {number} s */
  function sumText(g, s) {
    const T = g.h.templates;
    if (st.view === "direct") {
      const o = [Math.floor(s / g.outSize[1]), s % g.outSize[1]];
      const i = s;
      let parts = "";
      if (g.channels > 1) {
        const bits = [];
        for (let c = 0; c < g.channels; c++) bits.push(fill(T.part, { c, v: fmt(g.parts[i * g.channels + c], g.whole) }));
        parts = " = " + bits.join(" + ");
      }
      return fill(T.sum_direct, { cell: cellText(g, o), value: fmt(g.output[i], g.whole), parts });
    }
    const [r0, r1] = scatterAxes(g, s);
    const a = Array.from(r0).find((v) => v >= 0), b = Array.from(r1).find((v) => v >= 0);
    const xs = [];
    const nc = g.h.operation === "upsample" ? 1 : g.channels;
    for (let c = 0; c < nc; c++) xs.push(fmt(g.x[s * nc + c], g.whole));
    const acc = /** @type {Accumulator} */ (st.acc);
    const cell = /** @type {number} */ (a) * g.gridSize[1] + /** @type {number} */ (b);
    const first = g.rank === 1 ? String(b) : `${a}, ${b}`;
    const name = g.h.operation === "conv" ? "sum_scatter" : `sum_scatter_${g.h.interpolation}`;
    return fill(T[name], { value: xs.length === 1 ? xs[0] : `(${xs.join(", ")})`, first, now: fmt(acc.value[cell], g.whole) });
  }

  function tick(/** @type {number} */ t) {
    if (!st.playing) return;
    const dt = st.last ? (t - st.last) / 1000 : 0;
    st.last = t;
    st.carry += dt * Math.max(0.5, Number(speedBox.value) || 4);
    const n = Math.floor(st.carry);
    if (n > 0) {
      st.carry -= n;
      let next = st.step + n;
      if (next >= numSteps()) {
        if (loopBox.checked) next = next % numSteps();
        else {
          st.step = numSteps() - 1;
          pause();
          return;
        }
      }
      st.step = next;
    }
    draw();
    st.raf = requestAnimationFrame(tick);
  }
  function play() {
    if (st.playing) return;
    if (st.step >= numSteps() - 1) st.step = 0;
    st.playing = true;
    st.last = 0;
    st.carry = 0;
    $(".ck-play").textContent = "⏸";
    $(".ck-play").setAttribute("aria-label", "pause");
    root.dataset.playing = "true";
    st.raf = requestAnimationFrame(tick);
  }
  function pause() {
    st.playing = false;
    cancelAnimationFrame(st.raf);
    $(".ck-play").textContent = "▶";
    $(".ck-play").setAttribute("aria-label", "play");
    draw(true);
    send("step", st.step);
  }
  /** @param {number} s */
  function goTo(s) {
    if (st.playing) pause();
    st.step = Math.max(0, Math.min(numSteps() - 1, s));
    draw(true);
    send("step", st.step);
  }
  /** @param {string} view */
  function setView(view) {
    if (view === st.view || (view === "direct" && !(st.g && st.g.h.has_direct))) return;
    if (st.playing) pause();
    st.view = view;
    st.step = 0;
    model.set("view", view);
    model.set("step", 0);
    model.save_changes();
    draw(true);
  }
  function toggleOverlap() {
    st.overlap = !st.overlap;
    send("show_overlap", st.overlap);
    draw(true);
  }

  $(".ck-play").addEventListener("click", () => (st.playing ? pause() : play()));
  $(".ck-first").addEventListener("click", () => goTo(0));
  $(".ck-prev").addEventListener("click", () => goTo(st.step - 1));
  $(".ck-next").addEventListener("click", () => goTo(st.step + 1));
  scrub.addEventListener("input", () => {
    if (st.playing) pause();
    st.step = Number(scrub.value);
    draw(true);
  });
  scrub.addEventListener("change", () => send("step", st.step));
  speedBox.addEventListener("change", () => {
    const v = Number(speedBox.value);
    if (v >= 0.5 && v <= 120) {
      speedBox.classList.remove("ck-invalid");
      send("speed", v);
    } else speedBox.classList.add("ck-invalid");
  });
  loopBox.addEventListener("change", () => send("loop", loopBox.checked));
  overlapBox.addEventListener("change", () => {
    if (overlapBox.checked !== st.overlap) toggleOverlap();
  });
  for (const b of viewButtons) b.addEventListener("click", () => setView(b.dataset.view || "scatter"));
  root.querySelector(".ck-views")?.addEventListener("keydown", (ev) => {
    const e = /** @type {KeyboardEvent} */ (ev);
    if (["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown"].includes(e.key)) {
      e.preventDefault();
      e.stopPropagation();
      setView(st.view === "scatter" ? "direct" : "scatter");
      const on = viewButtons.find((b) => b.dataset.view === st.view);
      if (on) on.focus();
    }
  });
  root.addEventListener("keydown", (e) => {
    const target = /** @type {HTMLElement} */ (e.target);
    if (target.tagName === "INPUT" && target !== overlapBox && target !== loopBox) return;
    if (e.key === " " && target === root) {
      e.preventDefault();
      st.playing ? pause() : play();
    } else if (e.key === "ArrowRight" && target === root) goTo(st.step + 1);
    else if (e.key === "ArrowLeft" && target === root) goTo(st.step - 1);
    else if (e.key === "Home" && target === root) goTo(0);
    else if (e.key === "End" && target === root) goTo(numSteps() - 1);
    else if (e.key === "v" && target === root) setView(st.view === "scatter" ? "direct" : "scatter");
    else if (e.key === "o" && target === root) toggleOverlap();
  });

  const onPayload = () => {
    if (st.playing) {
      st.playing = false;
      cancelAnimationFrame(st.raf);
    }
    loadPayload();
    syncFromModel();
  };
  model.on("change:header", onPayload);
  for (const name of ["view", "step", "show_overlap", "speed", "loop"]) model.on(`change:${name}`, () => { if (!st.playing) syncFromModel(); });
  const themeWatch = new MutationObserver(() => draw(true));
  if (document.body) themeWatch.observe(document.body, { attributes: true, attributeFilter: ["data-jp-theme-light"] });
  loadPayload();
  syncFromModel();
  return () => {
    st.playing = false;
    cancelAnimationFrame(st.raf);
    themeWatch.disconnect();
  };
}

export default { render };
