#!/bin/sh
# MIT licence: see LICENSE.
#
# t-cpostfix.sh - mta's smtp client against the real thing: Debian's
# Postfix smtpd with STARTTLS, a second smtpd in wrapper mode
# (smtpd_tls_wrappermode) and SMTP AUTH through Debian's Dovecot
# (tests/dovecot_lib.sh: alice / secret, bob / pw).  Postfix's own
# instance runs under $T (its master, its queue, its log), accepts for
# every domain and discards.  The smtp agent is driven the way qmgr
# drives it (tests/agent_req.py); sendmail's relay mode talks to the same
# Postfix.  Checked: smtp_tls_security_level may / encrypt / verify /
# secure with smtp_tls_CAfile and a wrong name or CA (4.7.5), the
# log lines, AUTH PLAIN and LOGIN over TLS with a cdb password map made
# by `mta postmap` (Postfix logs sasl_username=alice), a wrong password
# (deferred with Postfix's 535), no plaintext password without TLS,
# wrapper mode.  Postfix starts once and serves every check.  Dovecot
# offers CRAM-MD5, which the client prefers and alice's hashed password
# cannot do: alice's checks filter to PLAIN or LOGIN and allow them over
# TLS (smtp_sasl_tls_security_options = noanonymous), as the README
# recipe; bob ({PLAIN} password) logs in with CRAM-MD5 in plaintext.
#
# Runs as root in a private network and mount namespace (unshare -mn),
# /etc/hosts bind-mounted to name srv.test.
if [ ! -x /usr/sbin/postfix ] || [ ! -f /etc/postfix/master.cf ] ||
    [ ! -x /usr/sbin/dovecot ]; then
	echo "# no Debian Postfix or Dovecot: skipped"
	exit 0
fi
. "$(dirname "$0")/netns.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/agent_lib.sh"
. "$(dirname "$0")/dovecot_lib.sh"
REQ_FRESH=1
Q=$T/q
PFDIR=
finish() {
	[ -n "$PFDIR" ] && postfix -c "$PFDIR" stop >/dev/null 2>&1
	dovecot_stop
	rm -rf "$T"
}
trap finish EXIT
trap 'exit 1' INT TERM
chmod 755 "$T"
netns_hosts '127.0.0.1 srv.test'

K=$T/pki
mkdir -p "$K"
{ pki_ca ca && pki_ca other && pki_cert srv srv.test &&
    chmod 644 "$K"/*; } > "$T/openssl.log" 2>&1 ||
    { fail "openssl" "$(tail -3 "$T/openssl.log")"; exit 1; }

dovecot_start || { fail "dovecot: start" "$(tail -3 "$DOVECOT_DIR/log")"
	exit 1; }

# --- Postfix: STARTTLS on $PP, wrapper mode on $WP -------------------------
PFDIR=$T/pfx/etc
PFLOG=$T/pfx/maillog
PP=$(free_port)
WP=$(free_port)
while [ "$WP" = "$PP" ]; do WP=$(free_port); done
mkdir -p "$PFDIR" "$T/pfx/q" "$T/pfx/data"
chown postfix "$T/pfx/data"
cat > "$PFDIR/main.cf" <<EOC
compatibility_level = 3.6
queue_directory = $T/pfx/q
data_directory = $T/pfx/data
myhostname = srv.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
default_transport = discard:sunk
maillog_file = $PFLOG
maillog_file_prefixes = /tmp
alias_maps =
smtpd_tls_cert_file = $K/srv.crt
smtpd_tls_key_file = $K/srv.key
smtpd_tls_loglevel = 1
smtpd_error_sleep_time = 0
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = $DOVECOT_AUTH
smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject
EOC
{
	sed -e '/^smtp      inet/d' \
	    -e 's/^\([a-z][^ ]* *[a-z-]* *[-yn] *[-yn] *\)[-y]\( \)/\1n\2/' \
	    /etc/postfix/master.cf
	echo "127.0.0.1:$PP inet n - n - - smtpd"
	echo "  -o smtpd_tls_security_level=may"
	echo "127.0.0.1:$WP inet n - n - - smtpd"
	echo "  -o smtpd_tls_wrappermode=yes"
} > "$PFDIR/master.cf"
if postfix -c "$PFDIR" start > "$T/pfstart" 2>&1; then ok "Postfix: start"
else fail "Postfix: start" "$(tail -3 "$T/pfstart")"; PFDIR=; exit 1; fi
check "Postfix: listening (STARTTLS)" wait_port "$PP" 10
check "Postfix: listening (wrapper mode)" wait_port "$WP" 10

# pflog_wait PATTERN: wait (at most 5 s) until Postfix's log matches
pflog_wait() {
	i=0
	while ! grep -Eq -- "$1" "$PFLOG" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1))
	done
}
# pflog_has NAME PATTERN: Postfix's log (since the last req) matches
pflog_has() {
	pflog_wait "$2"
	has "$1" "$2" "$PFLOG"
}

# --- mta's side --------------------------------------------------------------
mkqueue || { fail "queue" "set-permissions failed"; exit 1; }
printf '[srv.test]:%s alice:secret\n[srv.test]:%s alice:secret\n' \
    "$PP" "$WP" > "$T/etc/passwd"
printf '[srv.test]:%s alice:wrong\n' "$PP" > "$T/etc/badpw"
printf '[srv.test]:%s bob:pw\n' "$PP" > "$T/etc/bobpw"
for m in passwd badpw bobpw; do
	"$MTA" postmap -c "$T/etc" "cdb:$T/etc/$m" ||
	    fail "postmap $m" "mta postmap failed"
	chmod 600 "$T/etc/$m" "$T/etc/$m.cdb"
done

CONF_BASE="smtp_host_lookup = native
smtp_tls_loglevel = 1"
# pfreq EXTRA-LINES [NEXTHOP]: deliver $ID with that main.cf; Postfix's
# log starts empty
pfreq() {
	conf "$1"
	: > "$PFLOG"
	req smtp "${2:-[srv.test]:$PP}"
}

R=srv.test[127.0.0.1]
HR='srv\.test\[127\.0\.0\.1\]'
AUTH="smtp_sasl_auth_enable = yes
smtp_sasl_password_maps = cdb:$T/etc/passwd
smtp_sasl_tls_security_options = noanonymous
smtp_sasl_mechanism_filter = plain"
conf ""
printf 'Subject: t\n\nbody\n' > "$T/m1"
newmsg -f sender@example.com a@example.org < "$T/m1" ||
    fail "setup: queue a message" "sendmail failed"

# --- STARTTLS -----------------------------------------------------------------
pfreq "smtp_tls_security_level = may"
has "may: delivered to Postfix" \
    "^a@example.org sent 2\.0\.0 $HR:$PP 250 2\.0\.0 Ok: queued as " "$T/out"
has "may: mta logs Untrusted" \
    "Untrusted TLS connection established to $HR:$PP: TLSv1\.[23] with cipher" \
    "$T/maillog"
pflog_has "may: Postfix saw TLS" \
    "Anonymous TLS connection established from localhost\[127\.0\.0\.1\]"
pflog_has "may: Postfix discarded it" "to=<a@example.org>.*status=sent"

pfreq "smtp_tls_security_level = encrypt"
has "encrypt: delivered" "^a@example.org sent 2\.0\.0 $HR:$PP 250 " "$T/out"
pflog_has "encrypt: over TLS" "TLS connection established from"

pfreq "smtp_tls_security_level = none"
has "none: delivered" "^a@example.org sent 2\.0\.0" "$T/out"
pflog_wait "disconnect from"
lacks "none: no TLS" "TLS connection established" "$PFLOG"

pfreq "smtp_tls_security_level = verify
smtp_tls_CAfile = $K/ca.crt"
has "verify, right CA and name: delivered" "^a@example.org sent 2\.0\.0" \
    "$T/out"
has "verify: mta logs Verified" \
    "Verified TLS connection established to $HR:$PP: TLSv1\.[23] with cipher" \
    "$T/maillog"
pfreq "smtp_tls_security_level = verify
smtp_tls_CAfile = $K/other.crt"
same "verify, wrong CA: deferred 4.7.5" \
"a@example.org deferred 4.7.5 $R:$PP Server certificate not verified"
pflog_wait "disconnect from"
lacks "verify, wrong CA: no MAIL reached Postfix" "client=localhost" "$PFLOG"
pfreq "smtp_tls_security_level = verify
smtp_tls_CAfile = $K/ca.crt" "[127.0.0.1]:$PP"
same "verify, wrong name: deferred 4.7.5" \
"a@example.org deferred 4.7.5 127.0.0.1[127.0.0.1]:$PP Server certificate not verified"
pfreq "smtp_tls_security_level = secure
smtp_tls_CAfile = $K/ca.crt"
has "secure: delivered" "^a@example.org sent 2\.0\.0" "$T/out"
pfreq "smtp_tls_security_level = secure
smtp_tls_CAfile = $K/ca.crt" "[127.0.0.1]:$PP"
same "secure, wrong name: deferred 4.7.5" \
"a@example.org deferred 4.7.5 127.0.0.1[127.0.0.1]:$PP Server certificate not verified"

# --- AUTH over TLS --------------------------------------------------------
pfreq "smtp_tls_security_level = encrypt
$AUTH"
has "AUTH PLAIN over TLS: delivered" "^a@example.org sent 2\.0\.0" "$T/out"
pflog_has "AUTH PLAIN: Postfix logs sasl_username=alice" \
    "client=localhost\[127\.0\.0\.1\], sasl_method=PLAIN, sasl_username=alice"
lacks "AUTH: the password is not in the mail log" "secret" "$T/maillog"
pfreq "smtp_tls_security_level = encrypt
smtp_sasl_auth_enable = yes
smtp_sasl_password_maps = cdb:$T/etc/passwd
smtp_sasl_tls_security_options = noanonymous
smtp_sasl_mechanism_filter = login"
has "AUTH LOGIN over TLS: delivered" "^a@example.org sent 2\.0\.0" "$T/out"
pflog_has "AUTH LOGIN: Postfix logs sasl_username=alice" \
    "sasl_method=LOGIN, sasl_username=alice"
pfreq "smtp_tls_security_level = verify
smtp_tls_CAfile = $K/ca.crt
$AUTH"
has "AUTH after a verified handshake: delivered" \
    "^a@example.org sent 2\.0\.0" "$T/out"
pflog_has "AUTH after verify: sasl_username=alice" "sasl_username=alice"

pfreq "smtp_tls_security_level = encrypt
smtp_sasl_auth_enable = yes
smtp_sasl_password_maps = cdb:$T/etc/badpw
smtp_sasl_tls_security_options = noanonymous
smtp_sasl_mechanism_filter = plain"
has "wrong password: deferred with Postfix's 535" \
"^a@example.org deferred 4\.7\.8 $HR:$PP SASL authentication failed; server $HR said: 535 5\.7\.8 Error: authentication failed" \
    "$T/out"
pflog_has "wrong password: Postfix logged the failure" \
    "SASL PLAIN authentication failed"
lacks "wrong password: no message reached Postfix" "client=localhost" "$PFLOG"
lacks "wrong password: not in the mail log" "wrong" "$T/maillog"

# --- no password without TLS -----------------------------------------------
pfreq "smtp_tls_security_level = none
$AUTH"
same "level none + AUTH (noplaintext): deferred, no mechanism" \
"a@example.org deferred 4.7.0 $R:$PP SASL authentication failed; cannot authenticate to server $R: no mechanism available"
pflog_wait "disconnect from"
lacks "level none: no AUTH reached Postfix" \
    "sasl_method|authentication failed|client=localhost" "$PFLOG"
# CRAM-MD5 sends no password: the default options allow it in plaintext
pfreq "smtp_tls_security_level = none
smtp_sasl_auth_enable = yes
smtp_sasl_password_maps = cdb:$T/etc/bobpw"
has "level none: CRAM-MD5 (no plaintext password) delivers" \
    "^a@example.org sent 2\.0\.0" "$T/out"
pflog_has "level none: Postfix logs CRAM-MD5 for bob" \
    "sasl_method=CRAM-MD5, sasl_username=bob"

# --- wrapper mode -----------------------------------------------------------
pfreq "smtp_tls_security_level = encrypt
smtp_tls_wrappermode = yes
smtp_tls_CAfile = $K/ca.crt
$AUTH" "[srv.test]:$WP"
has "wrapper mode: delivered" "^a@example.org sent 2\.0\.0 $HR:$WP 250 " \
    "$T/out"
has "wrapper mode: mta logs the TLS connection" \
    "TLS connection established to $HR:$WP" "$T/maillog"
pflog_has "wrapper mode: Postfix logs sasl_username=alice" \
    "sasl_method=PLAIN, sasl_username=alice"
pfreq "smtp_tls_security_level = verify
smtp_tls_wrappermode = yes
smtp_tls_CAfile = $K/ca.crt" "[srv.test]:$WP"
has "wrapper mode, verify: delivered" "^a@example.org sent 2\.0\.0" "$T/out"
has "wrapper mode, verify: Verified" "Verified TLS connection established" \
    "$T/maillog"

# --- sendmail relay mode -----------------------------------------------------
R2=$T/relay
mkdir -p "$R2"
cat > "$R2/main.cf" <<EOC
queue_directory = $T/noqueue
maillog_file = $T/maillog
myhostname = client.example.com
smtp_host_lookup = native
relayhost = [srv.test]:$PP
smtp_tls_security_level = verify
smtp_tls_CAfile = $K/ca.crt
smtp_sasl_auth_enable = yes
smtp_sasl_password_maps = cdb:$T/etc/passwd
smtp_sasl_tls_security_options = noanonymous
smtp_sasl_mechanism_filter = plain
EOC
: > "$PFLOG"
if "$MTA" sendmail -C "$R2" -f me@example.com rcpt@example.org \
    < "$T/m1" 2> "$T/err"; then ok "relay mode: sendmail exits 0"
else fail "relay mode: sendmail exits 0" "$(cat "$T/err")"; fi
pflog_has "relay mode: Postfix logs sasl_username=alice" \
    "sasl_method=PLAIN, sasl_username=alice"
pflog_has "relay mode: Postfix discarded it" "to=<rcpt@example.org>.*status=sent"
sed -i "s|passwd\$|badpw|" "$R2/main.cf"
: > "$PFLOG"
if "$MTA" sendmail -C "$R2" -f me@example.com rcpt@example.org \
    < "$T/m1" 2> "$T/err"; then fail "relay mode: wrong password fails" "exit 0"
else ok "relay mode: wrong password fails"; fi
has "relay mode: Postfix's 535 shown" \
    "SASL authentication failed; server $HR:?[0-9]* ?said: 535 5\.7\.8" "$T/err"

if postfix -c "$PFDIR" stop > "$T/pfstop" 2>&1; then ok "Postfix: stop"
else fail "Postfix: stop" "$(tail -3 "$T/pfstop")"; fi
PFDIR=
