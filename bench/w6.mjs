// W6 on its own, in a fresh process: the peak GPU memory of the LeNet training step (b64) after two steps on a
// cold engine, with the autotuner on (the default on GPUs) or off, and where the bytes are at the end.
//   npm run build && node bench/w6.mjs [on|off] [--batch 64]
import * as wc from '../dist/webgpu-cnn.js';
import { coldOurs } from './workloads.mjs';

const tuning = process.argv[2] !== 'off';
const i = process.argv.indexOf('--batch');
const batch = i > 0 ? Number(process.argv[i + 1]) : 64;
await wc.init();
if (!tuning) wc.tuning.enable(false);
const r = await coldOurs(wc, { batch });
const mib = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`;
const m = r.memory;
console.log(`W6 b${batch}, tuning ${tuning ? 'on' : 'off'}: peak ${mib(r.peakBytes)}; at the end in use ${mib(m.bytesInUse)}, pooled ${mib(m.bytesPooled)}, plans ${mib(m.planBytes)}; first step ${r.firstStepMs.toFixed(0)} ms, second ${r.secondStepMs.toFixed(1)} ms`);
