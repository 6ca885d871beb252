/* MIT licence: see LICENSE. */
/*
 * tls.c - TLS (BearSSL) under struct io: the server side.
 *
 * tls_server_conf() reads the certificate chain and the private key (PEM:
 * RSA or EC keys, PKCS#1, PKCS#8 or SEC1) before privileges are dropped.
 * tls_server_start() does the handshake on the descriptors of one or two
 * streams (smtpd reads fd 0 and writes fd 1) and hooks their rd/wr/ctx.
 * Randomness comes from getrandom(2), injected before the handshake, so a
 * chroot without /dev/urandom does not matter.
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
#include "x.h"

struct tls_conf {
	br_x509_certificate	*chain;
	size_t			nchain;
	br_skey_decoder_context	skey;	/* holds the decoded key */
	int			keytype;	/* 0 none, BR_KEYTYPE_RSA/EC */
	br_x509_trust_anchor	*ta;	/* a client's trust anchors */
	size_t			nta;
};

/* a client that does not verify: x509_minimal, "not trusted" forgiven */
struct lax_x509 {
	const br_x509_class	*vtable;
	br_x509_minimal_context	*inner;
};

struct tls {
	br_ssl_server_context	sc;
	br_ssl_client_context	cc;
	br_x509_minimal_context	xc;
	struct lax_x509		lax;
	br_ssl_engine_context	*eng;
	unsigned char		buf[BR_SSL_BUFSIZE_BIDI];
	int			rfd, wfd, timeout;
	struct io		*in, *out;
	int			dead;	/* the transport failed */
	char			*sni;	/* the client's server name */
	char			info[128];
};

/* OpenSSL's names and strength of the suites we offer */
static const struct suite {
	uint16_t	id;
	const char	*name;
	int		bits;
} suites[] = {
	{ BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	    "ECDHE-ECDSA-AES256-GCM-SHA384", 256 },
	{ BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	    "ECDHE-RSA-AES256-GCM-SHA384", 256 },
	{ BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	    "ECDHE-ECDSA-CHACHA20-POLY1305", 256 },
	{ BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	    "ECDHE-RSA-CHACHA20-POLY1305", 256 },
	{ BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	    "ECDHE-ECDSA-AES128-GCM-SHA256", 128 },
	{ BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	    "ECDHE-RSA-AES128-GCM-SHA256", 128 },
	{ BR_TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384,
	    "ECDHE-ECDSA-AES256-SHA384", 256 },
	{ BR_TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384,
	    "ECDHE-RSA-AES256-SHA384", 256 },
	{ BR_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
	    "ECDHE-ECDSA-AES128-SHA256", 128 },
	{ BR_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
	    "ECDHE-RSA-AES128-SHA256", 128 },
	{ BR_TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
	    "ECDHE-ECDSA-AES256-SHA", 256 },
	{ BR_TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
	    "ECDHE-RSA-AES256-SHA", 256 },
	{ BR_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
	    "ECDHE-ECDSA-AES128-SHA", 128 },
	{ BR_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
	    "ECDHE-RSA-AES128-SHA", 128 },
	{ BR_TLS_RSA_WITH_AES_256_GCM_SHA384, "AES256-GCM-SHA384", 256 },
	{ BR_TLS_RSA_WITH_AES_128_GCM_SHA256, "AES128-GCM-SHA256", 128 },
	{ BR_TLS_RSA_WITH_AES_256_CBC_SHA, "AES256-SHA", 256 },
	{ BR_TLS_RSA_WITH_AES_128_CBC_SHA, "AES128-SHA", 128 },
};
#define NSUITES	(sizeof(suites) / sizeof(suites[0]))

static void seterr(struct str *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
seterr(struct str *err, const char *fmt, ...)
{
	va_list ap;

	str_reset(err);
	va_start(ap, fmt);
	str_vaddf(err, fmt, ap);
	va_end(ap);
}

/* PEM objects ------------------------------------------------------------ */

struct pem_obj {
	char		name[64];
	struct str	der;
};

static void
pem_push(void *ctx, const void *buf, size_t len)
{
	str_addmem(ctx, buf, len);
}

/* read_pem - append the PEM objects of file to *objs; -1 with err */
static int
read_pem(const char *file, struct pem_obj **objs, size_t *nobj,
    struct str *err)
{
	br_pem_decoder_context pc;
	struct pem_obj *o = NULL;
	unsigned char buf[4096];
	size_t len, off, n;
	FILE *fp;
	int inobj = 0;

	if ((fp = fopen(file, "r")) == NULL) {
		seterr(err, "open %s: %s", file, strerror(errno));
		return -1;
	}
	br_pem_decoder_init(&pc);
	while ((len = fread(buf, 1, sizeof(buf), fp)) > 0) {
		for (off = 0; off < len; off += n) {
			n = br_pem_decoder_push(&pc, buf + off, len - off);
			switch (br_pem_decoder_event(&pc)) {
			case BR_PEM_BEGIN_OBJ:
				*objs = xreallocarray(*objs, *nobj + 1,
				    sizeof(**objs));
				o = &(*objs)[(*nobj)++];
				snprintf(o->name, sizeof(o->name), "%.63s",
				    br_pem_decoder_name(&pc));
				str_init(&o->der);
				br_pem_decoder_setdest(&pc, pem_push, &o->der);
				inobj = 1;
				break;
			case BR_PEM_END_OBJ:
				inobj = 0;
				break;
			case BR_PEM_ERROR:
				fclose(fp);
				seterr(err, "%s: bad PEM data", file);
				return -1;
			}
		}
	}
	fclose(fp);
	if (inobj) {
		seterr(err, "%s: unterminated PEM object", file);
		return -1;
	}
	return 0;
}

/*
 * tls_server_conf - the certificate chain and key for a server: cert_file
 * (certificates, server first), key_file (its key) and chain_files
 * (Postfix 3.4: files with a key and its chain, blank or comma separated);
 * NULL with err when none can be used
 */
struct tls_conf *
tls_server_conf(const char *cert_file, const char *key_file,
    const char *chain_files, struct str *err)
{
	struct tls_conf *tc;
	struct pem_obj *objs = NULL;
	size_t nobj = 0, i;
	char *list, *p, *f;
	int r = 0;

	if (cert_file && *cert_file)
		r = read_pem(cert_file, &objs, &nobj, err);
	if (r == 0 && key_file && *key_file && (!cert_file ||
	    strcmp(key_file, cert_file) != 0))
		r = read_pem(key_file, &objs, &nobj, err);
	if (r == 0 && chain_files && *chain_files) {
		p = list = xstrdup(chain_files);
		while (r == 0 && (f = str_token(&p, ", \t\r\n")) != NULL)
			r = read_pem(f, &objs, &nobj, err);
		free(list);
	}
	tc = xcalloc(1, sizeof(*tc));
	br_skey_decoder_init(&tc->skey);
	for (i = 0; r == 0 && i < nobj; i++) {
		const char *n = objs[i].name;

		if (strcmp(n, "CERTIFICATE") == 0 ||
		    strcmp(n, "X509 CERTIFICATE") == 0) {
			tc->chain = xreallocarray(tc->chain, tc->nchain + 1,
			    sizeof(*tc->chain));
			tc->chain[tc->nchain].data = (unsigned char *)
			    objs[i].der.s;
			tc->chain[tc->nchain++].data_len = objs[i].der.len;
			str_init(&objs[i].der);	/* the chain owns it now */
		} else if (tc->keytype == 0 &&
		    (strcmp(n, "RSA PRIVATE KEY") == 0 ||
		    strcmp(n, "EC PRIVATE KEY") == 0 ||
		    strcmp(n, "PRIVATE KEY") == 0)) {
			br_skey_decoder_push(&tc->skey, objs[i].der.s,
			    objs[i].der.len);
			if (br_skey_decoder_last_error(&tc->skey) != 0) {
				seterr(err, "unusable private key (error "
				    "%d)", br_skey_decoder_last_error(
				    &tc->skey));
				r = -1;
			} else {
				tc->keytype = br_skey_decoder_key_type(
				    &tc->skey);
			}
		}
	}
	for (i = 0; i < nobj; i++)
		str_free(&objs[i].der);
	free(objs);
	if (r == 0 && tc->nchain == 0) {
		seterr(err, "no certificate in smtpd_tls_cert_file or "
		    "smtpd_tls_chain_files");
		r = -1;
	} else if (r == 0 && tc->keytype == 0) {
		seterr(err, "no private key in smtpd_tls_key_file or "
		    "smtpd_tls_chain_files");
		r = -1;
	}
	if (r < 0) {
		tls_conf_free(tc);
		return NULL;
	}
	return tc;
}

/* tls_conf_free - forget a configuration */
void
tls_conf_free(struct tls_conf *tc)
{
	size_t i;

	if (tc == NULL)
		return;
	for (i = 0; i < tc->nchain; i++)
		free(tc->chain[i].data);
	free(tc->chain);
	br_skey_decoder_init(&tc->skey);
	for (i = 0; i < tc->nta; i++) {
		free(tc->ta[i].dn.data);
		if (tc->ta[i].pkey.key_type == BR_KEYTYPE_RSA) {
			free(tc->ta[i].pkey.key.rsa.n);
			free(tc->ta[i].pkey.key.rsa.e);
		} else {
			free(tc->ta[i].pkey.key.ec.q);
		}
	}
	free(tc->ta);
	free(tc);
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
			errno = br_ssl_engine_last_error(e) ? EPROTO : 0;
			return -1;
		}
		if (st & BR_SSL_SENDREC) {
			b = br_ssl_engine_sendrec_buf(e, &len);
			if (wait_fd(t, t->wfd, POLLOUT) < 0)
				goto fail;
			n = write(t->wfd, b, len);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				goto fail;
			br_ssl_engine_sendrec_ack(e, (size_t)n);
			continue;
		}
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

/* start - the handshake on an initialised engine; hooks the streams */
static int
start(struct tls *t, struct io *in, struct io *out, struct str *err)
{
	uint16_t ids[NSUITES];
	unsigned char seed[32];
	size_t i;
	int e, ok;

	t->in = in;
	t->out = out ? out : in;
	t->rfd = in->fd;
	t->wfd = t->out->fd;
	t->timeout = in->timeout;
	for (i = 0; i < NSUITES; i++)
		ids[i] = suites[i].id;
	br_ssl_engine_set_suites(t->eng, ids, NSUITES);
	br_ssl_engine_add_flags(t->eng, BR_OPT_ENFORCE_SERVER_PREFERENCES |
	    BR_OPT_NO_RENEGOTIATION);
	br_ssl_engine_set_buffer(t->eng, t->buf, sizeof(t->buf), 1);
	if (getrandom(seed, sizeof(seed), 0) != (ssize_t)sizeof(seed)) {
		seterr(err, "getrandom: %s", strerror(errno));
		goto fail;
	}
	br_ssl_engine_inject_entropy(t->eng, seed, sizeof(seed));
	explicit_bzero(seed, sizeof(seed));
	if (t->eng == &t->sc.eng)
		ok = br_ssl_server_reset(&t->sc);
	else
		ok = br_ssl_client_reset(&t->cc, t->sni, 0);
	if (!ok) {
		seterr(err, "TLS engine reset failed (error %d)",
		    br_ssl_engine_last_error(t->eng));
		goto fail;
	}
	if (run_until(t, BR_SSL_SENDAPP) < 0) {
		e = br_ssl_engine_last_error(t->eng);
		if (t->dead || e == 0)
			seterr(err, "%s", errno == ETIMEDOUT ?
			    "timeout" : "lost connection");
		else if (e >= BR_ERR_X509_OK && e < BR_ERR_SEND_FATAL_ALERT)
			seterr(err, "certificate verification failed "
			    "(BearSSL error %d)", e);
		else
			seterr(err, "handshake failed (BearSSL error %d)",
			    e);
		goto fail;
	}
	in->rd = tls_rd;
	in->wr = tls_wr;
	in->ctx = t;
	if (out && out != in) {
		out->rd = tls_rd;
		out->wr = tls_wr;
		out->ctx = t;
	}
	return 0;
fail:
	free(t->sni);
	free(t);
	return -1;
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
	return start(t, in, out, err);
}

/* the client ------------------------------------------------------------- */

static void
dn_push(void *ctx, const void *buf, size_t len)
{
	str_addmem(ctx, buf, len);
}

static void *
memdup(const void *p, size_t n)
{
	void *q = xmalloc(n ? n : 1);

	memcpy(q, p, n);
	return q;
}

/* add_anchor - a trust anchor from a DER certificate; -1 if unusable */
static int
add_anchor(struct tls_conf *tc, const unsigned char *der, size_t len)
{
	br_x509_decoder_context dc;
	br_x509_trust_anchor *ta;
	br_x509_pkey *pk;
	struct str dn = STR_INIT;

	str_init(&dn);
	br_x509_decoder_init(&dc, dn_push, &dn);
	br_x509_decoder_push(&dc, der, len);
	if ((pk = br_x509_decoder_get_pkey(&dc)) == NULL) {
		str_free(&dn);
		return -1;
	}
	tc->ta = xreallocarray(tc->ta, tc->nta + 1, sizeof(*tc->ta));
	ta = &tc->ta[tc->nta++];
	memset(ta, 0, sizeof(*ta));
	ta->dn.data = memdup(dn.s, dn.len);
	ta->dn.len = dn.len;
	ta->flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
	ta->pkey.key_type = pk->key_type;
	if (pk->key_type == BR_KEYTYPE_RSA) {
		ta->pkey.key.rsa.n = memdup(pk->key.rsa.n, pk->key.rsa.nlen);
		ta->pkey.key.rsa.nlen = pk->key.rsa.nlen;
		ta->pkey.key.rsa.e = memdup(pk->key.rsa.e, pk->key.rsa.elen);
		ta->pkey.key.rsa.elen = pk->key.rsa.elen;
	} else {
		ta->pkey.key.ec.curve = pk->key.ec.curve;
		ta->pkey.key.ec.q = memdup(pk->key.ec.q, pk->key.ec.qlen);
		ta->pkey.key.ec.qlen = pk->key.ec.qlen;
	}
	str_free(&dn);
	return 0;
}

/*
 * tls_client_conf - trust anchors for a client from a PEM bundle (NULL or
 * "": none, so only tls_client_start() without verification works);
 * NULL with err
 */
struct tls_conf *
tls_client_conf(const char *ca_file, struct str *err)
{
	struct tls_conf *tc = xcalloc(1, sizeof(*tc));
	struct pem_obj *objs = NULL;
	size_t nobj = 0, i;
	int r = 0;

	if (ca_file && *ca_file)
		r = read_pem(ca_file, &objs, &nobj, err);
	for (i = 0; i < nobj; i++) {
		if (r == 0 && (strcmp(objs[i].name, "CERTIFICATE") == 0 ||
		    strcmp(objs[i].name, "X509 CERTIFICATE") == 0) &&
		    add_anchor(tc, (unsigned char *)objs[i].der.s,
		    objs[i].der.len) < 0) {
			seterr(err, "%s: unusable certificate", ca_file);
			r = -1;
		}
		str_free(&objs[i].der);
	}
	free(objs);
	if (r == 0 && ca_file && *ca_file && tc->nta == 0) {
		seterr(err, "%s: no certificates", ca_file);
		r = -1;
	}
	if (r < 0) {
		tls_conf_free(tc);
		return NULL;
	}
	return tc;
}

static void
lax_start_chain(const br_x509_class **ctx, const char *name)
{
	struct lax_x509 *l = (struct lax_x509 *)ctx;

	(void)name;	/* no name check either */
	l->inner->vtable->start_chain(&l->inner->vtable, NULL);
}

static void
lax_start_cert(const br_x509_class **ctx, uint32_t len)
{
	struct lax_x509 *l = (struct lax_x509 *)ctx;

	l->inner->vtable->start_cert(&l->inner->vtable, len);
}

static void
lax_append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
	struct lax_x509 *l = (struct lax_x509 *)ctx;

	l->inner->vtable->append(&l->inner->vtable, buf, len);
}

static void
lax_end_cert(const br_x509_class **ctx)
{
	struct lax_x509 *l = (struct lax_x509 *)ctx;

	l->inner->vtable->end_cert(&l->inner->vtable);
}

static unsigned
lax_end_chain(const br_x509_class **ctx)
{
	struct lax_x509 *l = (struct lax_x509 *)ctx;
	unsigned r = l->inner->vtable->end_chain(&l->inner->vtable);

	return r == BR_ERR_X509_NOT_TRUSTED ? 0 : r;
}

static const br_x509_pkey *
lax_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
	const struct lax_x509 *l = (const struct lax_x509 *)ctx;

	return l->inner->vtable->get_pkey(&l->inner->vtable, usages);
}

static const br_x509_class lax_vtable = {
	sizeof(struct lax_x509), lax_start_chain, lax_start_cert, lax_append,
	lax_end_cert, lax_end_chain, lax_get_pkey
};

/*
 * tls_client_start - the client handshake on io with SNI servername.
 * verify: the chain must lead to tc's trust anchors and name servername
 * (its subjectAltName or CN); else anything goes (opportunistic TLS).
 * -1 with err.
 */
int
tls_client_start(struct io *io, struct tls_conf *tc, const char *servername,
    int verify, struct str *err)
{
	struct tls *t;

	t = xcalloc(1, sizeof(*t));
	t->eng = &t->cc.eng;
	br_ssl_client_init_full(&t->cc, &t->xc, tc->ta, tc->nta);
	if (!verify) {
		t->lax.vtable = &lax_vtable;
		t->lax.inner = &t->xc;
		br_ssl_engine_set_x509(t->eng, &t->lax.vtable);
	}
	/* the SNI name is also the name BearSSL checks (unless lax) */
	if (servername && *servername)
		t->sni = xstrdup(servername);
	return start(t, io, NULL, err);
}

/* tls_stop - send close_notify (best effort) and release the session */
void
tls_stop(struct io *io)
{
	struct tls *t = io->ctx;

	if (t == NULL)
		return;
	t->timeout = io->timeout > 0 && io->timeout < 5 ? io->timeout : 5;
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
	free(t->sni);
	free(t);
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
	const char *v, *name = "UNKNOWN";
	size_t i;
	int bits = 0;

	if (t == NULL)
		return NULL;
	br_ssl_engine_get_session_parameters(t->eng, &sp);
	for (i = 0; i < NSUITES; i++)
		if (suites[i].id == sp.cipher_suite) {
			name = suites[i].name;
			bits = suites[i].bits;
		}
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
