/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz rpm's database as ward reads it. First byte even: the rest is one
 * header blob (il, dl, index entries, data store); odd: the rest is an
 * rpmdb.sqlite file, opened through sqlite3_deserialize with triggers,
 * views and untrusted schema off. A header is either refused with a reason
 * or yields a name, version and release; the database reader never fails
 * on content (only a warning), never crashes.
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
	uint8_t *copy;

	if (size < 1 || size > (8u << 20))
		return 0;
	if (scan_inv_init(&b, "fuzz", NULL) < 0)
		return 0;
	if ((data[0] & 1) == 0) {
		struct scan_rpm_header h;
		bool oom = false;
		const char *why = scan_rpm_header_parse(data + 1, size - 1, &h, &oom);
		if (!why) {
			if (!h.name || !h.name[0] || !h.version || !h.release)
				__builtin_trap();
			if (scan_rpm_add(&b, &h, "/var/lib/rpm/rpmdb.sqlite", NULL) != 0)
				__builtin_trap();
			scan_rpm_header_clear(&h);
		} else if (!why[0]) {
			__builtin_trap();
		}
	} else {
		/* The reader may patch its copy (the WAL header bytes). */
		copy = malloc(size - 1 ? size - 1 : 1);
		if (copy) {
			memcpy(copy, data + 1, size - 1);
			if (scan_rpm_sqlite_parse(&b, copy, size - 1, "/rpmdb.sqlite", NULL) != 0)
				__builtin_trap();
			free(copy);
		}
	}
	for (size_t i = 0; i < b.inv->n_pkgs; i++)
		if (!b.inv->pkgs[i].purl || b.inv->pkgs[i].type != WARD_PKG_RPM)
			__builtin_trap();
	scan_inv_clear(&b);
	return 0;
}
