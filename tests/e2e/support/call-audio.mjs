// Call audio as the tests and benchmarks observe it (docs/media.md, "The bar's side"): what a simulated
// party heard (ucsd's GET .../heard WAV), what a page plays (the AnalyserNode on the bar's output, after
// the AudioWorklet: window[Symbol.for('ucsOperator.audioTap')]) and the media path's counters; and a bar
// READY on a softphone line. Tones are found with Goertzel (tones.mjs) against thresholds that a
// silent or wrong-frequency signal fails.
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { barPage } from './harness.mjs';
import { goertzel, wavSamples } from './tones.mjs';

// Chromium's noise suppression treats a steady tone as noise and fades it: off, so what the far end
// hears stays at the microphone's level.
export const CONSTRAINTS = { audioInputConstraints: { noiseSuppression: false, autoGainControl: false } };

// What the simulated party of call `uniqueid` heard from agents so far: {rate, samples}.
export async function heard(env, uniqueid) {
  const response = await fetch(`${env.ucsd.origin}/api/v1.0/sandbox/calls/${encodeURIComponent(uniqueid)}/heard`, {
    headers: { authorization: `Bearer ${await env.ucsd.token()}` },
  });
  assert.equal(response.status, 200);
  return wavSamples(Buffer.from(await response.arrayBuffer()));
}

// The last `seconds` the simulated party heard.
export async function heardTail(env, uniqueid, seconds) {
  const { rate, samples } = await heard(env, uniqueid);
  const n = Math.floor(rate * seconds);
  assert.ok(samples.length >= n, `the caller heard ${samples.length / rate} s, less than ${seconds} s`);
  return { rate, samples: samples.subarray(samples.length - n) };
}

// Does `tail` ({rate, samples}) carry `hz`: its share of the power and a level above a whisper.
export const carries = (tail, hz) => {
  const g = goertzel(tail.samples, tail.rate, hz);
  return g.share > 0.6 && g.rms > 0.01;
};

// What the page plays now: the tap's analyser window (2048 samples) per output.
export async function played(bar) {
  const outputs = await bar.page.evaluate(() => window[Symbol.for('ucsOperator.audioTap')].samples());
  assert.ok(outputs.length > 0, 'the bar has an audio output');
  return outputs.map((o) => ({ rate: o.rate, samples: Float32Array.from(o.data) }));
}

export const playsTone = (outputs, hz) => outputs.some((o) => carries(o, hz));
export const playsNothing = (outputs) => outputs.every((o) => goertzel(o.samples, o.rate, 1000).rms < 0.001);

// The media path's counters (media_module.cpp's ucs_media_stat), null while nothing is attached.
export const mediaStats = (bar) => bar.page.evaluate(() => window[Symbol.for('ucsOperator.audioTap')].media());

// Polls `check` until it returns true; returns the milliseconds it took.
export async function until(what, check, timeoutMs = 5_000) {
  const start = Date.now();
  let last;
  while (Date.now() - start < timeoutMs) {
    last = await check();
    if (last === true) return Date.now() - start;
    await delay(40);
  }
  throw new Error(`waited ${timeoutMs} ms for ${what}${last && last !== false ? `: ${JSON.stringify(last)}` : ''}`);
}

// Opens a headless bar for `user`, pairs phone `line` (201..204 are softphones) and goes READY (the
// ACD offers it calls).
//   options  more window.ucsOperator parameters; headers, apiPort as barPage's
export async function readyOnPhone(bar, env, user, line, { options = {}, headers = {}, apiPort } = {}) {
  await bar.open(barPage(env, { options: { headless: true, ...CONSTRAINTS, ...options }, headers, apiPort }));
  await bar.ready(user, line);
  await bar.ok('changeStatus', 'READY');
  await bar.wait('onStateChange', { where: { status: 'READY' } });
  return bar;
}

// The recording of call `uniqueid` as `user` fetches it from `page` (a CRM page: another origin than
// ucsd, as browsers fetch it). The page opens a control session of its own (hello, sso with `ssoToken`,
// identifier `phone`, provision), asks recordingUrl for its signed path, logs out, then GETs and HEADs
// the URL; the bar's own engine keeps recordingUrl for its GUI, so a page has no other way to a token.
// Returns {get: {status, type, length, magic, code}, head: {status, length, bodyBytes}}.
export function fetchRecordingAs(page, env, { user, ssoToken, phone, uniqueid }) {
  return page.evaluate(async ({ port, user: username, token, phone: identifier, uniqueid: id }) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    const pending = new Map();
    let next = 1;
    ws.onmessage = (event) => {
      const message = JSON.parse(event.data);
      const settle = message.id !== undefined && pending.get(message.id);
      if (!settle) return; // events
      pending.delete(message.id);
      settle(message);
    };
    await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = () => reject(new Error('no control socket')); });
    const request = (method, params = {}) => new Promise((resolve, reject) => {
      const id = next++;
      pending.set(id, (m) => (m.error ? reject(new Error(`${method}: ${JSON.stringify(m.error)}`)) : resolve(m.result)));
      ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    });
    await request('hello', { protocol: 'ucs-agent/1', client: 'e2e-recording' });
    await request('sso', { username, token });
    await request('identifier', { identifier });
    await request('provision');
    const { path } = await request('recordingUrl', { uniqueid: id });
    await request('logout').catch(() => {});
    ws.close();
    const url = `http://127.0.0.1:${port}${path}`;
    const got = await fetch(url);
    const bytes = new Uint8Array(await got.arrayBuffer());
    let code = null;
    if (!got.ok) code = JSON.parse(new TextDecoder().decode(bytes)).error.code;
    const head = await fetch(url, { method: 'HEAD' });
    // Decoded as the page's <audio> would play it: Chromium's own Ogg Opus decoder, at 16 kHz.
    let decoded = null;
    if (got.ok) {
      const buffer = await new OfflineAudioContext(1, 16000, 16000).decodeAudioData(bytes.buffer.slice(0));
      decoded = { channels: buffer.numberOfChannels, rate: buffer.sampleRate, samples: [] };
      for (let c = 0; c < buffer.numberOfChannels; c++) decoded.samples.push(Array.from(buffer.getChannelData(c)));
    }
    return {
      decoded,
      get: { status: got.status, type: got.headers.get('content-type'), length: bytes.length, magic: String.fromCharCode(...bytes.slice(0, 4)), code },
      head: { status: head.status, length: Number(head.headers.get('content-length')), bodyBytes: (await head.arrayBuffer()).byteLength },
    };
  }, { port: env.ucsd.port, user, token: ssoToken, phone, uniqueid });
}
