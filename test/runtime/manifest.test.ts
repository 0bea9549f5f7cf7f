/** The shader manifest against the WGSL itself (no GPU): the typed entry lists are the entry points there are. */
import { expect, it } from 'vitest';
import { WgslReflect } from 'wgsl_reflect/wgsl_reflect.module.js';
import { SHADERS, shaderConstants, type ShaderName } from '../../src/gpu/shaders';

it('every shader lists exactly the compute entry points its WGSL declares', () => {
  for (const [name, shader] of Object.entries(SHADERS)) {
    const code = shader.pieces.map((p) => p.code).join('\n');
    const declared = new WgslReflect(code).entry.compute.map((f) => f.name).sort();
    expect(declared, name).toEqual([...shader.entries].sort());
  }
});

it('entry points follow one naming style', () => {
  const names = Object.values(SHADERS).flatMap((s) => [...s.entries]);
  expect(names.filter((n) => !/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/.test(n))).toEqual([]);
});

it('operation codes are read from the WGSL, and a missing one is an error', () => {
  const ops = shaderConstants('elementwise', ['ADD', 'SUB', 'RELU']);
  expect(ops.ADD).not.toBe(ops.SUB);
  expect(Number.isInteger(ops.RELU)).toBe(true);
  expect(() => shaderConstants('elementwise' as ShaderName, ['NOPE'])).toThrow(/declares no integer constant NOPE/);
});
