# MIT licence: see LICENSE.
#
# t-regexp.sh - regexp: tables, differential against Debian's Postfix.
#
# For every table tests/tables/regexp/NAME.re and every key in NAME.re.keys
# (one a line), `mta postmap -q KEY regexp:TABLE` must print what Postfix's
# postmap prints and exit as it exits.  A bad rule is skipped with a
# warning naming file and line, as in Postfix; where mta means to differ:
# an IF whose pattern is bad skips the rules up to its ENDIF.
. "$TOP/tests/lib.sh"

D=$TOP/tests/tables/regexp

# same NAME TYPE:TABLE KEY: mta and Postfix agree on output and status
same() {
	name=$1; map=$2; key=$3
	mo=$(mta postmap -q "$key" "$map" 2>"$T/m.err"); mrc=$?
	po=$(pf postmap -q "$key" "$map" 2>"$T/p.err"); prc=$?
	if [ "$mrc" = "$prc" ] && [ "$mo" = "$po" ]; then
		ok "$name"
	else
		fail "$name" "mta [$mo] exit $mrc, postfix [$po] exit $prc;" \
		    "mta stderr: $(head -c 200 "$T/m.err")"
	fi
}

# skips NAME TABLE LINE KEY [VALUE]: the bad rule at LINE is skipped with
# a warning "regexp map TABLE, line LINE: ...", and KEY is still found
# (VALUE, OK by default) by another rule; Postfix, when here, agrees
skips() {
	name=$1; tab=$2; line=$3; key=$4; want=${5:-OK}
	out=$(mta postmap -q "$key" "regexp:$tab" 2>"$T/m.err"); rc=$?
	if [ "$rc" != 0 ] || [ "$out" != "$want" ]; then
		fail "$name" "exit $rc, output [$out]: the table did not" \
		    "load without the bad rule: $(head -c 300 "$T/m.err")"
	elif ! grep -q -- "warning: regexp map $tab, line $line: " \
	    "$T/m.err"; then
		fail "$name" "stderr [$(head -c 300 "$T/m.err")] does not" \
		    "name regexp map $tab, line $line"
	else
		ok "$name"
	fi
	if have_postfix; then
		same "$name: as Postfix" "regexp:$tab" "$key"
	fi
}

if ! have_postfix; then
	echo "# no Postfix in /usr/sbin: differential checks skipped"
else
	for tab in "$D"/*.re; do
		[ -f "$tab.keys" ] || continue
		t=$(basename "$tab")
		while IFS= read -r key; do
			same "regexp $t: $key" "regexp:$tab" "$key"
		done < "$tab.keys"
	done

	# keys with a newline: only m (REG_NEWLINE) lets ^ and $ see it
	nl='
'
	same "flags.re: m flag, key with newline" "regexp:$D/flags.re" \
	    "zero${nl}one"
	same "flags.re: no m flag, key with newline" "regexp:$D/flags.re" \
	    "two${nl}three"
	same "flags.re: no m, ^ does not match after newline" \
	    "regexp:$D/flags.re" "x${nl}Exact"

	# a missing ENDIF or a stray one is only a warning
	printf 'endif\nif /a/\n/b/ B\n' > "$T/unclosed.re"
	for key in ab b a; do
		same "unclosed IF: $key" "regexp:$T/unclosed.re" "$key"
	done
	check_err "unclosed IF warns with its line" \
	    'unclosed\.re, line 2: IF has no matching ENDIF' \
	    mta postmap -q ab "regexp:$T/unclosed.re"
	check_err "stray ENDIF warns with its line" \
	    'unclosed\.re, line 1: .*ENDIF without matching IF' \
	    mta postmap -q ab "regexp:$T/unclosed.re"
fi

# bad rules: skipped, each with its file and line; the others still work
printf '/^first$/ FIRST\n# a comment\n/a(b/ X\n/^ok$/ OK\n' > "$T/badpat.re"
skips "bad pattern: key after it" "$T/badpat.re" 3 ok
skips "bad pattern: key before it" "$T/badpat.re" 3 first FIRST
printf '/^ok$/ OK\n/^(a)$/ [$2]\n' > "$T/badref.re"
skips "\$2 with one group" "$T/badref.re" 2 ok
printf '/^ok$/ OK\n\n/^(a)$/ [$x]\n' > "$T/badname.re"
skips "non-numeric \$x" "$T/badname.re" 3 ok
printf '/^ok$/ OK\n/^a$/ [$]\n' > "$T/baddollar.re"
skips "lone \$" "$T/baddollar.re" 2 ok
printf '/^ok$/ OK\n/^a$/ [${1]\n' > "$T/badbrace.re"
skips "unclosed \${" "$T/badbrace.re" 2 ok
printf '/^ok$/ OK\n/^(a)$/ [$0]\n' > "$T/badzero.re"
skips "\$0" "$T/badzero.re" 2 ok
printf '/^ok$/ OK\n!/^(a)$/ [$1]\n' > "$T/badneg.re"
skips "\$1 in a negated rule" "$T/badneg.re" 2 ok
printf '/^ok$/ OK\n/^a$/q X\n' > "$T/badflag.re"
skips "unknown flag" "$T/badflag.re" 2 ok
printf '/^ok$/ OK\n/^a X\n' > "$T/baddelim.re"
skips "no closing delimiter" "$T/baddelim.re" 2 ok
printf '/^ok$/ OK\nrewrite /a/ b\n' > "$T/badreq.re"
skips "unrecognized request" "$T/badreq.re" 2 ok
printf '/^ok$/ OK\nif\n/b/ B\nendif\n' > "$T/badif.re"
skips "IF without a pattern" "$T/badif.re" 2 ok
printf 'if /o/\n/^ok$/ OK\nendif\nif /[z-a]/\nendif\n' > "$T/badifpat.re"
skips "bad pattern in IF" "$T/badifpat.re" 4 ok
printf '/^ok$/ OK\n/^a\n  (b/ X\n' > "$T/badcont.re"
skips "bad pattern on a continued line: first line" "$T/badcont.re" 2 ok

# Postfix's own texts for the reasons it names
check_err "bad flag: Postfix's text" \
    "regexp map $T/badflag.re, line 2: unknown regexp option \"q\": skipping this rule" \
    mta postmap -q ok "regexp:$T/badflag.re"
check_err "\$2 with one group: Postfix's text" \
    "regexp map $T/badref.re, line 2: out of range replacement index \"2\": skipping this rule" \
    mta postmap -q ok "regexp:$T/badref.re"
check_err "non-numeric \$x: Postfix's text" \
    "regexp map $T/badname.re, line 3: non-numeric replacement index \"x\"" \
    mta postmap -q ok "regexp:$T/badname.re"
check_err "non-numeric \$x: skipped" \
    "regexp map $T/badname.re, line 3: bad replacement syntax: skipping this rule" \
    mta postmap -q ok "regexp:$T/badname.re"
check_err "unrecognized request: Postfix's text" \
    "regexp map $T/badreq.re, line 2: ignoring unrecognized request" \
    mta postmap -q ok "regexp:$T/badreq.re"

# a bad IF never matches: the rules up to its own ENDIF are skipped, and
# that ENDIF does not close the outer IF (Postfix drops the IF alone)
printf 'if /i/\nif /[z-a]/\n/^in$/ BAD\nendif\n/^in$/ IN\nendif\n/^ok$/ OK\n' \
    > "$T/badifblock.re"
check_out "bad IF: its block is skipped" IN \
    mta postmap -q in "regexp:$T/badifblock.re"
check_err "bad IF: the warning says so" \
    "badifblock\.re, line 2: skipping the rules up to this IF's ENDIF" \
    mta postmap -q in "regexp:$T/badifblock.re"
check_out "bad IF: the outer IF still guards" "" \
    mta postmap -q in2 "regexp:$T/badifblock.re"
check_out "bad IF: the rest works" OK \
    mta postmap -q ok "regexp:$T/badifblock.re"

# the same tables load once the rule is fixed (the checks above are real)
printf '/^first$/ FIRST\n# a comment\n/a(b)/ X\n/^ok$/ OK\n' > "$T/fixed.re"
check_out "fixed table loads" OK mta postmap -q ok "regexp:$T/fixed.re"

check_exit "missing table fails" 1 mta postmap -q ok "regexp:$T/nonesuch.re"
check_err "missing table: error names it" 'nonesuch\.re' \
    mta postmap -q ok "regexp:$T/nonesuch.re"
