# MIT licence: see LICENSE.
#
# size.sh - section of run.sh: what each takes on disk.  mta is one file;
# Postfix is the programs of Debian's postfix package (every regular file
# it installs in a bin or sbin directory: the daemons, the commands and
# the scripts postfix(1) runs; not its test tools smtp-source, smtp-sink,
# qmqp-source, qmqp-sink, posttls-finger, fsstone and qshape, which mta
# has no counterpart of) and every shared library those programs
# load (ldd, each file once, libc included: mta has its libc inside).
#   stripped size	the sum of each file's size after `strip` (a copy;
#			scripts as they are)
#   on-disk footprint	the sum of the blocks each file has (du -k) as
#			installed
: > "$T/pf.files"
dpkg -L postfix | grep -E '/s?bin/[^/]+$' |
    grep -vE '/(smtp-(source|sink)|qmqp-(source|sink))$' |
    grep -vE '/(posttls-finger|fsstone|qshape)$' |
    while read -r f; do
	[ -f "$f" ] && [ ! -L "$f" ] && echo "$f"
done > "$T/pf.progs"
{
	cat "$T/pf.progs"
	while read -r f; do
		ldd "$f" 2>/dev/null |
		    awk '$2 == "=>" && $3 ~ /^\// { print $3 }
			$1 ~ /^\// { print $1 }'
	done < "$T/pf.progs" | while read -r l; do readlink -f "$l"; done
} | sort -u > "$T/pf.files"
# stripped FILE: its size after strip, bytes
stripped() {
	if strip -o "$T/stripped" "$1" 2>/dev/null; then
		stat -c %s "$T/stripped"
	else
		stat -c %s "$1"
	fi
}
echo "$(($(stripped "$MTA") / 1024))" > "$T/a"
sz=0
while read -r f; do sz=$((sz + $(stripped "$f"))); done < "$T/pf.files"
echo $((sz / 1024)) > "$T/b"
np=$(wc -l < "$T/pf.progs"); nl=$(($(wc -l < "$T/pf.files") - np))
row "stripped size (postfix: $np programs, $nl libraries)" KiB lower
du -k "$MTA" | cut -f1 > "$T/a"
xargs du -k < "$T/pf.files" | awk '{ s += $1 } END { print s }' > "$T/b"
row "on-disk footprint" KiB lower
