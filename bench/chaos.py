#!/usr/bin/env python3
"""Faults under call traffic, on loopback: kill -9 of ucsd and cut client sockets, then check what
the clients saw against what ucsd kept. Bounded; prints figures.

    bench/chaos.py [--kills 100] [--cuts 100] [--load 3] [--seed 1]   (UCSD=path/to/ucsd, default native-debug's)

One agent (agent1 on phone 101) takes calls placed through the REST sandbox, answers them and
hangs up, in a loop. Meanwhile, at random moments:
  - its WebSocket is cut (the socket closed without a closing handshake) and the bar's resume is
    played: a new socket, `session.resume {session, last_seq}`; the replayed events must continue
    the seq exactly (none twice, none missing);
  - ucsd is killed with SIGKILL and started again on the same data directory (it must open it
    cleanly and listen), and the agent logs in again.
Beside it, `--load` more agents (agent2 on 102, agent3 on 103, super on 104) take direct calls to their
phones in loops (ring -> answer -> far-end hangup), so the kills land among concurrent writes that the
store commits in groups.
At the end every `call.hangup` any agent saw must have its row in /api/v1.0/history.
Exit status 1 when any check fails.
"""
import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "protocol"))
from test_protocol import Agent, Server, sso_token  # noqa: E402


class Seq:
    """The event sequence one session has delivered: gaps and repeats are errors."""

    def __init__(self):
        self.last = 0
        self.duplicates = 0
        self.gaps = 0

    def see(self, frame):
        seq = frame.get("params", {}).get("seq")
        if seq is None:
            return
        if seq <= self.last:
            self.duplicates += 1
        elif seq != self.last + 1:
            self.gaps += 1
        self.last = max(self.last, seq)


LOAD_AGENTS = [("agent2", "102"), ("agent3", "103"), ("super", "104")]


class Run:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.server = Server()
        self.hangups = set()  # uniqueids of call.hangup events the agent saw
        self.load_hangups = {user: set() for user, _ in LOAD_AGENTS[: args.load]}  # the same, per load agent
        self.load_placed = 0
        self.placed = 0
        self.restart_ms = []
        self.resumes = 0
        self.last_sso = {}  # user -> timestamp of their last SSO token
        self.kills_mid_call = 0  # kills while the cycle's last call was still going
        self.replayed = 0
        self.expired = 0  # resumes refused (the session had ended): a fresh login instead
        self.duplicates = 0
        self.gaps = 0
        self.failures = []

    async def login(self):
        agent = await Agent.connect(self.server.ws_url)
        hello = await agent.ok("hello", {"protocol": "ucs-agent/1", "client": "chaos"})
        # SSO tokens are single-use, across restarts too: each login gets a later timestamp than the
        # last (running ahead of the clock when logins come faster than one a second; 300 s allowed).
        await agent.ok("sso", {"username": "agent1", "token": self.sso("agent1"), "autologout": True})
        await agent.ok("identifier", {"identifier": "101"})
        await agent.ok("provision")
        await agent.ok("changeStatus", {"status": "READY"})
        return agent, hello["session"], Seq()

    def sso(self, user):
        # SSO tokens are single-use, across restarts too: each login gets a later timestamp than the
        # user's last (running ahead of the clock when logins come faster than one a second; 300 s allowed).
        self.last_sso[user] = max(self.last_sso.get(user, 0) + 1, int(time.time()))
        return sso_token(user, timestamp=self.last_sso[user])

    async def load_event(self, agent, name, seen):
        """Waits for event `name`, noting every call.hangup that passes on the way."""
        while True:
            while agent.events:
                frame = agent.events.pop(0)
                if frame["method"] == "call.hangup":
                    seen.add(frame["params"]["call"]["uniqueid"])
                if frame["method"] == name:
                    return frame["params"]
            frame = json.loads(await asyncio.wait_for(agent.socket.recv(), 5))
            if "method" in frame:
                agent.events.append(frame)

    async def load_loop(self, user, phone, stop):
        """Direct calls to one more agent's phone until `stop` is set or ucsd dies under it."""
        seen = self.load_hangups[user]
        agent = None
        try:
            agent = await Agent.connect(self.server.ws_url)
            await agent.ok("hello", {"protocol": "ucs-agent/1", "client": "chaos-load"})
            await agent.ok("sso", {"username": user, "token": self.sso(user)})
            await agent.ok("identifier", {"identifier": phone})
            await agent.ok("provision")
            while not stop.is_set():
                status, created = await asyncio.to_thread(self.server.rest, "POST", "/api/v1.0/sandbox/calls",
                                                          {"from": "601234567", "to": phone})
                if status != 201:
                    await asyncio.sleep(0.01)
                    continue
                self.load_placed += 1
                await self.load_event(agent, "call.ringing", seen)
                await agent.request("answer")
                await asyncio.to_thread(self.server.rest, "POST", f"/api/v1.0/sandbox/calls/{created['uniqueid']}/hangup")
                await self.load_event(agent, "call.hangup", seen)
        except Exception:  # noqa: BLE001 - the kill (socket, REST call or wait cut short)
            pass
        finally:
            if agent is not None:
                for frame in agent.events:
                    if frame["method"] == "call.hangup":
                        seen.add(frame["params"]["call"]["uniqueid"])
                try:
                    await agent.socket.close()
                except Exception:  # noqa: BLE001 - the server is gone already
                    pass

    def note(self, agent, seq):
        for frame in agent.events:
            seq.see(frame)
            if frame.get("method") == "call.hangup":
                self.hangups.add(frame["params"]["call"]["uniqueid"])

    async def pump(self, agent, seq, seconds):
        """Reads events for a while (recording them) without consuming them for later waits."""
        deadline = time.monotonic() + seconds
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            try:
                frame = json.loads(await asyncio.wait_for(agent.socket.recv(), remaining))
            except asyncio.TimeoutError:
                return
            if "method" in frame:
                seq.see(frame)
                if frame["method"] == "call.hangup":
                    self.hangups.add(frame["params"]["call"]["uniqueid"])

    async def one_call(self, agent, session, seq, cut=False):
        """One call: placed, answered, hung up (by the agent or the far end). With `cut`, the socket is
        cut right after the hangup is asked for, so its events are in flight: the resume must replay them."""
        await agent.request("changeStatus", {"status": "READY"})  # ends the last call's wrap-up
        status, created = await asyncio.to_thread(self.server.rest, "POST", "/api/v1.0/sandbox/calls",
                                                  {"from": "601234567", "queue": 1})
        if status != 201:
            return agent, session, seq
        self.placed += 1
        reply = await agent.request("answer")
        self.note(agent, seq)
        agent.events.clear()
        if "result" not in reply:
            await self.pump(agent, seq, 0.05)
            return agent, session, seq
        by_agent = self.rng.random() < 0.5
        if by_agent and cut:
            await agent.socket.send(json.dumps({"jsonrpc": "2.0", "id": 10_000 + self.placed, "method": "hangup", "params": {}}))
        elif by_agent:
            await agent.request("hangup")
        else:
            await asyncio.to_thread(self.server.rest, "POST", f"/api/v1.0/sandbox/calls/{created['uniqueid']}/hangup")
        if cut:
            return await self.cut_and_resume(agent, session, seq)
        self.note(agent, seq)
        agent.events.clear()
        await self.pump(agent, seq, 0.02)
        return agent, session, seq

    async def cut_and_resume(self, agent, session, seq):
        agent.socket.transport.abort()  # no closing handshake: what a dropped network looks like
        self.duplicates += seq.duplicates
        self.gaps += seq.gaps
        fresh = await Agent.connect(self.server.ws_url)
        reply = await fresh.request("session.resume", {"session": session, "last_seq": seq.last})
        if "error" in reply:
            self.expired += 1
            return await self.login()
        self.resumes += 1
        result = reply["result"]
        if result.get("replayed") is None:
            # Too much was missed: a snapshot instead; seq continues from the result's.
            seq.last = result["seq"]
        else:
            self.replayed += result["replayed"]
        seq.duplicates = seq.gaps = 0
        self.note(fresh, seq)
        fresh.events.clear()
        return fresh, session, seq

    async def cycle(self, index):
        started = time.monotonic()
        self.server.start()  # raises if the data directory does not open
        self.restart_ms.append((time.monotonic() - started) * 1000)
        stop_load = asyncio.Event()
        load = [asyncio.create_task(self.load_loop(user, phone, stop_load)) for user, phone in LOAD_AGENTS[: self.args.load]]
        agent, session, seq = await self.login()
        cuts_here = self.args.cuts // self.args.kills + (1 if index < self.args.cuts % self.args.kills else 0)
        calls = max(cuts_here, self.rng.randint(1, 3))
        for call in range(calls):
            agent, session, seq = await self.one_call(agent, session, seq, cut=call < cuts_here)
        await self.pump(agent, seq, 0.05)
        # Kill at a random moment of one more call: before, during or after its hangup.
        placed = self.placed
        task = asyncio.create_task(self.one_call(agent, session, seq))
        waited = 0.0
        while self.placed == placed and not task.done() and waited < 3:  # the call exists...
            await asyncio.sleep(0.002)
            waited += 0.002
        await asyncio.sleep(self.rng.random() * 0.03)  # ...then ringing, answered or hanging up
        self.kills_mid_call += 1 if self.placed > placed and not task.done() else 0
        self.server.kill9()
        stop_load.set()
        try:
            await asyncio.wait_for(task, 5)
        except Exception:  # noqa: BLE001 - whatever the kill interrupted (socket, REST call, wait)
            pass
        await asyncio.wait(load, timeout=15)
        self.note(agent, seq)
        self.duplicates += seq.duplicates
        self.gaps += seq.gaps
        try:
            await agent.socket.close()
        except Exception:  # noqa: BLE001 - the server is gone already
            pass

    def history_ids(self, user):
        """The uniqueids of every history row of `user`, page by page (the API gives at most 500 at once)."""
        kept, offset = set(), 0
        while True:
            status, rows = self.server.rest("GET", f"/api/v1.0/history?user={user}&limit=500&offset={offset}")
            if status != 200:
                self.failures.append(f"history of {user}: {status} {rows}")
                return kept
            kept |= {row["call"]["uniqueid"] for row in rows}
            if len(rows) < 500:
                return kept
            offset += len(rows)

    async def main(self):
        began = time.monotonic()
        try:
            for index in range(self.args.kills):
                await self.cycle(index)
            self.server.start()
            missing = sorted(self.hangups - self.history_ids("agent1"))
            load_missing = []
            for user, seen in self.load_hangups.items():
                load_missing += sorted(seen - self.history_ids(user))
        finally:
            self.server.stop()
        if missing:
            self.failures.append(f"{len(missing)} hung-up calls have no history row: {missing[:5]}")
        if load_missing:
            self.failures.append(f"{len(load_missing)} load calls hung up have no history row: {load_missing[:5]}")
        if self.duplicates:
            self.failures.append(f"{self.duplicates} events reached the client twice")
        if self.gaps:
            self.failures.append(f"{self.gaps} gaps in the event seq")
        elapsed = time.monotonic() - began
        print(f"chaos: {self.args.kills} kill -9 + restarts ({self.kills_mid_call} in the middle of a call), "
              f"{self.resumes + self.expired} socket cuts "
              f"({self.resumes} resumed, {self.expired} refused and logged in again), {elapsed:.0f} s")
        print(f"chaos: {self.placed} calls placed, {len(self.hangups)} call.hangup seen by the client, "
              f"{len(self.hangups) - len(missing)} of them in history after restart, {len(missing)} missing")
        load_seen = sum(len(seen) for seen in self.load_hangups.values())
        print(f"chaos: load: {len(self.load_hangups)} more agents, {self.load_placed} calls placed, {load_seen} call.hangup seen, "
              f"{load_seen - len(load_missing)} of them in history after restart, {len(load_missing)} missing")
        print(f"chaos: {self.replayed} events replayed on resume, {self.duplicates} delivered twice, {self.gaps} seq gaps")
        if self.restart_ms:
            print(f"chaos: ucsd restart to listening: median {statistics.median(self.restart_ms):.0f} ms, "
                  f"max {max(self.restart_ms):.0f} ms over {len(self.restart_ms)} starts")
        for failure in self.failures:
            print("chaos: FAILED: " + failure)
        return 1 if self.failures else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--cuts", type=int, default=100)
    parser.add_argument("--load", type=int, default=3, choices=range(len(LOAD_AGENTS) + 1),
                        help="agents taking direct calls beside agent1 (0 to 3)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.kills < 1:
        parser.error("--kills must be at least 1")
    return asyncio.run(Run(args).main())


if __name__ == "__main__":
    sys.exit(main())
