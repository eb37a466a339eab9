// ucsd sandbox console: a bearer token from the REST client "sandbox", a one-second poll of agents,
// calls and queues, and forms for the sandbox control API. Every server string is rendered with
// textContent, never as markup: caller names and call data come from outside.
'use strict';

(function () {
  var CLIENT = { client_id: 'sandbox', client_secret: 'sandbox', grant_type: 'client_credentials' };
  var CALL_STATES = ['new', 'connecting', 'ringing', 'connected', 'suspended', 'held'];
  var QUEUE_TYPES = ['outgoing', 'incoming'];  // Queue.type is sent as its number
  var POLL_MS = 1000;

  var token = null;
  var tokenPromise = null;
  var polling = false;
  var lastRendered = {};

  // ---- errors ------------------------------------------------------------------------------

  var errorBox = document.getElementById('errors');
  var errorList = document.getElementById('error-list');

  function showError(text) {
    var item = document.createElement('li');
    item.textContent = new Date().toLocaleTimeString() + ' ' + text;
    errorList.insertBefore(item, errorList.firstChild);
    while (errorList.children.length > 8) errorList.removeChild(errorList.lastChild);
    errorBox.hidden = false;
  }

  document.getElementById('clear-errors').addEventListener('click', function () {
    errorList.textContent = '';
    errorBox.hidden = true;
  });

  function setStatus(text, ok) {
    var status = document.getElementById('server-status');
    status.textContent = text;
    status.className = 'status ' + (ok ? 'ok' : 'bad');
  }

  // ---- REST --------------------------------------------------------------------------------

  function ApiError(method, path, status, body) {
    var error = body && body.error ? body.error : {};
    this.status = status;
    this.message = method + ' ' + path + ' → ' + status + (error.code ? ' ' + error.code : '') +
      (error.message ? ': ' + error.message : '');
  }

  function request(method, path, body, bearer) {
    var headers = {};
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (bearer) headers.Authorization = 'Bearer ' + bearer;
    return fetch(path, {
      method: method,
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    }).then(function (response) {
      return response.text().then(function (text) {
        var parsed = null;
        try { parsed = text ? JSON.parse(text) : null; } catch (e) { parsed = null; }
        if (!response.ok) throw new ApiError(method, path, response.status, parsed);
        return parsed;
      });
    }, function (networkError) {
      throw { status: 0, message: method + ' ' + path + ': ' + networkError.message };
    });
  }

  function getToken() {
    if (!tokenPromise) {
      tokenPromise = request('POST', '/login/oauth2/token', CLIENT).then(function (answer) {
        token = answer.access_token;
        // Renew a minute before it expires rather than after a failed request.
        setTimeout(function () { token = null; tokenPromise = null; }, Math.max(answer.expires_in - 60, 30) * 1000);
        return token;
      }, function (error) {
        tokenPromise = null;
        throw error;
      });
    }
    return tokenPromise;
  }

  // An API call with the bearer token; a 401 gets one fresh token and one retry.
  function api(method, path, body) {
    return getToken().then(function (bearer) {
      return request(method, path, body, bearer).catch(function (error) {
        if (error.status !== 401) throw error;
        token = null;
        tokenPromise = null;
        return getToken().then(function (fresh) { return request(method, path, body, fresh); });
      });
    });
  }

  // ---- rendering ---------------------------------------------------------------------------

  function cell(row, text, className) {
    var td = document.createElement('td');
    td.textContent = text === undefined || text === null ? '' : String(text);
    if (className) td.className = className;
    row.appendChild(td);
    return td;
  }

  function badge(row, text) {
    var td = document.createElement('td');
    var span = document.createElement('span');
    span.className = 'badge ' + text;
    span.textContent = text;
    td.appendChild(span);
    row.appendChild(td);
  }

  function button(parent, label, className, onClick) {
    var b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    b.className = className;
    b.addEventListener('click', function () {
      b.disabled = true;
      Promise.resolve(onClick()).catch(function (error) { showError(error.message); })
        .then(function () { b.disabled = false; poll(); });
    });
    parent.appendChild(b);
  }

  // Re-renders a table body only when its data changed, so buttons do not flicker under the cursor.
  function renderTable(id, items, columns, renderRow) {
    var key = JSON.stringify(items);
    if (lastRendered[id] === key) return;
    lastRendered[id] = key;
    var body = document.getElementById(id);
    body.textContent = '';
    if (!items.length) {
      var row = document.createElement('tr');
      cell(row, 'none', 'empty').colSpan = columns;
      body.appendChild(row);
      return;
    }
    items.forEach(function (item) {
      var row = document.createElement('tr');
      renderRow(row, item);
      body.appendChild(row);
    });
  }

  function party(name, number, extension) {
    var who = name || '';
    var where = extension ? 'ext ' + extension : number || '';
    return who && where ? who + ' <' + where + '>' : who || where;
  }

  function age(created, now) {
    if (!created) return '';
    var seconds = Math.max(0, Math.round((now || Date.now() / 1000) - created));
    return seconds < 60 ? seconds + ' s' : Math.floor(seconds / 60) + ' min ' + (seconds % 60) + ' s';
  }

  function renderCalls(calls) {
    document.getElementById('calls-count').textContent = calls.length ? '(' + calls.length + ')' : '';
    renderTable('calls', calls, 7, function (row, call) {
      cell(row, call.uniqueid);
      cell(row, call.direction);
      badge(row, CALL_STATES[call.state] || String(call.state));
      cell(row, party(call.caller_name, call.caller_number, call.caller_extension));
      cell(row, call.connected_number || call.connected_name
        ? party(call.connected_name, call.connected_number, null)
        : party(call.called_name, call.called_number, null));
      cell(row, age(call.created, call.now));
      var actions = cell(row, '', 'actions');
      var id = encodeURIComponent(call.uniqueid);
      button(actions, 'answer far end', 'secondary', function () {
        return api('POST', '/api/v1.0/sandbox/calls/' + id + '/answer');
      });
      button(actions, 'hang up far end', 'danger', function () {
        return api('POST', '/api/v1.0/sandbox/calls/' + id + '/hangup');
      });
      button(actions, 'heard (WAV)', 'secondary', function () { return downloadHeard(call.uniqueid); });
    });
  }

  // What the call's simulated party heard from the agent, saved as a WAV file (a bearer token is
  // needed, so a plain link would not do).
  function downloadHeard(uniqueid) {
    return getToken().then(function (bearer) {
      return fetch('/api/v1.0/sandbox/calls/' + encodeURIComponent(uniqueid) + '/heard', {
        headers: { Authorization: 'Bearer ' + bearer },
        cache: 'no-store',
      });
    }).then(function (response) {
      if (!response.ok) throw { status: response.status, message: 'heard: HTTP ' + response.status };
      return response.blob();
    }).then(function (blob) {
      var link = document.createElement('a');
      link.href = URL.createObjectURL(blob);
      link.download = 'heard-' + uniqueid + '.wav';
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(function () { URL.revokeObjectURL(link.href); }, 10000);
    });
  }

  function offhook(identifier) {
    return api('POST', '/api/v1.0/sandbox/devices/' + encodeURIComponent(identifier) + '/offhook');
  }

  function renderAgents(agents) {
    renderTable('agents', agents, 7, function (row, agent) {
      cell(row, agent.username);
      cell(row, agent.displayname);
      badge(row, agent.status);
      cell(row, agent.reason);
      cell(row, agent.extension);
      cell(row, agent.logged_in ? 'yes' : 'no');
      cell(row, (agent.queues || []).map(function (q) {
        return q.queue_id + (q.suspended ? ' (suspended)' : '');
      }).join(', '));
    });
  }

  function queueType(type) {
    return typeof type === 'number' ? QUEUE_TYPES[type] || String(type) : type;
  }

  function renderQueues(queues) {
    renderTable('queues', queues, 6, function (row, queue) {
      cell(row, queue.id);
      cell(row, queue.name);
      cell(row, queueType(queue.type));
      cell(row, queue.number);
      cell(row, queue.waiting);
      cell(row, (queue.members || []).join(', '));
    });
    // The queue select of the "ring a queue" form: incoming queues only.
    var select = document.querySelector('#ring-queue select[name=queue]');
    var incoming = queues.filter(function (q) { return queueType(q.type) === 'incoming'; });
    var key = JSON.stringify(incoming.map(function (q) { return [q.id, q.name]; }));
    if (select.getAttribute('data-key') === key) return;
    var chosen = select.value;
    select.textContent = '';
    incoming.forEach(function (queue) {
      var option = document.createElement('option');
      option.value = String(queue.id);
      option.textContent = queue.id + ' — ' + queue.name;
      select.appendChild(option);
    });
    if (chosen) select.value = chosen;
    select.setAttribute('data-key', key);
  }

  // ---- polling -----------------------------------------------------------------------------

  var failing = false;

  function poll() {
    if (polling) return;
    polling = true;
    Promise.all([
      api('GET', '/api/v1.0/status'),
      api('GET', '/api/v1.0/agents'),
      api('GET', '/api/v1.0/calls'),
      api('GET', '/api/v1.0/queues'),
    ]).then(function (answers) {
      var status = answers[0] || {};
      setStatus((status.server || 'ucsd') + ' · ' + (status.agents_logged_in || 0) + ' agents logged in · ' +
        (status.active_calls || 0) + ' calls · ' + (status.waiting_callers || 0) + ' waiting', true);
      renderAgents(answers[1] || []);
      renderCalls(answers[2] || []);
      renderQueues(answers[3] || []);
      failing = false;
    }).catch(function (error) {
      setStatus('not connected', false);
      // One error line per outage, not one per second.
      if (!failing) showError(error.message);
      failing = true;
    }).then(function () {
      polling = false;
    });
  }

  // ---- forms -------------------------------------------------------------------------------

  function onSubmit(id, build) {
    var form = document.getElementById(id);
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var submit = form.querySelector('button[type=submit]');
      submit.disabled = true;
      Promise.resolve().then(function () { return build(form.elements); })
        .catch(function (error) { showError(error.message); })
        .then(function () { submit.disabled = false; poll(); });
    });
  }

  function optional(value) {
    value = value.trim();
    return value === '' ? undefined : value;
  }

  // What the simulated caller plays to a softphone (docs/server.md, sandbox "audio"); silence if nothing.
  function audioOf(f) {
    if (optional(f.say.value)) return { say: f.say.value.trim() };
    if (optional(f.tone.value)) return { tone: Number(f.tone.value) };
    return undefined;
  }

  onSubmit('ring-queue', function (f) {
    return api('POST', '/api/v1.0/sandbox/calls', {
      from: f.from.value.trim(),
      queue: Number(f.queue.value),
      caller_name: optional(f.caller_name.value),
      audio: audioOf(f),
    });
  });

  onSubmit('call-extension', function (f) {
    return api('POST', '/api/v1.0/sandbox/calls', {
      from: f.from.value.trim(),
      to: f.to.value.trim(),
      caller_name: optional(f.caller_name.value),
      audio: audioOf(f),
    });
  });

  onSubmit('offhook', function (f) { return offhook(f.identifier.value.trim()); });

  poll();
  setInterval(poll, POLL_MS);
})();
