// A page script (not DevTools' evaluate, which CSP does not govern) that tries to compile code from
// a string: under a CSP without 'unsafe-eval' this must throw and report a violation.
(function () {
  'use strict';
  try {
    window.crmEvalAllowed = typeof new Function('return 1') === 'function';
  } catch (e) {
    window.crmEvalAllowed = false;
  }
})();
