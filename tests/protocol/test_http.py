"""ucsd's HTTP and WebSocket transport, against a real ucsd: static files (MIME types, brotli and
gzip, precompressed or not, validators, caching, CORS), routing and errors, REST passthrough, WebSocket origins, oversized and
binary frames, and a flood of malformed frames that must not disturb anyone else.

Run by ctest with UCSD set to the built binary; by hand:
    UCSD=build/native-debug/src/server/ucsd python3 -m unittest -v test_http   (in tests/protocol)
"""

import asyncio
import gzip
import http.client
import json
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import unittest

from ucsd_harness import FAKE_JS, FAKE_WASM, Ucsd

import websockets  # after the harness: it picks an interpreter that has it

SERVER = None
HELLO = {"jsonrpc": "2.0", "id": "hello", "method": "hello", "params": {"protocol": "ucs-agent/1", "client": "test"}}


def setUpModule():
    global SERVER
    SERVER = Ucsd().start()


def tearDownModule():
    SERVER.stop()


def fetch(method, path, headers=None, body=None, server=None):
    """One request on a fresh connection; the path is sent exactly as given (no normalising)."""
    server = server or SERVER
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def raw_http(data, server=None):
    """Sends raw bytes and returns the status and body of the answer."""
    server = server or SERVER
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(data)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status, response.read()


def brotli(data, decompress=False):
    """Brotli through node's zlib (Python's standard library has none; node builds the bundle anyway)."""
    method = "brotliDecompressSync" if decompress else "brotliCompressSync"
    script = f"process.stdout.write(require('zlib').{method}(require('fs').readFileSync(0)))"
    return subprocess.run(["node", "-e", script], input=data, capture_output=True, check=True).stdout


def precompressed(name, data, mtime_offset=0):
    """NAME in the server's --dist with NAME.br and NAME.gz beside it, as bundle.cmake writes them.
    mtime_offset < 0 makes the precompressed files older than NAME (left over from a previous build)."""
    path = os.path.join(SERVER.dist, name)
    with open(path, "wb") as f:
        f.write(data)
    variants = {"br": brotli(data), "gz": gzip.compress(data, 9)}
    stat = os.stat(path)
    for suffix, packed in variants.items():
        with open(f"{path}.{suffix}", "wb") as f:
            f.write(packed)
        os.utime(f"{path}.{suffix}", ns=(stat.st_atime_ns, stat.st_mtime_ns + mtime_offset))
    return variants


def error_code(body):
    return json.loads(body)["error"]["code"]


async def rpc(ws, method, params=None, request_id=1):
    await ws.send(json.dumps({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params or {}}))
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if message.get("id") == request_id:
            return message


async def hello(ws):
    await ws.send(json.dumps(HELLO))
    answer = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert "result" in answer, answer
    return answer


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, 60))


class StaticFiles(unittest.TestCase):
    def test_the_bundle_is_served_with_javascript_and_wasm_types(self):
        for path, content_type, data in [
            ("/operator/operator-v4.0.0.js", "text/javascript; charset=utf-8", FAKE_JS.encode()),
            ("/operator/operator.js", "text/javascript; charset=utf-8", FAKE_JS.encode()),
            ("/operator/operator-v4.0.0.wasm", "application/wasm", FAKE_WASM),
        ]:
            with self.subTest(path=path):
                status, headers, body = fetch("GET", path)
                self.assertEqual(status, 200)
                self.assertEqual(headers["Content-Type"], content_type)
                self.assertEqual(body, data)
                self.assertIsNone(headers["Content-Encoding"])

    def test_gzip_when_accepted_and_the_same_bytes_after_gunzip(self):
        for path, data in [("/operator/operator-v4.0.0.js", FAKE_JS.encode()),
                           ("/operator/operator-v4.0.0.wasm", FAKE_WASM)]:
            with self.subTest(path=path):
                status, headers, body = fetch("GET", path, {"Accept-Encoding": "gzip, deflate, br"})
                self.assertEqual(status, 200)
                self.assertEqual(headers["Content-Encoding"], "gzip")
                self.assertIn("Accept-Encoding", headers.get_all("Vary"))
                self.assertLess(len(body), len(data))
                self.assertEqual(gzip.decompress(body), data)

    def test_gzip_refused_with_q_zero_gets_identity(self):
        status, headers, body = fetch("GET", "/operator/operator.js", {"Accept-Encoding": "gzip;q=0, identity"})
        self.assertEqual(status, 200)
        self.assertIsNone(headers["Content-Encoding"])
        self.assertEqual(body, FAKE_JS.encode())

    def test_brotli_from_the_precompressed_file_when_accepted(self):
        variants = precompressed("pre-v1.js", FAKE_JS.encode())
        status, headers, body = fetch("GET", "/operator/pre-v1.js", {"Accept-Encoding": "gzip, deflate, br"})
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Encoding"], "br")
        self.assertEqual(headers["Content-Type"], "text/javascript; charset=utf-8")
        self.assertIn("Accept-Encoding", headers.get_all("Vary"))
        self.assertEqual(headers["Cache-Control"], "public, max-age=31536000, immutable")
        self.assertEqual(body, variants["br"], "served as built, not recompressed")
        self.assertEqual(brotli(body, decompress=True), FAKE_JS.encode())

    def test_gzip_from_the_precompressed_file_when_brotli_is_not_accepted(self):
        variants = precompressed("pre-v2.wasm", FAKE_WASM)
        for accept in ["gzip", "gzip, deflate", "br;q=0, gzip"]:
            with self.subTest(accept=accept):
                status, headers, body = fetch("GET", "/operator/pre-v2.wasm", {"Accept-Encoding": accept})
                self.assertEqual(status, 200)
                self.assertEqual(headers["Content-Encoding"], "gzip")
                self.assertEqual(headers["Content-Type"], "application/wasm")
                self.assertIn("Accept-Encoding", headers.get_all("Vary"))
                self.assertEqual(body, variants["gz"])
                self.assertEqual(gzip.decompress(body), FAKE_WASM)

    def test_identity_when_no_coding_is_accepted(self):
        precompressed("pre-v3.js", FAKE_JS.encode())
        for accept in [None, "identity", "br;q=0, gzip;q=0", "deflate"]:
            with self.subTest(accept=accept):
                status, headers, body = fetch("GET", "/operator/pre-v3.js", {"Accept-Encoding": accept} if accept else {})
                self.assertEqual(status, 200)
                self.assertIsNone(headers["Content-Encoding"])
                self.assertIn("Accept-Encoding", headers.get_all("Vary"))
                self.assertEqual(body, FAKE_JS.encode())

    def test_each_coding_has_its_own_etag_and_revalidates_with_304(self):
        precompressed("pre-v4.js", FAKE_JS.encode())
        tags = {}
        for accept in ["br", "gzip", "identity"]:
            with self.subTest(accept=accept):
                _, headers, _ = fetch("GET", "/operator/pre-v4.js", {"Accept-Encoding": accept})
                tags[accept] = headers["ETag"]
                status, again, body = fetch("GET", "/operator/pre-v4.js",
                                            {"Accept-Encoding": accept, "If-None-Match": tags[accept]})
                self.assertEqual(status, 304)
                self.assertEqual(body, b"")
                self.assertEqual(again["ETag"], tags[accept])
                self.assertIn("Accept-Encoding", again.get_all("Vary"))
        self.assertEqual(len(set(tags.values())), 3, tags)

    def test_precompressed_files_older_than_the_file_are_ignored(self):
        variants = precompressed("pre-v5.js", FAKE_JS.encode(), mtime_offset=-10**9)
        status, headers, body = fetch("GET", "/operator/pre-v5.js", {"Accept-Encoding": "gzip, br"})
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Encoding"], "gzip", "no stale brotli: gzip made by ucsd instead")
        self.assertNotEqual(body, variants["gz"])
        self.assertEqual(gzip.decompress(body), FAKE_JS.encode())

    def test_a_rebuilt_file_and_its_precompressed_files_are_served_fresh(self):
        precompressed("pre-v6.js", b"first();\n" * 100)
        _, _, first = fetch("GET", "/operator/pre-v6.js", {"Accept-Encoding": "br"})
        precompressed("pre-v6.js", b"second();\n" * 100)
        _, _, second = fetch("GET", "/operator/pre-v6.js", {"Accept-Encoding": "br"})
        self.assertEqual(brotli(first, decompress=True), b"first();\n" * 100)
        self.assertEqual(brotli(second, decompress=True), b"second();\n" * 100)

    def test_etag_revalidation_answers_304(self):
        for encoding in ["", "gzip"]:
            with self.subTest(encoding=encoding):
                _, headers, _ = fetch("GET", "/operator/operator.js", {"Accept-Encoding": encoding})
                etag = headers["ETag"]
                self.assertTrue(etag.startswith('"'), etag)
                status, headers, body = fetch("GET", "/operator/operator.js",
                                              {"Accept-Encoding": encoding, "If-None-Match": etag})
                self.assertEqual(status, 304)
                self.assertEqual(body, b"")
                self.assertEqual(headers["ETag"], etag)
        _, plain, _ = fetch("GET", "/operator/operator.js")
        _, zipped, _ = fetch("GET", "/operator/operator.js", {"Accept-Encoding": "gzip"})
        self.assertNotEqual(plain["ETag"], zipped["ETag"], "two representations need two entity tags")
        status, _, _ = fetch("GET", "/operator/operator.js", {"If-None-Match": '"something-else"'})
        self.assertEqual(status, 200)

    def test_versioned_names_are_immutable_and_the_rest_revalidated(self):
        _, headers, _ = fetch("GET", "/operator/operator-v4.0.0.js")
        self.assertEqual(headers["Cache-Control"], "public, max-age=31536000, immutable")
        _, headers, _ = fetch("GET", "/operator/operator-v4.0.0.wasm")
        self.assertEqual(headers["Cache-Control"], "public, max-age=31536000, immutable")
        _, headers, _ = fetch("GET", "/operator/operator.js")
        self.assertEqual(headers["Cache-Control"], "no-cache")

    def test_the_wasm_is_readable_from_a_crm_origin(self):
        status, headers, _ = fetch("GET", "/operator/operator-v4.0.0.wasm", {"Origin": "https://crm.example"})
        self.assertEqual(status, 200)
        self.assertEqual(headers["Access-Control-Allow-Origin"], "*")
        self.assertEqual(headers["Cross-Origin-Resource-Policy"], "cross-origin")

    def test_a_changed_file_is_served_fresh(self):
        path = os.path.join(SERVER.dist, "changing.js")
        with open(path, "w", encoding="utf-8") as f:
            f.write("one();\n")
        _, _, first = fetch("GET", "/operator/changing.js")
        with open(path, "w", encoding="utf-8") as f:
            f.write("two(); // longer\n")
        _, _, second = fetch("GET", "/operator/changing.js")
        self.assertEqual((first, second), (b"one();\n", b"two(); // longer\n"))

    def test_head_describes_the_body_without_sending_it(self):
        status, headers, body = fetch("HEAD", "/operator/operator-v4.0.0.wasm")
        self.assertEqual(status, 200)
        self.assertEqual(int(headers["Content-Length"]), len(FAKE_WASM))
        self.assertEqual(body, b"")

    def test_path_traversal_is_refused(self):
        for path in ["/operator/../secret.txt", "/operator/%2e%2e/secret.txt", "/operator/..%2fsecret.txt",
                     "/operator/%2E%2E%2Fsecret.txt", "/operator//etc/passwd", "/operator/.hidden",
                     "/operator/..\\secret.txt", "/sandbox/../../../secret.txt", "/%2e%2e/%2e%2e/etc/passwd",
                     "/operator/%00.js"]:
            with self.subTest(path=path):
                status, headers, body = fetch("GET", path)
                self.assertIn(status, (400, 404))
                self.assertEqual(headers["Content-Type"], "application/json; charset=utf-8")
                self.assertNotIn(b"top secret", body)
                self.assertNotIn(b"root:", body)
                self.assertIn(error_code(body), ("BAD_PATH", "NOT_FOUND", "BAD_REQUEST"))

    def test_a_missing_bundle_file_is_a_json_404(self):
        status, _, body = fetch("GET", "/operator/nothing-here.js")
        self.assertEqual(status, 404)
        self.assertEqual(error_code(body), "NOT_FOUND")


class Routing(unittest.TestCase):
    def test_unknown_paths_get_a_json_404_naming_the_path(self):
        status, headers, body = fetch("GET", "/x")
        self.assertEqual(status, 404)
        self.assertEqual(headers["Content-Type"], "application/json; charset=utf-8")
        self.assertEqual(json.loads(body), {"error": {"code": "NOT_FOUND", "message": "no such path: /x"}})

    def test_the_example_crm_page_is_served_at_the_root(self):
        status, headers, body = fetch("GET", "/")
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "text/html; charset=utf-8")
        self.assertIn(b'<div id="ucsOperator">Loading agent bar...</div>', body)
        self.assertIn(b'src="/operator/operator-v4.0.0.js"', body)
        self.assertIn("script-src 'self'", headers["Content-Security-Policy"])
        status, headers, _ = fetch("GET", "/crm.js")
        self.assertEqual((status, headers["Content-Type"]), (200, "text/javascript; charset=utf-8"))

    def test_the_sandbox_console_is_served(self):
        for path in ["/sandbox/", "/sandbox"]:
            with self.subTest(path=path):
                status, headers, body = fetch("GET", path)
                self.assertEqual(status, 200)
                self.assertEqual(headers["Content-Type"], "text/html; charset=utf-8")
                self.assertIn(b"/sandbox/console.js", body)
        for path, content_type in [("/sandbox/console.js", "text/javascript; charset=utf-8"),
                                   ("/sandbox/console.css", "text/css; charset=utf-8")]:
            with self.subTest(path=path):
                status, headers, _ = fetch("GET", path)
                self.assertEqual((status, headers["Content-Type"]), (200, content_type))

    def test_a_preflight_gets_the_cors_headers(self):
        status, headers, body = fetch("OPTIONS", "/api/v1.0/agents", {
            "Origin": "https://crm.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        })
        self.assertEqual(status, 204)
        self.assertEqual(body, b"")
        self.assertEqual(headers["Access-Control-Allow-Origin"], "https://crm.example")
        self.assertIn("Authorization", headers["Access-Control-Allow-Headers"])
        self.assertIn("GET", headers["Access-Control-Allow-Methods"])
        self.assertIn("POST", headers["Access-Control-Allow-Methods"])
        status, headers, _ = fetch("OPTIONS", "/operator/operator-v4.0.0.wasm")
        self.assertEqual((status, headers["Access-Control-Allow-Origin"]), (204, "*"))

    def test_wrong_methods_get_a_json_405(self):
        for method, path in [("DELETE", "/operator/operator.js"), ("POST", "/"), ("PUT", "/api/v1.0/agents"),
                             ("PATCH", "/login/oauth2/token")]:
            with self.subTest(method=method, path=path):
                status, headers, body = fetch(method, path, body=b"{}")
                self.assertEqual(status, 405)
                self.assertEqual(error_code(body), "METHOD_NOT_ALLOWED")
                self.assertIsNotNone(headers["Allow"])

    def test_the_websocket_path_without_upgrade_says_so(self):
        status, _, body = fetch("GET", "/ws")
        self.assertEqual(status, 426)
        self.assertEqual(error_code(body), "UPGRADE_REQUIRED")

    def test_malformed_http_gets_a_400_and_the_server_carries_on(self):
        status, body = raw_http(b"NOT HTTP AT ALL\r\n\r\n")
        self.assertEqual(status, 400)
        self.assertEqual(error_code(body), "BAD_REQUEST")
        status, _, _ = fetch("GET", "/")
        self.assertEqual(status, 200)

    def test_an_oversized_body_gets_a_413(self):
        status, body = raw_http(b"POST /login/oauth2/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                b"Content-Length: 2097152\r\n\r\n")
        self.assertEqual(status, 413)
        self.assertEqual(error_code(body), "PAYLOAD_TOO_LARGE")

    def test_the_rest_api_goes_to_the_engine_with_cors(self):
        body = json.dumps({"client_id": "sandbox", "client_secret": "sandbox", "grant_type": "client_credentials"})
        status, headers, answer = fetch("POST", "/login/oauth2/token", {"Content-Type": "application/json"}, body)
        self.assertEqual(status, 200, answer)
        self.assertEqual(headers["Content-Type"], "application/json; charset=utf-8")
        self.assertEqual(headers["Cache-Control"], "no-store")
        token = json.loads(answer)["access_token"]
        status, headers, answer = fetch("GET", "/api/v1.0/agents",
                                        {"Authorization": f"Bearer {token}", "Origin": "https://crm.example"})
        self.assertEqual(status, 200, answer)
        self.assertIsInstance(json.loads(answer), list)
        self.assertEqual(headers["Access-Control-Allow-Origin"], "https://crm.example")
        status, headers, answer = fetch("GET", "/api/v1.0/agents")
        self.assertEqual(status, 401)
        self.assertEqual(headers["Access-Control-Allow-Origin"], "*")
        self.assertIn("error", json.loads(answer))


class WebSocket(unittest.TestCase):
    def test_the_bar_default_path_and_prefixed_paths_upgrade(self):
        async def scenario():
            for path in ["/ws", "/ucs/ws"]:
                async with websockets.connect(SERVER.ws_base + path, origin="https://crm.example") as ws:
                    answer = await hello(ws)
                    self.assertEqual(answer["result"]["state"], "CREDENTIALS")
        run(scenario())

    def test_a_binary_frame_gets_a_json_rpc_error_and_the_connection_stays(self):
        async def scenario():
            async with websockets.connect(SERVER.ws_base + "/ws") as ws:
                await ws.send(b"\x00\x01audio?")
                answer = json.loads(await asyncio.wait_for(ws.recv(), 10))
                self.assertEqual(answer, {"jsonrpc": "2.0", "id": None, "error": {
                    "code": -32600, "message": "binary frames are reserved for audio and not accepted yet",
                    "data": {"code": "INVALID_REQUEST"}}})
                await hello(ws)
                self.assertIn("result", await rpc(ws, "ping", request_id=7))
        run(scenario())

    def test_a_frame_over_1_mib_closes_with_1009_and_others_carry_on(self):
        async def scenario():
            async with websockets.connect(SERVER.ws_base + "/ws") as other:
                await hello(other)
                async with websockets.connect(SERVER.ws_base + "/ws", max_size=None) as big:
                    await hello(big)
                    try:
                        await big.send("x" * ((1 << 20) + 1))
                    except websockets.exceptions.ConnectionClosed:
                        pass  # the server may close (1009) before the client has finished sending
                    await asyncio.wait_for(big.wait_closed(), 10)
                    self.assertEqual(big.close_code, 1009)
                self.assertIn("result", await rpc(other, "ping", request_id=2))
            self.assertTrue(SERVER.alive())
        run(scenario())

    def test_a_frame_over_64_kib_gets_frame_too_large_and_the_connection_stays(self):
        async def scenario():
            async with websockets.connect(SERVER.ws_base + "/ws") as ws:
                await ws.send("y" * (100 * 1024))
                answer = json.loads(await asyncio.wait_for(ws.recv(), 10))
                self.assertEqual(answer["error"]["data"]["code"], "FRAME_TOO_LARGE")
                await hello(ws)
        run(scenario())

    def test_a_thousand_malformed_frames_leave_everyone_else_alone(self):
        malformed = [
            ("not json", "PARSE_ERROR"),
            ("[1, 2, 3]", "INVALID_REQUEST"),
            ('"just a string"', "INVALID_REQUEST"),
            ('{"jsonrpc": "2.0", "id": 1, "method": 5}', "INVALID_REQUEST"),
            ('{"jsonrpc": "1.0", "id": 1, "method": "ping"}', "INVALID_REQUEST"),
            ('{"jsonrpc": "2.0", "id": 1, "method": "noSuchMethod"}', "METHOD_NOT_FOUND"),
            ('{"jsonrpc": "2.0", "id": 1, "method": "ping", "params": 5}', "INVALID_PARAMS"),
            ('{"jsonrpc": "2.0", "id": 1, "method": "login"}', "INVALID_PARAMS"),
            ('{"jsonrpc": "2.0", "id": 1, "method": "login", "params": {"username": 5}}', "INVALID_PARAMS"),
            ("[" * 10000 + "]" * 10000, "PARSE_ERROR"),
            ('{"a":' * 5000 + "1" + "}" * 5000, "PARSE_ERROR"),
            ("z" * (70 * 1024), "FRAME_TOO_LARGE"),
        ]

        async def scenario():
            async with websockets.connect(SERVER.ws_base + "/ws") as bystander:
                await hello(bystander)
                async with websockets.connect(SERVER.ws_base + "/ws", max_size=None) as noisy:
                    await hello(noisy)
                    for i in range(1000):
                        frame, _ = malformed[i % len(malformed)]
                        await noisy.send(frame)
                        if i % 100 == 0:
                            self.assertIn("result", await rpc(bystander, "ping", request_id=i))
                    for i in range(1000):
                        frame, expected = malformed[i % len(malformed)]
                        answer = json.loads(await asyncio.wait_for(noisy.recv(), 10))
                        error = answer.get("error")
                        self.assertIsNotNone(error, (frame[:80], answer))
                        self.assertEqual(error["data"]["code"], expected, (frame[:80], answer))
                        self.assertTrue(error["message"], answer)
                    # The noisy connection itself carries on too.
                    self.assertIn("result", await rpc(noisy, "ping", request_id="after"))
                self.assertIn("result", await rpc(bystander, "ping", request_id="end"))
            self.assertTrue(SERVER.alive())
        run(scenario())


class Origins(unittest.TestCase):
    def test_only_allowed_origins_may_open_the_websocket(self):
        with Ucsd("--allowed-origin", "http://crm.example", "--allowed-origin", "https://other.example/") as server:
            async def scenario():
                for origin in ["http://crm.example", "https://other.example"]:
                    async with websockets.connect(server.ws_base + "/ws", origin=origin) as ws:
                        await hello(ws)
                with self.assertRaises(websockets.exceptions.InvalidStatusCode) as refused:
                    async with websockets.connect(server.ws_base + "/ws", origin="http://evil.example"):
                        pass
                self.assertEqual(refused.exception.status_code, 403)
            run(scenario())
            status, body = raw_http(b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                                    b"Origin: http://evil.example\r\n\r\n", server)
            self.assertEqual((status, error_code(body)), (403, "ORIGIN_NOT_ALLOWED"))


class Lifecycle(unittest.TestCase):
    def test_sigterm_stops_the_server_cleanly_with_a_websocket_open(self):
        server = Ucsd().start()
        try:
            async def scenario():
                async with websockets.connect(server.ws_base + "/ws") as ws:
                    await hello(ws)
                    code = await asyncio.get_running_loop().run_in_executor(None, server.stop)
                    self.assertEqual(code, 0)
                    await asyncio.wait_for(ws.wait_closed(), 10)
                    self.assertEqual(ws.close_code, 1001)
            run(scenario())
        finally:
            server.stop()

    def test_bad_flags_print_usage_and_exit_2(self):
        from ucsd_harness import ucsd_binary
        result = subprocess.run([ucsd_binary(), "--no-such-flag"], capture_output=True, timeout=10)
        self.assertEqual(result.returncode, 2)
        self.assertIn(b"usage:", result.stderr)
        self.assertIn(b"--no-such-flag", result.stderr)


class Capacity(unittest.TestCase):
    def assert_server_full(self, server):
        status, headers, body = fetch("GET", "/api/v1.0/status", server=server)
        self.assertEqual(status, 503)
        self.assertEqual(headers["Content-Type"], "application/json")
        self.assertEqual(json.loads(body)["error"]["code"], "SERVER_FULL")

    def test_beyond_max_connections_new_connections_get_a_json_503_and_the_server_carries_on(self):
        server = Ucsd("--max-connections", "3").start()
        try:
            async def scenario():
                sockets = [await websockets.connect(server.ws_base + "/ws") for _ in range(3)]
                for ws in sockets:
                    await hello(ws)
                loop = asyncio.get_running_loop()
                await loop.run_in_executor(None, self.assert_server_full, server)
                # The connections held carry on.
                await sockets[0].send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping", "params": {}}))
                self.assertIn("result", json.loads(await asyncio.wait_for(sockets[0].recv(), 10)))
                await sockets[0].close()
                await asyncio.sleep(0.3)  # the server sees the close
                status, _, _ = await loop.run_in_executor(None, lambda: fetch("GET", "/api/v1.0/status", server=server))
                self.assertEqual(status, 401)  # served again (the REST API wants a token)
                for ws in sockets[1:]:
                    await ws.close()
            run(scenario())
            self.assertTrue(server.alive())
            self.assertIn("holding up to 3 connections", server.stderr())
        finally:
            server.stop()

    def test_the_file_limit_is_raised_to_the_hard_limit_and_connections_beyond_it_are_refused(self):
        # A low soft limit and a hard limit of 160: ucsd raises the one to the other and holds
        # 160 - 64 = 96 connections.
        server = Ucsd(file_limit=(100, 160)).start()
        try:
            self.assertIn("open files limit 160: holding up to 96 connections", server.stderr())
            held = [socket.create_connection(("127.0.0.1", server.port), timeout=10) for _ in range(96)]
            try:
                for _ in range(3):
                    self.assert_server_full(server)
            finally:
                for sock in held:
                    sock.close()
            for _ in range(50):  # until the server has seen the closes
                if fetch("GET", "/api/v1.0/status", server=server)[0] != 503:
                    break
                time.sleep(0.1)
            self.assertEqual(fetch("GET", "/api/v1.0/status", server=server)[0], 401)
            self.assertTrue(server.alive())
        finally:
            server.stop()


@unittest.skipUnless(shutil.which("openssl"), "needs the openssl command to make a certificate")
class Tls(unittest.TestCase):
    def test_https_and_wss_with_a_certificate(self):
        directory = tempfile.mkdtemp(prefix="ucsd-tls-")
        try:
            cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                            "/CN=127.0.0.1", "-keyout", key, "-out", cert], check=True, capture_output=True)
            with Ucsd("--cert", cert, "--key", key) as server:
                self.assertEqual(server.scheme, "https")
                context = ssl.create_default_context(cafile=cert)
                context.check_hostname = False
                connection = http.client.HTTPSConnection("127.0.0.1", server.port, timeout=10, context=context)
                connection.request("GET", "/operator/operator-v4.0.0.wasm")
                response = connection.getresponse()
                self.assertEqual((response.status, response.headers["Content-Type"]), (200, "application/wasm"))
                self.assertEqual(response.read(), FAKE_WASM)
                connection.close()

                async def scenario():
                    async with websockets.connect(server.ws_base + "/ws", ssl=context) as ws:
                        await hello(ws)
                run(scenario())
        finally:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
