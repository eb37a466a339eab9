// Runs right after the agent bar's <script> tag, before the page's `load` event: what an integrator
// can rely on at that moment (every method already installed on window.ucsOperator).
(function () {
  'use strict';
  var bar = window.ucsOperator;
  var types = {};
  if (bar) {
    Object.getOwnPropertyNames(bar).forEach(function (key) { types[key] = typeof bar[key]; });
  }
  window.crmAfterTag = {
    readyState: document.readyState,
    loaded: window.crm ? window.crm.loaded() : null,
    types: types,
    callbacksSoFar: window.crm ? window.crm.names() : null,
  };
})();
