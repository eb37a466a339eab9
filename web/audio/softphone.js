// web/audio/softphone.js: the softphone's hands in the page. The engine decides what sounds and when the
// microphone is needed (src/agent/softphone.cpp); the wasm renders every tone (src/audio/tones.cpp). This
// file only carries that out with WebAudio and getUserMedia, and reports back what the browser allowed.
//
//   createUcsAudio(tonePcm, report)
//     tonePcm(name, sampleRate) -> Float32Array   one cycle of a tone, from the wasm
//     report.output(running)                      the browser lets the bar's audio play (autoplay)
//     report.microphone(ok, why)                  getUserMedia answered
//     report.owner(owner)                         this tab holds the agent's media lock, or another tab does
//
// AudioContexts are made on first need (a softphone paired, a sound to play), one per chosen speaker.
// The agent's device choices (microphone, call speaker, ringtone speaker) are kept in localStorage.
// window[Symbol.for('ucsOperator.audioTap')] lets a CRM's test hear what the bar plays (AnalyserNodes on
// the bar's output) and see the microphone's track.
function createUcsAudio(tonePcm, report) {
  'use strict';
  var STORE = 'ucsOperator.audioDevices';
  var AC = window.AudioContext || window.webkitAudioContext;
  var contexts = {}; // sinkId ('' = default) -> {ctx, analyser, input}
  var playing = null; // {source, ctx}
  var buffers = {}; // tone + rate -> AudioBuffer
  var microphone = { wanted: false, stream: null, muted: false, constraints: null };
  var lastTrack = null; // for the test tap: the last microphone track, so a test can see it was stopped
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
    navigator.mediaDevices.getUserMedia({ audio: audio, video: false }).then(
      function (stream) {
        if (!microphone.wanted) return releaseStream(stream); // the call ended meanwhile
        microphone.stream = stream;
        lastTrack = stream.getAudioTracks()[0] || null;
        stream.getAudioTracks().forEach(function (t) { t.enabled = !microphone.muted; });
        report.microphone(true, '');
      },
      function (e) {
        report.microphone(false, String((e && (e.message || e.name)) || e));
      });
  }
  function closeMicrophone() {
    microphone.wanted = false;
    releaseStream(microphone.stream);
    microphone.stream = null;
  }
  // Muted: the track is disabled, so nothing is captured (not only a flag).
  function muteMicrophone(muted) {
    microphone.muted = muted;
    if (microphone.stream) microphone.stream.getAudioTracks().forEach(function (t) { t.enabled = !muted; });
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
    // Speakers apply to the next sound; contexts made for the old choice are let go.
    if (role !== 'microphone') {
      stop();
      Object.keys(contexts).forEach(function (k) { contexts[k].ctx.close(); });
      contexts = {};
      lastRunning = null;
      tell();
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
      // The last microphone track the bar opened ('live' while a call needs it, 'ended' once released).
      microphone: function () {
        var t = lastTrack;
        return t ? { open: !!microphone.stream, enabled: t.enabled, readyState: t.readyState, settings: t.getSettings() } : null;
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
