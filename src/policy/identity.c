/* SPDX-License-Identifier: Apache-2.0 */
/*
 * signedIdentity: which docker-reference a signature may claim for the
 * image being checked. A signature is only as good as this check: without
 * it, a signature a trusted key made for "example.com/tools:v1" would make
 * any image it names (by digest) pass as "example.com/prod:latest" — the
 * "signature moved to another image" attack. The rules are containers/
 * image's (signature/policy_reference_match.go), on ward's reference
 * parser: signature references are normalised as docker does ("busybox" is
 * docker.io/library/busybox) and compared as canonical strings.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

enum {
	NREF_SHORT = 1 << 0,	   /* qualify short names with docker.io */
	NREF_DEFAULT_TAG = 1 << 1, /* keep ward's ":latest" for a bare name */
};

static const char *const docker_io[] = {"docker.io", NULL};

/* Neither a tag nor a digest: no ':' or '@' after the last '/'. */
static bool
is_name_only(const char *s)
{
	const char *slash = strrchr(s, '/');
	const char *tail = slash ? slash + 1 : s;

	return !strchr(tail, ':') && !strchr(tail, '@');
}

static int
nref_parse(const char *s, int flags, struct nref *ret, struct ward_error **err)
{
	struct nref r = {0};
	int rc;

	if (strlen(s) > WARD_REF_MAX)
		return ward_error_setk(err, WARD_E_INVALID, 0, "reference is longer than %d bytes",
				       WARD_REF_MAX);
	rc = (flags & NREF_SHORT) ? ward_ref_resolve(s, docker_io, &r.ref, err)
				  : ward_ref_parse(s, &r.ref, err);
	if (rc < 0)
		return rc;
	r.name_only = is_name_only(s);
	if (r.name_only && !(flags & NREF_DEFAULT_TAG)) {
		free(r.ref->tag);
		r.ref->tag = NULL;
	}
	r.name = ward_strdup_printf("%s/%s", r.ref->registry, r.ref->repository);
	r.str = ward_ref_format(r.ref);
	if (!r.name || !r.str) {
		policy_nref_clear(&r);
		return ward_error_set(err, ENOMEM, "reference '%s'", s);
	}
	*ret = r;
	return 0;
}

int
policy_nref_parse(const char *s, bool allow_short, struct nref *ret, struct ward_error **err)
{
	return nref_parse(s, allow_short ? NREF_SHORT : 0, ret, err);
}

void
policy_nref_clear(struct nref *r)
{
	ward_ref_free(r->ref);
	free(r->name);
	free(r->str);
	*r = (struct nref){0};
}

int
policy_identity_check_prefix(const char *s, struct ward_error **err)
{
	_cleanup_free_ char *probe = NULL;
	struct ward_ref *ref = NULL;
	bool ok;

	if (strlen(s) > WARD_REF_NAME_MAX)
		return ward_error_setk(err, WARD_E_INVALID, 0, "prefix is longer than %d bytes",
				       WARD_REF_NAME_MAX);
	if (!strchr(s, '/')) {
		/* A bare host[:port]: it must parse as the registry of a name. */
		probe = ward_strdup_printf("%s/x", s);
		if (!probe)
			return ward_error_set(err, ENOMEM, "prefix");
		ok = ward_ref_parse(probe, &ref, NULL) == 0 && !strcmp(ref->registry, s);
	} else {
		ok = is_name_only(s) && ward_ref_parse(s, &ref, NULL) == 0;
		if (ok) {
			probe = ward_strdup_printf("%s/%s", ref->registry, ref->repository);
			ok = probe && !strcmp(probe, s);
		}
	}
	ward_ref_free(ref);
	if (!ok)
		/* A prefix that is not a canonical host or name would never match
		 * (containers/image accepts some and then silently never remaps). */
		return ward_error_setk(err, WARD_E_INVALID, 0,
				       "prefix '%s' is not a host[:port] or a fully qualified, "
				       "canonical repository name (e.g. docker.io/library/x)",
				       s);
	return 0;
}

static const char *
id_type_name(enum ward_policy_identity_type t)
{
	switch (t) {
	case WARD_POLICY_ID_MATCH_EXACT:
		return "matchExact";
	case WARD_POLICY_ID_MATCH_REPOSITORY:
		return "matchRepository";
	case WARD_POLICY_ID_EXACT_REFERENCE:
		return "exactReference";
	case WARD_POLICY_ID_EXACT_REPOSITORY:
		return "exactRepository";
	case WARD_POLICY_ID_REMAP_IDENTITY:
		return "remapIdentity";
	case WARD_POLICY_ID_MATCH_REPO_DIGEST_OR_EXACT:
		break;
	}
	return "matchRepoDigestOrExact";
}

/* matchRepoDigestOrExact: a tagged image needs exactly its reference; a
 * digest-only image (whose digest the signature's payload digest is checked
 * against anyway) accepts any tag or digest of its repository. */
static bool
repo_digest_or_exact(const struct nref *intended, const struct nref *sig)
{
	if (sig->name_only)
		return false;
	if (intended->ref->tag)
		return !strcmp(sig->str, intended->str);
	if (intended->ref->digest)
		return !strcmp(sig->name, intended->name);
	return false;
}

/* remapIdentity: prefix matches at a '/' boundary of the name only. */
static bool
prefix_matches(const char *name, const char *prefix)
{
	size_t n = strlen(prefix);

	return !strncmp(name, prefix, n) && (name[n] == '\0' || name[n] == '/');
}

static int
remap(const struct nref *intended, const char *prefix, const char *signed_prefix, struct nref *ret,
      struct ward_error **err)
{
	_cleanup_free_ char *s = NULL;
	size_t n = strlen(prefix);
	int r;

	s = ward_strdup_printf("%s%s", signed_prefix, intended->str + n);
	if (!s)
		return ward_error_set(err, ENOMEM, "remapIdentity");
	r = nref_parse(s, 0, ret, err);
	if (r < 0)
		return ward_error_wrap(err, "remapIdentity: rewritten reference '%s'", s);
	/* As reference.ParseNamed: the rewritten string must already be in
	 * canonical form, or it would name something else once normalised. */
	if (strcmp(ret->str, s) != 0) {
		policy_nref_clear(ret);
		return ward_error_setk(err, WARD_E_INVALID, 0,
				       "remapIdentity: rewritten reference '%s' is not canonical",
				       s);
	}
	return 0;
}

int
ward_policy_identity_match(const struct ward_policy_identity *id, const char *image_reference,
			   const char *signed_reference, struct ward_error **err)
{
	struct nref intended = {0}, sig = {0}, want = {0}, remapped = {0};
	const char *image_desc = image_reference ? image_reference : "(none)";
	bool ok = false;
	int r;

	if (!id || !signed_reference)
		return ward_error_setk(err, WARD_E_INVALID, EINVAL, "signedIdentity: no identity");
	switch (id->type) {
	case WARD_POLICY_ID_MATCH_REPO_DIGEST_OR_EXACT:
	case WARD_POLICY_ID_MATCH_EXACT:
	case WARD_POLICY_ID_MATCH_REPOSITORY:
	case WARD_POLICY_ID_REMAP_IDENTITY:
		/* These compare against the image's own name: an image with none
		 * (an unnamed archive) cannot satisfy them. */
		if (!image_reference)
			return policy_deny(err,
					   "signedIdentity %s: the image has no docker "
					   "reference to match the signature's '%s' against",
					   id_type_name(id->type), signed_reference);
		r = nref_parse(image_reference, NREF_DEFAULT_TAG, &intended, err);
		if (r < 0)
			return ward_error_wrap(err, "signedIdentity: image reference");
		break;
	case WARD_POLICY_ID_EXACT_REFERENCE:
	case WARD_POLICY_ID_EXACT_REPOSITORY:
		if (!id->value)
			return ward_error_setk(err, WARD_E_INVALID, EINVAL,
					       "signedIdentity %s: no value",
					       id_type_name(id->type));
		r = nref_parse(id->value, NREF_SHORT, &want, err);
		if (r < 0)
			return ward_error_wrap(err, "signedIdentity %s", id_type_name(id->type));
		break;
	}
	/* A signature whose claim does not parse simply does not match (as in
	 * containers/image); the reason is not worth more than "not accepted". */
	if (nref_parse(signed_reference, NREF_SHORT, &sig, NULL) < 0)
		goto done;

	switch (id->type) {
	case WARD_POLICY_ID_MATCH_REPO_DIGEST_OR_EXACT:
		ok = repo_digest_or_exact(&intended, &sig);
		break;
	case WARD_POLICY_ID_MATCH_EXACT:
		ok = !sig.name_only && !strcmp(sig.str, intended.str);
		break;
	case WARD_POLICY_ID_MATCH_REPOSITORY:
		ok = !strcmp(sig.name, intended.name);
		break;
	case WARD_POLICY_ID_EXACT_REFERENCE:
		ok = !want.name_only && !sig.name_only && !strcmp(sig.str, want.str);
		break;
	case WARD_POLICY_ID_EXACT_REPOSITORY:
		ok = !strcmp(sig.name, want.name);
		break;
	case WARD_POLICY_ID_REMAP_IDENTITY:
		if (!id->value || !id->value2) {
			r = ward_error_setk(err, WARD_E_INVALID, EINVAL,
					    "signedIdentity remapIdentity: no prefix");
			goto out;
		}
		if (prefix_matches(intended.name, id->value)) {
			if (remap(&intended, id->value, id->value2, &remapped, NULL) < 0)
				break; /* an impossible rewrite matches nothing */
			ok = repo_digest_or_exact(&remapped, &sig);
		} else {
			ok = repo_digest_or_exact(&intended, &sig);
		}
		break;
	}
done:
	if (ok)
		r = 0;
	else
		r = policy_deny(err,
				"signature identity '%s' is not accepted for '%s' "
				"(signedIdentity %s%s%s)",
				signed_reference, image_desc, id_type_name(id->type),
				id->value ? " " : "", id->value ? id->value : "");
out:
	policy_nref_clear(&intended);
	policy_nref_clear(&sig);
	policy_nref_clear(&want);
	policy_nref_clear(&remapped);
	return r;
}

static bool
valid_host(const char *h)
{
	_cleanup_free_ char *probe = ward_strdup_printf("%s/x", h);
	struct ward_ref *ref = NULL;
	bool ok;

	ok = probe && !strchr(h, '/') && ward_ref_parse(probe, &ref, NULL) == 0 &&
	     !strcmp(ref->registry, h);
	ward_ref_free(ref);
	return ok;
}

/*
 * A docker scope must be spelled the way images are looked up, or it never
 * applies and the image falls through to a weaker scope: "busybox" or
 * "docker.io/busybox" never match (lookups use docker.io/library/busybox).
 * containers/image accepts such scopes silently; ward refuses them.
 */
int
policy_check_docker_scope(const char *s, struct ward_error **err)
{
	struct nref n = {0};
	bool ok = false;
	int r = 0;

	if (!strncmp(s, "*.", 2)) {
		_cleanup_free_ char *probe = ward_strdup_printf("x.%s", s + 2);

		if (!probe)
			return ward_error_set(err, ENOMEM, "scope");
		if (!valid_host(probe))
			return ward_error_setk(
				err, WARD_E_INVALID, 0,
				"wildcard scope must be \"*.\" followed by a host name");
		return 0;
	}
	if (!strchr(s, '/')) {
		_cleanup_free_ char *probe = ward_strdup_printf("%s/x", s);
		struct ward_ref *ref = NULL;

		if (!probe)
			return ward_error_set(err, ENOMEM, "scope");
		if (ward_ref_parse(probe, &ref, NULL) == 0) {
			/* A host, but maybe an alias ("index.docker.io") that lookups
			 * never use. */
			r = strcmp(ref->registry, s) == 0
				    ? 0
				    : ward_error_setk(err, WARD_E_INVALID, 0,
						      "scope never matches: images are looked up "
						      "as \"%s\"",
						      ref->registry);
			ward_ref_free(ref);
			return r;
		}
	}
	if (policy_nref_parse(s, true, &n, NULL) < 0)
		return ward_error_setk(err, WARD_E_INVALID, 0,
				       "not a registry host, repository or image reference");
	ok = !strcmp(n.name_only ? n.name : n.str, s);
	if (ok && n.ref->tag && n.ref->digest)
		r = ward_error_setk(
			err, WARD_E_INVALID, 0,
			"a reference with both a tag and a digest never matches; use one");
	else if (!ok)
		r = ward_error_setk(err, WARD_E_INVALID, 0,
				    "scope never matches: images are looked up as \"%s\"",
				    n.name_only ? n.name : n.str);
	policy_nref_clear(&n);
	return r;
}
