// W5 and W6 of our library alone, in this fresh process: the time from init() to the end of the first LeNet
// training step (b64), and the peak GPU memory after two steps, with the autotuner on (the default on GPUs) or
// off, and with or without warm-up (await wc.compile(model, inputShape) first, as fit does).
//   npm run build && node bench/cold.mjs [--tuning on|off] [--warmup on|off] [--batch 64]
import { parseArgs } from 'node:util';
import * as wc from '../dist/webgpu-cnn.js';
import { coldOurs } from './workloads.mjs';

const { values: opt } = parseArgs({
  options: { tuning: { type: 'string', default: 'on' }, warmup: { type: 'string', default: 'off' }, batch: { type: 'string', default: '64' } },
});
const batch = Number(opt.batch);
await wc.init();
if (opt.tuning === 'off') wc.tuning.enable(false);
const r = await coldOurs(wc, { batch, warmup: opt.warmup === 'on' });
const mib = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`;
const m = r.memory;
console.log(
  `LeNet b${batch}, tuning ${opt.tuning}, warm-up ${opt.warmup}: W5 first step ${r.firstStepMs.toFixed(0)} ms (second ${r.secondStepMs.toFixed(1)} ms); ` +
    `W6 peak ${mib(r.peakBytes)}; at the end in use ${mib(m.bytesInUse)}, pooled ${mib(m.bytesPooled)}, plans ${mib(m.planBytes)}`,
);
