/**
 * The manifest of WGSL sources. Each kernel family is one real .wgsl file; a family that shares helpers is
 * the concatenation of its pieces, and the piece list lets a compile error point back at the right file.
 * Vite's `?raw` inlines the text, so Node (tests, dist/) and the browser load shaders the same way.
 */
import grid from '../../shaders/grid.wgsl?raw';
import strided from '../../shaders/strided.wgsl?raw';
import treeReduce from '../../shaders/tree-reduce.wgsl?raw';
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
import slice from '../../shaders/slice.wgsl?raw';
import depthwise from '../../shaders/depthwise.wgsl?raw';
import numerics from '../../shaders/numerics.wgsl?raw';
import winograd from '../../shaders/winograd.wgsl?raw';

export interface ShaderPiece {
  file: string;
  code: string;
}

const piece = (file: string, code: string): ShaderPiece => ({ file: `shaders/${file}`, code });
const GRID = piece('grid.wgsl', grid);
const STRIDED = piece('strided.wgsl', strided);
const TREE = piece('tree-reduce.wgsl', treeReduce);

/**
 * Each shader: its pieces in concatenation order and its compute entry points. The entry lists type every
 * launch (a misspelt entry fails `tsc`); a test holds them equal to what the WGSL declares.
 */
export const SHADERS = {
  elementwise: { pieces: [GRID, STRIDED, piece('elementwise.wgsl', elementwise)], entries: ['unary', 'binary', 'fill'] },
  reduce: { pieces: [GRID, STRIDED, TREE, piece('reduce.wgsl', reduce)], entries: ['sum', 'serial'] },
  matmul: { pieces: [piece('matmul-scalar.wgsl', matmulScalar), piece('matmul.wgsl', matmul)], entries: ['blocked', 'tiled', 'register_tiled'] },
  matmul_vec4: { pieces: [piece('matmul-vec4.wgsl', matmulVec4), piece('matmul.wgsl', matmul)], entries: ['blocked', 'tiled', 'register_tiled'] },
  random: { pieces: [GRID, piece('random.wgsl', random)], entries: ['fill', 'dropout'] },
  batchnorm: {
    pieces: [GRID, TREE, piece('batchnorm.wgsl', batchnorm)],
    entries: ['stats', 'normalize', 'backward_reduce', 'backward_input', 'backward_scale'],
  },
  pool: {
    pieces: [GRID, piece('pool.wgsl', pool)],
    entries: ['max_forward', 'avg_forward', 'max_backward', 'max_backward_scatter', 'avg_backward'],
  },
  im2col: { pieces: [GRID, piece('im2col.wgsl', im2col)], entries: ['im2col', 'im2col4', 'im2row', 'col2im', 'flip_weights', 'phase_scatter', 'phase_scatter4', 'pad_weights', 'weight_grad_sum'] },
  conv: { pieces: [GRID, piece('conv.wgsl', conv)], entries: ['forward', 'grad_input', 'grad_weight', 'reduce_splits'] },
  winograd: { pieces: [GRID, piece('winograd.wgsl', winograd)], entries: ['weights', 'input', 'output'] },
  softmax: { pieces: [GRID, TREE, piece('softmax.wgsl', softmax)], entries: ['forward', 'backward', 'cross_entropy', 'cross_entropy_rows', 'cross_entropy_mean', 'cross_entropy_backward', 'argmax'] },
  optim: { pieces: [GRID, piece('optim.wgsl', optim)], entries: ['sgd', 'adam', 'clip_factor'] },
  slice: { pieces: [GRID, piece('slice.wgsl', slice)], entries: ['narrow', 'place'] },
  depthwise: { pieces: [GRID, TREE, piece('depthwise.wgsl', depthwise)], entries: ['forward', 'grad_input', 'grad_weight'] },
  numerics: { pieces: [GRID, piece('numerics.wgsl', numerics)], entries: ['check_finite'] },
} as const satisfies Record<string, { pieces: readonly ShaderPiece[]; entries: readonly string[] }>;

export type ShaderName = keyof typeof SHADERS;
export type EntryOf<S extends ShaderName> = (typeof SHADERS)[S]['entries'][number];

export interface ShaderSource {
  name: string;
  code: string;
  pieces: readonly ShaderPiece[];
}

export function shaderSource(name: string, pieces: readonly ShaderPiece[]): ShaderSource {
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
 * The values of `const NAME = <integer>u;` declarations in a manifest shader, read once (at import), so that
 * operation codes chosen through override constants are written down only in the WGSL.
 */
export function shaderConstants<const N extends string>(shader: ShaderName, names: readonly N[]): Readonly<Record<N, number>> {
  const code = SHADERS[shader].pieces.map((p) => p.code).join('\n');
  const values = {} as Record<N, number>;
  for (const name of names) {
    const m = new RegExp(`\\bconst\\s+${name}\\s*=\\s*(\\d+)u?\\s*;`).exec(code);
    if (!m) throw new Error(`webgpu-cnn: shader ${shader} declares no integer constant ${name}`);
    values[name] = Number(m[1]);
  }
  return Object.freeze(values);
}
