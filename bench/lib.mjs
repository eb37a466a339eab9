// Shared by the benchmarks: the table they print, percentiles, and the machine description.
// Benchmarks report figures; they never pass or fail on thresholds.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// True when `moduleUrl` is the script node was started with (not imported by bench/run.mjs).
export const isMain = (moduleUrl) => process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === moduleUrl;

// Nearest-rank percentile.
export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export const ms = (v) => `${v.toFixed(1)} ms`;
export const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;

// rows: {bench, metric, value, note}
export function printTable(rows, out = process.stdout) {
  const headers = { bench: 'bench', metric: 'metric', value: 'value', note: 'target / comparison' };
  const cols = Object.keys(headers);
  const width = Object.fromEntries(cols.map((c) => [c, Math.max(headers[c].length, ...rows.map((r) => String(r[c] ?? '').length))]));
  const line = (r) => cols.map((c) => (c === 'value' ? String(r[c] ?? '').padStart(width[c]) : String(r[c] ?? '').padEnd(width[c]))).join('  ').trimEnd();
  out.write(`${line(headers)}\n${cols.map((c) => '-'.repeat(width[c])).join('  ')}\n`);
  for (const r of rows) out.write(`${line(r)}\n`);
}

export function machine() {
  let chromium = '?';
  try {
    chromium = execFileSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // not installed: the browser benchmarks will say so
  }
  const cpus = os.cpus();
  return `${cpus.length} cores (${cpus[0]?.model ?? '?'}), load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}, ` +
    `node ${process.version}, ${chromium}`;
}

// The ucsd the browser benchmarks run against: $UCSD, else a release build, else the debug one.
export function benchUcsd() {
  if (process.env.UCSD) return process.env.UCSD;
  for (const preset of ['native-release', 'native-debug']) {
    const candidate = path.join(REPO, 'build', preset, 'src', 'server', 'ucsd');
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error('ucsd not found: build native-release (or set UCSD)');
}

// Flags in the form --name=value.
export function option(name, fallback) {
  const prefix = `--${name}=`;
  const arg = process.argv.find((a) => a.startsWith(prefix));
  return arg ? Number(arg.slice(prefix.length)) : fallback;
}
