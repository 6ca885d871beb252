#!/bin/sh
# MIT licence: see LICENSE.
#
# t-sasl.sh - SMTP AUTH in smtpd(8) (RFC 4954) with the built-in back end
# (smtpd_sasl_type = mta, crypt(3) hashes from `openssl passwd -6/-5` in
# smtpd_sasl_password_maps), over plaintext sessions (no TLS here:
# smtpd_sasl_security_options = noanonymous, smtpd_tls_auth_only = no).
# smtpd runs inetd-style (tests/smtpd_server.py) as in t-smtpd.sh; the
# clients are tests/smtpd_talk.py (byte exact), swaks and Python smtplib.
. "$(dirname "$0")/lib.sh"

H=mx.example.com
Q=$T/q
SERVERS=
trap 'for p in $SERVERS; do stop_pid "$p"; done; rm -rf "$T"' EXIT INT TERM

H_ALICE=$(openssl passwd -6 'alice pw')
H_BOB=$(openssl passwd -5 'bob pw')
# dave: yescrypt, as Debian's libxcrypt made it for "secret" (mkpasswd);
# carol: bcrypt, which mta does not do
H_DAVE='$y$j9T$F5Jx5fExrKuPp53xLKQ..1$GmcwIgvdUC9qLWcKCi6gklUa1dM3ziD43YxYNURLKy0'
printf 'alice %s\nbob %s\ncarol %s\ndave %s\n' "$H_ALICE" "$H_BOB" \
    '$2b$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui' \
    "$H_DAVE" > "$T/etc/users"
printf 'alice@example.org alice\nbob@example.org bob\n' > "$T/etc/logins"
smtpd_root "mydestination = $H
mynetworks = 10.99.0.0/16
relay_domains =
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = mta
smtpd_sasl_password_maps = texthash:$T/etc/users
smtpd_sasl_security_options = noanonymous
smtpd_tls_auth_only = no
smtpd_sender_login_maps = texthash:$T/etc/logins
smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated,
    reject_unauth_destination
smtpd_sender_restrictions = reject_sender_login_mismatch"

serve std
serve limit -o smtpd_hard_error_limit=3
serve noplain -o smtpd_sasl_security_options=noanonymous,noplaintext
serve off -o smtpd_sasl_auth_enable=no
serve tlsonly -o smtpd_tls_auth_only=yes
serve hdr -o smtpd_sasl_authenticated_header=yes
serve sleepy -o smtpd_soft_error_limit=1 -o smtpd_error_sleep_time=2s

nfiles() { find "$Q/incoming" -type f | wc -l | tr -d ' '; }
b64() { printf '%s' "$1" | base64 | tr -d '\n'; }
# PLAIN's response: authzid NUL authcid NUL password
plain() { printf '%s\0%s\0%s' "$1" "$2" "$3" | base64 | tr -d '\n'; }

G="220 $H ESMTP Postfix"
EHLO="250-$H
250-PIPELINING
250-SIZE 10240000
250-VRFY
250-ETRN
250-AUTH PLAIN LOGIN
250-ENHANCEDSTATUSCODES
250-8BITMIME
250-DSN
250-SMTPUTF8
250 CHUNKING"
NOAUTH=$(echo "$EHLO" | grep -v AUTH)

# 1. EHLO, PLAIN with an initial response, relaying after it
P=$(plain "" alice "alice pw")
talk "$P_std" <<EOF
1
1|EHLO c.example\r\n
1|MAIL FROM:<x@example.net>\r\n
1|RCPT TO:<r@elsewhere.example>\r\n
1|RSET\r\n
1|AUTH PLAIN $P\r\n
1|AUTH PLAIN $P\r\n
1|MAIL FROM:<alice@example.org> AUTH=alice@example.org\r\n
1|AUTH PLAIN $P\r\n
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
503 5.5.1 Error: MAIL transaction in progress
250 2.1.5 Ok
354 End data with <CR><LF>.<CR><LF>
250 2.0.0 Ok: queued as $id
221 2.0.0 Bye
[closed]"
has "log: client= with sasl_method, sasl_username, sasl_sender" \
    "smtpd\\[[0-9]+\\]: $id: client=localhost\\[127.0.0.1\\], sasl_method=PLAIN, sasl_username=alice, sasl_sender=alice@example.org\$" \
    "$T/maillog"
f=$(find "$Q/incoming" -type f -name "$id" | head -1)
has "Received: with ESMTPA" "with ESMTPA id $id" "$f"
if grep -q "Authenticated sender" "$f"; then
	fail "no Authenticated sender by default" "found in $f"
else ok "no Authenticated sender by default"; fi
talk "$P_hdr" <<EOF
1
1|EHLO c.example\r\n
1|AUTH PLAIN $P\r\n
1|MAIL FROM:<alice@example.org>\r\n
1|RCPT TO:<r@elsewhere.example>\r\n
1|DATA\r\n
1|Subject: t\r\n\r\nhi\r\n.\r\n
1|QUIT\r\n
EOF
id=$(sed -n 's/^250 2.0.0 Ok: queued as //p' "$T/out")
f=$(find "$Q/incoming" -type f -name "$id" | head -1)
has "smtpd_sasl_authenticated_header" "^L[0-9]+ .\(Authenticated sender: alice\)$" "$f"

# 2. LOGIN with challenges, a wrong password, the cancel, bad data
talk "$P_std" <<EOF
1
1|EHLO c.example\r\n
1|AUTH LOGIN\r\n
1|$(b64 bob)\r\n
1|$(b64 'bob pw')\r\n
1|QUIT\r\n
EOF
same "LOGIN with two challenges" "$G
$EHLO
334 VXNlcm5hbWU6
334 UGFzc3dvcmQ6
235 2.7.0 Authentication successful
221 2.0.0 Bye
[closed]"

talk "$P_std" <<EOF
1
1|EHLO c.example\r\n
1|AUTH LOGIN $(b64 bob)\r\n
1|$(b64 wrong)\r\n
1|AUTH PLAIN\r\n
1|*\r\n
1|AUTH PLAIN $(plain "" nobody x)\r\n
1|AUTH PLAIN !!!!\r\n
1|AUTH CRAM-MD5\r\n
1|AUTH\r\n
1|AUTH PLAIN $(plain "" carol x)\r\n
1|AUTH PLAIN $(plain bob alice 'alice pw')\r\n
1|AUTH PLAIN =\r\n
1|QUIT\r\n
EOF
same "wrong password, cancel, unknown user, bad data, syntax" "$G
$EHLO
334 UGFzc3dvcmQ6
535 5.7.8 Error: authentication failed: authentication failure
334 
501 5.7.0 Authentication aborted
535 5.7.8 Error: authentication failed: authentication failure
535 5.7.8 Error: authentication failed: Invalid base64 data in continued response
535 5.7.8 Error: authentication failed: Invalid authentication mechanism
501 5.5.4 Syntax: AUTH mechanism
535 5.7.8 Error: authentication failed: authentication failure
535 5.7.8 Error: authentication failed: authorization failure
535 5.7.8 Error: authentication failed: Invalid authentication data
221 2.0.0 Bye
[closed]"
has "log: failure with the user name" \
    'warning: localhost\[127.0.0.1\]: SASL LOGIN authentication failed: authentication failure, sasl_username=bob$' \
    "$T/maillog"
has "log: aborted" \
    'warning: localhost\[127.0.0.1\]: SASL PLAIN authentication aborted$' \
    "$T/maillog"
has "log: unsupported hash named" \
    'smtpd_sasl_password_maps: user carol: unsupported hash' "$T/maillog"

# yescrypt ($y$, Debian's default hash): the right password and a wrong one
talk "$P_std" <<EOF
1
1|EHLO c.example\r\n
1|AUTH PLAIN $(plain "" dave secret)\r\n
1|QUIT\r\n
EOF
has "yescrypt: the right password" "^235 2\.7\.0 Authentication successful"
talk "$P_std" <<EOF
1
1|EHLO c.example\r\n
1|AUTH PLAIN $(plain "" dave Secret)\r\n
1|QUIT\r\n
EOF
has "yescrypt: a wrong password" "^535 5\.7\.8 Error: authentication failed"

# 3. too many failures: smtpd_hard_error_limit ends the session
talk "$P_limit" <<EOF
1
1|EHLO c.example\r\n
1|AUTH PLAIN $(plain "" alice x)\r\n
1|AUTH PLAIN $(plain "" alice y)\r\n
1|AUTH PLAIN $(plain "" alice z)\r\n
1|AUTH PLAIN $(plain "" alice 'alice pw')\r\n
EOF
same "failures count toward smtpd_hard_error_limit" "$G
$EHLO
535 5.7.8 Error: authentication failed: authentication failure
535 5.7.8 Error: authentication failed: authentication failure
535 5.7.8 Error: authentication failed: authentication failure
421 4.7.0 $H Error: too many errors
[closed]"

# 4. the delay: past smtpd_soft_error_limit each failure waits
t0=$(date +%s)
talk "$P_sleepy" <<EOF
1
1|EHLO c.example\r\n
1|AUTH PLAIN $(plain "" alice x)\r\n
1|AUTH PLAIN $(plain "" alice y)\r\n
1|QUIT\r\n
EOF
t1=$(date +%s)
if [ $((t1 - t0)) -ge 3 ]; then ok "failures past the soft limit are delayed"
else fail "failures past the soft limit are delayed" "took $((t1 - t0)) s"; fi

# 5. not offered: noplaintext without TLS, disabled, tls_auth_only
for svc in noplain off; do
	eval "port=\$P_$svc"
	talk "$port" <<EOF
1
1|EHLO c.example\r\n
1|AUTH PLAIN $P\r\n
1|MAIL FROM:<a@b> AUTH=<>\r\n
1|QUIT\r\n
EOF
	same "no AUTH offered: $svc" "$G
$NOAUTH
503 5.5.1 Error: authentication not enabled
555 5.5.4 Unsupported option: AUTH=<>
221 2.0.0 Bye
[closed]"
done
talk "$P_tlsonly" <<EOF
1
1|EHLO c.example\r\n
1|AUTH PLAIN $P\r\n
1|QUIT\r\n
EOF
same "smtpd_tls_auth_only without TLS" "$G
$NOAUTH
504 5.5.4 Encryption required for requested authentication mechanism
221 2.0.0 Bye
[closed]"

# 6. sender login mismatch (checked at RCPT: smtpd_delay_reject = yes)
talk "$P_std" <<EOF
1
1|EHLO c.example\r\n
1|MAIL FROM:<alice@example.org>\r\n
1|RCPT TO:<u@$H>\r\n
1|RSET\r\n
1|AUTH PLAIN $(plain "" bob 'bob pw')\r\n
1|MAIL FROM:<alice@example.org>\r\n
1|RCPT TO:<u@$H>\r\n
1|RSET\r\n
1|MAIL FROM:<bob@example.org>\r\n
1|RCPT TO:<u@$H>\r\n
1|QUIT\r\n
EOF
same "reject_sender_login_mismatch" "$G
$EHLO
250 2.1.0 Ok
553 5.7.1 <alice@example.org>: Sender address rejected: not logged in
250 2.0.0 Ok
235 2.7.0 Authentication successful
250 2.1.0 Ok
553 5.7.1 <alice@example.org>: Sender address rejected: not owned by user bob
250 2.0.0 Ok
250 2.1.0 Ok
250 2.1.5 Ok
221 2.0.0 Bye
[closed]"

# 7. real clients: swaks and Python smtplib
n0=$(nfiles)
for m in PLAIN LOGIN; do
	if timeout 20 swaks -s 127.0.0.1 -p "$P_std" -t r@elsewhere.example \
	    -f bob@example.org --auth "$m" --auth-user bob \
	    --auth-password 'bob pw' --helo c.example > "$T/swaks" 2>&1 \
	    </dev/null && grep -q "235 2.7.0 Authentication successful" \
	    "$T/swaks"; then
		ok "swaks --auth $m relays"
	else
		fail "swaks --auth $m relays" \
		    "$(tail -5 "$T/swaks" | tr '\n' '|')"
	fi
done
timeout 20 swaks -s 127.0.0.1 -p "$P_std" -t r@elsewhere.example \
    -f bob@example.org --auth PLAIN --auth-user bob --auth-password nope \
    --helo c.example > "$T/swaks" 2>&1 </dev/null
has "swaks: wrong password" "535 5.7.8 Error: authentication failed" \
    "$T/swaks"
timeout 30 python3 - "$P_std" > "$T/out" 2>&1 <<'EOF'
import smtplib, sys
port = int(sys.argv[1])
s = smtplib.SMTP("127.0.0.1", port, timeout=10)
s.ehlo("c.example")
print("auth" in s.esmtp_features, s.esmtp_features.get("auth"))
for mech in ("login", "plain"):
    t = smtplib.SMTP("127.0.0.1", port, timeout=10)
    t.ehlo("c.example")
    t.user, t.password = "alice", "alice pw"
    print(mech, t.auth(mech, getattr(t, "auth_" + mech),
                       initial_response_ok=(mech == "plain")))
    t.sendmail("alice@example.org", ["r@elsewhere.example"],
               "Subject: x\r\n\r\nx\r\n")
    t.quit()
try:
    s.login("alice", "bad")
    print("login bad: accepted")
except smtplib.SMTPAuthenticationError as e:
    print("login bad:", e.smtp_code)
s.quit()
EOF
same "smtplib: login and send, bad password" "True  PLAIN LOGIN
login (235, b'2.7.0 Authentication successful')
plain (235, b'2.7.0 Authentication successful')
login bad: 535"
n1=$(nfiles)
if [ $((n1 - n0)) -eq 4 ]; then ok "authenticated mail queued (4)"
else fail "authenticated mail queued (4)" "$((n1 - n0)) queued"; fi
