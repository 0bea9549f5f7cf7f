// Formatting shared by bench/run.mjs and bench/node.mjs: times, bytes, and tables for the terminal and Markdown.

export function fmtTime(ms) {
  if (ms === undefined || ms === null || !Number.isFinite(ms)) return '-';
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

export function fmtBytes(bytes) {
  if (bytes === undefined || bytes === null || !Number.isFinite(bytes)) return '-';
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/** "median (min–max)" of a summary, or the single value when there is one sample. */
export function fmtSummary(s, unit = 'ms') {
  if (!s) return '-';
  const f = unit === 'bytes' ? fmtBytes : fmtTime;
  if (s.samples.length < 2) return f(s.median);
  return `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
}

export const fmtRatio = (r) => (r === undefined || r === null || !Number.isFinite(r) ? '-' : `${r.toFixed(2)}x`);

export function fmtRate(flops, s) {
  if (!flops || !s) return '-';
  return (flops / (s.median * 1e6)).toFixed(2);
}

/** A table as aligned text (the terminal) or as Markdown. */
export function renderTable(headers, rows, markdown = false) {
  if (markdown) {
    const line = (cells) => `| ${cells.join(' | ')} |`;
    return [line(headers), line(headers.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n');
  }
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The per-kernel profile of one workload as table rows: kernel, calls, total ms, share of the profiled time. */
export function profileRows(kernels, top = 15) {
  const total = kernels.reduce((a, k) => a + k.ms, 0);
  const rows = kernels.slice(0, top).map((k) => [k.kernel, k.calls, k.ms.toFixed(1), `${((100 * k.ms) / (total || 1)).toFixed(1)}%`]);
  if (kernels.length > top) {
    const rest = kernels.slice(top);
    const ms = rest.reduce((a, k) => a + k.ms, 0);
    rows.push([`(${rest.length} more kernels)`, rest.reduce((a, k) => a + k.calls, 0), ms.toFixed(1), `${((100 * ms) / (total || 1)).toFixed(1)}%`]);
  }
  rows.push(['total GPU time', kernels.reduce((a, k) => a + k.calls, 0), total.toFixed(1), '100%']);
  return rows;
}

export const PROFILE_HEADERS = ['kernel', 'calls', 'ms', 'share'];

/** A short, file-name-safe name for an adapter: "swiftshader", "nvidia-...". */
export function adapterSlug(a) {
  const text = `${a?.description || ''} ${a?.device || ''} ${a?.vendor || ''} ${a?.architecture || ''}`.toLowerCase();
  if (/swiftshader/.test(text)) return 'swiftshader';
  const slug = text.trim().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40);
  return slug || 'unknown-adapter';
}

export function describeAdapter(a) {
  if (!a) return 'unknown';
  const parts = [a.description, a.device].filter(Boolean);
  const main = parts[0] || 'adapter';
  return `${main} (vendor ${a.vendor || '?'}, architecture ${a.architecture || '?'})`;
}

/** The commit measured, and whether tracked files differ from it ("abc1234+dirty"); null outside a git checkout. */
export async function sourceRevision(cwd) {
  const { execFileSync } = await import('node:child_process');
  const git = (...args) => execFileSync('git', ['--no-optional-locks', ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const commit = git('rev-parse', '--short', 'HEAD');
    return git('status', '--porcelain', '--untracked-files=no') ? `${commit}+dirty` : commit;
  } catch {
    return null;
  }
}
