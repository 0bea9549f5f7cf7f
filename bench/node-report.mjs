// The tables of bench/node.mjs: one column per library and timing, ratios against webgpu-cnn, GFLOP/s and the
// share of the measured FMA peak. Column heads name the libraries as the README's tables do, so that a GPU run's
// Markdown pastes there as it is.
import { fmtTime, fmtBytes, fmtRatio, renderTable } from './report.mjs';

const NAMES = { ours: 'webgpu-cnn', theirs: 'TF.js', jaxjs: 'jax-js' };
const med = (s) => s?.median ?? null;

export function timeTable(rows, libs, markdown) {
  const headers = ['workload', ...libs.flatMap((w) => [`${NAMES[w]} latency`, `${NAMES[w]} throughput`, `${NAMES[w]} GPU`])];
  const cells = rows.map((r) => [r.id, ...libs.flatMap((w) => [fmtTime(med(r.latency[w])), fmtTime(med(r.throughput[w])), fmtTime(med(r.gpu[w]))])]);
  return renderTable(headers, cells, markdown);
}

/** GPU time when the library has one, else the throughput time: what GFLOP/s and the ratios are computed from. */
const best = (r, w) => med(r.gpu[w]) ?? med(r.throughput[w]);

export function rateTable(rows, libs, peaks, markdown) {
  const peers = libs.filter((w) => w !== 'ours');
  const headers = [
    'workload',
    ...peers.flatMap((w) => [`${NAMES[w]}/ours throughput`, `${NAMES[w]}/ours GPU`]),
    ...libs.map((w) => `${NAMES[w]} GFLOP/s`),
    ...libs.map((w) => `${NAMES[w]} % peak`),
  ];
  const cells = rows.map((r) => {
    const rate = (w) => (r.flops && best(r, w) ? r.flops / (best(r, w) * 1e6) : null);
    const ratio = (w, k) => (med(r[k][w]) && med(r[k].ours) ? med(r[k][w]) / med(r[k].ours) : null);
    return [
      r.id,
      ...peers.flatMap((w) => [fmtRatio(ratio(w, 'throughput')), fmtRatio(ratio(w, 'gpu'))]),
      ...libs.map((w) => (rate(w) === null ? '-' : rate(w).toFixed(rate(w) >= 100 ? 0 : 2))),
      ...libs.map((w) => (rate(w) === null || !peaks.fmaGflops ? '-' : `${((100 * rate(w)) / peaks.fmaGflops).toFixed(1)}%`)),
    ];
  });
  return renderTable(headers, cells, markdown);
}

export function readbackTable(readbacks, libs, markdown) {
  const headers = ['bytes', ...libs.flatMap((w) => [`${NAMES[w]}`, `${NAMES[w]} GB/s`])];
  const cells = readbacks.map((r) => [
    r.bytes < 1024 ? `${r.bytes} B` : fmtBytes(r.bytes),
    ...libs.flatMap((w) => [fmtTime(med(r.ms[w])), med(r.ms[w]) && r.bytes >= 1024 ? (r.bytes / (med(r.ms[w]) * 1e6)).toFixed(2) : '-']),
  ]);
  return renderTable(headers, cells, markdown);
}

export function coldTable(colds, libs, markdown) {
  const headers = ['', ...libs.map((w) => NAMES[w])];
  const cells = [
    ['W5 cold start to 1st step', ...libs.map((w) => fmtTime(colds[w]?.firstStepMs))],
    ['second step', ...libs.map((w) => fmtTime(colds[w]?.secondStepMs))],
    ['W6 peak GPU memory', ...libs.map((w) => fmtBytes(colds[w]?.peakBytes))],
  ];
  return renderTable(headers, cells, markdown);
}
