// Mouth-to-ear on loopback: agent A's capture -> ucsd -> agent B's playout, two bars in one headless
// Chromium (two browser contexts), agent1 on softphone 201 calling agent2 on softphone 202. Both fake
// microphones play a 1 kHz tone; A is muted (its track disabled: its worklet captures silence), then
// unmuted. With the probe on (web/audio/media-worklet.js), A's worklet stamps the quantum where sound
// starts in its capture and B's worklet the quantum where it starts in its playout; both stamps are
// put on one clock (the pages' performance.timeOrigin + getOutputTimestamp). The difference is
// capture worklet -> Opus -> socket -> ucsd -> socket -> jitter buffer -> playout worklet, without the
// sound devices' own buffers (timestamps at the worklets).
//   node bench/media-latency.mjs [--rounds=20]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { readyOnPhone } from '../tests/e2e/support/call-audio.mjs';
import { Bar, CrmServer, Ucsd, fakeMicrophoneArgs, launchBrowser, requireBundle } from '../tests/e2e/support/harness.mjs';
import { writeToneWav } from '../tests/e2e/support/tones.mjs';
import { benchUcsd, isMain, machine, ms, option, percentile, printTable } from './lib.mjs';

const tap = (bar, fn, arg) => bar.page.evaluate(([f, a]) => {
  const t = window[Symbol.for('ucsOperator.audioTap')];
  return f === 'probe' ? t.probe(a) : f === 'onsets' ? t.onsets() : t.media();
}, [fn, arg]);

async function waitFor(what, check, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(20);
  }
}

export async function measure({ rounds = option('rounds', 20) } = {}) {
  requireBundle();
  process.env.UCSD ||= benchUcsd();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ucs-media-bench-'));
  const wav = path.join(dir, 'tone.wav');
  writeToneWav(wav, 1000);
  const ucsd = await new Ucsd().start();
  const crm = await new CrmServer().start();
  const browser = await launchBrowser(fakeMicrophoneArgs(wav));
  const env = { ucsd, crm };
  const quiet = { diagnostic() {} };
  const samples = [];
  let stats = null;
  try {
    const open = async (user, line) => {
      const context = await browser.newContext();
      return readyOnPhone(new Bar(env, context, await context.newPage(), quiet), env, user, line);
    };
    const a = await open('agent1', '201');
    const b = await open('agent2', '202');
    await a.ok('dial', '202');
    await b.wait('onCallRinging');
    await b.ok('answer');
    await a.wait('onCallConnect');
    await waitFor('the media path on both sides', async () => (await tap(a, 'media'))?.played > 10 && (await tap(b, 'media'))?.played > 10);
    for (let i = 0; i < rounds; i++) {
      await a.ok('mute');
      await delay(500); // B's jitter buffer plays out what was in flight, then silence frames
      await tap(a, 'probe', true);
      await tap(b, 'probe', true);
      await delay(300); // both probes have seen >= 200 ms of silence
      await a.ok('mute'); // unmute: A's track is enabled again, its worklet captures the tone
      const captured = await waitFor('the capture onset at A', async () => (await tap(a, 'onsets')).find((o) => o.kind === 'capture'));
      const played = await waitFor('the playout onset at B', async () => (await tap(b, 'onsets')).find((o) => o.kind === 'playout'));
      samples.push(played.at - captured.at);
      await tap(a, 'probe', false);
      await tap(b, 'probe', false);
    }
    stats = await tap(b, 'media');
  } finally {
    await browser.close();
    await crm.stop();
    await ucsd.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return [
    {
      bench: 'media',
      metric: 'mouth-to-ear, capture worklet -> playout worklet',
      value: `p50 ${ms(percentile(samples, 50))}, p95 ${ms(percentile(samples, 95))}`,
      note: `${samples.length} unmutes, agent1 (201) -> agent2 (202) through ucsd on loopback; goal <= 80 ms p95`,
    },
    {
      bench: 'media',
      metric: '  the receiving jitter buffer at the end',
      value: `${stats?.delayMs ?? '?'} ms`,
      note: `concealed ${stats?.concealed ?? '?'}, late ${stats?.late ?? '?'}, lost ${stats?.lost ?? '?'} of ${stats?.received ?? '?'} frames`,
    },
  ];
}

if (isMain(import.meta.url)) {
  console.log(`# bench/media-latency — ucsd ${benchUcsd()}\n# ${machine()}`);
  printTable(await measure());
}
