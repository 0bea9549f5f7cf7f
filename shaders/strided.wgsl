// Helpers shared by kernels that walk tensors of any rank through strides.

// A shape or a list of strides of up to 8 dimensions, innermost last, as it travels in a uniform buffer.
alias Dims = array<vec4<u32>, 2>;

// Flat id of an invocation in a 1-D problem launched as a 2-D grid (WebGPU caps each grid dimension).
fn flatId(gid: vec3<u32>, numWorkgroups: vec3<u32>, workgroupWidth: u32) -> u32 {
  return gid.x + gid.y * numWorkgroups.x * workgroupWidth;
}

// Offset of the element numbered `flat` in row-major order over `sizes`, in a buffer laid out by `strides`.
// A stride of 0 repeats one element along that dimension, which is how broadcasting reads its operands.
fn stridedOffset(flat: u32, rank: u32, sizes: Dims, strides: Dims) -> u32 {
  var s = sizes;
  var t = strides;
  var rest = flat;
  var offset = 0u;
  for (var d = i32(rank) - 1; d >= 0; d--) {
    let size = s[d / 4][d % 4];
    offset += (rest % size) * t[d / 4][d % 4];
    rest /= size;
  }
  return offset;
}
