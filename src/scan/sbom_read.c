/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SBOM input: CycloneDX (1.2 - 1.6 JSON) and SPDX (2.2, 2.3 JSON), from
 * ward or from other tools (syft, trivy). A package is taken from its
 * purl, the one identity both formats share: name, version, arch and the
 * source package ("upstream" qualifier, as syft writes it) come from it;
 * a component or package without a purl of a type ward knows is a counted
 * warning. Graph edges (CycloneDX dependencies, SPDX relationships) are
 * never followed, so a cyclic graph costs nothing; nested CycloneDX
 * components are read to a bounded depth.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "inventory_internal.h"

#define SBOM_NEST_MAX 16u /* levels of nested CycloneDX components */

struct rd {
	struct scan_inv *b;
	const char *name;
};

static const char *
str_of(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* PEP 503 normalised form of s equals purl_name? */
static bool
pypi_same(const char *s, const char *purl_name)
{
	const char *a = s, *b = purl_name;

	while (*a && *b) {
		if (*a == '-' || *a == '_' || *a == '.') {
			while (*a == '-' || *a == '_' || *a == '.')
				a++;
			if (*b++ != '-')
				return false;
			continue;
		}
		if (((*a >= 'A' && *a <= 'Z') ? *a - 'A' + 'a' : *a) != *b)
			return false;
		a++;
		b++;
	}
	return !*a && !*b;
}

/* Take a package from its purl; sbom_name/sbom_version are the document's
 * own fields (used where the purl lacks them). */
static int
add_from_purl(struct rd *rd, const char *purl, const char *sbom_name, const char *sbom_version,
	      const char *license, const char *location, const char *where, struct ward_error **err)
{
	struct scan_purl p = {0};
	_cleanup_free_ char *name = NULL, *version = NULL, *sname = NULL, *sversion = NULL;
	const char *why, *up, *epoch, *distro;
	bool oom = false;
	int type, r;

	if (!purl) {
		scan_warn(rd->b, "%s: %s '%s': no purl; skipped", rd->name, where,
			  sbom_name ? sbom_name : "?");
		return 0;
	}
	why = scan_purl_parse(purl, &p, &oom);
	if (oom)
		return ward_error_set(err, ENOMEM, "%s", rd->name);
	if (why) {
		scan_warn(rd->b, "%s: %s: purl '%.200s': %s; skipped", rd->name, where, purl, why);
		return 0;
	}
	type = scan_pkg_type_from_purl(p.type);
	if (type < 0) {
		scan_warn(rd->b, "%s: %s: purl type '%s' is not one ward scans; skipped", rd->name,
			  where, p.type);
		scan_purl_clear(&p);
		return 0;
	}
	if ((type == WARD_PKG_NPM || type == WARD_PKG_GO) && p.namespace && p.namespace[0])
		name = ward_strdup_printf("%s/%s", p.namespace, p.name);
	else if (type == WARD_PKG_PYPI && sbom_name && pypi_same(sbom_name, p.name))
		name = strdup(sbom_name);
	else
		name = strdup(p.name);
	epoch = scan_purl_qualifier(&p, "epoch");
	if (p.version && type == WARD_PKG_RPM && epoch && !strchr(p.version, ':'))
		version = ward_strdup_printf("%s:%s", epoch, p.version);
	else if (p.version)
		version = strdup(p.version);
	else if (sbom_version)
		version = strdup(sbom_version);
	if (!name) {
		scan_purl_clear(&p);
		return ward_error_set(err, ENOMEM, "%s", rd->name);
	}
	if (!version || !version[0]) {
		scan_warn(rd->b, "%s: %s '%s': no version; skipped", rd->name, where, name);
		scan_purl_clear(&p);
		return 0;
	}
	if ((up = scan_purl_qualifier(&p, "upstream"))) {
		const char *at = strchr(up, '@');
		sname = at ? strndup(up, (size_t)(at - up)) : strdup(up);
		if (at)
			sversion = strdup(at + 1);
		if (!sname || (at && !sversion)) {
			scan_purl_clear(&p);
			return ward_error_set(err, ENOMEM, "%s", rd->name);
		}
	}
	/* An SBOM without an OS component still says which distribution its
	 * packages are from: "distro=debian-12". */
	distro = scan_purl_qualifier(&p, "distro");
	if (!rd->b->inv->os.id && distro &&
	    (type == WARD_PKG_DPKG || type == WARD_PKG_APK || type == WARD_PKG_RPM)) {
		const char *dash = strchr(distro, '-');
		struct ward_os_release *os = &rd->b->inv->os;
		os->id = dash ? scan_strndup_clean(distro, (size_t)(dash - distro))
			      : scan_strndup_clean(distro, strlen(distro));
		if (dash && dash[1])
			os->version_id = scan_strndup_clean(dash + 1, strlen(dash + 1));
	}
	{
		struct scan_pkg_in in = {
			.type = (enum ward_pkg_type)type,
			.name = name,
			.version = version,
			.source_name = sname,
			.source_version = sversion,
			.arch = scan_purl_qualifier(&p, "arch"),
			.license = license,
			.location = location,
			.purl = purl,
		};
		r = scan_inv_add(rd->b, &in, err);
	}
	scan_purl_clear(&p);
	return r;
}

/* ---- CycloneDX ---------------------------------------------------------------- */

static char *
cdx_license(json_t *c)
{
	json_t *ls = json_object_get(c, "licenses"), *e;
	char *acc = NULL;
	size_t i;

	if (!json_is_array(ls))
		return NULL;
	json_array_foreach(ls, i, e) {
		json_t *l = json_object_get(e, "license");
		const char *s = str_of(e, "expression");
		char *n;
		if (!s && json_is_object(l))
			s = str_of(l, "id") ? str_of(l, "id") : str_of(l, "name");
		if (!s || i >= 16)
			continue;
		n = acc ? ward_strdup_printf("%s AND %s", acc, s) : strdup(s);
		free(acc);
		if (!(acc = n))
			return NULL;
	}
	return acc;
}

static const char *
cdx_property(json_t *c, const char *name)
{
	json_t *props = json_object_get(c, "properties"), *e;
	size_t i;

	if (!json_is_array(props))
		return NULL;
	json_array_foreach(props, i, e) {
		const char *n = str_of(e, "name");
		if (n && strcmp(n, name) == 0)
			return str_of(e, "value");
	}
	return NULL;
}

static int
cdx_components(struct rd *rd, json_t *comps, unsigned depth, struct ward_error **err)
{
	json_t *c;
	size_t i;
	int r = 0;

	if (!comps)
		return 0;
	if (!json_is_array(comps)) {
		scan_warn(rd->b, "%s: components: not an array", rd->name);
		return 0;
	}
	if (depth > SBOM_NEST_MAX) {
		scan_warn(rd->b, "%s: components nested deeper than %u levels, not read", rd->name,
			  SBOM_NEST_MAX);
		return 0;
	}
	json_array_foreach(comps, i, c) {
		const char *type = str_of(c, "type");
		_cleanup_free_ char *lic = NULL;
		char where[48];
		if (!json_is_object(c)) {
			scan_warn(rd->b, "%s: components[%zu]: not an object", rd->name, i);
			continue;
		}
		snprintf(where, sizeof(where), "component %zu", i);
		if (type && strcmp(type, "operating-system") == 0) {
			struct ward_os_release *os = &rd->b->inv->os;
			const char *n = str_of(c, "name"), *v = str_of(c, "version");
			if (n && !os->id) {
				os->id = scan_strndup_clean(n, strlen(n));
				os->version_id = v ? scan_strndup_clean(v, strlen(v)) : NULL;
				if (!os->id || (v && !os->version_id))
					return ward_error_set(err, ENOMEM, "%s", rd->name);
				if (str_of(c, "description"))
					os->pretty_name = scan_strndup_clean(
						str_of(c, "description"),
						strlen(str_of(c, "description")));
			}
		} else if (!type || strcmp(type, "library") == 0 ||
			   strcmp(type, "application") == 0 || strcmp(type, "framework") == 0) {
			if (type && strcmp(type, "library") != 0 && !str_of(c, "purl"))
				goto nested; /* the scanned image or app itself */
			lic = cdx_license(c);
			if ((r = add_from_purl(rd, str_of(c, "purl"), str_of(c, "name"),
					       str_of(c, "version"), lic,
					       cdx_property(c, "ward:package:location"), where,
					       err)) < 0)
				return r;
		}
	nested:
		if ((r = cdx_components(rd, json_object_get(c, "components"), depth + 1, err)) < 0)
			return r;
	}
	return 0;
}

static int
read_cyclonedx(struct rd *rd, json_t *j, struct ward_error **err)
{
	const char *spec = str_of(j, "specVersion");

	if (!spec || !(ward_str_has_prefix(spec, "1.")))
		return ward_error_setk(err, WARD_E_INVALID, EINVAL,
				       "%s: CycloneDX specVersion '%s' is not 1.x", rd->name,
				       spec ? spec : "(none)");
	/* "dependencies" is a graph (and may be cyclic): never walked. */
	return cdx_components(rd, json_object_get(j, "components"), 0, err);
}

/* ---- SPDX ------------------------------------------------------------------------ */

static const char *
spdx_purl(json_t *p)
{
	json_t *refs = json_object_get(p, "externalRefs"), *e;
	size_t i;

	if (!json_is_array(refs))
		return NULL;
	json_array_foreach(refs, i, e) {
		const char *t = str_of(e, "referenceType");
		if (t && strcmp(t, "purl") == 0)
			return str_of(e, "referenceLocator");
	}
	return NULL;
}

static int
read_spdx(struct rd *rd, json_t *j, struct ward_error **err)
{
	json_t *pkgs = json_object_get(j, "packages"), *p;
	const char *ver = str_of(j, "spdxVersion");
	size_t i;
	int r;

	if (!ward_str_has_prefix(ver, "SPDX-2."))
		return ward_error_setk(err, WARD_E_INVALID, EINVAL,
				       "%s: spdxVersion '%s': only SPDX 2.x JSON is read", rd->name,
				       ver);
	if (pkgs && !json_is_array(pkgs))
		return ward_error_setk(err, WARD_E_INVALID, EINVAL, "%s: packages: not an array",
				       rd->name);
	/* "relationships" is a graph (DESCRIBES, CONTAINS, DEPENDS_ON...,
	 * possibly cyclic): never walked, every package is listed once. */
	json_array_foreach(pkgs, i, p) {
		const char *purpose = str_of(p, "primaryPackagePurpose"), *lic, *src;
		char where[48];
		if (!json_is_object(p)) {
			scan_warn(rd->b, "%s: packages[%zu]: not an object", rd->name, i);
			continue;
		}
		snprintf(where, sizeof(where), "package %zu", i);
		if (purpose &&
		    (strcmp(purpose, "OPERATING_SYSTEM") == 0 ||
		     strcmp(purpose, "OPERATING-SYSTEM") == 0) &&
		    !spdx_purl(p)) {
			struct ward_os_release *os = &rd->b->inv->os;
			const char *n = str_of(p, "name"), *v = str_of(p, "versionInfo");
			if (n && !os->id) {
				os->id = scan_strndup_clean(n, strlen(n));
				os->version_id = v ? scan_strndup_clean(v, strlen(v)) : NULL;
				if (!os->id || (v && !os->version_id))
					return ward_error_set(err, ENOMEM, "%s", rd->name);
			}
			continue;
		}
		lic = str_of(p, "licenseDeclared");
		if (!lic || strcmp(lic, "NOASSERTION") == 0 || strcmp(lic, "NONE") == 0)
			lic = str_of(p, "licenseComments");
		/* ward's sourceInfo ends with ": <path in the rootfs>". */
		src = str_of(p, "sourceInfo");
		if (src && ward_str_has_prefix(src, "acquired package info") && strstr(src, ": /"))
			src = strstr(src, ": /") + 2;
		else
			src = NULL;
		if ((r = add_from_purl(rd, spdx_purl(p), str_of(p, "name"),
				       str_of(p, "versionInfo"), lic, src, where, err)) < 0)
			return r;
	}
	return 0;
}

int
ward_sbom_read(const char *buf, size_t len, const char *name, struct ward_inventory **ret,
	       struct ward_error **err)
{
	_cleanup_free_ char *source = NULL;
	struct scan_inv b;
	struct rd rd;
	json_t *j = NULL;
	int r;

	if (!name)
		name = "SBOM";
	if (len > WARD_SBOM_MAX)
		return ward_error_setk(err, WARD_E_DENIED, EFBIG, "%s: %zu bytes, more than %u",
				       name, len, WARD_SBOM_MAX);
	if ((r = ward_json_parse(buf, len, name, &j, err)) < 0)
		return r;
	if (!json_is_object(j)) {
		json_decref(j);
		return ward_error_setk(err, WARD_E_INVALID, EINVAL, "%s: not a JSON object", name);
	}
	if (!(source = ward_strdup_printf("sbom %s", name)) ||
	    (r = scan_inv_init(&b, source, err)) < 0) {
		json_decref(j);
		return source ? r : ward_error_set(err, ENOMEM, "%s", name);
	}
	rd = (struct rd){.b = &b, .name = name};
	if (str_of(j, "bomFormat") && strcmp(str_of(j, "bomFormat"), "CycloneDX") == 0)
		r = read_cyclonedx(&rd, j, err);
	else if (str_of(j, "spdxVersion"))
		r = read_spdx(&rd, j, err);
	else
		r = ward_error_setk(err, WARD_E_INVALID, EINVAL,
				    "%s: neither CycloneDX (bomFormat) nor SPDX (spdxVersion)",
				    name);
	json_decref(j);
	if (r < 0) {
		scan_inv_clear(&b);
		return r;
	}
	*ret = TAKE_PTR(b.inv);
	scan_inv_clear(&b);
	return 0;
}
