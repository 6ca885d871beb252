#!/bin/sh
# MIT licence: see LICENSE.
#
# run.sh - run every test and end with "N passed, N failed".
#
# Unit binaries ($UNITDIR/*) and black-box scripts (tests/t-*.sh) print one
# line per check: "ok - NAME" or "FAIL - NAME: why".  A script that dies
# without printing its checks counts as one failure.  Scripts run two at a
# time (the machine has two cores); TESTS="t-postmap.sh ..." picks some.
cd "$(dirname "$0")/.." || exit 2
: "${MTA:=$PWD/mta}"
export MTA
TOP=$PWD
export TOP
out=$(mktemp -d "${TMPDIR:-/tmp}/mta-tests.XXXXXX") || exit 2
trap 'rm -rf "$out"' EXIT INT TERM

# The sanitizer build (make SANITIZE=1 check) writes its reports here; each
# report is a failure, whatever the exit status of the program was.
mkdir -p "$out/san"
chmod 1777 "$out/san"	# tests that switch to nobody report here too
ASAN_OPTIONS="log_path=$out/san/asan:detect_leaks=1:abort_on_error=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
UBSAN_OPTIONS="log_path=$out/san/ubsan:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export ASAN_OPTIONS UBSAN_OPTIONS

runone() {
	name=$1; shift
	t0=$(date +%s)
	"$@" >"$out/$name.log" 2>"$out/$name.err"
	echo $? >"$out/$name.rc"
	echo $(($(date +%s) - t0)) >"$out/$name.time"
}

list=
if [ -n "$UNITDIR" ] && [ -d "$UNITDIR" ]; then
	for u in "$UNITDIR"/*; do
		[ -x "$u" ] && list="$list unit:$u"
	done
fi
for t in ${TESTS:-tests/t-*.sh}; do
	case $t in */*) ;; *) t=tests/$t ;; esac
	[ -f "$t" ] && list="$list sh:$t"
done

# two at a time
set -- $list
while [ $# -gt 0 ]; do
	pids=
	for slot in 1 2; do
		[ $# -gt 0 ] || break
		item=$1; shift
		name=$(basename "${item#*:}")
		case $item in
		unit:*) runone "$name" "${item#unit:}" & ;;
		sh:*) runone "$name" sh "${item#sh:}" & ;;
		esac
		pids="$pids $!"
	done
	for p in $pids; do wait "$p"; done
done

pass=0; fail=0
for rc in "$out"/*.rc; do
	[ -f "$rc" ] || continue
	name=$(basename "$rc" .rc)
	p=$(grep -c '^ok - ' "$out/$name.log")
	f=$(grep -c '^FAIL - ' "$out/$name.log")
	if [ "$(cat "$rc")" != 0 ] && [ "$f" = 0 ]; then
		echo "FAIL - $name: exited $(cat "$rc") with no failed check"
		f=1
	fi
	grep '^FAIL - ' "$out/$name.log"
	if [ "$f" != 0 ]; then
		sed 's/^/    stderr: /' "$out/$name.err" | tail -n 15
	fi
	printf '  %-26s %5d ok %3d failing %4ss\n' "$name" "$p" "$f" \
	    "$(cat "$out/$name.time")"
	pass=$((pass + p)); fail=$((fail + f))
done
for r in "$out"/san/*; do
	[ -f "$r" ] || continue
	echo "FAIL - sanitizer report $(basename "$r"):"
	sed 's/^/    /' "$r" | head -n 25
	fail=$((fail + 1))
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
