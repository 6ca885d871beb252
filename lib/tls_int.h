/* MIT licence: see LICENSE. */
/*
 * tls_int.h - what the parts of the TLS layer share, and nothing outside
 * lib/tls*.c includes: a configuration (tls_conf.c builds it), the peer
 * certificate check (tls_x509.c) and the sessions (tls.c).
 */
#ifndef MTA_TLS_INT_H
#define MTA_TLS_INT_H

#include <stddef.h>
#include <stdint.h>

#include <bearssl.h>

#include "str.h"
#include "tls.h"

struct tls_conf {
	br_x509_certificate	*chain;
	size_t			nchain;
	br_skey_decoder_context	skey;	/* holds the decoded key */
	int			keytype;	/* 0 none, BR_KEYTYPE_RSA/EC */
	br_x509_trust_anchor	*ta;	/* a client's trust anchors */
	size_t			nta;
	unsigned		vmin, vmax;	/* tls_conf_params() */
	uint32_t		suites;	/* a bit per suite (tls_conf.c) */
	int			ask;	/* a server asks for certificates */
	const struct tls_conf	*keys;	/* tls_conf_share_keys() */
};

/*
 * the client's certificate check: x509_minimal over the trust anchors
 * (with the name only when verifying), and the server's own certificate
 * decoded on the side, so that opportunistic TLS takes any certificate
 * (expired, self-signed, another name) and still knows whether the chain
 * was trusted
 */
struct tls_x509 {
	const br_x509_class	*vtable;
	br_x509_minimal_context	*inner;
	int			verify;
	char			**match;	/* verify: the names wanted */
	int			ncert;
	struct str		ee;	/* the server's certificate (DER) */
	br_x509_decoder_context	dc;	/* ee decoded */
	unsigned		xerr;	/* x509_minimal's verdict */
};

/* a set of suites is a uint32_t, a bit per suite */
#define TLS_MAXSUITES	32

/* tls.c */
void	tls_seterr(struct str *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/* tls_conf.c */
size_t	tls_conf_suite_ids(uint32_t, uint16_t *);
const char *tls_conf_suite_name(uint16_t, int *);

/* tls_x509.c */
void	tls_x509_init(struct tls_x509 *, br_x509_minimal_context *,
	    const char *const *);
void	tls_x509_free(struct tls_x509 *);
void	tls_x509_reason(struct tls_x509 *, struct str *);
void	tls_x509_cn(const struct str *, int, char *, size_t);

#endif
