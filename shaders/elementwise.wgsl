// Elementwise kernels; each invocation handles ITEMS consecutive output elements (fewer, larger invocations
// suit CPU drivers, whose per-invocation cost is high).
//   unary:  out[i] = f(a[ia]); with BROADCAST on, `a` is read through aStrides (broadcastTo, expand)
//   binary: out[i] = g(a[ia], b[ib]) with NumPy broadcasting. With BROADCAST off, both operands have the
//           output's shape and ia = ib = i; with it on, i is split into coordinates over `shape` and each
//           operand's offset is rebuilt from its own strides (0 along the dimensions it is broadcast in).
// The operation is an override constant, so each pipeline is compiled for exactly one of them.

struct Params {
  count: u32,   // output elements
  rank: u32,    // dimensions in use in shape/aStrides/bStrides
  alpha: f32,   // AFFINE's scale
  beta: f32,    // AFFINE's shift
  shape: Dims,
  aStrides: Dims,
  bStrides: Dims,
}

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

override OP: u32 = 0u;
override BROADCAST: bool = false;
override WORKGROUP: u32 = 256u;
override ITEMS: u32 = 4u;

// Unary operations.
const RELU = 0u;
const SIGMOID = 1u;
const TANH = 2u;
const NEG = 3u;
const AFFINE = 4u;   // alpha * x + beta
const GELU = 5u;          // x * Phi(x), Phi the standard normal CDF
const GELU_TANH = 6u;     // GELU's tanh approximation
const LEAKY_RELU = 7u;    // x, or alpha * x where x < 0
const SILU = 8u;          // x * sigmoid(x)
const HARDSWISH = 9u;     // x * clamp(x + 3, 0, 6) / 6
const SOFTPLUS = 10u;     // log(1 + e^x)

// Binary operations; the *_GRAD ones take (forward value, upstream gradient) and give the input's gradient.
const ADD = 0u;
const SUB = 1u;
const MUL = 2u;
const DIV = 3u;
const RELU_GRAD = 4u;     // (x, dy)  -> dy where x > 0
const SIGMOID_GRAD = 5u;  // (y, dy)  -> dy * y * (1 - y)
const TANH_GRAD = 6u;     // (y, dy)  -> dy * (1 - y^2)
// The rest take the forward input x: (x, dy) -> dy * f'(x).
const GELU_GRAD = 7u;
const GELU_TANH_GRAD = 8u;
const LEAKY_RELU_GRAD = 9u;
const SILU_GRAD = 10u;
const HARDSWISH_GRAD = 11u;
const SOFTPLUS_GRAD = 12u;

const SQRT_HALF = 0.7071067811865476;
const SQRT_2_OVER_PI = 0.7978845608028654;
const INV_SQRT_2PI = 0.3989422804014327;

// erf by Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7, under float32's resolution near 1);
// WGSL has no erf.
fn erf(v: f32) -> f32 {
  let z = abs(v);
  let t = 1.0 / (1.0 + 0.3275911 * z);
  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign(v) * (1.0 - poly * exp(-z * z));
}

fn sigmoidOf(x: f32) -> f32 { return 1.0 / (1.0 + exp(-x)); }

// tanh(sqrt(2/pi) (x + 0.044715 x^3)), clamped like TANH
fn geluTanhInner(x: f32) -> f32 {
  return tanh(clamp(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x), -15.0, 15.0));
}

fn unaryOp(x: f32) -> f32 {
  switch OP {
    case RELU: { return max(x, 0.0); }
    // 1 / (1 + e^-x) overflows gracefully: e^-x = inf gives exactly 0.
    case SIGMOID: { return 1.0 / (1.0 + exp(-x)); }
    // Clamped because some drivers build tanh from exp and return NaN for large |x|; tanh(15) rounds to 1.
    case TANH: { return tanh(clamp(x, -15.0, 15.0)); }
    case NEG: { return -x; }
    case AFFINE: { return params.alpha * x + params.beta; }
    case GELU: { return 0.5 * x * (1.0 + erf(x * SQRT_HALF)); }
    case GELU_TANH: { return 0.5 * x * (1.0 + geluTanhInner(x)); }
    case LEAKY_RELU: { return select(params.alpha * x, x, x > 0.0); }
    case SILU: { return x * sigmoidOf(x); }
    case HARDSWISH: { return x * clamp(x + 3.0, 0.0, 6.0) / 6.0; }
    // max(x, 0) + log(1 + e^-|x|): exp never overflows
    case SOFTPLUS: { return max(x, 0.0) + log(1.0 + exp(-abs(x))); }
    default: { return x; }
  }
}

fn binaryOp(x: f32, y: f32) -> f32 {
  switch OP {
    case ADD: { return x + y; }
    case SUB: { return x - y; }
    case MUL: { return x * y; }
    case DIV: { return x / y; }
    case RELU_GRAD: { return select(0.0, y, x > 0.0); }
    case SIGMOID_GRAD: { return y * x * (1.0 - x); }
    case TANH_GRAD: { return y * (1.0 - x * x); }
    // d(x Phi(x)) = Phi(x) + x phi(x)
    case GELU_GRAD: { return y * (0.5 * (1.0 + erf(x * SQRT_HALF)) + x * INV_SQRT_2PI * exp(-0.5 * x * x)); }
    // with t = tanh(u), u = sqrt(2/pi)(x + 0.044715 x^3): 0.5 (1 + t) + 0.5 x (1 - t^2) du/dx
    case GELU_TANH_GRAD: {
      let t = geluTanhInner(x);
      return y * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * SQRT_2_OVER_PI * (1.0 + 3.0 * 0.044715 * x * x));
    }
    case LEAKY_RELU_GRAD: { return select(params.alpha * y, y, x > 0.0); }
    // d(x s(x)) = s (1 + x (1 - s))
    case SILU_GRAD: { let s = sigmoidOf(x); return y * s * (1.0 + x * (1.0 - s)); }
    // PyTorch's: 0 below -3, x / 3 + 1/2 up to 3, then 1
    case HARDSWISH_GRAD: { return select(select(y * (x / 3.0 + 0.5), y, x > 3.0), 0.0, x < -3.0); }
    case SOFTPLUS_GRAD: { return y * sigmoidOf(x); }
    default: { return x; }
  }
}

// With BROADCAST an invocation splits its first element's index into coordinates once (divisions, which CPU
// drivers run lane by lane) and then walks: along the innermost dimension by each operand's stride there, carrying
// into the outer coordinates at the end of a row, without dividing again. The host merges dimensions first, so
// that rank 4 covers nearly every case; higher ranks split every index. On SwiftShader [16, 32, 64, 64] +
// [1, 32, 1, 1] took 313 ms splitting every index over 4 dimensions.
struct Walk { c: vec4<u32>, ia: u32, ib: u32 }

fn offset4(c: vec4<u32>, t: vec4<u32>) -> u32 {
  return c.x * t.x + c.y * t.y + c.z * t.z + c.w * t.w;
}

// Coordinates of `flat` over the innermost four dimensions (those past the rank have size 1, coordinate 0).
fn startWalk(flat: u32) -> Walk {
  let s = params.shape[0];
  var rest = flat;
  let cx = rest % s.x;
  rest /= s.x;
  let cy = rest % s.y;
  rest /= s.y;
  let cz = rest % s.z;
  let c = vec4<u32>(cx, cy, cz, rest / s.z);
  return Walk(c, offset4(c, params.aStrides[0]), offset4(c, params.bStrides[0]));
}

fn nextElement(w: ptr<function, Walk>) {
  let s = params.shape[0];
  (*w).c.x++;
  (*w).ia += params.aStrides[0].x;
  (*w).ib += params.bStrides[0].x;
  if ((*w).c.x < s.x) { return; }
  (*w).c.x = 0u;
  (*w).c.y++;
  if ((*w).c.y == s.y) {
    (*w).c.y = 0u;
    (*w).c.z++;
    if ((*w).c.z == s.z) { (*w).c.z = 0u; (*w).c.w++; }
  }
  (*w).ia = offset4((*w).c, params.aStrides[0]);
  (*w).ib = offset4((*w).c, params.bStrides[0]);
}

@compute @workgroup_size(WORKGROUP)
fn unary(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let first = flatId(gid, nwg, WORKGROUP) * ITEMS;
  let end = min(first + ITEMS, params.count);
  if (!BROADCAST) {
    for (var i = first; i < end; i++) { out[i] = unaryOp(a[i]); }
  } else if (params.rank > 4u) {
    for (var i = first; i < end; i++) { out[i] = unaryOp(a[stridedOffset(i, params.rank, params.shape, params.aStrides)]); }
  } else {
    var w = startWalk(first);
    for (var i = first; i < end; i++) {
      out[i] = unaryOp(a[w.ia]);
      nextElement(&w);
    }
  }
}

@compute @workgroup_size(WORKGROUP)
fn binary(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let first = flatId(gid, nwg, WORKGROUP) * ITEMS;
  let end = min(first + ITEMS, params.count);
  if (!BROADCAST) {
    for (var i = first; i < end; i++) { out[i] = binaryOp(a[i], b[i]); }
  } else if (params.rank > 4u) {
    for (var i = first; i < end; i++) {
      let ia = stridedOffset(i, params.rank, params.shape, params.aStrides);
      out[i] = binaryOp(a[ia], b[stridedOffset(i, params.rank, params.shape, params.bStrides)]);
    }
  } else {
    var w = startWalk(first);
    for (var i = first; i < end; i++) {
      out[i] = binaryOp(a[w.ia], b[w.ib]);
      nextElement(&w);
    }
  }
}

// out[i] = alpha: zeros, ones and full() without an upload.
@compute @workgroup_size(WORKGROUP)
fn fill(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let first = flatId(gid, nwg, WORKGROUP) * ITEMS;
  for (var i = first; i < min(first + ITEMS, params.count); i++) {
    out[i] = params.alpha;
  }
}
