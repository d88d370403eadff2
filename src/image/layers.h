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

/* ward_layer_unpack reading through a callback instead of an fd: n bytes
 * at most into buf; returns the count, 0 at the end, -errno on failure. */
typedef ssize_t (*ward_layer_read_fn)(void *opaque, void *buf, size_t n);
WARD_PUBLIC int ward_layer_unpack_from(ward_layer_read_fn read, void *opaque, int dest_dirfd,
				       const struct ward_unpack_opts *o,
				       struct ward_unpack_result *ret, struct ward_error **err);

/* true when layers/<diff id hex> is in place (unpacked and verified). */
WARD_PUBLIC bool ward_layers_have(int layers_fd, const struct ward_digest *diff_id);

/*
 * Unpack a layer while its compressed bytes arrive (a pull streams the
 * HTTP body in here as it downloads): begin starts an unpacker thread on a
 * temporary directory under layers_fd, write feeds it (blocking while it
 * is behind), finish signals the end, waits for it and checks the diff id
 * against want_diff_id (WARD_E_DENIED on mismatch), commit renames the
 * directory to layers/<diff id hex>. The directory is removed by abort, by
 * a failed finish and by a failed commit, so nothing unverified is ever
 * visible. Every check of ward_layer_unpack applies.
 *
 * write fails once the unpacker has given up (a hostile entry, a corrupt
 * stream): the caller stops feeding and calls finish (which reports why)
 * or abort. commit and abort consume the stream; finish does not.
 * The caller makes the layers durable (ward_layers_sync) between finish
 * and commit, so a crash never leaves a published layer with missing data.
 */
struct ward_layer_stream;
WARD_PUBLIC int ward_layer_stream_begin(int layers_fd, const struct ward_descriptor *layer,
					const struct ward_digest *want_diff_id,
					struct ward_layer_stream **ret, struct ward_error **err);
WARD_PUBLIC int ward_layer_stream_write(struct ward_layer_stream *ls, const void *buf,
					size_t len, struct ward_error **err);
WARD_PUBLIC int ward_layer_stream_finish(struct ward_layer_stream *ls, struct ward_error **err);
WARD_PUBLIC int ward_layer_stream_commit(struct ward_layer_stream *ls, struct ward_error **err);
WARD_PUBLIC void ward_layer_stream_abort(struct ward_layer_stream *ls);
/* One syncfs(2) of the file system holding layers_fd: the data of every
 * finished stream reaches the disk before their renames do. */
WARD_PUBLIC int ward_layers_sync(int layers_fd, struct ward_error **err);

/* A layer sink for ward_image_pull (ward/registry.h) that unpacks into
 * *layers_fd with the streams above; layers_fd must outlive the pull. */
struct ward_registry_layer_sink;
WARD_PUBLIC void ward_layers_sink(const int *layers_fd, struct ward_registry_layer_sink *ret);

#endif
