// ucsd's media bridge with its sockets: M simultaneous agent <-> simulated-caller softphone calls through
// a real release ucsd --demo, recording off and on. A figure, not a test.
//
//   node bench/media-load.mjs [--calls=100,250,500] [--window=10] [--recording=off,on]
//
// Per run a fresh ucsd on a database with M more agents (load1..loadM, each on a softphone line of its
// own, bench/load.mjs's agentsDatabase) who are members of two queues: "Load" (not recorded) and
// "Load recorded". Every agent logs in (control socket: hello, sso, identifier, provision, READY),
// attaches a media socket (media.attach), and M sandbox calls with {"audio": {"tone": 440}} ring the
// queue; each agent answers its own. Then for `window` seconds this one node process sends, on every
// media socket, one frame per 20 ms: pre-encoded Opus packets of a 1 kHz tone, made once by the
// protocol tests' own libopus helper (tests/protocol/test_media.py, Opus through ctypes), framed as
// docs/media.md says (the stream of the last frame received, seq from 0, restart on the first). ucsd
// forwards them to the simulated caller, which decodes them (and, recorded, mixes and encodes them
// into Ogg Opus), and sends each agent the caller's tone every 20 ms.
//
// Figures: ucsd's CPU over the window (utime + stime from /proc, % of one core) and per call; frames
// received from ucsd that arrived late — 40 ms or more after they were due, "due" being the frame's seq
// times 20 ms after the fastest transit that agent's stream has seen (as the jitter buffer reckons);
// frames missing (ucsd drops audio when a socket's queue holds more than 100 ms); and what the client
// itself managed: its CPU, its event-loop delay and how many of its 20 ms sending turns were 40 ms or
// more late (then its own lateness, not ucsd's, is what the late count shows).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { REPO, benchUcsd, isMain, printTable } from './lib.mjs';
import { Client, agentsDatabase, load, openSessions, procStats, rest, sleep, ssoToken, startUcsd } from './load.mjs';

const FRAME_MS = 20;
const LATE_MS = 40;
const QUEUE = { off: 10, on: 11 };

function listOption(name, fallback) {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg ? arg.slice(name.length + 3).split(',') : fallback;
}

// One second of 1 kHz as 50 Opus packets, from the protocol tests' libopus helper.
function opusPackets() {
  const python = process.env.UCS_PYTHON || '/usr/bin/python3'; // Debian's: the helper's module imports websockets
  const script = `
import math, struct, sys
sys.path.insert(0, ${JSON.stringify(path.join(REPO, 'tests', 'protocol'))})
from test_media import FRAME, RATE, Opus
opus = Opus()
for seq in range(50):
    p = opus.encode([0.4 * math.sin(2 * math.pi * 1000 * (seq * FRAME + i) / RATE) for i in range(FRAME)])
    sys.stdout.buffer.write(struct.pack(">H", len(p)) + p)
opus.close()
`;
  const done = spawnSync(python, ['-c', script], { maxBuffer: 1 << 20 });
  if (done.status !== 0) throw new Error(`encoding the frames failed: ${done.stderr}`);
  const packets = [];
  for (let at = 0; at < done.stdout.length;) {
    const n = done.stdout.readUInt16BE(at);
    packets.push(done.stdout.subarray(at + 2, at + 2 + n));
    at += 2 + n;
  }
  return packets;
}

// The load agents' two queues and their memberships.
const queuesSql = (agents) => `
INSERT INTO queues (id, name, type, number, wrapup_seconds, ring_timeout_seconds, ring_unattended_desk_phones, recorded)
  VALUES (${QUEUE.off}, 'Load', 1, NULL, 5, 60, 0, 0), (${QUEUE.on}, 'Load recorded', 1, NULL, 5, 60, 0, 1);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${agents})
INSERT INTO memberships (user_id, queue_id, priority, supervisor, suspended, team_id, default_campaign)
  SELECT 1000 + i, q.id, 0, 0, 0, NULL, 0 FROM n, (SELECT ${QUEUE.off} AS id UNION ALL SELECT ${QUEUE.on}) AS q;`;

// One agent's media socket: follows ucsd's stream, sends a frame per turn, times what arrives.
class MediaLeg {
  constructor(client, packets) {
    this.client = client;
    this.packets = packets;
    this.stream = null;
    this.seq = 0;
    this.restart = true;
    this.inStream = null; // the stream ucsd sends on, and the fastest transit seen on it
    this.bestOffset = Infinity;
    this.received = 0;
    this.late = 0;
    this.counting = false;
    client.onBinary = (bytes) => this.#arrived(bytes);
  }

  #arrived(bytes) {
    const now = performance.now();
    if (bytes.length < 12) return;
    const stream = bytes.readUInt16BE(2);
    const seq = bytes.readUInt32BE(4);
    if (stream !== this.stream) { // a new stream: the sender follows it (docs/media.md)
      this.stream = stream;
      this.seq = 0;
      this.restart = true;
    }
    if (stream !== this.inStream || (bytes[1] & 2) !== 0) {
      this.inStream = stream;
      this.bestOffset = Infinity;
    }
    const offset = now - seq * FRAME_MS;
    if (offset < this.bestOffset) this.bestOffset = offset;
    if (!this.counting) return;
    this.received += 1;
    if (offset - this.bestOffset >= LATE_MS) this.late += 1;
  }

  send() {
    if (this.stream === null) return;
    const payload = this.packets[this.seq % this.packets.length];
    const frame = Buffer.allocUnsafe(12 + payload.length);
    frame[0] = 1;
    frame[1] = this.restart ? 2 : 0;
    frame.writeUInt16BE(this.stream, 2);
    frame.writeUInt32BE(this.seq >>> 0, 4);
    frame.writeUInt32BE((this.seq * 960) >>> 0, 8);
    payload.copy(frame, 12);
    this.client.sendBinary(frame);
    this.seq += 1;
    this.restart = false;
  }
}

async function run(binary, calls, recording, windowSeconds, packets) {
  const data = await agentsDatabase(binary, calls, { deviceType: 'softphone', extraSql: queuesSql(calls) });
  const ucsd = await startUcsd(binary, { data });
  const base = `http://127.0.0.1:${ucsd.port}`;
  const label = `${calls} calls, recording ${recording}`;
  const clients = [];
  const media = [];
  let pinger = 0;
  try {
    const { access_token: token } = await rest(base, null, 'POST', '/login/oauth2/token',
      { client_id: 'sandbox', client_secret: 'sandbox', grant_type: 'client_credentials' });
    clients.push(...(await openSessions(`ws://127.0.0.1:${ucsd.port}/ws`, calls, 50)));
    const heartbeat = clients[0].hello.heartbeat_ms;
    pinger = setInterval(() => { for (const c of clients) c.request('ping').catch(() => {}); }, heartbeat / 2);
    const now = Math.floor(Date.now() / 1000);
    let recorded = 0;
    let connected = 0;
    const allConnected = new Promise((resolve) => {
      clients.forEach((c) => c.listeners.push((method, params) => {
        if (method === 'call.ringing') {
          if (params?.call?.recorded) recorded += 1;
          c.request('answer').catch(() => {});
        }
        if (method === 'call.connect' && ++connected === calls) resolve();
      }));
    });
    for (let i = 0; i < clients.length; i += 50) {
      await Promise.all(clients.slice(i, i + 50).map(async (c, j) => {
        const n = i + j + 1;
        await c.request('sso', { username: `load${n}`, token: ssoToken(`load${n}`, now) });
        await c.request('identifier', { identifier: `load-${n}` });
        await c.request('provision');
        await c.request('changeStatus', { status: 'READY' });
        const m = await new Client(`ws://127.0.0.1:${ucsd.port}/media`).open();
        const answer = await m.request('media.attach', { session: c.hello.session, last_seq: 0 });
        const leg = new MediaLeg(m, packets);
        leg.stream = answer.stream;
        media.push(leg);
      }));
    }
    for (let i = 0; i < calls; i += 50) {
      await Promise.all(Array.from({ length: Math.min(50, calls - i) }, () =>
        rest(base, token, 'POST', '/api/v1.0/sandbox/calls', { from: '+420777123456', queue: QUEUE[recording], audio: { tone: 440 } })));
    }
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${connected} of ${calls} calls connected in 60 s`)), 60_000);
    });
    await Promise.race([allConnected, timeout]);
    clearTimeout(timer);

    // Every 20 ms a frame on every media socket, on a schedule that does not drift; a turn that comes
    // late still sends (one frame per turn), and is counted. Each turn yields to the event loop, so
    // what arrives is read even when the sending falls behind.
    let running = true;
    let turns = 0;
    let lateTurns = 0;
    let countTurns = false;
    const start = performance.now();
    const sender = (async () => {
      for (let k = 1; running; k += 1) {
        const due = start + k * FRAME_MS;
        await sleep(Math.max(0, due - performance.now()));
        if (countTurns) {
          turns += 1;
          if (performance.now() - due >= LATE_MS) lateTurns += 1;
        }
        for (const leg of media) leg.send();
      }
    })();

    await sleep(3000); // streams followed, jitter settled, recordings started
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    for (const leg of media) leg.counting = true;
    countTurns = true;
    const s0 = procStats(ucsd.child.pid);
    const u0 = process.cpuUsage();
    const t0 = performance.now();
    await sleep(windowSeconds * 1000);
    const s1 = procStats(ucsd.child.pid);
    const u1 = process.cpuUsage(u0);
    const elapsed = (performance.now() - t0) / 1000;
    for (const leg of media) leg.counting = false;
    lag.disable();
    running = false;
    await sender;

    const received = media.reduce((n, l) => n + l.received, 0);
    const late = media.reduce((n, l) => n + l.late, 0);
    const expected = Math.round((calls * elapsed * 1000) / FRAME_MS);
    const cpu = (100 * (s1.cpu - s0.cpu)) / elapsed;
    const clientCpu = (100 * (u1.user + u1.system)) / 1e6 / elapsed;
    return [
      { bench: label, metric: 'ucsd CPU', value: `${cpu.toFixed(1)} %`, note: `of one core over ${elapsed.toFixed(1)} s; ${(cpu / calls).toFixed(3)} % (${((200 * cpu) / calls).toFixed(0)} us per 20 ms) per call; ${recorded}/${calls} calls recorded` },
      { bench: label, metric: 'frames late (>= 40 ms) at the client', value: `${late}`, note: `of ${received} received (${((100 * late) / Math.max(received, 1)).toFixed(2)} %); ${Math.max(0, expected - received)} of ${expected} due not received` },
      { bench: label, metric: 'client', value: `${clientCpu.toFixed(0)} % CPU`, note: `event loop delay p99 ${(lag.percentile(99) / 1e6).toFixed(1)} ms, max ${(lag.max / 1e6).toFixed(1)} ms; ${lateTurns} of ${turns} sending turns >= 40 ms late; load ${load()}` },
    ];
  } finally {
    clearInterval(pinger);
    for (const leg of media) leg.client.close();
    for (const c of clients) c.close();
    await ucsd.stop();
    fs.rmSync(data, { recursive: true, force: true });
  }
}

async function main() {
  const binary = benchUcsd();
  const counts = listOption('calls', ['100', '250', '500']).map(Number);
  const windowSeconds = Number(listOption('window', ['10'])[0]);
  const modes = listOption('recording', ['off', 'on']);
  const packets = opusPackets();
  process.stdout.write(`# bench/media-load — ucsd ${binary}\n# ${os.cpus().length} cores (${os.cpus()[0]?.model}), node ${process.version}, load ${load()}\n` +
    `# one node client; ${packets.length} pre-encoded Opus frames of 1 kHz (${(packets.reduce((n, p) => n + p.length, 0) / packets.length).toFixed(0)} bytes each on average)\n\n`);
  const rows = [];
  for (const recording of modes) {
    for (const calls of counts) {
      try {
        rows.push(...(await run(binary, calls, recording, windowSeconds, packets)));
      } catch (error) {
        rows.push({ bench: `${calls} calls, recording ${recording}`, metric: 'failed', value: '-', note: String(error.message).slice(0, 200) });
      }
    }
  }
  printTable(rows);
  process.stdout.write(`\nload average at the end: ${load()}\n`);
}

if (isMain(import.meta.url)) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
