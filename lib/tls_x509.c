/* MIT licence: see LICENSE. */
/*
 * tls_x509.c - the peer's certificate: the names in its DER (subject and
 * issuer CN, subjectAltName dNSNames), the match of a name against a
 * list as Postfix's smtp client does, and the X.509 class a session
 * hands BearSSL, which runs x509_minimal over the chain and checks the
 * name here.  A client that verifies needs the chain and a name; an
 * opportunistic client, or a server that asks for client certificates,
 * takes any certificate and only learns whether the chain was trusted
 * (tls_peer_status()).  Runs in whichever process holds the session;
 * needs no privileges.  Man page: mta.conf(5) (smtp_tls_security_level).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <bearssl.h>

#include "str.h"
#include "tls.h"
#include "tls_int.h"
#include "x.h"

/* DER: the names in a certificate ---------------------------------------- */

/* der_next - the TLV at *p (before end): tag, contents; -1 if bad */
static int
der_next(const unsigned char **p, const unsigned char *end, unsigned *tag,
    const unsigned char **c, size_t *clen)
{
	const unsigned char *q = *p;
	size_t len, n;

	if (end - q < 2)
		return -1;
	*tag = *q++;
	len = *q++;
	if (len & 0x80) {
		n = len & 0x7f;
		if (n == 0 || n > 3 || (size_t)(end - q) < n)
			return -1;
		for (len = 0; n > 0; n--)
			len = len << 8 | *q++;
	}
	if ((size_t)(end - q) < len)
		return -1;
	*c = q;
	*clen = len;
	*p = q + len;
	return 0;
}

/*
 * cert_tbs - the fields of a certificate's tbsCertificate after its
 * version: serial, signature, issuer, validity, subject, key, ... from
 * *p up to *end; -1 if the DER is bad
 */
static int
cert_tbs(const unsigned char *der, size_t len, const unsigned char **p,
    const unsigned char **end)
{
	const unsigned char *c;
	unsigned tag;
	size_t clen;

	*p = der;
	*end = der + len;
	if (der_next(p, *end, &tag, &c, &clen) < 0 || tag != 0x30)
		return -1;
	*p = c;
	*end = c + clen;
	if (der_next(p, *end, &tag, &c, &clen) < 0 || tag != 0x30)
		return -1;		/* tbsCertificate */
	*p = c;
	*end = c + clen;
	if (*p < *end && **p == 0xa0 &&
	    der_next(p, *end, &tag, &c, &clen) < 0)
		return -1;		/* version */
	return 0;
}

/*
 * cert_dn - the issuer (which 0) or subject (1) Name of a certificate,
 * the whole TLV; -1 if the DER is bad
 */
static int
cert_dn(const unsigned char *der, size_t len, int which,
    const unsigned char **dn, size_t *dnlen)
{
	const unsigned char *p, *end, *c, *start = NULL;
	unsigned tag = 0;
	size_t clen;
	int i;

	if (cert_tbs(der, len, &p, &end) < 0)
		return -1;
	/* serial, signature, issuer, validity, subject */
	for (i = 0; i < (which ? 5 : 3); i++) {
		start = p;
		if (der_next(&p, end, &tag, &c, &clen) < 0)
			return -1;
	}
	if (tag != 0x30)
		return -1;
	*dn = start;
	*dnlen = (size_t)(p - start);
	return 0;
}

/*
 * dn_cn - the (last) commonName of a Name TLV into buf, non-printable
 * bytes as '?'; "" without one
 */
static void
dn_cn(const unsigned char *dn, size_t len, char *buf, size_t size)
{
	static const unsigned char cn_oid[] = { 0x55, 0x04, 0x03 };
	const unsigned char *p = dn, *end = dn + len, *c, *q, *qe, *v;
	unsigned tag;
	size_t clen, vlen, i;

	buf[0] = 0;
	if (der_next(&p, end, &tag, &c, &clen) < 0)
		return;
	for (p = c, end = c + clen; p < end; ) {
		if (der_next(&p, end, &tag, &c, &clen) < 0 || tag != 0x31)
			return;			/* RDN: a SET */
		for (q = c, qe = c + clen; q < qe; ) {
			if (der_next(&q, qe, &tag, &c, &clen) < 0 ||
			    tag != 0x30)
				return;		/* type and value */
			v = c;
			if (der_next(&v, c + clen, &tag, &c, &vlen) < 0 ||
			    tag != 0x06 || vlen != sizeof(cn_oid) ||
			    memcmp(c, cn_oid, vlen) != 0 ||
			    der_next(&v, q, &tag, &c, &vlen) < 0)
				continue;
			for (i = 0; i < vlen && i + 1 < size; i++)
				buf[i] = c[i] >= 0x20 && c[i] < 0x7f ?
				    (char)c[i] : '?';
			buf[i] = 0;
		}
	}
}

/*
 * cert_san - the GeneralNames of a certificate's subjectAltName
 * extension (the SEQUENCE's contents); 1 found, 0 none, -1 bad DER
 */
static int
cert_san(const unsigned char *der, size_t len, const unsigned char **san,
    size_t *sanlen)
{
	static const unsigned char san_oid[] = { 0x55, 0x1d, 0x11 };
	const unsigned char *p, *end, *c, *q, *qe, *oid;
	unsigned tag;
	size_t clen, olen;
	int i;

	if (cert_tbs(der, len, &p, &end) < 0)
		return -1;
	/* serial, signature, issuer, validity, subject, key */
	for (i = 0; i < 6; i++)
		if (der_next(&p, end, &tag, &c, &clen) < 0)
			return -1;
	while (p < end) {		/* issuerUID, subjectUID, extensions */
		if (der_next(&p, end, &tag, &c, &clen) < 0)
			return -1;
		if (tag == 0xa3)
			break;
	}
	if (tag != 0xa3 || der_next(&c, c + clen, &tag, &q, &clen) < 0 ||
	    tag != 0x30)
		return 0;
	for (qe = q + clen; q < qe; ) {
		if (der_next(&q, qe, &tag, &c, &clen) < 0 || tag != 0x30)
			return -1;	/* Extension */
		p = c;
		end = c + clen;
		if (der_next(&p, end, &tag, &oid, &olen) < 0 || tag != 0x06)
			return -1;
		if (olen != sizeof(san_oid) || memcmp(oid, san_oid, olen) != 0)
			continue;
		if (p < end && *p == 0x01 &&
		    der_next(&p, end, &tag, &c, &clen) < 0)
			return -1;	/* critical */
		if (der_next(&p, end, &tag, &c, &clen) < 0 || tag != 0x04)
			return -1;	/* extnValue */
		if (der_next(&c, c + clen, &tag, san, sanlen) < 0 ||
		    tag != 0x30)
			return -1;
		return 1;
	}
	return 0;
}

/*
 * tls_name_match - does certid, a DNS name from a certificate, match one
 * of the names in match (NULL-terminated)?  As Postfix's smtp client: a
 * name that starts with a dot matches any name below that domain
 * (".example.com": "mx.example.com", "a.b.example.com"); any other name
 * matches itself (case aside), or a wildcard "*.parent" in certid when
 * it is one label below parent (RFC 6125: "*.example.com" names
 * "mx.example.com", not "a.b.example.com" nor "example.com").
 */
int
tls_name_match(const char *certid, const char *const *match)
{
	const char *d, *parent;
	size_t il = strlen(certid), dl;

	if (match == NULL)
		return 0;
	for (; *match != NULL; match++) {
		d = *match;
		if (d[0] == '.' && d[1] != 0) {
			d++;
			dl = strlen(d);
			if (il > dl + 1 && certid[il - dl - 1] == '.' &&
			    strcasecmp(certid + il - dl, d) == 0)
				return 1;
			continue;
		}
		if (*d == 0)
			continue;
		if (strcasecmp(certid, d) == 0)
			return 1;
		if (certid[0] == '*' && certid[1] == '.' && certid[2] != 0 &&
		    (parent = strchr(d, '.')) != NULL && parent > d &&
		    strcasecmp(parent, certid + 1) == 0)
			return 1;
	}
	return 0;
}

/* dns_id - a certificate's name as a C string; 0 when it cannot be one */
static int
dns_id(const unsigned char *p, size_t len, char *buf, size_t size)
{
	size_t i;

	if (len == 0 || len >= size)
		return 0;
	for (i = 0; i < len; i++) {
		/* no NUL, no control or 8-bit byte: DNS names are ASCII */
		if (p[i] <= 0x20 || p[i] >= 0x7f)
			return 0;
		buf[i] = (char)p[i];
	}
	buf[i] = 0;
	return 1;
}

/*
 * cert_match - a name of the certificate (DER) matches one of match: its
 * subjectAltName dNSNames, or its subject CN only when it has no dNSName
 * (RFC 6125 6.4.4; BearSSL's x509_minimal would also take the CN)
 */
static int
cert_match(const unsigned char *der, size_t len, const char *const *match)
{
	const unsigned char *san, *p, *end, *c, *dn;
	unsigned tag;
	size_t sanlen, clen, dnlen;
	char id[256];
	int r, dns = 0;

	if ((r = cert_san(der, len, &san, &sanlen)) < 0)
		return 0;
	if (r == 1) {
		for (p = san, end = san + sanlen; p < end; ) {
			if (der_next(&p, end, &tag, &c, &clen) < 0)
				return 0;
			if (tag != 0x82)	/* [2] dNSName */
				continue;
			dns = 1;
			if (dns_id(c, clen, id, sizeof(id)) &&
			    tls_name_match(id, match))
				return 1;
		}
	}
	if (dns)
		return 0;
	if (cert_dn(der, len, 1, &dn, &dnlen) < 0)
		return 0;
	dn_cn(dn, dnlen, id, sizeof(id));
	return id[0] != 0 && strchr(id, '?') == NULL &&
	    tls_name_match(id, match);
}

/* the certificate check -------------------------------------------------- */

static void
chk_start_chain(const br_x509_class **ctx, const char *name)
{
	struct tls_x509 *k = (struct tls_x509 *)ctx;

	k->ncert = 0;
	k->xerr = 0;
	str_reset(&k->ee);
	/* the name is checked here (cert_match()), not by x509_minimal */
	(void)name;
	k->inner->vtable->start_chain(&k->inner->vtable, NULL);
}

static void
chk_start_cert(const br_x509_class **ctx, uint32_t len)
{
	struct tls_x509 *k = (struct tls_x509 *)ctx;

	k->ncert++;
	k->inner->vtable->start_cert(&k->inner->vtable, len);
}

static void
chk_append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
	struct tls_x509 *k = (struct tls_x509 *)ctx;

	if (k->ncert == 1 && k->ee.len + len <= 65536)
		str_addmem(&k->ee, buf, len);
	k->inner->vtable->append(&k->inner->vtable, buf, len);
}

static void
chk_end_cert(const br_x509_class **ctx)
{
	struct tls_x509 *k = (struct tls_x509 *)ctx;

	k->inner->vtable->end_cert(&k->inner->vtable);
}

static unsigned
chk_end_chain(const br_x509_class **ctx)
{
	struct tls_x509 *k = (struct tls_x509 *)ctx;
	unsigned r = k->inner->vtable->end_chain(&k->inner->vtable);

	if (r == 0 && k->verify && !cert_match((unsigned char *)k->ee.s,
	    k->ee.len, (const char *const *)k->match))
		r = BR_ERR_X509_BAD_SERVER_NAME;
	k->xerr = r == 0 ? BR_ERR_X509_OK : r;
	br_x509_decoder_init(&k->dc, NULL, NULL);
	br_x509_decoder_push(&k->dc, k->ee.s, k->ee.len);
	if (k->verify)
		return r;
	/* opportunistic: any certificate with a usable key will do */
	if (br_x509_decoder_get_pkey(&k->dc) == NULL)
		return r ? r : BR_ERR_X509_INVALID_VALUE;
	return 0;
}

static const br_x509_pkey *
chk_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
	const struct tls_x509 *k = (const struct tls_x509 *)ctx;

	if (k->verify)
		return k->inner->vtable->get_pkey(&k->inner->vtable, usages);
	if (usages)
		*usages = BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN;
	return br_x509_decoder_get_pkey(
	    (br_x509_decoder_context *)(uintptr_t)&k->dc);
}

static const br_x509_class chk_vtable = {
	sizeof(struct tls_x509), chk_start_chain, chk_start_cert, chk_append,
	chk_end_cert, chk_end_chain, chk_get_pkey
};

/*
 * tls_x509_reason - why the peer's certificate failed, in Postfix's
 * words
 */
void
tls_x509_reason(struct tls_x509 *k, struct str *err)
{
	const unsigned char *iss, *sub;
	size_t il, sl;
	uint32_t days, secs;
	time_t now = time(NULL);
	char cn[128];

	switch (k->xerr) {
	case BR_ERR_X509_EXPIRED:
		/* BearSSL counts days from 0000-01-01; 1970 is day 719528 */
		days = (uint32_t)(now / 86400) + 719528;
		secs = (uint32_t)(now % 86400);
		if (br_x509_decoder_get_pkey(&k->dc) != NULL &&
		    (days < k->dc.notbefore_days ||
		    (days == k->dc.notbefore_days &&
		    secs < k->dc.notbefore_seconds)))
			tls_seterr(err, "certificate not yet valid");
		else
			tls_seterr(err, "certificate has expired");
		break;
	case BR_ERR_X509_BAD_SERVER_NAME:
		tls_seterr(err, "num=62:hostname mismatch");
		break;
	case BR_ERR_X509_NOT_TRUSTED:
		if (cert_dn((unsigned char *)k->ee.s, k->ee.len, 0, &iss,
		    &il) < 0 || cert_dn((unsigned char *)k->ee.s,
		    k->ee.len, 1, &sub, &sl) < 0) {
			tls_seterr(err, "not trusted by local or TLSA policy");
			break;
		}
		if (il == sl && memcmp(iss, sub, il) == 0) {
			tls_seterr(err, "self-signed certificate");
			break;
		}
		dn_cn(iss, il, cn, sizeof(cn));
		tls_seterr(err, "untrusted issuer /CN=%s", cn);
		break;
	default:
		tls_seterr(err, "num=%u:certificate verification failed "
		    "(BearSSL error %u)", k->xerr, k->xerr);
		break;
	}
}

/*
 * tls_x509_init - a check over the chain with inner (initialised over the
 * trust anchors); with match (a NULL-terminated list of names, see
 * tls_name_match()) the chain must be trusted and a name must match,
 * without it any certificate will do
 */
void
tls_x509_init(struct tls_x509 *k, br_x509_minimal_context *inner,
    const char *const *match)
{
	size_t n;

	k->vtable = &chk_vtable;
	k->inner = inner;
	k->verify = match != NULL;
	if (match != NULL) {
		for (n = 0; match[n] != NULL; n++)
			;
		k->match = xreallocarray(NULL, n + 1, sizeof(char *));
		for (n = 0; match[n] != NULL; n++)
			k->match[n] = xstrdup(match[n]);
		k->match[n] = NULL;
	}
	str_init(&k->ee);
}

/* free_match - a list that tls_x509_init() copied */
static void
free_match(char **m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; m[i] != NULL; i++)
		free(m[i]);
	free(m);
}

/* tls_x509_free - release what the check holds (not k itself) */
void
tls_x509_free(struct tls_x509 *k)
{
	str_free(&k->ee);
	free_match(k->match);
	k->match = NULL;
}

/*
 * tls_x509_cn - the CN of the issuer (which 0) or subject (1) of the
 * certificate ee (DER) into buf; "" when unknown
 */
void
tls_x509_cn(const struct str *ee, int which, char *buf, size_t size)
{
	const unsigned char *dn;
	size_t len;

	if (cert_dn((unsigned char *)ee->s, ee->len, which, &dn, &len) == 0)
		dn_cn(dn, len, buf, size);
	else
		buf[0] = 0;
}
