// 2-D max and average pooling over NCHW images, forward and backward, like PyTorch (floor or ceil mode: the host
// sizes the output, and a last window that hangs over the edge is clipped like any other).
//
// Output pixel (p, q) of an image plane pools the window of rows p*strideH - padH .. + kernelH - 1 and columns
// q*strideW - padW .. + kernelW - 1; window positions outside the image are padding.
//   max: padding acts as -inf; the forward also writes, per output element, the flat index into x of the
//        element it picked (the first maximum in row-major window order; a NaN wins, as in PyTorch).
//   avg: with countIncludePad (PyTorch's default) the divisor counts the window's padding too, though not the
//        part of a ceil-mode window beyond the padding; without it, only the pixels inside the image.
//
// Entry points: max_forward, avg_forward, max_backward (or max_backward_scatter), avg_backward. The mode is the entry point rather than an
// override constant because max and avg bind different buffers (only max has an argmax).
//
// Threads: one invocation per element, numbered in row-major order over the tensor it writes, so neither
// atomics nor workgroup memory are needed. The forward entries write the output [N, C, P, Q] (count = N*C*P*Q,
// or N*C*P for max_forward walking whole output rows) and gather their windows. The backward entries write
// dx [N, C, H, W] (count = N*C*H*W): each input element gathers from the output windows that cover it, the same set for max and avg, and max keeps only the
// windows whose saved argmax is this very element. Large problems launch a 2-D grid of workgroups
// (flatId, from grid.wgsl).

struct Params {
  count: u32,    // elements written by this dispatch
  H: u32,        // input height and width
  W: u32,
  P: u32,        // output height and width
  Q: u32,
  kernelH: u32,
  kernelW: u32,
  strideH: u32,
  strideW: u32,
  padH: u32,
  padW: u32,
  countIncludePad: u32,  // avg: 1 to divide by the window clipped to the padded image, 0 by its pixels
}

// Each entry point binds only the variables it uses (its layout is reflected per entry point).
@group(0) @binding(0) var<storage, read> x: array<f32>;              // forward input  [N, C, H, W]
@group(0) @binding(1) var<storage, read_write> out: array<f32>;      // forward output [N, C, P, Q]
@group(0) @binding(2) var<storage, read_write> argmaxOut: array<u32>; // max_forward: flat index into x, [N, C, P, Q]
@group(0) @binding(3) var<storage, read> argmax: array<u32>;         // max_backward: argmaxOut saved by max_forward
@group(0) @binding(4) var<storage, read> dy: array<f32>;             // backward: gradient of the output [N, C, P, Q]
@group(0) @binding(5) var<storage, read_write> dx: array<f32>;       // backward: gradient of the input  [N, C, H, W]
@group(0) @binding(6) var<uniform> params: Params;

override WORKGROUP: u32 = 64u;

// max_forward computes max(relu(x)) = relu(max(x)) in the same pass. A window whose max is not positive
// outputs 0 and records NO_INDEX as its argmax, so both backward entries pass it no gradient: the ReLU's
// derivative comes for free, and the ReLU's input never needs to be kept.
override RELU: bool = false;

// max_forward's window size, fixed when the pipeline is made: the window loops have constant bounds, and the
// taps outside the image are masked by a select rather than clipped off the loop.
override KERNEL_H: u32 = 2u;
override KERNEL_W: u32 = 2u;

// Never a flat index: a window with no element inside the image (impossible when padding <= kernel / 2), or
// one that a fused ReLU zeroed.
const NO_INDEX = 0xffffffffu;

// The window of output element `o` clipped to the image: rows h0..h1-1, columns w0..w1-1 of plane `plane`.
struct Window {
  plane: u32,
  h0: u32,
  h1: u32,
  w0: u32,
  w1: u32,
}

fn windowOf(o: u32) -> Window {
  let q = o % params.Q;
  let p = (o / params.Q) % params.P;
  let plane = o / (params.Q * params.P);
  let top = i32(p * params.strideH) - i32(params.padH);
  let left = i32(q * params.strideW) - i32(params.padW);
  let h0 = u32(max(top, 0));
  let h1 = u32(clamp(top + i32(params.kernelH), 0, i32(params.H)));
  let w0 = u32(max(left, 0));
  let w1 = u32(clamp(left + i32(params.kernelW), 0, i32(params.W)));
  return Window(plane, h0, h1, w0, w1);
}

// avg's divisor for output pixel (p, q), as PyTorch's avg_pool2d computes it.
fn avgDivisor(p: u32, q: u32) -> f32 {
  let top = i32(p * params.strideH) - i32(params.padH);
  let left = i32(q * params.strideW) - i32(params.padW);
  let bottom = top + i32(params.kernelH);
  let right = left + i32(params.kernelW);
  if (params.countIncludePad != 0u) {
    let h = min(bottom, i32(params.H + params.padH)) - top;
    let w = min(right, i32(params.W + params.padW)) - left;
    return f32(h * w);
  }
  let h = min(bottom, i32(params.H)) - max(top, 0);
  let w = min(right, i32(params.W)) - max(left, 0);
  return f32(h * w);
}

// The output rows (or columns) whose windows cover input row (or column) `i`: lo..hi-1, clipped to 0..size-1.
// Window r covers i when r*stride - pad <= i <= r*stride - pad + kernel - 1.
fn coveringRange(i: u32, kernel: u32, stride: u32, pad: u32, size: u32) -> vec2<u32> {
  let shifted = i + pad;  // i in padded coordinates
  let lo = select(0u, (shifted + 1u - kernel + stride - 1u) / stride, shifted + 1u > kernel);
  let hi = min(shifted / stride + 1u, size);
  return vec2<u32>(lo, max(lo, hi));
}

fn isNan(v: f32) -> bool {
  // By bits: compilers may fold v != v to false.
  return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u;
}

// WALK_ROWS (CPU adapters): one invocation per output row (plane, p), walking q, so the divisions that place a
// window are done once per row; on SwiftShader that ran the MNIST model's first pooling about 1.2x faster.
// Otherwise one invocation per output element, as a GPU wants (count is then N*C*P*Q).
override WALK_ROWS: bool = false;

@compute @workgroup_size(WORKGROUP)
fn max_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = flatId(gid, nwg, WORKGROUP);
  if (r >= params.count) { return; }
  let first = select(r, r * params.Q, WALK_ROWS);
  let end = first + select(1u, params.Q, WALK_ROWS);
  let p = (first / params.Q) % params.P;
  let plane = first / (params.Q * params.P);
  let base = plane * params.H * params.W;
  let h0 = p * params.strideH - params.padH;   // unsigned: rows above the image wrap to huge values
  var w0 = (first % params.Q) * params.strideW - params.padW;
  for (var o = first; o < end; o++) {
    // The window's first element always takes over (bestIndex == NO_INDEX), so -inf inputs are handled too.
    var best = 0.0;
    var bestIndex = NO_INDEX;
    for (var dh = 0u; dh < KERNEL_H; dh++) {
      for (var dw = 0u; dw < KERNEL_W; dw++) {
        let h = h0 + dh;
        let w = w0 + dw;
        let inside = h < params.H && w < params.W;
        let i = select(0u, base + h * params.W + w, inside);
        let v = x[i];
        let take = inside && (v > best || bestIndex == NO_INDEX || isNan(v));
        best = select(best, v, take);
        bestIndex = select(bestIndex, i, take);
      }
    }
    w0 += params.strideW;
    if (RELU && !(best > 0.0)) {
      // relu(NaN) stays NaN, as in PyTorch; its gradient is 0 all the same.
      best = select(0.0, best, isNan(best));
      bestIndex = NO_INDEX;
    }
    out[o] = best;
    argmaxOut[o] = bestIndex;
  }
}

@compute @workgroup_size(WORKGROUP)
fn avg_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = flatId(gid, nwg, WORKGROUP);
  if (o >= params.count) { return; }
  let win = windowOf(o);
  let base = win.plane * params.H * params.W;
  var s = 0.0;
  for (var h = win.h0; h < win.h1; h++) {
    for (var w = win.w0; w < win.w1; w++) {
      s += x[base + h * params.W + w];
    }
  }
  out[o] = s / avgDivisor((o / params.Q) % params.P, o % params.Q);
}

// dx[i] = sum of dy[o] over the windows o whose saved argmax is i.
@compute @workgroup_size(WORKGROUP)
fn max_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flatId(gid, nwg, WORKGROUP);
  if (i >= params.count) { return; }
  let w = i % params.W;
  let h = (i / params.W) % params.H;
  let plane = i / (params.W * params.H);
  let rows = coveringRange(h, params.kernelH, params.strideH, params.padH, params.P);
  let cols = coveringRange(w, params.kernelW, params.strideW, params.padW, params.Q);
  var g = 0.0;
  for (var p = rows.x; p < rows.y; p++) {
    for (var q = cols.x; q < cols.y; q++) {
      let o = (plane * params.P + p) * params.Q + q;
      if (argmax[o] == i) { g += dy[o]; }
    }
  }
  dx[i] = g;
}

// Max backward when windows do not overlap (stride >= kernel, the usual 2x2/2): one invocation per OUTPUT
// element sends its gradient to the element it picked. No two windows pick the same element, so there are
// no write conflicts; the host zeroes dx first, which is cheaper than every input element searching the
// windows around it.
@compute @workgroup_size(WORKGROUP)
fn max_backward_scatter(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let o = flatId(gid, nwg, WORKGROUP);
  if (o >= params.count) { return; }
  let i = argmax[o];
  if (i != NO_INDEX) { dx[i] = dy[o]; }
}

// dx[i] = sum of dy[o] / divisor(o) over the windows o that cover i.
@compute @workgroup_size(WORKGROUP)
fn avg_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flatId(gid, nwg, WORKGROUP);
  if (i >= params.count) { return; }
  let w = i % params.W;
  let h = (i / params.W) % params.H;
  let plane = i / (params.W * params.H);
  let rows = coveringRange(h, params.kernelH, params.strideH, params.padH, params.P);
  let cols = coveringRange(w, params.kernelW, params.strideW, params.padW, params.Q);
  var g = 0.0;
  for (var p = rows.x; p < rows.y; p++) {
    for (var q = cols.x; q < cols.y; q++) {
      g += dy[(plane * params.P + p) * params.Q + q] / avgDivisor(p, q);
    }
  }
  dx[i] = g;
}
