/**
 * wc.summary(model, inputShape): runs one forward pass on zeros (eval mode, no autograd) and lists every
 * layer that ran, in call order, with its output shape and parameter count, like torchinfo's summary.
 */
import { Tensor, scope } from '../tensor';
import { formatShape } from '../shape';
import { noGrad } from '../autograd/tape';
import { zeros } from '../ops/fill';
import type { AnyModule } from './module';
import { Sequential } from './layers';

interface Row {
  key: string;
  type: string;
  output: string;
  params: number;
}

export function summary(model: AnyModule, inputShape: number[]): string {
  const rows: Row[] = [];
  const restore: Array<() => void> = [];
  const walk = (m: AnyModule, key: string) => {
    const kids = m.children();
    if (m instanceof Sequential) {
      // One layer at a time, so layers Sequential would fuse (conv + ReLU) each get their row.
      patch(m, 'forward', (x: Tensor) => m.layers.reduce((h, layer) => layer.forward(h), x));
    }
    if (kids.length === 0) {
      const own = m.namedParameters().reduce((n, [, t]) => n + t.size, 0);
      const record = (out: unknown) => rows.push({ key: key || '(model)', type: typeName(m), output: describe(out), params: own });
      for (const name of ['forward', 'forwardReLU'] as const) {
        const original = (m as unknown as Record<string, unknown>)[name];
        if (typeof original === 'function') {
          patch(m, name, (...args: unknown[]) => {
            const out = (original as (...a: unknown[]) => unknown).apply(m, args);
            record(out);
            return out;
          });
        }
      }
    }
    for (const [name, child] of kids) walk(child, key ? `${key}.${name}` : name);
  };
  const patch = (m: AnyModule, name: string, fn: (...args: never[]) => unknown) => {
    const target = m as unknown as Record<string, unknown>;
    const had = Object.hasOwn(target, name);
    const before = target[name];
    target[name] = fn;
    restore.push(() => (had ? (target[name] = before) : delete target[name]));
  };
  walk(model, '');
  const wasTraining = model.training;
  model.eval();
  try {
    noGrad(() => scope(() => void model.forward(zeros(inputShape))));
  } finally {
    restore.reverse().forEach((undo) => undo());
    model.train(wasTraining);
  }
  const total = model.parameters().reduce((n, t) => n + t.size, 0);
  const trainable = model.parameters().filter((t) => t.requiresGrad).reduce((n, t) => n + t.size, 0);
  const table = [['Layer', 'Type', 'Output shape', 'Params'], ...rows.map((r) => [r.key, r.type, r.output, r.params.toLocaleString('en-US')])];
  const widths = table[0].map((_, c) => Math.max(...table.map((row) => row[c].length)));
  const line = (row: string[]) => row.map((cell, c) => (c === 3 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();
  const rule = '-'.repeat(widths.reduce((a, b) => a + b + 2, -2));
  return [
    `Input ${formatShape(inputShape)}`, rule, line(table[0]), rule, ...table.slice(1).map(line), rule,
    `Total parameters: ${total.toLocaleString('en-US')} (trainable: ${trainable.toLocaleString('en-US')})`,
  ].join('\n');
}

function describe(out: unknown): string {
  if (out instanceof Tensor) return formatShape(out.shape);
  if (Array.isArray(out)) return out.map(describe).join(', ');
  return typeof out;
}

const NAME = Symbol('webgpu-cnn class name');

/** Records each class's exported name (minifiers rename classes; PyTorch users expect "Conv2d"). */
export function nameClasses(classes: Record<string, unknown>): void {
  for (const [name, cls] of Object.entries(classes)) {
    if (typeof cls === 'function') Object.defineProperty(cls, NAME, { value: name });
  }
}

function typeName(m: AnyModule): string {
  const ctor = m.constructor as unknown as Record<symbol, string | undefined> & { name: string };
  // own property only: a user's subclass of Conv2d keeps its own name
  return Object.hasOwn(ctor, NAME) ? ctor[NAME]! : ctor.name;
}
