/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz what a registry says about auth: the first byte picks the parser
 * ('0' token JSON, '1' WWW-Authenticate, '2' image reference, modulo 3),
 * the rest is a WWW-Authenticate value (challenge list), a token
 * endpoint's JSON body or a reference. Both must either parse into well-formed results or
 * fail with a message; a challenge's strings may never hold a CR, LF or NUL
 * (they end up in the next request).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <ward/registry.h>

#include "registry/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_str(const char *s)
{
	if (s && strpbrk(s, "\r\n"))
		__builtin_trap();
}

/* References come from users and from registries' index annotations: a
 * parsed one must satisfy the validators and survive a format round trip. */
static void
parse_ref(const char *buf, size_t len)
{
	struct ward_error *err = NULL;
	struct ward_ref *r = NULL, *r2 = NULL;
	char *s, *f;

	s = strndup(buf, len);
	if (!s)
		return;
	if (ward_ref_parse(s, &r, &err) == 0) {
		if (!ward_ref_valid_repository(r->repository) ||
		    (r->tag && !ward_ref_valid_tag(r->tag)) ||
		    (r->digest && !ward_ref_valid_digest(r->digest)))
			__builtin_trap();
		f = ward_ref_format(r);
		if (f &&
		    (ward_ref_parse(f, &r2, &err) < 0 || strcmp(r2->repository, r->repository) ||
		     strcmp(r2->registry, r->registry)))
			__builtin_trap();
		free(f);
		ward_ref_free(r2);
		ward_ref_free(r);
	} else if (!err || !err->msg) {
		__builtin_trap();
	}
	ward_error_free(err);
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ward_auth_challenge ch[WARD_AUTH_CHALLENGES_MAX];
	struct ward_error *err = NULL;
	const char *buf = (const char *)data + 1;
	char *token = NULL;
	int n, i;

	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 1:
		n = ward_auth_parse_challenges(buf, size - 1, ch, WARD_ARRAY_SIZE(ch), &err);
		if (n < 0 && (!err || !err->msg))
			__builtin_trap(); /* every failure says why */
		for (i = 0; i < n; i++) {
			check_str(ch[i].realm);
			check_str(ch[i].service);
			check_str(ch[i].scope);
			ward_auth_challenge_clear(&ch[i]);
		}
		break;
	case 0:
		if (ward_auth_parse_token(buf, size - 1, &token, &err) == 0) {
			for (const char *p = token; *p; p++)
				if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
					__builtin_trap();
			free(token);
		} else if (!err || !err->msg) {
			__builtin_trap();
		}
		break;
	default:
		parse_ref(buf, size - 1);
		break;
	}
	ward_error_free(err);
	return 0;
}
