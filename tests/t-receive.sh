#!/bin/sh
# MIT licence: see LICENSE.
#
# t-receive.sh - the receive path end to end, against a real
# `mta postfix start` instance on 127.0.0.1 (master, smtpd, cleanup,
# pickup): smtp-source under load, Debian's Postfix relaying into mta,
# kill -9 during and after DATA (DESIGN.md, law 1), a full queue file
# system in a private mount namespace, the open-relay address tricks from
# outside mynetworks, and pipelining stuffing through master.  Loopback
# only; every process started here is stopped by its pid.
. "${TOP:-.}/tests/lib.sh"

Q=$T/q
HOST=mx.example.com
P=$(free_port)
OWNER=$(id -un)
[ "$(id -u)" = 0 ] && id postfix >/dev/null 2>&1 && OWNER=postfix
mkdir -p "$T/d"
chown "$OWNER" "$T/d"
PFDIR=
LEFT=
finish() {
	"$MTA" postfix -c "$T/etc" stop >/dev/null 2>&1
	[ -n "$PFDIR" ] && postfix -c "$PFDIR" stop >/dev/null 2>&1
	for p in $LEFT $(instance_pids); do stop_pid "$p"; done
	rm -rf "$T"
}
trap finish EXIT
[ -n "$KEEP" ] && trap - EXIT
trap 'exit 1' INT TERM

# the main.cf of this test, with ARGS... as extra lines
config() {
	cat > "$T/etc/main.cf" <<EOC
queue_directory = $Q
data_directory = $T/d
maillog_file = $T/maillog
mail_owner = $OWNER
myhostname = $HOST
mydomain = example.com
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
alias_maps =
local_recipient_maps =
smtpd_error_sleep_time = 0
service_throttle_time = 1s
EOC
	for l in "$@"; do echo "$l" >> "$T/etc/main.cf"; done
	cat > "$T/etc/master.cf" <<EOC
127.0.0.1:$P inet n - n - - smtpd
cleanup unix n - n - 0 cleanup
pickup fifo n - n 60 1 pickup
EOC
}

# start: `mta postfix start`, then wait for the listener; MPID
start() {
	"$MTA" postfix -c "$T/etc" start > "$T/start.out" 2>&1 || return 1
	MPID=$(tr -d ' \n' < "$Q/pid/master.pid" 2>/dev/null)
	wait_port "$P" 10
}

# stop: `mta postfix stop`, then wait for master to go
stop() {
	"$MTA" postfix -c "$T/etc" stop >/dev/null 2>&1
	i=0
	while [ -n "$MPID" ] && kill -0 "$MPID" 2>/dev/null && [ $i -lt 50 ]
	do sleep 0.1; i=$((i + 1)); done
	MPID=
}

# nvis / ndot: visible queue files / dot files in incoming
nvis() { find "$Q/incoming" -type f ! -name '.*' | wc -l | tr -d ' '; }
ndot() { find "$Q/incoming" -type f -name '.*' | wc -l | tr -d ' '; }
# newest: the newest visible queue file
newest() { ls -t "$Q/incoming" | grep -v '^\.' | head -n 1; }


# waitfor SECONDS CMD...: CMD succeeds within SECONDS (bounded poll)
waitfor() {
	n=$(($1 * 10)); shift; i=0
	while [ $i -lt $n ]; do
		"$@" && return 0
		sleep 0.1; i=$((i + 1))
	done
	"$@"
}

qf() { python3 "$TOP/tests/receive_qf.py" "$@"; }

# send1 SUBJECT: one message through swaks, prints its queue id
send1() {
	swaks --server "127.0.0.1:$P" --from a@example.com \
	    --to b@example.com --header "Subject: $1" --body "body of $1" \
	    --timeout 10 2>&1 | sed -n 's/.*250 2.0.0 Ok: queued as //p'
}

G="220 $HOST ESMTP Postfix"

# --- 1. load: smtp-source, 200 messages over 5 sessions ------------------
config "mynetworks = 127.0.0.0/8"
check "start" start
if [ -x /usr/sbin/smtp-source ]; then
	s=$(date +%s)
	timeout 30 smtp-source -s 5 -m 200 -l 2048 -f a@example.com \
	    -t b@example.com "127.0.0.1:$P" > "$T/ss.out" 2>&1
	rc=$?
	e=$(date +%s)
	check "smtp-source: exit 0" test "$rc" = 0
	check "smtp-source: under 20 s ($((e - s)) s)" test $((e - s)) -lt 20
	check_out "smtp-source: 200 files in incoming" 200 nvis
	check_out "smtp-source: every file complete (E last)" \
	    "200 complete, 0 bad" sh -c "cd '$Q/incoming' && python3 \
	    '$TOP/tests/receive_qf.py' check \$(ls | grep -v '^\.')"
	check_out "smtp-source: no dot files left" 0 ndot
	check_out "smtp-source: 200 client= lines in maillog" 200 \
	    sh -c "grep -c 'smtpd\[[0-9]*\]: [0-9A-Za-z]*: client=localhost\[127.0.0.1\]' '$T/maillog'"
else
	echo "# smtp-source missing: load test skipped"
fi

# --- 2. Debian's Postfix relays into mta ---------------------------------
if [ "$(id -u)" = 0 ] && [ -x /usr/sbin/postfix ] && [ -f /etc/postfix/master.cf ] &&
    command -v swaks >/dev/null; then
	PFDIR=$T/pfx/etc
	PP=$(free_port)
	while [ "$PP" = "$P" ]; do PP=$(free_port); done
	mkdir -p "$PFDIR" "$T/pfx/q" "$T/pfx/data"
	chown postfix "$T/pfx/data"
	cat > "$PFDIR/main.cf" <<EOC
compatibility_level = 3.6
queue_directory = $T/pfx/q
data_directory = $T/pfx/data
myhostname = relay.example.net
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:$P
maillog_file = $T/pfx/maillog
maillog_file_prefixes = /tmp
smtpd_relay_restrictions = permit_mynetworks, reject
smtp_tls_security_level = none
alias_maps =
EOC
	# no chroot: the instance lives under $T
	sed -e "s/^smtp      inet.*/127.0.0.1:$PP inet n - n - - smtpd/" \
	    -e 's/^\([a-z][^ ]* *[a-z-]* *[-yn] *[-yn] *\)[-y]\( \)/\1n\2/' \
	    /etc/postfix/master.cf > "$PFDIR/master.cf"
	n0=$(nvis)
	check "Postfix peer: start" postfix -c "$PFDIR" start
	check "Postfix peer: listening" wait_port "$PP" 10
	swaks --server "127.0.0.1:$PP" --from relayed@example.net \
	    --to rcpt@example.org --header "Subject: via postfix" \
	    --body "relayed body line" --timeout 10 > "$T/swaks.out" 2>&1
	has "Postfix peer: took the message" '250 2.0.0 Ok: queued as' \
	    "$T/swaks.out"
	check "Postfix peer: delivered into mta within 20 s" \
	    waitfor 20 sh -c "[ \$(find '$Q/incoming' -type f ! -name '.*' | wc -l) -gt $n0 ]"
	f=$Q/incoming/$(newest)
	qf dump "$f" > "$T/relayed" 2>&1
	has "relayed: sender record" '^S relayed@example.net$' "$T/relayed"
	has "relayed: recipient record" '^R rcpt@example.org$' "$T/relayed"
	has "relayed: Postfix's Received header" \
	    '^L[[:space:]]+by relay.example.net \(Postfix\) with ESMTP id' \
	    "$T/relayed"
	has "relayed: mta's Received header (from relay.example.net)" \
	    "^L Received: from relay.example.net \(localhost \[127.0.0.1\]\)" \
	    "$T/relayed"
	has "relayed: mta's Received names mta's host" \
	    "^L[[:space:]]+by $HOST" "$T/relayed"
	has "relayed: body" '^L relayed body line$' "$T/relayed"
	has "relayed: complete (E last)" '^E $' "$T/relayed"
	check "Postfix peer: stop" postfix -c "$PFDIR" stop
	PFDIR=
else
	echo "# not root, or no Postfix or swaks: relaying peer skipped"
fi

# --- 3. durability: kill -9 during and after DATA (law 1) ----------------
# (a) the smtpd of a session in DATA
n0=$(nvis)
python3 "$TOP/tests/receive_kill.py" "$P" smtpd > "$T/kill.out" 2>&1
has "kill smtpd: session reached DATA (354)" '^354$' "$T/kill.out"
has "kill smtpd: its smtpd found and killed" '^killed smtpd [0-9]+$' \
    "$T/kill.out"
sleep 1
check_out "kill smtpd in DATA: no visible queue file" "$n0" nvis
check_out "kill smtpd in DATA: no dot file left in incoming" 0 ndot
id=$(send1 "after smtpd kill")
check "kill smtpd: a later message is queued" test -n "$id" -a \
    -f "$Q/incoming/${id:-none}"

# (b) master, while a session is in DATA
n0=$(nvis)
python3 "$TOP/tests/receive_kill.py" "$P" master "$MPID" > "$T/kill.out" 2>&1
has "kill master: session reached DATA (354)" '^354$' "$T/kill.out"
has "kill master: killed" "^killed master $MPID\$" "$T/kill.out"
sleep 1
check_out "kill master in DATA: no visible queue file" "$n0" nvis
check_out "kill master in DATA: no dot file left in incoming" 0 ndot
grep -q 'smtpd alive after master died' "$T/kill.out" &&
    echo "# note: smtpd went on with its session after master died"
# the orphans of the dead master: wait for them to go, then end the rest
i=0
while [ -n "$(instance_pids)" ] && [ $i -lt 30 ]; do
	sleep 0.1; i=$((i + 1)); done
left=$(instance_pids)
[ -n "$left" ] && echo "# note: after kill -9 of master, still running:" \
    "$(for p in $left; do tr '\0' ' ' < /proc/$p/cmdline 2>/dev/null |
    cut -d' ' -f1; done | tr '\n' ' ')"
for p in $left; do stop_pid "$p"; done
MPID=
check "restart after master was killed" start
id=$(send1 "after master kill")
check "kill master: a later message is queued" test -n "$id" -a \
    -f "$Q/incoming/${id:-none}"

# (c) after a 250, kill -9 every process of the instance
id=$(send1 "durable one")
pids=$(instance_pids)
check "kill all: the instance has processes" test -n "$pids"
kill -9 $pids 2>/dev/null
for p in $pids; do stop_pid "$p"; done
MPID=
f=$Q/incoming/${id:-none}
check "kill all after 250: the queue file is there" test -f "$f"
qf dump "$f" > "$T/durable" 2>&1
has "kill all after 250: complete (E last)" '^E $' "$T/durable"
has "kill all after 250: body kept" '^L body of durable one$' "$T/durable"
has "kill all after 250: subject kept" '^L Subject: durable one$' \
    "$T/durable"

# --- 4. a full queue file system (private mount namespace) ---------------
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null &&
    unshare -m true 2>/dev/null; then
	E4=$T/etc4
	Q4=$T/q4
	P4=$(free_port)
	PM=$(free_port)
	while [ "$PM" = "$P4" ]; do PM=$(free_port); done
	PL=$(free_port)
	while [ "$PL" = "$P4" ] || [ "$PL" = "$PM" ]; do PL=$(free_port); done
	mkdir -p "$E4" "$Q4"
	sed -e "s|^queue_directory.*|queue_directory = $Q4|" \
	    "$T/etc/main.cf" > "$E4/main.cf"
	echo "message_size_limit = 100000" >> "$E4/main.cf"
	cat > "$E4/master.cf" <<EOC
127.0.0.1:$P4 inet n - n - - smtpd
127.0.0.1:$PM inet n - n - - smtpd
  -o queue_minfree=1000000
127.0.0.1:$PL inet n - n - - smtpd
  -o message_size_limit=1000000
cleanup unix n - n - 0 cleanup
pickup fifo n - n 60 1 pickup
EOC
	cat > "$T/ns.sh" <<EOC
mount -t tmpfs -o size=300k tmpfs "$Q4" || exit 3
"$MTA" postfix -c "$E4" start > "$T/ns.start" 2>&1
m=\$(tr -d ' \n' < "$Q4/pid/master.pid" 2>/dev/null)
for p in $P4 $PM $PL; do
	i=0; while ! python3 -c "import socket
socket.create_connection(('127.0.0.1', \$p), 0.5).close()" 2>/dev/null &&
	    [ \$i -lt 50 ]; do sleep 0.2; i=\$((i + 1)); done
done
timeout 60 python3 "$TOP/tests/receive_disk.py" $P4 $PM $PL "$Q4" \
    > "$T/disk.out" 2>&1
sleep 0.5
ls -a "$Q4/incoming" > "$T/disk.files"
for f in "$Q4"/incoming/[!.]*; do
	[ -f "\$f" ] && python3 "$TOP/tests/receive_qf.py" dump "\$f"
done > "$T/disk.dump" 2>&1
"$MTA" postfix -c "$E4" stop > /dev/null 2>&1
i=0; while [ -n "\$m" ] && kill -0 "\$m" 2>/dev/null && [ \$i -lt 50 ]; do
	sleep 0.1; i=\$((i + 1)); done
umount "$Q4"
EOC
	timeout 120 unshare -m sh "$T/ns.sh"
	rc=$?
	check "disk full: the namespace script ran (exit $rc)" test "$rc" = 0
	step() { grep "^$1|" "$T/disk.out" | cut -d'|' -f2-; }
	check_out "queue_minfree not met: MAIL 452 4.3.1" \
	    "452 4.3.1 Insufficient system storage" step MINFREE
	check_out "free < 1.5 x message_size_limit: MAIL 452 4.3.1" \
	    "452 4.3.1 Insufficient system storage" step LIMIT
	check_out "room at MAIL: 250" "250 2.1.0 Ok" step ROOM
	check_out "a few KB left at DATA: 354" \
	    "354 End data with <CR><LF>.<CR><LF>" step FULL354
	r=$(step FULLDOT)
	case $r in
	"451 4.3.0 "*) ok "disk full during DATA: $r" ;;
	*) fail "disk full during DATA" "reply [$r], want 451 4.3.0" ;;
	esac
	r=$(step FULLMAIL)
	case $r in
	"452 4.3.1 Insufficient system storage") ok "file system full ($(step FREE) bytes free): MAIL $r" ;;
	*) fail "file system full ($(step FREE) bytes free): MAIL" "reply [$r], want 452 4.3.1" ;;
	esac
	r=$(step AFTER)
	case $r in
	"250 2.0.0 Ok: queued as "*) ok "space back: a message is queued" ;;
	*) fail "space back: a message is queued" "reply [$r]" ;;
	esac
	check_out "disk full: only that message in incoming (no partial or dot file)" \
	    ". .. ${r##* } " sh -c "tr '\n' ' ' < '$T/disk.files'"
	has "disk full: the kept message is complete" '^E $' "$T/disk.dump"
	check_out "disk full: nothing of the too-big message kept" 0 \
	    sh -c "grep -c 'too big' '$T/disk.dump'"
	for p in $(for d in /proc/[0-9]*; do { tr '\0' ' ' < "$d/cmdline"; } \
	    2>/dev/null | grep -q -- "-c $E4\( \|$\)" && echo "${d#/proc/}"; done)
	do stop_pid "$p"; done
else
	echo "# not root or no unshare -m: disk-full tests skipped"
fi

# --- 5. open-relay address tricks from outside mynetworks ----------------
# (pipelining out of turn only logged on $P, refused on $PF)
config "mynetworks = 10.99.99.0/24" "mydestination = example.com" \
    "smtpd_forbid_unauth_pipelining = no"
PF=$(free_port)
while [ "$PF" = "$P" ]; do PF=$(free_port); done
# PGL and PGF greet after a second (a sleep restriction with
# smtpd_delay_reject = no): a client's early bytes are there before the 220
# however loaded the machine is
PGL=$(free_port)
PGF=$(free_port)
cat >> "$T/etc/master.cf" <<EOC
127.0.0.1:$PF inet n - n - - smtpd
  -o smtpd_forbid_unauth_pipelining=yes
127.0.0.1:$PGL inet n - n - - smtpd
  -o smtpd_delay_reject=no
  -o { smtpd_client_restrictions = sleep 1 }
127.0.0.1:$PGF inet n - n - - smtpd
  -o smtpd_forbid_unauth_pipelining=yes
  -o smtpd_delay_reject=no
  -o { smtpd_client_restrictions = sleep 1 }
EOC
check "start outside mynetworks" start
check "forbid service listening" wait_port "$PF" 10
check "greeting-delay service (log only) listening" wait_port "$PGL" 10
check "greeting-delay service (forbid) listening" wait_port "$PGF" 10
n0=$(nvis)
lines0=$(wc -l < "$T/maillog")
python3 - "$P" > "$T/relay.out" 2>&1 <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 5)
s.settimeout(5)
f = s.makefile("rb")
def reply():
    while True:
        ln = f.readline().decode("latin1").rstrip("\r\n")
        if ln[3:4] != "-":
            return ln
reply()
for c in ("EHLO outside.example", "MAIL FROM:<a@outside.example>"):
    s.sendall(c.encode() + b"\r\n"); reply()
for a in ("user%other.net@example.com", "other.net!user@example.com",
          '"user@other.net"@example.com', "@example.com:user@other.net",
          "user@other.net.", "user@[192.0.2.1]",
          "user@other.net@example.com", "postmaster@example.com"):
    s.sendall(b"RCPT TO:<" + a.encode() + b">\r\n")
    print("%s|%s" % (a, reply()))
s.sendall(b"DATA\r\n"); print("DATA|" + reply())
s.sendall(b"Subject: relay test\r\n\r\nx\r\n.\r\n"); print("DOT|" + reply())
s.sendall(b"QUIT\r\n"); reply()
PY
for a in 'user%other.net@example.com' 'other.net!user@example.com' \
    '"user@other.net"@example.com' '@example.com:user@other.net' \
    'user@other.net.' 'user@[192.0.2.1]' 'user@other.net@example.com'; do
	r=$(grep -F "$a|" "$T/relay.out" | head -n 1 | cut -d'|' -f2-)
	case $r in
	[45][0-9][0-9]" "*) ok "relay trick <$a>: $r" ;;
	*) fail "relay trick <$a>" "reply [$r], want 4xx/5xx" ;;
	esac
done
r=$(grep -F "postmaster@example.com|" "$T/relay.out" | cut -d'|' -f2-)
case $r in
"250 2.1.5 Ok") ok "local recipient <postmaster@example.com>: $r" ;;
*) fail "local recipient <postmaster@example.com>" "reply [$r]" ;;
esac
sleep 0.3
tail -n +$((lines0 + 1)) "$T/maillog" > "$T/newlog"
check_out "relay tricks: 7 rejects logged (NOQUEUE: reject: RCPT)" 7 \
    sh -c "grep -c 'NOQUEUE: reject: RCPT from localhost\[127.0.0.1\]' '$T/newlog'"
check_out "relay tricks: one message, for the local recipient only" \
    "$((n0 + 1))" nvis
f=$Q/incoming/$(newest)
qf dump "$f" > "$T/local" 2>&1
check_out "relay tricks: the one recipient record" "R postmaster@example.com" \
    grep '^R ' "$T/local"

# --- 6. pipelining and stuffing through master ---------------------------
EHLO=$(ehlo_reply "$HOST")
# a client that waits for EHLO, then pipelines the transaction (RFC 2920)
talk "$P" <<'EOF'
1
1|EHLO x\r\n
3|MAIL FROM:<a@b>\r\nRCPT TO:<postmaster@example.com>\r\nDATA\r\n
1|Subject: piped\r\n\r\npiped body\r\n.\r\nQUIT\r\n
1
EOF
id=$(sed -n 's/^250 2.0.0 Ok: queued as //p' "$T/out")
same "pipelined MAIL, RCPT, DATA after EHLO: replies in order" "$G
$EHLO
250 2.1.0 Ok
250 2.1.5 Ok
354 End data with <CR><LF>.<CR><LF>
250 2.0.0 Ok: queued as $id
221 2.0.0 Bye
[closed]"
check "pipelined message queued" test -n "$id" -a -f "$Q/incoming/${id:-none}"
# EHLO, MAIL, RCPT, DATA in one packet: replied in order, logged
lines0=$(wc -l < "$T/maillog")
talk "$P" <<'EOF'
1
4|EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<postmaster@example.com>\r\nDATA\r\n
1|x\r\n.\r\n
1|QUIT\r\n
EOF
id=$(sed -n 's/^250 2.0.0 Ok: queued as //p' "$T/out")
same "EHLO+MAIL+RCPT+DATA in one packet: replies in order" "$G
$EHLO
250 2.1.0 Ok
250 2.1.5 Ok
354 End data with <CR><LF>.<CR><LF>
250 2.0.0 Ok: queued as $id
221 2.0.0 Bye
[closed]"
sleep 0.3
tail -n +$((lines0 + 1)) "$T/maillog" > "$T/newlog"
has "one packet: improper pipelining after EHLO logged" \
    'improper command pipelining after EHLO from localhost\[127.0.0.1\]: MAIL FROM:<a@b>' \
    "$T/newlog"
# the same before the greeting: logged (forbid=no) ...
lines0=$(wc -l < "$T/maillog")
talk "$PGL" <<'EOF'
0|EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<postmaster@example.com>\r\nDATA\r\n
5
1|QUIT\r\n
EOF
sleep 0.3
tail -n +$((lines0 + 1)) "$T/maillog" > "$T/newlog"
has "before the greeting: improper pipelining after CONNECT logged" \
    'improper command pipelining after CONNECT from localhost\[127.0.0.1\]: EHLO x' \
    "$T/newlog"
# ... and refused with smtpd_forbid_unauth_pipelining = yes
n0=$(nvis)
talk "$PGF" <<'EOF'
0|EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<postmaster@example.com>\r\nDATA\r\nx\r\n.\r\n
3
EOF
same "before the greeting, forbid=yes: 554 instead of the greeting" "554 5.5.0 Error: SMTP protocol synchronization
[closed]"
check_out "before the greeting, forbid=yes: nothing queued" "$n0" nvis
# commands stuffed after the dot in a HELO (no PIPELINING) session
talk "$PF" <<'EOF'
1
1|HELO x\r\n
1|MAIL FROM:<a@b>\r\n
1|RCPT TO:<postmaster@example.com>\r\n
1|DATA\r\n
1|x\r\n.\r\nMAIL FROM:<evil@x>\r\nRCPT TO:<postmaster@example.com>\r\nDATA\r\n
EOF
same "stuffed after the dot without PIPELINING, forbid=yes: 554" "$G
250 $HOST
250 2.1.0 Ok
250 2.1.5 Ok
354 End data with <CR><LF>.<CR><LF>
554 5.5.0 Error: SMTP protocol synchronization
[closed]"
check_out "stuffed after the dot, forbid=yes: nothing queued" "$n0" nvis
# the same with forbid=no: the message is taken, the stuffing logged
lines0=$(wc -l < "$T/maillog")
talk "$P" <<'EOF'
1
1|HELO x\r\n
1|MAIL FROM:<a@b>\r\n
1|RCPT TO:<postmaster@example.com>\r\n
1|DATA\r\n
1|x\r\n.\r\nRSET\r\n
1
1|QUIT\r\n
EOF
has "stuffed after the dot, forbid=no: queued" \
    '^250 2.0.0 Ok: queued as [0-9A-Za-z]+$'
sleep 0.3
tail -n +$((lines0 + 1)) "$T/maillog" > "$T/newlog"
has "stuffed after the dot, forbid=no: logged" \
    'improper command pipelining after [A-Z.-]+ from localhost\[127.0.0.1\]: RSET' \
    "$T/newlog"
# a smuggled end of data (LF.LF, CR.CR) does not end DATA
talk "$P" <<'EOF'
1
1|EHLO x\r\n
3|MAIL FROM:<a@b>\r\nRCPT TO:<postmaster@example.com>\r\nDATA\r\n
0|a\n.\nMAIL FROM:<smuggled@x>\r\nb\r.\rc\r\n
1|.\r\n
1|QUIT\r\n
EOF
id=$(sed -n 's/^250 2.0.0 Ok: queued as //p' "$T/out")
check "smuggling: one message for the whole body" test -n "$id"
check_out "smuggling: no reply to the smuggled MAIL (one 250 2.1.0)" 1 \
    sh -c "grep -c '^250 2.1.0' '$T/out'"
qf dump "$Q/incoming/${id:-none}" > "$T/smuggled" 2>&1
has "smuggling: the smuggled MAIL stays in the body" \
    '^L.*MAIL FROM:<smuggled@x>' "$T/smuggled"
stop
