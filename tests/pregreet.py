#!/usr/bin/env python3
# MIT licence: see LICENSE.
#
# pregreet.py - clients that talk before the greeting, for t-smtpd-holes.
#
#	pregreet.py PORT N STOPPED_PID	N clients send EHLO while the
#		server (an smtpd_server.py stopped with SIGSTOP by the caller)
#		cannot have answered; then SIGCONT, and each reads to the end
#	pregreet.py PORT N - DELAY	N clients in parallel send EHLO
#		DELAY seconds after connecting, without reading first
#	pregreet.py PORT 1 polite	one client that waits for the 220
#
# Prints, per client, what it received (CRLF as LF, "[closed]" at EOF),
# then "--".
import os
import signal
import socket
import sys
import time


def drain(s, limit=15.0):
    buf = b""
    end = time.time() + limit
    s.settimeout(limit)
    while time.time() < end:
        try:
            d = s.recv(65536)
        except OSError:
            return buf + b"[closed]\n"
        if not d:
            return buf + b"[closed]\n"
        buf += d
    return buf


def reply(s, limit=15.0):
    buf = b""
    s.settimeout(limit)
    while not buf.endswith(b"\r\n") or buf.split(b"\r\n")[-2][3:4] != b" ":
        d = s.recv(65536)
        if not d:
            return buf + b"[closed]\r\n"
        buf += d
    return buf


def main():
    port, n, mode = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    out = []
    if mode == "polite":
        s = socket.create_connection(("127.0.0.1", port), 15)
        got = reply(s)
        s.sendall(b"EHLO polite.example\r\n")
        got += reply(s)
        s.sendall(b"QUIT\r\n")
        got += drain(s)
        out.append(got)
    else:
        socks = []
        for i in range(n):
            s = socket.create_connection(("127.0.0.1", port), 15)
            if mode == "-":
                socks.append(s)
                continue
            s.sendall(b"EHLO early.example\r\n")
            socks.append(s)
        if mode == "-":
            time.sleep(float(sys.argv[4]))
            for s in socks:
                s.sendall(b"EHLO early.example\r\n")
        else:
            os.kill(int(mode), signal.SIGCONT)
        for s in socks:
            out.append(drain(s))
            s.close()
    for o in out:
        sys.stdout.write(o.decode("latin1").replace("\r\n", "\n"))
        sys.stdout.write("--\n")


if __name__ == "__main__":
    main()
