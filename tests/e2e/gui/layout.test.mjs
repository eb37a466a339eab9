// The user's layout in the bar (issue 14, item 12): ucsd keeps each user's tabs, the bar shows them after
// its own, and sso(username, token, provider) opens the tab of that name ("if in the layout user there is
// a tab with the same name, then it is activated"). agent1's demo tab "Acme CRM" shows a page ucsd --demo
// serves itself (/tabs/acme.html) in a sandboxed frame, created the first time the tab is shown.
// Screenshots: test-results/gui/layout-*.png, wide and in a 320 px side panel.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freshSsoToken } from '../support/harness.mjs';
import { guiSuite, shot, STRINGS, watchPage, WAIT_MS } from './support.mjs';

const CS = STRINGS.cs; // the demo users' locale: after login the bar speaks Czech
const env = guiSuite();

// A CRM page with the bar (identifyIP pairs desk phone 101), logged in by the documented sso() call.
async function withSso(name, username, provider, fn, viewport = { width: 1100, height: 900 }) {
  const context = await env.browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  const problems = watchPage(page);
  try {
    await page.goto(env.crm.page({ ucsd: env.ucsd, config: { identifyIP: true } }));
    const bar = page.locator('#ucsOperator');
    await bar.locator('input[name=username]').waitFor(); // CREDENTIALS: onCredentials has fired
    const token = freshSsoToken(username);
    await page.evaluate(([u, t, p]) => window.ucsOperator.sso(u, t, p), [username, token, provider]);
    await bar.locator('.bar[data-state=READY]').waitFor();
    await fn(page, bar);
    assert.deepEqual(problems, []);
  } catch (error) {
    await page.screenshot({ path: `test-results/gui/FAILED-${name}.png` }).catch(() => {});
    throw new Error(`${error.message}\npage problems: ${problems.join('\n')}`, { cause: error });
  } finally {
    await context.close();
  }
}

const tab = (bar, label) => bar.locator('.tabs button.tab', { hasText: label });
const frames = (bar) => bar.locator('.frames iframe');

// Nothing of the bar sticks out of its box, nor out of the page (the 320 px side panel).
async function assertNoOverflow(page) {
  const overflow = await page.evaluate(() => {
    const root = document.getElementById('ucsOperator').shadowRoot;
    const bar = root.querySelector('.bar');
    const box = bar.getBoundingClientRect();
    const out = [];
    for (const el of root.querySelectorAll('.bar *')) {
      const r = el.getBoundingClientRect();
      if (r.width && (r.right > box.right + 0.5 || r.left < box.left - 0.5)) out.push(`${el.tagName}.${el.className}`);
    }
    return { out, page: document.documentElement.scrollWidth - document.documentElement.clientWidth };
  });
  assert.deepEqual(overflow.out, []);
  assert.ok(overflow.page <= 0, `the page scrolls sideways by ${overflow.page} px`);
}

test("sso(agent1, token, 'Acme CRM') opens agent1's Acme CRM tab with the demo page in a sandboxed frame", { timeout: 180_000 }, async () => {
  await withSso('layout-acme', 'agent1', 'Acme CRM', async (page, bar) => {
    const acme = tab(bar, 'Acme CRM');
    await acme.waitFor();
    assert.equal(await acme.getAttribute('aria-expanded'), 'true', 'the provider tab is the active one');
    for (const name of ['queues', 'history', 'stats', 'settings']) {
      assert.equal(await tab(bar, CS[name]).getAttribute('aria-expanded'), 'false', `the bar's own tab ${name} stays and is not active`);
    }
    assert.equal(await frames(bar).count(), 1);
    const frame = frames(bar).first();
    await frame.waitFor({ state: 'visible' });
    // The CRM page (another origin than ucsd's) keeps the tab's origin; no permissions, no referrer.
    assert.equal(await frame.getAttribute('sandbox'), 'allow-scripts allow-forms allow-popups allow-same-origin');
    assert.equal(await frame.getAttribute('referrerpolicy'), 'no-referrer');
    assert.equal(await frame.getAttribute('allow'), '');
    assert.equal(await frame.getAttribute('title'), 'Acme CRM');
    assert.equal(await frame.getAttribute('src'), `${env.ucsd.origin}/tabs/acme.html`);
    const content = bar.frameLocator('iframe[title="Acme CRM"]');
    assert.equal(await content.locator('#acme-title').textContent(), 'Acme CRM · customer desk');
    assert.equal(await content.locator('tbody tr').count(), 3);
    const frameBox = await frame.boundingBox();
    assert.ok(frameBox.height >= 320, `the page gets room: ${frameBox.height} px`);
    await shot(page, 'layout-01-acme-tab-wide');

    // Another tab hides the page without reloading it; back again, the same document is there.
    await content.locator('body').evaluate((body) => { body.dataset.visited = 'yes'; });
    await tab(bar, CS.queues).click();
    assert.equal(await acme.getAttribute('aria-expanded'), 'false');
    await bar.locator('#ucs-panel').waitFor({ state: 'visible' });
    assert.equal(await frame.isVisible(), false);
    await acme.click();
    await frame.waitFor({ state: 'visible' });
    assert.equal(await content.locator('body').getAttribute('data-visited'), 'yes', 'not reloaded');
    assert.equal(await frames(bar).count(), 1);

    // A 320 px side panel: the tabs wrap, the page takes the width, nothing sticks out.
    await page.setViewportSize({ width: 320, height: 900 });
    await page.waitForTimeout(200);
    await assertNoOverflow(page);
    const narrow = await frame.boundingBox();
    const barBox = await bar.boundingBox();
    assert.ok(narrow.width <= barBox.width && narrow.width >= barBox.width - 4, `frame ${narrow.width} px in a ${barBox.width} px bar`);
    await shot(page, 'layout-02-acme-tab-320');

    // Escape closes the tab like the bar's own ones: the default view again.
    await acme.focus();
    await page.keyboard.press('Escape');
    assert.equal(await acme.getAttribute('aria-expanded'), 'false');
    assert.equal(await frame.isVisible(), false);
  });
});

test('a provider with no tab of its name leaves the default view, and the frame waits until its tab is shown', { timeout: 180_000 }, async () => {
  await withSso('layout-other', 'agent1', 'Other CRM', async (page, bar) => {
    const acme = tab(bar, 'Acme CRM');
    await acme.waitFor();
    await bar.locator('.calls').waitFor({ state: 'visible' });
    for (const button of await bar.locator('.tabs button.tab').all()) {
      assert.equal(await button.getAttribute('aria-expanded'), 'false', await button.textContent());
    }
    assert.equal(await bar.locator('#ucs-panel').isVisible(), false);
    assert.equal(await frames(bar).count(), 0, 'no frame before the tab is shown');
    await shot(page, 'layout-03-other-provider-default-view');
    await acme.click();
    await frames(bar).first().waitFor({ state: 'visible' });
    assert.equal(await bar.frameLocator('iframe[title="Acme CRM"]').locator('#acme-title').textContent(), 'Acme CRM · customer desk');
  });
});

test('a layout set through the sandbox API is checked, survives a ucsd restart, and its tab opens by sso', { timeout: 180_000 }, async () => {
  await assert.rejects(
    env.ucsd.rest('POST', '/api/v1.0/sandbox/users/agent2/layout', { layout: [{ name: 'Evil', url: 'javascript:alert(1)' }] }),
    (error) => /400/.test(error.message) && /"field":"layout\[0\]\.url"/.test(error.message) && /only http:\/\/ and https:\/\//.test(error.message),
  );
  const layout = [
    { name: 'Helpdesk', url: `${env.ucsd.origin}/tabs/acme.html` },
    { name: 'Wiki', url: 'https://wiki.example.invalid/' },
  ];
  assert.deepEqual(await env.ucsd.rest('POST', '/api/v1.0/sandbox/users/agent2/layout', { layout }), { username: 'agent2', layout });

  await env.ucsd.restart();
  assert.deepEqual(await env.ucsd.rest('GET', '/api/v1.0/sandbox/users/agent2/layout'), { username: 'agent2', layout });
  assert.equal((await env.ucsd.rest('GET', '/api/v1.0/sandbox/users/agent1/layout')).layout[0].name, 'Acme CRM', 'the demo tab stays too');

  await withSso('layout-restart', 'agent2', 'Helpdesk', async (page, bar) => {
    const helpdesk = tab(bar, 'Helpdesk');
    await helpdesk.waitFor();
    assert.equal(await helpdesk.getAttribute('aria-expanded'), 'true');
    assert.equal(await tab(bar, 'Wiki').getAttribute('aria-expanded'), 'false');
    await frames(bar).first().waitFor({ state: 'visible' });
    assert.equal(await frames(bar).count(), 1, 'only the shown tab has a frame');
    assert.equal(await bar.frameLocator('iframe[title="Helpdesk"]').locator('#acme-title').textContent(), 'Acme CRM · customer desk');
    await page.setViewportSize({ width: 320, height: 900 });
    await page.waitForTimeout(200);
    await assertNoOverflow(page);
    await shot(page, 'layout-04-after-restart-320');
  });
});
