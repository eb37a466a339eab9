// web/audio/softphone.js: the softphone's hands in the page. The engine decides what sounds and when the
// microphone is needed (src/agent/softphone.cpp); the wasm renders every tone (src/audio/tones.cpp). This
// file only carries that out with WebAudio and getUserMedia, and reports back what the browser allowed.
//
//   createUcsAudio(tonePcm, report, assets)
//     tonePcm(name, sampleRate) -> Float32Array   one cycle of a tone, from the wasm
//     assets.mediaWasm, assets.mediaWorklet       URLs of the codec module and its AudioWorklet script
//                                                 (fetched only on the first attachMedia)
//     report.output(running)                      the browser lets the bar's audio play (autoplay)
//     report.microphone(ok, why)                  getUserMedia answered
//     report.owner(owner)                         this tab holds the agent's media lock, or another tab does
//
// AudioContexts are made on first need (a softphone paired, a sound to play), one per chosen speaker.
// The agent's device choices (microphone, call speaker, ringtone speaker) are kept in localStorage and
// apply at once, to a call under way too.
// window[Symbol.for('ucsOperator.audioTap')] lets a CRM's test hear what the bar plays (AnalyserNodes on
// the bar's output) and see the microphone's track.
function createUcsAudio(tonePcm, report, assets) {
  'use strict';
  var STORE = 'ucsOperator.audioDevices';
  var AC = window.AudioContext || window.webkitAudioContext;
  var contexts = {}; // sinkId ('' = default) -> {ctx, analyser, input}
  var playing = null; // {source, ctx}
  var buffers = {}; // tone + rate -> AudioBuffer
  var microphone = { wanted: false, stream: null, muted: false, constraints: null, requests: 0 };
  // For the test tap: the last microphone track and the one before, so a test can see they were stopped.
  var lastTrack = null, previousTrack = null;
  var lastRunning = null;

  function prefs() {
    try {
      return JSON.parse(localStorage.getItem(STORE) || '{}') || {};
    } catch (e) {
      return {};
    }
  }
  function savePrefs(next) {
    try {
      localStorage.setItem(STORE, JSON.stringify(next));
    } catch (e) {
      // a sandboxed frame without storage: the choice lasts for this page only
    }
  }

  // ---- output ----
  function canChooseSpeaker() {
    return !!(AC && AC.prototype && 'setSinkId' in AC.prototype);
  }
  function running() {
    var names = Object.keys(contexts);
    if (!names.length) return !!(navigator.userActivation && navigator.userActivation.hasBeenActive);
    return names.every(function (k) { return contexts[k].ctx.state === 'running'; });
  }
  function tell() {
    var now = running();
    if (now === lastRunning) return;
    lastRunning = now;
    report.output(now);
  }
  function output(role) {
    var sink = canChooseSpeaker() ? prefs()[role === 'call' ? 'callSpeaker' : 'ringSpeaker'] || '' : '';
    var entry = contexts[sink];
    if (entry) return entry;
    if (!AC) return null;
    var ctx = new AC({ latencyHint: 'interactive' });
    if (sink) ctx.setSinkId(sink).catch(function (e) { console.warn('ucsOperator: cannot use the chosen speaker:', e); });
    var input = ctx.createGain();
    var analyser = ctx.createAnalyser();
    analyser.fftSize = 2048;
    input.connect(analyser);
    analyser.connect(ctx.destination);
    ctx.onstatechange = tell;
    entry = contexts[sink] = { ctx: ctx, input: input, analyser: analyser };
    tell();
    return entry;
  }
  function buffer(ctx, tone) {
    var key = tone + '@' + ctx.sampleRate;
    if (!buffers[key]) {
      var pcm = tonePcm(tone, ctx.sampleRate);
      var b = ctx.createBuffer(1, pcm.length, ctx.sampleRate);
      b.copyToChannel(pcm, 0);
      buffers[key] = b;
    }
    return buffers[key];
  }
  function stop() {
    if (!playing) return;
    try {
      playing.source.stop();
    } catch (e) {
      // already ended
    }
    playing.source.disconnect();
    playing = null;
  }
  // cycles 0: until stopped. A blocked context starts playing as soon as the agent unlocks it.
  function play(tone, cycles, speaker) {
    stop();
    var out = output(speaker);
    if (!out) return;
    var source = out.ctx.createBufferSource();
    source.buffer = buffer(out.ctx, tone);
    source.loop = true;
    source.connect(out.input);
    source.start();
    if (cycles > 0) source.stop(out.ctx.currentTime + cycles * source.buffer.duration);
    var mine = (playing = { source: source, ctx: out.ctx });
    source.onended = function () {
      if (playing === mine) playing = null;
    };
  }
  // The first gesture anywhere on the page lets audio play (browsers' autoplay rule).
  function unlock() {
    Object.keys(contexts).forEach(function (k) {
      if (contexts[k].ctx.state === 'suspended') contexts[k].ctx.resume().then(tell, tell);
    });
    setTimeout(tell, 0);
  }
  window.addEventListener('pointerdown', unlock, { capture: true, passive: true });
  window.addEventListener('keydown', unlock, { capture: true, passive: true });

  // ---- microphone ----
  function releaseStream(stream) {
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
  }
  function openMicrophone(constraints) {
    microphone.wanted = true;
    microphone.muted = false;
    microphone.constraints = constraints;
    if (microphone.stream) return report.microphone(true, '');
    var audio = {
      echoCancellation: constraints.echoCancellation,
      noiseSuppression: constraints.noiseSuppression,
      autoGainControl: constraints.autoGainControl,
    };
    var chosen = prefs().microphone;
    if (chosen) audio.deviceId = { ideal: chosen };
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return report.microphone(false, 'this page cannot use a microphone (it needs https or localhost)');
    }
    var request = ++microphone.requests;
    navigator.mediaDevices.getUserMedia({ audio: audio, video: false }).then(
      function (stream) {
        // The call ended meanwhile, or a later request (another device chosen) supersedes this one.
        if (!microphone.wanted || request !== microphone.requests) return releaseStream(stream);
        microphone.stream = stream;
        previousTrack = lastTrack;
        lastTrack = stream.getAudioTracks()[0] || null;
        stream.getAudioTracks().forEach(function (t) { t.enabled = !microphone.muted; });
        connectMicrophone();
        report.microphone(true, '');
      },
      function (e) {
        report.microphone(false, String((e && (e.message || e.name)) || e));
      });
  }
  function closeMicrophone() {
    microphone.wanted = false;
    disconnectMicrophone();
    releaseStream(microphone.stream);
    microphone.stream = null;
  }
  // Muted: the track is disabled, so nothing is captured (not only a flag), and the media path sends
  // silence frames.
  function muteMicrophone(muted) {
    microphone.muted = muted;
    if (microphone.stream) microphone.stream.getAudioTracks().forEach(function (t) { t.enabled = !muted; });
    if (media && media.node) media.node.port.postMessage({ mute: muted });
  }

  // ---- the call's audio: the media socket (docs/media.md, "The bar's side") ----
  // The AudioWorklet (web/audio/media-worklet.js) runs the codec module on the audio thread: capture,
  // Opus, framing, jitter buffer and playout never wait for this thread. The socket lives here: a
  // Worker cannot be made from ucsd's script URL on a CRM's origin, and a blob: Worker needs a CSP
  // that CRMs rarely grant. This thread only relays whole frames between the socket and the worklet's
  // port; when the page is busy they arrive in bursts, which the jitter buffer absorbs.
  var media = null; // {url, session, ws, node, source, retry, attached}
  var codecModule = null; // Promise<WebAssembly.Module>: fetched and compiled on the first attach only
  var QUEUE_FRAMES = 5; // frames: the send queue may hold 100 ms of audio (docs/media.md)

  function loadCodec(out) {
    if (!codecModule) {
      codecModule = WebAssembly.compileStreaming
        ? WebAssembly.compileStreaming(fetch(assets.mediaWasm))
        : fetch(assets.mediaWasm).then(function (r) { return r.arrayBuffer(); }).then(function (b) { return WebAssembly.compile(b); });
      codecModule.catch(function () { codecModule = null; }); // tried again on the next attach
    }
    if (!out.worklet) {
      out.worklet = out.ctx.audioWorklet.addModule(assets.mediaWorklet);
      out.worklet.catch(function () { out.worklet = null; });
    }
    return Promise.all([codecModule, out.worklet]);
  }
  function connectMicrophone() {
    if (!media || !media.node || !microphone.stream || media.source) return;
    media.source = media.node.context.createMediaStreamSource(microphone.stream);
    media.source.connect(media.node);
  }
  function disconnectMicrophone() {
    if (!media || !media.source) return;
    media.source.disconnect();
    media.source = null;
  }
  function mediaSocket(m) {
    var ws = new WebSocket(m.url);
    ws.binaryType = 'arraybuffer';
    m.ws = ws;
    m.attached = false;
    ws.onopen = function () {
      ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'media.attach', params: { session: m.session, last_seq: 0 } }));
    };
    ws.onmessage = function (event) {
      if (typeof event.data === 'string') {
        var answer = JSON.parse(event.data);
        if (answer.result && typeof answer.result.stream === 'number') {
          m.attached = true;
          m.attachedAt = performance.now();
          m.node.port.postMessage({ attach: answer.result.stream });
        } else {
          console.warn('ucsOperator: the call audio was refused:', event.data);
        }
        return;
      }
      if (m.attached) m.node.port.postMessage(event.data, [event.data]);
    };
    ws.onclose = function (event) {
      if (m.ws !== ws) return;
      m.attached = false;
      m.node.port.postMessage({ detach: true });
      // Replaced by a newer attach (another tab, a reload) or the session ended: the engine decides
      // what comes next. Anything else is the network: attach again.
      if (media !== m || event.code === 4001 || event.code === 4002) return;
      m.retry = setTimeout(function () { if (media === m) mediaSocket(m); }, 500);
    };
  }
  function attachMedia(url, session) {
    detachMedia();
    var out = output('call');
    if (!out || !out.ctx.audioWorklet || typeof WebSocket === 'undefined') {
      console.warn('ucsOperator: this browser cannot carry the call audio (no AudioWorklet)');
      return;
    }
    var m = (media = { url: url, session: session, ws: null, node: null, source: null, retry: 0, attached: false, stats: {} });
    loadCodec(out).then(function (loaded) {
      if (media !== m) return;
      var node = new AudioWorkletNode(out.ctx, 'ucs-media', {
        numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [1], channelCount: 1, channelCountMode: 'explicit',
        processorOptions: { module: loaded[0] },
      });
      m.node = node;
      node.connect(out.input);
      var lastSize = 0;
      node.port.onmessage = function (event) {
        var data = event.data;
        if (data instanceof ArrayBuffer) {
          lastSize = data.byteLength;
          // Back-pressure: a socket that cannot keep up loses audio, never queues it.
          if (m.ws && m.attached && m.ws.readyState === 1 && m.ws.bufferedAmount <= QUEUE_FRAMES * lastSize) m.ws.send(data);
        } else if (data.error) {
          console.warn('ucsOperator: the call audio failed:', data.error);
        } else if (data.onset) {
          // The worklet's context time on the page's clock (epoch ms), comparable across pages.
          var stamp = out.ctx.getOutputTimestamp();
          onsets.push({ kind: data.onset, at: performance.timeOrigin + stamp.performanceTime + (data.time - stamp.contextTime) * 1000 });
        } else if (data.stats !== undefined && m.stats[data.stats]) {
          m.stats[data.stats](data.values);
          delete m.stats[data.stats];
        }
      };
      node.port.postMessage({ mute: microphone.muted });
      connectMicrophone();
      mediaSocket(m);
    }).catch(function (e) {
      console.warn('ucsOperator: the call audio could not start:', e);
    });
  }
  function detachMedia() {
    var m = media;
    if (!m) return;
    media = null;
    clearTimeout(m.retry);
    if (m.ws) {
      var ws = m.ws;
      m.ws = null;
      ws.close(1000);
    }
    if (m.source) m.source.disconnect();
    if (m.node) {
      m.node.port.postMessage({ detach: true });
      m.node.disconnect();
    }
  }
  var onsets = []; // the latency probe's timestamps (bench/media-latency.mjs)
  // The worklet's counters (media_module.cpp's ucs_media_stat), for tests and benches.
  var statsId = 0;
  function mediaStats() {
    var m = media;
    if (!m || !m.node) return Promise.resolve(null);
    var id = ++statsId;
    return new Promise(function (resolve) {
      m.stats[id] = function (v) {
        resolve({
          attached: m.attached, sent: v[0], silenceSent: v[1], received: v[2], played: v[3], concealed: v[4],
          late: v[5], lost: v[6], invalid: v[7], delayMs: v[8], lastTimestamp: v[9], duplicates: v[10], otherStream: v[11],
          attachedAt: m.attachedAt || null,
        });
      };
      m.node.port.postMessage({ stats: id });
    });
  }

  // ---- one media owner per agent and browser (docs/media.md) ----
  // The Web Lock is held for as long as the tab keeps the claim: the browser hands it to a waiting tab
  // when this one releases it, closes, navigates or crashes. Without Web Locks every tab owns its audio.
  var claim = null; // {release: function}
  function claimOwner(name) {
    releaseOwner();
    if (!navigator.locks || !navigator.locks.request) {
      report.owner(true);
      return;
    }
    var mine = { released: false, abort: new AbortController() };
    var held = new Promise(function (resolve) { mine.release = resolve; });
    claim = mine;
    var granted = function () {
      if (mine.released) return null;
      report.owner(true);
      return held;
    };
    navigator.locks.request(name, { ifAvailable: true }, function (lock) {
      if (lock) return granted();
      if (mine.released) return null;
      report.owner(false);
      // Wait in line; a release while waiting takes this tab out of the line.
      navigator.locks.request(name, { signal: mine.abort.signal }, granted).catch(function () {});
      return null;
    }).catch(function () {});
  }
  function releaseOwner() {
    if (!claim) return;
    claim.released = true;
    claim.abort.abort();
    claim.release();
    claim = null;
  }

  // ---- settings (the GUI): devices and a level meter ----
  function devices() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.enumerateDevices) return Promise.resolve([]);
    return navigator.mediaDevices.enumerateDevices().then(function (list) {
      return list.filter(function (d) { return d.kind === 'audioinput' || d.kind === 'audiooutput'; })
        .map(function (d) { return { kind: d.kind, id: d.deviceId, label: d.label }; });
    });
  }
  function choose(role, id) {
    var next = prefs();
    next[role] = id;
    savePrefs(next);
    if (role === 'microphone') {
      // A call's microphone moves to the new device at once (its first frame from there says
      // restart); muted stays muted.
      if (microphone.wanted) {
        var muted = microphone.muted;
        disconnectMicrophone();
        releaseStream(microphone.stream);
        microphone.stream = null;
        openMicrophone(microphone.constraints);
        microphone.muted = muted;
      }
    } else {
      // Speakers apply to the next sound; contexts made for the old choice are let go.
      var attached = media && [media.url, media.session]; // the call's audio moves to the new speaker
      detachMedia();
      stop();
      Object.keys(contexts).forEach(function (k) { contexts[k].ctx.close(); });
      contexts = {};
      lastRunning = null;
      tell();
      if (attached) attachMedia(attached[0], attached[1]);
    }
  }
  // Test microphone: calls onLevel(dBFS) about 15 times a second until the returned stop() is called.
  function meter(onLevel) {
    var stream = null, ctx = null, timer = 0, stopped = false;
    var chosen = prefs().microphone;
    var audio = chosen ? { deviceId: { ideal: chosen } } : true;
    navigator.mediaDevices.getUserMedia({ audio: audio }).then(function (s) {
      if (stopped) return releaseStream(s);
      stream = s;
      ctx = new AC();
      var analyser = ctx.createAnalyser();
      analyser.fftSize = 1024;
      ctx.createMediaStreamSource(s).connect(analyser);
      var samples = new Float32Array(analyser.fftSize);
      timer = setInterval(function () {
        analyser.getFloatTimeDomainData(samples);
        var sum = 0;
        for (var i = 0; i < samples.length; i++) sum += samples[i] * samples[i];
        var rms = Math.sqrt(sum / samples.length);
        onLevel(rms > 1e-6 ? 20 * Math.log10(rms) : -120);
      }, 66);
    }, function (e) {
      onLevel(null, String((e && (e.message || e.name)) || e));
    });
    return function stop() {
      stopped = true;
      clearInterval(timer);
      releaseStream(stream);
      if (ctx) ctx.close();
    };
  }

  // For tests (a CRM's or ours): the loudness of what the bar plays, and the microphone's track.
  Object.defineProperty(window, Symbol.for('ucsOperator.audioTap'), {
    configurable: true,
    value: {
      level: function () {
        var loudest = -Infinity;
        Object.keys(contexts).forEach(function (k) {
          var a = contexts[k].analyser, data = new Float32Array(a.fftSize);
          a.getFloatTimeDomainData(data);
          var sum = 0;
          for (var i = 0; i < data.length; i++) sum += data[i] * data[i];
          loudest = Math.max(loudest, 20 * Math.log10(Math.sqrt(sum / data.length) || 1e-12));
        });
        return loudest;
      },
      contexts: function () { return Object.keys(contexts).map(function (k) { return contexts[k].ctx.state; }); },
      // The last samples the bar played, per output (its AnalyserNode's time-domain window).
      samples: function () {
        return Object.keys(contexts).map(function (k) {
          var a = contexts[k].analyser, data = new Float32Array(a.fftSize);
          a.getFloatTimeDomainData(data);
          return { rate: contexts[k].ctx.sampleRate, data: Array.from(data) };
        });
      },
      // The media path's counters (null while no media socket is attached).
      media: mediaStats,
      // Latency probe: the worklet reports where sound starts after silence, at capture and playout.
      probe: function (on) {
        onsets = [];
        if (media && media.node) media.node.port.postMessage({ probe: !!on });
        return !!(media && media.node);
      },
      onsets: function () { return onsets.slice(); },
      // The last microphone track the bar opened ('live' while a call needs it, 'ended' once released).
      microphone: function () {
        var t = lastTrack, p = previousTrack;
        return t ? {
          id: t.id, open: !!microphone.stream, enabled: t.enabled, readyState: t.readyState, settings: t.getSettings(),
          previous: p ? { id: p.id, readyState: p.readyState } : null,
        } : null;
      },
    },
  });

  setTimeout(tell, 0); // the state before anything was needed: was there a gesture already?

  return {
    prepare: function () { output('ringer'); },
    play: play,
    stop: stop,
    openMicrophone: openMicrophone,
    closeMicrophone: closeMicrophone,
    muteMicrophone: muteMicrophone,
    attachMedia: attachMedia,
    detachMedia: detachMedia,
    claimOwner: claimOwner,
    releaseOwner: releaseOwner,
    unlock: unlock,
    devices: devices,
    choose: choose,
    chosen: prefs,
    canChooseSpeaker: canChooseSpeaker,
    meter: meter,
  };
}
