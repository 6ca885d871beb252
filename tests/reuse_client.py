#!/usr/bin/env python3
# MIT licence: see LICENSE.
#
# reuse_client.py - the SMTP clients of t-reuse.sh and t-reuse-mem.sh:
# one named session, from a chosen loopback source address (to
# 127.0.0.1, or to $REUSE_DST), that prints what the server answered,
# one "WHAT CODE" line per step.
#
#	reuse_client.py PORT SRC SCENARIO [ARG...]
#	reuse_client.py auth-server PATH LOG PIDFILE
#
# Scenarios (H is the ARG that names the server's domain):
#   auth-plain H USER PASS   AUTH PLAIN, a relayed RCPT, a message
#   auth-login-half          AUTH LOGIN, the user name, then hang up
#   auth-login-start         AUTH LOGIN: the first challenge
#   relay H                  no AUTH: a relayed RCPT
#   msg H RCPT SUBJECT [HDR] a message (HDR: more header lines, \n split)
#   tls-msg H RCPT SUBJECT   STARTTLS, then a message
#   ehlo                     EHLO: the keywords, one per line
#   errors N H RCPT K        N bad commands, NOOP, K recipients
#   bdat-half H RCPT         BDAT (not LAST) of a message, then hang up
#   bdat-msg H RCPT SUBJECT  BDAT LAST: a whole message
#   xclient H RCPT SUBJECT   XCLIENT and XFORWARD, then a message
#   mails N                  N times MAIL, RSET
#   auth-try USER PASS       EHLO, AUTH PLAIN: its code
#   auth-server              (not a client) a stand-in for Dovecot's auth
#                            server on the UNIX socket PATH: the handshake
#                            (PLAIN), every request logged to LOG, each
#                            answered FAIL; its pid in PIDFILE
#   mix FROM TO H PASS       sessions FROM..TO-1 of the memory test's
#                            mix (plain, AUTH, STARTTLS, errors, BDAT,
#                            half-done exchanges); prints "mix OK FAILED"
import base64
import os
import smtplib
import socket
import ssl
import sys
import threading


def out(what, code):
    print("%s %s" % (what, code))
    sys.stdout.flush()


def connect(port, src, helo="client.example"):
    s = smtplib.SMTP(os.environ.get("REUSE_DST", "127.0.0.1"), port,
                     source_address=(src, 0), timeout=20)
    code, _ = s.ehlo(helo)
    out("ehlo", code)
    return s


def hangup(s):
    # no QUIT: the client goes away in the middle
    s.sock.shutdown(socket.SHUT_RDWR)
    s.sock.close()


def message(s, sender, rcpt, subject, extra=""):
    out("mail", s.docmd("MAIL FROM:<%s>" % sender)[0])
    code = s.docmd("RCPT TO:<%s>" % rcpt)[0]
    out("rcpt", code)
    if code != 250:
        return
    body = "Subject: %s\r\n" % subject
    for h in extra.split("\\n"):
        if h:
            body += h + "\r\n"
    body += "\r\nbody of %s\r\n" % subject
    code, _ = s.data(body)
    out("data", code)


def tls_ctx():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def plain(user, pw):
    return base64.b64encode(b"\0" + user.encode() + b"\0" +
                            pw.encode()).decode()


def bdat(s, data, last):
    s.send(("BDAT %d%s\r\n" % (len(data), " LAST" if last else "")).encode()
           + data)
    return s.getreply()[0]


def auth_conn(c, log):
    c.sendall(b"VERSION\t1\t1\nMECH\tPLAIN\tplaintext\nSPID\t1\n"
              b"CUID\t1\nCOOKIE\t00\nDONE\n")
    buf = b""
    while True:
        d = c.recv(4096)
        if not d:
            break
        buf += d
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            f = line.split(b"\t")
            if f[0] == b"AUTH":
                with open(log, "ab") as lf:
                    lf.write(line + b"\n")
                c.sendall(b"FAIL\t" + f[1] + b"\treason=test\n")
    c.close()


def auth_server(path, log, pidfile):
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(path)
    os.chmod(path, 0o666)
    srv.listen(8)
    with open(pidfile, "w") as f:
        f.write("%d\n" % os.getpid())
    while True:
        c, _ = srv.accept()
        threading.Thread(target=auth_conn, args=(c, log),
                         daemon=True).start()


def main():
    if sys.argv[1] == "auth-server":
        auth_server(*sys.argv[2:5])
        return
    port, src, what = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    a = sys.argv[4:]
    if what == "auth-plain":
        h, user, pw = a
        s = connect(port, src, "a-helo.example")
        out("auth", s.docmd("AUTH PLAIN " + plain(user, pw))[0])
        out("mail", s.docmd("MAIL FROM:<%s@example.org> AUTH=%s@example.org"
                            % (user, user))[0])
        out("relay-rcpt", s.docmd("RCPT TO:<r@elsewhere.example>")[0])
        out("rset", s.docmd("RSET")[0])
        message(s, user + "@example.org", "alice@" + h, "from-A-sasl")
        s.quit()
    elif what == "auth-login-half":
        s = connect(port, src, "a-helo.example")
        code, text = s.docmd("AUTH LOGIN")
        out("auth " + text.decode(), code)
        code, text = s.docmd(base64.b64encode(b"alice").decode())
        out("user " + text.decode(), code)
        hangup(s)
    elif what == "auth-login-start":
        s = connect(port, src, "b-helo.example")
        code, text = s.docmd("AUTH LOGIN")
        out("auth " + text.decode(), code)
        out("cancel", s.docmd("*")[0])
        s.quit()
    elif what == "relay":
        s = connect(port, src, "b-helo.example")
        out("mail", s.docmd("MAIL FROM:<b@example.net>")[0])
        out("relay-rcpt", s.docmd("RCPT TO:<r@elsewhere.example>")[0])
        s.quit()
    elif what == "msg":
        h, rcpt, subject = a[:3]
        s = connect(port, src, "b-helo.example")
        message(s, "b@example.net", rcpt, subject, a[3] if len(a) > 3
                else "")
        s.quit()
    elif what == "tls-msg":
        h, rcpt, subject = a
        s = connect(port, src, "a-helo.example")
        out("starttls", s.starttls(context=tls_ctx())[0])
        out("ehlo-tls", s.ehlo("a-helo.example")[0])
        message(s, "a@example.net", rcpt, subject)
        # gone without QUIT or close_notify
        hangup(s)
    elif what == "ehlo":
        s = connect(port, src, "b-helo.example")
        for k, v in s.esmtp_features.items():
            print(" ".join(["kw", k.upper()] + v.split()))
        s.quit()
    elif what == "errors":
        n, h, rcpt, k = int(a[0]), a[1], a[2], int(a[3])
        s = connect(port, src)
        for i in range(n):
            out("bogus", s.docmd("BOGUS%d" % i)[0])
        out("noop", s.docmd("NOOP")[0])
        out("mail", s.docmd("MAIL FROM:<e@example.net>")[0])
        user, dom = rcpt.split("@")
        for i in range(k):
            out("rcpt", s.docmd("RCPT TO:<%s+%d@%s>" % (user, i, dom))[0])
        s.quit()
    elif what == "bdat-half":
        h, rcpt = a
        s = connect(port, src, "a-helo.example")
        out("mail", s.docmd("MAIL FROM:<a@example.net>")[0])
        out("rcpt", s.docmd("RCPT TO:<%s>" % rcpt)[0])
        out("bdat", bdat(s, b"Subject: A-bdat-part\r\nX-A-Bdat: leaked\r\n",
                         False))
        hangup(s)
    elif what == "bdat-msg":
        h, rcpt, subject = a
        s = connect(port, src, "b-helo.example")
        out("mail", s.docmd("MAIL FROM:<b@example.net>")[0])
        out("rcpt", s.docmd("RCPT TO:<%s>" % rcpt)[0])
        out("bdat", bdat(s, ("Subject: %s\r\n\r\nbody of %s\r\n" %
                             (subject, subject)).encode(), True))
        s.quit()
    elif what == "xclient":
        h, rcpt, subject = a
        s = connect(port, src, "a-helo.example")
        out("xclient", s.docmd("XCLIENT ADDR=10.9.9.9 NAME=spoof.example "
                               "HELO=spoof.example LOGIN=alice")[0])
        out("xforward", s.docmd("XFORWARD ADDR=10.9.9.9 "
                                "NAME=spoof.example HELO=spoof.example")[0])
        message(s, "a@example.net", rcpt, subject)
        s.quit()
    elif what == "mails":
        s = connect(port, src)
        for i in range(int(a[0])):
            out("mail", s.docmd("MAIL FROM:<m%d@example.net>" % i)[0])
            s.docmd("RSET")
        s.quit()
    elif what == "auth-try":
        s = connect(port, src, "b-helo.example")
        out("auth", s.docmd("AUTH PLAIN " + plain(a[0], a[1]))[0])
        s.quit()
    elif what == "mix":
        ok = bad = 0
        for i in range(int(a[0]), int(a[1])):
            try:
                with open("/dev/null", "w") as null:
                    old, sys.stdout = sys.stdout, null
                    try:
                        mix(port, src, i, a[2], a[3])
                    finally:
                        sys.stdout = old
                ok += 1
            except (OSError, smtplib.SMTPException) as e:
                # the error-limit sessions end with 421: expected
                if i % 6 == 3 and isinstance(
                        e, smtplib.SMTPServerDisconnected):
                    ok += 1
                else:
                    bad += 1
                    print("session %d: %r" % (i, e), file=sys.stderr)
        out("mix %d" % ok, bad)
    else:
        sys.exit("unknown scenario " + what)


def mix(port, src, i, h, pw):
    """one session of the memory test: the kind by i modulo 6"""
    k = i % 6
    s = connect(port, src, "mix%d.example" % i)
    if k == 0:
        message(s, "m@example.net", "alice@" + h, "mix %d" % i)
    elif k == 1:
        out("auth", s.docmd("AUTH PLAIN " + plain("alice", pw))[0])
        message(s, "alice@example.org", "r@elsewhere.example", "mix %d" % i)
    elif k == 2:
        out("starttls", s.starttls(context=tls_ctx())[0])
        s.ehlo("mix%d.example" % i)
        out("auth", s.docmd("AUTH PLAIN " + plain("alice", pw))[0])
        out("mail", s.docmd("MAIL FROM:<m@example.net>")[0])
        out("rcpt", s.docmd("RCPT TO:<alice@%s>" % h)[0])
        if i % 4 == 2:
            hangup(s)
            return
    elif k == 3:
        for j in range(3):
            out("bogus", s.docmd("BOGUS")[0])
        out("relay-rcpt", s.docmd("RCPT TO:<r@elsewhere.example>")[0])
        out("mail", s.docmd("MAIL FROM:<m@example.net>")[0])
        out("relay-rcpt", s.docmd("RCPT TO:<r@elsewhere.example>")[0])
    elif k == 4:
        out("mail", s.docmd("MAIL FROM:<m@example.net>")[0])
        out("rcpt", s.docmd("RCPT TO:<alice@%s>" % h)[0])
        out("bdat", bdat(s, b"Subject: half\r\nX: y\r\n", False))
        if i % 4 == 0:
            hangup(s)
            return
    else:
        code, text = s.docmd("AUTH LOGIN")
        out("auth", code)
        s.docmd(base64.b64encode(b"alice").decode())
        hangup(s)
        return
    s.quit()


if __name__ == "__main__":
    main()
