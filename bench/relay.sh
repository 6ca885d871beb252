#!/bin/sh
# MIT licence: see LICENSE.
#
# relay.sh - end-to-end relay rate: smtp-source (Debian's postfix package)
# sends MSGS messages into mta and into a real Postfix on loopback; each
# relays everything to the same kind of smtp-sink through relayhost.  A
# run's time is from the first connection until the server's log shows
# every message "status=sent"; the two alternate run by run; medians and
# their ratio.  Run as root (the Postfix instance needs its postfix user).
: "${MTA:=$(pwd)/mta}"
: "${RUNS:=5}"
: "${MSGS:=500}"
: "${SESSIONS:=10}"
: "${SIZE:=4096}"
for a in master qmgr smtp; do
	"$MTA" $a --help 2>&1 | grep -q "not built" &&
	    { echo "relay: mta $a not built"; exit 0; }
done
[ -x /usr/sbin/smtp-source ] || { echo "relay: smtp-source missing"; exit 0; }
[ "$(id -u)" = 0 ] || { echo "relay: needs root for the Postfix instance"; exit 0; }

T=$(mktemp -d /tmp/mta-bench-relay.XXXXXX) || exit 1
chmod 755 "$T"
. "$(dirname "$0")/lib.sh"
PP=$(port); MP=$(port); SP=$(port)

# one sink for both; it accepts everything, fast
smtp-sink -u postfix -c "127.0.0.1:$SP" 1000 >/dev/null 2>&1 &
SINK=$!
python3 - "$SP" <<'PY' || { echo "relay: smtp-sink did not start"; kill $SINK; exit 1; }
import socket, sys, time
for i in range(50):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
PY

pf_main "relayhost = [127.0.0.1]:$SP
smtp_tls_security_level = none"
sed -e "s/^smtp      inet.*/127.0.0.1:$PP inet n - n - - smtpd/" \
    /etc/postfix/master.cf > "$T/pf/etc/master.cf"

mta_main "relayhost = [127.0.0.1]:$SP"
cat > "$T/mta/etc/master.cf" <<EOC
127.0.0.1:$MP inet n - n - - smtpd
pickup unix n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
smtp unix - - n - - smtp
EOC

cleanup() {
	postfix -c "$T/pf/etc" stop >/dev/null 2>&1
	"$MTA" postfix -c "$T/mta/etc" stop >/dev/null 2>&1
	kill "$SINK" 2>/dev/null
	[ -n "$KEEP" ] || rm -rf "$T"
}
trap cleanup EXIT INT TERM
postfix -c "$T/pf/etc" start >/dev/null 2>&1 || { echo "relay: Postfix did not start"; exit 1; }
"$MTA" postfix -c "$T/mta/etc" start >/dev/null 2>&1 || { echo "relay: mta did not start"; exit 1; }
sleep 1

sent() { n=$(grep -c "status=sent" "$1" 2>/dev/null); echo "${n:-0}"; }
# run PORT LOG: inject MSGS, wait (at most 120 s) until LOG has them sent
run() {
	before=$(sent "$2")
	s=$(now)
	smtp-source -s "$SESSIONS" -m "$MSGS" -l "$SIZE" \
	    -f bench@example.com -t sink@example.net "127.0.0.1:$1"
	j=0
	while [ "$(sent "$2")" -lt $((before + MSGS)) ] && [ $j -lt 1200 ]; do
		sleep 0.1; j=$((j + 1))
	done
	e=$(now)
	[ $j -ge 1200 ] && { echo 0; return; }
	awk -v s="$s" -v e="$e" -v m="$MSGS" 'BEGIN { print m / (e - s) }'
}
: > "$T/a"; : > "$T/b"
i=0
while [ $i -lt "$RUNS" ]; do
	run "$MP" "$T/mta/maillog" >> "$T/a"
	run "$PP" "$T/pf/maillog" >> "$T/b"
	i=$((i + 1))
done
a=$(median < "$T/a"); b=$(median < "$T/b")
printf '%-34s mta %7.0f msg/s  postfix %7.0f msg/s  ratio %5.2f\n' \
    "relay end to end ($MSGS x ${SIZE}B)" "$a" "$b" \
    "$(awk -v a="$a" -v b="$b" 'BEGIN { print (b > 0 ? a / b : 0) }')"
