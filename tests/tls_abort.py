#!/usr/bin/env python3
# MIT licence: see LICENSE.
#
# tls_abort.py - a client that breaks a TLS session in the middle of
# DATA: STARTTLS, EHLO, MAIL, RCPT, DATA, part of a message, then one of
#   close_notify   a TLS close_notify alert (then it waits)
#   garbage        bytes that are no TLS record, under the TLS layer
#   reset          the TCP connection closed with no close_notify
# and waits (10 s at most) for the server to close.  Prints "closed" when
# the server ended the session, "open" when it did not.
#
#	tls_abort.py PORT MODE
import os
import socket
import ssl
import sys
import time


def reply(f):
    while True:
        line = f.readline()
        if not line or line[3:4] != b"-":
            return line


def main():
    port, mode = int(sys.argv[1]), sys.argv[2]
    s = socket.create_connection(("127.0.0.1", port), 10)
    f = s.makefile("rb")
    reply(f)
    s.sendall(b"EHLO client.example\r\n")
    reply(f)
    s.sendall(b"STARTTLS\r\n")
    if not reply(f).startswith(b"220"):
        print("no STARTTLS")
        return
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    t = ctx.wrap_socket(s, server_hostname="mx.example.com")
    tf = t.makefile("rb")
    for cmd in (b"EHLO client.example", b"MAIL FROM:<a@example.org>",
                b"RCPT TO:<u@mx.example.com>", b"DATA"):
        t.sendall(cmd + b"\r\n")
        reply(tf)
    t.sendall(b"Subject: cut\r\n\r\nthe first line of a message\r\n")
    time.sleep(0.2)
    fd = t.fileno()
    if mode == "close_notify":
        try:
            t.settimeout(10)
            t.unwrap()
        except (OSError, ssl.SSLError):
            pass
    elif mode == "garbage":
        os.write(fd, b"\x17\x03\x03\x00\x20" + bytes(range(32)) +
                 b"\r\nQUIT\r\n")
    elif mode == "reset":
        t.shutdown(socket.SHUT_WR)
    # the server's end: EOF or an error on the raw socket
    raw = socket.socket(fileno=os.dup(fd))
    raw.settimeout(10)
    end = time.time() + 10
    state = "open"
    try:
        while time.time() < end:
            if not raw.recv(4096):
                state = "closed"
                break
    except socket.timeout:
        pass
    except OSError:
        state = "closed"
    print(state)


main()
