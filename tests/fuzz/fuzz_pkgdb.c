/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the package database parsers of the inventory. The first byte picks
 * the parser (modulo 7): dpkg status, apk installed, os-release, Python
 * METADATA, npm package-lock.json, npm package.json, Go build info in an
 * ELF file; the rest is the file. Every call must return 0 (a malformed
 * record is a warning, never a failure or a crash), every package listed
 * must have a name, a version and a purl that parses back to its type, and
 * the warning bookkeeping must stay within its bounds.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ward/scan.h>

#include "scan/inventory_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scan_inv b;
	struct ward_os_release os;
	const char *buf;
	size_t len;
	int r = 0;

	if (size < 1 || size > (4u << 20))
		return 0;
	if (scan_inv_init(&b, "fuzz", NULL) < 0)
		return 0;
	buf = (const char *)data + 1;
	len = size - 1;
	switch (data[0] % 7) {
	case 0:
		r = scan_dpkg_parse(&b, buf, len, "/var/lib/dpkg/status", NULL);
		break;
	case 1:
		r = scan_apk_parse(&b, buf, len, "/lib/apk/db/installed", NULL);
		break;
	case 2:
		r = scan_os_release_parse(buf, len, &os, NULL);
		if (r == 0) {
			/* The purl qualifiers are made from it. */
			b.inv->os = os;
			if (scan_inv_set_os(&b, NULL) < 0)
				__builtin_trap();
		}
		break;
	case 3:
		r = scan_python_metadata_parse(&b, buf, len, "/METADATA", NULL);
		break;
	case 4:
		r = scan_npm_lock_parse(&b, buf, len, "/package-lock.json", NULL);
		break;
	case 5:
		r = scan_npm_package_parse(&b, buf, len, "/package.json", NULL);
		break;
	case 6:
		r = scan_go_parse_buf(&b, data + 1, len, "/usr/bin/app", NULL);
		break;
	}
	if (r != 0)
		__builtin_trap();
	if (b.inv->n_warnings_kept > WARD_SCAN_WARNINGS_KEPT ||
	    b.inv->n_warnings_kept > b.inv->n_warnings)
		__builtin_trap();
	for (size_t i = 0; i < b.inv->n_pkgs; i++) {
		const struct ward_package *p = &b.inv->pkgs[i];
		struct scan_purl pu;
		bool oom = false;
		if (!p->name || !p->version || !p->purl || !p->name[0] || !p->version[0])
			__builtin_trap();
		if (scan_purl_parse(p->purl, &pu, &oom)) {
			if (!oom)
				__builtin_trap();
			continue;
		}
		if (strcmp(pu.type, ward_pkg_type_name(p->type)) != 0)
			__builtin_trap();
		scan_purl_clear(&pu);
	}
	scan_inv_clear(&b);
	return 0;
}
