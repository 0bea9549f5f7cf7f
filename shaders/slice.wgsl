// Copies between a tensor and a slice of another along one axis: narrow (and split) read a slice, cat writes
// each input into its slice of the output (and narrow's backward writes a gradient into zeros).
//
// Both tensors are viewed as [outer, axis, inner]; the slice has `len` of the big tensor's `bigLen` positions
// along the axis, from `start`. One invocation per slice element e, in the slice's row-major order:
//   o = e / (len * inner), r = e % (len * inner)  ->  big index o * bigLen * inner + start * inner + r
// Every big index is touched by at most one invocation, so no two writes conflict.

struct Params {
  count: u32,    // elements of the slice: outer * len * inner
  inner: u32,
  len: u32,
  bigLen: u32,
  start: u32,
}

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

override WORKGROUP: u32 = 256u;

fn bigIndex(e: u32) -> u32 {
  let run = params.len * params.inner;
  return (e / run) * params.bigLen * params.inner + params.start * params.inner + e % run;
}

// dst (the slice) = src[.., start:start+len, ..]
@compute @workgroup_size(WORKGROUP)
fn narrow(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = flatId(gid, nwg, WORKGROUP);
  if (e >= params.count) { return; }
  dst[e] = src[bigIndex(e)];
}

// dst[.., start:start+len, ..] = src (the slice); the rest of dst is left as it is
@compute @workgroup_size(WORKGROUP)
fn place(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let e = flatId(gid, nwg, WORKGROUP);
  if (e >= params.count) { return; }
  dst[bigIndex(e)] = src[e];
}
