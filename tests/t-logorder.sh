#!/bin/sh
# MIT licence: see LICENSE.
#
# t-logorder.sh - the receive path's log lines, in Postfix's order and
# shapes, so that log readers (pflogsumm) read mta's log as Postfix's:
#   smtpd[P]: connect from host[ip]
#   smtpd[P]: QUEUEID: client=host[ip]
#   cleanup[C]: QUEUEID: message-id=<...>
# and for sendmail (as root, or through maildrop) "pickup[P]: QUEUEID:
# uid=N from=<user>" before cleanup's message-id.  A real `mta postfix
# start` instance (smtpd, cleanup, pickup) on 127.0.0.1; Debian's Postfix,
# run on a scratch configuration, logs the same submissions as the oracle
# for the shapes; pflogsumm must count mta's messages as received.
# Loopback only; every process started here is stopped by its pid.
. "${TOP:-.}/tests/lib.sh"

if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null ||
    ! command -v swaks >/dev/null; then
	echo "# not root, or no setpriv or swaks: log order tests skipped"
	exit 0
fi

Q=$T/q
HOST=mx.example.com
P=$(free_port)
OWNER=$(id -un)
id postfix >/dev/null 2>&1 && OWNER=postfix
mkdir -p "$T/d"
chown "$OWNER" "$T/d"
PFDIR=
finish() {
	"$MTA" postfix -c "$T/etc" stop >/dev/null 2>&1
	[ -n "$PFDIR" ] && postfix -c "$PFDIR" stop >/dev/null 2>&1
	for p in $(instance_pids); do stop_pid "$p"; done
	rm -rf "$T"
}
trap finish EXIT
trap 'exit 1' INT TERM

cat > "$T/etc/main.cf" <<EOC
queue_directory = $Q
data_directory = $T/d
maillog_file = $T/maillog
mail_owner = $OWNER
myhostname = $HOST
mydomain = example.com
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps =
local_recipient_maps =
smtpd_error_sleep_time = 0
service_throttle_time = 1s
EOC
cat > "$T/etc/master.cf" <<EOC
127.0.0.1:$P inet n - n - - smtpd
cleanup unix n - n - 0 cleanup
pickup fifo n - n 60 1 pickup
EOC

# lo.py order FILE ID RE...: the REs (ID in them stands for the queue id)
# match lines of FILE in this order.  lo.py shape FILE: the lines of
# smtpd, cleanup and pickup about connections and arrivals, with program
# names, queue ids, pids and message-ids made neutral.
cat > "$T/lo.py" <<'EOF'
import re, sys
lines = open(sys.argv[2], errors='replace').read().splitlines()
if sys.argv[1] == 'order':
    i = 0
    for pat in sys.argv[4:]:
        rx = re.compile(pat.replace('ID', re.escape(sys.argv[3])))
        while i < len(lines) and not rx.search(lines[i]):
            i += 1
        if i == len(lines):
            sys.exit('not found in order: ' + pat)
        i += 1
    sys.exit(0)
ids = {}
for l in lines:
    m = re.search(r' [a-z]+/(smtpd|cleanup|pickup)\[\d+\]: (.*)$', l)
    if not m:
        continue
    prog, msg = m.groups()
    if not re.match(r'(connect from|disconnect from|\w+: (client|uid|message-id)=)', msg):
        continue
    m = re.match(r'(\w+): (.*)', msg)
    if m and not msg.startswith(('connect', 'disconnect')):
        q = ids.setdefault(m.group(1), 'ID%d' % (len(ids) + 1))
        msg = q + ': ' + m.group(2)
    msg = re.sub(r'message-id=<[^>]*>', 'message-id=<X>', msg)
    print(prog + ': ' + msg)
EOF
order() { name=$1; shift; check "$name" python3 "$T/lo.py" order "$T/maillog" "$@"; }
lines() { grep -c "$1" "$T/maillog" 2>/dev/null; }

# waitlog N PATTERN: the maillog has N lines matching PATTERN (10 s at most)
waitlog() {
	i=0
	while [ "$(lines "$2")" -lt "$1" ] && [ $i -lt 100 ]; do
		sleep 0.1; i=$((i + 1))
	done
	[ "$(lines "$2")" -ge "$1" ]
}

check "start" sh -c "'$MTA' postfix -c '$T/etc' start > '$T/start.out' 2>&1"
check "listening" wait_port "$P" 10

# --- 1. an SMTP message --------------------------------------------------
swaks --server "127.0.0.1:$P" --from a@example.com --to b@example.org \
    --header "Subject: one" --body "body one" --timeout 10 > "$T/sw1" 2>&1
ID1=$(sed -n 's/.*250 2.0.0 Ok: queued as //p' "$T/sw1")
check "smtp: queued" test -n "$ID1"
waitlog 1 "disconnect from"
order "smtp: connect, client=, message-id, disconnect in order" "$ID1" \
    'mta/smtpd\[[0-9]+\]: connect from localhost\[127\.0\.0\.1\]$' \
    'mta/smtpd\[[0-9]+\]: ID: client=localhost\[127\.0\.0\.1\]$' \
    'mta/cleanup\[[0-9]+\]: ID: message-id=<' \
    'mta/smtpd\[[0-9]+\]: disconnect from localhost\[127\.0\.0\.1\]'
check_out "smtp: one client= line" 1 lines ": $ID1: client="

# --- 2. sendmail as root: pickup's line, before cleanup's ----------------
printf 'Subject: two\n\nbody two\n' |
    "$MTA" sendmail -f root b@example.org > "$T/sm2" 2>&1
check "root sendmail: exit 0" test $? = 0
waitlog 1 "uid=0 from=<root>"
ID2=$(sed -n 's/.*: \([0-9A-Za-z]*\): uid=0 from=<root>$/\1/p' \
    "$T/maillog" | tail -n 1)
order "root sendmail: pickup's uid=0 line, then message-id" "$ID2" \
    'mta/pickup\[[0-9]+\]: ID: uid=0 from=<root>$' \
    'mta/cleanup\[[0-9]+\]: ID: message-id=<'
check "root sendmail: no uid= line under sendmail's name" \
    sh -c "! grep -q 'mta/sendmail\[[0-9]*\]: .*uid=' '$T/maillog'"
check_out "root sendmail: nothing on stderr" "" cat "$T/sm2"

# --- 3. sendmail as nobody: maildrop, then pickup ------------------------
printf 'Subject: three\n\nbody three\n' |
    setpriv --reuid=65534 --regid=65534 --clear-groups \
    "$MTA" sendmail b@example.org > "$T/sm3" 2>&1
check "nobody sendmail: exit 0" test $? = 0
check "nobody: pickup logged it within 10 s" \
    waitlog 1 "uid=65534 from=<nobody>"
waitlog 3 "message-id="
ID3=$(sed -n 's/.*: \([0-9A-Za-z]*\): uid=65534 from=<nobody>$/\1/p' \
    "$T/maillog" | tail -n 1)
order "nobody sendmail: pickup's uid= line, then message-id" "$ID3" \
    'mta/pickup\[[0-9]+\]: ID: uid=65534 from=<nobody>$' \
    'mta/cleanup\[[0-9]+\]: ID: message-id=<'

# --- 4. sendmail -bs as root: an SMTP session on stdin -------------------
printf 'HELO me\r\nMAIL FROM:<root>\r\nRCPT TO:<b@example.org>\r\nDATA\r\nSubject: four\r\n\r\nbody four\r\n.\r\nQUIT\r\n' |
    "$MTA" sendmail -bs > "$T/bs" 2>&1
ID4=$(sed -n 's/^250 2.0.0 Ok: queued as \([0-9A-Za-z]*\).*/\1/p' "$T/bs")
check "sendmail -bs: queued" test -n "$ID4"
waitlog 2 "disconnect from"
order "sendmail -bs: connect, client=, message-id in order" "$ID4" \
    'mta/smtpd\[[0-9]+\]: connect from localhost\[127\.0\.0\.1\]$' \
    'mta/smtpd\[[0-9]+\]: ID: client=localhost\[127\.0\.0\.1\]$' \
    'mta/cleanup\[[0-9]+\]: ID: message-id=<'

# --- 5. pflogsumm counts what mta received -------------------------------
if command -v pflogsumm >/dev/null; then
	pflogsumm --syslog-name=mta "$T/maillog" > "$T/pfl" 2>&1
	has "pflogsumm: 4 received" '^ +4 +received$' "$T/pfl"
else
	echo "# no pflogsumm: its count skipped"
fi

# --- 6. the oracle: Debian's Postfix logs the same shapes ----------------
# the probe connection, the SMTP message and root's sendmail, in each log
python3 "$T/lo.py" shape "$T/maillog" > "$T/shape.all"
head -n 8 "$T/shape.all" > "$T/shape.mta"
if [ -x /usr/sbin/postfix ] && [ -f /etc/postfix/master.cf ]; then
	PFDIR=$T/pfx/etc
	PP=$(free_port)
	while [ "$PP" = "$P" ]; do PP=$(free_port); done
	mkdir -p "$PFDIR" "$T/pfx/q" "$T/pfx/data"
	chown postfix "$T/pfx/data"
	cat > "$PFDIR/main.cf" <<EOC
compatibility_level = 3.6
queue_directory = $T/pfx/q
data_directory = $T/pfx/data
myhostname = $HOST
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:9
defer_transports = smtp
maillog_file = $T/pfx/maillog
maillog_file_prefixes = /tmp
smtp_tls_security_level = none
alias_maps =
EOC
	sed -e "s/^smtp      inet.*/127.0.0.1:$PP inet n - n - - smtpd/" \
	    -e 's/^\([a-z][^ ]* *[a-z-]* *[-yn] *[-yn] *\)[-y]\( \)/\1n\2/' \
	    /etc/postfix/master.cf > "$PFDIR/master.cf"
	check "Postfix: start" postfix -c "$PFDIR" start
	check "Postfix: listening" wait_port "$PP" 10
	swaks --server "127.0.0.1:$PP" --from a@example.com \
	    --to b@example.org --header "Subject: one" --body "body one" \
	    --timeout 10 > "$T/pfsw" 2>&1
	i=0
	while ! grep -q "disconnect from" "$T/pfx/maillog" && [ $i -lt 100 ]
	do sleep 0.1; i=$((i + 1)); done
	printf 'Subject: two\n\nbody two\n' |
	    MAIL_CONFIG=$PFDIR /usr/sbin/sendmail -f root b@example.org
	i=0
	while [ "$(grep -c 'message-id=' "$T/pfx/maillog")" -lt 2 ] &&
	    [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	python3 "$T/lo.py" shape "$T/pfx/maillog" > "$T/shape.all"
	head -n 8 "$T/shape.all" > "$T/shape.pf"
	check_same "the same lines in the same order as Postfix's" \
	    "$T/shape.pf" "$T/shape.mta"
	check "Postfix: stop" postfix -c "$PFDIR" stop
	PFDIR=
else
	echo "# no Postfix: the oracle comparison skipped"
fi
