# MIT licence: see LICENSE.
#
# t-postqueue.sh - the queue tools: postqueue -p/-j (mailq, sendmail -bp)
# against Debian's Postfix for the same queue content, the showq service
# for users who cannot read the queue (under a running master), the
# flush triggers, postsuper on each queue state, postcat on a normal and
# a corrupt file.
#
# Runs as root, in a scratch queue under $T/q (modes as queue.c makes
# them).  Queue states are built with the real binary (sendmail as root
# queues through cleanup into incoming/), moved between directories, and
# given defer logs written here in the rcptlog format (rcptlog.h).  The
# Postfix oracle is a scratch instance whose relayhost is a closed port,
# so its mail is deferred with "Connection refused".
. "$TOP/tests/lib.sh"

if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
	fail "setup" "t-postqueue.sh needs root and setpriv"
	exit 1
fi
chmod 755 "$T"
Q=$T/q
cat > "$T/etc/main.cf" <<EOF
queue_directory = $Q
maillog_file = $T/maillog
mail_owner = postfix
alias_database = cdb:$T/aliases
myhostname = mta.example.net
EOF
mkqueue || { fail "queue" "set-permissions failed"; exit 1; }
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
ids() { ls "$Q/$1" 2>/dev/null | grep -v '^\.'; }
count() { ids "$1" | wc -l; }
PIDS=
cleanup_all() {
	[ -n "$PIDS" ] && stop_pid $PIDS
	"$MTA" postfix stop >/dev/null 2>&1
	[ -n "$PFDIR" ] && postfix -c "$PFDIR" stop >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup_all EXIT INT TERM

# the closed port both relayhosts point at, and the reason Postfix gives
CP=$(free_port)
REASON="connect to 127.0.0.1[127.0.0.1]:$CP: Connection refused"

# qf.py: records of a queue file, the offset of R records, R -> D, and
# appending defer log entries (the rcptlog format)
cat > "$T/qf.py" <<'PY'
import sys, time
def recs(path):
    d = open(path, "rb").read()
    i, out = 0, []
    while i < len(d):
        off = i
        t = chr(d[i]); i += 1
        j = d.index(b" ", i)
        n = int(d[i:j]); i = j + 1
        out.append((off, t, d[i:i + n])); i += n + 1
    return out
def rec(t, data):
    data = data.encode() if isinstance(data, str) else data
    return t.encode() + str(len(data)).encode() + b" " + data + b"\n"
cmd, path = sys.argv[1], sys.argv[2]
if cmd == "dump":
    for off, t, data in recs(path):
        print(t, data.decode(errors="replace"))
elif cmd == "done":		# done FILE ADDR: mark that recipient done
    for off, t, data in recs(path):
        if t == "R" and data.decode() == sys.argv[3]:
            with open(path, "r+b") as f:
                f.seek(off); f.write(b"D")
elif cmd == "defer":	# defer FILE LOG REASON: every R into the log
    out = b""
    for off, t, data in recs(path):
        if t == "R":
            out += rec("A", "offset=%d" % off) + rec("A", "dsn=4.4.1")
            out += rec("A", "action=delayed") + rec("A", "relay=none")
            out += rec("A", "time=%d" % time.time())
            out += rec("A", "reason=" + sys.argv[4]) + rec("R", data)
    open(sys.argv[3], "ab").write(out)
PY
qf() { python3 "$T/qf.py" "$@"; }
# pfx CMD ARGS...: Debian's Postfix program on the scratch instance
pfx() { _p=$1; shift; MAIL_CONFIG=$PFDIR "/usr/sbin/$_p" "$@"; }

# norm: mailq output with ids, sizes and dates masked, widths checked,
# messages sorted (directory order differs between the two)
cat > "$T/norm.py" <<'PY'
import re, sys, time
lines = sys.stdin.read().split("\n")
longids = lines and lines[0].startswith("----Queue ID")
w = (17, 8, 19) if longids else (11, 7, 20)
blocks, cur, head, tail = [], [], [], []
for l in lines:
    m = re.match(r"^([0-9A-Za-z]+)([*! ]?)", l)
    if l.startswith("-Queue ID-") or l.startswith("----Queue ID"):
        head.append(l); continue
    if l.startswith("-- ") or l == "Mail queue is empty":
        tail.append(l); continue
    if m and l[0] != " ":
        idst, size, date = l[:w[0]], l[w[0] + 1:w[0] + 1 + w[1]], \
            l[w[0] + w[1] + 2:w[0] + w[1] + 2 + w[2]]
        ok = (l[w[0]] == " " and re.match(r"^ *\d+$", size) and
              l[w[0] + w[1] + 1] == " " and
              l[w[0] + w[1] + 2 + w[2]] == " ")
        time.strptime(date.strip(), "%a %b %d %H:%M:%S")
        st = m.group(2) if m.group(2) in "*!" else ""
        cur = ["ID%s SIZE DATE %s%s" % (st, l[w[0] + w[1] + w[2] + 3:],
               "" if ok else " BADWIDTH")]
        blocks.append(cur); continue
    if l == "":
        continue
    cur.append(l)
blocks.sort(key=lambda b: b[0].split(" ", 3)[-1])
print("\n".join(head))
for b in blocks:
    print("\n".join(b)); print()
print("\n".join(re.sub(r"-- \d+ Kbytes", "-- N Kbytes", t) for t in tail))
PY
norm() { python3 "$T/norm.py"; }

# json_norm: postqueue -j lines as one sorted JSON list, ids and sizes
# and times checked for type and dropped
json_norm() {
	python3 -c '
import json, sys
out = []
for l in sys.stdin:
    o = json.loads(l)
    keys = list(o.keys())
    assert isinstance(o["arrival_time"], int) and isinstance(o["message_size"], int)
    assert o["forced_expire"] is False
    for k in ("queue_id", "arrival_time", "message_size"):
        o[k] = None
    out.append([keys, o])
out.sort(key=lambda x: x[1]["sender"])
print(json.dumps(out, sort_keys=True))'
}

# --- an empty queue ---------------------------------------------------------
check_out "postqueue -p: empty queue" "Mail queue is empty" mta postqueue -p
check_out "mailq: empty queue" "Mail queue is empty" mta mailq
check_out "sendmail -bp: empty queue" "Mail queue is empty" mta sendmail -bp
check_out "postqueue -j: empty queue, no output" "" mta postqueue -j

# --- the same two messages in mta's queue and in Postfix's ------------------
RCPTS=user@example.com
printf 'Subject: one\n\nbody one\n' | mta sendmail -f sender@example.com \
    user@example.com other@example.org
printf 'Subject: two\n\nbody two\n' | mta sendmail -f '' \
    bounce@example.com
check "two messages queued through cleanup" test "$(count incoming)" = 2
check_out "postqueue -p: 2 Requests" "-- 0 Kbytes in 2 Requests." \
    sh -c "'$MTA' postqueue -p | tail -n 1"
# everything deferred, with the reason Postfix would give
for id in $(ids incoming); do
	mv "$Q/incoming/$id" "$Q/deferred/$id"
	qf defer "$Q/deferred/$id" "$Q/defer/$id" "$REASON"
done
chown postfix "$Q"/defer/*
mta mailq > "$T/mq" 2> "$T/mq.err"
has "mailq: the header line" \
    '^-Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------$' \
    "$T/mq"
has "mailq: <> is MAILER-DAEMON" '^[0-9A-F]+ +[0-9]+ .{20} MAILER-DAEMON$' \
    "$T/mq"
check "mailq: the reason, right-aligned, in parentheses" grep -qxF \
    "$(printf '%*s(%s)' $((76 - ${#REASON})) '' "$REASON")" "$T/mq"
has "mailq: recipients indented to column 42" \
    '^ {41}other@example\.org$' "$T/mq"

PFDIR=
if [ -x /usr/sbin/postfix ] && [ -f /etc/postfix/master.cf ]; then
	PFDIR=$T/pfx/etc
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
relayhost = [127.0.0.1]:$CP
maillog_file = $T/pfx/maillog
maillog_file_prefixes = /tmp
smtp_tls_security_level = none
alias_maps =
EOC
	sed -e 's/^smtp      inet.*/#/' \
	    -e 's/^\([a-z][^ ]* *[a-z-]* *[-yn] *[-yn] *\)[-y]\( \)/\1n\2/' \
	    /etc/postfix/master.cf > "$PFDIR/master.cf"
	postfix -c "$PFDIR" start >/dev/null 2>&1
	printf 'Subject: one\n\nbody one\n' | pfx sendmail -f \
	    sender@example.com user@example.com other@example.org
	printf 'Subject: two\n\nbody two\n' | pfx sendmail -f '' \
	    bounce@example.com
	i=0
	while [ "$(pfx postqueue -p | grep -c 'Connection refused')" -lt 2 ] &&
	    [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
	pfx postqueue -p > "$T/pmq"
	norm < "$T/pmq" > "$T/pmq.n"
	norm < "$T/mq" > "$T/mq.n"
	check_same "mailq: field by field as Postfix's (deferred)" \
	    "$T/pmq.n" "$T/mq.n"
	pfx postqueue -j | json_norm > "$T/pj"
	mta postqueue -j | json_norm > "$T/mj"
	check_same "postqueue -j: Postfix's fields and values" \
	    "$T/pj" "$T/mj"
	# hold: '!' after the id, the reasons stay
	P2=$(pfx postqueue -j | python3 -c 'import json, sys
for l in sys.stdin:
    o = json.loads(l)
    if o["sender"] == "MAILER-DAEMON": print(o["queue_id"])')
	pfx postsuper -h "$P2" 2> "$T/pps.err"
	M2=
	for id in $(ids deferred); do
		grep -q '^S0 $' "$Q/deferred/$id" && M2=$id
	done
	mta postsuper -h "$M2" 2> "$T/ps.err"
	sed "s/$P2/ID/" "$T/pps.err" > "$T/pps.n"
	sed "s/$M2/ID/" "$T/ps.err" > "$T/ps.n"
	check_same "postsuper -h: Postfix's messages" "$T/pps.n" "$T/ps.n"
	pfx postqueue -p | norm > "$T/pmq.n"
	mta postqueue -p | norm > "$T/mq.n"
	check_same "mailq: held mail as Postfix shows it ('!')" \
	    "$T/pmq.n" "$T/mq.n"
	# long queue ids: wider columns, the same for the old short ids
	pfx postconf -e enable_long_queue_ids=yes
	echo "enable_long_queue_ids = yes" >> "$T/etc/main.cf"
	pfx postqueue -p | norm > "$T/pmq.n"
	mta postqueue -p | norm > "$T/mq.n"
	check_same "mailq: long queue id columns as Postfix's" \
	    "$T/pmq.n" "$T/mq.n"
	sed -i '/enable_long_queue_ids/d' "$T/etc/main.cf"
	# messages that match nothing
	for cmd in "postsuper -H NOSUCH" "postsuper -d ../x" \
	    "postqueue -i bad/id" "postqueue -s a/b"; do
		pfx $cmd > /dev/null 2> "$T/p.err"; pe=$?
		mta $cmd > /dev/null 2> "$T/m.err"; me=$?
		if [ "$pe" = "$me" ] && cmp -s "$T/p.err" "$T/m.err"; then
			ok "$cmd: as Postfix (exit $me)"
		else
			fail "$cmd: as Postfix" "exit $me/$pe:" \
			    "$(cat "$T/m.err") / $(cat "$T/p.err")"
		fi
	done
	postfix -c "$PFDIR" stop >/dev/null 2>&1
	PFDIR=
else
	echo "# no Postfix: the comparisons with Postfix skipped"
	mta postsuper -h "$(ids deferred | head -n 1)" 2>/dev/null
fi
check "postsuper -h: the file is in hold/" test "$(count hold)" = 1
has "postsuper -h: logged" 'mta/postsuper\[[0-9]+\]: [0-9A-F]+: placed on hold' \
    "$T/maillog"

# active: '*'
A=$(ids deferred | head -n 1)
mv "$Q/deferred/$A" "$Q/active/$A"
mta postqueue -p > "$T/mq"
has "mailq: active mail has '*'" "^$A\\* " "$T/mq"
mta postqueue -j > "$T/mj"
has "postqueue -j: queue_name active" "\"queue_name\": \"active\", \"queue_id\": \"$A\"" \
    "$T/mj"
mv "$Q/active/$A" "$Q/deferred/$A"

# a done recipient is not listed, and its old defer entry neither
qf done "$Q/deferred/$A" other@example.org
mta postqueue -p > "$T/mq"
if grep -q other@example.org "$T/mq"; then
	fail "mailq: done recipients are not listed" "$(cat "$T/mq")"
else ok "mailq: done recipients are not listed"; fi

# maildrop files are listed too (Postfix's order: maildrop first)
printf 'x\n' | nobody "$MTA" sendmail -f drop@example.com r@example.com
mta postqueue -p > "$T/mq"
check "mailq: a maildrop file, listed first" \
    sh -c "sed -n 2p '$T/mq' | grep -Eq '^[0-9a-f]+ +[0-9]+ .{20} drop@example.com\$'"
mta postqueue -j > "$T/mj"
has "postqueue -j: queue_name maildrop" '"queue_name": "maildrop"' "$T/mj"
rm -f "$Q"/maildrop/*

# --- users who cannot read the queue: the showq service ---------------------
check_out "nobody, no master: the report is unavailable" "" \
    nobody "$MTA" postqueue -p
has "nobody, no master: Postfix's message" \
    '^postqueue: fatal: Queue report unavailable - mail system is down$' \
    "$T/.err"
cat > "$T/etc/master.cf" <<EOF
showq unix n - n - - showq
EOF
mta postfix start > "$T/start.out" 2>&1
i=0
while [ ! -S "$Q/public/showq" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "master: public/showq, mode 0666" \
    test "$(stat -c %a "$Q/public/showq" 2>/dev/null)" = 666
mta postqueue -p > "$T/root.mq"
nobody "$MTA" postqueue -p > "$T/nobody.mq" 2> "$T/nobody.err"
check_same "nobody: mailq through showq, as root sees it" \
    "$T/root.mq" "$T/nobody.mq"
nobody "$MTA" mailq > "$T/nobody.mq" 2>&1
check_same "nobody: mailq (the name) through showq" \
    "$T/root.mq" "$T/nobody.mq"
echo "authorized_mailq_users = root" >> "$T/etc/main.cf"
# showq, a long-lived service, reads main.cf again after a reload
reload_wait
check_exit "authorized_mailq_users: nobody refused (EX_NOPERM)" 77 \
    nobody "$MTA" postqueue -p
has "authorized_mailq_users: Postfix's message" \
    '^postqueue: fatal: User nobody\(65534\) is not allowed to view the mail queue$' \
    "$T/.err"
# showq checks the list itself: a client that skips postqueue
nobody /usr/bin/python3 - "$Q/public/showq" > "$T/raw" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
d = b""
while True:
    b = s.recv(4096)
    if not b: break
    d += b
sys.stdout.write(d.decode(errors="replace"))
PY
has "showq: refuses a user off authorized_mailq_users by peer uid" \
    'refused=User nobody\(65534\) is not allowed' "$T/raw"
if grep -q '@example' "$T/raw"; then
	fail "showq: the refused client gets no listing" "$(cat "$T/raw")"
else ok "showq: the refused client gets no listing"; fi
sed -i '/authorized_mailq_users/d' "$T/etc/main.cf"
mta postfix stop >/dev/null 2>&1
rm -f "$T/etc/master.cf"

# --- flushing: the triggers qmgr and pickup get -----------------------------
check_exit "postqueue -f, no qmgr: EX_UNAVAILABLE" 69 mta postqueue -f
has "postqueue -f, no qmgr: Postfix's message" \
    '^postqueue: fatal: Cannot flush mail queue - mail system is down$' \
    "$T/.err"
python3 - "$Q/public" "$T/trig" > /dev/null 2>&1 <<'PY' &
import os, select, socket, sys
socks = {}
for name in ("qmgr", "pickup"):
    p = os.path.join(sys.argv[1], name)
    s = socket.socket(socket.AF_UNIX)
    s.bind(p); os.chmod(p, 0o666); s.listen(5)
    socks[s] = name
for _ in range(600):
    r, _w, _x = select.select(list(socks), [], [], 0.1)
    for s in r:
        c, _a = s.accept()
        c.settimeout(1)
        d = c.recv(64)
        c.close()
        with open(sys.argv[2], "a") as f:
            f.write("%s %s\n" % (socks[s], d.decode()))
PY
PIDS="$PIDS $!"
i=0
while [ ! -S "$Q/public/pickup" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
waittrig() {
	i=0
	while ! grep -qx "$1" "$T/trig" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1))
	done
	grep -qx "$1" "$T/trig"
}
check "postqueue -f: exit 0" mta postqueue -f
check "postqueue -f: qmgr gets FA" waittrig "qmgr FA"
check "postqueue -f: pickup gets W" waittrig "pickup W"
: > "$T/trig"
check "sendmail -q: as postqueue -f" mta sendmail -q
check "sendmail -q: qmgr gets FA" waittrig "qmgr FA"
: > "$T/trig"
touch -d '2 hours ago' "$Q/deferred/$A"
check "postqueue -i: exit 0" mta postqueue -i "$A"
check "postqueue -i: the file is dated now" \
    test $(( $(date +%s) - $(stat -c %Y "$Q/deferred/$A") )) -lt 60
check "postqueue -i: qmgr gets D" waittrig "qmgr D"
: > "$T/trig"
check "postqueue -i by a user: exit 0" nobody "$MTA" postqueue -i "$A"
check "postqueue -i by a user: the whole deferred queue (A)" waittrig "qmgr A"
check_exit "postqueue -s: not in fast_flush_domains" 69 \
    mta postqueue -s example.com
has "postqueue -s: Postfix's refusal" \
    '^postqueue: fatal: Flush service is not configured for destination "example.com"$' \
    "$T/.err"
echo "fast_flush_domains = example.com" >> "$T/etc/main.cf"
touch -d '2 hours ago' "$Q/deferred/$A"
: > "$T/trig"
check "postqueue -s: a fast_flush_domains site" mta postqueue -s example.com
check "postqueue -s: its deferred mail is dated now" \
    test $(( $(date +%s) - $(stat -c %Y "$Q/deferred/$A") )) -lt 60
check "postqueue -s: qmgr gets D" waittrig "qmgr D"
echo "authorized_flush_users = root" >> "$T/etc/main.cf"
check_err "authorized_flush_users: nobody refused" \
    '^postqueue: fatal: User nobody\(65534\) is not allowed to flush the mail queue$' \
    nobody "$MTA" postqueue -f
sed -i '/authorized_flush_users/d; /fast_flush_domains/d' "$T/etc/main.cf"
stop_pid $PIDS
PIDS=
rm -f "$Q/public/qmgr" "$Q/public/pickup"

# --- postsuper ----------------------------------------------------------------
check_err "postsuper: root only" \
    '^postsuper: fatal: use of this command is reserved for the superuser$' \
    nobody "$MTA" postsuper -d ALL
check_err "postsuper: an unknown queue name" \
    '^postsuper: fatal: invalid directory name: bogus$' mta postsuper -d ALL bogus
H=$(ids hold)
check_err "postsuper -H: released" "^postsuper: $H: released from hold\$" \
    mta postsuper -H "$H"
has "postsuper -H: the count" '^postsuper: Released from hold: 1 message$' \
    "$T/.err"
check "postsuper -H: into deferred/" test -f "$Q/deferred/$H"
check_err "postsuper -h ALL: the count" \
    '^postsuper: Placed on hold: 2 messages$' mta postsuper -h ALL
check "postsuper -h ALL: both in hold/" test "$(count hold)" = 2
check_err "postsuper -H ALL" '^postsuper: Released from hold: 2 messages$' \
    mta postsuper -H ALL
# -r: a new queue file through cleanup, without the done recipient
check "postsuper -r: the defer log exists before" test -f "$Q/defer/$A"
T0=$(qf dump "$Q/deferred/$A" | sed -n 's/^T //p')
check_err "postsuper -r: requeued" "^postsuper: $A: requeued\$" \
    mta postsuper -r "$A"
has "postsuper -r: the count" '^postsuper: Requeued: 1 message$' "$T/.err"
check "postsuper -r: the old file and its defer log are gone" \
    test ! -e "$Q/deferred/$A" -a ! -e "$Q/defer/$A"
N=$(ids incoming)
qf dump "$Q/incoming/$N" > "$T/new" 2>&1
has "postsuper -r: the pending recipient" '^R user@example.com$' "$T/new"
if grep -q 'other@example.org' "$T/new"; then
	fail "postsuper -r: no done recipient" "$(cat "$T/new")"
else ok "postsuper -r: no done recipient"; fi
has "postsuper -r: the sender" '^S sender@example.com$' "$T/new"
has "postsuper -r: the arrival time kept" "^T $T0\$" "$T/new"
has "postsuper -r: the content" '^L body one$' "$T/new"
# -d by id from stdin, with the logs
qf defer "$Q/incoming/$N" "$Q/defer/$N" "$REASON"
echo "$N" | mta postsuper -d - 2> "$T/ps.err"
has "postsuper -d -: removed" "^postsuper: $N: removed\$" "$T/ps.err"
has "postsuper -d -: the count" '^postsuper: Deleted: 1 message$' "$T/ps.err"
has "postsuper -d: logged" "mta/postsuper\\[[0-9]+\\]: $N: removed" \
    "$T/maillog"
check "postsuper -d: the file and its defer log are gone" \
    test ! -e "$Q/incoming/$N" -a ! -e "$Q/defer/$N"
check_err "postsuper -d: nothing found" '^postsuper: Deleted: 0 messages$' \
    mta postsuper -d NOSUCH

# -s: a name that does not match the inode, a corrupt file, a stray fifo
D=$(ids deferred | head -n 1)
cp "$Q/deferred/$D" "$Q/deferred/12345AAAA"
cp "$Q/defer/$D" "$Q/defer/12345AAAA" 2>/dev/null || : > "$Q/defer/12345AAAA"
printf 'V1 1\nZ2 zz\n' > "$Q/deferred/tmpbad"
BAD=00000$(printf '%X' "$(stat -c %i "$Q/deferred/tmpbad")")
mv "$Q/deferred/tmpbad" "$Q/deferred/$BAD"
mkfifo "$Q/deferred/FIFO1"
touch -d '3 days ago' "$Q/incoming/.1.2.3"
chown postfix "$Q"/deferred/* "$Q"/defer/* "$Q/incoming/.1.2.3"
INO=$(printf '%X' "$(stat -c %i "$Q/deferred/12345AAAA")")
mta postsuper -s -p 2> "$T/ps.err"
check "postsuper -s: renamed to match its inode" \
    test -f "$Q/deferred/12345$INO" -a ! -e "$Q/deferred/12345AAAA"
check "postsuper -s: its defer log renamed along" test -f "$Q/defer/12345$INO"
has "postsuper -s: the count" \
    '^postsuper: Renamed to match inode number: 1 message$' "$T/ps.err"
check "postsuper -s: a corrupt file moved to corrupt/" \
    test -f "$Q/corrupt/$BAD" -a ! -e "$Q/deferred/$BAD"
check "postsuper -s: a fifo in a queue removed" test ! -e "$Q/deferred/FIFO1"
check "postsuper -p: an old temporary file removed" test ! -e "$Q/incoming/.1.2.3"
check_err "postsuper -d ALL" '^postsuper: Deleted: 2 messages$' \
    mta postsuper -d ALL
check "postsuper -d ALL: queues and logs empty" test \
    "$(ls "$Q/deferred" "$Q/hold" "$Q/incoming" "$Q/defer" | grep -vc ':$\|^$')" = 0

# --- postcat --------------------------------------------------------------------
printf 'Subject: cat\nX-Long: %s\n\nbody line\n' "$(head -c 5000 /dev/zero | tr '\0' x)" |
    mta sendmail -f cat@example.com a@example.com b@example.com
C=$(ids incoming)
qf done "$Q/incoming/$C" b@example.com
mta postcat -q "$C" > "$T/cat" 2> "$T/cat.err"
check_exit "postcat -q: exit 0" 0 mta postcat -q "$C"
for l in "*** ENVELOPE RECORDS incoming/$C ***" "sender: cat@example.com" \
    "recipient: a@example.com" "done_recipient: b@example.com" \
    "*** MESSAGE CONTENTS incoming/$C ***" "Subject: cat" "body line" \
    "*** HEADER EXTRACTED incoming/$C ***" \
    "*** MESSAGE FILE END incoming/$C ***"; do
	has "postcat: [$l]" "^$(printf %s "$l" | sed 's/[*.]/\\&/g')\$" "$T/cat"
done
has "postcat: message_size and arrival time" \
    '^message_arrival_time: [A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9]{2} ' "$T/cat"
has "postcat: a long line in one piece" "^X-Long: x{5000}\$" "$T/cat"
mta postcat -hq "$C" > "$T/cath"
if grep -q '^Subject: cat$' "$T/cath" && ! grep -q 'body line\|^\*\*\*\|^sender:' "$T/cath"
then ok "postcat -h: the header only"
else fail "postcat -h: the header only" "$(head -c 300 "$T/cath")"; fi
check_out "postcat -b: the body only" "$(printf '\nbody line')" \
    mta postcat -bq "$C"
mta postcat -oq "$C" > "$T/cato"
has "postcat -o: offsets" '^ {8}5 message_size: ' "$T/cato"
check_out "postcat FILE: the path as given" \
    "*** ENVELOPE RECORDS $Q/incoming/$C ***" \
    sh -c "'$MTA' postcat '$Q/incoming/$C' | head -n 1"
head -c 300 "$Q/incoming/$C" > "$T/cut"
check_exit "postcat: a truncated file: exit 1" 1 mta postcat "$T/cut"
has "postcat: a truncated file: names file and offset" \
    "^postcat: error: $T/cut: (corrupt queue file record at|truncated queue file: no end record after) offset [0-9]+\$" \
    "$T/.err"
printf 'garbage\n' > "$T/garb"
check_err "postcat: not a queue file" \
    "^postcat: warning: $T/garb: input is not a valid queue file\$" \
    mta postcat "$T/garb"
check_err "postcat -q: no such id (Postfix's text)" \
    '^postcat: fatal: open queue file NOSUCH: No such file or directory$' \
    mta postcat -q NOSUCH
