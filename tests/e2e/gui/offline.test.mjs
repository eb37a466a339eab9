// The agent bar GUI when UCS goes away: the bar stays as it was, says the connection is lost and turns
// its top bar red, while the engine keeps reconnecting (the engine's reconnect itself is covered by
// tests/e2e/reconnect.test.mjs). Also: the bar never takes the page's focus by itself, and follows a
// renderTo element the CRM replaced.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchBrowser, shot, startCrm, startUcsd, STRINGS, watchPage, WAIT_MS } from './support.mjs';

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

test('a lost connection is shown in the bar', { timeout: 120_000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1100, height: 600 } });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  const problems = watchPage(page);
  try {
    await page.goto(crm.page({ ucsd, config: {} }));
    const bar = page.locator('#ucsOperator');
    await bar.locator('input[name=username]').waitFor();
    // A CRM field that has the focus keeps it: the bar does not pull focus to itself.
    assert.equal(await page.evaluate(() => document.activeElement === document.body || document.activeElement.id === 'ucsOperator'), true);
    await page.evaluate(() => window.ucsOperator.login('agent1', 'demo'));
    await page.evaluate(() => window.ucsOperator.selectIdentifier('101'));
    await bar.locator('button.status').waitFor();
    assert.equal(await bar.locator('.banner').isHidden(), true);
    // A CRM that re-renders its page replaces the element: the bar draws itself into the new one.
    await page.evaluate(() => {
      const fresh = document.createElement('div');
      fresh.id = 'ucsOperator';
      document.getElementById('ucsOperator').replaceWith(fresh);
      return window.ucsOperator.changeStatus('READY');
    });
    await bar.locator('button.status', { hasText: STRINGS.cs.READY }).waitFor();
    ucsd.stop();
    const banner = bar.locator('.banner', { hasText: STRINGS.cs.disconnected });
    await banner.waitFor();
    await shot(page, '25-connection-lost');
    assert.deepEqual(problems, []);
  } catch (error) {
    await page.screenshot({ path: 'test-results/gui/FAILED-offline.png' }).catch(() => {});
    throw new Error(`${error.message}\npage problems: ${problems.join('\n')}`, { cause: error });
  } finally {
    await context.close();
  }
});
