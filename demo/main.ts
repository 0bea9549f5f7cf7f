/**
 * The demo page: finds the browser's WebGPU adapter, loads MNIST, has a Web Worker (worker.ts) train the chosen
 * CNN with wc.fit so that the page stays responsive, and shows it learning from the worker's messages (charts,
 * confusion matrix, test digits, first-layer filters); lets a person draw a digit for the page's copy of the model,
 * and saves and loads the weights as .safetensors. It uses the library only through its public API.
 *
 * `document.body.dataset.state` says where the page is (loading, ready, training, paused, done, unsupported,
 * error), for people reading the DOM and for the end-to-end test.
 */
import * as wc from '../src/index';
import { TrainingCharts } from './charts';
import { applyQuery, lockControls, readConfig, type TrainConfig } from './controls';
import { drawPad, renderProbabilities } from './draw';
import { imageOf, loadMnist, sample, sampleIndices, type Dataset } from './mnist';
import { MODELS, modelForWeights, parameterCount, type ModelName } from './models';
import type { FromWorker, ToWorker } from './protocol';
import { renderConfusion, renderDigitGrid, renderFilters } from './views';
import { initSegment, initTabs } from './segment-tab';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

type State = 'loading' | 'ready' | 'training' | 'paused' | 'done' | 'unsupported' | 'error';

const SEED = 1;
/** test digits evaluated every few steps for the live accuracy curve (the whole test sample at epoch ends) */
const PROBE_SIZE = 200;
const GRID_SIZE = 54; // 6 rows of 9

let data: { train: Dataset; test: Dataset } | null = null;
let testSet: Dataset | null = null;
let model: wc.nn.Sequential | null = null;
let modelName: ModelName = 'small';
let trainedAccuracy: number | null = null;
let lossEvery = 1;
let charts: TrainingCharts | null = null;

function setState(state: State): void {
  document.body.dataset.state = state;
  const busy = state === 'training' || state === 'paused';
  const usable = state === 'ready' || state === 'done';
  $<HTMLButtonElement>('train').disabled = !usable;
  $<HTMLButtonElement>('pause').disabled = !busy;
  $<HTMLButtonElement>('pause').textContent = state === 'paused' ? 'Resume' : 'Pause';
  $<HTMLButtonElement>('stop').disabled = !busy;
  $<HTMLButtonElement>('save').disabled = !usable;
  $<HTMLInputElement>('load').disabled = !usable;
  $('load-label').classList.toggle('disabled', !usable);
  lockControls(busy);
}

function status(text: string): void {
  $('status').textContent = text;
}

function stat(id: string, text: string, value?: number): void {
  const el = $(`stat-${id}`);
  el.textContent = text;
  if (value !== undefined) el.dataset.value = String(value);
}

const percent = (v: number) => `${(100 * v).toFixed(1)}%`;

function clock(seconds: number): string {
  const s = Math.round(seconds);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** Explains, in plain words, why the page cannot train here. */
function unsupported(title: string, text: string): void {
  $('unsupported').hidden = false;
  $('unsupported-title').textContent = title;
  $('unsupported-text').textContent = text;
  $('adapter-name').textContent = 'No WebGPU adapter';
  $('adapter').classList.add('missing');
  status('WebGPU is needed to train here.');
  setState('unsupported');
}

function replaceModel(name: ModelName, next: wc.nn.Sequential): void {
  model?.dispose();
  model = next;
  modelName = name;
  $<HTMLSelectElement>('model').value = name;
  $('model-info').textContent = `${MODELS[name].label}: ${parameterCount(next).toLocaleString('en')} parameters.`;
  $('filters-note').textContent = describeFilters(next);
  void showFilters();
}

/** The first layer's filters and their responses to the drawn digit, or to a test digit before anything is drawn. */
async function showFilters(): Promise<void> {
  if (!model) return;
  const digit = drawn ?? (testSet ? imageOf(testSet, sampleIndices(testSet, 1, 7)[0]) : null);
  await renderFilters($('filters'), model, digit);
}

function describeFilters(m: wc.nn.Sequential): string {
  const [out, , kh, kw] = (m.layers[0] as wc.nn.Conv2d).weight.shape;
  return `${out} kernels of ${kh}x${kw}, each beside its response to ${drawn ? 'your digit' : 'a test digit'}`;
}

/** Shows an evaluation of the test sample: accuracy, confusion matrix, and digits with mistakes first. */
function showEvaluation(evaluation: wc.Evaluation | null): void {
  if (!testSet) return;
  const predictions = evaluation?.predictions ?? null;
  renderConfusion($('confusion'), testSet.labels, predictions);
  let indices = sampleIndices(testSet, GRID_SIZE, 7);
  if (predictions) {
    const wrong = [...sampleIndices(testSet, testSet.length, 7)].filter((i) => predictions[i] !== testSet!.labels[i]);
    const shown = wrong.slice(0, 18);
    indices = Int32Array.from([...shown, ...[...indices].filter((i) => !shown.includes(i))].slice(0, GRID_SIZE));
    $('digits-note').textContent = `${wrong.length} of ${testSet.length} wrong · mistakes first, true label struck through`;
    $('confusion-note').textContent = `${testSet.length} test digits`;
  }
  renderDigitGrid($('digits'), testSet, indices, predictions);
}

// ---- draw a digit ----

let drawn: Float32Array | null = null;
let predicting = false;
let predictAgain = false;

async function predict(): Promise<void> {
  if (predicting) {
    predictAgain = true;
    return;
  }
  predicting = true;
  try {
    do {
      predictAgain = false;
      const pixels = drawn;
      if (!pixels || !model) {
        renderProbabilities($('probs'), null);
        $('prediction').textContent = '–';
        delete $('prediction').dataset.digit;
        if (model) $('filters-note').textContent = describeFilters(model);
        await showFilters();
        continue;
      }
      const m = model;
      const wasTraining = m.training;
      m.eval();
      let probs: wc.Tensor;
      try {
        probs = wc.noGrad(() => wc.scope(() => wc.softmax(m.forward(wc.tensor(pixels, [1, 1, 28, 28])), 1)));
      } finally {
        m.train(wasTraining);
      }
      const values = await probs.data();
      probs.dispose();
      const best = values.indexOf(Math.max(...values));
      renderProbabilities($('probs'), values);
      $('prediction').textContent = String(best);
      $('prediction').dataset.digit = String(best);
      $('filters-note').textContent = describeFilters(m);
      await showFilters();
    } while (predictAgain);
  } finally {
    predicting = false;
  }
}

function drawHint(): void {
  $('draw-hint').textContent = trainedAccuracy === null
    ? 'The network is untrained: its guesses are random until you train it or load weights.'
    : `This network scored ${percent(trainedAccuracy)} on the test digits. Draw big, in the middle, like a pen on paper.`;
}

// ---- training, in a worker (demo/worker.ts): the page only shows what it reports ----

let trainer: Worker | null = null;

/** The training worker, started on first use; it keeps its WebGPU device between runs. */
function trainingWorker(): Worker {
  trainer ??= new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  return trainer;
}

function tell(message: ToWorker): void {
  trainingWorker().postMessage(message);
}

/** Takes the worker's weights into the page's copy of the model (for drawing, filters and saving). */
function takeWeights(weights: Uint8Array): void {
  if (model) wc.io.loadSafetensors(model, weights);
}

async function train(config: TrainConfig): Promise<void> {
  if (!data) return;
  wc.manualSeed(SEED);
  replaceModel(config.model, MODELS[config.model].make());
  const trainSize = Math.min(config.trainSize, data.train.length);
  testSet = sample(data.test, config.testSize, SEED + 1);
  const batches = Math.ceil(trainSize / config.batchSize);
  const total = batches * config.epochs;
  trainedAccuracy = null;
  showEvaluation(null);
  charts!.reset(total);
  setState('training');
  status(`Training on ${trainSize.toLocaleString('en')} digits, testing on ${testSet.length.toLocaleString('en')}…`);
  ['epoch', 'step', 'rate', 'loss', 'acc', 'time'].forEach((id) => stat(id, '–'));

  // Messages are handled one after another, in order, even where handling one waits for the GPU.
  let handled = Promise.resolve();
  await new Promise<void>((resolve, reject) => {
    const onMessage = (message: FromWorker): Promise<void> | void => {
      switch (message.type) {
        case 'batch': {
          const { epoch, step, loss, rate, seconds } = message;
          stat('epoch', `${epoch + 1} / ${config.epochs}`);
          stat('step', `${step} / ${total}`);
          stat('rate', rate.toFixed(rate < 10 ? 2 : 0), rate);
          stat('time', clock(seconds));
          $('progress-bar').style.width = `${(100 * step) / total}%`;
          if (loss !== undefined) {
            charts!.batchLoss(step, loss);
            stat('loss', loss.toFixed(3));
          }
          return;
        }
        case 'probe': {
          takeWeights(message.weights);
          charts!.probeAccuracy(message.step, message.accuracy);
          if (trainedAccuracy === null) stat('acc', `≈ ${percent(message.accuracy)}`);
          return drawn ? void predict() : showFilters();
        }
        case 'evaluating':
          if (document.body.dataset.state !== 'paused') status(`Epoch ${message.epoch + 1}: evaluating ${testSet!.length.toLocaleString('en')} test digits…`);
          return;
        case 'epoch': {
          const { epoch, step, trainLoss, validation: v } = message;
          takeWeights(message.weights);
          trainedAccuracy = v.accuracy;
          charts!.epoch(step, trainLoss, v.loss, v.accuracy);
          stat('acc', percent(v.accuracy), v.accuracy);
          stat('loss', trainLoss.toFixed(3));
          showEvaluation(v);
          drawHint();
          status(`Epoch ${epoch + 1} of ${config.epochs}: test accuracy ${percent(v.accuracy)}, train loss ${trainLoss.toFixed(3)}.`);
          return drawn ? void predict() : showFilters();
        }
        case 'done': {
          const { step, seconds, stopped, accuracy } = message;
          takeWeights(message.weights);
          saveTuning(message.tuning);
          stat('time', clock(seconds), seconds);
          $('progress-bar').style.width = '100%';
          status(`${stopped ? 'Stopped' : 'Done'} after ${step} steps in ${clock(seconds)}` +
            (accuracy !== null ? `: ${percent(accuracy)} of ${testSet!.length.toLocaleString('en')} test digits right.` : '.') +
            ' Draw a digit to try it, or save the weights.');
          if (drawn) void predict();
          setState('done');
          return resolve();
        }
        case 'error':
          return reject(new Error(message.message));
      }
    };
    trainingWorker().onmessage = ({ data: message }: MessageEvent<FromWorker>) => {
      handled = handled.then(() => onMessage(message)).catch(reject);
    };
    trainingWorker().onerror = (e) => reject(new Error(`the training worker failed: ${e.message}`));
    tell({ type: 'train', config, seed: SEED, lossEvery, probeSize: PROBE_SIZE, tuning: savedTuning() });
  });
}

/** Where the page keeps the autotuner's winners (wc.tuning), so that a later visit skips timing kernels. */
const TUNING_KEY = 'webgpu-cnn-tuning';

/** The saved table, which the training worker imports (it, not the page, runs the kernels it times). */
function savedTuning(): unknown {
  try {
    const saved = localStorage.getItem(TUNING_KEY);
    return saved ? JSON.parse(saved) : null;
  } catch {
    return null; // storage that is off, or not JSON
  }
}

function saveTuning(table: unknown): void {
  try {
    localStorage.setItem(TUNING_KEY, JSON.stringify(table));
  } catch {
    // storage full or off: the next visit tunes again
  }
}

async function loadWeights(file: File): Promise<void> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const found = modelForWeights(bytes);
  if (!found) throw new Error(`${file.name} does not hold the weights of any of the models here.`);
  replaceModel(found.name, found.model);
  testSet ??= sample(data!.test, readConfig().testSize, SEED + 1);
  status(`Loaded ${file.name}; evaluating it on ${testSet.length.toLocaleString('en')} test digits…`);
  const evaluation = await wc.evaluate(found.model, testSet);
  trainedAccuracy = evaluation.accuracy;
  stat('acc', percent(evaluation.accuracy), evaluation.accuracy);
  showEvaluation(evaluation);
  drawHint();
  if (drawn) void predict();
  status(`Loaded ${file.name} (${MODELS[found.name].label}): ${percent(evaluation.accuracy)} of the test digits right.`);
}

async function saveWeights(): Promise<void> {
  const metadata: Record<string, string> = { model: modelName };
  if (trainedAccuracy !== null) metadata.accuracy = trainedAccuracy.toFixed(4);
  const bytes = await wc.io.saveSafetensors(model!, metadata);
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
  const link = Object.assign(document.createElement('a'), { href: url, download: `mnist-${modelName}.safetensors` });
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  status(`Saved ${link.download} (${(bytes.length / 1024).toFixed(0)} KB, PyTorch stateDict keys).`);
}

/** Runs a button's work, turning a failure into a status line the person can read. */
function guarded(work: () => Promise<void>, after: State, { log = true } = {}): () => void {
  return () => {
    work().catch((e: unknown) => {
      if (log) console.error(e);
      status(`Something went wrong: ${e instanceof Error ? e.message : String(e)}`);
      setState(after);
    });
  };
}

async function start(): Promise<void> {
  applyQuery(location.search);
  initTabs();
  renderProbabilities($('probs'), null);
  renderConfusion($('confusion'), new Int32Array(0), null);
  drawPad({ canvas: $('pad'), preview: $('pad-preview'), clear: $('clear') }, (pixels) => {
    drawn = pixels;
    void predict();
  });

  if (!('gpu' in navigator) || !navigator.gpu) {
    unsupported('This browser has no WebGPU',
      'The page trains its network on the GPU through WebGPU, which this browser does not offer here. ' +
      'Open it in a recent Chrome or Edge (version 113 or later), Safari 26, or Firefox 141 or later on Windows. ' +
      'WebGPU also needs a secure page: https://, or http://localhost / http://127.0.0.1.');
    return;
  }
  let adapter: wc.AdapterSummary;
  try {
    adapter = await wc.init();
  } catch (e) {
    const probe = await navigator.gpu.requestAdapter().catch(() => null);
    if (!probe) {
      unsupported('No GPU adapter was found',
        'This browser supports WebGPU but found no graphics adapter to run it on. The GPU may be blocklisted, ' +
        'hardware acceleration may be turned off in the browser settings, or the driver is too old. In Chrome, ' +
        'chrome://gpu shows why; on Linux, WebGPU may need to be turned on at chrome://flags/#enable-unsafe-webgpu.');
    } else {
      unsupported('WebGPU could not start', `The adapter was found but the device could not be set up: ${e instanceof Error ? e.message : String(e)}`);
    }
    return;
  }
  const name = adapter.description || [adapter.vendor, adapter.architecture, adapter.device].filter(Boolean).join(' ') || 'WebGPU adapter';
  $('adapter-name').textContent = adapter.cpu ? `${name} (CPU emulation)` : name;
  $('adapter').title = `vendor: ${adapter.vendor}\narchitecture: ${adapter.architecture}\nfeatures: ${adapter.features.join(', ')}`;
  // Reading the loss back every step costs little next to a CPU adapter's slow steps, and keeps the curve live.
  lossEvery = adapter.cpu ? 1 : 5;
  if (adapter.cpu) {
    $('model-info').textContent = 'This adapter emulates a GPU on the CPU, so training is slow here: fewer training digits help.';
  }

  charts = new TrainingCharts($('loss-chart'), $('acc-chart'));
  status('Loading 10,000 MNIST digits…');
  data = await loadMnist();
  testSet = sample(data.test, readConfig().testSize, SEED + 1);
  wc.manualSeed(SEED);
  replaceModel(readConfig().model, MODELS[readConfig().model].make());
  showEvaluation(null);
  drawHint();
  status(`Ready: ${data.train.length.toLocaleString('en')} training and ${data.test.length.toLocaleString('en')} test digits loaded. Press Train.`);
  setState('ready');
  initSegment();

  $('train').addEventListener('click', guarded(() => train(readConfig()), 'done'));
  $('pause').addEventListener('click', () => {
    if (document.body.dataset.state === 'paused') {
      setState('training');
      tell({ type: 'resume' });
      status('Training…');
    } else {
      setState('paused');
      tell({ type: 'pause' });
      status('Paused after this step. Resume goes on from here.');
    }
  });
  $('stop').addEventListener('click', () => {
    tell({ type: 'stop' });
    setState('training');
    $<HTMLButtonElement>('pause').disabled = true;
    $<HTMLButtonElement>('stop').disabled = true;
    status('Stopping: finishing this step and evaluating the test digits…');
  });
  $('save').addEventListener('click', guarded(saveWeights, 'done'));
  $<HTMLInputElement>('load').addEventListener('change', (event) => {
    const input = event.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (file) guarded(() => loadWeights(file), 'done', { log: false })(); // a wrong file is the person's news, not a bug
  });
}

start().catch((e: unknown) => {
  console.error(e);
  status(`The page could not start: ${e instanceof Error ? e.message : String(e)}`);
  setState('error');
});
