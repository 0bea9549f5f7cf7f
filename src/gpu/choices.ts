/**
 * Besides the shapes, what decides which kernel variant a launcher runs: the autotuner's table and the
 * configuration setters (setMatmulConfig, setConvAlgorithm, setConvTiles). A compiled step bakes those choices
 * into its plan, so it records again whenever `version` has moved since.
 */
let version = 0;
let tuningActive = (): boolean => false;
let timingNow = (): boolean => false;

export const kernelChoices = {
  get version(): number {
    return version;
  },
  /** Something a launcher chooses by may have changed. */
  changed(): void {
    version++;
  },
  /** Whether the autotuner may still time candidates (it needs real tensors, so not inside a recording). */
  tuning(): boolean {
    return tuningActive();
  },
  /** Whether candidates are being timed now: their winners are still to come. */
  timing(): boolean {
    return timingNow();
  },
  /** The autotuner says how to tell whether it is on, and whether it is timing. */
  reportTuning(active: () => boolean, timing: () => boolean): void {
    tuningActive = active;
    timingNow = timing;
  },
};
