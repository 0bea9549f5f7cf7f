// Implicit-GEMM convolution: forward, input gradient and weight gradient as one GEMM each, C = A x B per group,
// with B gathered straight from an NCHW tensor (zeros outside the image) instead of an im2col buffer.
//
//   entry        A [M, K]          B [K, N] (gathered)              C [M, N]           M     N          K
//   forward      w                 x at (p*SH-PH+i*DH, q*SW-PW+j*DW) out (+bias, ReLU)  O/G   N*P*Q      C/G*KH*KW
//   grad_input   w, read as w^T    dy at ((h+PH-i*DH)/SH, ...) when   dx                 C/G   N*H*W      O/G*KH*KW
//                                  divisible and in range
//   grad_weight  dy                x, as forward                     partial dw         O/G   C/G*KH*KW  N*P*Q
//
// The host describes each GEMM by index arithmetic in Params, so one body serves all three:
//   A[m, k]  = a[aBase + g*aGroup + (k / aDiv)*aOuter + (r / aD2)*aS1 + (r % aD2)*aS2 + m*aRow], r = k % aDiv
//   B[k, n]  = src[off + (hh / GSH)*GW + ww / GSW] where, splitting k into (k1, k2, k3) by (bD1, bD2) and n into
//              (n1, n2, n3) by (cD1, cD2): off = k1*bOuter + n1*cOuter + g*cGroup, hh = k2*bH1 + bH0 + n2*cH1 + cH0,
//              ww = k3*bW1 + bW0 + n3*cW1 + cW0; zero unless 0 <= hh, GSH divides hh and hh / GSH < GH (ww alike).
//   C[m, n] -> c[s*outSplit + (g*M + m)*outRow + outBase + o1*outOuter + o2*outH + o3*outW], splitting n into
//              (o1, o2, o3) by (oD1, oD2)
// where g is the group and s the split of K (grad_weight writes one partial result per split; reduce_splits adds
// them up). The sub-kernel strides (aD2, aS1, aS2, aBase) and the strided store (outH, outW, outBase) serve the
// phase decomposition of a strided input gradient: the pixels h = rh + SH*h' of one output phase (rh, rw) only
// meet the taps i = i0 + t*SI with (rh + PH - i*DH) divisible by SH, so each phase is a dense stride-1 GEMM
// over a sub-kernel of w, written to every SH-th row and SW-th column of dx, and no zero tap is multiplied.
// Elsewhere aD2 = aDiv, aS1 = 0, aS2 = 1, oD1 = 1 and outW = 1 give the plain forms.
//
// Threads and tiles, as matmul.wgsl's register_tiled: a WG_X x WG_Y workgroup owns a BLOCK_M x BLOCK_N block of
// one group's C (z = g * splits + s), each invocation REG_M x REG_N outputs in registers, in groups of four rows
// (columns) spaced 4*WG_Y (4*WG_X) apart. K is walked TILE_K at a time through k-major workgroup slabs of A and
// B; the gathers of step s + 1 go to registers before step s is multiplied. Loads are scalar (gathers are), and
// each invocation loads one k row of each slab per step so the k decomposition (two divisions) runs once per
// step: A with k fastest across invocations (k = t % TILE_K); B with n fastest (forward, grad_input: consecutive
// output pixels read consecutive x) or k fastest (grad_weight: consecutive (n, p, q) read consecutive x). The
// n decomposition of B's columns is done once per workgroup into a table in workgroup memory.

struct Params {
  M: u32, N: u32, K: u32,
  splits: u32,       // split-K parts per group
  kPerSplit: u32,    // a multiple of TILE_K
  aDiv: u32, aOuter: u32, aRow: u32, aGroup: u32,
  aD2: u32, aS1: u32, aS2: u32, aBase: u32,
  bD1: u32, bD2: u32, bOuter: u32,
  bH1: i32, bH0: i32, bW1: i32, bW0: i32,
  cD1: u32, cD2: u32, cOuter: u32, cGroup: u32,
  cH1: i32, cH0: i32, cW1: i32, cW0: i32,
  GH: i32, GW: i32, GSH: i32, GSW: i32,
  outSplit: u32, outRow: u32, outOuter: u32,
  oD1: u32, oD2: u32, outH: u32, outW: u32, outBase: u32,
  count: u32,        // reduce_splits: elements of one partial result
}

@group(0) @binding(0) var<storage, read> a: array<f32>;          // A operand: w (forward, grad_input) or dy
@group(0) @binding(1) var<storage, read> src: array<f32>;        // gathered B operand: x (forward, grad_weight) or dy
@group(0) @binding(2) var<storage, read_write> c: array<f32>;    // out, dx, or partial dw [splits, O, C/G*KH*KW]
@group(0) @binding(3) var<uniform> params: Params;
@group(0) @binding(4) var<storage, read> bias: array<f32>;       // forward with BIAS: [O]

override WG_X: u32 = 16u;       // invocations along N
override WG_Y: u32 = 16u;       // invocations along M
override REG_M: u32 = 8u;       // rows of C per invocation: 4 or 8
override REG_N: u32 = 8u;       // columns of C per invocation: 4 or 8
override TILE_K: u32 = 8u;      // depth of a K step; divides WG_X * WG_Y
override BIAS: bool = false;    // forward: add bias[o]
override RELU: bool = false;    // forward: then max(0, .)
override BLOCK_M: u32 = WG_Y * REG_M;
override BLOCK_N: u32 = WG_X * REG_N;
override THREADS: u32 = WG_X * WG_Y;
override ROWS_PER_PASS: u32 = THREADS / TILE_K;    // slab rows (columns) one pass of the workgroup loads
override LOADS_A: u32 = (BLOCK_M + ROWS_PER_PASS - 1u) / ROWS_PER_PASS;
override LOADS_B: u32 = (BLOCK_N + ROWS_PER_PASS - 1u) / ROWS_PER_PASS;
const MAX_LOADS = 16u;          // the host keeps LOADS_A and LOADS_B at most this

var<workgroup> slabA: array<vec4<f32>, TILE_K * BLOCK_M / 4u>;   // [TILE_K][BLOCK_M]
var<workgroup> slabB: array<vec4<f32>, TILE_K * BLOCK_N / 4u>;   // [TILE_K][BLOCK_N]
var<workgroup> columns: array<vec4<i32>, BLOCK_N>;             // per column of the block: (offset, h, w, inside N)

const B_N_FAST = 0u;
const B_K_FAST = 1u;

fn setScalar(slab: u32, k: u32, i: u32, v: f32) {
  // slab 0: A at (k, m = i); slab 1: B at (k, n = i)
  if (slab == 0u) {
    let x = k * BLOCK_M + i;
    slabA[x / 4u][x % 4u] = v;
  } else {
    let x = k * BLOCK_N + i;
    slabB[x / 4u][x % 4u] = v;
  }
}

// B's row k split into (offset, h, w), or an h no image has when k is past K.
fn rowPart(k: u32) -> vec3<i32> {
  if (k >= params.K) { return vec3<i32>(0, -(1 << 30), 0); }
  let d = params.bD1 * params.bD2;
  let k1 = k / d;
  let r = k - k1 * d;
  let k2 = r / params.bD2;
  let k3 = r - k2 * params.bD2;
  return vec3<i32>(i32(k1 * params.bOuter), i32(k2) * params.bH1 + params.bH0, i32(k3) * params.bW1 + params.bW0);
}

fn gather(row: vec3<i32>, col: vec4<i32>) -> f32 {
  var hh = row.y + col.y;
  var ww = row.z + col.z;
  if (params.GSH > 1 || params.GSW > 1) {
    // grad_input's direct form: only taps that land on a dy pixel count
    if (hh < 0 || ww < 0 || hh % params.GSH != 0 || ww % params.GSW != 0) { return 0.0; }
    hh = hh / params.GSH;
    ww = ww / params.GSW;
  }
  // As unsigned numbers, negative rows and columns are past the end too: one compare per axis.
  if (col.w == 0 || u32(hh) >= u32(params.GH) || u32(ww) >= u32(params.GW)) { return 0.0; }
  return src[u32(row.x + col.x + hh * params.GW + ww)];
}

fn implicitGemm(wid: vec3<u32>, lid: vec3<u32>, bMapping: u32) {
  let t = lid.y * WG_X + lid.x;
  let g = wid.z / params.splits;
  let split = wid.z % params.splits;
  let rowBase = wid.y * BLOCK_M;
  let colBase = wid.x * BLOCK_N;

  // The block's columns, decomposed once.
  for (var i = t; i < BLOCK_N; i += THREADS) {
    let n = colBase + i;
    let d = params.cD1 * params.cD2;
    let n1 = n / d;
    let r = n - n1 * d;
    let n2 = r / params.cD2;
    let n3 = r - n2 * params.cD2;
    columns[i] = vec4<i32>(i32(n1 * params.cOuter + g * params.cGroup), i32(n2) * params.cH1 + params.cH0,
                           i32(n3) * params.cW1 + params.cW0, select(0, 1, n < params.N));
  }

  let kBegin = split * params.kPerSplit;
  let kEnd = min(params.K, kBegin + params.kPerSplit);
  let steps = select(0u, (kEnd - kBegin + TILE_K - 1u) / TILE_K, kEnd > kBegin);
  // This invocation's k row of each slab, and its first m (n); later loads step by ROWS_PER_PASS.
  let kA = t % TILE_K;
  let mA = t / TILE_K;
  let kB = select(t / ROWS_PER_PASS, t % TILE_K, bMapping == B_K_FAST);
  let nB = select(t % ROWS_PER_PASS, t / TILE_K, bMapping == B_K_FAST);
  let aBase = params.aBase + g * params.aGroup;

  var nextA: array<f32, MAX_LOADS>;
  var nextB: array<f32, MAX_LOADS>;
  var acc: array<vec4<f32>, 16>;   // acc[r * (REG_N / 4) + j]: the invocation's row r, column group j
  for (var i = 0u; i < 16u; i++) { acc[i] = vec4<f32>(0.0); }
  workgroupBarrier();   // the column table is complete

  for (var s = 0u; s <= steps; s++) {
    if (s > 0u) {
      // Step s - 1's loads, fetched during the previous multiply, go to the slabs.
      for (var r = 0u; r < LOADS_A; r++) {
        let m = mA + r * ROWS_PER_PASS;
        if (m < BLOCK_M) { setScalar(0u, kA, m, nextA[r]); }
      }
      for (var r = 0u; r < LOADS_B; r++) {
        let n = nB + r * ROWS_PER_PASS;
        if (n < BLOCK_N) { setScalar(1u, kB, n, nextB[r]); }
      }
      workgroupBarrier();
    }
    if (s < steps) {
      let k0 = kBegin + s * TILE_K;
      let ka = k0 + kA;
      let aOuter = ka / params.aDiv;
      let aInner = ka - aOuter * params.aDiv;
      let aI = aInner / params.aD2;
      let aK = aBase + aOuter * params.aOuter + aI * params.aS1 + (aInner - aI * params.aD2) * params.aS2;
      for (var r = 0u; r < LOADS_A; r++) {
        let m = rowBase + mA + r * ROWS_PER_PASS;
        var v = 0.0;
        if (ka < kEnd && m < params.M) { v = a[aK + m * params.aRow]; }
        nextA[r] = v;
      }
      let row = rowPart(k0 + kB);
      for (var r = 0u; r < LOADS_B; r++) {
        let n = nB + r * ROWS_PER_PASS;
        nextB[r] = gather(row, columns[min(n, BLOCK_N - 1u)]);
      }
    }
    if (s > 0u) {
      for (var k = 0u; k < TILE_K; k++) {
        var av: array<vec4<f32>, 2>;
        var bv: array<vec4<f32>, 2>;
        for (var i = 0u; i < REG_M / 4u; i++) { av[i] = slabA[k * (BLOCK_M / 4u) + i * WG_Y + lid.y]; }
        for (var j = 0u; j < REG_N / 4u; j++) { bv[j] = slabB[k * (BLOCK_N / 4u) + j * WG_X + lid.x]; }
        for (var i = 0u; i < REG_M / 4u; i++) {
          for (var l = 0u; l < 4u; l++) {
            let x = vec4<f32>(av[i][l]);
            for (var j = 0u; j < REG_N / 4u; j++) {
              let e = (i * 4u + l) * (REG_N / 4u) + j;
              acc[e] = fma(x, bv[j], acc[e]);
            }
          }
        }
      }
      workgroupBarrier();
    }
  }

  for (var i = 0u; i < REG_M / 4u; i++) {
    for (var l = 0u; l < 4u; l++) {
      let m = rowBase + i * 4u * WG_Y + lid.y * 4u + l;
      if (m >= params.M) { continue; }
      let o = g * params.M + m;
      let rowOut = split * params.outSplit + o * params.outRow + params.outBase;
      var add = 0.0;
      if (BIAS) { add = bias[o]; }
      for (var j = 0u; j < REG_N / 4u; j++) {
        let v = acc[(i * 4u + l) * (REG_N / 4u) + j] + vec4<f32>(add);
        let r = select(v, max(v, vec4<f32>(0.0)), RELU);
        let n0 = colBase + j * 4u * WG_X + lid.x * 4u;
        for (var q = 0u; q < 4u; q++) {
          let n = n0 + q;
          if (n < params.N) {
            let d = params.oD1 * params.oD2;
            let o1 = n / d;
            let rest = n - o1 * d;
            let o2 = rest / params.oD2;
            c[rowOut + o1 * params.outOuter + o2 * params.outH + (rest - o2 * params.oD2) * params.outW] = r[q];
          }
        }
      }
    }
  }
}

@compute @workgroup_size(WG_X, WG_Y)
fn forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  implicitGemm(wid, lid, B_N_FAST);
}

@compute @workgroup_size(WG_X, WG_Y)
fn grad_input(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  implicitGemm(wid, lid, B_N_FAST);
}

@compute @workgroup_size(WG_X, WG_Y)
fn grad_weight(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  implicitGemm(wid, lid, B_K_FAST);
}

// dw[i] = sum over splits s of partial[s * count + i]: one invocation per element, WG_X * WG_Y per workgroup.
@compute @workgroup_size(WG_X, WG_Y)
fn reduce_splits(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = flatId(gid, groups, WG_X);
  if (i >= params.count) { return; }
  var sum = 0.0;
  for (var s = 0u; s < params.splits; s++) { sum += src[s * params.count + i]; }
  c[i] = sum;
}
