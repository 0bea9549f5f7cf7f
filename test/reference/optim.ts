/** torch.optim's update rules written out in float64, one parameter array at a time. */

export function sgdRef(p: number[], grads: number[][], o: { lr: number; momentum?: number; nesterov?: boolean; weightDecay?: number }): number[] {
  const mu = o.momentum ?? 0;
  const wd = o.weightDecay ?? 0;
  const x = [...p];
  let buf: number[] | null = null;
  for (const grad of grads) {
    const g = grad.map((gi, i) => gi + wd * x[i]);
    let d = g;
    if (mu > 0) {
      buf = buf ? buf.map((b, i) => mu * b + g[i]) : [...g];
      d = o.nesterov ? g.map((gi, i) => gi + mu * buf![i]) : buf;
    }
    for (let i = 0; i < x.length; i++) x[i] -= o.lr * d[i];
  }
  return x;
}

export function adamRef(p: number[], grads: number[][], o: { lr: number; betas?: [number, number]; eps?: number; weightDecay?: number; decoupled?: boolean }): number[] {
  const [b1, b2] = o.betas ?? [0.9, 0.999];
  const eps = o.eps ?? 1e-8;
  const wd = o.weightDecay ?? 0;
  const x = [...p];
  const m = new Array(x.length).fill(0);
  const v = new Array(x.length).fill(0);
  grads.forEach((grad, step) => {
    const t = step + 1;
    for (let i = 0; i < x.length; i++) {
      let g = grad[i];
      if (o.decoupled) x[i] *= 1 - o.lr * wd;
      else g += wd * x[i];
      m[i] = b1 * m[i] + (1 - b1) * g;
      v[i] = b2 * v[i] + (1 - b2) * g * g;
      const mhat = m[i] / (1 - b1 ** t);
      const vhat = v[i] / (1 - b2 ** t);
      x[i] -= (o.lr * mhat) / (Math.sqrt(vhat) + eps);
    }
  });
  return x;
}
