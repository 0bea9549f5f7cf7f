import type { Tensor } from '../tensor';
import { broadcastAxes, type Shape } from '../shape';
import { sumAxes } from './sum';
import { reshape } from './reshape';

/**
 * The gradient of a broadcast: sums `dy` over the axes along which an operand of `shape` was broadcast and
 * gives the result that operand's shape. Backward rules run inside a scope, so intermediates are freed.
 */
export function reduceTo(dy: Tensor, shape: Shape): Tensor {
  const axes = broadcastAxes(shape, dy.shape);
  return reshape(axes.length ? sumAxes(dy, axes, false) : dy, shape);
}
