// Start-up of the agent bar in headless Chromium: from the operator script tag to onConnect and to
// onReady (SSO by the CRM on onCredentials, phone by identifyIP), measured inside the page with
// performance.now() from marker.js, an external script placed right before the operator's tag.
// Every load gets a fresh browser context (cold HTTP cache, no cookies); one uncounted warm-up.
//   node bench/startup.mjs [--loads=20] [--cpu=4 (CPU throttling, as bench/peers)]
import { CrmServer, Ucsd, barPage, freshSsoToken, launchBrowser, requireBundle } from '../tests/e2e/support/harness.mjs';
import { benchUcsd, isMain, machine, ms, option, percentile, printTable } from './lib.mjs';

export async function measure({ loads = option('loads', 20), cpu = Number(option('cpu', 1)) } = {}) {
  requireBundle();
  process.env.UCSD ||= benchUcsd();
  const ucsd = await new Ucsd().start();
  const crm = await new CrmServer().start();
  const browser = await launchBrowser();
  const env = { ucsd, crm };
  const samples = { wasm: [], load: [], connect: [], ready: [] };
  try {
    for (let i = -1; i < loads; i += 1) {
      // The CRM answers onCredentials with an SSO login, as an integration would; once: the
      // logout at the end brings onCredentials again, and a token is good for one login only.
      const token = freshSsoToken('agent1');
      const extraConfigJs =
        'window.ucsOperator.onCredentials = function () {\n' +
        "  crm.events.push({ name: 'onCredentials', args: [], self: this === window.ucsOperator, t: performance.now() });\n" +
        `  if (crm.count('onCredentials') === 1) window.ucsOperator.sso('agent1', ${JSON.stringify(token)});\n` +
        '};\n';
      const url = barPage(env, { options: { identifyIP: true }, extraConfigJs });
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        if (cpu > 1) await (await context.newCDPSession(page)).send('Emulation.setCPUThrottlingRate', { rate: cpu });
        await page.goto(url, { waitUntil: 'load' });
        try {
          await page.waitForFunction(() => window.crm.count('onReady') > 0 || window.crm.count('onError') > 0, null,
            { timeout: 60_000, polling: 50 });
        } catch (error) {
          const seen = await page.evaluate(() => window.crm.events.map((e) => `${e.name} ${JSON.stringify(e.args).slice(0, 200)}`));
          throw new Error(`load ${i}: no onReady within 60 s; callbacks:\n${seen.join('\n')}`);
        }
        const m = await page.evaluate(() => {
          const first = (name) => {
            const e = window.crm.list(name)[0];
            return e ? e.t - window.crmT0 : null;
          };
          const nav = performance.getEntriesByType('navigation')[0];
          // The engine's request: the loader's first line asks for it, so this is how long the browser
          // took from the tag to running that line (compiling the bundle before it runs included).
          const wasm = performance.getEntriesByType('resource').find((entry) => entry.name.endsWith('.wasm'));
          return {
            wasm: wasm ? wasm.startTime - window.crmT0 : null,
            load: nav.loadEventStart - window.crmT0, connect: first('onConnect'), ready: first('onReady'), error: window.crm.last('onError'),
          };
        });
        if (m.ready === null) throw new Error(`load ${i}: no onReady: ${JSON.stringify(m.error)}`);
        if (i >= 0) for (const key of Object.keys(samples)) samples[key].push(m[key]);
        await page.evaluate(() => window.ucsOperator.logout()).catch(() => {});
      } finally {
        await context.close();
      }
    }
  } finally {
    await browser.close();
    await crm.stop();
    await ucsd.dispose();
  }
  const row = (metric, values, note = '') => ({
    bench: 'startup', metric, value: `p50 ${ms(percentile(values, 50))}, p90 ${ms(percentile(values, 90))}`, note,
  });
  return [
    row('script tag -> wasm request', samples.wasm, 'resource timing startTime of the engine\'s .wasm'),
    row('script tag -> window load', samples.load, `the bar starts on load (legacyStartup: false); ${loads} loads`),
    row('script tag -> onConnect("4.0.0")', samples.connect, `fresh context per load, ${loads} loads, CPU ${cpu}x slower`),
    row('script tag -> onReady', samples.ready, 'SSO on onCredentials + identifyIP pairing'),
  ];
}

if (isMain(import.meta.url)) {
  console.log(`# bench/startup — ucsd ${benchUcsd()}\n# ${machine()}`);
  printTable(await measure());
}
