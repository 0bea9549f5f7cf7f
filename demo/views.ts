/**
 * What the network has learnt, drawn without a chart library: the confusion matrix of the test sample, a grid
 * of test digits with their predicted labels, and the first convolution's filters as small grayscale images.
 */
import * as wc from '../src/index';
import { imageOf, type Dataset } from './mnist';

/** Paints a 28x28 image (values in [0, 1], ink = 1) onto a canvas of the same size, dark ink on paper. */
export function paintDigit(canvas: HTMLCanvasElement, pixels: ArrayLike<number>, side = 28): void {
  canvas.width = side;
  canvas.height = side;
  const ctx = canvas.getContext('2d')!;
  const image = ctx.createImageData(side, side);
  for (let p = 0; p < side * side; p++) {
    const v = 255 - Math.round(255 * Math.min(1, Math.max(0, pixels[p])));
    image.data.set([v, v, v, 255], 4 * p);
  }
  ctx.putImageData(image, 0, 0);
}

/** A 10x10 table: rows are true digits, columns predicted ones; cells shaded by their share of the row. */
export function renderConfusion(container: HTMLElement, labels: Int32Array, predictions: Int32Array | null): void {
  const counts = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
  if (predictions) labels.forEach((label, i) => counts[label][predictions[i]]++);
  const table = document.createElement('table');
  table.className = 'confusion';
  const head = table.createTHead().insertRow();
  head.insertCell().className = 'corner';
  for (let c = 0; c < 10; c++) head.insertCell().textContent = String(c);
  const body = table.createTBody();
  counts.forEach((row, r) => {
    const tr = body.insertRow();
    tr.insertCell().textContent = String(r);
    const total = row.reduce((a, b) => a + b, 0) || 1;
    row.forEach((n, c) => {
      const cell = tr.insertCell();
      const share = n / total;
      cell.textContent = predictions ? String(n) : '';
      cell.title = `true ${r}, predicted ${c}: ${n}`;
      if (r === c) cell.style.background = `rgba(16, 185, 129, ${0.12 + 0.8 * share})`;
      else if (n > 0) cell.style.background = `rgba(239, 68, 68, ${0.15 + 0.85 * Math.min(1, share * 8)})`;
      if (share > 0.55) cell.style.color = '#fff';
      if (n === 0) cell.classList.add('zero');
    });
  });
  container.replaceChildren(table);
}

/** Test digits with the model's labels; a wrong one gets a red frame and its true label. */
export function renderDigitGrid(container: HTMLElement, data: Dataset, indices: ArrayLike<number>, predictions: Int32Array | null): void {
  const cells: HTMLElement[] = [];
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    const cell = document.createElement('figure');
    cell.className = 'digit';
    const canvas = document.createElement('canvas');
    paintDigit(canvas, imageOf(data, i));
    const caption = document.createElement('figcaption');
    if (predictions) {
      const wrong = predictions[i] !== data.labels[i];
      cell.classList.add(wrong ? 'wrong' : 'right');
      caption.innerHTML = wrong ? `${predictions[i]} <s>${data.labels[i]}</s>` : String(predictions[i]);
      cell.title = wrong ? `predicted ${predictions[i]}, really ${data.labels[i]}` : `predicted ${predictions[i]}`;
    } else {
      caption.textContent = '?';
    }
    cell.append(canvas, caption);
    cells.push(cell);
  }
  container.replaceChildren(...cells);
}

/**
 * Each filter of the first convolution ([out, in, kh, kw]) as a grayscale image (one shared scale around 0), and
 * beside it what it makes of `input`, a 28x28 digit: the filter's ReLU response map, darker where it fires.
 */
export async function renderFilters(container: HTMLElement, model: wc.nn.Sequential, input: Float32Array | null): Promise<void> {
  const conv = model.layers[0] as wc.nn.Conv2d;
  const [out, inChannels, kh, kw] = conv.weight.shape;
  let responses: wc.Tensor | null = null;
  if (input) {
    const wasTraining = model.training;
    model.eval();
    try {
      responses = wc.noGrad(() => wc.scope(() => wc.relu(conv.forward(wc.tensor(input, [1, 1, 28, 28])))));
    } finally {
      model.train(wasTraining);
    }
  }
  const weights = await conv.weight.data();
  const maps = responses ? await responses.data() : null;
  responses?.dispose();
  const plane = maps ? maps.length / out : 0;
  const side = Math.round(Math.sqrt(plane));
  const extent = Math.max(1e-8, ...weights.map(Math.abs));
  const peak = maps ? Math.max(1e-8, ...maps) : 1;
  const cells: HTMLElement[] = [];
  for (let o = 0; o < out; o++) {
    const cell = document.createElement('figure');
    cell.title = `filter ${o}`;
    const filter = pixelCanvas(kw, kh, (p) => {
      // the first input channel (MNIST has one): mid-gray is 0, white positive, black negative
      const v = Math.round(127.5 + 127.5 * (weights[o * inChannels * kh * kw + p] / extent));
      return [v, v, v];
    });
    cell.append(filter);
    if (maps) {
      cell.append(pixelCanvas(side, side, (p) => {
        const v = Math.sqrt(maps[o * plane + p] / peak); // white -> indigo; the root lifts weak responses
        return [255 - 206 * v, 255 - 209 * v, 255 - 126 * v];
      }));
    }
    cells.push(cell);
  }
  container.replaceChildren(...cells);
  container.dataset.filters = String(out);
  // four rows: big enough to see a 3x3 kernel of the small model, eight columns at most for LeNet's 32
  container.style.setProperty('--columns', String(Math.min(8, Math.max(4, Math.ceil(out / 4)))));
}

function pixelCanvas(width: number, height: number, color: (p: number) => number[]): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d')!;
  const image = ctx.createImageData(width, height);
  for (let p = 0; p < width * height; p++) image.data.set([...color(p).map(Math.round), 255], 4 * p);
  ctx.putImageData(image, 0, 0);
  return canvas;
}
