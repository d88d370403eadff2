/* SPDX-License-Identifier: Apache-2.0 */
/* sha256 digests: the only algorithm ward accepts, in one canonical form. */
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>

#include <ward/image.h>

#include "internal.h"

#define SHA256_PREFIX "sha256:"
#define SHA256_HEX_LEN 64

struct ward_hasher {
	EVP_MD_CTX *ctx;
};

int
ward_digest_parse(const char *s, struct ward_digest *ret, struct ward_error **err)
{
	size_t n;

	if (!s)
		return ward_error_set(err, EINVAL, "digest: missing");
	n = strnlen(s, WARD_DIGEST_MAX);
	/* One canonical spelling only: uppercase hex, other algorithms or
	 * trailing bytes would let two strings name one blob (or a path
	 * component smuggle '/' and '..' into blobs/sha256/<hex>). */
	if (!ward_str_has_prefix(s, SHA256_PREFIX) || n != strlen(SHA256_PREFIX) + SHA256_HEX_LEN)
		goto bad;
	for (size_t i = strlen(SHA256_PREFIX); i < n; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			goto bad;
	}
	memcpy(ret->s, s, n + 1);
	return 0;
bad:
	return ward_error_set(err, EINVAL,
			      "invalid digest '%.*s%s': expected sha256:<64 lowercase hex>", 100, s,
			      strnlen(s, 101) > 100 ? "..." : "");
}

const char *
ward_digest_hex(const struct ward_digest *d)
{
	return d->s + strlen(SHA256_PREFIX);
}

static void
digest_from_raw(const unsigned char *md, struct ward_digest *ret)
{
	static const char hex[] = "0123456789abcdef";
	char *p = ret->s;

	memcpy(p, SHA256_PREFIX, strlen(SHA256_PREFIX));
	p += strlen(SHA256_PREFIX);
	for (size_t i = 0; i < SHA256_HEX_LEN / 2; i++) {
		*p++ = hex[md[i] >> 4];
		*p++ = hex[md[i] & 0xf];
	}
	*p = '\0';
}

void
ward_digest_of(const void *buf, size_t len, struct ward_digest *ret)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	/* EVP_Digest with SHA-256 fails only when OpenSSL itself is broken;
	 * a zero digest then matches nothing real. */
	if (EVP_Digest(buf, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
		memset(md, 0, sizeof(md));
	digest_from_raw(md, ret);
}

struct ward_hasher *
ward_hasher_new(void)
{
	struct ward_hasher *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
		ward_hasher_free(h);
		return NULL;
	}
	return h;
}

void
ward_hasher_update(struct ward_hasher *h, const void *buf, size_t len)
{
	(void)EVP_DigestUpdate(h->ctx, buf, len);
}

void
ward_hasher_final(struct ward_hasher *h, struct ward_digest *ret)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (EVP_DigestFinal_ex(h->ctx, md, &mdlen) != 1 || mdlen != 32)
		memset(md, 0, sizeof(md));
	digest_from_raw(md, ret);
}

void
ward_hasher_free(struct ward_hasher *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}
