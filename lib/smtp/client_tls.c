/* MIT licence: see LICENSE. */
/*
 * smtp/client_tls.c - the TLS policy applied to an SMTP/LMTP client session:
 * the level from smtp_tls_security_level and smtp_tls_policy_maps
 * (tlspol.c looks it up), the handshake at connect (wrapper mode) or
 * after STARTTLS with EHLO again, the trust anchors and client key, the
 * names a certificate is verified against, and Postfix's plaintext retry
 * when an opportunistic ("may") handshake fails.  Failure texts are
 * Postfix's: "TLS is required, but was not offered by host H[ip]",
 * "Server certificate not verified", "Cannot start TLS: handshake
 * failure".
 *
 * Run inside the smtp and lmtp delivery agents (as mail_owner; the
 * client key is read before privileges drop) and the sendmail command's
 * relay mode (as its user).  Man page: smtp(8).
 */

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../../config.h"
#include "../conf.h"
#include "../io.h"
#include "../log.h"
#include "../str.h"
#include "../tls.h"
#include "../x.h"
#include "client_int.h"
#include "tlspol.h"

#define CA_BUNDLE	"/etc/ssl/certs/ca-certificates.crt"

static struct tls_conf *tls_plain;	/* no trust anchors */
static struct tls_conf *tls_ca;		/* smtp_tls_CAfile, smtp_tls_CApath */
static int tls_ca_tried;		/* tls_ca loaded (or failed) once */
static struct str tls_ca_err;		/* why it failed, logged once */
static struct tls_conf *tls_keys;	/* the client certificate */
static int tls_keys_state;	/* smtp_tls_load_keys(): 1 done, -1 failed */

/*
 * smtp_tls_load_keys - smtp_tls_cert_file, smtp_tls_key_file and
 * smtp_tls_chain_files into tls_keys, once (smtp_sasl_open(), the smtp
 * agent's setup hook, calls it before privileges drop: the key may be
 * root's alone); -1 when they cannot be loaded (logged once)
 */
int
smtp_tls_load_keys(void)
{
	const char *cert = conf_str(P_smtp_tls_cert_file);
	const char *chain = conf_str(P_smtp_tls_chain_files);
	struct str err;

	if (tls_keys_state == 0 && (*cert || *chain)) {
		str_init(&err);
		tls_keys = tls_client_conf(NULL, NULL, &err);
		if (tls_conf_client_cert(tls_keys, cert,
		    conf_str(P_smtp_tls_key_file), chain, &err) < 0) {
			warn("cannot load client certificate and key: %s",
			    err.s);
			tls_conf_free(tls_keys);
			tls_keys = NULL;
			tls_keys_state = -1;
		}
		str_free(&err);
	}
	if (tls_keys_state == 0)
		tls_keys_state = 1;
	return tls_keys_state < 0 ? -1 : 0;
}

/*
 * tls_prepare - the configuration for a session at level: the trust
 * anchors (smtp_tls_CAfile and smtp_tls_CApath, loaded once; when both
 * are empty none at may and encrypt, where they would only tell Trusted
 * from Untrusted, and the system bundle at verify and secure), the
 * protocols and ciphers of the level (smtp_tls_mandatory_* from encrypt
 * up), the client certificate.  NULL when TLS cannot be used: with the
 * session's failure at encrypt and up, a warning at may (the caller goes
 * on in plaintext).
 */
static struct tls_conf *
tls_prepare(struct smtp_sess *s, int level, const struct smtp_tls_pol *at)
{
	const char *ca = conf_str(P_smtp_tls_CAfile);
	const char *cp = conf_str(P_smtp_tls_CApath);
	const char *pr, *ci;
	struct tls_conf *tc = NULL;
	struct str err;
	int r, dflt = *ca == 0 && *cp == 0;

	str_init(&err);
	if (!tls_ca_tried && (!dflt || level >= TLS_VERIFY)) {
		tls_ca_tried = 1;
		if ((tls_ca = tls_client_conf(dflt ? CA_BUNDLE : ca, cp,
		    &tls_ca_err)) == NULL)
			warn("%s: %s", dflt ? "smtp_tls_CAfile" :
			    "smtp_tls_CAfile, smtp_tls_CApath", tls_ca_err.s);
	}
	if (!dflt || level >= TLS_VERIFY)
		tc = tls_ca;
	if (tc == NULL && level < TLS_VERIFY) {
		/* nothing to check against: every chain is untrusted */
		if (tls_plain == NULL)
			tls_plain = tls_client_conf(NULL, NULL, &err);
		tc = tls_plain;
	}
	if (tc != NULL && smtp_tls_load_keys() < 0) {
		if (level < TLS_ENCRYPT) {
			tc = NULL;	/* may: plaintext, as warned */
			goto out;
		}
		tc = NULL;
	}
	if (tc != NULL && tls_keys != NULL)
		tls_conf_share_keys(tc, tls_keys);
	if (tc == NULL) {
		smtp_fail(s, "4.7.5", "client TLS configuration problem");
		goto out;
	}
	pr = conf_str(level >= TLS_ENCRYPT ? P_smtp_tls_mandatory_protocols :
	    P_smtp_tls_protocols);
	ci = conf_str(level >= TLS_ENCRYPT ? P_smtp_tls_mandatory_ciphers :
	    P_smtp_tls_ciphers);
	r = tls_conf_params(tc, at->protocols ? at->protocols : pr,
	    at->ciphers ? at->ciphers : ci, at->exclude ? at->exclude :
	    conf_str(P_smtp_tls_exclude_ciphers), &err);
	if (r != 0) {
		warn("%s: %s: %s", s->namaddr, level >= TLS_ENCRYPT ?
		    "smtp_tls_mandatory_protocols, smtp_tls_mandatory_ciphers"
		    : "smtp_tls_protocols, smtp_tls_ciphers", err.s);
		if (level >= TLS_ENCRYPT)
			smtp_fail(s, "4.7.5",
			    "client TLS configuration problem");
		tc = NULL;
	}
out:
	str_free(&err);
	return tc;
}

/* the handshake on the open connection; the session's failure on -1 */
static int
tls_begin(struct smtp_sess *s, struct tls_conf *tc, int level,
    const struct smtp_tls_pol *at)
{
	static const char *const how[] = {
		"Anonymous", "Untrusted", "Trusted", "Verified"
	};
	const char *sn;
	struct str err;
	char *name = NULL, **match = NULL;
	size_t i;
	int verify = level >= TLS_VERIFY, ret = -1, r;

	str_init(&err);
	if (verify)
		match = smtp_tls_pol_names(at, s->host, s->nexthop);
	sn = at->servername ? at->servername :
	    conf_str(P_smtp_tls_servername);
	if (strcasecmp(sn, "hostname") == 0)
		name = xstrdup(s->host);
	else if (strcasecmp(sn, "nexthop") == 0)
		name = smtp_tls_nexthop_name(s->nexthop);
	else if (*sn != 0)
		name = xstrdup(sn);
	for (i = 0; name == NULL && match != NULL && match[i] != NULL; i++)
		/* verify, secure: SNI is the first name checked */
		if (match[i][0] != '.' && match[i][0] != 0)
			name = xstrdup(match[i]);
	if (name == NULL)
		name = xstrdup("");	/* no SNI, as Postfix */
	/* no SNI with an address (RFC 6066) */
	if (strchr(name, ':') || strspn(name, "0123456789.") == strlen(name))
		name[0] = 0;
	if (conf_int(P_smtp_tls_loglevel) >= 2)
		info("setting up TLS connection to %s", s->relay);
	s->io.timeout = (int)conf_time(P_smtp_starttls_timeout);
	if ((r = tls_client_start(&s->io, tc, name,
	    (const char *const *)match, &err)) < 0) {
		if (r == -2) {
			/* Postfix's words: "server" for the dates, names */
			info("%scertificate verification failed for %s: %s",
			    strncmp(err.s, "certificate", 11) == 0 ||
			    strncmp(err.s, "num=", 4) == 0 ? "server " : "",
			    s->relay, err.s);
			smtp_fail(s, "4.7.5",
			    "Server certificate not verified");
		} else {
			if (conf_int(P_smtp_tls_loglevel) >= 1 || verify)
				info("SSL_connect error to %s: %s", s->relay,
				    err.s);
			smtp_fail(s, "4.7.5", "Cannot start TLS: handshake "
			    "failure");
		}
		/* the stream is in an unknown state: no QUIT */
		s->io.wbuf.len = 0;
		close(s->fd);
		s->fd = -1;
		goto out;
	}
	s->tls_active = 1;
	if (conf_int(P_smtp_tls_loglevel) >= 1)
		info("%s TLS connection established to %s: %s",
		    how[tls_peer_status(&s->io)], s->relay,
		    tls_session_info(&s->io));
	ret = 0;
out:
	free(name);
	smtp_tls_names_free(match);
	str_free(&err);
	return ret;
}

/*
 * smtp_helo - the greeting, then EHLO (HELO when EHLO is refused) or
 * LHLO; the server's features in s->features.  With TLS
 * (smtp_tls_security_level, smtp_tls_policy_maps): the handshake at
 * connect (smtp_tls_wrappermode), or STARTTLS and EHLO again.  0, or -1
 * with the failure ("host H[ip] refused to talk to me: 554 ...", "TLS
 * is required, but was not offered by host H[ip]").
 */
int
smtp_helo(struct smtp_sess *s)
{
	struct tls_conf *tc = NULL;
	struct smtp_tls_pol at;
	int level, ret = -1;

	s->tls_retry_plain = 0;
	memset(&at, 0, sizeof(at));
	if (s->tls_off)
		level = TLS_NONE;
	else if (smtp_tls_pol_find(&at, s->nexthop, s->lmtp) < 0) {
		smtp_fail(s, "4.7.5", "client TLS configuration problem");
		goto out;
	} else
		level = at.level;
	if (level > TLS_NONE && conf_bool(P_smtp_tls_wrappermode)) {
		if (level < TLS_ENCRYPT)
			level = TLS_ENCRYPT;
		if ((tc = tls_prepare(s, level, &at)) == NULL ||
		    tls_begin(s, tc, level, &at) < 0)
			goto out;
		ret = smtp_hello(s, 1);
		goto out;
	}
	if (smtp_hello(s, 1) < 0)
		goto out;
	if (level == TLS_NONE && (s->features & SMTP_F_STARTTLS) &&
	    !s->tls_off &&
	    conf_bool(P_smtp_tls_note_starttls_offer))
		info("Host offered STARTTLS: [%s]", s->host);
	if (level > TLS_NONE && (s->features & SMTP_F_STARTTLS) &&
	    (tc = tls_prepare(s, level, &at)) == NULL) {
		if (level >= TLS_ENCRYPT)
			goto out;
		level = TLS_NONE;	/* may: plaintext, as warned */
	}
	if (level == TLS_NONE) {
		ret = 0;
		goto out;
	}
	if (!(s->features & SMTP_F_STARTTLS)) {
		if (level >= TLS_ENCRYPT) {
			smtp_fail(s, "4.7.4", "TLS is required, but was not "
			    "offered by host %s", s->namaddr);
			goto out;
		}
		ret = 0;
		goto out;
	}
	io_puts(&s->io, "STARTTLS\r\n");
	if (smtp_flush(s, s->t_helo, "sending the STARTTLS command") < 0 ||
	    smtp_get_reply(s, s->t_helo, "receiving the STARTTLS response",
	    NULL) < 0)
		goto out;
	if (s->reply.code / 100 != 2) {
		if (level >= TLS_ENCRYPT) {
			smtp_fail(s, "4.7.4", "TLS is required, but host %s "
			    "refused to start TLS: %s", s->namaddr,
			    s->reply.text.s);
			goto out;
		}
		ret = 0;	/* opportunistic: go on in plaintext */
		goto out;
	}
	if (io_pending(&s->io) > 0) {
		/* bytes after "220 Ready": an injection attempt */
		io_discard(&s->io);
		smtp_fail(s, "4.7.5", "Cannot start TLS: handshake failure "
		    "(unexpected data after STARTTLS reply from %s)",
		    s->namaddr);
		close(s->fd);
		s->fd = -1;
		goto out;
	}
	if (tls_begin(s, tc, level, &at) < 0) {
		/* opportunistic: Postfix tries the server again in plaintext */
		if (level == TLS_MAY && s->why.len > 0 &&
		    strstr(s->why.s, "Server certificate") == NULL)
			s->tls_retry_plain = 1;
		goto out;
	}
	ret = smtp_hello(s, 0);
out:
	smtp_tls_pol_free(&at);
	return ret;
}

/*
 * smtp_greet - smtp_helo(); when an opportunistic ("may") TLS handshake
 * failed, a new connection to a without TLS and smtp_helo() again, as
 * Postfix does.  0, or -1 with the failure.
 */
int
smtp_greet(struct smtp_sess *s, const struct smtp_addr *a)
{
	int r;

	if (smtp_helo(s) == 0)
		return 0;
	if (!s->tls_retry_plain)
		return -1;
	info("%s: %s; trying again without TLS", s->relay, s->why.s);
	smtp_close(s);
	s->tls_off = 1;
	r = smtp_connect(s, a) < 0 ? -1 : smtp_helo(s);
	s->tls_off = 0;
	return r;
}
