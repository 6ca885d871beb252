/* MIT licence: see LICENSE. */
/*
 * tls_conf.c - what TLS sessions may use: the configuration that
 * tls_server_start() and tls_client_start() take.  A server's certificate
 * chain and private key (PEM: RSA or EC keys, PKCS#1, PKCS#8 or SEC1), a
 * client's trust anchors (a PEM bundle, a directory of PEM files) and
 * certificate, the CAs a server names when it asks for client
 * certificates, and the versions (TLSv1 to TLSv1.2: BearSSL has no
 * TLSv1.3) and cipher suites that Postfix's *_tls_protocols,
 * *_tls_ciphers and *_tls_exclude_ciphers leave.  The files are read at
 * setup, before privileges are dropped.  Man page: mta.conf(5).
 */
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <bearssl.h>

#include "b64.h"
#include "str.h"
#include "tls.h"
#include "tls_int.h"
#include "x.h"

/* the OpenSSL aliases a suite answers to (*_tls_exclude_ciphers) */
#define S_KECDHE	0x001	/* kECDHE, ECDHE, EECDH */
#define S_KRSA		0x002	/* kRSA, RSA */
#define S_AECDSA	0x004	/* aECDSA, ECDSA */
#define S_ARSA		0x008	/* aRSA */
#define S_AES128	0x010	/* AES128, AES */
#define S_AES256	0x020	/* AES256, AES */
#define S_CHACHA	0x040	/* CHACHA20 */
#define S_GCM		0x080	/* AESGCM */
#define S_SHA1		0x100	/* SHA1, SHA (and CBC) */
#define S_SHA256	0x200	/* SHA256 */
#define S_SHA384	0x400	/* SHA384 */
#define S_CBC		0x800	/* CBC (not an OpenSSL alias) */

#define ER	(S_KECDHE | S_ARSA)
#define EE	(S_KECDHE | S_AECDSA)
#define RR	(S_KRSA | S_ARSA)
#define G128	(S_AES128 | S_GCM | S_SHA256)
#define G256	(S_AES256 | S_GCM | S_SHA384)
#define CC	(S_CHACHA | S_SHA256)
#define C128	(S_AES128 | S_CBC)
#define C256	(S_AES256 | S_CBC)

/* OpenSSL's names and strength of the suites we offer, best first */
static const struct suite {
	uint16_t	id;
	const char	*name;
	int		bits;
	unsigned	flags;
} suites[] = {
	{ BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	    "ECDHE-ECDSA-AES256-GCM-SHA384", 256, EE | G256 },
	{ BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	    "ECDHE-RSA-AES256-GCM-SHA384", 256, ER | G256 },
	{ BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	    "ECDHE-ECDSA-CHACHA20-POLY1305", 256, EE | CC },
	{ BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	    "ECDHE-RSA-CHACHA20-POLY1305", 256, ER | CC },
	{ BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	    "ECDHE-ECDSA-AES128-GCM-SHA256", 128, EE | G128 },
	{ BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	    "ECDHE-RSA-AES128-GCM-SHA256", 128, ER | G128 },
	{ BR_TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384,
	    "ECDHE-ECDSA-AES256-SHA384", 256, EE | C256 | S_SHA384 },
	{ BR_TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384,
	    "ECDHE-RSA-AES256-SHA384", 256, ER | C256 | S_SHA384 },
	{ BR_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
	    "ECDHE-ECDSA-AES128-SHA256", 128, EE | C128 | S_SHA256 },
	{ BR_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
	    "ECDHE-RSA-AES128-SHA256", 128, ER | C128 | S_SHA256 },
	{ BR_TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
	    "ECDHE-ECDSA-AES256-SHA", 256, EE | C256 | S_SHA1 },
	{ BR_TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
	    "ECDHE-RSA-AES256-SHA", 256, ER | C256 | S_SHA1 },
	{ BR_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
	    "ECDHE-ECDSA-AES128-SHA", 128, EE | C128 | S_SHA1 },
	{ BR_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
	    "ECDHE-RSA-AES128-SHA", 128, ER | C128 | S_SHA1 },
	{ BR_TLS_RSA_WITH_AES_256_GCM_SHA384, "AES256-GCM-SHA384", 256,
	    RR | G256 },
	{ BR_TLS_RSA_WITH_AES_128_GCM_SHA256, "AES128-GCM-SHA256", 128,
	    RR | G128 },
	{ BR_TLS_RSA_WITH_AES_256_CBC_SHA, "AES256-SHA", 256,
	    RR | C256 | S_SHA1 },
	{ BR_TLS_RSA_WITH_AES_128_CBC_SHA, "AES128-SHA", 128,
	    RR | C128 | S_SHA1 },
};
#define NSUITES	(sizeof(suites) / sizeof(suites[0]))

/* tls_conf_suite_ids - the BearSSL ids of the suites in set; their count */
size_t
tls_conf_suite_ids(uint32_t set, uint16_t *ids)
{
	size_t i, n;

	for (i = n = 0; i < NSUITES; i++)
		if (set & ((uint32_t)1 << i))
			ids[n++] = suites[i].id;
	return n;
}

/*
 * tls_conf_suite_name - OpenSSL's name of a suite and its strength in
 * *bits; "UNKNOWN" (0 bits) for one we do not offer
 */
const char *
tls_conf_suite_name(uint16_t id, int *bits)
{
	size_t i;

	for (i = 0; i < NSUITES; i++)
		if (suites[i].id == id) {
			*bits = suites[i].bits;
			return suites[i].name;
		}
	*bits = 0;
	return "UNKNOWN";
}

/* conf_new - a configuration with every version and suite */
static struct tls_conf *
conf_new(void)
{
	struct tls_conf *tc = xcalloc(1, sizeof(*tc));

	tc->vmin = BR_TLS10;
	tc->vmax = BR_TLS12;
	tc->suites = ((uint32_t)1 << NSUITES) - 1;
	return tc;
}

/* protocols and ciphers ------------------------------------------------- */

static const char *const protos[] = {
	"SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"
};
#define P_TLS10	2	/* protos[] index of BR_TLS10 (BR_TLS12: + 2) */
#define NPROTOS	(sizeof(protos) / sizeof(protos[0]))

static int
proto_index(const char *w)
{
	size_t i;

	for (i = 0; i < NPROTOS; i++)
		if (strcasecmp(w, protos[i]) == 0)
			return (int)i;
	return -1;
}

/*
 * parse_protocols - Postfix's protocol list ("TLSv1.2", "!SSLv3",
 * ">=TLSv1", "<=TLSv1.1", blank, comma or colon separated) into the
 * BearSSL range; as OpenSSL, the highest run of enabled versions wins
 * when the list leaves a hole.  vmax 0: none left.  -1 with err.
 */
static int
parse_protocols(const char *list, unsigned *vmin, unsigned *vmax,
    struct str *err)
{
	unsigned incl = 0, excl = 0, on;
	int lo = 0, hi = (int)NPROTOS - 1, i, j;
	char *copy, *p, *w;

	p = copy = xstrdup(list);
	while ((w = str_token(&p, ", :\t\r\n")) != NULL) {
		if (strncmp(w, ">=", 2) == 0 || strncmp(w, "<=", 2) == 0) {
			if ((i = proto_index(w + 2)) < 0)
				goto bad;
			if (*w == '>' && i > lo)
				lo = i;
			else if (*w == '<' && i < hi)
				hi = i;
		} else if (*w == '!') {
			if ((i = proto_index(w + 1)) < 0)
				goto bad;
			excl |= 1u << i;
		} else {
			if ((i = proto_index(w)) < 0)
				goto bad;
			incl |= 1u << i;
		}
	}
	free(copy);
	on = incl ? incl : (1u << NPROTOS) - 1;
	on &= ~excl;
	*vmin = *vmax = 0;
	for (i = P_TLS10 + 2; i >= P_TLS10; i--) {
		if (!(on & (1u << i)) || i < lo || i > hi)
			continue;
		for (j = i; j - 1 >= P_TLS10 && j - 1 >= lo &&
		    (on & (1u << (j - 1))); j--)
			;
		*vmax = BR_TLS10 + (unsigned)(i - P_TLS10);
		*vmin = BR_TLS10 + (unsigned)(j - P_TLS10);
		break;
	}
	return 0;
bad:
	tls_seterr(err, "invalid TLS protocol list \"%s\"", list);
	free(copy);
	return -1;
}

/* exclude_mask - the suites[] bits an OpenSSL cipher name stands for */
static uint32_t
exclude_mask(const char *w)
{
	static const struct {
		const char	*name;
		unsigned	flags;
	} alias[] = {
		{ "kECDHE", S_KECDHE }, { "ECDHE", S_KECDHE },
		{ "EECDH", S_KECDHE }, { "kEECDH", S_KECDHE },
		{ "kRSA", S_KRSA }, { "RSA", S_KRSA },
		{ "aECDSA", S_AECDSA }, { "ECDSA", S_AECDSA },
		{ "aRSA", S_ARSA },
		{ "AES128", S_AES128 }, { "AES256", S_AES256 },
		{ "AES", S_AES128 | S_AES256 }, { "AESGCM", S_GCM },
		{ "CHACHA20", S_CHACHA }, { "SHA1", S_SHA1 }, { "SHA", S_SHA1 },
		{ "SHA256", S_SHA256 }, { "SHA384", S_SHA384 },
		{ "CBC", S_CBC },
	};
	uint32_t m = 0;
	size_t i, k;

	for (i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
		if (strcmp(w, alias[i].name) == 0)
			break;
	for (k = 0; k < NSUITES; k++)
		if (i < sizeof(alias) / sizeof(alias[0]) ?
		    (suites[k].flags & alias[i].flags) != 0 :
		    strcmp(w, suites[k].name) == 0)
			m |= (uint32_t)1 << k;
	/* others (aNULL, eNULL, RC4, MD5, DES, 3DES, EXP...): none offered */
	return m;
}

/*
 * tls_conf_params - what sessions started with tc may negotiate:
 * protocols (Postfix's *_tls_protocols syntax; mta has TLSv1 to TLSv1.2),
 * the cipher grade (*_tls_ciphers: export, low and medium take every
 * suite mta has, high only the 256-bit AEAD ones (AES-256-GCM,
 * ChaCha20-Poly1305), null none) and exclude (*_tls_exclude_ciphers:
 * OpenSSL names or aliases such as SHA1, AES128, kRSA, CBC).  -1 with err
 * on a syntax error (tc unchanged); 1 with err when nothing is left (no
 * version or no suite: every handshake with tc fails); else 0.
 */
int
tls_conf_params(struct tls_conf *tc, const char *protocols,
    const char *grade, const char *exclude, struct str *err)
{
	unsigned vmin, vmax;
	uint32_t set = 0;
	char *copy, *p, *w;
	size_t i;

	if (parse_protocols(protocols ? protocols : "", &vmin, &vmax,
	    err) < 0)
		return -1;
	if (grade == NULL || *grade == 0 || strcasecmp(grade, "medium") == 0 ||
	    strcasecmp(grade, "low") == 0 || strcasecmp(grade, "export") == 0)
		set = ((uint32_t)1 << NSUITES) - 1;
	else if (strcasecmp(grade, "high") == 0) {
		for (i = 0; i < NSUITES; i++)
			if (suites[i].bits == 256 &&
			    !(suites[i].flags & S_CBC))
				set |= (uint32_t)1 << i;
	} else if (strcasecmp(grade, "null") != 0) {
		tls_seterr(err, "invalid cipher grade \"%s\"", grade);
		return -1;
	}
	p = copy = xstrdup(exclude ? exclude : "");
	while ((w = str_token(&p, ", :\t\r\n")) != NULL)
		set &= ~exclude_mask(*w == '!' ? w + 1 : w);
	free(copy);
	tc->vmin = vmin;
	tc->vmax = vmax;
	tc->suites = set;
	if (vmax == 0) {
		tls_seterr(err, "protocol list \"%s\" leaves no TLS version "
		    "that mta has (TLSv1 to TLSv1.2)", protocols);
		return 1;
	}
	if (set == 0) {
		tls_seterr(err, "cipher grade \"%s\" without \"%s\" leaves no "
		    "cipher suite", grade, exclude ? exclude : "");
		return 1;
	}
	return 0;
}

/* PEM objects ------------------------------------------------------------ */

struct pem_obj {
	char		name[64];
	struct str	der;
};

/*
 * pem_line - the base64 digits of one line of a PEM object's body,
 * appended to b64 (up to a '=': the digits of the lines are one run);
 * headers ("Proc-Type: ...") are skipped; -1 on a byte that is no base64
 */
static int
pem_line(const char *p, const char *e, struct str *b64)
{
	if (memchr(p, ':', (size_t)(e - p)) != NULL)
		return 0;
	for (; p < e; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\r')
			continue;
		if (*p == '=')
			break;
		if (!isalnum((unsigned char)*p) && *p != '+' && *p != '/')
			return -1;
		str_addc(b64, *p);
	}
	return 0;
}

/*
 * read_pem - append the PEM objects of file to *objs (text outside them
 * is ignored, as OpenSSL does); -1 with err
 */
static int
read_pem(const char *file, struct pem_obj **objs, size_t *nobj,
    struct str *err)
{
	struct pem_obj *o = NULL;
	struct str text, b64;
	char buf[8192], *p, *e, *end;
	size_t n, len;
	int r = 0;
	FILE *fp;

	if ((fp = fopen(file, "r")) == NULL) {
		tls_seterr(err, "open %s: %s", file, strerror(errno));
		return -1;
	}
	str_init(&text);
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		str_addmem(&text, buf, n);
	fclose(fp);
	str_init(&b64);
	end = text.s + text.len;
	for (p = text.s; r == 0 && p < end; p = e + (e < end)) {
		if ((e = memchr(p, '\n', (size_t)(end - p))) == NULL)
			e = end;
		len = (size_t)(e - p);
		while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == ' '))
			len--;
		if (o == NULL && len > 16 &&
		    strncmp(p, "-----BEGIN ", 11) == 0 &&
		    strncmp(p + len - 5, "-----", 5) == 0) {
			*objs = xreallocarray(*objs, *nobj + 1, sizeof(**objs));
			o = &(*objs)[(*nobj)++];
			snprintf(o->name, sizeof(o->name), "%.*s",
			    (int)(len - 16 > 63 ? 63 : len - 16), p + 11);
			str_init(&o->der);
			str_reset(&b64);
		} else if (o != NULL && strncmp(p, "-----END ", 9) == 0) {
			/* a body without its padding is taken too */
			while (b64.len % 4 != 0)
				str_addc(&b64, '=');
			r = b64_decode(b64.s, b64.len, &o->der);
			o = NULL;
		} else if (o != NULL)
			r = pem_line(p, p + len, &b64);
	}
	str_free(&b64);
	str_free(&text);
	if (r < 0) {
		tls_seterr(err, "%s: bad PEM data", file);
		return -1;
	}
	if (o != NULL) {
		tls_seterr(err, "%s: unterminated PEM object", file);
		return -1;
	}
	return 0;
}

/* pem_free - forget the objects read_pem() appended, and the array */
static void
pem_free(struct pem_obj *objs, size_t nobj)
{
	size_t i;

	for (i = 0; i < nobj; i++)
		str_free(&objs[i].der);
	free(objs);
}

/*
 * load_keys - a certificate chain and its key into tc: cert_file
 * (certificates, ours first), key_file (its key) and chain_files
 * (Postfix 3.4: files with a key and its chain, blank or comma
 * separated); who names the parameters ("smtpd") in err on -1
 */
static int
load_keys(struct tls_conf *tc, const char *cert_file, const char *key_file,
    const char *chain_files, const char *who, struct str *err)
{
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
				tls_seterr(err, "unusable private key (error "
				    "%d)", br_skey_decoder_last_error(
				    &tc->skey));
				r = -1;
			} else {
				tc->keytype = br_skey_decoder_key_type(
				    &tc->skey);
			}
		}
	}
	pem_free(objs, nobj);
	if (r == 0 && tc->nchain == 0) {
		tls_seterr(err, "no certificate in %s_tls_cert_file or "
		    "%s_tls_chain_files", who, who);
		r = -1;
	} else if (r == 0 && tc->keytype == 0) {
		tls_seterr(err, "no private key in %s_tls_key_file or "
		    "%s_tls_chain_files", who, who);
		r = -1;
	}
	return r;
}

/* drop_keys - forget the certificate chain and key that tc presents */
static void
drop_keys(struct tls_conf *tc)
{
	size_t i;

	for (i = 0; i < tc->nchain; i++)
		free(tc->chain[i].data);
	free(tc->chain);
	tc->chain = NULL;
	tc->nchain = 0;
	tc->keytype = 0;
	br_skey_decoder_init(&tc->skey);
}

/*
 * tls_server_conf - the certificate chain and key for a server (see
 * load_keys()); NULL with err when none can be used
 */
struct tls_conf *
tls_server_conf(const char *cert_file, const char *key_file,
    const char *chain_files, struct str *err)
{
	struct tls_conf *tc = conf_new();

	if (load_keys(tc, cert_file, key_file, chain_files, "smtpd",
	    err) < 0) {
		tls_conf_free(tc);
		return NULL;
	}
	return tc;
}

/*
 * tls_conf_share_keys - sessions started with tc present the client
 * certificate of src instead (src must outlive them)
 */
void
tls_conf_share_keys(struct tls_conf *tc, const struct tls_conf *src)
{
	tc->keys = src;
}

/*
 * tls_conf_client_cert - the certificate chain and key a client presents
 * when a server asks (smtp_tls_cert_file, smtp_tls_key_file,
 * smtp_tls_chain_files: see load_keys()); -1 with err (tc then presents
 * none)
 */
int
tls_conf_client_cert(struct tls_conf *tc, const char *cert_file,
    const char *key_file, const char *chain_files, struct str *err)
{
	if (load_keys(tc, cert_file, key_file, chain_files, "smtp",
	    err) == 0)
		return 0;
	drop_keys(tc);
	return -1;
}

/* tls_conf_free - forget a configuration */
void
tls_conf_free(struct tls_conf *tc)
{
	size_t i;

	if (tc == NULL)
		return;
	drop_keys(tc);
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

/* trust anchors ---------------------------------------------------------- */

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

/* add_pem_anchors - the certificates among objs as anchors; the count */
static size_t
add_pem_anchors(struct tls_conf *tc, struct pem_obj *objs, size_t nobj,
    int *bad)
{
	size_t i, n = 0;

	for (i = 0; i < nobj; i++) {
		if (strcmp(objs[i].name, "CERTIFICATE") == 0 ||
		    strcmp(objs[i].name, "X509 CERTIFICATE") == 0 ||
		    strcmp(objs[i].name, "TRUSTED CERTIFICATE") == 0) {
			if (add_anchor(tc, (unsigned char *)objs[i].der.s,
			    objs[i].der.len) == 0)
				n++;
			else if (bad)
				*bad = 1;
		}
	}
	pem_free(objs, nobj);
	return n;
}

/*
 * add_capath - every certificate in the PEM files of dir (OpenSSL's
 * c_rehash layout: *.pem files and hash links; one file linked twice
 * counts once; files that are no PEM are skipped quietly); -1 with err
 * when dir cannot be read
 */
static int
add_capath(struct tls_conf *tc, const char *dir, struct str *err)
{
	struct { dev_t dev; ino_t ino; } *seen = NULL;
	struct pem_obj *objs;
	struct dirent *de;
	struct str path, junk;
	struct stat st;
	size_t nseen = 0, nobj, i;
	DIR *d;

	if ((d = opendir(dir)) == NULL) {
		tls_seterr(err, "open %s: %s", dir, strerror(errno));
		return -1;
	}
	str_init(&path);
	str_init(&junk);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		str_set(&path, dir);
		str_addc(&path, '/');
		str_adds(&path, de->d_name);
		if (stat(path.s, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		for (i = 0; i < nseen; i++)
			if (seen[i].dev == st.st_dev &&
			    seen[i].ino == st.st_ino)
				break;
		if (i < nseen)
			continue;
		seen = xreallocarray(seen, nseen + 1, sizeof(*seen));
		seen[nseen].dev = st.st_dev;
		seen[nseen++].ino = st.st_ino;
		objs = NULL;
		nobj = 0;
		if (read_pem(path.s, &objs, &nobj, &junk) < 0) {
			pem_free(objs, nobj);
			continue;
		}
		add_pem_anchors(tc, objs, nobj, NULL);
	}
	closedir(d);
	free(seen);
	str_free(&path);
	str_free(&junk);
	return 0;
}

/*
 * tls_client_conf - trust anchors for a client from a PEM bundle ca_file
 * and the PEM files in directory ca_path (NULL or "": none, so only
 * sessions that do not verify can succeed); NULL with err
 */
struct tls_conf *
tls_client_conf(const char *ca_file, const char *ca_path, struct str *err)
{
	struct tls_conf *tc = conf_new();
	struct pem_obj *objs = NULL;
	size_t nobj = 0, n;
	int r = 0, bad = 0;

	if (ca_file && *ca_file) {
		r = read_pem(ca_file, &objs, &nobj, err);
		if (r < 0) {
			pem_free(objs, nobj);
		} else {
			n = add_pem_anchors(tc, objs, nobj, &bad);
			if (bad) {
				tls_seterr(err, "%s: unusable certificate",
				    ca_file);
				r = -1;
			} else if (n == 0) {
				tls_seterr(err, "%s: no certificates", ca_file);
				r = -1;
			}
		}
	}
	if (r == 0 && ca_path && *ca_path) {
		n = tc->nta;
		r = add_capath(tc, ca_path, err);
		if (r == 0 && tc->nta == n) {
			tls_seterr(err, "%s: no certificates", ca_path);
			r = -1;
		}
	}
	if (r < 0) {
		tls_conf_free(tc);
		return NULL;
	}
	return tc;
}

/*
 * tls_conf_ccert - a server asks clients for a certificate, naming the
 * CAs in ca_file and ca_path, and checks the chain against them; -1 with
 * err (also when there is no CA: BearSSL cannot ask without one)
 */
int
tls_conf_ccert(struct tls_conf *tc, const char *ca_file, const char *ca_path,
    struct str *err)
{
	struct tls_conf *ca;

	if ((ca_file == NULL || *ca_file == 0) &&
	    (ca_path == NULL || *ca_path == 0)) {
		tls_seterr(err, "no CA certificates to name");
		return -1;
	}
	if ((ca = tls_client_conf(ca_file, ca_path, err)) == NULL)
		return -1;
	tc->ta = ca->ta;
	tc->nta = ca->nta;
	ca->ta = NULL;
	ca->nta = 0;
	tls_conf_free(ca);
	tc->ask = 1;
	return 0;
}
