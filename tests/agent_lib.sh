# MIT licence: see LICENSE.
#
# agent_lib.sh - helpers for the delivery agent tests (t-smtp, t-csasl,
# t-ctls): queue a message, hand it to an agent the way qmgr does
# (tests/agent_req.py), and run a scripted SMTP server.  Source it after
# lib.sh; it uses $T, $Q and $MTA.

# conf EXTRA-LINES: the agents' main.cf: queue $Q, log $T/maillog,
# mail_owner postfix, myhostname client.example.com, then $CONF_BASE (the
# script's own settings) and EXTRA-LINES
conf() {
	printf '%s\n' "queue_directory = $Q" "maillog_file = $T/maillog" \
	    "mail_owner = postfix" "myhostname = client.example.com" \
	    "$CONF_BASE" "$1" > "$T/etc/main.cf"
	chmod 755 "$T/etc"
}

# newmsg SENDMAIL-ARGS... < CONTENT: queue a message; its id in $ID
newmsg() {
	ls "$Q/incoming" > "$T/.before"
	"$MTA" sendmail -C "$T/etc" "$@" || return 1
	ID=$(ls "$Q/incoming" | grep -vxF -f "$T/.before" | head -n 1)
	[ -n "$ID" ]
}

# req TRANSPORT NEXTHOP [AGENT-ARGS...]: deliver $ID, results in $T/out
# (with REQ_FRESH=1 the server transcript and the mail log start empty)
req() {
	tr=$1 nh=$2; shift 2
	if [ -n "$REQ_FRESH" ]; then : > "$T/s.log"; : > "$T/maillog"; fi
	python3 "$TOP/tests/agent_req.py" "$Q" incoming "$ID" "$tr" "$nh" \
	    -- "$MTA" "$tr" -c "$T/etc" "$@" > "$T/out" 2>> "$T/req.err" ||
	    echo "no complete answer: $tr $nh $*" >> "$T/req.err"
}

# srv_start CMD...: run a test server that writes its port to
# $T/s.log.port and its transcript to $T/s.log; the port in $P
srv_start() {
	srv_stop
	: > "$T/s.log"
	rm -f "$T/s.log.port"
	"$@" &
	SPID=$!
	i=0
	while [ ! -s "$T/s.log.port" ] && [ $i -lt 200 ]; do
		sleep 0.02; i=$((i + 1))
	done
	P=$(cat "$T/s.log.port") || fail "server start" "no port"
}

# srv_stop: end the server (our child: kill, then reap it)
srv_stop() {
	[ -n "$SPID" ] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
	SPID=
}

# lacks NAME PATTERN [FILE]: FILE ($T/s.log) does not match PATTERN
lacks() {
	if grep -Eq -- "$2" "${3:-$T/s.log}"; then
		fail "$1" "/$2/ found"
	else ok "$1"; fi
}
