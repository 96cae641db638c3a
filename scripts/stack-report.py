#!/usr/bin/env python3
"""Deepest stack of core/'s own frames from a call, from GCC's call graphs.

Reads the -fcallgraph-info=su files (*.ci) of core/ built for Cortex-M3,
builds the call graph, refuses recursion, and prints the deepest path from
each entry point with the bytes of every frame. Indirect calls are port
calls (transport, storage, crypto, challenge, log): their stack belongs to
the platform and is reported apart; the core's own functions that are
called through pointers (the string builder's tap, a JWS payload writer)
are listed in CALLBACKS and counted as possible targets.

Usage: stack-report.py BUILD_M3_DIR [BUDGET_BYTES]
Exit status 1 when the budget is exceeded or recursion is found.
"""
import glob
import os
import re
import sys

# core functions called through pointers, by the core functions that call them
CALLBACKS = {
    "core/sb.c:store": ["core/jose.c:hash_tap"],
    "nacme_jws_digest": ["core/account.c:keychange_payload"],
    "nacme_jws_write": ["core/account.c:keychange_payload"],
}
ENTRIES = ["nacme_step", "nacme_init", "nacme_start_issue", "nacme_start_renew"]

node_re = re.compile(r'node: \{ title: "([^"]+)" label: "([^"]*)"')
edge_re = re.compile(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"')


def load(build):
    frames = {}  # title -> bytes
    edges = {}
    for path in glob.glob(os.path.join(build, "core", "*.ci")):
        with open(path) as f:
            for line in f:
                m = node_re.search(line)
                if m:
                    title, label = m.groups()
                    b = re.search(r"\\n(\d+) bytes", label)
                    if b:
                        frames[title] = int(b.group(1))
                    continue
                m = edge_re.search(line)
                if m:
                    edges.setdefault(m.group(1), []).append(m.group(2))
    return frames, edges


def main():
    build = sys.argv[1]
    budget = int(sys.argv[2]) if len(sys.argv) > 2 else 2048
    frames, edges = load(build)
    # resolve a target name: static "file:name" stays, a global name is itself
    memo = {}
    onstack = set()
    recursion = []

    def depth(fn):
        if fn in memo:
            return memo[fn]
        if fn in onstack:
            recursion.append(fn)
            return (0, [])
        onstack.add(fn)
        best = (0, [])
        targets = list(edges.get(fn, []))
        if "__indirect_call" in targets:
            targets += CALLBACKS.get(fn, [])
        for t in targets:
            if t == "__indirect_call" or (t not in frames and t not in edges):
                continue  # a port call or libc: not core's own frames
            d = depth(t)
            if d[0] > best[0]:
                best = d
        onstack.discard(fn)
        result = (frames.get(fn, 0) + best[0], [fn] + best[1])
        memo[fn] = result
        return result

    worst = 0
    for entry in ENTRIES:
        if entry not in frames:
            print(f"stack: entry {entry} not found", file=sys.stderr)
            continue
        total, path = depth(entry)
        worst = max(worst, total)
        print(f"stack from {entry}: {total} bytes")
        if entry == "nacme_step":
            for fn in path:
                print(f"  {frames.get(fn, 0):5d}  {fn}")
    if recursion:
        print("stack: recursion in core/: " + ", ".join(sorted(set(recursion))), file=sys.stderr)
        return 1
    print(f"stack: deepest core/ path {worst} bytes (budget {budget}); port calls (TLS, signing, storage) come on top")
    if worst > budget:
        print(f"stack: {worst} bytes exceeds the budget of {budget}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
