# MIT licence: see LICENSE.
#
# lib.sh - what the benchmarks share: a free port, the time, medians, and
# the main.cf of the two servers compared on loopback, a private Postfix
# instance under $T/pf and mta under $T/mta, alike but for the lines each
# benchmark adds.  Source it after setting $T.
port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# the settings both servers get
both_main() {
	printf '%s\n' "myhostname = bench.localdomain" "mydestination =" \
	    "inet_interfaces = 127.0.0.1" "inet_protocols = ipv4" \
	    "mynetworks = 127.0.0.0/8" \
	    "smtpd_relay_restrictions = permit_mynetworks, reject"
}

# pf_main EXTRA-LINES: Postfix's main.cf, queue and data directories
pf_main() {
	mkdir -p "$T/pf/etc" "$T/pf/q" "$T/pf/data"
	chown postfix "$T/pf/data"
	{
		printf '%s\n' "compatibility_level = 3.6" \
		    "queue_directory = $T/pf/q" "data_directory = $T/pf/data" \
		    "maillog_file = $T/pf/maillog" "maillog_file_prefixes = /tmp"
		both_main
		printf '%s\n' "$1"
	} > "$T/pf/etc/main.cf"
}

# mta_main EXTRA-LINES: mta's main.cf
mta_main() {
	mkdir -p "$T/mta/etc"
	{
		printf '%s\n' "queue_directory = $T/mta/q" \
		    "maillog_file = $T/mta/maillog"
		both_main
		printf '%s\n' "$1"
	} > "$T/mta/etc/main.cf"
}
