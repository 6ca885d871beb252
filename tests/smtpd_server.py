#!/usr/bin/env python3
# MIT licence: see LICENSE.
#
# smtpd_server.py - an inetd for the smtpd tests: listen on 127.0.0.1:PORT
# and run COMMAND... once per accepted connection, with the connection on
# its stdin and stdout (as master runs smtpd).  Writes its pid to
# PIDFILE once it listens; ends on SIGTERM, killing no child: each child
# ends with its connection.
#
#	smtpd_server.py PORT PIDFILE COMMAND...
import os
import signal
import socket
import subprocess
import sys


def main():
    port, pidfile, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(64)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    with open(pidfile + ".tmp", "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(pidfile + ".tmp", pidfile)
    while True:
        conn, _ = srv.accept()
        subprocess.Popen(cmd, stdin=conn.fileno(), stdout=conn.fileno(),
                         close_fds=True)
        conn.close()


if __name__ == "__main__":
    main()
