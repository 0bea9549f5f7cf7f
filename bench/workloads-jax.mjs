// The benchmark's workloads for jax-js (`@jax-js/jax`), beside `ours` and `theirs` in workloads.mjs, with the same
// builder contract ({ before?, call, live?, dispose }). Layouts as ours: NCHW images, OIHW conv weights.
//
// jax-js arrays are lazy and reference-counted: passing an array to a function (or calling a method on it) gives
// up one reference, `.ref` takes one more, so every array used again later is passed as `a.ref`. An array that
// is disposed before it is realized is never computed, so a timing keeps every output and realizes them all
// (bench/timing.mjs: blockUntilReady). Gradients come from jax.vjp / valueAndGrad, as a jax-js user writes them.
import { convGeometry, labelsFor } from './workloads.mjs';

const pads = (p) => [[p, p], [p, p]];
const conv = (jax, x, w, s) => jax.lax.convGeneralDilated(x, w, [s.stride, s.stride], pads(s.padding));
const normal = (jax, seed, shape, std = 1) => jax.random.normal(jax.random.key(seed), shape).mul(std);

export const jaxjs = {
  matmul(jax, { n }) {
    const a = jax.random.uniform(jax.random.key(1), [n, n]);
    const b = jax.random.uniform(jax.random.key(2), [n, n]);
    return { call: () => [jax.numpy.matmul(a.ref, b.ref)], dispose: () => [a, b].forEach((t) => t.dispose()) };
  },

  conv(jax, { shape }) {
    const x = normal(jax, 1, shape.x);
    const w = normal(jax, 2, shape.w, 0.05);
    return { call: () => [conv(jax, x.ref, w.ref, shape)], dispose: () => [x, w].forEach((t) => t.dispose()) };
  },

  convGradInput: (jax, item) => jaxConvGradient(jax, item, 'x', false),
  convGradWeight: (jax, item) => jaxConvGradient(jax, item, 'w', false),
  convFwdDx: (jax, item) => jaxConvGradient(jax, item, 'x', true),
  convFwdDw: (jax, item) => jaxConvGradient(jax, item, 'w', true),

  // The LeNet of workloads.mjs (conv 5x5 32, pool, conv 5x5 64, pool, dense 128, dense 10) with Adam, the whole
  // step (forward, backward, update) under jax.jit, the way jax-js trains.
  train(jax, { batch }) {
    const np = jax.numpy;
    const shapes = [[32, 1, 5, 5], [32], [64, 32, 5, 5], [64], [64 * 7 * 7, 128], [128], [128, 10], [10]];
    const fanIn = [25, 0, 800, 0, 3136, 0, 128, 0];
    let params = shapes.map((s, i) => (fanIn[i] ? normal(jax, 10 + i, s, Math.sqrt(2 / fanIn[i])) : np.zeros(s)));
    let m = shapes.map((s) => np.zeros(s));
    let v = shapes.map((s) => np.zeros(s));
    const x = normal(jax, 5, [batch, 1, 28, 28]);
    const target = jax.nn.oneHot(np.array(labelsFor(batch), { dtype: np.int32 }), 10);
    const step = jax.jit(lenetAdamStep(jax));
    let t = 0;
    return {
      call() {
        t++;
        const [loss, p, mm, vv] = step(params, m, v, x.ref, target.ref, np.array(1e-3 / (1 - 0.9 ** t)), np.array(1 / (1 - 0.999 ** t)));
        [params, m, v] = [p, mm, vv];
        return [loss];
      },
      live: () => [...params, ...m, ...v],
      dispose() {
        [...params, ...m, ...v, x, target].forEach((a) => a.dispose());
        step.dispose();
      },
    };
  },
};

function jaxConvGradient(jax, { shape }, which, withForward) {
  const { N, O, P, Q } = convGeometry(shape);
  const x = normal(jax, 1, shape.x);
  const w = normal(jax, 2, shape.w, 0.05);
  const dy = normal(jax, 3, [N, O, P, Q]);
  // vjp of the conv with respect to the one input: its forward output is dropped unrealized when only the
  // gradient is timed, so the timed work is the gradient alone, as for the other two libraries.
  const vjp = () => (which === 'x'
    ? jax.vjp((xx) => conv(jax, xx, w.ref, shape), [x.ref])
    : jax.vjp((ww) => conv(jax, x.ref, ww, shape), [w.ref]));
  return {
    call() {
      const [y, pullback] = vjp();
      const [grad] = pullback(dy.ref);
      pullback.dispose();
      if (withForward) return [y, grad];
      y.dispose();
      return [grad];
    },
    dispose: () => [x, w, dy].forEach((t) => t.dispose()),
  };
}

/** (params, m, v, x, target, lr / (1 - b1^t), 1 / (1 - b2^t)) -> [loss, params, m, v], for jax.jit. */
function lenetAdamStep(jax) {
  const { numpy: np, nn, lax } = jax;
  const pool = (h) => {
    const [n, c, H, W] = h.shape;
    return np.max(h.reshape([n, c, H / 2, 2, W / 2, 2]), [3, 5]);
  };
  const block = (h, w, b, channels) => pool(nn.relu(lax.convGeneralDilated(h, w, [1, 1], pads(2)).add(b.reshape([1, channels, 1, 1]))));
  const lossOf = ([w1, b1, w2, b2, w3, b3, w4, b4], x, target) => {
    const n = x.shape[0];
    const h = block(block(x, w1, b1, 32), w2, b2, 64).reshape([n, 64 * 7 * 7]);
    const logits = np.matmul(nn.relu(np.matmul(h, w3).add(b3)), w4).add(b4);
    return np.mean(np.sum(nn.logSoftmax(logits, -1).mul(target), -1)).mul(-1);
  };
  return (params, m, v, x, target, c1, c2) => {
    const [loss, grads] = jax.valueAndGrad(lossOf)(params.map((p) => p.ref), x, target);
    const next = { p: [], m: [], v: [] };
    grads.forEach((g, i) => {
      const mi = m[i].mul(0.9).add(g.ref.mul(0.1));
      const vi = v[i].mul(0.999).add(g.ref.mul(g).mul(0.001));
      const update = mi.ref.mul(c1.ref).div(np.sqrt(vi.ref.mul(c2.ref)).add(1e-8));
      next.p.push(params[i].sub(update));
      next.m.push(mi);
      next.v.push(vi);
    });
    c1.dispose();
    c2.dispose();
    return [loss, next.p, next.m, next.v];
  };
}

/** W5 on a fresh process: from init() to the first training step's loss on the CPU, then a second step. */
export async function coldJax(jax, { batch }) {
  const t0 = performance.now();
  await jax.init('webgpu');
  jax.defaultDevice('webgpu');
  const step = jaxjs.train(jax, { batch });
  const loss = async () => {
    const [l] = step.call();
    await jax.blockUntilReady(step.live());
    return (await l.data())[0];
  };
  await loss();
  const t1 = performance.now();
  await loss();
  const t2 = performance.now();
  step.dispose();
  // jax-js reports no memory figures
  return { firstStepMs: t1 - t0, sinceNavigationMs: t1, secondStepMs: t2 - t1, peakBytes: null, peakField: null };
}
