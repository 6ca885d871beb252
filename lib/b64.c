/* MIT licence: see LICENSE. */
/*
 * b64.c - base64 (RFC 4648), strict on input: SMTP AUTH's encoding
 * (RFC 4954) and PEM's.  Used by smtpd's built-in SASL back end, the smtp
 * client and the TLS configuration.  Man pages: smtpd(8), smtp(8).
 */
#include <string.h>

#include "b64.h"

static const char alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* b64_encode - append the n bytes at p to out, base64 encoded */
void
b64_encode(const void *p, size_t n, struct str *out)
{
	const unsigned char *u = p;
	unsigned long v;
	size_t i;

	for (i = 0; i < n; i += 3) {
		v = (unsigned long)u[i] << 16;
		if (i + 1 < n)
			v |= (unsigned long)u[i + 1] << 8;
		if (i + 2 < n)
			v |= u[i + 2];
		str_addc(out, alpha[v >> 18 & 63]);
		str_addc(out, alpha[v >> 12 & 63]);
		str_addc(out, i + 1 < n ? alpha[v >> 6 & 63] : '=');
		str_addc(out, i + 2 < n ? alpha[v & 63] : '=');
	}
}

/*
 * b64_decode - the n characters at in, decoded, into out (replaced):
 * 0, or -1 when they are not base64 (a length not a multiple of four,
 * a character outside the alphabet, padding anywhere but at the end)
 */
int
b64_decode(const char *in, size_t n, struct str *out)
{
	size_t i, j;
	unsigned v, pad = 0;
	const char *p;
	int c;

	str_reset(out);
	if (n % 4)
		return -1;
	for (i = 0; i < n; i += 4) {
		v = 0;
		for (j = 0; j < 4; j++) {
			c = in[i + j];
			if (c == '=' && i + 4 == n && j >= 2 &&
			    (j == 3 || in[i + 3] == '=')) {
				pad++;
				v <<= 6;
				continue;
			}
			if (c == 0 || pad || (p = strchr(alpha, c)) == NULL)
				return -1;
			v = v << 6 | (unsigned)(p - alpha);
		}
		str_addc(out, (int)(v >> 16 & 255));
		if (pad < 2)
			str_addc(out, (int)(v >> 8 & 255));
		if (pad < 1)
			str_addc(out, (int)(v & 255));
	}
	return 0;
}
