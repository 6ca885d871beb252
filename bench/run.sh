#!/bin/sh
# MIT licence: see LICENSE.
#
# run.sh - `make bench`: mta beside Debian's Postfix on the same inputs in
# one run.  The two programs alternate run by run and each figure is the
# median of $RUNS runs, reported as mta's time over Postfix's (below 1.00
# means mta is faster).  The machine is noisy: read the ratios, not the
# absolute times, and never turn them into test assertions.
: "${MTA:=$(pwd)/mta}"
: "${RUNS:=7}"
: "${N:=200000}"
[ -x /usr/sbin/postmap ] || { echo "bench: Debian's postfix is needed" >&2; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/mta-bench.XXXXXX") || exit 1
. "$(dirname "$0")/lib.sh"
trap 'rm -rf "$T"' EXIT INT TERM
mkdir -p "$T/pf" "$T/mta"
: > "$T/pf/main.cf"

# A table of N entries, and 10000 keys to look up (half of them present).
awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++)
	printf "user%d@example%d.com relay:[mx%d.example.net]:25\n", i, i % 97, i % 13 }' \
	> "$T/table"
awk -v n="$N" 'BEGIN { for (i = 0; i < 10000; i++)
	printf "user%d@example%d.com\n", (i * 37) % (2 * n), ((i * 37) % (2 * n)) % 97 }' \
	> "$T/keys"
cp "$T/table" "$T/mta/t"; cp "$T/table" "$T/pf/t"


# bench NAME MTA-CMD POSTFIX-CMD
bench() {
	name=$1; : > "$T/a"; : > "$T/b"
	i=0
	while [ $i -lt "$RUNS" ]; do
		s=$(now); sh -c "$2" >/dev/null 2>&1; e=$(now)
		awk -v s="$s" -v e="$e" 'BEGIN { print e - s }' >> "$T/a"
		s=$(now); sh -c "$3" >/dev/null 2>&1; e=$(now)
		awk -v s="$s" -v e="$e" 'BEGIN { print e - s }' >> "$T/b"
		i=$((i + 1))
	done
	a=$(median < "$T/a"); b=$(median < "$T/b")
	printf '%-34s mta %8.4fs  postfix %8.4fs  ratio %5.2f\n' "$name" \
	    "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN { print (b > 0 ? a / b : 0) }')"
}

echo "bench: $RUNS alternating runs each, medians; ratio = mta / postfix"
bench "postmap build ($N entries)" \
    "MAIL_CONFIG=$T/mta $MTA postmap cdb:$T/mta/t" \
    "/usr/sbin/postmap -c $T/pf cdb:$T/pf/t"
bench "postmap -q - (10000 keys)" \
    "MAIL_CONFIG=$T/mta $MTA postmap -q - cdb:$T/mta/t < $T/keys" \
    "/usr/sbin/postmap -c $T/pf -q - cdb:$T/pf/t < $T/keys"
bench "postmap -q one key" \
    "MAIL_CONFIG=$T/mta $MTA postmap -q user5@example5.com cdb:$T/mta/t" \
    "/usr/sbin/postmap -c $T/pf -q user5@example5.com cdb:$T/pf/t"
bench "postconf (all parameters)" \
    "MAIL_CONFIG=$T/mta $MTA postconf" \
    "/usr/sbin/postconf -c $T/pf"
sh "$(dirname "$0")/smtp.sh"
sh "$(dirname "$0")/relay.sh"
