/* SPDX-License-Identifier: Apache-2.0 */
/*
 * containers-policy.json(5), parsed as strictly as containers/image parses
 * it (signature/policy_config*.go) and in places more strictly: whatever
 * ward cannot enforce is refused by name instead of being skipped, and
 * docker scopes that could never match (a short name like "busybox",
 * which images are never looked up by) are refused with the spelling that
 * would. A policy is trust configuration: a field misread here is an image
 * run that should have been refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

#define SCOPE_DESC_MAX 256

/* ---- owned data ----------------------------------------------------------- */

static void
req_clear(struct policy_req *q)
{
	ward_strv_free(q->key_paths);
	for (size_t i = 0; i < q->n_key_data; i++)
		free(q->key_data[i].p);
	free(q->key_data);
	free(q->id_value);
	free(q->id_value2);
	free(q->scan_ignore_file);
	ward_strv_free(q->scan_vex);
}

static void
reqs_clear(struct policy_reqs *r)
{
	for (size_t i = 0; i < r->n; i++)
		req_clear(&r->v[i]);
	free(r->v);
	*r = (struct policy_reqs){0};
}

void
ward_policy_free(struct ward_policy *p)
{
	if (!p)
		return;
	reqs_clear(&p->def);
	for (size_t i = 0; i < p->n_transports; i++) {
		struct policy_transport *t = &p->transports[i];

		for (size_t j = 0; j < t->n_scopes; j++) {
			free(t->scopes[j].name);
			reqs_clear(&t->scopes[j].reqs);
		}
		free(t->scopes);
		free(t->name);
	}
	free(p->transports);
	free(p->origin);
	free(p);
}

const char *
ward_policy_origin(const struct ward_policy *p)
{
	return p->origin;
}

const char *
policy_req_type_name(enum policy_req_type t)
{
	switch (t) {
	case REQ_REJECT:
		return "reject";
	case REQ_SIGNED_BY:
		return "signedBy";
	case REQ_SIGSTORE:
		return "sigstoreSigned";
	case REQ_SCAN:
		return "vulnerabilityScan";
	case REQ_ACCEPT:
		break;
	}
	return "insecureAcceptAnything";
}

/* ---- parse context and errors ------------------------------------------- */

struct pctx {
	const char *buf;
	size_t len;
	const char *name;
	struct jpath path;
	size_t n_scopes;
	struct ward_error **err;
};

static void
push_key(struct pctx *c, const char *key)
{
	if (c->path.n < JPATH_MAX)
		c->path.e[c->path.n] = (struct jpath_elem){.key = key};
	c->path.n++;
}

static void
push_idx(struct pctx *c, size_t idx)
{
	if (c->path.n < JPATH_MAX)
		c->path.e[c->path.n] = (struct jpath_elem){.idx = idx};
	c->path.n++;
}

static void
pop(struct pctx *c)
{
	c->path.n--;
}

/* "NAME:LINE: PATH: MESSAGE", the line found by rescanning the text for
 * the member the path names (the member itself: push it before failing). */
__attribute__((format(printf, 3, 4))) static int
perr(struct pctx *c, enum ward_error_kind kind, const char *fmt, ...)
{
	char where[512], msg[1024];
	struct jpath shown = c->path;
	unsigned line;
	va_list ap;

	if (shown.n > JPATH_MAX)
		shown.n = JPATH_MAX;
	line = policy_json_line(c->buf, c->len, &shown);
	policy_jpath_format(&shown, where, sizeof(where));
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		return ward_error_setk(c->err, kind, 0, "%s:%u: %s%s%s", c->name, line, where,
				       where[0] ? ": " : "", msg);
	return ward_error_setk(c->err, kind, 0, "%s: %s%s%s", c->name, where, where[0] ? ": " : "",
			       msg);
}

static int
nomem(struct pctx *c)
{
	return ward_error_set(c->err, ENOMEM, "%s", c->name);
}

/* obj's members must all be in `allowed` (NULL-terminated). */
static int
check_members(struct pctx *c, json_t *obj, const char *const *allowed, const char *what)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		bool ok = false;

		for (size_t i = 0; allowed[i]; i++)
			if (!strcmp(key, allowed[i]))
				ok = true;
		if (!ok) {
			int r;

			push_key(c, key);
			r = perr(c, WARD_E_INVALID, "unknown field in %s", what);
			pop(c);
			return r;
		}
	}
	return 0;
}

/* The string member key of obj (required when `required`). */
static int
get_string(struct pctx *c, json_t *obj, const char *key, bool required, const char **ret)
{
	json_t *v = json_object_get(obj, key);
	int r;

	if (!v) {
		if (required)
			return perr(c, WARD_E_INVALID, "missing field \"%s\"", key);
		return 0;
	}
	push_key(c, key);
	if (!json_is_string(v)) {
		r = perr(c, WARD_E_INVALID, "expected a string, got %s", ward_json_type_name(v));
	} else if (json_string_length(v) == 0) {
		r = perr(c, WARD_E_INVALID, "must not be empty");
	} else {
		*ret = json_string_value(v);
		r = 1;
	}
	pop(c);
	return r;
}

/* ---- signedIdentity -------------------------------------------------------- */

static int
parse_identity(struct pctx *c, json_t *j, struct policy_req *q)
{
	static const char *const only_type[] = {"type", NULL};
	static const char *const exact_ref[] = {"type", "dockerReference", NULL};
	static const char *const exact_repo[] = {"type", "dockerRepository", NULL};
	static const char *const remap_keys[] = {"type", "prefix", "signedPrefix", NULL};
	const char *type = NULL, *v1 = NULL, *v2 = NULL;
	struct ward_error *e = NULL;
	struct nref n = {0};
	int r;

	if (!json_is_object(j))
		return perr(c, WARD_E_INVALID, "expected an object, got %s",
			    ward_json_type_name(j));
	r = get_string(c, j, "type", true, &type);
	if (r < 0)
		return r;
	if (!strcmp(type, "matchRepoDigestOrExact") || !strcmp(type, "matchExact") ||
	    !strcmp(type, "matchRepository")) {
		if (!strcmp(type, "matchExact"))
			q->id_type = WARD_POLICY_ID_MATCH_EXACT;
		else if (!strcmp(type, "matchRepository"))
			q->id_type = WARD_POLICY_ID_MATCH_REPOSITORY;
		else
			q->id_type = WARD_POLICY_ID_MATCH_REPO_DIGEST_OR_EXACT;
		return check_members(c, j, only_type, type);
	}
	if (!strcmp(type, "exactReference") || !strcmp(type, "exactRepository")) {
		bool is_ref = !strcmp(type, "exactReference");
		const char *field = is_ref ? "dockerReference" : "dockerRepository";

		q->id_type =
			is_ref ? WARD_POLICY_ID_EXACT_REFERENCE : WARD_POLICY_ID_EXACT_REPOSITORY;
		r = check_members(c, j, is_ref ? exact_ref : exact_repo, type);
		if (r < 0)
			return r;
		r = get_string(c, j, field, true, &v1);
		if (r < 0)
			return r;
		push_key(c, field);
		r = policy_nref_parse(v1, true, &n, &e);
		if (r < 0) {
			r = perr(c, WARD_E_INVALID, "%s", e->msg);
		} else if (is_ref && n.name_only) {
			r = perr(c, WARD_E_INVALID, "'%s' has neither a tag nor a digest", v1);
		} else if (!is_ref && !n.name_only) {
			/* containers/image compares only the name here; a tag
			 * written in dockerRepository would be silently dropped. */
			r = perr(c, WARD_E_INVALID, "'%s' is a reference, not a repository", v1);
		}
		pop(c);
		policy_nref_clear(&n);
		ward_error_free(e);
		if (r < 0)
			return r;
		q->id_value = strdup(v1);
		return q->id_value ? 0 : nomem(c);
	}
	if (!strcmp(type, "remapIdentity")) {
		q->id_type = WARD_POLICY_ID_REMAP_IDENTITY;
		r = check_members(c, j, remap_keys, type);
		if (r >= 0)
			r = get_string(c, j, "prefix", true, &v1);
		if (r >= 0)
			r = get_string(c, j, "signedPrefix", true, &v2);
		if (r < 0)
			return r;
		for (int i = 0; i < 2; i++) {
			push_key(c, i ? "signedPrefix" : "prefix");
			r = policy_identity_check_prefix(i ? v2 : v1, &e);
			if (r < 0)
				r = perr(c, WARD_E_INVALID, "%s", e->msg);
			pop(c);
			ward_error_free(e);
			e = NULL;
			if (r < 0)
				return r;
		}
		q->id_value = strdup(v1);
		q->id_value2 = strdup(v2);
		return q->id_value && q->id_value2 ? 0 : nomem(c);
	}
	push_key(c, "type");
	r = perr(c, WARD_E_INVALID, "unknown signedIdentity type \"%s\"", type);
	pop(c);
	return r;
}

/* ---- keys ------------------------------------------------------------------- */

static int
add_key_path(struct pctx *c, struct policy_req *q, size_t *n, const char *path)
{
	char **v;

	/* Relative key paths would resolve against whatever directory ward
	 * happens to run in, so the key trusted could change with the cwd. */
	if (path[0] != '/')
		return perr(c, WARD_E_INVALID, "key path '%s' is not absolute", path);
	if (strlen(path) >= 4096)
		return perr(c, WARD_E_INVALID, "key path is longer than 4095 bytes");
	v = realloc(q->key_paths, (*n + 2) * sizeof(*v));
	if (!v)
		return nomem(c);
	q->key_paths = v;
	v[*n] = strdup(path);
	if (!v[*n])
		return nomem(c);
	v[++*n] = NULL;
	return 0;
}

static int
add_key_data(struct pctx *c, struct policy_req *q, json_t *v, size_t max)
{
	_cleanup_free_ char *clean = NULL;
	struct policy_blob *nb;
	struct ward_error *e = NULL;
	const char *s;
	size_t len, o = 0;
	int r;

	if (!json_is_string(v))
		return perr(c, WARD_E_INVALID, "expected a base64 string, got %s",
			    ward_json_type_name(v));
	s = json_string_value(v);
	len = json_string_length(v);
	if (len == 0)
		return perr(c, WARD_E_INVALID, "must not be empty");
	/* Go's base64 (which reads keyData for containers/image) skips line
	 * breaks; everything else is decoded strictly. */
	clean = malloc(len + 1);
	if (!clean)
		return nomem(c);
	for (size_t i = 0; i < len; i++)
		if (s[i] != '\n' && s[i] != '\r')
			clean[o++] = s[i];
	nb = realloc(q->key_data, (q->n_key_data + 1) * sizeof(*nb));
	if (!nb)
		return nomem(c);
	q->key_data = nb;
	nb[q->n_key_data] = (struct policy_blob){0};
	r = ward_base64_decode(clean, o, max, "keyData", &nb[q->n_key_data].p,
			       &nb[q->n_key_data].len, &e);
	if (r < 0) {
		r = perr(c, WARD_E_INVALID, "%s", e->msg);
		ward_error_free(e);
		return r;
	}
	q->n_key_data++;
	return 0;
}

/* keyPath / keyPaths / keyData (/ keyDatas): exactly one. */
static int
parse_keys(struct pctx *c, json_t *j, struct policy_req *q, bool datas_ok, size_t data_max)
{
	static const char *const fields[] = {"keyPath", "keyPaths", "keyData", "keyDatas"};
	const char *which = NULL;
	json_t *v, *e;
	size_t n = 0, i;
	int r = 0;

	for (i = 0; i < WARD_ARRAY_SIZE(fields); i++) {
		if (!json_object_get(j, fields[i]) || (i == 3 && !datas_ok))
			continue;
		if (which) {
			push_key(c, fields[i]);
			r = perr(c, WARD_E_INVALID,
				 "only one of keyPath, keyPaths, keyData%s may "
				 "be given (\"%s\" is given too)",
				 datas_ok ? ", keyDatas" : "", which);
			pop(c);
			return r;
		}
		which = fields[i];
	}
	if (!which)
		return perr(c, WARD_E_INVALID, "one of keyPath, keyPaths, keyData%s is required",
			    datas_ok ? ", keyDatas" : "");
	v = json_object_get(j, which);
	push_key(c, which);
	if (!strcmp(which, "keyPath")) {
		if (!json_is_string(v))
			r = perr(c, WARD_E_INVALID, "expected a string, got %s",
				 ward_json_type_name(v));
		else
			r = add_key_path(c, q, &n, json_string_value(v));
	} else if (!strcmp(which, "keyData")) {
		r = add_key_data(c, q, v, data_max);
	} else if (!json_is_array(v)) {
		r = perr(c, WARD_E_INVALID, "expected an array, got %s", ward_json_type_name(v));
	} else if (json_array_size(v) == 0) {
		r = perr(c, WARD_E_INVALID, "contains no entries");
	} else if (json_array_size(v) > WARD_POLICY_KEYPATHS_MAX) {
		r = perr(c, WARD_E_INVALID, "more than %u entries", WARD_POLICY_KEYPATHS_MAX);
	} else {
		json_array_foreach(v, i, e) {
			push_idx(c, i);
			if (!strcmp(which, "keyDatas"))
				r = add_key_data(c, q, e, data_max);
			else if (!json_is_string(e))
				r = perr(c, WARD_E_INVALID, "expected a string, got %s",
					 ward_json_type_name(e));
			else
				r = add_key_path(c, q, &n, json_string_value(e));
			pop(c);
			if (r < 0)
				break;
		}
	}
	pop(c);
	return r;
}

/* ---- requirements ----------------------------------------------------------- */

static int
parse_signed_identity(struct pctx *c, json_t *j, struct policy_req *q)
{
	json_t *si = json_object_get(j, "signedIdentity");
	int r;

	q->id_type = WARD_POLICY_ID_MATCH_REPO_DIGEST_OR_EXACT; /* the documented default */
	if (!si)
		return 0;
	push_key(c, "signedIdentity");
	r = parse_identity(c, si, q);
	pop(c);
	return r;
}

/* ---- vulnerabilityScan ------------------------------------------------------ */

#define SCAN_VEX_MAX 64
#define SCAN_DEFAULT_MAX_DB_AGE (7 * 86400)

/* "7d", "36h", "90m", "3600s", "2w", or a bare number of seconds. */
static int
parse_age(const char *s, int64_t *ret)
{
	char *end = NULL;
	long long v;
	int64_t mul = 1;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || v <= 0)
		return -EINVAL;
	if (*end) {
		switch (*end) {
		case 's':
			break;
		case 'm':
			mul = 60;
			break;
		case 'h':
			mul = 3600;
			break;
		case 'd':
			mul = 86400;
			break;
		case 'w':
			mul = 7 * 86400;
			break;
		default:
			return -EINVAL;
		}
		if (end[1])
			return -EINVAL;
	}
	if (__builtin_mul_overflow((int64_t)v, mul, ret))
		return -EINVAL;
	return 0;
}

static int
scan_path(struct pctx *c, const char *key, const char *path, char **ret)
{
	/* Relative paths would follow the cwd ward runs in (as keyPath). */
	if (path[0] != '/' || strlen(path) >= 4096)
		return perr(c, WARD_E_INVALID, "%s '%s' is not an absolute path", key, path);
	*ret = strdup(path);
	return *ret ? 0 : nomem(c);
}

static int
parse_scan(struct pctx *c, json_t *j, struct policy_req *q)
{
	static const char *const members[] = {"type",	    "maxSeverity", "ignoreUnfixed",
					      "ignoreFile", "vex",	   "maxDbAge",
					      NULL};
	const char *sev = NULL, *s = NULL;
	struct ward_error *e = NULL;
	json_t *v;
	int r;

	if ((r = check_members(c, j, members, "vulnerabilityScan")) < 0 ||
	    (r = get_string(c, j, "maxSeverity", true, &sev)) < 0)
		return r;
	push_key(c, "maxSeverity");
	r = ward_severity_from_name(sev, &q->scan.max_severity, &e);
	if (r < 0 || q->scan.max_severity == WARD_SEV_UNKNOWN) {
		ward_error_free(e);
		r = perr(c, WARD_E_INVALID, "\"%s\": want LOW, MEDIUM, HIGH or CRITICAL", sev);
		pop(c);
		return r;
	}
	pop(c);
	if ((v = json_object_get(j, "ignoreUnfixed"))) {
		push_key(c, "ignoreUnfixed");
		r = json_is_boolean(v) ? 0
				       : perr(c, WARD_E_INVALID, "expected a boolean, got %s",
					      ward_json_type_name(v));
		pop(c);
		if (r < 0)
			return r;
		q->scan.ignore_unfixed = json_is_true(v);
	}
	if ((r = get_string(c, j, "ignoreFile", false, &s)) < 0)
		return r;
	if (r > 0) {
		push_key(c, "ignoreFile");
		r = scan_path(c, "ignoreFile", s, &q->scan_ignore_file);
		pop(c);
		if (r < 0)
			return r;
		q->scan.ignore_file = q->scan_ignore_file;
	}
	if ((v = json_object_get(j, "vex"))) {
		size_t i, n = json_array_size(v);
		json_t *x;

		push_key(c, "vex");
		if (!json_is_array(v) || n > SCAN_VEX_MAX) {
			r = perr(c, WARD_E_INVALID, "expected an array of at most %d paths",
				 SCAN_VEX_MAX);
			pop(c);
			return r;
		}
		if (!(q->scan_vex = calloc(n + 1, sizeof(char *)))) {
			pop(c);
			return nomem(c);
		}
		json_array_foreach(v, i, x) {
			push_idx(c, i);
			r = json_is_string(x) ? scan_path(c, "vex", json_string_value(x),
							  &q->scan_vex[i])
					      : perr(c, WARD_E_INVALID, "expected a string, got %s",
						     ward_json_type_name(x));
			pop(c);
			if (r < 0) {
				pop(c);
				return r;
			}
		}
		pop(c);
		q->scan.vex = (const char *const *)q->scan_vex;
	}
	q->scan.max_db_age = SCAN_DEFAULT_MAX_DB_AGE;
	if ((r = get_string(c, j, "maxDbAge", false, &s)) < 0)
		return r;
	if (r > 0 && parse_age(s, &q->scan.max_db_age) < 0) {
		push_key(c, "maxDbAge");
		r = perr(c, WARD_E_INVALID, "\"%s\": a duration such as 7d, 36h or 3600s", s);
		pop(c);
		return r;
	}
	return 0;
}

static int
parse_req(struct pctx *c, json_t *j, struct policy_req *q)
{
	static const char *const only_type[] = {"type", NULL};
	static const char *const signed_by[] = {"type",	   "keyType",	     "keyPath", "keyPaths",
						"keyData", "signedIdentity", NULL};
	static const char *const sigstore[] = {"type",	   "keyPath",	     "keyPaths", "keyData",
					       "keyDatas", "signedIdentity", NULL};
	/* Valid in containers/image but not enforced by ward: refused by
	 * name, because skipping them would accept what the author meant to
	 * restrict. */
	static const char *const sigstore_unsupported[] = {
		"fulcio",
		"pki",
		"rekorPublicKeyPath",
		"rekorPublicKeyPaths",
		"rekorPublicKeyData",
		"rekorPublicKeyDatas",
	};
	const char *type = NULL, *kt = NULL;
	int r;

	if (!json_is_object(j))
		return perr(c, WARD_E_INVALID, "expected an object, got %s",
			    ward_json_type_name(j));
	r = get_string(c, j, "type", true, &type);
	if (r < 0)
		return r;
	if (!strcmp(type, "insecureAcceptAnything") || !strcmp(type, "reject")) {
		q->type = type[0] == 'r' ? REQ_REJECT : REQ_ACCEPT;
		return check_members(c, j, only_type, type);
	}
	if (!strcmp(type, "signedBy")) {
		q->type = REQ_SIGNED_BY;
		r = check_members(c, j, signed_by, type);
		if (r < 0)
			return r;
		r = get_string(c, j, "keyType", true, &kt);
		if (r < 0)
			return r;
		if (strcmp(kt, "GPGKeys") != 0) {
			bool known = !strcmp(kt, "signedByGPGKeys") ||
				     !strcmp(kt, "X509Certificates") ||
				     !strcmp(kt, "signedByX509CAs");

			push_key(c, "keyType");
			r = perr(c, known ? WARD_E_UNSUPPORTED : WARD_E_INVALID,
				 known ? "keyType \"%s\" is not supported (only \"GPGKeys\")"
				       : "unknown keyType \"%s\" (want \"GPGKeys\")",
				 kt);
			pop(c);
			return r;
		}
		r = parse_keys(c, j, q, false, WARD_SIGN_GPG_KEYS_MAX);
		if (r < 0)
			return r;
		return parse_signed_identity(c, j, q);
	}
	if (!strcmp(type, "sigstoreSigned")) {
		q->type = REQ_SIGSTORE;
		for (size_t i = 0; i < WARD_ARRAY_SIZE(sigstore_unsupported); i++) {
			if (!json_object_get(j, sigstore_unsupported[i]))
				continue;
			push_key(c, sigstore_unsupported[i]);
			r = perr(c, WARD_E_UNSUPPORTED,
				 "sigstoreSigned \"%s\" is not supported by ward (only public "
				 "keys: keyPath, keyPaths, keyData, keyDatas)",
				 sigstore_unsupported[i]);
			pop(c);
			return r;
		}
		r = check_members(c, j, sigstore, type);
		if (r < 0)
			return r;
		r = parse_keys(c, j, q, true, WARD_SIGN_PEM_MAX);
		if (r < 0)
			return r;
		/* keyData must be a public key ward can use: say so now, with the
		 * line, instead of rejecting every image later. */
		for (size_t i = 0; i < q->n_key_data; i++) {
			struct ward_sign_key *k = NULL;
			struct ward_error *e = NULL;

			r = ward_sign_key_read_public((const char *)q->key_data[i].p,
						      q->key_data[i].len, "keyData", &k, &e);
			ward_sign_key_free(k);
			if (r < 0) {
				bool many = json_object_get(j, "keyDatas") != NULL;

				push_key(c, many ? "keyDatas" : "keyData");
				if (many)
					push_idx(c, i);
				r = perr(c, WARD_E_INVALID, "%s", e->msg);
				c->path.n -= many ? 2 : 1;
				ward_error_free(e);
				return r;
			}
		}
		return parse_signed_identity(c, j, q);
	}
	if (!strcmp(type, "vulnerabilityScan")) {
		q->type = REQ_SCAN;
		return parse_scan(c, j, q);
	}
	push_key(c, "type");
	r = perr(c, WARD_E_INVALID, "unknown policy requirement type \"%s\"", type);
	pop(c);
	return r;
}

static int
parse_reqs(struct pctx *c, json_t *j, struct policy_reqs *out)
{
	size_t i;
	json_t *e;
	int r;

	if (!json_is_array(j))
		return perr(c, WARD_E_INVALID, "expected an array of requirements, got %s",
			    ward_json_type_name(j));
	/* containers/image: an empty list is an error, not "accept". */
	if (json_array_size(j) == 0)
		return perr(c, WARD_E_INVALID, "the list of requirements must not be empty");
	if (json_array_size(j) > WARD_POLICY_REQUIREMENTS_MAX)
		return perr(c, WARD_E_INVALID, "more than %u requirements",
			    WARD_POLICY_REQUIREMENTS_MAX);
	out->v = calloc(json_array_size(j), sizeof(*out->v));
	if (!out->v)
		return nomem(c);
	json_array_foreach(j, i, e) {
		push_idx(c, i);
		out->n = i + 1;
		r = parse_req(c, e, &out->v[i]);
		pop(c);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- scopes ----------------------------------------------------------------- */

bool
policy_clean_abs_path(const char *s)
{
	size_t n = strlen(s);

	if (s[0] != '/' || n < 2 || s[n - 1] == '/')
		return false;
	for (const char *p = s; *p; p++) {
		if (*p != '/')
			continue;
		/* "//", "/./", "/../" and trailing "/." "/..": not filepath.Clean'd. */
		if (p[1] == '/' || (p[1] == '.' && (p[2] == '/' || p[2] == '\0')) ||
		    (p[1] == '.' && p[2] == '.' && (p[3] == '/' || p[3] == '\0')))
			return false;
	}
	return true;
}

/* A docker scope must be spelled the way images are looked up (see
 * policy_check_docker_scope); the message names the spelling that would. */
static int
check_docker_scope(struct pctx *c, const char *s)
{
	struct ward_error *e = NULL;
	int r;

	r = policy_check_docker_scope(s, &e);
	if (r < 0) {
		r = perr(c, WARD_E_INVALID, "%s", e && e->msg ? e->msg : "invalid scope");
		ward_error_free(e);
	}
	return r;
}

static int
check_scope(struct pctx *c, const char *transport, const char *s)
{
	if (strlen(s) > WARD_POLICY_SCOPE_MAX)
		return perr(c, WARD_E_INVALID, "scope is longer than %u bytes",
			    WARD_POLICY_SCOPE_MAX);
	if (s[0] == '\0')
		return 0; /* the transport's default */
	if (!strcmp(transport, "docker"))
		return check_docker_scope(c, s);
	if (!strcmp(transport, "docker-archive"))
		return perr(c, WARD_E_INVALID,
			    "docker-archive supports no scopes except the default \"\"");
	if (!strcmp(transport, "oci") || !strcmp(transport, "oci-archive") ||
	    !strcmp(transport, "dir")) {
		if (!strcmp(s, "/"))
			return perr(c, WARD_E_INVALID, "scope \"/\": use the default scope \"\"");
		if (!policy_clean_abs_path(s))
			return perr(c, WARD_E_INVALID,
				    "scope must be a clean absolute path (no \"//\", \".\", "
				    "\"..\" or trailing \"/\")");
	}
	return 0;
}

static int
scope_cmp(const void *a, const void *b)
{
	return strcmp(((const struct policy_scope *)a)->name,
		      ((const struct policy_scope *)b)->name);
}

static int
parse_transport(struct pctx *c, const char *name, json_t *j, struct policy_transport *t)
{
	const char *scope;
	json_t *v;
	int r;

	if (!json_is_object(j))
		return perr(c, WARD_E_INVALID, "expected an object of scopes, got %s",
			    ward_json_type_name(j));
	t->name = strdup(name);
	t->scopes = calloc(json_object_size(j) ? json_object_size(j) : 1, sizeof(*t->scopes));
	if (!t->name || !t->scopes)
		return nomem(c);
	json_object_foreach(j, scope, v) {
		struct policy_scope *s = &t->scopes[t->n_scopes];

		push_key(c, scope);
		if (++c->n_scopes > WARD_POLICY_SCOPES_MAX) {
			r = perr(c, WARD_E_INVALID, "more than %u scopes", WARD_POLICY_SCOPES_MAX);
			pop(c);
			return r;
		}
		r = check_scope(c, name, scope);
		if (r >= 0) {
			s->name = strdup(scope);
			t->n_scopes++;
			r = s->name ? parse_reqs(c, v, &s->reqs) : nomem(c);
		}
		pop(c);
		if (r < 0)
			return r;
	}
	qsort(t->scopes, t->n_scopes, sizeof(*t->scopes), scope_cmp);
	return 0;
}

static int
parse_root(struct pctx *c, json_t *root, struct ward_policy *p)
{
	static const char *const top[] = {"default", "transports", NULL};
	json_t *def, *tr, *v;
	const char *name;
	int r;

	if (!json_is_object(root))
		return perr(c, WARD_E_INVALID, "expected an object, got %s",
			    ward_json_type_name(root));
	r = check_members(c, root, top, "the policy");
	if (r < 0)
		return r;
	def = json_object_get(root, "default");
	if (!def)
		return perr(c, WARD_E_INVALID, "missing field \"default\" (the default policy)");
	push_key(c, "default");
	r = parse_reqs(c, def, &p->def);
	pop(c);
	if (r < 0)
		return r;
	tr = json_object_get(root, "transports");
	if (!tr)
		return 0;
	push_key(c, "transports");
	if (!json_is_object(tr)) {
		r = perr(c, WARD_E_INVALID, "expected an object, got %s", ward_json_type_name(tr));
		pop(c);
		return r;
	}
	p->transports =
		calloc(json_object_size(tr) ? json_object_size(tr) : 1, sizeof(*p->transports));
	if (!p->transports) {
		pop(c);
		return nomem(c);
	}
	json_object_foreach(tr, name, v) {
		push_key(c, name);
		r = parse_transport(c, name, v, &p->transports[p->n_transports++]);
		pop(c);
		if (r < 0)
			break;
	}
	pop(c);
	return r < 0 ? r : 0;
}

int
ward_policy_parse(const char *buf, size_t len, const char *name, struct ward_policy **ret,
		  struct ward_error **err)
{
	struct pctx c = {.buf = buf, .len = len, .name = name, .err = err};
	struct ward_policy *p = NULL;
	json_error_t jerr;
	json_t *root;
	int r;

	if (len > WARD_POLICY_FILE_MAX)
		return ward_error_setk(err, WARD_E_INVALID, EFBIG, "%s: larger than %u bytes", name,
				       WARD_POLICY_FILE_MAX);
	if (memchr(buf, '\0', len))
		return ward_error_setk(err, WARD_E_INVALID, 0, "%s: contains a NUL byte", name);
	/* Duplicate keys are refused: two parsers disagreeing on which of two
	 * "default" members wins is how a policy reads strict to its reviewer
	 * and lax to the engine. */
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return ward_error_setk(err, WARD_E_INVALID, 0, "%s:%d: %s", name, jerr.line,
				       jerr.text);
	p = calloc(1, sizeof(*p));
	if (!p || !(p->origin = strdup(name))) {
		json_decref(root);
		ward_policy_free(p);
		return ward_error_set(err, ENOMEM, "%s", name);
	}
	r = parse_root(&c, root, p);
	json_decref(root);
	if (r < 0) {
		ward_policy_free(p);
		return r;
	}
	*ret = p;
	return 0;
}

int
policy_read_file(const char *path, size_t max, char **ret, size_t *ret_len, struct ward_error **err)
{
	_cleanup_close_ int fd = -1;
	struct stat st;

	/* O_NONBLOCK: a FIFO planted at the path must not hang ward; only
	 * regular files are read. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return ward_error_setk(err, errno == ENOENT ? WARD_E_NOTFOUND : WARD_E_SYSTEM,
				       errno, "open '%s'", path);
	if (fstat(fd, &st) < 0)
		return ward_error_set(err, errno, "stat '%s'", path);
	if (!S_ISREG(st.st_mode))
		return ward_error_setk(err, WARD_E_INVALID, EINVAL, "'%s' is not a regular file",
				       path);
	if ((uint64_t)st.st_size > max)
		return ward_error_setk(err, WARD_E_INVALID, EFBIG, "'%s' is larger than %zu bytes",
				       path, max);
	return ward_fs_read_fd(fd, max, path, ret, ret_len, err);
}

int
ward_policy_load(const char *path, struct ward_policy **ret, struct ward_error **err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r;

	r = policy_read_file(path, WARD_POLICY_FILE_MAX, &buf, &len, err);
	if (r < 0)
		return r;
	return ward_policy_parse(buf, len, path, ret, err);
}

/* A policy of one default requirement, for the built-in cases. */
static int
builtin(enum policy_req_type type, const char *origin, struct ward_policy **ret,
	struct ward_error **err)
{
	struct ward_policy *p = calloc(1, sizeof(*p));

	if (!p || !(p->def.v = calloc(1, sizeof(*p->def.v))) || !(p->origin = strdup(origin))) {
		ward_policy_free(p);
		return ward_error_set(err, ENOMEM, "built-in policy");
	}
	p->def.n = 1;
	p->def.v[0].type = type;
	*ret = p;
	return 0;
}

int
ward_policy_insecure(struct ward_policy **ret, struct ward_error **err)
{
	return builtin(REQ_ACCEPT, "built-in insecure policy (--insecure-policy)", ret, err);
}

int
ward_policy_load_default(const char *const *candidates, struct ward_policy **ret,
			 struct ward_error **err)
{
	static const char *const defaults[] = {WARD_POLICY_PATH, WARD_POLICY_CONTAINERS_PATH, NULL};
	char tried[1024] = "";
	size_t o = 0;
	int r;

	if (!candidates)
		candidates = defaults;
	for (size_t i = 0; candidates[i]; i++) {
		struct ward_error *e = NULL;

		r = ward_policy_load(candidates[i], ret, &e);
		if (r >= 0)
			return r;
		/* Only a missing file falls through: one that exists but is
		 * unreadable or invalid must never be skipped for a laxer one. */
		if (r != -ENOENT) {
			if (err) {
				ward_error_free(*err);
				*err = e;
			} else {
				ward_error_free(e);
			}
			return r;
		}
		ward_error_free(e);
		if (o < sizeof(tried)) {
			int n = snprintf(tried + o, sizeof(tried) - o, "%s%s", o ? ", " : "",
					 candidates[i]);
			o = n < 0 ? sizeof(tried) : o + (size_t)n;
		}
	}
	/* Secure by default: no policy means nothing is trusted. */
	{
		_cleanup_free_ char *origin =
			ward_strdup_printf("built-in policy (no policy file: %s; create one or use "
					   "--insecure-policy)",
					   tried[0] ? tried : "none given");

		if (!origin)
			return ward_error_set(err, ENOMEM, "built-in policy");
		return builtin(REQ_REJECT, origin, ret, err);
	}
}
