/* SPDX-License-Identifier: Apache-2.0 */
#ifndef WARD_IMAGE_OPS_H
#define WARD_IMAGE_OPS_H

#include <ward/image.h>

/* An image opened from the store: the manifest's verified digest, the
 * manifest and the config it names. */
struct ward_image {
	struct ward_digest manifest_digest;
	struct ward_manifest *manifest;
	struct ward_image_config *config;
};

WARD_PUBLIC void ward_image_free(struct ward_image *img);
static inline void
ward_image_freep(struct ward_image **img)
{
	ward_image_free(*img);
}
/* name (a tag in index.json); an index picks `platform` (NULL: the host).
 * Every blob read on the way is digest-verified. */
WARD_PUBLIC int ward_image_open(struct ward_store *s, const char *name,
				const struct ward_platform *platform, struct ward_image **ret,
				struct ward_error **err);
/* Unpack (or find) every layer; *ret the lower dirs, top first. Returns the
 * count. */
WARD_PUBLIC int ward_image_prepare_layers(struct ward_store *s, int layers_fd, const char *root,
					  const struct ward_image *img, char ***ret,
					  struct ward_error **err);
/* A rootfs tarball (plain, gzip or zstd) becomes a one-layer image tagged
 * name, its Cmd cmd (default /bin/sh). */
WARD_PUBLIC int ward_image_import(struct ward_store *s, int layers_fd, int tar_fd,
				  const char *name, char *const *cmd, struct ward_digest *ret,
				  struct ward_error **err);

#endif
