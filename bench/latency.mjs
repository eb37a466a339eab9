// Latency from a sandbox event to the CRM callback, on one clock: the page itself makes the REST
// call (fetch, with the sandbox client's bearer token) and times it with performance.now() against
// the time its recorder saw the callback.
//   ring:   POST /api/v1.0/sandbox/calls {queue: 1}         -> onCallRinging
//   hangup: POST /api/v1.0/sandbox/calls/{id}/hangup         -> onCallHangup (history committed first)
// Each call: ring, answer(), far-end hangup, changeStatus("READY") out of wrap-up.
//   node bench/latency.mjs [--calls=200]
import { CrmServer, Ucsd, barPage, freshSsoToken, launchBrowser, requireBundle } from '../tests/e2e/support/harness.mjs';
import { benchUcsd, isMain, machine, ms, option, percentile, printTable } from './lib.mjs';

// Runs inside the page.
async function callLoop(n) {
  const bar = window.ucsOperator;
  const rest = window.benchRest;
  const waiters = {};
  for (const name of ['onCallRinging', 'onCallConnect', 'onCallHangup', 'onStateChange']) {
    const recorder = bar[name];
    bar[name] = function (arg) {
      const t = performance.now();
      recorder.apply(this, arguments);
      const w = waiters[name];
      if (w && w.match(arg)) {
        delete waiters[name];
        clearTimeout(w.timer);
        w.resolve({ t, arg });
      }
    };
  }
  const next = (name, match = () => true) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${name}`)), 30000);
    waiters[name] = { match, resolve, timer };
  });
  const post = (path, body) => fetch(rest.origin + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${rest.token}` },
    body: JSON.stringify(body),
  });
  const out = { ring: [], ringRest: [], hangup: [], hangupRest: [] };
  for (let i = 0; i < n; i += 1) {
    const ringing = next('onCallRinging');
    const t0 = performance.now();
    const response = await post('/api/v1.0/sandbox/calls', { from: `+42060100${String(i).padStart(4, '0')}`, queue: 1 });
    out.ringRest.push(performance.now() - t0);
    const { uniqueid } = await response.json();
    const rang = await ringing;
    if (rang.arg.uniqueid !== uniqueid) throw new Error(`rang ${rang.arg.uniqueid}, expected ${uniqueid}`);
    out.ring.push(rang.t - t0);

    const connected = next('onCallConnect');
    await bar.answer();
    await connected;

    const ended = next('onCallHangup');
    const t1 = performance.now();
    const hung = await post(`/api/v1.0/sandbox/calls/${encodeURIComponent(uniqueid)}/hangup`, {});
    out.hangupRest.push(performance.now() - t1);
    if (!hung.ok) throw new Error(`hangup: ${hung.status}`);
    out.hangup.push((await ended).t - t1);

    const ready = next('onStateChange', (s) => s.status === 'READY');
    await bar.changeStatus('READY');
    await ready;
  }
  return out;
}

export async function measure({ calls = option('calls', 200) } = {}) {
  requireBundle();
  process.env.UCSD ||= benchUcsd();
  const ucsd = await new Ucsd().start();
  const crm = await new CrmServer().start();
  const browser = await launchBrowser();
  let result;
  try {
    const extraConfigJs = `window.benchRest = ${JSON.stringify({ origin: ucsd.origin, token: await ucsd.token() })};\n`;
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(barPage({ ucsd, crm }, { options: { identifyIP: true }, extraConfigJs }), { waitUntil: 'load' });
    await page.waitForFunction(() => window.crm.count('onCredentials') > 0, null, { timeout: 60_000 });
    await page.evaluate((token) => window.ucsOperator.sso('agent1', token), freshSsoToken('agent1'));
    await page.waitForFunction(() => window.crm.count('onReady') > 0, null, { timeout: 60_000 });
    await page.evaluate(() => window.ucsOperator.changeStatus('READY'));
    await page.waitForFunction(() => window.crm.count('onStateChange', { status: 'READY' }) > 0, null, { timeout: 60_000 });
    result = await page.evaluate(callLoop, calls);
    await context.close();
  } finally {
    await browser.close();
    await crm.stop();
    await ucsd.dispose();
  }
  const row = (metric, values, note) => ({
    bench: 'latency',
    metric,
    value: `p50 ${ms(percentile(values, 50))}, p99 ${ms(percentile(values, 99))}`,
    note,
  });
  return [
    row('sandbox ring (REST POST) -> onCallRinging', result.ring, `${calls} queue calls; fetch start to callback`),
    row('  the REST POST alone (for reference)', result.ringRest, 'fetch start to response'),
    row('far-end hangup (REST POST) -> onCallHangup', result.hangup, `${calls} calls; includes a CORS preflight (new URL per call)`),
    row('  the REST POST alone (for reference)', result.hangupRest, 'fetch start to response'),
  ];
}

if (isMain(import.meta.url)) {
  console.log(`# bench/latency — ucsd ${benchUcsd()}\n# ${machine()}`);
  printTable(await measure());
}
