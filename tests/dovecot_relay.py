#!/usr/bin/env python3
# MIT licence: see LICENSE.
#
# dovecot_relay.py - a TCP listener on 127.0.0.1:PORT that passes each
# connection on to the UNIX-domain socket SOCKET (Dovecot's auth socket),
# both ways unchanged, and appends what the client sent to LOG: for
# t-dovecot.sh, to try smtpd_sasl_path = inet:host:port and to see the
# requests smtpd makes.  Writes its pid to PIDFILE once it listens; ends
# on SIGTERM.
#
#	dovecot_relay.py PORT SOCKET LOG PIDFILE
import os
import signal
import socket
import sys
import threading


def pipe(src, dst, log):
    try:
        while True:
            d = src.recv(65536)
            if not d:
                break
            if log is not None:
                log.write(d)
                log.flush()
            dst.sendall(d)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def main():
    port, path, logname, pidfile = sys.argv[1:5]
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", int(port)))
    srv.listen(16)
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    log = open(logname, "ab")
    with open(pidfile + ".tmp", "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(pidfile + ".tmp", pidfile)
    while True:
        c, _ = srv.accept()
        u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            u.connect(path)
        except OSError:
            c.close()
            continue
        threading.Thread(target=pipe, args=(c, u, log), daemon=True).start()
        threading.Thread(target=pipe, args=(u, c, None),
                         daemon=True).start()


main()
