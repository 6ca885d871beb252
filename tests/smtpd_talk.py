#!/usr/bin/env python3
# MIT licence: see LICENSE.
#
# smtpd_talk.py - a raw SMTP client for the smtpd tests, exact to the byte.
#
#	smtpd_talk.py PORT [TIMEOUT] < SCRIPT
#
# SCRIPT has one step per line: "N|BYTES", BYTES in Python's backslash
# escapes (\r \n \x00 ..., \x7c for a "|"), sent in one write; then the client
# reads until N more final reply lines ("250 ...", not "250-...") have
# arrived, the server closes, or TIMEOUT seconds (default 10) pass.  Step
# "N" alone sends nothing (N=1 first: the greeting).  "sleep|S" waits.
# "repeat|K|N|BYTES" sends BYTES K times in one write.
# Prints every byte received, CRLF shown as LF, then "[closed]" when the
# server closed the connection.
import socket
import sys
import time


def main():
    port = int(sys.argv[1])
    limit = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0
    s = socket.create_connection(("127.0.0.1", port))
    buf = b""
    finals = 0
    closed = False

    def wait(n):
        nonlocal buf, finals, closed
        end = time.time() + limit
        while finals < n and not closed and time.time() < end:
            s.settimeout(max(0.01, end - time.time()))
            try:
                d = s.recv(65536)
            except socket.timeout:
                break
            except OSError:
                closed = True
                break
            if not d:
                closed = True
                break
            old = buf.count(b"\n")
            buf += d
            lines = buf.split(b"\n")
            for ln in lines[old:len(lines) - 1]:
                if len(ln) >= 4 and ln[3:4] == b" ":
                    finals += 1

    want = 0
    for step in sys.stdin.read().split("\n"):
        if not step:
            continue
        f = step.split("|", 3 if step.startswith("repeat|") else 1)
        if f[0] == "sleep":
            time.sleep(float(f[1]))
            continue
        if f[0] == "repeat":
            data = f[3].encode("latin1").decode("unicode_escape") \
                .encode("latin1") * int(f[1])
            n = int(f[2])
        else:
            n = int(f[0])
            data = f[1].encode("latin1").decode("unicode_escape") \
                .encode("latin1") if len(f) > 1 else b""
        if data and not closed:
            try:
                s.sendall(data)
            except OSError:
                closed = True
        want += n
        wait(want)
    if not closed:
        s.settimeout(0.2)
        try:
            if s.recv(65536, socket.MSG_PEEK) == b"":
                closed = True
        except socket.timeout:
            pass
        except OSError:
            closed = True
    sys.stdout.write(buf.decode("latin1").replace("\r\n", "\n"))
    if closed:
        sys.stdout.write("[closed]\n")


if __name__ == "__main__":
    main()
