// doodle.js: the Python pipeline of a guess, written again in JavaScript for the browser (no server).
//
//   raw strokes [xs, ys, ts] -> simplifyRaw   (core.simplify_raw: Google's simplification)
//                            -> strokeTimes   (core.stroke_times)  -> timeColours (render.time_colours)
//                            -> render        (render.render_arrays: frame, _render, _capsule)
//                            -> Guesser.guess (onnxruntime-web 1.13 WASM on the `doodle-export` ONNX file, softmax, top 3)
//
// Every function follows its Python twin operation by operation, in float64 like numpy and numba, so the image the
// model sees is the image training drew: the browser test in nbs/08c_web.ipynb feeds real raw drawings through both
// and compares the pixels. A page whose preprocessing differs from training's guesses nonsense (ml5's DoodleNet
// "guesses camouflage every time", drawphone #46): that test is the guard.

// ---------------------------------------------------------------- core.simplify_raw

// numpy's `np.round`: halves go to the even neighbour (Math.round sends them up).
export function roundHalfEven(x) {
  const f = Math.floor(x), d = x - f;   // exact for doubles below 2^52
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

// np.hypot as numpy computes it on Linux x86-64: glibc's __hypot (sysdeps/ieee754/dbl-64/e_hypot.c, glibc >= 2.35,
// the kernel without FMA). Math.hypot is not it: it differs in the last bit on about a third of the inputs, which moves a
// resampled point or flips an RDP choice now and then (6 drawings in 1,032 differed by a few pixels with Math.hypot).
// (glibc built with FMA, e.g. on aarch64, uses another kernel: numpy there gives other last bits.)
const EPS = 2 ** -54, LARGE = 2 ** 511, TINY = 2 ** -511, SCALE = 2 ** -600;
function hypotKernel(ax, ay) {   // ax >= ay >= 0, neither squaring overflows or underflows
  let h = Math.sqrt(ax * ax + ay * ay), t1, t2;
  if (h <= 2.0 * ay) { const delta = h - ay; t1 = ax * (2.0 * delta - ax); t2 = (delta - 2.0 * (ax - ay)) * delta; }
  else { const delta = h - ax; t1 = 2.0 * delta * (ax - 2.0 * ay); t2 = (4.0 * delta - ay) * ay + delta * delta; }
  return h - (t1 + t2) / (2.0 * h);
}
export function hypot(x, y) {
  x = Math.abs(x); y = Math.abs(y);
  const ax = x < y ? y : x, ay = x < y ? x : y;
  if (ax > LARGE) return ay <= ax * EPS ? ax + ay : hypotKernel(ax * SCALE, ay * SCALE) / SCALE;
  if (ay < TINY) return ax >= ay / EPS ? ax + ay : hypotKernel(ax / SCALE, ay / SCALE) * SCALE;
  return ay <= ax * EPS ? ax + ay : hypotKernel(ax, ay);
}

// core._resample: points along polyline `p` (array of [x, y]) every `step` px, both ends kept.
// np.interp is followed exactly: j = the last knot with cum[j] <= s, then slope*(s - cum[j]) + y[j].
function resample(p, step = 1.0) {
  if (p.length < 2) return p;
  const cum = [0];
  for (let i = 1; i < p.length; i++) cum.push(cum[i - 1] + hypot(p[i][0] - p[i - 1][0], p[i][1] - p[i - 1][1]));
  const L = cum[cum.length - 1];
  if (L === 0) return [p[0]];
  const s = [];
  for (let i = 0, n = Math.ceil(L / step); i < n; i++) s.push(i * step);   // np.arange(0, L, step)
  s.push(L);
  const out = [], last = cum.length - 1;
  let j = 0;
  for (const x of s) {   // s ascends, so the knot search only moves forward
    while (j < last && cum[j + 1] <= x) j++;
    if (j === last || cum[j] === x) { out.push([p[j][0], p[j][1]]); continue; }
    const dx = cum[j + 1] - cum[j];
    out.push([0, 1].map(k => ((p[j + 1][k] - p[j][k]) / dx) * (x - cum[j]) + p[j][k]));
  }
  return out;
}

// core._rdp: indices kept by Ramer-Douglas-Peucker on polyline `p` with tolerance `eps`.
function rdp(p, eps) {
  const keep = new Uint8Array(p.length); keep[0] = keep[p.length - 1] = 1;
  const stack = [[0, p.length - 1]];
  while (stack.length) {
    const [a, b] = stack.pop();
    if (b <= a + 1) continue;
    const sx = p[b][0] - p[a][0], sy = p[b][1] - p[a][1], L = hypot(sx, sy);
    let best = -1, bi = 0;
    for (let k = a + 1; k < b; k++) {
      const dx = p[k][0] - p[a][0], dy = p[k][1] - p[a][1];
      const d = L > 0 ? Math.abs(sx * dy - sy * dx) / L : hypot(dx, dy);
      if (d > best) { best = d; bi = k; }   // argmax: the first of equal maxima
    }
    if (best > eps) { keep[bi] = 1; stack.push([a, bi], [bi, b]); }
  }
  const idx = [];
  keep.forEach((v, i) => v && idx.push(i));
  return idx;
}

// core.simplify_raw: align top-left, scale to 0-255 (one factor for both axes), resample at 1 px, RDP(eps), round, clip.
// raw: [[xs, ys, ts], ...] -> [[xs, ys], ...] with integer coordinates 0-255.
export function simplifyRaw(raw, eps = 2.0) {
  let mx = Infinity, my = Infinity;
  for (const [xs, ys] of raw) for (let i = 0; i < xs.length; i++) { mx = Math.min(mx, xs[i]); my = Math.min(my, ys[i]); }
  let top = -Infinity;
  for (const [xs, ys] of raw) for (let i = 0; i < xs.length; i++) top = Math.max(top, xs[i] - mx, ys[i] - my);
  const scale = 255 / Math.max(top, 1e-9);
  return raw.map(([xs, ys]) => {
    const r = resample(xs.map((x, i) => [(x - mx) * scale, (ys[i] - my) * scale]));
    const q = rdp(r, eps).map(i => r[i].map(v => Math.min(Math.max(roundHalfEven(v), 0), 255)));
    return [q.map(v => v[0]), q.map(v => v[1])];
  });
}

// core.stroke_times: each stroke's (first, last) time in ms.
export const strokeTimes = raw => raw.map(([, , ts]) => [ts[0], ts[ts.length - 1]]);

// ---------------------------------------------------------------- render

// render.stroke_palette: the hue cycle with a brightness fading over the first `steps` strokes ('order' channels).
const HUES = [[1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 1, 1], [0, 0, 1], [1, 0, 1]];
export const strokePalette = (n = 256, fade = 13, steps = 10) =>
  Array.from({ length: n }, (_, k) => HUES[k % 6].map(h => h * (255 - fade * Math.min(k, steps))));

// render.time_colours: per stroke [red = order (or start time), green = drawing time, blue = pause before], 0-255.
export function timeColours(times, tmax = 1e4, order = true) {
  const g = ms => 64 + 191 * Math.min(Math.max(Math.log1p(Math.max(ms, 0)) / Math.log1p(tmax), 0), 1);
  return times.map(([t0, t1], k) => {
    const pause = k === 0 ? 0 : Math.max(t0 - times[k - 1][1], 0);
    const red = order ? 255 - 13 * Math.min(k, 10) : g(t0 - times[0][0]);
    return [red, g(t1 - t0), g(pause)].map(roundHalfEven);
  });
}

// render.frame: (offset, scale) mapping 0-255 coordinates onto pixel centres inside a `border` px margin.
export function frame(size, lw, border) {
  const off = border + lw / 2 - 0.5;
  if (size - 1 - 2 * off <= 0) throw new Error(`size ${size} too small for lw=${lw} and border=${border}`);
  return [off, (size - 1 - 2 * off) / 255];
}

// render._capsule: paint colour c on the pixels whose centre lies within r of segment (x0,y0)-(x1,y1), row by row.
// img: Uint8Array of H*W*3 (row-major, RGB), as the numpy (H, W, 3) uint8 image.
function capsule(img, H, W, x0, y0, x1, y1, r, c) {
  const dx = x1 - x0, dy = y1 - y0, L2 = dx * dx + dy * dy, rL = r * Math.sqrt(L2);
  const yEnd = Math.min(H - 1, Math.floor(Math.max(y0, y1) + r));
  for (let y = Math.max(0, Math.ceil(Math.min(y0, y1) - r)); y <= yEnd; y++) {
    const v = y - y0;
    let lo = Infinity, hi = -Infinity;
    for (const [cy, cx] of [[y0, x0], [y1, x1]]) {   // the two end discs
      const d = r * r - (y - cy) * (y - cy);
      if (d >= 0) { lo = Math.min(lo, cx - Math.sqrt(d)); hi = Math.max(hi, cx + Math.sqrt(d)); }
    }
    if (L2 > 0) {   // the body: 0 <= dx*u + dy*v <= L2 and |dx*v - dy*u| <= r*L, u = x - x0
      let a = -Infinity, b = Infinity;
      if (dx !== 0) { const t1 = -dy * v / dx, t2 = (L2 - dy * v) / dx; a = Math.max(a, Math.min(t1, t2)); b = Math.min(b, Math.max(t1, t2)); }
      else if (!(0 <= dy * v && dy * v <= L2)) { a = 1; b = 0; }
      if (dy !== 0) { const t1 = (dx * v - rL) / dy, t2 = (dx * v + rL) / dy; a = Math.max(a, Math.min(t1, t2)); b = Math.min(b, Math.max(t1, t2)); }
      else if (Math.abs(dx * v) > rL) { a = 1; b = 0; }
      if (a <= b) { lo = Math.min(lo, x0 + a); hi = Math.max(hi, x0 + b); }
    }
    const xEnd = Math.min(W - 1, Math.floor(hi));
    for (let x = Math.max(0, Math.ceil(lo)), o = (y * W + x) * 3; x <= xEnd; x++, o += 3) { img[o] = c[0]; img[o + 1] = c[1]; img[o + 2] = c[2]; }
  }
}

// render.render_arrays / render._render for one drawing: strokes drawn last to first (the first stroke ends on top),
// each segment a capsule of radius lw/2 in its stroke's colour (colours[k], or the last colour for later strokes).
// strokes: simplified [[xs, ys], ...]; spec: {size, lw, border}. Returns Uint8Array size*size*3.
export function render(strokes, spec, colours) {
  const { size, lw, border } = spec, [off, scale] = frame(size, lw, border), r = lw / 2;
  const img = new Uint8Array(size * size * 3), px = v => off + Math.min(Math.max(v, 0), 255) * scale;
  for (let k = strokes.length - 1; k >= 0; k--) {
    const [xs, ys] = strokes[k], n = xs.length, c = colours[Math.min(k, colours.length - 1)];
    for (let i = 0; i < Math.max(n - 1, 1); i++) {
      const j = Math.min(i + 1, n - 1);
      capsule(img, size, size, px(xs[i]), px(ys[i]), px(xs[j]), px(ys[j]), r, c);
    }
  }
  return img;
}

// predict.Predictor.predict_drawing's input for one raw drawing: simplify, colour by the model's channels, render.
// meta: the export's model.json ({size, render_kw: {lw, border, channels, palette}}).
export function modelImage(raw, meta) {
  const rk = meta.render_kw, spec = { size: meta.size, lw: rk.lw, border: rk.border };
  const colours = rk.channels === 'order' ? (rk.palette || strokePalette()) : timeColours(strokeTimes(raw), 1e4, rk.channels !== 'time');
  return render(simplifyRaw(raw), spec, colours);
}

// ---------------------------------------------------------------- the model

// onnxruntime-web 1.13's single-thread WASM build (ort.wasm-core.min.js, 40 KB, a classic script that defines the
// global `ort`), with its .wasm files next to it: ort-wasm-simd.wasm (every current browser) or ort-wasm.wasm (no SIMD).
// Version 1.13 because its runtime is 8.7 MB (2.4 MB gzipped) where 1.30's is 14.2 MB (3.7 MB gzipped): see nbs/11a_web.ipynb.
export function loadOrt(base) {
  if (globalThis.ort) return Promise.resolve(globalThis.ort);
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = new URL('ort.wasm-core.min.js', base).href;
    s.onload = () => { globalThis.ort.env.wasm.wasmPaths = new URL('./', base).href; resolve(globalThis.ort); };
    s.onerror = () => reject(new Error('ort.wasm-core.min.js: could not load onnxruntime-web (the page ships it next to itself)'));
    document.head.appendChild(s);
  });
}

// model.json fields the page relies on; a file without them is not a doodle_fastai image export.
export function checkMeta(meta) {
  const bad = why => { throw new Error(`model.json: ${why} (write it with: doodle-export MODEL_DIR --format onnx)`); };
  if (!meta || typeof meta !== 'object') bad('not a JSON object');
  if (!meta.onnx || meta.onnx.format !== 'doodle_fastai.onnx/1') bad('not an ONNX export of format doodle_fastai.onnx/1');
  if (meta.input === 'sequence' || meta.onnx.input !== 'images') bad('a stroke-sequence model; this page draws images');
  if (!Array.isArray(meta.categories) || !meta.categories.length) bad('no categories');
  if (!Number.isInteger(meta.size) || !meta.render_kw || !['order', 'time', 'order+time'].includes(meta.render_kw.channels)) bad('no usable size / render_kw');
  return meta;
}

// SHA-256 of the model bytes, hex (model.json's onnx.sha256 must match: a tampered or swapped file is refused).
async function sha256Hex(buf) {
  const h = new Uint8Array(await crypto.subtle.digest('SHA-256', buf));
  return Array.from(h, b => b.toString(16).padStart(2, '0')).join('');
}

export class Guesser {
  // Load model.json and model.onnx from `base` (a URL folder) into onnxruntime-web's WASM backend
  // (not WebGL: it lacks some operators, e.g. LSTM, onnxruntime #23083). Throws one clear Error on any problem.
  static async load(ort, base) {
    const get = async (f) => {
      const r = await fetch(new URL(f, base));
      if (!r.ok) throw new Error(`${f}: HTTP ${r.status} (the page ships it next to itself)`);
      return r;
    };
    const meta = checkMeta(await (await get('model.json')).json());
    const bytes = await (await get(meta.onnx.file || 'model.onnx')).arrayBuffer();
    if (crypto.subtle && await sha256Hex(bytes) !== meta.onnx.sha256) throw new Error('model.onnx: SHA-256 does not match model.json (file changed or tampered)');
    ort.env.wasm.numThreads = 1;   // the core build has no threads (they would need a cross-origin-isolated page, which a static docs host is not)
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
    return new Guesser(ort, session, meta, bytes.byteLength);
  }
  constructor(ort, session, meta, nbytes) { Object.assign(this, { ort, session, meta, nbytes }); this.input = session.inputNames[0]; }

  // Probabilities (softmax of the logits, as deploy.softmax) for a batch of model images (each Uint8Array size*size*3).
  async probs(images) {
    const s = this.meta.size, data = new Uint8Array(images.length * s * s * 3);
    images.forEach((im, i) => data.set(im, i * s * s * 3));
    const out = await this.session.run({ [this.input]: new this.ort.Tensor('uint8', data, [images.length, s, s, 3]) });
    const logits = out[this.session.outputNames[0]].data, C = this.meta.categories.length;
    return images.map((_, i) => {
      const z = Array.from(logits.subarray(i * C, (i + 1) * C)), m = Math.max(...z), e = z.map(v => Math.exp(v - m)), t = e.reduce((a, b) => a + b, 0);
      return e.map(v => v / t);
    });
  }

  // The top `k` guesses for one raw drawing: [{word, p}], best first, and the image the model saw.
  async guess(raw, k = 3) {
    const image = modelImage(raw, this.meta), [p] = await this.probs([image]);
    const top = p.map((v, i) => [v, i]).sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, k);
    return { top: top.map(([v, i]) => ({ word: this.meta.categories[i], p: v })), image };
  }
}
