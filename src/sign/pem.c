/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Strict base64 and PEM framing for key files and signatures. Written here
 * rather than taken from OpenSSL's PEM reader, which accepts headers,
 * arbitrary text around blocks and lenient base64: key files and signature
 * annotations are attacker-supplied, and every byte of them must have one
 * meaning.
 */
#include <errno.h>
#include <openssl/err.h>
#include <stdio.h>

#include <ward/sign.h>

#include "internal.h"

#define PEM_DASHES "-----"
#define PEM_BEGIN "-----BEGIN "
#define PEM_END "-----END "
#define PEM_LINE_MAX 128 /* RFC 7468 writers use 64; be lenient up to 128 */

void
sign_secret_wipe(struct sign_secret *s)
{
	if (s->p) {
		explicit_bzero(s->p, s->len);
		free(s->p);
	}
	s->p = NULL;
	s->len = 0;
}

const char *
sign_ossl_reason(char *buf, size_t cap)
{
	unsigned long e = ERR_peek_last_error();

	buf[0] = '\0';
	if (e)
		ERR_error_string_n(e, buf, cap);
	ERR_clear_error();
	return buf;
}

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int
b64_value(unsigned char c)
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

int
ward_base64_encode(const void *buf, size_t len, char **ret, struct ward_error **err)
{
	const unsigned char *in = buf;
	size_t outlen;
	char *out, *o;

	if (len > SIZE_MAX / 2)
		return ward_error_set(err, EFBIG, "base64: %zu bytes is too large", len);
	outlen = (len + 2) / 3 * 4;
	out = malloc(outlen + 1);
	if (!out)
		return ward_error_set(err, ENOMEM, "base64");
	o = out;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		size_t n = len - i;
		if (n > 1)
			v |= (uint32_t)in[i + 1] << 8;
		if (n > 2)
			v |= in[i + 2];
		*o++ = b64_alphabet[(v >> 18) & 63];
		*o++ = b64_alphabet[(v >> 12) & 63];
		*o++ = n > 1 ? b64_alphabet[(v >> 6) & 63] : '=';
		*o++ = n > 2 ? b64_alphabet[v & 63] : '=';
	}
	*o = '\0';
	*ret = out;
	return 0;
}

/* Decode one 4-character group; returns the bytes it holds (1..3) or -1. */
static int
b64_group(const unsigned char *s, bool last, unsigned char out[3])
{
	int v[4], pad = 0;

	for (int i = 0; i < 4; i++) {
		if (s[i] == '=' && last && i >= 2) {
			pad++;
			v[i] = 0;
			continue;
		}
		if (pad) /* "A=B=": data after padding */
			return -1;
		v[i] = b64_value(s[i]);
		if (v[i] < 0)
			return -1;
	}
	/* Unused low bits must be zero: "QQ==" and "QR==" would otherwise
	 * both decode to "A", and a signature would have many spellings. */
	if ((pad == 2 && (v[1] & 15)) || (pad == 1 && (v[2] & 3)))
		return -1;
	out[0] = (unsigned char)(v[0] << 2 | v[1] >> 4);
	out[1] = (unsigned char)((v[1] & 15) << 4 | v[2] >> 2);
	out[2] = (unsigned char)((v[2] & 3) << 6 | v[3]);
	return 3 - pad;
}

int
ward_base64_decode(const char *s, size_t len, size_t max, const char *name, unsigned char **ret,
		   size_t *ret_len, struct ward_error **err)
{
	const unsigned char *in = (const unsigned char *)s;
	_cleanup_free_ unsigned char *out = NULL;
	size_t n = 0;

	if (len == 0)
		return ward_error_set(err, EINVAL, "%s: empty base64", name);
	if (len % 4)
		return ward_error_set(err, EINVAL,
				      "%s: truncated base64 (%zu characters, not a multiple of 4)",
				      name, len);
	if (len / 4 * 3 > max + 2)
		return ward_error_set(err, EFBIG, "%s: more than %zu bytes", name, max);
	out = malloc(len / 4 * 3);
	if (!out)
		return ward_error_set(err, ENOMEM, "%s", name);
	for (size_t i = 0; i < len; i += 4) {
		int k = b64_group(in + i, i + 4 == len, out + n);
		if (k < 0)
			return ward_error_set(err, EINVAL,
					      "%s: invalid base64 at character %zu (standard "
					      "alphabet, '=' padding only at the end)",
					      name, i + 1);
		n += (size_t)k;
	}
	if (n > max) {
		explicit_bzero(out, n);
		return ward_error_set(err, EFBIG, "%s: more than %zu bytes", name, max);
	}
	*ret = TAKE_PTR(out);
	*ret_len = n;
	return 0;
}

/* One line of (buf, len) from *pos, without its "\n" or "\r\n". */
static bool
next_line(const char *buf, size_t len, size_t *pos, const char **ret, size_t *ret_len)
{
	const char *nl;
	size_t l;

	if (*pos >= len)
		return false;
	nl = memchr(buf + *pos, '\n', len - *pos);
	l = nl ? (size_t)(nl - (buf + *pos)) : len - *pos;
	*ret = buf + *pos;
	*pos += l + (nl ? 1 : 0);
	if (l && (*ret)[l - 1] == '\r')
		l--;
	*ret_len = l;
	return true;
}

static bool
line_blank(const char *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (l[i] != ' ' && l[i] != '\t')
			return false;
	return true;
}

/* "-----BEGIN T-----" / "-----END T-----": T into type, or false. */
static bool
pem_boundary(const char *l, size_t n, const char *prefix, char type[SIGN_PEM_TYPE_MAX])
{
	size_t p = strlen(prefix), d = strlen(PEM_DASHES), t;

	if (n < p + d + 1 || memcmp(l, prefix, p) || memcmp(l + n - d, PEM_DASHES, d))
		return false;
	t = n - p - d;
	if (t >= SIGN_PEM_TYPE_MAX)
		return false;
	for (size_t i = 0; i < t; i++) {
		char c = l[p + i];
		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' '))
			return false;
	}
	memcpy(type, l + p, t);
	type[t] = '\0';
	return true;
}

static int
pem_body(const char *buf, size_t len, size_t *pos, const char *name, const char *type, char *b64,
	 size_t *b64_len, struct ward_error **err)
{
	char end[SIGN_PEM_TYPE_MAX];
	const char *l;
	size_t n, lineno = 1;

	*b64_len = 0;
	while (next_line(buf, len, pos, &l, &n)) {
		lineno++;
		if (pem_boundary(l, n, PEM_END, end)) {
			if (strcmp(end, type))
				return ward_error_set(err, EINVAL,
						      "%s: PEM block '%s' ends as '%s'", name, type,
						      end);
			return 0;
		}
		if (memchr(l, ':', n))
			return ward_error_set(err, EINVAL,
					      "%s: PEM headers (legacy OpenSSL encryption) are not "
					      "supported; convert the key with 'openssl pkey'",
					      name);
		if (n > PEM_LINE_MAX)
			return ward_error_set(err, EINVAL,
					      "%s: PEM line %zu is longer than %d characters", name,
					      lineno, PEM_LINE_MAX);
		memcpy(b64 + *b64_len, l, n);
		*b64_len += n;
	}
	return ward_error_set(err, EINVAL, "%s: truncated PEM: no '-----END %s-----' line", name,
			      type);
}

int
sign_pem_next(const char *buf, size_t len, size_t *pos, const char *name,
	      char ret_type[SIGN_PEM_TYPE_MAX], unsigned char **ret_der, size_t *ret_len,
	      struct ward_error **err)
{
	_cleanup_free_ char *b64 = NULL;
	char type[SIGN_PEM_TYPE_MAX];
	const char *l;
	size_t n, b64_len = 0;
	int r;

	if (len > WARD_SIGN_PEM_MAX)
		return ward_error_set(err, EFBIG,
				      "%s: %zu bytes, more than the %u a key file may have", name,
				      len, WARD_SIGN_PEM_MAX);
	if (memchr(buf, '\0', len))
		return ward_error_set(err, EINVAL, "%s: contains a NUL byte: not a PEM file", name);
	for (;;) {
		if (!next_line(buf, len, pos, &l, &n))
			return ward_error_set(err, EINVAL, "%s: no PEM block ('-----BEGIN ...')",
					      name);
		if (!line_blank(l, n))
			break;
	}
	if (!pem_boundary(l, n, PEM_BEGIN, type))
		return ward_error_set(err, EINVAL,
				      "%s: not PEM: expected a '-----BEGIN <TYPE>-----' line, got "
				      "'%.*s'",
				      name, (int)(n > 60 ? 60 : n), l);
	/* The body is never longer than the input it came from. */
	b64 = malloc(len + 1);
	if (!b64)
		return ward_error_set(err, ENOMEM, "%s", name);
	r = pem_body(buf, len, pos, name, type, b64, &b64_len, err);
	if (r >= 0)
		r = ward_base64_decode(b64, b64_len, WARD_SIGN_PEM_MAX, name, ret_der, ret_len,
				       err);
	/* The body may be an unencrypted private key. */
	explicit_bzero(b64, len + 1);
	if (r < 0)
		return r;
	memcpy(ret_type, type, sizeof(type));
	return 0;
}

bool
sign_pem_rest_blank(const char *buf, size_t len, size_t pos)
{
	for (size_t i = pos; i < len; i++)
		if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\r' && buf[i] != '\n')
			return false;
	return true;
}

int
sign_pem_encode(const char *type, const unsigned char *der, size_t der_len, char **ret,
		size_t *ret_len, struct ward_error **err)
{
	_cleanup_free_ char *b64 = NULL;
	char *out, *o;
	size_t blen, cap;
	int r;

	r = ward_base64_encode(der, der_len, &b64, err);
	if (r < 0)
		return r;
	blen = strlen(b64);
	cap = 2 * (strlen(PEM_BEGIN) + strlen(type) + 6) + blen + blen / 64 + 2;
	out = malloc(cap);
	if (!out) {
		explicit_bzero(b64, blen);
		return ward_error_set(err, ENOMEM, "PEM %s", type);
	}
	o = out + sprintf(out, PEM_BEGIN "%s" PEM_DASHES "\n", type);
	for (size_t i = 0; i < blen; i += 64) {
		size_t n = blen - i < 64 ? blen - i : 64;
		memcpy(o, b64 + i, n);
		o += n;
		*o++ = '\n';
	}
	o += sprintf(o, PEM_END "%s" PEM_DASHES "\n", type);
	explicit_bzero(b64, blen);
	*ret_len = (size_t)(o - out);
	*ret = out;
	return 0;
}

int
sign_json_exact(json_t *obj, const char *where, const char *const *keys, struct ward_error **err)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		bool known = false;
		for (size_t i = 0; keys[i]; i++)
			known = known || !strcmp(key, keys[i]);
		if (!known)
			return ward_error_set(err, EINVAL, "%s: unknown field '%.64s'", where, key);
	}
	for (size_t i = 0; keys[i]; i++)
		if (!json_object_get(obj, keys[i]))
			return ward_error_set(err, EINVAL, "%s: missing field '%s'", where,
					      keys[i]);
	return 0;
}
