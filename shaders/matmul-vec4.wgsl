// Operand access for matmul.wgsl when K, N and the row strides are multiples of 4 and nothing is transposed: every
// row piece is one aligned 16-byte load or store (the host checks the shapes before choosing this piece).

@group(0) @binding(0) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> c: array<vec4<f32>>;
@group(0) @binding(3) var<uniform> params: Params;

fn elemA(base: u32, m: u32, k: u32) -> f32 {
  let i = base + m * params.lda + k;
  return a[i / 4u][i % 4u];
}

fn elemB(base: u32, k: u32, n: u32) -> f32 {
  let i = base + k * params.ldb + n;
  return b[i / 4u][i % 4u];
}

// Cursors, in units of this piece's loads: the cursor of A[m, 0] moves by stepA4() per four steps of K, that of
// B[0, n] by stepB() per step (base + m * lda and base + n are multiples of 4 here).
fn cursorA(base: u32, m: u32) -> u32 { return (base + m * params.lda) / 4u; }
fn cursorB(base: u32, n: u32) -> u32 { return (base + n) / 4u; }
fn stepA4() -> u32 { return 1u; }
fn stepB() -> u32 { return params.ldb / 4u; }
fn loadA4(i: u32) -> vec4<f32> { return a[i]; }
// `lanes` (the clamped column offsets) are always 0..3 here: N is a multiple of 4
fn loadB4(i: u32, lanes: vec4<u32>) -> vec4<f32> { return b[i]; }

fn storeRow(base: u32, m: u32, n: u32, v: vec4<f32>) {
  if (m >= params.M) { return; }
  c[(base + m * params.N + n) / 4u] = v;
}
