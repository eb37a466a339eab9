// A CRM integration written against web/operator.d.ts: every configuration parameter, callback and
// method, used the way the integration document describes. It is only type-checked (ctest:
// "operator.d.ts type-checks a typed integration"); the @ts-expect-error lines prove that the
// declarations also refuse what the document does not allow.

const seen: string[] = [];
const note = (what: string): void => {
    seen.push(what);
};

const describeCall = (call: UcsOperator.Call): string => {
    const parts: (string | number | boolean | null)[] = [
        call.called_name, call.called_number, call.called_number_norm, call.caller_channel, call.caller_extension,
        call.caller_group_id, call.caller_internal, call.caller_line_id, call.caller_muted, call.caller_name,
        call.caller_number, call.caller_number_norm, call.caller_type, call.caller_user_id, call.caller_username,
        call.cause, call.connected, call.connected_channel, call.connected_group_id, call.connected_internal,
        call.connected_line_id, call.connected_muted, call.connected_name, call.connected_number,
        call.connected_number_norm, call.connected_type, call.connected_user_id, call.connected_username,
        call.created, call.direction, call.disconnected, call.external_id, call.id, call.name, call.now,
        call.number, call.outbound_id, call.recorded, call.state, call.subcalls, call.uniqueid,
    ];
    const crmUrl = call.data['crm_url'];
    return parts.join('|') + (typeof crmUrl === 'string' ? crmUrl : '');
};

const describeUser = (user: UcsOperator.User): string => {
    const queues = Object.entries(user.queues).map(
        ([id, q]: [string, UcsOperator.Queue]) =>
            `${id}:${q.answered}/${q.priorities}/${q.queue_id}/${q.ringtime}/${q.supervisor}/${q.suspended}/` +
            `${q.suspendtime}/${q.talktime}/${q.team_id ?? '-'}/${q.transferred}/${q.transferred_external}/` +
            `${q.type === 1 ? 'in' : 'out'}/${q.unanswered}`,
    );
    const lines = user.lines.map((d: UcsOperator.Device) =>
        `${d.id} ${d.identifier} ${d.name} ${d.extension} ${d.type === 'softphone' ? 'rings in the browser' : 'rings on the desk'}`);
    const totals: number[] = [
        user.acwtime, user.auxtime, user.idletime, user.in_calls_answered, user.in_calls_unanswered, user.in_ringtime,
        user.in_talktime, user.out_calls_answered, user.out_calls_unanswered, user.out_ringtime, user.out_talktime,
        user.readytime, user.ringtime, user.talktime, user.transferred, user.transferred_external, user.id,
        ...Object.values(user.auxtimes),
    ];
    return [
        user.displayname, user.firstname, user.lastname, user.email ?? '', user.external_id ?? '', user.locale,
        String(user.group_id), user.number ?? '', String(user.primary_extension), user.status, String(user.superuser),
        JSON.stringify(user.data), ...queues, ...lines, totals.join(','),
    ].join(';');
};

const describeState = (state: UcsOperator.ReadyState): string => {
    const parts = [
        state.status, state.reason ?? '', state.call ? describeCall(state.call) : 'no call', describeUser(state.user),
        state.device?.identifier ?? 'no phone', String(state.waitingCallers), String(state.now),
        ...state.auxReasons.map((r) => `${r.id}:${r.name}`),
        ...state.callReasons.map((r) => `${r.id}:${r.name}:${r.subcodes.map((s) => s.name).join('/')}`),
        ...state.queues.map((q) => `${q.id}:${q.name}:${q.type}:${q.number ?? ''}`),
        ...state.groups.map((g) => `${g.id}:${g.name}`),
        ...state.agents.map((a) => `${a.id}:${a.username}:${a.displayname}:${a.status}:${a.reason}:${a.extension}`),
    ];
    return parts.join('\n');
};

// The documented snippet, typed: every parameter and callback.
window.ucsOperator = {
    api: {
        hostname: 'ucs.zakaznik.cz',
        port: 443,
        path: '/',
        secure: true,
        ws: { hostname: 'ws.ucs.zakaznik.cz', port: '443', path: '/ws', secure: true },
        recording: { port: 8443 },
        report: { hostname: 'report.ucs.zakaznik.cz' },
        email: { secure: true },
        template: { path: '/templates' },
    },
    lang: 'cs',
    renderTo: 'ucsOperator',
    headless: false,
    autologin: true,
    autologout: true,
    identifyURL: true,
    identifyIP: false,
    identifyCookie: true,
    listDevices: true,
    confirmDevice: false,
    crmAutoOpen: true,
    showDialControl: true,
    confirmUnload: false,
    notifyWaitingCallers: true,
    topMenuNameContent: '%icon% %name%',
    showBottomMenu: true,
    autoOpenAccountCode: false,
    audioInputConstraints: { echoCancellation: true, noiseSuppression: true, autoGainControl: false },
    withoutDevice: false,
    legacyStartup: false,
    disableIntegratedAutoLogout: false,
    debounceRequests: true,

    onError(message: string) {
        note('error ' + message);
    },
    onWarning: (message) => note('warning ' + message),
    onInfo: (message) => note('info ' + message),
    onDebug: (message) => note('debug ' + message),
    onMessage(message) {
        const kind: 'success' | 'info' | 'warning' | 'error' = message.type;
        note(`${kind} ${message.message} ${message.group ?? ''} ${JSON.stringify(message.data)}`);
    },
    onConnect(version) {
        note('connected ' + version.toUpperCase());
    },
    onCredentials() {
        // `this` is the bar: the SSO token comes from the CRM's back end.
        void this.sso('agent1', 'L2htL3d5SjF1ZDk0MC9wVlh5eDRkSTRVMWl0aFoyVnVkREV4TnpBd01EQXdNREF3', 'CRM');
    },
    onLoginError(code, message) {
        note(`login failed ${code.toFixed(0)} ${message}`);
    },
    onUser(user) {
        note(describeUser(user));
    },
    onIdentify(identifiers) {
        const first: UcsOperator.Device | undefined = identifiers[0];
        if (first) void this.selectIdentifier(first.identifier);
    },
    onIdentifier: (identifier) => note('identifier ' + identifier),
    onDevice(device) {
        note(`paired ${device.name} (${device.extension})`);
    },
    onReady(state) {
        note(describeState(state));
    },
    onStateChange(state) {
        const status: UcsOperator.AgentStatus = state.status;
        note(status + (state.reason ?? ''));
    },
    onCallNew: (call) => note('new ' + describeCall(call)),
    onCallRinging: (call) => note('ringing ' + call.number),
    onCallConnect: (call) => note('connected ' + call.uniqueid),
    onCallHold: (call) => note('held ' + call.state),
    onCallResume: (call) => note('resumed ' + call.state),
    onCallHangup: (call) => note(`hung up ${call.cause} at ${call.disconnected ?? 0}`),
    onCallMute: (call) => note('muted ' + call.caller_muted),
    onCallUnmute: (call) => note('unmuted ' + call.connected_muted),
    onAgentSuspend: (queueId) => note('suspended in ' + queueId.toFixed(0)),
    onAgentResume: (queueId) => note('resumed in ' + queueId.toFixed(0)),
    onWaitingCallersChange: (waitingCallers) => note('waiting ' + waitingCallers.toFixed(0)),
};

// A minimal configuration is fine too: every parameter is optional.
const minimal: UcsOperator.Config = { renderTo: 'app' };
void minimal;

// @ts-expect-error: a documented parameter with the wrong type
const wrongType: UcsOperator.Config = { headless: 'yes' };
void wrongType;
// @ts-expect-error: only the documented callback arguments
const wrongCallback: UcsOperator.Config = { onCallRinging: (call: string) => note(call) };
void wrongCallback;

// Callbacks may be assigned at any time, and `this` is the bar.
const bar: UcsOperator.Bar = window.ucsOperator;
bar.onWarning = function (message) {
    const self: UcsOperator.Bar = this;
    note(message + String(self.state() !== null));
};

async function drive(): Promise<void> {
    const user: UcsOperator.User = await bar.login('agent1', 'demo', true);
    note(user.displayname);
    const ssoUser = await bar.sso('agent1', 'token', 'CRM Name');
    note(ssoUser.email ?? 'no e-mail');
    const device: UcsOperator.Device = await bar.selectIdentifier('101');
    const same: UcsOperator.Device = await bar.identifier(device.identifier);
    note(same.name);
    const started: UcsOperator.State = await bar.provision();
    note(started.ringingSound);
    const unpaired: null = await bar.identify();
    note(String(unpaired));

    const aux: UcsOperator.AgentState = await bar.changeStatus('AUX', 'Lunch');
    await bar.changeStatus('READY');
    await bar.changeStatus('OFFLINE');
    note(aux.status);
    const suspended = await bar.suspend(1);
    const resumed = await bar.resume(suspended.queueId);
    note(String(resumed.suspended));

    const answered = await bar.answer();
    note(answered.call.uniqueid);
    await bar.dial('0800123456');
    await bar.dial('0800123456', 3);
    await bar.dial('0800123456', 'directCall', 101);
    const dialled = await bar.dial('0800123456', 'undefined', 101, { ticket: 42 });
    note(dialled.uniqueid + (dialled.call?.number ?? ''));
    await bar.tribute();
    await bar.hold();
    await bar.unhold();
    const muted = await bar.mute();
    note(String(muted.muted));
    const consult = await bar.transfer('102');
    note(consult.uniqueid);
    await bar.transfer();
    const finished = await bar.finishTransfer();
    note(finished.consultation);
    await bar.blindTransfer('103');
    await bar.hangup();

    const codes = await bar.setAccountCode('1700000000.1', 'Order', 'New', true);
    note(codes.accountCodes.map((c) => c.code + (c.sub ?? '')).join());
    await bar.setAccountCode('1700000000.1', 'Complaint');
    await bar.setAccountCode('1700000000.1', 'Information', null);

    const id: number = await bar.notify('Bad identifier: {identifier}', 'error', true, null, 'IDENTIFY', 'identify', {
        values: { identifier: 'cisco' },
    });
    await bar.notify({ title: 'Saved', type: 'success', timeout: 3000 });
    await bar.notify('Plain');
    note(id.toFixed(0));

    const sound: UcsOperator.RingingSound = await bar.selectRingingSound('lovingYou');
    note(sound);
    await bar.testRingingSound();
    await bar.stopRingingSoundTest();

    const state = bar.state(); // synchronous
    if (state !== null) note(describeState(state) + state.ringingSound + (state.audio === 'blocked' ? ' (silent until a click)' : ''));
    // @ts-expect-error audio is 'ready' or 'blocked', nothing else
    const notAnAudioState: UcsOperator.AudioState = 'muted';
    note(notAnAudioState);

    await bar.logout();

    try {
        await bar.changeStatus('READY');
    } catch (e) {
        const error = e as UcsOperator.MethodError;
        if (error.code === 'INVALID_STATE') note(error.message);
    }
    await bar.hangup().catch((error: UcsOperator.MethodError) => note(error.code));

    // @ts-expect-error: not a documented status
    await bar.changeStatus('LUNCH');
    // @ts-expect-error: the number is a string
    await bar.dial(800123456);
    // @ts-expect-error: queue is an id, "directCall" or "undefined"
    await bar.dial('0800123456', 'campaign');
    // @ts-expect-error: state() is synchronous, not a promise
    await bar.state().then(() => undefined);
    // @ts-expect-error: not a ringing sound
    await bar.selectRingingSound('beep');
    // @ts-expect-error: blindTransfer needs the number
    await bar.blindTransfer();
    // @ts-expect-error: not a method of the bar
    await bar.reboot();
}

void drive();
note(seen.length.toString());
