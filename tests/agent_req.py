#!/usr/bin/env python3
# MIT licence: see LICENSE.
#
# agent_req.py - talk to a delivery agent (smtp, lmtp, local) the way qmgr
# does (the wire format: the top of lib/queue/agent.h), for the agent tests.
#
#   agent_req.py QDIR QUEUE ID TRANSPORT NEXTHOP [RCPT...] -- CMD...
#
# Reads the queue file QDIR/QUEUE/ID for the sender and the offsets of
# its recipient records, sends a request for the RCPTs named (every
# pending recipient when none is named; "addr=orig" gives an orig_to)
# to CMD (run with the request on stdin), and prints each result record
# as "ADDRESS STATUS DSN RELAY REASON", then "dead=..." if given.  Exit
# 0 when the agent's answer ended with E, 1 otherwise.
import subprocess
import sys
import time

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from receive_qf import records  # noqa: E402


def rec(t, data):
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    return t.encode() + str(len(data)).encode() + b" " + data + b"\n"


def parse(b):
    out, i = [], 0
    while i < len(b):
        sp = b.find(b" ", i + 1)
        n = int(b[i + 1:sp])
        out.append((chr(b[i]), b[sp + 1:sp + 1 + n]))
        i = sp + 1 + n + 1
    return out


def main():
    a = sys.argv[1:]
    sep = a.index("--")
    qdir, queue, qid, transport, nexthop = a[:5]
    want, cmd = a[5:sep], a[sep + 1:]
    orig = {}
    for w in want:
        if "=" in w:
            addr, o = w.split("=", 1)
            orig[addr] = o
    want = [w.split("=", 1)[0] for w in want]
    path = "%s/%s/%s" % (qdir, queue, qid)
    sender, rcpts, off, arrival = "", [], 0, "%.6f" % time.time()
    dsn = {}  # the O (ORCPT) and N (NOTIFY) records before an R
    with open(path, "rb") as f:
        raw = f.read()
    pos = 0
    for t, d in records(path):
        n = raw.index(b" ", pos)
        ln = int(raw[pos + 1:n])
        if t == "S":
            sender = d.decode("utf-8", "surrogateescape")
        elif t == "T":
            arrival = d.decode()
        elif t in ("O", "N"):
            dsn[t] = d
        elif t == "R":
            rcpts.append((pos, d.decode("utf-8", "surrogateescape"), dsn))
            dsn = {}
        pos = n + 1 + ln + 1
    req = b""
    for k, v in (("transport", transport), ("nexthop", nexthop),
                 ("queue_name", queue), ("queue_id", qid),
                 ("sender", sender), ("arrival", arrival),
                 ("active", "%.6f" % time.time()), ("flags", "0")):
        req += rec("A", "%s=%s" % (k, v))
    byoff = {}
    for off, addr, d in rcpts:
        if want and addr not in want:
            continue
        if addr in orig:
            req += rec("U", orig[addr])
        for t in ("O", "N"):
            if t in d:
                req += rec(t, d[t])
        req += rec("R", "%d %s" % (off, addr))
        byoff[off] = addr
    req += rec("E", "")
    p = subprocess.run(cmd, input=req, stdout=subprocess.PIPE, timeout=120)
    ok = 1
    for t, d in parse(p.stdout):
        s = d.decode("utf-8", "surrogateescape")
        if t == "R":
            o, rest = s.split(" ", 1)
            print(byoff.get(int(o), "?"), rest)
        elif t == "A":
            print(s)
        elif t == "E":
            ok = 0
    return ok


if __name__ == "__main__":
    sys.exit(main())
