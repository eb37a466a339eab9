// The test CRM's own script (served from the CRM origin, loaded before the agent bar's config).
// It records every callback the agent bar makes, with `this`, the time and the arguments, so the
// node side can wait for conditions (page.waitForFunction) instead of sleeping.
//
//   crm.<documented name>          the functions the integration document's snippet refers to
//   crm.callbacks({throwing})      every documented callback, recording; names in `throwing`
//                                  record and then throw (a CRM bug the bar must survive)
//   crm.events / crm.count / crm.list / crm.last   what was recorded
(function () {
  'use strict';
  var CALLBACKS = [
    'onError', 'onWarning', 'onInfo', 'onDebug', 'onMessage', 'onConnect', 'onCredentials', 'onLoginError',
    'onUser', 'onIdentify', 'onIdentifier', 'onDevice', 'onReady', 'onStateChange', 'onCallNew',
    'onCallRinging', 'onCallConnect', 'onCallHold', 'onCallResume', 'onCallHangup', 'onCallMute',
    'onCallUnmute', 'onAgentSuspend', 'onAgentResume', 'onWaitingCallersChange',
  ];
  var events = [];
  var cspViolations = [];
  var loadFired = false;
  window.addEventListener('load', function () { loadFired = true; });
  // A CRM running under a Content-Security-Policy hears about every violation here.
  document.addEventListener('securitypolicyviolation', function (e) {
    cspViolations.push({
      directive: e.violatedDirective, effective: e.effectiveDirective, blocked: e.blockedURI,
      source: e.sourceFile, line: e.lineNumber, sample: e.sample,
    });
  });

  function copy(value) {
    try {
      return value === undefined ? null : JSON.parse(JSON.stringify(value));
    } catch (e) {
      return '<not JSON: ' + String(e) + '>';
    }
  }

  function recorder(name, throws) {
    return function () {
      events.push({
        name: name,
        args: copy(Array.prototype.slice.call(arguments)),
        self: this === window.ucsOperator,
        t: performance.now(),
      });
      if (throws) throw new Error('CRM bug in ' + name + ' (thrown on purpose by the test)');
    };
  }

  // Does `actual` contain everything in `where` (a partial object, compared recursively)?
  function matches(actual, where) {
    if (where === null || where === undefined) return true;
    if (typeof where !== 'object') return actual === where;
    if (actual === null || typeof actual !== 'object') return false;
    return Object.keys(where).every(function (k) { return matches(actual[k], where[k]); });
  }

  // Events named `name` whose first argument contains `where`.
  function list(name, where) {
    return events.filter(function (e) { return e.name === name && matches(e.args[0], where); });
  }

  var crm = {
    events: events,
    cspViolations: cspViolations,
    loaded: function () { return loadFired; },
    list: list,
    count: function (name, where) { return list(name, where).length; },
    last: function (name) {
      var found = list(name);
      return found.length ? found[found.length - 1] : null;
    },
    names: function () { return events.map(function (e) { return e.name; }); },
    callbacks: function (options) {
      var throwing = (options && options.throwing) || [];
      var out = {};
      CALLBACKS.forEach(function (name) { out[name] = recorder(name, throwing.indexOf(name) >= 0); });
      return out;
    },
    CALLBACKS: CALLBACKS,
    // The functions named in the integration document's snippet.
    agentAppFailed: recorder('onError'),
    agentAppConnected: recorder('onConnect'),
    provideCredentials: recorder('onCredentials'),
    userInformations: recorder('onUser'),
    telephoneIdentificatorRequired: recorder('onIdentify'),
    identifierProvided: recorder('onIdentifier'),
    telephonePaired: recorder('onDevice'),
    agentAppReady: recorder('onReady'),
    agentStateChanged: recorder('onStateChange'),
    callRinging: recorder('onCallRinging'),
    callConnected: recorder('onCallConnect'),
    callHangup: recorder('onCallHangup'),
  };
  window.crm = crm;
})();
