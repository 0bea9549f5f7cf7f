// Seeded, counter-based random numbers: element i depends only on (seed, i), so a tensor of any size is
// filled in parallel and the same seed gives the same values on every device.
// Bits come from the PCG hash (Jarzynski & Olano, "Hash Functions for GPU Rendering", 2020).

struct Params {
  count: u32,
  seed: u32,
  low: f32,    // UNIFORM: [low, high)
  high: f32,
  mean: f32,   // NORMAL
  stddev: f32,
}

// Inverted dropout (the `dropout` entry): out[i] = x[i] * scale where element i is kept, which happens with
// probability 1 - p, else 0. Element i's fate depends only on (seed, i), so the same launch over dy with the
// same seed is the backward pass, and no mask needs to be stored. The seed is read from a buffer, not the
// uniform, so that a replayed training step draws a new mask each step without a new plan.
struct DropoutParams {
  count: u32,
  p: f32,       // probability of dropping an element, in [0, 1)
  scale: f32,   // 1 / (1 - p)
}

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<uniform> params: Params;
@group(0) @binding(2) var<storage, read> x: array<f32>;  // dropout's input (or upstream gradient)
@group(0) @binding(3) var<uniform> dropoutParams: DropoutParams;
@group(0) @binding(4) var<storage, read> dropoutSeed: array<u32>;   // [1]

override DISTRIBUTION: u32 = 0u;
override WORKGROUP: u32 = 256u;
const UNIFORM = 0u;
const NORMAL = 1u;
// Mixed into dropout's seed so that its masks are a stream apart from fill's values for the same seed.
const DROPOUT_STREAM = 0x9e3779b9u;

fn pcg(v: u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

// A float in (0, 1): the top 24 bits, centred in their interval so that log() never sees 0. The top value,
// 16777215.5, is not a float32 and rounds up to 2^24, which would make u = 1 (and rand() return its `high`):
// the min keeps it at the largest float32 below 1.
fn unit(bits: u32) -> f32 {
  return min((f32(bits >> 8u) + 0.5) * (1.0 / 16777216.0), 0.99999994);
}

@compute @workgroup_size(WORKGROUP)
fn fill(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flatId(gid, nwg, WORKGROUP);
  if (i >= params.count) { return; }
  let key = pcg(params.seed);
  let u1 = unit(pcg(key ^ pcg(2u * i)));
  if (DISTRIBUTION == UNIFORM) {
    out[i] = params.low + (params.high - params.low) * u1;
  } else {
    // Box-Muller, keeping the cosine half.
    let u2 = unit(pcg(key ^ pcg(2u * i + 1u)));
    out[i] = params.mean + params.stddev * sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
  }
}

@compute @workgroup_size(WORKGROUP)
fn dropout(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flatId(gid, nwg, WORKGROUP);
  if (i >= dropoutParams.count) { return; }
  let key = pcg(dropoutSeed[0] ^ DROPOUT_STREAM);
  let keep = unit(pcg(key ^ pcg(i))) >= dropoutParams.p;
  out[i] = select(0.0, x[i] * dropoutParams.scale, keep);
}
