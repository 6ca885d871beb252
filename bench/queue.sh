# MIT licence: see LICENSE.
#
# queue.sh - section of run.sh: a large queue.  Each instance relays to
# 127.0.0.1:$DP where nothing listens (the destination is down);
# smtp-source sends it $QUEUE 2 KB messages over 20 sessions, and the run
# waits until all are in the deferred queue (files under q/deferred).
# Then, timed as whole commands:
#   mailq		postqueue -c DIR -p, which must list $QUEUE messages
#   qmgr memory		the PSS of the qmgr process (smaps_rollup)
#   postsuper -d ALL	the deferred queue must then be empty
# The queue is filled again the same way; then an smtp-sink starts on
# $DP (the destination is back), postqueue -f, and the drain rate is
# $QUEUE / the time until the sink has them all.  $QRUNS runs (1 by
# default: a run is long), mta and Postfix alternating.
: "${QRUNS:=1}"
deferred() { find "$T/$1/q/deferred" -type f 2>/dev/null | wc -l; }
# fill NAME PORT: $QUEUE deferred messages in NAME
fill() {
	smtp-source -s 20 -m "$QUEUE" -l 2048 -f bench@example.com \
	    -t sink@example.net "127.0.0.1:$2" > "$T/src.out" 2>&1 ||
	    loud "queue $1: smtp-source failed: $(head -3 "$T/src.out")"
	progress deferred "$1" "$QUEUE" 60 0.5 && return 0
	loud "queue $1: $pg_n of $QUEUE messages deferred"
	return 1
}
# qcmd NAME: the instance's postqueue/postsuper command
qcmd() {
	if [ "$(cat "$T/$1/kind")" = pf ]; then
		echo "/usr/sbin/$2 -c $T/$1/etc"
	else
		echo "$MTA $2 -c $T/$1/etc"
	fi
}
# msec COMMAND...: run it, print its wall time in ms (stdout to $T/cmd.out)
msec() {
	ms_s=$(now)
	"$@" > "$T/cmd.out" 2>&1 || { echo 0; return; }
	msecs "$ms_s" "$(now)"
}
# qrun NAME PORT SINK-PORT SUFFIX (a or b)
qrun() {
	fill "$1" "$2" || return 1
	t=$(msec $(qcmd "$1" postqueue) -p)
	n=$(awk '/^-- .* in [0-9]+ Request/ { print $(NF - 1) }' "$T/cmd.out")
	if [ "${n:-0}" -ge "$QUEUE" ]; then
		keep "$t" "$T/mailq.$4" "mailq $1"
	else
		loud "queue $1: mailq listed ${n:-nothing} of $QUEUE:" \
		    "$(tail -1 "$T/cmd.out")"
	fi
	keep "$(cg_comm_kib "$1" qmgr Pss:)" "$T/qmgr.$4" "qmgr memory $1"
	t=$(msec $(qcmd "$1" postsuper) -d ALL)
	if [ "$(deferred "$1")" = 0 ]; then
		keep "$t" "$T/super.$4" "postsuper $1"
	else
		loud "queue $1: postsuper -d ALL left $(deferred "$1") messages"
	fi
	fill "$1" "$2" || return 1
	sink_start "$1.sink" "$3"
	c=$(cg_cpu "$1"); s=$(now)
	$(qcmd "$1" postqueue) -f
	if sink_wait "$1.sink" "$QUEUE" 120; then
		keep "$(rate "$s" "$(now)" "$QUEUE")" "$T/drain.$4" "drain $1"
		keep "$(cpums "$c" "$(cg_cpu "$1")" "$QUEUE")" \
		    "$T/draincpu.$4" "drain cpu $1"
	else
		loud "queue $1: the sink got $(sink_count "$1.sink") of $QUEUE"
	fi
	sink_stop "$1.sink"
}
for f in mailq qmgr super drain draincpu; do : > "$T/$f.a"; : > "$T/$f.b"; done
i=0
while [ $i -lt "$QRUNS" ]; do
	for k in mta pf; do
		P=$(port); DP=$(port)
		${k}_conf q-$k "127.0.0.1:$P inet n - n - - smtpd" \
		    "relayhost = [127.0.0.1]:$DP"
		start "$k" q-$k "$P"
		sk=a; [ $k = pf ] && sk=b
		qrun q-$k "$P" "$DP" $sk
		stop q-$k
		rm -rf "$T/q-$k"
	done
	i=$((i + 1))
done
q() { cp "$T/$1.a" "$T/a"; cp "$T/$1.b" "$T/b"; row "$2" "$3" "$4"; }
q mailq "mailq, $QUEUE deferred" ms lower
q qmgr "qmgr PSS, $QUEUE deferred" KiB lower
q super "postsuper -d ALL, $QUEUE deferred" ms lower
q drain "drain $QUEUE deferred when the destination is back" msg/s higher
q draincpu "drain CPU" ms/msg lower
