/* MIT licence: see LICENSE. */
/*
 * smtpd_tls.c - STARTTLS and wrapper mode for smtpd (RFC 3207), on top
 * of lib/tls.h.  The certificate and key are read in setup, before smtpd
 * drops privileges.  After "220 2.0.0 Ready to start TLS" plaintext that
 * came with the command is thrown away (CVE-2011-0411) and the session
 * starts over: EHLO again, no transaction, no second STARTTLS.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../lib/conf.h"
#include "../../lib/log.h"
#include "../../lib/str.h"
#include "../../lib/tls.h"
#include "../../lib/x.h"
#include "smtpd_sess.h"

/*
 * load - smtpd_tls_security_level, the server key, the
 * protocols and ciphers (smtpd_tls_mandatory_* with level encrypt or
 * wrapper mode); a key that cannot be loaded, or settings that leave no
 * protocol version or cipher suite, disable TLS with a warning, as
 * Postfix does (no STARTTLS; at level encrypt mail waits for it)
 */
/* what smtpd_tls_setup() loaded: once per process, for every session */
static struct {
	int	done;
	int	level, wrapper, ask;
	struct tls_conf *conf;
} proc;

static void
load(struct smtpd_sess *s)
{
	const char *lvl = conf_str(P_smtpd_tls_security_level);
	struct str err = STR_INIT;
	int enc;

	if (strcasecmp(lvl, "may") == 0)
		s->tls_level = SMTPD_TLS_MAY;
	else if (strcasecmp(lvl, "encrypt") == 0)
		s->tls_level = SMTPD_TLS_ENCRYPT;
	else if (*lvl && strcasecmp(lvl, "none") != 0)
		die("invalid smtpd_tls_security_level value: \"%s\"", lvl);
	s->tls_wrapper = conf_bool(P_smtpd_tls_wrappermode);
	if (s->local || (s->tls_level == SMTPD_TLS_NONE && !s->tls_wrapper))
		return;
	str_init(&err);
	s->tls_conf = tls_server_conf(conf_str(P_smtpd_tls_cert_file),
	    conf_str(P_smtpd_tls_key_file), conf_str(P_smtpd_tls_chain_files),
	    &err);
	if (s->tls_conf == NULL) {
		warn("cannot load TLS certificate and key: %s: TLS disabled",
		    err.s);
		str_free(&err);
		return;
	}
	/* mandatory settings with level encrypt (and wrapper mode) */
	enc = s->tls_level == SMTPD_TLS_ENCRYPT || s->tls_wrapper;
	if (tls_conf_params(s->tls_conf, conf_str(enc ?
	    P_smtpd_tls_mandatory_protocols : P_smtpd_tls_protocols),
	    conf_str(enc ? P_smtpd_tls_mandatory_ciphers : P_smtpd_tls_ciphers),
	    conf_str(P_smtpd_tls_exclude_ciphers), &err) != 0) {
		warn("%s: %s: TLS disabled", enc ?
		    "smtpd_tls_mandatory_protocols, smtpd_tls_mandatory_ciphers"
		    : "smtpd_tls_protocols, smtpd_tls_ciphers", err.s);
		tls_conf_free(s->tls_conf);
		s->tls_conf = NULL;
		str_free(&err);
		return;
	}
	if (conf_bool(P_smtpd_tls_req_ccert) && !enc)
		warn("Can't require client certs unless TLS is required");
	if (conf_bool(P_smtpd_tls_ask_ccert) ||
	    (enc && conf_bool(P_smtpd_tls_req_ccert))) {
		if (tls_conf_ccert(s->tls_conf, conf_str(P_smtpd_tls_CAfile),
		    conf_str(P_smtpd_tls_CApath), &err) < 0)
			warn("smtpd_tls_CAfile, smtpd_tls_CApath: %s: not "
			    "asking for client certificates", err.s);
		else
			s->tls_ask = 1;
	}
	str_free(&err);
}

/*
 * smtpd_tls_setup - the session's TLS settings; the key and certificate
 * are read by the first session of a process, while it may still read
 * them (see load()), and kept for its later sessions: a reload starts
 * new processes, which read the new files
 */
void
smtpd_tls_setup(struct smtpd_sess *s)
{
	if (!proc.done) {
		load(s);
		proc.done = 1;
		proc.level = s->tls_level;
		proc.wrapper = s->tls_wrapper;
		proc.ask = s->tls_ask;
		proc.conf = s->tls_conf;
		return;
	}
	s->tls_level = proc.level;
	s->tls_wrapper = proc.wrapper;
	s->tls_ask = proc.ask;
	s->tls_conf = s->local ? NULL : proc.conf;
}

/* smtpd_tls_offer - 1 when EHLO announces STARTTLS */
int
smtpd_tls_offer(struct smtpd_sess *s)
{
	return s->tls_conf != NULL && s->tls_info == NULL &&
	    s->tls_level != SMTPD_TLS_NONE;
}

/*
 * smtpd_tls_refuse - with level encrypt, 1 (and the reply) for a command
 * that must wait for TLS (all but HELO, EHLO, STARTTLS, RSET, NOOP, QUIT
 * as Postfix)
 */
int
smtpd_tls_refuse(struct smtpd_sess *s, enum smtpd_cmd id)
{
	if (s->tls_level != SMTPD_TLS_ENCRYPT || s->tls_info != NULL)
		return 0;
	switch (id) {
	case C_HELO: case C_EHLO: case C_STARTTLS: case C_RSET:
	case C_NOOP: case C_QUIT: case C_UNKNOWN:
		return 0;
	default:
		smtpd_reply(s, "530 5.7.0 Must issue a STARTTLS command first");
		return 1;
	}
}

/*
 * handshake - TLS on the connection now; -1 (the handshake failed) or -2
 * (smtpd_tls_req_ccert refused the client) ends the session
 */
/* the client certificate's line of the Received: header, as Postfix's */
static void
ccert_text(struct smtpd_sess *s, int st)
{
	char cn[96], issuer[96], *p;

	if (!s->tls_ask) {
		str_copy(s->tls_ccert, "No client certificate requested",
		    sizeof(s->tls_ccert));
		return;
	}
	if (st == TLS_PEER_NONE || tls_peer_names(&s->in, cn, sizeof(cn),
	    issuer, sizeof(issuer)) < 0) {
		str_copy(s->tls_ccert, "Client did not present a certificate",
		    sizeof(s->tls_ccert));
		return;
	}
	/* the names go into a header: printable, no quotes */
	for (p = cn; *p; p++)
		if ((unsigned char)*p < 32 || *p == 127 || *p == '"')
			*p = '?';
	for (p = issuer; *p; p++)
		if ((unsigned char)*p < 32 || *p == 127 || *p == '"')
			*p = '?';
	snprintf(s->tls_ccert, sizeof(s->tls_ccert),
	    "Client CN \"%s\", Issuer \"%s\" (%s)", cn, issuer,
	    st == TLS_PEER_TRUSTED ? "verified OK" : "not verified");
}

static int
handshake(struct smtpd_sess *s)
{
	struct str err = STR_INIT;
	const char *why;
	int st;

	str_init(&err);
	if (conf_int(P_smtpd_tls_loglevel) >= 2)
		info("setting up TLS connection from %s", s->namaddr);
	if (tls_server_start(&s->in, &s->out, s->tls_conf, &err) < 0) {
		info("SSL_accept error from %s: %s", s->namaddr, err.s);
		str_free(&err);
		s->hangup = s->eof = 1;
		return -1;
	}
	str_free(&err);
	s->tls_info = tls_session_info(&s->in);
	s->ck.tls = 1;		/* restrictions and SASL security options */
	st = tls_peer_status(&s->in);
	ccert_text(s, st);
	if (conf_int(P_smtpd_tls_loglevel) >= 1)
		info("%s TLS connection established from %s: %s",
		    st == TLS_PEER_TRUSTED ? "Trusted" : st ==
		    TLS_PEER_UNTRUSTED ? "Untrusted" : "Anonymous",
		    s->namaddr, s->tls_info);
	/* smtpd_tls_req_ccert: only with level encrypt, as Postfix */
	if (conf_bool(P_smtpd_tls_req_ccert) && st != TLS_PEER_TRUSTED &&
	    (s->tls_level == SMTPD_TLS_ENCRYPT || s->tls_wrapper)) {
		why = st == TLS_PEER_NONE ? "No client certificate presented" :
		    "Client certificate not trusted";
		info("NOQUEUE: abort: TLS from %s: %s", s->namaddr, why);
		smtpd_reply(s, "421 4.7.1 %s Error: %s",
		    conf_str(P_myhostname), why);
		io_flush(&s->out);
		s->hangup = s->eof = 1;
		return -2;
	}
	return 0;
}

/* smtpd_tls_wrapper - wrapper mode: TLS before the greeting; 0 or -1 */
int
smtpd_tls_wrapper(struct smtpd_sess *s)
{
	if (!s->tls_wrapper || s->local)
		return 0;
	if (s->tls_conf == NULL) {
		warn("smtpd_tls_wrappermode requires a certificate: "
		    "disconnecting %s", s->namaddr);
		s->hangup = s->eof = 1;
		return -1;
	}
	return handshake(s) < 0 ? -1 : 0;
}

/* smtpd_tls_starttls - the STARTTLS command */
int
smtpd_tls_starttls(struct smtpd_sess *s, const char *arg)
{
	int r;

	if (*arg) {
		smtpd_reply(s, "501 5.5.4 Syntax: STARTTLS");
		return -1;
	}
	if (s->tls_info) {
		smtpd_reply(s, "554 5.5.1 Error: TLS already active");
		return -1;
	}
	if (s->tls_level == SMTPD_TLS_NONE || s->local) {
		smtpd_reply(s, "502 5.5.1 Error: command not implemented");
		return -1;
	}
	if (s->tls_conf == NULL) {
		smtpd_reply(s, "454 4.7.0 TLS not available due to local "
		    "problem");
		return -1;
	}
	if (s->in_mail) {
		smtpd_reply(s, "503 5.5.1 Error: MAIL transaction in "
		    "progress");
		return -1;
	}
	smtpd_reply(s, "220 2.0.0 Ready to start TLS");
	if (io_flush(&s->out) < 0) {
		s->eof = 1;
		return -1;
	}
	/* CVE-2011-0411: nothing sent in plaintext survives the switch */
	io_discard(&s->in);
	if ((r = handshake(s)) < 0) {
		if (r == -1)
			info("lost connection after STARTTLS from %s",
			    s->namaddr);
		return -1;
	}
	/*
	 * RFC 3207 4.2: a new session; nothing the client said in plaintext
	 * holds: no HELO (it says EHLO again), no transaction, no login.
	 */
	smtpd_data_bdat(s, NULL);
	smtpd_reset_mail(s);
	smtpd_sasl_reset(s);
	free(s->helo);
	s->helo = NULL;
	s->ck.helo_name = NULL;
	s->esmtp = 0;
	s->ill_pipelining = 0;
	s->ck.pipelining_violation = 0;
	return 0;
}

/* smtpd_tls_end - close_notify at the end of a TLS session */
void
smtpd_tls_end(struct smtpd_sess *s)
{
	if (s->tls_info && !s->eof)
		tls_stop(&s->in);
	else if (s->tls_info)
		tls_drop(&s->in);	/* the client is gone: no close_notify */
	/* the configuration is the process's (smtpd_tls_setup) */
	s->tls_conf = NULL;
	s->tls_info = NULL;
}
