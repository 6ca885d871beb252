#!/bin/sh
# MIT licence: see LICENSE.
#
# t-starttls-reset.sh - RFC 3207 4.2: after STARTTLS smtpd(8) forgets all
# that the client said in plaintext, its SMTP AUTH login included.  A man
# in the middle who logs in with its own account in plaintext and then
# hands the session over to the victim's STARTTLS must leave it logged
# out: relaying is refused, AUTH works again (no "503 already
# authenticated"), and the log names no SASL user for its mail.
# smtpd runs inetd-style (tests/smtpd_server.py); the client is Python's
# smtplib with ssl.
. "$(dirname "$0")/lib.sh"

H=mx.example.com
Q=$T/q
K=$T/pki
SERVERS=
trap 'for p in $SERVERS; do stop_pid "$p"; done; rm -rf "$T"' EXIT INT TERM

mkdir -p "$K"
{ pki_ca ca && pki_cert srv "$H"; } > /dev/null 2>&1 ||
    { fail "test certificate" "openssl failed"; exit 1; }
printf 'alice %s\n' "$(openssl passwd -6 'alice pw')" > "$T/etc/users"
smtpd_root "mydestination = $H
mynetworks = 10.99.0.0/16
relay_domains =
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = mta
smtpd_sasl_password_maps = texthash:$T/etc/users
smtpd_sasl_security_options = noanonymous
smtpd_tls_auth_only = no
smtpd_tls_security_level = may
smtpd_tls_cert_file = $K/srv.crt
smtpd_tls_key_file = $K/srv.key
smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated,
    reject_unauth_destination"

serve std

# part 1 in plaintext: AUTH, relaying works; part 2 after STARTTLS:
# relaying refused, a local message goes (and is logged without a SASL
# user), AUTH again works, then relaying works
python3 - "$P_std" > "$T/out" 2>&1 <<'EOF'
import base64, smtplib, ssl, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=20)
def cmd(c):
    code, msg = s.docmd(c)
    print(code, msg.decode().split("\n")[0])
plain = base64.b64encode(b"\0alice\0alice pw").decode()
s.ehlo("c.example")
cmd("AUTH PLAIN " + plain)
cmd("MAIL FROM:<alice@example.org>")
cmd("RCPT TO:<r@elsewhere.example>")
cmd("RSET")
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s.starttls(context=ctx)
print("tls", s.sock.version() is not None)
s.ehlo("c.example")
cmd("MAIL FROM:<x@example.net>")
cmd("RCPT TO:<r@elsewhere.example>")
cmd("RCPT TO:<u@mx.example.com>")
cmd("DATA")
s.send(b"Subject: after tls\r\n\r\nhi\r\n.\r\n")
code, msg = s.getreply()
print(code, msg.decode())
cmd("AUTH PLAIN " + plain)
cmd("MAIL FROM:<alice@example.org>")
cmd("RCPT TO:<r@elsewhere.example>")
cmd("QUIT")
EOF
same "STARTTLS forgets the plaintext login" "235 2.7.0 Authentication successful
250 2.1.0 Ok
250 2.1.5 Ok
250 2.0.0 Ok
tls True
250 2.1.0 Ok
554 5.7.1 <r@elsewhere.example>: Relay access denied
250 2.1.5 Ok
354 End data with <CR><LF>.<CR><LF>
250 2.0.0 Ok: queued as $(sed -n 's/.*queued as \([0-9A-Za-z]*\).*/\1/p' "$T/out")
235 2.7.0 Authentication successful
250 2.1.0 Ok
250 2.1.5 Ok
221 2.0.0 Bye"
id=$(sed -n 's/.*queued as \([0-9A-Za-z]*\).*/\1/p' "$T/out")
has "log: the message after STARTTLS has no SASL user" \
    "smtpd\\[[0-9]+\\]: $id: client=localhost\\[127.0.0.1\\]\$" "$T/maillog"
has "log: the relay refusal after STARTTLS" \
    'NOQUEUE: reject: RCPT from localhost\[127.0.0.1\]: 554 5.7.1 <r@elsewhere.example>: Relay access denied; from=<x@example.net> to=<r@elsewhere.example> proto=ESMTP helo=<c.example>$' \
    "$T/maillog"
if grep -q "$id.*sasl_" "$T/maillog"; then
	fail "log: no sasl_ field for $id" "$(grep "$id" "$T/maillog")"
else
	ok "log: no sasl_ field for $id"
fi
