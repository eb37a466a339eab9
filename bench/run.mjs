// All benchmarks, one table: bundle size, start-up, event latency. Figures only, no thresholds.
//   bench/run [--loads=20] [--calls=200]
import { measure as bundle } from './bundle.mjs';
import { measure as latency } from './latency.mjs';
import { benchUcsd, machine, printTable } from './lib.mjs';
import { measure as startup } from './startup.mjs';

console.log(`# bench/run — ${new Date().toISOString()}\n# ${machine()}\n# ucsd ${benchUcsd()}`);
const rows = [...(await bundle()), ...(await startup()), ...(await latency())];
printTable(rows);
