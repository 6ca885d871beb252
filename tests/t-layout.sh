# MIT licence: see LICENSE.
#
# t-layout.sh - the house rules of the source tree (DESIGN.md, "The
# house"; README.md, "Layout"): imports run one way.
#   1. nothing under lib/ includes a header from applets/, nor calls a
#      function that a program in applets/ defines (an extern declaration
#      would get past rule 1's grep);
#   2. a program's folder (applets/X/) is its own: no file outside it
#      includes from it;
#   3. lib/queue/ includes nothing of lib/smtp/ (the relay least of all):
#      smtp/ is built on queue/, and sendmail, not the queue code, chooses
#      between the queue and the relay.
# A failed rule names its first offending line (file:line: the include)
# and how many more there are; stderr lists them all.  LAYOUT_TOP checks
# another tree (a scratch copy, to see the rules fail).
. "${TOP:-.}/tests/lib.sh"

# verdict NAME WHY FILE: ok when FILE (the offending lines) is empty
verdict() {
	if [ -s "$3" ]; then
		n=$(($(wc -l < "$3") - 1))
		more=
		[ "$n" -gt 0 ] && more=" (and $n more)"
		fail "$1" "$(head -n 1 "$3")$more: $2"
		sed "s|^|$1: |" "$3" >&2
	else
		ok "$1"
	fi
}

R=${LAYOUT_TOP:-$TOP}
cd "$R" || exit 2

# includes: "FILE LINE TARGET" for each #include "..." of each source
# file, TARGET the path from the top of the tree ("lib/str.h")
find lib applets -name '*.[ch]' | sort | while read -r f; do
	awk -v f="$f" '
	function norm(p,    n, i, k, a, o, out) {
		n = split(p, a, "/"); k = 0
		for (i = 1; i <= n; i++) {
			if (a[i] == "." || a[i] == "") continue
			if (a[i] == ".." && k > 0 && o[k] != "..") {
				k--; continue
			}
			o[++k] = a[i]
		}
		out = ""
		for (i = 1; i <= k; i++) out = out (i > 1 ? "/" : "") o[i]
		return out
	}
	/^[ \t]*#[ \t]*include[ \t]*"/ {
		t = $0; sub(/^[^"]*"/, "", t); sub(/".*/, "", t)
		d = f; sub(/\/[^\/]*$/, "", d)
		print f, FNR, norm(d "/" t)
	}' "$f"
done > "$T/inc"
check "the includes are found" test "$(wc -l < "$T/inc")" -gt 300

# 1. lib/ -> applets/
awk '$1 ~ /^lib\// && $3 ~ /^applets\// {
	print $1 ":" $2 ": includes " $3 }' "$T/inc" > "$T/bad1"
# defs DIR: the functions that the .c files under DIR export (KNF: the
# name starts its line, after a line with the type that is not "static")
defs() {
	find "$1" -name '*.c' | sort | xargs awk '
	/^[a-z_][a-z0-9_]*\(/ && prev !~ /^static/ && prev !~ /^[ \t]*$/ {
		n = $0; sub(/\(.*/, "", n); print n }
	{ prev = $0 }' | sort -u
}
# names DEFS WHERE FILE...: each line of FILE that names a function of DEFS
names() {
	d=$1 w=$2; shift 2
	for f in "$@"; do
		grep -nowFf "$d" "$f" |
		    sed "s|^\([0-9]*\):\(.*\)|$f:\1: names \2 ($w)|"
	done
}
# ... and lib/ calls none of the programs' functions (an extern
# declaration, as smtpd_data.c had for smtpd_reply(), would get past
# the include rule)
defs applets > "$T/defs"
check "the programs' functions are found" grep -qx smtpd_main "$T/defs"
names "$T/defs" "applets/ defines it" $(find lib -name '*.[ch]' | sort) \
    >> "$T/bad1"
verdict "lib/ does not reach into applets/" \
    "lib/ is what programs share; a program's part goes in applets/NAME/" \
    "$T/bad1"

# 2. into a program's folder from outside it
awk '$1 ~ /^applets\// && $3 ~ /^applets\/[^\/]+\// {
	split($3, t, "/"); own = "applets/" t[2] "/"
	if (substr($1, 1, length(own)) != own)
		print $1 ":" $2 ": includes " $3 " (" own " is another" \
		    " program'"'"'s)"
}' "$T/inc" > "$T/bad2"
for d in applets/*/; do
	defs "$d" > "$T/defs"
	names "$T/defs" "$d defines it" \
	    $(find applets -name '*.[ch]' | grep -v "^$d" | sort) >> "$T/bad2"
done
verdict "no program reaches into another program's folder" \
    "what two programs share goes to lib/" "$T/bad2"

# 3. lib/queue/ -> lib/smtp/
awk '$1 ~ /^lib\/queue\// && $3 ~ /^lib\/smtp\// {
	print $1 ":" $2 ": includes " $3 }' "$T/inc" > "$T/bad3"
verdict "lib/queue/ does not call the SMTP client or relay" \
    "sendmail chooses the relay (submit_open_sink), not the queue code" \
    "$T/bad3"
