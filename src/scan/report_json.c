/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ward's JSON report (`ward scan --format json`) and its inverse, which the
 * scan cache uses. The shape is documented in docs/scan.md and stable:
 * fields are added, never renamed, and schemaVersion changes when one is.
 */
#include <errno.h>
#include <stdio.h>
#include <time.h>

#include <ward/scan.h>

#include "report_internal.h"

#define REPORT_SCHEMA_VERSION 1

json_t *
scan_json_str(const char *s)
{
	json_t *j;
	char *t;

	if (!s)
		return json_null();
	if ((j = json_string(s)))
		return j;
	if (!(t = strdup(s)))
		return NULL;
	for (char *p = t; *p; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	j = json_string(t);
	free(t);
	return j;
}

#define str_or_null scan_json_str

/* RFC 3339 UTC, or null for 0 ("never"). */
static json_t *
time_json(int64_t t)
{
	char buf[32];
	struct tm tm;
	time_t tt = (time_t)t;

	if (t <= 0 || !gmtime_r(&tt, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
		return json_null();
	return json_string(buf);
}

static int64_t
time_parse(const char *s)
{
	struct tm tm = {0};
	int n = 0;
	time_t t;

	if (!s ||
	    sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 ||
	    n == 0 || s[n] != '\0')
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = timegm(&tm);
	return t == (time_t)-1 ? -1 : (int64_t)t;
}

/* json_object_set_new that remembers a failure (NULL value or ENOMEM). */
static void
set(json_t *o, const char *k, json_t *v, bool *ok)
{
	if (!v || json_object_set_new(o, k, v) < 0)
		*ok = false;
}

static json_t *
finding_json(const struct ward_vuln_finding *f, bool *ok)
{
	json_t *o = json_object(), *al = json_array(), *cvss;

	if (!o || !al) {
		json_decref(o);
		json_decref(al);
		*ok = false;
		return NULL;
	}
	for (size_t i = 0; i < f->n_aliases; i++)
		if (json_array_append_new(al, scan_json_str(f->aliases[i])) < 0)
			*ok = false;
	set(o, "id", scan_json_str(f->id ? f->id : ""), ok);
	set(o, "aliases", al, ok);
	set(o, "summary", str_or_null(f->summary), ok);
	set(o, "severity", json_string(ward_severity_name(f->severity)), ok);
	if (f->cvss_score >= 0 || f->cvss_vector) {
		cvss = json_object();
		if (cvss) {
			set(cvss, "score",
			    f->cvss_score >= 0 ? json_real(f->cvss_score) : json_null(), ok);
			set(cvss, "vector", str_or_null(f->cvss_vector), ok);
		}
		set(o, "cvss", cvss, ok);
	} else {
		set(o, "cvss", json_null(), ok);
	}
	set(o, "fixedVersion", str_or_null(f->fixed_version), ok);
	set(o, "ecosystem", str_or_null(f->ecosystem), ok);
	set(o, "matchedName", str_or_null(f->matched_name), ok);
	set(o, "suppressed", json_boolean(f->suppressed), ok);
	set(o, "suppressedBy", str_or_null(f->suppressed_by), ok);
	return o;
}

static json_t *
package_json(const struct ward_package *p)
{
	return json_pack("{s:o, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "name",
			 scan_json_str(p->name ? p->name : ""), "version",
			 scan_json_str(p->version ? p->version : ""), "type",
			 ward_pkg_type_name(p->type), "sourceName", str_or_null(p->source_name),
			 "sourceVersion", str_or_null(p->source_version), "arch",
			 str_or_null(p->arch), "license", str_or_null(p->license), "location",
			 str_or_null(p->location), "purl", str_or_null(p->purl));
}

int
ward_scan_report_json(const struct ward_scan_report *r, bool all_packages, json_t **ret,
		      struct ward_error **err)
{
	const struct ward_inventory *inv = r->inv;
	size_t n_pkgs = inv ? inv->n_pkgs : 0;
	size_t counts[WARD_SEV_CRITICAL + 1] = {0}, suppressed = 0;
	_cleanup_free_ size_t *first = NULL, *next = NULL;
	json_t *doc = json_object(), *pkgs = json_array(), *os, *db, *sum, *warn = json_array();
	bool ok = doc && pkgs && warn;

	/* Findings are grouped by package without reordering them: a chain of
	 * indexes per package (first[p], next[i]), linear in their number. */
	first = malloc((n_pkgs + 1) * sizeof(*first));
	next = malloc((r->n_findings + 1) * sizeof(*next));
	if (!ok || !first || !next) {
		json_decref(doc);
		json_decref(pkgs);
		json_decref(warn);
		return ward_error_set(err, ENOMEM, "JSON report");
	}
	for (size_t p = 0; p < n_pkgs; p++)
		first[p] = SIZE_MAX;
	for (size_t i = r->n_findings; i-- > 0;) {
		const struct ward_vuln_finding *f = &r->findings[i];
		next[i] = SIZE_MAX;
		if (f->pkg >= n_pkgs)
			continue; /* a finding without its package cannot be placed */
		next[i] = first[f->pkg];
		first[f->pkg] = i;
		if (f->suppressed)
			suppressed++;
		else if (f->severity <= WARD_SEV_CRITICAL)
			counts[f->severity]++;
	}
	set(doc, "schemaVersion", json_integer(REPORT_SCHEMA_VERSION), &ok);
	set(doc, "source", str_or_null(inv ? inv->source : NULL), &ok);
	if (r->image_digest || r->image_ref)
		set(doc, "image",
		    json_pack("{s:o, s:o}", "ref", str_or_null(r->image_ref), "digest",
			      str_or_null(r->image_digest)),
		    &ok);
	else
		set(doc, "image", json_null(), &ok);
	os = json_pack("{s:o, s:o, s:o, s:o, s:o}", "id", str_or_null(inv ? inv->os.id : NULL),
		       "versionId", str_or_null(inv ? inv->os.version_id : NULL), "codename",
		       str_or_null(inv ? inv->os.version_codename : NULL), "prettyName",
		       str_or_null(inv ? inv->os.pretty_name : NULL), "idLike",
		       str_or_null(inv ? inv->os.id_like : NULL));
	set(doc, "os", os, &ok);
	set(doc, "scannedAt", time_json(r->scanned_at), &ok);
	db = json_pack("{s:o, s:o, s:o}", "lastImport", time_json(r->db_last_import),
		       "newestModified", time_json(r->db_newest_modified), "ageSeconds",
		       r->db_newest_modified > 0 && r->scanned_at >= r->db_newest_modified
			       ? json_integer(r->scanned_at - r->db_newest_modified)
			       : json_null());
	set(doc, "db", db, &ok);
	set(doc, "packagesCount", json_integer((json_int_t)n_pkgs), &ok);
	sum = json_object();
	if (sum) {
		for (int s = WARD_SEV_CRITICAL; s >= WARD_SEV_UNKNOWN; s--)
			set(sum, ward_severity_name((enum ward_severity)s),
			    json_integer((json_int_t)counts[s]), &ok);
		set(sum, "suppressed", json_integer((json_int_t)suppressed), &ok);
	}
	set(doc, "summary", sum, &ok);
	for (size_t i = 0; inv && i < inv->n_warnings_kept; i++)
		if (json_array_append_new(warn, scan_json_str(inv->warnings[i])) < 0)
			ok = false;
	set(doc, "warningsCount", json_integer(inv ? (json_int_t)inv->n_warnings : 0), &ok);
	set(doc, "warnings", warn, &ok);
	for (size_t p = 0; p < n_pkgs && ok; p++) {
		json_t *pj, *fa;
		if (!all_packages && first[p] == SIZE_MAX)
			continue;
		pj = package_json(&inv->pkgs[p]);
		fa = json_array();
		if (!pj || !fa) {
			json_decref(pj);
			json_decref(fa);
			ok = false;
			break;
		}
		for (size_t i = first[p]; i != SIZE_MAX; i = next[i])
			if (json_array_append_new(fa, finding_json(&r->findings[i], &ok)) < 0)
				ok = false;
		set(pj, "findings", fa, &ok);
		if (json_array_append_new(pkgs, pj) < 0)
			ok = false;
	}
	set(doc, "packages", pkgs, &ok);
	if (!ok) {
		json_decref(doc);
		return ward_error_set(err, ENOMEM, "JSON report");
	}
	*ret = doc;
	return 0;
}

/* ---- reading it back ---------------------------------------------------------- */

static int
dup_opt(json_t *o, const char *where, const char *key, char **ret, struct ward_error **err)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v))
		return 0;
	return ward_json_dup_string(o, where, key, ret, err);
}

static int
read_package(json_t *pj, size_t idx, struct ward_package *p, struct ward_error **err)
{
	char where[48];
	const char *type = NULL;
	int r;

	snprintf(where, sizeof(where), "packages[%zu]", idx);
	if (!json_is_object(pj))
		return ward_error_setk(err, WARD_E_INVALID, 0, "%s: not an object", where);
	if ((r = ward_json_get_string(pj, where, "type", &type, err)) < 0)
		return r;
	for (int t = 0; type && t < WARD_PKG_TYPE_COUNT; t++)
		if (strcmp(type, ward_pkg_type_name((enum ward_pkg_type)t)) == 0) {
			p->type = (enum ward_pkg_type)t;
			type = NULL;
		}
	if (type || !json_object_get(pj, "type"))
		return ward_error_setk(err, WARD_E_INVALID, 0, "%s.type: unknown package type",
				       where);
	if ((r = ward_json_dup_string(pj, where, "name", &p->name, err)) < 0 ||
	    (r = ward_json_dup_string(pj, where, "version", &p->version, err)) < 0 ||
	    (r = dup_opt(pj, where, "sourceName", &p->source_name, err)) < 0 ||
	    (r = dup_opt(pj, where, "sourceVersion", &p->source_version, err)) < 0 ||
	    (r = dup_opt(pj, where, "arch", &p->arch, err)) < 0 ||
	    (r = dup_opt(pj, where, "license", &p->license, err)) < 0 ||
	    (r = dup_opt(pj, where, "location", &p->location, err)) < 0 ||
	    (r = dup_opt(pj, where, "purl", &p->purl, err)) < 0)
		return r;
	if (!p->name || !p->version)
		return ward_error_setk(err, WARD_E_INVALID, 0, "%s: name and version required",
				       where);
	return 0;
}

static int
read_finding(json_t *fj, const char *where, size_t pkg, struct ward_vuln_finding *f,
	     struct ward_error **err)
{
	const char *sev = "UNKNOWN";
	json_t *al, *cvss;
	size_t i;
	int r;

	f->pkg = pkg;
	f->cvss_score = -1;
	if (!json_is_object(fj))
		return ward_error_setk(err, WARD_E_INVALID, 0, "%s: not an object", where);
	if ((r = ward_json_dup_string(fj, where, "id", &f->id, err)) < 0 ||
	    (r = dup_opt(fj, where, "summary", &f->summary, err)) < 0 ||
	    (r = dup_opt(fj, where, "fixedVersion", &f->fixed_version, err)) < 0 ||
	    (r = dup_opt(fj, where, "ecosystem", &f->ecosystem, err)) < 0 ||
	    (r = dup_opt(fj, where, "matchedName", &f->matched_name, err)) < 0 ||
	    (r = dup_opt(fj, where, "suppressedBy", &f->suppressed_by, err)) < 0 ||
	    (r = ward_json_get_bool(fj, where, "suppressed", &f->suppressed, err)) < 0 ||
	    (r = ward_json_get_string(fj, where, "severity", &sev, err)) < 0)
		return r;
	if (!f->id)
		return ward_error_setk(err, WARD_E_INVALID, 0, "%s.id: required", where);
	if ((r = ward_severity_from_name(sev, &f->severity, err)) < 0)
		return ward_error_wrap(err, "%s.severity", where);
	if ((al = json_object_get(fj, "aliases"))) {
		if (!json_is_array(al) || json_array_size(al) > WARD_OSV_ARRAY_MAX)
			return ward_error_setk(err, WARD_E_INVALID, 0,
					       "%s.aliases: not an array of at most %u", where,
					       WARD_OSV_ARRAY_MAX);
		if (json_array_size(al) &&
		    !(f->aliases = calloc(json_array_size(al), sizeof(*f->aliases))))
			return ward_error_set(err, ENOMEM, "%s", where);
		json_array_foreach(al, i, cvss) {
			if (!json_is_string(cvss))
				return ward_error_setk(err, WARD_E_INVALID, 0,
						       "%s.aliases[%zu]: not a string", where, i);
			if (!(f->aliases[i] = strdup(json_string_value(cvss))))
				return ward_error_set(err, ENOMEM, "%s", where);
			f->n_aliases = i + 1;
		}
	}
	cvss = json_object_get(fj, "cvss");
	if (json_is_object(cvss)) {
		json_t *sc = json_object_get(cvss, "score");
		if (json_is_number(sc))
			f->cvss_score = json_number_value(sc);
		if ((r = dup_opt(cvss, where, "vector", &f->cvss_vector, err)) < 0)
			return r;
	} else if (cvss && !json_is_null(cvss)) {
		return ward_error_setk(err, WARD_E_INVALID, 0, "%s.cvss: not an object", where);
	}
	return 0;
}

static int
read_os(json_t *doc, struct ward_os_release *os, struct ward_error **err)
{
	json_t *o = json_object_get(doc, "os");
	int r;

	if (!o || json_is_null(o))
		return 0;
	if (!json_is_object(o))
		return ward_error_setk(err, WARD_E_INVALID, 0, "os: not an object");
	if ((r = dup_opt(o, "os", "id", &os->id, err)) < 0 ||
	    (r = dup_opt(o, "os", "versionId", &os->version_id, err)) < 0 ||
	    (r = dup_opt(o, "os", "codename", &os->version_codename, err)) < 0 ||
	    (r = dup_opt(o, "os", "prettyName", &os->pretty_name, err)) < 0 ||
	    (r = dup_opt(o, "os", "idLike", &os->id_like, err)) < 0)
		return r;
	return 0;
}

static int64_t
get_time(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	int64_t t = json_is_string(v) ? time_parse(json_string_value(v)) : 0;

	return t < 0 ? 0 : t;
}

static int
read_findings(json_t *pkgs, struct ward_scan_report *r, struct ward_error **err)
{
	json_t *pj, *fa, *fj;
	size_t p, i, n = 0;
	char where[64];
	int rr;

	json_array_foreach(pkgs, p, pj) {
		fa = json_object_get(pj, "findings");
		if (fa && !json_is_array(fa))
			return ward_error_setk(err, WARD_E_INVALID, 0,
					       "packages[%zu].findings: not an array", p);
		if (fa && __builtin_add_overflow(n, json_array_size(fa), &n))
			return ward_error_setk(err, WARD_E_INVALID, 0, "too many findings");
	}
	if (n > (size_t)WARD_SCAN_PACKAGES_MAX * 64)
		return ward_error_setk(err, WARD_E_INVALID, 0, "more than %u findings",
				       WARD_SCAN_PACKAGES_MAX * 64);
	if (n && !(r->findings = calloc(n, sizeof(*r->findings))))
		return ward_error_set(err, ENOMEM, "report");
	json_array_foreach(pkgs, p, pj) {
		fa = json_object_get(pj, "findings");
		json_array_foreach(fa, i, fj) {
			snprintf(where, sizeof(where), "packages[%zu].findings[%zu]", p, i);
			r->n_findings++;
			if ((rr = read_finding(fj, where, p, &r->findings[r->n_findings - 1],
					       err)) < 0)
				return rr;
		}
	}
	return 0;
}

int
ward_scan_report_from_json(json_t *doc, struct ward_scan_report **ret, struct ward_error **err)
{
	_cleanup_(ward_scan_report_freep) struct ward_scan_report *r = NULL;
	struct ward_inventory *inv;
	json_t *pkgs, *img, *db, *warn, *w;
	int64_t ver = 0;
	int64_t nwarn = 0;
	size_t i;
	int rr;

	if (!json_is_object(doc))
		return ward_error_setk(err, WARD_E_INVALID, 0, "scan report: not an object");
	if ((rr = ward_json_get_int64(doc, "report", "schemaVersion", &ver, err)) < 0)
		return rr;
	if (ver != REPORT_SCHEMA_VERSION)
		return ward_error_setk(err, WARD_E_INVALID, 0,
				       "scan report: schemaVersion %lld, "
				       "expected %d",
				       (long long)ver, REPORT_SCHEMA_VERSION);
	pkgs = json_object_get(doc, "packages");
	if (!json_is_array(pkgs) || json_array_size(pkgs) > WARD_SCAN_PACKAGES_MAX)
		return ward_error_setk(err, WARD_E_INVALID, 0,
				       "scan report: packages: not an array of at most %u",
				       WARD_SCAN_PACKAGES_MAX);
	if (!(r = calloc(1, sizeof(*r))) || !(r->inv = calloc(1, sizeof(*r->inv))))
		return ward_error_set(err, ENOMEM, "scan report");
	inv = r->inv;
	if ((rr = dup_opt(doc, "report", "source", &inv->source, err)) < 0 ||
	    (rr = read_os(doc, &inv->os, err)) < 0)
		return rr;
	if (json_array_size(pkgs) &&
	    !(inv->pkgs = calloc(json_array_size(pkgs), sizeof(*inv->pkgs))))
		return ward_error_set(err, ENOMEM, "scan report");
	json_array_foreach(pkgs, i, w) {
		inv->n_pkgs++;
		if ((rr = read_package(w, i, &inv->pkgs[i], err)) < 0)
			return rr;
	}
	if ((rr = read_findings(pkgs, r, err)) < 0)
		return rr;
	if ((warn = json_object_get(doc, "warnings")) && json_is_array(warn)) {
		size_t n = json_array_size(warn);
		if (n > WARD_SCAN_WARNINGS_KEPT)
			n = WARD_SCAN_WARNINGS_KEPT;
		if (n && !(inv->warnings = calloc(n, sizeof(*inv->warnings))))
			return ward_error_set(err, ENOMEM, "scan report");
		for (i = 0; i < n; i++) {
			w = json_array_get(warn, i);
			if (!json_is_string(w))
				return ward_error_setk(err, WARD_E_INVALID, 0,
						       "warnings[%zu]: not a string", i);
			if (!(inv->warnings[i] = strdup(json_string_value(w))))
				return ward_error_set(err, ENOMEM, "scan report");
			inv->n_warnings_kept = i + 1;
		}
	}
	if ((rr = ward_json_get_int64(doc, "report", "warningsCount", &nwarn, err)) < 0)
		return rr;
	inv->n_warnings = nwarn > 0 ? (size_t)nwarn : inv->n_warnings_kept;
	if ((img = json_object_get(doc, "image")) && json_is_object(img) &&
	    ((rr = dup_opt(img, "image", "ref", &r->image_ref, err)) < 0 ||
	     (rr = dup_opt(img, "image", "digest", &r->image_digest, err)) < 0))
		return rr;
	r->scanned_at = get_time(doc, "scannedAt");
	if ((db = json_object_get(doc, "db")) && json_is_object(db)) {
		r->db_last_import = get_time(db, "lastImport");
		r->db_newest_modified = get_time(db, "newestModified");
	}
	*ret = TAKE_PTR(r);
	return 0;
}
