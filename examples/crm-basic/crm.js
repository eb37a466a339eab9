// The CRM's side of the agent bar integration: the `crm` object whose functions the documented
// window.ucsOperator snippet names as callbacks. Each callback writes a line into the page's
// "Agent bar callbacks" list, so what the bar reports is visible (and checkable by tests).
// Plus a few buttons, because the bar shows only a status line until its GUI arrives.
'use strict';

window.crm = (() => {
  const log = (name, args) => {
    const list = document.getElementById('crm-log');
    const item = document.createElement('li');
    item.dataset.callback = name;
    item.textContent = name + '(' + args.map((a) => JSON.stringify(a)).join(', ') + ')';
    if (list) list.append(item);
    console.log('[crm]', name, ...args);
  };
  // Every callback is an ordinary function: the bar calls it with this === window.ucsOperator.
  const callback = (name) =>
    function (...args) {
      log(name, args);
    };

  const crm = {
    agentAppFailed: callback('onError'),
    agentAppConnected: callback('onConnect'),
    provideCredentials: callback('onCredentials'),
    userInformations: callback('onUser'),
    telephoneIdentificatorRequired: callback('onIdentify'),
    identifierProvided: callback('onIdentifier'),
    telephonePaired: callback('onDevice'),
    agentAppReady: callback('onReady'),
    agentStateChanged: callback('onStateChange'),
    callRinging: callback('onCallRinging'),
    callConnected: callback('onCallConnect'),
    callHangup: callback('onCallHangup'),
    // Not in the documented snippet, but worth seeing while trying the bar out.
    warning: callback('onWarning'),
    loginError: callback('onLoginError'),
    log,
  };

  // The buttons call the documented methods; every method returns a Promise.
  const report = (method) => (promise) =>
    promise.then(
      (value) => log(method + ' resolved', [value]),
      (error) => log(method + ' rejected', [error]),
    );
  document.addEventListener('DOMContentLoaded', () => {
    const form = document.getElementById('crm-login');
    if (!form) return;
    const field = (name) => form.elements.namedItem(name).value;
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      report('login')(window.ucsOperator.login(field('username'), field('password'), false));
    });
    const on = (id, fn) => document.getElementById(id)?.addEventListener('click', fn);
    on('crm-pair', () => report('selectIdentifier')(window.ucsOperator.selectIdentifier(field('identifier'))));
    on('crm-ready', () => report('changeStatus')(window.ucsOperator.changeStatus('READY')));
    on('crm-lunch', () => report('changeStatus')(window.ucsOperator.changeStatus('AUX', 'Lunch')));
    on('crm-answer', () => report('answer')(window.ucsOperator.answer()));
    on('crm-hangup', () => report('hangup')(window.ucsOperator.hangup()));
    on('crm-logout', () => report('logout')(window.ucsOperator.logout()));
  });
  return crm;
})();
