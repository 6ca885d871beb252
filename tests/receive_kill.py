#!/usr/bin/env python3
# MIT licence: see LICENSE.
#
# receive_kill.py - kill -9 a part of a running mta while a client is in
# the middle of DATA, for tests/t-receive.sh.
#
#	receive_kill.py PORT WHAT [MASTERPID]
#
# Opens an SMTP session on 127.0.0.1:PORT, sends EHLO, MAIL, RCPT, DATA and
# half a body, then kills with SIGKILL either the smtpd process that holds
# the server end of this very connection (WHAT = smtpd, found through
# /proc/net/tcp and /proc/PID/fd) or MASTERPID (WHAT = master).  Waits a
# second, then drops the connection without the final dot.  Prints one
# line per event: "354", "killed smtpd PID" / "killed master PID",
# "smtpd alive after master died" when it was, and "no smtpd" on failure.
import os
import signal
import socket
import sys
import time


def reply(s, f):
    """read one whole reply; return its last line"""
    while True:
        ln = f.readline()
        if not ln:
            return ""
        if ln[3:4] != b"-":
            return ln.decode("latin1").rstrip("\r\n")


def server_pid(port, cport):
    """the smtpd process holding 127.0.0.1:port <-> 127.0.0.1:cport"""
    want_l = "0100007F:%04X" % port
    want_r = "0100007F:%04X" % cport
    inode = None
    with open("/proc/net/tcp") as t:
        for ln in t.readlines()[1:]:
            f = ln.split()
            if f[1] == want_l and f[2] == want_r:
                inode = f[9]
    if inode is None:
        return None
    target = "socket:[%s]" % inode
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % p, "rb") as c:
                argv0 = c.read().split(b"\0")[0]
            if os.path.basename(argv0) != b"smtpd":
                continue
            for fd in os.listdir("/proc/%s/fd" % p):
                if os.readlink("/proc/%s/fd/%s" % (p, fd)) == target:
                    return int(p)
        except OSError:
            continue
    return None


def main():
    port = int(sys.argv[1])
    what = sys.argv[2]
    s = socket.create_connection(("127.0.0.1", port), 5)
    s.settimeout(5)
    f = s.makefile("rb")
    reply(s, f)
    for cmd in (b"EHLO kill.example\r\n", b"MAIL FROM:<a@example.com>\r\n",
                b"RCPT TO:<b@example.com>\r\n", b"DATA\r\n"):
        s.sendall(cmd)
        r = reply(s, f)
    print(r[:3])
    s.sendall(b"Subject: half\r\n\r\n" + b"half a body line\r\n" * 200)
    time.sleep(0.3)
    pid = server_pid(port, s.getsockname()[1])
    if pid is None:
        print("no smtpd")
        return
    if what == "smtpd":
        os.kill(pid, signal.SIGKILL)
        print("killed smtpd", pid)
    else:
        m = int(sys.argv[3])
        os.kill(m, signal.SIGKILL)
        print("killed master", m)
        time.sleep(1)
        try:
            os.kill(pid, 0)
            print("smtpd alive after master died")
        except OSError:
            pass
    time.sleep(1)
    s.close()


if __name__ == "__main__":
    main()
