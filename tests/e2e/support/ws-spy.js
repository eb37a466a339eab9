// Optional page script for tests that must prove what did (not) reach the server: records every
// frame the page sends and receives on any WebSocket, synchronously, in order. Loaded before the
// agent bar; it only observes.
(function () {
  'use strict';
  var Native = window.WebSocket;
  var sent = [];
  var received = [];
  var sockets = [];
  var nativeSend = Native.prototype.send;
  Native.prototype.send = function (data) {
    sent.push({ t: performance.now(), data: typeof data === 'string' ? data : '<binary>' });
    return nativeSend.apply(this, arguments);
  };
  function SpyWebSocket(url, protocols) {
    var ws = protocols === undefined ? new Native(url) : new Native(url, protocols);
    var entry = { url: String(url), opened: null, closed: null, code: null };
    sockets.push(entry);
    ws.addEventListener('open', function () { entry.opened = performance.now(); });
    ws.addEventListener('close', function (e) { entry.closed = performance.now(); entry.code = e.code; });
    ws.addEventListener('message', function (e) {
      received.push({ t: performance.now(), data: typeof e.data === 'string' ? e.data : '<binary>' });
    });
    return ws;
  }
  SpyWebSocket.prototype = Native.prototype;
  ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'].forEach(function (k) { SpyWebSocket[k] = Native[k]; });
  window.WebSocket = SpyWebSocket;

  // The JSON-RPC method names sent since index `from`.
  function methodsSent(from) {
    return sent.slice(from || 0).map(function (f) {
      try { return JSON.parse(f.data).method || null; } catch (e) { return null; }
    });
  }
  window.crmWs = { sent: sent, received: received, sockets: sockets, methodsSent: methodsSent };
})();
