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

// Binary operations; the *_GRAD ones take (forward value, upstream gradient) and give the input's gradient.
const ADD = 0u;
const SUB = 1u;
const MUL = 2u;
const DIV = 3u;
const RELU_GRAD = 4u;     // (x, dy)  -> dy where x > 0
const SIGMOID_GRAD = 5u;  // (y, dy)  -> dy * y * (1 - y)
const TANH_GRAD = 6u;     // (y, dy)  -> dy * (1 - y^2)

fn unaryOp(x: f32) -> f32 {
  switch OP {
    case RELU: { return max(x, 0.0); }
    // 1 / (1 + e^-x) overflows gracefully: e^-x = inf gives exactly 0.
    case SIGMOID: { return 1.0 / (1.0 + exp(-x)); }
    // Clamped because some drivers build tanh from exp and return NaN for large |x|; tanh(15) rounds to 1.
    case TANH: { return tanh(clamp(x, -15.0, 15.0)); }
    case NEG: { return -x; }
    case AFFINE: { return params.alpha * x + params.beta; }
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
    default: { return x; }
  }
}

@compute @workgroup_size(WORKGROUP)
fn unary(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let first = flatId(gid, nwg, WORKGROUP) * ITEMS;
  for (var i = first; i < min(first + ITEMS, params.count); i++) {
    if (BROADCAST) {
      out[i] = unaryOp(a[stridedOffset(i, params.rank, params.shape, params.aStrides)]);
    } else {
      out[i] = unaryOp(a[i]);
    }
  }
}

@compute @workgroup_size(WORKGROUP)
fn binary(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let first = flatId(gid, nwg, WORKGROUP) * ITEMS;
  for (var i = first; i < min(first + ITEMS, params.count); i++) {
    if (BROADCAST) {
      let ia = stridedOffset(i, params.rank, params.shape, params.aStrides);
      let ib = stridedOffset(i, params.rank, params.shape, params.bStrides);
      out[i] = binaryOp(a[ia], b[ib]);
    } else {
      out[i] = binaryOp(a[i], b[i]);
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
