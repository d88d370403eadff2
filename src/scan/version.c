/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Version order dispatch: bounds every version before a scheme sees it,
 * names the version and the scheme in every error, and maps OSV ecosystem
 * names to schemes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <ward/scan.h>

#include "scan/internal.h"

struct scheme_ops {
	const char *name;
	const char *(*check)(const char *v, size_t len);
	int (*compare)(const char *a, const char *b);
};

static const struct scheme_ops schemes[WARD_VERSION_SCHEME_COUNT] = {
	[WARD_VERSION_DPKG] = {"dpkg", scan_dpkg_check, scan_dpkg_compare},
	[WARD_VERSION_RPM] = {"rpm", scan_rpm_check, scan_rpm_compare},
	[WARD_VERSION_APK] = {"apk", scan_apk_check, scan_apk_compare},
	[WARD_VERSION_SEMVER] = {"semver", scan_semver_check, scan_semver_compare},
	[WARD_VERSION_PEP440] = {"pep440", scan_pep440_check, scan_pep440_compare},
	[WARD_VERSION_GO] = {"go", scan_go_check, scan_go_compare},
};

static const struct scheme_ops *
scheme_get(enum ward_version_scheme scheme)
{
	if ((unsigned)scheme >= WARD_VERSION_SCHEME_COUNT)
		return NULL;
	return &schemes[scheme];
}

const char *
ward_version_scheme_name(enum ward_version_scheme scheme)
{
	const struct scheme_ops *ops = scheme_get(scheme);

	return ops ? ops->name : "?";
}

int
ward_version_scheme_from_name(const char *name, enum ward_version_scheme *ret,
			      struct ward_error **err)
{
	for (unsigned i = 0; name && i < WARD_VERSION_SCHEME_COUNT; i++) {
		if (strcmp(schemes[i].name, name) == 0) {
			*ret = (enum ward_version_scheme)i;
			return 0;
		}
	}
	return ward_error_setk(
		err, WARD_E_INVALID, 0,
		"unknown version scheme '%.32s' (known: dpkg rpm apk semver pep440 go)",
		name ? name : "");
}

/* The version as it may be shown: at most 64 bytes, control and non-ASCII
 * bytes as \xNN, so a hostile feed cannot write escape sequences or line
 * breaks into a terminal or a log through an error message. */
static void
quote(const char *v, char *buf, size_t size)
{
	size_t o = 0;

	for (size_t i = 0; v[i] && o + 8 < size; i++) {
		unsigned char c = (unsigned char)v[i];

		if (i == 64) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (c < 0x20 || c >= 0x7f || c == '\'' || c == '\\')
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o] = '\0';
}

static int
check(const struct scheme_ops *ops, const char *v, struct ward_error **err)
{
	char shown[64 * 4 + 8];
	const char *why;
	size_t len;

	if (!v)
		return ward_error_setk(err, WARD_E_INVALID, 0, "%s version missing (NULL)",
				       ops->name);
	len = strnlen(v, WARD_VERSION_MAX + 1);
	quote(v, shown, sizeof(shown));
	if (len > WARD_VERSION_MAX)
		return ward_error_setk(err, WARD_E_INVALID, 0,
				       "%s version '%s' is longer than %d bytes: refused",
				       ops->name, shown, WARD_VERSION_MAX);
	why = ops->check(v, len);
	if (why)
		return ward_error_setk(err, WARD_E_INVALID, 0, "%s version '%s': %s", ops->name,
				       shown, why);
	return 0;
}

int
ward_version_check(enum ward_version_scheme scheme, const char *v, struct ward_error **err)
{
	const struct scheme_ops *ops = scheme_get(scheme);

	if (!ops)
		return ward_error_setk(err, WARD_E_INVALID, 0, "unknown version scheme %d",
				       (int)scheme);
	return check(ops, v, err);
}

bool
ward_version_valid(enum ward_version_scheme scheme, const char *v)
{
	const struct scheme_ops *ops = scheme_get(scheme);
	size_t len;

	if (!ops || !v)
		return false;
	len = strnlen(v, WARD_VERSION_MAX + 1);
	return len <= WARD_VERSION_MAX && ops->check(v, len) == NULL;
}

int
ward_version_compare(enum ward_version_scheme scheme, const char *a, const char *b, int *ret,
		     struct ward_error **err)
{
	const struct scheme_ops *ops = scheme_get(scheme);
	int rc;

	if (!ops)
		return ward_error_setk(err, WARD_E_INVALID, 0, "unknown version scheme %d",
				       (int)scheme);
	rc = check(ops, a, err);
	if (rc < 0)
		return rc;
	rc = check(ops, b, err);
	if (rc < 0)
		return rc;
	rc = ops->compare(a, b);
	*ret = (rc > 0) - (rc < 0);
	return 0;
}

/* ==== OSV ecosystems ===================================================== */

/* OSV ecosystem names (ossf/osv-schema ecosystems.txt) whose versions
 * follow one of the orders above. Others (Maven, NuGet, RubyGems, ...)
 * have orders of their own that ward does not implement yet. */
static const struct ward_ecosystem ecosystems[] = {
	{"Debian", WARD_ECOSYSTEM_DISTRO, WARD_VERSION_DPKG},
	{"Ubuntu", WARD_ECOSYSTEM_DISTRO, WARD_VERSION_DPKG},
	{"Alpine", WARD_ECOSYSTEM_DISTRO, WARD_VERSION_APK},
	{"Wolfi", WARD_ECOSYSTEM_DISTRO, WARD_VERSION_APK},
	{"Chainguard", WARD_ECOSYSTEM_DISTRO, WARD_VERSION_APK},
	{"MinimOS", WARD_ECOSYSTEM_DISTRO, WARD_VERSION_APK},
	{"Red Hat", WARD_ECOSYSTEM_DISTRO, WARD_VERSION_RPM},
	{"Rocky Linux", WARD_ECOSYSTEM_DISTRO, WARD_VERSION_RPM},
	{"AlmaLinux", WARD_ECOSYSTEM_DISTRO, WARD_VERSION_RPM},
	{"openSUSE", WARD_ECOSYSTEM_DISTRO, WARD_VERSION_RPM},
	{"SUSE", WARD_ECOSYSTEM_DISTRO, WARD_VERSION_RPM},
	{"Mageia", WARD_ECOSYSTEM_DISTRO, WARD_VERSION_RPM},
	{"openEuler", WARD_ECOSYSTEM_DISTRO, WARD_VERSION_RPM},
	{"Azure Linux", WARD_ECOSYSTEM_DISTRO, WARD_VERSION_RPM},
	{"npm", WARD_ECOSYSTEM_LANGUAGE, WARD_VERSION_SEMVER},
	{"crates.io", WARD_ECOSYSTEM_LANGUAGE, WARD_VERSION_SEMVER},
	{"PyPI", WARD_ECOSYSTEM_LANGUAGE, WARD_VERSION_PEP440},
	{"Go", WARD_ECOSYSTEM_LANGUAGE, WARD_VERSION_GO},
};

#define WARD_ECOSYSTEM_MAX 256 /* bytes in an OSV ecosystem value */

int
ward_ecosystem_lookup(const char *osv, struct ward_ecosystem *ret, const char **ret_release,
		      struct ward_error **err)
{
	char shown[64 * 4 + 8];
	const char *colon;
	size_t len, n;

	if (!osv || !*osv)
		return ward_error_setk(err, WARD_E_INVALID, 0, "empty OSV ecosystem");
	len = strnlen(osv, WARD_ECOSYSTEM_MAX + 1);
	quote(osv, shown, sizeof(shown));
	if (len > WARD_ECOSYSTEM_MAX)
		return ward_error_setk(err, WARD_E_INVALID, 0,
				       "OSV ecosystem '%s' is longer than %d bytes", shown,
				       WARD_ECOSYSTEM_MAX);
	colon = strchr(osv, ':');
	n = colon ? (size_t)(colon - osv) : len;
	for (size_t i = 0; i < WARD_ARRAY_SIZE(ecosystems); i++) {
		if (strlen(ecosystems[i].name) == n && memcmp(ecosystems[i].name, osv, n) == 0) {
			*ret = ecosystems[i];
			if (ret_release)
				*ret_release = colon ? colon + 1 : NULL;
			return 0;
		}
	}
	return ward_error_setk(
		err, WARD_E_UNSUPPORTED, 0,
		"OSV ecosystem '%s': ward has no version order for it (supported: "
		"Debian, Ubuntu, Alpine, Wolfi, Chainguard, MinimOS, Red Hat, Rocky "
		"Linux, AlmaLinux, openSUSE, SUSE, Mageia, openEuler, Azure Linux, npm, "
		"crates.io, PyPI, Go)",
		shown);
}
