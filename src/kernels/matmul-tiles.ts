/**
 * How a matmul kernel is shaped: the entry point of shaders/matmul.wgsl and its tile override constants, and
 * the grid a GEMM of a given size launches. Pure functions of the config and the shape, so a planner (and a
 * unit test) can call them without a GPU.
 */

/** Which entry point of shaders/matmul.wgsl runs, and its tile override constants. */
export interface MatmulConfig {
  /**
   * blocked: 4x4 outputs per invocation straight from storage, no barriers (CPU drivers);
   * tiled: the same with workgroup-memory slabs;
   * register_tiled: REG_M x REG_N outputs per invocation, k-major slabs, prefetch in registers (discrete GPUs)
   */
  entry: 'blocked' | 'tiled' | 'register_tiled';
  wgX: number;
  wgY: number;
  /** tiled and register_tiled: depth of a staged K slab, a multiple of 4 */
  tileK: number;
  /** use 16-byte loads when the shapes allow (K and N multiples of 4, no transposes) */
  vec4: boolean;
  /** register_tiled: rows and columns of C per invocation, 4 or 8 each (default 8) */
  regM?: number;
  regN?: number;
}

/** vec4 pieces one invocation may load per operand and K step (MAX_LOADS in matmul.wgsl) */
const MAX_LOADS = 4;

export interface GemmTiling {
  /** override constants of the entry point, without the problem's flags (BIAS, RELU, TRANS_*, SUM_BATCH) */
  constants: Record<string, number>;
  /** rows and columns of C one workgroup covers */
  blockM: number;
  blockN: number;
  /** workgroups along N and M */
  workgroups: [number, number];
}

/** The override constants and grid for an m x n product under `cfg`. Throws on a config the kernel can't run. */
export function gemmTiling(cfg: MatmulConfig, m: number, n: number): GemmTiling {
  if (cfg.entry === 'register_tiled') {
    const regM = cfg.regM ?? 8;
    const regN = cfg.regN ?? 8;
    const blockM = cfg.wgY * regM;
    const blockN = cfg.wgX * regN;
    const threads = cfg.wgX * cfg.wgY;
    const loads = Math.max(blockM, blockN) * cfg.tileK / 4 / threads;
    if (![4, 8].includes(regM) || ![4, 8].includes(regN) || cfg.tileK % 4 !== 0 || loads > MAX_LOADS) {
      throw new Error(`webgpu-cnn matmul: register_tiled needs regM, regN in {4, 8}, tileK a multiple of 4 and at most ${MAX_LOADS} vec4 loads per invocation, got ${JSON.stringify(cfg)}`);
    }
    return {
      constants: { WG_X: cfg.wgX, WG_Y: cfg.wgY, TILE_K: cfg.tileK, REG_M: regM, REG_N: regN },
      blockM,
      blockN,
      workgroups: [Math.ceil(n / blockN), Math.ceil(m / blockM)],
    };
  }
  // A workgroup taller or wider than C only computes clamped copies of the edge: shrink the barrier-free
  // kernel's to fit small matrices (conv layers with few channels), keeping the invocation count.
  const pow2 = (v: number) => 2 ** Math.ceil(Math.log2(Math.max(v, 1)));
  const wgY = cfg.entry === 'blocked' ? Math.min(cfg.wgY, pow2(Math.ceil(m / 4))) : cfg.wgY;
  const wgX = cfg.entry === 'blocked' ? Math.min((cfg.wgX * cfg.wgY) / wgY, Math.max(pow2(Math.ceil(n / 4)), cfg.wgX)) : cfg.wgX;
  const constants: Record<string, number> = { WG_X: wgX, WG_Y: wgY };
  if (cfg.entry === 'tiled') constants.TILE_K = cfg.tileK;
  return { constants, blockM: 4 * wgY, blockN: 4 * wgX, workgroups: [Math.ceil(n / (4 * wgX)), Math.ceil(m / (4 * wgY))] };
}
