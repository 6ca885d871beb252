#!/usr/bin/env python3
# MIT licence: see LICENSE.
#
# dns_server.py - a tiny authoritative name server over UDP that answers
# what a zone file says, byte for byte: names may hold any byte (a line
# feed, a space), which real servers refuse to serve.  For t-dnsname.sh's
# malformed names.
#
#	dns_server.py ADDR PORT ZONE LOG
#
# ZONE has one record a line, "NAME TYPE DATA...", fields split on
# blanks, each field in Python's backslash escapes (\n, \x20 for a
# blank).  NAME and host names in DATA are labels joined by ".".  TYPE:
# A (DATA: address), MX (DATA: PREF HOST), PTR and CNAME (DATA: HOST),
# TXT (DATA: one string).  A question for a name with records of other
# types only gets an empty NOERROR; for an unknown name, NXDOMAIN.  LOG
# gets "TYPE NAME" per question.  Serves until killed.
import socket
import struct
import sys

TYPES = {"A": 1, "CNAME": 5, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28}


def unesc(s):
    return s.encode("latin-1").decode("unicode_escape").encode("latin-1")


def wire_name(name):
    out = b""
    for label in name.split(b".") if name else []:
        if label:
            out += bytes([len(label)]) + label
    return out + b"\0"


def rdata(rtype, fields):
    if rtype == "A":
        return socket.inet_aton(fields[0].decode())
    if rtype == "MX":
        return struct.pack(">H", int(fields[0])) + wire_name(fields[1])
    if rtype in ("PTR", "CNAME"):
        return wire_name(fields[0])
    if rtype == "TXT":
        return bytes([len(fields[0])]) + fields[0]
    raise ValueError(rtype)


def load(path):
    zone = []
    with open(path, encoding="latin-1") as f:
        for line in f:
            parts = line.split()
            if not parts or parts[0].startswith("#"):
                continue
            name = unesc(parts[0]).lower()
            rtype = parts[1]
            data = rdata(rtype, [unesc(p) for p in parts[2:]])
            zone.append((name, TYPES[rtype], data))
    return zone


def question(msg):
    off = 12
    labels = []
    while msg[off]:
        n = msg[off]
        labels.append(msg[off + 1:off + 1 + n])
        off += n + 1
    qtype = struct.unpack(">H", msg[off + 1:off + 3])[0]
    return b".".join(labels).lower(), qtype, msg[12:off + 5]


def main():
    addr, port, zpath, logpath = sys.argv[1:5]
    zone = load(zpath)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, int(port)))
    log = open(logpath, "a")
    while True:
        msg, peer = s.recvfrom(4096)
        try:
            name, qtype, q = question(msg)
        except (IndexError, struct.error):
            continue
        log.write("%d %r\n" % (qtype, name))
        log.flush()
        known = any(r[0] == name for r in zone)
        answers = [r for r in zone if r[0] == name and r[1] == qtype]
        rcode = 0 if known else 3
        head = msg[:2] + struct.pack(">BBHHHH", 0x84 | (msg[2] & 1),
                                     0x80 | rcode, 1, len(answers), 0, 0)
        body = b""
        for rname, rtype, data in answers:
            body += wire_name(rname) + struct.pack(">HHIH", rtype, 1, 60,
                                                   len(data)) + data
        s.sendto(head + q + body, peer)


main()
