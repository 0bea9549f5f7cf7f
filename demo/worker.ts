/**
 * The demo's training worker: trains the chosen CNN with wc.fit on its own WebGPU device, off the page's main
 * thread, so the page stays responsive; it reports each step, probe and epoch as messages (demo/protocol.ts).
 */
import * as wc from '../src/index';
import { loadMnist, sample } from './mnist';
import { MODELS } from './models';
import type { FromWorker, ToWorker } from './protocol';

interface WorkerScope {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
}
const worker = self as unknown as WorkerScope;

/** Sends a message; weight bytes are moved, not copied. */
function post(message: FromWorker): void {
  const weights = 'weights' in message ? [message.weights.buffer as ArrayBuffer] : [];
  worker.postMessage(message, weights);
}

let started: Promise<wc.AdapterSummary> | null = null;
let stopRequested = false;
let pauseRequested = false;
let resume: (() => void) | null = null;

worker.onmessage = ({ data: message }) => {
  if (message.type === 'train') {
    stopRequested = false;
    pauseRequested = false;
    train(message).catch((e: unknown) => post({ type: 'error', message: e instanceof Error ? e.message : String(e) }));
  } else if (message.type === 'pause') {
    pauseRequested = true;
  } else {
    if (message.type === 'stop') stopRequested = true;
    pauseRequested = false;
    resume?.();
    resume = null;
  }
};

async function train({ config, seed, lossEvery, probeSize, tuning }: Extract<ToWorker, { type: 'train' }>): Promise<void> {
  started ??= wc.init();
  await started;
  // The autotuner's winners from an earlier visit (the page keeps them): known kernels are not timed again.
  if (tuning) {
    try {
      wc.tuning.import(tuning as Parameters<typeof wc.tuning.import>[0]);
    } catch (e) {
      console.warn('ignoring the saved tuning table:', e);
    }
  }
  const data = await loadMnist();
  wc.manualSeed(seed);
  const model = MODELS[config.model].make();
  const params = model.parameters();
  const optimizer =
    config.optimizer === 'adam' ? new wc.optim.Adam(params, { lr: config.lr }) : new wc.optim.SGD(params, { lr: config.lr, momentum: 0.9 });
  const trainSet = sample(data.train, config.trainSize, seed);
  const testSet = sample(data.test, config.testSize, seed + 1);
  const probe = sample(testSet, probeSize, seed + 2);
  const batches = Math.ceil(trainSet.length / config.batchSize);
  const probeEvery = Math.max(5, Math.ceil(batches / 8));

  const startedAt = performance.now();
  let pausedFor = 0;
  let lastExit = startedAt;
  const durations: number[] = []; // the last steps' times, without probes and pauses
  let step = 0;
  try {
    const history = await wc.fit(model, trainSet, {
      optimizer,
      epochs: config.epochs,
      batchSize: config.batchSize,
      seed,
      validation: testSet,
      lossEvery,
      shouldStop: () => stopRequested,
      onBatchEnd: async ({ epoch, batch, loss }) => {
        durations.push(performance.now() - lastExit);
        if (durations.length > 20) durations.shift();
        step = epoch * batches + batch + 1;
        const rate = durations.length / (durations.reduce((a, b) => a + b, 0) / 1000);
        post({ type: 'batch', epoch, batch, step, loss, rate, seconds: (performance.now() - startedAt - pausedFor) / 1000 });
        if (step % probeEvery === 0 && batch < batches - 1) {
          const { accuracy } = await wc.evaluate(model, probe);
          post({ type: 'probe', step, accuracy, weights: await wc.io.saveSafetensors(model) });
        }
        if (batch === batches - 1 && !stopRequested) post({ type: 'evaluating', epoch });
        if (pauseRequested) {
          const pausedAt = performance.now();
          await new Promise<void>((r) => (resume = r));
          pausedFor += performance.now() - pausedAt;
        }
        lastExit = performance.now();
      },
      onEpochEnd: async ({ epoch, trainLoss, validation }) => {
        post({ type: 'epoch', epoch, step, trainLoss, validation: validation!, weights: await wc.io.saveSafetensors(model) });
        lastExit = performance.now();
      },
    });
    const seconds = (performance.now() - startedAt - pausedFor) / 1000;
    const accuracy = history[history.length - 1]?.validation?.accuracy ?? null;
    post({
      type: 'done',
      step,
      seconds,
      stopped: stopRequested,
      accuracy,
      weights: await wc.io.saveSafetensors(model),
      tuning: wc.tuning.export(),
    });
  } finally {
    model.dispose();
    optimizer.dispose();
  }
}
