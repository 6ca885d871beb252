# MIT licence: see LICENSE.
#
# t-submit.sh - the local submission path between users, and who may
# use the public endpoints (public/pickup, public/qmgr, public/showq).
#
# Two ordinary users: nobody (65534, the submitter) and daemon (1, the
# other user), by setpriv.
# 1. pickup stopped: nobody's maildrop file is 0640, group mail_owner's
#    (maildrop is 3733): daemon cannot list maildrop, nor read, append
#    to, remove or rename the file whose name mailq shows; pickup (as
#    mail_owner) still reads it and records uid 65534.
# 2. The recorded uid is the file's owner: daemon's hand-written file
#    saying "A uid=65534" is queued as uid 1; a file of an owner off
#    authorized_submit_users goes to corrupt/ with a log line.
# 3. Under master with pickup busy (stopped by a signal): daemon lists
#    the queue through showq, sees nobody's maildrop entry, and cannot
#    read the file; once pickup runs the message leaves maildrop.
# 4. authorized_flush_users = root: daemon's "FA" written straight into
#    public/qmgr is refused with a log line and delivers nothing early;
#    root's flush makes a new attempt; clients that connect and never
#    write do not hold qmgr up.
# 5. authorized_mailq_users = root: daemon's postqueue -p and a raw
#    connection to public/showq are refused; showq on an inet port (a
#    client the kernel does not name) lists nothing, even to "anyone".
# 6. master.cf fifos: pickup's is 0622 (wake-ups), qmgr's 0600.
# Runs as root.  Loopback only; every process started here is stopped
# by its pid (master by `postfix stop`).
. "${TOP:-.}/tests/lib.sh"

if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
	fail "setup" "t-submit.sh needs root and setpriv"
	exit 1
fi
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
other() { setpriv --reuid=1 --regid=1 --clear-groups "$@"; }
PY=/usr/bin/python3

Q=$T/q
H=h.example.com
CP=$(free_port)
SP=$(free_port)
cat > "$T/etc/main.cf" <<EOF
queue_directory = $Q
maillog_file = $T/maillog
mail_owner = postfix
myhostname = $H
mydestination = \$myhostname
inet_interfaces = loopback-only
inet_protocols = ipv4
alias_maps =
relayhost = [127.0.0.1]:$CP
service_throttle_time = 1s
# read by qmgr when it starts: it matters from section 4 on
authorized_flush_users = root
EOF
mkqueue || { fail "queue" "set-permissions failed"; exit 1; }
PGID=$(getent passwd postfix | cut -d: -f4)

PIDS=
cleanup_all() {
	[ -n "$PICKUP" ] && kill -CONT "$PICKUP" 2>/dev/null
	"$MTA" postfix stop >/dev/null 2>&1
	[ -n "$PIDS" ] && stop_pid $PIDS
	rm -rf "$T"
}
trap cleanup_all EXIT
trap 'exit 1' INT TERM

count() { set -- "$Q/$1"/*; [ -e "$1" ] && echo $# || echo 0; }
one() { set -- "$Q/$1"/*; [ $# = 1 ] && [ -f "$1" ] && echo "$1"; }

# denied NAME CMD...: CMD, run as daemon, fails
denied() {
	name=$1; shift
	if other "$@" >"$T/.dout" 2>&1; then
		fail "$name" "it worked: $(head -c 200 "$T/.dout")"
	else ok "$name"; fi
}

# --- 1. pickup stopped ------------------------------------------------------
check "maildrop is mode 3733, mail_owner's group" \
    test "$(stat -c %a:%g "$Q/maildrop")" = "3733:$PGID"
printf 'Subject: s\n\nthe secret 4711\n' |
    nobody "$MTA" sendmail -f nobody@$H root@$H
F=$(one maildrop)
check "nobody: one maildrop file" test -n "$F"
check "the file: nobody's, mode 0640, mail_owner's group" \
    test "$(stat -c %u:%a:%g "$F")" = "65534:640:$PGID"
mta postqueue -p > "$T/mq"
check "mailq shows its name" grep -q "^$(basename "$F") " "$T/mq"
denied "another user cannot list maildrop" ls "$Q/maildrop"
denied "another user cannot read it by the name mailq shows" cat "$F"
denied "another user cannot append to it" sh -c 'echo x >> "$1"' sh "$F"
denied "another user cannot remove it" rm -f "$F"
denied "another user cannot rename it" mv "$F" "$Q/maildrop/x"
denied "another user cannot link it" ln "$F" "$Q/maildrop/y"
check "the file is intact" grep -q "the secret 4711" "$F"
mta pickup -1 2>"$T/.err"
I=$(one incoming)
check "pickup (mail_owner) reads it: queued" test -n "$I"
check "pickup: uid 65534 recorded" grep -Eq \
    "pickup\[[0-9]+\]: [0-9A-Za-z]+: uid=65534 from=<nobody@$H>" \
    "$T/maillog"
rm -f "$Q"/incoming/*

# sendmail refuses a maildrop that would not give its group (exit 75)
chmod g-s "$Q/maildrop"
printf 'x\n' | nobody "$MTA" sendmail root@$H >/dev/null 2>"$T/.err"
rc=$?
if [ $rc = 75 ] && [ "$(count maildrop)" = 0 ] &&
    grep -q "needs mode 3733" "$T/.err"; then
	ok "maildrop without its set-gid bit: exit 75, nothing left"
else fail "maildrop without its set-gid bit: exit 75, nothing left" \
    "exit $rc, $(count maildrop) files: $(cat "$T/.err")"; fi
chmod g+s "$Q/maildrop"

# --- 2. the uid cannot be forged ------------------------------------------
# handmade USER NAME: a maildrop file written by USER (nobody, other)
# that claims to be nobody's, by hand
handmade() {
	"$1" $PY - "$Q/maildrop" "$2" <<'PY'
import os, sys
recs = [("A", "uid=65534"), ("A", "uid=0"), ("S", "nobody@h.example.com"),
        ("R", "root@h.example.com"), ("M", ""), ("L", "Subject: f"),
        ("X", ""), ("E", "")]
out = b"".join(t.encode() + str(len(d)).encode() + b" " + d.encode() +
               b"\n" for t, d in recs)
p = os.path.join(sys.argv[1], sys.argv[2])
fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
os.write(fd, out)
os.close(fd)
PY
}
handmade other FORGE1
mta pickup -1 2>"$T/.err"
I=$(one incoming)
check "a hand-made file: queued" test -n "$I"
if [ -n "$I" ] && grep -aq "uid=1" "$I" && ! grep -aq "uid=65534" "$I" &&
    ! grep -aq "uid=0" "$I"; then
	ok "its uid is its owner's (1), not the one it claims"
else fail "its uid is its owner's (1), not the one it claims" \
    "$(tr -c '[:print:]\n' '?' < "$I" | head -c 300)"; fi
rm -f "$Q"/incoming/*
echo "authorized_submit_users = root, nobody" >> "$T/etc/main.cf"
check_exit "authorized_submit_users: sendmail refuses daemon" 77 \
    other "$MTA" sendmail root@$H
handmade other FORGE2
mta pickup -1 2>"$T/.err"
if [ -f "$Q/corrupt/FORGE2" ] && [ "$(count incoming)" = 0 ] &&
    grep -q "maildrop/FORGE2: uid=1: User daemon(1) is not allowed to submit mail" \
    "$T/.err"; then
	ok "authorized_submit_users: pickup sends daemon's hand-made file to corrupt/"
else fail "authorized_submit_users: pickup sends daemon's hand-made file to corrupt/" \
    "incoming $(count incoming): $(head -c 300 "$T/.err")"; fi
handmade nobody FORGE3
mta pickup -1 2>"$T/.err"
check "authorized_submit_users: nobody's file still goes through" \
    test "$(count incoming)" = 1
rm -f "$Q"/incoming/* "$Q"/corrupt/*
sed -i '/^authorized_submit_users/d' "$T/etc/main.cf"

# --- 3. under master, pickup busy --------------------------------------------
cat > "$T/etc/master.cf" <<EOF
pickup unix n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
showq unix n - n - - showq
127.0.0.1:$SP inet n - n - - showq
smtp unix - - n - - smtp
relay unix - - n - - smtp
EOF
if ! mta postfix start >"$T/start.out" 2>&1; then
	fail "master" "postfix start: $(cat "$T/start.out")"
	exit 1
fi
i=0
while { [ ! -S "$Q/public/qmgr" ] || [ ! -S "$Q/public/showq" ]; } &&
    [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
MPID=$(cat "$Q/pid/master.pid" 2>/dev/null | tr -d ' ')
PICKUP=
i=0
while [ -z "$PICKUP" ] && [ $i -lt 50 ]; do
	for p in $(ps -o pid= --ppid "$MPID" 2>/dev/null); do
		[ "$(cat /proc/$p/comm 2>/dev/null)" = pickup ] && PICKUP=$p
	done
	[ -z "$PICKUP" ] && sleep 0.1; i=$((i + 1))
done
if [ -z "$PICKUP" ]; then
	fail "master: pickup runs" "no pickup child of $MPID"
	exit 1
fi
kill -STOP "$PICKUP"
printf 'Subject: s\n\nthe secret 4712\n' |
    nobody "$MTA" sendmail -f nobody@$H root@$H
other "$MTA" mailq > "$T/omq" 2>&1
ID=$(awk 'NR == 2 { print $1 }' "$T/omq")
check "pickup busy: another user's mailq lists the maildrop entry" \
    test -n "$ID" -a -f "$Q/maildrop/$ID"
denied "pickup busy: another user cannot read it by that name" \
    cat "$Q/maildrop/$ID"
denied "pickup busy: another user cannot alter it" \
    sh -c 'echo x >> "$1"' sh "$Q/maildrop/$ID"
kill -CONT "$PICKUP"
PICKUP=
i=0
while [ -f "$Q/maildrop/$ID" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "pickup running: the message leaves maildrop" test ! -f "$Q/maildrop/$ID"

# --- 4. flush requests -------------------------------------------------------
# the message goes to the closed relay port and is deferred
waitfor "$T/maillog" "status=deferred" 20 ||
    fail "a deferred message" "none in the log"
QID=$(grep -o '[0-9A-Za-z]*: to=<root@h.example.com>.*status=deferred' \
    "$T/maillog" | head -n 1 | cut -d: -f1)
tries() { grep -c "$QID: to=<root@h.example.com>.*status=deferred" \
    "$T/maillog"; }
# raw REQ: REQ written into public/qmgr as daemon, not through postqueue
raw() {
	other $PY - "$Q/public/qmgr" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode())
s.close()
PY
}
n0=$(tries)
raw FA
waitfor "$T/maillog" \
    'qmgr\[[0-9]+\]: warning: User daemon\(1\) is not allowed to flush the mail queue: request ignored' 5
check "qmgr: daemon's FA is refused with a log line" grep -Eq \
    'User daemon\(1\) is not allowed to flush the mail queue: request ignored' \
    "$T/maillog"
sleep 2
check "qmgr: daemon's FA delivers nothing early" test "$(tries)" = "$n0"
raw I
sleep 1
check "qmgr: daemon's wake-up (I) is taken without a word" test \
    "$(grep -c 'not allowed to flush' "$T/maillog")" = 1
# clients that connect and never write hold nothing up
other $PY - "$Q/public/qmgr" > "$T/idle.out" 2>&1 <<'PY' &
import socket, sys, time
conns = []
for _ in range(30):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    conns.append(s)
print("connected", flush=True)
time.sleep(25)
PY
IDLE=$!
PIDS="$PIDS $IDLE"
waitfor "$T/idle.out" connected 5
n1=$(tries)
t0=$(date +%s)
check "root: postqueue -f" mta postqueue -f
i=0
while [ "$(tries)" = "$n1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
t1=$(date +%s)
check "root's flush: a new attempt, within 5s of 30 idle clients" \
    test "$(tries)" -gt "$n1" -a $((t1 - t0)) -le 5
stop_pid $IDLE

# --- 5. mailq ---------------------------------------------------------------
echo "authorized_mailq_users = root" >> "$T/etc/main.cf"
# showq, a long-lived service, reads main.cf again after a reload
reload_wait
check_exit "authorized_mailq_users: daemon's postqueue -p refused" 77 \
    other "$MTA" postqueue -p
other $PY - "$Q/public/showq" > "$T/raw" 2>&1 <<'PY'
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
if grep -q 'refused=User daemon(1) is not allowed' "$T/raw" &&
    ! grep -q 'root@' "$T/raw"; then
	ok "showq: daemon's raw connection refused, no listing"
else fail "showq: daemon's raw connection refused, no listing" \
    "$(head -c 300 "$T/raw")"; fi
sed -i '/^authorized_mailq_users/d' "$T/etc/main.cf"
reload_wait
# with the default (static:anyone): a TCP client is nobody's uid to
# Linux's SO_PEERCRED, and must not pass for a local user
$PY - "$SP" > "$T/raw" 2>&1 <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 5)
d = b""
while True:
    b = s.recv(4096)
    if not b: break
    d += b
sys.stdout.write(d.decode(errors="replace"))
PY
if grep -q 'refused=' "$T/raw" && ! grep -q 'root@' "$T/raw"; then
	ok "showq on an inet port: an unnamed client is refused"
else fail "showq on an inet port: an unnamed client is refused" \
    "$(head -c 300 "$T/raw")"; fi
mta postfix stop >/dev/null 2>&1

# --- 6. fifos ---------------------------------------------------------------
sed -i '/^authorized_flush_users/d' "$T/etc/main.cf"
cat > "$T/etc/master.cf" <<EOF
pickup fifo n - n 60 1 pickup
qmgr fifo n - n 300 1 qmgr
EOF
mta postfix start >"$T/start.out" 2>&1
i=0
while { [ ! -p "$Q/public/qmgr" ] || [ ! -p "$Q/public/pickup" ]; } &&
    [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "fifo: pickup's is 0622" \
    test "$(stat -c %a "$Q/public/pickup" 2>/dev/null)" = 622
check "fifo: qmgr's is 0600 (a fifo cannot name who flushes)" \
    test "$(stat -c %a "$Q/public/qmgr" 2>/dev/null)" = 600
check_err "fifo: a user's flush is refused with a reason" \
    "qmgr is a fifo service" other "$MTA" postqueue -f
check "fifo: root may flush" mta postqueue -f
check "fifo: a user may still wake pickup" other sh -c \
    "printf W > '$Q/public/pickup'"
mta postfix stop >/dev/null 2>&1
exit 0
