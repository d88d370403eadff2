/* SPDX-License-Identifier: Apache-2.0 */
/* Manifests, indexes and image configs come from registries: parse arbitrary
 * bytes with every parser, and the platform picker on what parsed. */
#include <stddef.h>
#include <stdint.h>

#include <ward/image.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct ward_manifest *m = NULL;
	struct ward_index *idx = NULL;
	struct ward_image_config *c = NULL;
	struct ward_error *err = NULL;

	if (ward_manifest_parse(buf, size, NULL, &m, &err) == 0)
		ward_manifest_free(m);
	ward_error_freep(&err);
	if (ward_manifest_parse(buf, size, WARD_MT_DOCKER_MANIFEST, &m, &err) == 0)
		ward_manifest_free(m);
	ward_error_freep(&err);
	if (ward_index_parse(buf, size, NULL, &idx, &err) == 0) {
		const struct ward_index_entry *e = NULL;
		struct ward_platform p;
		(void)ward_index_pick(idx, NULL, &e, &err);
		ward_error_freep(&err);
		if (ward_platform_parse("linux/arm/v7", &p, NULL) == 0)
			(void)ward_index_pick(idx, &p, &e, &err);
		ward_index_free(idx);
	}
	ward_error_freep(&err);
	if (ward_image_config_parse(buf, size, &c, &err) == 0)
		ward_image_config_free(c);
	ward_error_freep(&err);
	return 0;
}
