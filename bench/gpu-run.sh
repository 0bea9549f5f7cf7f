#!/usr/bin/env bash
# One run on a GPU machine (see ../shared/gpu/README.md), everything measured in one call, results under $OUT:
#   here:  npm run build && bash ../shared/gpu/pack.sh && bash bench/gpu-extra.sh --pack
#   there: bash .gpu/run.sh bash bench/gpu-extra.sh "$PWD/.gpu-extra" bash bench/gpu-run.sh
# Each part has a time limit of its own, so a slow one leaves the others their results.
set -u
out=${OUT:-/tmp/gpu-out}; mkdir -p "$out"
part() { local limit=$1 name=$2; shift 2; echo "== $name"; timeout "$limit" "$@" 2>&1 | tee "$out/$name.log" | tail -40; }
part 60 step-cost node bench/step-cost.mjs --steps 50
part 40 train node demo/train.mjs --out /tmp/mnist-tiny.safetensors
part 170 node-bench node bench/node.mjs --warmup 3 --reps 5
cp bench/results/node-latest.* "$out/" 2>/dev/null
part 100 tune node bench/tune-gpu.mjs --out "$out/tune-h200.json"
