// web/loader.js: what the CRM's <script src=".../operator/operator-v4.0.0.js"> runs.
//
// bindings/bundle.cmake places this FIRST in the bundle's one function scope, before Emscripten's glue
// and the GUI, so the engine's download and compilation start before anything else is evaluated.
// Defined in that scope:
//   UCS_VERSION, UCS_WASM_FILE        "4.0.0", "operator-v4.0.0.wasm"
//   UCS_MEDIA_FILE                    "operator-media-v4.0.0": the softphone's codec module (.wasm) and its
//                                     AudioWorklet script (.js), fetched only for a paired softphone's call audio
//   UCS_CATALOG                       the engine's closed lists (bindings/catalog.cpp), generated at build time:
//                                     .methods is ucs::agent::method_names()
//   createUcsOperatorModule           the MODULARIZE factory of bindings/operator_bindings.cpp (after this file:
//                                     used only from callbacks, never while this file runs)
//   ucsGuiChunk                       returns createUcsGui (web/gui/gui.js) given invoke() and a way to re-read
//                                     the view; its code is evaluated on the first render, never when headless
//   ucsAudioChunk                     returns createUcsAudio (web/audio/softphone.js): evaluated when the engine
//                                     first asks for sound, or the GUI's audio settings open
//
// It owns window.ucsOperator: synchronously, it installs every method as a stub that returns a
// Promise and queues the call. The wasm is fetched, compiled and instantiated at once, in parallel with
// the page, and the engine's WebSocket connects as soon as the wasm is there; once the page has loaded
// (unless legacyStartup) the engine starts and the queue is replayed in order. It decides nothing else: the engine reads the configuration, derives `api` from the script URL
// and carries out every rule.
(() => {
  'use strict';

  // Only set while this script runs synchronously, so it is captured now. Without it (the script
  // was inserted in an unusual way), the last script whose URL names the operator is ours.
  const script =
    document.currentScript ||
    Array.from(document.getElementsByTagName('script'))
      .reverse()
      .find((s) => s.src.includes('operator'));
  const scriptUrl = script ? script.src : '';

  // A second copy of the script on the page would start a second bar: the first one stays.
  const loaded = Symbol.for('ucsOperator.loader');
  if (window[loaded]) {
    console.warn('ucsOperator: operator.js was included twice; the second copy does nothing');
    return;
  }
  Object.defineProperty(window, loaded, { value: UCS_VERSION }); // not enumerable

  // The engine sits next to the script, on the UCS server (the CRM page is on another origin). Its
  // download and streaming compilation start now, before the rest of this bundle is even evaluated;
  // by the time the page's `load` fires (when the bar starts) it is usually instantiated.
  const wasmUrl = new URL(UCS_WASM_FILE, scriptUrl || location.href).href;
  const compiled = WebAssembly.compileStreaming
    ? WebAssembly.compileStreaming(fetch(wasmUrl))
    : fetch(wasmUrl)
        .then((response) => response.arrayBuffer())
        .then((bytes) => WebAssembly.compile(bytes));

  const settlers = new Map(); // promise id -> [resolve, reject]
  let nextId = 1;
  let queue = []; // [method, argsJson, id] called before the engine was ready
  let engine = null; // the wasm module once _start has run
  let failure = null; // {code, message} once the engine could not be loaded

  // The engine answers every promise here: resolve(value) or reject({code, message}).
  const settle = (id, ok, json) => {
    const entry = settlers.get(id);
    if (!entry) return;
    settlers.delete(id);
    entry[ok ? 0 : 1](JSON.parse(json));
  };
  const reject = (id, code, message) => settle(id, false, JSON.stringify({ code, message }));

  const call = (method, argsJson, id) => {
    try {
      engine._call(method, argsJson, id);
    } catch (e) {
      // Only a bug in the engine throws (bug() below has told the page); the caller still gets an answer.
      reject(id, 'INTERNAL_ERROR', method + ': ' + String((e && e.message) || e));
    }
  };

  const invoke = (method, args) => {
    const id = nextId++;
    const promise = new Promise((resolve, rejectPromise) => settlers.set(id, [resolve, rejectPromise]));
    promise.catch(() => {}); // pre-handled: an ignored rejection makes no "uncaught (in promise)" noise
    let argsJson;
    try {
      argsJson = JSON.stringify(args); // now: a queued call keeps the arguments it was given
    } catch (e) {
      argsJson = 'null'; // a cycle or a BigInt: the engine says so (onWarning) and rejects
    }
    if (engine) call(method, argsJson, id);
    else if (failure) reject(id, failure.code, failure.message);
    else queue.push([method, argsJson, id]);
    return promise;
  };

  // window.ucsOperator: the page's configuration object, with the methods added.
  let bar;
  const adopt = (value) => {
    bar = value !== null && (typeof value === 'object' || typeof value === 'function') ? value : {};
    for (const name of UCS_CATALOG.methods) {
      if (name !== 'state') bar[name] = (...args) => invoke(name, args);
    }
    // The one synchronous method: the onReady object (plus ringingSound), null until READY.
    bar.state = () => (engine ? JSON.parse(engine._state()) : null);
  };
  adopt(window.ucsOperator);
  // The script tag may come before the configuration: an object assigned to window.ucsOperator later
  // gets the methods as well (and is the configuration the engine reads at start).
  try {
    Object.defineProperty(window, 'ucsOperator', { configurable: true, enumerable: true, get: () => bar, set: adopt });
  } catch (e) {
    // `var ucsOperator` in a page script makes the property non-configurable: it stays a plain one.
    window.ucsOperator = bar;
  }

  // The engine could not be loaded (the wasm blocked by a CSP, the UCS server unreachable...):
  // say so through onError, and answer every call.
  const fail = (error) => {
    failure = {
      code: 'UNAVAILABLE',
      message: 'ucsOperator: the agent bar could not be loaded: ' + String((error && error.message) || error),
    };
    console.error(failure.message);
    const waiting = queue;
    queue = [];
    for (const [, , id] of waiting) reject(id, failure.code, failure.message);
    const onError = bar.onError;
    if (typeof onError === 'function') {
      try {
        onError.call(bar, failure.message);
      } catch (e) {
        console.error('ucsOperator.onError threw:', e);
      }
    }
  };

  // A bug in the engine (bindings/operator_bindings.cpp, engine_bug): the page hears of it through
  // onError; the method call that was running, if any, is answered by call() above.
  const bug = (message) => {
    console.error(message);
    const onError = bar.onError;
    if (typeof onError === 'function') {
      try {
        onError.call(bar, message);
      } catch (e) {
        console.error('ucsOperator.onError threw:', e);
      }
    }
  };

  // The GUI draws at most once per frame, the latest view, and its first draw waits for the server's
  // answer to `hello` (onConnect), or a second at most: `hello` needs nothing from the GUI, whose first
  // view would only say "Connecting…" for a moment. A burst of events costs one draw. A GUI bug is
  // logged and never reaches the engine: the API and callbacks keep working.
  let gui = null;
  let pendingView = null; // [elementId, viewJson] not yet drawn
  let held = true; // no draw before onConnect (or the timer below)
  let holdTimer = 0;
  const drawGui = () => {
    const [elementId, viewJson] = pendingView;
    pendingView = null;
    try {
      gui = gui || ucsGuiChunk()(invoke, () => JSON.parse(engine._view()), () => engine.ucsAudio);
      gui.render(elementId, JSON.parse(viewJson));
    } catch (e) {
      console.error('ucsOperator: the agent bar GUI failed:', e);
    }
  };
  const release = () => {
    if (!held) return;
    held = false;
    clearTimeout(holdTimer);
    if (pendingView) requestAnimationFrame(drawGui);
  };
  const showView = (elementId, viewJson) => {
    if (!pendingView && !held) requestAnimationFrame(drawGui);
    if (held && !holdTimer) holdTimer = setTimeout(release, 1000);
    pendingView = [elementId, viewJson];
  };
  const fired = (name) => {
    if (name === 'onConnect') release();
  };

  // What the engine reads at start (and _preconnect before it): the configuration and where we are.
  const configText = () => {
    try {
      return JSON.stringify(bar); // functions (callbacks, our methods) are left out by JSON itself
    } catch (e) {
      return 'null'; // the engine warns and starts with the defaults
    }
  };
  const envText = () => JSON.stringify({ scriptUrl, pageUrl: location.href });

  let starting = false; // start() has been called: no early socket any more

  // Instantiated as soon as it is compiled (no page-visible effect: the engine only starts in start()).
  const instantiated = compiled
    .then(
      (wasmModule) =>
        new Promise((resolve, reject) => {
          createUcsOperatorModule({
            locateFile: () => wasmUrl,
            // Emscripten's hook for instantiating the module ourselves, from the early compilation.
            instantiateWasm: (imports, receiveInstance) => {
              WebAssembly.instantiate(wasmModule, imports).then((instance) => receiveInstance(instance, wasmModule), reject);
              return {}; // asynchronous
            },
            ucsBug: bug,
            ucsGui: showView, // the bindings hand every new view model here (never when headless)
            ucsFired: fired, // told the name of every callback the engine fires
          }).then(resolve, reject);
        }),
    )
    .then(
      (module) => {
        // The softphone's hands (web/audio/), made the first time the bindings or the GUI reach for them:
        // a CRM on desk phones never evaluates that code nor makes an AudioContext.
        let audio = null;
        Object.defineProperty(module, 'ucsAudio', {
          get: () =>
            audio ||
            (audio = ucsAudioChunk()((name, rate) => module._tonePcm(name, rate), {
              output: (running) => module._audioOutput(running),
              microphone: (ok, why) => module._microphone(ok, why),
              owner: (owner) => module._mediaOwner(owner),
            }, {
              mediaWasm: new URL(UCS_MEDIA_FILE + '.wasm', scriptUrl || location.href).href,
              mediaWorklet: new URL(UCS_MEDIA_FILE + '.js', scriptUrl || location.href).href,
            })),
        });
        // The page has not loaded yet: the engine's WebSocket connects already, with the configuration
        // as it is now (the engine takes that socket at start if its URL is still the same).
        if (!starting) {
          try {
            module._preconnect(configText(), envText());
          } catch (e) {
            // only an optimisation: the engine opens its own socket at start
          }
        }
        return { module };
      },
      (error) => ({ error }),
    );

  const start = () => {
    starting = true;
    return instantiated.then(({ module, error }) => {
      if (error) return fail(error);
      try {
        module._start(configText(), envText(), settle);
      } catch (e) {
        return fail(e);
      }
      engine = module;
      const waiting = queue;
      queue = [];
      for (const [method, argsJson, id] of waiting) call(method, argsJson, id);
    });
  };

  if (bar.legacyStartup === true || document.readyState === 'complete') start();
  else window.addEventListener('load', start, { once: true });
})();
