# MIT licence: see LICENSE.
#
# t-privdir.sh - master, as root, never follows mail_owner's links: the
# fifos and sockets in private/ and public/ are made as mail_owner (a
# link renamed over a fresh name gives root's file nothing), and
# maillog_file in a directory another account may change is opened
# without following a link.  Needs root and the postfix account.
. "${TOP:-.}/tests/lib.sh"

if [ "$(id -u)" != 0 ] || ! id postfix >/dev/null 2>&1; then
	echo "skip - t-privdir: needs root and the postfix account"
	ok "t-privdir: nothing to check as a user (no privilege to abuse)"
	exit 0
fi

Q=$T/q
P1=$(free_port)
mkdir -p "$T/logdir"
chown postfix "$T/logdir"
# root's secrets, which mail_owner must not get at
printf 'secret\n' > "$T/victim"
chmod 600 "$T/victim"
printf 'secret\n' > "$T/victim2"
chmod 600 "$T/victim2"
ln -s "$T/victim" "$T/logdir/maillog"

cat > "$T/etc/main.cf" <<EOC
queue_directory = $Q
mail_owner = postfix
maillog_file = $T/logdir/maillog
inet_interfaces = loopback-only
inet_protocols = ipv4
EOC
cat > "$T/etc/master.cf" <<EOC
127.0.0.1:$P1 inet n - n - 2 smtpd
cleanup unix n - n - 0 cleanup
pickup fifo n - n 1 1 pickup
qmgr fifo n - n 1 1 qmgr
showq unix n - n - - showq
EOC

MPID=
finish() { [ -n "$MPID" ] && stop_pid "$MPID"; [ -n "$APID" ] && stop_pid "$APID"; rm -rf "$T"; }
APID=
trap finish EXIT
trap 'exit 1' INT TERM

start() {
	"$MTA" postfix start >/dev/null 2>&1
	MPID=$(tr -d ' \n' < "$Q/pid/master.pid" 2>/dev/null)
	wait_port "$P1" 5
}
stop() {
	"$MTA" postfix stop >/dev/null 2>&1
	[ -n "$MPID" ] && stop_pid "$MPID"
	MPID=
}

# --- maillog_file: a link that mail_owner planted is not followed ---------
check "start with a planted maillog link" start
check "the link's target (root's file) is untouched" \
	test "$(cat "$T/victim")" = secret
check "the link's target keeps its mode" \
	test "$(stat -c %a "$T/victim")" = 600
# anyone may wake pickup; qmgr's fifo cannot name who asks for a flush
for f in public/pickup:622 public/qmgr:600; do
	check "${f%:*} is a fifo of mail_owner's, 0${f#*:}" test \
	    "$(stat -c '%F %U %a' "$Q/${f%:*}")" = "fifo postfix ${f#*:}"
done
check "public/showq: a socket of mail_owner's, 0666" \
	test "$(stat -c '%F %U %a' "$Q/public/showq")" = "socket postfix 666"
check "public/cleanup: a socket of mail_owner's, 0600" \
	test "$(stat -c '%F %U %a' "$Q/public/cleanup")" = "socket postfix 600"
stop

# a hard link to root's file is refused too (where the kernel allows one)
rm -f "$T/logdir/maillog"
if ln "$T/victim" "$T/logdir/maillog" 2>/dev/null; then
	chown root "$T/logdir/maillog"
	check "start with a planted hard link" start
	check "the hard link's target is untouched" \
	    test "$(cat "$T/victim")" = secret
	stop
fi
rm -f "$T/logdir/maillog"

# a log file in the directory works as before
check "start with a plain maillog_file" start
check "master logs to it" waitfor "$T/logdir/maillog" 'daemon started' 5
stop

# --- fifos and sockets: the moment master has made one, mail_owner renames
# a link to root's file over it.  strace widens the window after each bind
# and mknod to 0.2 s, so that the race is won every time.
if ! command -v strace >/dev/null || ! cc -O2 -o "$T/race_link" \
    "$TOP/tests/race_link.c" 2>/dev/null; then
	echo "skip - t-privdir: the race needs strace and a C compiler (cc)"
	exit 0
fi
chmod 755 "$T/race_link"
setpriv --reuid=postfix --regid=postfix --clear-groups "$T/race_link" \
    8 "$T/victim2" "$Q/public/pickup" "$Q/public/qmgr" \
    "$Q/public/showq" "$Q/public/cleanup" "$Q/private/cleanup" &
APID=$!
# (LeakSanitizer cannot run under ptrace: the sanitizer build leaves it off)
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
    timeout 60 strace -f -o /dev/null -e trace=bind,mknod,mknodat \
    -e inject=bind,mknod,mknodat:delay_exit=200000 \
    "$MTA" postfix start-fg >/dev/null 2>&1 &
SPID=$!
wait_port "$P1" 20
MPID=$(tr -d ' \n' < "$Q/pid/master.pid" 2>/dev/null)
stop
stop_pid "$SPID"
stop_pid "$APID"; APID=
check "raced start: root's file keeps mode 600" \
	test "$(stat -c %a "$T/victim2")" = 600
check "raced start: root's file keeps its owner" \
	test "$(stat -c %U "$T/victim2")" = root
