// The numerics check of wc.debug.checkNumerics: after each op, one invocation per element of its output
// looks at the float's exponent bits (all ones: NaN or +-Infinity; WGSL has no isnan, and a compiler may
// assume floats are finite, so the test is on the bits). A hit lowers flag[0] to the check's id, so once a
// batch of checks has run, flag[0] holds the id of the first op whose output was not finite (0xffffffff: none).

struct Params {
  count: u32, // elements of x
  id: u32,    // this check's place in the order the ops ran
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<u32>;                   // the op's output, as float32 bits
@group(0) @binding(2) var<storage, read_write> flag: array<atomic<u32>>; // [0]: the lowest id seen

override WORKGROUP: u32 = 256;

@compute @workgroup_size(WORKGROUP)
fn check_finite(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flatId(gid, nwg, WORKGROUP);
  if (i >= params.count) { return; }
  if ((x[i] & 0x7f800000u) == 0x7f800000u) {
    atomicMin(&flag[0], params.id);
  }
}
