#!/bin/sh
# MIT licence: see LICENSE.
#
# t-smtpd-holes.sh - smtpd(8) against the holes of issue #10: control
# characters in envelope addresses and ESMTP parameters, clients that
# talk before the greeting, the session state after STARTTLS, and the
# order of the relay and recipient restrictions for a bare "joe".  Where
# a reply is Postfix's, it was taken from Postfix 3.7.11 (Debian) running
# the same main.cf on a loopback port.
. "$(dirname "$0")/lib.sh"

H=mx.example.com
Q=$T/q
SERVERS=
trap 'for p in $SERVERS; do kill -CONT "$p" 2>/dev/null; stop_pid "$p"; done; rm -rf "$T"' EXIT INT TERM

smtpd_root "mynetworks = 127.0.0.0/8"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" \
    -out "$T/cert.pem" -subj "/CN=$H" -days 2 >/dev/null 2>&1

nfiles() { find "$Q/incoming" "$Q/hold" -type f | wc -l | tr -d ' '; }

G="220 $H ESMTP Postfix"
EHLO=$(ehlo_reply "$H")

H_ALICE=$(openssl passwd -6 'alice pw')
printf 'alice %s\n' "$H_ALICE" > "$T/etc/users"
serve std
serve sasl -o smtpd_sasl_auth_enable=yes -o smtpd_sasl_type=mta \
    -o "smtpd_sasl_password_maps=texthash:$T/etc/users" \
    -o smtpd_tls_auth_only=no
serve etrn -o fast_flush_domains=example.com
serve sleepy -o "smtpd_client_restrictions=sleep 1" -o smtpd_delay_reject=no
serve tls -o smtpd_tls_security_level=may -o mynetworks=10.99.99.0/24 \
    -o "smtpd_tls_cert_file=$T/cert.pem" -o "smtpd_tls_key_file=$T/key.pem"
serve tlshelo -o smtpd_tls_security_level=may \
    -o "smtpd_tls_cert_file=$T/cert.pem" -o "smtpd_tls_key_file=$T/key.pem" \
    -o smtpd_helo_required=yes
serve wrap -o smtpd_tls_wrappermode=yes \
    -o "smtpd_tls_cert_file=$T/cert.pem" -o "smtpd_tls_key_file=$T/key.pem"
# "from outside": the client is not in mynetworks; myorigin is not local
serve out1 -o mynetworks=10.99.99.0/24 -o myorigin=example.org \
    -o smtpd_recipient_restrictions=reject_non_fqdn_recipient
serve out2 -o mynetworks=10.99.99.0/24 -o myorigin=example.org \
    -o "smtpd_relay_restrictions=permit_mynetworks, reject_unauth_destination" \
    -o smtpd_recipient_restrictions=reject_non_fqdn_recipient
serve out3 -o mynetworks=10.99.99.0/24 \
    -o smtpd_recipient_restrictions=reject_non_fqdn_recipient

# --- (a) control characters in addresses ---------------------------------

n0=$(nfiles)
# "\" followed by a raw CR: a quoted pair only carries 32-126 (RFC 5321)
talk "$P_std" <<'EOF'
1
1|EHLO x\r\n
1|MAIL FROM:<"evil\\\rX-Injected: yes"@example.org>\r\n
1|MAIL FROM:<"evil\\\x1b[2J"@example.org>\r\n
1|MAIL FROM:<"evil\\\x7f"@example.org>\r\n
1|MAIL FROM:<"a\\\tb"@example.org>\r\n
1|MAIL FROM:<"a\\"b"@example.org>\r\n
1|RCPT TO:<"joe\\\rX-Injected: yes"@mx.example.com>\r\n
1|RCPT TO:<"joe\\\x01"@mx.example.com>\r\n
1|RCPT TO:<joe\x01@mx.example.com>\r\n
1|RCPT TO:<"joe\r"@mx.example.com>\r\n
1|RCPT TO:<u@mx.example.com> ORCPT=rfc822;u+0D+0AX-Injected:+20yes@x\r\n
1|RCPT TO:<u@mx.example.com> ORCPT=rfc822;u+7F@x\r\n
1|RCPT TO:<"a\\ b"@mx.example.com> ORCPT=rfc822;u+40x\r\n
1|VRFY "joe\\\r"@mx.example.com\r\n
1|RSET\r\n
1|MAIL FROM:<a@example.org> ENVID=a+0Db\r\n
1|MAIL FROM:<a@example.org> ENVID=a+09b\r\n
1|QUIT\r\n
EOF
same "control characters in MAIL, RCPT, VRFY, ORCPT, ENVID: 501" "$G
$EHLO
501 5.1.7 Bad sender address syntax
501 5.1.7 Bad sender address syntax
501 5.1.7 Bad sender address syntax
501 5.1.7 Bad sender address syntax
250 2.1.0 Ok
501 5.1.3 Bad recipient address syntax
501 5.1.3 Bad recipient address syntax
501 5.1.3 Bad recipient address syntax
501 5.1.3 Bad recipient address syntax
501 5.5.4 Error: Bad ORCPT parameter syntax
501 5.5.4 Error: Bad ORCPT parameter syntax
250 2.1.5 Ok
501 5.1.3 Bad recipient address syntax
250 2.0.0 Ok
501 5.5.4 Bad ENVID parameter syntax
501 5.5.4 Bad ENVID parameter syntax
221 2.0.0 Bye
[closed]"
check_out "control characters: nothing queued" "$n0" nfiles
if grep -q '^X-Injected' "$T/maillog"; then
	fail "control characters: no line injected into the log" \
	    "$(grep -c '^X-Injected' "$T/maillog") lines"
else ok "control characters: no line injected into the log"; fi
# Postfix's warning, the CR shown as "?"
has "control characters: Postfix's warning, neutered" \
    'warning: Illegal address syntax from localhost\[127.0.0.1\] in MAIL command: <"evil\\\?X-Injected: yes"@example.org>$' \
    "$T/maillog"

AP=$(printf 'alice\0alice\0alice pw' | base64 | tr -d '\n')
talk "$P_sasl" <<EOF
1
1|EHLO x\r\n
1|AUTH PLAIN $AP\r\n
1|MAIL FROM:<a@example.org> AUTH=<a+0D+0Ab@example.org>\r\n
1|MAIL FROM:<a@example.org> AUTH=<a+40b@example.org>\r\n
1|QUIT\r\n
EOF
has "AUTH= with an encoded CR LF: 501" \
    '^501 5.5.4 Bad AUTH parameter syntax$'
has "AUTH= without one: taken" '^250 2.1.0 Ok$'

talk "$P_etrn" <<'EOF'
1
1|EHLO x\r\n
1|ETRN example\x01.com\r\n
1|QUIT\r\n
EOF
same "ETRN with a control character: 501" "$G
$EHLO
501 Error: invalid parameter syntax
221 2.0.0 Bye
[closed]"

# sendmail: -f and recipients (its own parser refuses them before the
# queue is touched)
mkdir -p "$T/home"
ctl_f=$(printf '"evil\\\rX-Injected: yes"@example.org')
printf 'Subject: x\n\nx\n' | HOME=$T/home "$MTA" sendmail -C "$T/etc" \
    -f "$ctl_f" u@example.com > "$T/sm.out" 2>&1
rc=$?
check "sendmail -f with a CR: EX_DATAERR" test "$rc" = 65
has "sendmail -f with a CR: says why" 'control character in sender address' \
    "$T/sm.out"
printf 'Subject: x\n\nx\n' | HOME=$T/home "$MTA" sendmail -C "$T/etc" \
    -f a@example.org "$(printf '"u\\\033"@example.com')" > "$T/sm.out" 2>&1
rc=$?
check "sendmail recipient with a quoted ESC: EX_DATAERR" test "$rc" = 65
printf 'To: "u\\\001"@example.com\nSubject: x\n\nx\n' |
    HOME=$T/home "$MTA" sendmail -C "$T/etc" -t -f a@example.org \
    > "$T/sm.out" 2>&1
rc=$?
check "sendmail -t: a header recipient with a control character refused" \
    test "$rc" = 65
# (a refused submission's half-made queue file is cleanup's to remove,
# which it does when sendmail has gone: give it up to 3 s)
i=0
while [ "$(nfiles)" != "$n0" ] && [ $i -lt 30 ]; do
	sleep 0.1; i=$((i + 1))
done
check_out "sendmail: nothing queued" "$n0" nfiles

# --- (b) talking before the greeting ----------------------------------------

# Deterministic: the server is stopped while 20 clients connect and send
# EHLO, so each EHLO is there before its smtpd starts.  Default settings
# (smtpd_forbid_unauth_pipelining = yes, as Postfix 3.9): each gets 554
# instead of the greeting.
lines0=$(wc -l < "$T/maillog")
spid=$(cat "$T/std.pid")
kill -STOP "$spid"
python3 "$TOP/tests/pregreet.py" "$P_std" 20 "$spid" > "$T/out"
kill -CONT "$spid"
n=$(grep -c '^554 5.5.0 Error: SMTP protocol synchronization$' "$T/out")
check "20 clients talking before the greeting: 20 refused" test "$n" = 20
check "... and none greeted" test "$(grep -c '^220' "$T/out")" = 0
check "... each disconnected" test "$(grep -c '^\[closed\]$' "$T/out")" = 20
sleep 0.5
tail -n +$((lines0 + 1)) "$T/maillog" > "$T/newlog"
n=$(grep -c 'improper command pipelining after CONNECT from localhost\[127.0.0.1\]: EHLO early.example\\r\\n$' "$T/newlog")
check "... each logged as Postfix logs it" test "$n" = 20
# (at least 20: a connection of an earlier check, such as a port probe,
# may log its own commands=0/0 disconnect late)
n=$(grep -c 'disconnect from localhost\[127.0.0.1\] commands=0/0$' "$T/newlog")
check "... each disconnect says commands=0/0" test "$n" -ge 20

# Talking during a pause of the connect stage ("sleep 1" as Postfix has
# it): seen by the check right before the greeting goes out
python3 "$TOP/tests/pregreet.py" "$P_sleepy" 5 - 0.3 > "$T/out"
n=$(grep -c '^554 5.5.0 Error: SMTP protocol synchronization$' "$T/out")
check "5 clients talking during the connect stage's sleep: 5 refused" \
    test "$n" = 5
check "... none greeted" test "$(grep -c '^220' "$T/out")" = 0

# a client that waits for the greeting is served, with either
python3 "$TOP/tests/pregreet.py" "$P_std" 1 polite > "$T/out"
has "a client that waits for the greeting: EHLO answered" '^250 CHUNKING$'
has "... and QUIT" '^221 2.0.0 Bye$'
python3 "$TOP/tests/pregreet.py" "$P_sleepy" 1 polite > "$T/out"
has "a client that waits out the sleep: EHLO answered" '^250 CHUNKING$'

# TLS wrapper mode is exempt, as in Postfix: a client may send as soon
# as the handshake is done
python3 - "$P_wrap" > "$T/out" 2>&1 <<'PY'
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1",
                    int(sys.argv[1])), 10))
s.sendall(b"QUIT\r\n")
b = b""
while True:
    d = s.recv(4096)
    if not d:
        break
    b += d
sys.stdout.write(b.decode("latin1").replace("\r\n", "\n"))
PY
same "wrapper mode: QUIT right after the handshake is answered" "$G
221 2.0.0 Bye"

# --- (c) after STARTTLS ------------------------------------------------------

tls_talk() {
	python3 - "$@" > "$T/out" 2>&1 <<'PY'
import socket, ssl, sys
port = int(sys.argv[1])
def rd(s):
    b = b""
    while True:
        d = s.recv(4096)
        if not d:
            return b + b"[closed]\r\n"
        b += d
        ls = b.split(b"\r\n")
        if len(ls) >= 2 and ls[-2][3:4] == b" ":
            return b
s = socket.create_connection(("127.0.0.1", port), 10)
out = rd(s)
for c in sys.argv[2:]:
    if c == "TLS":
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        s = ctx.wrap_socket(s)
        continue
    s.sendall(c.encode().decode("unicode_escape").encode("latin1") +
              b"\r\n")
    out += rd(s)
sys.stdout.write(out.decode("latin1").replace("\r\n", "\n"))
PY
}
EHLO_TLS=$(printf '250-%s\n' "$H" PIPELINING "SIZE 10240000" VRFY ETRN \
    STARTTLS ENHANCEDSTATUSCODES 8BITMIME DSN SMTPUTF8; echo "250 CHUNKING")

tls_talk "$P_tlshelo" "EHLO x" STARTTLS TLS "MAIL FROM:<a@example.org>" \
    "EHLO y" "MAIL FROM:<a@example.org>" QUIT
same "after STARTTLS, helo required: MAIL before EHLO gets 503" "$G
$EHLO_TLS
220 2.0.0 Ready to start TLS
503 5.5.1 Error: send HELO/EHLO first
$EHLO
250 2.1.0 Ok
221 2.0.0 Bye"
# Postfix without smtpd_helo_required takes MAIL, and its Received: says
# ESMTPS: the session is encrypted, whatever EHLO said before STARTTLS
n0=$(nfiles)
tls_talk "$P_tls" "EHLO x" STARTTLS TLS "MAIL FROM:<a@example.org>" \
    "RCPT TO:<u@mx.example.com>" DATA "Subject: t\r\n\r\nx\r\n." QUIT
id=$(sed -n 's/^250 2.0.0 Ok: queued as //p' "$T/out")
same "after STARTTLS, MAIL before EHLO: taken, as by Postfix" "$G
$EHLO_TLS
220 2.0.0 Ready to start TLS
250 2.1.0 Ok
250 2.1.5 Ok
354 End data with <CR><LF>.<CR><LF>
250 2.0.0 Ok: queued as $id
221 2.0.0 Bye"
f=$(find "$Q/incoming" -name "${id:-none}" -type f)
if [ -n "$f" ]; then
	has "... Received: with ESMTPS" "by $H \\(Postfix\\) with ESMTPS id $id" \
	    "$f"
else fail "... Received: with ESMTPS" "no queue file $id"; fi
# RFC 3848's S and A are for ESMTP only: HELO over TLS says SMTP, as in
# Postfix (smtpd.c: "RFC 3848 is defined for ESMTP only")
tls_talk "$P_tls" "EHLO x" STARTTLS TLS "HELO y" "MAIL FROM:<a@example.org>" \
    "RCPT TO:<u@mx.example.com>" DATA "Subject: t\r\n\r\nx\r\n." QUIT
id=$(sed -n 's/^250 2.0.0 Ok: queued as //p' "$T/out")
f=$(find "$Q/incoming" -name "${id:-none}" -type f)
if [ -n "$f" ]; then
	has "HELO after STARTTLS: Received: with SMTP" \
	    "by $H \\(Postfix\\) with SMTP id $id" "$f"
else fail "HELO after STARTTLS: Received: with SMTP" "no queue file $id"; fi
# the log's proto= is Postfix's protocol name, without the S
lines0=$(wc -l < "$T/maillog")
tls_talk "$P_tls" "EHLO x" STARTTLS TLS "EHLO y" \
    "MAIL FROM:<a@example.org>" "RCPT TO:<u@example.net>" QUIT
sleep 0.3
tail -n +$((lines0 + 1)) "$T/maillog" > "$T/newlog"
has "after STARTTLS and EHLO: reject log says proto=ESMTP" \
    'NOQUEUE: reject: RCPT from localhost\[127.0.0.1\]: .*; from=<a@example.org> to=<u@example.net> proto=ESMTP helo=<y>$' \
    "$T/newlog"

# --- (d) RCPT TO:<joe> from outside ----------------------------------------

talk "$P_out1" <<'EOF'
1
1|EHLO x\r\n
1|MAIL FROM:<a@example.org>\r\n
1|RCPT TO:<joe>\r\n
1|RCPT TO:<joe@example.org>\r\n
1|QUIT\r\n
EOF
same "bare joe, myorigin not local: the relay restrictions first (454)" "$G
$EHLO
250 2.1.0 Ok
454 4.7.1 <joe>: Relay access denied
454 4.7.1 <joe@example.org>: Relay access denied
221 2.0.0 Bye
[closed]"
talk "$P_out2" <<'EOF'
1
1|EHLO x\r\n
1|MAIL FROM:<a@example.org>\r\n
1|RCPT TO:<joe>\r\n
1|QUIT\r\n
EOF
same "bare joe, reject_unauth_destination: 554 5.7.1" "$G
$EHLO
250 2.1.0 Ok
554 5.7.1 <joe>: Relay access denied
221 2.0.0 Bye
[closed]"
talk "$P_out3" <<'EOF'
1
1|EHLO x\r\n
1|MAIL FROM:<a@example.org>\r\n
1|RCPT TO:<joe>\r\n
1|RCPT TO:<joe@localhost>\r\n
1|RCPT TO:<postmaster>\r\n
1|QUIT\r\n
EOF
same "bare joe, myorigin local: relay passes, then need fully-qualified" "$G
$EHLO
250 2.1.0 Ok
504 5.5.2 <joe>: Recipient address rejected: need fully-qualified address
504 5.5.2 <joe@localhost>: Recipient address rejected: need fully-qualified address
250 2.1.5 Ok
221 2.0.0 Bye
[closed]"

# source routes are dropped, as Postfix does (RFC 5321 4.1.1.3): the
# replies and the log name u@c
lines0=$(wc -l < "$T/maillog")
talk "$P_out1" <<'EOF'
1
1|EHLO x\r\n
1|MAIL FROM:<@a,@b:s@example.org>\r\n
1|RCPT TO:<@[192.0.2.1],@y:joe@example.org>\r\n
1|RCPT TO:<@x:>\r\n
1|QUIT\r\n
EOF
same "source routes dropped, as by Postfix" "$G
$EHLO
250 2.1.0 Ok
454 4.7.1 <joe@example.org>: Relay access denied
501 5.1.3 Bad recipient address syntax
221 2.0.0 Bye
[closed]"
sleep 0.3
tail -n +$((lines0 + 1)) "$T/maillog" > "$T/newlog"
has "source routes: the log names the bare addresses" \
    'NOQUEUE: reject: RCPT from localhost\[127.0.0.1\]: 454 4.7.1 <joe@example.org>: Relay access denied; from=<s@example.org> to=<joe@example.org> proto=ESMTP helo=<x>$' \
    "$T/newlog"

# a malformed domain is bad syntax before any restriction runs, as
# Postfix's extract_addr() has the resolver say (Postfix 3.7 replies)
lines0=$(wc -l < "$T/maillog")
talk "$P_out1" <<'EOF'
1
1|EHLO x\r\n
1|MAIL FROM:<a@>\r\n
1|MAIL FROM:<a@b..c>\r\n
1|MAIL FROM:<a@example.org>\r\n
1|RCPT TO:<joe@>\r\n
1|RCPT TO:<joe@a..b>\r\n
1|RCPT TO:<joe@-x.com>\r\n
1|RCPT TO:<joe@x_y.com>\r\n
1|RCPT TO:<joe@[1.2.3]>\r\n
1|RCPT TO:<joe@[999.1.1.1]>\r\n
1|RCPT TO:<joe@.x>\r\n
1|RCPT TO:<joe@x.>\r\n
1|RCPT TO:<joe@123>\r\n
1|RCPT TO:<"a@b"@c..d>\r\n
1|VRFY joe@a..b\r\n
1|QUIT\r\n
EOF
same "malformed domains: 501 before the relay restrictions, as Postfix" "$G
$EHLO
501 5.1.7 Bad sender address syntax
501 5.1.7 Bad sender address syntax
250 2.1.0 Ok
501 5.1.3 Bad recipient address syntax
501 5.1.3 Bad recipient address syntax
501 5.1.3 Bad recipient address syntax
454 4.7.1 <joe@x_y.com>: Relay access denied
501 5.1.3 Bad recipient address syntax
501 5.1.3 Bad recipient address syntax
501 5.1.3 Bad recipient address syntax
454 4.7.1 <joe@x.>: Relay access denied
501 5.1.3 Bad recipient address syntax
501 5.1.3 Bad recipient address syntax
501 5.1.3 Bad recipient address syntax
221 2.0.0 Bye
[closed]"
sleep 0.3
tail -n +$((lines0 + 1)) "$T/maillog" > "$T/newlog"
has "malformed domains: Postfix's warning" \
    'warning: Illegal address syntax from localhost\[127.0.0.1\] in RCPT command: <joe@\[999.1.1.1\]>$' \
    "$T/newlog"
