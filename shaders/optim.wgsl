// Optimiser updates, one fused kernel per parameter tensor and step: the parameter, its gradient and the
// optimiser's state are each read and written once. One invocation per element.
//
// Values that change every step (learning rate, Adam's bias corrections, the gradient-clipping factor) are
// read from the small `hyper` storage buffer that the host rewrites each step, so the uniform `Params` stay
// the same and their buffer is built once.
//   hyper[0] = learning rate, hyper[1] = 1 - beta1^t, hyper[2] = 1 - beta2^t, hyper[3] = gradient scale

struct Params {
  count: u32,
  momentum: f32,
  weightDecay: f32,
  beta1: f32,
  beta2: f32,
  eps: f32,
}

@group(0) @binding(0) var<storage, read_write> param: array<f32>;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> m: array<f32>;    // SGD: momentum buffer; Adam: first moment
@group(0) @binding(3) var<storage, read_write> v: array<f32>;    // Adam: second moment
@group(0) @binding(4) var<storage, read_write> hyper: array<f32>;
@group(0) @binding(5) var<uniform> params: Params;

override WORKGROUP: u32 = 256u;
override MOMENTUM: bool = false;   // SGD keeps a momentum buffer
override NESTEROV: bool = false;
override DECOUPLED: bool = false;  // AdamW: weight decay applied to the parameter, not added to the gradient

// PyTorch's SGD with dampening 0:  g = grad + wd p;  b = mu b + g;  g = nesterov ? g + mu b : b;  p -= lr g.
// The momentum buffer starts at zero, so b = g on the first step, as in PyTorch.
@compute @workgroup_size(WORKGROUP)
fn sgd(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flatId(gid, nwg, WORKGROUP);
  if (i >= params.count) { return; }
  var g = grad[i] * hyper[3] + params.weightDecay * param[i];
  if (MOMENTUM) {
    let b = params.momentum * m[i] + g;
    m[i] = b;
    g = select(b, g + params.momentum * b, NESTEROV);
  }
  param[i] -= hyper[0] * g;
}

// Adam / AdamW as in PyTorch:  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
//   p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps),
// with g = grad + wd p (Adam) or p *= 1 - lr wd first (AdamW).
@compute @workgroup_size(WORKGROUP)
fn adam(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flatId(gid, nwg, WORKGROUP);
  if (i >= params.count) { return; }
  let lr = hyper[0];
  var p = param[i];
  var g = grad[i] * hyper[3];
  if (DECOUPLED) {
    p *= 1.0 - lr * params.weightDecay;
  } else {
    g += params.weightDecay * p;
  }
  let mi = params.beta1 * m[i] + (1.0 - params.beta1) * g;
  let vi = params.beta2 * v[i] + (1.0 - params.beta2) * g * g;
  m[i] = mi;
  v[i] = vi;
  param[i] = p - lr * (mi / hyper[1]) / (sqrt(vi / hyper[2]) + params.eps);
}

// Gradient clipping by global norm: hyper[3] = min(1, maxNorm / (||g|| + 1e-6)), from the summed squares in
// grad[0]; params.eps carries maxNorm here. One invocation.
@compute @workgroup_size(1)
fn clip_factor() {
  hyper[3] = min(1.0, params.eps / (sqrt(grad[0]) + 1e-6));
}
