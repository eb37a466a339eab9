// web/gui/gui.js: the agent bar's GUI. It draws the engine's view model (bindings/ hand it over on every
// change; see Agent::view in src/agent/agent.cpp) into an open shadow root under renderTo, and turns clicks
// and keys into engine methods through the loader's invoke(). It decides nothing: which buttons are
// enabled, which notifications show, when the account-code table opens all come from the view.
//
// Safety: the DOM is built with createElement and textContent only; nothing from UCS, callers or the CRM
// is ever parsed as HTML. Styles come from UCS_GUI_CSS (web/gui/gui.css, inlined by bindings/bundle.cmake)
// as a constructed stylesheet where available, else a <style> element inside the shadow root.
function createUcsGui(invoke, readView, audioOf) {
  'use strict';
  var SVG = 'http://www.w3.org/2000/svg';
  var ICONS = {
    phone: 'M6.6 10.8a15 15 0 0 0 6.6 6.6l2.2-2.2c.3-.3.7-.4 1-.2 1.1.4 2.3.6 3.6.6.6 0 1 .4 1 1V20c0 .6-.4 1-1 1A17 17 0 0 1 3 4c0-.6.4-1 1-1h3.5c.6 0 1 .4 1 1 0 1.3.2 2.5.6 3.6.1.3 0 .7-.2 1z',
    pause: 'M6 5h4v14H6zm8 0h4v14h-4z',
    play: 'M8 5v14l11-7z',
    mic: 'M12 14a3 3 0 0 0 3-3V5a3 3 0 0 0-6 0v6a3 3 0 0 0 3 3zm5-3a5 5 0 0 1-10 0H5a7 7 0 0 0 6 6.9V21h2v-3.1a7 7 0 0 0 6-6.9z',
    arrow: 'M14 5l7 7-7 7v-4.5H3v-5h11z',
    caret: 'M7 10l5 5 5-5z',
  };
  var SOUNDS = UCS_CATALOG.ringingSounds; // the engine's list (bindings/catalog.cpp)

  var host = null, root = null, bar = null, banner = null, mounted = false;
  var view = null, lang = 'en', screenKey = '';
  var ui = {}; // the current screen's long-lived elements (inputs keep what the agent typed)
  var local = { panel: null, menu: false, accountFor: null, pending: {}, suspended: {}, userSig: '', frames: {}, recordings: {} };
  var ticker = 0;

  // ---- DOM helpers ----
  function T(key, values) {
    var table = UCS_GUI_STRINGS[lang] || UCS_GUI_STRINGS.en;
    var text = table[key] !== undefined ? table[key] : UCS_GUI_STRINGS.en[key] !== undefined ? UCS_GUI_STRINGS.en[key] : key;
    return values ? text.replace(/\{(\w+)\}/g, function (m, k) { return values[k] !== undefined ? String(values[k]) : m; }) : text;
  }
  // h('button.primary', {k: 'answer', onclick: f, 'aria-label': 'x', text: 'y'}, child...)
  function h(spec, props) {
    var parts = spec.split('.');
    var el = document.createElement(parts[0]);
    if (parts.length > 1) el.className = parts.slice(1).join(' ');
    for (var name in props || {}) {
      var value = props[name];
      if (value === undefined || value === null || value === false) continue;
      if (name === 'text') el.textContent = String(value);
      else if (name === 'k') el.setAttribute('data-k', value);
      else if (name.slice(0, 2) === 'on') el.addEventListener(name.slice(2), value);
      else if (name === 'value' || name === 'checked' || name === 'disabled' || name === 'selected') el[name] = value;
      else el.setAttribute(name, value === true ? '' : String(value));
    }
    for (var i = 2; i < arguments.length; i++) add(el, arguments[i]);
    return el;
  }
  function add(el, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) child.forEach(function (c) { add(el, c); });
    else el.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  function icon(name, extra) {
    var svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('class', 'icon' + (extra ? ' ' + extra : ''));
    var path = document.createElementNS(SVG, 'path');
    path.setAttribute('d', ICONS[name]);
    svg.appendChild(path);
    return svg;
  }
  // Replaces a container's children, keeping keyboard focus on the control with the same data-k.
  function fill(container, children) {
    var active = root.activeElement;
    var key = active && container.contains(active) ? active.getAttribute('data-k') : null;
    container.replaceChildren();
    add(container, children);
    if (key) {
      var again = container.querySelector('[data-k="' + key + '"]');
      if (again && !again.disabled) again.focus();
    }
  }
  // True when what a part of the screen shows has changed since it was last drawn: a redraw would
  // close an open <select> or move the caret, so unchanged parts are left alone.
  function changed(part, data) {
    var sig = JSON.stringify(data);
    if (ui['sig-' + part] === sig) return false;
    ui['sig-' + part] = sig;
    return true;
  }
  // Focus moves into the bar by itself only when the agent is not busy elsewhere on the CRM's page.
  function softFocus(el) {
    var active = document.activeElement;
    if (el && (!active || active === document.body || active === host)) el.focus({ preventScroll: true });
  }
  var uid = 0;
  function field(labelText, control, cls) {
    var id = 'u' + ++uid;
    control.id = id;
    return h('div.field' + (cls ? '.' + cls : ''), null, h('label', { for: id, text: labelText }), control);
  }
  // Calls the engine; the button stays disabled until it answers (errors come back as notifications).
  function act(method, args, key, then) {
    if (key) local.pending[key] = true;
    var done = function () {
      if (key) delete local.pending[key];
      if (view) draw();
    };
    invoke(method, args || []).then(function (result) {
      if (then) then(result);
      done();
    }, done);
    if (view) draw();
  }
  function clock(seconds) {
    seconds = Math.max(0, Math.floor(seconds || 0));
    var hh = Math.floor(seconds / 3600), mm = Math.floor(seconds / 60) % 60, ss = seconds % 60;
    return (hh ? hh + ':' + (mm < 10 ? '0' : '') : '') + mm + ':' + (ss < 10 ? '0' : '') + ss;
  }
  function displayName(user) {
    return (user && (user.displayname || [user.firstname, user.lastname].filter(Boolean).join(' ') || user.username)) || '';
  }
  // The other party's name: UCS's lookup, else what the telephone network says.
  function partyName(c) {
    return c.name || (c.direction === 'INCOMING' ? c.caller_name : c.called_name) || '';
  }
  function initials(name) {
    return name.split(/\s+/).filter(Boolean).slice(0, 2).map(function (w) { return w.charAt(0).toUpperCase(); }).join('');
  }

  // ---- the shadow root ----
  function mount(elementId) {
    var element = document.getElementById(elementId);
    if (!element) return false;
    if (element === host) return true;
    // A first render, or the CRM replaced the element (a re-rendered page): draw everything again.
    host = element;
    screenKey = '';
    ui = {};
    host.textContent = ''; // "Loading agent bar..."
    root = host.shadowRoot || host.attachShadow({ mode: 'open' }); // open: axe and integrators' tests can look in
    var sheet = null;
    try {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(UCS_GUI_CSS);
      root.adoptedStyleSheets = [sheet];
    } catch (e) {
      root.appendChild(h('style', { text: UCS_GUI_CSS }));
    }
    bar = h('div.bar', { role: 'region', 'aria-label': T('bar'), onkeydown: onKey });
    banner = h('p.banner', { role: 'status', hidden: true });
    root.appendChild(bar);
    if (mounted) return true;
    mounted = true;
    document.addEventListener('click', function (event) {
      if (local.menu && event.composedPath().indexOf(ui.menuWrap) < 0) closeMenu(false);
    });
    return true;
  }

  function onKey(event) {
    if (event.key !== 'Escape') return;
    if (local.menu) closeMenu(true);
    else if (local.panel) {
      var opener = ui.tabs && ui.tabs[local.panel];
      local.panel = null;
      draw();
      if (opener) opener.focus();
    } else return;
    event.stopPropagation();
  }

  // ---- screens, rebuilt when the app state or the language changes ----
  function buildScreen() {
    ui = {};
    var s = view.state;
    var screen;
    if (s === 'CREDENTIALS') screen = loginScreen();
    else if (s === 'IDENTIFY') screen = identifyScreen();
    else if (s === 'DEVICE') screen = deviceScreen();
    else if (s === 'READY') screen = readyScreen();
    else screen = h('div.card.center', null, h('p.muted', { role: 'status', text: T('connecting') }), (ui.notes = h('div.notes')));
    local.menu = false;
    bar.replaceChildren(banner, screen);
    bar.setAttribute('data-state', s);
    bar.setAttribute('aria-label', T('bar'));
  }

  function loginScreen() {
    ui.username = h('input', { type: 'text', name: 'username', autocomplete: 'username', required: true, value: view.login.username || '' });
    ui.password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
    ui.remember = h('input', { type: 'checkbox', checked: !!view.login.remembered });
    ui.submit = h('button.primary', { type: 'submit', text: T('signIn') });
    ui.notes = h('div.notes', { role: 'alert' });
    var form = h('form.card', {
      'aria-label': T('signIn'),
      onsubmit: function (e) {
        e.preventDefault();
        act('login', [ui.username.value, ui.password.value, ui.remember.checked], 'login');
      },
    },
    h('h2', { text: T('signIn') }),
    h('div.row', null, field(T('username'), ui.username, 'grow'), field(T('password'), ui.password, 'grow')),
    ui.notes,
    h('div.row.end', null, h('label.check', null, ui.remember, T('remember')), ui.submit));
    setTimeout(function () { softFocus(view.login.username ? ui.password : ui.username); }, 0);
    return form;
  }

  function identifyScreen() {
    var devices = view.options.listDevices && Array.isArray(view.devices) ? view.devices : [];
    if (devices.length) {
      ui.identifier = h('select', { name: 'identifier' }, devices.map(function (d) {
        return h('option', { value: d.identifier, text: (d.name || d.identifier) + ' (' + d.identifier + ')' });
      }));
    } else {
      ui.identifier = h('input', { type: 'text', name: 'identifier', required: true, autocomplete: 'off' });
    }
    ui.submit = h('button.primary', { type: 'submit', text: T('pair') });
    ui.notes = h('div.notes', { role: 'alert' });
    return h('form.card', {
      'aria-label': T('pairTitle'),
      onsubmit: function (e) {
        e.preventDefault();
        act('selectIdentifier', [ui.identifier.value], 'pair');
      },
    },
    h('h2', { text: T('pairTitle') }),
    h('div.row', null, field(devices.length ? T('phone') : T('identifier'), ui.identifier, 'grow')),
    ui.notes,
    h('div.row.end', null, h('button', { type: 'button', text: T('logout'), onclick: function () { act('logout'); } }), ui.submit));
  }

  function deviceScreen() {
    ui.notes = h('div.notes', { role: 'alert' });
    var d = view.device || {};
    if (!view.confirmDevice) return h('div.card.center', null, h('p.muted', { role: 'status', text: T('pairing') }), ui.notes);
    return h('div.card', { role: 'group', 'aria-label': T('deviceTitle') },
      h('h2', { text: T('deviceTitle') }),
      h('p.device', null, icon('phone'), h('strong', { text: d.name || d.identifier || '' }), h('span.muted', { text: ' ' + (d.identifier || '') })),
      ui.notes,
      h('div.row.end', null,
        h('button', { type: 'button', text: T('logout'), onclick: function () { act('logout'); } }),
        h('button', { type: 'button', text: T('otherPhone'), onclick: function () { act('identify'); } }),
        h('button.primary', { type: 'button', text: T('confirm'), k: 'confirm', onclick: function () { act('provision', [], 'confirm'); } })));
  }

  function readyScreen() {
    ui.who = h('div.who');
    ui.statusButton = h('button.status', {
      type: 'button', 'aria-haspopup': 'menu', 'aria-expanded': 'false', k: 'status',
      onclick: function () { if (local.menu) closeMenu(true); else openMenu(); },
      onkeydown: function (e) { if (e.key === 'ArrowDown') { e.preventDefault(); openMenu(); } },
    });
    ui.menu = h('div.menu', { role: 'menu', hidden: true, 'aria-label': T('statusMenu'), onkeydown: menuKeys });
    ui.menuWrap = h('div.menuwrap', null, ui.statusButton, ui.menu);
    ui.waiting = h('span.badge', { role: 'status' });
    ui.tabs = {};
    var tab = function (key, label, controls) {
      return (ui.tabs[key] = h('button.tab', {
        type: 'button', 'aria-expanded': 'false', 'aria-controls': controls, k: 'tab-' + key, text: label,
        onclick: function () { openPanel(local.panel === key ? null : key); },
      }));
    };
    // The bar's own tabs, then the user's layout (pages of the CRM's choosing, keyed L0, L1...).
    var tabs = h('div.tabs', null, ['queues', 'history', 'stats', 'settings'].map(function (name) {
      return tab(name, T(name), 'ucs-panel');
    }), layoutTabs().map(function (t, i) { return tab('L' + i, t.name, 'ucs-frames'); }));
    var top = h('div.top', { role: 'toolbar', 'aria-label': T('status') }, ui.who, ui.menuWrap, ui.waiting);
    if (view.options.showDialControl) {
      ui.dialNumber = h('input', { type: 'tel', name: 'number', autocomplete: 'off', placeholder: '+420…' });
      ui.dialQueue = h('select', { name: 'queue' });
      ui.dialButton = h('button.primary', { type: 'submit', k: 'dial' }, icon('phone'), T('dial'));
      ui.dial = h('form.dial', {
        'aria-label': T('dial'),
        onsubmit: function (e) {
          e.preventDefault();
          var q = ui.dialQueue.value;
          if (ui.dialNumber.value.trim()) act('dial', [ui.dialNumber.value.trim(), /^\d+$/.test(q) ? Number(q) : q], 'dial');
        },
      }, field(T('dialNumber'), ui.dialNumber, 'grow'), field(T('dialQueue'), ui.dialQueue), ui.dialButton);
      top.appendChild(ui.dial);
    }
    top.appendChild(tabs);
    ui.calls = h('section.calls', { 'aria-label': T('calls') });
    ui.soundHint = h('div.soundhint', { role: 'status', hidden: true });
    ui.account = h('div.accountwrap');
    ui.panel = h('section.panel', { id: 'ucs-panel', hidden: true });
    ui.frames = h('section.frames', { id: 'ucs-frames', hidden: true });
    ui.notes = h('div.notes', { role: 'status', 'aria-live': 'polite', 'aria-label': T('notifications') });
    var bottom = h('div.bottom', { hidden: !view.options.showBottomMenu }, ui.notes);
    if (!view.options.showBottomMenu) ui.notes.className = 'notes inline';
    return h('div.ready', null, top, ui.soundHint, ui.calls, ui.account, ui.panel, ui.frames, view.options.showBottomMenu ? bottom : ui.notes);
  }

  // ---- the status menu ----
  function statusItems() {
    var items = [{ status: 'READY', label: T('READY') }];
    (view.auxReasons || []).forEach(function (r) { items.push({ status: 'AUX', reason: r.name, label: r.name }); });
    items.push({ status: 'OFFLINE', label: T('OFFLINE') });
    return items;
  }
  function openMenu() {
    local.menu = true;
    drawMenu();
    var checked = ui.menu.querySelector('[aria-checked="true"]') || ui.menu.firstChild;
    if (checked) checked.focus();
  }
  function closeMenu(refocus) {
    local.menu = false;
    drawMenu();
    if (refocus) ui.statusButton.focus();
  }
  function menuKeys(e) {
    var items = Array.prototype.slice.call(ui.menu.querySelectorAll('[role=menuitemradio]'));
    var at = items.indexOf(root.activeElement);
    var next = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: items.length - 1 }[e.key];
    if (next === undefined) {
      if (e.key === 'Tab') closeMenu(false);
      return;
    }
    e.preventDefault();
    items[(next + items.length) % items.length].focus();
  }
  function drawMenu() {
    if (!ui.menu) return;
    ui.menu.hidden = !local.menu;
    ui.statusButton.setAttribute('aria-expanded', String(local.menu));
    if (!local.menu) {
      ui['sig-menu'] = null;
      return;
    }
    if (!changed('menu', [view.status, view.reason, view.auxReasons])) return;
    fill(ui.menu, statusItems().map(function (item, i) {
      var current = item.status === view.status && (item.status !== 'AUX' || item.reason === view.reason);
      return h('button.item', {
        type: 'button', role: 'menuitemradio', 'aria-checked': String(current), tabindex: '-1', k: 'm' + i,
        onclick: function () {
          closeMenu(true);
          act('changeStatus', item.reason ? [item.status, item.reason] : [item.status]);
        },
      }, h('span.dot.s-' + item.status), item.label);
    }));
  }

  // ---- panels ----
  function openPanel(name) {
    local.panel = name;
    if (name === 'history') act('history', [historyFilter()]);
    draw();
  }
  function historyFilter() {
    var f = {};
    if (ui.hNumber && ui.hNumber.value.trim()) f.number = ui.hNumber.value.trim();
    if (ui.hDirection && ui.hDirection.value) f.direction = ui.hDirection.value;
    return f;
  }

  // ---- drawing the current view ----
  function draw() {
    var key = view.state + '/' + view.lang + '/' + (view.state === 'DEVICE' ? view.confirmDevice : '') +
      '/' + (view.state === 'IDENTIFY' ? (view.devices || []).length : '') +
      '/' + (view.state === 'READY' ? JSON.stringify(layoutTabs().map(function (t) { return t.name; })) : '');
    if (key !== screenKey) {
      // Entering READY (after a login): the tab sso's provider activated, as the engine decided.
      if (view.state === 'READY' && screenKey.indexOf('READY/') !== 0) local.panel = activeLayoutKey() || local.panel;
      screenKey = key;
      buildScreen();
    }
    var offline = !view.connected && view.state !== 'CONNECTING';
    bar.classList.toggle('offline', offline);
    banner.hidden = !offline;
    banner.textContent = offline ? T('disconnected') : '';
    drawNotes();
    if (ui.submit) ui.submit.disabled = !!(local.pending.login || local.pending.pair);
    if (view.state === 'READY') drawReady();
    // Re-read the view every second for a call's timer and the ACW countdown; also while the phone
    // list is awaited (the engine stores it without announcing a view change).
    var live = view.state === 'READY' ? (view.calls || []).length > 0 || view.acwRemaining !== null
      : view.state === 'IDENTIFY' && view.options.listDevices && !(view.devices || []).length;
    if (live && !ticker) ticker = setInterval(tick, 1000);
    if (!live && ticker) {
      clearInterval(ticker);
      ticker = 0;
    }
  }
  function tick() {
    var fresh = readView();
    if (fresh) render(null, fresh);
  }

  function drawNotes() {
    if (!ui.notes || !changed('notes', view.notifications)) return;
    var groups = [], byGroup = {};
    (view.notifications || []).forEach(function (n) {
      var key = n.group || '#' + n.id;
      if (!byGroup[key]) groups.push((byGroup[key] = []));
      byGroup[key].push(n);
    });
    fill(ui.notes, groups.map(function (list) {
      var n = list[list.length - 1]; // the newest of its group
      return h('div.note.t-' + n.type, { 'data-group': n.group || null },
        h('span.sr', { text: T(n.type) + ': ' }),
        h('span.title', { text: n.title }),
        list.length > 1 ? h('span.count', { text: '×' + list.length }) : null,
        h('button.x', {
          type: 'button', 'aria-label': T('dismiss') + ': ' + n.title, text: '×', k: 'x' + n.id,
          onclick: function () { list.forEach(function (m) { act('dismiss', [m.id]); }); },
        }));
    }));
  }

  function drawReady() {
    var user = view.user || {};
    var name = displayName(user);
    // topMenuNameContent: %name% and %icon% in the integrator's text.
    var content = String((view.options && view.options.topMenuNameContent) || '%icon% %name%');
    fill(ui.who, content.split(/(%name%|%icon%)/).map(function (part) {
      if (part === '%name%') return h('span.name', { text: name });
      if (part === '%icon%') return h('span.avatar', { 'aria-hidden': 'true', text: initials(name) || '?' });
      return part ? h('span', { text: part }) : null;
    }));
    var statusLabel = view.status === 'ACW' && view.acwRemaining !== null ? T('acwLeft', { time: clock(view.acwRemaining) })
      : view.status === 'AUX' && view.reason ? view.reason : T(view.status || 'OFFLINE');
    fill(ui.statusButton, [h('span.dot.s-' + (view.status || 'OFFLINE')), h('span.label', { text: statusLabel }), icon('caret', 'caret')]);
    ui.statusButton.setAttribute('aria-label', T('status') + ': ' + statusLabel + '. ' + T('statusMenu'));
    ui.statusButton.disabled = !view.actions.changeStatus;
    drawMenu();
    drawSoundHint();
    var waiting = view.waitingCallers || 0;
    ui.waiting.textContent = waiting ? T('waiting', { n: waiting }) : '';
    ui.waiting.setAttribute('aria-label', T('waitingLabel', { n: waiting }));
    ui.waiting.hidden = !waiting;
    if (ui.dial) {
      var queues = (view.queueNames || []).filter(function (q) { return q.type === 0 || q.type === 'OUTGOING' || q.type === 'outgoing'; });
      var options = [['undefined', T('dialAuto')], ['directCall', T('dialDirect')]].concat(queues.map(function (q) { return [String(q.id), q.name]; }));
      var sig = JSON.stringify(options);
      if (ui.dialQueue.getAttribute('data-sig') !== sig) {
        var chosen = ui.dialQueue.value;
        ui.dialQueue.replaceChildren();
        options.forEach(function (o) { ui.dialQueue.appendChild(h('option', { value: o[0], text: o[1] })); });
        if (chosen) ui.dialQueue.value = chosen;
        ui.dialQueue.setAttribute('data-sig', sig);
      }
      ui.dialButton.disabled = !view.actions.dial || !!local.pending.dial;
    }
    drawCalls();
    drawAccount();
    drawPanel();
  }

  function drawCalls() {
    var calls = view.calls || [];
    var now = Date.now() / 1000;
    if (!ui.callRows) buildCallControls();
    ui.callControls.hidden = !calls.length;
    fill(ui.callRows, calls.length ? calls.map(function (c) {
      var since = c.connected || c.created || now;
      var muted = c.agentMuted;
      return h('div.call.cs-' + c.state, { role: 'group', 'aria-label': T(c.direction) + ' ' + (c.number || '') },
        h('span.dir', { text: T(c.direction) }),
        h('span.number', { text: c.number || '' }),
        h('span.cname', { text: partyName(c) || (c.direction === 'INCOMING' ? T('unknownCaller') : '') }),
        h('span.cstate', { text: T('state' + c.state) + (muted ? ' · ' + T('mute') : '') }),
        h('span.timer', { role: 'timer', 'aria-label': T('duration'), text: clock(now - since) }));
    }) : h('p.idle.muted', { text: T('noCall') }));
    var mutedNow = view.muted;
    for (var name in ui.callButtons) ui.callButtons[name].disabled = !view.actions[name] || !!local.pending[name];
    ui.callButtons.mute.lastChild.textContent = mutedNow ? T('unmute') : T('mute');
    ui.callButtons.mute.setAttribute('aria-pressed', String(!!mutedNow));
    if (changed('agents', view.agents)) {
      ui.agents.replaceChildren();
      (view.agents || []).forEach(function (a) {
        if (a.extension) ui.agents.appendChild(h('option', { value: a.extension, text: a.displayname }));
      });
    }
  }

  // The call controls are built once: the agent may be typing a transfer number while the timer ticks.
  function buildCallControls() {
    ui.callRows = h('div.calllist');
    ui.callButtons = {};
    var button = function (name, iconName, method, args) {
      return (ui.callButtons[name] = h('button.act.a-' + name, {
        type: 'button', k: 'c-' + name,
        onclick: function () { act(method || name, args ? args() : [], name); },
      }, iconName ? icon(iconName, name === 'hangup' ? 'down' : '') : null, h('span', { text: T(name) })));
    };
    ui.transferNumber = h('input', { type: 'tel', name: 'transfer', autocomplete: 'off', list: 'ucs-agents' });
    ui.agents = h('datalist', { id: 'ucs-agents' });
    var number = function () { return ui.transferNumber.value.trim(); };
    ui.callControls = h('div.controls', null,
      h('div.actions', { role: 'toolbar', 'aria-label': T('calls') },
        button('answer', 'phone'), button('hangup', 'phone'), button('hold', 'pause'), button('unhold', 'play'), button('mute', 'mic')),
      h('div.transfer', null, field(T('transferTo'), ui.transferNumber, 'grow'), ui.agents,
        button('transfer', 'arrow', 'transfer', function () { return number() ? [number()] : []; }),
        button('blindTransfer', null, 'blindTransfer', function () { return [number()]; }),
        button('finishTransfer', null)));
    ui.calls.replaceChildren(ui.callRows, ui.callControls);
  }

  function drawAccount() {
    var uniqueid = view.accountCodeFor || local.accountFor;
    if (!uniqueid) {
      if (ui.accountFor) fill(ui.account, null);
      ui.accountFor = null;
      return;
    }
    if (ui.accountFor === uniqueid) return; // the agent may be choosing: leave the form alone
    ui.accountFor = uniqueid;
    var reasons = view.callReasons || [];
    var code = h('select', { name: 'code' }, reasons.map(function (r) { return h('option', { value: r.name, text: r.name }); }));
    var sub = h('select', { name: 'sub' });
    var subs = function () {
      var r = reasons.filter(function (x) { return x.name === code.value; })[0];
      sub.replaceChildren(h('option', { value: '', text: T('none') }));
      ((r && r.subcodes) || []).forEach(function (s) { sub.appendChild(h('option', { value: s.name, text: s.name })); });
      sub.disabled = sub.options.length < 2;
    };
    code.addEventListener('change', subs);
    subs();
    var close = function () {
      local.accountFor = null;
      if (view.accountCodeFor) act('closeAccountCode');
      else draw();
    };
    var entry = (view.history || []).filter(function (e) { return e.call && e.call.uniqueid === uniqueid; })[0];
    fill(ui.account, h('form.card.account', {
      role: 'dialog', 'aria-label': T('accountTitle'),
      onsubmit: function (e) {
        e.preventDefault();
        invoke('setAccountCode', [uniqueid, code.value, sub.value || null]).then(function () {
          close();
          if (local.panel === 'history') act('history', [historyFilter()]); // show the new code
        }, function () {});
      },
      onkeydown: function (e) { if (e.key === 'Escape') { e.stopPropagation(); close(); } },
    },
    h('h2', { text: T('accountTitle') }),
    entry ? h('p.muted', { text: T('accountFor', { number: entry.call.number || '' }) }) : null,
    h('div.row', null, field(T('accountCode'), code, 'grow'), field(T('subCode'), sub, 'grow')),
    h('div.row.end', null, h('button', { type: 'button', text: T('close'), onclick: close }), h('button.primary', { type: 'submit', text: T('save') }))));
    softFocus(code);
  }

  // The browser plays the softphone's sound only after a click or a key on the page: say so, with a
  // button to click (the click itself unlocks it).
  function drawSoundHint() {
    var blocked = !!(view.audio && view.audio.softphone && view.audio.blocked);
    if (!changed('soundHint', [blocked, lang])) return;
    ui.soundHint.hidden = !blocked;
    fill(ui.soundHint, blocked ? [h('span', { text: T('soundBlocked') }),
      h('button.small', { type: 'button', k: 'enable-sound', text: T('enableSound'), onclick: function () { audioOf().unlock(); } })] : null);
  }

  function drawPanel() {
    for (var name in ui.tabs) {
      ui.tabs[name].setAttribute('aria-expanded', String(local.panel === name));
      if (!isLayoutKey(name)) ui.tabs[name].textContent = T(name);
    }
    drawFrames();
    var builtIn = !!local.panel && !isLayoutKey(local.panel);
    ui.panel.hidden = !builtIn;
    if (!builtIn) {
      if (ui.panelKind) fill(ui.panel, null);
      ui.panelKind = null;
      return;
    }
    ui.panel.setAttribute('aria-label', T(local.panel));
    if (local.panel === 'history') return drawHistory();
    var data = local.panel === 'queues' ? [view.user && view.user.queues, view.queueNames, local.pending, local.suspended]
      : local.panel === 'stats' ? view.user : [view.device, view.ringingSound, local.devices, !!local.meterStop];
    if (ui.panelKind === local.panel && !changed('panel', data)) return;
    ui.panelKind = local.panel;
    changed('panel', data);
    fill(ui.panel, local.panel === 'queues' ? queuesPanel() : local.panel === 'stats' ? statsPanel() : settingsPanel());
  }

  // ---- the user's layout: a CRM page per tab, in a sandboxed frame ----
  function layoutTabs() {
    return (view.layout && Array.isArray(view.layout.tabs)) ? view.layout.tabs : [];
  }
  function isLayoutKey(key) {
    return /^L\d+$/.test(key || '');
  }
  function activeLayoutKey() {
    var active = view.layout && view.layout.active;
    var at = layoutTabs().map(function (t) { return t.name; }).indexOf(active);
    return active !== null && at >= 0 ? 'L' + at : null;
  }
  // A tab's frame is created the first time the tab is shown and kept while the tab exists (hidden,
  // not reloaded, when another tab is open): the agent's work in the CRM page survives a look at the
  // queues. The engine chose the sandbox (core/rules/layout.hpp); no permissions, no referrer.
  function drawFrames() {
    var tabs = layoutTabs(), keep = {}, shown = null;
    tabs.forEach(function (t, i) {
      var key = t.name + '\n' + t.url + '\n' + t.sandbox;
      keep[key] = true;
      if (local.panel !== 'L' + i) return;
      shown = local.frames[key] || (local.frames[key] = h('iframe', {
        sandbox: t.sandbox, referrerpolicy: 'no-referrer', allow: '', title: t.name, src: t.url,
      }));
    });
    for (var key in local.frames) {
      var frame = local.frames[key];
      if (!keep[key]) {
        frame.remove();
        delete local.frames[key];
        continue;
      }
      if (frame.parentNode !== ui.frames) ui.frames.appendChild(frame);
      frame.hidden = frame !== shown;
    }
    ui.frames.hidden = !shown;
    if (shown) ui.frames.setAttribute('aria-label', shown.title);
  }

  function queuesPanel() {
    var memberships = (view.user && view.user.queues) || {};
    // The engine's user.queues changes only with a `user` event, which suspend/resume do not send:
    // until the next one, the answer to the agent's own suspend/resume says how the queue stands.
    var userSig = JSON.stringify(memberships);
    if (userSig !== local.userSig) {
      local.userSig = userSig;
      local.suspended = {};
    }
    var names = {};
    (view.queueNames || []).forEach(function (q) { names[q.id] = q.name; });
    var ids = Object.keys(memberships);
    if (!ids.length) return h('p.muted', { text: T('noQueues') });
    return h('ul.list', null, ids.map(function (id) {
      var q = memberships[id], queue = Number(id), label = names[id] || '#' + id;
      var suspended = id in local.suspended ? local.suspended[id] : q.suspended;
      return h('li', null,
        h('span.qname', { text: label }),
        h('span.pill' + (suspended ? '.off' : '.on'), { text: suspended ? T('queueSuspended') : T('queueActive') }),
        h('button', {
          type: 'button', k: 'q' + id, disabled: !!local.pending['q' + id], 'aria-label': (suspended ? T('resume') : T('suspend')) + ': ' + label,
          text: suspended ? T('resume') : T('suspend'),
          onclick: function () {
            act(suspended ? 'resume' : 'suspend', [queue], 'q' + id, function (r) {
              if (r && typeof r.suspended === 'boolean') local.suspended[id] = r.suspended;
            });
          },
        }));
    }));
  }

  function drawHistory() {
    if (ui.panelKind !== 'history') {
      ui.panelKind = 'history';
      var query = function () { act('history', [historyFilter()]); };
      ui.hNumber = h('input', { type: 'search', name: 'filter', autocomplete: 'off', oninput: query });
      ui.hDirection = h('select', { name: 'direction', onchange: query },
        h('option', { value: '', text: T('all') }), h('option', { value: 'INCOMING', text: T('INCOMING') }), h('option', { value: 'OUTGOING', text: T('OUTGOING') }));
      ui.hRows = h('div.tablewrap');
      ui['sig-history'] = null;
      fill(ui.panel, [h('div.row', null, field(T('filterNumber'), ui.hNumber, 'grow'), field(T('filterDirection'), ui.hDirection)), ui.hRows]);
    }
    var rows = Array.isArray(view.history) ? view.history : [];
    if (!changed('history', rows)) return;
    if (!rows.length) return fill(ui.hRows, h('p.muted', { text: T('noHistory') }));
    fill(ui.hRows, h('table', null,
      h('thead', null, h('tr', null, [T('time'), T('filterDirection'), T('number'), T('name'), T('duration'), T('codes'), ''].map(function (t) {
        return h('th', { scope: 'col', text: t });
      }))),
      h('tbody', null, rows.map(function (e) {
        var c = e.call || {};
        var codes = (e.account_codes || []).map(function (a) { return a.code + (a.sub ? ' / ' + a.sub : ''); }).join(', ');
        var length = c.connected && c.disconnected ? clock(c.disconnected - c.connected) : '—';
        return h('tr', null,
          h('td', { text: c.created ? new Date(c.created * 1000).toLocaleString(lang === 'cs' ? 'cs-CZ' : 'en-GB', { dateStyle: 'short', timeStyle: 'short' }) : '' }),
          h('td', { text: T(c.direction) }),
          h('td', { text: c.number || '' }),
          h('td', { text: partyName(c) }),
          h('td', { text: length }),
          h('td', { text: codes }),
          h('td', null, c.recorded ? recordingControl(c) : null, h('button.small', {
            type: 'button', k: 'code-' + c.uniqueid, text: T('setCode'), 'aria-label': T('setCode') + ': ' + (c.number || ''),
            onclick: function () { local.accountFor = c.uniqueid; ui.accountFor = null; draw(); },
          })));
      }))));
  }

  // A recorded call's recording: a play button until ucsd signs its URL (recordingUrl), then the
  // browser's own player. An <audio> cannot send headers; the URL carries a short-lived token.
  function recordingControl(c) {
    var url = local.recordings[c.uniqueid];
    var label = T('recording') + ': ' + (c.number || '');
    var redraw = function () { ui['sig-history'] = null; };
    if (url) {
      return h('audio.recording', {
        controls: true, autoplay: true, preload: 'metadata', src: url, k: 'rec-' + c.uniqueid, 'aria-label': label,
        onerror: function () { delete local.recordings[c.uniqueid]; redraw(); draw(); }, // expired: ask again
      });
    }
    return h('button.small', {
      type: 'button', k: 'play-' + c.uniqueid, text: T('playRecording'), 'aria-label': label,
      disabled: !!local.pending['rec-' + c.uniqueid],
      onclick: function () {
        act('recordingUrl', [c.uniqueid], 'rec-' + c.uniqueid, function (granted) {
          if (granted && granted.url) local.recordings[c.uniqueid] = granted.url;
          redraw();
        });
      },
    });
  }

  function statsPanel() {
    var u = view.user || {};
    var items = [
      ['inAnswered', u.in_calls_answered], ['inUnanswered', u.in_calls_unanswered],
      ['outAnswered', u.out_calls_answered], ['outUnanswered', u.out_calls_unanswered],
      ['talktime', clock(u.talktime)], ['ringtime', clock(u.ringtime)], ['acwtime', clock(u.acwtime)], ['auxtime', clock(u.auxtime)],
    ];
    var aux = u.auxtimes || {};
    Object.keys(aux).forEach(function (k) { items.push([null, clock(aux[k]), T('AUX') + ': ' + k]); });
    return h('dl.stats', null, items.map(function (i) {
      return h('div', null, h('dt', { text: i[2] || T(i[0]) }), h('dd', { text: i[1] === undefined ? '0' : String(i[1]) }));
    }));
  }

  function settingsPanel() {
    var d = view.device || {};
    var sound = h('select', {
      name: 'ringtone',
      onchange: function () { act('selectRingingSound', [sound.value]); },
    }, SOUNDS.map(function (s) { return h('option', { value: s, text: T('sound_' + s), selected: s === view.ringingSound }); }));
    return h('div.settings', null,
      h('div.row', null,
        h('div.grow', null, h('div.muted', { text: T('pairedPhone') }), h('strong', { text: (d.name || '') + (d.identifier ? ' (' + d.identifier + ')' : '') })),
        h('button', { type: 'button', k: 'identify', text: T('changePhone'), onclick: function () { act('identify'); } })),
      h('div.row', null, field(T('ringtone'), sound, 'grow'),
        h('button', { type: 'button', k: 'test', text: T('test'), onclick: function () { act('testRingingSound'); } }),
        h('button', { type: 'button', k: 'stop', text: T('stopTest'), onclick: function () { act('stopRingingSoundTest'); } })),
      audioSettings(),
      h('div.row.end', null, h('button.danger', { type: 'button', k: 'logout', text: T('logout'), onclick: function () { act('logout'); } })));
  }

  // The softphone's devices: microphone, call speaker, ringtone speaker (where the browser lets a page
  // choose speakers), kept by web/audio/softphone.js in the browser; and a level meter for the microphone.
  function audioSettings() {
    var audio = audioOf();
    if (!local.devices) {
      local.devices = [];
      audio.devices().then(function (list) {
        local.devices = list;
        draw();
      }, function () {});
    }
    var chosen = audio.chosen();
    function chooser(role, kind, label, other) {
      var n = 0;
      var options = [h('option', { value: '', text: T('systemDefault') })].concat(local.devices.filter(function (d) { return d.kind === kind; })
        .map(function (d) { return h('option', { value: d.id, text: d.label || T(other, { n: ++n }), selected: d.id === chosen[role] }); }));
      var select = h('select', { name: role, onchange: function () { audio.choose(role, select.value); } }, options);
      return field(T(label), select, 'grow');
    }
    ui.meter = h('meter', { min: -70, max: 0, low: -50, high: -10, optimum: -20, value: -70, 'aria-label': T('micLevel') });
    var testing = !!local.meterStop;
    var rows = [h('div.row', null, chooser('microphone', 'audioinput', 'microphone', 'microphoneN'),
      h('button', {
        type: 'button', k: 'mic-test', text: T(testing ? 'stopMicTest' : 'testMic'), 'aria-pressed': String(testing),
        onclick: function () {
          if (local.meterStop) {
            local.meterStop();
            local.meterStop = null;
          } else {
            local.meterStop = audio.meter(function (level, problem) {
              if (level === null) {
                ui.meter.title = problem;
                return;
              }
              ui.meter.value = Math.max(-70, level);
            });
          }
          draw();
        },
      })), h('div.row', { hidden: !testing }, ui.meter)];
    if (audio.canChooseSpeaker()) {
      rows.push(h('div.row', null, chooser('callSpeaker', 'audiooutput', 'callSpeaker', 'speakerN'),
        chooser('ringSpeaker', 'audiooutput', 'ringSpeaker', 'speakerN')));
    }
    return h('div.audio', null, rows);
  }

  // ---- the entry point the bindings call ----
  function render(elementId, next) {
    if (elementId !== null && !mount(elementId)) return;
    if (!root || !next) return;
    view = next;
    lang = UCS_GUI_STRINGS[view.lang] ? view.lang : 'en';
    if (view.state !== 'READY') {
      local.panel = null;
      local.accountFor = null;
    }
    if (view.state === 'CREDENTIALS') local.frames = {}; // the next user's tabs start afresh
    if (local.panel !== 'settings' && local.meterStop) {
      local.meterStop();
      local.meterStop = null;
    }
    draw();
  }

  return { render: render };
}
