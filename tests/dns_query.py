#!/usr/bin/env python3
# MIT licence: see LICENSE.
#
# dns_query.py - one DNS question over UDP, for t-dns.sh's fixture checks
# (is the test's dnsmasq up, does it answer what the test expects).
#
#	dns_query.py SERVER TYPE NAME [TIMEOUT]
#
# TYPE is A, MX, TXT, AAAA or PTR.  Prints the rcode name (NOERROR,
# NXDOMAIN, SERVFAIL, ...), then one line per answer record of that type:
# A as an address, MX as "PREF HOST", TXT as the joined strings, PTR as a
# name.  Exits 0 on an answer, 1 on timeout.
import random
import socket
import struct
import sys

TYPES = {"A": 1, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28}
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN",
          4: "NOTIMP", 5: "REFUSED"}


def name_at(msg, off):
    labels = []
    end = None
    while True:
        n = msg[off]
        if n & 0xc0 == 0xc0:
            if end is None:
                end = off + 2
            off = (n & 0x3f) << 8 | msg[off + 1]
            continue
        if n == 0:
            return ".".join(labels), (end if end is not None else off + 1)
        labels.append(msg[off + 1:off + 1 + n].decode("latin1"))
        off += n + 1


def main():
    server, qtype, name = sys.argv[1], TYPES[sys.argv[2]], sys.argv[3]
    limit = float(sys.argv[4]) if len(sys.argv) > 4 else 2.0
    qid = random.randrange(65536)
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack(">HH", qtype, 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(limit)
    try:
        s.sendto(q, (server, 53))
        while True:
            msg, _ = s.recvfrom(65535)
            if len(msg) >= 12 and struct.unpack(">H", msg[:2])[0] == qid:
                break
    except OSError:
        print("TIMEOUT")
        sys.exit(1)
    flags, qd, an = struct.unpack(">HHH", msg[2:8])
    print(RCODES.get(flags & 15, str(flags & 15)))
    off = 12
    for _ in range(qd):
        off = name_at(msg, off)[1] + 4
    for _ in range(an):
        off = name_at(msg, off)[1]
        rtype, _, _, rdlen = struct.unpack(">HHIH", msg[off:off + 10])
        off += 10
        rd = msg[off:off + rdlen]
        if rtype == qtype:
            if rtype == 1:
                print(socket.inet_ntop(socket.AF_INET, rd))
            elif rtype == 28:
                print(socket.inet_ntop(socket.AF_INET6, rd))
            elif rtype == 15:
                print(struct.unpack(">H", rd[:2])[0],
                      name_at(msg, off + 2)[0])
            elif rtype == 12:
                print(name_at(msg, off)[0])
            elif rtype == 16:
                i, t = 0, b""
                while i < len(rd):
                    t += rd[i + 1:i + 1 + rd[i]]
                    i += rd[i] + 1
                print(t.decode("latin1"))
        off += rdlen


if __name__ == "__main__":
    main()
