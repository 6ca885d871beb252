#!/bin/sh
# MIT licence: see LICENSE.
#
# t-lmtp.sh - the lmtp agent reads lmtp_* parameters (conf_alias_prefix):
# TLS and AUTH over LMTP.  The peers: Debian's Dovecot LMTP with STARTTLS
# delivering into a Maildir (tests/dovecot_lib.sh), tests/smtp_server.py
# --lmtp (no STARTTLS; AUTH with a checked login) and
# tests/ctls_server.py (STARTTLS, then AUTH).  The agent is driven the way
# qmgr drives it (tests/agent_req.py).  Checked: lmtp_tls_security_level
# may / encrypt / verify with lmtp_tls_CAfile, 4.7.4 from a server
# without STARTTLS, lmtp_sasl_auth_enable with lmtp_sasl_password_maps
# (and the noplaintext default), lmtp_lhlo_name, that smtp_* settings
# do not reach lmtp, and Postfix's lmtp_* defaults (postconf -d).
#
# Runs as root in a private network and mount namespace (unshare -mn),
# /etc/hosts bind-mounted to name srv.test.
. "$(dirname "$0")/netns.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/agent_lib.sh"
. "$(dirname "$0")/dovecot_lib.sh"
REQ_FRESH=1
Q=$T/q
SPID=
finish() {
	[ -n "$SPID" ] && stop_pid "$SPID"
	dovecot_lmtp_stop
	rm -rf "$T"
}
trap finish EXIT
trap 'exit 1' INT TERM
chmod 755 "$T"
netns_hosts '127.0.0.1 srv.test'

# --- the parameters: Postfix's names and lmtp defaults ----------------------
if [ -x /usr/sbin/postconf ]; then
	"$MTA" postconf -d | grep '^lmtp_' > "$T/lmtp.mta"
	cut -d ' ' -f 1 "$T/lmtp.mta" > "$T/lmtp.names"
	/usr/sbin/postconf -c "$T/pf" -d $(cat "$T/lmtp.names") \
	    > "$T/lmtp.pf" 2> "$T/lmtp.err"
	check_same "postconf -d lmtp_*: Postfix's defaults" "$T/lmtp.pf" \
	    "$T/lmtp.mta"
	has "postconf -d: the lmtp_tls_* and lmtp_sasl_* twins are there" \
	    "^lmtp_tls_security_level =" "$T/lmtp.mta"
	has "postconf -d: lmtp_lhlo_name" '^lmtp_lhlo_name = \$myhostname$' \
	    "$T/lmtp.mta"
else
	echo "# no Postfix: the lmtp_* defaults unchecked"
fi
check_out "postconf -d lmtp_tls_security_level" "lmtp_tls_security_level =" \
    "$MTA" postconf -d lmtp_tls_security_level

K=$T/pki
mkdir -p "$K"
{ pki_ca ca && pki_ca other && pki_cert srv srv.test &&
    chmod 644 "$K"/*; } > "$T/openssl.log" 2>&1 ||
    { fail "openssl" "$(tail -3 "$T/openssl.log")"; exit 1; }

mkqueue || { fail "queue" "set-permissions failed"; exit 1; }

CONF_BASE="lmtp_host_lookup = native
lmtp_tls_loglevel = 1"
# pw LINES: a cdb password table made by mta postmap, root's alone
pw() {
	printf '%s\n' "$@" > "$T/etc/passwd"
	"$MTA" postmap -c "$T/etc" "cdb:$T/etc/passwd" ||
	    fail "postmap" "mta postmap failed"
	chmod 600 "$T/etc/passwd" "$T/etc/passwd.cdb"
}
# nmail: the number of messages in alice's Maildir
nmail() { find "$DOVECOT_MAIL/alice/new" -type f 2>/dev/null | wc -l; }

R=srv.test[127.0.0.1]
HR='srv\.test\[127\.0\.0\.1\]'
conf ""
printf 'Subject: lmtp test\n\nbody\n' > "$T/m1"
newmsg -f sender@example.com alice@example.org < "$T/m1" ||
    fail "setup: queue a message" "sendmail failed"

# --- Dovecot LMTP with STARTTLS ------------------------------------------
DP=$(free_port)
if dovecot_lmtp_start "$DP" "$K/srv.crt" "$K/srv.key"; then
	ok "Dovecot LMTP: start"
	conf "lmtp_tls_security_level = encrypt
smtp_tls_security_level = none"
	n=$(nmail)
	req lmtp "inet:srv.test:$DP"
	has "encrypt: delivered to Dovecot" \
	    "^alice@example.org sent 2\.0\.0 $HR:$DP 250 2\.0\.0 <alice@example\.org> .* Saved" \
	    "$T/out"
	has "encrypt: TLS (mta's log line)" \
	    "Untrusted TLS connection established to $HR:$DP: TLSv1\.[23] with cipher" \
	    "$T/maillog"
	if [ "$(nmail)" -eq $((n + 1)) ]; then ok "encrypt: in the Maildir"
	else fail "encrypt: in the Maildir" "$(nmail) messages, want $((n + 1))"; fi
	if grep -q "^Subject: lmtp test" \
	    "$(ls -t "$DOVECOT_MAIL"/alice/new/* | head -n 1)"; then
		ok "encrypt: the message as sent"
	else fail "encrypt: the message as sent" "no Subject"; fi

	conf "lmtp_tls_security_level = verify
lmtp_tls_CAfile = $K/ca.crt"
	req lmtp "inet:srv.test:$DP"
	has "verify, right CA: delivered" "^alice@example.org sent 2\.0\.0" \
	    "$T/out"
	has "verify: Verified" \
	    "Verified TLS connection established to $HR:$DP" "$T/maillog"
	conf "lmtp_tls_security_level = verify
lmtp_tls_CAfile = $K/other.crt
smtp_tls_CAfile = $K/ca.crt"
	req lmtp "inet:srv.test:$DP"
	same "verify, wrong CA (smtp_tls_CAfile not read): deferred 4.7.5" \
"alice@example.org deferred 4.7.5 $R:$DP Server certificate not verified"

	conf "smtp_tls_security_level = encrypt
smtp_tls_loglevel = 1"
	req lmtp "inet:srv.test:$DP"
	has "smtp_tls_security_level does not affect lmtp: delivered" \
	    "^alice@example.org sent 2\." "$T/out"
	lacks "smtp_tls_security_level does not affect lmtp: no TLS" \
	    "TLS connection established" "$T/maillog"
	conf "lmtp_tls_security_level = may"
	req lmtp "inet:srv.test:$DP"
	has "may: TLS when offered" "Untrusted TLS connection established" \
	    "$T/maillog"
	dovecot_lmtp_stop
else
	fail "Dovecot LMTP: start" "$(tail -3 "$DOVECOT_LMTP/log" 2>&1)"
fi

# --- a server without STARTTLS --------------------------------------------
srv_start python3 "$TOP/tests/smtp_server.py" 0 "$T/s.log" --lmtp
conf "lmtp_tls_security_level = encrypt"
req lmtp "inet:srv.test:$P"
same "encrypt, not offered: deferred 4.7.4" \
"alice@example.org deferred 4.7.4 $R:$P TLS is required, but was not offered by host $R"
lacks "encrypt, not offered: no MAIL" "^C: MAIL"
conf "lmtp_tls_security_level = may"
req lmtp "inet:srv.test:$P"
has "may, not offered: delivered in plaintext" \
    "^alice@example.org sent 2\." "$T/out"
conf "lmtp_lhlo_name = lhlo.example
smtp_helo_name = helo.example"
req lmtp "inet:srv.test:$P"
has "lmtp_lhlo_name names the client" "^C: LHLO lhlo\.example$" "$T/s.log"

# --- AUTH ---------------------------------------------------------------------
srv_start python3 "$TOP/tests/smtp_server.py" 0 "$T/s.log" --lmtp \
    --ehlo "PIPELINING,AUTH PLAIN LOGIN,ENHANCEDSTATUSCODES" --auth 'joe:s3cret'
pw "[srv.test]:$P joe:s3cret" "srv.test joe:s3cret"
conf "lmtp_sasl_auth_enable = yes
lmtp_sasl_password_maps = cdb:$T/etc/passwd
lmtp_sasl_security_options = noanonymous"
req lmtp "inet:srv.test:$P"
has "lmtp_sasl_auth_enable: the server checked the login" \
    "^A: ok joe PLAIN$" "$T/s.log"
has "AUTH: delivered" "^alice@example.org sent 2\." "$T/out"
lacks "AUTH: the password is not in the mail log" "s3cret" "$T/maillog"
conf "lmtp_sasl_auth_enable = yes
lmtp_sasl_password_maps = cdb:$T/etc/passwd"
req lmtp "inet:srv.test:$P"
same "lmtp_sasl_security_options default noplaintext: deferred" \
"alice@example.org deferred 4.7.0 $R:$P SASL authentication failed; cannot authenticate to server $R: no mechanism available"
lacks "noplaintext: no AUTH sent" "^C: AUTH"
conf "smtp_sasl_auth_enable = yes
smtp_sasl_password_maps = cdb:$T/etc/passwd
smtp_sasl_security_options = noanonymous"
req lmtp "inet:srv.test:$P"
lacks "smtp_sasl_auth_enable does not affect lmtp" "^C: AUTH"
pw "srv.test joe:wrong"
conf "lmtp_sasl_auth_enable = yes
lmtp_sasl_password_maps = cdb:$T/etc/passwd
lmtp_sasl_security_options = noanonymous"
req lmtp "inet:srv.test:$P"
has "wrong password: deferred with the server's 535" \
"^alice@example.org deferred 4\.7\.8 $HR:$P SASL authentication failed; server $HR said: 535 " \
    "$T/out"
lacks "wrong password: no MAIL" "^C: MAIL"

# --- STARTTLS, then AUTH -----------------------------------------------------
srv_start python3 "$TOP/tests/ctls_server.py" "$T/s.log" "$K/srv.crt" \
    "$K/srv.key"
pw "srv.test joe:s3cret"
conf "lmtp_tls_security_level = verify
lmtp_tls_CAfile = $K/ca.crt
lmtp_sasl_auth_enable = yes
lmtp_sasl_password_maps = cdb:$T/etc/passwd
lmtp_sasl_tls_security_options = noanonymous"
req lmtp "inet:srv.test:$P"
if awk '/^C: LHLO/ { l++ } /^T: tls/ { t = NR } /^C: AUTH PLAIN/ { a = NR }
    END { exit !(l == 2 && t && a > t) }' "$T/s.log"; then
	ok "STARTTLS, LHLO again, then AUTH PLAIN (lmtp_sasl_tls_security_options)"
else fail "STARTTLS then AUTH" "$(tr '\n' '|' < "$T/s.log")"; fi
if grep '^C: AUTH PLAIN' "$T/s.log" | cut -d ' ' -f 4 | base64 -d |
    tr '\0' ' ' | grep -qx ' joe s3cret'; then
	ok "AUTH over TLS: the password from lmtp_sasl_password_maps"
else fail "AUTH over TLS: the password" "$(grep AUTH "$T/s.log")"; fi
has "STARTTLS and AUTH: delivered" "^alice@example.org sent 2\." "$T/out"
srv_stop
