// Where an invocation or a workgroup sits in a 1-D problem. WebGPU caps each grid dimension at 65,535
// workgroups, so the host folds a long problem into rows of workgroups (x, then y); these undo the fold.

// Flat id of an invocation; `workgroupWidth` is the workgroup's x size.
fn flatId(gid: vec3<u32>, numWorkgroups: vec3<u32>, workgroupWidth: u32) -> u32 {
  return gid.x + gid.y * numWorkgroups.x * workgroupWidth;
}

// Flat id of a workgroup, for kernels that give each workgroup one output (a row, a channel).
fn flatGroupId(wid: vec3<u32>, numWorkgroups: vec3<u32>) -> u32 {
  return wid.x + wid.y * numWorkgroups.x;
}
