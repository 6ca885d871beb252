#!/usr/bin/env python3
# MIT licence: see LICENSE.
#
# ctls_server.py - a small SMTP server with TLS for t-ctls.sh: STARTTLS
# (or TLS at connect with --wrapper) through Python's ssl module, AUTH
# PLAIN, LHLO as EHLO (LMTP with one recipient, for t-lmtp.sh).
# Usage: ctls_server.py LOG CERT KEY [options]; it listens on
# 127.0.0.1, writes the port to LOG.port, serves sessions until killed.
# LOG gets "C: command" lines, "T: tls" when TLS starts, "D: line" for
# the message, "N: name" for the SNI name the client sent.  Options:
#   --no-starttls   do not offer STARTTLS
#   --wrapper       TLS at connect (port 465 style)
#   --inject        send "250 injected" in the same packet as the 220
#                   reply to STARTTLS (the client must not read it)
#   --bad-tls       answer the ClientHello with plaintext and close
#   --only=V        speak TLS version V only (1.0, 1.1 or 1.2)
#   --ccert=CA      ask for a client certificate; "P: CN" in LOG for one
#                   that CA signed
#   --listen=A:P    listen on address A, port P (127.0.0.1, any free port)
import socket
import ssl
import sys
import warnings


def main():
    warnings.simplefilter("ignore", DeprecationWarning)   # TLSv1.1
    log, cert, key = sys.argv[1:4]
    opts = sys.argv[4:]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    # the server's order decides the suite: Python's own list, which
    # Debian's python3 (built to use OpenSSL's DEFAULT) does not have
    ctx.set_ciphers("@SECLEVEL=2:ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:"
                    "DHE+AES:!aNULL:!eNULL:!aDSS:!SHA1:!AESCCM")
    for o in opts:
        if o.startswith("--ccert="):
            ctx.verify_mode = ssl.CERT_OPTIONAL
            ctx.load_verify_locations(o[8:])
        if o.startswith("--only="):
            v = {"1.0": ssl.TLSVersion.TLSv1, "1.1": ssl.TLSVersion.TLSv1_1,
                 "1.2": ssl.TLSVersion.TLSv1_2}[o[7:]]
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
            ctx.minimum_version = v
            ctx.maximum_version = v
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    addr = ("127.0.0.1", 0)
    for o in opts:
        if o.startswith("--listen="):
            a, p = o[9:].rsplit(":", 1)
            addr = (a, int(p))
    ls.bind(addr)
    ls.listen(5)
    with open(log + ".port", "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    out = open(log, "a", buffering=1)

    def sni(sock, name, c):
        if name:
            out.write("N: %s\n" % name)
        return None
    ctx.sni_callback = sni
    while True:
        c, _ = ls.accept()
        c.settimeout(10)
        try:
            session(c, ctx, opts, out)
        except (OSError, ssl.SSLError) as e:
            out.write("E: %s\n" % e)
        try:
            c.close()
        except OSError:
            pass


def peer(c, out):
    """the client certificate's CN, when it sent one the CA signed"""
    cert = c.getpeercert()
    for rdn in (cert or {}).get("subject", ()):
        for k, v in rdn:
            if k == "commonName":
                out.write("P: %s\n" % v)


def session(c, ctx, opts, out):
    tls = False
    if "--wrapper" in opts:
        c = ctx.wrap_socket(c, server_side=True)
        tls = True
        out.write("T: tls\n")
        peer(c, out)
    f = c.makefile("rb")
    c.sendall(b"220 srv.test ESMTP\r\n")
    data = False
    while True:
        line = f.readline()
        if not line:
            return
        s = line.decode("utf-8", "replace").rstrip("\r\n")
        if data:
            if s == ".":
                data = False
                c.sendall(b"250 2.0.0 Ok: queued as 4XYZ\r\n")
            else:
                out.write("D: %s\n" % s)
            continue
        out.write("C: %s\n" % s)
        v = s.split(" ")[0].upper()
        if v in ("EHLO", "LHLO"):
            kw = ["PIPELINING", "AUTH PLAIN"]
            if not tls and "--no-starttls" not in opts:
                kw.append("STARTTLS")
            r = "250-srv.test\r\n"
            r += "".join("250-%s\r\n" % k for k in kw[:-1])
            c.sendall((r + "250 %s\r\n" % kw[-1]).encode())
        elif v == "STARTTLS" and not tls:
            r = b"220 2.0.0 Ready to start TLS\r\n"
            if "--inject" in opts:
                r += b"250 injected\r\n"
            c.sendall(r)
            if "--bad-tls" in opts:
                c.recv(4096)    # the ClientHello
                c.sendall(b"this is no TLS\r\n")
                out.write("T: bad\n")
                return
            c = ctx.wrap_socket(c, server_side=True)
            f = c.makefile("rb")
            tls = True
            out.write("T: tls\n")
            peer(c, out)
        elif v == "AUTH":
            c.sendall(b"235 2.7.0 Authentication successful\r\n")
        elif v == "DATA":
            data = True
            c.sendall(b"354 End data with <CR><LF>.<CR><LF>\r\n")
        elif v == "QUIT":
            c.sendall(b"221 2.0.0 Bye\r\n")
            return
        else:
            c.sendall(b"250 2.0.0 Ok\r\n")


main()
