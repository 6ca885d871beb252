# MIT licence: see LICENSE.
#
# dovecot_lib.sh - Debian's Dovecot as an authentication server only (no
# mail protocols), for the SASL tests: smtpd_sasl_type = dovecot in mta,
# and Postfix's smtpd as mta's client's peer.  Source it after lib.sh.
#
# dovecot_start: a Dovecot instance under $T/dovecot with the users
#   alice / secret (SHA512-CRYPT; PLAIN and LOGIN) and bob / pw ({PLAIN};
#   CRAM-MD5 too).  Its authentication socket is $DOVECOT_AUTH (mode 0666);
#   returns 1 when Dovecot is missing or does not start.
# dovecot_stop: end it (its master's PID, from its own pid file).

DOVECOT_DIR=$T/dovecot
DOVECOT_AUTH=$DOVECOT_DIR/auth

have_dovecot() { [ -x /usr/sbin/dovecot ]; }

dovecot_start() {
	have_dovecot || return 1
	mkdir -p "$DOVECOT_DIR"
	chmod 755 "$DOVECOT_DIR"
	printf 'alice:%s\nbob:{PLAIN}pw\n' "$(openssl passwd -6 secret)" \
	    > "$DOVECOT_DIR/users"
	cat > "$DOVECOT_DIR/dovecot.conf" <<DCEOF
base_dir = $DOVECOT_DIR/run
state_dir = $DOVECOT_DIR/state
log_path = $DOVECOT_DIR/log
instance_name = mta-test-$$
protocols =
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login cram-md5
auth_failure_delay = 0
default_login_user = dovenull
default_internal_user = dovecot
passdb {
  driver = passwd-file
  args = username_format=%u $DOVECOT_DIR/users
}
userdb {
  driver = static
  args = uid=65534 gid=65534 home=/nonexistent
}
service auth {
  unix_listener auth-client {
    path = $DOVECOT_AUTH
    mode = 0666
  }
}
DCEOF
	/usr/sbin/dovecot -c "$DOVECOT_DIR/dovecot.conf" || return 1
	i=0
	while [ ! -S "$DOVECOT_AUTH" ] && [ $i -lt 100 ]; do
		sleep 0.05; i=$((i + 1))
	done
	[ -S "$DOVECOT_AUTH" ]
}

dovecot_stop() {
	[ -s "$DOVECOT_DIR/run/master.pid" ] || return 0
	pid=$(cat "$DOVECOT_DIR/run/master.pid")
	kill "$pid" 2>/dev/null
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.05; i=$((i + 1))
	done
}

# dovecot_lmtp_start PORT CERT KEY: a second Dovecot instance under
#   $T/dovecot-lmtp serving LMTP on 127.0.0.1:PORT with STARTTLS (CERT and
#   KEY, PEM), delivering for any user into the Maildir
#   $DOVECOT_MAIL/<user>/ (the local part; mode 1777, Dovecot writes as
#   nobody).  Its log is $DOVECOT_LMTP/log.  Returns 1 when Dovecot or
#   its lmtp (dovecot-lmtpd) is missing or does not start.
# dovecot_lmtp_stop: end it.
DOVECOT_LMTP=$T/dovecot-lmtp
DOVECOT_MAIL=$T/dovecot-lmtp/mail

dovecot_lmtp_start() {
	have_dovecot && [ -x /usr/lib/dovecot/lmtp ] || return 1
	mkdir -p "$DOVECOT_MAIL"
	chmod 755 "$DOVECOT_LMTP"
	chmod 1777 "$DOVECOT_MAIL"
	cat > "$DOVECOT_LMTP/dovecot.conf" <<DCEOF
base_dir = $DOVECOT_LMTP/run
state_dir = $DOVECOT_LMTP/state
log_path = $DOVECOT_LMTP/log
instance_name = mta-test-lmtp-$$
protocols = lmtp
listen = 127.0.0.1
ssl = yes
ssl_cert = <$2
ssl_key = <$3
default_login_user = dovenull
default_internal_user = dovecot
mail_location = maildir:$DOVECOT_MAIL/%n
passdb {
  driver = static
  args = nopassword=y
}
userdb {
  driver = static
  args = uid=65534 gid=65534 home=$DOVECOT_MAIL/%n allow_all_users=yes
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $1
  }
}
DCEOF
	/usr/sbin/dovecot -c "$DOVECOT_LMTP/dovecot.conf" || return 1
	wait_port "$1" 10
}

dovecot_lmtp_stop() {
	[ -s "$DOVECOT_LMTP/run/master.pid" ] || return 0
	pid=$(cat "$DOVECOT_LMTP/run/master.pid")
	kill "$pid" 2>/dev/null
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.05; i=$((i + 1))
	done
}
