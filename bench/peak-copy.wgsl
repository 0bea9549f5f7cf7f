// Copy bandwidth probe (bench/peak.mjs): every invocation moves one vec4 (16 bytes) from `src` to `dst`; the grid
// is 2-D because one dimension holds at most 65,535 workgroups.

@group(0) @binding(0) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec4<f32>>;

override WORKGROUP: u32 = 256;

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.y * groups.x * WORKGROUP + gid.x;
  if (i < arrayLength(&src)) {
    dst[i] = src[i];
  }
}
