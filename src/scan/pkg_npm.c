/* SPDX-License-Identifier: Apache-2.0 */
/*
 * npm packages: an installed package's node_modules/NAME/package.json
 * (NAME may be @scope/name), and package-lock.json in its three versions:
 *   v1 (npm 5-6): "dependencies": {NAME: {version, dependencies: {...}}},
 *      nested for packages installed below another one;
 *   v2 (npm 7-8): "packages" (keyed by install path) and v1's "dependencies";
 *   v3 (npm 9+): "packages" only.
 * With "packages" present it is the truth and "dependencies" is ignored.
 * Entries that are links to a local directory ("link": true) are not
 * packages from the registry and are skipped.
 */
#include <errno.h>
#include <string.h>

#include "inventory_internal.h"

/* "MIT", {"type": "MIT"}, or the old [{"type": "MIT"}, {"type": "X"}]. */
static char *
license_of(json_t *obj)
{
	json_t *l = json_object_get(obj, "license"), *ls;

	if (json_is_string(l))
		return strdup(json_string_value(l));
	if (json_is_object(l) && json_is_string(json_object_get(l, "type")))
		return strdup(json_string_value(json_object_get(l, "type")));
	ls = json_object_get(obj, "licenses");
	if (json_is_array(ls) && json_array_size(ls) > 0 && json_array_size(ls) <= 16) {
		char *acc = NULL;
		size_t i;
		json_t *e;
		json_array_foreach(ls, i, e) {
			json_t *t = json_is_object(e) ? json_object_get(e, "type") : e;
			char *n;
			if (!json_is_string(t))
				continue;
			n = acc ? ward_strdup_printf("%s OR %s", acc, json_string_value(t))
				: strdup(json_string_value(t));
			free(acc);
			if (!n)
				return NULL;
			acc = n;
		}
		return acc;
	}
	return NULL;
}

static bool
valid_str(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

static int
add(struct scan_inv *b, const char *name, json_t *obj, const char *location, const char *where,
    struct ward_error **err)
{
	json_t *v = json_object_get(obj, "version");
	_cleanup_free_ char *lic = NULL;
	struct scan_pkg_in in = {.type = WARD_PKG_NPM, .location = location};

	if (!name || !valid_str(name, 214 /* npm's own maximum */)) {
		scan_warn(b, "%s: %s: no valid package name", location, where);
		return 0;
	}
	if (!json_is_string(v) || !valid_str(json_string_value(v), WARD_VERSION_MAX)) {
		scan_warn(b, "%s: %s: package '%s' has no valid version", location, where, name);
		return 0;
	}
	lic = license_of(obj);
	in.name = name;
	in.version = json_string_value(v);
	in.license = lic;
	return scan_inv_add(b, &in, err);
}

int
scan_npm_package_parse(struct scan_inv *b, const char *buf, size_t len, const char *location,
		       struct ward_error **err)
{
	json_t *j = NULL, *name;
	struct ward_error *perr = NULL;
	int r;

	if (ward_json_parse(buf, len, location, &j, &perr) < 0) {
		scan_warn(b, "%s", perr->msg);
		ward_error_free(perr);
		return 0;
	}
	if (!json_is_object(j)) {
		scan_warn(b, "%s: not a JSON object", location);
		json_decref(j);
		return 0;
	}
	name = json_object_get(j, "name");
	r = add(b, json_is_string(name) ? json_string_value(name) : NULL, j, location,
		"package.json", err);
	json_decref(j);
	return r;
}

/* v1 "dependencies", recursively; depth is bounded (and the JSON parser
 * already bounds nesting), so a deep lock file cannot exhaust the stack. */
static int
lock_v1(struct scan_inv *b, json_t *deps, unsigned depth, const char *location,
	struct ward_error **err)
{
	const char *name;
	json_t *d;
	int r = 0;

	if (!json_is_object(deps))
		return 0;
	if (depth > SCAN_NPM_LOCK_DEPTH) {
		scan_warn(b, "%s: dependencies nested deeper than %u levels, not read", location,
			  SCAN_NPM_LOCK_DEPTH);
		return 0;
	}
	json_object_foreach(deps, name, d) {
		json_t *link;
		if (!json_is_object(d)) {
			scan_warn(b, "%s: dependencies.%s: not an object", location, name);
			continue;
		}
		link = json_object_get(d, "version");
		/* "file:../x" and links are the project's own directories. */
		if (json_is_string(link) && strncmp(json_string_value(link), "file:", 5) == 0)
			continue;
		if ((r = add(b, name, d, location, "dependencies", err)) < 0 ||
		    (r = lock_v1(b, json_object_get(d, "dependencies"), depth + 1, location, err)) <
			    0)
			return r;
	}
	return r;
}

int
scan_npm_lock_parse(struct scan_inv *b, const char *buf, size_t len, const char *location,
		    struct ward_error **err)
{
	json_t *j = NULL, *pkgs, *e;
	struct ward_error *perr = NULL;
	const char *key;
	int r = 0;

	if (ward_json_parse(buf, len, location, &j, &perr) < 0) {
		scan_warn(b, "%s", perr->msg);
		ward_error_free(perr);
		return 0;
	}
	if (!json_is_object(j)) {
		scan_warn(b, "%s: not a JSON object", location);
		json_decref(j);
		return 0;
	}
	pkgs = json_object_get(j, "packages");
	if (!pkgs) {
		r = lock_v1(b, json_object_get(j, "dependencies"), 0, location, err);
		json_decref(j);
		return r;
	}
	if (!json_is_object(pkgs)) {
		scan_warn(b, "%s: \"packages\" is not an object", location);
		json_decref(j);
		return 0;
	}
	json_object_foreach(pkgs, key, e) {
		const char *nm = strstr(key, "node_modules/"), *last = NULL, *name;
		json_t *jn;
		if (key[0] == '\0')
			continue; /* the project itself */
		if (!json_is_object(e)) {
			scan_warn(b, "%s: packages[\"%s\"]: not an object", location, key);
			continue;
		}
		if (json_is_true(json_object_get(e, "link")))
			continue;
		if (!nm)
			continue; /* a workspace directory, not an installed package */
		for (const char *p = nm; p; p = strstr(p + 1, "node_modules/"))
			last = p;
		jn = json_object_get(e, "name");
		name = json_is_string(jn) ? json_string_value(jn) : last + strlen("node_modules/");
		if ((r = add(b, name, e, location, "packages", err)) < 0)
			break;
	}
	json_decref(j);
	return r;
}
