/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The layer cache: <root>/layers/<diff id hex>, one read-only directory per
 * unpacked layer, shared by every image and container that uses it. A layer
 * is unpacked into a temporary directory and renamed into place only once
 * its diff id matched the image config, so a half-unpacked or forged layer
 * is never used.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <ward/image.h>

#include "layers.h"

static int
tmp_name(char *buf, size_t size)
{
	unsigned char r[8];

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return -errno;
	snprintf(buf, size, ".tmp-%02x%02x%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4],
		 r[5], r[6], r[7]);
	return 0;
}

static enum ward_layer_compression
compression_of(const char *media_type)
{
	if (strstr(media_type, "zstd"))
		return WARD_LAYER_COMPRESSION_ZSTD;
	if (strstr(media_type, "gzip"))
		return WARD_LAYER_COMPRESSION_GZIP;
	return WARD_LAYER_COMPRESSION_AUTO; /* plain tar, or a type we detect by magic */
}

int
ward_layers_open(const char *root, struct ward_error **err)
{
	char path[4096];
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/layers", root) >= sizeof(path))
		return ward_error_set(err, ENAMETOOLONG, "layers under '%s'", root);
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return ward_error_set(err, errno, "mkdir '%s'", path);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return ward_error_set(err, errno, "open '%s'", path);
	return fd;
}

int
ward_layers_unpack_blob(struct ward_store *s, int layers_fd, const struct ward_descriptor *layer,
			const struct ward_digest *want_diff_id, struct ward_digest *ret_diff_id,
			struct ward_error **err)
{
	struct ward_unpack_opts o = {.compression = compression_of(layer->media_type)};
	struct ward_unpack_result res;
	struct ward_digest got;
	_cleanup_close_ int blob = -1, dir = -1;
	char tmp[64];
	uint64_t size = 0;
	int r;

	if (want_diff_id && faccessat(layers_fd, ward_digest_hex(want_diff_id), F_OK,
				      AT_SYMLINK_NOFOLLOW) == 0) {
		if (ret_diff_id)
			*ret_diff_id = *want_diff_id;
		return 0; /* already unpacked and verified */
	}
	blob = ward_store_blob_open(s, &layer->digest, &size, err);
	if (blob < 0)
		return ward_error_wrap(err, "layer %s", layer->digest.s);
	if ((r = tmp_name(tmp, sizeof(tmp))) < 0)
		return ward_error_set(err, -r, "layer %s", layer->digest.s);
	if (mkdirat(layers_fd, tmp, 0755) < 0)
		return ward_error_set(err, errno, "layer %s: mkdir", layer->digest.s);
	dir = openat(layers_fd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dir < 0) {
		r = ward_error_set(err, errno, "layer %s", layer->digest.s);
		goto fail;
	}
	r = ward_layer_unpack(blob, dir, &o, &res, err);
	if (r < 0) {
		ward_error_wrap(err, "layer %s", layer->digest.s);
		goto fail;
	}
	r = ward_digest_parse(res.diff_id, &got, err);
	if (r < 0)
		goto fail;
	/* The config's diff id is what the image was signed and scanned as:
	 * a layer that unpacks to anything else is not that image. */
	if (want_diff_id && strcmp(got.s, want_diff_id->s) != 0) {
		r = ward_error_setk(err, WARD_E_DENIED, EBADMSG,
				    "layer %s: unpacks to %s, the image config says %s",
				    layer->digest.s, got.s, want_diff_id->s);
		goto fail;
	}
	if (renameat(layers_fd, tmp, layers_fd, ward_digest_hex(&got)) < 0) {
		if (errno != EEXIST && errno != ENOTEMPTY) {
			r = ward_error_set(err, errno, "layer %s: rename", layer->digest.s);
			goto fail;
		}
		/* Someone else finished the same layer first: theirs is as good. */
		(void)ward_fs_remove_tree(layers_fd, tmp, NULL);
	}
	if (ret_diff_id)
		*ret_diff_id = got;
	return 0;
fail:
	(void)ward_fs_remove_tree(layers_fd, tmp, NULL);
	return r;
}
