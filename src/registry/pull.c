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

/* ---- pulling an image ------------------------------------------------------ */

/* GET a manifest document (by tag or digest) and parse it as an image
 * manifest; an index is resolved to the platform's manifest first. The
 * manifest's bytes are returned so the store can keep them verbatim (its
 * digest is the image's identity). */
static int
fetch_image_manifest(struct ward_registry *r, const struct ward_ref *ref,
		     const struct ward_platform *platform, struct ward_manifest_blob *ret,
		     struct ward_manifest **ret_m, struct ward_error **err)
{
	struct ward_manifest_blob mb = {0};
	int rc;

	rc = ward_registry_get_manifest(r, ref->repository, ward_ref_reference(ref), &mb, err);
	if (rc < 0)
		return rc;
	if (mb.media_type && ward_media_type_is_index(mb.media_type)) {
		_cleanup_(ward_index_freep) struct ward_index *idx = NULL;
		const struct ward_index_entry *e = NULL;

		rc = ward_index_parse(mb.body, mb.len, mb.media_type, &idx, err);
		if (rc == 0)
			rc = ward_index_pick(idx, platform, &e, err);
		if (rc == 0) {
			struct ward_manifest_blob one = {0};
			rc = ward_registry_get_manifest(r, ref->repository, e->desc.digest.s, &one,
							err);
			ward_manifest_blob_clear(&mb);
			mb = one;
		}
		if (rc < 0) {
			ward_manifest_blob_clear(&mb);
			return rc;
		}
	}
	rc = ward_manifest_parse(mb.body, mb.len, mb.media_type, ret_m, err);
	if (rc < 0) {
		ward_manifest_blob_clear(&mb);
		return rc;
	}
	*ret = mb;
	return 0;
}

int
ward_image_pull(const char *reference, const struct ward_registry_opts *opts,
		const struct ward_platform *platform, struct ward_store *store,
		struct ward_digest *ret, char **ret_name, struct ward_error **err)
{
	_cleanup_(ward_ref_freep) struct ward_ref *ref = NULL;
	_cleanup_(ward_registry_freep) struct ward_registry *r = NULL;
	_cleanup_(ward_manifest_freep) struct ward_manifest *m = NULL;
	struct ward_manifest_blob mb = {0};
	struct ward_digest md;
	_cleanup_free_ char *name = NULL;
	int rc;

	if ((rc = ward_ref_parse(reference, &ref, err)) < 0)
		return ward_error_wrap(err, "pull");
	name = ward_ref_format(ref);
	if (!name)
		return ward_error_set(err, ENOMEM, "pull");
	if ((rc = ward_registry_init(err)) < 0 ||
	    (rc = ward_registry_new(ref->registry, opts, &r, err)) < 0 ||
	    (rc = fetch_image_manifest(r, ref, platform, &mb, &m, err)) < 0)
		return ward_error_wrap(err, "pull %s", name);
	/* Config and layers stream into the store, each verified against the
	 * manifest's digest before it becomes visible. */
	rc = ward_registry_fetch_blob(r, ref->repository, m->config.digest.s, m->config.size,
				      WARD_MANIFEST_MAX, store, err);
	for (size_t i = 0; rc == 0 && i < m->n_layers; i++)
		rc = ward_registry_fetch_blob(r, ref->repository, m->layers[i].digest.s,
					      m->layers[i].size, WARD_BLOB_MAX, store, err);
	if (rc == 0)
		rc = ward_store_put_blob(store, mb.body, mb.len, &md, err);
	if (rc == 0 && strcmp(md.s, mb.digest) != 0)
		rc = ward_error_setk(err, WARD_E_DENIED, EBADMSG,
				     "manifest stored as %s, verified as %s", md.s, mb.digest);
	if (rc == 0)
		rc = ward_store_tag(store, name, m->media_type, &md, err);
	ward_manifest_blob_clear(&mb);
	if (rc < 0)
		return ward_error_wrap(err, "pull %s", name);
	*ret = md;
	if (ret_name)
		*ret_name = TAKE_PTR(name);
	return 0;
}
