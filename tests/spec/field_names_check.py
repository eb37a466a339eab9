#!/usr/bin/env python3
"""Checks that the golden vectors (which the C++ codec reproduces byte for byte) carry exactly the
fields the integration document lists for Call, User and Queue, in the document's order.

The document is docs/ucs-agent-bar-v4.txt; when the shared copy (../shared/spec/) is beside the
clone, the committed copy must equal it."""
import argparse
import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "ucs-agent-bar-v4.txt"
SHARED_DOC = ROOT.parent / "shared" / "spec" / "ucs-agent-bar-v4.txt"

# Sub-items the document lists under a field: enum values of caller_type/connected_type and the
# key/value description of the auxtimes and queues maps. None of them is a field.
NESTED_ITEMS = {"line", "trunk", "key", "value"}
ITEM = re.compile(r"^- (?:obj )?([A-Za-z_][A-Za-z0-9_]*|-?\d+)\b")


def document_fields(text, start, end):
    section = text[text.index(start):text.index(end) if end else len(text)]
    fields = []
    for line in section.splitlines()[1:]:
        match = ITEM.match(line.strip())
        if not match:
            continue
        name = match.group(1)
        if name in NESTED_ITEMS or name.isupper() or re.fullmatch(r"-?\d+", name):
            continue
        fields.append(name)
    return fields


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--vectors", required=True, type=pathlib.Path)
    args = parser.parse_args()

    text = DOC.read_text(encoding="utf-8")
    failures = []
    if SHARED_DOC.exists() and SHARED_DOC.read_text(encoding="utf-8") != text:
        failures.append(f"{DOC} differs from {SHARED_DOC}: update the committed copy")

    sections = {
        "Call": ("Call (v4.0.0)", "User {#obj-user}", "call_full.json"),
        "User": ("User {#obj-user}", "Queue (v4.0.0)", "user_full.json"),
        "Queue": ("Queue (v4.0.0)", None, "queue_membership.json"),
    }
    passed = 0
    for name, (start, end, vector) in sections.items():
        documented = document_fields(text, start, end)
        ours = list(json.loads((args.vectors / vector).read_text(encoding="utf-8")).keys())
        missing = [f for f in documented if f not in ours]
        extra = [f for f in ours if f not in documented]
        if missing or extra:
            failures.append(f"{name}: missing {missing}, not in the document {extra}")
        elif documented != ours:
            failures.append(f"{name}: same fields, different order")
        else:
            print(f"{name}: {len(ours)} fields match the document")
            passed += 1
    for failure in failures:
        print("FAIL", failure)
    print(f"{passed} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
