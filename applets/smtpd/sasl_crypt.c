/* MIT licence: see LICENSE. */
/*
 * sasl_crypt.c - SHA-512-crypt ($6$) and SHA-256-crypt ($5$), Ulrich
 * Drepper's "Unix crypt using SHA-256 and SHA-512" (the hashes of
 * /etc/shadow and of `openssl passwd -6`/`-5`), on BearSSL's hash
 * functions: the C library mta links (Debian's musl) has no crypt(3).
 */
#include <string.h>

#include <bearssl.h>

#include "sasl.h"

#define ROUNDS_DEFAULT	5000
#define ROUNDS_MIN	1000
#define ROUNDS_MAX	999999999L
#define SALT_MAX	16

static const char itoa64[] =
    "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/* the order in which the digest bytes are encoded, three at a time */
static const unsigned char order512[] = {
	0, 21, 42, 22, 43, 1, 44, 2, 23, 3, 24, 45, 25, 46, 4, 47, 5, 26,
	6, 27, 48, 28, 49, 7, 50, 8, 29, 9, 30, 51, 31, 52, 10, 53, 11, 32,
	12, 33, 54, 34, 55, 13, 56, 14, 35, 15, 36, 57, 37, 58, 16, 59, 17,
	38, 18, 39, 60, 40, 61, 19, 62, 20, 41,
};
static const unsigned char order256[] = {
	0, 10, 20, 21, 1, 11, 12, 22, 2, 3, 13, 23, 24, 4, 14, 15, 25, 5,
	6, 16, 26, 27, 7, 17, 18, 28, 8, 9, 19, 29,
};

static void
enc(struct str *out, unsigned b2, unsigned b1, unsigned b0, int n)
{
	unsigned w = b2 << 16 | b1 << 8 | b0;

	while (n-- > 0) {
		str_addc(out, itoa64[w & 63]);
		w >>= 6;
	}
}

/* hash "len" bytes of "src" repeated "n" bytes long into the context */
static void
add_rep(const br_hash_class **h, const unsigned char *src, size_t len,
    size_t n)
{
	for (; n > len; n -= len)
		(*h)->update(h, src, len);
	(*h)->update(h, src, n);
}

/*
 * sasl_crypt - crypt(3) of key with setting "$6$[rounds=N$]salt[$...]",
 * "$5$..." or "$y$..." (sasl_yescrypt.c)
 */
int
sasl_crypt(const char *key, const char *setting, struct str *out)
{
	br_hash_compat_context hc;
	const br_hash_class **h = &hc.vtable, *vt;
	unsigned char a[64], b[64], dp[64], ds[64], pseq[256], sseq[SALT_MAX];
	const unsigned char *order;
	const char *salt, *p;
	size_t klen = strlen(key), slen, hl, i, norder;
	long rounds = ROUNDS_DEFAULT, r;
	int custom = 0;

	str_reset(out);
	if (strncmp(setting, "$y$", 3) == 0)
		return sasl_yescrypt(key, setting, out);
	if (strncmp(setting, "$6$", 3) == 0) {
		vt = &br_sha512_vtable;
		hl = 64;
		order = order512;
		norder = sizeof(order512);
	} else if (strncmp(setting, "$5$", 3) == 0) {
		vt = &br_sha256_vtable;
		hl = 32;
		order = order256;
		norder = sizeof(order256);
	} else {
		return -1;
	}
	salt = setting + 3;
	if (strncmp(salt, "rounds=", 7) == 0) {
		r = 0;
		for (p = salt + 7; *p >= '0' && *p <= '9' && r <= ROUNDS_MAX;
		    p++)
			r = r * 10 + (*p - '0');
		if (p == salt + 7 || *p != '$' || r > ROUNDS_MAX)
			return -1;
		rounds = r < ROUNDS_MIN ? ROUNDS_MIN : r;
		custom = 1;
		salt = p + 1;
	}
	slen = strcspn(salt, "$");
	if (slen > SALT_MAX)
		slen = SALT_MAX;
	if (klen > sizeof(pseq))
		return -1;

	/* B = H(key salt key) */
	vt->init(h);
	vt->update(h, key, klen);
	vt->update(h, salt, slen);
	vt->update(h, key, klen);
	vt->out(h, b);
	/* A = H(key salt B-for-klen-bytes, then per bit of klen B or key) */
	vt->init(h);
	vt->update(h, key, klen);
	vt->update(h, salt, slen);
	add_rep(h, b, hl, klen);
	for (i = klen; i > 0; i >>= 1) {
		if (i & 1)
			vt->update(h, b, hl);
		else
			vt->update(h, key, klen);
	}
	vt->out(h, a);
	/* P sequence: H(key repeated klen times), klen bytes of it */
	vt->init(h);
	for (i = 0; i < klen; i++)
		vt->update(h, key, klen);
	vt->out(h, dp);
	for (i = 0; i < klen; i++)
		pseq[i] = dp[i % hl];
	/* S sequence: H(salt repeated 16 + A[0] times), slen bytes */
	vt->init(h);
	for (i = 0; i < 16u + a[0]; i++)
		vt->update(h, salt, slen);
	vt->out(h, ds);
	memcpy(sseq, ds, slen);
	for (r = 0; r < rounds; r++) {
		vt->init(h);
		if (r & 1)
			vt->update(h, pseq, klen);
		else
			vt->update(h, a, hl);
		if (r % 3)
			vt->update(h, sseq, slen);
		if (r % 7)
			vt->update(h, pseq, klen);
		if (r & 1)
			vt->update(h, a, hl);
		else
			vt->update(h, pseq, klen);
		vt->out(h, a);
	}
	str_addmem(out, setting, 3);
	if (custom)
		str_addf(out, "rounds=%ld$", rounds);
	str_addmem(out, salt, slen);
	str_addc(out, '$');
	for (i = 0; i < norder; i += 3)
		enc(out, a[order[i]], a[order[i + 1]], a[order[i + 2]], 4);
	if (hl == 64)
		enc(out, 0, 0, a[63], 2);
	else
		enc(out, 0, a[31], a[30], 3);
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	memset(dp, 0, sizeof(dp));
	memset(pseq, 0, sizeof(pseq));
	return 0;
}
