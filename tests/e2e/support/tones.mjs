// Audio helpers for the call-audio tests and benchmarks: a WAV of a known tone for Chromium's fake
// microphone (--use-file-for-fake-audio-capture), reading ucsd's WAVs, and Goertzel to ask "is this
// frequency there?" on what was heard or played.
import assert from 'node:assert/strict';
import fs from 'node:fs';

// `seconds` of a sine of `hz` at `rate`, 16-bit mono, amplitude 0.5; Chromium loops the file.
export function writeToneWav(file, hz, { seconds = 2, rate = 48000 } = {}) {
  const n = seconds * rate;
  const data = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) data.writeInt16LE(Math.round(0.5 * 32767 * Math.sin((2 * Math.PI * hz * i) / rate)), i * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  fs.writeFileSync(file, Buffer.concat([header, data]));
}

// 16-bit mono PCM of a WAV as floats, and its rate.
export function wavSamples(buffer) {
  assert.equal(buffer.toString('ascii', 0, 4), 'RIFF');
  let offset = 12, rate = 0;
  while (offset + 8 <= buffer.length) {
    const id = buffer.toString('ascii', offset, offset + 4);
    const size = buffer.readUInt32LE(offset + 4);
    if (id === 'fmt ') rate = buffer.readUInt32LE(offset + 12);
    if (id === 'data') {
      const samples = new Float32Array(Math.floor(Math.min(size, buffer.length - offset - 8) / 2));
      for (let i = 0; i < samples.length; i++) samples[i] = buffer.readInt16LE(offset + 8 + i * 2) / 32768;
      return { rate, samples };
    }
    offset += 8 + size + (size & 1);
  }
  throw new Error('no data chunk in the WAV');
}

// Goertzel (as src/media/tone_detector.hpp): the power at `hz` as the squared amplitude of a sinusoid
// there, its share of the block's total power (about 1 for a pure tone there, near 0 for other tones,
// silence or noise), and the block's rms.
export function goertzel(samples, rate, hz) {
  const k = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let s1 = 0, s2 = 0, energy = 0;
  for (const x of samples) {
    const s0 = x + k * s1 - s2;
    s2 = s1;
    s1 = s0;
    energy += x * x;
  }
  const n = samples.length;
  const power = ((s1 * s1 + s2 * s2 - k * s1 * s2) * 4) / (n * n);
  const total = (2 * energy) / n;
  return { power, share: total > 1e-12 ? power / total : 0, rms: Math.sqrt(energy / n) };
}
