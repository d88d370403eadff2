/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Glue between the registry client and the image store: a blob streams
 * from the registry straight into the store's blob writer, which verifies
 * size and digest on commit, so nothing unverified ever appears under
 * blobs/.
 */
#include <errno.h>

#include <ward/image.h>
#include <ward/registry.h>

_Static_assert(WARD_REGISTRY_MANIFEST_MAX == WARD_MANIFEST_MAX,
	       "the registry and the store must agree on the manifest bound");

static int
to_writer(void *opaque, const void *buf, size_t len, struct ward_error **err)
{
	return ward_blob_write(opaque, buf, len, err);
}

int
ward_registry_fetch_blob(struct ward_registry *r, const char *repo, const char *digest,
			 int64_t size, uint64_t max, struct ward_store *store,
			 struct ward_error **err)
{
	struct ward_blob_writer *w = NULL;
	struct ward_digest d;
	int rc;

	rc = ward_digest_parse(digest, &d, err);
	if (rc < 0)
		return ward_error_wrap(err, "fetch blob");
	if (ward_store_has_blob(store, &d))
		return 0;
	rc = ward_store_blob_begin(store, &d, size, max, &w, err);
	if (rc < 0)
		return ward_error_wrap(err, "fetch blob %s", digest);
	rc = ward_registry_get_blob(r, repo, digest, size, max, to_writer, w, err);
	if (rc < 0) {
		ward_blob_abort(w);
		return ward_error_wrap(err, "fetch blob");
	}
	rc = ward_blob_commit(w, NULL, err); /* consumes w */
	if (rc < 0)
		return ward_error_wrap(err, "fetch blob %s", digest);
	return 0;
}
