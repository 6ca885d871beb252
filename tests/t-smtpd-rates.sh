#!/bin/sh
# MIT licence: see LICENSE.
#
# t-smtpd-rates.sh - smtpd_client_message_rate_limit,
# smtpd_client_recipient_rate_limit and smtpd_client_auth_rate_limit:
# per client address over anvil_rate_time_unit, across sessions (the
# counters are in $data_directory/smtpd_anvil, shared by the smtpd
# processes), with Postfix's 450 replies and warnings;
# smtpd_client_event_limit_exceptions are not limited.  smtpd runs
# inetd-style (tests/smtpd_server.py), one service name per limit (the
# counters are per service); the client is Python's smtplib.
. "$(dirname "$0")/lib.sh"

H=mx.example.com
Q=$T/q
SERVERS=
trap 'for p in $SERVERS; do stop_pid "$p"; done; rm -rf "$T"' EXIT INT TERM

printf 'alice %s\n' "$(openssl passwd -6 'alice pw')" > "$T/etc/users"
smtpd_root "mydestination = $H
mynetworks = 10.99.0.0/16
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = mta
smtpd_sasl_password_maps = texthash:$T/etc/users
smtpd_sasl_security_options = noanonymous
smtpd_tls_auth_only = no"

NOEX="-o smtpd_client_event_limit_exceptions="
serve mrate -o smtpd_client_message_rate_limit=2 $NOEX
serve rrate -o smtpd_client_recipient_rate_limit=2 $NOEX
serve arate -o smtpd_client_auth_rate_limit=2 $NOEX
serve exempt -o smtpd_client_message_rate_limit=2 \
    -o smtpd_client_recipient_rate_limit=2 \
    -o smtpd_client_auth_rate_limit=2 \
    -o smtpd_client_event_limit_exceptions=127.0.0.0/8

# run PORT SESSION...: each SESSION is commands separated by ";", one
# connection each; prints each command's reply (first line)
cat > "$T/client.py" <<'EOF'
import smtplib, sys
port = int(sys.argv[1])
for sess in sys.argv[2:]:
    s = smtplib.SMTP("127.0.0.1", port, timeout=20)
    s.ehlo("c.example")
    for c in sess.split(";"):
        code, msg = s.docmd(c)
        print(code, msg.decode().split("\n")[0])
    s.quit()
EOF
run() { python3 "$T/client.py" "$@" > "$T/out" 2>&1; }

M="MAIL FROM:<a@example.org>"
run "$P_mrate" "$M;RSET;$M" "$M"
same "smtpd_client_message_rate_limit" "250 2.1.0 Ok
250 2.0.0 Ok
250 2.1.0 Ok
450 4.7.1 Error: too much mail from 127.0.0.1"
has "log: message rate warning" \
    'warning: Message delivery request rate limit exceeded: 3 from localhost\[127.0.0.1\] for service mrate$' \
    "$T/maillog"

run "$P_rrate" "$M;RCPT TO:<u@$H>" "$M;RCPT TO:<v@$H>;RCPT TO:<w@$H>"
same "smtpd_client_recipient_rate_limit" "250 2.1.0 Ok
250 2.1.5 Ok
250 2.1.0 Ok
250 2.1.5 Ok
450 4.7.1 Error: too many recipients from 127.0.0.1"
has "log: recipient rate warning" \
    'warning: Recipient address rate limit exceeded: 3 from localhost\[127.0.0.1\] for service rrate$' \
    "$T/maillog"

BAD=$(printf '\0alice\0wrong' | base64)
GOOD=$(printf '\0alice\0alice pw' | base64)
run "$P_arate" "AUTH PLAIN $BAD" "AUTH PLAIN $BAD;AUTH PLAIN $GOOD"
same "smtpd_client_auth_rate_limit" "535 5.7.8 Error: authentication failed: authentication failure
535 5.7.8 Error: authentication failed: authentication failure
450 4.7.1 Error: too many AUTH commands from 127.0.0.1"
has "log: AUTH rate warning" \
    'warning: AUTH command rate limit exceeded: 3 from localhost\[127.0.0.1\] for service arate$' \
    "$T/maillog"

R="RCPT TO:<u@$H>;RCPT TO:<v@$H>;RCPT TO:<w@$H>"
A="AUTH PLAIN $BAD;AUTH PLAIN $BAD;AUTH PLAIN $GOOD"
run "$P_exempt" "$M;$R;RSET;$M;RSET;$M;RSET;$A"
same "smtpd_client_event_limit_exceptions: not limited" "250 2.1.0 Ok
250 2.1.5 Ok
250 2.1.5 Ok
250 2.1.5 Ok
250 2.0.0 Ok
250 2.1.0 Ok
250 2.0.0 Ok
250 2.1.0 Ok
250 2.0.0 Ok
535 5.7.8 Error: authentication failed: authentication failure
535 5.7.8 Error: authentication failed: authentication failure
235 2.7.0 Authentication successful"
