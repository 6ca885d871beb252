/* MIT licence: see LICENSE. */
/*
 * tls.c - TLS (BearSSL) under struct io: both sides.
 *
 * tls_server_conf() reads the certificate chain and the private key (PEM:
 * RSA or EC keys, PKCS#1, PKCS#8 or SEC1) before privileges are dropped.
 * tls_server_start() does the handshake on the descriptors of one or two
 * streams (smtpd reads fd 0 and writes fd 1) and hooks their rd/wr/ctx.
 * tls_client_conf() reads trust anchors (a PEM bundle, a directory of PEM
 * files); tls_client_start() checks the server's certificate as
 * Postfix's levels want: verifying (chain and dates by BearSSL, the name
 * here against a list, as Postfix: subjectAltName dNSNames, the CN only
 * without one) or not at all, but knowing whether the chain was trusted.  tls_conf_params() limits
 * the versions (TLSv1 to TLSv1.2: BearSSL has no TLSv1.3) and suites.
 * Randomness comes from getrandom(2), injected before the handshake, so a
 * chroot without /dev/urandom does not matter.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
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
	unsigned		vmin, vmax;	/* tls_conf_params() */
	uint32_t		suites;	/* a bit per suites[] entry */
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
struct chk_x509 {
	const br_x509_class	*vtable;
	br_x509_minimal_context	*inner;
	int			verify;
	char			**match;	/* verify: the names wanted */
	int			ncert;
	struct str		ee;	/* the server's certificate (DER) */
	br_x509_decoder_context	dc;	/* ee decoded */
	unsigned		xerr;	/* x509_minimal's verdict */
};

struct tls {
	br_ssl_server_context	sc;
	br_ssl_client_context	cc;
	br_x509_minimal_context	xc;
	struct chk_x509		chk;
	br_ssl_engine_context	*eng;
	unsigned		vmin, vmax;
	uint32_t		suites;
	unsigned char		buf[BR_SSL_BUFSIZE_BIDI];
	int			rfd, wfd, timeout;
	struct io		*in, *out;
	int			dead;	/* the transport failed */
	struct str		pend;	/* records not yet written */
	char			*sni;	/* the client's server name */
	char			info[128];
};

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
	seterr(err, "invalid TLS protocol list \"%s\"", list);
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
		seterr(err, "invalid cipher grade \"%s\"", grade);
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
		seterr(err, "protocol list \"%s\" leaves no TLS version "
		    "that mta has (TLSv1 to TLSv1.2)", protocols);
		return 1;
	}
	if (set == 0) {
		seterr(err, "cipher grade \"%s\" without \"%s\" leaves no "
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

/* b64 - the value of a base64 digit; -1 for another byte */
static int
b64(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * pem_line - one line of a PEM object's body into der (acc and nacc
 * carry the bits between lines); headers ("Proc-Type: ...") are
 * skipped; -1 on a byte that is no base64
 */
static int
pem_line(const char *p, const char *e, struct str *der, uint32_t *acc,
    int *nacc)
{
	int v;

	if (memchr(p, ':', (size_t)(e - p)) != NULL)
		return 0;
	for (; p < e; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\r')
			continue;
		if (*p == '=')
			break;
		if ((v = b64((unsigned char)*p)) < 0)
			return -1;
		*acc = *acc << 6 | (uint32_t)v;
		if (++*nacc == 4) {
			str_addc(der, (int)(*acc >> 16 & 0xff));
			str_addc(der, (int)(*acc >> 8 & 0xff));
			str_addc(der, (int)(*acc & 0xff));
			*acc = 0;
			*nacc = 0;
		}
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
	struct str text;
	char buf[8192], *p, *e, *end;
	size_t n, len;
	uint32_t acc = 0;
	int nacc = 0, r = 0;
	FILE *fp;

	if ((fp = fopen(file, "r")) == NULL) {
		seterr(err, "open %s: %s", file, strerror(errno));
		return -1;
	}
	str_init(&text);
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		str_addmem(&text, buf, n);
	fclose(fp);
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
			acc = 0;
			nacc = 0;
		} else if (o != NULL && strncmp(p, "-----END ", 9) == 0) {
			if (nacc == 2)
				str_addc(&o->der, (int)(acc >> 4 & 0xff));
			else if (nacc == 3) {
				str_addc(&o->der, (int)(acc >> 10 & 0xff));
				str_addc(&o->der, (int)(acc >> 2 & 0xff));
			} else if (nacc == 1)
				r = -1;
			o = NULL;
		} else if (o != NULL)
			r = pem_line(p, p + len, &o->der, &acc, &nacc);
	}
	str_free(&text);
	if (r < 0) {
		seterr(err, "%s: bad PEM data", file);
		return -1;
	}
	if (o != NULL) {
		seterr(err, "%s: unterminated PEM object", file);
		return -1;
	}
	return 0;
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
		seterr(err, "no certificate in %s_tls_cert_file or "
		    "%s_tls_chain_files", who, who);
		r = -1;
	} else if (r == 0 && tc->keytype == 0) {
		seterr(err, "no private key in %s_tls_key_file or "
		    "%s_tls_chain_files", who, who);
		r = -1;
	}
	return r;
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
	size_t i;

	if (load_keys(tc, cert_file, key_file, chain_files, "smtp",
	    err) == 0)
		return 0;
	for (i = 0; i < tc->nchain; i++)
		free(tc->chain[i].data);
	free(tc->chain);
	tc->chain = NULL;
	tc->nchain = 0;
	tc->keytype = 0;
	br_skey_decoder_init(&tc->skey);
	return -1;
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

static void cert_reason(struct chk_x509 *, struct str *);
static void free_match(char **);
static const br_x509_class chk_vtable;

/* start - the handshake on an initialised engine; hooks the streams */
static int
start(struct tls *t, struct io *in, struct io *out, struct str *err)
{
	uint16_t ids[NSUITES];
	unsigned char seed[32];
	size_t i, n;
	int e, ok, r = -1;

	t->in = in;
	t->out = out ? out : in;
	t->rfd = in->fd;
	t->wfd = t->out->fd;
	t->timeout = in->timeout;
	for (i = n = 0; i < NSUITES; i++)
		if (t->suites & ((uint32_t)1 << i))
			ids[n++] = suites[i].id;
	if (n == 0 || t->vmax == 0) {
		seterr(err, "no %s left by the TLS settings",
		    n == 0 ? "cipher suite" : "protocol version");
		goto fail;
	}
	br_ssl_engine_set_suites(t->eng, ids, n);
	br_ssl_engine_set_versions(t->eng, t->vmin, t->vmax);
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
		if (t->eng == &t->cc.eng && t->chk.verify &&
		    t->chk.xerr > BR_ERR_X509_OK) {
			cert_reason(&t->chk, err);
			r = -2;
		} else if (t->dead || e == 0)
			seterr(err, "%s", errno == ETIMEDOUT ?
			    "timeout" : "lost connection");
		else if (e >= BR_ERR_X509_OK && e < BR_ERR_RECV_FATAL_ALERT)
			seterr(err, "certificate verification failed "
			    "(BearSSL error %d)", e);
		else if (e >= BR_ERR_RECV_FATAL_ALERT &&
		    e < BR_ERR_SEND_FATAL_ALERT)
			seterr(err, "handshake failed: alert %d received",
			    e - BR_ERR_RECV_FATAL_ALERT);
		else if (e >= BR_ERR_SEND_FATAL_ALERT)
			seterr(err, "handshake failed: alert %d sent",
			    e - BR_ERR_SEND_FATAL_ALERT);
		else
			seterr(err, "handshake failed (BearSSL error %d)",
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
	str_free(&t->chk.ee);
	str_free(&t->pend);
	free_match(t->chk.match);
	free(t->sni);
	free(t);
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
	t->vmin = tc->vmin;
	t->vmax = tc->vmax;
	t->suites = tc->suites;
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
		t->chk.vtable = &chk_vtable;
		t->chk.inner = &t->xc;
		str_init(&t->chk.ee);
		br_ssl_engine_set_x509(t->eng, &t->chk.vtable);
		br_ssl_engine_set_default_rsavrfy(t->eng);
		br_ssl_engine_set_default_ecdsa(t->eng);
		br_ssl_engine_add_flags(t->eng,
		    BR_OPT_TOLERATE_NO_CLIENT_AUTH);
	}
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
		str_free(&objs[i].der);
	}
	free(objs);
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
		seterr(err, "open %s: %s", dir, strerror(errno));
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
			for (i = 0; i < nobj; i++)
				str_free(&objs[i].der);
			free(objs);
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
	size_t nobj = 0, n, i;
	int r = 0, bad = 0;

	if (ca_file && *ca_file) {
		r = read_pem(ca_file, &objs, &nobj, err);
		if (r < 0) {
			for (i = 0; i < nobj; i++)
				str_free(&objs[i].der);
			free(objs);
		} else {
			n = add_pem_anchors(tc, objs, nobj, &bad);
			if (bad) {
				seterr(err, "%s: unusable certificate",
				    ca_file);
				r = -1;
			} else if (n == 0) {
				seterr(err, "%s: no certificates", ca_file);
				r = -1;
			}
		}
	}
	if (r == 0 && ca_path && *ca_path) {
		n = tc->nta;
		r = add_capath(tc, ca_path, err);
		if (r == 0 && tc->nta == n) {
			seterr(err, "%s: no certificates", ca_path);
			r = -1;
		}
	}
	if (r < 0) {
		tls_conf_free(tc);
		return NULL;
	}
	return tc;
}

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

/* free_match - a list that tls_client_start() copied */
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

/* the certificate check -------------------------------------------------- */

static void
chk_start_chain(const br_x509_class **ctx, const char *name)
{
	struct chk_x509 *k = (struct chk_x509 *)ctx;

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
	struct chk_x509 *k = (struct chk_x509 *)ctx;

	k->ncert++;
	k->inner->vtable->start_cert(&k->inner->vtable, len);
}

static void
chk_append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
	struct chk_x509 *k = (struct chk_x509 *)ctx;

	if (k->ncert == 1 && k->ee.len + len <= 65536)
		str_addmem(&k->ee, buf, len);
	k->inner->vtable->append(&k->inner->vtable, buf, len);
}

static void
chk_end_cert(const br_x509_class **ctx)
{
	struct chk_x509 *k = (struct chk_x509 *)ctx;

	k->inner->vtable->end_cert(&k->inner->vtable);
}

static unsigned
chk_end_chain(const br_x509_class **ctx)
{
	struct chk_x509 *k = (struct chk_x509 *)ctx;
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
	const struct chk_x509 *k = (const struct chk_x509 *)ctx;

	if (k->verify)
		return k->inner->vtable->get_pkey(&k->inner->vtable, usages);
	if (usages)
		*usages = BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN;
	return br_x509_decoder_get_pkey(
	    (br_x509_decoder_context *)(uintptr_t)&k->dc);
}

static const br_x509_class chk_vtable = {
	sizeof(struct chk_x509), chk_start_chain, chk_start_cert, chk_append,
	chk_end_cert, chk_end_chain, chk_get_pkey
};

/* cert_reason - why the server's certificate failed, in Postfix's words */
static void
cert_reason(struct chk_x509 *k, struct str *err)
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
			seterr(err, "certificate not yet valid");
		else
			seterr(err, "certificate has expired");
		break;
	case BR_ERR_X509_BAD_SERVER_NAME:
		seterr(err, "num=62:hostname mismatch");
		break;
	case BR_ERR_X509_NOT_TRUSTED:
		if (cert_dn((unsigned char *)k->ee.s, k->ee.len, 0, &iss,
		    &il) < 0 || cert_dn((unsigned char *)k->ee.s,
		    k->ee.len, 1, &sub, &sl) < 0) {
			seterr(err, "not trusted by local or TLSA policy");
			break;
		}
		if (il == sl && memcmp(iss, sub, il) == 0) {
			seterr(err, "self-signed certificate");
			break;
		}
		dn_cn(iss, il, cn, sizeof(cn));
		seterr(err, "untrusted issuer /CN=%s", cn);
		break;
	default:
		seterr(err, "num=%u:certificate verification failed "
		    "(BearSSL error %u)", k->xerr, k->xerr);
		break;
	}
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
	size_t n;

	t = xcalloc(1, sizeof(*t));
	t->eng = &t->cc.eng;
	t->vmin = tc->vmin;
	t->vmax = tc->vmax;
	t->suites = tc->suites;
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
	t->chk.vtable = &chk_vtable;
	t->chk.inner = &t->xc;
	t->chk.verify = match != NULL;
	if (match != NULL) {
		for (n = 0; match[n] != NULL; n++)
			;
		t->chk.match = xreallocarray(NULL, n + 1, sizeof(char *));
		for (n = 0; match[n] != NULL; n++)
			t->chk.match[n] = xstrdup(match[n]);
		t->chk.match[n] = NULL;
	}
	str_init(&t->chk.ee);
	br_ssl_engine_set_x509(t->eng, &t->chk.vtable);
	if (servername && *servername)
		t->sni = xstrdup(servername);
	return start(t, io, NULL, err);
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
		seterr(err, "no CA certificates to name");
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
	const unsigned char *dn;
	size_t len;

	if (t == NULL || t->chk.ee.len == 0)
		return -1;
	if (cert_dn((unsigned char *)t->chk.ee.s, t->chk.ee.len, 1, &dn,
	    &len) == 0)
		dn_cn(dn, len, cn, cnsize);
	else
		cn[0] = 0;
	if (cert_dn((unsigned char *)t->chk.ee.s, t->chk.ee.len, 0, &dn,
	    &len) == 0)
		dn_cn(dn, len, issuer, issize);
	else
		issuer[0] = 0;
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
	str_free(&t->chk.ee);
	str_free(&t->pend);
	free_match(t->chk.match);
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
