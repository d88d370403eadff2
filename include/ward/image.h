/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ward images: content-addressed blobs in an OCI image layout, manifests,
 * indexes and image configs, and layer unpacking that can never write
 * outside its directory. Everything read here comes from registries or
 * archives and is hostile until its digest is verified.
 */
#ifndef WARD_IMAGE_H
#define WARD_IMAGE_H

#include <sys/types.h>

#include <ward/util.h>

/* ---- digests ------------------------------------------------------------ */

#define WARD_DIGEST_MAX 80 /* "sha512:" + 128 hex would not fit: sha256 only */

struct ward_digest {
	char s[WARD_DIGEST_MAX]; /* "sha256:<64 lowercase hex>" */
};

/* Accept exactly "sha256:" + 64 lowercase hex digits. */
WARD_PUBLIC int ward_digest_parse(const char *s, struct ward_digest *ret, struct ward_error **err);
/* The 64 hex digits (points into d). */
WARD_PUBLIC const char *ward_digest_hex(const struct ward_digest *d);
WARD_PUBLIC void ward_digest_of(const void *buf, size_t len, struct ward_digest *ret);

/* ==== store (src/image/store.c, manifest.c) ============================== */

#define WARD_BLOB_MAX (64ull << 30)    /* one layer */
#define WARD_MANIFEST_MAX (4u << 20)   /* manifests, indexes, configs */

struct ward_store;
struct ward_blob_writer;

/* Open (create) the OCI image layout at root: oci-layout, index.json,
 * blobs/sha256/. skopeo's and umoci's `oci:` transport can read it. */
WARD_PUBLIC int ward_store_open(const char *root, bool create, struct ward_store **ret,
				struct ward_error **err);
WARD_PUBLIC void ward_store_free(struct ward_store *s);
/* Stream a blob in. expected may be NULL (digest computed), expected_size
 * -1 when unknown; more than max bytes is refused. Nothing is visible under
 * blobs/ until commit verified digest and size. */
WARD_PUBLIC int ward_store_blob_begin(struct ward_store *s, const struct ward_digest *expected,
				      int64_t expected_size, uint64_t max,
				      struct ward_blob_writer **ret, struct ward_error **err);
WARD_PUBLIC int ward_blob_write(struct ward_blob_writer *w, const void *buf, size_t len,
				struct ward_error **err);
WARD_PUBLIC int ward_blob_commit(struct ward_blob_writer *w, struct ward_digest *ret_digest,
				 struct ward_error **err);
/* Discard a writer (and its temp file); accepts NULL. */
WARD_PUBLIC void ward_blob_abort(struct ward_blob_writer *w);
WARD_PUBLIC int ward_store_put_blob(struct ward_store *s, const void *buf, size_t len,
				    struct ward_digest *ret_digest, struct ward_error **err);
WARD_PUBLIC bool ward_store_has_blob(struct ward_store *s, const struct ward_digest *d);
/* Open a blob read-only; *ret_size its size. */
WARD_PUBLIC int ward_store_blob_open(struct ward_store *s, const struct ward_digest *d,
				     uint64_t *ret_size, struct ward_error **err);
/* Read a small blob whole, verifying its digest (a store on disk can be
 * tampered with too). */
WARD_PUBLIC int ward_store_read_blob(struct ward_store *s, const struct ward_digest *d,
				     size_t max, char **ret, size_t *ret_len,
				     struct ward_error **err);

#endif
