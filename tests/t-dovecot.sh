#!/bin/sh
# MIT licence: see LICENSE.
#
# t-dovecot.sh - SMTP AUTH in smtpd(8) with smtpd_sasl_type = dovecot:
# Debian's real Dovecot (tests/dovecot_lib.sh: alice/secret, bob/pw) as
# the authentication server, its mechanisms (PLAIN, LOGIN, CRAM-MD5)
# offered and relayed, the security options filtering them, the socket
# relative to queue_directory and absolute, broken_sasl_auth_clients,
# smtpd_sasl_exceptions_networks, and a Dovecot that is gone (454, no
# AUTH offered).  smtpd runs inetd-style (tests/smtpd_server.py) as in
# t-sasl.sh; the clients are tests/smtpd_talk.py (byte exact), swaks and
# Python smtplib (CRAM-MD5).
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/dovecot_lib.sh"

H=mx.example.com
Q=$T/q
SERVERS=
trap 'for p in $SERVERS; do stop_pid "$p"; done; dovecot_stop; rm -rf "$T"' \
    EXIT INT TERM

if ! dovecot_start; then
	fail "dovecot starts" "$(tail -5 "$DOVECOT_DIR/log" 2>/dev/null |
	    tr '\n' '|')"
	exit 1
fi

smtpd_root "mydestination = $H
mynetworks = 10.99.0.0/16
relay_domains =
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = private/auth
smtpd_sasl_security_options = noanonymous
smtpd_tls_auth_only = no
smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated,
    reject_unauth_destination"
# the HOWTOs' smtpd_sasl_path = private/auth, under queue_directory
ln -s "$DOVECOT_AUTH" "$Q/private/auth"

serve std
serve abs -o "smtpd_sasl_path=$DOVECOT_AUTH"
serve noplain -o smtpd_sasl_security_options=noanonymous,noplaintext
serve mutual -o smtpd_sasl_security_options=mutual_auth
serve broken -o broken_sasl_auth_clients=yes
serve except -o smtpd_sasl_exceptions_networks=127.0.0.0/8
serve nosock -o smtpd_sasl_path=private/nothere
# inet:host:port through tests/dovecot_relay.py, which logs the requests
RP=$(free_port)
python3 "$TOP/tests/dovecot_relay.py" "$RP" "$DOVECOT_AUTH" "$T/relay.log" \
    "$T/relay.pid" &
SERVERS="$SERVERS $!"
wait_port "$RP" 10 || { fail "dovecot_relay.py" "no listener"; exit 1; }
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$T/etc/key.pem" -out "$T/etc/cert.pem" -subj "/CN=$H" \
    -days 2 > "$T/openssl.log" 2>&1 ||
    fail "openssl" "$(tail -3 "$T/openssl.log" | tr '\n' '|')"
serve inet -o "smtpd_sasl_path=inet:127.0.0.1:$RP"
serve tls -o "smtpd_sasl_path=inet:127.0.0.1:$RP" \
    -o smtpd_tls_security_level=may \
    -o "smtpd_tls_cert_file=$T/etc/cert.pem" \
    -o "smtpd_tls_key_file=$T/etc/key.pem" \
    -o smtpd_sasl_security_options=noanonymous,noplaintext \
    -o smtpd_sasl_tls_security_options=noanonymous

nfiles() { find "$Q/incoming" -type f | wc -l | tr -d ' '; }
b64() { printf '%s' "$1" | base64 | tr -d '\n'; }
# PLAIN's response: authzid NUL authcid NUL password
plain() { printf '%s\0%s\0%s' "$1" "$2" "$3" | base64 | tr -d '\n'; }
# the EHLO reply with AUTH line(s) $1 ("" for none)
ehlo() {
	printf '250-%s\n' "$H" PIPELINING "SIZE 10240000" VRFY ETRN
	[ -n "$1" ] && printf '%s\n' "$1"
	printf '250-%s\n' ENHANCEDSTATUSCODES 8BITMIME DSN SMTPUTF8
	echo "250 CHUNKING"
}

G="220 $H ESMTP Postfix"
EHLO=$(ehlo "250-AUTH PLAIN LOGIN CRAM-MD5")

# 1. EHLO lists Dovecot's mechanisms; relay denied, PLAIN, relay allowed
P=$(plain "" alice secret)
talk "$P_std" <<EOF
1
1|EHLO c.example\r\n
1|MAIL FROM:<x@example.net>\r\n
1|RCPT TO:<r@elsewhere.example>\r\n
1|RSET\r\n
1|AUTH PLAIN $P\r\n
1|AUTH PLAIN $P\r\n
1|MAIL FROM:<alice@example.org>\r\n
1|RCPT TO:<r@elsewhere.example>\r\n
1|DATA\r\n
1|Subject: t\r\n\r\nhi\r\n.\r\n
1|QUIT\r\n
EOF
id=$(sed -n 's/^250 2.0.0 Ok: queued as //p' "$T/out")
same "EHLO, relay denied before AUTH, PLAIN, relay after" "$G
$EHLO
250 2.1.0 Ok
554 5.7.1 <r@elsewhere.example>: Relay access denied
250 2.0.0 Ok
235 2.7.0 Authentication successful
503 5.5.1 Error: already authenticated
250 2.1.0 Ok
250 2.1.5 Ok
354 End data with <CR><LF>.<CR><LF>
250 2.0.0 Ok: queued as $id
221 2.0.0 Bye
[closed]"
has "log: client= with sasl_method=PLAIN, sasl_username=alice" \
    "smtpd\\[[0-9]+\\]: $id: client=localhost\\[127.0.0.1\\], \
sasl_method=PLAIN, sasl_username=alice\$" \
    "$T/maillog"

# 2. LOGIN with two challenges
talk "$P_std" <<EOF
1
1|EHLO c.example\r\n
1|AUTH LOGIN\r\n
1|$(b64 alice)\r\n
1|$(b64 secret)\r\n
1|QUIT\r\n
EOF
same "LOGIN with two challenges" "$G
$EHLO
334 VXNlcm5hbWU6
334 UGFzc3dvcmQ6
235 2.7.0 Authentication successful
221 2.0.0 Bye
[closed]"

# 3. the security options filter Dovecot's mechanisms
talk "$P_noplain" <<EOF
1
1|EHLO c.example\r\n
1|AUTH PLAIN $P\r\n
1|QUIT\r\n
EOF
same "noplaintext hides PLAIN and LOGIN" "$G
$(ehlo "250-AUTH CRAM-MD5")
535 5.7.8 Error: authentication failed: Invalid authentication mechanism
221 2.0.0 Bye
[closed]"
talk "$P_mutual" <<EOF
1
1|EHLO c.example\r\n
1|AUTH PLAIN $P\r\n
1|QUIT\r\n
EOF
same "mutual_auth: nothing left, no AUTH" "$G
$(ehlo "")
503 5.5.1 Error: authentication not enabled
221 2.0.0 Bye
[closed]"

# 4. the absolute socket path; broken_sasl_auth_clients; exceptions
talk "$P_abs" <<EOF
1
1|EHLO c.example\r\n
1|AUTH PLAIN $(plain alice alice secret)\r\n
1|QUIT\r\n
EOF
same "absolute smtpd_sasl_path" "$G
$EHLO
235 2.7.0 Authentication successful
221 2.0.0 Bye
[closed]"
talk "$P_broken" <<EOF
1
1|EHLO c.example\r\n
1|QUIT\r\n
EOF
same "broken_sasl_auth_clients: AUTH= too" "$G
$(ehlo "250-AUTH PLAIN LOGIN CRAM-MD5
250-AUTH=PLAIN LOGIN CRAM-MD5")
221 2.0.0 Bye
[closed]"
talk "$P_except" <<EOF
1
1|EHLO c.example\r\n
1|AUTH PLAIN $P\r\n
1|QUIT\r\n
EOF
same "smtpd_sasl_exceptions_networks: not offered, still usable" "$G
$(ehlo "")
235 2.7.0 Authentication successful
221 2.0.0 Bye
[closed]"

# 5. TCP (inet:), and what smtpd asks Dovecot; TLS: "secured"
talk "$P_inet" <<EOF
1
1|EHLO c.example\r\n
1|AUTH PLAIN $P\r\n
1|QUIT\r\n
EOF
same "smtpd_sasl_path = inet:127.0.0.1:port" "$G
$EHLO
235 2.7.0 Authentication successful
221 2.0.0 Bye
[closed]"
TAB=$(printf '\t')
# the request's fields after the mechanism, up to the last one
F="service=smtp${TAB}nologin${TAB}lip=127\\.0\\.0\\.1${TAB}rip=127\\.0\\.0\\.1"
has "handshake: VERSION 1 and CPID" \
    "^VERSION${TAB}1${TAB}[0-9]+\$" "$T/relay.log"
has "handshake: CPID" "^CPID${TAB}[0-9]+\$" "$T/relay.log"
has "request: AUTH id PLAIN service nologin lip rip resp" \
    "^AUTH${TAB}1${TAB}PLAIN${TAB}$F${TAB}resp=$P\$" \
    "$T/relay.log"
: > "$T/relay.log"
timeout 20 swaks -s 127.0.0.1 -p "$P_tls" -t r@elsewhere.example \
    -f alice@example.org --tls --auth LOGIN --auth-user alice \
    --auth-password secret --helo c.example > "$T/swaks" 2>&1 </dev/null
has "TLS: PLAIN and LOGIN offered only after STARTTLS" \
    "^<~  250-AUTH PLAIN LOGIN CRAM-MD5" "$T/swaks"
has "TLS: swaks --tls --auth LOGIN" "235 2.7.0 Authentication successful" \
    "$T/swaks"
has "request: secured under TLS" \
    "^AUTH${TAB}1${TAB}LOGIN${TAB}$F${TAB}secured\$" \
    "$T/relay.log"
has "request: LOGIN's answers as CONT" "^CONT${TAB}1${TAB}$(b64 secret)\$" \
    "$T/relay.log"
talk "$P_tls" <<EOF
1
1|EHLO c.example\r\n
1|QUIT\r\n
EOF
same "TLS service before STARTTLS: CRAM-MD5 only" "$G
250-$H
250-PIPELINING
250-SIZE 10240000
250-VRFY
250-ETRN
250-STARTTLS
250-AUTH CRAM-MD5
250-ENHANCEDSTATUSCODES
250-8BITMIME
250-DSN
250-SMTPUTF8
250 CHUNKING
221 2.0.0 Bye
[closed]"

# 6. real clients: CRAM-MD5 through smtplib, swaks
n0=$(nfiles)
timeout 30 python3 - "$P_std" > "$T/out" 2>&1 <<'EOF'
import smtplib, sys
port = int(sys.argv[1])
s = smtplib.SMTP("127.0.0.1", port, timeout=10)
s.ehlo("c.example")
print(s.esmtp_features.get("auth"))
s.user, s.password = "bob", "pw"
print("cram-md5", s.auth("CRAM-MD5", s.auth_cram_md5))
s.sendmail("bob@example.org", ["r@elsewhere.example"],
           "Subject: x\r\n\r\nx\r\n")
s.quit()
EOF
same "smtplib: CRAM-MD5 for bob" " PLAIN LOGIN CRAM-MD5
cram-md5 (235, b'2.7.0 Authentication successful')"
has "log: sasl_method=CRAM-MD5, sasl_username=bob" \
    "client=localhost\\[127.0.0.1\\], sasl_method=CRAM-MD5, sasl_username=bob\$" \
    "$T/maillog"
for a in "PLAIN alice secret" "LOGIN alice secret" "CRAM-MD5 bob pw"; do
	set -- $a
	if timeout 20 swaks -s 127.0.0.1 -p "$P_std" -t r@elsewhere.example \
	    -f "$2@example.org" --auth "$1" --auth-user "$2" \
	    --auth-password "$3" --helo c.example > "$T/swaks" 2>&1 \
	    </dev/null && grep -q "235 2.7.0 Authentication successful" \
	    "$T/swaks"; then
		ok "swaks --auth $1 relays"
	else
		fail "swaks --auth $1 relays" \
		    "$(tail -5 "$T/swaks" | tr '\n' '|')"
	fi
done
n1=$(nfiles)
if [ $((n1 - n0)) -eq 4 ]; then ok "authenticated mail queued (4)"
else fail "authenticated mail queued (4)" "$((n1 - n0)) queued"; fi

# 7. no socket: a warning, no AUTH, the session goes on
talk "$P_nosock" <<EOF
1
1|EHLO c.example\r\n
1|AUTH PLAIN $P\r\n
1|MAIL FROM:<a@b> AUTH=<>\r\n
1|QUIT\r\n
EOF
same "socket missing: no AUTH offered" "$G
$(ehlo "")
503 5.5.1 Error: authentication not enabled
555 5.5.4 Unsupported option: AUTH=<>
221 2.0.0 Bye
[closed]"
has "log: cannot connect" \
    "warning: SASL: Connect to Dovecot auth socket 'private/nothere' failed: No such file or directory\$" \
    "$T/maillog"

# 8. failures (last: Dovecot delays the requests from an address that
# failed, auth_penalty): wrong password, bad mechanism and data, abort;
# then a good one on the same connection
talk "$P_std" <<EOF
1
1|EHLO c.example\r\n
1|AUTH PLAIN $(plain "" alice wrong)\r\n
1|AUTH LOGIN\r\n
1|*\r\n
1|AUTH DIGEST-MD5\r\n
1|AUTH PLAIN !!!!\r\n
1|AUTH PLAIN $P\r\n
1|QUIT\r\n
EOF
same "wrong password, abort, bad mechanism and data, then PLAIN" "$G
$EHLO
535 5.7.8 Error: authentication failed: 
334 VXNlcm5hbWU6
501 5.7.0 Authentication aborted
535 5.7.8 Error: authentication failed: Invalid authentication mechanism
535 5.7.8 Error: authentication failed: Invalid base64 data in initial response
235 2.7.0 Authentication successful
221 2.0.0 Bye
[closed]"
has "log: failure names the user" \
    'warning: localhost\[127.0.0.1\]: SASL PLAIN authentication failed: \(reason unavailable\), sasl_username=alice$' \
    "$T/maillog"
has "log: aborted" \
    'warning: localhost\[127.0.0.1\]: SASL LOGIN authentication aborted$' \
    "$T/maillog"

# 9. Dovecot stops between EHLO and AUTH: 454, and smtpd carries on
timeout 30 python3 - "$P_std" "$(cat "$DOVECOT_DIR/run/master.pid")" \
    "$P" > "$T/out" 2>&1 <<'EOF'
import os, signal, smtplib, sys, time
port, pid, resp = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
s = smtplib.SMTP("127.0.0.1", port, timeout=10)
s.ehlo("c.example")
print(s.esmtp_features.get("auth"))
# the master and its children (the auth process keeps its clients)
pids = [pid]
for d in os.listdir("/proc"):
    try:
        if d.isdigit() and int(open("/proc/%s/stat" % d).read()
                               .rsplit(")", 1)[1].split()[1]) == pid:
            pids.append(int(d))
    except (OSError, IndexError, ValueError):
        pass
for p in pids:
    try:
        os.kill(p, signal.SIGTERM)
    except ProcessLookupError:
        pass        # a child that went with its master
for p in pids:
    for i in range(100):
        try:
            os.kill(p, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
print(s.docmd("AUTH", "PLAIN " + resp))
print(s.docmd("MAIL", "FROM:<x@example.net>"))
print(s.docmd("RCPT", "TO:<r@elsewhere.example>"))
print(s.quit())
EOF
same "Dovecot gone: 454, relay still denied, the session goes on" \
    " PLAIN LOGIN CRAM-MD5
(454, b\"4.7.0 Temporary authentication failure: Can't connect to authentication server\")
(250, b'2.1.0 Ok')
(554, b'5.7.1 <r@elsewhere.example>: Relay access denied')
(221, b'2.0.0 Bye')"
talk "$P_std" <<EOF
1
1|EHLO c.example\r\n
1|AUTH PLAIN $P\r\n
1|QUIT\r\n
EOF
same "Dovecot gone: the next session offers no AUTH" "$G
$(ehlo "")
503 5.5.1 Error: authentication not enabled
221 2.0.0 Bye
[closed]"
if grep -Eq "panic|fatal|signal" "$T/maillog"; then
	fail "nothing crashed" "$(grep -E "panic|fatal|signal" "$T/maillog" |
	    head -3 | tr '\n' '|')"
else
	ok "nothing crashed"
fi
