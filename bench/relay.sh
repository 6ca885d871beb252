# MIT licence: see LICENSE.
#
# relay.sh - section of run.sh: relay end to end.  smtp-source (Debian's
# postfix package) sends into each server, which relays everything to its
# own smtp-sink (relayhost); a run lasts from the first connection until
# the sink has counted every message (its -c counter), so a message that
# never arrives fails the run loudly.  Figures per run:
#   messages/s	messages / that time
#   CPU ms/msg	the instance's cpuacct cgroup (every process of it: master,
#		smtpd, cleanup, qmgr, smtp, trivial-rewrite..., those that
#		exited too), its usage delta over the run / messages
#   disk	/proc/diskstats of the device holding $T over the run (the
#		2 KB, 10 sessions runs): "flush requests completed" (the
#		16th figure after the name: cache flushes the block layer
#		sent to the device, which is what fsync and the journal's
#		commits cost) and sectors written * 512 / 1024, per
#		message.  The device is shared: whatever else writes
#		meanwhile is counted too.
# Then the PSS of every process of each instance (smaps_rollup, summed),
# idle after start and after the relay runs, and how many processes
# there are then (long-lived service processes wait max_idle); and
# sendmail.sh.
SP=$(port); SM=$(port); PP=$(port); MP=$(port)
sink_start rl-pf.sink "$SP"
sink_start rl-mta.sink "$SM"
pf_conf rl-pf "127.0.0.1:$PP inet n - n - - smtpd" "relayhost = [127.0.0.1]:$SP"
mta_conf rl-mta "127.0.0.1:$MP inet n - n - - smtpd" \
    "relayhost = [127.0.0.1]:$SM"
start pf rl-pf "$PP"
start mta rl-mta "$MP"
sleep 2
echo "$(cg_pss rl-mta)" > "$T/pss0.mta"
echo "$(cg_pss rl-pf)" > "$T/pss0.pf"
cg_pids rl-mta | wc -l > "$T/np0.mta"
cg_pids rl-pf | wc -l > "$T/np0.pf"

# relay_run NAME PORT COUNT SIZE SESSIONS: one run; appends to $T/NAME.*
relay_run() {
	b=$(sink_count "$1.sink")
	c=$(cg_cpu "$1"); d=$(disk); s=$(now)
	smtp-source -s "$5" -m "$3" -l "$4" -f bench@example.com \
	    -t sink@example.net "127.0.0.1:$2" > "$T/$1.src" 2>&1 ||
	    loud "relay $1: smtp-source failed: $(head -3 "$T/$1.src")"
	if ! sink_wait "$1.sink" $((b + $3)) 30; then
		loud "relay $1: the sink got" \
		    "$(($(sink_count "$1.sink") - b)) of $3 messages"
		return 1
	fi
	e=$(now); d2=$(disk); c2=$(cg_cpu "$1")
	keep "$(rate "$s" "$e" "$3")" "$T/$1.rate" "relay $1 rate"
	keep "$(cpums "$c" "$c2" "$3")" "$T/$1.cpu" "relay $1 cpu"
	set -- "$@" $d $d2
	echo "$6 $8" | awk -v m="$3" '{ print ($2 - $1) / m }' >> "$T/$1.flush"
	echo "$7 $9" | awk -v m="$3" '{ print ($2 - $1) / 2 / m }' \
	    >> "$T/$1.kib"
}
relay_reset() {
	for f in rate cpu flush kib; do
		: > "$T/rl-mta.$f"; : > "$T/rl-pf.$f"
	done
}
# relay COUNT SIZE SESSIONS LABEL [disk]
relay() {
	relay_reset
	# one unmeasured message each: the first delivery starts processes
	relay_run rl-mta "$MP" 1 "$2" 1; relay_run rl-pf "$PP" 1 "$2" 1
	relay_reset
	i=0
	while [ $i -lt "$RUNS" ]; do
		relay_run rl-mta "$MP" "$1" "$2" "$3"
		relay_run rl-pf "$PP" "$1" "$2" "$3"
		i=$((i + 1))
	done
	cp "$T/rl-mta.rate" "$T/a"; cp "$T/rl-pf.rate" "$T/b"
	row "relay $1 x $4, $3 sessions" msg/s higher
	cp "$T/rl-mta.cpu" "$T/a"; cp "$T/rl-pf.cpu" "$T/b"
	row "relay CPU $1 x $4, $3 sessions" "ms/msg" lower
	[ "$5" = disk ] || return 0
	cp "$T/rl-mta.flush" "$T/a"; cp "$T/rl-pf.flush" "$T/b"
	row "disk flushes per message (relay $4)" "flushes/msg" lower
	cp "$T/rl-mta.kib" "$T/a"; cp "$T/rl-pf.kib" "$T/b"
	row "disk written per message (relay $4)" "KiB/msg" lower
}
relay "$RELAY_SMALL" 2048 10 2K disk
relay "$RELAY_SMALL" 2048 50 2K
relay "$RELAY_BIG" 102400 10 100K
relay "$RELAY_BIG" 102400 50 100K

. "$BENCH/sendmail.sh"

sleep 2
cp "$T/pss0.mta" "$T/a"; cp "$T/pss0.pf" "$T/b"
row "idle PSS of the process tree, after start" KiB lower
echo "$(cg_pss rl-mta)" > "$T/a"; echo "$(cg_pss rl-pf)" > "$T/b"
row "idle PSS of the process tree, after relay" KiB lower
# the idle service processes (max_idle) make the tree after the runs:
# how many there are, to read the PSS above by
cp "$T/np0.mta" "$T/a"; cp "$T/np0.pf" "$T/b"
row "processes of the tree, after start" processes lower
cg_pids rl-mta | wc -l > "$T/a"; cg_pids rl-pf | wc -l > "$T/b"
row "processes of the tree, after relay" processes lower
stop rl-mta; stop rl-pf
sink_stop rl-mta.sink; sink_stop rl-pf.sink
