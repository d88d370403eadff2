/* SPDX-License-Identifier: Apache-2.0 */
/*
 * apk's installed database (/lib/apk/db/installed; apk-tools 3 also
 * /usr/lib/apk/db/installed): one "X:value" line per field, packages
 * separated by a blank line (apk-tools doc/apk-package(5), "installed
 * database"). Read: P name, V version, A arch, L license, o origin (the
 * source package, what Alpine's secdb names). Files (F:, R:, Z:, a:, M:)
 * and the rest are skipped.
 */
#include <errno.h>
#include <string.h>

#include "inventory_internal.h"

struct apk_rec {
	const char *f[128]; /* by field letter */
	size_t n[128];
	size_t line;
	bool bad;
};

static bool
valid_token(const char *s, size_t n, size_t max)
{
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return false;
	return true;
}

static int
add_rec(struct scan_inv *b, struct apk_rec *r, const char *location, struct ward_error **err)
{
	_cleanup_free_ char *name = NULL, *version = NULL, *arch = NULL, *lic = NULL,
			    *origin = NULL;
	bool any = false;

	for (size_t i = 0; i < 128; i++)
		any |= r->f[i] != NULL;
	if (!any && !r->bad)
		return 0;
	if (r->bad) {
		scan_warn(b, "%s: record at line %zu: a line that is not 'X:value'; skipped",
			  location, r->line);
		return 0;
	}
	if (!r->f['P'] || !valid_token(r->f['P'], r->n['P'], 255)) {
		scan_warn(b, "%s: record at line %zu: %s", location, r->line,
			  r->f['P'] ? "invalid package name (P:)" : "no package name (P:)");
		return 0;
	}
	if (!r->f['V'] || !valid_token(r->f['V'], r->n['V'], WARD_VERSION_MAX)) {
		scan_warn(b, "%s: package '%.*s' (line %zu): %s", location, (int)r->n['P'],
			  r->f['P'], r->line,
			  r->f['V'] ? "invalid version (V:)" : "no version (V:)");
		return 0;
	}
	if (!(name = strndup(r->f['P'], r->n['P'])) || !(version = strndup(r->f['V'], r->n['V'])) ||
	    (r->f['A'] && !(arch = strndup(r->f['A'], r->n['A']))) ||
	    (r->f['L'] && r->n['L'] && !(lic = strndup(r->f['L'], r->n['L']))))
		return ward_error_set(err, ENOMEM, "%s", location);
	if (r->f['o'] && valid_token(r->f['o'], r->n['o'], 255) &&
	    !(origin = strndup(r->f['o'], r->n['o'])))
		return ward_error_set(err, ENOMEM, "%s", location);
	{
		struct scan_pkg_in in = {
			.type = WARD_PKG_APK,
			.name = name,
			.version = version,
			.source_name = origin,
			.arch = arch,
			.license = lic,
			.location = location,
		};
		return scan_inv_add(b, &in, err);
	}
}

int
scan_apk_parse(struct scan_inv *b, const char *buf, size_t len, const char *location,
	       struct ward_error **err)
{
	const char *p = buf, *end = buf + len;
	struct apk_rec rec = {.line = 1};
	size_t line = 0;
	int r;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		size_t n = (size_t)(le - p);

		line++;
		if (n && p[n - 1] == '\r')
			n--;
		if (n == 0) {
			if ((r = add_rec(b, &rec, location, err)) < 0)
				return r;
			rec = (struct apk_rec){.line = line + 1};
		} else if (n >= 2 && p[1] == ':' && (unsigned char)p[0] < 128 &&
			   (unsigned char)p[0] > ' ') {
			/* The first occurrence of a field is the package's own;
			 * later ones (several F:, R:) belong to its file list. */
			unsigned char k = (unsigned char)p[0];
			if (!rec.f[k]) {
				rec.f[k] = p + 2;
				rec.n[k] = n - 2;
			}
		} else {
			rec.bad = true;
		}
		p = le + 1;
	}
	return add_rec(b, &rec, location, err);
}

int
scan_apk_read(struct scan_inv *b, int rootfs_fd, struct ward_error **err)
{
	static const char *const paths[] = {"/lib/apk/db/installed", "/usr/lib/apk/db/installed"};

	for (size_t i = 0; i < WARD_ARRAY_SIZE(paths); i++) {
		_cleanup_free_ char *buf = NULL;
		size_t len = 0;
		int r = scan_read_file(b, rootfs_fd, paths[i], true, WARD_SCAN_DB_MAX, paths[i],
				       &buf, &len, err);
		if (r < 0)
			return r;
		if (r > 0)
			return scan_apk_parse(b, buf, len, paths[i], err);
	}
	return 0;
}
