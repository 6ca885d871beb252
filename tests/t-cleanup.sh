# MIT licence: see LICENSE.
#
# t-cleanup.sh - cleanup(8) as a black box: the record stream on a
# socketpair in, the answer line and the queue file out.  The client is a
# few lines of Python that speak mta-queue(5); queue files are read back
# with the same parser, so each check looks at what qmgr would see.
. "${TOP:-.}/tests/lib.sh"

Q=$T/q
export T
for d in maildrop incoming active deferred hold corrupt defer bounce \
    private public pid; do mkdir -p "$Q/$d"; done
# as queue_dirs() makes them: cleanup started as root becomes mail_owner
[ "$(id -u)" = 0 ] && chown postfix "$Q"/* && chown root "$Q/pid"
base_cf() {
	cat > "$T/etc/main.cf" <<EOF
queue_directory = $Q
myhostname = mx.example.com
mydomain = example.com
maillog_file = $T/maillog
EOF
}
base_cf

cat > "$T/cl.py" <<'EOF'
import os, socket, subprocess, sys
# send: records on stdin, one a line, TYPE then data with \-escapes
def rec(t, d):
    return t + str(len(d)).encode() + b' ' + d + b'\n'
def send(noend):
    data = b''
    for line in sys.stdin.buffer.read().split(b'\n'):
        if not line:
            continue
        d = line[1:].decode('latin1').encode('latin1').decode(
            'unicode_escape').encode('latin1')
        data += rec(line[:1], d)
    if not noend:
        data += rec(b'E', b'')
    a, b = socket.socketpair()
    p = subprocess.Popen([os.environ['MTA'], 'cleanup'], stdin=b, stdout=b)
    b.close()
    a.sendall(data)
    a.shutdown(socket.SHUT_WR)
    ans = b''
    while True:
        x = a.recv(4096)
        if not x:
            break
        ans += x
    p.wait()
    # the first line, "I QUEUEID", goes to $T/hello; the answer to stdout
    hello, _, ans = ans.partition(b'\n')
    open(os.environ['T'] + '/hello', 'w').write(hello.decode() + '\n')
    sys.stdout.write(ans.decode())
# early: the "I QUEUEID" line comes before any input is sent
def early():
    a, b = socket.socketpair()
    p = subprocess.Popen([os.environ['MTA'], 'cleanup'], stdin=b, stdout=b)
    b.close()
    a.settimeout(10)
    line = b''
    while not line.endswith(b'\n'):
        x = a.recv(1)
        if not x:
            break
        line += x
    a.close()
    p.wait()
    sys.stdout.write(line.decode())
# dump: a queue file as "TYPE repr(data)" lines
def dump(path):
    f = open(path, 'rb').read()
    i = 0
    while i < len(f):
        t = f[i:i+1]
        sp = f.index(b' ', i)
        n = int(f[i+1:sp])
        d = f[sp+1:sp+1+n]
        assert f[sp+1+n:sp+2+n] == b'\n'
        print(t.decode() + ' ' + repr(d)[2:-1])
        i = sp + 2 + n
if sys.argv[1] == 'send':
    send(len(sys.argv) > 2)
elif sys.argv[1] == 'early':
    early()
else:
    dump(sys.argv[2])
EOF

send() { python3 "$T/cl.py" send "$@"; }
dump() { python3 "$T/cl.py" dump "$1"; }
clearq() { rm -f "$Q"/incoming/* "$Q"/incoming/.[!.]* "$Q"/hold/*; : > "$T/maillog"; }
nfiles() { ls -A "$Q/incoming" "$Q/hold" | grep -cv -e '^$' -e ':$'; }

# 1. a local submission: headers added, Bcc and Return-Path dropped
clearq
ans=$(printf '%s\n' 'Salice' 'Afull_name=Alice Example' 'Afoo=bar' \
    'Rbob@example.org' 'M' 'LReturn-Path: <evil@x>' 'LSubject: hi' \
    'LBcc: secret@example.net' 'L' 'Lbody\x00with nul\r' 'X' | send)
id=${ans#0 }
check_out "answer 0 QUEUEID" "0 $id" echo "$ans"
check_out "the first line was I QUEUEID, the same id" "I $id" cat "$T/hello"
check "queue file named by its id in incoming" test -f "$Q/incoming/$id"
dump "$Q/incoming/$id" > "$T/d1"
check "version and size records first" sh -c "head -n 2 '$T/d1' | \
    grep -q '^V 1' && sed -n 2p '$T/d1' | grep -Eq '^Z +[0-9]+ +[0-9]+ +1 +0\$'"
check "sender qualified with myorigin" grep -qx 'S alice@mx.example.com' "$T/d1"
check "recipient kept" grep -qx 'R bob@example.org' "$T/d1"
check "Received with the queue id" grep -qx "L \\\\tid $id; .*" "$T/d1"
check "Received first" sh -c "grep -A1 '^M' '$T/d1' | grep -qx \
    'L Received: by mx.example.com (Postfix)'"
check "Message-Id added" grep -Eqx "L Message-Id: <[0-9]{14}\\.$id@mx.example.com>" "$T/d1"
check "Date added" grep -Eqx 'L Date: [A-Z][a-z]{2}, [ 0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} [-+][0-9]{4} \(.*\)' "$T/d1"
check "From added with full name" grep -qx 'L From: alice@mx.example.com (Alice Example)' "$T/d1"
check_exit "Bcc removed" 1 grep -qi 'secret' "$T/d1"
check_exit "Return-Path removed" 1 grep -qi 'evil' "$T/d1"
check "NUL kept in content, a stray CR becomes a space" \
    grep -qx 'L body\\x00with nul ' "$T/d1"
check "content ends with X then E" sh -c "tail -n 2 '$T/d1' | tr '\n' '|' | grep -qx 'X |E |'"
check "log: message-id line" grep -Eq "cleanup\\[[0-9]+\\]: $id: message-id=<[0-9]{14}\\.$id@mx.example.com>" "$T/maillog"
check "REC_SIZE gives the offset of REC_MESG" python3 - "$Q/incoming/$id" <<'EOF'
import sys
f = open(sys.argv[1], 'rb').read()
z = f.split(b'\n')[1][4:].split()
assert f[int(z[1]):int(z[1]) + 3] == b'M0 ', z
EOF

# 2. SMTP submission: Received from the client attributes, nothing added
clearq
ans=$(printf '%s\n' 'Ssender@remote.example' 'Aclient_name=mail.remote.example' \
    'Aclient_address=192.0.2.7' 'Ahelo_name=helo.remote.example' \
    'Aprotocol=ESMTP' 'Arewrite_context=remote' 'Rbob@example.org' 'M' \
    'LSubject: x' 'L' 'Lhello' 'X' | send)
id=${ans#0 }
dump "$Q/incoming/$id" > "$T/d2"
check "smtp Received from line" grep -qx 'L Received: from helo.remote.example (mail.remote.example \[192.0.2.7\])' "$T/d2"
check "smtp Received by line with id" grep -qx "L \\\\tby mx.example.com (Postfix) with ESMTP id $id" "$T/d2"
check "smtp Received for one recipient" grep -qx 'L \\tfor <bob@example.org>;' "$T/d2"
check_exit "no Message-Id added to remote mail" 1 grep -q 'Message-Id' "$T/d2"
check "log: message-id=<> for remote mail without one" grep -q "$id: message-id=<>" "$T/maillog"

# 3. canonical and virtual alias maps (cdb tables built by postmap)
clearq
printf 'alice@mx.example.com Alice.Smith@example.com\n' > "$T/etc/canonical"
printf 'bob@example.org carol@example.net, dave@example.net\ndave@example.net eve@example.net, dave@example.net\nloop1@example.org loop2@example.org\nloop2@example.org loop1@example.org\n' > "$T/etc/virtual"
mta postmap "cdb:$T/etc/canonical" && mta postmap "cdb:$T/etc/virtual"
cat >> "$T/etc/main.cf" <<EOF
canonical_maps = cdb:$T/etc/canonical
virtual_alias_maps = cdb:$T/etc/virtual
EOF
ans=$(printf '%s\n' 'Salice' 'Rbob@example.org' 'Rloop1@example.org' 'M' \
    'LFrom: alice' 'LTo: bob@example.org' 'L' 'Lx' 'X' | send)
id=${ans#0 }
dump "$Q/incoming/$id" 2>/dev/null > "$T/d3"
check "canonical: envelope sender" grep -qx 'S Alice.Smith@example.com' "$T/d3"
check "canonical: header sender" grep -qx 'L From: Alice.Smith@example.com' "$T/d3"
check_out "virtual: recursive expansion, self-reference kept, loop stops" \
    "R carol@example.net|R eve@example.net|R dave@example.net|R loop1@example.org|" \
    sh -c "grep '^R ' '$T/d3' | tr '\n' '|'"
check "virtual: header To unchanged" grep -qx 'L To: bob@example.org' "$T/d3"
base_cf

# 4. header_checks: REJECT (multi-line header as one), HOLD, DISCARD
cat > "$T/etc/header_checks" <<'EOF'
/^Subject:.*spam/	REJECT no spam please
/^X-Fold: one.*two/	REJECT 4.7.0 folded
/^Subject: hold me/	HOLD
/^Subject: drop me/	DISCARD
/^X-Drop:/		IGNORE
EOF
echo "header_checks = regexp:$T/etc/header_checks" >> "$T/etc/main.cf"
clearq
ans=$(printf '%s\n' 'Salice@example.com' 'Rbob@example.org' 'M' \
    'LSubject: buy spam now' 'L' 'Lx' 'X' | send)
check_out "header_checks REJECT answer" "5 5.7.1 no spam please" echo "$ans"
check_out "header_checks REJECT queues nothing" 0 nfiles
check "header_checks REJECT log line" grep -Eq ': [0-9A-F]+: reject: header Subject: buy spam now from local; from=<alice@example.com> to=<bob@example.org>: 5.7.1 no spam please$' "$T/maillog"
ans=$(printf '%s\n' 'Sa@example.com' 'Rbob@example.org' 'M' \
    'LX-Fold: one' 'L\ttwo' 'L' 'Lx' 'X' | send)
check_out "multi-line header matched as one, 4xx text kept" "4 4.7.0 folded" echo "$ans"
clearq
ans=$(printf '%s\n' 'Sa@example.com' 'Aclient_name=c.example' \
    'Aclient_address=192.0.2.9' 'Ahelo_name=h.example' 'Aprotocol=ESMTP' \
    'Rbob@example.org' 'M' 'LSubject: spam' 'L' 'Lx' 'X' | send)
check "reject log names client, proto and helo" grep -Eq 'reject: header Subject: spam from c.example\[192.0.2.9\]; from=<a@example.com> to=<bob@example.org> proto=ESMTP helo=<h.example>: 5.7.1 no spam please$' "$T/maillog"
clearq
ans=$(printf '%s\n' 'Sa@example.com' 'Rbob@example.org' 'M' \
    'LSubject: hold me' 'LX-Drop: yes' 'L' 'Lx' 'X' | send)
id=${ans#0 }
check "HOLD goes to hold/" test -f "$Q/hold/$id"
check_out "HOLD leaves incoming empty" "" ls -A "$Q/incoming"
check_exit "IGNORE drops the header" 1 grep -q 'X-Drop' "$Q/hold/$id"
check "HOLD log line" grep -q "$id: hold: header Subject: hold me from local;" "$T/maillog"
clearq
ans=$(printf '%s\n' 'Sa@example.com' 'Rbob@example.org' 'M' \
    'LSubject: drop me' 'L' 'Lx' 'X' | send)
check "DISCARD answers 0" sh -c "echo '$ans' | grep -Eqx '0 [0-9A-F]+'"
check_out "DISCARD queues nothing" 0 nfiles
base_cf

# 5. body_checks
printf '/^badword/ REJECT 5.7.2 body says no\n/^oldtext/ REPLACE newtext\n' > "$T/etc/body_checks"
echo "body_checks = regexp:$T/etc/body_checks" >> "$T/etc/main.cf"
clearq
ans=$(printf '%s\n' 'Sa@example.com' 'Rbob@example.org' 'M' 'LSubject: b' \
    'L' 'Lfine' 'Lbadword here' 'X' | send)
check_out "body_checks REJECT" "5 5.7.2 body says no" echo "$ans"
ans=$(printf '%s\n' 'Sa@example.com' 'Rbob@example.org' 'M' 'LSubject: b' \
    'L' 'Loldtext' 'X' | send)
id=${ans#0 }
check "body_checks REPLACE" grep -q '^L7 newtext$' "$Q/incoming/$id"
base_cf

# 6. limits: message size, hop count, a long line split into pieces
echo "message_size_limit = 1000" >> "$T/etc/main.cf"
clearq
big=$(python3 -c 'print("x" * 1500)')
ans=$(printf '%s\n' 'Sa@example.com' 'Rbob@example.org' 'M' 'LSubject: b' \
    'L' "L$big" 'X' | send)
check_out "message_size_limit" "5 5.3.4 Message size exceeds fixed limit" echo "$ans"
check_out "message_size_limit queues nothing" 0 nfiles
base_cf
clearq
{ printf '%s\n' 'Sa@example.com' 'Rbob@example.org' 'M'
  i=0; while [ $i -lt 49 ]; do echo "LReceived: from x$i"; i=$((i + 1)); done
  printf '%s\n' 'L' 'Lx' 'X'; } > "$T/hops"
check_out "hopcount_limit" "5 5.4.6 too many hops" send < "$T/hops"
sed -i '4d' "$T/hops"
check "one hop fewer is accepted" sh -c "send() { python3 '$T/cl.py' send; }; send < '$T/hops' | grep -q '^0 '"
clearq
long=$(python3 -c 'print("y" * 10000)')
ans=$(printf '%s\n' 'Sa@example.com' 'Rbob@example.org' 'M' 'LSubject: b' \
    'L' "L$long" 'X' | send)
id=${ans#0 }
check_out "a long line is stored as P pieces and a last L" "P4096|P4096|L1808|" \
    sh -c "grep -ao '^[PL][0-9]* y' '$Q/incoming/$id' | cut -d' ' -f1 | tr '\n' '|'"

# the queue id comes first, before cleanup reads anything (the submitter
# logs it before cleanup logs the message-id, as with Postfix)
clearq
check "I QUEUEID before any input" sh -c \
    "python3 '$T/cl.py' early | grep -Eqx 'I [0-9A-Za-z]+'"
check_out "a stream that ends at once leaves no file" 0 nfiles

# 7. a stream without REC_END queues nothing and gets no answer
clearq
ans=$(printf '%s\n' 'Sa@example.com' 'Rbob@example.org' 'M' 'LSubject: b' \
    'L' 'Lx' 'X' | send noend)
check_out "no REC_END: no answer" "" echo "$ans"
check_out "no REC_END: nothing queued, no temporary file" "" ls -A "$Q/incoming"
ans=$(printf '%s\n' 'Sa@example.com' 'M' 'LSubject: b' 'L' 'Lx' 'X' | send)
check_out "no recipients" "5 5.1.0 no recipients specified" echo "$ans"
ans=$(printf '%s\n' 'Sa@example.com' 'Rbob@example.org' 'Lx' 'M' 'X' | send)
check_out "content before REC_MESG is a protocol error" \
    "4 4.3.0 internal protocol error" echo "$ans"

# 8. disk trouble: an unwritable incoming gives 4.3.0 and leaves nothing
if [ "$(id -u)" != 0 ]; then
	chmod 500 "$Q/incoming"
	ans=$(printf '%s\n' 'Sa@example.com' 'Rbob@example.org' 'M' 'Lx' 'X' | send)
	chmod 700 "$Q/incoming"
	check_out "unwritable queue: 4.3.0" "4 4.3.0 Queue file write error" echo "$ans"
fi
exit 0
