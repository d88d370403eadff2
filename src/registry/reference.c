/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image references, by the grammar of distribution/reference:
 *
 *   reference  := name [ ":" tag ] [ "@" digest ]
 *   name       := [ domain "/" ] path-component ( "/" path-component )*
 *   domain     := domain-component ( "." domain-component )* [ ":" port ]
 *   path-comp  := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
 *   tag        := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
 *   digest     := "sha256:" [0-9a-f]{64}     (ward stores sha256 only)
 *
 * A short name is never silently sent to docker.io: the caller passes the
 * registries it trusts for unqualified names.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <ward/registry.h>

#include "internal.h"

static bool
is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool
is_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* One path component of [b, e). */
static bool
valid_component(const char *b, const char *e)
{
	const char *p = b;

	if (p == e || !is_lower_alnum(*p))
		return false;
	while (p < e) {
		while (p < e && is_lower_alnum(*p))
			p++;
		if (p == e)
			return true;
		/* separator: ".", "_", "__" or one or more "-" */
		if (*p == '.') {
			p++;
		} else if (*p == '_') {
			p++;
			if (p < e && *p == '_')
				p++;
		} else if (*p == '-') {
			while (p < e && *p == '-')
				p++;
		} else {
			return false;
		}
		if (p == e || !is_lower_alnum(*p))
			return false;
	}
	return true;
}

bool
ward_ref_valid_repository(const char *s)
{
	const char *b = s, *slash;

	if (!s || !*s || strlen(s) > WARD_REF_NAME_MAX)
		return false;
	for (;;) {
		slash = strchr(b, '/');
		if (!valid_component(b, slash ? slash : b + strlen(b)))
			return false;
		if (!slash)
			return true;
		b = slash + 1;
	}
}

bool
ward_ref_valid_tag(const char *s)
{
	size_t n;

	if (!s || !is_word(s[0]))
		return false;
	for (n = 1; s[n]; n++)
		if (!is_word(s[n]) && s[n] != '.' && s[n] != '-')
			return false;
	return n <= WARD_REF_TAG_MAX;
}

bool
ward_ref_valid_digest(const char *s)
{
	size_t i;

	if (!s || strncmp(s, "sha256:", 7) != 0)
		return false;
	for (i = 0; i < 64; i++) {
		char c = s[7 + i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	}
	return s[7 + 64] == '\0';
}

/* host[:port]: DNS labels (letters, digits, inner '-'), or "[v6]" not
 * supported; port 1..65535. */
static bool
valid_domain(const char *s)
{
	const char *p = s, *colon = strchr(s, ':');
	const char *end = colon ? colon : s + strlen(s);

	if (p == end)
		return false;
	while (p < end) {
		const char *label = p;
		while (p < end && *p != '.') {
			if (!isalnum((unsigned char)*p) && *p != '-')
				return false;
			p++;
		}
		if (p == label || label[0] == '-' || p[-1] == '-')
			return false;
		if (p < end) {
			p++; /* '.' */
			if (p == end)
				return false;
		}
	}
	if (colon) {
		uint64_t port;
		if (!colon[1] || strchr(colon + 1, ':') || colon[1] == '0' ||
		    strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
		    ward_parse_u64(colon + 1, &port) < 0 || port == 0 || port > 65535)
			return false;
	}
	return true;
}

static bool
looks_like_domain(const char *b, size_t n)
{
	return memchr(b, '.', n) || memchr(b, ':', n) || (n == 9 && !memcmp(b, "localhost", 9));
}

void
ward_ref_free(struct ward_ref *r)
{
	if (!r)
		return;
	free(r->registry);
	free(r->repository);
	free(r->tag);
	free(r->digest);
	free(r);
}

static int
parse(const char *s, const char *const *search, bool allow_short, struct ward_ref **ret,
      struct ward_error **err)
{
	_cleanup_free_ char *copy = NULL;
	struct ward_ref *r = NULL;
	char *at, *name, *colon, *slash;
	size_t n;
	int rc;

	if (!s || !*s)
		return ward_error_setk(err, WARD_E_INVALID, 0, "empty image reference");
	n = strlen(s);
	if (n > WARD_REF_MAX)
		return ward_error_setk(err, WARD_E_INVALID, 0,
				       "image reference of %zu bytes is longer than %u", n,
				       WARD_REF_MAX);
	copy = strdup(s);
	r = calloc(1, sizeof(*r));
	if (!copy || !r) {
		free(r);
		return ward_error_set(err, ENOMEM, "parse reference");
	}

	at = strchr(copy, '@');
	if (at) {
		*at = '\0';
		if (!ward_ref_valid_digest(at + 1)) {
			rc = ward_error_setk(err, WARD_E_INVALID, 0,
					     "reference '%s': digest '%s' is not sha256:<64 "
					     "lowercase hex>",
					     s, at + 1);
			goto fail;
		}
		r->digest = strdup(at + 1);
		if (!r->digest)
			goto nomem;
	}
	name = copy;
	slash = strrchr(name, '/');
	colon = strrchr(name, ':');
	if (colon && (!slash || colon > slash)) {
		*colon = '\0';
		if (!ward_ref_valid_tag(colon + 1)) {
			rc = ward_error_setk(err, WARD_E_INVALID, 0,
					     "reference '%s': invalid tag '%s' (want "
					     "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})",
					     s, colon + 1);
			goto fail;
		}
		r->tag = strdup(colon + 1);
		if (!r->tag)
			goto nomem;
	}

	slash = strchr(name, '/');
	if (slash && looks_like_domain(name, (size_t)(slash - name))) {
		*slash = '\0';
		if (!valid_domain(name)) {
			rc = ward_error_setk(err, WARD_E_INVALID, 0,
					     "reference '%s': invalid registry host '%s'", s, name);
			goto fail;
		}
		r->registry = strdup(name);
		name = slash + 1;
	} else if (!allow_short || !search || !search[0]) {
		rc = ward_error_setk(err, WARD_E_INVALID, 0,
				     "reference '%s' is a short name with no registry; qualify "
				     "it (e.g. docker.io/%s) or configure search registries",
				     s, s);
		goto fail;
	} else {
		if (!valid_domain(search[0])) {
			rc = ward_error_setk(err, WARD_E_INVALID, 0,
					     "search registry '%s' is not a host[:port]",
					     search[0]);
			goto fail;
		}
		r->registry = strdup(search[0]);
	}
	if (!r->registry)
		goto nomem;

	/* "index.docker.io" is the legacy name of the same registry. */
	if (!strcmp(r->registry, "index.docker.io")) {
		free(r->registry);
		r->registry = strdup("docker.io");
		if (!r->registry)
			goto nomem;
	}
	/* Docker Hub's official images live under "library/". */
	if (!strcmp(r->registry, "docker.io") && !strchr(name, '/'))
		r->repository = ward_strdup_printf("library/%s", name);
	else
		r->repository = strdup(name);
	if (!r->repository)
		goto nomem;

	if (!ward_ref_valid_repository(r->repository)) {
		if (strpbrk(r->repository, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
			rc = ward_error_setk(err, WARD_E_INVALID, 0,
					     "reference '%s': repository '%s' must be lowercase", s,
					     r->repository);
		else
			rc = ward_error_setk(err, WARD_E_INVALID, 0,
					     "reference '%s': invalid repository '%s' (components "
					     "[a-z0-9]+ joined by '.', '_', '__' or '-')",
					     s, r->repository);
		goto fail;
	}
	if (strlen(r->registry) + 1 + strlen(r->repository) > WARD_REF_NAME_MAX) {
		rc = ward_error_setk(err, WARD_E_INVALID, 0,
				     "reference '%s': name is longer than %d bytes", s,
				     WARD_REF_NAME_MAX);
		goto fail;
	}
	if (!r->tag && !r->digest) {
		r->tag = strdup("latest");
		if (!r->tag)
			goto nomem;
	}
	*ret = r;
	return 0;
nomem:
	rc = ward_error_set(err, ENOMEM, "parse reference '%s'", s);
fail:
	ward_ref_free(r);
	return rc;
}

int
ward_ref_parse(const char *s, struct ward_ref **ret, struct ward_error **err)
{
	return parse(s, NULL, false, ret, err);
}

int
ward_ref_resolve(const char *s, const char *const *search_registries, struct ward_ref **ret,
		 struct ward_error **err)
{
	return parse(s, search_registries, true, ret, err);
}

const char *
ward_ref_reference(const struct ward_ref *r)
{
	return r->digest ? r->digest : r->tag;
}

char *
ward_ref_format(const struct ward_ref *r)
{
	return ward_strdup_printf("%s/%s%s%s%s%s", r->registry, r->repository, r->tag ? ":" : "",
				  r->tag ? r->tag : "", r->digest ? "@" : "",
				  r->digest ? r->digest : "");
}
