/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SARIF 2.1.0 output for code-scanning dashboards (GitHub, GitLab, Azure
 * DevOps). One run; tool.driver "ward" with one rule per vulnerability id;
 * one result per finding. GitHub ranks alerts by the rule's
 * properties."security-severity" (a CVSS score as a string), so the score
 * goes there; a finding without one gets the lower bound of its severity's
 * band so it still lands in the right bucket.
 */
#include <errno.h>
#include <stdio.h>

#include <ward/scan.h>

#include "report_internal.h"

#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"
#define OSV_URL "https://osv.dev/vulnerability/"

static const char *
sarif_level(enum ward_severity s)
{
	switch (s) {
	case WARD_SEV_CRITICAL:
	case WARD_SEV_HIGH:
		return "error";
	case WARD_SEV_MEDIUM:
		return "warning";
	default:
		return "note";
	}
}

/* GitHub's bands: critical >= 9.0, high >= 7.0, medium >= 4.0, low > 0. */
static double
severity_floor(enum ward_severity s)
{
	switch (s) {
	case WARD_SEV_CRITICAL:
		return 9.0;
	case WARD_SEV_HIGH:
		return 7.0;
	case WARD_SEV_MEDIUM:
		return 4.0;
	case WARD_SEV_LOW:
		return 0.1;
	default:
		return -1;
	}
}

/* A path read from the rootfs as a relative URI reference: the leading '/'
 * dropped and everything outside RFC 3986 unreserved and '/' escaped, so a
 * hostile file name cannot break the URI. */
static char *
path_uri(const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t l, n = 0;
	char *out;

	while (*path == '/')
		path++;
	l = strlen(path);
	if (l > 4096)
		l = 4096;
	if (!(out = malloc(l * 3 + 1)))
		return NULL;
	for (size_t i = 0; i < l; i++) {
		unsigned char c = (unsigned char)path[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
			out[n++] = (char)c;
		} else {
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		}
	}
	out[n] = '\0';
	return out;
}

struct rule {
	const char *id;
	const struct ward_vuln_finding *f; /* the finding whose text the rule shows */
	enum ward_severity sev;
	double score;
};

/* Rule index of id through `index` (a JSON object used as a hash map, so a
 * report with thousands of findings stays linear), adding it when new: the
 * index, -1 on ENOMEM. */
static long
find_rule(json_t *index, struct rule *rules, size_t *n, const struct ward_vuln_finding *f)
{
	json_t *v = json_object_get(index, f->id);

	if (v)
		return (long)json_integer_value(v);
	if (json_object_set_new_nocheck(index, f->id, json_integer((json_int_t)*n)) < 0)
		return -1;
	rules[*n] = (struct rule){.id = f->id, .f = f, .sev = f->severity, .score = f->cvss_score};
	return (long)(*n)++;
}

static json_t *
rule_json(const struct rule *ru)
{
	_cleanup_free_ char *help = NULL, *id_uri = NULL, *uri = NULL;
	char score[16];
	double sc = ru->score >= 0 ? ru->score : severity_floor(ru->sev);
	const char *summary = ru->f->summary ? ru->f->summary : ru->id;
	json_t *props, *tags, *o;

	tags = json_pack("[s, s, s]", "vulnerability", "security", ward_severity_name(ru->sev));
	props = json_pack("{s:o, s:s}", "tags", tags, "precision", "very-high");
	if (props && sc >= 0) {
		snprintf(score, sizeof(score), "%.1f", sc);
		if (json_object_set_new(props, "security-severity", json_string(score)) < 0) {
			json_decref(props);
			return NULL;
		}
	}
	help = ward_strdup_printf("%s (%s)%s%s. See " OSV_URL "%s", ru->id,
				  ward_severity_name(ru->sev), ru->f->summary ? ": " : "",
				  ru->f->summary ? ru->f->summary : "", ru->id);
	id_uri = path_uri(ru->id);
	uri = id_uri ? ward_strdup_printf(OSV_URL "%s", id_uri) : NULL;
	if (!help || !uri) {
		json_decref(props);
		return NULL;
	}
	o = json_pack("{s:o, s:o, s:{s:o}, s:{s:o}, s:s, s:{s:o}, s:{s:s}, s:o}", "id",
		      scan_json_str(ru->id), "name", scan_json_str(ru->id), "shortDescription",
		      "text", scan_json_str(summary), "fullDescription", "text",
		      scan_json_str(help), "helpUri", uri, "help", "text", scan_json_str(help),
		      "defaultConfiguration", "level", sarif_level(ru->sev), "properties", props);
	return o;
}

static json_t *
result_json(const struct ward_scan_report *r, const struct ward_vuln_finding *f, size_t rule_index)
{
	const struct ward_package *p = &r->inv->pkgs[f->pkg];
	_cleanup_free_ char *msg = NULL, *uri = NULL;
	json_t *o, *logical, *loc;

	msg = ward_strdup_printf("Package %s %s is affected by %s (%s)%s%s", p->name, p->version,
				 f->id, ward_severity_name(f->severity),
				 f->fixed_version ? "; fixed in " : "; no fixed version yet",
				 f->fixed_version ? f->fixed_version : "");
	uri = path_uri(p->location ? p->location : "");
	if (!msg || !uri)
		return NULL;
	logical =
		json_pack("[{s:o, s:o, s:s}]", "name", scan_json_str(p->name), "fullyQualifiedName",
			  scan_json_str(p->purl ? p->purl : p->name), "kind", "module");
	loc = json_pack("[{s:{s:{s:s}}, s:o}]", "physicalLocation", "artifactLocation", "uri",
			*uri ? uri : "unknown", "logicalLocations", logical);
	o = json_pack("{s:o, s:I, s:s, s:{s:o}, s:o, s:{s:o, s:o, s:o, s:o}}", "ruleId",
		      scan_json_str(f->id), "ruleIndex", (json_int_t)rule_index, "level",
		      sarif_level(f->severity), "message", "text", scan_json_str(msg), "locations",
		      loc, "properties", "package", scan_json_str(p->name), "installedVersion",
		      scan_json_str(p->version), "fixedVersion", scan_json_str(f->fixed_version),
		      "purl", scan_json_str(p->purl));
	if (o && f->suppressed) {
		json_t *sup = json_pack(
			"[{s:s, s:s, s:o}]", "kind", "external", "status", "accepted",
			"justification",
			scan_json_str(f->suppressed_by ? f->suppressed_by : "suppressed"));
		if (!sup || json_object_set_new(o, "suppressions", sup) < 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

int
ward_scan_report_sarif(const struct ward_scan_report *r, json_t **ret, struct ward_error **err)
{
	_cleanup_free_ struct rule *rules = NULL;
	_cleanup_free_ size_t *rule_of = NULL;
	size_t n_rules = 0, n_pkgs = r->inv ? r->inv->n_pkgs : 0;
	json_t *doc = NULL, *jrules = NULL, *results = NULL, *run, *index = json_object();

	rules = calloc(r->n_findings + 1, sizeof(*rules));
	rule_of = calloc(r->n_findings + 1, sizeof(*rule_of));
	if (!rules || !rule_of || !index) {
		json_decref(index);
		return ward_error_set(err, ENOMEM, "SARIF report");
	}
	/* One rule per id, first seen first, carrying the highest severity and
	 * score any finding of it has (records for one id agree in practice;
	 * when they do not, the dashboard should not understate it). */
	for (size_t i = 0; i < r->n_findings; i++) {
		const struct ward_vuln_finding *f = &r->findings[i];
		long k;
		if (!f->id || f->pkg >= n_pkgs)
			continue;
		if ((k = find_rule(index, rules, &n_rules, f)) < 0)
			goto oom;
		if (f->severity > rules[k].sev)
			rules[k].sev = f->severity;
		if (f->cvss_score > rules[k].score)
			rules[k].score = f->cvss_score;
		if (!rules[k].f->summary && f->summary)
			rules[k].f = f;
		rule_of[i] = (size_t)k;
	}
	json_decref(index);
	index = NULL;
	if (!(jrules = json_array()) || !(results = json_array()))
		goto oom;
	for (size_t k = 0; k < n_rules; k++)
		if (json_array_append_new(jrules, rule_json(&rules[k])) < 0)
			goto oom;
	for (size_t i = 0; i < r->n_findings; i++) {
		const struct ward_vuln_finding *f = &r->findings[i];
		if (!f->id || f->pkg >= n_pkgs)
			continue;
		if (json_array_append_new(results, result_json(r, f, rule_of[i])) < 0)
			goto oom;
	}
	run = json_pack("{s:{s:{s:s, s:s, s:s, s:o}}, s:o, s:{s:o, s:o, s:o}}", "tool", "driver",
			"name", "ward", "version", "0.1.0", "informationUri", "https://osv.dev/",
			"rules", jrules, "results", results, "properties", "source",
			scan_json_str(r->inv ? r->inv->source : NULL), "imageDigest",
			scan_json_str(r->image_digest), "imageRef", scan_json_str(r->image_ref));
	jrules = results = NULL; /* stolen, also on failure */
	if (!run)
		goto oom;
	doc = json_pack("{s:s, s:s, s:[o]}", "$schema", SARIF_SCHEMA, "version", "2.1.0", "runs",
			run);
	if (!doc)
		goto oom;
	*ret = doc;
	return 0;
oom:
	json_decref(index);
	json_decref(jrules);
	json_decref(results);
	return ward_error_set(err, ENOMEM, "SARIF report");
}
