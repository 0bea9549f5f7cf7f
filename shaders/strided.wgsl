// Helpers shared by kernels that walk tensors of any rank through strides.

// A shape or a list of strides of up to 8 dimensions as it travels in a uniform buffer, INNERMOST FIRST:
// [0].x is the fastest-varying dimension. Dimensions past the rank are ignored.
alias Dims = array<vec4<u32>, 2>;

// Offset of the element numbered `flat` in row-major order over `sizes`, in a buffer laid out by `strides`.
// A stride of 0 repeats one element along that dimension, which is how broadcasting reads its operands.
// Straight-line code on purpose: CPU drivers compile a loop over a dynamically indexed array far worse.
fn stridedOffset(flat: u32, rank: u32, sizes: Dims, strides: Dims) -> u32 {
  // One dimension (the common case once the host has merged neighbours): flat is already the coordinate.
  if (rank == 1u) { return flat * strides[0].x; }
  var rest = flat;
  var offset = 0u;
  let s = sizes[0];
  let t = strides[0];
  if (rank > 0u) { offset += (rest % s.x) * t.x; rest /= s.x; }
  if (rank > 1u) { offset += (rest % s.y) * t.y; rest /= s.y; }
  if (rank > 2u) { offset += (rest % s.z) * t.z; rest /= s.z; }
  if (rank > 3u) { offset += (rest % s.w) * t.w; rest /= s.w; }
  if (rank > 4u) {
    let s1 = sizes[1];
    let t1 = strides[1];
    offset += (rest % s1.x) * t1.x; rest /= s1.x;
    if (rank > 5u) { offset += (rest % s1.y) * t1.y; rest /= s1.y; }
    if (rank > 6u) { offset += (rest % s1.z) * t1.z; rest /= s1.z; }
    if (rank > 7u) { offset += (rest % s1.w) * t1.w; }
  }
  return offset;
}
