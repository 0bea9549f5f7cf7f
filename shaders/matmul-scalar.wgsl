// Operand access for matmul.wgsl, any shape: scalar loads, so rows need no alignment, and TRANS_A / TRANS_B
// read an operand from a buffer holding its transpose (A stored K x M, B stored N x K).

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

override TRANS_A: bool = false;
override TRANS_B: bool = false;

fn elemA(base: u32, m: u32, k: u32) -> f32 {
  if (TRANS_A) { return a[base + k * params.lda + m]; }
  return a[base + m * params.lda + k];
}

fn elemB(base: u32, k: u32, n: u32) -> f32 {
  if (TRANS_B) { return b[base + n * params.ldb + k]; }
  return b[base + k * params.ldb + n];
}

// Cursors, as element indices: the cursor of A[m, 0] moves by stepA4() per four steps of K, that of B[0, n] by
// stepB() per step.
fn cursorA(base: u32, m: u32) -> u32 { return select(base + m * params.lda, base + m, TRANS_A); }
fn cursorB(base: u32, n: u32) -> u32 { return select(base + n, base + n * params.ldb, TRANS_B); }
fn stepA4() -> u32 { return select(4u, 4u * params.lda, TRANS_A); }
fn stepB() -> u32 { return select(params.ldb, 1u, TRANS_B); }

// A[m, k..k+3] from the cursor of A[m, k]
fn loadA4(i: u32) -> vec4<f32> {
  let s = select(1u, params.lda, TRANS_A);
  return vec4<f32>(a[i], a[i + s], a[i + 2u * s], a[i + 3u * s]);
}

// B[k, n + lanes.x], B[k, n + lanes.y], ... from the cursor of B[k, n] (lanes past N's edge clamped by the caller)
fn loadB4(i: u32, lanes: vec4<u32>) -> vec4<f32> {
  let s = select(1u, params.ldb, TRANS_B);
  return vec4<f32>(b[i + lanes.x * s], b[i + lanes.y * s], b[i + lanes.z * s], b[i + lanes.w * s]);
}

// Writes the part of C[m, n..n+3] that lies inside C.
fn storeRow(base: u32, m: u32, n: u32, v: vec4<f32>) {
  if (m >= params.M) { return; }
  let i = base + m * params.N + n;
  if (n + 3u < params.N) {
    c[i] = v.x; c[i + 1u] = v.y; c[i + 2u] = v.z; c[i + 3u] = v.w;
    return;
  }
  c[i] = v.x;
  if (n + 1u < params.N) { c[i + 1u] = v.y; }
  if (n + 2u < params.N) { c[i + 2u] = v.z; }
}
