// A workgroup's values combined into one, as a tree in workgroup memory: log2(WORKGROUP) steps, each halving
// the active invocations. Two lanes travel together so that a pair of sums (batch norm's dgamma and dbeta)
// costs one tree; single values pass their second lane as 0. The including shader declares
// `override WORKGROUP: u32` (a power of two) and calls this from uniform control flow.

const TREE_SUM = 0u;
const TREE_MAX = 1u;

var<workgroup> treePartial: array<vec2<f32>, WORKGROUP>;

// The sum (TREE_SUM) or maximum (TREE_MAX) of every invocation's `value`, returned to all of them.
fn workgroupReduce(lid: u32, value: vec2<f32>, op: u32) -> vec2<f32> {
  treePartial[lid] = value;
  workgroupBarrier();
  for (var half = WORKGROUP / 2u; half > 0u; half /= 2u) {
    if (lid < half) {
      let a = treePartial[lid];
      let b = treePartial[lid + half];
      treePartial[lid] = select(a + b, max(a, b), op == TREE_MAX);
    }
    workgroupBarrier();
  }
  let total = treePartial[0];
  workgroupBarrier(); // every invocation has read the total before a next call overwrites the tree
  return total;
}
