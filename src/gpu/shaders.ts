/**
 * The manifest of WGSL sources. Each kernel family is one real .wgsl file; a family that shares helpers is
 * the concatenation of its pieces, and the piece list lets a compile error point back at the right file.
 * Vite's `?raw` inlines the text, so Node (tests, dist/) and the browser load shaders the same way.
 */
import strided from '../../shaders/strided.wgsl?raw';
import elementwise from '../../shaders/elementwise.wgsl?raw';
import reduce from '../../shaders/reduce.wgsl?raw';
import matmul from '../../shaders/matmul.wgsl?raw';
import matmulScalar from '../../shaders/matmul-scalar.wgsl?raw';
import matmulVec4 from '../../shaders/matmul-vec4.wgsl?raw';
import random from '../../shaders/random.wgsl?raw';
import batchnorm from '../../shaders/batchnorm.wgsl?raw';
import pool from '../../shaders/pool.wgsl?raw';
import im2col from '../../shaders/im2col.wgsl?raw';
import conv from '../../shaders/conv.wgsl?raw';
import softmax from '../../shaders/softmax.wgsl?raw';
import optim from '../../shaders/optim.wgsl?raw';

export interface ShaderPiece {
  file: string;
  code: string;
}

const piece = (file: string, code: string): ShaderPiece => ({ file: `shaders/${file}`, code });

export const SHADERS = {
  elementwise: [piece('strided.wgsl', strided), piece('elementwise.wgsl', elementwise)],
  reduce: [piece('strided.wgsl', strided), piece('reduce.wgsl', reduce)],
  matmul: [piece('matmul-scalar.wgsl', matmulScalar), piece('matmul.wgsl', matmul)],
  matmul_vec4: [piece('matmul-vec4.wgsl', matmulVec4), piece('matmul.wgsl', matmul)],
  random: [piece('random.wgsl', random)],
  batchnorm: [piece('strided.wgsl', strided), piece('batchnorm.wgsl', batchnorm)],
  pool: [piece('strided.wgsl', strided), piece('pool.wgsl', pool)],
  im2col: [piece('strided.wgsl', strided), piece('im2col.wgsl', im2col)],
  conv: [piece('conv.wgsl', conv)],
  softmax: [piece('softmax.wgsl', softmax)],
  optim: [piece('optim.wgsl', optim)],
} satisfies Record<string, ShaderPiece[]>;

export type ShaderName = keyof typeof SHADERS;

export interface ShaderSource {
  name: string;
  code: string;
  pieces: ShaderPiece[];
}

export function shaderSource(name: string, pieces: ShaderPiece[]): ShaderSource {
  return { name, code: pieces.map((p) => p.code).join('\n'), pieces };
}

/** Maps a line of the concatenated source (1-based) to the file and line it came from. */
export function sourceLocation(src: ShaderSource, line: number): { file: string; line: number } {
  let start = 1;
  for (const p of src.pieces) {
    const lines = p.code.split('\n').length;
    if (line < start + lines) return { file: p.file, line: line - start + 1 };
    start += lines;
  }
  return { file: src.pieces[src.pieces.length - 1]?.file ?? src.name, line };
}

/**
 * The value of `const NAME = <integer>u;` in a manifest shader, so that operation codes selected through
 * override constants are written down once, in the WGSL.
 */
export function shaderConstant(shader: ShaderName, name: string): number {
  for (const p of SHADERS[shader]) {
    const m = new RegExp(`\\bconst\\s+${name}\\s*=\\s*(\\d+)u?\\s*;`).exec(p.code);
    if (m) return Number(m[1]);
  }
  throw new Error(`webgpu-cnn: shader ${shader} declares no integer constant ${name}`);
}
