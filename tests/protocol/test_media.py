"""ucsd's media socket and simulated parties over a real socket (docs/media.md, docs/server.md): an
agent attaches, talks a 1 kHz tone to a simulated caller whose /heard WAV holds it, hears the caller's
440 Hz tone, and media.attach refuses what it must. Opus through Debian's libopus (ctypes), tones found
with Goertzel: nothing of ucsd's own code decides the outcome."""

import array
import asyncio
import base64
import ctypes
import ctypes.util
import io
import json
import math
import os
import socket
import struct
import unittest
import urllib.request
import wave

import ucsd_harness  # noqa: F401  (re-executes under Debian's python when websockets is missing)
import websockets
from test_protocol import Agent, Server, sso_token

RATE = 48000
FRAME = 960


class Opus:
    """The few libopus calls the test needs: one encoder and one decoder, 48 kHz mono."""

    def __init__(self):
        self.lib = ctypes.CDLL(ctypes.util.find_library("opus") or "libopus.so.0")
        error = ctypes.c_int()
        self.lib.opus_encoder_create.restype = ctypes.c_void_p
        self.lib.opus_decoder_create.restype = ctypes.c_void_p
        self.encoder = self.lib.opus_encoder_create(RATE, 1, 2048, ctypes.byref(error))  # OPUS_APPLICATION_VOIP
        assert error.value == 0
        self.decoder = self.lib.opus_decoder_create(RATE, 1, ctypes.byref(error))
        assert error.value == 0

    def encode(self, samples):
        pcm = (ctypes.c_float * FRAME)(*samples)
        out = (ctypes.c_ubyte * 1275)()
        size = self.lib.opus_encode_float(ctypes.c_void_p(self.encoder), pcm, FRAME, out, 1275)
        assert size > 0, size
        return bytes(out[:size])

    def decode(self, payload):
        pcm = (ctypes.c_float * FRAME)()
        data = (ctypes.c_ubyte * len(payload)).from_buffer_copy(payload)
        count = self.lib.opus_decode_float(ctypes.c_void_p(self.decoder), data, len(payload), pcm, FRAME, 0)
        assert count == FRAME, count
        return list(pcm)

    def close(self):
        self.lib.opus_encoder_destroy(ctypes.c_void_p(self.encoder))
        self.lib.opus_decoder_destroy(ctypes.c_void_p(self.decoder))


class OpusTwoStreams:
    """libopus's multistream decoder for a recording: two uncoupled mono streams (channel mapping
    family 1), channel i from stream i, 48 kHz."""

    def __init__(self):
        self.lib = ctypes.CDLL(ctypes.util.find_library("opus") or "libopus.so.0")
        error = ctypes.c_int()
        mapping = (ctypes.c_ubyte * 2)(0, 1)
        self.lib.opus_multistream_decoder_create.restype = ctypes.c_void_p
        self.decoder = self.lib.opus_multistream_decoder_create(RATE, 2, 2, 0, mapping, ctypes.byref(error))
        assert error.value == 0

    def decode(self, payload):
        """One packet: (channel 0 samples, channel 1 samples)."""
        pcm = (ctypes.c_float * (2 * FRAME))()
        data = (ctypes.c_ubyte * len(payload)).from_buffer_copy(payload)
        count = self.lib.opus_multistream_decode_float(ctypes.c_void_p(self.decoder), data, len(payload), pcm, FRAME, 0)
        assert count == FRAME, count
        return list(pcm[0::2]), list(pcm[1::2])

    def close(self):
        self.lib.opus_multistream_decoder_destroy(ctypes.c_void_p(self.decoder))


def goertzel_share(samples, rate, frequency):
    """The frequency's share of the block's power (about 1 for a pure tone there)."""
    coefficient = 2 * math.cos(2 * math.pi * frequency / rate)
    s1 = s2 = energy = 0.0
    for x in samples:
        s1, s2 = x + coefficient * s1 - s2, s1
        energy += x * x
    power = s1 * s1 + s2 * s2 - coefficient * s1 * s2
    n = len(samples)
    return 2 * power / (n * energy) if energy > 0 else 0.0


def frame(stream, seq, payload, silence=False):
    flags = 1 if silence else 0
    return struct.pack(">BBHII", 1, flags, stream, seq, (seq * FRAME) & 0xFFFFFFFF) + payload


def parse(data):
    version, flags, stream, seq, timestamp = struct.unpack(">BBHII", data[:12])
    return {"version": version, "silence": bool(flags & 1), "restart": bool(flags & 2), "stream": stream,
            "seq": seq, "timestamp": timestamp, "payload": data[12:]}


class MediaTest(unittest.TestCase):
    def setUp(self):
        self.server = Server().start()
        self.opus = Opus()

    def tearDown(self):
        self.opus.close()
        self.server.stop()

    def run_async(self, coroutine):
        return asyncio.run(asyncio.wait_for(coroutine, 120))

    @property
    def media_url(self):
        return f"ws://127.0.0.1:{self.server.port}/media"

    async def attach(self, session, request_id=1):
        socket = await websockets.connect(self.media_url)
        await socket.send(json.dumps({"jsonrpc": "2.0", "id": request_id, "method": "media.attach",
                                      "params": {"session": session, "last_seq": 0}}))
        return socket, json.loads(await asyncio.wait_for(socket.recv(), 10))

    async def agent_in_call(self, audio):
        """agent1 on softphone 201, talking to a simulated caller that plays `audio`."""
        agent = await Agent.connect(self.server.ws_url)
        hello = await agent.ok("hello", {"protocol": "ucs-agent/1", "client": "media-test"})
        await agent.ok("sso", {"username": "agent1", "token": sso_token("agent1"),
                               "provider": "tests"})
        await agent.ok("identifier", {"identifier": "201"})
        await agent.ok("provision")
        await agent.ok("changeStatus", {"status": "READY"})
        socket, answer = await self.attach(hello["session"])
        self.assertEqual(set(answer["result"]), {"stream", "codec", "rate", "channels", "frame_ms"})
        self.assertEqual((answer["result"]["codec"], answer["result"]["rate"], answer["result"]["frame_ms"]),
                         ("opus", 48000, 20))
        status, created = self.server.rest("POST", "/api/v1.0/sandbox/calls",
                                           {"from": "601234567", "queue": 1, "audio": audio})
        self.assertEqual(status, 201, created)
        await agent.event("call.ringing")
        await agent.ok("answer")
        return agent, socket, created["uniqueid"]

    async def stream_of_call(self, socket):
        """The call's stream, from the first frame ucsd sends once the call is connected."""
        while True:
            data = await asyncio.wait_for(socket.recv(), 10)
            self.assertIsInstance(data, bytes)
            return parse(data)

    def heard(self, uniqueid):
        request = urllib.request.Request(f"http://127.0.0.1:{self.server.port}/api/v1.0/sandbox/calls/{uniqueid}/heard",
                                         headers={"Authorization": "Bearer " + self.server.token()})
        with urllib.request.urlopen(request, timeout=10) as response:
            self.assertEqual(response.headers["Content-Type"], "audio/wav")
            return response.read()

    def test_what_the_agent_says_is_in_what_the_simulated_caller_heard(self):
        async def scenario():
            agent, socket, uniqueid = await self.agent_in_call({"silence": True})
            first = await self.stream_of_call(socket)
            stream = first["stream"]
            for seq in range(100):  # 2 s of a 1 kHz tone, paced like a bar
                samples = [0.4 * math.sin(2 * math.pi * 1000 * (seq * FRAME + i) / RATE) for i in range(FRAME)]
                await socket.send(frame(stream, seq, self.opus.encode(samples)))
                await asyncio.sleep(0.02)
            await asyncio.sleep(0.2)
            wav = wave.open(io.BytesIO(self.heard(uniqueid)))
            self.assertEqual((wav.getnchannels(), wav.getsampwidth(), wav.getframerate()), (1, 2, 16000))
            pcm = array.array("h", wav.readframes(wav.getnframes()))
            self.assertGreaterEqual(len(pcm), 16000)  # at least 1 s of the 2 s arrived as audio
            block = [x / 32768 for x in pcm[len(pcm) // 4: len(pcm) // 4 + 8000]]
            self.assertGreater(goertzel_share(block, 16000, 1000), 0.8)
            self.assertLess(goertzel_share(block, 16000, 440), 0.05)
            await socket.close()
            await agent.socket.close()

        self.run_async(scenario())

    def test_the_simulated_callers_tone_reaches_the_agents_media_socket(self):
        async def scenario():
            agent, socket, _ = await self.agent_in_call({"tone": 440})
            pcm = []
            restarts = 0
            while len(pcm) < RATE:  # 1 s
                received = parse(await asyncio.wait_for(socket.recv(), 10))
                self.assertFalse(received["silence"])
                restarts += received["restart"]
                pcm += self.opus.decode(received["payload"])
            self.assertEqual(restarts, 1)  # the first frame only
            steady = pcm[RATE // 4: RATE // 4 + RATE // 2]
            self.assertGreater(goertzel_share(steady, RATE, 440), 0.8)
            self.assertLess(goertzel_share(steady, RATE, 1000), 0.05)
            await socket.close()
            await agent.socket.close()

        self.run_async(scenario())

    def test_a_simulated_caller_that_says_a_prompt_is_heard_speaking(self):
        async def scenario():
            agent, socket, _ = await self.agent_in_call({"say": "Hello, I would like to change my order."})
            pcm = []
            while len(pcm) < 2 * RATE:  # the first 2 s of the prompt
                received = parse(await asyncio.wait_for(socket.recv(), 10))
                self.assertFalse(received["silence"])
                pcm += self.opus.decode(received["payload"])
            rms = math.sqrt(sum(x * x for x in pcm) / len(pcm))
            self.assertGreater(rms, 0.01)  # speech, not silence (espeak-ng's voice is about 0.1)
            await socket.close()
            await agent.socket.close()

        self.run_async(scenario())

    def test_media_attach_refuses_bad_sessions_a_newer_attach_replaces_the_older_and_logout_closes_it(self):
        async def scenario():
            socket, answer = await self.attach("no-such-session")
            self.assertEqual(answer["error"]["data"]["code"], "SESSION_EXPIRED")
            await socket.close()

            agent = await Agent.connect(self.server.ws_url)
            hello = await agent.ok("hello", {"protocol": "ucs-agent/1", "client": "media-test"})
            socket, answer = await self.attach(hello["session"])
            self.assertEqual(answer["error"]["data"]["code"], "INVALID_STATE")
            await socket.close()

            await agent.ok("sso", {"username": "agent1", "token": sso_token("agent1"),
                                   "provider": "tests"})
            first, answer = await self.attach(hello["session"])
            self.assertIn("result", answer)
            # Garbage binary frames are dropped, never fatal.
            await first.send(b"\x01\x02")
            await first.send(b"\x09" * 40)
            second, answer = await self.attach(hello["session"])
            self.assertIn("result", answer)
            with self.assertRaises(websockets.ConnectionClosed):
                while True:
                    await asyncio.wait_for(first.recv(), 10)
            self.assertEqual(first.close_code, 4001)
            # A text frame after the attach closes the socket with 1003.
            await second.send("{}")
            with self.assertRaises(websockets.ConnectionClosed):
                while True:
                    await asyncio.wait_for(second.recv(), 10)
            self.assertEqual(second.close_code, 1003)
            # A socket of a session that logs out is closed with 4002.
            third, answer = await self.attach(hello["session"])
            self.assertIn("result", answer)
            await agent.ok("logout")
            with self.assertRaises(websockets.ConnectionClosed):
                while True:
                    await asyncio.wait_for(third.recv(), 10)
            self.assertEqual(third.close_code, 4002)
            await agent.socket.close()

        self.run_async(scenario())

    def test_a_client_that_sends_without_reading_its_answers_is_cut_off_and_ucsd_goes_on(self):
        # No login needed: every text message before media.attach gets an answer echoing its id. A
        # client that never reads them used to make ucsd queue them without end (memory).
        raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # the answers back up at once
        raw.settimeout(20)
        raw.connect(("127.0.0.1", self.server.port))
        key = base64.b64encode(os.urandom(16))
        raw.sendall(b"GET /media HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    b"Sec-WebSocket-Key: " + key + b"\r\nSec-WebSocket-Version: 13\r\n\r\n")
        response = b""
        while b"\r\n\r\n" not in response:
            response += raw.recv(1)
        self.assertTrue(response.startswith(b"HTTP/1.1 101"), response)
        payload = json.dumps({"jsonrpc": "2.0", "id": ["x" * 3800], "method": "media.attach"}).encode()
        mask = os.urandom(4)
        frame = (bytes([0x81, 0xFE]) + struct.pack("!H", len(payload)) + mask +
                 bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
        sent = 0
        cut_off = False
        try:
            for sent in range(1, 20_001):  # 80 MB of requests, 80 MB of answers nobody reads
                raw.sendall(frame)
        except (BrokenPipeError, ConnectionResetError):
            cut_off = True
        except socket.timeout:
            self.fail(f"ucsd stopped reading after {sent} messages but kept the connection")
        raw.close()
        self.assertTrue(cut_off, f"ucsd took {sent} unanswered messages without cutting the client off")
        # ucsd goes on: a new media socket is answered.
        async def still_serving():
            other, answer = await self.attach("no-such-session")
            self.assertEqual(answer["error"]["data"]["code"], "SESSION_EXPIRED")
            await other.close()
        self.run_async(still_serving())

    def test_sandbox_audio_is_validated_naming_the_field(self):
        cases = [({"tone": "loud"}, "audio.tone"), ({"tone": 5}, "audio.tone"), ({"say": ""}, "audio.say"),
                 ({"silence": False}, "audio.silence"), ({"sing": "la"}, "audio"), ({}, "audio"),
                 ({"tone": 440, "say": "hi"}, "audio")]
        for audio, field in cases:
            status, body = self.server.rest("POST", "/api/v1.0/sandbox/calls", {"from": "601234567", "queue": 1, "audio": audio})
            self.assertEqual((status, body["error"]["field"]), (400, field), audio)
        status, body = self.server.rest("POST", "/api/v1.0/sandbox/calls", {"from": "601234567", "queue": 1, "audio": 7})
        self.assertEqual(status, 400)
        status, body = self.server.rest("POST", "/api/v1.0/sandbox/calls",
                                        {"from": "601234567", "queue": 1, "audio": {"say": "Hello from the sandbox"}})
        self.assertEqual(status, 201, body)
        status, body = self.server.rest("GET", "/api/v1.0/sandbox/calls/nope/heard")
        self.assertEqual((status, body["error"]["code"]), (404, "NOT_FOUND"))


if __name__ == "__main__":
    unittest.main()
