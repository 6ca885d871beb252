#!/bin/sh
# MIT licence: see LICENSE.
#
# t-loop.sh - the smtp client's "mail loops back to myself" check
# (lib/smtp/addr.c, lib/smtp/client.c), end to end: a real `mta postfix
# start` instance whose smtpd listens on 127.0.0.1:25, and Debian's
# dnsmasq on 127.0.0.1:53 publishing MX records that point back at it, in
# a private network and mount namespace (unshare -mn; /etc/resolv.conf
# bind-mounted), with scripted SMTP servers (tests/smtp_server.py) on
# 127.0.0.2, .4, .5 and .6 port 25.  Checked against Postfix's
# behaviour: mail for a domain whose best MX is this host bounces once
# (5.4.6 "mail for DOMAIN loops back to myself", in the log and in the
# notice), it does not circle; MX hosts no better than this host are
# never tried (nor the fallback relay), "unable to find primary relay"
# when the better ones have no address; [127.0.0.1], a domain with only
# an A record for this host and proxy_interfaces loop too; a relayhost
# that is this host defers 4.3.5 with "relayhost configuration problem";
# a server whose EHLO reply names $myhostname is a loop (5.4.6 as best
# MX, else 4.4.6 and the next MX); a greeting that names it is only
# logged; a 5xx greeting still follows smtp_skip_5xx_greeting.  Every
# process started here is stopped by its pid; the namespace goes with
# the shell.
if [ -z "$MTA_LOOP_NS" ]; then
	if [ "$(id -u)" != 0 ] || [ ! -x /usr/sbin/dnsmasq ] ||
	    ! id postfix >/dev/null 2>&1 ||
	    ! unshare -mn true 2>/dev/null; then
		echo "# not root, no postfix user, no /usr/sbin/dnsmasq or no unshare -mn: skipped"
		exit 0
	fi
	MTA_LOOP_NS=1 exec unshare -mn sh "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"

Q=$T/q
HOST=mx.here.test
mkdir -p "$T/d"
chown postfix "$T/d"
DPID= SPIDS=
finish() {
	"$MTA" postfix -c "$T/etc" stop >/dev/null 2>&1
	[ -n "$DPID" ] && stop_pid "$DPID"
	# shellcheck disable=SC2086
	[ -n "$SPIDS" ] && stop_pid $SPIDS
	for p in $(instance_pids); do stop_pid "$p"; done
	rm -rf "$T"
}
trap finish EXIT
trap 'exit 1' INT TERM

# --- the namespace: loopback up, resolv.conf -> 127.0.0.1 ----------------
ip link set lo up || { fail "namespace: lo up" "ip link failed"; exit 1; }
netns_resolver

# --- the zone --------------------------------------------------------------
# 127.0.0.1 is this host (inet_interfaces), 127.0.0.7 its proxy
# (proxy_interfaces); 127.0.0.2 accepts mail, 127.0.0.3 refuses
# connections, 127.0.0.4 answers EHLO with our name, 127.0.0.5 greets
# with it, 127.0.0.6 greets with a 554 that names it.
/usr/sbin/dnsmasq -C /dev/null --keep-in-foreground --no-resolv \
    --no-hosts --port=53 --listen-address=127.0.0.1 --bind-interfaces \
    --pid-file="$T/dnsmasq.pid" --log-facility="$T/dnsmasq.log" \
    --user=root --local=/test/ \
    --host-record=$HOST,127.0.0.1 \
    --host-record=relay.here.test,127.0.0.1 \
    --host-record=fb.here.test,127.0.0.2 \
    --mx-host=loop.test,mx.loop.test,10 \
    --host-record=mx.loop.test,127.0.0.1 \
    --mx-host=backup.test,mx1.backup.test,10 \
    --mx-host=backup.test,mx2.backup.test,20 \
    --host-record=mx1.backup.test,127.0.0.3 \
    --host-record=mx2.backup.test,127.0.0.1 \
    --mx-host=noaddr.test,gone.noaddr.test,10 \
    --mx-host=noaddr.test,mx.noaddr.test,20 \
    --host-record=mx.noaddr.test,127.0.0.1 \
    --mx-host=better.test,mx1.better.test,10 \
    --mx-host=better.test,mx2.better.test,20 \
    --host-record=mx1.better.test,127.0.0.2 \
    --host-record=mx2.better.test,127.0.0.1 \
    --host-record=amx.test,127.0.0.1 \
    --mx-host=pxy.test,mx.pxy.test,10 \
    --host-record=mx.pxy.test,127.0.0.7 \
    --mx-host=greet.test,mx.greet.test,10 \
    --host-record=mx.greet.test,127.0.0.4 \
    --mx-host=greet2.test,mx1.greet2.test,10 \
    --mx-host=greet2.test,mx2.greet2.test,20 \
    --mx-host=greet2.test,mx3.greet2.test,30 \
    --host-record=mx1.greet2.test,127.0.0.3 \
    --host-record=mx2.greet2.test,127.0.0.4 \
    --host-record=mx3.greet2.test,127.0.0.2 \
    --mx-host=hi.test,mx.hi.test,10 \
    --host-record=mx.hi.test,127.0.0.5 \
    --mx-host=skip5.test,mx.skip5.test,10 \
    --host-record=mx.skip5.test,127.0.0.6 \
    2>"$T/dnsmasq.err" &
DPID=$!
dq() { python3 "$TOP/tests/dns_query.py" 127.0.0.1 "$@"; }
i=0
while [ $i -lt 50 ]; do
	[ "$(dq MX loop.test 0.2 2>/dev/null | head -n 1)" = NOERROR ] && break
	sleep 0.1; i=$((i + 1))
done
check_out "zone: MX loop.test" "NOERROR
10 mx.loop.test" dq MX loop.test

# --- the servers on port 25 ------------------------------------------------
# srv ADDR LOG ARGS...: a scripted server, listening before this returns
srv() {
	a=$1; shift
	python3 "$TOP/tests/smtp_server.py" "$a:25" "$@" &
	SPIDS="$SPIDS $!"
	python3 - "$a" <<'PY' || fail "server on $a:25" "no listener"
import socket, sys, time
end = time.time() + 10
while time.time() < end:
    try:
        socket.create_connection((sys.argv[1], 25), 0.5).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
PY
}
srv 127.0.0.2 "$T/s2.log"
srv 127.0.0.4 "$T/s4.log" --reply "ehlo=250-$HOST Hello\\r\\n250 PIPELINING"
srv 127.0.0.5 "$T/s5.log" --reply "greet=220 $HOST ESMTP"
srv 127.0.0.6 "$T/s6.log" --reply "greet=554 $HOST no service here"

# --- the instance: smtpd on 127.0.0.1:25 (the compiled master.cf) ----------
cat > "$T/etc/main.cf" <<EOC
queue_directory = $Q
data_directory = $T/d
maillog_file = $T/maillog
mail_owner = postfix
myhostname = $HOST
mydomain = here.test
mynetworks = 127.0.0.0/8
inet_interfaces = 127.0.0.1
proxy_interfaces = 127.0.0.7
inet_protocols = ipv4
alias_maps =
local_recipient_maps =
smtpd_error_sleep_time = 0
service_throttle_time = 1s
smtp_connect_timeout = 5s
relayhost = [relay.here.test]
smtp_fallback_relay = [fb.here.test]
transport_maps = texthash:$T/etc/transport
EOC
cat > "$T/etc/transport" <<EOC
snd.test	retry:4.4.4 notices wait here
loop.test	smtp:loop.test
backup.test	smtp:backup.test
noaddr.test	smtp:noaddr.test
better.test	smtp:better.test
amx.test	smtp:amx.test
pxy.test	smtp:pxy.test
lit.test	smtp:[127.0.0.1]
greet.test	smtp:greet.test
greet2.test	smtp:greet2.test
hi.test		smtp:hi.test
skip5.test	smtp:skip5.test
EOC
start() {
	"$MTA" postfix -c "$T/etc" start > "$T/start.out" 2>&1 || return 1
	wait_port 25 10
}
check "mta postfix start, smtpd on 127.0.0.1:25" start

# send RCPT: a message from s@snd.test
send() {
	printf 'From: s@snd.test\nTo: %s\nSubject: loop\n\nloop text\n' "$1" |
	    "$MTA" sendmail -C "$T/etc" -f s@snd.test "$1"
}
# logged NAME PATTERN: the mail log matches PATTERN within 15 s
logged() {
	if waitfor "$T/maillog" "$2" 15; then ok "$1"
	else fail "$1" "[$(tail -n 6 "$T/maillog" | tr '\n' '|')] lacks /$2/"
	fi
}
# nlog NAME N PATTERN: the mail log has exactly N lines matching PATTERN
nlog() {
	c=$(grep -Ec -- "$3" "$T/maillog")
	if [ "$c" = "$2" ]; then ok "$1"
	else fail "$1" "$c lines match /$3/, not $2"; fi
}
# lacks NAME PATTERN FILE: FILE does not match PATTERN
lacks() {
	if grep -Eq -- "$2" "$3"; then fail "$1" "/$2/ found"
	else ok "$1"; fi
}
# notice QUEUEID: the queued notice as a message (tests/bounce_check.py)
notice() {
	# the queue file, not its defer/ or bounce/ log of the same name
	f=$(find "$Q/incoming" "$Q/active" "$Q/deferred" "$Q/hold" -type f \
	    -name "$1" 2>/dev/null | head -n 1)
	[ -n "$f" ] && python3 "$TOP/tests/bounce_check.py" qf "$f"
}
S=': to=<u@'

# --- the best MX is this host: one bounce, no circle ---------------------
send u@loop.test
logged "MX is this host: bounced 5.4.6, as Postfix logs it" \
    "${S}loop\.test>, relay=none, .*dsn=5\.4\.6, status=bounced \(mail for loop\.test loops back to myself\)$"
sleep 2
nlog "MX is this host: one delivery attempt, no circle" 1 "${S}loop\.test>"
nlog "MX is this host: smtpd never took it back" 0 ": client="
ID=$(sed -nE 's/.*: ([0-9A-Za-z]+): to=<u@loop\.test>, .*bounced.*/\1/p' \
    "$T/maillog" | head -n 1)
NID=$(grep -E "$ID: sender non-delivery notification: " "$T/maillog" |
    sed -nE 's/.*notification: ([0-9A-Za-z]+)$/\1/p' | head -n 1)
waitfor "$T/maillog" "$NID: to=<s@snd.test>.*status=deferred" >/dev/null
notice "$NID" > "$T/n1.eml"
has "notice: Status 5.4.6" '^Status: 5\.4\.6' "$T/n1.eml"
has "notice: the diagnostic" \
    '^Diagnostic-Code: X-Postfix; mail for loop\.test loops back to myself' \
    "$T/n1.eml"
has "notice: the human part" \
    '<u@loop\.test>: mail for loop\.test loops back to myself' "$T/n1.eml"

# --- this host as a backup MX: only the better MX hosts ------------------
send u@backup.test
logged "backup MX: the better one only, deferred" \
    "${S}backup\.test>, relay=none, .*dsn=4\.4\.1, status=deferred \(connect to mx1\.backup\.test\[127\.0\.0\.3\]:25: Connection refused\)$"
sleep 1
nlog "backup MX: neither this host nor the fallback relay tried" 0 \
    "${S}backup\.test>.*status=sent"
send u@noaddr.test
logged "backup MX, the better one without an address: 4.4.4" \
    "${S}noaddr\.test>, relay=none, .*dsn=4\.4\.4, status=deferred \(unable to find primary relay for noaddr\.test\)$"
send u@better.test
logged "backup MX, the better one takes it" \
    "${S}better\.test>, relay=mx1\.better\.test\[127\.0\.0\.2\]:25, .*status=sent"

# --- no MX: the next hop is this host --------------------------------------
send u@lit.test
logged "[127.0.0.1]: bounced 5.4.6" \
    "${S}lit\.test>, relay=none, .*dsn=5\.4\.6, status=bounced \(mail for 127\.0\.0\.1 loops back to myself\)$"
send u@amx.test
logged "a domain whose A record is this host: bounced 5.4.6" \
    "${S}amx\.test>, relay=none, .*dsn=5\.4\.6, status=bounced \(mail for amx\.test loops back to myself\)$"
send u@pxy.test
logged "MX on proxy_interfaces: bounced 5.4.6" \
    "${S}pxy\.test>, relay=none, .*dsn=5\.4\.6, status=bounced \(mail for pxy\.test loops back to myself\)$"
send u@other.test
logged "relayhost is this host: deferred 4.3.5" \
    "${S}other\.test>, relay=none, .*dsn=4\.3\.5, status=deferred \(mail for relay\.here\.test loops back to myself\)$"
logged "relayhost is this host: the warning" \
    'warning: relayhost configuration problem$'

# --- servers that name this host -------------------------------------------
send u@greet.test
logged "EHLO names me: the warning" \
    "warning: host mx\.greet\.test\[127\.0\.0\.4\]:25 replied to HELO/EHLO with my own hostname $HOST$"
logged "EHLO names me, best MX: bounced 5.4.6" \
    "${S}greet\.test>, relay=mx\.greet\.test\[127\.0\.0\.4\]:25, .*dsn=5\.4\.6, status=bounced \(mail for greet\.test loops back to myself\)$"
lacks "EHLO names me: no MAIL FROM sent" '^C: MAIL' "$T/s4.log"
send u@greet2.test
logged "EHLO names me, a backup MX: the next MX takes it" \
    "${S}greet2\.test>, relay=mx3\.greet2\.test\[127\.0\.0\.2\]:25, .*status=sent"
logged "EHLO names me, a backup MX: 4.4.6 logged" \
    ": mail for greet2\.test loops back to myself$"
send u@hi.test
logged "greeting names me: the warning" \
    "warning: host mx\.hi\.test\[127\.0\.0\.5\]:25 greeted me with my own hostname $HOST$"
logged "greeting names me: still delivered, as Postfix" \
    "${S}hi\.test>, relay=mx\.hi\.test\[127\.0\.0\.5\]:25, .*status=sent"
send u@skip5.test
logged "554 greeting that names me: smtp_skip_5xx_greeting, the fallback" \
    "${S}skip5\.test>, relay=fb\.here\.test\[127\.0\.0\.2\]:25, .*status=sent"
logged "554 greeting that names me: refused, logged" \
    "host mx\.skip5\.test\[127\.0\.0\.6\] refused to talk to me: 554 $HOST no service here$"
nlog "554 greeting: no greeting warning" 0 'greeted me.*127\.0\.0\.6'

"$MTA" postfix -c "$T/etc" stop >/dev/null 2>&1
