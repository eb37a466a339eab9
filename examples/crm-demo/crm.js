// Example CRM integration: the configuration object from the integration document, with callbacks
// that show what the agent bar reports. Loaded before operator-v4.0.0.js, as the document requires.
'use strict';

var crm = (function () {
  var log = document.getElementById('event-log');

  // Server data is shown with textContent only: a caller name is never markup.
  function show(name, detail) {
    var item = document.createElement('li');
    var time = document.createElement('time');
    time.textContent = new Date().toLocaleTimeString();
    item.appendChild(time);
    item.appendChild(document.createTextNode(name + (detail === undefined ? '' : ' ' + JSON.stringify(detail))));
    log.insertBefore(item, log.firstChild);
  }

  function setText(id, text) {
    document.getElementById(id).textContent = text === undefined || text === null || text === '' ? '—' : String(text);
  }

  function showCall(call, what) {
    if (!call) return;
    setText('customer-name', call.caller_name);
    setText('customer-number', call.number);
    setText('customer-queue', call.queue_name);
    setText('customer-call', what);
  }

  return {
    agentAppFailed: function (message) { show('onError', message); },
    agentAppConnected: function () { show('onConnect'); },
    provideCredentials: function () { show('onCredentials'); },
    userInformations: function (user) { show('onUser', user && user.username); },
    telephoneIdentificatorRequired: function () { show('onIdentify'); },
    identifierProvided: function (identifier) { show('onIdentifier', identifier); },
    telephonePaired: function (device) { show('onDevice', device && device.identifier); },
    agentAppReady: function (state) { show('onReady', state && state.status); },
    agentStateChanged: function (state) { show('onStateChange', state); },
    callRinging: function (call) { show('onCallRinging', call && call.uniqueid); showCall(call, 'ringing'); },
    callConnected: function (call) { show('onCallConnect', call && call.uniqueid); showCall(call, 'connected'); },
    callHangup: function (call) { show('onCallHangup', call && call.uniqueid); showCall(call, 'ended'); },
    show: show,
  };
})();

window.ucsOperator = {
  // api is left out: the bar then talks to the server it was loaded from.
  renderTo: 'ucsOperator',
  headless: false,
  autologin: true,
  listDevices: true,
  confirmDevice: false,
  crmAutoOpen: true,
  onError: crm.agentAppFailed,
  onConnect: crm.agentAppConnected,
  onCredentials: crm.provideCredentials,
  onUser: crm.userInformations,
  onIdentify: crm.telephoneIdentificatorRequired,
  onIdentifier: crm.identifierProvided,
  onDevice: crm.telephonePaired,
  onReady: crm.agentAppReady,
  onStateChange: crm.agentStateChanged,
  onCallRinging: crm.callRinging,
  onCallConnect: crm.callConnected,
  onCallHangup: crm.callHangup,
};

// The CRM's own controls call the bar's documented methods; their promises report failures.
(function () {
  function call(method, args) {
    var bar = window.ucsOperator;
    if (typeof bar[method] !== 'function') {
      crm.show('not ready yet:', method);
      return;
    }
    Promise.resolve(bar[method].apply(bar, args)).catch(function (error) {
      crm.show(method + ' failed', error && (error.message || error.code));
    });
  }

  document.getElementById('dial-form').addEventListener('submit', function (event) {
    event.preventDefault();
    call('dial', [document.getElementById('dial-number').value.trim()]);
  });
  document.getElementById('hangup').addEventListener('click', function () { call('hangup', []); });
  document.querySelectorAll('[data-status]').forEach(function (button) {
    button.addEventListener('click', function () {
      var reason = button.getAttribute('data-reason');
      call('changeStatus', reason ? [button.getAttribute('data-status'), reason] : [button.getAttribute('data-status')]);
    });
  });
})();
