/**
 * The shape of src/, checked from the source text (no GPU): no import cycles, type imports included, and the
 * layers import only downwards: gpu/ <- tensor <- kernels/ <- autograd/ <- ops/ <- nn/, optim/, train/ ...
 * (graph/, step capture and replay, sits on gpu/ and tensor; train/ uses it)
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';

const SRC = path.resolve(__dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** file (relative to src/, without .ts) -> the src files it imports or re-exports from */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const from = path.relative(SRC, file).replace(/\.ts$/, '');
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(/^(?:import|export)\b[^'"]*?\bfrom\s+'(\.[^']+)'/gm)]
      .map((m) => path.relative(SRC, path.resolve(path.dirname(file), m[1])))
      .filter((t) => !t.startsWith('..')); // shaders/*.wgsl?raw
    graph.set(from, targets);
  }
  return graph;
}

function findCycle(graph: Map<string, string[]>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | null => {
    if (state.get(node) === 'done') return null;
    if (state.get(node) === 'open') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return null;
}

it('finds a cycle when there is one (the checker itself works)', () => {
  const graph = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]);
  expect(findCycle(graph)).toEqual(['a', 'b', 'c', 'a']);
  expect(findCycle(new Map([['a', ['b']], ['b', []]]))).toBeNull();
  expect(importGraph().get('ops/conv2d')).toContain('kernels/im2col');
});

it('src/ has no import cycle', () => {
  expect(findCycle(importGraph())?.join(' -> ') ?? null).toBeNull();
});

it('each layer imports only from the layers below it', () => {
  // what each folder (or top-level file) may import from, besides itself and shape.ts
  const allowed: Record<string, string[]> = {
    gpu: [],
    tensor: ['gpu'],
    kernels: ['gpu', 'tensor'],
    autograd: ['tensor', 'kernels'],
    graph: ['gpu', 'tensor'],
    ops: ['tensor', 'kernels', 'autograd'],
    nn: ['tensor', 'kernels', 'autograd', 'ops'],
    optim: ['tensor', 'kernels', 'autograd', 'ops'],
    data: ['tensor', 'ops'],
    io: ['tensor', 'nn'],
    train: ['tensor', 'autograd', 'ops', 'nn', 'optim', 'data', 'graph'],
  };
  const layer = (file: string) => file.split('/')[0];
  const wrong: string[] = [];
  for (const [file, targets] of importGraph()) {
    const rules = allowed[layer(file)];
    if (!rules) continue; // index.ts and shape.ts
    for (const t of targets) {
      const l = layer(t);
      if (l !== layer(file) && l !== 'shape' && !rules.includes(l)) wrong.push(`${file} imports ${t}`);
    }
  }
  expect(wrong).toEqual([]);
});
