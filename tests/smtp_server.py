#!/usr/bin/env python3
# MIT licence: see LICENSE.
#
# smtp_server.py - a scriptable SMTP/LMTP server for the smtp and lmtp
# agent tests (t-smtp.sh): honest or malicious on demand.
#
#   smtp_server.py ADDR LOG [option...]
#
# ADDR is PORT (127.0.0.1; 0: any free port, written to LOG.port once
# listening), IPV4:PORT, [::1]:PORT, or unix:PATH.  Serves sessions
# one at a time until killed, or --sessions N.  LOG gets, per session,
# each command line received ("C: ..."), and the raw message data
# between DATA and "." ("D: ..." per line, CRLF kept as \r\n).
# Options (STAGE: greet, ehlo, helo, lhlo, mail, rcpt, data, dot, quit):
#   --ehlo KW,KW        EHLO keywords (default PIPELINING,SIZE 10240000,
#                       8BITMIME,DSN,SMTPUTF8,ENHANCEDSTATUSCODES);
#                       "-" for none
#   --no-ehlo           502 to EHLO (HELO fallback)
#   --lmtp              LMTP: LHLO, one reply per recipient after "."
#   --reply STAGE=TEXT  reply TEXT (\r\n escapes; several lines allowed)
#   --rcpt ADDR=TEXT    reply TEXT to RCPT TO:<ADDR>
#   --dot ADDR=TEXT     LMTP: reply TEXT for ADDR after "."
#   --stall STAGE       read the command, then never reply
#   --close STAGE       read the command, then close the connection
#   --raw STAGE=KIND    reply with: long (a 5000-byte line), garbage,
#                       nul, lines (100000 "250-" lines), mixed (250-
#                       then 550)
#   --sessions N        serve N sessions, then exit
#   --auth USER:PASS    accept AUTH PLAIN, LOGIN, CRAM-MD5 with this login (535
#                       5.7.8 otherwise; offer AUTH with --ehlo); LOG gets
#                       "A: ok USER MECH" or "A: bad USER MECH"
import base64
import hmac
import os
import socket
import sys
import time

DEF_EHLO = ["PIPELINING", "SIZE 10240000", "8BITMIME", "DSN", "SMTPUTF8",
            "ENHANCEDSTATUSCODES"]


def unesc(s):
    return s.replace("\\r\\n", "\r\n").encode("utf-8", "surrogateescape")


def main():
    a = sys.argv[1:]
    addr, logname = a[0], a[1]
    o = {"ehlo": DEF_EHLO, "noehlo": False, "lmtp": False, "reply": {},
         "rcpt": {}, "dot": {}, "stall": set(), "close": set(), "raw": {},
         "sessions": 0, "auth": None}
    i = 2
    while i < len(a):
        k = a[i]
        v = a[i + 1] if i + 1 < len(a) else ""
        i += 2
        if k == "--ehlo":
            o["ehlo"] = [] if v == "-" else v.split(",")
        elif k == "--no-ehlo":
            o["noehlo"] = True
            i -= 1
        elif k == "--lmtp":
            o["lmtp"] = True
            i -= 1
        elif k in ("--reply", "--rcpt", "--dot", "--raw"):
            n, t = v.split("=", 1)
            o[k[2:]][n.lower() if k != "--raw" else n] = t
        elif k in ("--stall", "--close"):
            o[k[2:]].add(v)
        elif k == "--auth":
            o["auth"] = v
        elif k == "--sessions":
            o["sessions"] = int(v)
        else:
            sys.exit("unknown option " + k)
    if addr.startswith("unix:"):
        path = addr[5:]
        try:
            os.unlink(path)
        except OSError:
            pass
        ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        ls.bind(path)
        os.chmod(path, 0o666)
    elif addr.startswith("["):
        host, port = addr[1:].split("]:")
        ls = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((host, int(port)))
    else:
        host, _, port = addr.rpartition(":")
        ls = socket.socket()
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((host or "127.0.0.1", int(port)))
    ls.listen(16)
    if addr == "0":
        with open(logname + ".port.tmp", "w") as f:
            f.write("%d\n" % ls.getsockname()[1])
        os.rename(logname + ".port.tmp", logname + ".port")
    log = open(logname, "ab", buffering=0)
    n = 0
    while o["sessions"] == 0 or n < o["sessions"]:
        c, _ = ls.accept()
        n += 1
        try:
            session(c, o, log)
        except (OSError, ValueError):
            pass
        finally:
            c.close()


class Reader:
    """Lines from a socket, knowing what arrived beyond the last line."""

    def __init__(self, c):
        self.c, self.buf = c, b""

    def readline(self, limit):
        while b"\n" not in self.buf and len(self.buf) < limit:
            d = self.c.recv(65536)
            if not d:
                break
            self.buf += d
        n = self.buf.find(b"\n")
        n = len(self.buf) if n < 0 else n + 1
        line, self.buf = self.buf[:n], self.buf[n:]
        return line


def session(c, o, log):
    f = Reader(c)
    rcpts = []

    def send(stage, default):
        if stage in o["stall"]:
            time.sleep(3600)
        if stage in o["close"]:
            raise ValueError("close")
        kind = o["raw"].get(stage)
        if kind == "long":
            c.sendall(b"250 " + b"x" * 5000 + b"\r\n")
        elif kind == "garbage":
            c.sendall(b"hello there\r\n")
        elif kind == "nul":
            c.sendall(b"250 o\0k\r\n")
        elif kind == "mixed":
            c.sendall(b"250-first\r\n550 second\r\n")
        elif kind == "lines":
            c.sendall(b"250-" + b"y" * 60 + b"\r\n")
            chunk = (b"250-" + b"z" * 60 + b"\r\n") * 1000
            for _ in range(100):
                c.sendall(chunk)
            c.sendall(b"250 end\r\n")
        else:
            c.sendall(unesc(o["reply"].get(stage, default)) + b"\r\n")

    send("greet", "220 sink.example.net ESMTP")
    while True:
        line = f.readline(100000)
        if not line:
            return
        log.write(b"C: " + line.rstrip(b"\r\n") + b"\n")
        if line[:4].upper() == b"MAIL" and f.buf:
            # the client sent more before this reply: pipelining
            log.write(b"P: %d commands\n" % f.buf.count(b"\n"))
        cmd = line.decode("latin-1").strip()
        verb = cmd.split(" ", 1)[0].upper().split(":")[0]
        if verb in ("EHLO", "LHLO"):
            if verb == "EHLO" and o["noehlo"]:
                send("ehlo", "502 5.5.1 no EHLO here")
                continue
            kws = ["sink.example.net"] + o["ehlo"]
            text = "\\r\\n".join("250%s%s" % ("-" if j < len(kws) - 1
                                              else " ", k)
                                 for j, k in enumerate(kws))
            send(verb.lower(), text)
        elif verb == "HELO":
            send("helo", "250 sink.example.net")
        elif verb == "MAIL":
            rcpts = []
            send("mail", "250 2.1.0 Ok")
        elif verb == "RCPT":
            a = cmd[cmd.find("<") + 1:cmd.rfind(">")].lower()
            r = o["rcpt"].get(a, "250 2.1.5 Ok")
            if r.startswith("2"):
                rcpts.append(a)
            send("rcpt", r)
        elif verb == "DATA":
            if not rcpts:
                send("data", "554 5.5.1 Error: no valid recipients")
                continue
            send("data", "354 End data with <CR><LF>.<CR><LF>")
            while True:
                d = f.readline(100000)
                if not d:
                    return
                if d == b".\r\n":
                    break
                log.write(b"D: " + d.replace(b"\r\n", b"\\r\\n") + b"\n")
            log.write(b"C: .\n")
            if o["lmtp"]:
                for a in rcpts:
                    send("dot", o["dot"].get(a, "250 2.1.5 <%s> delivered"
                                             % a))
            else:
                send("dot", "250 2.0.0 Ok: queued as 4XYZ")
        elif verb == "AUTH" and o["auth"] is not None:
            auth(f, c, o, log, cmd)
        elif verb == "RSET":
            send("rset", "250 2.0.0 Ok")
        elif verb == "QUIT":
            send("quit", "221 2.0.0 Bye")
            return
        else:
            send("other", "502 5.5.2 Error: command not recognized")


def auth(f, c, o, log, cmd):
    def b64d(s):
        try:
            return base64.b64decode(s.strip(), validate=True).decode(
                "latin-1")
        except ValueError:
            return None

    def ask(prompt):
        c.sendall(b"334 " + base64.b64encode(prompt) + b"\r\n")
        line = f.readline(100000)
        log.write(b"C: " + line.rstrip(b"\r\n") + b"\n")
        return b64d(line.decode("latin-1"))

    w = cmd.split()
    mech = w[1].upper() if len(w) > 1 else ""
    user = pw = None
    if mech == "PLAIN":
        s = b64d(w[2]) if len(w) > 2 else ask(b"")
        if s is not None and s.count("\0") == 2:
            _, user, pw = s.split("\0")
    elif mech == "LOGIN":
        user = b64d(w[2]) if len(w) > 2 else ask(b"Username:")
        if user is not None:
            pw = ask(b"Password:")
    elif mech == "CRAM-MD5":
        chal = b"<1896.697170952@sink.example.net>"
        s = ask(chal)
        want_user, want_pw = o["auth"].split(":", 1)
        if s is not None and " " in s:
            user, digest = s.rsplit(" ", 1)
            want = hmac.new(want_pw.encode("latin-1"), chal,
                            "md5").hexdigest()
            pw = want_pw if hmac.compare_digest(digest, want) else ""
    else:
        c.sendall(b"504 5.5.4 Unsupported authentication mechanism\r\n")
        return
    good = user is not None and pw is not None and \
        "%s:%s" % (user, pw) == o["auth"]
    log.write(("A: %s %s %s\n" % ("ok" if good else "bad", user, mech))
              .encode("latin-1"))
    c.sendall(b"235 2.7.0 Authentication successful\r\n" if good else
              b"535 5.7.8 Error: authentication failed: bad login\r\n")


if __name__ == "__main__":
    main()
