// web/audio/media-worklet.js: the softphone's audio thread (served as operator-media-v<version>.js and
// loaded with audioWorklet.addModule by web/audio/softphone.js, only in the tab that owns a paired
// softphone's audio). It runs the codec module (bindings/media_module.cpp: resampling, Opus, framing,
// jitter buffer) on every 128-sample render quantum, so capture and playout never wait for the page's
// main thread. Frames travel over this node's MessagePort to and from the media socket.
//
// processorOptions: {module: WebAssembly.Module}   compiled by the page from operator-media-v*.wasm
// port in:  {attach: stream} | {detach: true} | {mute: bool} | {stats: id} | {probe: bool}
//           | ArrayBuffer (a frame from ucsd)
// port out: ArrayBuffer (a frame to send) | {stats: id, values: [...]} | {error: text}
//           | {onset: 'capture' | 'playout', time}   with the probe on (bench/media-latency.mjs): sound
//             after at least 200 ms of silence began in this quantum (currentTime, seconds)
/* global sampleRate, currentTime, registerProcessor, AudioWorkletProcessor */
'use strict';

class UcsMediaProcessor extends AudioWorkletProcessor {
  constructor(options) {
    super();
    this.ready = false;
    this.capturing = false;
    this.probe = null; // {capture: quietSince, playout: quietSince} while the latency probe is on
    try {
      // Every import the module might name is a stub: nothing it calls at run time needs JS.
      const stubs = {};
      for (const entry of WebAssembly.Module.imports(options.processorOptions.module)) {
        stubs[entry.module] = stubs[entry.module] || {};
        stubs[entry.module][entry.name] = () => 0;
      }
      const instance = new WebAssembly.Instance(options.processorOptions.module, stubs);
      const wasm = (this.wasm = instance.exports);
      if (wasm._initialize) wasm._initialize();
      const status = wasm.ucs_media_init(sampleRate);
      if (status !== 0) throw new Error('the codec module cannot run at ' + sampleRate + ' Hz (' + status + ')');
      const memory = wasm.memory.buffer; // fixed size: the views stay valid
      this.capacity = wasm.ucs_media_block_capacity();
      this.input = new Float32Array(memory, wasm.ucs_media_input(), this.capacity);
      this.output = new Float32Array(memory, wasm.ucs_media_output(), this.capacity);
      this.inbox = new Uint8Array(memory, wasm.ucs_media_inbox(), 1287);
      this.outbox = wasm.ucs_media_outbox();
      this.outboxSizes = new Uint32Array(memory, wasm.ucs_media_outbox_sizes(), 8);
      this.memory = memory;
      this.ready = true;
    } catch (e) {
      this.port.postMessage({ error: String((e && e.message) || e) });
    }
    this.port.onmessage = (event) => this.message(event.data);
  }

  now() {
    return currentTime * 1000;
  }

  message(data) {
    if (!this.ready) return;
    const wasm = this.wasm;
    if (data instanceof ArrayBuffer) {
      if (data.byteLength > this.inbox.length) return;
      this.inbox.set(new Uint8Array(data));
      wasm.ucs_media_receive(data.byteLength, this.now());
    } else if ('attach' in data) {
      wasm.ucs_media_attach(data.attach);
    } else if ('detach' in data) {
      wasm.ucs_media_detach();
    } else if ('mute' in data) {
      wasm.ucs_media_mute(data.mute ? 1 : 0);
    } else if ('probe' in data) {
      this.probe = data.probe ? { capture: null, playout: null } : null;
    } else if ('stats' in data) {
      const values = [];
      for (let i = 0; i < 12; i++) values.push(wasm.ucs_media_stat(i));
      this.port.postMessage({ stats: data.stats, values });
    }
  }

  // Timestamps at the worklet for mouth-to-ear figures: where sound starts after silence.
  onset(kind, samples) {
    let energy = 0;
    for (let i = 0; i < samples.length; i++) energy += samples[i] * samples[i];
    const loud = Math.sqrt(energy / samples.length) > 0.01;
    const quietSince = this.probe[kind];
    if (!loud) {
      if (quietSince === null) this.probe[kind] = currentTime;
      return;
    }
    if (quietSince !== null && currentTime - quietSince >= 0.2) this.port.postMessage({ onset: kind, time: currentTime });
    this.probe[kind] = null;
  }

  process(inputs, outputs) {
    if (!this.ready) return true;
    const wasm = this.wasm;
    const channel = inputs[0] && inputs[0][0];
    if (channel && channel.length) {
      this.capturing = true;
      const n = Math.min(channel.length, this.capacity);
      this.input.set(n === channel.length ? channel : channel.subarray(0, n));
      const frames = wasm.ucs_media_capture(n);
      for (let i = 0; i < frames; i++) {
        const size = this.outboxSizes[i];
        const start = this.outbox + i * 1287;
        const frame = this.memory.slice(start, start + size);
        this.port.postMessage(frame, [frame]);
      }
    } else if (this.capturing) {
      this.capturing = false; // no microphone any more: the next frame says restart
      wasm.ucs_media_pause();
    }
    const out = outputs[0];
    if (out && out[0]) {
      const n = Math.min(out[0].length, this.capacity);
      wasm.ucs_media_render(n, this.now());
      for (let c = 0; c < out.length; c++) out[c].set(this.output.subarray(0, n));
    }
    if (this.probe) {
      this.onset('capture', channel && channel.length ? channel : new Float32Array(128));
      if (out && out[0]) this.onset('playout', out[0]);
    }
    return true;
  }
}

registerProcessor('ucs-media', UcsMediaProcessor);
