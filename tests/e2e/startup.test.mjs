// Start-up order: while the page is still loading, the engine's WebSocket connects already and the
// engine takes that socket when it starts on `load`; a configuration changed in between gets a socket
// to the new address, and the early one is closed without a frame.
import assert from 'node:assert/strict';
import http from 'node:http';
import test from 'node:test';
import { TEST_TIMEOUT_MS, barPage, e2eSuite, withBar } from './support/harness.mjs';

const env = e2eSuite(import.meta.url, { proxy: true });
const LOAD_DELAY_MS = 4000; // long enough for the wasm to be fetched, compiled and instantiated before `load`

// An image that holds the page's `load` event back, served after LOAD_DELAY_MS.
let slow = null;
async function slowImageUrl() {
  if (!slow) {
    slow = http.createServer((req, res) => {
      setTimeout(() => res.writeHead(200, { 'content-type': 'image/gif', 'cache-control': 'no-store' })
        .end(Buffer.from('R0lGODlhAQABAAAAACw=', 'base64')), LOAD_DELAY_MS);
    });
    await new Promise((resolve) => slow.listen(0, '127.0.0.1', resolve));
  }
  return `http://127.0.0.1:${slow.address().port}/slow.gif?${Math.random()}`;
}
test.after(() => slow?.close());

test('the socket opened before load is the one the engine uses', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    const image = await slowImageUrl();
    const extraConfigJs = `document.write('<img alt="" src="${image}">');\n`;
    await bar.open(barPage(env, { spy: true, options: { headless: true }, extraConfigJs }));
    await bar.wait('onConnect');
    const { sockets, methods, load } = await bar.page.evaluate(() => ({
      sockets: window.crmWs.sockets,
      methods: window.crmWs.methodsSent(),
      load: performance.getEntriesByType('navigation')[0].loadEventStart,
    }));
    assert.equal(sockets.length, 1, `one socket for the page: ${JSON.stringify(sockets)}`);
    assert.ok(sockets[0].opened < load, `opened at ${sockets[0].opened} ms, before load at ${load} ms`);
    assert.equal(methods[0], 'hello', 'the engine said hello on it');
    const state = await bar.ready('agent2', '101');
    assert.equal(state.device.identifier, '101', 'and the bar works on it: login and pairing');
  }));

test('a configuration changed after the early socket: the engine connects to the new address', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    const image = await slowImageUrl();
    const acceptedBefore = env.proxy.accepted;
    // Halfway to `load`, the CRM points the bar at another address of the same server (the proxy).
    const extraConfigJs =
      `document.write('<img alt="" src="${image}">');\n` +
      `setTimeout(function () { window.ucsOperator.api.port = ${env.proxy.port}; }, ${LOAD_DELAY_MS / 2});\n`;
    await bar.open(barPage(env, { spy: true, options: { headless: true }, extraConfigJs }));
    await bar.wait('onConnect');
    const { sockets, sent } = await bar.page.evaluate(() => ({ sockets: window.crmWs.sockets, sent: window.crmWs.sent }));
    t.diagnostic(`sockets: ${sockets.map((s) => s.url).join(', ')}`);
    const used = sockets[sockets.length - 1];
    assert.match(used.url, new RegExp(`:${env.proxy.port}/`), `the engine's socket: ${JSON.stringify(sockets)}`);
    assert.equal(env.proxy.accepted - acceptedBefore, 1, 'one connection through the new address');
    for (const early of sockets.slice(0, -1)) {
      assert.doesNotMatch(early.url, new RegExp(`:${env.proxy.port}/`));
      assert.notEqual(early.closed, null, 'the early socket was closed');
    }
    assert.ok(sent.every((f) => f.t >= used.opened), 'every frame went out on the engine\'s socket');
  }));
