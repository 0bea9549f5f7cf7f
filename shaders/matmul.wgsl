// Batched matrix multiply: C[z] = A[z] x B[z], A is M x K, B is K x N, C is M x N, all row-major, with
// z = global_invocation_id.z walking the batch (a batch stride of 0 reuses one operand for every z).
// With matmul-scalar.wgsl, TRANS_A / TRANS_B read an operand from a buffer holding its transpose (a strided
// gather), for operands that the host does not transpose into a copy first (see src/kernels/matmul-plan.ts).
//
// Both entry points give each invocation a 4x4 block of C, held in four named vec4 accumulators, and walk
// K four steps at a time (four vec4 rows of B, four vec4 pieces of A's rows, 64 multiply-adds):
//   blocked: operands straight from storage, no workgroup memory and no barriers. CPU-like drivers
//            (SwiftShader) compile straight-line code like this well and barriers badly.
//   tiled:   the workgroup first stages a (4*WG_Y) x TILE_K slab of A and a TILE_K x (4*WG_X) slab of B
//            in workgroup memory, so each element is read from storage once per workgroup (discrete GPUs).
// Rows and columns past the edge are clamped when loading and dropped when storing, so any M, N, K work.

struct Params {
  M: u32,
  N: u32,
  K: u32,
  batchStrideA: u32,
  batchStrideB: u32,
  batchStrideC: u32,
  // where matrix 0 of each operand starts, so a launch can work on a slice of a bigger tensor
  offsetA: u32,
  offsetB: u32,
  offsetC: u32,
  // distance between consecutive rows of A and B as stored (K and N, or M and K when transposed, unless the
  // operand is a column slice of a wider matrix)
  lda: u32,
  ldb: u32,
  batch: u32,          // matrices in the batch
  batchPerGroup: u32,  // SUM_BATCH: matrices summed by each z of the grid (each z writes its own C)
}

// Epilogue, fused into the store instead of extra passes: a bias per row (conv: one per output channel) or per
// column (linear: one per output feature), then an optional ReLU.
@group(0) @binding(4) var<storage, read> bias: array<f32>;
override BIAS: u32 = 0u;
const NO_BIAS = 0u;
const BIAS_PER_ROW = 1u;
const BIAS_PER_COLUMN = 2u;
override RELU: bool = false;

fn epilogue(m: u32, n: u32, v: vec4<f32>) -> vec4<f32> {
  var r = v;
  if (BIAS == BIAS_PER_ROW) {
    r += vec4<f32>(bias[min(m, params.M - 1u)]);
  } else if (BIAS == BIAS_PER_COLUMN) {
    let last = params.N - 1u;
    r += vec4<f32>(bias[min(n, last)], bias[min(n + 1u, last)], bias[min(n + 2u, last)], bias[min(n + 3u, last)]);
  }
  if (RELU) { r = max(r, vec4<f32>(0.0)); }
  return r;
}

// SUM_BATCH: C[g] = sum over z in group g of A[z] x B[z], looping over the group's matrices inside each
// invocation, so a sum of products (a convolution's weight gradient over a batch of images) needs no
// per-image results; the host adds up the few group results when it splits the batch for parallelism.
override SUM_BATCH: bool = false;

override WG_X: u32 = 8u;       // invocations along N; each covers 4 columns
override WG_Y: u32 = 8u;       // invocations along M; each covers 4 rows
override TILE_K: u32 = 16u;    // tiled: depth of the staged K slab, a multiple of 4

// The operands' bindings and the loads and stores below come from one of two pieces the manifest puts first:
// matmul-scalar.wgsl (any shape, transposes) or matmul-vec4.wgsl (16-byte loads when K and N are multiples
// of 4 and nothing is transposed). Both provide elemA, elemB and storeRow, and cursors into the operands
// (cursorA, cursorB, stepA4, stepB) with the loads at a cursor (loadA4, loadB4), which the blocked kernel's inner
// loop steps through K and rowA4 / rowB4 below place directly.

// A[m, k..k+3], k a multiple of 4
fn rowA4(base: u32, m: u32, k: u32) -> vec4<f32> { return loadA4(cursorA(base, m) + (k / 4u) * stepA4()); }
// B[k, n.x], B[k, n.y], ... for columns n.x <= n.y <= ... already clamped by the caller
fn rowB4(base: u32, k: u32, n: vec4<u32>) -> vec4<f32> { return loadB4(cursorB(base, n.x) + k * stepB(), n - vec4<u32>(n.x)); }

// FOLD_BATCH (blocked only, no SUM_BATCH, N a multiple of 4): the batch's columns side by side along x, one
// grid for all matrices, so a batch of narrow products (a conv layer's 196 columns per image) leaves no
// workgroup half idle at every matrix's edge. A group of 4 columns never spans two matrices.
override FOLD_BATCH: bool = false;

// A 4x4 block of C: one named vec4 per row.
struct Block { r0: vec4<f32>, r1: vec4<f32>, r2: vec4<f32>, r3: vec4<f32> }

// acc plus rows m of A[z] times columns n of B[z], over all of K. The loop moves cursors by a fixed step instead
// of computing base + row * ld + k for every load: on SwiftShader that made matmul 512 run at 2.1 GFLOP/s
// instead of 1.7.
fn blockProduct(z: u32, m: vec4<u32>, col: u32, n: vec4<u32>, acc: Block) -> Block {
  let lanes = n - vec4<u32>(col);
  let sA = stepA4();
  let sB = stepB();
  var acc0 = acc.r0;
  var acc1 = acc.r1;
  var acc2 = acc.r2;
  var acc3 = acc.r3;
  let k4 = params.K & ~3u;
  let baseA = params.offsetA + z * params.batchStrideA;
  let baseB = params.offsetB + z * params.batchStrideB;
  var ia0 = cursorA(baseA, m.x);
  var ia1 = cursorA(baseA, m.y);
  var ia2 = cursorA(baseA, m.z);
  var ia3 = cursorA(baseA, m.w);
  var ib = cursorB(baseB, col);
  for (var k = 0u; k < k4; k += 4u) {
    let b0 = loadB4(ib, lanes);
    let b1 = loadB4(ib + sB, lanes);
    let b2 = loadB4(ib + 2u * sB, lanes);
    let b3 = loadB4(ib + 3u * sB, lanes);
    let a0 = loadA4(ia0);
    let a1 = loadA4(ia1);
    let a2 = loadA4(ia2);
    let a3 = loadA4(ia3);
    acc0 += a0.x * b0 + a0.y * b1 + a0.z * b2 + a0.w * b3;
    acc1 += a1.x * b0 + a1.y * b1 + a1.z * b2 + a1.w * b3;
    acc2 += a2.x * b0 + a2.y * b1 + a2.z * b2 + a2.w * b3;
    acc3 += a3.x * b0 + a3.y * b1 + a3.z * b2 + a3.w * b3;
    ia0 += sA;
    ia1 += sA;
    ia2 += sA;
    ia3 += sA;
    ib += 4u * sB;
  }
  for (var k = k4; k < params.K; k++) {
    let bk = rowB4(baseB, k, n);
    acc0 += elemA(baseA, m.x, k) * bk;
    acc1 += elemA(baseA, m.y, k) * bk;
    acc2 += elemA(baseA, m.z, k) * bk;
    acc3 += elemA(baseA, m.w, k) * bk;
  }
  return Block(acc0, acc1, acc2, acc3);
}

@compute @workgroup_size(WG_X, WG_Y)
fn blocked(@builtin(global_invocation_id) gid: vec3<u32>) {
  let row = gid.y * 4u;
  // the C this invocation writes: its matrix of the batch, or with SUM_BATCH its group's sum
  let cMatrix = select(gid.z, gid.x * 4u / params.N, FOLD_BATCH);
  let col = select(gid.x * 4u, gid.x * 4u % params.N, FOLD_BATCH);
  if (row >= params.M || col >= params.N || (FOLD_BATCH && cMatrix >= params.batch)) { return; }
  let m = min(vec4<u32>(row) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(params.M - 1u));
  let n = min(vec4<u32>(col) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(params.N - 1u));
  var acc = Block(vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0));
  if (SUM_BATCH) {
    let zStart = cMatrix * params.batchPerGroup;
    let zEnd = min(zStart + params.batchPerGroup, params.batch);
    for (var z = zStart; z < zEnd; z++) { acc = blockProduct(z, m, col, n, acc); }
  } else {
    // no loop around one matrix's product: SwiftShader ran 64x64x8192 products about 10% slower inside one
    acc = blockProduct(cMatrix, m, col, n, acc);
  }
  let baseC = params.offsetC + cMatrix * params.batchStrideC;
  storeRow(baseC, row, col, epilogue(row, col, acc.r0));
  storeRow(baseC, row + 1u, col, epilogue(row + 1u, col, acc.r1));
  storeRow(baseC, row + 2u, col, epilogue(row + 2u, col, acc.r2));
  storeRow(baseC, row + 3u, col, epilogue(row + 3u, col, acc.r3));
}

override TILE_M: u32 = 4u * WG_Y;
override TILE_N: u32 = 4u * WG_X;
var<workgroup> tileA: array<f32, TILE_M * TILE_K>;   // [TILE_M][TILE_K]
var<workgroup> tileB: array<f32, TILE_K * TILE_N>;   // [TILE_K][TILE_N]

fn tileRowA(r: u32, k: u32) -> vec4<f32> {
  let i = r * TILE_K + k;
  return vec4<f32>(tileA[i], tileA[i + 1u], tileA[i + 2u], tileA[i + 3u]);
}

fn tileRowB(k: u32, col: u32) -> vec4<f32> {
  let i = k * TILE_N + col;
  return vec4<f32>(tileB[i], tileB[i + 1u], tileB[i + 2u], tileB[i + 3u]);
}

@compute @workgroup_size(WG_X, WG_Y)
fn tiled(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let tileRow = wid.y * TILE_M;
  let tileCol = wid.x * TILE_N;
  let threads = WG_X * WG_Y;
  let t = lid.y * WG_X + lid.x;
  let r = lid.y * 4u;   // this invocation's rows and columns inside the tile
  let q = lid.x * 4u;

  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  let zStart = select(wid.z, wid.z * params.batchPerGroup, SUM_BATCH);
  let zEnd = select(wid.z + 1u, min(zStart + params.batchPerGroup, params.batch), SUM_BATCH);
  for (var z = zStart; z < zEnd; z++) {
    let baseA = params.offsetA + z * params.batchStrideA;
    let baseB = params.offsetB + z * params.batchStrideB;
    for (var k0 = 0u; k0 < params.K; k0 += TILE_K) {
      // Every invocation helps stage the slabs (zeros past the edges), even those whose outputs fall outside C.
      for (var e = t; e < TILE_M * TILE_K; e += threads) {
        let m = tileRow + e / TILE_K;
        let k = k0 + e % TILE_K;
        var v = 0.0;
        if (m < params.M && k < params.K) { v = elemA(baseA, m, k); }
        tileA[e] = v;
      }
      for (var e = t; e < TILE_K * TILE_N; e += threads) {
        let k = k0 + e / TILE_N;
        let n = tileCol + e % TILE_N;
        var v = 0.0;
        if (k < params.K && n < params.N) { v = elemB(baseB, k, n); }
        tileB[e] = v;
      }
      workgroupBarrier();
      for (var k = 0u; k < TILE_K; k += 4u) {
        let b0 = tileRowB(k, q);
        let b1 = tileRowB(k + 1u, q);
        let b2 = tileRowB(k + 2u, q);
        let b3 = tileRowB(k + 3u, q);
        let a0 = tileRowA(r, k);
        let a1 = tileRowA(r + 1u, k);
        let a2 = tileRowA(r + 2u, k);
        let a3 = tileRowA(r + 3u, k);
        acc0 += a0.x * b0 + a0.y * b1 + a0.z * b2 + a0.w * b3;
        acc1 += a1.x * b0 + a1.y * b1 + a1.z * b2 + a1.w * b3;
        acc2 += a2.x * b0 + a2.y * b1 + a2.z * b2 + a2.w * b3;
        acc3 += a3.x * b0 + a3.y * b1 + a3.z * b2 + a3.w * b3;
      }
      workgroupBarrier();
    }
  }
  let row = tileRow + r;
  let col = tileCol + q;
  if (col >= params.N) { return; }
  let baseC = params.offsetC + wid.z * params.batchStrideC;
  storeRow(baseC, row, col, epilogue(row, col, acc0));
  storeRow(baseC, row + 1u, col, epilogue(row + 1u, col, acc1));
  storeRow(baseC, row + 2u, col, epilogue(row + 2u, col, acc2));
  storeRow(baseC, row + 3u, col, epilogue(row + 3u, col, acc3));
}

// ---------------------------------------------------------------------------------------------------------
// register_tiled: the discrete-GPU kernel. A workgroup of WG_X x WG_Y invocations owns a BLOCK_M x BLOCK_N
// block of C (BLOCK_M = WG_Y * REG_M, BLOCK_N = WG_X * REG_N); each invocation owns REG_M x REG_N outputs
// (REG_M, REG_N each 4 or 8), held in registers. Its rows are REG_M / 4 groups of four consecutive rows,
// group i at block row i * 4 * WG_Y + 4 * lid.y; its columns likewise, group j at j * 4 * WG_X + 4 * lid.x.
// Spreading the groups this way makes the invocations of a warp read consecutive vec4s of the staged slabs
// (no bank conflicts) and store consecutive vec4s of C.
//
// K is walked TILE_K at a time. Each step stages A's BLOCK_M x TILE_K slab transposed (k-major, so the inner
// loop reads four rows of A as one vec4) and B's TILE_K x BLOCK_N slab, both loaded from storage as vec4
// pieces (16-byte loads with matmul-vec4.wgsl). The loads of step s + 1 go to registers before the multiply of
// step s, so their latency hides behind the math (double buffering in registers, one set of slabs, two
// barriers per step). With SUM_BATCH the steps run over every (matrix, K tile) pair of the group.
// Pieces outside A or B load as zeros, so any M, N, K work.

override REG_M: u32 = 8u;                    // rows of C per invocation: 4 or 8
override REG_N: u32 = 8u;                    // columns of C per invocation: 4 or 8
override BLOCK_M: u32 = WG_Y * REG_M;
override BLOCK_N: u32 = WG_X * REG_N;
// vec4 pieces each invocation loads per operand and step (the host keeps this at most MAX_LOADS)
override LOADS_A: u32 = (BLOCK_M * TILE_K / 4u + WG_X * WG_Y - 1u) / (WG_X * WG_Y);
override LOADS_B: u32 = (BLOCK_N * TILE_K / 4u + WG_X * WG_Y - 1u) / (WG_X * WG_Y);
const MAX_LOADS = 4u;
var<workgroup> slabA: array<vec4<f32>, TILE_K * BLOCK_M / 4u>;   // [TILE_K][BLOCK_M]: A transposed
var<workgroup> slabB: array<vec4<f32>, TILE_K * BLOCK_N / 4u>;   // [TILE_K][BLOCK_N]

// A[m, k..k+3], zeros past the edges (k is a multiple of 4).
fn pieceA(base: u32, m: u32, k: u32) -> vec4<f32> {
  if (m >= params.M || k >= params.K) { return vec4<f32>(0.0); }
  if (k + 3u < params.K) { return rowA4(base, m, k); }
  var v = vec4<f32>(0.0);
  for (var l = 0u; l < 3u; l++) {
    if (k + l < params.K) { v[l] = elemA(base, m, k + l); }
  }
  return v;
}

// B[k, n..n+3], zeros past the edges (n is a multiple of 4).
fn pieceB(base: u32, k: u32, n: u32) -> vec4<f32> {
  if (k >= params.K || n >= params.N) { return vec4<f32>(0.0); }
  if (n + 3u < params.N) { return rowB4(base, k, vec4<u32>(n, n + 1u, n + 2u, n + 3u)); }
  var v = vec4<f32>(0.0);
  for (var l = 0u; l < 3u; l++) {
    if (n + l < params.N) { v[l] = elemB(base, k, n + l); }
  }
  return v;
}

@compute @workgroup_size(WG_X, WG_Y)
fn register_tiled(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let threads = WG_X * WG_Y;
  let t = lid.y * WG_X + lid.x;
  let rowBase = wid.y * BLOCK_M;
  let colBase = wid.x * BLOCK_N;
  let piecesA = BLOCK_M * TILE_K / 4u;   // piece e of A's slab: row e / (TILE_K / 4), k (e % (TILE_K / 4)) * 4
  let piecesB = TILE_K * BLOCK_N / 4u;   // piece e of B's slab: k e / (BLOCK_N / 4), column (e % (BLOCK_N / 4)) * 4
  let kTiles = (params.K + TILE_K - 1u) / TILE_K;
  let zStart = select(wid.z, wid.z * params.batchPerGroup, SUM_BATCH);
  let zEnd = select(wid.z + 1u, min(zStart + params.batchPerGroup, params.batch), SUM_BATCH);
  let steps = (zEnd - zStart) * kTiles;

  var nextA: array<vec4<f32>, MAX_LOADS>;
  var nextB: array<vec4<f32>, MAX_LOADS>;
  // acc[r * (REG_N / 4) + j]: the invocation's row r, column group j
  var acc: array<vec4<f32>, 16>;
  for (var i = 0u; i < 16u; i++) { acc[i] = vec4<f32>(0.0); }

  // Step 0's pieces; later steps are fetched while the previous one is multiplied.
  if (steps > 0u) {
    let baseA = params.offsetA + zStart * params.batchStrideA;
    let baseB = params.offsetB + zStart * params.batchStrideB;
    for (var r = 0u; r < LOADS_A; r++) {
      let e = t + r * threads;
      nextA[r] = pieceA(baseA, rowBase + e / (TILE_K / 4u), (e % (TILE_K / 4u)) * 4u);
    }
    for (var r = 0u; r < LOADS_B; r++) {
      let e = t + r * threads;
      nextB[r] = pieceB(baseB, e / (BLOCK_N / 4u), colBase + (e % (BLOCK_N / 4u)) * 4u);
    }
  }

  for (var s = 0u; s < steps; s++) {
    for (var r = 0u; r < LOADS_A; r++) {
      let e = t + r * threads;
      if (e < piecesA) {
        // A[m, k..k+3] goes to column m of slab rows k..k+3: one scalar per row, the same lane m % 4.
        let m = e / (TILE_K / 4u);
        let i = ((e % (TILE_K / 4u)) * 4u) * BLOCK_M + m;
        let v = nextA[r];
        slabA[i / 4u][m % 4u] = v.x;
        slabA[(i + BLOCK_M) / 4u][m % 4u] = v.y;
        slabA[(i + 2u * BLOCK_M) / 4u][m % 4u] = v.z;
        slabA[(i + 3u * BLOCK_M) / 4u][m % 4u] = v.w;
      }
    }
    for (var r = 0u; r < LOADS_B; r++) {
      let e = t + r * threads;
      if (e < piecesB) { slabB[e] = nextB[r]; }
    }
    workgroupBarrier();

    if (s + 1u < steps) {
      let z = zStart + (s + 1u) / kTiles;
      let k0 = ((s + 1u) % kTiles) * TILE_K;
      let baseA = params.offsetA + z * params.batchStrideA;
      let baseB = params.offsetB + z * params.batchStrideB;
      for (var r = 0u; r < LOADS_A; r++) {
        let e = t + r * threads;
        nextA[r] = pieceA(baseA, rowBase + e / (TILE_K / 4u), k0 + (e % (TILE_K / 4u)) * 4u);
      }
      for (var r = 0u; r < LOADS_B; r++) {
        let e = t + r * threads;
        nextB[r] = pieceB(baseB, k0 + e / (BLOCK_N / 4u), colBase + (e % (BLOCK_N / 4u)) * 4u);
      }
    }

    for (var k = 0u; k < TILE_K; k++) {
      var a: array<vec4<f32>, 2>;
      var b: array<vec4<f32>, 2>;
      for (var i = 0u; i < REG_M / 4u; i++) { a[i] = slabA[k * (BLOCK_M / 4u) + i * WG_Y + lid.y]; }
      for (var j = 0u; j < REG_N / 4u; j++) { b[j] = slabB[k * (BLOCK_N / 4u) + j * WG_X + lid.x]; }
      for (var i = 0u; i < REG_M / 4u; i++) {
        for (var l = 0u; l < 4u; l++) {
          let av = vec4<f32>(a[i][l]);
          for (var j = 0u; j < REG_N / 4u; j++) {
            let x = (i * 4u + l) * (REG_N / 4u) + j;
            acc[x] = fma(av, b[j], acc[x]);
          }
        }
      }
    }
    workgroupBarrier();
  }

  let baseC = params.offsetC + wid.z * params.batchStrideC;
  for (var i = 0u; i < REG_M / 4u; i++) {
    for (var l = 0u; l < 4u; l++) {
      let row = rowBase + i * 4u * WG_Y + lid.y * 4u + l;
      for (var j = 0u; j < REG_N / 4u; j++) {
        let col = colBase + j * 4u * WG_X + lid.x * 4u;
        if (col < params.N) { storeRow(baseC, row, col, epilogue(row, col, acc[(i * 4u + l) * (REG_N / 4u) + j])); }
      }
    }
  }
}
