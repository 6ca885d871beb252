#!/bin/sh
# MIT licence: see LICENSE.
#
# smtp.sh - SMTP accept rate: smtp-source (Debian's postfix package) sends
# the same messages over the same number of sessions to mta and to a real
# Postfix on loopback, alternating run by run; medians and their ratio.
# Both servers only accept: Postfix runs without qmgr (in_flow_delay = 0,
# since without qmgr no flow tokens come back; its wake-up fifo exists, so
# cleanup does not warn) and mta has no qmgr yet, so neither spends time
# delivering.  Run as root (the Postfix instance needs its postfix user).
: "${MTA:=$(pwd)/mta}"
: "${RUNS:=5}"
: "${MSGS:=1000}"
: "${SESSIONS:=10}"
: "${SIZE:=4096}"
"$MTA" master --help >/dev/null 2>&1 || { echo "smtp: mta master not built"; exit 0; }
[ -x /usr/sbin/smtp-source ] || { echo "smtp: smtp-source missing"; exit 0; }
[ "$(id -u)" = 0 ] || { echo "smtp: needs root for the Postfix instance"; exit 0; }

T=$(mktemp -d /tmp/mta-bench-smtp.XXXXXX) || exit 1
chmod 755 "$T"
. "$(dirname "$0")/lib.sh"
PP=$(port); MP=$(port)

# Postfix: a private instance on 127.0.0.1:$PP
pf_main "in_flow_delay = 0"
sed -e "s/^smtp      inet.*/127.0.0.1:$PP inet n - n - - smtpd/" \
    -e '/^qmgr /d' /etc/postfix/master.cf > "$T/pf/etc/master.cf"

# mta: the same, on 127.0.0.1:$MP
mta_main ""
cat > "$T/mta/etc/master.cf" <<EOC
127.0.0.1:$MP inet n - n - - smtpd
cleanup unix n - n - 0 cleanup
EOC

cleanup() {
	postfix -c "$T/pf/etc" stop >/dev/null 2>&1
	"$MTA" postfix -c "$T/mta/etc" stop >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
postfix -c "$T/pf/etc" start >/dev/null 2>&1 || { echo "smtp: Postfix did not start"; exit 1; }
mkfifo -m 622 "$T/pf/q/public/qmgr" && chown postfix "$T/pf/q/public/qmgr"
"$MTA" postfix -c "$T/mta/etc" start >/dev/null 2>&1 || { echo "smtp: mta did not start"; exit 1; }
sleep 1

: > "$T/a"; : > "$T/b"
i=0
while [ $i -lt "$RUNS" ]; do
	s=$(now); smtp-source -s "$SESSIONS" -m "$MSGS" -l "$SIZE" \
	    -f bench@example.com -t sink@example.net "127.0.0.1:$MP"; e=$(now)
	awk -v s="$s" -v e="$e" -v m="$MSGS" 'BEGIN { print m / (e - s) }' >> "$T/a"
	s=$(now); smtp-source -s "$SESSIONS" -m "$MSGS" -l "$SIZE" \
	    -f bench@example.com -t sink@example.net "127.0.0.1:$PP"; e=$(now)
	awk -v s="$s" -v e="$e" -v m="$MSGS" 'BEGIN { print m / (e - s) }' >> "$T/b"
	i=$((i + 1))
done
a=$(median < "$T/a"); b=$(median < "$T/b")
printf '%-34s mta %7.0f msg/s  postfix %7.0f msg/s  ratio %5.2f\n' \
    "smtp accept ($MSGS x ${SIZE}B, $SESSIONS sessions)" "$a" "$b" \
    "$(awk -v a="$a" -v b="$b" 'BEGIN { print (b > 0 ? a / b : 0) }')"
