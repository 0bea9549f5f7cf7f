/**
 * The autotuner: per adapter, kernel family and shape class, which of a launcher's candidate variants runs.
 *
 * Ops record GPU work synchronously and read timings back asynchronously, so a shape class is tuned across
 * calls. Its first call runs the family's default as usual and also records each candidate once more (into a
 * scratch output, from the same inputs), every dispatch in a compute pass of its own with timestamps
 * (`Runtime.timed`). When those timings come back (after the batch is submitted), a later call records a second
 * round, fastest first, as far as the class's budget allows, which evens out clocks that were still ramping up;
 * once that round is back the fastest candidate (best of its samples) is the class's winner, and later calls run
 * it. Until then calls run the default. `export()` / `import()` persist the winners so that a later session
 * skips the timing.
 *
 * Tuning is on by default only on adapters that are not CPUs and can time kernels: SwiftShader's timestamps say
 * little about a GPU and its kernels were chosen by hand. Off, every family runs its first candidate, the fixed
 * table (today's defaults), which is what the tests use. `force` pins a family to one candidate, tuning on or off.
 */
import { hasRuntime, runtime } from '../gpu/runtime';
import { kernelChoices } from '../gpu/choices';

export interface Candidate<C> {
  /** stable across sessions: the persisted table names winners by it */
  name: string;
  config: C;
}

/** Where candidate timings come from: the GPU's timestamps, or a fake in tests. */
export interface TimingSource {
  /** Records `run` so that its GPU time reaches `done` in milliseconds (NaN: no usable time). */
  time(name: string, run: () => void, done: (ms: number) => void): void;
}

export interface TuningEntry {
  /** the winning candidate's name */
  variant: string;
  /** each timed candidate's best GPU time, in milliseconds */
  ms: Record<string, number>;
}

/** What export() returns and import() takes: entries keyed `adapter | family | shape class`. */
export interface TuningTable {
  format: typeof FORMAT;
  entries: Record<string, TuningEntry>;
}

const FORMAT = 'webgpu-cnn-tuning/1';
/** candidates timed per shape class at most; launchers list the most promising first */
export const MAX_CANDIDATES = 6;
/** rounds of timing per shape class (the second only within the budget) */
const ROUNDS = 2;
/** a candidate must be this much faster than the default to replace it */
const MARGIN = 0.03;
/** GPU time one shape class may spend on timing candidates, in milliseconds */
const DEFAULT_BUDGET_MS = 40;

const gpuTiming: TimingSource = { time: (_name, run, done) => runtime().timed(run, done) };

interface Trial {
  round: number;
  /** timings of the current round still to come */
  outstanding: number;
  spentMs: number;
  samples: Map<string, number[]>;
  /** the candidates' pipelines are still being built in the background */
  warming: boolean;
}

let enabled: boolean | null = null;
/** how deep the tuner is in running candidates (their warm-up or their timing) */
let inTrial = 0;

function trialRun(run: () => void): void {
  inTrial++;
  try {
    run();
  } finally {
    inTrial--;
  }
}

let budgetMs = DEFAULT_BUDGET_MS;
let timing: TimingSource = gpuTiming;
let version = 0;
const table = new Map<string, TuningEntry>();
const trials = new Map<string, Trial>();
const forced = new Map<string, string>();
const lastChoice = new Map<string, string>();
const lastOffered = new Map<string, { shapeClass: string; names: string[] }>();

/** A new winner or switch: the tuner's own count, and the one compiled steps watch (gpu/choices.ts). */
function bump(): void {
  version++;
  kernelChoices.changed();
}

function adapterKey(): string {
  const a = runtime().adapter;
  return [a.vendor, a.architecture, a.device, a.description].filter((s) => s).join(' ') || 'unknown adapter';
}

function isOn(): boolean {
  if (enabled === false || !hasRuntime()) return false;
  const rt = runtime();
  if (timing === gpuTiming && !rt.canTime) return false;
  return enabled ?? !rt.adapter.cpu;
}
kernelChoices.reportTuning(isOn, () => isOn() && trials.size > 0);

/**
 * The candidate a launcher runs for this call, in `family` and `shapeClass`: the forced one, the class's
 * winner, or the first (the default) while tuning is off or still timing. `measure(config)` records one run of
 * a candidate into a scratch output; the tuner calls it inside a timed section on the calls that time.
 */
export function choose<C>(family: string, shapeClass: string, candidates: Candidate<C>[], measure: (config: C) => void): C {
  lastOffered.set(family, { shapeClass, names: candidates.map((c) => c.name) });
  const pick = (name: string): C => {
    lastChoice.set(family, name);
    return candidates.find((c) => c.name === name)!.config;
  };
  const pinned = forced.get(family);
  if (pinned !== undefined) {
    if (!candidates.some((c) => c.name === pinned)) {
      throw new Error(`webgpu-cnn tuning: ${family} has no candidate "${pinned}" for ${shapeClass}; it has ${candidates.map((c) => `"${c.name}"`).join(', ')}`);
    }
    return pick(pinned);
  }
  const fallback = candidates[0].name;
  if (!isOn() || candidates.length < 2) return pick(fallback);
  const key = `${adapterKey()} | ${family} | ${shapeClass}`;
  const entry = table.get(key);
  if (entry) return pick(candidates.some((c) => c.name === entry.variant) ? entry.variant : fallback);
  // A recorded step runs nothing, so nothing can be timed there: its later eager calls (or a re-recording once
  // a winner is known) pick up what tuning finds.
  if (runtime().recorder) return pick(fallback);
  // A candidate that launches other tuned families (Winograd's GEMM) is timed with their defaults: a trial of
  // theirs started inside its measurement would be timed as part of it, or end the warm-up it runs in.
  if (inTrial > 0) return pick(fallback);

  const timed = candidates.slice(0, MAX_CANDIDATES);
  let trial = trials.get(key);
  if (!trial) {
    trial = { round: 0, outstanding: 0, spentMs: 0, samples: new Map(), warming: false };
    trials.set(key, trial);
    // On a GPU the candidates' pipelines are built in the background first: compiling them on this call would
    // stall it (seconds, for a model's first step); they are timed on a call after they are ready.
    if (timing === gpuTiming) warmCandidates(trial, timed, measure);
  }
  if (trial.warming || trial.outstanding > 0) return pick(fallback);
  startRound(key, trial, timed, trial.round === 0 ? timed.map((c) => c.name) : secondRound(trial, timed), measure);
  return pick(fallback);
}

function warmCandidates<C>(trial: Trial, candidates: Candidate<C>[], measure: (config: C) => void): void {
  const rt = runtime();
  trial.warming = true;
  rt.warming = true;
  try {
    for (const c of candidates) trialRun(() => measure(c.config));
  } finally {
    rt.warming = false;
    // The outputs and scratch the candidates asked for were never written: the pool need not keep them.
    rt.trimPool();
  }
  void rt.pipelines.warmed().then(() => {
    trial.warming = false;
  });
}

/** The candidates that timed, fastest first, as many as the rest of the budget allows at their first time. */
function secondRound<C>(trial: Trial, candidates: Candidate<C>[]): string[] {
  const best = candidates
    .map((c) => ({ name: c.name, ms: Math.min(...(trial.samples.get(c.name) ?? [Infinity])) }))
    .filter((c) => Number.isFinite(c.ms))
    .sort((a, b) => a.ms - b.ms);
  const names: string[] = [];
  let left = budgetMs - trial.spentMs;
  for (const c of best) {
    if (c.ms > left) break;
    left -= c.ms;
    names.push(c.name);
  }
  return names;
}

function startRound<C>(key: string, trial: Trial, candidates: Candidate<C>[], names: string[], measure: (config: C) => void): void {
  trial.round++;
  if (names.length === 0) {
    decide(key, trial, candidates[0].name);
    return;
  }
  trial.outstanding = names.length;
  for (const name of names) {
    const config = candidates.find((c) => c.name === name)!.config;
    timing.time(name, () => trialRun(() => measure(config)), (ms) => report(key, trial, candidates[0].name, name, ms));
  }
}

function report(key: string, trial: Trial, fallback: string, name: string, ms: number): void {
  if (trials.get(key) !== trial) return; // cleared or imported meanwhile
  // 0 is a real reading where timestamps are quantized (Dawn rounds to ~65 us unless told not to)
  if (Number.isFinite(ms) && ms >= 0) {
    trial.samples.set(name, [...(trial.samples.get(name) ?? []), ms]);
    trial.spentMs += ms;
  }
  if (--trial.outstanding > 0) return;
  if (trial.round >= ROUNDS || trial.spentMs >= budgetMs) decide(key, trial, fallback);
}

/**
 * The fastest candidate by its best sample, unless it beats the default by less than MARGIN: timing noise (and
 * quantized timestamps, which read equal) must not swap a kernel for one that is no faster.
 */
function decide(key: string, trial: Trial, fallback: string): void {
  const ms: Record<string, number> = {};
  let variant = fallback;
  for (const [name, samples] of trial.samples) {
    ms[name] = Math.min(...samples);
    if (ms[variant] === undefined || ms[name] < ms[variant]) variant = name;
  }
  if (ms[fallback] !== undefined && !(ms[variant] < (1 - MARGIN) * ms[fallback])) variant = fallback;
  trials.delete(key);
  table.set(key, { variant, ms });
  bump();
}

/** The tuning table and its switches, as `wc.tuning`. */
export const tuning = {
  /**
   * Turns tuning on or off (null: the adapter's default, on for GPUs that can time kernels); `budgetMs` is the
   * GPU time each shape class may spend on timing candidates.
   */
  enable(on: boolean | null = true, options: { budgetMs?: number } = {}): void {
    enabled = on;
    budgetMs = options.budgetMs ?? budgetMs;
    bump();
  },
  /** whether calls are tuned now */
  get enabled(): boolean {
    return isOn();
  },
  /** Increases whenever what a launcher would choose may have changed (a winner, an import, a switch). */
  get version(): number {
    return version;
  },
  /** The winners so far, as plain JSON (keyed by adapter, family and shape class). */
  export(): TuningTable {
    return { format: FORMAT, entries: Object.fromEntries([...table].map(([k, e]) => [k, { variant: e.variant, ms: { ...e.ms } }])) };
  },
  /** Adds the winners of an exported table (entries for other adapters are kept but never match). */
  import(json: unknown): void {
    const t = json as Partial<TuningTable> | null;
    if (!t || t.format !== FORMAT || typeof t.entries !== 'object' || t.entries === null) {
      throw new Error(`webgpu-cnn tuning.import: expected an object from tuning.export() (format "${FORMAT}")`);
    }
    for (const [key, e] of Object.entries(t.entries)) {
      if (typeof e?.variant !== 'string') throw new Error(`webgpu-cnn tuning.import: entry "${key}" has no variant name`);
      table.set(key, { variant: e.variant, ms: { ...(e.ms ?? {}) } });
      trials.delete(key);
    }
    bump();
  },
  /** Forgets every winner and timing in progress. */
  clear(): void {
    table.clear();
    trials.clear();
    bump();
  },
  /** Pins `family` ('matmul', 'conv.forward', ...) to the candidate `variant` (null: unpin); tests and benchmarks. */
  force(family: string, variant: string | null): void {
    if (variant === null) forced.delete(family);
    else forced.set(family, variant);
    bump();
  },
  /** The candidate the latest call of `family` ran. */
  lastVariant(family: string): string | undefined {
    return lastChoice.get(family);
  },
  /** The shape class and candidate names of the latest call of `family` (benchmarks time each of them). */
  lastCandidates(family: string): { shapeClass: string; names: string[] } | undefined {
    const offered = lastOffered.get(family);
    return offered && { shapeClass: offered.shapeClass, names: [...offered.names] };
  },
  /** Replaces the GPU's timestamps as the source of candidate timings (null: restore them); tests. */
  setTimingSource(source: TimingSource | null): void {
    timing = source ?? gpuTiming;
    trials.clear();
    bump();
  },
};

/**
 * `make()` remembered under `key` in `cache`: launchers keep each exact shape's class and candidate list, since a
 * training step asks for the same ones every step and listing them is not free (emptied past 512 shapes).
 */
export function remember<T>(cache: Map<string, T>, key: string, make: () => T): T {
  let value = cache.get(key);
  if (value === undefined) {
    if (cache.size >= 512) cache.clear();
    value = make();
    cache.set(key, value);
  }
  return value;
}

/** v rounded up to a power of two: shape classes bucket sizes this way */
export function pow2(v: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(v, 1)));
}
