/* SPDX-License-Identifier: Apache-2.0 */
/*
 * registries.d YAML is hostile input: arbitrary bytes -> the event-driven
 * parser (anchors, aliases, tags, nesting, duplicates all refused), then
 * lookups and lookaside layouts for fixed references.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <ward/policy.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const refs[] = {"docker.io/library/busybox:latest", "r.io/team/app:v1",
					   "a.b.example.com/x:1", "127.0.0.1:5000/app:1"};
	struct ward_registries_d *c = NULL;
	struct ward_error *err = NULL;
	struct ward_digest d;

	if (ward_registries_d_parse((const char *)data, size, "fuzz.yaml", &c, &err) < 0) {
		ward_error_free(err);
		return 0;
	}
	ward_digest_of(data, size, &d);
	for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
		struct ward_registries_d_entry e = {0};
		char *u = NULL;

		err = NULL;
		if (ward_registries_d_lookup(c, refs[i], &e, &err) < 0) {
			ward_error_free(err);
			continue;
		}
		if (ward_lookaside_url(e.lookaside, refs[i], &d, 1, &u, NULL) == 0)
			free(u);
		u = NULL;
		if (ward_lookaside_path(e.lookaside_staging, refs[i], &d, 2, &u, NULL) == 0)
			free(u);
		ward_registries_d_entry_clear(&e);
	}
	ward_registries_d_free(c);
	return 0;
}
