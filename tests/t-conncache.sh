# MIT licence: see LICENSE.
#
# t-conncache.sh - the SMTP client's connection cache (lib/smtp/
# client_cache.c) in a long-lived smtp agent under a real master: mail
# for one relay host goes over fewer connections than messages (RSET
# before each reuse, conn_use=N in the log), a TLS session is reused
# without a new handshake, a server that closes a kept connection (or
# says 421 to MAIL on it) costs a new connection and not a deferral, an
# unused connection gets QUIT after smtp_connection_cache_time_limit,
# smtp_connection_reuse_count_limit, sessions of different SASL logins
# (smtp_sender_dependent_authentication) are never shared, and with
# caching off each message has its own connection.  LMTP too.
#
# The server is a small threaded Python one written here (it counts
# connections, STARTTLS handshakes and AUTH logins).  Messages wait in
# deferred (defer_transports) and a flush sends them together, so that
# qmgr has more mail for the destination when it starts the first
# delivery (smtp_connection_cache_on_demand).
# Loopback only; every process started here is stopped by its pid.
. "${TOP:-.}/tests/lib.sh"

Q=$T/q
SPID=
finish() {
	[ -n "$SPID" ] && stop_pid "$SPID"
	mta postfix -c "$T/etc" stop >/dev/null 2>&1
	rm -rf "$T"
}
trap finish EXIT
trap 'exit 1' INT TERM
chmod 755 "$T"

cat > "$T/srv.py" <<'PY'
# srv.py LOG [--tls CERT KEY] [--auth] [--lmtp] [--close-after N]
#     [--mail421-after N]: an SMTP (LMTP) server on a free 127.0.0.1
# port (written to LOG.port), any number of connections at once; LOG
# gets "CONN TIME EVENT" lines: open, C: <command>, TLS, A: <user>,
# sent <n>, eof, closed
import base64, socket, ssl, sys, threading, time
a = sys.argv[1:]
log = open(a[0], "a", buffering=1)
lock = threading.Lock()
o = {"tls": None, "auth": False, "lmtp": False, "close": 0, "m421": 0}
i = 1
while i < len(a):
    if a[i] == "--tls":
        o["tls"] = (a[i + 1], a[i + 2]); i += 3
    elif a[i] == "--auth":
        o["auth"] = True; i += 1
    elif a[i] == "--lmtp":
        o["lmtp"] = True; i += 1
    elif a[i] == "--close-after":
        o["close"] = int(a[i + 1]); i += 2
    elif a[i] == "--mail421-after":
        o["m421"] = int(a[i + 1]); i += 2
    else:
        sys.exit("bad option " + a[i])
n = [0]

def say(c, what):
    with lock:
        log.write("%d %.3f %s\n" % (c, time.time(), what))

def serve(s, c):
    buf = [b""]
    def line():
        while b"\n" not in buf[0]:
            d = s.recv(4096)
            if not d:
                return None
            buf[0] += d
        l, buf[0] = buf[0].split(b"\n", 1)
        return l.rstrip(b"\r").decode("utf-8", "replace")
    def out(t):
        s.sendall(t.encode() + b"\r\n")
    out("220 srv.test ESMTP")
    msgs = rcpts = 0
    tls = False
    while True:
        l = line()
        if l is None:
            say(c, "eof"); break
        say(c, "C: " + l)
        v = l.split(" ")[0].upper()
        if v in ("EHLO", "LHLO"):
            kw = ["PIPELINING", "ENHANCEDSTATUSCODES"]
            if o["tls"] and not tls:
                kw.append("STARTTLS")
            if o["auth"]:
                kw.append("AUTH PLAIN")
            out("\r\n".join(["250-srv.test"] + ["250-" + k for k in kw[:-1]]
                            + ["250 " + kw[-1]]))
        elif v == "STARTTLS":
            out("220 2.0.0 Ready to start TLS")
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(o["tls"][0], o["tls"][1])
            s = ctx.wrap_socket(s, server_side=True)
            tls = True
            say(c, "TLS")
        elif v == "AUTH":
            p = base64.b64decode(l.split(" ")[2]).split(b"\0")
            say(c, "A: " + p[1].decode())
            out("235 2.7.0 Authentication successful")
        elif v == "MAIL":
            if o["m421"] and msgs >= o["m421"]:
                out("421 4.3.2 too many messages, closing")
                say(c, "closed"); break
            rcpts = 0
            out("250 2.1.0 Ok")
        elif v == "RCPT":
            rcpts += 1
            out("250 2.1.5 Ok")
        elif v == "DATA":
            out("354 End data with <CR><LF>.<CR><LF>")
            while True:
                d = line()
                if d is None or d == ".":
                    break
            if d is None:
                say(c, "eof"); break
            msgs += 1
            say(c, "sent %d" % msgs)
            for k in range(rcpts if o["lmtp"] else 1):
                out("250 2.0.0 Ok: queued as C%dM%d" % (c, msgs))
            if o["close"] and msgs >= o["close"]:
                say(c, "closed"); break
        elif v == "RSET":
            out("250 2.0.0 Ok")
        elif v == "QUIT":
            out("221 2.0.0 Bye")
            break
        else:
            out("502 5.5.2 Error: command not recognized")
    try:
        s.close()
    except OSError:
        pass

ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0))
ls.listen(20)
open(a[0] + ".port", "w").write(str(ls.getsockname()[1]))
while True:
    cs, _ = ls.accept()
    n[0] += 1
    say(n[0], "open")
    threading.Thread(target=serve, args=(cs, n[0]), daemon=True).start()
PY

K=$T/pki
mkdir -p "$K"
(pki_ca ca && pki_cert srv srv.test) >/dev/null 2>&1 ||
    { fail "setup: certificates" "openssl failed"; exit 1; }

# srv ARGS...: a new server, log $T/s.log, port $P
srv() {
	[ -n "$SPID" ] && stop_pid "$SPID"
	: > "$T/s.log"
	rm -f "$T/s.log.port"
	python3 "$T/srv.py" "$T/s.log" "$@" &
	SPID=$!
	i=0
	while [ ! -s "$T/s.log.port" ] && [ $i -lt 100 ]; do
		sleep 0.05; i=$((i + 1))
	done
	P=$(cat "$T/s.log.port")
}

# setup MAIN.CF-LINES: a fresh instance that relays to the server, its
# smtp agent one delivery at a time, in one process (the cache is the
# process's: with more, master may start a second one when qmgr comes
# back before the first said it is free, and the count of connections
# would depend on the machine's load)
setup() {
	mta postfix -c "$T/etc" stop >/dev/null 2>&1
	rm -rf "$Q" "$T/data"
	: > "$T/maillog"
	cat > "$T/etc/main.cf" <<EOF
queue_directory = $Q
data_directory = $T/data
maillog_file = $T/maillog
inet_interfaces = loopback-only
inet_protocols = ipv4
myhostname = client.example.com
relayhost = ${RELAY-[127.0.0.1]:$P}
defer_transports = smtp, lmtp
smtp_destination_concurrency_limit = 1
lmtp_destination_concurrency_limit = 1
$1
EOF
	cat > "$T/etc/master.cf" <<EOF
pickup fifo n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr fifo n - n 300 1 qmgr
smtp unix - - n - 1 smtp
lmtp unix - - n - 1 lmtp
EOF
	mta postfix -c "$T/etc" start >/dev/null 2>&1
}

# run N [SENDER...]: N messages (from the senders in turn), held in
# deferred, then flushed together; waits until N are sent
run() {
	n=$1; shift
	[ $# -gt 0 ] || set -- me@client.example.com
	k=0
	while [ $k -lt "$n" ]; do
		for f in "$@"; do
			[ $k -lt "$n" ] || break
			printf 'Subject: m%s\n\nbody %s\n' $k $k |
			    mta sendmail -C "$T/etc" -f "$f" "r$k@example.org"
			k=$((k + 1))
		done
	done
	waitfor_count "status=deferred \(deferred transport\)" "$n" ||
	    fail "run: $n deferred first" "$(tail -n 3 "$T/maillog")"
	mta postfix -c "$T/etc" flush >/dev/null 2>&1
	waitfor_count "status=sent" "$n" 20 ||
	    fail "run: $n sent" "$(grep -c status=sent "$T/maillog") sent:
	    $(grep -v status=deferred "$T/maillog" | tail -n 3)"
}

# waitfor_count PATTERN N [SECONDS]: the maillog has N lines matching
waitfor_count() {
	i=0
	while [ $i -lt $(( ${3:-10} * 10 )) ]; do
		[ "$(grep -Ec -- "$1" "$T/maillog")" -ge "$2" ] && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}

conns() { grep -c " open$" "$T/s.log"; }
# expect NAME WANT GOT
expect() {
	if [ "$3" = "$2" ]; then ok "$1"
	else fail "$1" "got $3, want $2; server: $(tail -n 12 "$T/s.log" |
	    tr '\n' '|')"; fi
}

# --- several messages, one connection ---------------------------------------
srv
setup ""
run 4
expect "4 messages to one relay host: one connection" 1 "$(conns)"
expect "... each message after the first preceded by RSET" 3 \
    "$(grep -c " C: RSET$" "$T/s.log")"
expect "... one EHLO" 1 "$(grep -c " C: EHLO" "$T/s.log")"
has "the log says conn_use=2 for the second use (Postfix's field)" \
    "to=<r[0-9]@example.org>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:$P, conn_use=2, delay=.*status=sent" \
    "$T/maillog"
has "... and conn_use=4 for the fourth" "conn_use=4, delay=" "$T/maillog"
if grep "status=sent" "$T/maillog" | grep -v conn_use= | grep -q .; then
	ok "the first use has no conn_use field"
else fail "the first use has no conn_use field" "every line has one"; fi

# --- an unused connection: QUIT after smtp_connection_cache_time_limit ------
if waitfor "$T/s.log" " C: QUIT$" 6; then
	t1=$(grep " sent 4$" "$T/s.log" | cut -d' ' -f2)
	t2=$(grep " C: QUIT$" "$T/s.log" | cut -d' ' -f2)
	d=$(python3 -c "print(int(($t2 - $t1) * 10))")
	if [ "$d" -ge 15 ] && [ "$d" -le 40 ]; then
		ok "unused: QUIT after smtp_connection_cache_time_limit (2s)"
	else fail "unused: QUIT after smtp_connection_cache_time_limit (2s)" \
	    "after $d tenths of a second"; fi
else
	fail "unused: QUIT after smtp_connection_cache_time_limit (2s)" \
	    "no QUIT: $(tail -n 3 "$T/s.log" | tr '\n' '|')"
fi
mta postfix -c "$T/etc" stop >/dev/null 2>&1

srv
setup "smtp_connection_cache_time_limit = 1s"
run 2
sleep 0.5
if grep -q " C: QUIT$" "$T/s.log"; then
	fail "smtp_connection_cache_time_limit = 1s: not before" "QUIT at once"
elif waitfor "$T/s.log" " C: QUIT$" 3; then
	ok "smtp_connection_cache_time_limit = 1s: QUIT a second later"
else
	fail "smtp_connection_cache_time_limit = 1s" "no QUIT"
fi

# --- the process ends (reload): QUIT for a kept connection ------------------
srv
setup "smtp_connection_cache_time_limit = 30s"
run 2
sleep 0.3
mta postfix -c "$T/etc" reload >/dev/null 2>&1
if waitfor "$T/s.log" " C: QUIT$" 5; then
	ok "reload: the agent ends and says QUIT on its kept connection"
else fail "reload: QUIT on the kept connection" "$(tail -n 3 "$T/s.log")"; fi

# --- caching off: a connection per message ----------------------------------
srv
setup "smtp_connection_cache_on_demand = no"
run 3
expect "smtp_connection_cache_on_demand = no: a connection per message" 3 \
    "$(conns)"
expect "... each closed with QUIT at once" 3 "$(grep -c " C: QUIT$" "$T/s.log")"
lacks_log() {
	if grep -q -- "$2" "$T/maillog"; then fail "$1" "found /$2/"
	else ok "$1"; fi
}
lacks_log "... and no conn_use field" "conn_use="

srv
setup "smtp_connection_cache_on_demand = no
smtp_connection_cache_destinations = 127.0.0.1"
run 3
expect "smtp_connection_cache_destinations: cached even when off on demand" \
    1 "$(conns)"

# --- reuse count limit ------------------------------------------------------
srv
setup "smtp_connection_reuse_count_limit = 1"
run 4
expect "smtp_connection_reuse_count_limit = 1: each connection used twice" \
    2 "$(conns)"
expect "... the first says QUIT after its second message" 1 \
    "$(grep -c "^1 .* C: QUIT$" "$T/s.log")"

# --- reuse time limit -------------------------------------------------------
srv
setup "smtp_connection_reuse_time_limit = 1s"
printf 'Subject: a\n\nbody\n' | mta sendmail -C "$T/etc" -f me@x.test a@example.org
printf 'Subject: b\n\nbody\n' | mta sendmail -C "$T/etc" -f me@x.test b@example.org
waitfor_count "status=deferred \(deferred transport\)" 2
sleep 0.2
mta postfix -c "$T/etc" flush >/dev/null 2>&1
waitfor_count "status=sent" 2 20
expect "smtp_connection_reuse_time_limit: reused within it" 1 "$(conns)"
sleep 1.2
printf 'Subject: c\n\nbody\n' | mta sendmail -C "$T/etc" -f me@x.test c@example.org
printf 'Subject: d\n\nbody\n' | mta sendmail -C "$T/etc" -f me@x.test d@example.org
waitfor_count "status=deferred \(deferred transport\)" 4
mta postfix -c "$T/etc" flush >/dev/null 2>&1
waitfor_count "status=sent" 4 20
expect "smtp_connection_reuse_time_limit: not after it" 2 "$(conns)"

# --- the server closes the kept connection ----------------------------------
srv --close-after 1
setup ""
run 3
expect "a server that closes after each message: every message sent" 3 \
    "$(grep -c "status=sent" "$T/maillog")"
lacks_log "... none deferred on the way" "status=deferred (.*lost"
expect "... a new connection each time" 3 "$(conns)"

srv --mail421-after 1
setup ""
run 3
expect "421 to MAIL on a reused connection: every message sent" 3 \
    "$(grep -c "status=sent" "$T/maillog")"
lacks_log "... none deferred" "status=deferred (.*421"
has "... the agent says it tries a new connection" \
    "127\.0\.0\.1\[127\.0\.0\.1\]:$P: .*; trying again on a new connection" \
    "$T/maillog"
expect "... each message once at the server" 3 \
    "$(grep -c " sent 1$" "$T/s.log")"

# --- TLS: one handshake for several messages --------------------------------
srv --tls "$K/srv.crt" "$K/srv.key"
setup "smtp_tls_security_level = encrypt
smtp_tls_loglevel = 1"
run 4
expect "TLS (encrypt): one connection for 4 messages" 1 "$(conns)"
expect "... one STARTTLS handshake" 1 "$(grep -c " TLS$" "$T/s.log")"
expect "... the client logs one TLS connection" 1 \
    "$(grep -c "TLS connection established to" "$T/maillog")"
expect "... RSET goes over TLS (after STARTTLS, one EHLO each side)" 2 \
    "$(grep -c " C: EHLO" "$T/s.log")"

# --- SASL: logins are never shared ------------------------------------------
printf '%s\n' "alice@a.test alice:pw1" "bob@b.test bob:pw2" \
    > "$T/etc/sasl_passwd"
# root's alone, as Postfix's sasl_passwd is: smtp opens it before it
# drops to mail_owner
chmod 600 "$T/etc/sasl_passwd"
srv --auth
setup "smtp_sasl_auth_enable = yes
smtp_sasl_password_maps = texthash:$T/etc/sasl_passwd
smtp_sasl_security_options = noanonymous
smtp_sender_dependent_authentication = yes"
run 6 alice@a.test bob@b.test
expect "SASL: two logins, two connections" 2 "$(conns)"
bad=$(awk '
	$3 == "A:" { user[$1] = $4 }
	$3 == "C:" && $4 == "MAIL" {
		f = $5; sub(/^FROM:</, "", f); sub(/@.*/, "", f)
		if (f != user[$1]) print $1, f, user[$1]
	}' "$T/s.log")
if [ -z "$bad" ] && [ "$(grep -c " C: MAIL" "$T/s.log")" = 6 ]; then
	ok "SASL: each connection carries only its login's senders"
else fail "SASL: each connection carries only its login's senders" \
    "[$bad] $(tr '\n' '|' < "$T/s.log" | tail -c 400)"; fi

# --- LMTP ---------------------------------------------------------------------
srv --lmtp
printf 'example.org lmtp:inet:127.0.0.1:%s\n' "$P" > "$T/etc/transport"
RELAY=
setup "transport_maps = texthash:$T/etc/transport"
unset RELAY
run 3
expect "LMTP: 3 messages, one connection" 1 "$(conns)"
expect "... one LHLO" 1 "$(grep -c " C: LHLO" "$T/s.log")"
has "... conn_use= in the lmtp log lines" "lmtp\[[0-9]+\]: .*conn_use=3" \
    "$T/maillog"

mta postfix -c "$T/etc" stop >/dev/null 2>&1
