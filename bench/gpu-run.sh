#!/usr/bin/env bash
# One run on a GPU machine (see ../shared/gpu/README.md), everything measured in one call, results under $OUT:
#   here:  npm run build && bash ../shared/gpu/pack.sh && bash bench/gpu-extra.sh --pack
#   there: bash .gpu/run.sh bash bench/gpu-extra.sh "$PWD/.gpu-extra" bash bench/gpu-run.sh [PART...]
# PARTs (default: all, in this order): conv-check winograd replay step-cost cold train mobilenet segment depthwise
# node-bench tune.
# Each part has a time limit of its own, so a slow one leaves the others their results.
set -u
out=${OUT:-/tmp/gpu-out}; mkdir -p "$out"
parts=${*:-conv-check winograd replay step-cost cold train mobilenet segment depthwise node-bench tune}
want() { [[ " $parts " == *" $1 "* ]]; }
part() { local limit=$1 name=$2; shift 2; echo "== $name"; timeout "$limit" "$@" 2>&1 | tee "$out/$name.log" | tail -40; }
want conv-check && part 90 conv-check node bench/conv-check.mjs
want winograd && part 90 winograd node bench/winograd.mjs --reps 5
want replay && part 90 replay node bench/replay-exact.mjs --steps 12 --batch 8,64
want step-cost && part 60 step-cost node bench/step-cost.mjs --steps 50
# W5 and W6 (LeNet b64, a fresh process each): the autotuner on (the default) and off, warm-up off and on
for t in on off; do for w in off on; do want cold && part 60 "cold-tuning-$t-warmup-$w" node bench/cold.mjs --tuning $t --warmup $w; done; done
want train && part 40 train node demo/train.mjs --out /tmp/mnist-tiny.safetensors
want mobilenet && part 60 mobilenet node demo/train.mjs --model mobilenet --epochs 3 --out /tmp/mnist-mobilenet.safetensors
want segment && part 150 segment node demo/segment.mjs ${SEGMENT_ARGS:---canvases 8000 --epochs 8 --batch 32 --test 500} --out /tmp/segment.safetensors
want depthwise && part 60 depthwise node bench/depthwise.mjs
want node-bench && part 170 node-bench node bench/node.mjs --warmup 3 --reps 5
cp bench/results/node-latest.* "$out/" 2>/dev/null
want tune && part 100 tune node bench/tune-gpu.mjs --out "$out/tune-h200.json"
