/* SPDX-License-Identifier: Apache-2.0 */
/* Private to src/image: helpers shared by digest.c, store.c and manifest.c. */
#ifndef WARD_IMAGE_INTERNAL_H
#define WARD_IMAGE_INTERNAL_H

#include <jansson.h>

#include <ward/image.h>

#define WARD_REF_NAME_ANNOTATION "org.opencontainers.image.ref.name"

/* Parse a descriptor object at `where` (e.g. "manifest.layers[2]"). */
int image_descriptor_parse(json_t *obj, const char *where, struct ward_descriptor *ret,
			   struct ward_error **err);
/* Validate an index.json / OCI index document already parsed as JSON. */
int image_index_from_json(json_t *root, const char *doc, struct ward_index **ret,
			  struct ward_error **err);
/* true when name is a valid org.opencontainers.image.ref.name. */
bool image_ref_name_valid(const char *name);

#endif
