#!/bin/sh
# MIT licence: see LICENSE.
#
# run.sh - `make bench`: mta beside Debian's Postfix, each configured only
# from the files this benchmark writes (bench/lib.sh), on loopback, with
# the same durability (both fsync each queue file before the 250, their
# default; neither is told otherwise).  The two alternate run by run;
# each figure is the median of $RUNS runs with its min and max, and the
# ratio mta / Postfix; the last column says whether higher or lower is
# better ("^" higher, "v" lower) and which of the two won.  A run that
# measured nothing (no message reached the sink, no process found) is an
# error printed loudly and leaves no figure: the run then exits 1.
#
# Results: bench/results/YYYYMMDD-HHMMSS.tsv (machine facts in "#" lines,
# then one row per figure) and .png (gnuplot: mta's advantage per
# figure, the ratio turned so that above 1 means mta is better).
#
# QUICK=1: fewer runs and smaller counts, under two minutes.  The machine
# may be shared: read the ratios, not the absolute figures, and never make
# assertions of them (they are not part of `make check`).
#
# Sections (sourced, in this order): maps.sh (postmap, postconf),
# relay.sh (relay end to end, CPU, disk, idle PSS, sendmail), smtp.sh
# (accept rate with delivery held, sessions/s, STARTTLS, memory per
# session), queue.sh (a large deferred queue), size.sh (sizes).
# SECTIONS="relay smtp" runs only those.  Run as root: the Postfix
# instances need their postfix user, and cgroups are made for both.
: "${MTA:=$(pwd)/mta}"
BENCH=$(cd "$(dirname "$0")" && pwd)
export LC_ALL=C
if [ -n "$QUICK" ] && [ "$QUICK" != 0 ]; then
	QUICK=1
	: "${RUNS:=3}" "${RELAY_SMALL:=200}" "${RELAY_BIG:=30}"
	: "${ACCEPT:=200}" "${SESS:=30}" "${SENDMAILS:=50}"
	: "${QUEUE:=500}" "${MAPN:=20000}"
else
	QUICK=0
	: "${RUNS:=5}" "${RELAY_SMALL:=5000}" "${RELAY_BIG:=1000}"
	: "${ACCEPT:=5000}" "${SESS:=500}" "${SENDMAILS:=200}"
	: "${QUEUE:=100000}" "${MAPN:=200000}"
fi
: "${SECTIONS:=maps relay smtp queue size}"
[ -x /usr/sbin/postfix ] && [ -x /usr/sbin/smtp-source ] ||
    { echo "bench: Debian's postfix is needed" >&2; exit 1; }
[ "$(id -u)" = 0 ] ||
    { echo "bench: run as root (Postfix instances, cgroups)" >&2; exit 1; }
[ -x "$MTA" ] || { echo "bench: no $MTA" >&2; exit 1; }
MTA=$(cd "$(dirname "$MTA")" && pwd)/$(basename "$MTA")

T=$(mktemp -d "${TMPDIR:-/tmp}/mta-bench.XXXXXX") || exit 1
chmod 755 "$T"
CG=/sys/fs/cgroup/cpuacct/mta-bench.${T##*.}
[ -d /sys/fs/cgroup/cpuacct ] ||
    CG=/sys/fs/cgroup/cpu,cpuacct/mta-bench.${T##*.}
mkdir -p "$CG" || { echo "bench: no cpuacct cgroup ($CG)" >&2; exit 1; }
. "$BENCH/lib.sh"
DEV=$(disk_dev)
mkdir -p "$BENCH/results"
STAMP=$(date -u +%Y%m%d-%H%M%S)
OUT=$BENCH/results/$STAMP.tsv
: > "$T/errors"; : > "$T/sections"

cleanup() {
	for i in "$T"/*/kind; do
		[ -f "$i" ] && stop "$(basename "$(dirname "$i")")"
	done
	for i in "$T"/*.sinkpid; do
		[ -f "$i" ] && kill "$(cat "$i")" 2>/dev/null
	done
	for i in "$CG"/*/; do [ -d "$i" ] && cg_kill "$(basename "$i")"; done
	rmdir "$CG" 2>/dev/null
	[ -n "$KEEP" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

start_time=$(now)
rev=$(git -C "$BENCH/.." rev-parse --short HEAD 2>/dev/null)
git -C "$BENCH/.." diff --quiet HEAD 2>/dev/null || rev="$rev+dirty"
{
	printf '# mta bench\t%s\n' "$STAMP"
	printf '# cpu\t%s\n' \
	    "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
	printf '# cores\t%s\n' "$(nproc)"
	printf '# memory\t%s\n' \
	    "$(awk '/^MemTotal/ { print $2 " kB" }' /proc/meminfo)"
	printf '# kernel\t%s\n' "$(uname -sr)"
	printf '# loadavg at start\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
	printf '# disk\t%s (%s; shared: other I/O on it is counted too)\n' \
	    "$DEV" "$(df -P "$T" | awk 'NR == 2 { print $6 }')"
	printf '# mta commit\t%s\n' "$rev"
	printf '# postfix\t%s (Debian %s)\n' \
	    "$(/usr/sbin/postconf -d -h mail_version 2>/dev/null)" \
	    "$(dpkg-query -W -f='${Version}' postfix)"
	printf '# quick\t%s\n' "$QUICK"
	printf '# runs\t%s (alternating mta, postfix)\n' "$RUNS"
	printf '# durability\t%s %s\n' \
	    "both as by default: each fsyncs a queue file before its 250" \
	    "(both once per message: the file under its queue id, marked complete, one fsync)"
	printf '# ratio\t%s %s\n' "mta / postfix; better: which direction" \
	    "is better; winner: which is better by the medians"
	printf 'name\tunit\tmta_median\tmta_min\tmta_max\tpostfix_median\t'
	printf 'postfix_min\tpostfix_max\tratio\tbetter\twinner\n'
} > "$OUT"
grep '^# ' "$OUT" | sed 's/^# //; s/\t/: /'
echo
echo "ratio = mta / postfix; ^ higher is better, v lower is better;"
echo "winner: which of the two is better by the medians"
printf '%-44s %9s %-15s %9s %-15s %6s %s\n' "figure" "mta" "[min-max]" \
    "postfix" "[min-max]" "ratio" "better winner"

for sec in $SECTIONS; do
	[ -f "$BENCH/$sec.sh" ] || { loud "no section $sec"; continue; }
	echo "-- $sec"
	sec_s=$(now)
	. "$BENCH/$sec.sh"
	printf '# section %s\t%.0f s\n' "$sec" \
	    "$(msecs "$sec_s" "$(now)" | awk '{ print $1 / 1000 }')" \
	    >> "$T/sections"
done

sh "$BENCH/chart.sh" "$OUT" && echo "bench: chart $BENCH/results/$STAMP.png"
el=$(awk -v s="$start_time" -v e="$(now)" 'BEGIN { printf "%.0f", e - s }')
{ cat "$T/sections"; printf '# duration\t%s s\n' "$el"; } >> "$OUT"
echo "bench: $OUT ($el s)"
if [ -s "$T/errors" ]; then
	echo "bench: FAILED: these measured nothing:" >&2
	sed 's/^/  /' "$T/errors" >&2
	exit 1
fi
