/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz SBOM input (CycloneDX and SPDX JSON, format from the content) and
 * the purl parser it rests on. Whatever ward_sbom_read accepts must write
 * out again in both formats, and the CycloneDX it writes must read back
 * to the same number of packages with the same purls: ward's own output
 * is always its own valid input.
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
	struct ward_inventory *inv = NULL, *back = NULL;
	struct ward_error *err = NULL;
	char *out = NULL;
	size_t len = 0;

	if (size > (4u << 20))
		return 0;
	if (ward_sbom_read((const char *)data, size, "fuzz.json", &inv, &err) < 0) {
		if (!err || !err->msg)
			__builtin_trap();
		ward_error_free(err);
		return 0;
	}
	if (ward_sbom_write(inv, NULL, 0, WARD_SBOM_SPDX, &out, &len, NULL) < 0)
		__builtin_trap();
	free(out);
	if (ward_sbom_write(inv, NULL, 0, WARD_SBOM_CYCLONEDX, &out, &len, NULL) < 0)
		__builtin_trap();
	if (ward_sbom_read(out, len, "again.json", &back, NULL) < 0 || back->n_pkgs != inv->n_pkgs)
		__builtin_trap();
	for (size_t i = 0; i < inv->n_pkgs; i++)
		if (strcmp(inv->pkgs[i].purl, back->pkgs[i].purl) != 0 ||
		    strcmp(inv->pkgs[i].version, back->pkgs[i].version) != 0)
			__builtin_trap();
	free(out);
	ward_inventory_free(inv);
	ward_inventory_free(back);
	return 0;
}
