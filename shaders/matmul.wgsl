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
// of 4 and nothing is transposed). Both provide elemA, elemB, rowA4, rowB4 and storeRow.

@compute @workgroup_size(WG_X, WG_Y)
fn blocked(@builtin(global_invocation_id) gid: vec3<u32>) {
  let row = gid.y * 4u;
  let col = gid.x * 4u;
  if (row >= params.M || col >= params.N) { return; }
  let m0 = row;
  let m1 = min(row + 1u, params.M - 1u);
  let m2 = min(row + 2u, params.M - 1u);
  let m3 = min(row + 3u, params.M - 1u);
  let n = min(vec4<u32>(col) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(params.N - 1u));

  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  let k4 = params.K & ~3u;
  let zStart = select(gid.z, gid.z * params.batchPerGroup, SUM_BATCH);
  let zEnd = select(gid.z + 1u, min(zStart + params.batchPerGroup, params.batch), SUM_BATCH);
  for (var z = zStart; z < zEnd; z++) {
    let baseA = params.offsetA + z * params.batchStrideA;
    let baseB = params.offsetB + z * params.batchStrideB;
    for (var k = 0u; k < k4; k += 4u) {
      let b0 = rowB4(baseB, k, n);
      let b1 = rowB4(baseB, k + 1u, n);
      let b2 = rowB4(baseB, k + 2u, n);
      let b3 = rowB4(baseB, k + 3u, n);
      let a0 = rowA4(baseA, m0, k);
      let a1 = rowA4(baseA, m1, k);
      let a2 = rowA4(baseA, m2, k);
      let a3 = rowA4(baseA, m3, k);
      acc0 += a0.x * b0 + a0.y * b1 + a0.z * b2 + a0.w * b3;
      acc1 += a1.x * b0 + a1.y * b1 + a1.z * b2 + a1.w * b3;
      acc2 += a2.x * b0 + a2.y * b1 + a2.z * b2 + a2.w * b3;
      acc3 += a3.x * b0 + a3.y * b1 + a3.z * b2 + a3.w * b3;
    }
    for (var k = k4; k < params.K; k++) {
      let bk = rowB4(baseB, k, n);
      acc0 += elemA(baseA, m0, k) * bk;
      acc1 += elemA(baseA, m1, k) * bk;
      acc2 += elemA(baseA, m2, k) * bk;
      acc3 += elemA(baseA, m3, k) * bk;
    }
  }
  let baseC = params.offsetC + gid.z * params.batchStrideC;
  storeRow(baseC, row, col, epilogue(row, col, acc0));
  storeRow(baseC, row + 1u, col, epilogue(row + 1u, col, acc1));
  storeRow(baseC, row + 2u, col, epilogue(row + 2u, col, acc2));
  storeRow(baseC, row + 3u, col, epilogue(row + 3u, col, acc3));
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
