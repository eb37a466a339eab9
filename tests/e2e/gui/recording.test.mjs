// A recorded call in the GUI's history (issue 10, item 4): agent1 takes a call of the recorded Support
// queue from a simulated caller playing 440 Hz; after it, the history row has a play button that asks
// ucsd for a signed URL (recordingUrl) and shows an <audio controls> whose src fetches 200 audio/ogg,
// which Chromium itself loads as playable audio. Screenshot: test-results/gui/recording-history.png.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freshSsoToken } from '../support/harness.mjs';
import { guiSuite, shot, STRINGS, watchPage, WAIT_MS } from './support.mjs';

const CS = STRINGS.cs; // the demo users' locale: after login the bar speaks Czech
const env = guiSuite();

test('the history plays the recording of a recorded call', { timeout: 180_000 }, async () => {
  const context = await env.browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  const problems = watchPage(page);
  try {
    await page.goto(env.crm.page({ ucsd: env.ucsd, config: { identifyIP: true } }));
    const bar = page.locator('#ucsOperator');
    await bar.locator('input[name=username]').waitFor();
    await page.evaluate(([u, t]) => window.ucsOperator.sso(u, t), ['agent1', freshSsoToken('agent1')]);
    await bar.locator('.bar[data-state=READY]').waitFor();
    await page.evaluate(() => window.ucsOperator.changeStatus('READY')); // the ACD offers calls

    const { uniqueid } = await env.ucsd.rest('POST', '/api/v1.0/sandbox/calls', { from: '601234567', queue: 1, audio: { tone: 440 } });
    await page.waitForFunction(() => {
      const b = document.getElementById('ucsOperator').shadowRoot.querySelector('.a-answer');
      return b && !b.disabled;
    });
    await page.evaluate(() => window.ucsOperator.answer());
    await bar.locator('.call.cs-3').waitFor();
    await page.waitForTimeout(2000); // 2 s of the caller's tone
    await env.ucsd.rest('POST', `/api/v1.0/sandbox/calls/${uniqueid}/hangup`);
    await bar.locator('.idle').waitFor();
    await page.waitForTimeout(500); // the file's last page is written

    await bar.getByRole('button', { name: CS.history }).click();
    await bar.getByRole('button', { name: `${CS.recording}: 601234567` }).click();
    const audio = bar.locator('audio.recording');
    await audio.waitFor();
    const src = await audio.getAttribute('src');
    assert.match(src, new RegExp(`^http://127\\.0\\.0\\.1:${env.ucsd.port}/recordings/${uniqueid.replace(/\./g, '\\.')}\\?token=`));
    assert.equal(await audio.getAttribute('controls'), '');

    // What the element fetches: 200 audio/ogg, from the CRM's page (another origin) as the browser does.
    const fetched = await page.evaluate(async (url) => {
      const r = await fetch(url);
      const bytes = new Uint8Array(await r.arrayBuffer());
      return { status: r.status, type: r.headers.get('content-type'), magic: String.fromCharCode(...bytes.slice(0, 4)), size: bytes.length };
    }, src);
    assert.deepEqual({ status: fetched.status, type: fetched.type, magic: fetched.magic }, { status: 200, type: 'audio/ogg', magic: 'OggS' });
    // Chromium itself reads it as audio of about the call's length.
    const duration = await page.waitForFunction(() => {
      const el = document.getElementById('ucsOperator').shadowRoot.querySelector('audio.recording');
      return el && el.readyState >= 1 && Number.isFinite(el.duration) && el.duration > 0 ? el.duration : false;
    });
    const seconds = await duration.jsonValue();
    assert.ok(seconds > 1.5 && seconds < 10, `recording of ${seconds} s`);
    await shot(page, 'recording-history');
    assert.deepEqual(problems, []);
  } catch (error) {
    await page.screenshot({ path: `test-results/gui/FAILED-recording.png` }).catch(() => {});
    throw new Error(`${error.message}\npage problems: ${problems.join('\n')}`, { cause: error });
  } finally {
    await context.close();
  }
});
