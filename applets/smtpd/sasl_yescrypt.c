/* MIT licence: see LICENSE. */
/*
 * sasl_yescrypt.c - yescrypt ("$y$"), the default hash of /etc/shadow
 * on Debian since 11 and on most current distributions, for the built-in
 * SASL back end (smtpd_sasl_type = mta), so that a line of /etc/shadow
 * works in smtpd_sasl_password_maps.  The C library mta links (Debian's
 * musl) has no crypt(3) at all; this follows yescrypt's specification
 * (Solar Designer's reference implementation describes it), on BearSSL's
 * SHA-256 and HMAC.
 *
 * Only the flavour every "$y$" hash uses is done: YESCRYPT_RW with the
 * default pwxform settings (6 rounds, 4-way gather, 2-way simple, 12 KiB
 * S-boxes), any N, r, p and t, no ROM and no hash upgrades.  Memory is
 * 128 * r * N bytes (16 MiB at Debian's default "j9T"); a setting that
 * asks for more than YESCRYPT_MEM_MAX is refused.  Runs in smtpd, after
 * privileges are dropped.  Man page: smtpd(8).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <bearssl.h>

#include "../../lib/x.h"
#include "sasl.h"

#define YESCRYPT_MEM_MAX	((uint64_t)1 << 30)

#define FLAG_RW		0x002
#define FLAG_DEFAULTS	0x0b6	/* RW, rounds 6, gather 4, simple 2, 12K */
#define FLAG_PREHASH	0x10000000

/* pwxform: its settings, and the sizes they give */
#define PWX_SIMPLE	2
#define PWX_GATHER	4
#define PWX_ROUNDS	6
#define S_WIDTH		8
#define PWX_WORDS	(PWX_GATHER * PWX_SIMPLE * 2)	/* 16: 64 bytes */
#define S_LANES		((1 << S_WIDTH) * PWX_SIMPLE)	/* 64-bit lanes */
#define S_WORDS		(3 * S_LANES * 2)		/* 12 KiB */
#define S_MASK		(((1 << S_WIDTH) - 1) * PWX_SIMPLE * 8)

struct pwx {
	uint32_t	*s;		/* S_WORDS */
	uint32_t	*s0, *s1, *s2;
	size_t		w;
};

static const char itoa64[] =
    "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static int
atoi64(int c)
{
	const char *p = c ? strchr(itoa64, c) : NULL;

	return p ? (int)(p - itoa64) : -1;
}

static uint32_t
rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static void
wr32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

/* HMAC-SHA-256 */
static void
hmac(const void *key, size_t klen, const void *msg, size_t mlen,
    unsigned char out[32])
{
	br_hmac_key_context kc;
	br_hmac_context hc;

	br_hmac_key_init(&kc, &br_sha256_vtable, key, klen);
	br_hmac_init(&hc, &kc, 0);
	br_hmac_update(&hc, msg, mlen);
	br_hmac_out(&hc, out);
}

/* PBKDF2-HMAC-SHA-256 with one iteration, n bytes into out */
static void
pbkdf2(const void *pw, size_t plen, const void *salt, size_t slen,
    unsigned char *out, size_t n)
{
	br_hmac_key_context kc;
	br_hmac_context hc;
	unsigned char ctr[4], t[32];
	uint32_t i;
	size_t k;

	br_hmac_key_init(&kc, &br_sha256_vtable, pw, plen);
	for (i = 1; n > 0; i++) {
		ctr[0] = (unsigned char)(i >> 24);
		ctr[1] = (unsigned char)(i >> 16);
		ctr[2] = (unsigned char)(i >> 8);
		ctr[3] = (unsigned char)i;
		br_hmac_init(&hc, &kc, 0);
		br_hmac_update(&hc, salt, slen);
		br_hmac_update(&hc, ctr, 4);
		br_hmac_out(&hc, t);
		k = n < 32 ? n : 32;
		memcpy(out, t, k);
		out += k;
		n -= k;
	}
}

/*
 * The Salsa20 core over one 64-byte block.  Blocks are kept in the
 * order yescrypt's SIMD layout gives them (word i of the block is word
 * i * 5 % 16 of Salsa20's), which pwxform and Integerify depend on.
 */
static void
salsa20(uint32_t b[16], int rounds)
{
	uint32_t x[16];
	int i;

#define R(v, n) (((v) << (n)) | ((v) >> (32 - (n))))
#define QR(a, b, c, d) do {						\
	x[b] ^= R(x[a] + x[d], 7);  x[c] ^= R(x[b] + x[a], 9);		\
	x[d] ^= R(x[c] + x[b], 13); x[a] ^= R(x[d] + x[c], 18);		\
} while (0)
	for (i = 0; i < 16; i++)
		x[i * 5 % 16] = b[i];
	for (i = 0; i < rounds; i += 2) {
		QR(0, 4, 8, 12);
		QR(5, 9, 13, 1);
		QR(10, 14, 2, 6);
		QR(15, 3, 7, 11);
		QR(0, 1, 2, 3);
		QR(5, 6, 7, 4);
		QR(10, 11, 8, 9);
		QR(15, 12, 13, 14);
	}
	for (i = 0; i < 16; i++)
		b[i] += x[i * 5 % 16];
#undef QR
#undef R
}

static void
xor_words(uint32_t *d, const uint32_t *s, size_t n)
{
	while (n-- > 0)
		*d++ ^= *s++;
}

/* scrypt's BlockMix with Salsa20/8 over 2r blocks (y: 2r blocks) */
static void
mix_salsa8(uint32_t *b, uint32_t *y, size_t r)
{
	uint32_t x[16];
	size_t i;

	memcpy(x, &b[(2 * r - 1) * 16], sizeof(x));
	for (i = 0; i < 2 * r; i++) {
		xor_words(x, &b[i * 16], 16);
		salsa20(x, 8);
		memcpy(&y[i * 16], x, sizeof(x));
	}
	for (i = 0; i < r; i++) {
		memcpy(&b[i * 16], &y[i * 2 * 16], sizeof(x));
		memcpy(&b[(i + r) * 16], &y[(i * 2 + 1) * 16], sizeof(x));
	}
}

/* pwxform over one 64-byte block: multiplications and S-box lookups */
static void
pwxform(uint32_t *x, struct pwx *c)
{
	uint32_t *s0 = c->s0, *s1 = c->s1, *s2 = c->s2, *p0, *p1, *v;
	uint64_t t;
	size_t w = c->w;
	int i, j, k;

	for (i = 0; i < PWX_ROUNDS; i++) {
		for (j = 0; j < PWX_GATHER; j++) {
			v = &x[j * PWX_SIMPLE * 2];
			p0 = s0 + (v[0] & S_MASK) / 4;
			p1 = s1 + (v[1] & S_MASK) / 4;
			for (k = 0; k < PWX_SIMPLE; k++) {
				t = (uint64_t)v[2 * k + 1] * v[2 * k];
				t += (uint64_t)p0[2 * k + 1] << 32 | p0[2 * k];
				t ^= (uint64_t)p1[2 * k + 1] << 32 | p1[2 * k];
				v[2 * k] = (uint32_t)t;
				v[2 * k + 1] = (uint32_t)(t >> 32);
				if (i != 0 && i != PWX_ROUNDS - 1) {
					s2[2 * w] = (uint32_t)t;
					s2[2 * w + 1] = (uint32_t)(t >> 32);
					w++;
				}
			}
		}
	}
	c->s0 = s2;
	c->s1 = s0;
	c->s2 = s1;
	c->w = w & (S_LANES - 1);
}

/* yescrypt's BlockMix with pwxform over 2r blocks (y: one block) */
static void
mix_pwx(uint32_t *b, uint32_t *y, struct pwx *c, size_t r)
{
	size_t n = 2 * r, i;	/* 64-byte pwxform blocks */

	memcpy(y, &b[(n - 1) * PWX_WORDS], PWX_WORDS * 4);
	for (i = 0; i < n; i++) {
		if (n > 1)
			xor_words(y, &b[i * PWX_WORDS], PWX_WORDS);
		pwxform(y, c);
		memcpy(&b[i * PWX_WORDS], y, PWX_WORDS * 4);
	}
	salsa20(&b[(n - 1) * 16], 2);
}

static void
mix(uint32_t *x, uint32_t *y, struct pwx *c, size_t r)
{
	if (c)
		mix_pwx(x, y, c, r);
	else
		mix_salsa8(x, y, r);
}

static uint64_t
integerify(const uint32_t *x, size_t r)
{
	const uint32_t *last = &x[(2 * r - 1) * 16];

	return (uint64_t)last[13] << 32 | last[0];
}

static uint64_t
p2floor(uint64_t x)
{
	while (x & (x - 1))
		x &= x - 1;
	return x;
}

/* bytes b (2r blocks) into words x in the SIMD order, and back */
static void
load(uint32_t *x, const unsigned char *b, size_t r)
{
	size_t k, i;

	for (k = 0; k < 2 * r; k++)
		for (i = 0; i < 16; i++)
			x[k * 16 + i] = rd32(b + 4 * (k * 16 + i * 5 % 16));
}

static void
store(unsigned char *b, const uint32_t *x, size_t r)
{
	size_t k, i;

	for (k = 0; k < 2 * r; k++)
		for (i = 0; i < 16; i++)
			wr32(b + 4 * (k * 16 + i * 5 % 16), x[k * 16 + i]);
}

/* SMix1: fill v (n blocks of 128r bytes) from b; xy: 256r bytes */
static void
smix1(unsigned char *b, size_t r, uint64_t n, int rw, uint32_t *v,
    uint32_t *xy, struct pwx *c)
{
	size_t s = 32 * r;
	uint32_t *x = xy, *y = xy + s;
	uint64_t i, j, m;

	load(x, b, r);
	for (i = 0; i < n; i++) {
		memcpy(&v[i * s], x, s * 4);
		if (rw && i > 1) {
			m = p2floor(i);
			j = (integerify(x, r) & (m - 1)) + (i - m);
			xor_words(x, &v[j * s], s);
		}
		mix(x, y, c, r);
	}
	store(b, x, r);
}

/* SMix2: nloop rounds over v (n blocks, a power of 2) */
static void
smix2(unsigned char *b, size_t r, uint64_t n, uint64_t nloop, int rw,
    uint32_t *v, uint32_t *xy, struct pwx *c)
{
	size_t s = 32 * r;
	uint32_t *x = xy, *y = xy + s;
	uint64_t i, j;

	load(x, b, r);
	for (i = 0; i < nloop; i++) {
		j = integerify(x, r) & (n - 1);
		xor_words(x, &v[j * s], s);
		if (rw)
			memcpy(&v[j * s], x, s * 4);
		mix(x, y, c, r);
	}
	store(b, x, r);
}

/*
 * The KDF proper, for the RW flavour: password pw (plen bytes), binary
 * salt, parameters; 32 bytes into out.  -1: out of the supported range.
 */
static int
kdf(const unsigned char *pw, size_t plen, const unsigned char *salt,
    size_t slen, int flags, uint64_t n, uint32_t r, uint32_t p, uint32_t t,
    unsigned char out[32])
{
	unsigned char pre[32], *b, *bi;
	uint32_t *v, *xy, *sbox;
	struct pwx *c;
	uint64_t chunk, nall, nrw, vc, np;
	size_t s = 32 * r, bsize;
	uint32_t i;

	if (n < 2 || (n & (n - 1)) || r < 1 || p < 1 || n / p <= 1 ||
	    (uint64_t)r * p >= (1 << 30) ||
	    128 * (uint64_t)r * n > YESCRYPT_MEM_MAX ||
	    128 * (uint64_t)r * p > YESCRYPT_MEM_MAX || t > 1000)
		return -1;
	bsize = 128 * (size_t)r * p;
	v = xmalloc(128 * (size_t)r * (size_t)n);
	b = xmalloc(bsize);
	xy = xmalloc(256 * (size_t)r);
	sbox = xmalloc(S_WORDS * 4 * (size_t)p);
	c = xmalloc(sizeof(*c) * p);

	/* the password is hashed first, so that its length costs nothing */
	hmac((flags & FLAG_PREHASH) ? "yescrypt-prehash" : "yescrypt",
	    (flags & FLAG_PREHASH) ? 16 : 8, pw, plen, pre);
	pbkdf2(pre, 32, salt, slen, b, bsize);
	memcpy(pre, b, 32);

	/* how many SMix2 rounds: a third of N at t = 0 */
	chunk = n / p;
	nall = chunk;
	if (t <= 1) {
		if (t)
			nall *= 2;
		nall = (nall + 2) / 3;
	} else {
		nall *= t - 1;
	}
	nrw = nall / p;
	chunk &= ~(uint64_t)1;
	nall = (nall + 1) & ~(uint64_t)1;
	nrw = (nrw + 1) & ~(uint64_t)1;

	for (i = 0, vc = 0; i < p; i++, vc += chunk) {
		np = i < p - 1 ? chunk : n - vc;
		bi = b + i * s * 4;
		c[i].s = sbox + (size_t)i * S_WORDS;
		/* the S-boxes come from B_i, by classic scrypt's SMix1 */
		smix1(bi, 1, S_WORDS / 32, 0, c[i].s, xy, NULL);
		c[i].s2 = c[i].s;
		c[i].s1 = c[i].s2 + S_LANES * 2;
		c[i].s0 = c[i].s1 + S_LANES * 2;
		c[i].w = 0;
		if (i == 0)
			hmac(bi + s * 4 - 64, 64, pre, 32, pre);
		smix1(bi, r, np, 1, v + vc * s, xy, &c[i]);
		smix2(bi, r, p2floor(np), nrw, 1, v + vc * s, xy, &c[i]);
	}
	for (i = 0; i < p; i++)
		smix2(b + i * s * 4, r, n, nall - nrw, 0, v, xy, &c[i]);

	pbkdf2(pre, 32, b, bsize, out, 32);
	if (!(flags & FLAG_PREHASH)) {
		/* SCRAM's ClientKey, then StoredKey = SHA-256(ClientKey) */
		br_sha256_context h;

		hmac(out, 32, "Client Key", 10, pre);
		br_sha256_init(&h);
		br_sha256_update(&h, pre, 32);
		br_sha256_out(&h, out);
	}
	memset(pre, 0, sizeof(pre));
	memset(v, 0, 128 * (size_t)r * (size_t)n);
	memset(b, 0, bsize);
	free(v);
	free(b);
	free(xy);
	free(sbox);
	free(c);
	return 0;
}

/* a parameter in yescrypt's variable-length encoding; NULL: malformed */
static const char *
param(const char *s, uint32_t min, uint32_t *out)
{
	uint32_t start = 0, end = 47, bits = 0, chars = 1;
	uint64_t v = min;
	int c;

	if ((c = atoi64(*s++)) < 0)
		return NULL;
	while ((uint32_t)c > end) {
		v += (uint64_t)(end + 1 - start) << bits;
		start = end + 1;
		end = start + (62 - end) / 2;
		chars++;
		bits += 6;
	}
	v += (uint64_t)(c - start) << bits;
	while (--chars > 0) {
		if ((c = atoi64(*s++)) < 0)
			return NULL;
		bits -= 6;
		v += (uint64_t)c << bits;
	}
	if (v > UINT32_MAX)
		return NULL;
	*out = (uint32_t)v;
	return s;
}

/* yescrypt's base-64 (little-endian 24-bit groups) into out; -1: bad */
static int
decode64(const char *s, size_t n, unsigned char *out, size_t max,
    size_t *len)
{
	uint32_t v, bits;
	size_t i = 0;
	int c;

	*len = 0;
	while (i < n) {
		for (v = 0, bits = 0; i < n && bits < 24; i++, bits += 6) {
			if ((c = atoi64(s[i])) < 0)
				return -1;
			v |= (uint32_t)c << bits;
		}
		if (bits < 12)
			return -1;
		for (; bits >= 8; bits -= 8, v >>= 8) {
			if (*len >= max)
				return -1;
			out[(*len)++] = (unsigned char)v;
		}
		if (v != 0)
			return -1;
	}
	return 0;
}

static void
encode64(struct str *out, const unsigned char *b, size_t n)
{
	uint32_t v, bits, k;
	size_t i = 0;

	while (i < n) {
		for (v = 0, bits = 0; bits < 24 && i < n; bits += 8)
			v |= (uint32_t)b[i++] << bits;
		for (k = 0; k < bits; k += 6, v >>= 6)
			str_addc(out, itoa64[v & 63]);
	}
}

/*
 * sasl_yescrypt - crypt(3) of key with setting "$y$PARAMS$SALT[$...]";
 * 0, or -1 when the setting is malformed or not supported
 */
int
sasl_yescrypt(const char *key, const char *setting, struct str *out)
{
	unsigned char salt[64], hash[32], pre[32];
	const unsigned char *pw = (const unsigned char *)key;
	size_t plen = strlen(key), slen, saltlen;
	uint32_t flavor, nlog, r, have, p = 1, t = 0, g = 0;
	const char *s, *saltstr;
	uint64_t n;
	int flags, rc;

	str_reset(out);
	if (strncmp(setting, "$y$", 3) != 0)
		return -1;
	s = setting + 3;
	if ((s = param(s, 0, &flavor)) == NULL ||
	    (s = param(s, 1, &nlog)) == NULL || (s = param(s, 1, &r)) == NULL)
		return -1;
	if (*s != '$') {
		if ((s = param(s, 1, &have)) == NULL || have > 15)
			return -1;
		if ((have & 1) && (s = param(s, 2, &p)) == NULL)
			return -1;
		if ((have & 2) && (s = param(s, 1, &t)) == NULL)
			return -1;
		if ((have & 4) && (s = param(s, 1, &g)) == NULL)
			return -1;
		if (have & 8)
			return -1;	/* a ROM: not here */
	}
	if (*s++ != '$' || g != 0 || nlog > 63)
		return -1;
	/* flavours at and above RW carry the pwxform settings */
	if (flavor < FLAG_RW ||
	    (flags = (int)(FLAG_RW + ((flavor - FLAG_RW) << 2))) !=
	    FLAG_DEFAULTS)
		return -1;
	n = (uint64_t)1 << nlog;
	saltstr = s;
	slen = strcspn(saltstr, "$");
	if (decode64(saltstr, slen, salt, sizeof(salt), &saltlen) < 0)
		return -1;
	/* large N: the password is first hashed with N / 64 */
	if (n / p >= 0x100 && n / p * r >= 0x20000) {
		if (kdf(pw, plen, salt, saltlen, flags | FLAG_PREHASH, n >> 6,
		    r, p, 0, pre) < 0)
			return -1;
		pw = pre;
		plen = sizeof(pre);
	}
	rc = kdf(pw, plen, salt, saltlen, flags, n, r, p, t, hash);
	memset(pre, 0, sizeof(pre));
	if (rc < 0)
		return -1;
	str_addmem(out, setting, (size_t)(saltstr - setting) + slen);
	str_addc(out, '$');
	encode64(out, hash, sizeof(hash));
	memset(hash, 0, sizeof(hash));
	return 0;
}
