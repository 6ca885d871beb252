# MIT licence: see LICENSE.
#
# smtp.sh - section of run.sh: the SMTP server alone, delivery held.
# Both instances run without a queue manager (Postfix with in_flow_delay
# = 0, since no flow tokens come back, and its qmgr fifo made so cleanup
# does not warn), so what is measured is smtpd + cleanup + the fsync:
#   memory per session	$HOLD sessions opened at once and held after
#		EHLO, right after start (no idle smtpd yet): the growth of
#		the instance's PSS (all its processes) / $HOLD
#   accept rate	smtp-source sends $ACCEPT 2 KB messages over 10 sessions;
#		the time until it has its last 250; the queue must have
#		grown by $ACCEPT files; CPU ms/msg from the cgroup
#   sessions/s	tlsc.py: 2 processes, each $SESS sequential sessions
#		(connect, EHLO, QUIT), and with STARTTLS (connect, EHLO,
#		STARTTLS, a full TLS 1.2 handshake, no resumption, EHLO,
#		QUIT), with the same RSA-2048 and ECDSA P-256 certificates
#		(BearSSL has no TLS 1.3: the client offers at most 1.2)
: "${HOLD:=20}"
K=$T/pki
mkdir -p "$K"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$K/rsa.key" \
    -out "$K/rsa.crt" -subj "/CN=bench.localdomain" -days 2 \
    >/dev/null 2>&1 &&
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$K/ec.key" -out "$K/ec.crt" -subj "/CN=bench.localdomain" \
    -days 2 >/dev/null 2>&1 || { loud "smtp: openssl failed"; exit 1; }
chmod 644 "$K"/*
PP=$(port); PE=$(port); MP=$(port); ME=$(port)
tlsmain="smtpd_tls_security_level = may
smtpd_tls_cert_file = $K/rsa.crt
smtpd_tls_key_file = $K/rsa.key
smtpd_tls_loglevel = 0"
ecopts="-o smtpd_tls_cert_file=$K/ec.crt -o smtpd_tls_key_file=$K/ec.key"
pf_conf ac-pf "127.0.0.1:$PP inet n - n - - smtpd
127.0.0.1:$PE inet n - n - - smtpd $ecopts" "in_flow_delay = 0
$tlsmain"
sed -i '/^qmgr /d' "$T/ac-pf/etc/master.cf"
mta_conf ac-mta "127.0.0.1:$MP inet n - n - - smtpd
127.0.0.1:$ME inet n - n - - smtpd $ecopts" "$tlsmain"
sed -i '/^qmgr /d; /^pickup /d' "$T/ac-mta/etc/master.cf"
start pf ac-pf "$PP"
mkfifo -m 622 "$T/ac-pf/q/public/qmgr" && chown postfix "$T/ac-pf/q/public/qmgr"
start mta ac-mta "$MP"
sleep 1

cat > "$T/tlsc.py" <<'PY'
import os, socket, ssl, sys, time
port, n, workers = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
if sys.argv[4] == "1.2":
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2

def reply(f, code):
    while True:
        line = f.readline()
        if not line.startswith(code):
            raise OSError("unexpected reply %r" % line)
        if line[3:4] == b" ":
            return

def session():
    s = socket.create_connection(("127.0.0.1", port), 10)
    f = s.makefile("rb")
    reply(f, b"220")
    s.sendall(b"EHLO client.localdomain\r\n")
    reply(f, b"250")
    if sys.argv[4] == "plain":
        s.sendall(b"QUIT\r\n")
        reply(f, b"221")
        s.close()
        return
    s.sendall(b"STARTTLS\r\n")
    reply(f, b"220")
    t = ctx.wrap_socket(s)
    f = t.makefile("rb")
    t.sendall(b"EHLO client.localdomain\r\n")
    reply(f, b"250")
    t.sendall(b"QUIT\r\n")
    reply(f, b"221")
    t.close()

start = time.time()
kids = []
for w in range(workers):
    pid = os.fork()
    if pid == 0:
        try:
            for i in range(n):
                session()
        except Exception as e:
            sys.stderr.write("tls: %s\n" % e)
            os._exit(1)
        os._exit(0)
    kids.append(pid)
bad = 0
for pid in kids:
    bad |= os.waitpid(pid, 0)[1]
print(0 if bad else n * workers / (time.time() - start))
PY
cat > "$T/hold.py" <<'PY'
import socket, sys, time
port, n, ready = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
socks = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port), 10)
    f = s.makefile("rb")
    if not f.readline().startswith(b"220"):
        sys.exit(1)
    s.sendall(b"EHLO client.localdomain\r\n")
    while True:
        line = f.readline()
        if not line.startswith(b"250"):
            sys.exit(1)
        if line[3:4] == b" ":
            break
    socks.append((s, f))
time.sleep(1)
open(ready, "w").close()
time.sleep(60)
PY
# hold NAME PORT: PSS growth per held session, KiB.  An smtpd process
# serves one client at a time, long-lived or not, so $HOLD sessions are
# $HOLD new smtpd processes when none ran before: the figure is what one
# more concurrent session costs, and it is checked to be so (an idle
# long-lived smtpd would take a session for nothing)
hold() {
	h=$(cg_comm_n "$1" smtpd)
	[ "$h" = 0 ] || { loud "hold $1: $h smtpd before the sessions"; echo 0
		return; }
	h0=$(cg_pss "$1")
	rm -f "$T/ready"
	python3 "$T/hold.py" "$2" "$HOLD" "$T/ready" &
	hp=$!
	j=0
	while [ ! -f "$T/ready" ] && [ $j -lt 200 ]; do
		sleep 0.1; j=$((j + 1))
	done
	if [ -f "$T/ready" ]; then
		h1=$(cg_pss "$1")
		h=$(cg_comm_n "$1" smtpd)
		[ "$h" = "$HOLD" ] ||
		    loud "hold $1: $h smtpd processes for $HOLD sessions"
		awk -v a="$h0" -v b="$h1" -v n="$HOLD" \
		    'BEGIN { print (b - a) / n }'
	else
		echo 0
	fi
	kill "$hp" 2>/dev/null; wait "$hp" 2>/dev/null
}
: > "$T/a"; : > "$T/b"
keep "$(hold ac-mta "$MP")" "$T/a" "memory per session mta"
keep "$(hold ac-pf "$PP")" "$T/b" "memory per session postfix"
row "PSS per open SMTP session ($HOLD held)" KiB lower

qfiles() { find "$T/$1/q" -type f | wc -l; }
# accept NAME PORT OUT-RATE OUT-CPU
accept() {
	q=$(qfiles "$1"); c=$(cg_cpu "$1"); s=$(now)
	smtp-source -s 10 -m "$ACCEPT" -l 2048 -f bench@example.com \
	    -t sink@example.net "127.0.0.1:$2" > "$T/src.out" 2>&1 ||
	    loud "accept $1: smtp-source failed: $(head -3 "$T/src.out")"
	e=$(now); c2=$(cg_cpu "$1"); q2=$(qfiles "$1")
	[ $((q2 - q)) -ge "$ACCEPT" ] ||
	    { loud "accept $1: $((q2 - q)) queue files for $ACCEPT messages"
	      return 1; }
	keep "$(rate "$s" "$e" "$ACCEPT")" "$3" "accept $1"
	keep "$(cpums "$c" "$c2" "$ACCEPT")" "$4" "accept cpu $1"
}
: > "$T/a"; : > "$T/b"; : > "$T/ca"; : > "$T/cb"
i=0
while [ $i -lt "$RUNS" ]; do
	accept ac-mta "$MP" "$T/a" "$T/ca"
	accept ac-pf "$PP" "$T/b" "$T/cb"
	i=$((i + 1))
done
row "accept, delivery held ($ACCEPT x 2K, 10 sessions)" msg/s higher
cp "$T/ca" "$T/a"; cp "$T/cb" "$T/b"
row "accept CPU, delivery held" ms/msg lower

# sessions NAME MTA-PORT POSTFIX-PORT TLSMAX
sessions() {
	# one warm-up session each: the first handshake loads the key
	python3 "$T/tlsc.py" "$2" 1 1 "$4" >/dev/null
	python3 "$T/tlsc.py" "$3" 1 1 "$4" >/dev/null
	: > "$T/a"; : > "$T/b"
	i=0
	while [ $i -lt "$RUNS" ]; do
		keep "$(python3 "$T/tlsc.py" "$2" "$SESS" 2 "$4")" "$T/a" \
		    "$1 mta"
		keep "$(python3 "$T/tlsc.py" "$3" "$SESS" 2 "$4")" "$T/b" \
		    "$1 postfix"
		i=$((i + 1))
	done
	row "$1" sessions/s higher
}
sessions "SMTP sessions, no TLS" "$MP" "$PP" plain
sessions "STARTTLS sessions, ECDSA P-256" "$ME" "$PE" 1.2
sessions "STARTTLS sessions, RSA-2048" "$MP" "$PP" 1.2
stop ac-mta; stop ac-pf
