#!/usr/bin/env python3
"""Writes the seed corpora under tests/fuzz/corpus/ from tests/vectors/ (run it again when the vectors
change; the seeds are committed). Each target's input format is described at the top of its .cpp."""
import hashlib
import json
import pathlib
import re

HERE = pathlib.Path(__file__).resolve().parent
VECTORS = HERE.parent / "vectors"
CORPUS = HERE / "corpus"


def write(target, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ("seed-" + hashlib.sha1(data).hexdigest()[:16])).write_bytes(data)


def transcript_lines(path):
    """Logical lines of a golden transcript (continuation lines folded in)."""
    lines = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        if raw[:1] in (" ", "\t") and lines:
            lines[-1] += raw.strip()
        else:
            lines.append(raw)
    return lines


def placeholders(text):
    return re.sub(r'"\$[a-z_]+"', '"x"', re.sub(r"\$[a-z_]+", "1", text))


# Client frames to ucsd in each state (first byte: the state, second: the agent).
server_frames = []
for path in sorted((VECTORS / "conversations" / "server").glob("*.txt")):
    for line in transcript_lines(path):
        match = re.match(r"^[a-z]+ > (.*)$", line)
        if match:
            server_frames.append(placeholders(match.group(1)))
for state in range(6):
    chunk = [frame for i, frame in enumerate(server_frames) if i % 6 == state]
    write("server_frames", bytes([state, state % 3]) + "\n".join(chunk[:8]).encode())
write("server_frames", b"\x05\x00" + b'{"jsonrpc":"2.0","id":9,"method":"hangup"}\n{"jsonrpc":"2.0","id":10,"method":"ping"}')
write("server_frames", b"\x00\x01" + b'{"jsonrpc":"2.0","id":2,"method":"login","params":{"username":"agent2","client_first":"n,,n=agent2,r=abc"}}')

# The agent engine: first byte picks a point in the golden conversations; lines are inputs.
agent_frames = []
for path in sorted((VECTORS / "conversations" / "agent").glob("*.txt")):
    for line in transcript_lines(path):
        if line.startswith("> frame "):
            agent_frames.append(line[len("> frame "):])
calls = ['!answer []', '!changeStatus ["READY"]', '!changeStatus ["AUX",1]', '!hangup []', '!hold []', '!dial ["601234567"]',
         '!sso ["agent1","/hm/wyJ1ud940/pVXyx4dI4U1ithZ2VudDExNzAwMDAwMDAw","CRM"]', '!login ["agent1","demo"]',
         '!notify ["title","body",5]', '!state []', '!logout []', '!history []', '!identify ["101"]', '~\x01', '^', '@15000']
for i in range(0, len(agent_frames), 3):
    write("agent", bytes([i % 40]) + "\n".join(agent_frames[i:i + 3] + calls[i % len(calls):i % len(calls) + 2]).encode())
for i, call in enumerate(calls):
    write("agent", bytes([i * 3]) + call.encode())

# The REST API: auth byte + method, target, body.
for method, target, body in [
    ("GET", "/api/v1.0/status", ""), ("GET", "/api/v1.0/history?user=agent1&limit=10&direction=in", ""),
    ("POST", "/api/v1.0/sandbox/calls", '{"from":"601234567","queue":1,"caller_name":"Jan"}'),
    ("POST", "/api/v1.0/sandbox/calls", '{"from":"601234567","to":"101","data":{"crm_url":"https://crm/1"}}'),
    ("POST", "/api/v1.0/sandbox/calls/1700000000.1/answer", ""), ("POST", "/api/v1.0/sandbox/devices/101/offhook", ""),
    ("POST", "/login/oauth2/token", '{"client_id":"sandbox","client_secret":"sandbox","grant_type":"client_credentials"}'),
    ("POST", "/api/v1.0/session/logout", '{"session":"abc"}'), ("GET", "/api/v1.0/agents", ""), ("GET", "/api/v1.0/calls", ""),
    ("DELETE", "/api/v1.0/%FF", "")]:
    write("rest_api", "\0" + method + "\n" + target + "\n" + body)

# The page's config object.
for config in [{"api": {"hostname": "ucs.example.com", "port": 443}, "renderTo": "ucsOperator", "autologin": True},
               {"api": {"hostname": "ucs", "port": "8080", "secure": False, "ws": {"hostname": "ws", "port": "9000", "path": "/ws"}}},
               {"lang": "cs", "headless": True, "identifyURL": True, "audioInputConstraints": {"echoCancellation": False}},
               {"api": {"port": 1e300}}, {"topMenuNameContent": "%icon% %name%", "notifyWaitingCallers": True}]:
    write("config", json.dumps(config))

# SSO: username NUL token.
write("sso", b"agent1\0/hm/wyJ1ud940/pVXyx4dI4U1ithZ2VudDExNzAwMDAwMDAw")
write("sso", b"agent2\0AAAAAAAAAAAAAAAAAAAAAAAAAAphZ2VudDI5OTk5OTk5OTk5OTk5OTk5OTk5")

# SCRAM: side byte + message(s).
write("scram", b"\0n,,n=agent1,r=rOprNGfwEbeRWgbNEkqO")
write("scram", b"\0n,,n=a=2Cb=3Dc,r=x")
write("scram", b"\1c=biws,r=fuzznonceservernonce,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")
write("scram", b"\2r=fuzznonceXYZ,s=c2FsdA==,i=4096\nv=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")

# Codecs: type byte + a golden value.
for kind, name in [(0, "call_full"), (0, "call_ringing_incoming"), (1, "user_full"), (2, "queue_membership"), (3, "device"),
                   (4, "agent_state_aux"), (4, "agent_state_ready")]:
    write("codecs", bytes([kind]) + (VECTORS / (name + ".json")).read_bytes().strip())

# Media frames (fuzz_media_frames.cpp): records of arrival ms, pops, big-endian length, frame bytes.
# The payloads are code-0 Opus packets: a TOC byte (config 31, CELT fullband 20 ms, mono) and bytes the
# range decoder reads as a (noisy) frame; libopus accepts any such packet of 2-1275 bytes.
def media_frame(seq, stream=7, flags=0, payload=b"\xf8\x01\x02\x03\x04\x05\x06\x07", version=1):
    header = bytes([version, flags]) + stream.to_bytes(2, "big") + (seq & 0xFFFFFFFF).to_bytes(4, "big") + \
        ((seq * 960) & 0xFFFFFFFF).to_bytes(4, "big")
    return header + (b"" if flags & 1 else payload)


def media_records(frames):
    out = b""
    for arrival, pops, frame in frames:
        out += bytes([arrival, pops]) + len(frame).to_bytes(2, "big") + frame
    return out


write("media_frames", media_records([(20, 1, media_frame(seq)) for seq in range(25)]))
write("media_frames", media_records([(20, 1, media_frame(seq)) for seq in (0, 2, 1, 3, 3, 5, 4, 9, 6, 7, 8)]))
write("media_frames", media_records([(60 if seq % 5 == 0 else 5, 1, media_frame(seq)) for seq in range(30)]))
write("media_frames", media_records([(20, 1, media_frame(seq, flags=1 if 4 <= seq < 9 else 0)) for seq in range(15)]))
write("media_frames", media_records([(20, 1, media_frame(seq, stream=7)) for seq in range(5)] +
                                    [(20, 1, media_frame(seq, stream=8, flags=2 if seq == 100 else 0)) for seq in range(100, 105)] +
                                    [(20, 1, media_frame(5, stream=7)), (20, 1, media_frame(6, stream=7, flags=2))]))
write("media_frames", media_records([(20, 1, media_frame(0xFFFFFFFE + seq)) for seq in range(6)]))
write("media_frames", media_records([(20, 1, media_frame(1, version=2)), (20, 1, b"\x01\x00\x00"),
                                     (20, 1, media_frame(2, flags=1) + b"\x00"), (20, 1, media_frame(3, payload=b"")),
                                     (20, 1, media_frame(4, payload=b"\xf8" + b"\x55" * 1275)),
                                     (20, 1, media_frame(5, payload=b"\xfc\xff\xff"))]))

# The media bridge (fuzz_media_bridge.cpp): records of op, argument, big-endian length, bytes.
# ops: 0 binary frame from socket (argument mod 4), 1 tick, 2 change of call, 3 reattach/detach, 4 attach text.
def bridge_records(records):
    out = b""
    for op, argument, data in records:
        out += bytes([op, argument]) + len(data).to_bytes(2, "big") + data
    return out


def bridge_talk(socket, stream, count):
    return [r for seq in range(count) for r in ((0, socket, media_frame(seq, stream=stream)), (1, 0, b""))]


write("media_bridge", bridge_records(bridge_talk(0, 1, 10) + bridge_talk(1, 2, 10) + bridge_talk(2, 3, 5)))
# call-1 held by the agent, then by the caller; call-2 with each end muted; the queue call answered by agent 4.
write("media_bridge", bridge_records(bridge_talk(0, 1, 3) + [(2, 0 | (3 << 2), b""), (1, 0, b""), (2, 0 | (3 << 2) | 0x80, b""),
                                                             (1, 0, b""), (2, 1 | (2 << 2) | 0x20, b""), (1, 0, b""),
                                                             (2, 1 | (2 << 2) | 0x40, b""), (2, 2 | (1 << 2), b""), (1, 0, b""),
                                                             (2, 0 | (4 << 2), b""), (1, 0, b"")] + bridge_talk(1, 2, 3)))
# reloads and closed sockets mid-call, frames on old and new streams, silence and restart frames.
write("media_bridge", bridge_records(bridge_talk(0, 1, 3) + [(3, 0, b""), (0, 0, media_frame(3, stream=1)), (0, 0, media_frame(0, stream=5, flags=2)),
                                                             (1, 0, b""), (3, 0x81, b""), (0, 1, media_frame(0, stream=2)), (1, 0, b""),
                                                             (0, 0, media_frame(4, stream=5, flags=1)), (1, 0, b"")]))
attach = b'{"jsonrpc":"2.0","id":1,"method":"media.attach","params":{"session":"%s","last_seq":0}}'
write("media_bridge", bridge_records([(4, 0, attach % b"0123456789abcdef"), (4, 0, b'{"jsonrpc":"2.0","id":2,"method":"ping"}'),
                                      (4, 0, b'{"jsonrpc":"2.0","id":3,"method":"media.attach","params":{"session":7}}'),
                                      (4, 0, b'{"jsonrpc":"2.0","id":4,"method":"media.attach"}'), (4, 0, b"[1,2"),
                                      (4, 0, b'{"jsonrpc":"2.0","id":{},"method":"media.attach","params":{"session":"x","last_seq":-1}}'),
                                      (4, 0, b"\xff\xfe")]))
# malformed binary frames: short, unknown version, silence with payload, oversize.
write("media_bridge", bridge_records([(0, 0, b"\x01\x00\x00"), (0, 0, media_frame(1, stream=1, version=2)),
                                      (0, 1, media_frame(2, stream=2, flags=1) + b"\x00"), (0, 2, media_frame(3, stream=3, payload=b"")),
                                      (0, 3, media_frame(4, stream=4, payload=b"\xf8" + b"\x55" * 1275)), (1, 0, b"")]))
