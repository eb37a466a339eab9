#!/usr/bin/env python3
"""The example CRM back end's SSO token (C++ on OpenSSL) equals the document's construction
computed independently with Python's hashlib and base64:
    base64(sha1_binary(secret + username + timestamp) + username + timestamp)"""
import base64
import hashlib
import subprocess
import sys

CASES = [
    ("demo-sso-secret", "agent1", 1700000000),
    ("demo-sso-secret", "super", 1),
    ("s3cr3t with spaces", "dana.vesela@example.com", 1893456000),
    ("tajné heslo", "bořivoj", 1764000000),
]


def expected_token(secret, username, timestamp):
    stamp = str(timestamp).encode()
    digest = hashlib.sha1(secret.encode() + username.encode() + stamp).digest()
    return base64.b64encode(digest + username.encode() + stamp).decode()


def main():
    tool = sys.argv[1]
    passed = failed = 0
    for secret, username, timestamp in CASES:
        got = subprocess.run([tool, secret, username, str(timestamp)], check=True, capture_output=True,
                             text=True).stdout.strip()
        want = expected_token(secret, username, timestamp)
        if got == want:
            passed += 1
        else:
            failed += 1
            print(f"FAIL {username}@{timestamp}: got {got}, want {want}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
