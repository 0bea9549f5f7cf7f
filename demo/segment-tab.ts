/**
 * The page's Segment tab: trains the U-Net of demo/unet.mjs on canvases of 2-3 MNIST digits (random colours,
 * noisy backgrounds) to label every pixel with its digit or background, and shows held-out canvases with the
 * predicted mask next to the truth while it learns, and the mean IoU over the 11 classes after each epoch.
 *
 * `document.body.dataset.segment` says where it is (idle, training, done, error), for the end-to-end test.
 * Query parameters (as in the form): segCanvases, segEpochs, segWidth, segTest; tab=segment opens the tab.
 */
import * as wc from '../src/index';
import { loadMnist } from './mnist';
import { makeUNet } from './unet.mjs';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const CLASSES = wc.data.CANVAS_CLASSES;
const EXAMPLES = 4;
const SIDE = 64;
/** background, then digits 0-9 */
export const PALETTE = ['#1e293b', '#ef4444', '#f97316', '#eab308', '#84cc16', '#10b981', '#06b6d4', '#3b82f6', '#8b5cf6', '#d946ef', '#f43f5e'];

type SegmentState = 'idle' | 'training' | 'done' | 'error';

function setState(s: SegmentState): void {
  document.body.dataset.segment = s;
  $<HTMLButtonElement>('seg-train').disabled = s === 'training' || !classifierIdle();
  $<HTMLButtonElement>('seg-stop').disabled = s !== 'training';
  for (const id of ['seg-canvases', 'seg-epochs', 'seg-width']) $<HTMLInputElement>(id).disabled = s === 'training';
}

/** The classifier tab is not training: the two share the GPU and the page's state. */
const classifierIdle = () => ['ready', 'done'].includes(document.body.dataset.state ?? '');

function status(text: string): void {
  $('seg-status').textContent = text;
}

/** Selects the tab named in the query (tab=segment) and wires the tab buttons. */
export function initTabs(): void {
  const show = (name: 'classify' | 'segment') => {
    $('classify-view').hidden = name !== 'classify';
    $('segment-view').hidden = name !== 'segment';
    $('tab-classify').classList.toggle('active', name === 'classify');
    $('tab-segment').classList.toggle('active', name === 'segment');
    $('tab-classify').setAttribute('aria-selected', String(name === 'classify'));
    $('tab-segment').setAttribute('aria-selected', String(name === 'segment'));
  };
  $('tab-classify').addEventListener('click', () => show('classify'));
  $('tab-segment').addEventListener('click', () => show('segment'));
  const q = new URLSearchParams(location.search);
  show(q.get('tab') === 'segment' ? 'segment' : 'classify');
  for (const [param, id] of [['segCanvases', 'seg-canvases'], ['segEpochs', 'seg-epochs'], ['segWidth', 'seg-width']]) {
    const v = q.get(param);
    if (v !== null) $<HTMLInputElement>(id).value = v;
  }
}

/** Called once the classifier tab has a device and MNIST (the Segment tab needs both). */
export function initSegment(): void {
  renderLegend();
  setState('idle');
  // the classifier tab's state decides whether the GPU is free
  new MutationObserver(() => document.body.dataset.segment !== 'training' && setState(document.body.dataset.segment as SegmentState)).observe(document.body, { attributes: true, attributeFilter: ['data-state'] });
  let stop = false;
  $('seg-stop').addEventListener('click', () => {
    stop = true;
    status('Stopping after this step…');
  });
  $('seg-train').addEventListener('click', () => {
    stop = false;
    $<HTMLButtonElement>('train').disabled = true;
    train(() => stop)
      .catch((e: unknown) => {
        console.error(e);
        status(`Training failed: ${e instanceof Error ? e.message : String(e)}`);
        setState('error');
      })
      .finally(() => {
        $<HTMLButtonElement>('train').disabled = !classifierIdle();
      });
  });
  status('Ready: press Train to make the canvases and train the U-Net.');
}

async function train(shouldStop: () => boolean): Promise<void> {
  setState('training');
  const count = Number($<HTMLInputElement>('seg-canvases').value);
  const epochs = Number($<HTMLInputElement>('seg-epochs').value);
  const width = Number($<HTMLInputElement>('seg-width').value);
  const testCount = Number(new URLSearchParams(location.search).get('segTest') ?? 100);
  status('Composing canvases from MNIST digits…');
  const digits = await loadMnist();
  const trainSet = wc.data.digitCanvases(digits.train, { count, seed: 1 });
  const testSet = wc.data.digitCanvases(digits.test, { count: testCount, seed: 1001 });
  wc.manualSeed(1);
  const model = makeUNet(wc, { width, classes: CLASSES });
  // npm run segment's recipe (demo/segment.mjs): 1,600 such steps pass a mean IoU of 0.8
  const batchSize = 16;
  const lr = 2e-2;
  const optimizer = new wc.optim.Adam(model.parameters(), { lr });
  const steps = epochs * Math.ceil(count / batchSize);
  const scheduler = new wc.optim.LRScheduler(optimizer, wc.optim.cosine(lr, steps, lr / 20));
  // as npm run segment: background, most of every canvas, weighs half as much as a digit's pixels
  const weight = [0.5, ...new Array(CLASSES - 1).fill(1)];
  const loss = (output: wc.Tensor, target: wc.Tensor) => wc.crossEntropy(output, target, { weight });
  const examples = wc.data.digitCanvases(digits.test, { count: EXAMPLES, seed: 77 });
  renderExamples(examples, null);
  const started = performance.now();
  let step = 0;
  try {
    await wc.fit(model, trainSet, {
      optimizer, scheduler, loss, epochs, batchSize, seed: 1, validation: testSet, lossEvery: 1,
      shouldStop,
      onBatchEnd: async ({ epoch, batch, batches, loss }) => {
        step++;
        stat('seg-step', `${step} / ${steps}`);
        stat('seg-time', `${((performance.now() - started) / 1000).toFixed(0)} s`);
        if (loss !== undefined) stat('seg-loss', loss.toFixed(3));
        $('seg-progress').style.width = `${(100 * step) / steps}%`;
        status(`Epoch ${epoch + 1} of ${epochs}, step ${batch + 1} of ${batches}…`);
        if (step % 5 === 0) renderExamples(examples, await predict(model, examples));
      },
      onEpochEnd: ({ epoch, validation }) => {
        const iou = wc.meanIoU(validation!.predictions, testSet.labels, CLASSES).mean;
        stat('seg-iou', iou.toFixed(3), iou);
        status(`Epoch ${epoch + 1}: mean IoU ${iou.toFixed(3)} on ${testCount} held-out canvases.`);
      },
    });
    renderExamples(examples, await predict(model, examples));
    status(`Done: mean IoU ${$('seg-iou').textContent} on ${testCount} held-out canvases after ${step} steps.`);
    setState('done');
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

function stat(id: string, text: string, value?: number): void {
  const el = $(id);
  el.textContent = text;
  if (value !== undefined) el.dataset.value = String(value);
}

/** The predicted class of every pixel of the examples (eval mode, no autograd). */
async function predict(model: wc.nn.Module, data: wc.data.Dataset): Promise<Float32Array> {
  model.eval();
  const classes = wc.noGrad(() => wc.scope(() => wc.argmax(model.forward(wc.tensor(data.images, [data.length, ...data.shape])), 1)));
  model.train();
  const values = await classes.data();
  classes.dispose();
  return values;
}

/** One row per example: the canvas, the predicted mask, the true mask. */
function renderExamples(data: wc.data.Dataset, predicted: Float32Array | null): void {
  const grid = $('seg-examples');
  if (grid.children.length !== data.length * 3) {
    grid.replaceChildren(...Array.from({ length: data.length * 3 }, () => {
      const c = document.createElement('canvas');
      c.width = SIDE;
      c.height = SIDE;
      return c;
    }));
  }
  const cells = grid.children as HTMLCollectionOf<HTMLCanvasElement>;
  const plane = SIDE * SIDE;
  for (let n = 0; n < data.length; n++) {
    const rgb = data.images.subarray(n * 3 * plane, (n + 1) * 3 * plane);
    paint(cells[3 * n], (p) => [rgb[p], rgb[plane + p], rgb[2 * plane + p]].map((v) => v * 255));
    const truth = data.labels.subarray(n * plane, (n + 1) * plane);
    paint(cells[3 * n + 2], (p) => colour(truth[p]));
    if (predicted) paint(cells[3 * n + 1], (p) => colour(predicted[n * plane + p]));
    else paint(cells[3 * n + 1], () => [226, 232, 240]);
  }
  grid.dataset.predicted = predicted ? 'yes' : 'no';
}

function paint(canvas: HTMLCanvasElement, pixel: (p: number) => number[]): void {
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(SIDE, SIDE);
  for (let p = 0; p < SIDE * SIDE; p++) {
    const [r, g, b] = pixel(p);
    img.data.set([r, g, b, 255], 4 * p);
  }
  ctx.putImageData(img, 0, 0);
}

const rgbCache = new Map<number, number[]>();
function colour(label: number): number[] {
  let c = rgbCache.get(label);
  if (!c) {
    const hex = PALETTE[label] ?? '#000000';
    c = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
    rgbCache.set(label, c);
  }
  return c;
}

function renderLegend(): void {
  $('seg-legend').replaceChildren(...PALETTE.map((hex, c) => {
    const item = document.createElement('span');
    item.innerHTML = `<i style="background:${hex}"></i>${c === 0 ? 'background' : c - 1}`;
    return item;
  }));
}
