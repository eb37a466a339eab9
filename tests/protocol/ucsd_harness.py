"""Starts a real ucsd for protocol tests and stops it again.

The binary comes from $UCSD (ctest sets it to the built target). Each server gets its own data
directory and a --dist directory holding a fake agent bar bundle, listens on 127.0.0.1:0 and is
asked for its port through the line it prints when listening.
"""

import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading

# Debian's python3-websockets is installed for Debian's interpreter. When CMake found another one
# (pyenv, a venv) that lacks it, run the tests under Debian's instead of failing to import.
try:
    import websockets  # noqa: F401
except ImportError:  # pragma: no cover - depends on the machine
    _debian_python = "/usr/bin/python3"
    if os.path.realpath(sys.executable) != os.path.realpath(_debian_python) and os.path.exists(_debian_python) \
            and not os.environ.get("UCS_REEXECUTED"):
        os.environ["UCS_REEXECUTED"] = "1"
        os.execv(_debian_python, [_debian_python] + sys.orig_argv[1:])
    raise

LISTENING = re.compile(r"^ucsd listening on (https?)://([^ ]+):(\d+)/ \(data: (.*)\)$")
START_TIMEOUT = 20  # seconds; a Debug build under load starts slowly

# The fake bundle: big and repetitive enough that gzip pays, with the names the bar will have.
FAKE_JS = ("// fake operator.js for tests\n" + "window.ucsOperatorFake = (window.ucsOperatorFake || 0) + 1;\n" * 200)
FAKE_WASM = b"\0asm\x01\0\0\0" + bytes(range(256)) * 64


def ucsd_binary():
    binary = os.environ.get("UCSD")
    if not binary:
        here = os.path.dirname(os.path.abspath(__file__))
        binary = os.path.join(here, "..", "..", "build", "native-debug", "src", "server", "ucsd")
    if not os.path.exists(binary):
        raise RuntimeError(f"ucsd not found at {binary}: build it or set UCSD")
    return binary


class Ucsd:
    """One running ucsd. Use as a context manager or call start()/stop()."""

    def __init__(self, *extra_args, demo=True, file_limit=None):
        self.extra_args = list(extra_args)
        self.demo = demo
        self.file_limit = file_limit  # (soft, hard) RLIMIT_NOFILE for the server process
        self.process = None
        self.port = None
        self.scheme = None
        self.root = None
        self.stderr_path = None

    @property
    def dist(self):
        return os.path.join(self.root, "dist")

    @property
    def http_base(self):
        return f"{self.scheme}://127.0.0.1:{self.port}"

    @property
    def ws_base(self):
        return f"{'wss' if self.scheme == 'https' else 'ws'}://127.0.0.1:{self.port}"

    def start(self):
        self.root = tempfile.mkdtemp(prefix="ucsd-test-")
        os.makedirs(self.dist)
        with open(os.path.join(self.dist, "operator-v4.0.0.js"), "w", encoding="utf-8") as f:
            f.write(FAKE_JS)
        with open(os.path.join(self.dist, "operator.js"), "w", encoding="utf-8") as f:
            f.write(FAKE_JS)
        with open(os.path.join(self.dist, "operator-v4.0.0.wasm"), "wb") as f:
            f.write(FAKE_WASM)
        # Something a path traversal out of --dist would reach.
        with open(os.path.join(self.root, "secret.txt"), "w", encoding="utf-8") as f:
            f.write("top secret\n")

        args = [ucsd_binary(), "--listen", "127.0.0.1:0", "--data", os.path.join(self.root, "data"),
                "--dist", self.dist]
        if self.demo:
            args.append("--demo")
        args += self.extra_args
        self.stderr_path = os.path.join(self.root, "stderr.log")
        with open(self.stderr_path, "wb") as stderr:
            limit = self.file_limit
            preexec = (lambda: resource.setrlimit(resource.RLIMIT_NOFILE, limit)) if limit else None
            self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=stderr, stdin=subprocess.DEVNULL,
                                            preexec_fn=preexec)

        line = self._read_line(START_TIMEOUT)
        match = LISTENING.match(line or "")
        if not match:
            self.stop()
            raise RuntimeError(f"ucsd did not report listening (got {line!r}); stderr:\n{self.stderr()}")
        self.scheme, _, port, _ = match.groups()
        self.port = int(port)
        return self

    def _read_line(self, timeout):
        result = []
        reader = threading.Thread(target=lambda: result.append(self.process.stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout)
        return result[0].decode("utf-8", "replace").rstrip("\n") if result else None

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def stderr(self):
        try:
            with open(self.stderr_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except (OSError, TypeError):
            return ""

    def stop(self):
        """SIGTERM, then wait; returns the exit code (SIGKILL after 10 s gives a negative one)."""
        code = None
        if self.process is not None:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
                try:
                    self.process.wait(10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            code = self.process.returncode
            self.process.stdout.close()
            self.process = None
        if self.root:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None
        return code

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
