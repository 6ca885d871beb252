#!/usr/bin/env python3
# MIT licence: see LICENSE.
#
# bounce_check.py - check delivery status notifications with Python's email
# package (policy.default), for tests/t-bounce.sh.
#
#	bounce_check.py DIR		check the notices tests/unit/bounce.c
#					wrote to DIR (NAME.eml); one "ok - ..."
#					or "FAIL - ..." line per check
#	bounce_check.py qf FILE		print the content of queue file FILE
#					(the notice as queued) on stdout
import email
import os
import re
import sys
from email import policy

FAILS = 0


def check(name, cond, why=""):
    global FAILS
    if cond:
        print("ok - %s" % name)
    else:
        FAILS += 1
        print("FAIL - %s: %s" % (name, why or "condition false"))


def blocks(part, raw, boundary):
    """the field blocks of a delivery-status part as lists of (name, value)"""
    if part.get_content_type() == "message/delivery-status":
        return [[(k, str(v)) for k, v in m.items()]
                for m in part.get_payload()]
    # message/global-delivery-status: Python does not know it; parse the
    # raw second part (after its own headers) block by block
    text = raw.split(b"\n--" + boundary.encode() + b"\n")[2]
    text = text.split(b"\n\n", 1)[1].decode("utf-8")
    out = []
    for chunk in re.split(r"\n\s*\n", text.strip("\n")):
        m = email.message_from_string(chunk + "\n", policy=policy.default)
        out.append([(k, str(v)) for k, v in m.items()])
    return out


def field(block, name):
    for k, v in block:
        if k.lower() == name.lower():
            return v
    return None


def report(path, name):
    """parse one notice; check what every notice must be; return parts"""
    raw = open(path, "rb").read()
    lines = raw.split(b"\n")
    check("%s: every line under 999 octets" % name,
          max(len(x) for x in lines) <= 998,
          "longest %d" % max(len(x) for x in lines))
    msg = email.message_from_bytes(raw, policy=policy.default)
    check("%s: multipart/report; report-type=delivery-status" % name,
          msg.get_content_type() == "multipart/report"
          and msg.get_param("report-type") == "delivery-status",
          msg.get_content_type())
    defects = list(msg.defects)
    for p in msg.walk():
        defects += list(p.defects)
    check("%s: no MIME defects" % name, not defects, repr(defects))
    parts = msg.get_payload()
    check("%s: three parts" % name, isinstance(parts, list)
          and len(parts) == 3, repr(type(parts)))
    if not isinstance(parts, list) or len(parts) != 3:
        return msg, None, None, None
    text, dsn, orig = parts
    check("%s: text/plain first" % name,
          text.get_content_type() == "text/plain")
    check("%s: a delivery-status part second" % name,
          dsn.get_content_type() in ("message/delivery-status",
                                     "message/global-delivery-status"),
          dsn.get_content_type())
    b = blocks(dsn, raw, msg.get_param("boundary"))
    check("%s: per-message fields" % name, len(b) >= 2
          and field(b[0], "Reporting-MTA") == "dns; h.example.com"
          and field(b[0], "X-Postfix-Queue-ID") is not None,
          repr(b[:1]))
    ok = len(b) >= 2
    for r in b[1:]:
        fr = field(r, "Final-Recipient") or ""
        ok = ok and re.match(r"^(rfc822|utf-8); \S+@\S+$", fr) is not None
        ok = ok and field(r, "Action") in ("failed", "delayed",
                                           "delivered", "relayed")
        ok = ok and re.match(r"^[245]\.\d{1,3}\.\d{1,3}$",
                             field(r, "Status") or "") is not None
        ok = ok and field(r, "Diagnostic-Code") is not None
    check("%s: per-recipient fields parse" % name, ok, repr(b[1:]))
    check("%s: the original last" % name, orig.get_content_type() in (
        "message/rfc822", "text/rfc822-headers", "message/global",
        "message/global-headers"), orig.get_content_type())
    return msg, text, b, orig


def attached(orig):
    """the returned message as a Message (headers only: parsed as such)"""
    if orig.get_content_type() == "message/rfc822":
        return orig.get_payload(0)
    body = orig.get_payload(decode=True)
    return email.message_from_bytes(body, policy=policy.default)


def notices(d):
    p = lambda n: os.path.join(d, n + ".eml")
    for n in sorted(os.listdir(d)):
        if n.endswith(".eml"):
            report(os.path.join(d, n), n[:-4])

    msg, text, b, orig = report(p("failed"), "failed")
    if b is None:
        return
    check("failed: Subject", msg["Subject"] ==
          "Undelivered Mail Returned to Sender", msg["Subject"])
    check("failed: Auto-Submitted", msg["Auto-Submitted"] == "auto-replied")
    check("failed: Original-Envelope-Id",
          field(b[0], "Original-Envelope-Id") == "ENV-1234")
    check("failed: X-Postfix-Sender", field(b[0], "X-Postfix-Sender") ==
          "rfc822; a@example.com")
    check("failed: three recipients", len(b) == 4, repr(b))
    check("failed: Original-Recipient from ORCPT",
          field(b[1], "Original-Recipient") == "rfc822;B@example.org")
    check("failed: Original-Recipient from orig_to",
          field(b[2], "Original-Recipient") == "rfc822; alias@h.example.com")
    check("failed: Remote-MTA", field(b[1], "Remote-MTA") ==
          "dns; mx.example.org")
    dc = re.sub(r"\s+", " ", field(b[1], "Diagnostic-Code") or "")
    check("failed: Diagnostic-Code smtp, unfolded", dc ==
          "smtp; 550 5.1.1 <b@example.org>: Recipient address rejected: "
          "User unknown in local recipient table", dc)
    check("failed: Action failed, Status 5.1.1", field(b[1], "Action") ==
          "failed" and field(b[1], "Status") == "5.1.1")
    body = text.get_content()
    check("failed: the reason text", "<b@example.org>: host "
          "mx.example.org[192.0.2.1] said: 550 5.1.1" in body)
    a = attached(orig)
    check("failed: the whole original attached",
          orig.get_content_type() == "message/rfc822"
          and a["Subject"] == "hello"
          and "the second line" in a.get_content())

    msg, text, b, orig = report(p("ret-hdrs"), "ret-hdrs")
    if orig is not None:
        a = attached(orig)
        check("RET=HDRS: text/rfc822-headers, headers only",
              orig.get_content_type() == "text/rfc822-headers"
              and a["Subject"] == "hdrs"
              and b"body here" not in orig.get_payload(decode=True))
        check("RET=HDRS: no Original-Envelope-Id",
              field(b[0], "Original-Envelope-Id") is None)

    msg, text, b, orig = report(p("too-big"), "too-big")
    if orig is not None:
        check("over bounce_size_limit: headers only",
              orig.get_content_type() == "text/rfc822-headers")

    msg, text, b, orig = report(p("delayed"), "delayed")
    if b is not None:
        check("delayed: Subject", msg["Subject"] ==
              "Delayed Mail (still being retried)")
        check("delayed: Action delayed, Will-Retry-Until",
              all(field(r, "Action") == "delayed"
                  and field(r, "Will-Retry-Until") for r in b[1:]))
        check("delayed: headers only",
              orig.get_content_type() == "text/rfc822-headers")

    msg, text, b, orig = report(p("success"), "success")
    if b is not None:
        check("success: Action delivered, Status 2.0.0",
              field(b[1], "Action") == "delivered"
              and field(b[1], "Status") == "2.0.0")

    msg, text, b, orig = report(p("eightbit"), "eightbit")
    if orig is not None:
        check("8-bit original: Content-Transfer-Encoding 8bit",
              msg["Content-Transfer-Encoding"] == "8bit"
              and orig["Content-Transfer-Encoding"] == "8bit")
        check("8-bit original: its body intact",
              b"na\xc3\xafve body" in
              attached(orig).get_payload(decode=True))

    msg, text, b, orig = report(p("smtputf8"), "smtputf8")
    if b is not None:
        check("SMTPUTF8: utf-8 Final-Recipient",
              field(b[1], "Final-Recipient") ==
              "utf-8; m\u00fcller@example.org",
              repr(field(b[1], "Final-Recipient")))

    msg, text, b, orig = report(p("postmaster-copy"), "postmaster-copy")
    if b is not None:
        check("postmaster copy: every recipient, headers only",
              len(b) == 6 and msg["Auto-Submitted"] == "auto-generated"
              and orig.get_content_type() == "text/rfc822-headers")


def qf(path):
    """the content of a queue file, lines joined by LF"""
    b = open(path, "rb").read()
    i, out, inmsg = 0, [], False
    env = []
    while i < len(b):
        t = b[i:i + 1]
        sp = b.find(b" ", i + 1)
        n = int(b[i + 1:sp])
        data = b[sp + 1:sp + 1 + n]
        i = sp + 2 + n
        if t == b"M":
            inmsg = True
        elif t in (b"L", b"P") and inmsg:
            out.append(data + (b"\n" if t == b"L" else b""))
        elif t == b"X":
            break
        elif t in (b"S", b"R"):
            env.append(b"X-Envelope-" + (b"From" if t == b"S" else b"To")
                       + b": <" + data + b">\n")
    sys.stdout.buffer.write(b"".join(env) + b"".join(out))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "qf":
        qf(sys.argv[2])
        sys.exit(0)
    notices(sys.argv[1])
    sys.exit(1 if FAILS else 0)
