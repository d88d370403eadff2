/* SPDX-License-Identifier: Apache-2.0 */
/* SARIF 2.1.0 for code-scanning dashboards: a rule per check that ran (its
 * help text is the remediation), a result per failed finding. */
#include <errno.h>
#include <stdio.h>

#include "internal.h"

#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"

static const char *
sarif_level(enum ward_audit_severity s)
{
	switch (s) {
	case WARD_AUDIT_CRITICAL:
	case WARD_AUDIT_HIGH:
		return "error";
	case WARD_AUDIT_MEDIUM:
		return "warning";
	default:
		return "note";
	}
}

/* GitHub code scanning reads properties.security-severity (a CVSS-like score). */
static const char *
security_severity(enum ward_audit_severity s)
{
	static const char *const v[] = {"0.0", "3.0", "5.5", "8.0", "9.5"};

	return (size_t)s < WARD_ARRAY_SIZE(v) ? v[s] : "0.0";
}

/* A file path as a URI reference (format "uri-reference"): every byte
 * outside RFC 3986 unreserved characters and '/' percent-encoded. Paths in
 * an image or rootfs become relative (they resolve against its root), host
 * paths absolute file:// URIs. */
static char *
path_uri(const char *path, bool host)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n;
	char *out, *o;

	while (*path == '/')
		path++;
	n = strlen(path);
	if (n > SIZE_MAX / 3 - 16 || !(out = malloc(n * 3 + 16)))
		return NULL;
	o = out;
	if (host) {
		memcpy(o, "file:///", 8);
		o += 8;
	}
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/", *p)) {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	return out;
}

static json_t *
rule_json(const struct ward_audit_check *c)
{
	return json_pack("{s:s, s:s, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s, s:s, s:[s,s]}}",
			 "id", c->id, "name", c->title, "shortDescription", "text", c->title,
			 "fullDescription", "text", c->rationale, "help", "text", c->remediation,
			 "defaultConfiguration", "level", sarif_level(c->severity), "properties",
			 "cis", c->cis, "security-severity", security_severity(c->severity), "tags",
			 "security", "CIS Docker Benchmark");
}

static json_t *
result_json(const struct ward_audit_finding *f, size_t rule_index)
{
	_cleanup_free_ char *msg = ward_strdup_printf("%s: %s. Remediation: %s", f->target,
						      f->evidence, f->remediation);
	json_t *res, *loc;

	if (!msg)
		return NULL;
	res = json_pack("{s:s, s:I, s:s, s:{s:s}, s:{s:s, s:s}}", "ruleId", f->check->id,
			"ruleIndex", (json_int_t)rule_index, "level", sarif_level(f->severity),
			"message", "text", msg, "properties", "severity",
			ward_audit_severity_name(f->severity), "target", f->target);
	if (!res)
		return NULL;
	if (f->path) {
		_cleanup_free_ char *uri = path_uri(f->path, strcmp(f->target, "host") == 0);
		if (!uri)
			goto fail;
		loc = json_pack("{s:{s:{s:s}}}", "physicalLocation", "artifactLocation", "uri",
				uri);
		if (loc && f->line) {
			json_t *pl = json_object_get(loc, "physicalLocation");
			if (json_object_set_new(
				    pl, "region",
				    json_pack("{s:I}", "startLine", (json_int_t)f->line)) < 0) {
				json_decref(loc);
				goto fail;
			}
		}
		if (loc && json_object_set_new(loc, "logicalLocations",
					       json_pack("[{s:s, s:s}]", "fullyQualifiedName",
							 f->target, "kind", "module")) < 0) {
			json_decref(loc);
			goto fail;
		}
	} else {
		loc = json_pack("{s:[{s:s, s:s}]}", "logicalLocations", "fullyQualifiedName",
				f->target, "kind", "module");
	}
	if (!loc || json_object_set_new(res, "locations", json_pack("[o]", loc)) < 0)
		goto fail;
	return res;
fail:
	json_decref(res);
	return NULL;
}

json_t *
ward_audit_report_sarif(const struct ward_audit_report *r)
{
	size_t n_checks;
	const struct ward_audit_check *cat = ward_audit_checks(&n_checks);
	_cleanup_free_ ssize_t *index = calloc(n_checks ? n_checks : 1, sizeof(ssize_t));
	json_t *rules = json_array(), *results = json_array(), *doc;
	size_t n_rules = 0;

	if (!index || !rules || !results)
		goto fail;
	for (size_t i = 0; i < n_checks; i++)
		index[i] = -1;
	/* Rules in catalogue order, only for checks that ran. */
	for (size_t i = 0; i < n_checks; i++) {
		bool ran = false;
		for (size_t k = 0; k < r->n && !ran; k++)
			ran = r->v[k].check == &cat[i];
		if (!ran)
			continue;
		if (json_array_append_new(rules, rule_json(&cat[i])) < 0)
			goto fail;
		index[i] = (ssize_t)n_rules++;
	}
	for (size_t k = 0; k < r->n; k++) {
		const struct ward_audit_finding *f = &r->v[k];
		size_t ci = (size_t)(f->check - cat);
		if (f->passed || ci >= n_checks || index[ci] < 0)
			continue;
		if (json_array_append_new(results, result_json(f, (size_t)index[ci])) < 0)
			goto fail;
	}
	doc = json_pack("{s:s, s:s, s:[{s:{s:{s:s, s:s, s:o}}, s:o, s:{s:s}}]}", "$schema",
			SARIF_SCHEMA, "version", "2.1.0", "runs", "tool", "driver", "name",
			"ward audit", "version", "0.1.0", "rules", rules, "results", results,
			"properties", "benchmark", "CIS Docker Benchmark v1.6.0");
	return doc;
fail:
	json_decref(rules);
	json_decref(results);
	return NULL;
}
