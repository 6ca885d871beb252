#!/bin/sh
# MIT licence: see LICENSE.
#
# t-csasl.sh - SMTP AUTH in the smtp client (smtp_auth() in
# lib/smtp/client.c): the smtp agent driven the way qmgr drives it
# (tests/agent_req.py) and sendmail's relay mode, against
# tests/smtp_server.py --auth (AUTH PLAIN and LOGIN, a checked login).
# Plaintext only (TLS is another piece): the default
# smtp_sasl_security_options (noplaintext) must send no password; with
# "noanonymous" the password goes.  Checked: the password-map lookup
# order (sender with smtp_sender_dependent_authentication, host name,
# "[host]:port", "[host]", host), a wrong password deferring with
# Postfix's reason and the next address tried, the mechanism filter,
# AUTH= old-style, and that the password never reaches the mail log.
#
# Runs as root in a private network and mount namespace (unshare -mn),
# /etc/hosts bind-mounted to name a host with two addresses.
. "$(dirname "$0")/netns.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/agent_lib.sh"
Q=$T/q
SPID=
finish() {
	[ -n "$SPID" ] && stop_pid "$SPID"
	rm -rf "$T"
}
trap finish EXIT
trap 'exit 1' INT TERM
chmod 755 "$T"
netns_hosts '127.0.0.1 two.test' '::1 two.test'

mkqueue || { fail "queue" "set-permissions failed"; exit 1; }

CONF_BASE="smtp_sasl_auth_enable = yes
smtp_sasl_password_maps = texthash:$T/etc/passwd"
# pw LINES: the password table, root's alone (opened before the drop)
pw() { printf '%s\n' "$@" > "$T/etc/passwd"; chmod 600 "$T/etc/passwd"; }

# srv ARGS...: the test server on a new port $P, transcript $T/s.log
srv() {
	srv_start python3 "$TOP/tests/smtp_server.py" 0 "$T/s.log" "$@"
}

R=127.0.0.1[127.0.0.1]
HR='127\.0\.0\.1\[127\.0\.0\.1\]'
AUTHK='PIPELINING,AUTH PLAIN LOGIN,ENHANCEDSTATUSCODES'
conf "smtp_sasl_security_options = noanonymous"
printf 'Subject: t\n\nbody\n' > "$T/m1"
newmsg -f sender@example.com a@example.org < "$T/m1" ||
    fail "setup: queue a message" "sendmail failed"

# --- PLAIN, the login keyed by "[host]:port" --------------------------------
srv --ehlo "$AUTHK" --auth 'joe:s3cret!'
pw "[127.0.0.1]:$P joe:s3cret!" "[127.0.0.1] bad:one" "127.0.0.1x no:no"
req smtp "[127.0.0.1]:$P"
same "PLAIN: delivered after AUTH" \
"a@example.org sent 2.0.0 $R:$P 250 2.0.0 Ok: queued as 4XYZ"
has "PLAIN: the server checked the login" "^A: ok joe PLAIN$" "$T/s.log"
has "AUTH before MAIL" "AUTH PLAIN.*" "$T/s.log"
if awk '/^C: AUTH/ { a = NR } /^C: MAIL/ { m = NR } END { exit !(a && a < m) }' \
    "$T/s.log"; then ok "AUTH comes before MAIL FROM"
else fail "AUTH comes before MAIL FROM" "$(tr '\n' '|' < "$T/s.log")"; fi
lacks "the password is not in the mail log" 's3cret' "$T/maillog"

# --- lookup order ----------------------------------------------------------
pw "[127.0.0.1] joe:s3cret!" "127.0.0.1x no:no"
req smtp "[127.0.0.1]:$P"
has "lookup: [host] without the port" "^A: ok joe PLAIN$" "$T/s.log"
: > "$T/s.log"
pw "[127.0.0.1]:$P bad:one" "127.0.0.1 joe:s3cret!"
req smtp "[127.0.0.1]:$P"
has "lookup: the server's host name before the next hop (Postfix)" \
    "^A: ok joe PLAIN$" "$T/s.log"
: > "$T/s.log"
pw "[127.0.0.1]:1 joe:s3cret!" "example.org joe:s3cret!"
req smtp "[127.0.0.1]:$P"
lacks "lookup: no entry, no AUTH" "^C: AUTH"
has "lookup: no entry, still delivered" "^a@example.org sent 2\.0\.0"

# --- sender-dependent ------------------------------------------------------
conf "smtp_sasl_security_options = noanonymous
smtp_sender_dependent_authentication = yes"
: > "$T/s.log"
pw "sender@example.com joe:s3cret!" "127.0.0.1 bad:one"
req smtp "[127.0.0.1]:$P"
has "sender-dependent: the sender's login first" "^A: ok joe PLAIN$" \
    "$T/s.log"
: > "$T/s.log"
pw "@example.com joe:s3cret!" "127.0.0.1 bad:one"
req smtp "[127.0.0.1]:$P"
has "sender-dependent: @domain" "^A: ok joe PLAIN$" "$T/s.log"
conf "smtp_sasl_security_options = noanonymous"
: > "$T/s.log"
req smtp "[127.0.0.1]:$P"
has "sender-dependent off: the sender is not looked up" \
    "^A: bad bad PLAIN$" "$T/s.log"

# --- a wrong password: deferred with Postfix's reason -----------------------
: > "$T/maillog"
pw "127.0.0.1 joe:wrong"
req smtp "[127.0.0.1]:$P"
same "wrong password: deferred with the server's reply" \
"a@example.org deferred 4.7.8 $R:$P SASL authentication failed; server $R said: 535 5.7.8 Error: authentication failed: bad login"
lacks "wrong password: no MAIL FROM" "^C: MAIL"
lacks "wrong password: not in the mail log" 'wrong' "$T/maillog"
# a host with two addresses: after a failed login the next is tried
: > "$T/s6.log"
python3 "$TOP/tests/smtp_server.py" "[::1]:$P" "$T/s6.log" --ehlo "$AUTHK" \
    --auth 'joe:s3cret!' &
S6=$!
wait_port "$P" 10 2>/dev/null; sleep 0.3
conf "smtp_sasl_security_options = noanonymous
smtp_host_lookup = native"
pw "two.test joe:wrong"
: > "$T/s.log"
req smtp "[two.test]:$P"
has "two addresses: the first refused the login" "^A: bad joe PLAIN$" \
    "$T/s.log"
has "two addresses: the next one was tried" "^A: bad joe PLAIN$" \
    "$T/s6.log"
has "two addresses: deferred with the last reason" \
"^a@example.org deferred 4\.7\.8 two\.test\[.*\]:$P SASL authentication failed; server two\.test\[.*\] said: 535 5\.7\.8 "
kill "$S6" 2>/dev/null; wait "$S6" 2>/dev/null

# --- the default security options: no password over plaintext --------------
conf ""
pw "127.0.0.1 joe:s3cret!"
: > "$T/s.log"
req smtp "[127.0.0.1]:$P"
same "noplaintext default: deferred, no mechanism" \
"a@example.org deferred 4.7.0 $R:$P SASL authentication failed; cannot authenticate to server $R: no mechanism available"
lacks "noplaintext default: no AUTH sent" "^C: AUTH"
conf "smtp_sasl_security_options = noplaintext
smtp_sasl_tls_security_options = noanonymous"
: > "$T/s.log"
req smtp "[127.0.0.1]:$P"
lacks "tls options do not apply to plaintext" "^C: AUTH"

# --- LOGIN, the mechanism filter, AUTH= ------------------------------------
conf "smtp_sasl_security_options = noanonymous
smtp_sasl_mechanism_filter = login"
: > "$T/s.log"
req smtp "[127.0.0.1]:$P"
has "filter login: LOGIN used" "^A: ok joe LOGIN$" "$T/s.log"
has "filter login: delivered" "^a@example.org sent 2\.0\.0"
conf "smtp_sasl_security_options = noanonymous
smtp_sasl_mechanism_filter = cram-md5"
: > "$T/s.log"
req smtp "[127.0.0.1]:$P"
lacks "filter leaves nothing: no AUTH (Postfix)" "^C: AUTH"
has "filter leaves nothing: delivered" "^a@example.org sent 2\.0\.0"
conf "smtp_sasl_security_options = noanonymous"
srv --ehlo "PIPELINING,AUTH=LOGIN" --auth 'joe:s3cret!'
req smtp "[127.0.0.1]:$P"
has "AUTH= old style: LOGIN" "^A: ok joe LOGIN$" "$T/s.log"
# CRAM-MD5: no plaintext password, so the default options allow it
conf ""
srv --ehlo "PIPELINING,AUTH PLAIN LOGIN CRAM-MD5" --auth 'joe:s3cret!'
req smtp "[127.0.0.1]:$P"
has "CRAM-MD5 under the default options: logged in" "^A: ok joe CRAM-MD5$" \
    "$T/s.log"
has "CRAM-MD5: delivered" "^a@example.org sent 2\.0\.0"
lacks "CRAM-MD5: neither PLAIN nor LOGIN tried" "^C: AUTH (PLAIN|LOGIN)"
pw "127.0.0.1 joe:wrong"
: > "$T/s.log"
req smtp "[127.0.0.1]:$P"
has "CRAM-MD5, wrong password: deferred" \
"^a@example.org deferred 4\.7\.8 .* SASL authentication failed; server $HR said: 535 "
pw "127.0.0.1 joe:s3cret!"
conf "smtp_sasl_security_options = noanonymous, nodictionary"
: > "$T/s.log"
req smtp "[127.0.0.1]:$P"
has "nodictionary: PLAIN instead of CRAM-MD5" "^A: ok joe PLAIN$" "$T/s.log"
conf "smtp_sasl_security_options = noanonymous"
srv --ehlo "PIPELINING" --auth 'joe:s3cret!'
req smtp "[127.0.0.1]:$P"
lacks "no AUTH offered: none sent" "^C: AUTH"
has "no AUTH offered: delivered" "^a@example.org sent 2\.0\.0"
conf "smtp_sasl_auth_enable = no"
srv --ehlo "$AUTHK" --auth 'joe:s3cret!'
req smtp "[127.0.0.1]:$P"
lacks "smtp_sasl_auth_enable = no: no AUTH" "^C: AUTH"

# --- sendmail relay mode -----------------------------------------------------
R2=$T/relay
mkdir -p "$R2"
cat > "$R2/main.cf" <<EOF
queue_directory = $T/noqueue
maillog_file = $T/maillog
myhostname = client.example.com
relayhost = [127.0.0.1]:$P
smtp_sasl_auth_enable = yes
smtp_sasl_password_maps = texthash:$T/etc/passwd
smtp_sasl_security_options = noanonymous
EOF
pw "[127.0.0.1]:$P joe:s3cret!"
: > "$T/s.log"
if "$MTA" sendmail -C "$R2" -f me@example.com rcpt@example.org \
    < "$T/m1" 2> "$T/err"; then ok "relay mode: sendmail exits 0"
else fail "relay mode: sendmail exits 0" "$(cat "$T/err")"; fi
has "relay mode: logged in" "^A: ok joe PLAIN$" "$T/s.log"
has "relay mode: message sent" "^C: RCPT TO:<rcpt@example.org>" "$T/s.log"
pw "[127.0.0.1]:$P joe:nope"
: > "$T/s.log"
if "$MTA" sendmail -C "$R2" -f me@example.com rcpt@example.org \
    < "$T/m1" 2> "$T/err"; then fail "relay mode: wrong password fails" "exit 0"
else ok "relay mode: wrong password fails"; fi
has "relay mode: the reason" "SASL authentication failed; server $HR:?[0-9]* ?said: 535" "$T/err"
lacks "relay mode: no MAIL after a failed login" "^C: MAIL"
srv_stop
