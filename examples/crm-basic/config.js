// The documented window.ucsOperator configuration, as an external file so that the page needs no
// inline script (Content-Security-Policy: script-src 'self' <UCS server> 'wasm-unsafe-eval').
// The keys are the document's snippet's, except `api`: left out, the bar talks to the server it was
// loaded from (index.html's script tag).
window.ucsOperator = {
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
