#!/bin/sh
# MIT licence: see LICENSE.
#
# t-cross.sh - the mta of another CPU, under qemu-user: make check builds
# build/aarch64/mta (arm64) and build/mips/mta (32-bit big-endian MIPS)
# and this runs their end-to-end test (tests/cross.sh -e: STARTTLS in,
# the queue, smtp out to smtp-sink, mailq, queue files read across CPUs).
# `make check-cross ARCH=...` runs the rest (unit tests, table scripts).
cd "$(dirname "$0")/.." || exit 2
: "${MTA:=$PWD/mta}"
rc=0
for a in aarch64 mips; do
	if [ -f "build/$a.failed" ]; then
		echo "FAIL - $a: make check could not build build/$a/mta"
		rc=1
	elif [ ! -x "build/$a/mta" ]; then
		echo "# skipped: $a: no build/$a/mta (make check builds it)"
	elif ! command -v "qemu-$a" >/dev/null; then
		echo "# skipped: $a: no qemu-$a (package qemu-user)"
	else
		NATIVE_MTA=$MTA sh tests/cross.sh -e "$a" || rc=1
	fi
done
exit $rc
