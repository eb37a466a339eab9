"""Recording in ucsd (docs/media.md "Recording", docs/server.md "Recordings") over real sockets: a call
of the recorded Support queue yields an Ogg Opus file with the caller's tone and the agent's on channels of their own,
served at /recordings/{uniqueid} to the agent (recordingUrl token), in ranges, to REST clients, not to
another agent, and still there after a restart; a recording that cannot be written is logged and the
call goes on. The file is parsed here (Ogg pages, CRC) and decoded with Debian's libopus (ctypes)."""

import asyncio
import math
import os
import struct
import time
import unittest
import urllib.error
import urllib.request

import ucsd_harness  # noqa: F401  (re-executes under Debian's python when websockets is missing)
import websockets
from test_media import FRAME, RATE, Opus, OpusTwoStreams, frame, goertzel_share, parse
from test_protocol import Agent, Server, sso_token

CRC_TABLE = []
for _i in range(256):
    _r = _i << 24
    for _ in range(8):
        _r = ((_r << 1) ^ 0x04C11DB7) if _r & 0x80000000 else (_r << 1)
    CRC_TABLE.append(_r & 0xFFFFFFFF)


def ogg_crc(data):
    crc = 0
    for byte in data:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ CRC_TABLE[((crc >> 24) ^ byte) & 0xFF]
    return crc


def ogg_packets(data):
    """(pages, packets) of an Ogg file; every page's CRC checked."""
    pages, packets, partial, at = [], [], b"", 0
    while at < len(data):
        assert data[at:at + 4] == b"OggS", f"no capture pattern at {at}"
        flags, granule, serial, sequence, crc, segments = struct.unpack("<BqIIIB", data[at + 5:at + 27])
        lacing = data[at + 27:at + 27 + segments]
        size = 27 + segments + sum(lacing)
        page = bytearray(data[at:at + size])
        page[22:26] = b"\0\0\0\0"
        assert ogg_crc(page) == crc, f"CRC of page {sequence}"
        body = at + 27 + segments
        for lace in lacing:
            partial += data[body:body + lace]
            body += lace
            if lace < 255:
                packets.append(partial)
                partial = b""
        pages.append({"flags": flags, "granule": granule, "sequence": sequence})
        at += size
    return pages, packets


class RecordingTest(unittest.TestCase):
    def setUp(self):
        self.server = Server()

    def tearDown(self):
        self.server.stop()

    def run_async(self, coroutine):
        return asyncio.run(asyncio.wait_for(coroutine, 120))

    def get(self, path, headers=None, bearer=False, method="GET"):
        headers = dict(headers or {})
        if bearer:
            headers["Authorization"] = "Bearer " + self.server.token()
        request = urllib.request.Request(f"http://127.0.0.1:{self.server.port}{path}", headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    async def talk(self, expect_recorded=True):
        """agent1 on softphone 201 takes a Support call from a caller playing 440 Hz, says 1 kHz for
        1 s, and the caller hangs up. Returns the agent and the call's uniqueid."""
        opus = Opus()
        agent = await Agent.connect(self.server.ws_url)
        hello = await agent.ok("hello", {"protocol": "ucs-agent/1", "client": "recording-test"})
        await agent.ok("sso", {"username": "agent1", "token": sso_token("agent1"), "provider": "tests"})
        await agent.ok("identifier", {"identifier": "201"})
        await agent.ok("provision")
        await agent.ok("changeStatus", {"status": "READY"})
        media = await websockets.connect(f"ws://127.0.0.1:{self.server.port}/media")
        await media.send('{"jsonrpc":"2.0","id":1,"method":"media.attach","params":{"session":"%s","last_seq":0}}'
                         % hello["session"])
        await asyncio.wait_for(media.recv(), 10)
        status, created = self.server.rest("POST", "/api/v1.0/sandbox/calls",
                                           {"from": "601234567", "queue": 1, "audio": {"tone": 440}})
        self.assertEqual(status, 201, created)
        ringing = await agent.event("call.ringing")
        self.assertEqual(ringing["call"]["recorded"], expect_recorded)
        await agent.ok("answer")
        stream = None
        while stream is None:
            data = await asyncio.wait_for(media.recv(), 10)
            if isinstance(data, bytes):
                stream = parse(data)["stream"]
        await asyncio.sleep(1.0)  # 1 s of the caller alone
        for seq in range(50):  # then 1 s of the agent's 1 kHz tone over it
            samples = [0.4 * math.sin(2 * math.pi * 1000 * (seq * FRAME + i) / RATE) for i in range(FRAME)]
            await media.send(frame(stream, seq, opus.encode(samples)))
            await asyncio.sleep(0.02)
        status, _ = self.server.rest("POST", f"/api/v1.0/sandbox/calls/{created['uniqueid']}/hangup")
        self.assertEqual(status, 200)
        await agent.event("call.hangup")
        await media.close()
        opus.close()
        return agent, created["uniqueid"]

    def complete_recording(self, uniqueid):
        """The recording's bytes once its last page (EOS) is written."""
        deadline = time.time() + 10
        while True:
            status, headers, body = self.get(f"/recordings/{uniqueid}", bearer=True)
            if status == 200:
                pages, _ = ogg_packets(body)
                if pages and pages[-1]["flags"] & 0x04:
                    self.assertEqual(headers["Content-Type"], "audio/ogg")
                    return body
            if time.time() > deadline:
                raise AssertionError(f"no complete recording: {status} {body[:200]!r}")
            time.sleep(0.1)

    def test_a_recorded_queue_call_is_served_to_its_agent_in_ranges_not_to_another_and_survives_a_restart(self):
        self.server.start()

        async def scenario():
            agent, uniqueid = await self.talk()
            body = self.complete_recording(uniqueid)
            pages, packets = ogg_packets(body)
            self.assertEqual(pages[0]["flags"], 0x02)
            self.assertTrue(packets[0].startswith(b"OpusHead"))
            # Two channels, one uncoupled mono stream each (mapping family 1): the caller, the agent.
            self.assertEqual(packets[0][9], 2)
            self.assertEqual(packets[0][18:23], bytes([1, 2, 0, 0, 1]))
            pre_skip = struct.unpack("<H", packets[0][10:12])[0]
            self.assertTrue(packets[1].startswith(b"OpusTags"))
            opus = OpusTwoStreams()
            caller_pcm, agent_pcm = [], []
            for packet in packets[2:]:
                left, right = opus.decode(packet)
                caller_pcm += left
                agent_pcm += right
            opus.close()
            caller_pcm, agent_pcm = caller_pcm[pre_skip:], agent_pcm[pre_skip:]
            self.assertEqual(pages[-1]["granule"], (len(packets) - 2) * FRAME)
            self.assertGreater(len(caller_pcm), int(1.8 * RATE))
            caller_alone = caller_pcm[RATE // 4: RATE // 4 + RATE // 2]
            self.assertGreater(goertzel_share(caller_alone, RATE, 440), 0.8)
            self.assertGreater(goertzel_share(caller_pcm[-RATE // 2:], RATE, 440), 0.8)
            # The agent's tone, on its own channel: this test's 20 ms sleeps drift, and the periods
            # its frames missed are silent there, so the clearest 100 ms of its last second is asked.
            windows = [agent_pcm[i: i + RATE // 10] for i in range(len(agent_pcm) - RATE, len(agent_pcm) - RATE // 10, RATE // 20)]
            self.assertGreater(max(goertzel_share(w, RATE, 1000) for w in windows), 0.8)
            self.assertLess(goertzel_share(agent_pcm, RATE, 440), 0.05)  # and nothing of the other end's
            self.assertLess(goertzel_share(caller_pcm, RATE, 1000), 0.05)

            # The agent's own URL, from the control socket; a Range as <audio> sends when it seeks.
            url = await agent.ok("recordingUrl", {"uniqueid": uniqueid})
            self.assertTrue(url["path"].startswith(f"/recordings/{uniqueid}?token="))
            status, headers, whole = self.get(url["path"])
            self.assertEqual((status, whole), (200, body))
            self.assertEqual(headers["Accept-Ranges"], "bytes")
            status, headers, part = self.get(url["path"], {"Range": "bytes=100-199"})
            self.assertEqual((status, part), (206, body[100:200]))
            self.assertEqual(headers["Content-Range"], f"bytes 100-199/{len(body)}")
            status, _, _ = self.get(url["path"], {"Range": f"bytes={len(body)}-"})
            self.assertEqual(status, 416)
            # HEAD (an <audio> or a download tool asking first): GET's headers and length, no body.
            status, headers, nothing = self.get(url["path"], method="HEAD")
            self.assertEqual((status, nothing), (200, b""))
            self.assertEqual((headers["Content-Length"], headers["Accept-Ranges"], headers["Content-Type"]),
                             (str(len(body)), "bytes", "audio/ogg"))
            status, headers, _ = self.get(url["path"], {"Range": "bytes=100-199"}, method="HEAD")
            self.assertEqual((status, headers["Content-Length"]), (206, "100"))

            # agent2 may not hear it.
            other = await Agent.connect(self.server.ws_url)
            await other.ready("agent2", "102")
            other_url = await other.ok("recordingUrl", {"uniqueid": uniqueid})
            status, headers, refused = self.get(other_url["path"])
            self.assertEqual(status, 403)
            self.assertEqual(self.get(other_url["path"], method="HEAD")[0], 403)
            self.assertIn(b'"FORBIDDEN"', refused)
            self.assertTrue(headers["Content-Type"].startswith("application/json"))
            status, _, missing = self.get("/recordings/no-such-call", bearer=True)
            self.assertEqual(status, 404)
            self.assertIn(b'"NOT_FOUND"', missing)
            await other.socket.close()
            await agent.socket.close()
            return uniqueid, body

        uniqueid, body = self.run_async(scenario())
        self.server.process.terminate()
        self.server.process.wait(10)
        self.server.process.stdout.close()
        self.server.start()
        status, _, again = self.get(f"/recordings/{uniqueid}", bearer=True)
        self.assertEqual((status, again), (200, body))

    def test_a_recording_that_cannot_be_written_is_logged_and_the_call_goes_on(self):
        os.makedirs(self.server.data)
        with open(os.path.join(self.server.data, "recordings"), "w") as blocker:
            blocker.write("a file where the recordings directory should be")
        self.server.start()

        async def scenario():
            agent, uniqueid = await self.talk()
            # The call went on to its end, and the agent's session still answers.
            await agent.ok("state")
            await agent.socket.close()
            return uniqueid

        uniqueid = self.run_async(scenario())
        status, _, _ = self.get(f"/recordings/{uniqueid}", bearer=True)
        self.assertEqual(status, 404)
        with open(os.path.join(self.server.root, "stderr.log"), errors="replace") as log:
            self.assertIn("recordings: cannot", log.read())


if __name__ == "__main__":
    unittest.main()
