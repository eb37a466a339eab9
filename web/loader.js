// web/loader.js: what the CRM's <script src=".../operator/operator-v4.0.0.js"> runs.
//
// bindings/bundle.cmake places this after Emscripten's glue, inside the bundle's one function scope,
// where these are defined:
//   UCS_VERSION, UCS_WASM_FILE        "4.0.0", "operator-v4.0.0.wasm"
//   UCS_CATALOG                       the engine's closed lists (bindings/catalog.cpp), generated at build time:
//                                     .methods is ucs::agent::method_names()
//   createUcsOperatorModule           the MODULARIZE factory of bindings/operator_bindings.cpp
//   createUcsGui                      the GUI (web/gui/gui.js), given invoke() and a way to re-read the view
//   createUcsAudio                    the softphone's WebAudio and microphone (web/audio/softphone.js)
//
// It owns window.ucsOperator: synchronously, it installs every method as a stub that returns a
// Promise and queues the call; once the page has loaded (unless legacyStartup) it instantiates the
// wasm engine, starts it and replays the queue in order. It decides nothing else: the engine reads
// the configuration, derives `api` from the script URL and carries out every rule.
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
  // The engine sits next to the script, on the UCS server (the CRM page is on another origin).
  const wasmUrl = new URL(UCS_WASM_FILE, scriptUrl || location.href).href;

  // A second copy of the script on the page would start a second bar: the first one stays.
  const loaded = Symbol.for('ucsOperator.loader');
  if (window[loaded]) {
    console.warn('ucsOperator: operator.js was included twice; the second copy does nothing');
    return;
  }
  Object.defineProperty(window, loaded, { value: UCS_VERSION }); // not enumerable

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
      // Only a crashed engine throws; the caller still gets an answer.
      console.error('ucsOperator.' + method + ':', e);
      reject(id, 'INTERNAL_ERROR', String((e && e.message) || e));
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

  // Fetch and compile the engine now, while the page is still loading: by the time `load` fires
  // (when the bar starts) the module is usually ready, which takes its download and compilation
  // off the time to onConnect. Instantiating waits for start().
  const compiled = (
    WebAssembly.compileStreaming
      ? WebAssembly.compileStreaming(fetch(wasmUrl))
      : fetch(wasmUrl)
          .then((response) => response.arrayBuffer())
          .then((bytes) => WebAssembly.compile(bytes))
  ).then(
    (module) => ({ module }),
    (error) => ({ error }),
  );

  const start = () => {
    createUcsOperatorModule({
      locateFile: () => wasmUrl,
      // Emscripten's hook for instantiating the module ourselves: from the early compilation.
      instantiateWasm: (imports, receiveInstance) => {
        compiled
          .then(({ module, error }) => {
            if (error) throw error;
            return WebAssembly.instantiate(module, imports).then((instance) => receiveInstance(instance, module));
          })
          .catch(fail);
        return {}; // asynchronous
      },
    })
      .then((module) => {
        // The bindings hand every new view model to module.ucsGui (not at all when headless); the
        // GUI's controls call the engine through invoke(), like the page's methods.
        // The softphone's hands (web/audio/): no AudioContext until the engine asks for sound.
        module.ucsAudio = createUcsAudio((name, rate) => module._tonePcm(name, rate), {
          output: (running) => module._audioOutput(running),
          microphone: (ok, why) => module._microphone(ok, why),
        });
        module.ucsGui = createUcsGui(invoke, () => JSON.parse(module._view()), module.ucsAudio);
        let configJson;
        try {
          configJson = JSON.stringify(bar); // functions (callbacks, our methods) are left out by JSON itself
        } catch (e) {
          configJson = 'null'; // the engine warns and starts with the defaults
        }
        module._start(configJson, JSON.stringify({ scriptUrl, pageUrl: location.href }), settle);
        engine = module;
        const waiting = queue;
        queue = [];
        for (const [method, argsJson, id] of waiting) call(method, argsJson, id);
      })
      .catch(fail);
  };

  if (bar.legacyStartup === true || document.readyState === 'complete') start();
  else window.addEventListener('load', start, { once: true });
})();
