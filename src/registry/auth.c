/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Parsers for what a registry says about auth: WWW-Authenticate challenges
 * (RFC 7235 auth-params, as the distribution token spec uses them) and the
 * token endpoint's JSON. Both inputs come from the network: lengths are
 * bounded, NULs and control characters refused.
 */
#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

void
ward_auth_challenge_clear(struct ward_auth_challenge *c)
{
	free(c->realm);
	free(c->service);
	free(c->scope);
	memset(c, 0, sizeof(*c));
}

/* RFC 7230 tchar */
static bool
is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static void
skip_ows(const char *b, size_t len, size_t *pos)
{
	while (*pos < len && (b[*pos] == ' ' || b[*pos] == '\t'))
		(*pos)++;
}

/* A quoted-string starting at b[*pos] == '"'; backslash escapes the next
 * character. Returns a malloc'd unescaped copy or NULL (bad input sets
 * *why). */
static char *
quoted(const char *b, size_t len, size_t *pos, const char **why)
{
	char *out = malloc(len + 1), *o = out;

	if (!out) {
		*why = "out of memory";
		return NULL;
	}
	(*pos)++;
	while (*pos < len && b[*pos] != '"') {
		char c = b[*pos];
		if (c == '\\') {
			if (++*pos == len)
				break;
			c = b[*pos];
		}
		/* A CR/LF smuggled into a realm would split the next request's
		 * headers; refuse every control character. */
		if ((unsigned char)c < 0x20 && c != '\t') {
			free(out);
			*why = "control character in quoted string";
			return NULL;
		}
		*o++ = c;
		(*pos)++;
	}
	if (*pos == len) {
		free(out);
		*why = "unterminated quoted string";
		return NULL;
	}
	(*pos)++;
	*o = '\0';
	return out;
}

/* An unquoted value: everything up to OWS or ',' (scope=repository:a:pull). */
static char *
bare(const char *b, size_t len, size_t *pos, const char **why)
{
	size_t s = *pos;

	while (*pos < len && b[*pos] != ',' && b[*pos] != ' ' && b[*pos] != '\t') {
		if ((unsigned char)b[*pos] < 0x20 || b[*pos] == '"') {
			*why = "invalid character in parameter value";
			return NULL;
		}
		(*pos)++;
	}
	if (*pos == s) {
		*why = "empty parameter value";
		return NULL;
	}
	char *v = strndup(b + s, *pos - s);
	if (!v)
		*why = "out of memory";
	return v;
}

static int
set_param(struct ward_auth_challenge *c, const char *name, size_t nlen, char *v, const char **why)
{
	char **slot = NULL;

	if (nlen == 5 && !strncasecmp(name, "realm", 5))
		slot = &c->realm;
	else if (nlen == 7 && !strncasecmp(name, "service", 7))
		slot = &c->service;
	else if (nlen == 5 && !strncasecmp(name, "scope", 5))
		slot = &c->scope;
	if (!slot) {
		free(v);
		return 0;
	}
	/* Two realms in one challenge: which one would we trust? Neither. */
	if (*slot) {
		free(v);
		*why = "duplicate parameter";
		return -1;
	}
	*slot = v;
	return 0;
}

int
ward_auth_parse_challenges(const char *b, size_t len, struct ward_auth_challenge *out, size_t max,
			   struct ward_error **err)
{
	const char *why = NULL;
	size_t pos = 0, n = 0, i;

	if (len > WARD_AUTH_HEADER_MAX)
		return ward_error_setk(err, WARD_E_INVALID, 0,
				       "WWW-Authenticate: %zu bytes is longer than %u", len,
				       WARD_AUTH_HEADER_MAX);
	if (memchr(b, '\0', len))
		return ward_error_setk(err, WARD_E_INVALID, 0, "WWW-Authenticate: embedded NUL");

	for (;;) {
		struct ward_auth_challenge c = {0};
		size_t s, nparams = 0;

		while (pos < len && (b[pos] == ' ' || b[pos] == '\t' || b[pos] == ','))
			pos++;
		if (pos == len)
			break;
		s = pos;
		while (pos < len && is_tchar(b[pos]))
			pos++;
		if (pos == s) {
			why = "expected an auth scheme";
			goto bad;
		}
		if (pos - s == 6 && !strncasecmp(b + s, "bearer", 6))
			c.scheme = WARD_AUTH_BEARER;
		else if (pos - s == 5 && !strncasecmp(b + s, "basic", 5))
			c.scheme = WARD_AUTH_BASIC;
		else
			c.scheme = WARD_AUTH_OTHER;
		skip_ows(b, len, &pos);

		/* auth-params until a token not followed by '=' starts the
		 * next challenge. */
		while (pos < len) {
			size_t p0 = pos, ns;
			char *v;

			while (pos < len && (b[pos] == ' ' || b[pos] == '\t' || b[pos] == ','))
				pos++;
			ns = pos;
			while (pos < len && is_tchar(b[pos]))
				pos++;
			if (pos == ns) {
				if (pos == len)
					break;
				ward_auth_challenge_clear(&c);
				why = "expected a parameter name";
				goto bad;
			}
			size_t ne = pos;
			skip_ows(b, len, &pos);
			if (pos == len || b[pos] != '=') {
				pos = p0; /* next challenge's scheme */
				break;
			}
			pos++;
			skip_ows(b, len, &pos);
			if (++nparams > WARD_AUTH_PARAMS_MAX) {
				ward_auth_challenge_clear(&c);
				why = "too many parameters";
				goto bad;
			}
			if (pos < len && b[pos] == '"')
				v = quoted(b, len, &pos, &why);
			else
				v = bare(b, len, &pos, &why);
			if (!v || set_param(&c, b + ns, ne - ns, v, &why) < 0) {
				ward_auth_challenge_clear(&c);
				goto bad;
			}
			skip_ows(b, len, &pos);
			if (pos < len && b[pos] != ',') {
				ward_auth_challenge_clear(&c);
				why = "expected ',' after a parameter";
				goto bad;
			}
		}
		if (n < max)
			out[n++] = c;
		else
			ward_auth_challenge_clear(&c);
		if (n >= WARD_AUTH_CHALLENGES_MAX)
			break;
	}
	return (int)n;
bad:
	for (i = 0; i < n; i++)
		ward_auth_challenge_clear(&out[i]);
	return ward_error_setk(err, WARD_E_INVALID, 0, "WWW-Authenticate: %s at offset %zu",
			       why ? why : "malformed", pos);
}

int
ward_auth_parse_token(const char *buf, size_t len, char **ret, struct ward_error **err)
{
	json_t *j = NULL, *t;
	const char *s;
	size_t n, i;
	int rc;

	if (len > WARD_REGISTRY_TOKEN_MAX)
		return ward_error_setk(err, WARD_E_INVALID, 0,
				       "token response: %zu bytes is longer than %u", len,
				       WARD_REGISTRY_TOKEN_MAX);
	rc = ward_json_parse(buf, len, "token response", &j, err);
	if (rc < 0)
		return rc;
	if (!json_is_object(j)) {
		rc = ward_error_setk(err, WARD_E_INVALID, 0,
				     "token response: expected an object, got %s",
				     ward_json_type_name(j));
		goto out;
	}
	/* "token" per the Docker token spec; "access_token" per OAuth2. */
	t = json_object_get(j, "token");
	if (!t || (json_is_string(t) && json_string_length(t) == 0))
		t = json_object_get(j, "access_token");
	if (!t) {
		rc = ward_error_setk(err, WARD_E_INVALID, 0,
				     "token response: no \"token\" or \"access_token\"");
		goto out;
	}
	if (!json_is_string(t)) {
		rc = ward_error_setk(err, WARD_E_INVALID, 0,
				     "token response.token: expected a string, got %s",
				     ward_json_type_name(t));
		goto out;
	}
	s = json_string_value(t);
	n = json_string_length(t);
	if (n == 0) {
		rc = ward_error_setk(err, WARD_E_INVALID, 0, "token response.token: empty");
		goto out;
	}
	/* The token is pasted into "Authorization: Bearer <token>": a CR/LF or
	 * NUL would inject headers; a space is not in the token68 alphabet. */
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f) {
			rc = ward_error_setk(err, WARD_E_INVALID, 0,
					     "token response.token: byte 0x%02x at %zu is not "
					     "printable ASCII",
					     (unsigned char)s[i], i);
			goto out;
		}
	*ret = strndup(s, n);
	rc = *ret ? 0 : ward_error_set(err, ENOMEM, "token response");
out:
	json_decref(j);
	return rc;
}

void
ward_registry_sha256_hex(const unsigned char md[32], char out[80])
{
	static const char hex[] = "0123456789abcdef";
	int i;

	memcpy(out, "sha256:", 7);
	for (i = 0; i < 32; i++) {
		out[7 + 2 * i] = hex[md[i] >> 4];
		out[8 + 2 * i] = hex[md[i] & 15];
	}
	out[71] = '\0';
}

char *
ward_registry_b64_encode(const void *buf, size_t len)
{
	size_t n = 4 * ((len + 2) / 3) + 1;
	char *out;

	if (len > (1u << 20))
		return NULL;
	out = malloc(n);
	if (!out)
		return NULL;
	EVP_EncodeBlock((unsigned char *)out, buf, (int)len);
	return out;
}

int
ward_registry_b64_decode(const char *s, char **ret, size_t *ret_len)
{
	size_t n = strlen(s), pad = 0;
	unsigned char *out;
	int m;

	if (n == 0 || n % 4 || n > (1u << 20))
		return -EINVAL;
	if (s[n - 1] == '=')
		pad++;
	if (s[n - 2] == '=')
		pad++;
	out = malloc(n / 4 * 3 + 1);
	if (!out)
		return -ENOMEM;
	m = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n);
	if (m < 0 || (size_t)m < pad) {
		free(out);
		return -EINVAL;
	}
	m -= (int)pad;
	out[m] = '\0';
	*ret = (char *)out;
	*ret_len = (size_t)m;
	return 0;
}
