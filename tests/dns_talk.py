#!/usr/bin/env python3
# MIT licence: see LICENSE.
#
# dns_talk.py - tests/smtpd_talk.py from a chosen source address: the
# client socket is bound to SOURCE (any of 127/8 is local on Linux), so
# smtpd sees the client as [SOURCE].  For t-dns.sh's DNS blocklist and
# client name checks.
#
#	dns_talk.py SOURCE PORT [TIMEOUT] < SCRIPT
import os
import runpy
import socket
import sys

source = sys.argv.pop(1)
connect = socket.create_connection


def bound(address, *args, **kwargs):
    kwargs["source_address"] = (source, 0)
    return connect(address, *args, **kwargs)


socket.create_connection = bound
talk = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                    "smtpd_talk.py")
sys.argv[0] = talk
runpy.run_path(talk, run_name="__main__")
