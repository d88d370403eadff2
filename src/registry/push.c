/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Push an image from the store to a registry: blobs first (config, layers),
 * streamed from the store's files as they are stored, then the manifest's
 * exact bytes, so the digest the registry serves is the local one. The
 * store on disk can be tampered with too: every blob is re-hashed while it
 * is read for upload (ward_registry_push_blob_fd compares it with the
 * descriptor's digest), and manifests are read through the verifying
 * ward_store_read_blob.
 */
#include <errno.h>

#include <ward/image.h>
#include <ward/registry.h>

struct push {
	struct ward_registry *r;
	struct ward_store *store;
	const char *repo;
	struct ward_push_result res;
};

/* One blob: skipped when the registry has it already, else uploaded from
 * the store file (read with pread, chunk by chunk). */
static int
push_one_blob(struct push *p, const struct ward_descriptor *d, struct ward_error **err)
{
	_cleanup_close_ int fd = -1;
	uint64_t size = 0;
	int rc;

	rc = ward_registry_head_blob(p->r, p->repo, d->digest.s, NULL, err);
	if (rc == 0) {
		p->res.blobs_present++;
		return 0;
	}
	if (rc != -ENOENT)
		return ward_error_wrap(err, "blob %s", d->digest.s);
	fd = ward_store_blob_open(p->store, &d->digest, &size, err);
	if (fd < 0)
		return ward_error_wrap(err, "blob %s", d->digest.s);
	/* A store blob of another size than its descriptor is corrupt: the
	 * registry would reject the manifest later, say so now. */
	if (d->size >= 0 && size != (uint64_t)d->size)
		return ward_error_setk(err, WARD_E_INVALID, 0,
				       "blob %s: %llu bytes in the store, the manifest says %lld",
				       d->digest.s, (unsigned long long)size, (long long)d->size);
	rc = ward_registry_push_blob_fd(p->r, p->repo, fd, size, d->digest.s, NULL, err);
	if (rc < 0)
		return ward_error_wrap(err, "blob %s", d->digest.s);
	p->res.blobs_pushed++;
	p->res.bytes_pushed += size;
	return 0;
}

/* An image manifest: its blobs, then its bytes under reference. */
static int
push_manifest(struct push *p, const struct ward_descriptor *d, const char *reference,
	      struct ward_error **err)
{
	_cleanup_(ward_manifest_freep) struct ward_manifest *m = NULL;
	_cleanup_free_ char *buf = NULL;
	char got[80];
	size_t len = 0;
	int rc;

	if ((rc = ward_store_read_blob(p->store, &d->digest, WARD_MANIFEST_MAX, &buf, &len, err)) <
		    0 ||
	    (rc = ward_manifest_parse(buf, len, d->media_type[0] ? d->media_type : NULL, &m, err)) <
		    0)
		return ward_error_wrap(err, "manifest %s", d->digest.s);
	if ((rc = push_one_blob(p, &m->config, err)) < 0)
		return ward_error_wrap(err, "config");
	for (size_t i = 0; i < m->n_layers; i++)
		if ((rc = push_one_blob(p, &m->layers[i], err)) < 0)
			return ward_error_wrap(err, "layer %zu", i + 1);
	rc = ward_registry_put_manifest(p->r, p->repo, reference, m->media_type, buf, len, got,
					err);
	if (rc < 0)
		return ward_error_wrap(err, "manifest %s", d->digest.s);
	p->res.manifests++;
	memcpy(p->res.digest, got, sizeof(got));
	return 0;
}

/* An index: every child manifest by digest (a registry refuses an index
 * naming manifests it lacks), then the index's own bytes. */
static int
push_index(struct push *p, const struct ward_descriptor *d, const char *reference,
	   struct ward_error **err)
{
	_cleanup_(ward_index_freep) struct ward_index *idx = NULL;
	_cleanup_free_ char *buf = NULL;
	char got[80];
	size_t len = 0;
	int rc;

	if ((rc = ward_store_read_blob(p->store, &d->digest, WARD_MANIFEST_MAX, &buf, &len, err)) <
		    0 ||
	    (rc = ward_index_parse(buf, len, d->media_type, &idx, err)) < 0)
		return ward_error_wrap(err, "index %s", d->digest.s);
	for (size_t i = 0; i < idx->n_manifests; i++) {
		const struct ward_descriptor *c = &idx->manifests[i].desc;
		if (!ward_media_type_is_manifest(c->media_type))
			return ward_error_setk(err, WARD_E_UNSUPPORTED, 0,
					       "index %s: entry %zu has media type '%s'; ward "
					       "pushes indexes of image manifests only",
					       d->digest.s, i, c->media_type);
		if (!ward_store_has_blob(p->store, &c->digest))
			return ward_error_setk(err, WARD_E_NOTFOUND, ENOENT,
					       "index %s: manifest %s (entry %zu) is not in the "
					       "store; pull or copy all platforms before pushing "
					       "the index",
					       d->digest.s, c->digest.s, i);
		if ((rc = push_manifest(p, c, c->digest.s, err)) < 0)
			return rc;
	}
	rc = ward_registry_put_manifest(p->r, p->repo, reference, idx->media_type, buf, len, got,
					err);
	if (rc < 0)
		return ward_error_wrap(err, "index %s", d->digest.s);
	p->res.manifests++;
	memcpy(p->res.digest, got, sizeof(got));
	return 0;
}

int
ward_image_push(struct ward_store *store, const char *name, const char *destination,
		const struct ward_registry_opts *opts, struct ward_push_result *ret,
		struct ward_error **err)
{
	_cleanup_(ward_ref_freep) struct ward_ref *ref = NULL;
	_cleanup_(ward_registry_freep) struct ward_registry *r = NULL;
	struct push p = {.store = store};
	struct ward_descriptor d;
	const char *reference;
	int rc;

	if ((rc = ward_store_resolve(store, name, &d, err)) < 0)
		return ward_error_wrap(err, "push");
	if ((rc = ward_ref_parse(destination, &ref, err)) < 0)
		return ward_error_wrap(err, "push %s", name);
	reference = ward_ref_reference(ref);
	/* A digest destination names exact bytes: only ours can go there. */
	if (ref->digest && strcmp(ref->digest, d.digest.s))
		return ward_error_setk(err, WARD_E_INVALID, 0,
				       "push %s: destination digest %s is not the image's %s", name,
				       ref->digest, d.digest.s);
	if ((rc = ward_registry_new(ref->registry, opts, &r, err)) < 0)
		return ward_error_wrap(err, "push %s to %s", name, destination);
	p.r = r;
	p.repo = ref->repository;
	if (ward_media_type_is_index(d.media_type))
		rc = push_index(&p, &d, reference, err);
	else
		rc = push_manifest(&p, &d, reference, err);
	if (rc < 0)
		return ward_error_wrap(err, "push %s to %s", name, destination);
	/* put_manifest hashed the bytes it sent; they came from the verified
	 * blob, so this only fails on a broken store. */
	if (strcmp(p.res.digest, d.digest.s))
		return ward_error_setk(err, WARD_E_SYSTEM, EIO,
				       "push %s: pushed %s, but the image is %s", name,
				       p.res.digest, d.digest.s);
	*ret = p.res;
	return 0;
}
