#!/usr/bin/env python3
# MIT licence: see LICENSE.
#
# sserver_smtp.py - an SMTP server in TLS wrapper mode (port 465 style)
# whose TLS is openssl s_server's: it runs `openssl s_server -quiet` on a
# free port and speaks SMTP through the program's stdin and stdout (the
# decrypted stream).  One session, then it ends.  Writes the port to
# LOG.port once s_server listens, and the transcript to LOG ("C: " lines
# from the client, "S: " replies).
#
#	sserver_smtp.py LOG CERT KEY [s_server options...]
import os
import select
import socket
import subprocess
import sys
import time


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def listening(local):
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            w = line.split()
            if w[1] == local and w[3] == "0A":
                return True
    return False


def main():
    log, cert, key, extra = sys.argv[1], sys.argv[2], sys.argv[3], \
        sys.argv[4:]
    port = free_port()
    p = subprocess.Popen(["openssl", "s_server", "-quiet", "-naccept", "1",
                          "-accept", "127.0.0.1:%d" % port, "-cert", cert,
                          "-key", key] + extra,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, bufsize=0)
    # wait until it listens (a probe connection would be its one accept)
    want = "0100007F:%04X" % port
    deadline = time.time() + 10
    while time.time() < deadline and not listening(want):
        time.sleep(0.05)
    out = open(log, "w", buffering=1)
    with open(log + ".port.tmp", "w") as f:
        f.write("%d\n" % port)
    os.rename(log + ".port.tmp", log + ".port")

    def say(text):
        out.write("S: %s\n" % text)
        p.stdin.write(text.encode() + b"\r\n")

    say("220 sserver.test ESMTP")
    buf = b""
    data = False
    end = time.time() + 30
    while time.time() < end:
        r, _, _ = select.select([p.stdout], [], [], 1)
        if not r:
            if p.poll() is not None:
                break
            continue
        chunk = os.read(p.stdout.fileno(), 65536)
        if not chunk:
            break
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            line = line.rstrip(b"\r").decode("utf-8", "replace")
            out.write("C: %s\n" % line)
            if data:
                if line == ".":
                    data = False
                    say("250 2.0.0 Ok: queued as SSRV")
                continue
            verb = line.split(" ")[0].upper()
            if verb == "EHLO":
                say("250-sserver.test")
                say("250 8BITMIME")
            elif verb == "DATA":
                data = True
                say("354 go ahead")
            elif verb == "QUIT":
                say("221 2.0.0 Bye")
                p.stdin.close()
                end = 0
                break
            else:
                say("250 2.0.0 Ok")
    try:
        p.wait(3)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


main()
