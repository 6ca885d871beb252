#!/usr/bin/env python3
# MIT licence: see LICENSE.
#
# receive_disk.py - SMTP sessions against an mta whose queue is on a tiny
# file system, for tests/t-receive.sh (run inside its mount namespace).
#
#	receive_disk.py PORT MINFREEPORT LIMITPORT QUEUEDIR
#
# Prints "STEP|last reply line" for: MAIL on the queue_minfree service
# (MINFREE), on the large message_size_limit service (LIMIT); MAIL while there is room, then the file system filled up to
# a few KB, then DATA (FULL354) with a body far larger than what is left
# (FULLDOT); MAIL with the file system full (FULLMAIL); and a message after
# the filler is removed (AFTER).
import os
import socket
import sys


def session(port):
    s = socket.create_connection(("127.0.0.1", port), 10)
    s.settimeout(10)
    f = s.makefile("rb")

    def cmd(line):
        if line is not None:
            s.sendall(line)
        while True:
            ln = f.readline().decode("latin1").rstrip("\r\n")
            if ln[3:4] != "-":
                return ln
    cmd(None)
    cmd(b"EHLO disk.example\r\n")
    return s, cmd


def fill(path, leave):
    """write PATH until the file system is full, then give back LEAVE"""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    chunk = b"x" * 4096
    try:
        while True:
            os.write(fd, chunk)
    except OSError:
        pass
    if leave:
        size = os.fstat(fd).st_size
        os.ftruncate(fd, max(0, size - leave))
    os.close(fd)


def main():
    port, mport, lport = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    q = sys.argv[4]
    filler = os.path.join(q, "filler")

    s, cmd = session(mport)
    print("MINFREE|" + cmd(b"MAIL FROM:<a@example.com>\r\n"))
    s.close()
    s, cmd = session(lport)
    print("LIMIT|" + cmd(b"MAIL FROM:<a@example.com>\r\n"))
    s.close()

    s, cmd = session(port)
    print("ROOM|" + cmd(b"MAIL FROM:<a@example.com>\r\n"))
    print("RCPT|" + cmd(b"RCPT TO:<b@example.com>\r\n"))
    fill(filler, 16384)
    print("FULL354|" + cmd(b"DATA\r\n"))
    body = b"Subject: too big\r\n\r\n" + b"y" * 78 + b"\r\n"
    s.sendall(body * 1000)
    print("FULLDOT|" + cmd(b".\r\n"))
    cmd(b"QUIT\r\n")
    s.close()

    fill(filler, 0)
    st = os.statvfs(q)
    print("FREE|%d" % (st.f_bavail * st.f_frsize))
    s, cmd = session(port)
    print("FULLMAIL|" + cmd(b"MAIL FROM:<a@example.com>\r\n"))
    s.close()

    os.unlink(filler)
    s, cmd = session(port)
    cmd(b"MAIL FROM:<a@example.com>\r\n")
    cmd(b"RCPT TO:<b@example.com>\r\n")
    cmd(b"DATA\r\n")
    print("AFTER|" + cmd(b"Subject: after\r\n\r\nsmall\r\n.\r\n"))
    cmd(b"QUIT\r\n")
    s.close()


if __name__ == "__main__":
    main()
