# MIT licence: see LICENSE.
#
# tls_peer.py - TLS clients for tests/t-tls.sh.  Usage:
#   tls_peer.py MODE PORT CAFILE
# MODE: inject (STARTTLS and RSET in one packet), twice (a second
# STARTTLS), garbage (junk instead of a ClientHello), send (smtplib:
# starttls, ehlo, sendmail), wrapper (TLS at connect, then EHLO, QUIT),
# pipe (after STARTTLS "HELO x" and "NOOP" as two TLS records in one
# TCP segment, then QUIT).
# Prints the replies it got, one per line, and what TLS said.
import socket, ssl, smtplib, sys

mode, port, cafile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context(cafile=cafile)
ctx.check_hostname = False


def replies(f):
    """one whole SMTP reply, its lines joined by |"""
    out = []
    while True:
        line = f.readline()
        if not line:
            out.append("EOF")
            break
        out.append(line.decode().rstrip("\r\n"))
        if line[3:4] != b"-":
            break
    return "|".join(out)


def plain():
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    f = s.makefile("rb")
    print(replies(f))
    s.sendall(b"EHLO client.example\r\n")
    r = replies(f)
    print("starttls offered" if "STARTTLS" in r else "no starttls")
    return s, f


if mode in ("inject", "twice"):
    s, f = plain()
    if mode == "inject":
        s.sendall(b"STARTTLS\r\nRSET\r\n")
    else:
        s.sendall(b"STARTTLS\r\n")
    print(replies(f))
    t = ctx.wrap_socket(s, server_hostname="mx.example.com")
    print(t.version(), t.cipher()[0])
    tf = t.makefile("rb")
    if mode == "twice":
        t.sendall(b"EHLO client.example\r\n")
        r = replies(tf)
        print("starttls offered" if "STARTTLS" in r else "no starttls")
        t.sendall(b"STARTTLS\r\n")
        print(replies(tf))
    t.sendall(b"MAIL FROM:<a@example.org>\r\n")
    print(replies(tf))
    t.sendall(b"NOOP\r\n")
    print(replies(tf))
    t.sendall(b"QUIT\r\n")
    print(replies(tf))
elif mode == "pipe":
    s, f = plain()
    s.sendall(b"STARTTLS\r\n")
    print(replies(f))
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    o = ctx.wrap_bio(inc, out, server_hostname="mx.example.com")
    while True:
        try:
            o.do_handshake()
            break
        except ssl.SSLWantReadError:
            s.sendall(out.read())
            d = s.recv(65536)
            if not d:
                sys.exit("EOF in handshake")
            inc.write(d)
    s.sendall(out.read())
    o.write(b"HELO x\r\n")
    o.write(b"NOOP\r\n")
    s.sendall(out.read())       # two records, one segment
    buf = b""

    def line():
        global buf
        while b"\n" not in buf:
            try:
                buf += o.read(4096)
            except ssl.SSLWantReadError:
                d = s.recv(65536)
                if not d:
                    return "EOF"
                inc.write(d)
        l, buf = buf.split(b"\n", 1)
        return l.decode().rstrip("\r")
    print(line())
    print(line())
    o.write(b"QUIT\r\n")
    s.sendall(out.read())
    print(line())
elif mode == "garbage":
    s, f = plain()
    s.sendall(b"STARTTLS\r\n")
    print(replies(f))
    s.sendall(b"this is not a ClientHello at all\r\n" * 4)
    s.settimeout(10)
    try:
        d = s.recv(4096)
        print("closed" if d == b"" or d[0] == 0x15 else "data %r" % d[:40])
    except (ConnectionResetError, socket.timeout) as e:
        print("closed" if isinstance(e, ConnectionResetError) else "timeout")
elif mode == "send":
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as c:
        c.ehlo("client.example")
        c.starttls(context=ctx)
        c.ehlo("client.example")
        print("esmtp starttls" if c.has_extn("starttls") else "no starttls")
        print(c.sock.version(), c.sock.cipher()[0])
        c.sendmail("a@example.org", ["u@mx.example.com"],
                   b"Subject: tls\r\n\r\nover TLS\r\n")
        print("sent")
elif mode == "wrapper":
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    t = ctx.wrap_socket(raw, server_hostname="mx.example.com")
    f = t.makefile("rb")
    print(replies(f))
    print(t.version(), t.cipher()[0])
    t.sendall(b"EHLO client.example\r\n")
    r = replies(f)
    print("starttls offered" if "STARTTLS" in r else "no starttls")
    t.sendall(b"QUIT\r\n")
    print(replies(f))
