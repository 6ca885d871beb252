#!/bin/sh
# MIT licence: see LICENSE.
#
# t-reuse-mem.sh - the sanitizer build (make SANITIZE=1 all) serves 1000
# sessions through one smtpd process and stays clean: a mix of plain
# messages, AUTH (PLAIN, LOGIN left half done), STARTTLS (some clients
# going without close_notify), the hard error limit, BDAT chunks dropped
# half sent (tests/reuse_client.py mix).  smtpd has a process limit of 1
# and max_use 1000: it serves all of them, exits after the last, and
# LeakSanitizer reports at that exit; cleanup (one process too) is
# stopped with the instance and reports then.  ASan and UBSan write into
# $T/san (ASAN_OPTIONS log_path; master hands the options to its
# children): any file there is a failure.  The process's VmRSS after 10
# and after 999 sessions is printed as a comment.  Runs only with the
# sanitizer build; as root (master, mail_owner postfix).
. "$(dirname "$0")/lib.sh"

# REUSE_MEM_ANY=1 runs it with another build too (to compare its RSS)
case $MTA in
*/build/glibc-san/*) ;;
*)	if [ -z "$REUSE_MEM_ANY" ]; then
		echo "skip - reuse-mem: not the sanitizer build (MTA=$MTA)"
		exit 0
	fi ;;
esac
if [ "$(id -u)" != 0 ] || ! command -v openssl >/dev/null; then
	echo "skip - reuse-mem: not root, or no openssl"
	exit 0
fi

Q=$T/q
H=mx.example.com
K=$T/k
P=$(free_port)
N=1000
finish() {
	"$MTA" postfix -c "$T/etc" stop >/dev/null 2>&1
	for p in $(instance_pids); do stop_pid "$p"; done
	rm -rf "$T"
}
trap finish EXIT
trap 'exit 1' INT TERM

chmod 755 "$T"
mkdir -p "$T/data" "$T/san" "$K"
chmod 1777 "$T/san"
chown postfix "$T/data"
(pki_ca ca && pki_cert srv "$H") >/dev/null 2>&1 ||
    { fail setup "openssl: certificates"; exit 1; }
chmod 644 "$K"/*.key
printf 'alice %s\n' "$(openssl passwd -6 'alice pw')" > "$T/users"
cat > "$T/etc/main.cf" <<EOF
queue_directory = $Q
data_directory = $T/data
maillog_file = $T/maillog
mail_owner = postfix
myhostname = $H
mydomain = example.com
mydestination = \$myhostname
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 10.99.0.0/16
alias_maps =
local_recipient_maps =
smtpd_error_sleep_time = 0
smtpd_hard_error_limit = 4
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = mta
smtpd_sasl_password_maps = texthash:$T/users
smtpd_sasl_security_options = noanonymous
smtpd_tls_security_level = may
smtpd_tls_cert_file = $K/srv.crt
smtpd_tls_key_file = $K/srv.key
smtpd_tls_received_header = yes
smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated,
    reject_unauth_destination
smtpd_client_message_rate_limit = 100000
header_checks = regexp:$T/hc
service_throttle_time = 1s
EOF
# cleanup's actions on the mix's messages ("mix N"): REDIRECT and HOLD
printf '%s\n' "/^Subject: mix [0-9]*[05]\$/ REDIRECT bob@$H" \
    "/^Subject: mix [0-9]*[27]\$/ HOLD" > "$T/hc"
cat > "$T/etc/master.cf" <<EOF
127.0.0.1:$P inet n - n - 1 smtpd -o max_use=$N -o max_idle=300s
cleanup unix n - n - 1 cleanup -o max_use=$N -o max_idle=300s
EOF

ASAN_OPTIONS="log_path=$T/san/asan:detect_leaks=1:abort_on_error=0"
UBSAN_OPTIONS="log_path=$T/san/ubsan:print_stacktrace=1"
export ASAN_OPTIONS UBSAN_OPTIONS
check "start" sh -c "'$MTA' postfix -c '$T/etc' start > '$T/start.out' 2>&1"
check "listening" wait_port "$P" 20

# mix FROM TO: sessions FROM..TO-1 of the mix
mix() {
	python3 "$TOP/tests/reuse_client.py" "$P" 127.0.0.1 mix "$1" "$2" \
	    "$H" "alice pw" > "$T/out" 2> "$T/mix.err"
	check_out "sessions $1 to $(($2 - 1)) as expected" "mix $(($2 - $1)) 0" \
	    cat "$T/out"
}
rss() { sed -n 's/^VmRSS:[[:space:]]*//p' "/proc/$1/status" 2>/dev/null; }
nfd() { ls "/proc/$1/fd" 2>/dev/null | wc -l | tr -d ' '; }

# wait_port's probe was the process's first session: the mix makes the
# other N - 1
t0=$(date +%s)
mix 0 9
pid=$(sed -n 's/.* mta\/smtpd\[\([0-9]*\)\]: connect from.*/\1/p' \
    "$T/maillog" | head -n 1)
check "smtpd's pid known" test -n "$pid"
rss10=$(rss "$pid")
fd10=$(nfd "$pid")
mix 9 $((N - 2))
rss999=$(rss "$pid")
check_out "as many descriptors open after $((N - 1)) sessions as after 10" \
    "$fd10" nfd "$pid"
echo "# smtpd pid $pid: VmRSS $rss10 after 10 sessions, $rss999 after" \
    "$((N - 1))"
mix $((N - 2)) $((N - 1))
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 200 ]; do
	sleep 0.1; i=$((i + 1))
done
check "smtpd exited after max_use=$N sessions" sh -c "! kill -0 $pid"
check_out "one smtpd process served all $N sessions" "$N $pid" sh -c \
    "grep -E 'mta/smtpd\[[0-9]+\]: connect from' '$T/maillog' |
    sed 's/.*smtpd\[\([0-9]*\)\].*/\1/' | uniq -c | awk '{print \$1, \$2}'"
"$MTA" postfix -c "$T/etc" stop >/dev/null 2>&1
i=0
while [ -n "$(instance_pids)" ] && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
echo "# $N sessions in $(($(date +%s) - t0)) s"
check "no sanitizer report (leak or error)" sh -c "
	for f in '$T/san'/*; do
		[ -e \"\$f\" ] || continue
		echo \"\$f:\"; head -n 30 \"\$f\"
	done >&2
	! ls '$T/san' | grep -q ."
if ls "$T/san" | grep -q .; then
	for f in "$T/san"/*; do echo "# $f"; sed 's/^/# /' "$f" | head -n 40
	done
fi
check "cleanup: REDIRECT and HOLD done" sh -c \
    "grep -q 'redirect: header Subject: mix' '$T/maillog' &&
    grep -q 'hold: header Subject: mix' '$T/maillog'"
check "no smtpd or cleanup crash" sh -c \
    "! grep -E 'killed by signal|fatal:|panic:' '$T/maillog'"
exit 0
