// What a CRM downloads to run the agent bar: operator-v4.0.0.js and its wasm, raw, gzip -9 and brotli
// (quality 11, as bindings/precompress.mjs makes them for ucsd), beside the size targets. What
// comparable SDKs cost, measured: bench/peers. (bench/size lists every artifact.)
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { REPO, isMain, kib, machine, printTable } from './lib.mjs';

const DIST = path.resolve(process.env.UCS_DIST || path.join(REPO, 'dist', 'operator'));
const FILES = ['operator-v4.0.0.js', 'operator-v4.0.0.wasm'];
const GOAL = 64 * 1024; // gzip, the design goal
const LIMIT = 250 * 1024; // gzip, the ceiling for this version

const brotli = (data) =>
  zlib.brotliCompressSync(data, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length,
    },
  }).length;

export async function measure() {
  const rows = [];
  let raw = 0;
  let gz = 0;
  let br = 0;
  for (const name of FILES) {
    const file = path.join(DIST, name);
    if (!fs.existsSync(file)) throw new Error(`${file} is missing: build the wasm-release preset first`);
    const data = fs.readFileSync(file);
    const packed = zlib.gzipSync(data, { level: 9 }).length;
    const squeezed = brotli(data);
    raw += data.length;
    gz += packed;
    br += squeezed;
    rows.push({ bench: 'bundle', metric: `${name} raw / gzip -9 / brotli`, value: `${kib(data.length)} / ${kib(packed)} / ${kib(squeezed)}`, note: '' });
  }
  const verdict = gz <= GOAL ? 'within the goal' : gz < LIMIT ? 'over the goal, under the limit' : 'OVER THE LIMIT';
  rows.push({
    bench: 'bundle', metric: 'js + wasm raw / gzip -9 / brotli', value: `${kib(raw)} / ${kib(gz)} / ${kib(br)}`,
    note: `goal <= 64 KiB gzip, this version < 250 KiB gzip: ${verdict}`,
  });
  return rows;
}

if (isMain(import.meta.url)) {
  console.log(`# bench/bundle — ${DIST}\n# ${machine()}`);
  printTable(await measure());
}
