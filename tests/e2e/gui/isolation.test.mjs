// The agent bar GUI's isolation, layout, language and accessibility: a CRM page with aggressive global
// CSS around the bar (nothing gets in, nothing leaks out), the 320 px side panel and the wide top bar,
// Czech from `lang` before login, headless without a GUI, and axe-core with no serious or critical
// violations on the login screen and on a ringing call with a panel open.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { launchBrowser, REPO, shot, startCrm, startUcsd, STRINGS, watchPage, WAIT_MS } from './support.mjs';

const AXE = path.join(REPO, 'node_modules', 'axe-core', 'axe.min.js');
const EN = STRINGS.en;
const CS = STRINGS.cs;

// What a CRM's global stylesheet may throw at us: resets, Bootstrap-like element rules, !important.
const AGGRESSIVE_CSS = `
html { font-size: 8px; }
* { box-sizing: content-box !important; font-family: "Comic Sans MS", cursive !important; letter-spacing: 2px; }
body { color: #f0f; line-height: 3; text-transform: uppercase; text-align: center; background: #ffe; }
div { padding: 7px; border: 2px dotted orange; }
button { background: hotpink !important; border: 5px dashed green !important; border-radius: 0 !important; font-size: 30px !important; }
input, select { width: 40px !important; height: 60px; background: black; color: lime; }
label { display: none !important; }
h2 { font-size: 60px; color: red; }
svg { width: 200px; height: 200px; }
[hidden] { display: block !important; }
:focus { outline: none !important; }
`;

let ucsd, crm, browser;
before(async () => {
  ucsd = await startUcsd();
  crm = await startCrm();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  crm?.stop();
  ucsd?.stop();
});

async function withPage(options, fn, viewport = { width: 1100, height: 800 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  const problems = watchPage(page);
  try {
    await page.goto(crm.page({ ucsd, ...options }));
    await fn(page, page.locator('#ucsOperator'));
    assert.deepEqual(problems, []);
  } catch (error) {
    await page.screenshot({ path: `test-results/gui/FAILED-${options.name || 'isolation'}.png` }).catch(() => {});
    throw new Error(`${error.message}\npage problems: ${problems.join('\n')}`, { cause: error });
  } finally {
    await context.close();
  }
}

// The computed styles of a few of the bar's elements, to compare a plain page with an aggressive one.
const barStyles = (page) =>
  page.evaluate(() => {
    const root = document.getElementById('ucsOperator').shadowRoot;
    const pick = (el, props) => Object.fromEntries(props.map((p) => [p, getComputedStyle(el)[p]]));
    const props = ['fontFamily', 'fontSize', 'color', 'backgroundColor', 'borderTopStyle', 'boxSizing', 'letterSpacing', 'textTransform', 'display', 'width', 'height', 'lineHeight'];
    return {
      bar: pick(root.querySelector('.bar'), props),
      button: pick(root.querySelector('button.primary'), props),
      input: pick(root.querySelector('input[name=username]'), props),
      label: pick(root.querySelector('label'), props),
      h2: pick(root.querySelector('h2'), props),
    };
  });

test('a CRM stylesheet cannot restyle the bar, and the bar adds nothing to the page', { timeout: 120_000 }, async () => {
  let plain;
  await withPage({ name: 'plain', config: {} }, async (page, bar) => {
    await bar.locator('input[name=username]').waitFor();
    plain = await barStyles(page);
  });
  await withPage({ name: 'aggressive', config: {}, css: AGGRESSIVE_CSS, before: '<h1>Acme CRM</h1><h2 id="crm-h2">Customer</h2><button id="crm-button">CRM action</button>' }, async (page, bar) => {
    await bar.locator('input[name=username]').waitFor();
    const styled = await barStyles(page);
    assert.deepEqual(styled.button, plain.button, 'the sign-in button');
    assert.deepEqual(styled.input, plain.input, 'the username input');
    assert.deepEqual(styled.label, plain.label, 'a label');
    assert.deepEqual(styled.h2, plain.h2, 'the heading');
    for (const key of ['fontFamily', 'fontSize', 'color', 'letterSpacing', 'textTransform', 'lineHeight', 'boxSizing']) {
      assert.equal(styled.bar[key], plain.bar[key], `the bar's ${key}`);
    }
    // Nothing of ours reaches the page: no stylesheet added, the CRM's own elements keep their look.
    const page_ = await page.evaluate(() => ({
      sheets: document.styleSheets.length,
      adopted: document.adoptedStyleSheets.length,
      styles: document.querySelectorAll('style').length,
      h2: getComputedStyle(document.getElementById('crm-h2')).fontSize,
      button: getComputedStyle(document.getElementById('crm-button')).backgroundColor,
      globals: Object.keys(window).filter((k) => /ucs|gui/i.test(k)),
    }));
    assert.deepEqual(page_, { sheets: 1, adopted: 0, styles: 0, h2: '60px', button: 'rgb(255, 105, 180)', globals: ['ucsOperator'] });
    // A focused control still shows its focus ring.
    await bar.locator('input[name=username]').focus();
    await page.keyboard.press('Tab');
    const outline = await page.evaluate(() => getComputedStyle(document.getElementById('ucsOperator').shadowRoot.activeElement).outlineStyle);
    assert.equal(outline, 'solid');
    await page.screenshot({ path: 'test-results/gui/20-aggressive-css-page.png' });
  });
});

test('Czech from lang before login; a 320 px side panel; headless has no GUI', { timeout: 120_000 }, async () => {
  const config = { lang: 'cs', topMenuNameContent: 'Agent %name%', notifyWaitingCallers: true, showBottomMenu: true };
  await withPage({ name: 'cs', config, css: '#ucsOperator { width: 320px; }' }, async (page, bar) => {
    await bar.getByLabel(CS.username, { exact: true }).waitFor();
    assert.equal(await bar.getByRole('button', { name: CS.signIn }).count(), 1);
    await shot(page, '21-login-cs-320px');
    // The whole side panel: log in with the keyboard, pair by typing the identifier.
    await bar.getByLabel(CS.username, { exact: true }).fill('agent2');
    await page.keyboard.press('Tab');
    await page.keyboard.type('demo');
    await page.keyboard.press('Enter');
    await bar.getByLabel(CS.identifier).fill('102');
    await page.keyboard.press('Enter');
    await bar.locator('button.status').waitFor();
    await page.evaluate(() => window.ucsOperator.changeStatus('READY'));
    await ucsd.rest('POST', '/api/v1.0/sandbox/calls', { from: '777000111', queue: 1, caller_name: 'Jana Dlouhé-Jméno Nováková-Svobodová' });
    await bar.locator('.call.cs-2').waitFor();
    await page.waitForFunction(() => !document.getElementById('ucsOperator').shadowRoot.querySelector('.a-answer').disabled);
    const width = await bar.evaluate((el) => el.shadowRoot.querySelector('.bar').getBoundingClientRect().width);
    assert.equal(width, 320);
    assert.deepEqual(await overflowing(bar), [], 'nothing sticks out of the 320 px panel');
    await shot(page, '22-ringing-320px');
    await bar.getByRole('button', { name: CS.answer }).click();
    await bar.locator('.call.cs-3').waitFor();
    await bar.getByRole('button', { name: CS.hangup }).click();
    await bar.locator('.idle').waitFor();
    assert.equal(await bar.locator('.who').textContent(), 'Agent Bořivoj Dvořák');

    // notifyWaitingCallers: in AUX, a caller queuing shows the badge and an in-bar notification.
    await page.evaluate(() => window.ucsOperator.changeStatus('AUX', 'Break'));
    await bar.locator('button.status', { hasText: 'Break' }).waitFor();
    await ucsd.rest('POST', '/api/v1.0/sandbox/calls', { from: '777000333', queue: 1 });
    await bar.locator('.badge', { hasText: CS.waiting.replace('{n}', '1') }).waitFor();
    await bar.locator('.bottom .note[data-group="waiting"]').waitFor();
    await shot(page, '24-waiting-callers-320px');
  }, { width: 420, height: 900 });

  await withPage({ name: 'headless', config: { headless: true } }, async (page) => {
    await page.waitForFunction(() => typeof window.ucsOperator.login === 'function');
    await page.evaluate(() => new Promise((r) => setTimeout(r, 500)));
    const div = await page.evaluate(() => ({ shadow: document.getElementById('ucsOperator').shadowRoot !== null, text: document.getElementById('ucsOperator').textContent }));
    assert.deepEqual(div, { shadow: false, text: 'Loading agent bar...' });
  });
});

// The bar's elements that stick out of it on the right.
const overflowing = (bar) =>
  bar.evaluate((el) => {
    const limit = el.getBoundingClientRect().right + 0.5;
    return [...el.shadowRoot.querySelectorAll('*')]
      .filter((e) => e.getClientRects().length && e.getBoundingClientRect().right > limit && !e.closest('[role=menu]'))
      .map((e) => e.getAttribute('class') || e.tagName);
  });

// Controls whose own text is cut off: a button squeezed narrower than its label, a select narrower
// than the option it shows.
const clipped = (bar) =>
  bar.evaluate((el) => {
    const canvas = document.createElement('canvas').getContext('2d');
    const cut = [];
    for (const e of el.shadowRoot.querySelectorAll('button, select, label')) {
      if (!e.getClientRects().length || e.closest('[role=menu]')) continue;
      const box = e.getBoundingClientRect();
      const style = getComputedStyle(e);
      let needed;
      if (e.tagName === 'SELECT') {
        canvas.font = style.font;
        const text = e.selectedOptions[0] ? e.selectedOptions[0].text : '';
        needed = canvas.measureText(text).width + parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
      } else {
        const range = document.createRange();
        range.selectNodeContents(e);
        needed = range.getBoundingClientRect().width + parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
      }
      if (needed > box.width + 0.5) cut.push(`${e.getAttribute('class') || e.tagName} "${e.textContent.trim().slice(0, 20)}" ${needed.toFixed(0)}>${box.width.toFixed(0)}`);
    }
    return cut;
  });

// The demo users speak Czech (the longest labels) whatever `lang` says before login.
test('from 320 px up the dial control, the tabs and every button fit, nothing cut off', { timeout: 120_000 }, async () => {
  for (const lang of ['cs']) {
    const config = { lang, showDialControl: true, showBottomMenu: true, identifyIP: true };
    await withPage({ name: `narrow-${lang}`, config, css: 'body { margin: 0; }' }, async (page, bar) => {
      await page.evaluate(() => window.ucsOperator.login('agent1', 'demo'));
      await bar.locator('button.status').waitFor();
      await bar.locator('input[name=number]').waitFor();
      for (const width of [320, 340, 360, 400, 480]) {
        await page.setViewportSize({ width, height: 800 });
        await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
        assert.deepEqual(await overflowing(bar), [], `${lang} at ${width} px: nothing sticks out`);
        assert.deepEqual(await clipped(bar), [], `${lang} at ${width} px: nothing is cut off`);
        await shot(page, `27-ready-dial-${lang}-${width}px`);
      }
      // A call with its controls, ringing and then connected.
      await page.evaluate(() => window.ucsOperator.changeStatus('READY'));
      await ucsd.rest('POST', '/api/v1.0/sandbox/calls', { from: '+420 777 000 444', queue: 1, caller_name: 'Jana Dlouhé-Jméno Nováková-Svobodová' });
      await bar.locator('.call.cs-2').waitFor();
      for (const state of ['ringing', 'connected']) {
        if (state === 'connected') {
          await page.evaluate(() => window.ucsOperator.answer());
          await bar.locator('.call.cs-3').waitFor();
        }
        for (const width of [320, 360]) {
          await page.setViewportSize({ width, height: 800 });
          await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
          assert.deepEqual(await overflowing(bar), [], `${state} call at ${width} px: nothing sticks out`);
          assert.deepEqual(await clipped(bar), [], `${state} call at ${width} px: nothing is cut off`);
          await shot(page, `28-${state}-${lang}-${width}px`);
        }
      }
      await page.evaluate(() => window.ucsOperator.hangup());
      await bar.locator('.idle').waitFor();
    }, { width: 320, height: 800 });
  }
});

async function axe(page, label) {
  await page.addScriptTag({ path: AXE });
  const { violations, shadowChecks } = await page.evaluate(() =>
    window.axe.run({ include: [['#ucsOperator']] }).then((r) => ({
      violations: r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => JSON.stringify(n.target)).slice(0, 3) })),
      // A target path of two selectors is an element inside the shadow root: axe did look in.
      shadowChecks: r.passes.reduce((n, rule) => n + rule.nodes.filter((node) => Array.isArray(node.target[0]) || node.target.length > 1).length, 0),
    })),
  );
  assert.ok(shadowChecks > 10, `${label}: axe-core checked ${shadowChecks} elements inside the shadow root`);
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `${label}: axe-core found serious or critical violations`);
  if (violations.length) console.log(`axe (${label}), minor/moderate:`, JSON.stringify(violations));
  return violations;
}

test('axe-core finds no serious or critical violations', { timeout: 120_000 }, async () => {
  await withPage({ name: 'axe', config: { showDialControl: true, showBottomMenu: true, listDevices: true } }, async (page, bar) => {
    await bar.getByLabel(EN.username, { exact: true }).waitFor();
    await axe(page, 'login');
    await page.evaluate(() => window.ucsOperator.login('agent3', 'wrong').catch(() => null));
    await bar.locator('.notes .t-error').waitFor();
    await axe(page, 'login error');
    await page.evaluate(() => window.ucsOperator.login('agent3', 'demo'));
    await bar.locator('select[name=identifier]').waitFor();
    await axe(page, 'identify');
    await page.evaluate(() => window.ucsOperator.selectIdentifier('103'));
    await bar.locator('button.status').waitFor();
    await page.evaluate(() => window.ucsOperator.changeStatus('READY'));
    await ucsd.rest('POST', '/api/v1.0/sandbox/calls', { from: '777000222', queue: 2 });
    await bar.locator('.call.cs-2').waitFor();
    await bar.getByRole('button', { name: CS.queues }).click();
    await page.evaluate(() => window.ucsOperator.notify('Check the order', 'info'));
    await bar.locator('.note').waitFor();
    await axe(page, 'ringing call, queues panel, notification');
    await bar.locator('button.status').click();
    await bar.getByRole('menu').waitFor();
    await axe(page, 'status menu');
    await shot(page, '23-axe-ready');
    await page.keyboard.press('Escape');
    // Between the side panel and a wide top bar nothing overflows either.
    for (const width of [640, 800, 1000]) {
      await page.setViewportSize({ width, height: 800 });
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      assert.deepEqual(await overflowing(bar), [], `at ${width} px`);
      // At 1000 px the top bar once cut "Rozhodne UCS" in the caller-ID choice to "Rozhodne U".
      assert.deepEqual(await clipped(bar), [], `at ${width} px: no control cuts its text`);
      await shot(page, `26-ready-${width}px`);
    }
  });
});
