/* SPDX-License-Identifier: Apache-2.0 */
#ifndef WARD_IMAGE_LAYERS_H
#define WARD_IMAGE_LAYERS_H

#include <ward/image.h>

/* <root>/layers, created if needed; returns its fd. */
WARD_PUBLIC int ward_layers_open(const char *root, struct ward_error **err);
/*
 * Make sure the layer blob is unpacked at layers/<diff id hex>: unpack into
 * a temporary directory, check the diff id against want_diff_id (the image
 * config's; NULL when importing, where the result defines it), rename into
 * place. Nothing is left behind on failure. *ret_diff_id (may be NULL) is
 * the layer's diff id.
 */
WARD_PUBLIC int ward_layers_unpack_blob(struct ward_store *s, int layers_fd,
					const struct ward_descriptor *layer,
					const struct ward_digest *want_diff_id,
					struct ward_digest *ret_diff_id, struct ward_error **err);

#endif
