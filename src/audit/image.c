/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CIS section 4 on an image config: 4.1 USER, 4.2 origin, 4.6 HEALTHCHECK,
 * 4.10 secrets in Env and history. The config is the JSON blob as stored
 * (digest-verified by the store), read directly so that history lines,
 * which ward_image_config_parse does not keep, are audited too.
 */
#include <errno.h>
#include <stdio.h>
#include <strings.h>

#include <ward/registry.h>

#include "internal.h"

#define HISTORY_MAX 4096 /* entries read, as WARD_CONFIG_MAX_HISTORY */
#define ENV_MAX 4096
#define BUILD_ARGS_MAX 256

int
audit_secret_record(void *opaque, const struct ward_secret_match *m)
{
	struct audit_secret_ctx *c = opaque;
	char clean[AUDIT_EVIDENCE_VALUE_MAX + 8], line[32] = "";
	int r;

	audit_sanitize(c->where ? c->where : c->path, clean, sizeof(clean));
	if (m->line)
		(void)snprintf(line, sizeof(line), " line %u", m->line);
	/* Only the redacted form is ever formatted: the report cannot leak it. */
	r = ward_audit_add(c->r, "4.10", c->target, false, m->severity, c->path, m->line, NULL,
			   "%s %s in %s%s%s%s%s", ward_secret_kind_name(m->kind), m->redacted,
			   clean, line, m->detail[0] ? " (" : "", m->detail,
			   m->detail[0] ? ")" : "");
	if (r < 0)
		c->rc = r;
	return r;
}

static bool
user_is_root(const char *u)
{
	size_t n = strcspn(u, ":");

	return n == 0 || (n == 4 && strncmp(u, "root", 4) == 0) || (n == 1 && u[0] == '0');
}

/* The registry part of a reference, as the distribution spec reads a name:
 * the first component when it has a '.' or ':' or is "localhost". */
static bool
ref_registry(const char *ref, char *buf, size_t size)
{
	const char *slash = strchr(ref, '/');
	size_t n;

	if (!slash)
		return false;
	n = (size_t)(slash - ref);
	if (!(memchr(ref, '.', n) || memchr(ref, ':', n) ||
	      (n == 9 && !strncmp(ref, "localhost", 9))))
		return false;
	if (n >= size)
		n = size - 1;
	memcpy(buf, ref, n);
	buf[n] = '\0';
	return true;
}

static int
check_origin(struct ward_audit_report *r, const char *target, const char *ref,
	     const struct ward_audit_opts *o)
{
	const struct ward_registries_conf *rc = o ? o->registries_conf : NULL;
	char reg[256], clean[AUDIT_EVIDENCE_VALUE_MAX + 8];
	bool pinned, has_reg;

	if (!ref)
		return ward_audit_add(r, "4.2", target, false, WARD_AUDIT_INFO, NULL, 0, NULL,
				      "the image's origin is unknown (no reference recorded)");
	audit_sanitize(ref, clean, sizeof(clean));
	pinned = strstr(ref, "@sha256:") != NULL;
	has_reg = ref_registry(ref, reg, sizeof(reg));
	/* registries.conf first: a blocked registry stays a finding whatever
	 * the policy says. */
	for (size_t i = 0; has_reg && rc && i < rc->n_registries; i++) {
		const struct ward_registry_entry *e = &rc->registries[i];
		const char *pfx = e->prefix ? e->prefix : e->location;
		size_t pl = pfx ? strlen(pfx) : 0;
		/* "evil.example" is a prefix of "evil.example/x", not of
		 * "evil.example.org/x". */
		if (!pl || !ward_str_has_prefix(ref, pfx) ||
		    (ref[pl] && ref[pl] != '/' && ref[pl] != ':' && ref[pl] != '@' &&
		     pfx[pl - 1] != '/'))
			continue;
		if (e->blocked)
			return ward_audit_add(r, "4.2", target, false, WARD_AUDIT_HIGH, NULL, 0,
					      NULL, "%s comes from %s, which %s:%u blocks", clean,
					      reg, rc->path ? rc->path : "registries.conf",
					      e->line);
		if (e->insecure)
			return ward_audit_add(r, "4.2", target, false, WARD_AUDIT_MEDIUM, NULL, 0,
					      "pull it over verified TLS from a trusted registry, "
					      "pinned by digest",
					      "%s comes from %s, marked insecure (plain HTTP or "
					      "unverified TLS) in %s:%u",
					      clean, reg, rc->path ? rc->path : "registries.conf",
					      e->line);
	}
	/* Then the trust policy, when the front end evaluated it. */
	if (o && o->trust != WARD_AUDIT_TRUST_UNKNOWN) {
		char detail[AUDIT_EVIDENCE_VALUE_MAX + 8];

		audit_sanitize(o->trust_detail ? o->trust_detail : "", detail, sizeof(detail));
		switch (o->trust) {
		case WARD_AUDIT_TRUST_SIGNED:
			return ward_audit_add(r, "4.2", target, true, WARD_AUDIT_INFO, NULL, 0,
					      NULL,
					      "%s: the trust policy admits it with a verified "
					      "signature (%s)",
					      clean, detail);
		case WARD_AUDIT_TRUST_UNSIGNED:
			return ward_audit_add(
				r, "4.2", target, false, WARD_AUDIT_LOW, NULL, 0,
				"require a signature for its registry in policy.json (signedBy or "
				"sigstoreSigned) and sign the image (ward sign)",
				"%s: the trust policy admits it without any signature (%s)", clean,
				detail);
		case WARD_AUDIT_TRUST_REFUSED:
			return ward_audit_add(r, "4.2", target, false, WARD_AUDIT_HIGH, NULL, 0,
					      "sign it with a key the policy trusts (ward sign), "
					      "or do not use it",
					      "%s: the trust policy refuses it: %s", clean, detail);
		case WARD_AUDIT_TRUST_UNKNOWN:
			break;
		}
	}
	if (!has_reg)
		return ward_audit_add(
			r, "4.2", target, false, WARD_AUDIT_INFO, NULL, 0, NULL,
			"%s names no registry: imported or loaded locally, its origin "
			"cannot be told from the store; no signature was verified by "
			"the audit",
			clean);
	/* Without a trust policy ward cannot call a registry trusted: say what is
	 * known, as information, rather than a pass. */
	return ward_audit_add(r, "4.2", target, false, WARD_AUDIT_INFO, NULL, 0, NULL,
			      "%s from registry %s, %s; no trust policy was evaluated and no "
			      "signature verified by the audit",
			      clean, reg,
			      pinned ? "pinned by digest" : "by tag, not pinned by digest");
}

/* "|2 TOKEN=abc PASS=x /bin/sh -c ..." is how `docker build` records build
 * args in a RUN step's history: every one of them ships with the image. */
static int
scan_build_args(const char *s, struct audit_secret_ctx *sc)
{
	const char *p = s + 1;
	char *end;
	unsigned long n = strtoul(p, &end, 10);
	int r;

	if (end == p || *end != ' ' || n > BUILD_ARGS_MAX)
		return 0;
	p = end + 1;
	for (unsigned long k = 0; k < n && *p; k++) {
		size_t len = strcspn(p, " ");
		_cleanup_free_ char *kv = strndup(p, len);
		if (!kv)
			return -ENOMEM;
		if (strchr(kv, '=') && (r = ward_secrets_scan_env(kv, audit_secret_record, sc)) < 0)
			return r;
		p += len;
		while (*p == ' ')
			p++;
	}
	return 0;
}

int
ward_audit_image_config(struct ward_audit_report *r, const char *target, const char *ref,
			const char *buf, size_t len, const struct ward_audit_opts *o,
			struct ward_error **err)
{
	json_t *doc = NULL, *cfg, *user, *hc, *env, *hist, *v;
	size_t i, n_findings;
	int rc = 0;

	if (len > WARD_AUDIT_CONFIG_MAX)
		return ward_error_setk(err, WARD_E_DENIED, EFBIG,
				       "%s: image config is %zu bytes, more than %u", target, len,
				       WARD_AUDIT_CONFIG_MAX);
	if ((rc = ward_json_parse(buf, len, "image config", &doc, err)) < 0)
		return ward_error_wrap(err, "%s", target);
	if (!json_is_object(doc)) {
		rc = ward_error_setk(err, WARD_E_INVALID, 0,
				     "%s: image config is %s, not an object", target,
				     ward_json_type_name(doc));
		goto out;
	}
	if ((rc = ward_audit_add_target(r, target)) < 0)
		goto oom;
	cfg = json_object_get(doc, "config");
	if (cfg && !json_is_object(cfg))
		cfg = NULL;
	/* 4.1 */
	user = json_object_get(cfg, "User");
	if (json_is_string(user) && !user_is_root(json_string_value(user))) {
		char clean[AUDIT_EVIDENCE_VALUE_MAX + 8];
		audit_sanitize(json_string_value(user), clean, sizeof(clean));
		rc = ward_audit_add(r, "4.1", target, true, WARD_AUDIT_INFO, NULL, 0, NULL,
				    "config.User is \"%s\"", clean);
	} else {
		rc = ward_audit_add(r, "4.1", target, false, WARD_AUDIT_MEDIUM, NULL, 0, NULL,
				    "config.User is %s: the image runs as root",
				    json_is_string(user)
					    ? (*json_string_value(user) ? "root" : "empty")
					    : "not set");
	}
	if (rc < 0)
		goto oom;
	/* 4.2 */
	if ((rc = check_origin(r, target, ref, o)) < 0)
		goto oom;
	/* 4.6: Test ["NONE"] is `HEALTHCHECK NONE`, which disables an inherited one. */
	hc = json_object_get(cfg, "Healthcheck");
	v = json_array_get(json_object_get(hc, "Test"), 0);
	if (json_is_object(hc) && json_is_string(v) && strcmp(json_string_value(v), "NONE") != 0)
		rc = ward_audit_add(r, "4.6", target, true, WARD_AUDIT_INFO, NULL, 0, NULL,
				    "config.Healthcheck.Test is set (%s)", json_string_value(v));
	else
		rc = ward_audit_add(r, "4.6", target, false, WARD_AUDIT_LOW, NULL, 0, NULL,
				    "config.Healthcheck is %s",
				    json_is_object(hc) ? "disabled (NONE)" : "not set");
	if (rc < 0)
		goto oom;
	/* 4.10 in Env and history. */
	n_findings = r->n;
	env = json_object_get(cfg, "Env");
	json_array_foreach(env, i, v) {
		char where[48];
		struct audit_secret_ctx sc = {.r = r, .target = target, .where = where};
		if (i >= ENV_MAX)
			break;
		if (!json_is_string(v))
			continue;
		(void)snprintf(where, sizeof(where), "config.Env[%zu]", i);
		if ((rc = ward_secrets_scan_env(json_string_value(v), audit_secret_record, &sc)) <
		    0)
			goto oom;
	}
	hist = json_object_get(doc, "history");
	json_array_foreach(hist, i, v) {
		char where[48];
		struct audit_secret_ctx sc = {.r = r, .target = target, .where = where};
		const char *cb = json_string_value(json_object_get(v, "created_by"));
		if (i >= HISTORY_MAX)
			break;
		if (!cb)
			continue;
		(void)snprintf(where, sizeof(where), "history[%zu].created_by", i);
		if (cb[0] == '|' && (rc = scan_build_args(cb, &sc)) < 0)
			goto oom;
		if ((rc = ward_secrets_scan(cb, strlen(cb), audit_secret_record, &sc)) < 0)
			goto oom;
	}
	if (r->n == n_findings &&
	    (rc = ward_audit_add(r, "4.10", target, true, WARD_AUDIT_INFO, NULL, 0, NULL,
				 "no secret in config.Env or history")) < 0)
		goto oom;
	rc = 0;
	goto out;
oom:
	rc = ward_error_set(err, ENOMEM, "%s: audit", target);
out:
	json_decref(doc);
	return rc;
}
