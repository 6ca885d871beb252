# MIT licence: see LICENSE.
#
# lib.sh - what the benchmarks share: ports, the time, statistics, the
# TSV rows, and the two servers compared on loopback, each configured
# only from files written here: private Postfix instances under $T/NAME
# (their own config_directory, queue_directory, data_directory, ports on
# 127.0.0.1) and mta instances alike.  Each instance runs in its own
# cpuacct cgroup, so that the CPU time of all its processes (the ones
# that exited too) and the list of its processes are the kernel's, not
# guessed from a process tree.  Source it after setting $T (and $OUT,
# the TSV, for rows).
#
# Postfix takes the directory with -c (postfix, postqueue, postsuper) or
# -C (sendmail); the benchmark runs as root, so the check that limits an
# unprivileged user to alternate_config_directories does not apply: an
# instance's settings come only from its own main.cf and master.cf
# (meta_directory, /etc/postfix, still gives the package's postfix-files).
# `postfix start` creates the queue.
port() {
	python3 -c 'import socket; s = socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
now() { date +%s.%N; }
# rate START END COUNT: COUNT per second; msecs START END; cpums NS0 NS1
# COUNT: CPU milliseconds per item from two cpuacct readings
rate() { awk -v s="$1" -v e="$2" -v m="$3" 'BEGIN { print m / (e - s) }'; }
msecs() { awk -v s="$1" -v e="$2" 'BEGIN { print (e - s) * 1000 }'; }
cpums() {
	awk -v a="$1" -v b="$2" -v m="$3" 'BEGIN { print (b - a) / 1e6 / m }'
}
# stats FILE: "median min max" of the numbers in FILE
stats() {
	sort -g "$1" | awk '{ a[NR] = $1 }
	    END { if (NR == 0) print "0 0 0";
		  else print a[int((NR + 1) / 2)], a[1], a[NR] }'
}
loud() { printf '\n*** bench: %s ***\n\n' "$*" >&2; echo "$*" >> "$T/errors"; }

# row NAME UNIT BETTER: the figure NAME from $T/a (mta) and $T/b
# (Postfix), one number per run; BETTER is "higher" or "lower".  The
# ratio is mta / Postfix; "winner" says which is better by the median.
row() {
	set -- "$1" "$2" "$3" $(stats "$T/a") $(stats "$T/b")
	awk -v n="$1" -v u="$2" -v b="$3" -v am="$4" -v an="$5" -v ax="$6" \
	    -v bm="$7" -v bn="$8" -v bx="$9" -v out="$OUT" 'BEGIN {
		r = bm > 0 ? am / bm : 0
		w = (am > bm) == (b == "higher") ? "mta" : "postfix"
		if (am == bm) w = "same"
		if (am == 0 || bm == 0) w = "none"
		f = "%s\t%s\t%.6g\t%.6g\t%.6g\t%.6g\t%.6g\t%.6g"
		printf f "\t%.4g\t%s\t%s\n", n, u, am, an, ax, bm, bn, bx,
		    r, b, w >> out
		printf "%-44s %9.4g [%.4g-%.4g] %9.4g [%.4g-%.4g] %6.3f %s\n",
		    n " (" u ")", am, an, ax, bm, bn, bx, r,
		    (b == "higher" ? "^" : "v") " " w
	}'
}
# keep: append NUMBER to FILE, loudly refusing a zero or an empty figure
keep() {
	case $1 in
	"" | 0 | 0.0* | -*)
		loud "$3: no figure ($1): nothing was measured"; return 1 ;;
	esac
	echo "$1" >> "$2"
}

# the settings both servers get; both keep their default durability
# (each fsyncs a queue file before it answers 250 to the end of data)
both_main() {
	printf '%s\n' "myhostname = bench.localdomain" "mydestination =" \
	    "inet_interfaces = 127.0.0.1" "inet_protocols = ipv4" \
	    "mynetworks = 127.0.0.0/8" "alias_maps =" "alias_database =" \
	    "smtpd_relay_restrictions = permit_mynetworks, reject" \
	    "smtp_tls_security_level = none" "mail_owner = postfix"
}

# cg_make NAME: a cpuacct cgroup for an instance; cg_cpu NAME: its CPU
# time in ns; cg_pids NAME: its processes; cg_pss NAME: their PSS in KiB
cg_make() {
	mkdir -p "$CG/$1" || { loud "cannot make cgroup $CG/$1"; exit 1; }
}
cg_cpu() { cat "$CG/$1/cpuacct.usage"; }
cg_pids() { cat "$CG/$1/cgroup.procs"; }
cg_pss() {
	for cg_p in $(cg_pids "$1"); do
		cat "/proc/$cg_p/smaps_rollup" 2>/dev/null
	done | awk '$1 == "Pss:" { s += $2 } END { print s + 0 }'
}
# cg_comm_kib NAME COMM FIELD: FIELD (Pss: or Rss:) of the processes of
# NAME whose command line's first word ends in COMM (mta's daemons are all
# "mta"; their argv[0] says which)
cg_comm_kib() {
	for cg_p in $(cg_pids "$1"); do
		cg_a=$(tr '\0' ' ' < "/proc/$cg_p/cmdline" 2>/dev/null)
		case " $cg_a" in
		" $2 "* | " "*/"$2 "*) cat "/proc/$cg_p/smaps_rollup" ;;
		esac
	done | awk -v f="$3" '$1 == f { s += $2 } END { print s + 0 }'
}
# cg_comm_n NAME COMM: how many processes of NAME run as COMM (as above)
cg_comm_n() {
	for cg_p in $(cg_pids "$1"); do
		cg_a=$(tr '\0' ' ' < "/proc/$cg_p/cmdline" 2>/dev/null)
		case " $cg_a" in
		" $2 "* | " "*/"$2 "*) echo "$cg_p" ;;
		esac
	done | wc -l
}
cg_kill() {
	[ -d "$CG/$1" ] || return 0
	for cg_p in $(cg_pids "$1"); do kill -9 "$cg_p" 2>/dev/null; done
	# a killed process leaves the cgroup only once it is reaped
	ck_i=0
	while [ -n "$(cg_pids "$1")" ] && [ $ck_i -lt 50 ]; do
		sleep 0.1; ck_i=$((ck_i + 1))
	done
	rmdir "$CG/$1" 2>/dev/null || echo "bench: $CG/$1 is left" >&2
}

# the disk holding $T: its name in /proc/diskstats
disk_dev() {
	d=$(df -P "$T" | awk 'NR == 2 { print $1 }')
	d=${d#/dev/}
	grep -q " $d " /proc/diskstats ||
	    d=$(echo "$d" | sed 's/[0-9]*$//; s/p$//')
	echo "$d"
}
# disk: "FLUSHES SECTORS-WRITTEN" for $DEV: the 16th figure after the
# name is "flush requests completed" (kernel 5.5 and later; without it,
# the 5th, writes completed); the 7th is sectors written, 512 bytes each
# (Documentation/admin-guide/iostats.rst)
disk() {
	awk -v d="$DEV" '$3 == d { print (NF >= 20 ? $19 : $8), $10 }' \
	    /proc/diskstats
}

# wait_port PORT: until something listens on 127.0.0.1:PORT (10 s).
# Listening, not a test connection: a connection would start an smtpd
# that then waits max_idle (Postfix's, and mta's long-lived ones), and
# the figures after start (idle memory, memory per session) would count it
wait_port() {
	wp_i=0
	while [ $wp_i -lt 100 ]; do
		[ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ] && return 0
		sleep 0.1; wp_i=$((wp_i + 1))
	done
	return 1
}

# sink_start NAME PORT: an smtp-sink that counts the messages it got in
# $T/NAME.count (its -c counter: the last "mesg=N" it printed)
sink_start() {
	smtp-sink -c -u postfix "127.0.0.1:$2" 1000 > "$T/$1.count" 2>&1 &
	echo $! > "$T/$1.sinkpid"
	wait_port "$2" || { loud "smtp-sink on $2 did not start"; exit 1; }
}
sink_stop() {
	[ -f "$T/$1.sinkpid" ] && kill "$(cat "$T/$1.sinkpid")" 2>/dev/null
	rm -f "$T/$1.sinkpid"
}
sink_count() {
	tail -c 120 "$T/$1.count" | tr '\r' '\n' |
	    awk -F 'mesg=' 'NF > 1 { n = $2 + 0 } END { print n + 0 }'
}
# sink_wait NAME COUNT SECONDS: until sink NAME has COUNT messages;
# fails after SECONDS without progress
sink_wait() { progress sink_count "$1" "$2" "$3"; }
# progress FUNC ARG COUNT SECONDS [INTERVAL]: until `FUNC ARG` prints
# COUNT or more, asking every INTERVAL seconds (0.05: the end of a timed
# run is seen within that); fails after SECONDS without a change; $pg_n
# is the last figure
progress() {
	pg_last=-1; pg_idle=0
	while :; do
		pg_n=$("$1" "$2")
		[ "$pg_n" -ge "$3" ] && return 0
		if [ "$pg_n" = "$pg_last" ]; then
			pg_idle=$((pg_idle + 1))
			awk -v i="$pg_idle" -v s="$4" -v d="${5:-0.05}" \
			    'BEGIN { exit !(i * d >= s) }' && return 1
		else
			pg_idle=0; pg_last=$pg_n
		fi
		sleep "${5:-0.05}"
	done
}

# pf_conf NAME SMTPD-LINES MAIN-EXTRA: Postfix's main.cf and master.cf
# in $T/NAME/etc, from bench/postfix-master.cf and these lines only
pf_conf() {
	mkdir -p "$T/$1/etc" "$T/$1/q" "$T/$1/data"
	chown postfix "$T/$1/data"
	{
		printf '%s\n' "compatibility_level = 3.6" \
		    "queue_directory = $T/$1/q" "data_directory = $T/$1/data" \
		    "maillog_file = $T/$1/maillog" \
		    "maillog_file_prefixes = /tmp" "biff = no" \
		    "smtpd_tls_session_cache_database =" \
		    "smtp_tls_session_cache_database ="
		both_main
		printf '%s\n' "$3"
	} > "$T/$1/etc/main.cf"
	{
		cat "$BENCH/postfix-master.cf"
		printf '%s\n' "$2"
	} > "$T/$1/etc/master.cf"
}
# mta_conf NAME SMTPD-LINES MAIN-EXTRA: mta's main.cf and master.cf
mta_conf() {
	mkdir -p "$T/$1/etc" "$T/$1/data"
	chown postfix "$T/$1/data"
	{
		printf '%s\n' "queue_directory = $T/$1/q" \
		    "data_directory = $T/$1/data" \
		    "maillog_file = $T/$1/maillog"
		both_main
		printf '%s\n' "$3"
	} > "$T/$1/etc/main.cf"
	{
		cat "$BENCH/mta-master.cf"
		printf '%s\n' "$2"
	} > "$T/$1/etc/master.cf"
}
# start KIND NAME PORT: start instance NAME (KIND pf or mta) inside its
# cgroup and wait for its smtpd on PORT
start() {
	cg_make "$2"
	if [ "$1" = pf ]; then
		sh -c 'echo $$ > "$1/cgroup.procs" &&
		    exec /usr/sbin/postfix -c "$2" start' \
		    sh "$CG/$2" "$T/$2/etc" > "$T/$2/start.out" 2>&1
	else
		sh -c 'echo $$ > "$1/cgroup.procs" &&
		    exec "$3" postfix -c "$2" start' \
		    sh "$CG/$2" "$T/$2/etc" "$MTA" > "$T/$2/start.out" 2>&1
	fi
	[ $? = 0 ] && wait_port "$3" ||
	    { loud "$2 did not start: $(cat "$T/$2/start.out")"; exit 1; }
	echo "$1" > "$T/$2/kind"
}
stop() {
	[ -f "$T/$1/kind" ] || return 0
	if [ "$(cat "$T/$1/kind")" = pf ]; then
		/usr/sbin/postfix -c "$T/$1/etc" stop > /dev/null 2>&1
	else
		"$MTA" postfix -c "$T/$1/etc" stop > /dev/null 2>&1
	fi
	rm -f "$T/$1/kind"
	st_i=0
	while [ -n "$(cg_pids "$1" 2>/dev/null)" ] && [ $st_i -lt 50 ]; do
		sleep 0.1; st_i=$((st_i + 1))
	done
	cg_kill "$1"
}
