/**
 * Draw-a-digit: a 280x280 canvas for mouse, pen or touch, turned into a 28x28 input the way MNIST made its
 * digits: the drawing's bounding box is scaled (area-averaged) to fit a 20x20 box, and that is placed in the
 * 28x28 image so that its centre of mass sits in the middle.
 */
import { paintDigit } from './views';

const SIDE = 28;
const BOX = 20;
const STROKE = 22;

/** MNIST-style 28x28 input from a grayscale drawing (ink = 1), or null when nothing is drawn. */
export function toMnist(ink: Float32Array, width: number, height: number): Float32Array | null {
  let [x0, y0, x1, y1] = [width, height, -1, -1];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[y * width + x] > 0.05) {
        x0 = Math.min(x0, x); x1 = Math.max(x1, x);
        y0 = Math.min(y0, y); y1 = Math.max(y1, y);
      }
    }
  }
  if (x1 < 0) return null;
  const [w, h] = [x1 - x0 + 1, y1 - y0 + 1];
  const scale = BOX / Math.max(w, h);
  const [tw, th] = [Math.max(1, Math.round(w * scale)), Math.max(1, Math.round(h * scale))];
  // box filter: every source pixel adds to the target pixel it falls in
  const sum = new Float32Array(tw * th);
  const count = new Float32Array(tw * th);
  for (let y = y0; y <= y1; y++) {
    const ty = Math.min(th - 1, Math.floor((y - y0) * scale));
    for (let x = x0; x <= x1; x++) {
      const t = ty * tw + Math.min(tw - 1, Math.floor((x - x0) * scale));
      sum[t] += ink[y * width + x];
      count[t]++;
    }
  }
  let [mass, mx, my] = [0, 0, 0];
  for (let t = 0; t < tw * th; t++) {
    sum[t] /= count[t] || 1;
    mass += sum[t];
    mx += sum[t] * (t % tw);
    my += sum[t] * Math.floor(t / tw);
  }
  // shift so that the centre of mass lands on (13.5, 13.5), the middle of the 28x28 image, keeping it inside
  const clamp = (v: number, size: number) => Math.min(SIDE - size, Math.max(0, v));
  const ox = clamp(Math.round(13.5 - mx / mass), tw);
  const oy = clamp(Math.round(13.5 - my / mass), th);
  const out = new Float32Array(SIDE * SIDE);
  for (let y = 0; y < th; y++) for (let x = 0; x < tw; x++) out[(y + oy) * SIDE + x + ox] = sum[y * tw + x];
  return out;
}

export interface DrawPadElements {
  canvas: HTMLCanvasElement;
  preview: HTMLCanvasElement;
  clear: HTMLButtonElement;
}

/** Calls `onDigit` with each new 28x28 input while the person draws (and with null when cleared). */
export function drawPad(el: DrawPadElements, onDigit: (pixels: Float32Array | null) => void): void {
  const ctx = el.canvas.getContext('2d', { willReadFrequently: true })!;
  const clear = () => {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, el.canvas.width, el.canvas.height);
    paintDigit(el.preview, new Float32Array(SIDE * SIDE));
  };
  clear();
  let last: { x: number; y: number } | null = null;
  // biome-ignore lint/correctness/noUnusedVariables: read by `frame ||= ...` in stroke
  let frame = 0;
  const emit = () => {
    frame = 0;
    const { width, height } = el.canvas;
    const rgba = ctx.getImageData(0, 0, width, height).data;
    const ink = new Float32Array(width * height);
    for (let p = 0; p < ink.length; p++) ink[p] = rgba[4 * p] / 255;
    const digit = toMnist(ink, width, height);
    if (digit) paintDigit(el.preview, digit);
    onDigit(digit);
  };
  const point = (e: PointerEvent) => {
    const r = el.canvas.getBoundingClientRect();
    return { x: ((e.clientX - r.left) * el.canvas.width) / r.width, y: ((e.clientY - r.top) * el.canvas.height) / r.height };
  };
  const stroke = (to: { x: number; y: number }) => {
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = STROKE;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(last!.x, last!.y);
    ctx.lineTo(to.x, to.y);
    ctx.stroke();
    last = to;
    frame ||= requestAnimationFrame(emit);
  };
  el.canvas.addEventListener('pointerdown', (e) => {
    el.canvas.setPointerCapture(e.pointerId);
    last = point(e);
    stroke(last);
    el.canvas.classList.add('drawn');
  });
  el.canvas.addEventListener('pointermove', (e) => last && stroke(point(e)));
  const end = () => {
    if (!last) return;
    last = null;
    frame ||= requestAnimationFrame(emit);
  };
  el.canvas.addEventListener('pointerup', end);
  el.canvas.addEventListener('pointercancel', end);
  el.clear.addEventListener('click', () => {
    clear();
    el.canvas.classList.remove('drawn');
    onDigit(null);
  });
}

/** Ten bars, one per class, with the most likely one highlighted. */
export function renderProbabilities(container: HTMLElement, probs: Float32Array | null): void {
  if (!container.childElementCount) {
    for (let d = 0; d < 10; d++) {
      const bar = document.createElement('div');
      bar.className = 'bar';
      bar.innerHTML = `<span class="fill"></span><span class="pct"></span><span class="label">${d}</span>`;
      container.append(bar);
    }
  }
  const best = probs ? probs.indexOf(Math.max(...probs)) : -1;
  Array.from(container.children).forEach((bar, d) => {
    const p = probs ? probs[d] : 0;
    (bar.querySelector('.fill') as HTMLElement).style.height = `${(100 * p).toFixed(1)}%`;
    bar.querySelector('.pct')!.textContent = probs && p >= 0.005 ? `${Math.round(100 * p)}` : '';
    bar.classList.toggle('best', d === best);
  });
}
