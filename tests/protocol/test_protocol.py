"""ucsd over a real socket: the documented agent flow, malformed input, the REST sandbox, and
durability across kill -9. Python's websockets is the client; ucsd is the built binary ($UCSD)."""

import asyncio
import base64
import hashlib
import json
import os
import pathlib
import shutil
import signal
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

import ucsd_harness  # noqa: F401  (re-executes under Debian's python when websockets is missing)
import websockets
from ucsd_harness import LISTENING, START_TIMEOUT, ucsd_binary

VECTORS = pathlib.Path(__file__).resolve().parent.parent / "vectors"
CALL_FIELDS = list(json.loads((VECTORS / "call_full.json").read_text(encoding="utf-8")).keys())


def sso_token(user, secret="demo-sso-secret", timestamp=None):
    stamp = str(int(time.time()) if timestamp is None else timestamp).encode()
    digest = hashlib.sha1(secret.encode() + user.encode() + stamp).digest()
    return base64.b64encode(digest + user.encode() + stamp).decode()


class Server:
    """A ucsd on a data directory that outlives it, so it can be killed and started again."""

    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="ucsd-protocol-")
        self.data = os.path.join(self.root, "data")
        self.process = None
        self.port = None

    def start(self):
        with open(os.path.join(self.root, "stderr.log"), "ab") as stderr:
            self.process = subprocess.Popen(
                [ucsd_binary(), "--demo", "--listen", "127.0.0.1:0", "--data", self.data],
                stdout=subprocess.PIPE, stderr=stderr, stdin=subprocess.DEVNULL)
        deadline = time.time() + START_TIMEOUT
        while time.time() < deadline:
            line = self.process.stdout.readline().decode().rstrip("\n")
            match = LISTENING.match(line)
            if match:
                self.port = int(match.group(3))
                return self
            if not line and self.process.poll() is not None:
                break
        raise RuntimeError("ucsd did not start: " + pathlib.Path(self.root, "stderr.log").read_text(errors="replace"))

    def kill9(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.process.stdout.close()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(10)
            self.process.stdout.close()
        shutil.rmtree(self.root, ignore_errors=True)

    @property
    def ws_url(self):
        return f"ws://127.0.0.1:{self.port}/ws"

    def rest(self, method, path, body=None, token=True):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = "Bearer " + self.token()
        data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def token(self):
        status, body = self.rest("POST", "/login/oauth2/token",
                                 {"client_id": "sandbox", "client_secret": "sandbox", "grant_type": "client_credentials"},
                                 token=False)
        assert status == 200, body
        return body["access_token"]


class Agent:
    """A JSON-RPC client on one WebSocket, keeping events apart from responses."""

    def __init__(self, socket):
        self.socket = socket
        self.next_id = 1
        self.events = []

    @classmethod
    async def connect(cls, url):
        return cls(await websockets.connect(url, max_size=4 * 1024 * 1024))

    async def request(self, method, params=None, timeout=10):
        request_id = self.next_id
        self.next_id += 1
        await self.socket.send(json.dumps({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params or {}}))
        while True:
            frame = json.loads(await asyncio.wait_for(self.socket.recv(), timeout))
            if frame.get("id") == request_id:
                return frame
            if "method" in frame:
                self.events.append(frame)

    async def ok(self, method, params=None):
        reply = await self.request(method, params)
        assert "result" in reply, reply
        return reply["result"]

    async def event(self, name, timeout=15):
        deadline = time.time() + timeout
        while True:
            for i, frame in enumerate(self.events):
                if frame["method"] == name:
                    del self.events[: i + 1]
                    return frame["params"]
            remaining = deadline - time.time()
            if remaining <= 0:
                raise AssertionError(f"no {name} event; had {[e['method'] for e in self.events]}")
            frame = json.loads(await asyncio.wait_for(self.socket.recv(), remaining))
            if "method" in frame:
                self.events.append(frame)

    async def ready(self, user="agent1", identifier="101"):
        await self.ok("hello", {"protocol": "ucs-agent/1", "client": "protocol-test"})
        await self.ok("sso", {"username": user, "token": sso_token(user), "provider": "tests"})
        await self.ok("identifier", {"identifier": identifier})
        state = await self.ok("provision")
        await self.ok("changeStatus", {"status": "READY"})
        return state


class ProtocolTest(unittest.TestCase):
    def setUp(self):
        self.server = Server().start()

    def tearDown(self):
        self.server.stop()

    def run_async(self, coroutine):
        return asyncio.run(asyncio.wait_for(coroutine, 120))

    def test_agent1_takes_a_queue_call_through_to_wrap_up_and_ready_again(self):
        async def scenario():
            agent = await Agent.connect(self.server.ws_url)
            state = await agent.ready()
            self.assertEqual(state["device"]["identifier"], "101")
            status, created = self.server.rest("POST", "/api/v1.0/sandbox/calls",
                                               {"from": "601234567", "queue": 1, "caller_name": "Jan Novák"})
            self.assertEqual(status, 201)
            ringing = (await agent.event("call.ringing"))["call"]
            self.assertEqual(list(ringing.keys()), CALL_FIELDS)  # every documented field, nothing else
            self.assertEqual(ringing["uniqueid"], created["uniqueid"])
            self.assertEqual(ringing["state"], 2)
            self.assertEqual(ringing["direction"], "INCOMING")
            self.assertEqual(ringing["caller_number_norm"], "+420601234567")
            self.assertEqual(ringing["connected_username"], "agent1")
            await agent.ok("answer")
            self.assertEqual((await agent.event("call.connect"))["call"]["state"], 3)
            await agent.ok("hold")
            self.assertEqual((await agent.event("call.hold"))["call"]["state"], 5)
            await agent.ok("unhold")
            self.assertEqual((await agent.event("call.resume"))["call"]["state"], 3)
            await agent.ok("hangup")
            hangup = (await agent.event("call.hangup"))["call"]
            self.assertEqual(hangup["cause"], 4)
            self.assertIsNotNone(hangup["disconnected"])
            self.assertEqual((await agent.event("agent.state"))["status"], "ACW")
            started = time.time()
            ready = await agent.event("agent.state", timeout=15)
            self.assertEqual(ready["status"], "READY")
            self.assertGreater(time.time() - started, 8)  # the demo's 10 s wrap-up
            await agent.socket.close()

        self.run_async(scenario())

    def test_a_thousand_malformed_frames_leave_the_server_and_other_sessions_alone(self):
        async def scenario():
            bob = await Agent.connect(self.server.ws_url)
            await bob.ready("agent2", "102")
            attacker = await Agent.connect(self.server.ws_url)
            await attacker.ok("hello", {"protocol": "ucs-agent/1"})
            malformed = [
                "not json", "{", "[]", "null", "42", '{"jsonrpc":"2.0"}', '{"jsonrpc":"2.0","id":1}',
                '{"jsonrpc":"2.0","id":1,"method":5}', '{"jsonrpc":"2.0","id":1,"method":"teleport"}',
                '{"jsonrpc":"2.0","id":1,"method":"sso","params":{"username":7}}',
                '{"jsonrpc":"2.0","id":1,"method":"sso","params":[]}', '{"jsonrpc":"2.0","id":1,"method":"dial"}',
                "[" * 5000 + "]" * 5000, '{"a":' * 100 + "1" + "}" * 100, "\u0000\u0001",
                '{"jsonrpc":"2.0","id":{"x":1},"method":"ping"}', " " * 70000,
                # Malformed credentials: errors, but not failed logins (no lock-out of the address).
                '{"jsonrpc":"2.0","id":1,"method":"sso","params":{"username":"agent3","token":"%%%"}}',
                '{"jsonrpc":"2.0","id":1,"method":"login","params":{"username":"agent3","client_first":"garbage"}}',
                '{"jsonrpc":"2.0","id":1,"method":"login.proof","params":{"client_final":"garbage"}}',
            ]
            answered = closed = 0
            for i in range(1000):
                frame = malformed[i % len(malformed)]
                if i % 250 == 249:
                    frame = "x" * (2 * 1024 * 1024)  # over the transport limit: the socket is closed (1009)
                try:
                    await attacker.socket.send(frame)
                    reply = json.loads(await asyncio.wait_for(attacker.socket.recv(), 10))
                    self.assertIn("error", reply, frame[:80])
                    self.assertTrue(reply["error"]["message"])
                    answered += 1
                except websockets.ConnectionClosed as closing:
                    self.assertEqual(closing.code, 1009)
                    closed += 1
                    attacker = await Agent.connect(self.server.ws_url)
                    await attacker.ok("hello", {"protocol": "ucs-agent/1"})
            self.assertEqual(answered + closed, 1000)
            self.assertEqual(closed, 4)
            # The server and the other agent carry on.
            self.assertEqual(self.server.rest("GET", "/api/v1.0/status")[0], 200)
            await bob.ok("ping")
            self.server.rest("POST", "/api/v1.0/sandbox/calls", {"from": "601000999", "queue": 1})
            self.assertEqual((await bob.event("call.ringing"))["call"]["connected_username"], "agent2")
            # A colleague behind the same address still logs in.
            colleague = await Agent.connect(self.server.ws_url)
            await colleague.ready("agent3", "103")

        self.run_async(scenario())

    def test_history_of_a_hung_up_call_survives_kill_9(self):
        async def scenario():
            agent = await Agent.connect(self.server.ws_url)
            await agent.ready()
            status, created = self.server.rest("POST", "/api/v1.0/sandbox/calls", {"from": "601234567", "queue": 1})
            self.assertEqual(status, 201)
            await agent.event("call.ringing")
            await agent.ok("answer")
            await agent.ok("setAccountCode", {"uniqueid": created["uniqueid"], "accountCode": "Order", "subAccountCode": "New"})
            await agent.socket.send(json.dumps({"jsonrpc": "2.0", "id": 999, "method": "hangup", "params": {}}))
            while True:  # the moment the hangup event arrives, the server dies
                frame = json.loads(await asyncio.wait_for(agent.socket.recv(), 10))
                if frame.get("method") == "call.hangup":
                    self.server.kill9()
                    break
            return created["uniqueid"]

        uniqueid = self.run_async(scenario())
        self.server.start()
        status, history = self.server.rest("GET", "/api/v1.0/history?user=agent1")
        self.assertEqual(status, 200)
        rows = [row for row in history if row["call"]["uniqueid"] == uniqueid]
        self.assertEqual(len(rows), 1, history)
        self.assertEqual(rows[0]["call"]["cause"], 4)
        self.assertEqual(rows[0]["account_codes"], [{"code": "Order", "sub": "New"}])

    def test_the_rest_sandbox_drives_calls_and_reports_errors_as_json(self):
        server = self.server
        status, body = server.rest("POST", "/login/oauth2/token", {"client_id": "sandbox"}, token=False)
        self.assertEqual((status, body["error"]["field"]), (400, "client_secret"))
        status, body = server.rest("POST", "/login/oauth2/token",
                                   {"client_id": "sandbox", "client_secret": "x", "grant_type": "client_credentials"},
                                   token=False)
        self.assertEqual(status, 401)
        self.assertEqual(server.rest("GET", "/api/v1.0/agents", token=False)[0], 401)
        status, agents = server.rest("GET", "/api/v1.0/agents")
        self.assertEqual([a["username"] for a in agents], ["agent1", "agent2", "agent3", "super"])
        status, queues = server.rest("GET", "/api/v1.0/queues")
        self.assertEqual([(q["id"], q["name"], q["type"]) for q in queues],
                         [(1, "Support", 1), (2, "Sales", 1), (3, "Callback campaign", 0)])
        status, created = server.rest("POST", "/api/v1.0/sandbox/calls", {"from": "601234567", "to": "103"})
        self.assertEqual(status, 201)
        status, calls = server.rest("GET", "/api/v1.0/calls")
        self.assertEqual([c["uniqueid"] for c in calls], [created["uniqueid"]])
        self.assertEqual(list(calls[0].keys()), CALL_FIELDS)
        self.assertEqual(server.rest("POST", "/api/v1.0/sandbox/devices/103/offhook")[0], 200)
        self.assertEqual(server.rest("POST", f"/api/v1.0/sandbox/calls/{created['uniqueid']}/hangup")[0], 200)
        self.assertEqual(server.rest("GET", "/api/v1.0/calls")[1], [])
        status, body = server.rest("POST", "/api/v1.0/sandbox/calls", b"{not json")
        self.assertEqual(status, 400)
        self.assertTrue(body["error"]["message"])
        status, body = server.rest("POST", "/api/v1.0/sandbox/calls/nope/answer")
        self.assertEqual((status, body["error"]["code"]), (404, "NOT_FOUND"))
        status, body = server.rest("POST", "/api/v1.0/sandbox/calls", {"from": "1", "queue": 42})
        self.assertEqual((status, body["error"]["field"]), (404, "queue"))


if __name__ == "__main__":
    unittest.main()
