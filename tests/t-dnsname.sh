#!/bin/sh
# MIT licence: see LICENSE.
#
# t-dnsname.sh - names in DNS answers are outside input: a label may hold
# any byte.  A tiny name server (tests/dns_server.py, which serves what
# dnsmasq refuses to) answers on 127.0.0.1:53 in a private network and
# mount namespace (unshare -mn), /etc/resolv.conf bind-mounted to it.
# Checked, as Postfix's dns_lookup() and valid_hostname() do it:
#   - an MX name holding a line feed ("x\n0 mx.good.test") is skipped with
#     Postfix's warnings, never read as a second MX record; with no other
#     MX the mail is not sent (5.4.4, malformed reply);
#   - a good MX beside a malformed one still takes the mail;
#   - a numeric MX name is logged ("numeric domain name in resource data
#     of MX record") and, as Postfix's smtp_addr_one(), used as the
#     address; DNS is never asked for an A record of an address;
#   - a PTR name holding a line feed makes the client unknown (its first
#     line is no name of the client);
#   - a TXT record with CR LF (an RBL's reason) gives one reply line.
# sendmail's relay mode (no queue) is the smtp client here; a real
# `mta postfix start` instance serves smtpd.  Every process started here
# is stopped by its pid; the namespace goes with the shell.
if [ -z "$MTA_DNS_NS" ]; then
	if [ "$(id -u)" != 0 ] || ! unshare -mn true 2>/dev/null; then
		echo "# not root or no unshare -mn: DNS name tests skipped"
		exit 0
	fi
	MTA_DNS_NS=1 exec unshare -mn sh "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/agent_lib.sh"

Q=$T/q
HOST=mx.example.com
OWNER=$(id -un)
id postfix >/dev/null 2>&1 && OWNER=postfix
mkdir -p "$T/d"
chown "$OWNER" "$T/d"
DPID=
finish() {
	srv_stop
	"$MTA" postfix -c "$T/etc" stop >/dev/null 2>&1
	[ -n "$DPID" ] && stop_pid "$DPID"
	rm -rf "$T"
}
trap finish EXIT
trap 'exit 1' INT TERM

ip link set lo up || { fail "namespace: lo up" "ip link failed"; exit 1; }
netns_resolver

# --- the zone ----------------------------------------------------------------
cat > "$T/zone" <<'EOF'
# an MX name with a line feed: as text, "10 x" and a forged MX record
# "0 mx.good.test"
lf.test MX 10 x\n0\x20mx.good.test
# a malformed MX beside a good one
mixed.test MX 5 bad\nname.mixed.test
mixed.test MX 10 mx.good.test
mx.good.test A 127.0.0.1
# a numeric MX name
num.test MX 10 127.0.0.1
# 127.0.0.7: a PTR whose first line is a name that resolves back to it
7.0.0.127.in-addr.arpa PTR client7.good.test\nx
client7.good.test A 127.0.0.7
# 127.0.0.8: a good PTR, confirmed
8.0.0.127.in-addr.arpa PTR client8.good.test
client8.good.test A 127.0.0.8
# an RBL listing 127.0.0.8 whose reason holds CR LF and a forged reply
8.0.0.127.bl.test A 127.0.0.2
8.0.0.127.bl.test TXT listed\r\n250\x202.0.0\x20forged
EOF
python3 "$TOP/tests/dns_server.py" 127.0.0.1 53 "$T/zone" "$T/dns.log" \
    2> "$T/dns.err" &
DPID=$!
# dq TYPE NAME: ask the test's name server (tests/dns_query.py)
dq() { python3 "$TOP/tests/dns_query.py" 127.0.0.1 "$@"; }
i=0
while [ $i -lt 50 ] && [ "$(dq A mx.good.test 0.2 | head -n 1)" != NOERROR ]
do
	sleep 0.1; i=$((i + 1))
done
check_out "name server: A mx.good.test" "NOERROR
127.0.0.1" dq A mx.good.test

# --- the smtp client: sendmail's relay mode, relay NAME:PORT (MX lookup) -------
srv_start python3 "$TOP/tests/smtp_server.py" 0 "$T/s.log"
mkdir -p "$T/nq"
# relay DOMAIN: send one message through sendmail_relay = DOMAIN:$P
relay() {
	printf '%s\n' "queue_directory = $T/no-such-queue" \
	    "myhostname = client.example.com" "maillog_file = $T/nq.log" \
	    "alias_maps =" "local_recipient_maps =" \
	    "sendmail_relay = $1:$P" > "$T/nq/main.cf"
	: > "$T/nq.log"
	: > "$T/s.log"
	printf 'Subject: t\n\nbody\n' |
	    "$MTA" sendmail -C "$T/nq" -f a@example.com b@example.com \
	    > "$T/.out" 2> "$T/.err"
	echo $? > "$T/.rc"
}

# a line feed and a blank in a logged name: the log's '?' and ' ' where
# the C library's dn_expand() gives the bytes (musl), its \DDD escapes
# where it escapes them (glibc, the sanitizer build)
LF='(\?|\\010)'
SP='( |\\032)'
relay lf.test
lacks "MX with a line feed: no forged MX record, nothing sent" 'MAIL FROM'
check "MX with a line feed: sendmail fails" test "$(cat "$T/.rc")" != 0
has "MX with a line feed: valid_hostname's warning" \
    "warning: valid_hostname: invalid character (10|92)\\(decimal\\): x${LF}0${SP}mx\\.good\\.test" \
    "$T/nq.log"
has "MX with a line feed: Postfix's malformed-name warning" \
    "warning: malformed domain name in resource data of MX record for lf\\.test: x${LF}0${SP}mx\\.good\\.test" \
    "$T/nq.log"
# (relay mode makes it 4.4.4: a relay that cannot be found is a setting)
has "MX with a line feed: malformed reply, not sent" \
    'relay=none, .*status=deferred \(Name service error for name=lf\.test type=MX: Malformed or unexpected name server reply\)' \
    "$T/nq.log"

relay mixed.test
has "malformed MX beside a good one: the good one takes the mail" \
    'MAIL FROM:<a@example\.com>' "$T/s.log"
has "malformed MX beside a good one: relay=mx.good.test" \
    "relay=mx\.good\.test\[127\.0\.0\.1\]:$P, .*status=sent" "$T/nq.log"
has "malformed MX beside a good one: warned" \
    "malformed domain name in resource data of MX record for mixed\\.test: bad${LF}name\\.mixed\\.test" \
    "$T/nq.log"
n=$(grep -c 'malformed domain name in resource data of MX record for mixed' \
    "$T/nq.log")
check "malformed MX beside a good one: one MX question, one warning (saw $n)" \
    test "$n" = 1

: > "$T/dns.log"
relay num.test
has "numeric MX: warned as Postfix does" \
    'warning: numeric domain name in resource data of MX record for num\.test: 127\.0\.0\.1' \
    "$T/nq.log"
has "numeric MX: used as the address (Postfix's smtp_addr_one)" \
    "relay=127\.0\.0\.1\[127\.0\.0\.1\]:$P, .*status=sent" "$T/nq.log"
lacks "numeric MX: DNS is not asked for an A record of an address" \
    "^1 b'127\.0\.0\.1'" "$T/dns.log"
srv_stop

# --- smtpd: client names and RBL text ---------------------------------------
P_REV=$(free_port)
P_RBL=$(free_port)
while [ "$P_RBL" = "$P_REV" ]; do P_RBL=$(free_port); done
cat > "$T/etc/main.cf" <<EOC
queue_directory = $Q
data_directory = $T/d
maillog_file = $T/maillog
mail_owner = $OWNER
myhostname = $HOST
mydomain = example.com
mynetworks = 127.0.0.0/8
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
alias_maps =
local_recipient_maps =
smtpd_error_sleep_time = 0
service_throttle_time = 1s
EOC
cat > "$T/etc/master.cf" <<EOC
127.0.0.1:$P_REV inet n - n - - smtpd
  -o smtpd_client_restrictions=reject_unknown_reverse_client_hostname
127.0.0.1:$P_RBL inet n - n - - smtpd
  -o smtpd_client_restrictions=reject_rbl_client,bl.test
cleanup unix n - n - 0 cleanup
EOC
mkqueue >/dev/null 2>&1
start() {
	"$MTA" postfix -c "$T/etc" start > "$T/start.out" 2>&1 || return 1
	wait_port "$P_REV" 10 && wait_port "$P_RBL" 10
}
check "mta postfix start" start

# talk SOURCE PORT < SCRIPT: a session from SOURCE, in $T/out
talk() { python3 "$TOP/tests/dns_talk.py" "$@" 20 > "$T/out"; }
# rcpt SOURCE PORT: HELO, MAIL, RCPT, QUIT; the RCPT reply in $T/rcpt
rcpt() {
	printf '1|\n1|HELO client.example\\r\\n\n1|MAIL FROM:<a@example.com>\\r\\n\n1|RCPT TO:<b@example.com>\\r\\n\n1|QUIT\\r\\n\n' |
	    talk "$1" "$2"
	sed -n '4,$p' "$T/out" | sed '$d' | sed '$d' > "$T/rcpt"
}

rcpt 127.0.0.7 "$P_REV"
check_out "PTR with a line feed: the client has no reverse name" \
    "450 4.7.1 Client host rejected: cannot find your reverse hostname, [127.0.0.7]" \
    cat "$T/rcpt"
has "PTR with a line feed: connect from unknown[127.0.0.7]" \
    'connect from unknown\[127\.0\.0\.7\]' "$T/maillog"
has "PTR with a line feed: Postfix's malformed-name warning" \
    "malformed domain name in resource data of PTR record for 7\\.0\\.0\\.127\\.in-addr\\.arpa: client7\\.good\\.test${LF}x" \
    "$T/maillog"
rcpt 127.0.0.8 "$P_REV"
check_out "a good PTR still names the client" "250 2.1.5 Ok" cat "$T/rcpt"
has "a good PTR: connect from client8.good.test[127.0.0.8]" \
    'connect from client8\.good\.test\[127\.0\.0\.8\]' "$T/maillog"

rcpt 127.0.0.8 "$P_RBL"
check_out "RBL reason with CR LF: one reply line, the bytes as spaces" \
    "554 5.7.1 Service unavailable; Client host [127.0.0.8] blocked using bl.test; listed  250 2.0.0 forged" \
    cat "$T/rcpt"
