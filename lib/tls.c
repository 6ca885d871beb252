/* MIT licence: see LICENSE. */
/*
 * tls.c - TLS (BearSSL) under struct io: the sessions of both sides.
 *
 * tls_server_start() does the handshake on the descriptors of one or two
 * streams (smtpd reads fd 0 and writes fd 1) and hooks their rd/wr/ctx;
 * tls_client_start() does the client's, with the certificate check of
 * tls_x509.c: verifying (chain and dates by BearSSL, the name there) or
 * not at all, but knowing whether the chain was trusted.  Both take a
 * configuration from tls_conf.c (keys, trust anchors, versions, suites).
 * Then records move between the engine and the descriptors here, with
 * the stream's timeouts, until tls_stop() or tls_drop().  Randomness
 * comes from getrandom(2), injected before the handshake, so a chroot
 * without /dev/urandom does not matter.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <bearssl.h>

#include "io.h"
#include "str.h"
#include "tls.h"
#include "tls_int.h"
#include "x.h"

struct tls {
	br_ssl_server_context	sc;
	br_ssl_client_context	cc;
	br_x509_minimal_context	xc;
	struct tls_x509		chk;
	br_ssl_engine_context	*eng;
	unsigned char		buf[BR_SSL_BUFSIZE_BIDI];
	int			rfd, wfd, timeout;
	struct io		*in, *out;
	int			dead;	/* the transport failed */
	struct str		pend;	/* records not yet written */
	char			*sni;	/* the client's server name */
	char			info[128];
};

/* tls_seterr - err is the message, printf-style */
void
tls_seterr(struct str *err, const char *fmt, ...)
{
	va_list ap;

	str_reset(err);
	va_start(ap, fmt);
	str_vaddf(err, fmt, ap);
	va_end(ap);
}

/* the engine ------------------------------------------------------------- */

static int
wait_fd(struct tls *t, int fd, int events)
{
	struct pollfd p;
	int r;

	p.fd = fd;
	p.events = (short)events;
	do
		r = poll(&p, 1, t->timeout > 0 ? t->timeout * 1000 : -1);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		errno = ETIMEDOUT;
	return r > 0 ? 0 : -1;
}

/*
 * write the records gathered in t->pend: the engine makes a flight (a
 * handshake's ChangeCipherSpec and Finished, a body's records) one
 * record at a time, and a write per record would meet Nagle and delayed
 * ACK in a 40 ms stall.  0, or -1 (the transport failed).
 */
static int
flush_pend(struct tls *t)
{
	size_t off = 0;
	ssize_t n;

	while (off < t->pend.len) {
		if (wait_fd(t, t->wfd, POLLOUT) < 0)
			return -1;
		n = write(t->wfd, t->pend.s + off, t->pend.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	str_reset(&t->pend);
	return 0;
}

/*
 * run_until - move records until the engine is in one of the states in
 * target; -1 with errno when it closes or fails
 */
static int
run_until(struct tls *t, unsigned target)
{
	br_ssl_engine_context *e = t->eng;
	unsigned char *b;
	size_t len;
	ssize_t n;
	unsigned st;

	if (t->dead) {
		errno = EPIPE;
		return -1;
	}
	for (;;) {
		st = br_ssl_engine_current_state(e);
		if (st & BR_SSL_CLOSED) {
			/* an alert the engine made on its way out */
			(void)flush_pend(t);
			errno = br_ssl_engine_last_error(e) ? EPROTO : 0;
			return -1;
		}
		if (st & BR_SSL_SENDREC) {
			b = br_ssl_engine_sendrec_buf(e, &len);
			str_addmem(&t->pend, b, len);
			br_ssl_engine_sendrec_ack(e, len);
			continue;
		}
		if (t->pend.len > 0 && flush_pend(t) < 0)
			goto fail;
		if (st & target)
			return 0;
		if (st & BR_SSL_RECVAPP) {
			/* application data while we want to send: keep it */
			return 0;
		}
		if (st & BR_SSL_RECVREC) {
			b = br_ssl_engine_recvrec_buf(e, &len);
			if (wait_fd(t, t->rfd, POLLIN) < 0)
				goto fail;
			n = read(t->rfd, b, len);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				goto fail;
			br_ssl_engine_recvrec_ack(e, (size_t)n);
			continue;
		}
		br_ssl_engine_flush(e, 0);
	}
fail:
	if (errno == 0)
		errno = EPIPE;
	t->dead = 1;
	return -1;
}

static ssize_t
tls_rd(struct io *io, void *buf, size_t n)
{
	struct tls *t = io->ctx;
	br_ssl_engine_context *e = t->eng;
	unsigned char *b;
	size_t len;

	t->timeout = io->timeout;
	if (run_until(t, BR_SSL_RECVAPP) < 0)
		return errno == 0 ? 0 : -1;
	b = br_ssl_engine_recvapp_buf(e, &len);
	if (b == NULL) {
		errno = EIO;
		return -1;
	}
	if (len > n)
		len = n;
	memcpy(buf, b, len);
	br_ssl_engine_recvapp_ack(e, len);
	return (ssize_t)len;
}

/*
 * tls_peek - decrypted input not read yet, copied; records already in
 * the socket are decrypted (BearSSL reads one record at a time, so the
 * rest stays there for FIONREAD), never waiting
 */
static ssize_t
tls_peek(struct io *io, void *buf, size_t n)
{
	struct tls *t = io->ctx;
	br_ssl_engine_context *e;
	struct pollfd p;
	unsigned char *b;
	size_t len;
	ssize_t k;
	unsigned st;

	if (t == NULL)
		return 0;
	e = t->eng;
	while (!t->dead) {
		st = br_ssl_engine_current_state(e);
		if (st & BR_SSL_RECVAPP) {
			b = br_ssl_engine_recvapp_buf(e, &len);
			if (len > n)
				len = n;
			memcpy(buf, b, len);
			return (ssize_t)len;
		}
		if ((st & (BR_SSL_CLOSED | BR_SSL_SENDREC)) ||
		    !(st & BR_SSL_RECVREC))
			break;
		p.fd = t->rfd;
		p.events = POLLIN;
		if (poll(&p, 1, 0) <= 0)
			break;
		b = br_ssl_engine_recvrec_buf(e, &len);
		if ((k = read(t->rfd, b, len)) <= 0)
			break;
		br_ssl_engine_recvrec_ack(e, (size_t)k);
	}
	return 0;
}

static ssize_t
tls_wr(struct io *io, const void *buf, size_t n)
{
	struct tls *t = io->ctx;
	br_ssl_engine_context *e = t->eng;
	unsigned char *b;
	size_t len;

	t->timeout = io->timeout;
	if (run_until(t, BR_SSL_SENDAPP) < 0)
		return -1;
	b = br_ssl_engine_sendapp_buf(e, &len);
	if (b == NULL) {
		/* only input can move the engine on: a renegotiation */
		errno = EPROTO;
		return -1;
	}
	if (len > n)
		len = n;
	memcpy(b, buf, len);
	br_ssl_engine_sendapp_ack(e, len);
	br_ssl_engine_flush(e, 0);
	/* send the records now: io_flush() expects the bytes gone */
	if (run_until(t, BR_SSL_SENDAPP | BR_SSL_RECVAPP) < 0)
		return -1;
	return (ssize_t)len;
}

/* the sessions ----------------------------------------------------------- */

/* release - forget a session (its streams no longer point at it) */
static void
release(struct tls *t)
{
	tls_x509_free(&t->chk);
	str_free(&t->pend);
	free(t->sni);
	free(t);
}

/*
 * start - the handshake on an initialised engine, with the versions and
 * suites of tc; hooks the streams
 */
static int
start(struct tls *t, const struct tls_conf *tc, struct io *in,
    struct io *out, struct str *err)
{
	uint16_t ids[TLS_MAXSUITES];
	unsigned char seed[32];
	size_t n;
	int e, ok, r = -1;

	t->in = in;
	t->out = out ? out : in;
	t->rfd = in->fd;
	t->wfd = t->out->fd;
	t->timeout = in->timeout;
	n = tls_conf_suite_ids(tc->suites, ids);
	if (n == 0 || tc->vmax == 0) {
		tls_seterr(err, "no %s left by the TLS settings",
		    n == 0 ? "cipher suite" : "protocol version");
		goto fail;
	}
	br_ssl_engine_set_suites(t->eng, ids, n);
	br_ssl_engine_set_versions(t->eng, tc->vmin, tc->vmax);
	br_ssl_engine_add_flags(t->eng, BR_OPT_ENFORCE_SERVER_PREFERENCES |
	    BR_OPT_NO_RENEGOTIATION);
	br_ssl_engine_set_buffer(t->eng, t->buf, sizeof(t->buf), 1);
	if (getrandom(seed, sizeof(seed), 0) != (ssize_t)sizeof(seed)) {
		tls_seterr(err, "getrandom: %s", strerror(errno));
		goto fail;
	}
	br_ssl_engine_inject_entropy(t->eng, seed, sizeof(seed));
	explicit_bzero(seed, sizeof(seed));
	if (t->eng == &t->sc.eng)
		ok = br_ssl_server_reset(&t->sc);
	else
		ok = br_ssl_client_reset(&t->cc, t->sni, 0);
	if (!ok) {
		tls_seterr(err, "TLS engine reset failed (error %d)",
		    br_ssl_engine_last_error(t->eng));
		goto fail;
	}
	if (run_until(t, BR_SSL_SENDAPP) < 0) {
		e = br_ssl_engine_last_error(t->eng);
		if (t->eng == &t->cc.eng && t->chk.verify &&
		    t->chk.xerr > BR_ERR_X509_OK) {
			tls_x509_reason(&t->chk, err);
			r = -2;
		} else if (t->dead || e == 0)
			tls_seterr(err, "%s", errno == ETIMEDOUT ?
			    "timeout" : "lost connection");
		else if (e >= BR_ERR_X509_OK && e < BR_ERR_RECV_FATAL_ALERT)
			tls_seterr(err, "certificate verification failed "
			    "(BearSSL error %d)", e);
		else if (e >= BR_ERR_RECV_FATAL_ALERT &&
		    e < BR_ERR_SEND_FATAL_ALERT)
			tls_seterr(err, "handshake failed: alert %d received",
			    e - BR_ERR_RECV_FATAL_ALERT);
		else if (e >= BR_ERR_SEND_FATAL_ALERT)
			tls_seterr(err, "handshake failed: alert %d sent",
			    e - BR_ERR_SEND_FATAL_ALERT);
		else
			tls_seterr(err, "handshake failed (BearSSL error %d)",
			    e);
		goto fail;
	}
	in->rd = tls_rd;
	in->wr = tls_wr;
	in->peek = tls_peek;
	in->ctx = t;
	if (out && out != in) {
		out->rd = tls_rd;
		out->wr = tls_wr;
		out->peek = tls_peek;
		out->ctx = t;
	}
	return 0;
fail:
	release(t);
	return r;
}

/*
 * tls_server_start - the server handshake on in's descriptor (reading)
 * and out's (writing; out may be NULL or in).  On success both streams
 * read and write through TLS; -1 with err (the caller ends the session).
 * Pending plaintext input must have been discarded by the caller.
 */
int
tls_server_start(struct io *in, struct io *out, struct tls_conf *tc,
    struct str *err)
{
	struct tls *t;

	t = xcalloc(1, sizeof(*t));
	t->eng = &t->sc.eng;
	if (tc->keytype == BR_KEYTYPE_RSA)
		br_ssl_server_init_full_rsa(&t->sc, tc->chain, tc->nchain,
		    br_skey_decoder_get_rsa(&tc->skey));
	else
		br_ssl_server_init_full_ec(&t->sc, tc->chain, tc->nchain,
		    BR_KEYTYPE_EC, br_skey_decoder_get_ec(&tc->skey));
	if (tc->ask) {
		/*
		 * a CertificateRequest naming tc's CAs; any certificate
		 * whose key signs the handshake will do (the chain check
		 * only decides Trusted or Untrusted); none is fine too
		 */
		br_ssl_server_set_trust_anchor_names_alt(&t->sc, tc->ta,
		    tc->nta);
		br_x509_minimal_init_full(&t->xc, tc->ta, tc->nta);
		tls_x509_init(&t->chk, &t->xc, NULL);
		br_ssl_engine_set_x509(t->eng, &t->chk.vtable);
		br_ssl_engine_set_default_rsavrfy(t->eng);
		br_ssl_engine_set_default_ecdsa(t->eng);
		br_ssl_engine_add_flags(t->eng,
		    BR_OPT_TOLERATE_NO_CLIENT_AUTH);
	}
	return start(t, tc, in, out, err);
}

/*
 * tls_client_start - the client handshake on io with SNI servername
 * (NULL or "": none).  With match (a NULL-terminated list of names, see
 * tls_name_match()), the chain must lead to tc's trust anchors and a
 * name of the certificate must match one of the list; without it
 * anything goes (opportunistic TLS), and tls_peer_status() tells whether
 * the chain was trusted.  -1 with err; -2 with Postfix's reason
 * ("certificate has expired", "self-signed certificate",
 * "num=62:hostname mismatch"...) when the certificate fails the check.
 */
int
tls_client_start(struct io *io, struct tls_conf *tc, const char *servername,
    const char *const *match, struct str *err)
{
	const struct tls_conf *k;
	struct tls *t;

	t = xcalloc(1, sizeof(*t));
	t->eng = &t->cc.eng;
	br_ssl_client_init_full(&t->cc, &t->xc, tc->ta, tc->nta);
	k = tc->keys ? tc->keys : tc;
	if (k->keytype == BR_KEYTYPE_RSA)
		br_ssl_client_set_single_rsa(&t->cc, k->chain, k->nchain,
		    br_skey_decoder_get_rsa(&k->skey),
		    br_rsa_pkcs1_sign_get_default());
	else if (k->keytype == BR_KEYTYPE_EC)
		br_ssl_client_set_single_ec(&t->cc, k->chain, k->nchain,
		    br_skey_decoder_get_ec(&k->skey), BR_KEYTYPE_SIGN,
		    BR_KEYTYPE_EC, br_ec_get_default(),
		    br_ecdsa_sign_asn1_get_default());
	tls_x509_init(&t->chk, &t->xc, match);
	br_ssl_engine_set_x509(t->eng, &t->chk.vtable);
	if (servername && *servername)
		t->sni = xstrdup(servername);
	return start(t, tc, io, NULL, err);
}

/*
 * tls_peer_status - the peer's certificate: in a client session
 * TLS_PEER_VERIFIED (chain and name checked), TLS_PEER_TRUSTED (the chain
 * leads to a trust anchor, the name was not checked), TLS_PEER_UNTRUSTED;
 * in a server session that asked (tls_conf_ccert()) TLS_PEER_TRUSTED or
 * TLS_PEER_UNTRUSTED for a client certificate; else TLS_PEER_NONE
 */
int
tls_peer_status(struct io *io)
{
	struct tls *t = io->ctx;

	if (t == NULL)
		return TLS_PEER_NONE;
	if (t->eng == &t->sc.eng) {
		if (t->chk.vtable == NULL || t->chk.ee.len == 0)
			return TLS_PEER_NONE;
		return t->chk.xerr == BR_ERR_X509_OK ? TLS_PEER_TRUSTED :
		    TLS_PEER_UNTRUSTED;
	}
	if (t->chk.verify)
		return TLS_PEER_VERIFIED;
	return t->chk.xerr == BR_ERR_X509_OK ? TLS_PEER_TRUSTED :
	    TLS_PEER_UNTRUSTED;
}

/*
 * tls_peer_names - the CN of the peer's certificate and of its issuer
 * (empty when unknown); 0, or -1 without a peer certificate
 */
int
tls_peer_names(struct io *io, char *cn, size_t cnsize, char *issuer,
    size_t issize)
{
	struct tls *t = io->ctx;

	if (t == NULL || t->chk.ee.len == 0)
		return -1;
	tls_x509_cn(&t->chk.ee, 1, cn, cnsize);
	tls_x509_cn(&t->chk.ee, 0, issuer, issize);
	return 0;
}

/* tls_drop - release the session of a connection that is gone: no alert */
void
tls_drop(struct io *io)
{
	struct tls *t = io->ctx;

	if (t != NULL)
		t->dead = 1;
	tls_stop(io);
}

/* tls_stop - send close_notify (best effort) and release the session */
void
tls_stop(struct io *io)
{
	struct tls *t = io->ctx;

	if (t == NULL)
		return;
	t->timeout = io->timeout > 0 && io->timeout < 5 ? io->timeout : 5;
	if (!t->dead && t->pend.len > 0)
		(void)flush_pend(t);
	br_ssl_engine_close(t->eng);
	/* send our close_notify; do not wait for the peer's (as Postfix) */
	while (!t->dead && (br_ssl_engine_current_state(t->eng) &
	    BR_SSL_SENDREC)) {
		unsigned char *b;
		size_t len;
		ssize_t n;

		b = br_ssl_engine_sendrec_buf(t->eng, &len);
		if (wait_fd(t, t->wfd, POLLOUT) < 0)
			break;
		if ((n = write(t->wfd, b, len)) < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		br_ssl_engine_sendrec_ack(t->eng, (size_t)n);
	}
	t->in->ctx = NULL;
	t->out->ctx = NULL;
	t->in->peek = t->out->peek = NULL;
	release(t);
}

/*
 * tls_session_info - Postfix's wording of the session: "TLSv1.2 with
 * cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)"; NULL without TLS
 */
const char *
tls_session_info(struct io *io)
{
	struct tls *t = io->ctx;
	br_ssl_session_parameters sp;
	const char *v, *name;
	int bits;

	if (t == NULL)
		return NULL;
	br_ssl_engine_get_session_parameters(t->eng, &sp);
	name = tls_conf_suite_name(sp.cipher_suite, &bits);
	switch (br_ssl_engine_get_version(t->eng)) {
	case BR_TLS10:
		v = "TLSv1";
		break;
	case BR_TLS11:
		v = "TLSv1.1";
		break;
	default:
		v = "TLSv1.2";
		break;
	}
	snprintf(t->info, sizeof(t->info), "%s with cipher %s (%d/%d bits)",
	    v, name, bits, bits);
	return t->info;
}
