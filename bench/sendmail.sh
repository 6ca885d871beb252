# MIT licence: see LICENSE.
#
# sendmail.sh - section of run.sh (sourced by relay.sh, with its
# instances running): the sendmail command.  A run submits $SENDMAILS
# 1 KB messages one after the other (sendmail -f ... rcpt, the message on
# stdin; Postfix's sendmail runs its postdrop, mta's writes the maildrop
# file itself) and its figure is the mean wall time of one submission;
# the messages must then all reach the sink.  Peak RSS: one submission
# under rss.c (built here, static), which prints wait4's ru_maxrss: the
# largest RSS the command or a descendant it waited for (Postfix's
# postdrop) had.
cat > "$T/sm.py" <<'PY'
import subprocess, sys, time
n, argv = int(sys.argv[1]), sys.argv[2:]
msg = b"From: bench@example.com\nSubject: bench\n\n" + b"x" * 72 + b"\n"
msg += b"y" * 72 * 13 + b"\n"
if n == 0:
    print(subprocess.run(argv, input=msg, check=True,
        stdout=subprocess.PIPE).stdout.decode().strip())
    sys.exit(0)
s = time.time()
for i in range(n):
    subprocess.run(argv, input=msg, check=True)
print((time.time() - s) * 1000 / n)
PY
PFSM="/usr/sbin/sendmail -C $T/rl-pf/etc -f bench@example.com sink@example.net"
MTASM="env MAIL_CONFIG=$T/rl-mta/etc $MTA sendmail"
MTASM="$MTASM -f bench@example.com sink@example.net"
{ musl-gcc -static -Os -o "$T/rss" "$BENCH/rss.c" ||
    gcc -static -Os -o "$T/rss" "$BENCH/rss.c"; } 2>/dev/null ||
    loud "sendmail: cannot build rss.c"
# sm_run NAME CMD OUT: one run of $SENDMAILS submissions
sm_run() {
	b=$(sink_count "$1.sink")
	python3 "$T/sm.py" "$SENDMAILS" $2 > "$T/sm.out" 2>&1 ||
	    { loud "sendmail $1: $(tail -2 "$T/sm.out")"; return 1; }
	sink_wait "$1.sink" $((b + SENDMAILS)) 30 ||
	    { loud "sendmail $1: the sink got" \
		"$(($(sink_count "$1.sink") - b)) of $SENDMAILS"; return 1; }
	keep "$(cat "$T/sm.out")" "$3" "sendmail $1"
}
: > "$T/a"; : > "$T/b"
i=0
while [ $i -lt "$RUNS" ]; do
	sm_run rl-mta "$MTASM" "$T/a"
	sm_run rl-pf "$PFSM" "$T/b"
	i=$((i + 1))
done
row "sendmail latency ($SENDMAILS sequential)" ms lower
: > "$T/a"; : > "$T/b"
i=0
while [ $i -lt "$RUNS" ]; do
	keep "$(python3 "$T/sm.py" 0 "$T/rss" /usr/bin/$MTASM)" "$T/a" \
	    "sendmail rss mta"
	keep "$(python3 "$T/sm.py" 0 "$T/rss" $PFSM)" "$T/b" \
	    "sendmail rss postfix"
	i=$((i + 1))
done
row "sendmail peak RSS of one submission" KiB lower
