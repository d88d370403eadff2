/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SBOM output: CycloneDX 1.5 JSON (cyclonedx.org/docs/1.5/json) and SPDX
 * 2.3 JSON (spdx.github.io/spdx-spec/v2.3). Both are validated against
 * their published schemas in tests/e2e/scan-inventory.bats. Package
 * values come from images, so everything goes through jansson (escaped),
 * and identifiers with a restricted syntax (SPDXID) are sanitised.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "inventory_internal.h"

#define SBOM_TOOL_NAME "ward"
#define SBOM_TOOL_VERSION "0.1.0"

const char *
ward_sbom_format_name(enum ward_sbom_format fmt)
{
	switch (fmt) {
	case WARD_SBOM_CYCLONEDX:
		return "cyclonedx";
	case WARD_SBOM_SPDX:
		return "spdx";
	}
	return "?";
}

int
ward_sbom_format_from_name(const char *name, enum ward_sbom_format *ret, struct ward_error **err)
{
	if (name && (strcmp(name, "cyclonedx") == 0 || strcmp(name, "cyclonedx-json") == 0)) {
		*ret = WARD_SBOM_CYCLONEDX;
		return 0;
	}
	if (name && (strcmp(name, "spdx") == 0 || strcmp(name, "spdx-json") == 0)) {
		*ret = WARD_SBOM_SPDX;
		return 0;
	}
	return ward_error_setk(err, WARD_E_INVALID, EINVAL,
			       "SBOM format '%s': expected cyclonedx or spdx", name ? name : "");
}

static int
uuid4(char out[37], struct ward_error **err)
{
	uint8_t r[16];

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return ward_error_set(err, errno, "SBOM: getrandom");
	r[6] = (uint8_t)((r[6] & 0x0f) | 0x40);
	r[8] = (uint8_t)((r[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12],
		 r[13], r[14], r[15]);
	return 0;
}

static void
timestamp(char out[32])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* json_object_set_new that remembers a failure instead of leaking. */
struct jb {
	bool oom;
};

static void
set(struct jb *b, json_t *obj, const char *key, json_t *v)
{
	if (!v || !obj || json_object_set_new(obj, key, v) < 0)
		b->oom = true;
}

static void
set_str(struct jb *b, json_t *obj, const char *key, const char *s)
{
	if (s)
		set(b, obj, key, json_string(s));
}

static void
append(struct jb *b, json_t *arr, json_t *v)
{
	if (!v || !arr || json_array_append_new(arr, v) < 0)
		b->oom = true;
}

static bool
is_os_type(enum ward_pkg_type t)
{
	return t == WARD_PKG_DPKG || t == WARD_PKG_APK || t == WARD_PKG_RPM;
}

/* ---- CycloneDX ---------------------------------------------------------------- */

static json_t *
cdx_property(const char *name, const char *value)
{
	return json_pack("{s:s, s:s}", "name", name, "value", value);
}

/* Unique bom-refs: the purl, suffixed when the same package is listed
 * twice (one npm package in two node_modules trees). */
static int
make_bom_refs(const struct ward_inventory *inv, char ***ret, struct ward_error **err)
{
	char **refs = calloc(inv->n_pkgs + 1, sizeof(char *));
	json_t *seen = json_object();

	if (!refs || !seen)
		goto oom;
	for (size_t i = 0; i < inv->n_pkgs; i++) {
		const char *purl = inv->pkgs[i].purl ? inv->pkgs[i].purl : inv->pkgs[i].name;
		refs[i] = json_object_get(seen, purl) ? ward_strdup_printf("%s#%zu", purl, i)
						      : strdup(purl);
		if (!refs[i] || json_object_set_new(seen, refs[i], json_true()) < 0)
			goto oom;
	}
	json_decref(seen);
	*ret = refs;
	return 0;
oom:
	json_decref(seen);
	if (refs)
		for (size_t i = 0; i < inv->n_pkgs; i++)
			free(refs[i]);
	free(refs);
	return ward_error_set(err, ENOMEM, "SBOM");
}

static const char *
cdx_severity(enum ward_severity s)
{
	switch (s) {
	case WARD_SEV_LOW:
		return "low";
	case WARD_SEV_MEDIUM:
		return "medium";
	case WARD_SEV_HIGH:
		return "high";
	case WARD_SEV_CRITICAL:
		return "critical";
	default:
		return "unknown";
	}
}

/* Where an id comes from, by its prefix (OSV's id conventions). */
static json_t *
vuln_source(const char *id)
{
	static const struct {
		const char *prefix, *name, *url;
	} src[] = {
		{"CVE-", "NVD", "https://nvd.nist.gov/vuln/detail/"},
		{"GHSA-", "GitHub", "https://github.com/advisories/"},
		{"DSA-", "Debian", "https://security-tracker.debian.org/tracker/"},
		{"DLA-", "Debian", "https://security-tracker.debian.org/tracker/"},
		{"DEBIAN-", "Debian", "https://security-tracker.debian.org/tracker/"},
		{"GO-", "Go", "https://pkg.go.dev/vuln/"},
		{"PYSEC-", "PyPA", "https://osv.dev/vulnerability/"},
		{"ALPINE-", "Alpine", "https://osv.dev/vulnerability/"},
		{"RHSA-", "Red Hat", "https://access.redhat.com/errata/"},
	};
	_cleanup_free_ char *url = NULL;

	for (size_t i = 0; i < WARD_ARRAY_SIZE(src); i++)
		if (ward_str_has_prefix(id, src[i].prefix)) {
			url = ward_strdup_printf("%s%s", src[i].url, id);
			return url ? json_pack("{s:s, s:s}", "name", src[i].name, "url", url)
				   : NULL;
		}
	url = ward_strdup_printf("https://osv.dev/vulnerability/%s", id);
	return url ? json_pack("{s:s, s:s}", "name", "OSV", "url", url) : NULL;
}

static int
cdx_vulnerabilities(struct jb *b, json_t *root, const struct ward_inventory *inv,
		    const struct ward_vuln_finding *f, size_t n, char **refs,
		    struct ward_error **err)
{
	json_t *arr = json_array(), *by_id = json_object();
	int r = 0;

	set(b, root, "vulnerabilities", arr);
	if (!by_id) {
		b->oom = true;
		return 0;
	}
	for (size_t i = 0; i < n && !b->oom; i++) {
		const struct ward_package *p;
		json_t *v, *affects, *ver;
		if (f[i].pkg >= inv->n_pkgs || !f[i].id || !f[i].id[0]) {
			r = ward_error_setk(err, WARD_E_INVALID, EINVAL, "SBOM: finding %zu: %s", i,
					    f[i].pkg >= inv->n_pkgs ? "package index out of range"
								    : "no id");
			break;
		}
		p = &inv->pkgs[f[i].pkg];
		v = json_object_get(by_id, f[i].id);
		if (!v) {
			json_t *ratings = json_array();
			v = json_object();
			set_str(b, v, "id", f[i].id);
			set(b, v, "source", vuln_source(f[i].id));
			if (f[i].n_aliases) {
				json_t *refs_arr = json_array();
				for (size_t k = 0; k < f[i].n_aliases; k++)
					if (f[i].aliases[k] &&
					    strcmp(f[i].aliases[k], f[i].id) != 0)
						append(b, refs_arr,
						       json_pack("{s:s, s:o*}", "id",
								 f[i].aliases[k], "source",
								 vuln_source(f[i].aliases[k])));
				if (json_array_size(refs_arr))
					set(b, v, "references", refs_arr);
				else
					json_decref(refs_arr);
			}
			if (f[i].cvss_score >= 0 || f[i].severity != WARD_SEV_UNKNOWN) {
				json_t *rt = json_object();
				if (f[i].cvss_score >= 0)
					set(b, rt, "score", json_real(f[i].cvss_score));
				set_str(b, rt, "severity", cdx_severity(f[i].severity));
				if (f[i].cvss_vector) {
					set_str(b, rt, "method",
						ward_str_has_prefix(f[i].cvss_vector, "CVSS:3.1/")
							? "CVSSv31"
						: ward_str_has_prefix(f[i].cvss_vector, "CVSS:4")
							? "CVSSv4"
							: "CVSSv3");
					set_str(b, rt, "vector", f[i].cvss_vector);
				}
				append(b, ratings, rt);
			}
			set(b, v, "ratings", ratings);
			set_str(b, v, "description", f[i].summary);
			set(b, v, "affects", json_array());
			if (json_object_set_new(by_id, f[i].id, v) < 0)
				b->oom = true;
			else
				append(b, arr, json_incref(v));
		}
		affects = json_object_get(v, "affects");
		ver = json_pack("[{s:s, s:s}]", "version", p->version, "status", "affected");
		append(b, affects,
		       json_pack("{s:s, s:o*}", "ref", refs[f[i].pkg], "versions", ver));
		if (f[i].fixed_version) {
			json_t *fixes = json_object_get(v, "_fixes");
			if (!fixes) {
				fixes = json_array();
				set(b, v, "_fixes", fixes);
			}
			append(b, fixes, json_pack("[s, s]", p->name, f[i].fixed_version));
		}
	}
	/* "upgrade to X" for one package; several under one id are each named.
	 * The bookkeeping key is not CycloneDX and goes. */
	for (size_t i = 0; i < json_array_size(arr) && !b->oom; i++) {
		json_t *v = json_array_get(arr, i), *fixes = json_object_get(v, "_fixes");
		char *acc = NULL;
		for (size_t k = 0; k < json_array_size(fixes); k++) {
			json_t *e = json_array_get(fixes, k);
			const char *nm = json_string_value(json_array_get(e, 0));
			const char *fx = json_string_value(json_array_get(e, 1));
			char *s = json_array_size(fixes) == 1
					  ? ward_strdup_printf("upgrade to %s", fx)
				  : acc ? ward_strdup_printf("%s; %s to %s", acc, nm, fx)
					: ward_strdup_printf("upgrade %s to %s", nm, fx);
			free(acc);
			acc = s;
			if (!acc) {
				b->oom = true;
				break;
			}
		}
		if (acc)
			set_str(b, v, "recommendation", acc);
		free(acc);
		json_object_del(v, "_fixes");
	}
	json_decref(by_id);
	return r;
}

static json_t *
cdx_component(struct jb *b, const struct ward_package *p, const char *ref)
{
	json_t *c = json_object(), *props = json_array();

	set_str(b, c, "type", "library");
	set_str(b, c, "bom-ref", ref);
	set_str(b, c, "name", p->name);
	set_str(b, c, "version", p->version);
	if (p->license)
		set(b, c, "licenses", json_pack("[{s:{s:s}}]", "license", "name", p->license));
	set_str(b, c, "purl", p->purl);
	append(b, props, cdx_property("ward:package:type", ward_pkg_type_name(p->type)));
	if (p->source_name)
		append(b, props, cdx_property("ward:package:source_name", p->source_name));
	if (p->source_version)
		append(b, props, cdx_property("ward:package:source_version", p->source_version));
	if (p->arch)
		append(b, props, cdx_property("ward:package:arch", p->arch));
	if (p->location)
		append(b, props, cdx_property("ward:package:location", p->location));
	set(b, c, "properties", props);
	return c;
}

static int
write_cyclonedx(const struct ward_inventory *inv, const struct ward_vuln_finding *findings,
		size_t n_findings, json_t **ret, struct ward_error **err)
{
	struct jb b = {0};
	json_t *root = json_object(), *meta = json_object(), *comps = json_array(), *tools;
	char uuid[37], ts[32], *serial;
	_cleanup_strv_ char **refs = NULL;
	int r;

	if ((r = uuid4(uuid, err)) < 0 || (r = make_bom_refs(inv, &refs, err)) < 0) {
		json_decref(root);
		json_decref(meta);
		json_decref(comps);
		return r;
	}
	timestamp(ts);
	serial = ward_strdup_printf("urn:uuid:%s", uuid);
	set_str(&b, root, "$schema", "http://cyclonedx.org/schema/bom-1.5.schema.json");
	set_str(&b, root, "bomFormat", "CycloneDX");
	set_str(&b, root, "specVersion", "1.5");
	set_str(&b, root, "serialNumber", serial);
	free(serial);
	set(&b, root, "version", json_integer(1));
	set_str(&b, meta, "timestamp", ts);
	tools = json_pack("{s:[{s:s, s:s, s:s}]}", "components", "type", "application", "name",
			  SBOM_TOOL_NAME, "version", SBOM_TOOL_VERSION);
	set(&b, meta, "tools", tools);
	set(&b, meta, "component",
	    json_pack("{s:s, s:s, s:s}", "type", "container", "bom-ref", "ward:source", "name",
		      inv->source && inv->source[0] ? inv->source : "rootfs"));
	set(&b, root, "metadata", meta);
	if (inv->os.id) {
		/* The OS as CycloneDX models it: a component of its own. */
		json_t *os = json_object();
		set_str(&b, os, "type", "operating-system");
		set_str(&b, os, "bom-ref", "ward:os");
		set_str(&b, os, "name", inv->os.id);
		set_str(&b, os, "version", inv->os.version_id);
		set_str(&b, os, "description", inv->os.pretty_name);
		append(&b, comps, os);
	}
	for (size_t i = 0; i < inv->n_pkgs && !b.oom; i++)
		append(&b, comps, cdx_component(&b, &inv->pkgs[i], refs[i]));
	set(&b, root, "components", comps);
	if (findings && n_findings &&
	    (r = cdx_vulnerabilities(&b, root, inv, findings, n_findings, refs, err)) < 0) {
		json_decref(root);
		return r;
	}
	if (b.oom) {
		json_decref(root);
		return ward_error_set(err, ENOMEM, "SBOM");
	}
	*ret = root;
	return 0;
}

/* ---- SPDX ------------------------------------------------------------------------ */

/* SPDXRef-<idstring>: [A-Za-z0-9.-]+ only. */
static char *
spdx_id(const char *kind, size_t i, const char *name)
{
	char *s = ward_strdup_printf("SPDXRef-%s-%zu-%.64s", kind, i, name);

	if (!s)
		return NULL;
	for (char *p = s + strlen("SPDXRef-"); *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '-'))
			*p = '-';
	return s;
}

/* An SPDX license expression ward can vouch for: license ids (and
 * LicenseRef-) joined by AND / OR / WITH, with parentheses, spelled as
 * SPDX spells them. Anything else (Python's "MIT License", rpm's "MIT and
 * BSD", licence texts) is NOASSERTION with the text kept, verbatim, in
 * licenseComments. */
static char *
spdx_expression(const char *lic)
{
	char *out = malloc(strlen(lic) + 1), *o = out;
	bool want_id = true;
	const char *p = lic;
	int depth = 0;

	if (!out)
		return NULL;
	while (*p) {
		const char *s;
		size_t n;
		if (*p == ' ') {
			p++;
			continue;
		}
		if (*p == '(' || *p == ')') {
			if (*p == '(' ? !want_id : want_id || --depth < 0)
				goto no;
			depth += *p == '(';
			if (o > out && o[-1] != ' ' && o[-1] != '(' && *p == '(')
				*o++ = ' ';
			*o++ = *p++;
			continue;
		}
		s = p;
		while (*p && *p != ' ' && *p != '(' && *p != ')')
			p++;
		n = (size_t)(p - s);
		if (o > out && o[-1] != '(')
			*o++ = ' ';
		if ((n == 3 && strncmp(s, "AND", 3) == 0) || (n == 2 && strncmp(s, "OR", 2) == 0) ||
		    (n == 4 && strncmp(s, "WITH", 4) == 0)) {
			if (want_id)
				goto no;
			memcpy(o, s, n);
			o += n;
			want_id = true;
			continue;
		}
		/* rpm's and Debian's lower-case "and"/"or" read as SPDX operators
		 * would change what the text says ("GPL-2+ or BSD" in a list):
		 * not an expression, kept verbatim as a comment. */
		if (!want_id)
			goto no;
		for (size_t k = 0; k < n; k++) {
			char c = s[k];
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' ||
			      (c == ':' && k > 0)))
				goto no;
			*o++ = c;
		}
		want_id = false;
	}
	*o = '\0';
	if (want_id || depth != 0 || o == out)
		goto no;
	return out;
no:
	free(out);
	return strdup("NOASSERTION");
}

static const char *
spdx_source_info(enum ward_pkg_type t)
{
	switch (t) {
	case WARD_PKG_DPKG:
		return "acquired package info from DPKG DB";
	case WARD_PKG_APK:
		return "acquired package info from APK DB";
	case WARD_PKG_RPM:
		return "acquired package info from RPM DB";
	case WARD_PKG_NPM:
		return "acquired package info from installed node module manifest file";
	case WARD_PKG_PYPI:
		return "acquired package info from installed python package manifest file";
	case WARD_PKG_GO:
		return "acquired package info from go module information";
	}
	return "acquired package info";
}

static int
write_spdx(const struct ward_inventory *inv, json_t **ret, struct ward_error **err)
{
	struct jb b = {0};
	json_t *root = json_object(), *pkgs = json_array(), *rels = json_array();
	char uuid[37], ts[32];
	const char *name = inv->source && inv->source[0] ? inv->source : "rootfs";
	_cleanup_free_ char *ns = NULL, *creator = NULL;
	int r;

	if ((r = uuid4(uuid, err)) < 0) {
		json_decref(root);
		json_decref(pkgs);
		json_decref(rels);
		return r;
	}
	timestamp(ts);
	/* A unique URI per document (SPDX 2.3 clause 6.5); nothing is served there. */
	ns = ward_strdup_printf("https://ward.invalid/spdx/%s", uuid);
	creator = ward_strdup_printf("Tool: %s-%s", SBOM_TOOL_NAME, SBOM_TOOL_VERSION);
	if (!ns || !creator)
		b.oom = true;
	set_str(&b, root, "spdxVersion", "SPDX-2.3");
	set_str(&b, root, "dataLicense", "CC0-1.0");
	set_str(&b, root, "SPDXID", "SPDXRef-DOCUMENT");
	set_str(&b, root, "name", name);
	set_str(&b, root, "documentNamespace", ns);
	set(&b, root, "creationInfo",
	    json_pack("{s:s, s:[s]}", "created", ts, "creators", creator ? creator : ""));
	if (inv->os.id) {
		json_t *os = json_object();
		set_str(&b, os, "SPDXID", "SPDXRef-OperatingSystem");
		set_str(&b, os, "name", inv->os.id);
		set_str(&b, os, "versionInfo", inv->os.version_id);
		set_str(&b, os, "downloadLocation", "NONE");
		set(&b, os, "filesAnalyzed", json_false());
		set_str(&b, os, "primaryPackagePurpose", "OPERATING_SYSTEM");
		set_str(&b, os, "description", inv->os.pretty_name);
		append(&b, pkgs, os);
		append(&b, rels,
		       json_pack("{s:s, s:s, s:s}", "spdxElementId", "SPDXRef-DOCUMENT",
				 "relationshipType", "DESCRIBES", "relatedSpdxElement",
				 "SPDXRef-OperatingSystem"));
	}
	for (size_t i = 0; i < inv->n_pkgs && !b.oom; i++) {
		const struct ward_package *p = &inv->pkgs[i];
		_cleanup_free_ char *id = spdx_id("Package", i, p->name);
		_cleanup_free_ char *expr = p->license ? spdx_expression(p->license) : NULL;
		_cleanup_free_ char *si = NULL;
		json_t *o = json_object();
		if (!id || (p->license && !expr)) {
			b.oom = true;
			json_decref(o);
			break;
		}
		si = p->location
			     ? ward_strdup_printf("%s: %s", spdx_source_info(p->type), p->location)
			     : strdup(spdx_source_info(p->type));
		set_str(&b, o, "SPDXID", id);
		set_str(&b, o, "name", p->name);
		set_str(&b, o, "versionInfo", p->version);
		set_str(&b, o, "downloadLocation", "NOASSERTION");
		set(&b, o, "filesAnalyzed", json_false());
		set_str(&b, o, "licenseConcluded", "NOASSERTION");
		set_str(&b, o, "licenseDeclared", expr ? expr : "NOASSERTION");
		if (expr && strcmp(expr, "NOASSERTION") == 0)
			set_str(&b, o, "licenseComments", p->license);
		set_str(&b, o, "sourceInfo", si);
		if (p->purl)
			set(&b, o, "externalRefs",
			    json_pack("[{s:s, s:s, s:s}]", "referenceCategory", "PACKAGE-MANAGER",
				      "referenceType", "purl", "referenceLocator", p->purl));
		set_str(&b, o, "primaryPackagePurpose",
			is_os_type(p->type) ? "INSTALL" : "LIBRARY");
		append(&b, pkgs, o);
		append(&b, rels,
		       json_pack("{s:s, s:s, s:s}", "spdxElementId", "SPDXRef-DOCUMENT",
				 "relationshipType", "DESCRIBES", "relatedSpdxElement", id));
	}
	set(&b, root, "packages", pkgs);
	set(&b, root, "relationships", rels);
	if (b.oom) {
		json_decref(root);
		return ward_error_set(err, ENOMEM, "SBOM");
	}
	*ret = root;
	return 0;
}

int
ward_sbom_write(const struct ward_inventory *inv, const struct ward_vuln_finding *findings,
		size_t n_findings, enum ward_sbom_format fmt, char **ret, size_t *ret_len,
		struct ward_error **err)
{
	json_t *j = NULL;
	char *s;
	int r;

	if (!inv)
		return ward_error_setk(err, WARD_E_INVALID, EINVAL, "SBOM: no inventory");
	if (fmt == WARD_SBOM_CYCLONEDX)
		r = write_cyclonedx(inv, findings, n_findings, &j, err);
	else if (fmt == WARD_SBOM_SPDX)
		r = write_spdx(inv, &j, err);
	else
		return ward_error_setk(err, WARD_E_INVALID, EINVAL, "SBOM: unknown format %d",
				       (int)fmt);
	if (r < 0)
		return r;
	s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(4));
	json_decref(j);
	if (!s)
		return ward_error_set(err, ENOMEM, "SBOM");
	*ret = s;
	if (ret_len)
		*ret_len = strlen(s);
	return 0;
}
