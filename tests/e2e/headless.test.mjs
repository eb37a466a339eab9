// headless: true: the bar renders nothing, and the API and callbacks work as usual.
import assert from 'node:assert/strict';
import test from 'node:test';
import { TEST_TIMEOUT_MS, barPage, e2eSuite, withBar } from './support/harness.mjs';

const env = e2eSuite(import.meta.url);

// What the page's body holds, scripts aside: tag, id, text, whether a shadow root is attached.
const domShape = () => {
  const walk = (el) => ({
    tag: el.tagName,
    id: el.id || null,
    shadow: el.shadowRoot !== null,
    text: el.children.length === 0 ? el.textContent : null,
    children: Array.from(el.children).filter((c) => c.tagName !== 'SCRIPT').map(walk),
  });
  return walk(document.body);
};

test('headless: nothing is rendered, the API works', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    await bar.open(barPage(env, { options: { headless: true, identifyIP: true } }));
    const before = await bar.page.evaluate(domShape);
    const state = await bar.ready('agent2'); // identifyIP pairs 101 (127.0.0.1)
    assert.equal(state.device.identifier, '101');
    await bar.ok('changeStatus', 'AUX', 'Break');
    await bar.wait('onStateChange', { where: { status: 'AUX', reason: 'Break' } });
    await bar.ok('notify', 'shown nowhere: headless', 'info');

    const div = await bar.page.evaluate(() => {
      const el = document.getElementById('ucsOperator');
      return { text: el.textContent, children: el.childElementCount, shadow: el.shadowRoot !== null };
    });
    assert.deepEqual(div, { text: 'Loading agent bar...', children: 0, shadow: false }, 'the div is untouched');
    assert.deepEqual(await bar.page.evaluate(domShape), before, 'nothing added anywhere in the page');
    assert.equal(await bar.count('onError'), 0);
  }));

test('a renderTo element that does not exist: onError says so, the bar runs headless', { timeout: TEST_TIMEOUT_MS }, (t) =>
  withBar(t, env, async (bar) => {
    await bar.open(barPage(env, { div: false, options: { renderTo: 'noSuchElement', identifyIP: true } }));
    const [error] = await bar.wait('onError');
    assert.match(error.args[0], /noSuchElement/);
    const state = await bar.ready('agent2');
    assert.equal(state.device.identifier, '101');
  }));
