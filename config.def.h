/* MIT licence: see LICENSE. */
/*
 * config.def.h - every compiled-in default of mta.  Copied to config.h on
 * the first build; edit config.h (or pass make CPPFLAGS=-DNAME=value) to
 * change a default.  Man page: mta.conf(5), generated from section 2.
 */

/*
 * Section 1: compile-time constants.  Each can be overridden from make,
 * e.g. make CPPFLAGS='-DCONFIG_DIR=\"/opt/mta/etc\"'.
 */
#ifndef MTA_CONFIG_CONSTANTS
#define MTA_CONFIG_CONSTANTS

#ifndef MTA_VERSION
#define MTA_VERSION		"0.1"
#endif
#ifndef CONFIG_DIR		/* where main.cf and master.cf live */
#define CONFIG_DIR		"/etc/mta"
#endif
#ifndef QUEUE_DIR		/* the queue and the private sockets */
#define QUEUE_DIR		"/var/spool/mta"
#endif
#ifndef DATA_DIR		/* writable data: pid and lock files */
#define DATA_DIR		"/var/lib/mta"
#endif
#ifndef COMMAND_DIR		/* where the applet links are installed */
#define COMMAND_DIR		"/usr/sbin"
#endif
#ifndef DAEMON_DIR		/* the binary that master re-executes */
#define DAEMON_DIR		"/usr/libexec/mta"
#endif
#ifndef SENDMAIL_PATH
#define SENDMAIL_PATH		"/usr/sbin/sendmail"
#endif
#ifndef NEWALIASES_PATH
#define NEWALIASES_PATH		"/usr/bin/newaliases"
#endif
#ifndef MAILQ_PATH
#define MAILQ_PATH		"/usr/bin/mailq"
#endif
#ifndef MANPAGE_DIR
#define MANPAGE_DIR		"/usr/share/man"
#endif
#ifndef MAIL_OWNER		/* the unprivileged account of the daemons */
#define MAIL_OWNER		"postfix"
#endif
#ifndef SETGID_GROUP		/* kept for configuration compatibility */
#define SETGID_GROUP		"postdrop"
#endif
#ifndef ALIAS_FILE		/* alias_maps, alias_database (as cdb:) */
#define ALIAS_FILE		"/etc/aliases"
#endif
#ifndef DEFAULT_TABLE_TYPE	/* what hash: means in this build */
#define DEFAULT_TABLE_TYPE	"cdb"
#endif
#ifndef CONF_LINE_MAX		/* longest main.cf or table line */
#define CONF_LINE_MAX		(1024 * 1024)
#endif
#ifndef CONF_EXPAND_DEPTH	/* $name recursion limit, as Postfix */
#define CONF_EXPAND_DEPTH	100
#endif

#endif /* MTA_CONFIG_CONSTANTS */

/*
 * Section 2: runtime parameters, one row each, named as in Postfix:
 *
 *	PARAM(name, type, default, min, max, "one-line doc")
 *
 * Types: STR (with $name expansion), RAW (no expansion), INT (whole
 * number in [min, max]), BOOL (yes/no), TIME (a number with an optional
 * s/m/h/d/w unit; a bare number takes the unit of the default; min and
 * max in seconds, max 0 for no upper bound).  INT and TIME values may
 * hold $name too: they are expanded before they are parsed.  A NULL
 * default is computed at run time (myhostname, mydomain, mynetworks,
 * process_id, process_name) as Postfix does; lib/conf_default.c says how.
 *
 * Defaults are Postfix 3.7's, except paths (section 1), syslog_name, and
 * the parameters whose Postfix default depends on compatibility_level:
 * they hold the value of the current level (append_dot_mydomain,
 * mynetworks_style, relay_domains, smtpd_relay_restrictions,
 * smtputf8_enable), since mta has no backwards-compatible mode.
 * Rows are sorted by name in strcmp() order; postconf prints them so,
 * and conf.c finds them by binary search.
 */
#ifdef PARAM
#ifndef PMAX			/* "no upper bound" for INT rows */
#define PMAX			9223372036854775807LL
#endif
PARAM(2bounce_notice_recipient, STR, "postmaster", 0, 0,
    "Who gets a copy of undeliverable bounces (notify_classes 2bounce).")
PARAM(access_map_defer_code, INT, "450", 400, 599,
    "The reply code of DEFER in access(5) tables.")
PARAM(access_map_reject_code, INT, "554", 400, 599,
    "The reply code of REJECT in access(5) tables.")
PARAM(alias_database, STR, DEFAULT_TABLE_TYPE ":" ALIAS_FILE, 0, 0,
    "The alias databases that newaliases and sendmail -bi rebuild.")
PARAM(alias_maps, STR, DEFAULT_TABLE_TYPE ":" ALIAS_FILE, 0, 0,
    "The alias tables that local delivery searches.")
PARAM(allow_mail_to_commands, STR, "alias, forward", 0, 0,
    "Where a |command recipient is allowed: alias, forward, include.")
PARAM(allow_mail_to_files, STR, "alias, forward", 0, 0,
    "Where a /file/name recipient is allowed: alias, forward, include.")
PARAM(allow_min_user, BOOL, "no", 0, 0,
    "Accept addresses that start with '-' (they look like options).")
PARAM(allow_percent_hack, BOOL, "yes", 0, 0,
    "Rewrite user%domain to user@domain.")
PARAM(allow_untrusted_routing, BOOL, "no", 0, 0,
    "Relay sender-routed addresses (user@x@y, x!y@z) from untrusted clients.")
PARAM(always_add_missing_headers, BOOL, "no", 0, 0,
    "Add From:, To:, Date: and Message-Id: also to mail from remote clients.")
PARAM(always_bcc, STR, "", 0, 0,
    "An address that gets a blind copy of every message.")
PARAM(anvil_rate_time_unit, TIME, "60s", 1, 0,
    "The time unit of the smtpd_client_*_rate_limit counters.")
PARAM(append_at_myorigin, BOOL, "yes", 0, 0,
    "Append @$myorigin to locally posted addresses without a domain.")
PARAM(append_dot_mydomain, BOOL, "no", 0, 0,
    "Append .$mydomain to locally posted addresses of the form user@host.")
PARAM(authorized_flush_users, STR, "static:anyone", 0, 0,
    "Who may flush the queue with postqueue -f, -i or -s, or sendmail -q.")
PARAM(authorized_mailq_users, STR, "static:anyone", 0, 0,
    "Who may list the queue with mailq or postqueue -p.")
PARAM(authorized_submit_users, STR, "static:anyone", 0, 0,
    "Who may post mail with sendmail.")
PARAM(biff, BOOL, "yes", 0, 0,
    "Notify the comsat service of new mail in local mailboxes.")
PARAM(body_checks, STR, "", 0, 0,
    "Tables of patterns matched against each body line (REJECT, DISCARD...).")
PARAM(body_checks_size_limit, INT, "51200", 0, PMAX,
    "How many bytes of each body part body_checks looks at.")
PARAM(bounce_notice_recipient, STR, "postmaster", 0, 0,
    "Who gets the headers of bounced mail (notify_classes bounce).")
PARAM(bounce_queue_lifetime, TIME, "5d", 0, 8640000,
    "How long a bounce message may stay queued before it is dropped.")
PARAM(bounce_size_limit, INT, "50000", 1, PMAX,
    "How much of the original message a bounce returns, in bytes.")
PARAM(broken_sasl_auth_clients, BOOL, "no", 0, 0,
    "Also announce AUTH in the old AUTH=mech form of broken clients.")
PARAM(canonical_classes, STR, "envelope_sender, envelope_recipient, "
    "header_sender, header_recipient", 0, 0,
    "Which addresses canonical_maps rewrites.")
PARAM(canonical_maps, STR, "", 0, 0,
    "Tables that rewrite sender and recipient addresses (cleanup).")
PARAM(cleanup_replace_stray_cr_lf, BOOL, "yes", 0, 0,
    "Replace a CR or LF inside a content line with a space (no smuggling).")
PARAM(command_directory, STR, COMMAND_DIR, 0, 0,
    "Where the mail system commands are installed.")
PARAM(command_time_limit, TIME, "1000s", 1, 0,
    "The time limit of a local delivery to a command.")
PARAM(compatibility_level, STR, "3.6", 0, 0,
    "Accepted for main.cf compatibility; mta always has Postfix's current "
    "safe defaults.")
PARAM(config_directory, STR, CONFIG_DIR, 0, 0,
    "Where main.cf and master.cf are read from.")
PARAM(content_filter, STR, "", 0, 0,
    "A transport:nexthop that receives every message after the queue, for "
    "filtering.")
PARAM(daemon_directory, STR, DAEMON_DIR, 0, 0,
    "Where master finds the programs it runs.")
PARAM(daemon_timeout, TIME, "18000s", 1, 0,
    "How long a daemon may work on one request before it is killed.")
PARAM(data_directory, STR, DATA_DIR, 0, 0,
    "Where the writable data lives: pid and lock files.")
PARAM(debug_peer_level, INT, "2", 1, PMAX,
    "How much extra logging debug_peer_list clients get.")
PARAM(debug_peer_list, STR, "", 0, 0,
    "Clients and servers (names or networks) to log verbosely.")
PARAM(default_database_type, STR, DEFAULT_TABLE_TYPE, 0, 0,
    "The table type of a table named without one (postmap FILE).")
PARAM(default_destination_concurrency_limit, INT, "20", 0, PMAX,
    "Parallel deliveries to one destination, for transports without their own "
    "limit.")
PARAM(default_destination_rate_delay, TIME, "0s", 0, 0,
    "The pause between deliveries to one destination (0: none).")
PARAM(default_destination_recipient_limit, INT, "50", 0, PMAX,
    "Recipients per delivery, for transports without their own limit.")
PARAM(default_privs, STR, "nobody", 0, 0,
    "The account that deliveries to files and commands from aliases run as.")
PARAM(default_process_limit, INT, "100", 1, PMAX,
    "The most processes one master.cf service may run at once.")
PARAM(default_rbl_reply, RAW, "$rbl_code Service unavailable; $rbl_class "
    "[$rbl_what] blocked using $rbl_domain${rbl_reason?; $rbl_reason}", 0, 0,
    "The reply template of reject_rbl_client and friends.")
PARAM(default_recipient_limit, INT, "20000", 1, PMAX,
    "The most in-memory recipients one transport may hold in the queue "
    "manager.")
PARAM(default_transport, STR, "smtp", 0, 0,
    "The transport for mail to remote domains when transport_maps says "
    "nothing.")
PARAM(default_verp_delimiters, STR, "+=", 0, 0,
    "The two characters sendmail -V uses when it builds VERP addresses.")
PARAM(defer_code, INT, "450", 400, 599,
    "The reply code of a DEFER or defer_if_* restriction.")
PARAM(defer_transports, STR, "", 0, 0,
    "Transports whose mail is held until postqueue -f or sendmail -q.")
PARAM(delay_logging_resolution_limit, INT, "2", 0, 6,
    "How many decimals delays carry in delivery logs.")
PARAM(delay_notice_recipient, STR, "postmaster", 0, 0,
    "Who gets the headers of delayed mail (notify_classes delay).")
PARAM(delay_warning_time, TIME, "0h", 0, 0,
    "When to tell the sender that mail is delayed (0: never).")
PARAM(deliver_lock_attempts, INT, "20", 1, PMAX,
    "How many times local tries to lock a mailbox before it defers.")
PARAM(deliver_lock_delay, TIME, "1s", 1, 0,
    "The time between attempts to lock a mailbox.")
PARAM(detect_8bit_encoding_header, BOOL, "yes", 0, 0,
    "Content-Transfer-Encoding: 8bit or binary makes the mail 8BITMIME.")
PARAM(disable_dns_lookups, BOOL, "no", 0, 0,
    "Do not use DNS for delivery (obsolete: see smtp_host_lookup).")
PARAM(disable_mime_input_processing, BOOL, "no", 0, 0,
    "Treat the whole message as one text body, without MIME parsing.")
PARAM(disable_mime_output_conversion, BOOL, "no", 0, 0,
    "Never convert 8-bit mail to quoted-printable for 7-bit servers.")
PARAM(disable_vrfy_command, BOOL, "no", 0, 0,
    "Refuse the SMTP VRFY command (it reveals which addresses exist).")
PARAM(double_bounce_sender, STR, "double-bounce", 0, 0,
    "The sender of postmaster notices; mail to it is discarded.")
PARAM(duplicate_filter_limit, INT, "1000", 0, PMAX,
    "How many recipients local and cleanup remember to drop duplicates.")
PARAM(empty_address_recipient, STR, "MAILER-DAEMON", 0, 0,
    "Where mail to the empty address <> goes.")
PARAM(enable_long_queue_ids, BOOL, "no", 0, 0,
    "Use long, time-ordered queue IDs that are never reused.")
PARAM(enable_original_recipient, BOOL, "yes", 0, 0,
    "Record the original recipient, for X-Original-To: and duplicate removal.")
PARAM(error_notice_recipient, STR, "postmaster", 0, 0,
    "Who gets transcripts of protocol errors (notify_classes protocol).")
PARAM(expand_owner_alias, BOOL, "no", 0, 0,
    "Send bounces for an alias with an owner-alias to the owner's expansion.")
PARAM(export_environment, STR, "TZ MAIL_CONFIG LANG", 0, 0,
    "Environment variables passed to commands run by local delivery.")
PARAM(fallback_transport, STR, "", 0, 0,
    "Where local sends mail for users that are not in the password file.")
PARAM(fast_flush_domains, STR, "$relay_domains", 0, 0,
    "Domains that may ask for their mail with ETRN.")
PARAM(forward_expansion_filter, STR, "1234567890!@%-_=+:,./abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", 0, 0,
    "The characters allowed in $name values of forward_path (others become _).")
PARAM(forward_path, RAW, "$home/.forward${recipient_delimiter}${extension}, "
    "$home/.forward", 0, 0,
    "The .forward files that local delivery tries, first found wins.")
PARAM(hash_queue_depth, INT, "1", 1, PMAX,
    "Levels of hashed subdirectories in the hash_queue_names queues.")
PARAM(hash_queue_names, STR, "deferred, defer", 0, 0,
    "The queues that are split into hashed subdirectories.")
PARAM(header_address_token_limit, INT, "10240", 1, PMAX,
    "The most address tokens parsed in one message header.")
PARAM(header_checks, STR, "", 0, 0,
    "Tables of patterns matched against each header (REJECT, DISCARD...).")
PARAM(header_size_limit, INT, "102400", 1, PMAX,
    "The most bytes kept of one message header; the rest is dropped.")
PARAM(helpful_warnings, BOOL, "yes", 0, 0,
    "Log warnings about problematic configuration.")
PARAM(home_mailbox, STR, "", 0, 0,
    "A mailbox relative to the home directory (ends in / for Maildir).")
PARAM(hopcount_limit, INT, "50", 1, PMAX,
    "The most Received: headers before mail bounces as a loop.")
PARAM(html_directory, STR, "no", 0, 0,
    "Where the HTML documentation is installed (no: not installed).")
PARAM(import_environment, STR, "MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ "
    "XAUTHORITY DISPLAY LANG=C POSTLOG_SERVICE POSTLOG_HOSTNAME", 0, 0,
    "Environment variables that master passes to the programs it runs.")
PARAM(in_flow_delay, TIME, "1s", 0, 10,
    "How long a mail posting waits when the queue is busy.")
PARAM(inet_interfaces, STR, "all", 0, 0,
    "The addresses mail arrives on (smtpd binds them; smtp's loop check): "
    "all, loopback-only or a list.")
PARAM(inet_protocols, STR, "all", 0, 0,
    "The address families used: all, ipv4, ipv6.")
PARAM(initial_destination_concurrency, INT, "5", 1, PMAX,
    "Parallel deliveries to a destination before it has proved itself.")
PARAM(invalid_hostname_reject_code, INT, "501", 400, 599,
    "The reply code of reject_invalid_helo_hostname.")
PARAM(ipc_timeout, TIME, "3600s", 1, 0,
    "How long a process waits for another over a local socket.")
PARAM(line_length_limit, INT, "2048", 512, PMAX,
    "The longest line kept whole; longer lines are split.")
PARAM(lmtp_address_preference, STR, "any", 0, 0,
    "Which addresses of a mail server to try first: ipv4, ipv6, any.")
PARAM(lmtp_bind_address, STR, "", 0, 0,
    "The local IPv4 address lmtp connects from.")
PARAM(lmtp_bind_address6, STR, "", 0, 0,
    "The local IPv6 address lmtp connects from.")
PARAM(lmtp_body_checks, STR, "", 0, 0,
    "Body patterns applied by lmtp on the way out.")
PARAM(lmtp_connect_timeout, TIME, "0s", 0, 0,
    "How long lmtp waits for a TCP connection (0: the system limit).")
PARAM(lmtp_connection_cache_destinations, STR, "", 0, 0,
    "Destinations whose LMTP connections are always kept open for reuse "
    "(domain, relay host or socket path, without [] or :port).")
PARAM(lmtp_connection_cache_on_demand, BOOL, "yes", 0, 0,
    "Keep LMTP connections open for reuse while qmgr has more mail for "
    "the destination.")
PARAM(lmtp_connection_cache_time_limit, TIME, "2s", 1, 0,
    "How long an unused LMTP connection stays open for reuse.")
PARAM(lmtp_connection_reuse_count_limit, INT, "0", 0, PMAX,
    "How many times a LMTP connection may be reused (0: no limit).")
PARAM(lmtp_connection_reuse_time_limit, TIME, "300s", 1, 0,
    "How long after it was made a LMTP connection may still be reused.")
PARAM(lmtp_data_done_timeout, TIME, "600s", 1, 0,
    "How long lmtp waits for the reply to the final dot.")
PARAM(lmtp_data_init_timeout, TIME, "120s", 1, 0,
    "How long lmtp waits for the reply to DATA.")
PARAM(lmtp_data_xfer_timeout, TIME, "180s", 1, 0,
    "How long lmtp waits while sending the message content.")
PARAM(lmtp_enforce_tls, BOOL, "no", 0, 0,
    "Obsolete: with lmtp_tls_security_level empty, yes means level encrypt "
    "(verify with lmtp_tls_enforce_peername).")
PARAM(lmtp_fallback_relay, STR, "", 0, 0,
    "Hosts to try when the mail servers of a destination fail.")
PARAM(lmtp_generic_maps, STR, "", 0, 0,
    "Tables that rewrite addresses as mail leaves by lmtp.")
PARAM(lmtp_header_checks, STR, "", 0, 0,
    "Header patterns applied by lmtp on the way out.")
PARAM(lmtp_host_lookup, STR, "dns", 0, 0,
    "How lmtp finds the addresses of its servers: dns, native.")
PARAM(lmtp_lhlo_name, STR, "$myhostname", 0, 0,
    "The name lmtp sends in LHLO.")
PARAM(lmtp_lhlo_timeout, TIME, "300s", 1, 0,
    "How long lmtp waits for the greeting and the LHLO reply.")
PARAM(lmtp_line_length_limit, INT, "998", 0, PMAX,
    "Longer lines are folded by lmtp (0: never).")
PARAM(lmtp_mail_timeout, TIME, "300s", 1, 0,
    "How long lmtp waits for the reply to MAIL FROM.")
PARAM(lmtp_mx_address_limit, INT, "5", 0, PMAX,
    "The most server addresses lmtp tries per delivery (0: all).")
PARAM(lmtp_mx_session_limit, INT, "2", 0, PMAX,
    "The most LMTP sessions per delivery (0: no limit).")
PARAM(lmtp_quit_timeout, TIME, "300s", 1, 0,
    "How long lmtp waits for the reply to QUIT.")
PARAM(lmtp_rcpt_timeout, TIME, "300s", 1, 0,
    "How long lmtp waits for the reply to RCPT TO.")
PARAM(lmtp_rset_timeout, TIME, "20s", 1, 0,
    "How long lmtp waits for the reply to RSET on a reused connection.")
PARAM(lmtp_sasl_auth_enable, BOOL, "no", 0, 0,
    "Let lmtp authenticate to servers (with lmtp_sasl_password_maps).")
PARAM(lmtp_sasl_mechanism_filter, STR, "", 0, 0,
    "The SASL mechanisms lmtp may use (empty: all offered).")
PARAM(lmtp_sasl_password_maps, STR, "", 0, 0,
    "Tables of user:password keyed by next hop or sender.")
PARAM(lmtp_sasl_security_options, STR, "noplaintext, noanonymous", 0, 0,
    "Which SASL mechanisms lmtp refuses on plaintext sessions.")
PARAM(lmtp_sasl_tls_security_options, STR, "$lmtp_sasl_security_options", 0, 0,
    "Which SASL mechanisms lmtp refuses on TLS sessions.")
PARAM(lmtp_sasl_type, STR, "cyrus", 0, 0,
    "The SASL implementation of lmtp (mta has a built-in one).")
PARAM(lmtp_sender_dependent_authentication, BOOL, "no", 0, 0,
    "Look up lmtp_sasl_password_maps by sender address first.")
PARAM(lmtp_skip_5xx_greeting, BOOL, "yes", 0, 0,
    "Try the next server after a 5xx greeting.")
PARAM(lmtp_starttls_timeout, TIME, "300s", 1, 0,
    "How long lmtp waits for the TLS handshake.")
PARAM(lmtp_tls_CAfile, STR, "", 0, 0,
    "Trusted CA certificates for lmtp (empty: the system bundle).")
PARAM(lmtp_tls_CApath, STR, "", 0, 0,
    "A directory of trusted CA certificates for lmtp.")
PARAM(lmtp_tls_cert_file, STR, "", 0, 0,
    "The client certificate lmtp presents (PEM).")
PARAM(lmtp_tls_chain_files, STR, "", 0, 0,
    "Files of client keys and certificate chains (PEM).")
PARAM(lmtp_tls_ciphers, STR, "medium", 0, 0,
    "The cipher grade lmtp uses with opportunistic TLS.")
PARAM(lmtp_tls_enforce_peername, BOOL, "yes", 0, 0,
    "Obsolete: with lmtp_enforce_tls, the level is verify (no: encrypt).")
PARAM(lmtp_tls_exclude_ciphers, STR, "", 0, 0,
    "Ciphers lmtp never uses.")
PARAM(lmtp_tls_key_file, STR, "$lmtp_tls_cert_file", 0, 0,
    "The private key of lmtp_tls_cert_file (PEM).")
PARAM(lmtp_tls_loglevel, INT, "0", 0, 4,
    "How much lmtp logs about TLS.")
PARAM(lmtp_tls_mandatory_ciphers, STR, "medium", 0, 0,
    "The cipher grade lmtp uses with mandatory TLS.")
PARAM(lmtp_tls_mandatory_protocols, STR, ">=TLSv1", 0, 0,
    "The TLS versions lmtp accepts with mandatory TLS.")
PARAM(lmtp_tls_note_starttls_offer, BOOL, "no", 0, 0,
    "Log the servers that offer STARTTLS when lmtp does not use it.")
PARAM(lmtp_tls_policy_maps, STR, "", 0, 0,
    "Tables of per-destination TLS policies, searched with the next hop "
    "and, for a domain, each parent domain with a leading dot.")
PARAM(lmtp_tls_protocols, STR, ">=TLSv1", 0, 0,
    "The TLS versions lmtp accepts with opportunistic TLS.")
PARAM(lmtp_tls_secure_cert_match, STR, "nexthop", 0, 0,
    "The names a server certificate may match at level secure (hostname, "
    "nexthop, dot-nexthop, a name, .domain).")
PARAM(lmtp_tls_security_level, STR, "", 0, 0,
    "The TLS level of lmtp: none, may, encrypt, verify, secure (dane: "
    "may; dane-only: invalid).")
PARAM(lmtp_tls_servername, STR, "", 0, 0,
    "The SNI name lmtp sends (empty: none, hostname, nexthop).")
PARAM(lmtp_tls_session_cache_database, STR, "", 0, 0,
    "Accepted for compatibility: mta keeps no TLS session cache.")
PARAM(lmtp_tls_verify_cert_match, STR, "hostname", 0, 0,
    "The names a server certificate may match at level verify (hostname, "
    "nexthop, dot-nexthop, a name, .domain).")
PARAM(lmtp_tls_wrappermode, BOOL, "no", 0, 0,
    "Speak TLS from the start (port 465) instead of STARTTLS.")
PARAM(lmtp_use_tls, BOOL, "no", 0, 0,
    "Obsolete: with lmtp_tls_security_level empty, yes means level may.")
PARAM(local_command_shell, STR, "", 0, 0,
    "The shell that runs |command deliveries (empty: /bin/sh, or none when "
    "simple).")
PARAM(local_destination_concurrency_limit, INT, "2", 0, PMAX,
    "Parallel local deliveries to one recipient.")
PARAM(local_destination_recipient_limit, INT, "1", 0, PMAX,
    "Recipients per local delivery (1: one at a time).")
PARAM(local_header_rewrite_clients, STR, "permit_inet_interfaces", 0, 0,
    "Clients whose header addresses are rewritten as local mail.")
PARAM(local_recipient_maps, STR, "proxy:unix:passwd.byname $alias_maps", 0, 0,
    "Tables of local users; smtpd rejects other local recipients.")
PARAM(local_transport, STR, "local:$myhostname", 0, 0,
    "The transport for mail to $mydestination and $inet_interfaces.")
PARAM(luser_relay, RAW, "", 0, 0,
    "Where mail for unknown local users goes ($user, $domain... expand).")
PARAM(mail_name, STR, "Postfix", 0, 0,
    "The mail system's name in the SMTP greeting and in bounces.")
PARAM(mail_owner, STR, MAIL_OWNER, 0, 0,
    "The unprivileged account that owns the queue and runs the daemons.")
PARAM(mail_spool_directory, STR, "/var/mail", 0, 0,
    "Where mbox mailboxes live (ends in / for Maildir).")
PARAM(mail_version, STR, MTA_VERSION, 0, 0,
    "The version of mta (read-only).")
PARAM(mailbox_command, RAW, "", 0, 0,
    "A command that delivers to the mailbox instead of local (e.g. procmail).")
PARAM(mailbox_command_maps, STR, "", 0, 0,
    "Tables of per-user mailbox_command values.")
PARAM(mailbox_delivery_lock, STR, "fcntl, dotlock", 0, 0,
    "How local locks an mbox mailbox: fcntl, flock, dotlock.")
PARAM(mailbox_size_limit, INT, "51200000", 0, PMAX,
    "The largest mailbox or maildir file local writes to (0: no limit).")
PARAM(mailbox_transport, STR, "", 0, 0,
    "A transport that takes mailbox deliveries from local (e.g. lmtp:...).")
PARAM(maillog_file, STR, "", 0, 0,
    "A file (or /dev/stdout) that replaces syslog for the mail log.")
PARAM(maillog_file_prefixes, STR, "/var, /dev/stdout", 0, 0,
    "The directories maillog_file is allowed in.")
PARAM(mailq_path, STR, MAILQ_PATH, 0, 0,
    "Where the mailq command is installed.")
PARAM(manpage_directory, STR, MANPAGE_DIR, 0, 0,
    "Where the manual pages are installed.")
PARAM(maps_rbl_reject_code, INT, "554", 400, 599,
    "The reply code ($rbl_code) when a client is in a DNS blocklist.")
PARAM(masquerade_classes, STR, "envelope_sender, header_sender, "
    "header_recipient", 0, 0,
    "Which addresses masquerade_domains rewrites.")
PARAM(masquerade_domains, STR, "", 0, 0,
    "Domains whose subdomains are hidden: user@host.dom becomes user@dom.")
PARAM(masquerade_exceptions, STR, "", 0, 0,
    "Users whose addresses are never masqueraded (root, ...).")
PARAM(max_idle, TIME, "100s", 1, 0,
    "How long a service process (smtpd, cleanup, a delivery agent, "
    "showq) waits for its next client before it exits.")
PARAM(max_use, INT, "100", 1, PMAX,
    "How many clients a service process serves before it exits.")
PARAM(maximal_backoff_time, TIME, "4000s", 1, 0,
    "The longest wait between two attempts to deliver deferred mail.")
PARAM(maximal_queue_lifetime, TIME, "5d", 0, 8640000,
    "How long a message may stay queued before it bounces.")
PARAM(message_reject_characters, STR, "", 0, 0,
    "Characters that make cleanup reject a message.")
PARAM(message_size_limit, INT, "10240000", 0, PMAX,
    "The largest message accepted, in bytes (0: no limit).")
PARAM(message_strip_characters, STR, "", 0, 0,
    "Characters that cleanup removes from messages.")
PARAM(mime_header_checks, STR, "$header_checks", 0, 0,
    "Tables of patterns matched against MIME headers.")
PARAM(minimal_backoff_time, TIME, "300s", 1, 0,
    "The shortest wait before another attempt to deliver deferred mail.")
PARAM(multi_recipient_bounce_reject_code, INT, "550", 400, 599,
    "The reply code of reject_multi_recipient_bounce.")
PARAM(mydestination, STR, "$myhostname, localhost.$mydomain, localhost", 0, 0,
    "The domains delivered locally.")
PARAM(mydomain, STR, NULL, 0, 0,
    "The internet domain of this system (default: $myhostname less its first "
    "label, or localdomain).")
PARAM(myhostname, STR, NULL, 0, 0,
    "The fully qualified host name (default: gethostname(), plus .$mydomain "
    "when it has no dot).")
PARAM(mynetworks, STR, NULL, 0, 0,
    "Trusted client networks, allowed to relay (default: from "
    "mynetworks_style).")
PARAM(mynetworks_style, STR, "host", 0, 0,
    "What mynetworks holds by default: host, subnet or class.")
PARAM(myorigin, STR, "$myhostname", 0, 0,
    "The domain appended to locally posted unqualified addresses.")
PARAM(nested_header_checks, STR, "$header_checks", 0, 0,
    "Tables of patterns matched against headers of attached messages.")
PARAM(newaliases_path, STR, NEWALIASES_PATH, 0, 0,
    "Where the newaliases command is installed.")
PARAM(non_fqdn_reject_code, INT, "504", 400, 599,
    "The reply code of the reject_non_fqdn_* restrictions.")
PARAM(notify_classes, STR, "resource, software", 0, 0,
    "Which problems are reported to the postmaster: bounce, 2bounce, delay, "
    "policy, protocol, resource, software.")
PARAM(owner_request_special, BOOL, "yes", 0, 0,
    "Send mail for owner-x and x-request the usual list way.")
PARAM(parent_domain_matches_subdomains, STR, "debug_peer_list,"
    "fast_flush_domains,mynetworks,permit_mx_backup_networks,"
    "qmqpd_authorized_clients,relay_domains,smtpd_access_maps", 0, 0,
    "The lists where a domain name also matches its subdomains.")
PARAM(permit_mx_backup_networks, STR, "", 0, 0,
    "Networks of primary MX hosts for which permit_mx_backup relays.")
PARAM(plaintext_reject_code, INT, "450", 400, 599,
    "The reply code of reject_plaintext_session.")
PARAM(prepend_delivered_header, STR, "command, file, forward", 0, 0,
    "Where local adds Delivered-To: besides mailboxes: command, file, forward.")
PARAM(process_id, STR, NULL, 0, 0,
    "The process ID of the running program (read-only).")
PARAM(process_name, STR, NULL, 0, 0,
    "The name of the running program (read-only).")
PARAM(propagate_unmatched_extensions, STR, "canonical, virtual", 0, 0,
    "Where an address extension carries over to the rewritten address.")
PARAM(proxy_interfaces, STR, "", 0, 0,
    "Addresses of a proxy or NAT in front of this host, treated as local "
    "(smtp's loop check too).")
PARAM(qmgr_message_active_limit, INT, "20000", 1, PMAX,
    "The most messages in the active queue.")
PARAM(qmgr_message_recipient_limit, INT, "20000", 1, PMAX,
    "The most recipients held in memory by the queue manager.")
PARAM(queue_directory, STR, QUEUE_DIR, 0, 0,
    "The top of the mail queue.")
PARAM(queue_minfree, INT, "0", 0, PMAX,
    "Bytes of queue file system space that must stay free to accept mail.")
PARAM(queue_run_delay, TIME, "300s", 1, 0,
    "How often the deferred queue is scanned.")
PARAM(rbl_reply_maps, STR, "", 0, 0,
    "Tables of reply templates by DNS blocklist domain.")
PARAM(readme_directory, STR, "no", 0, 0,
    "Where the README files are installed (no: not installed).")
PARAM(receive_override_options, STR, "", 0, 0,
    "Switch off cleanup steps for mail received on a service "
    "(no_address_mappings...).")
PARAM(recipient_bcc_maps, STR, "", 0, 0,
    "Tables of blind copy addresses keyed by recipient.")
PARAM(recipient_canonical_classes, STR, "envelope_recipient, header_recipient",
    0, 0,
    "Which addresses recipient_canonical_maps rewrites.")
PARAM(recipient_canonical_maps, STR, "", 0, 0,
    "Tables that rewrite recipient addresses, before canonical_maps.")
PARAM(recipient_delimiter, STR, "", 0, 0,
    "The characters that separate a user name from an extension (user+ext).")
PARAM(reject_code, INT, "554", 400, 599,
    "The reply code of a REJECT restriction.")
PARAM(reject_tempfail_action, STR, "defer_if_permit", 0, 0,
    "What reject_unknown_* checks do on DNS failure: defer_if_permit, defer.")
PARAM(relay_domains, STR, "", 0, 0,
    "Remote domains this host relays mail to (as a backup MX or gateway).")
PARAM(relay_domains_reject_code, INT, "554", 400, 599,
    "The reply code when a client may not relay.")
PARAM(relay_recipient_maps, STR, "", 0, 0,
    "Tables of valid recipients in relay_domains; others are rejected.")
PARAM(relay_transport, STR, "relay", 0, 0,
    "The transport for mail to relay_domains.")
PARAM(relayhost, STR, "", 0, 0,
    "The next hop for all remote mail, e.g. [smtp.example.com]:587 (empty: "
    "DNS).")
PARAM(relocated_maps, STR, "", 0, 0,
    "Tables of moved users: mail to them bounces with the new address.")
PARAM(remote_header_rewrite_domain, STR, "", 0, 0,
    "The domain added to incomplete header addresses in remote mail (empty: "
    "none).")
PARAM(require_home_directory, BOOL, "no", 0, 0,
    "Defer mailbox delivery when the user's home directory is missing.")
PARAM(resolve_dequoted_address, BOOL, "yes", 0, 0,
    "Resolve \"user@x\"@y by the domain outside the quotes... as Postfix.")
PARAM(resolve_null_domain, BOOL, "no", 0, 0,
    "Resolve user@ (an empty domain) as a non-local address.")
PARAM(resolve_numeric_domain, BOOL, "no", 0, 0,
    "Resolve user@ipaddress as local when ipaddress is a local interface.")
PARAM(sender_bcc_maps, STR, "", 0, 0,
    "Tables of blind copy addresses keyed by sender.")
PARAM(sender_canonical_classes, STR, "envelope_sender, header_sender", 0, 0,
    "Which addresses sender_canonical_maps rewrites.")
PARAM(sender_canonical_maps, STR, "", 0, 0,
    "Tables that rewrite sender addresses, before canonical_maps.")
PARAM(sendmail_path, STR, SENDMAIL_PATH, 0, 0,
    "Where the sendmail command is installed.")
PARAM(sendmail_relay, STR, "", 0, 0,
    "mta only: where sendmail relays straight to when there is no writable "
    "queue (empty: relayhost).")
PARAM(service_name, STR, "", 0, 0,
    "The master.cf service name of a daemon, set by master (read-only).")
PARAM(service_throttle_time, TIME, "60s", 0, 0,
    "How long master waits before it restarts a service that failed.")
PARAM(setgid_group, STR, SETGID_GROUP, 0, 0,
    "Unused: maildrop's group is mail_owner's (no set-gid program).")
PARAM(show_user_unknown_table_name, BOOL, "yes", 0, 0,
    "Name the table in \"User unknown\" replies.")
PARAM(smtp_address_preference, STR, "any", 0, 0,
    "Which addresses of a mail server to try first: ipv4, ipv6, any.")
PARAM(smtp_bind_address, STR, "", 0, 0,
    "The local IPv4 address smtp connects from.")
PARAM(smtp_bind_address6, STR, "", 0, 0,
    "The local IPv6 address smtp connects from.")
PARAM(smtp_body_checks, STR, "", 0, 0,
    "Body patterns applied by smtp on the way out.")
PARAM(smtp_connect_timeout, TIME, "30s", 0, 0,
    "How long smtp waits for a TCP connection (0: the system limit).")
PARAM(smtp_connection_cache_destinations, STR, "", 0, 0,
    "Destinations whose SMTP connections are always kept open for reuse "
    "(domain, relay host or socket path, without [] or :port).")
PARAM(smtp_connection_cache_on_demand, BOOL, "yes", 0, 0,
    "Keep SMTP connections open for reuse while qmgr has more mail for "
    "the destination.")
PARAM(smtp_connection_cache_time_limit, TIME, "2s", 1, 0,
    "How long an unused SMTP connection stays open for reuse.")
PARAM(smtp_connection_reuse_count_limit, INT, "0", 0, PMAX,
    "How many times a SMTP connection may be reused (0: no limit).")
PARAM(smtp_connection_reuse_time_limit, TIME, "300s", 1, 0,
    "How long after it was made a SMTP connection may still be reused.")
PARAM(smtp_data_done_timeout, TIME, "600s", 1, 0,
    "How long smtp waits for the reply to the final dot.")
PARAM(smtp_data_init_timeout, TIME, "120s", 1, 0,
    "How long smtp waits for the reply to DATA.")
PARAM(smtp_data_xfer_timeout, TIME, "180s", 1, 0,
    "How long smtp waits while sending the message content.")
PARAM(smtp_enforce_tls, BOOL, "no", 0, 0,
    "Obsolete: with smtp_tls_security_level empty, yes means level encrypt "
    "(verify with smtp_tls_enforce_peername).")
PARAM(smtp_fallback_relay, STR, "$fallback_relay", 0, 0,
    "Hosts to try when the mail servers of a destination fail.")
PARAM(smtp_generic_maps, STR, "", 0, 0,
    "Tables that rewrite addresses as mail leaves by smtp.")
PARAM(smtp_header_checks, STR, "", 0, 0,
    "Header patterns applied by smtp on the way out.")
PARAM(smtp_helo_name, STR, "$myhostname", 0, 0,
    "The name smtp sends in HELO and EHLO.")
PARAM(smtp_helo_timeout, TIME, "300s", 1, 0,
    "How long smtp waits for the greeting and the EHLO reply.")
PARAM(smtp_host_lookup, STR, "dns", 0, 0,
    "How smtp finds mail servers: dns, native, or both.")
PARAM(smtp_line_length_limit, INT, "998", 0, PMAX,
    "Longer lines are folded by smtp (0: never).")
PARAM(smtp_mail_timeout, TIME, "300s", 1, 0,
    "How long smtp waits for the reply to MAIL FROM.")
PARAM(smtp_mx_address_limit, INT, "5", 0, PMAX,
    "The most server addresses smtp tries per delivery (0: all).")
PARAM(smtp_mx_session_limit, INT, "2", 0, PMAX,
    "The most SMTP sessions per delivery (0: no limit).")
PARAM(smtp_quit_timeout, TIME, "300s", 1, 0,
    "How long smtp waits for the reply to QUIT.")
PARAM(smtp_rcpt_timeout, TIME, "300s", 1, 0,
    "How long smtp waits for the reply to RCPT TO.")
PARAM(smtp_rset_timeout, TIME, "20s", 1, 0,
    "How long smtp waits for the reply to RSET on a reused connection.")
PARAM(smtp_sasl_auth_enable, BOOL, "no", 0, 0,
    "Let smtp authenticate to servers (with smtp_sasl_password_maps).")
PARAM(smtp_sasl_mechanism_filter, STR, "", 0, 0,
    "The SASL mechanisms smtp may use (empty: all offered).")
PARAM(smtp_sasl_password_maps, STR, "", 0, 0,
    "Tables of user:password keyed by next hop or sender.")
PARAM(smtp_sasl_security_options, STR, "noplaintext, noanonymous", 0, 0,
    "Which SASL mechanisms smtp refuses on plaintext sessions.")
PARAM(smtp_sasl_tls_security_options, STR, "$smtp_sasl_security_options", 0, 0,
    "Which SASL mechanisms smtp refuses on TLS sessions.")
PARAM(smtp_sasl_type, STR, "cyrus", 0, 0,
    "The SASL implementation of smtp (mta has a built-in one).")
PARAM(smtp_sender_dependent_authentication, BOOL, "no", 0, 0,
    "Look up smtp_sasl_password_maps by sender address first.")
PARAM(smtp_skip_5xx_greeting, BOOL, "yes", 0, 0,
    "Try the next server after a 5xx greeting.")
PARAM(smtp_starttls_timeout, TIME, "300s", 1, 0,
    "How long smtp waits for the TLS handshake.")
PARAM(smtp_tls_CAfile, STR, "", 0, 0,
    "Trusted CA certificates for smtp (with smtp_tls_CApath also empty: "
    "the system bundle at levels verify and secure).")
PARAM(smtp_tls_CApath, STR, "", 0, 0,
    "A directory of trusted CA certificates (PEM files) for smtp.")
PARAM(smtp_tls_cert_file, STR, "", 0, 0,
    "The client certificate smtp presents (PEM).")
PARAM(smtp_tls_chain_files, STR, "", 0, 0,
    "Files of client keys and certificate chains (PEM).")
PARAM(smtp_tls_ciphers, STR, "medium", 0, 0,
    "The cipher grade smtp uses at level may (export, low, medium: all "
    "suites; high: 256-bit AEAD only; null: none).")
PARAM(smtp_tls_enforce_peername, BOOL, "yes", 0, 0,
    "Obsolete: with smtp_enforce_tls, the level is verify (no: encrypt).")
PARAM(smtp_tls_exclude_ciphers, STR, "", 0, 0,
    "Ciphers smtp never uses: OpenSSL names or aliases (SHA1, AES128, "
    "kRSA...).")
PARAM(smtp_tls_key_file, STR, "$smtp_tls_cert_file", 0, 0,
    "The private key of smtp_tls_cert_file (PEM).")
PARAM(smtp_tls_loglevel, INT, "0", 0, 4,
    "How much smtp logs about TLS (1: each session, 2: also its start).")
PARAM(smtp_tls_mandatory_ciphers, STR, "medium", 0, 0,
    "The cipher grade smtp uses from level encrypt up.")
PARAM(smtp_tls_mandatory_protocols, STR, ">=TLSv1", 0, 0,
    "The TLS versions smtp uses from level encrypt up (mta has TLSv1 to "
    "TLSv1.2).")
PARAM(smtp_tls_note_starttls_offer, BOOL, "no", 0, 0,
    "Log the servers that offer STARTTLS when smtp does not use it.")
PARAM(smtp_tls_policy_maps, STR, "", 0, 0,
    "Tables of per-destination TLS policies, searched with the next hop "
    "and, for a domain, each parent domain with a leading dot.")
PARAM(smtp_tls_protocols, STR, ">=TLSv1", 0, 0,
    "The TLS versions smtp uses at level may.")
PARAM(smtp_tls_secure_cert_match, STR, "nexthop, dot-nexthop", 0, 0,
    "The names a server certificate may match at level secure (hostname, "
    "nexthop, dot-nexthop, a name, .domain).")
PARAM(smtp_tls_security_level, STR, "", 0, 0,
    "The TLS level of smtp: none, may, encrypt, verify, secure (dane: "
    "may; dane-only: invalid).")
PARAM(smtp_tls_servername, STR, "", 0, 0,
    "The SNI name smtp sends (empty: none, hostname, nexthop).")
PARAM(smtp_tls_session_cache_database, STR, "", 0, 0,
    "Accepted for compatibility: mta keeps no TLS session cache.")
PARAM(smtp_tls_verify_cert_match, STR, "hostname", 0, 0,
    "The names a server certificate may match at level verify (hostname, "
    "nexthop, dot-nexthop, a name, .domain).")
PARAM(smtp_tls_wrappermode, BOOL, "no", 0, 0,
    "Speak TLS from the start (port 465) instead of STARTTLS.")
PARAM(smtp_use_tls, BOOL, "no", 0, 0,
    "Obsolete: with smtp_tls_security_level empty, yes means level may.")
PARAM(smtpd_authorized_xclient_hosts, STR, "", 0, 0,
    "Clients allowed to use XCLIENT.")
PARAM(smtpd_banner, STR, "$myhostname ESMTP $mail_name", 0, 0,
    "The text after 220 in the SMTP greeting.")
PARAM(smtpd_client_auth_rate_limit, INT, "0", 0, PMAX,
    "AUTH commands per anvil_rate_time_unit one client may send (0: no limit).")
PARAM(smtpd_client_connection_count_limit, INT, "50", 0, PMAX,
    "Simultaneous connections one client may have (0: no limit).")
PARAM(smtpd_client_connection_rate_limit, INT, "0", 0, PMAX,
    "Connections per anvil_rate_time_unit one client may make (0: no limit).")
PARAM(smtpd_client_event_limit_exceptions, STR,
    "${smtpd_client_connection_limit_exceptions:$mynetworks}",
    0, 0,
    "Clients exempt from the connection and rate limits.")
PARAM(smtpd_client_message_rate_limit, INT, "0", 0, PMAX,
    "Messages per anvil_rate_time_unit one client may send (0: no limit).")
PARAM(smtpd_client_port_logging, BOOL, "no", 0, 0,
    "Log the client's port number too.")
PARAM(smtpd_client_recipient_rate_limit, INT, "0", 0, PMAX,
    "Recipients per anvil_rate_time_unit one client may give (0: no limit).")
PARAM(smtpd_client_restrictions, STR, "", 0, 0,
    "Restrictions applied to the client's address and name.")
PARAM(smtpd_data_restrictions, STR, "", 0, 0,
    "Restrictions applied to the DATA command.")
PARAM(smtpd_delay_reject, BOOL, "yes", 0, 0,
    "Wait for RCPT TO before rejecting on client, HELO or sender "
    "restrictions.")
PARAM(smtpd_discard_ehlo_keywords, STR, "", 0, 0,
    "EHLO keywords smtpd does not announce (e.g. pipelining, silent-discard).")
PARAM(smtpd_end_of_data_restrictions, STR, "", 0, 0,
    "Restrictions applied after the end of the message.")
PARAM(smtpd_error_sleep_time, TIME, "1s", 0, 0,
    "The pause before each error reply once the soft error limit is reached.")
PARAM(smtpd_etrn_restrictions, STR, "", 0, 0,
    "Restrictions applied to the ETRN command.")
PARAM(smtpd_expansion_filter, RAW,
    "\\t\\40!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "[\\\\]^_`abcdefghijklmnopqrstuvwxyz{|}~",
    0, 0,
    "The characters allowed in $name expansions of smtpd's reply texts.")
PARAM(smtpd_forbid_bare_newline, STR, "no", 0, 0,
    "Reject (yes) or log (normalize) bare LF in SMTP commands and data.")
PARAM(smtpd_forbid_bare_newline_exclusions, STR, "$mynetworks", 0, 0,
    "Clients exempt from smtpd_forbid_bare_newline.")
PARAM(smtpd_forbid_bare_newline_reject_code, INT, "550", 400, 599,
    "The reply code when smtpd_forbid_bare_newline = reject refuses a client.")
PARAM(smtpd_forbid_unauth_pipelining, BOOL, "yes", 0, 0,
    "Disconnect clients that talk before the greeting or pipeline commands "
    "before EHLO allows it (Postfix >= 3.9: yes).")
PARAM(smtpd_forbidden_commands, STR, "CONNECT GET POST", 0, 0,
    "Commands that end the session at once (web proxies talking HTTP to "
    "port 25); lines that look like message headers always do.")
PARAM(smtpd_hard_error_limit, INT, "${stress?{1}:{20}}", 1, PMAX,
    "The errors after which smtpd disconnects.")
PARAM(smtpd_helo_required, BOOL, "no", 0, 0,
    "Require HELO or EHLO before MAIL FROM.")
PARAM(smtpd_helo_restrictions, STR, "", 0, 0,
    "Restrictions applied to the HELO or EHLO name.")
PARAM(smtpd_history_flush_threshold, INT, "100", 0, PMAX,
    "The most session history lines kept for a postmaster notice.")
PARAM(smtpd_junk_command_limit, INT, "${stress?{1}:{100}}", 1, PMAX,
    "The most NOOP, VRFY, ETRN and RSET commands in a session.")
PARAM(smtpd_null_access_lookup_key, STR, "<>", 0, 0,
    "The key looked up in access tables for the null sender.")
PARAM(smtpd_peername_lookup, BOOL, "yes", 0, 0,
    "Look up the client's host name in DNS.")
PARAM(smtpd_recipient_limit, INT, "1000", 1, PMAX,
    "The most recipients of one message.")
PARAM(smtpd_recipient_overshoot_limit, INT, "1000", 1, PMAX,
    "Recipients past smtpd_recipient_limit that count as errors.")
PARAM(smtpd_recipient_restrictions, STR, "", 0, 0,
    "Restrictions applied to RCPT TO, after smtpd_relay_restrictions.")
PARAM(smtpd_reject_footer, STR, "", 0, 0,
    "Text appended to smtpd's 4xx and 5xx replies.")
PARAM(smtpd_reject_unlisted_recipient, BOOL, "yes", 0, 0,
    "Reject recipients that no table knows in a local or virtual domain.")
PARAM(smtpd_reject_unlisted_sender, BOOL, "no", 0, 0,
    "Reject senders that would be rejected as unknown recipients.")
PARAM(smtpd_relay_restrictions, STR, "permit_mynetworks, "
    "permit_sasl_authenticated, defer_unauth_destination", 0, 0,
    "Restrictions on relaying, applied to RCPT TO.")
PARAM(smtpd_restriction_classes, STR, "", 0, 0,
    "Names of user-defined restriction lists, each set as a parameter.")
PARAM(smtpd_sasl_auth_enable, BOOL, "no", 0, 0,
    "Offer SMTP AUTH.")
PARAM(smtpd_sasl_authenticated_header, BOOL, "no", 0, 0,
    "Name the authenticated user in the Received: header.")
PARAM(smtpd_sasl_exceptions_networks, STR, "", 0, 0,
    "Clients to which smtpd does not offer AUTH.")
PARAM(smtpd_sasl_local_domain, STR, "", 0, 0,
    "The realm appended to SASL user names.")
PARAM(smtpd_sasl_password_maps, STR, "", 0, 0,
    "With smtpd_sasl_type = mta: tables of user name to crypt(3) hash.")
PARAM(smtpd_sasl_path, STR, "smtpd", 0, 0,
    "dovecot: the auth socket (under queue_directory, or inet:host:port).")
PARAM(smtpd_sasl_security_options, STR, "noanonymous", 0, 0,
    "Which SASL mechanisms smtpd refuses on plaintext sessions.")
PARAM(smtpd_sasl_service, STR, "smtp", 0, 0,
    "The service name passed to the SASL server.")
PARAM(smtpd_sasl_tls_security_options, STR, "$smtpd_sasl_security_options",
    0, 0,
    "Which SASL mechanisms smtpd refuses on TLS sessions.")
PARAM(smtpd_sasl_type, STR, "cyrus", 0, 0,
    "The SASL server: mta (smtpd_sasl_password_maps) or dovecot.")
PARAM(smtpd_sender_login_maps, STR, "", 0, 0,
    "Tables of the SASL logins that own each sender address.")
PARAM(smtpd_sender_restrictions, STR, "", 0, 0,
    "Restrictions applied to MAIL FROM.")
PARAM(smtpd_soft_error_limit, INT, "10", 1, PMAX,
    "The errors after which smtpd sleeps smtpd_error_sleep_time per error.")
PARAM(smtpd_starttls_timeout, TIME, "${stress?{10}:{300}}s", 1, 0,
    "How long smtpd waits for the TLS handshake.")
PARAM(smtpd_timeout, TIME, "${stress?{10}:{300}}s", 1, 0,
    "How long smtpd waits for a client command or data.")
PARAM(smtpd_tls_CAfile, STR, "", 0, 0,
    "CAs that smtpd names when it asks for client certificates, and "
    "trusts.")
PARAM(smtpd_tls_CApath, STR, "", 0, 0,
    "A directory of such CAs (PEM files).")
PARAM(smtpd_tls_ask_ccert, BOOL, "no", 0, 0,
    "Ask TLS clients for a certificate (needs smtpd_tls_CAfile or "
    "smtpd_tls_CApath).")
PARAM(smtpd_tls_auth_only, BOOL, "no", 0, 0,
    "Offer SMTP AUTH only after STARTTLS.")
PARAM(smtpd_tls_cert_file, STR, "", 0, 0,
    "The server certificate smtpd presents (PEM).")
PARAM(smtpd_tls_chain_files, STR, "", 0, 0,
    "Files of server keys and certificate chains (PEM).")
PARAM(smtpd_tls_ciphers, STR, "medium", 0, 0,
    "The cipher grade smtpd uses at level may (export, low, medium: all "
    "suites; high: 256-bit AEAD only; null: none).")
PARAM(smtpd_tls_exclude_ciphers, STR, "", 0, 0,
    "Ciphers smtpd never uses: OpenSSL names or aliases (SHA1, AES128, "
    "kRSA...).")
PARAM(smtpd_tls_key_file, STR, "$smtpd_tls_cert_file", 0, 0,
    "The private key of smtpd_tls_cert_file (PEM).")
PARAM(smtpd_tls_loglevel, INT, "0", 0, 4,
    "How much smtpd logs about TLS (1: each session, 2: also its start).")
PARAM(smtpd_tls_mandatory_ciphers, STR, "medium", 0, 0,
    "The cipher grade smtpd uses at level encrypt and in wrapper mode.")
PARAM(smtpd_tls_mandatory_protocols, STR, ">=TLSv1", 0, 0,
    "The TLS versions smtpd accepts at level encrypt and in wrapper mode.")
PARAM(smtpd_tls_protocols, STR, ">=TLSv1", 0, 0,
    "The TLS versions smtpd accepts at level may (mta has TLSv1 to "
    "TLSv1.2).")
PARAM(smtpd_tls_received_header, BOOL, "no", 0, 0,
    "Name the TLS protocol and cipher in the Received: header.")
PARAM(smtpd_tls_req_ccert, BOOL, "no", 0, 0,
    "Require a trusted client certificate at level encrypt (421 4.7.1 "
    "without one).")
PARAM(smtpd_tls_security_level, STR, "", 0, 0,
    "The TLS level of smtpd: none, may (offer STARTTLS), encrypt (require "
    "it).")
PARAM(smtpd_tls_session_cache_database, STR, "", 0, 0,
    "Accepted for compatibility: mta keeps no TLS session cache.")
PARAM(smtpd_tls_wrappermode, BOOL, "no", 0, 0,
    "Speak TLS from the start (port 465) instead of STARTTLS.")
PARAM(smtputf8_enable, BOOL, "yes", 0, 0,
    "Offer SMTPUTF8 and accept UTF-8 addresses.")
PARAM(soft_bounce, BOOL, "no", 0, 0,
    "Turn hard bounces into deferrals and 5xx replies into 4xx (for testing).")
PARAM(stale_lock_time, TIME, "500s", 1, 0,
    "The age at which a mailbox dot-lock file is removed as stale.")
PARAM(strict_rfc821_envelopes, BOOL, "no", 0, 0,
    "Require <> around MAIL FROM and RCPT TO addresses.")
PARAM(swap_bangpath, BOOL, "yes", 0, 0,
    "Rewrite site!user to user@site.")
PARAM(syslog_facility, STR, "mail", 0, 0,
    "The syslog facility of the mail log.")
PARAM(syslog_name, STR, "mta", 0, 0,
    "The prefix of the program name in log lines (mta/smtpd[PID]).")
PARAM(tls_random_source, STR, "dev:/dev/urandom", 0, 0,
    "Where TLS gets its random numbers.")
PARAM(transport_maps, STR, "", 0, 0,
    "Tables that map a recipient domain to transport:nexthop.")
PARAM(transport_retry_time, TIME, "60s", 1, 0,
    "How long the queue manager waits before it tries a failed transport "
    "again.")
PARAM(trigger_timeout, TIME, "10s", 1, 0,
    "How long a wake-up of qmgr or pickup may take.")
PARAM(undisclosed_recipients_header, STR, "", 0, 0,
    "The header added to mail without a recipient header (empty: none).")
PARAM(unknown_address_reject_code, INT, "450", 400, 599,
    "The reply code when a sender or recipient domain does not resolve.")
PARAM(unknown_address_tempfail_action, STR, "$reject_tempfail_action",
    0, 0, "What reject_unknown_*_domain does on a DNS failure.")
PARAM(unknown_client_reject_code, INT, "450", 400, 599,
    "The reply code of reject_unknown_client_hostname.")
PARAM(unknown_helo_hostname_tempfail_action, STR,
    "$reject_tempfail_action", 0, 0,
    "What reject_unknown_helo_hostname does on a DNS failure.")
PARAM(unknown_hostname_reject_code, INT, "450", 400, 599,
    "The reply code of reject_unknown_helo_hostname.")
PARAM(unknown_local_recipient_reject_code, INT, "550", 400, 599,
    "The reply code for an unknown user in a local domain.")
PARAM(unknown_relay_recipient_reject_code, INT, "550", 400, 599,
    "The reply code for a recipient not in relay_recipient_maps.")
PARAM(unknown_virtual_alias_reject_code, INT, "550", 400, 599,
    "The reply code for a recipient not in virtual_alias_maps.")
PARAM(unknown_virtual_mailbox_reject_code, INT, "550", 400, 599,
    "The reply code for a recipient not in virtual_mailbox_maps.")
PARAM(unverified_recipient_reject_code, INT, "450", 400, 599,
    "The reply code of reject_unverified_recipient.")
PARAM(virtual_alias_address_length_limit, INT, "1000", 1, PMAX,
    "The longest address virtual alias expansion may produce.")
PARAM(virtual_alias_domains, STR, "$virtual_alias_maps", 0, 0,
    "Domains whose every address is an alias in virtual_alias_maps.")
PARAM(virtual_alias_expansion_limit, INT, "1000", 1, PMAX,
    "The most addresses one virtual alias may expand to.")
PARAM(virtual_alias_maps, STR, "$virtual_maps", 0, 0,
    "Tables that rewrite recipient addresses to other addresses (cleanup).")
PARAM(virtual_alias_recursion_limit, INT, "1000", 1, PMAX,
    "The most levels of nested virtual alias expansion.")
PARAM(virtual_mailbox_base, STR, "", 0, 0,
    "The directory under which virtual_mailbox_maps paths live.")
PARAM(virtual_mailbox_domains, STR, "$virtual_mailbox_maps", 0, 0,
    "Domains delivered by virtual_transport to mailboxes.")
PARAM(virtual_mailbox_limit, INT, "51200000", 0, PMAX,
    "The largest virtual mailbox file (0: no limit).")
PARAM(virtual_mailbox_maps, STR, "", 0, 0,
    "Tables of mailbox paths for addresses in virtual_mailbox_domains.")
PARAM(virtual_transport, STR, "virtual", 0, 0,
    "The transport for mail to virtual_mailbox_domains.")
#endif /* PARAM */

/*
 * Section 3: parameters that mta accepts but that change nothing, one row
 * each, sorted by name:
 *
 *	NOOP(name, "why it has no effect")
 *
 * Each is also a PARAM row (postconf shows it, main.cf may set it).
 * master, at start and at each reload, and `postfix check` warn about
 * each one that main.cf sets to a value other than its default, naming
 * it and the reason, so that nobody believes a setting is in force that
 * is not.  "not implemented" marks a Postfix feature that mta lacks;
 * tests/t-params.sh fails for any parameter that no code reads and that
 * is not listed here.
 */
#ifdef NOOP
NOOP(always_bcc, "not implemented: no blind copies are made")
NOOP(biff, "mta does not notify comsat (as biff = no)")
NOOP(compatibility_level,
    "mta has one behaviour: Postfix's current safe defaults")
NOOP(content_filter,
    "not implemented: mail is not passed to an after-queue filter")
NOOP(daemon_timeout,
    "mta has no per-request watchdog; each protocol step has its own timeout")
NOOP(debug_peer_level, "mta has no verbose logging levels")
NOOP(debug_peer_list, "mta has no verbose logging levels")
NOOP(default_destination_rate_delay,
    "not implemented: deliveries to one destination are not paced")
NOOP(default_recipient_limit,
    "not implemented: qmgr does not bound in-memory recipients this way")
NOOP(default_verp_delimiters, "mta does not implement VERP")
NOOP(delay_logging_resolution_limit,
    "delays are logged at Postfix's default resolution")
NOOP(disable_mime_input_processing,
    "not implemented: cleanup does not parse MIME parts")
NOOP(disable_mime_output_conversion,
    "mta never converts 8-bit mail (as disable_mime_output_conversion = yes)")
NOOP(enable_original_recipient,
    "not implemented: the original recipient is always recorded")
NOOP(error_notice_recipient,
    "mta sends no protocol, policy, resource or software notices")
NOOP(fallback_transport, "not implemented in local delivery")
NOOP(hash_queue_depth, "mta's queue directories are not hashed")
NOOP(hash_queue_names, "mta's queue directories are not hashed")
NOOP(header_address_token_limit,
    "not implemented: header addresses are bounded by line length only")
NOOP(helpful_warnings, "mta always logs its configuration warnings")
NOOP(html_directory, "an install-time path: make install decides")
NOOP(in_flow_delay, "mta has no in_flow_delay token pipe")
NOOP(lmtp_body_checks, "not implemented: no checks on the way out")
NOOP(lmtp_header_checks, "not implemented: no checks on the way out")
NOOP(lmtp_sasl_type, "the lmtp client has one built-in SASL implementation")
NOOP(lmtp_tls_session_cache_database, "mta keeps no TLS session cache")
NOOP(local_header_rewrite_clients,
    "not implemented: header addresses of remote mail are not rewritten")
NOOP(mail_version, "read-only: it says which mta this is")
NOOP(mailbox_command_maps, "not implemented in local delivery")
NOOP(mailbox_transport, "not implemented in local delivery")
NOOP(maillog_file_prefixes,
    "not implemented: maillog_file is not checked against it")
NOOP(mailq_path, "an install-time path: make install decides")
NOOP(manpage_directory, "an install-time path: make install decides")
NOOP(message_reject_characters, "not implemented in cleanup")
NOOP(message_strip_characters, "not implemented in cleanup")
NOOP(mime_header_checks,
    "not implemented: headers of MIME parts are not checked")
NOOP(nested_header_checks,
    "not implemented: headers of attached messages are not checked")
NOOP(newaliases_path, "an install-time path: make install decides")
NOOP(permit_mx_backup_networks,
    "permit_mx_backup is not implemented (smtpd skips it with a warning)")
NOOP(qmgr_message_recipient_limit,
    "not implemented: qmgr does not bound in-memory recipients this way")
NOOP(readme_directory, "an install-time path: make install decides")
NOOP(receive_override_options, "not implemented: cleanup steps always run")
NOOP(recipient_bcc_maps, "not implemented: no blind copies are made")
NOOP(remote_header_rewrite_domain,
    "not implemented: header addresses of remote mail are not rewritten")
NOOP(resolve_numeric_domain, "not implemented: user@ipaddress is not local")
NOOP(sender_bcc_maps, "not implemented: no blind copies are made")
NOOP(sendmail_path, "an install-time path: make install decides")
NOOP(setgid_group, "mta uses no set-gid program")
NOOP(smtp_body_checks, "not implemented: no checks on the way out")
NOOP(smtp_header_checks, "not implemented: no checks on the way out")
NOOP(smtp_sasl_type, "the smtp client has one built-in SASL implementation")
NOOP(smtp_tls_session_cache_database, "mta keeps no TLS session cache")
NOOP(smtpd_authorized_xclient_hosts, "smtpd does not implement XCLIENT")
NOOP(smtpd_expansion_filter,
    "not implemented: $name values in RBL replies are not filtered")
NOOP(smtpd_history_flush_threshold,
    "mta sends no protocol, policy, resource or software notices")
NOOP(smtpd_reject_footer, "not implemented: replies get no footer")
NOOP(smtpd_sasl_local_domain,
    "not implemented: SASL user names get no realm")
NOOP(smtpd_starttls_timeout,
    "not implemented: the TLS handshake has smtpd_timeout")
NOOP(smtpd_tls_session_cache_database, "mta keeps no TLS session cache")
NOOP(syslog_facility, "not implemented: mta logs to facility mail")
NOOP(tls_random_source, "BearSSL seeds from getrandom(2)")
NOOP(transport_retry_time, "qmgr keeps no dead-transport state")
NOOP(trigger_timeout, "triggers are writes that never block")
NOOP(unverified_recipient_reject_code,
    "reject_unverified_recipient is not implemented (smtpd skips it with a "
    "warning)")
NOOP(virtual_alias_address_length_limit,
    "not implemented: alias results are bounded by line length only")
NOOP(virtual_mailbox_base, "mta has no virtual delivery agent")
NOOP(virtual_mailbox_limit, "mta has no virtual delivery agent")
#endif /* NOOP */
