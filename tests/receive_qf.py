#!/usr/bin/env python3
# MIT licence: see LICENSE.
#
# receive_qf.py - read queue files (format: the top of lib/queue/queue.c) for
# tests/t-receive.sh.
#
#	receive_qf.py check FILE...	print "N complete, M bad" (a complete
#					file parses record by record, starts
#					with V and ends with E, nothing after)
#	receive_qf.py dump FILE		print each record as "TYPE DATA"
#					(DATA as latin-1, CR as \r)
import sys


def records(path):
    """the records of PATH as (type, data); raises ValueError when bad"""
    with open(path, "rb") as f:
        b = f.read()
    out = []
    i = 0
    while i < len(b):
        t = b[i:i + 1]
        sp = b.find(b" ", i + 1)
        if sp < 0 or sp - i - 1 > 7 or sp == i + 1:
            raise ValueError("bad length at %d" % i)
        n = b[i + 1:sp]
        if not n.isdigit() or (len(n) > 1 and n[:1] == b"0"):
            raise ValueError("bad length at %d" % i)
        n = int(n)
        end = sp + 1 + n
        if end >= len(b) or b[end:end + 1] != b"\n":
            raise ValueError("bad check byte at %d" % end)
        out.append((t.decode("latin1"), b[sp + 1:end]))
        i = end + 1
    return out


def complete(path):
    try:
        r = records(path)
    except (ValueError, OSError):
        return False
    return len(r) >= 2 and r[0][0] == "V" and r[-1][0] == "E" and \
        [t for t, _ in r].count("E") == 1


def main():
    if sys.argv[1] == "check":
        good = sum(1 for p in sys.argv[2:] if complete(p))
        print("%d complete, %d bad" % (good, len(sys.argv[2:]) - good))
    elif sys.argv[1] == "dump":
        for t, d in records(sys.argv[2]):
            print(t, d.decode("latin1").replace("\r", "\\r"))


if __name__ == "__main__":
    main()
