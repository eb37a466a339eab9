// TypeScript declarations for the UCS agent bar (operator.js v4.0.0): window.ucsOperator's
// configuration, callbacks, methods and objects, as the integration document (ucs-agent-bar-v4.txt)
// names them; where it leaves room, as docs/API-DECISIONS decided. Checked by
// tests/typescript/typed-integration.ts.
//
// Usage: reference this file (/// <reference path=".../operator.d.ts" />, or list it in tsconfig's
// "files"). Assigning window.ucsOperator takes a configuration; reading it gives the bar, whose
// methods the script installs as soon as it runs.

declare namespace UcsOperator {
    // ---- objects -----------------------------------------------------------------------------

    /** Unix epoch seconds. */
    type Timestamp = number;

    /** Agent availability (onStateChange, User.status, changeStatus). */
    type AgentStatus = 'OFFLINE' | 'READY' | 'ACW' | 'AUX';

    /** The bar's own state (the document's method-per-state table). */
    type AppState = 'CONNECTING' | 'CREDENTIALS' | 'IDENTIFY' | 'DEVICE' | 'READY';

    /** Call.state: 0 new, 1 connection in progress, 2 invitation (ringing), 3 connected, 4 suspended, 5 held. */
    type CallState = 0 | 1 | 2 | 3 | 4 | 5;

    /**
     * Call.cause: -1 not hung up yet, 0 unknown, 1 busy, 2 invalid number, 3 the caller hung up,
     * 4 the called party hung up, 5 rejected, 6 unavailable, 7 pickup, 8 transfer.
     */
    type HangupCause = -1 | 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

    /** Call.caller_type / connected_type: a telephone line or a trunk. */
    type ChannelType = 'line' | 'trunk';

    type RingingSound = 'default' | 'christmas' | 'lovingYou' | 'quest' | 'rush';

    /** Call (v4.0.0): every documented field. */
    interface Call {
        called_name: string | null;
        called_number: string;
        /** E.164; null when the number has no E.164 form. */
        called_number_norm: string | null;
        caller_channel: string | null;
        caller_extension: string | null;
        caller_group_id: number | null;
        caller_internal: boolean;
        caller_line_id: number | null;
        caller_muted: boolean;
        caller_name: string | null;
        caller_number: string;
        caller_number_norm: string | null;
        caller_type: ChannelType;
        caller_user_id: number | null;
        caller_username: string | null;
        cause: HangupCause;
        connected: Timestamp | null;
        connected_channel: string | null;
        connected_group_id: number | null;
        connected_internal: boolean;
        connected_line_id: number | null;
        connected_muted: boolean;
        connected_name: string | null;
        connected_number: string | null;
        connected_number_norm: string | null;
        connected_type: ChannelType;
        connected_user_id: number | null;
        connected_username: string | null;
        created: Timestamp;
        /** Call metadata, e.g. from an external lookup; `crm_url` opens a tab with crmAutoOpen. */
        data: Record<string, unknown>;
        direction: 'OUTGOING' | 'INCOMING';
        disconnected: Timestamp | null;
        external_id: string | null;
        /** Rotates in 1..65535: identify calls by `uniqueid`. */
        id: number;
        name: string | null;
        now: Timestamp;
        /** The called number of an outgoing call, the caller's number of an incoming one. */
        number: string;
        outbound_id: number | null;
        recorded: boolean;
        state: CallState;
        subcalls: number;
        uniqueid: string;
    }

    /** Queue (v4.0.0): the agent's membership of one queue, with the agent's figures in it. */
    interface Queue {
        answered: number;
        priorities: number;
        queue_id: number;
        ringtime: number;
        supervisor: boolean;
        suspended: boolean;
        suspendtime: number;
        talktime: number;
        team_id: number | null;
        transferred: number;
        transferred_external: number;
        /** 0 outgoing, 1 incoming. */
        type: 0 | 1;
        unanswered: number;
    }

    /** A phone (line) paired with the bar by its identifier (onDevice, onIdentify, User.lines). */
    interface Device {
        /** The line id (Call.*_line_id, dial's `line`). */
        id: number;
        identifier: string;
        name: string;
        extension: string;
    }

    /** User (v4.0.0): every documented field. */
    interface User {
        acwtime: number;
        auxtime: number;
        /** AUX reason name -> seconds spent in it. */
        auxtimes: Record<string, number>;
        data: Record<string, unknown>;
        displayname: string;
        email: string | null;
        external_id: string | null;
        firstname: string;
        group_id: number | null;
        id: number;
        idletime: number;
        in_calls_answered: number;
        in_calls_unanswered: number;
        in_ringtime: number;
        in_talktime: number;
        lastname: string;
        lines: Device[];
        locale: string;
        number: string | null;
        out_calls_answered: number;
        out_calls_unanswered: number;
        out_ringtime: number;
        out_talktime: number;
        primary_extension: number | null;
        /** Queue id -> the user's membership of it. */
        queues: Record<string, Queue>;
        readytime: number;
        ringtime: number;
        status: AgentStatus;
        superuser: boolean;
        talktime: number;
        transferred: number;
        transferred_external: number;
    }

    /** onStateChange's argument; `reason` names the AUX reason and is null otherwise. */
    interface AgentState {
        status: AgentStatus;
        reason: string | null;
    }

    interface AuxReason {
        id: number;
        name: string;
    }

    interface CallReason {
        id: number;
        name: string;
        subcodes: { id: number; name: string }[];
    }

    /** An entry of the onReady state's `queues`: a queue the agent can see. */
    interface QueueInfo {
        id: number;
        name: string;
        /** 0 outgoing, 1 incoming. */
        type: 0 | 1;
        number: string | null;
    }

    interface Group {
        id: number;
        name: string;
    }

    /** An entry of the onReady state's `agents`. */
    interface AgentInfo {
        id: number;
        username: string;
        displayname: string;
        status: AgentStatus;
        reason: string | null;
        extension: string | null;
    }

    /** onReady's argument; state() returns the same object plus `ringingSound` (v4.55.0). */
    interface ReadyState {
        status: AgentStatus;
        reason: string | null;
        call: Call | null;
        user: User;
        device: Device | null;
        auxReasons: AuxReason[];
        callReasons: CallReason[];
        queues: QueueInfo[];
        groups: Group[];
        agents: AgentInfo[];
        waitingCallers: number;
        now: Timestamp;
    }

    interface State extends ReadyState {
        ringingSound: RingingSound;
    }

    /** onMessage's argument: a message for the agent. */
    interface Message {
        message: string;
        type: 'success' | 'info' | 'warning' | 'error';
        group: string | null;
        data: Record<string, unknown> | null;
    }

    /** What a method's promise rejects with. */
    interface MethodError {
        /**
         * INVALID_STATE (not allowed in the bar's state), INVALID_ARGUMENT, NETWORK_ERROR, UNAVAILABLE (the bar
         * could not be loaded), and the server's codes: BAD_CREDENTIALS, SSO_REFUSED, BAD_IDENTIFIER, NO_DEVICE,
         * NO_CALL, NOT_FOUND, ...
         */
        code: string;
        message: string;
    }

    // ---- configuration --------------------------------------------------------------------------

    /** An endpoint of `api`. */
    interface Endpoint {
        hostname?: string;
        /** Documented as a string; numbers are accepted. */
        port?: string | number;
        path?: string;
        secure?: boolean;
    }

    /** `api`: where UCS is; unset, it comes from the URL the script was loaded from. */
    interface Api {
        hostname: string;
        port: string | number;
        path?: string;
        /** Defaults to true for port 443 or an https page. */
        secure?: boolean;
        ws?: Endpoint;
        recording?: Endpoint;
        report?: Endpoint;
        email?: Endpoint;
        template?: Endpoint;
    }

    /** v4.59.0 */
    interface AudioInputConstraints {
        echoCancellation?: boolean;
        noiseSuppression?: boolean;
        autoGainControl?: boolean;
    }

    /** Callbacks are called with `this === window.ucsOperator` and may be replaced at any time. */
    interface Callbacks {
        onError?: (this: Bar, message: string) => void;
        onWarning?: (this: Bar, message: string) => void;
        onInfo?: (this: Bar, message: string) => void;
        onDebug?: (this: Bar, message: string) => void;
        onMessage?: (this: Bar, message: Message) => void;
        /** After connecting to UCS, with the application version ("4.0.0"). */
        onConnect?: (this: Bar, version: string) => void;
        /** Login data is needed: call login() or sso(). */
        onCredentials?: (this: Bar) => void;
        onLoginError?: (this: Bar, code: number, message: string) => void;
        onUser?: (this: Bar, user: User) => void;
        /** An identifier is needed to pair a phone; the phones when listDevices is true, else []. */
        onIdentify?: (this: Bar, identifiers: Device[]) => void;
        onIdentifier?: (this: Bar, identifier: string) => void;
        onDevice?: (this: Bar, device: Device) => void;
        onReady?: (this: Bar, state: ReadyState) => void;
        onStateChange?: (this: Bar, state: AgentState) => void;
        onCallNew?: (this: Bar, call: Call) => void;
        onCallRinging?: (this: Bar, call: Call) => void;
        onCallConnect?: (this: Bar, call: Call) => void;
        onCallHold?: (this: Bar, call: Call) => void;
        onCallResume?: (this: Bar, call: Call) => void;
        onCallHangup?: (this: Bar, call: Call) => void;
        onCallMute?: (this: Bar, call: Call) => void;
        onCallUnmute?: (this: Bar, call: Call) => void;
        onAgentSuspend?: (this: Bar, queueId: number) => void;
        onAgentResume?: (this: Bar, queueId: number) => void;
        onWaitingCallersChange?: (this: Bar, waitingCallers: number) => void;
    }

    /** window.ucsOperator as the CRM writes it before the script tag: every documented parameter. */
    interface Config extends Callbacks {
        api?: Api;
        /** Before the user logs in; after login the user's locale wins. */
        lang?: 'en' | 'cs';
        /** The id of the element the bar renders into (default "app"). */
        renderTo?: string;
        headless?: boolean;
        autologin?: boolean;
        autologout?: boolean;
        identifyURL?: boolean;
        identifyIP?: boolean;
        identifyCookie?: boolean;
        listDevices?: boolean;
        confirmDevice?: boolean;
        /** Open a ringing call's data.crm_url in a new tab. */
        crmAutoOpen?: boolean;
        showDialControl?: boolean;
        confirmUnload?: boolean;
        notifyWaitingCallers?: boolean;
        /** %name% and %icon% are replaced. */
        topMenuNameContent?: string;
        showBottomMenu?: boolean;
        autoOpenAccountCode?: boolean;
        /** v4.59.0 */
        audioInputConstraints?: AudioInputConstraints;
        withoutDevice?: boolean;
        /** v4.32.0: start at once instead of on the window's load event. */
        legacyStartup?: boolean;
        /** v4.32.0 */
        disableIntegratedAutoLogout?: boolean;
        /** v4.34.0 */
        debounceRequests?: boolean;
    }

    // ---- methods --------------------------------------------------------------------------------

    /** notify()'s fields, positionally or as one object. */
    interface Notification {
        title: string;
        type?: 'error' | 'warning' | 'success' | 'info';
        /** Replace an existing notification with the same title. */
        unique?: boolean;
        /** Milliseconds until it disappears; null: never. */
        timeout?: number | null;
        /** The state in which it is shown; null: any. */
        boundState?: AppState | null;
        group?: string | null;
        /** E.g. {values: {identifier: 'cisco'}} fills "Bad identifier: {identifier}". */
        other?: { values?: Record<string, string | number>; [key: string]: unknown } | null;
    }

    /**
     * The methods the script installs on window.ucsOperator. Each returns a Promise (calls made before the
     * bar has loaded are queued); it rejects with a MethodError, e.g. INVALID_STATE outside the states the
     * document allows. The rejection is pre-handled: ignoring it is harmless. state() alone is synchronous.
     */
    interface Methods {
        /** CREDENTIALS. `remember` keeps a revocable login token (never the password) in a cookie. */
        login(username: string, password: string, remember?: boolean): Promise<User>;
        /** CREDENTIALS (after onCredentials). `provider`: the name of the integrating application. */
        sso(username: string, token: string, provider?: string): Promise<User>;
        /** IDENTIFY, DEVICE, READY. */
        logout(): Promise<null>;
        /** IDENTIFY, DEVICE: pair the phone with this identifier. */
        selectIdentifier(identifier: string): Promise<Device>;
        /** The state table's name for selectIdentifier. */
        identifier(identifier: string): Promise<Device>;
        /** IDENTIFY, DEVICE: confirm the paired phone and start. */
        provision(): Promise<State>;
        /** DEVICE, READY: choose another phone without logging out. */
        identify(): Promise<null>;
        /** READY. `reason` names the AUX reason. */
        changeStatus(status: AgentStatus, reason?: string): Promise<AgentState>;
        /** READY. */
        suspend(queue: number): Promise<{ queueId: number; suspended: boolean }>;
        /** READY. */
        resume(queue: number): Promise<{ queueId: number; suspended: boolean }>;
        /** READY. */
        answer(): Promise<{ call: Call }>;
        /**
         * READY. `queue`: an outgoing queue id, "directCall" (none) or "undefined" (UCS decides; also when absent).
         * `line`: the Device id to call from. `data`: metadata attached to the call.
         */
        dial(
            number: string,
            queue?: number | 'directCall' | 'undefined',
            line?: number,
            data?: Record<string, unknown>,
        ): Promise<{ uniqueid: string; call?: Call }>;
        /** READY. */
        hangup(): Promise<{ uniqueid: string }>;
        /** READY. Without a number the call is held and the next dial() is the consultation call. */
        transfer(number?: string): Promise<{ uniqueid: string; mode?: 'transfer'; call?: Call }>;
        /** READY. */
        finishTransfer(): Promise<{ uniqueid: string; consultation: string }>;
        /** READY. */
        blindTransfer(number: string): Promise<{ uniqueid: string }>;
        /** READY: hold the call. */
        tribute(): Promise<{ uniqueid: string }>;
        /** READY: the same as tribute(). */
        hold(): Promise<{ uniqueid: string }>;
        /** READY. */
        unhold(): Promise<{ uniqueid: string }>;
        /** READY: toggles the microphone. */
        mute(): Promise<{ uniqueid: string; muted: boolean }>;
        /** Any state. Resolves with the notification's id. */
        notify(notification: Notification): Promise<number>;
        notify(
            title: string,
            type?: Notification['type'],
            unique?: boolean,
            timeout?: number | null,
            boundState?: AppState | null,
            group?: string | null,
            other?: Notification['other'],
        ): Promise<number>;
        /** READY. */
        setAccountCode(
            uniqueid: string,
            accountCode: string,
            subAccountCode?: string | null,
            override?: boolean,
        ): Promise<{ uniqueid: string; accountCodes: { code: string; sub: string | null }[] }>;
        /** READY (v4.43.5). */
        selectRingingSound(ringingSound: RingingSound): Promise<RingingSound>;
        /** READY (v4.55.0). */
        testRingingSound(): Promise<null>;
        /** READY (v4.55.0). */
        stopRingingSoundTest(): Promise<null>;
        /** The onReady object plus ringingSound, synchronously; null outside READY and before the bar has loaded. */
        state(): State | null;
    }

    /** window.ucsOperator once the script has run: the configuration plus the methods. */
    type Bar = Config & Methods;
}

interface Window {
    /** Read: the bar (its methods are there as soon as the script has run). */
    get ucsOperator(): UcsOperator.Bar;
    /** Write: the configuration, before the script tag. */
    set ucsOperator(config: UcsOperator.Config);
}
