import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as wc from '../../src/index';
import { expectClose, setup } from '../helpers';
import { gemmRef } from '../reference/matmul';
import { conv2dRef } from '../reference/conv';
import { randomArray } from '../reference/array';
import { gemm } from '../../src/kernels/matmul';
import { matmulCandidates, matmulShapeClass, type GemmProblem } from '../../src/kernels/matmul-plan';
import { convCandidates, convForward, convGeometry, convShapeClass, setConvAlgorithm } from '../../src/kernels/conv';
import { MAX_CANDIDATES } from '../../src/kernels/tuning';

// The autotuner (kernels/tuning.ts) with a fake timing source, so that the test decides which candidate is
// fastest: the winner is stored, later calls run it, the table survives export and import, tuning off gives the
// fixed table; and every matmul candidate, pinned through the tuner's override, against the float64 reference.

beforeAll(setup);
afterEach(() => {
  wc.tuning.setTimingSource(null);
  wc.tuning.enable(null);
  wc.tuning.clear();
  wc.tuning.force('matmul', null);
  wc.tuning.force('conv.forward', null);
  setConvAlgorithm(null);
});

/** Times candidates by name from `ms` (each run still records its kernels); reports come back after `await flush()`. */
function fakeTiming(ms: Record<string, number>) {
  const timed: string[] = [];
  let pending: Array<() => void> = [];
  const source: wc.TimingSource = {
    time(name, run, done) {
      run();
      timed.push(name);
      pending.push(() => done(ms[name] ?? 1));
    },
  };
  const flush = async () => {
    await wc.sync();
    const reports = pending;
    pending = [];
    reports.forEach((r) => r());
  };
  return { source, timed, flush };
}

describe('the tuner, with a fake timing source', () => {
  const g = convGeometry([3, 3, 13, 13], [7, 3, 3, 3], { padding: 1 });
  const x = randomArray([3, 3, 13, 13], 1);
  const w = randomArray([7, 3, 3, 3], 2);
  const expected = conv2dRef(x, w, null, [1, 1], [1, 1]);
  const names = convCandidates('forward', g).map((c) => c.name);

  async function call(): Promise<void> {
    const tx = wc.tensor(Float32Array.from(x.data), x.shape);
    const tw = wc.tensor(Float32Array.from(w.data), w.shape);
    const out = convForward(tx, tw, null, g, false);
    // the real output is right whatever the tuner is doing
    expectClose(await out.data(), expected.data, { rtol: 1e-4, atol: 1e-4 });
    [tx, tw, out].forEach((t) => t.dispose());
  }

  it('times each candidate on first use, keeps the fastest and runs it from then on', async () => {
    expect(names.length).toBeGreaterThan(2);
    const fastest = names[2];
    const fake = fakeTiming(Object.fromEntries(names.map((n) => [n, n === fastest ? 0.5 : 2])));
    wc.tuning.setTimingSource(fake.source);
    wc.tuning.enable(true);
    const v0 = wc.tuning.version;

    await call(); // first use: the default runs, every candidate is recorded once
    expect(wc.tuning.lastVariant('conv.forward')).toBe('default');
    expect(fake.timed).toEqual(names);
    await fake.flush();
    await call(); // the timings are back: a second round, fastest first, within the budget
    expect(fake.timed.slice(names.length)[0]).toBe(fastest);
    expect(wc.tuning.version).toBe(v0);
    await fake.flush();
    expect(wc.tuning.version).toBeGreaterThan(v0);

    const key = Object.keys(wc.tuning.export().entries).find((k) => k.endsWith(`conv.forward | ${convShapeClass('forward', g)}`));
    expect(key).toBeDefined();
    expect(wc.tuning.export().entries[key!].variant).toBe(fastest);
    const count = fake.timed.length;
    await call(); // decided: the winner runs and nothing more is timed
    expect(wc.tuning.lastVariant('conv.forward')).toBe(fastest);
    expect(fake.timed.length).toBe(count);
  });

  it('spends no more than its budget: no second round when the first used it up', async () => {
    const fake = fakeTiming(Object.fromEntries(names.map((n, i) => [n, i === 1 ? 5 : 30])));
    wc.tuning.setTimingSource(fake.source);
    wc.tuning.enable(true, { budgetMs: 40 });
    await call();
    await fake.flush();
    expect(wc.tuning.export().entries).not.toEqual({});
    await call();
    expect(fake.timed).toEqual(names);
    expect(wc.tuning.lastVariant('conv.forward')).toBe(names[1]);
  });

  it('keeps the default unless a candidate is clearly faster (quantized timestamps read 0 for all)', async () => {
    for (const times of [Object.fromEntries(names.map((n) => [n, 0])), Object.fromEntries(names.map((n, i) => [n, i === 1 ? 0.99 : 1]))]) {
      wc.tuning.clear();
      const fake = fakeTiming(times);
      wc.tuning.setTimingSource(fake.source);
      wc.tuning.enable(true);
      for (let i = 0; i < 3; i++) {
        await call();
        await fake.flush();
      }
      expect(Object.values(wc.tuning.export().entries).map((e) => e.variant)).toEqual(['default']);
    }
  });

  it('exports and imports the table, and runs an imported winner without timing', async () => {
    const fake = fakeTiming({});
    wc.tuning.setTimingSource(fake.source);
    wc.tuning.enable(true);
    await call();
    const key = Object.keys(wc.tuning.export().entries)[0] ?? null;
    expect(key).toBeNull(); // nothing decided yet
    wc.tuning.clear();

    // an entry for this adapter, made the way a session on it would
    const probe = fakeTiming(Object.fromEntries(names.map((n) => [n, n === names[1] ? 1 : 3])));
    wc.tuning.setTimingSource(probe.source);
    await call();
    await probe.flush();
    await call();
    await probe.flush();
    const table = JSON.parse(JSON.stringify(wc.tuning.export()));
    expect(Object.values(table.entries).map((e) => (e as wc.TuningEntry).variant)).toEqual([names[1]]);

    wc.tuning.clear();
    expect(wc.tuning.export().entries).toEqual({});
    const v = wc.tuning.version;
    wc.tuning.import(table);
    expect(wc.tuning.version).toBeGreaterThan(v);
    expect(wc.tuning.export()).toEqual(table);
    const fresh = fakeTiming({});
    wc.tuning.setTimingSource(fresh.source);
    await call();
    expect(fresh.timed).toEqual([]);
    expect(wc.tuning.lastVariant('conv.forward')).toBe(names[1]);
    expect(() => wc.tuning.import({ entries: {} })).toThrow(/format/);
  });

  it('times Winograd with the GEMM inside it at its default, and runs Winograd once it wins', async () => {
    const g8 = convGeometry([2, 8, 9, 9], [8, 8, 3, 3], { padding: 1 });
    const [x8, w8] = [randomArray([2, 8, 9, 9], 3), randomArray([8, 8, 3, 3], 4)];
    const want = conv2dRef(x8, w8, null, [1, 1], [1, 1]);
    const offered = convCandidates('forward', g8).map((c) => c.name);
    expect(offered[1]).toBe('winograd');
    const fake = fakeTiming(Object.fromEntries(offered.map((n) => [n, n === 'winograd' ? 0.5 : 2])));
    wc.tuning.setTimingSource(fake.source);
    wc.tuning.enable(true);
    const once = async () => {
      const [tx, tw] = [wc.tensor(Float32Array.from(x8.data), x8.shape), wc.tensor(Float32Array.from(w8.data), w8.shape)];
      const out = convForward(tx, tw, null, g8, false);
      expectClose(await out.data(), want.data, { rtol: 1e-4, atol: 1e-4 });
      [tx, tw, out].forEach((t) => t.dispose());
    };
    await once();
    // the matmul tuner started no trial of its own inside Winograd's run: only the conv candidates were timed
    expect(fake.timed).toEqual(offered);
    await fake.flush();
    await once();
    await fake.flush();
    await once();
    expect(wc.tuning.lastVariant('conv.forward')).toBe('winograd');
  });

  it('runs the fixed table (the defaults) when tuning is off, whatever the table says', async () => {
    const fake = fakeTiming(Object.fromEntries(names.map((n) => [n, n === names[1] ? 1 : 3])));
    wc.tuning.setTimingSource(fake.source);
    wc.tuning.enable(true);
    await call();
    await fake.flush();
    await call();
    await fake.flush();
    wc.tuning.enable(false);
    await call();
    expect(wc.tuning.lastVariant('conv.forward')).toBe('default');
    // and CPU adapters (SwiftShader, which runs these tests) are untuned by default
    wc.tuning.enable(null);
    expect(wc.tuning.enabled).toBe(false);
  });
});

describe('matmul candidates, pinned through the tuner', () => {
  const problems: Array<GemmProblem & { name: string }> = [
    { name: '13x13x13', m: 13, n: 13, k: 13 },
    { name: '33x20x68, 16-byte loads', m: 33, k: 20, n: 68 },
    { name: 'A transposed, bias per row, ReLU', m: 13, k: 9, n: 7, transA: true, bias: 'row', relu: true },
    { name: 'sumBatch over 3', m: 20, k: 9, n: 12, batch: 3, sumBatch: true },
  ];
  it.each(problems)('$name', async (p) => {
    const batch = p.batch ?? 1;
    const a = randomArray([batch * p.m * p.k], 1);
    const b = randomArray([batch * p.k * p.n], 2);
    const bias = p.bias ? randomArray([p.m], 3) : null;
    const expected = gemmRef(a.data, b.data, { ...p, bias: bias ? { data: bias.data, per: 'row' } : undefined });
    const ta = wc.tensor(Float32Array.from(a.data), a.shape);
    const tb = wc.tensor(Float32Array.from(b.data), b.shape);
    const tbias = bias ? wc.tensor(Float32Array.from(bias.data), bias.shape) : null;
    // the GPU candidates, whichever adapter runs the tests
    for (const { name } of matmulCandidates(p, true)) {
      wc.tuning.force('matmul', name);
      const out = gemm(ta, tb, p, { bias: tbias });
      expect(wc.tuning.lastVariant('matmul')).toBe(name);
      expectClose(await out.data(), expected, { rtol: 1e-5, atol: 1e-5 }, name);
      out.dispose();
    }
    [ta, tb, tbias].forEach((t) => t?.dispose());
  });

  it('lists vec4 candidates only where 16-byte loads apply, small blocks only for small products, default first', () => {
    const names = (p: GemmProblem) => matmulCandidates(p, false).map((c) => c.name);
    expect(names({ m: 13, n: 13, k: 13 })).not.toContain('16x16 k8 vec4');
    expect(names({ m: 64, n: 64, k: 64 })).toContain('16x16 k8 vec4');
    expect(names({ m: 4096, n: 4096, k: 4096 })).not.toContain('16x16 r4 k16');
    expect(names({ m: 4096, n: 4096, k: 4096 })[0]).toBe('16x16 k16');
    expect(matmulCandidates({ m: 8, n: 8, k: 8 }, true)[0].name).toBe('blocked');
    expect(matmulShapeClass({ m: 1000, n: 24, k: 512, transB: true })).toBe('m1024 n32 k512 tB x4');
    const g = convGeometry([64, 32, 14, 14], [64, 32, 5, 5], { padding: 2 });
    expect(convShapeClass('forward', g)).toBe('M64 N16384 K1024 k5x5 s1x1');
    for (const kind of ['forward', 'grad_input', 'grad_weight'] as const) expect(convCandidates(kind, g).length).toBeLessThanOrEqual(MAX_CANDIDATES);
  });

  it('offers conv variants where they can pay: phases when strided, small blocks for small grids, wide ones for big, 4-deep steps for a short K', () => {
    const names = (kind: 'forward' | 'grad_input', x: number[], w: number[], stride = 1) =>
      convCandidates(kind, convGeometry(x, w, { stride, padding: (w[2] - 1) / 2 })).map((c) => c.name);
    expect(names('grad_input', [32, 64, 32, 32], [64, 64, 3, 3], 2).slice(0, 3)).toEqual(['default', 'phases', 'phases 8x8 r4x4 k8']);
    expect(names('grad_input', [32, 64, 32, 32], [64, 64, 3, 3])).not.toContain('phases');
    expect(names('grad_input', [64, 32, 14, 14], [64, 32, 5, 5])).toContain('8x8 r4x4 k8');
    expect(names('forward', [256, 64, 32, 32], [64, 64, 3, 3])).toContain('32x8 r8x8 k16');
    expect(names('forward', [256, 64, 32, 32], [64, 64, 3, 3])).not.toContain('8x8 r4x4 k8');
    expect(names('forward', [64, 1, 28, 28], [32, 1, 5, 5])).toContain('default k4');
    // Winograd second, for stride-1 layers it fits with 8 channels or more a side; not strided, not a first layer,
    // not when told never
    expect(names('forward', [32, 64, 32, 32], [64, 64, 3, 3])[1]).toBe('winograd');
    expect(names('grad_input', [64, 32, 14, 14], [64, 32, 5, 5])[1]).toBe('winograd');
    expect(names('forward', [32, 64, 32, 32], [64, 64, 3, 3], 2)).not.toContain('winograd');
    expect(names('forward', [64, 1, 28, 28], [32, 1, 5, 5])).not.toContain('winograd');
    wc.setWinograd('never');
    try {
      expect(names('forward', [32, 64, 32, 32], [64, 64, 3, 3])).not.toContain('winograd');
    } finally {
      wc.setWinograd(null);
    }
  });
});
