# MIT licence: see LICENSE.
#
# lib.sh - helpers for the black-box tests; source it first.
#
# Each test runs in its own temporary root $T (config in $T/etc, exported
# as MAIL_CONFIG), removed at exit.  Checks print "ok - NAME" or
# "FAIL - NAME: why"; tests/run.sh counts them.
: "${MTA:=$TOP/mta}"
: "${TOP:=$(cd "$(dirname "$0")/.." && pwd)}"
T=$(mktemp -d "${TMPDIR:-/tmp}/mta-t.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT INT TERM
chmod 755 "$T"	# daemons started as root run as mail_owner and read $T/etc
mkdir -p "$T/etc" "$T/pf"
: > "$T/pf/main.cf"
MAIL_CONFIG=$T/etc
export MAIL_CONFIG

# mkqueue: a fresh queue under $Q, made by the binary itself (as root:
# owned by postfix, as `postfix set-permissions` makes it)
mkqueue() {
	rm -rf "$Q"
	mkdir -p "$T/qetc"
	printf 'queue_directory = %s\nmail_owner = postfix\n' "$Q" \
	    > "$T/qetc/main.cf"
	"$MTA" postfix -c "$T/qetc" set-permissions
}

# waitfor FILE PATTERN [SECONDS]: FILE matches grep -E PATTERN within
# SECONDS (10)
waitfor() {
	i=0
	while [ $i -lt $(( ${3:-10} * 10 )) ]; do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}

# netns_resolver [OPTIONS]: in the test's namespace, /etc/resolv.conf
# names 127.0.0.1 (a test name server there), with OPTIONS
# ("timeout:1 attempts:1")
netns_resolver() {
	printf 'nameserver 127.0.0.1\noptions %s\n' \
	    "${1:-timeout:1 attempts:1}" > "$T/resolv.conf"
	chmod 644 "$T/resolv.conf"
	mount --bind "$T/resolv.conf" /etc/resolv.conf ||
	    { fail "namespace: resolv.conf" "mount --bind failed"; exit 1; }
}

# instance_pids: every process of this test's instance (argv has $T/etc)
instance_pids() {
	for d in /proc/[0-9]*; do
		{ tr '\0' ' ' < "$d/cmdline"; } 2>/dev/null |
		    grep -q -- "-c $T/etc\( \|$\)" && echo "${d#/proc/}"
	done
}

# gone PID [SECONDS]: the process ends within SECONDS (5)
gone() {
	_g=0
	while kill -0 "$1" 2>/dev/null && [ $_g -lt $(( ${2:-5} * 10 )) ]; do
		sleep 0.1; _g=$((_g + 1))
	done
	! kill -0 "$1" 2>/dev/null
}

# reload_wait [QUEUE]: postfix reload, then wait (5 s at most) until the
# instance's processes of before are gone but master: the service
# processes then running read the new main.cf (QUEUE: $Q)
reload_wait() {
	_m=$(tr -d ' \n' < "${1:-$Q}/pid/master.pid" 2>/dev/null)
	_old=$(instance_pids | grep -vx "${_m:-0}")
	"$MTA" postfix reload >/dev/null 2>&1 || return 1
	for _p in $_old; do
		gone "$_p"
	done
}

# netns_hosts LINE...: in the test's namespace (tests/netns.sh): loopback
# up, and /etc/hosts made of localhost and LINEs ("127.0.0.1 srv.test")
netns_hosts() {
	ip link set lo up || { fail "namespace: lo up" "ip link failed"; exit 1; }
	printf '%s\n' "127.0.0.1 localhost" "$@" > "$T/hosts"
	chmod 644 "$T/hosts"
	mount --bind "$T/hosts" /etc/hosts ||
	    { fail "namespace: hosts" "mount --bind failed"; exit 1; }
}

# TLS certificates in $K, made by openssl (RSA-2048, valid two days) -----
# pki_ca NAME: a CA, $K/NAME.crt and NAME.key, CN Test-NAME
pki_ca() {
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$K/$1.key" \
	    -out "$K/$1.crt" -subj "/CN=Test-$1" -days 2
}
# pki_cert FILE NAME [CA [SAN]]: $K/FILE.crt and FILE.key for NAME (its CN
# and DNS subjectAltName), signed by CA (ca); SAN, when given, is the
# subjectAltName instead (openssl's syntax: "DNS:a.test,DNS:b.test"), "-"
# for none
pki_cert() {
	if [ "${4:-}" = - ]; then
		: > "$K/$1.ext"
	else
		printf 'subjectAltName=%s\n' "${4:-DNS:$2}" > "$K/$1.ext"
	fi
	openssl req -newkey rsa:2048 -nodes -keyout "$K/$1.key" \
	    -out "$K/$1.csr" -subj "/CN=$2" &&
	openssl x509 -req -in "$K/$1.csr" -CA "$K/${3:-ca}.crt" \
	    -CAkey "$K/${3:-ca}.key" -CAcreateserial -out "$K/$1.crt" -days 2 \
	    -extfile "$K/$1.ext"
}

ok() { echo "ok - $1"; }
fail() { echo "FAIL - $1: $2"; }

# mta APPLET ARGS...: run the applet through the multi-call binary
mta() { "$MTA" "$@"; }

# pf COMMAND ARGS...: Debian's Postfix program with the scratch config $T/pf
pf() { cmd=$1; shift; MAIL_CONFIG=$T/pf "/usr/sbin/$cmd" -c "$T/pf" "$@"; }

have_postfix() { [ -x /usr/sbin/postmap ] && [ -x /usr/sbin/postconf ]; }

# check NAME CMD...: CMD exits 0 (it may read $T/.out and $T/.err, the
# output of the last check_exit, check_out or check_err)
check() {
	name=$1; shift
	if "$@" >"$T/.cout" 2>"$T/.cerr"; then ok "$name"
	else fail "$name" "exit $? from $*: $(head -c 300 "$T/.cerr")"; fi
}

# check_exit NAME CODE CMD...: CMD exits CODE
check_exit() {
	name=$1; want=$2; shift 2
	"$@" >"$T/.out" 2>"$T/.err"; got=$?
	if [ "$got" = "$want" ]; then ok "$name"
	else fail "$name" "exit $got, want $want from $*: $(head -c 300 "$T/.err")"; fi
}

# check_out NAME EXPECTED CMD...: CMD's stdout is exactly EXPECTED
check_out() {
	name=$1; want=$2; shift 2
	got=$("$@" 2>"$T/.err")
	if [ "$got" = "$want" ]; then ok "$name"
	else fail "$name" "got [$got], want [$want] from $*"; fi
}

# check_err NAME PATTERN CMD...: CMD's stderr matches grep -E PATTERN
check_err() {
	name=$1; pat=$2; shift 2
	"$@" >"$T/.out" 2>"$T/.err"
	if grep -Eq -- "$pat" "$T/.err"; then ok "$name"
	else fail "$name" "stderr [$(head -c 300 "$T/.err")] lacks /$pat/"; fi
}

# check_same NAME FILE1 FILE2: the two files are identical
check_same() {
	if cmp -s "$2" "$3"; then ok "$1"
	else fail "$1" "$(diff "$2" "$3" | head -n 10 | tr '\n' '|')"; fi
}

# free_port: print a TCP port on 127.0.0.1 that nothing listens on now
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_port PORT [SECONDS]: wait until something listens on 127.0.0.1:PORT
wait_port() {
	python3 - "$1" "${2:-10}" <<'PY'
import socket, sys, time
end = time.time() + float(sys.argv[2])
while time.time() < end:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.5).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
PY
}

# stop_pid PID...: end processes this test started (TERM, then KILL)
stop_pid() {
	for p in "$@"; do kill "$p" 2>/dev/null; done
	for p in "$@"; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.1; i=$((i + 1))
		done
		kill -9 "$p" 2>/dev/null
	done
	return 0
}

# SMTP sessions (t-smtpd, t-receive, t-dns) -------------------------------

# smtpd_root [MAIN.CF-LINES]: a queue under $Q and a main.cf for smtpd run
# inetd-style as this user (myhostname $H, no recipient tables, no error
# sleep), then MAIN.CF-LINES (later lines win)
smtpd_root() {
	for d in incoming active deferred hold corrupt maildrop private \
	    public pid bounce defer; do
		mkdir -p "$Q/$d"
	done
	mkdir -p "$T/data"
	cat > "$T/etc/main.cf" <<EOF
queue_directory = $Q
data_directory = $T/data
maillog_file = $T/maillog
maillog_file_prefixes = $T
myhostname = $H
mydomain = example.com
mail_owner = $(id -un)
alias_maps =
local_recipient_maps =
smtpd_error_sleep_time = 0
EOF
	[ -z "$1" ] || printf '%s\n' "$1" >> "$T/etc/main.cf"
}

# serve NAME [-o name=value]...: an smtpd service on a free port, $P_NAME
# (its server's pid joins $SERVERS, for the test's exit trap)
serve() {
	name=$1; shift
	port=$(free_port)
	python3 "$TOP/tests/smtpd_server.py" "$port" "$T/$name.pid" \
	    "$MTA" smtpd -c "$T/etc" -o "service_name=$name" "$@" &
	SERVERS="$SERVERS $!"
	wait_port "$port" 10 || { fail "serve $name" "no listener"; exit 1; }
	eval "P_$name=$port"
}

# talk PORT [TIMEOUT] < SCRIPT: tests/smtpd_talk.py, output in $T/out
talk() { python3 "$TOP/tests/smtpd_talk.py" "$@" > "$T/out"; }

# same NAME EXPECTED: $T/out is exactly EXPECTED
same() {
	if [ "$(cat "$T/out")" = "$2" ]; then ok "$1"
	else fail "$1" "got [$(tr '\n' '|' < "$T/out" | head -c 800)]" \
	    "want [$(printf %s "$2" | tr '\n' '|')]"; fi
}

# has NAME PATTERN [FILE]: FILE ($T/out) matches grep -E PATTERN
has() {
	if grep -Eq -- "$2" "${3:-$T/out}"; then ok "$1"
	else fail "$1" "[$(tr '\n' '|' < "${3:-$T/out}" | tail -c 600)] lacks /$2/"; fi
}

# ehlo_reply HOST: smtpd's EHLO reply with the default keywords
ehlo_reply() {
	printf '250-%s\n' "$1" PIPELINING "SIZE 10240000" VRFY ETRN \
	    ENHANCEDSTATUSCODES 8BITMIME DSN SMTPUTF8
	echo "250 CHUNKING"
}
