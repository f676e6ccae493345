// app.js: the draw-and-guess page of the docs site. The visitor draws on a canvas; every stroke is kept with its
// timing (Google's raw format [xs, ys, ts], ms since the first point) and the model guesses while they draw, in the
// browser: doodle.js simplifies and renders exactly as training did, onnxruntime-web (WASM) runs the ONNX export.
import { Guesser, loadOrt } from './doodle.js';

const root = document.getElementById('doodle-draw');
const css = document.createElement('style');
css.textContent = `
  .doodle-draw .dd-row { display: flex; gap: 1.2em; flex-wrap: wrap; align-items: flex-start; }
  .doodle-draw .dd-pad { width: 320px; height: 320px; border: 2px solid #888; border-radius: 6px; touch-action: none; cursor: crosshair; background: #fff; }
  .doodle-draw .dd-top { min-height: 5.5em; margin: 0 0 .6em 1.2em; padding: 0; font-size: 1.05em; }
  .doodle-draw .dd-top li { margin: .25em 0; }
  .doodle-draw .dd-word { display: inline-block; min-width: 9em; font-weight: 600; }
  .doodle-draw .dd-bar { display: inline-block; height: .8em; margin-right: .5em; background: #4a7bd0; vertical-align: middle; }
  .doodle-draw .dd-seen { display: flex; align-items: center; gap: .6em; font-size: .85em; color: #666; margin-bottom: .6em; }
  .doodle-draw .dd-input { width: 128px; height: 128px; image-rendering: pixelated; background: #000; }
  .doodle-draw .dd-seen.dd-empty { visibility: hidden; }
  .doodle-draw .dd-clear { padding: .3em 1.2em; border: 1px solid #888; border-radius: 4px; background: #f4f4f4; cursor: pointer; }
  .doodle-draw .dd-status { font-size: .9em; color: #555; }
  .doodle-draw .dd-error { color: #b00020; font-weight: 600; }`;
document.head.appendChild(css);
const base = new URL('./', import.meta.url);
root.innerHTML = `
  <div class="dd-row">
    <canvas class="dd-pad" width="320" height="320" aria-label="drawing pad"></canvas>
    <div class="dd-side">
      <ol class="dd-top"></ol>
      <div class="dd-seen dd-empty"><canvas class="dd-input"></canvas><span>what the model sees</span></div>
      <button type="button" class="dd-clear">Clear</button>
    </div>
  </div>
  <p class="dd-status" role="status">loading the model…</p>`;
const [pad, top, input, seen, clear, status] = ['.dd-pad', '.dd-top', '.dd-input', '.dd-seen', '.dd-clear', '.dd-status'].map(s => root.querySelector(s));
const ctx = pad.getContext('2d');
let strokes = [], t0 = null, drawing = false, guesser = null, busy = false, dirty = false;
const times = [];   // guess latencies (ms): render + inference, shown in the status line and read by the browser test

function say(text, error = false) { status.textContent = text; status.classList.toggle('dd-error', error); }

function paint() {   // the visitor's ink, as drawn (the model's own rendering is the small image)
  ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, pad.width, pad.height);
  ctx.strokeStyle = '#111'; ctx.lineWidth = 3; ctx.lineCap = ctx.lineJoin = 'round';
  for (const [xs, ys] of strokes) {
    ctx.beginPath(); ctx.moveTo(xs[0], ys[0]);
    for (let i = 1; i < xs.length; i++) ctx.lineTo(xs[i], ys[i]);
    if (xs.length === 1) ctx.lineTo(xs[0] + 0.1, ys[0]);
    ctx.stroke();
  }
}

function show(res) {
  top.innerHTML = res.top.map(({ word, p }) =>
    `<li><span class="dd-word">${word}</span><span class="dd-bar" style="width:${Math.max(2, Math.round(p * 120))}px"></span>${(p * 100).toFixed(1)}%</li>`).join('');
  const s = guesser.meta.size, img = new ImageData(s, s);
  for (let i = 0; i < s * s; i++) { img.data.set(res.image.subarray(3 * i, 3 * i + 3), 4 * i); img.data[4 * i + 3] = 255; }
  input.width = input.height = s; input.getContext('2d').putImageData(img, 0, 0); seen.classList.remove('dd-empty');
}

async function guessNow() {   // one guess at a time; strokes added meanwhile trigger one more when it ends
  if (!guesser || !strokes.length) return;
  if (busy) { dirty = true; return; }
  busy = true;
  try {
    const t = performance.now(), res = await guesser.guess(strokes);
    times.push(performance.now() - t); show(res);
    const sorted = [...times].sort((a, b) => a - b), p50 = sorted[Math.floor((sorted.length - 1) / 2)];
    say(`${guesser.meta.categories.length} categories · guess in ${times[times.length - 1].toFixed(0)} ms (median ${p50.toFixed(0)} ms over ${times.length})`);
  } catch (e) { say(`guess failed: ${e.message}`, true); }
  busy = false;
  if (dirty) { dirty = false; guessNow(); }
}

function point(e) {
  const r = pad.getBoundingClientRect(), now = performance.now();
  if (t0 === null) t0 = now;
  return [(e.clientX - r.left) * pad.width / r.width, (e.clientY - r.top) * pad.height / r.height, Math.round(now - t0)];
}
function add(s, [x, y, t]) { s[0].push(x); s[1].push(y); s[2].push(t); }
pad.addEventListener('pointerdown', e => { drawing = true; pad.setPointerCapture(e.pointerId); const s = [[], [], []]; add(s, point(e)); strokes.push(s); paint(); guessNow(); });
pad.addEventListener('pointermove', e => {
  if (!drawing) return;
  const s = strokes[strokes.length - 1];
  for (const c of (e.getCoalescedEvents ? e.getCoalescedEvents() : [e])) add(s, point(c));
  paint(); guessNow();
});
for (const ev of ['pointerup', 'pointercancel']) pad.addEventListener(ev, () => { if (drawing) { drawing = false; guessNow(); } });
clear.addEventListener('click', () => { strokes = []; t0 = null; top.innerHTML = ''; seen.classList.add('dd-empty'); paint(); });
paint();

window.doodleDraw = { times, guess: () => guessNow() };   // for the browser test: the latencies measured on this page
try {
  guesser = await Guesser.load(await loadOrt(base), base);
  const m = guesser.meta;
  say(`ready: ${m.arch}, ${m.categories.length} categories, ${(guesser.nbytes / 1024).toFixed(0)} KB ${m.onnx.precision} ONNX — draw something`);
  root.dataset.ready = 'true';
} catch (e) {
  say(`The model failed to load, so this page cannot guess: ${e.message}`, true);
  root.dataset.ready = 'error';
}
