# MIT licence: see LICENSE.
#
# t-cidr.sh - cidr: tables, differential against Debian's Postfix.
#
# For every table tests/tables/cidr/NAME.cidr and every key in
# NAME.cidr.keys (one a line), `mta postmap -q KEY cidr:TABLE` must print
# what Postfix's postmap prints and exit as it exits.  Bad rules are
# skipped with a warning naming file and line, as in Postfix.
. "$TOP/tests/lib.sh"

D=$TOP/tests/tables/cidr

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

if ! have_postfix; then
	echo "# no Postfix in /usr/sbin: differential checks skipped"
else
	for tab in "$D"/*.cidr; do
		[ -f "$tab.keys" ] || continue
		t=$(basename "$tab")
		while IFS= read -r key; do
			same "cidr $t: $key" "cidr:$tab" "$key"
		done < "$tab.keys"
	done
fi

# each bad rule of badlines.cidr is reported with its file and line
mta postmap -q 1.2.4.5 "cidr:$D/badlines.cidr" >/dev/null 2>"$T/warn"
for spec in \
    '2:non-null host address bits in "1.2.4.5/24", perhaps' \
    '3:bad mask length in "1.2.5.0/33"' \
    '4:bad mask value in "1.2.6.0/"' \
    '5:bad address pattern: "300.1.2.3"' \
    '6:bad address pattern: "01.2.3.7"' \
    '7:no lookup result' \
    "8:missing ']' character after \"[::6\"" \
    '9:garbage after "[::1]"' \
    '10:bad mask value in "::8/64/64"' \
    '11:non-null host address bits in "2001:dba::1/32"' \
    '13:ENDIF without IF' \
    '14:garbage after ENDIF' \
    '15:bad mask value in "1.2.3.0/24 junk"' \
    '17:no address pattern'; do
	line=${spec%%:*}; why=${spec#*:}
	if grep -F -- "badlines.cidr, line $line: $why" "$T/warn" |
	    grep -q 'skipping this rule$'; then
		ok "badlines.cidr line $line is reported"
	else
		fail "badlines.cidr line $line is reported" \
		    "no [$why] in [$(head -c 600 "$T/warn")]"
	fi
done
check_err "host bits: the suggested network" \
    'perhaps you should use "2001:dba::/32" instead: skipping' \
    mta postmap -q 1.2.4.5 "cidr:$D/badlines.cidr"
n=$(grep -c 'skipping this rule' "$T/warn")
if [ "$n" = 14 ]; then ok "badlines.cidr: 14 warnings, no more"
else fail "badlines.cidr: 14 warnings, no more" "$n warnings"; fi

# a bad IF never matches: the rules it guards are skipped with it (Postfix
# drops the IF alone and lets them match), and its ENDIF stays its own
check_exit "bad IF (line 15): its rules are skipped" 1 \
    mta postmap -q 1.2.3.9 "cidr:$D/badlines.cidr"
check_exit "bad IF (line 17): its rules are skipped" 1 \
    mta postmap -q 1.2.7.7 "cidr:$D/badlines.cidr"
check_err "bad IF: the warning says so" \
    "cidr map $D/badlines.cidr, line 15: skipping the rules up to this IF's ENDIF" \
    mta postmap -q 1.2.3.9 "cidr:$D/badlines.cidr"
printf 'if 10.0.0.0/8\nif 10.1.0.0/33\n0.0.0.0/0 bad\nendif\n10.0.0.0/8 ten\nendif\n0.0.0.0/0 rest\n' \
    > "$T/badif.cidr"
check_out "bad IF inside an IF: skipped" ten \
    mta postmap -q 10.1.2.3 "cidr:$T/badif.cidr"
check_out "bad IF inside an IF: the outer IF still guards" rest \
    mta postmap -q 11.1.2.3 "cidr:$T/badif.cidr"
check_err "Postfix's warning text" \
    "warning: cidr map $T/badif.cidr, line 2: bad mask length in \"10.1.0.0/33\": skipping this rule" \
    mta postmap -q 10.1.2.3 "cidr:$T/badif.cidr"

# an IF without its ENDIF: a warning, and the block still guards its rules
printf 'if 10.0.0.0/8\nif 10.1.0.0/16\n0.0.0.0/0 inner\n' > "$T/open.cidr"
check_out "unclosed IF: inside" inner \
    mta postmap -q 10.1.2.3 "cidr:$T/open.cidr"
check_exit "unclosed IF: outside" 1 \
    mta postmap -q 10.2.0.1 "cidr:$T/open.cidr"
check_err "unclosed IF warns (inner)" \
    'open\.cidr, line 2: IF has no matching ENDIF' \
    mta postmap -q 10.1.2.3 "cidr:$T/open.cidr"
check_err "unclosed IF warns (outer)" \
    'open\.cidr, line 1: IF has no matching ENDIF' \
    mta postmap -q 10.1.2.3 "cidr:$T/open.cidr"

# not-an-address keys are "not found", never an error
for key in foo '' '[1.2.3.4]' '1.2.3.4/32'; do
	check_exit "key [$key] is not found" 1 \
	    mta postmap -q "$key" "cidr:$D/mixed.cidr"
done

check_exit "missing table fails" 1 mta postmap -q 1.2.3.4 \
    "cidr:$T/nonesuch.cidr"
check_err "missing table: error names it" 'nonesuch\.cidr' \
    mta postmap -q 1.2.3.4 "cidr:$T/nonesuch.cidr"
