#!/bin/sh
# MIT licence: see LICENSE.
#
# t-tlsedge.sh - TLS sessions that end badly, and TLS peers that are not
# Python's: smtpd(8) when a client sends a close_notify, garbage under
# the TLS layer or a bare TCP close in the middle of DATA (the session
# ends, nothing is queued, the log says where); the smtp client in
# wrapper mode (smtp_tls_wrappermode) against openssl s_server
# (tests/sserver_smtp.py), with the chain and name checked (a wildcard
# too); under master,
# a new certificate after `postfix reload`.
#
# Runs as root in a private network and mount namespace (unshare -mn),
# /etc/hosts bind-mounted to name sserver.test.
. "$(dirname "$0")/netns.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/agent_lib.sh"

Q=$T/q
SPID=
SMTPD=
finish() {
	# master: only one that holds the lock of our queue answers
	[ -f "$T/etc/master.cf" ] && "$MTA" postfix -c "$T/etc" stop \
	    >/dev/null 2>&1
	[ -n "$SPID" ] && stop_pid "$SPID"
	[ -n "$SMTPD" ] && stop_pid "$SMTPD"
	rm -rf "$T"
}
trap finish EXIT
trap 'exit 1' INT TERM
netns_hosts '127.0.0.1 sserver.test' '127.0.0.1 mx.wild.test' \
    '127.0.0.1 a.b.wild.test' '127.0.0.1 wild.test'

K=$T/pki
mkdir -p "$K"
{ pki_ca ca && pki_cert sserver.test sserver.test &&
    pki_cert mx.example.com mx.example.com &&
    pki_cert wild '*.wild.test' && chmod 644 "$K"/*; } \
    > "$T/openssl.log" 2>&1 ||
    { fail "openssl" "$(tail -3 "$T/openssl.log")"; exit 1; }

mkqueue || { fail "queue" "set-permissions failed"; exit 1; }
cat > "$T/etc/main.cf" <<EOF
queue_directory = $Q
data_directory = $T/data
maillog_file = $T/maillog
mail_owner = postfix
myhostname = mx.example.com
mydestination = mx.example.com
alias_maps =
local_recipient_maps =
smtpd_error_sleep_time = 0
smtp_host_lookup = native
smtp_tls_loglevel = 1
smtp_tls_CAfile = $K/ca.crt
smtpd_tls_security_level = may
smtpd_tls_cert_file = $K/mx.example.com.crt
smtpd_tls_key_file = $K/mx.example.com.key
EOF
chmod 755 "$T/etc"

# --- smtpd: a TLS session broken in the middle of DATA ----------------------
SP=$(free_port)
python3 "$TOP/tests/smtpd_server.py" "$SP" "$T/smtpd.pid" \
    "$MTA" smtpd -c "$T/etc" &
SMTPD=$!
wait_port "$SP" 10 || { fail "smtpd" "no listener"; exit 1; }
# waitcount PATTERN: $n lines of the mail log match, within 10 s
waitcount() {
	i=0
	while [ "$(grep -Ec -- "$1" "$T/maillog")" -lt $n ] && [ $i -lt 100 ]
	do
		sleep 0.1; i=$((i + 1))
	done
	[ "$(grep -Ec -- "$1" "$T/maillog")" -ge $n ]
}
nq() { find "$Q/incoming" -type f ! -name '.*' | wc -l | tr -d ' '; }
n0=$(nq)
for mode in close_notify garbage reset; do
	python3 "$TOP/tests/tls_abort.py" "$SP" "$mode" > "$T/out" 2>&1
	same "$mode in DATA: smtpd ends the session" "closed"
	n=$((${n:-0} + 1))
	check "$mode in DATA: logged as a lost connection after DATA" \
	    waitcount "lost connection after DATA \([0-9]+ bytes\) from [^ ]*\[127\.0\.0\.1\]"
	check "$mode in DATA: the session's summary is logged" \
	    waitcount "disconnect from [^ ]*\[127\.0\.0\.1\]"
done
[ "$(nq)" = "$n0" ] && ok "broken sessions: nothing queued" ||
    fail "broken sessions: nothing queued" "$n0 -> $(nq) files"
# --- under master: the certificate is read again after a reload -------------
cp "$K/mx.example.com.crt" "$T/cur.crt"
cp "$K/mx.example.com.key" "$T/cur.key"
chmod 600 "$T/cur.key"
MP=$(free_port)
sed -e "s|^smtpd_tls_cert_file = .*|smtpd_tls_cert_file = $T/cur.crt|" \
    -e "s|^smtpd_tls_key_file = .*|smtpd_tls_key_file = $T/cur.key|" \
    "$T/etc/main.cf" > "$T/etc/main.cf.new" &&
    printf 'inet_interfaces = 127.0.0.1\ninet_protocols = ipv4\n' \
    >> "$T/etc/main.cf.new" && mv "$T/etc/main.cf.new" "$T/etc/main.cf"
printf '127.0.0.1:%s inet n - n - - smtpd\n' "$MP" > "$T/etc/master.cf"
printf 'cleanup unix n - n - 0 cleanup\n' >> "$T/etc/master.cf"
# subject: the CN smtpd shows after STARTTLS
subject() {
	printf 'QUIT\r\n' | timeout 15 openssl s_client -starttls smtp \
	    -connect "127.0.0.1:$MP" -ign_eof 2>/dev/null |
	    sed -n 's/^subject=.*CN *= *//p'
}
"$MTA" postfix -c "$T/etc" start > "$T/start.out" 2>&1
if wait_port "$MP" 10; then
	check_out "master: the certificate in use" mx.example.com subject
	cp "$K/sserver.test.crt" "$T/cur.crt"
	cp "$K/sserver.test.key" "$T/cur.key"
	"$MTA" postfix -c "$T/etc" reload > "$T/reload.out" 2>&1
	check_out "master: after postfix reload, the new certificate" \
	    sserver.test subject
	check "master: the key smtpd used is root's, mode 600" \
	    test "$(stat -c %a:%U "$T/cur.key")" = 600:root
else
	fail "master: smtpd listens" "$(cat "$T/start.out")"
fi
"$MTA" postfix -c "$T/etc" stop > /dev/null 2>&1

# the first server still takes mail over TLS
check "smtpd still serves: swaks --tls" swaks --server "127.0.0.1:$SP" \
    --tls --from a@example.org --to u@mx.example.com --silent 2
[ "$(nq)" = $((n0 + 1)) ] && ok "the good session's message is queued" ||
    fail "the good session's message is queued" "$n0 -> $(nq) files"

# --- the smtp client in wrapper mode against openssl s_server ---------------
printf 'Subject: wrapped\n\nover TLS from the start\n' > "$T/msg"
sserver() {
	srv_start python3 "$TOP/tests/sserver_smtp.py" "$T/s.log" \
	    "$K/sserver.test.crt" "$K/sserver.test.key" "$@"
}
conf_add() { printf '%s\n' "$@" >> "$T/etc/main.cf"; }
conf_add "smtp_tls_wrappermode = yes" "smtp_tls_security_level = verify"
newmsg -f a@example.org r@remote.example < "$T/msg" ||
    fail "queue a message" "sendmail failed"
sserver
REQ_FRESH=1 req smtp "[sserver.test]:$P"
has "wrapper, verify: delivered" "^r@remote\.example sent 2\.0\.0 "
has "wrapper: no STARTTLS, SMTP inside TLS" "^C: EHLO mx\.example\.com" \
    "$T/s.log"
lacks "wrapper: no STARTTLS command" "^C: STARTTLS"
has "wrapper: the message went through" "^C: over TLS from the start" \
    "$T/s.log"
has "wrapper, verify: Verified log line" \
    "Verified TLS connection established to sserver\.test\[127\.0\.0\.1\]:$P: TLSv1\.2 with cipher" \
    "$T/maillog"
# a server that allows only TLS 1.1: BearSSL's client still talks it at
# the default smtp_tls_mandatory_protocols
sserver -tls1_1 -cipher 'ALL:@SECLEVEL=0'
REQ_FRESH=1 req smtp "[sserver.test]:$P"
has "wrapper, a TLSv1.1-only server: delivered" \
    "^r@remote\.example sent 2\.0\.0 "
has "wrapper, a TLSv1.1-only server: logged as TLSv1.1" \
    "TLS connection established to sserver\.test.*: TLSv1\.1 with cipher" \
    "$T/maillog"
# the wrong name at verify: deferred, nothing sent
sserver
REQ_FRESH=1 req smtp "[127.0.0.1]:$P"
has "wrapper, verify, wrong name: deferred 4.7.5" \
    "^r@remote\.example deferred 4\.7\.5 .*(certificate|name|verif)"
lacks "wrapper, wrong name: no MAIL" "^C: MAIL"
# a wildcard certificate (RFC 6125): *.wild.test names one label only
wild() {
	srv_start python3 "$TOP/tests/sserver_smtp.py" "$T/s.log" \
	    "$K/wild.crt" "$K/wild.key"
	REQ_FRESH=1 req smtp "[$1]:$P"
}
wild mx.wild.test
has "wildcard: *.wild.test matches mx.wild.test (verify)" \
    "^r@remote\.example sent 2\.0\.0 "
has "wildcard: Verified" "Verified TLS connection established to \
mx\.wild\.test" "$T/maillog"
wild a.b.wild.test
has "wildcard: *.wild.test does not match a.b.wild.test" \
    "^r@remote\.example deferred 4\.7\.5 "
wild wild.test
has "wildcard: *.wild.test does not match wild.test" \
    "^r@remote\.example deferred 4\.7\.5 "
srv_stop
