#!/bin/sh
# MIT licence: see LICENSE.
#
# profile.sh - `make profile`: where mta's instructions go per relayed
# message, process by process.  mta relays N messages (smtp-source, SIZE
# bytes, SESSIONS at once -> smtpd -> cleanup -> qmgr -> smtp -> its own
# smtp-sink), every one of its processes under valgrind's callgrind
# (--trace-children=yes, one output file per process, named by its pid).
# Instruction counts are the same from run to run on any machine load,
# unlike times; they count user-space instructions only (not the
# kernel's fork, exec, page faults, fsync, nor time spent waiting).
#
# Each applet is read from the "cmd:" line of its file: valgrind puts the
# binary's path in argv[0], where the applet name was, so the instance
# runs with MTA_APPLET_ARG set (and passed on by import_environment),
# which makes svc_exec_self run each process as "mta APPLET args".
#
# Two instances run: one that relays one message (the warm-up) and stops,
# one that relays the warm-up message and then N more; per message =
# (second - first) / N.  What starting the mail system, master's and
# qmgr's start and the first message cost cancels out; what starting a
# process costs during the N messages (a per-connection smtpd, a
# cleanup...) counts, as it should.
#
# Output: per applet, processes started and instructions per message;
# the TOP functions by their own instructions over every process, and
# the top 5 of each applet; written to stdout and to
# bench/results/profile-REV-YYYYMMDD-HHMMSS.txt (PROFILE_OUT= to name it).
# Run as root; the instance runs as the postfix user (mta runs so
# unprivileged): a process that starts as root (master, smtpd) makes its
# callgrind file as root, and once it runs as postfix it cannot write it
# at its exit.  Only the few instructions of setuid differ.
: "${MTA:=$(pwd)/mta}" "${N:=200}" "${SIZE:=2048}" "${SESSIONS:=10}"
: "${TOP:=10}"
BENCH=$(cd "$(dirname "$0")" && pwd)
export LC_ALL=C
command -v valgrind > /dev/null ||
    { echo "profile: valgrind is needed" >&2; exit 1; }
[ -x /usr/sbin/smtp-source ] ||
    { echo "profile: Debian's postfix is needed (smtp-source)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "profile: run as root" >&2; exit 1; }
[ -x "$MTA" ] || { echo "profile: no $MTA" >&2; exit 1; }
MTA=$(cd "$(dirname "$MTA")" && pwd)/$(basename "$MTA")

T=$(mktemp -d "${TMPDIR:-/tmp}/mta-prof.XXXXXX") || exit 1
chmod 755 "$T"
CG=/nonexistent
. "$BENCH/lib.sh"
: > "$T/errors"
# the commit of the tree $MTA was built in (less bench/ and man/)
rev=$(git -C "$(dirname "$MTA")" rev-parse --short HEAD 2>/dev/null)
git -C "$(dirname "$MTA")" diff --quiet HEAD -- . ':!bench' ':!man' \
    2>/dev/null || rev="$rev+dirty"
: "${PROFILE_OUT:=$BENCH/results/profile-$rev-$(date -u +%Y%m%d-%H%M%S).txt}"

# the processes of instance NAME: those whose command line names its
# configuration directory (unique to this run)
inst_pids() {
	for ip in /proc/[0-9]*; do
		grep -qF "$T/$1/etc" "$ip/cmdline" 2>/dev/null &&
		    echo "${ip#/proc/}"
	done
}
cleanup() {
	for i in p0 p1; do
		[ -d "$T/$i/etc" ] || continue
		setpriv --reuid=postfix --regid=postfix --init-groups \
		    "$MTA" postfix -c "$T/$i/etc" stop > /dev/null 2>&1
		for p in $(inst_pids "$i"); do kill -9 "$p" 2>/dev/null; done
	done
	for i in "$T"/*.sinkpid; do
		[ -f "$i" ] && kill "$(cat "$i")" 2>/dev/null
	done
	[ -n "$KEEP" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE
die() { echo "profile: $*" >&2; exit 1; }

SM=$(port)
sink_start sink "$SM"

# one instance NAME relaying 1 + COUNT messages, under callgrind
run() {
	MP=$(port)
	mta_conf "$1" "127.0.0.1:$MP inet n - n - - smtpd" \
	    "relayhost = [127.0.0.1]:$SM
import_environment = MAIL_CONFIG MAIL_LOGTAG TZ LANG=C MTA_APPLET_ARG"
	mkdir -m 1777 "$T/$1/cg"
	chown -R postfix "$T/$1"
	b=$(sink_count sink)
	# --vgdb=no: no FIFOs in /tmp, which a process that changed its
	# user could not make; -q and no --log-file: master's child makes
	# the log file as root when it forks, and the same process cannot
	# open it again once it runs as postfix
	(cd "$T/$1/cg" && MTA_APPLET_ARG=1 setpriv --reuid=postfix \
	    --regid=postfix --init-groups valgrind -q --tool=callgrind \
	    --trace-children=yes --vgdb=no \
	    --callgrind-out-file="$T/$1/cg/callgrind.out.%p" \
	    "$MTA" postfix -c "$T/$1/etc" start) > "$T/$1.start" 2>&1 ||
	    die "$1 did not start: $(cat "$T/$1.start")"
	j=0
	until wait_port "$MP"; do
		j=$((j + 1))
		[ $j -lt 6 ] || die "$1: no smtpd on port $MP"
	done
	timeout 600 smtp-source -m 1 -l "$SIZE" -f bench@example.com \
	    -t sink@example.net "127.0.0.1:$MP" > "$T/$1.src0" 2>&1 ||
	    die "$1: smtp-source failed: $(head -3 "$T/$1.src0")"
	progress sink_count sink $((b + 1)) 120 0.5 ||
	    die "$1: the warm-up message did not reach the sink"
	if [ "$2" -gt 0 ]; then
		s=$(now)
		timeout 1200 smtp-source -s "$SESSIONS" -m "$2" -l "$SIZE" \
		    -f bench@example.com -t sink@example.net \
		    "127.0.0.1:$MP" > "$T/$1.src" 2>&1 ||
		    die "$1: smtp-source failed: $(head -3 "$T/$1.src")"
		progress sink_count sink $((b + 1 + $2)) 120 0.5 ||
		    die "$1: the sink got $(($(sink_count sink) - b - 1))" \
			"of $2 messages"
		echo "$1: $2 messages in $(msecs "$s" "$(now)" |
		    awk '{ printf "%.0f", $1 / 1000 }') s under callgrind" >&2
	fi
	setpriv --reuid=postfix --regid=postfix --init-groups \
	    "$MTA" postfix -c "$T/$1/etc" stop > /dev/null 2>&1
	# callgrind writes its file as each process exits
	j=0
	while [ -n "$(inst_pids "$1")" ] && [ $j -lt 600 ]; do
		sleep 0.1; j=$((j + 1))
	done
	[ -z "$(inst_pids "$1")" ] || die "$1: processes left after stop"
}
# PERF=1: the CPU time instead, kernel included, from perf's cpu-clock
# samples of every process of the instance (perf record follows master
# started in the foreground and all it starts); the instance runs as root
# as in production; recording starts after the warm-up message
if [ "${PERF:-0}" != 0 ]; then
	command -v perf > /dev/null || die "perf is needed"
	: "${FREQ:=4000}"
	case $PROFILE_OUT in
	*/profile-*) PROFILE_OUT=$(echo "$PROFILE_OUT" |
	    sed 's|/profile-\([^/]*\)$|/perf-\1|') ;;
	esac
	MP=$(port)
	mta_conf pf "127.0.0.1:$MP inet n - n - - smtpd" \
	    "relayhost = [127.0.0.1]:$SM"
	mkfifo "$T/ctl" "$T/ack"
	perf record -q -D -1 --control "fifo:$T/ctl,$T/ack" -e cpu-clock \
	    -F "$FREQ" -o "$T/perf.data" -- \
	    "$MTA" postfix -c "$T/pf/etc" start-fg > "$T/pf.start" 2>&1 &
	perfpid=$!
	wait_port "$MP" || die "no smtpd on port $MP: $(cat "$T/pf.start")"
	b=$(sink_count sink)
	smtp-source -m 1 -l "$SIZE" -f bench@example.com \
	    -t sink@example.net "127.0.0.1:$MP" > /dev/null 2>&1
	progress sink_count sink $((b + 1)) 60 0.1 || die "no warm-up"
	echo enable > "$T/ctl"; read -r a < "$T/ack"
	s=$(now)
	smtp-source -s "$SESSIONS" -m "$N" -l "$SIZE" -f bench@example.com \
	    -t sink@example.net "127.0.0.1:$MP" > /dev/null 2>&1
	progress sink_count sink $((b + 1 + N)) 60 0.05 ||
	    die "the sink did not get $N messages"
	e=$(now)
	echo disable > "$T/ctl"; read -r a < "$T/ack"
	"$MTA" postfix -c "$T/pf/etc" stop > /dev/null 2>&1
	wait "$perfpid"
	# comm: the applet's name (mta.c sets it), "mta" before that: a
	# process between its exec and main (the kernel's exec, page faults)
	perf report -i "$T/perf.data" --sort comm,dso -n --stdio -q \
	    2> /dev/null | awk 'NF >= 4' > "$T/bycomm"
	perf report -i "$T/perf.data" --sort sym -n --stdio -q \
	    2> /dev/null | awk 'NF >= 3' | head -"$TOP" > "$T/bysym"
	{
		echo "# mta perf profile $(date -u +%Y-%m-%dT%H:%M:%SZ)," \
		    "commit $rev"
		echo "# perf record -e cpu-clock -F $FREQ, every process of" \
		    "the instance; $N x $SIZE bytes, $SESSIONS sessions;" \
		    "$(rate "$s" "$e" "$N" | awk '{ printf "%.0f", $1 }')" \
		    "msg/s while recorded"
		echo "# a shared 2-core machine: the shares are meaningful," \
		    "the times are noisy"
		echo
		echo "| process (comm) | where | CPU ms per message | share |"
		echo "|---|---|---|---|"
		awk -v f="$FREQ" -v n="$N" '{ s = $2; c = $3; d = $4
			sub(/^\[/, "", d); sub(/\]$/, "", d)
			if (d != "kernel.kallsyms") d = "user"; else d = "kernel"
			k = c " | " d; t[k] += s; all += s }
		    END { for (k in t) printf "| %s | %.3f | %.1f%% |\n", k,
			t[k] * 1000 / f / n, 100 * t[k] / all
			printf "| all | | %.3f | 100%% |\n", all * 1000 / f / n }' \
		    "$T/bycomm" | sort -t'|' -k4 -gr | sed '1{h;d};$G' 
		echo
		echo "top $TOP symbols (kernel and user), share of the samples:"
		echo
		echo "| symbol | share |"
		echo "|---|---|"
		awk '{ p = $1; $1 = ""; $2 = ""; $3 = ""
			sub(/^ +/, ""); printf "| %s | %s |\n", $0, p }' \
		    "$T/bysym"
	} > "$T/out"
	mkdir -p "$(dirname "$PROFILE_OUT")"
	cp "$T/out" "$PROFILE_OUT"
	cat "$T/out"
	echo "profile: $PROFILE_OUT" >&2
	exit 0
fi

echo "profile: $MTA ($rev), 1 + $N x $SIZE bytes, $SESSIONS sessions" >&2
run p0 0
run p1 "$N"

# sum.py DIR0 DIR1 N TOP: per applet and per function, from every
# callgrind.out file (name compression: "fn=(id) name" the first time,
# "fn=(id)" after; a cost line after "calls=" is the callee's inclusive
# cost, not the caller's own)
cat > "$T/sum.py" <<'PY'
import bisect, glob, os, re, subprocess, sys
d0, d1, n, top = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])

# callgrind names an assembly function without a size (musl's memcpy)
# by its address: the symbol at or below it, from nm
syms = []
for l in subprocess.run(["nm", "-n", sys.argv[5]], capture_output=True,
                        text=True).stdout.splitlines():
    p = l.split()
    if len(p) == 3 and p[1] in "tTwW":
        syms.append((int(p[0], 16), p[2]))
addrs = [a for a, _ in syms]

def name(fn):
    if re.match(r"0x[0-9a-f]+$", fn) and syms:
        i = bisect.bisect_right(addrs, int(fn, 16)) - 1
        if i >= 0:
            return syms[i][1]
    return fn

def applet(cmd):
    w = cmd.split()
    if not w:
        return "?"
    a = os.path.basename(w[0])
    if a == "mta" and len(w) > 1:
        a = w[1]
    return a

def read(d):
    procs, ir, fns = {}, {}, {}
    for f in glob.glob(os.path.join(d, "callgrind.out.*")):
        names, a, fn, skip = {}, "?", None, False
        for line in open(f, errors="replace"):
            if line.startswith("cmd:"):
                a = applet(line[4:])
                procs[a] = procs.get(a, 0) + 1
            elif line.startswith("fn="):
                m = re.match(r"fn=\((\d+)\)(?: (.*))?", line.rstrip("\n"))
                if m:
                    if m.group(2) is not None:
                        names[m.group(1)] = m.group(2)
                    fn = name(names.get(m.group(1), m.group(1)))
                else:
                    fn = line[3:].strip()
            elif line.startswith("calls="):
                skip = True
            elif line[:1].isdigit() or line[:1] in "+-*":
                if skip:
                    skip = False
                    continue
                p = line.split()
                if len(p) >= 2 and fn is not None:
                    c = int(p[1])
                    ir[a] = ir.get(a, 0) + c
                    k = (a, fn)
                    fns[k] = fns.get(k, 0) + c
            elif line.startswith("cfn="):
                # fn and cfn share one table of compressed names
                m = re.match(r"cfn=\((\d+)\) (.*)", line.rstrip("\n"))
                if m:
                    names[m.group(1)] = m.group(2)
            elif line.strip() == "":
                pass
        if a == "?":
            sys.exit("profile: %s: no callgrind data (not written)" % f)
    return procs, ir, fns

p0, i0, f0 = read(d0)
p1, i1, f1 = read(d1)
apps = sorted(set(i1) | set(i0), key=lambda a: -(i1.get(a, 0) - i0.get(a, 0)))
tot = sum(i1.values()) - sum(i0.values())
print("| applet | processes (1 msg / 1+%d) | instructions per message | share |" % n)
print("|---|---|---|---|")
for a in apps:
    d = i1.get(a, 0) - i0.get(a, 0)
    print("| %s | %d / %d | %d | %.1f%% |" % (a, p0.get(a, 0), p1.get(a, 0),
          round(d / n), 100.0 * d / tot if tot else 0))
print("| all | %d / %d | %.0f | 100%% |" % (sum(p0.values()),
      sum(p1.values()), tot / n))
print()
byfn = {}
for (a, fn), c in f1.items():
    byfn[fn] = byfn.get(fn, 0) + c
for (a, fn), c in f0.items():
    byfn[fn] = byfn.get(fn, 0) - c
print("top %d functions, own instructions per message (all processes):" % top)
print()
print("| function | instructions per message | share |")
print("|---|---|---|")
for fn, c in sorted(byfn.items(), key=lambda x: -x[1])[:top]:
    print("| %s | %.0f | %.1f%% |" % (fn, c / n, 100.0 * c / tot if tot else 0))
print()
print("top 5 functions of each applet, own instructions per message:")
print()
for a in apps:
    d = i1.get(a, 0) - i0.get(a, 0)
    if d <= 0:
        continue
    fs = {}
    for (b, fn), c in f1.items():
        if b == a:
            fs[fn] = fs.get(fn, 0) + c
    for (b, fn), c in f0.items():
        if b == a:
            fs[fn] = fs.get(fn, 0) - c
    best = sorted(fs.items(), key=lambda x: -x[1])[:5]
    print("- %s: %s" % (a, ", ".join("%s %.0f" % (fn, c / n) for fn, c in best)))
PY
{
	echo "# mta profile $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $rev"
	echo "# callgrind (valgrind $(valgrind --version | sed 's/valgrind-//')), $N x $SIZE bytes," \
	    "$SESSIONS sessions, smtp-source -> mta -> smtp-sink"
	echo "# per message = (instance relaying 1 + $N) - (instance relaying 1), / $N"
	echo
	python3 "$T/sum.py" "$T/p0/cg" "$T/p1/cg" "$N" "$TOP" "$MTA"
} > "$T/out" || die "summing failed"
mkdir -p "$(dirname "$PROFILE_OUT")"
cp "$T/out" "$PROFILE_OUT"
cat "$T/out"
echo "profile: $PROFILE_OUT" >&2
