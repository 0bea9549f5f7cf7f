import { expectTensor, tensor, Tensor } from '../tensor';

/**
 * The two operands of an elementwise op as tensors. Like PyTorch's `torch.add(t, 1)`, a number stands for a
 * 0-d constant that broadcasts; `done` frees those constants once the op has recorded its work (a backward
 * rule keeps its own reference to what it reads).
 */
export function operands(op: string, a: Tensor | number, b: Tensor | number): { a: Tensor; b: Tensor; done: () => void } {
  const made: Tensor[] = [];
  const asTensor = (v: Tensor | number, name: string): Tensor => {
    if (typeof v === 'number') {
      const t = tensor(Float32Array.of(v), []);
      made.push(t);
      return t;
    }
    expectTensor(op, `${name} (a Tensor or a number)`, v);
    return v;
  };
  // Both are checked before either constant is made, so a rejected call allocates nothing.
  if (typeof a !== 'number') expectTensor(op, 'a (a Tensor or a number)', a);
  if (typeof b !== 'number') expectTensor(op, 'b (a Tensor or a number)', b);
  return { a: asTensor(a, 'a'), b: asTensor(b, 'b'), done: () => made.forEach((t) => t.dispose()) };
}
