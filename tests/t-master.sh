# MIT licence: see LICENSE.
#
# t-master.sh - master and the postfix command: start, status, stop,
# abort, reload, a second master refused, listeners and spawning,
# maxproc, Debian's master.cf, start-fg, check and set-permissions.
# Loopback only; every process started here is stopped by its pid.
. "${TOP:-.}/tests/lib.sh"

Q=$T/q
# as root the services run as mail_owner, who must read $T/etc
chmod 755 "$T"
P1=$(free_port)
P2=$(free_port)
while [ "$P2" = "$P1" ]; do P2=$(free_port); done

cat > "$T/etc/main.cf" <<EOF
queue_directory = $Q
data_directory = $T/data
# no /etc/aliases.cdb here: postfix check would (rightly) report it
alias_maps =
maillog_file = $T/maillog
service_throttle_time = 1s
inet_interfaces = loopback-only
inet_protocols = ipv4
smtpd_banner = \$myhostname ESMTP first
EOF
cat > "$T/etc/master.cf" <<EOF
# a comment
127.0.0.1:$P1 inet n - n - 2 smtpd
  -o { syslog_name = mta/test one }
#  -o commented=out
cleanup unix n - n - 0 cleanup
pickup fifo n - n 1 1 pickup
qmgr fifo n - n 1 1 qmgr
EOF

pf_() { mta postfix "$@"; }
HOST=$(mta postconf -h myhostname)

# smtpd_built: the smtpd applet exists (another part of the project)
built() { ! "$MTA" --help | grep -Eq "^  $1 .*not built yet"; }
smtpd_built() { built smtpd; }

# banner PORT: the first line the server on PORT says, or "" (2 s)
banner() {
	python3 - "$1" <<'PY'
import socket, sys
try:
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 2)
    s.settimeout(2)
    print(s.recv(512).decode(errors="replace").split("\r\n")[0])
except OSError as e:
    print("")
PY
}

# closed PORT: nothing listens on 127.0.0.1:PORT
closed() {
	python3 - "$1" <<'PY'
import socket, sys
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()
    sys.exit(1)
except OSError:
    sys.exit(0)
PY
}

# waitfor FILE PATTERN: FILE matches PATTERN within 5 s

MPID=
cleanup_master() {
	[ -n "$MPID" ] && stop_pid "$MPID"
	[ -n "$FGPID" ] && stop_pid "$FGPID"
	rm -rf "$T"
}
trap cleanup_master EXIT
trap 'exit 1' INT TERM

# --- not running ----------------------------------------------------------
check_exit "status when stopped: 1" 1 pf_ status
check_err "status when stopped: message" \
	'^mta: the mail system is not running$' pf_ status
check_exit "stop when stopped: 1" 1 pf_ stop
check_exit "reload when stopped: 1" 1 pf_ reload
check_exit "flush when stopped: 69" 69 pf_ flush
check_exit "unknown command: 1" 1 pf_ frobnicate
check_exit "no command: usage 64" 64 pf_

# --- start ----------------------------------------------------------------
check_exit "start: 0" 0 pf_ start
MPID=$(tr -d ' \n' < "$Q/pid/master.pid" 2>/dev/null)
check "pid file holds a live pid" kill -0 "${MPID:-0}"
check_exit "status running: 0" 0 pf_ status
check_err "status message" "^mta: the mail system is running: PID: $MPID\$" \
	pf_ status
check_exit "master -t says running" 1 mta master -t
check_err "second master refused" \
	"fatal: the mail system is already running: PID: $MPID" \
	timeout 5 "$MTA" master -d
check_exit "second master: exit 1" 1 timeout 5 "$MTA" master -d
check_exit "start again: 1" 1 pf_ start
check "log: daemon started" \
	waitfor "$T/maillog" 'master\[[0-9]+\]: daemon started'
check "listener is up" wait_port "$P1" 5
check "unix service socket (public: private n)" test -S "$Q/public/cleanup"
check "cleanup socket: mail system only (0600)" \
	test "$(stat -c %a "$Q/public/cleanup")" = 600
for d in maildrop:3733 incoming:700 active:700 deferred:700 hold:700 \
    corrupt:700 private:700 public:711 pid:755; do
	check "queue dir ${d%:*} mode ${d#*:}" \
		test "$(stat -c %a "$Q/${d%:*}")" = "${d#*:}"
done
if [ "$(id -u)" = 0 ]; then
	check "incoming owned by mail_owner" \
		test "$(stat -c %U "$Q/incoming")" = postfix
	check "pid owned by root" test "$(stat -c %U "$Q/pid")" = root
fi

# a connection gets a process: master accepts and execs the program
if smtpd_built; then
	check_out "banner through master" "220 $HOST ESMTP first" \
		banner "$P1"
	if [ "$(id -u)" = 0 ]; then
		python3 - "$P1" > "$T/ps" <<'PY' &
import socket, sys, time, subprocess
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 2)
s.recv(512)
time.sleep(0.5)
print(subprocess.run(["ps", "-eo", "user=,args="],
    capture_output=True, text=True).stdout)
PY
		wait $!
		check "smtpd runs as mail_owner" \
			grep -Eq "^postfix +smtpd -c $T/etc" "$T/ps"
	fi
	# maxproc 2: a third session waits until one of two ends
	python3 - "$P1" > "$T/maxproc" <<'PY'
import socket, sys
p = int(sys.argv[1])
a = socket.create_connection(("127.0.0.1", p), 2); a.recv(512)
b = socket.create_connection(("127.0.0.1", p), 2); b.recv(512)
c = socket.create_connection(("127.0.0.1", p), 2); c.settimeout(1.0)
try:
    c.recv(512); print("third served early")
except socket.timeout:
    print("third waits")
a.close()
c.settimeout(3)
print("third served" if c.recv(512).startswith(b"220") else "no")
PY
	check_out "maxproc 2: third waits, then served" \
		"$(printf 'third waits\nthird served')" cat "$T/maxproc"
	check "maxproc warning" waitfor "$T/maillog" \
		"has reached its process limit \"2\""
else
	echo "# smtpd is not built yet: banner, mail_owner, maxproc skipped"
	banner "$P1" > /dev/null
	check "spawned program logged (exit 69: not built)" \
		waitfor "$T/maillog" "process smtpd pid [0-9]+ exit status 69"
	check "throttled" waitfor "$T/maillog" \
		'smtpd: bad command startup -- throttling'
fi

# daemons: started at boot, restarted, woken every wakeup seconds
check "pickup fifo" test -p "$Q/public/pickup"
check "fifo mode 0622" test "$(stat -c %a "$Q/public/pickup")" = 622
check "qmgr fifo" test -p "$Q/public/qmgr"
# daemon_pid NAME: the pid of the daemon NAME of this test, or ""
daemon_pid() {
	ps -eo pid=,args= | awk -v p="^$1 -c $T/etc( |\$)" \
		'{ pid = $1; sub(/^ *[0-9]+ /, "") } $0 ~ p { print pid; exit }'
}
if built pickup; then
	i=0; while [ -z "$(daemon_pid pickup)" ] && [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1)); done
	old=$(daemon_pid pickup)
	check "pickup started at boot" test -n "$old"
	kill -9 "${old:-0}"
	check "pickup killed: logged" waitfor "$T/maillog" \
		"process pickup pid $old killed by signal 9"
	i=0; while { new=$(daemon_pid pickup); [ -z "$new" ] ||
	    [ "$new" = "$old" ]; } && [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1)); done
	check "pickup restarted" test -n "$new" -a "$new" != "$old"
else
	check "daemon restarted after throttling" sh -c '
		i=0; while [ $i -lt 50 ]; do
			[ "$(grep -c "process pickup pid [0-9]* exit st" \
			    "$1")" -ge 2 ] && exit 0
			sleep 0.1; i=$((i + 1))
		done; exit 1' sh "$T/maillog"
fi
# the wakeup byte can be read here only while qmgr does not read it
if ! built qmgr; then
	check_out "wakeup: W on the fifo every second" "W" \
		python3 - "$Q/public/qmgr" <<'PY'
import os, select, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_NONBLOCK)
end = time.time() + 4
while time.time() < end:
    if select.select([fd], [], [], 0.5)[0]:
        b = os.read(fd, 1)
        if b:
            print(b.decode()); break
PY
fi

# --- reload ---------------------------------------------------------------
sed -i "s/ESMTP first/ESMTP second/" "$T/etc/main.cf"
cat >> "$T/etc/master.cf" <<EOF
127.0.0.1:$P2 inet n - n - - smtpd
  -o { smtpd_banner = \$myhostname ESMTP two }
EOF
check_exit "reload: 0" 0 pf_ reload
check "reload logged" waitfor "$T/maillog" 'master\[[0-9]+\]: reload'
check "new service bound" wait_port "$P2" 5
check_out "same master after reload" "$MPID" \
	sh -c "tr -d ' \n' < '$Q/pid/master.pid'"
if smtpd_built; then
	check_out "new process sees new main.cf" \
		"220 $HOST ESMTP second" banner "$P1"
	check_out "new service's -o" "220 $HOST ESMTP two" banner "$P2"
fi
# a removed service's listener is closed
sed -i "/^127.0.0.1:$P1 /,/syslog_name/d" "$T/etc/master.cf"
check_exit "reload again: 0" 0 pf_ reload
i=0; while ! closed "$P1" && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
check "removed service closed" closed "$P1"
check "kept service still there" wait_port "$P2" 2
# a broken master.cf: logged, the running table stays
cp "$T/etc/master.cf" "$T/master.cf.good"
echo "broken line" >> "$T/etc/master.cf"
check_exit "reload with errors: 0 (signal sent)" 0 pf_ reload
check "reload error logged" waitfor "$T/maillog" \
	'configuration errors: the running configuration stays'
check "still serving after bad reload" wait_port "$P2" 2
cp "$T/master.cf.good" "$T/etc/master.cf"

# --- check, set-permissions -----------------------------------------------
check_exit "check: clean queue: 0" 0 pf_ check
chmod 755 "$Q/incoming"
check_exit "check: bad mode: 1" 1 pf_ check
check_err "check names the directory" "$Q/incoming" pf_ check
check_exit "set-permissions: 0" 0 pf_ set-permissions
check "set-permissions fixed the mode" \
	test "$(stat -c %a "$Q/incoming")" = 700
check_exit "check after fix: 0" 0 pf_ check

# --- stop -----------------------------------------------------------------
check_exit "stop: 0" 0 pf_ stop
check "master gone" gone "$MPID"
check "pid file removed" test ! -e "$Q/pid/master.pid"
check "listener closed" closed "$P2"
check "log: terminating" waitfor "$T/maillog" 'terminating on signal 15'
check_exit "status after stop: 1" 1 pf_ status
MPID=

# --- abort ----------------------------------------------------------------
check_exit "start for abort: 0" 0 pf_ start
MPID=$(tr -d ' \n' < "$Q/pid/master.pid" 2>/dev/null)
check_exit "abort: 0" 0 pf_ abort
check "aborted master gone" gone "$MPID"
check_exit "status after abort: 1" 1 pf_ status
MPID=

# --- start-fg -------------------------------------------------------------
sed -i '/^maillog_file/d' "$T/etc/main.cf"
"$MTA" postfix start-fg > "$T/fg.out" 2> "$T/fg.err" &
FGPID=$!
check "start-fg listener up" wait_port "$P2" 5
check "start-fg logs to stderr" waitfor "$T/fg.err" 'daemon started'
check_exit "start-fg: status 0" 0 pf_ status
if ! smtpd_built; then
	banner "$P2" > /dev/null
	check "start-fg: children keep stderr" waitfor "$T/fg.err" \
		'smtpd: this program is not built yet'
fi
check_exit "start-fg: stop 0" 0 pf_ stop
check "start-fg command ends" gone "$FGPID"
wait "$FGPID"; rc=$?
check "start-fg exit 0" test "$rc" = 0
# SIGTERM to the start-fg command (an init system) reaches master
"$MTA" postfix start-fg > "$T/fg.out" 2> "$T/fg.err" &
FGPID=$!
check "start-fg again: up" wait_port "$P2" 5
kill "$FGPID"
check "start-fg: SIGTERM ends it" gone "$FGPID"
check "start-fg: SIGTERM reached master" closed "$P2"
check_exit "start-fg: stopped after SIGTERM" 1 pf_ status
FGPID=
echo "maillog_file = $T/maillog" >> "$T/etc/main.cf"

# --- Debian's master.cf ---------------------------------------------------
if [ -f /etc/postfix/master.cf ]; then
	mkdir -p "$T/deb"
	cp "$T/etc/main.cf" "$T/deb/main.cf"
	sed "s/^smtp      inet/127.0.0.1:$P1 inet/" /etc/postfix/master.cf \
		> "$T/deb/master.cf"
	n=$(grep -n '^tlsmgr' "$T/deb/master.cf" | cut -d: -f1)
	w="service tlsmgr: program tlsmgr is not provided by mta: skipped"
	check_err "Debian master.cf: tlsmgr skipped with its line" \
		"$T/deb/master.cf: line $n: $w" \
		mta postfix -c "$T/deb" check
	check_err "Debian master.cf: pipe skipped" \
		"service maildrop: program pipe is not provided by mta" \
		mta postfix -c "$T/deb" check
	check_err "Debian master.cf: unix-dgram skipped" \
		"service postlog: type unix-dgram is not supported by mta" \
		mta postfix -c "$T/deb" check
	check_exit "Debian master.cf: check 0" 0 mta postfix -c "$T/deb" check
	check_exit "Debian master.cf: start 0" 0 mta postfix -c "$T/deb" start
	MPID=$(tr -d ' \n' < "$Q/pid/master.pid" 2>/dev/null)
	check "Debian master.cf: listening" wait_port "$P1" 5
	check "Debian master.cf: cleanup socket" test -S "$Q/public/cleanup"
	check "Debian master.cf: local socket" test -S "$Q/private/local"
	check "Debian master.cf: no tlsmgr socket" test ! -e "$Q/private/tlsmgr"
	check_exit "Debian master.cf: stop 0" 0 mta postfix -c "$T/deb" stop
	gone "$MPID"
	MPID=
fi

# --- mail_owner -----------------------------------------------------------
if [ "$(id -u)" = 0 ]; then
	echo "mail_owner = nosuchuserzz" >> "$T/etc/main.cf"
	check_exit "unknown mail_owner: start 1" 1 pf_ start
	check_err "unknown mail_owner named" \
		'mail_owner: unknown user name value: nosuchuserzz' pf_ start
	check_exit "unknown mail_owner: nothing started" 1 pf_ status
	sed -i '/^mail_owner/d' "$T/etc/main.cf"
fi

# --- as an ordinary user --------------------------------------------------
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	rm -rf "$Q"
	mkdir -p "$T/u"
	sed -e "s|^queue_directory.*|queue_directory = $T/u/q|" \
	    -e "s|^data_directory.*|data_directory = $T/u/data|" \
	    "$T/etc/main.cf" > "$T/u/main.cf"
	cp "$T/etc/master.cf" "$T/u/master.cf"
	chown -R nobody "$T/u"
	asnobody() {
		setpriv --reuid=nobody --regid=nogroup --clear-groups \
			env MAIL_CONFIG="$T/u" "$MTA" "$@"
	}
	check_exit "as nobody: start 0" 0 asnobody postfix start
	MPID=$(tr -d ' \n' < "$T/u/q/pid/master.pid" 2>/dev/null)
	check "as nobody: master runs as nobody" \
		test "$(ps -o user= -p "${MPID:-0}" | tr -d ' ')" = nobody
	check "as nobody: listening" wait_port "$P2" 5
	check "as nobody: queue owned by nobody" \
		test "$(stat -c %U "$T/u/q/incoming")" = nobody
	check "as nobody: data_directory made, owned by nobody, 0700" \
		test "$(stat -c '%U %a' "$T/u/data")" = "nobody 700"
	check_exit "as nobody: stop 0" 0 asnobody postfix stop
	gone "$MPID"
	MPID=
fi
