/* SPDX-License-Identifier: Apache-2.0 */
/* Private to src/registry: auth-header and token parsers (fuzzed), sha256. */
#ifndef WARD_REGISTRY_INTERNAL_H
#define WARD_REGISTRY_INTERNAL_H

#include <stddef.h>

#include <ward/registry.h>

#define WARD_AUTH_HEADER_MAX 8192 /* one WWW-Authenticate value */
#define WARD_AUTH_CHALLENGES_MAX 8
#define WARD_AUTH_PARAMS_MAX 16

enum ward_auth_scheme { WARD_AUTH_OTHER = 0, WARD_AUTH_BASIC, WARD_AUTH_BEARER };

struct ward_auth_challenge {
	enum ward_auth_scheme scheme;
	char *realm;   /* NULL when absent */
	char *service; /* bearer only */
	char *scope;
};

/* Parse a WWW-Authenticate value (buf, len): one or more challenges,
 * "Scheme k=v, k="quoted \"v\"", Other ...". Unknown schemes are kept as
 * WARD_AUTH_OTHER. Returns the number of challenges written to out (<= max). */
int ward_auth_parse_challenges(const char *buf, size_t len, struct ward_auth_challenge *out,
			       size_t max, struct ward_error **err);
void ward_auth_challenge_clear(struct ward_auth_challenge *c);

/* Parse a token endpoint answer {"token": ...} or {"access_token": ...};
 * *ret malloc'd. The token must be printable ASCII without spaces (it goes
 * into a header: a CR/LF would split it). */
int ward_auth_parse_token(const char *buf, size_t len, char **ret, struct ward_error **err);

/* Lowercase "sha256:<hex>" into out[80]. */
void ward_registry_sha256_hex(const unsigned char md[32], char out[80]);

/* Base64 for auth.json (no line breaks). Decoding refuses junk. */
char *ward_registry_b64_encode(const void *buf, size_t len);
int ward_registry_b64_decode(const char *s, char **ret, size_t *ret_len);

#endif
