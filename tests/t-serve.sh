# MIT licence: see LICENSE.
#
# t-serve.sh - long-lived service processes under master (svc_serve.c):
# one process serves client after client; max_use and max_idle end it;
# master starts another only when none is free; a reload lets a process
# finish its client and new ones read the new configuration (the banner,
# the certificate); a rebuilt table restarts the process before its next
# client; the processes end with master; a local delivery's command
# inherits none of the service's descriptors.  Loopback only; every
# process started here is stopped by its pid.
. "${TOP:-.}/tests/lib.sh"

Q=$T/q
K=$T/pki
mkdir -p "$K" "$T/tables"
P1=$(free_port)
P2=$(free_port)
while [ "$P2" = "$P1" ]; do P2=$(free_port); done
HOST=serve.test

pki_ca ca >/dev/null 2>&1 && pki_cert one one.test >/dev/null 2>&1 &&
    pki_cert two two.test >/dev/null 2>&1 ||
    { fail "pki" "openssl could not make the certificates"; exit 1; }
chmod 644 "$K"/*.key
cp "$K/one.crt" "$K/srv.crt"
cp "$K/one.key" "$K/srv.key"
printf '10.9.9.9 REJECT first table\n' > "$T/tables/client"
mta postmap "cdb:$T/tables/client"

main_cf() {
	cat > "$T/etc/main.cf" <<EOF
queue_directory = $Q
data_directory = $T/data
maillog_file = $T/maillog
alias_maps =
myhostname = $HOST
mydestination = \$myhostname
inet_interfaces = loopback-only
inet_protocols = ipv4
service_throttle_time = 1s
smtpd_banner = \$myhostname ESMTP $1
smtpd_tls_security_level = may
smtpd_tls_cert_file = $K/srv.crt
smtpd_tls_key_file = $K/srv.key
smtpd_client_restrictions = check_client_access cdb:$T/tables/client
mynetworks = 127.0.0.0/8
EOF
}
main_cf first
cat > "$T/etc/master.cf" <<EOF
127.0.0.1:$P1 inet n - n - 1 smtpd
127.0.0.1:$P2 inet n - n - 3 smtpd -o max_use=3 -o max_idle=2
  -o syslog_name=two
cleanup unix n - n - 0 cleanup
local unix - n n - - local
qmgr fifo n - n 300 1 qmgr
pickup fifo n - n 60 1 pickup
EOF
if [ "$(id -u)" = 0 ]; then
	printf 'mail_owner = postfix\n' >> "$T/etc/main.cf"
	mkqueue >/dev/null 2>&1
	chmod 755 "$T" "$T/tables"
fi

MPID=
finish() {
	[ -n "$MPID" ] && stop_pid "$MPID"
	[ -n "$HOLD" ] && stop_pid "$HOLD"
	rm -rf "$T"
}
trap finish EXIT
[ -n "$KEEP" ] && trap "stop_pid \$MPID" EXIT
trap 'exit 1' INT TERM

# session PORT [WHAT...]: one SMTP session: prints the banner, and for
# mail=RCPT the message's final reply; ehlo, quit, sleep=S, wait=FILE
cat > "$T/talk.py" <<'PY'
import socket, sys, time
port = int(sys.argv[1]); what = sys.argv[2:] or ["quit"]
s = socket.create_connection(("127.0.0.1", port), 5)
s.settimeout(10)
f = s.makefile("rb")
def reply():
    last = b""
    while True:
        l = f.readline()
        if not l:
            return "EOF"
        if l[3:4] != b"-":
            return l.decode().rstrip("\r\n")
print(reply(), flush=True)
def cmd(c):
    s.sendall(c.encode() + b"\r\n")
    return reply()
for w in what:
    if w == "quit":
        cmd("QUIT")
    elif w == "ehlo":
        cmd("EHLO client.test")
    elif w.startswith("sleep="):
        time.sleep(float(w[6:]))
    elif w.startswith("mail="):
        cmd("MAIL FROM:<a@client.test>")
        cmd("RCPT TO:<%s>" % w[5:])
        cmd("DATA")
        print(cmd("Subject: t\r\n\r\nbody\r\n."), flush=True)
    elif w.startswith("wait="):
        # hold the session until the file exists (bounded: 20 s)
        end = time.time() + 20
        import os
        while not os.path.exists(w[5:]) and time.time() < end:
            time.sleep(0.05)
PY
session() { python3 "$T/talk.py" "$@"; }

# pids: how many smtpd processes logged "connect from" so far
pids() { grep -o 'smtpd\[[0-9]*\]: connect from' "$T/maillog" |
    grep -o '[0-9]*' | sort -u | wc -l; }
lastpid() { grep -o 'smtpd\[[0-9]*\]: connect from' "$T/maillog" |
    tail -n 1 | grep -o '[0-9]*'; }

check_exit "postfix start" 0 mta postfix start
MPID=$(tr -d ' \n' < "$Q/pid/master.pid" 2>/dev/null)
wait_port "$P1" 5 || { fail "listener" "no listener on $P1"; exit 1; }

# --- one process, client after client ------------------------------------
for n in 1 2 3 4 5; do session "$P1" > "$T/s$n"; done
check_out "five sessions served" "220 $HOST ESMTP first" cat "$T/s5"
check_out "by one process" 1 pids
P_ONE=$(lastpid)
check "that process is still up, waiting" kill -0 "${P_ONE:-0}"

# a message through the same process, and cleanup's process reused too
session "$P1" ehlo mail=root@$HOST quit > "$T/m1"
session "$P1" ehlo mail=root@$HOST quit > "$T/m2"
check "two messages accepted" grep -q '^250 2.0.0 Ok: queued' "$T/m2"
check "one cleanup process for both" waitfor "$T/maillog" \
    'cleanup\[[0-9]+\]: [0-9A-F]+: message-id' 5
check_out "cleanup: one process" 1 sh -c \
    "grep -o 'cleanup\[[0-9]*\]: [0-9A-F]*: message-id' '$T/maillog' |
     grep -o '\[[0-9]*\]' | sort -u | wc -l"

# --- max_use and max_idle --------------------------------------------------
: > "$T/p2"
for n in 1 2 3 4 5 6 7; do session "$P2" >> "$T/p2"; done
check_out "max_use=3: seven sessions, three processes (3, 3, 1)" "1 3 3" \
    sh -c "grep -o 'two/smtpd\[[0-9]*\]: connect from' '$T/maillog' |
     sort | uniq -c | awk '{ print \$1 }' | sort -n | tr '\n' ' ' |
     sed 's/ \$//'"
P_IDLE=$(lastpid)
check "max_idle=2: idle process still up at once" kill -0 "${P_IDLE:-0}"
check "max_idle=2: the idle process exits" gone "$P_IDLE" 6
check "max_idle: no warning logged" sh -c \
    "! grep -E 'process smtpd pid $P_IDLE (exit|killed)' '$T/maillog'"

# --- a second process only when none is free ------------------------------
# P1 has process limit 1: a second client waits for the first, then the
# same process serves it; P2 (limit 3) starts a second process for it
session "$P2" ehlo wait="$T/go1" quit > "$T/h1" &
HOLD=$!
# its banner came: its process logged "connect from" before
waitfor "$T/h1" "^220" 10
before=$(pids)
session "$P2" > "$T/h2"
check_out "a busy process: a second one serves" "220 $HOST ESMTP first" \
    cat "$T/h2"
check "a new process for it" test "$(pids)" -gt "$before"
: > "$T/go1"
wait "$HOLD"
HOLD=
session "$P1" ehlo wait="$T/go2" quit > "$T/h3" &
HOLD=$!
# its banner came: its process logged "connect from" before
waitfor "$T/h3" "^220" 10
before=$(pids)
( sleep 1; : > "$T/go2" ) &
session "$P1" > "$T/h4"
check_out "limit 1: the second client waits, then is served" \
    "220 $HOST ESMTP first" cat "$T/h4"
check "limit 1: by the same process" test "$(pids)" = "$before"
wait "$HOLD"
HOLD=

# --- reload: a session in progress finishes, new ones see the new files ---
session "$P2" ehlo wait="$T/go3" mail=root@$HOST quit > "$T/r1" &
HOLD=$!
# its banner came: its process logged "connect from" before
waitfor "$T/r1" "^220" 10
P_OLD=$(lastpid)
main_cf second
cp "$K/two.crt" "$K/srv.crt"
cp "$K/two.key" "$K/srv.key"
check_exit "postfix reload" 0 mta postfix reload
check "reload logged" waitfor "$T/maillog" 'master\[[0-9]+\]: reload' 5
sleep 0.5
check "the old process still serves its client" kill -0 "${P_OLD:-0}"
session "$P2" > "$T/r2"
check_out "a new session gets the new banner" "220 $HOST ESMTP second" \
    cat "$T/r2"
check "from a new process" test "$(lastpid)" != "$P_OLD"
openssl s_client -connect "127.0.0.1:$P2" -starttls smtp \
    -servername two.test < /dev/null > "$T/tls" 2>&1
check "and the new certificate" grep -q 'subject=.*CN *= *two.test' "$T/tls"
: > "$T/go3"
wait "$HOLD"
HOLD=
check "the old session's message, after the reload: accepted" \
    grep -q '^250 2.0.0 Ok: queued' "$T/r1"
check "the old session kept its banner" grep -q "ESMTP first" "$T/r1"
check "then the old process exits" gone "$P_OLD" 5
check "without a warning" sh -c \
    "! grep -E 'process smtpd pid $P_OLD (exit|killed)' '$T/maillog'"

# --- a rebuilt table: the process ends before its next client -------------
python3 - "$P1" > "$T/tab" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 5)
print(s.makefile("rb").readline().decode().rstrip())
PY
P_TAB=$(lastpid)
printf '127.0.0.1 REJECT second table\n' > "$T/tables/client"
mta postmap "cdb:$T/tables/client"
session "$P1" ehlo mail=root@$HOST quit > "$T/tab2"
check "the next client sees the new table" grep -q \
    'Client host rejected: second table' "$T/maillog"
check "logged as Postfix does" grep -q \
    "table $T/tables/client.cdb has changed -- restarting" "$T/maillog"
check "served by a new process" test "$(lastpid)" != "$P_TAB"
printf '10.9.9.9 REJECT third table\n' > "$T/tables/client"
mta postmap "cdb:$T/tables/client"

# --- a local delivery's command gets none of the service's descriptors ----
if [ "$(id -u)" = 0 ]; then
	mkdir -p "$T/home"
	chmod 777 "$T/home"
	cat >> "$T/etc/main.cf" <<EOF
alias_maps = cdb:$T/tables/aliases
allow_mail_to_commands = alias
EOF
	printf 'fds: "|ls -l /proc/self/fd > %s/home/fds"\n' "$T" \
	    > "$T/tables/aliases"
	mta postalias "cdb:$T/tables/aliases"
	mta postfix reload > /dev/null 2>&1
	sleep 0.5
	session "$P1" ehlo mail=fds@$HOST quit > "$T/fd1"
	waitfor "$T/home/fds" 'total' 10
	# the status pipe would be fd 3, the listeners 4 and on
	check "local's command: fd 3 is free (its own ls took it)" \
	    grep -q ' 3 -> /proc/' "$T/home/fds"
	check "local's command: no socket" sh -c \
	    "! grep -q 'socket:' '$T/home/fds'"
fi

# --- the processes end with master ------------------------------------------
session "$P1" > /dev/null
P_LAST=$(lastpid)
check "a process waits for clients" kill -0 "${P_LAST:-0}"
kill -9 "$MPID"
check "master killed: its service processes exit" gone "$P_LAST" 5
MPID=
rm -f "$Q/pid/master.pid"
