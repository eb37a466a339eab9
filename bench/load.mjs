// ucsd under load: WebSocket sessions against a real release ucsd --demo, figures read from /proc.
//
//   node bench/load.mjs [--sessions=1000,5000,10000] [--window=30] [--mirrors=300] [--fanout=20]
//                       [--agents=1000] [--rate=1000] [--calls=20] [--store-on-loop] [--only=idle|fanout|calls]
//                       [--port=P]
//
// idle:   N sessions (hello, then a ping every heartbeat_ms, staggered) -> RSS per session, ucsd's CPU over
//         `window` seconds as % of one core, and the heartbeat pings' round trip p50/p99 (as the client sees it:
//         includes this node process's own event-loop delay, so it is an upper bound).
// fanout: one agent (agent1) logged in from K sessions (SSO), one of them drives queue calls in a loop (sandbox
//         call -> answer -> far-end hangup -> READY); events delivered per second over all K sessions, ucsd's
//         CPU per delivered event, ring latency (sandbox POST -> call.ringing at the driver) and RSS growth.
// calls:  M agents (load1..loadM, added to the demo database, each on a desk phone of its own), sandbox calls
//         to their extensions at `rate` calls/s in all: ring -> answer -> far-end hangup. Calls/s completed, ring
//         latency (sandbox POST -> call.ringing at the agent) and hangup latency (far-end hangup POST ->
//         call.hangup at the agent: includes waiting for the history row to be durable), p50/p99. Then a
//         short second window under strace counts fdatasync per call. --store-on-loop runs the same against
//         ucsd --store-on-loop (each write committed on the event loop, as before group commit).
// Each scenario runs a fresh ucsd (port 0, temporary data directory). A figure, not a test.
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { benchUcsd, isMain, percentile, printTable } from './lib.mjs';

const SSO_SECRET = 'demo-sso-secret';
const TICKS = 100; // USER_HZ for /proc/<pid>/stat
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function listOption(name, fallback) {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg ? arg.slice(name.length + 3).split(',').map(Number) : fallback;
}

export const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

export function procStats(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpu = (Number(fields[11]) + Number(fields[12])) / TICKS; // utime + stime, seconds
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) * 1024;
  return { cpu, rss };
}

// ucsd's port: --port=P (one ucsd at a time, so one port will do), else any free one.
const listenPort = listOption('port', [0])[0];

// Starts `ucsd --demo` on `listenPort` in a fresh data directory (or `data`, kept); resolves when it prints its port.
export async function startUcsd(binary, { data: given, args = [] } = {}) {
  const data = given ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ucsd-load-'));
  // All the load comes from one address: no per-address cap.
  const child = spawn(binary, ['--demo', '--listen', `127.0.0.1:${listenPort}`, '--data', data, '--max-connections-per-address', '0', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = [];
  const port = await new Promise((resolve, reject) => {
    const onLine = (chunk) => {
      const text = chunk.toString();
      log.push(text);
      const m = /ucsd listening on http:\/\/[^ ]+:(\d+)\//.exec(text);
      if (m) resolve(Number(m[1]));
    };
    child.stdout.on('data', onLine);
    child.stderr.on('data', onLine);
    child.on('exit', (code) => reject(new Error(`ucsd exited (${code}): ${log.join('')}`)));
    setTimeout(() => reject(new Error('ucsd did not start')), 20000);
  });
  return {
    child, port, log,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      if (!given) fs.rmSync(data, { recursive: true, force: true });
    },
  };
}

// One JSON-RPC client over a minimal WebSocket client on a raw TCP socket: thousands of undici
// WebSockets would make this process, not ucsd, the bottleneck the figures measure.
export class Client {
  constructor(url) {
    this.url = new URL(url);
    this.nextId = 1;
    this.pending = new Map();
    this.events = 0;
    this.listeners = [];
    this.buffer = Buffer.alloc(0);
  }

  open() {
    return new Promise((resolve, reject) => {
      const key = crypto.randomBytes(16).toString('base64');
      this.socket = net.connect({ host: this.url.hostname, port: Number(this.url.port) }, () => {
        this.socket.setNoDelay(true);
        this.socket.write(`GET ${this.url.pathname} HTTP/1.1\r\nHost: ${this.url.host}\r\nUpgrade: websocket\r\n` +
          `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
      });
      let upgraded = false;
      this.socket.on('error', (e) => (upgraded ? this.#closed() : reject(e)));
      this.socket.on('close', () => this.#closed());
      this.socket.on('data', (chunk) => {
        this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
        if (!upgraded) {
          const end = this.buffer.indexOf('\r\n\r\n');
          if (end < 0) return;
          const head = this.buffer.subarray(0, end).toString();
          if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(`handshake: ${head.split('\r\n')[0]}`));
          upgraded = true;
          this.buffer = this.buffer.subarray(end + 4);
          resolve(this);
        }
        this.#parse();
      });
    });
  }

  #closed() {
    this.closed = true;
    for (const { reject: r } of this.pending.values()) r(new Error('closed'));
    this.pending.clear();
  }

  #parse() {
    for (;;) {
      const b = this.buffer;
      if (b.length < 2) return;
      const opcode = b[0] & 0x0f;
      let length = b[1] & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (b.length < 4) return;
        length = b.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (b.length < 10) return;
        length = Number(b.readBigUInt64BE(2));
        offset = 10;
      }
      if (b.length < offset + length) return;
      const payload = b.subarray(offset, offset + length);
      this.buffer = b.subarray(offset + length);
      const fin = (b[0] & 0x80) !== 0;
      // ucsd fragments long messages (a provision reply naming 1,000 agents): text, continuations, FIN.
      if (opcode === 0x1 || opcode === 0x0) {
        this.fragments = opcode === 0x1 ? [payload] : [...(this.fragments ?? []), payload];
        if (fin) {
          this.#frame(Buffer.concat(this.fragments).toString());
          this.fragments = null;
        }
      } else if (opcode === 0x2) this.onBinary?.(payload); // a media frame (bench/media-load.mjs)
      else if (opcode === 0x9) this.#write(0xa, payload);
      else if (opcode === 0x8) this.socket.end();
    }
  }

  #write(opcode, payload) {
    const mask = crypto.randomBytes(4);
    const n = payload.length;
    const header = n < 126 ? Buffer.from([0x80 | opcode, 0x80 | n])
      : n < 65536 ? Buffer.from([0x80 | opcode, 0x80 | 126, n >> 8, n & 0xff])
        : (() => { const h = Buffer.alloc(10); h[0] = 0x80 | opcode; h[1] = 0x80 | 127; h.writeBigUInt64BE(BigInt(n), 2); return h; })();
    const masked = Buffer.alloc(n);
    for (let i = 0; i < n; i += 1) masked[i] = payload[i] ^ mask[i & 3];
    this.socket.write(Buffer.concat([header, mask, masked]));
  }

  #frame(text) {
    const msg = JSON.parse(text);
    if (msg.id !== undefined) {
      const waiter = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (!waiter) return;
      if (msg.error) waiter.reject(new Error(`${waiter.method}: ${JSON.stringify(msg.error)}`));
      else waiter.resolve(msg.result);
      return;
    }
    this.events += 1;
    for (const l of this.listeners) l(msg.method, msg.params);
  }

  // A binary message under 126 bytes (a media frame), in one write. Its masking key is zero: the
  // server unmasks whatever the key is, and this client is the bench's load, so it skips the XOR.
  sendBinary(bytes) {
    if (bytes.length >= 126) return this.#write(0x2, bytes);
    const frame = Buffer.allocUnsafe(6 + bytes.length);
    frame[0] = 0x82;
    frame[1] = 0x80 | bytes.length;
    frame.writeUInt32BE(0, 2);
    bytes.copy(frame, 6);
    return this.socket.write(frame);
  }

  request(method, params = {}) {
    const id = this.nextId++;
    this.#write(0x1, Buffer.from(JSON.stringify({ jsonrpc: '2.0', id, method, params })));
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject, method }));
  }

  waitEvent(name, timeout = 30000) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${name} within ${timeout} ms`)), timeout);
      const l = (method, params) => {
        if (method !== name) return;
        clearTimeout(timer);
        this.listeners = this.listeners.filter((x) => x !== l);
        resolve(params);
      };
      this.listeners.push(l);
    });
  }

  close() {
    this.socket.destroy();
  }
}

// Opens `count` sessions (hello each), `parallel` handshakes at a time.
export async function openSessions(url, count, parallel = 200) {
  const clients = [];
  let next = 0;
  async function worker() {
    while (next < count) {
      next += 1;
      const c = await new Client(url).open();
      c.hello = await c.request('hello', { protocol: 'ucs-agent/1', client: 'load' });
      clients.push(c);
    }
  }
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
  return clients;
}

// Every client pings once per heartbeat_ms, spread evenly over the period as independent bars' would be
// (ucsd closes a connection that stays silent); `onRtt` gets each round trip. Returns a stop function.
function keepAlive(clients, onRtt = () => {}) {
  const heartbeat = clients[0].hello.heartbeat_ms;
  const timers = clients.map((c, i) => {
    const beat = async () => {
      const t0 = performance.now();
      try {
        await c.request('ping');
        onRtt(performance.now() - t0);
      } catch {
        // closed: the caller counts what is missing
      }
    };
    let interval;
    const start = setTimeout(() => {
      beat();
      interval = setInterval(beat, heartbeat);
    }, (i * heartbeat) / clients.length);
    return () => { clearTimeout(start); clearInterval(interval); };
  });
  return () => timers.forEach((stop) => stop());
}

async function idle(binary, sessions, windowSeconds) {
  const ucsd = await startUcsd(binary);
  const url = `ws://127.0.0.1:${ucsd.port}/ws`;
  try {
    await sleep(500);
    const base = procStats(ucsd.child.pid);
    const clients = await openSessions(url, sessions);
    const heartbeat = clients[0].hello.heartbeat_ms;
    const rtts = [];
    let measuring = false;
    const stopHeartbeats = keepAlive(clients, (rtt) => { if (measuring) rtts.push(rtt); });
    await sleep(heartbeat); // every session has pinged once; allocations settle
    measuring = true;
    const before = procStats(ucsd.child.pid);
    const t0 = performance.now();
    await sleep(windowSeconds * 1000);
    const after = procStats(ucsd.child.pid);
    const elapsed = (performance.now() - t0) / 1000;
    measuring = false;
    stopHeartbeats();
    for (const c of clients) c.close();
    const cpu = (100 * (after.cpu - before.cpu)) / elapsed;
    return [
      { bench: `idle ${sessions}`, metric: 'RSS per session', value: `${Math.round((after.rss - base.rss) / sessions)} B`, note: `ucsd RSS ${(base.rss / 1e6).toFixed(1)} -> ${(after.rss / 1e6).toFixed(1)} MB` },
      { bench: `idle ${sessions}`, metric: 'heartbeat CPU', value: `${cpu.toFixed(1)} %`, note: `of one core, over ${elapsed.toFixed(0)} s` },
      { bench: `idle ${sessions}`, metric: 'ping p50 / p99', value: `${percentile(rtts, 50).toFixed(1)} / ${percentile(rtts, 99).toFixed(1)} ms`, note: `${rtts.length} pings; load ${load()}` },
    ];
  } finally {
    await ucsd.stop();
  }
}

export function ssoToken(username, timestamp) {
  const tail = `${username}${timestamp}`;
  const digest = crypto.createHash('sha1').update(SSO_SECRET + tail, 'utf8').digest();
  return Buffer.concat([digest, Buffer.from(tail, 'utf8')]).toString('base64');
}

export async function rest(base, token, method, url, body) {
  const response = await fetch(`${base}${url}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await response.json();
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

async function fanout(binary, mirrors, seconds) {
  const ucsd = await startUcsd(binary);
  const base = `http://127.0.0.1:${ucsd.port}`;
  try {
    const { access_token: token } = await rest(base, null, 'POST', '/login/oauth2/token',
      { client_id: 'sandbox', client_secret: 'sandbox', grant_type: 'client_credentials' });
    const clients = await openSessions(`ws://127.0.0.1:${ucsd.port}/ws`, mirrors, 50);
    // SSO tokens are single-use and valid +-300 s: one timestamp per session.
    const now = Math.floor(Date.now() / 1000);
    for (let i = 0; i < clients.length; i += 50) {
      await Promise.all(clients.slice(i, i + 50).map((c, j) => c.request('sso', { username: 'agent1', token: ssoToken('agent1', now - 290 + i + j) })));
    }
    const driver = clients[0];
    await driver.request('identifier', { identifier: '101' });
    await Promise.all(clients.map((c) => c.request('provision')));
    await driver.request('changeStatus', { status: 'READY' });
    const stopHeartbeats = keepAlive(clients);
    await sleep(500);
    const start = procStats(ucsd.child.pid);
    const events0 = clients.reduce((n, c) => n + c.events, 0);
    const rings = [];
    const t0 = performance.now();
    let calls = 0;
    // RSS once a minute: over a long run (--fanout=600) it shows whether the replay buffers stay bounded.
    const rssByMinute = [start.rss];
    while (performance.now() - t0 < seconds * 1000) {
      if (performance.now() - t0 >= rssByMinute.length * 60_000) rssByMinute.push(procStats(ucsd.child.pid).rss);
      const ringing = driver.waitEvent('call.ringing');
      const tr = performance.now();
      const { uniqueid } = await rest(base, token, 'POST', '/api/v1.0/sandbox/calls', { from: '+420777123456', queue: 1 });
      await ringing;
      rings.push(performance.now() - tr);
      const connected = driver.waitEvent('call.connect');
      await driver.request('answer');
      await connected;
      const hungUp = driver.waitEvent('call.hangup');
      await rest(base, token, 'POST', `/api/v1.0/sandbox/calls/${uniqueid}/hangup`);
      await hungUp;
      await driver.request('changeStatus', { status: 'READY' });
      calls += 1;
    }
    const elapsed = (performance.now() - t0) / 1000;
    await sleep(200); // the last events reach every mirror
    const end = procStats(ucsd.child.pid);
    const delivered = clients.reduce((n, c) => n + c.events, 0) - events0;
    const cpu = end.cpu - start.cpu;
    stopHeartbeats();
    const open = clients.filter((c) => !c.closed).length;
    for (const c of clients) c.close();
    if (open < clients.length) throw new Error(`fanout: ${clients.length - open} of ${clients.length} sessions were closed during the run`);
    return [
      { bench: `fanout ${mirrors}`, metric: 'events delivered / s', value: `${Math.round(delivered / elapsed)}`, note: `${delivered} events, ${calls} calls in ${elapsed.toFixed(0)} s` },
      { bench: `fanout ${mirrors}`, metric: 'events / CPU-second', value: `${Math.round(delivered / cpu)}`, note: `${((1e6 * cpu) / delivered).toFixed(1)} us of ucsd CPU per event` },
      { bench: `fanout ${mirrors}`, metric: 'ring p50 / p99', value: `${percentile(rings, 50).toFixed(1)} / ${percentile(rings, 99).toFixed(1)} ms`, note: 'sandbox POST -> call.ringing at the driver' },
      { bench: `fanout ${mirrors}`, metric: 'RSS', value: `${(start.rss / 1e6).toFixed(1)} -> ${(end.rss / 1e6).toFixed(1)} MB`, note: `+${Math.round((end.rss - start.rss) / mirrors)} B per mirror; load ${load()}` },
      ...(rssByMinute.length > 2 ? [{ bench: `fanout ${mirrors}`, metric: 'RSS at each minute', value: `${rssByMinute.map((r) => (r / 1e6).toFixed(1)).join(' ')} MB`, note: `peak ${(Math.max(...rssByMinute, end.rss) / 1e6).toFixed(1)} MB` }] : []),
    ];
  } finally {
    await ucsd.stop();
  }
}

// A demo database with `agents` more agents: load1.. (user ids from 1001) on phones load-1.. (desk
// phones unless `deviceType` says 'softphone') with extensions 50001.. ; `extraSql` runs in the same
// transaction (bench/media-load.mjs adds its queues). Written straight into the file while no ucsd
// runs: the REST API adds no users.
export async function agentsDatabase(binary, agents, { deviceType = 'desk', extraSql = '' } = {}) {
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'ucsd-calls-'));
  const seeded = await startUcsd(binary, { data });
  await seeded.stop();
  const sql = `BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${agents})
INSERT INTO users (id, username, firstname, lastname, email, locale, superuser, group_id, number, data,
                   salt, iterations, stored_key, server_key)
  SELECT 1000 + i, 'load' || i, 'Load', 'Agent ' || i, NULL, 'en', 0, NULL, NULL, '{}', x'00', 4096, x'00', x'00' FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${agents})
INSERT INTO devices (id, identifier, name, extension, address, type)
  SELECT 1000 + i, 'load-' || i, 'Load phone ' || i, CAST(50000 + i AS TEXT), NULL, '${deviceType}' FROM n;
${extraSql}
COMMIT;`;
  const done = spawnSync('sqlite3', [path.join(data, 'ucsd.sqlite3')], { input: sql, encoding: 'utf8' });
  if (done.status !== 0) throw new Error(`sqlite3: ${done.stderr}`);
  return data;
}

// fdatasync/fsync calls ucsd makes while `during` runs, counted by strace (attached to every thread).
async function countSyncs(pid, during) {
  const out = path.join(os.tmpdir(), `ucsd-strace-${pid}.txt`);
  const strace = spawn('strace', ['-f', '-c', '-e', 'trace=fdatasync,fsync', '-o', out, '-p', String(pid)], { stdio: 'ignore' });
  await sleep(500); // attached
  await during();
  strace.kill('SIGINT');
  await new Promise((r) => strace.once('exit', r));
  const text = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
  fs.rmSync(out, { force: true });
  let count = 0;
  for (const m of text.matchAll(/^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(fdatasync|fsync)$/gm)) count += Number(m[1]);
  return count;
}

async function calls(binary, agents, rate, seconds, storeOnLoop) {
  const data = await agentsDatabase(binary, agents);
  const ucsd = await startUcsd(binary, { data, args: storeOnLoop ? ['--store-on-loop'] : [] });
  const base = `http://127.0.0.1:${ucsd.port}`;
  const label = `calls ${agents}${storeOnLoop ? ' store-on-loop' : ''}`;
  try {
    const { access_token: token } = await rest(base, null, 'POST', '/login/oauth2/token',
      { client_id: 'sandbox', client_secret: 'sandbox', grant_type: 'client_credentials' });
    const clients = await openSessions(`ws://127.0.0.1:${ucsd.port}/ws`, agents, 50);
    const now = Math.floor(Date.now() / 1000);
    for (let i = 0; i < clients.length; i += 50) {
      await Promise.all(clients.slice(i, i + 50).map(async (c, j) => {
        const n = i + j + 1;
        await c.request('sso', { username: `load${n}`, token: ssoToken(`load${n}`, now) });
        await c.request('identifier', { identifier: `load-${n}` });
        await c.request('provision');
        await c.request('changeStatus', { status: 'READY' });
      }));
    }
    await sleep(500);
    // Each agent gets a call every agents/rate seconds, staggered; one late starts at once.
    const period = (1000 * agents) / rate;
    let rings = [];
    let hangups = [];
    let completed = 0;
    let failed = 0;
    let running = true;
    const oneCall = async (c, n) => {
      const ringing = c.waitEvent('call.ringing');
      const tr = performance.now();
      const { uniqueid } = await rest(base, token, 'POST', '/api/v1.0/sandbox/calls', { from: '+420777123456', to: String(50000 + n) });
      await ringing;
      rings.push(performance.now() - tr);
      const connected = c.waitEvent('call.connect');
      await c.request('answer');
      await connected;
      const hungUp = c.waitEvent('call.hangup');
      const th = performance.now();
      await rest(base, token, 'POST', `/api/v1.0/sandbox/calls/${uniqueid}/hangup`);
      await hungUp;
      hangups.push(performance.now() - th);
      completed += 1;
    };
    const loops = clients.map(async (c, i) => {
      let next = performance.now() + (i * period) / agents;
      while (running) {
        const wait = next - performance.now();
        if (wait > 0) await sleep(wait);
        if (!running) return;
        next += period;
        try {
          await oneCall(c, i + 1);
        } catch {
          failed += 1;
          return;
        }
      }
    });
    const window = async (ms) => {
      rings = [];
      hangups = [];
      const c0 = completed;
      const e0 = clients.reduce((n, c) => n + c.events, 0);
      const s0 = procStats(ucsd.child.pid);
      const u0 = process.cpuUsage();
      const t0 = performance.now();
      await sleep(ms);
      const s1 = procStats(ucsd.child.pid);
      const u1 = process.cpuUsage(u0);
      return {
        calls: completed - c0, elapsed: (performance.now() - t0) / 1000, cpu: s1.cpu - s0.cpu, rings, hangups,
        events: clients.reduce((n, c) => n + c.events, 0) - e0, clientCpu: (u1.user + u1.system) / 1e6,
      };
    };
    await sleep(2000); // warm up
    const measured = await window(seconds * 1000);
    let synced = 0;
    const syncs = await countSyncs(ucsd.child.pid, async () => { synced = (await window(5000)).calls; });
    running = false;
    await Promise.all(loops);
    for (const c of clients) c.close();
    const ms = (list, p) => percentile(list, p).toFixed(1);
    return [
      { bench: label, metric: 'calls / s', value: `${Math.round(measured.calls / measured.elapsed)}`, note: `${measured.calls} calls in ${measured.elapsed.toFixed(0)} s (offered ${rate}/s); ${failed} agents stopped on an error` },
      { bench: label, metric: 'ring p50 / p99', value: `${ms(measured.rings, 50)} / ${ms(measured.rings, 99)} ms`, note: 'sandbox POST -> call.ringing at the agent' },
      { bench: label, metric: 'hangup p50 / p99', value: `${ms(measured.hangups, 50)} / ${ms(measured.hangups, 99)} ms`, note: 'far-end hangup POST -> call.hangup at the agent' },
      { bench: label, metric: 'ucsd CPU', value: `${((100 * measured.cpu) / measured.elapsed).toFixed(0)} %`, note: `of one core; ${((1e6 * measured.cpu) / Math.max(measured.calls, 1)).toFixed(0)} us per call` },
      { bench: label, metric: 'client CPU', value: `${((100 * measured.clientCpu) / measured.elapsed).toFixed(0)} %`, note: `this node process; ${Math.round(measured.events / Math.max(measured.calls, 1))} events delivered per call over all sessions` },
      { bench: label, metric: 'fdatasync / call', value: synced ? (syncs / synced).toFixed(2) : 'n/a', note: `${syncs} fdatasync+fsync over ${synced} calls, under strace; load ${load()}` },
    ];
  } finally {
    await ucsd.stop();
    fs.rmSync(data, { recursive: true, force: true });
  }
}

async function main() {
  const binary = benchUcsd();
  const sessions = listOption('sessions', [1000, 5000, 10000]);
  const windowSeconds = listOption('window', [30])[0];
  const mirrors = listOption('mirrors', [300]);
  const fanoutSeconds = listOption('fanout', [20])[0];
  const agents = listOption('agents', [1000]);
  const rate = listOption('rate', [1000])[0];
  const callSeconds = listOption('calls', [20])[0];
  const storeOnLoop = process.argv.includes('--store-on-loop');
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
  const runs = (name) => !only || only === name;
  process.stdout.write(`ucsd ${binary}\n${os.cpus().length} cores (${os.cpus()[0]?.model}), node ${process.version}, load ${load()}\n\n`);
  const rows = [];
  if (runs('idle')) for (const n of sessions) rows.push(...(await idle(binary, n, windowSeconds)));
  if (runs('fanout')) for (const k of mirrors) rows.push(...(await fanout(binary, k, fanoutSeconds)));
  if (runs('calls')) for (const m of agents) rows.push(...(await calls(binary, m, rate, callSeconds, storeOnLoop)));
  printTable(rows);
  process.stdout.write(`\nload average at the end: ${load()}\n`);
}

if (isMain(import.meta.url)) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
