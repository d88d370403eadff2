/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Glue between the registry client and the image store: a blob streams
 * from the registry straight into the store's blob writer, which verifies
 * size and digest on commit, so nothing unverified ever appears under
 * blobs/. Layers download a few at a time, each on its own connection,
 * and (with a layer sink) unpack while they arrive.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

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

/* ---- fetching the layers, several at once ------------------------------------ */

#define PROGRESS_STEP (256u << 10)
#define DEFAULT_PARALLEL 6 /* containers/image's (podman, skopeo) default */
#define STORE_READ_CHUNK (1u << 20)

struct layer_task {
	const struct ward_descriptor *desc;
	const struct ward_digest *diff_id; /* the config's; NULL without a sink */
	size_t index;
	void *stream; /* the sink's, until committed or aborted */
};

/*
 * The layers must be on disk before they are renamed into place (one
 * syncfs at the end). Waiting for 500 MB of dirty pages then would add
 * their whole write-out to the pull: a helper thread starts a sync each
 * time a layer finished, while the others still download, so the final
 * one has little left to do.
 */
struct syncer {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned long kicks, seen;
	bool stop, started;
	const struct ward_registry_layer_sink *sink;
	pthread_t tid;
};

static void *
syncer_main(void *data)
{
	struct syncer *sy = data;

	pthread_mutex_lock(&sy->lock);
	for (;;) {
		while (sy->kicks == sy->seen && !sy->stop)
			pthread_cond_wait(&sy->cond, &sy->lock);
		if (sy->kicks == sy->seen)
			break;
		sy->seen = sy->kicks;
		pthread_mutex_unlock(&sy->lock);
		/* errors are the final sync's to report */
		(void)sy->sink->sync(sy->sink->opaque, NULL);
		pthread_mutex_lock(&sy->lock);
	}
	pthread_mutex_unlock(&sy->lock);
	return NULL;
}

static void
syncer_kick(struct syncer *sy)
{
	if (!sy->started)
		return;
	pthread_mutex_lock(&sy->lock);
	sy->kicks++;
	pthread_cond_signal(&sy->cond);
	pthread_mutex_unlock(&sy->lock);
}

static void
syncer_stop(struct syncer *sy)
{
	if (!sy->started)
		return;
	pthread_mutex_lock(&sy->lock);
	sy->stop = true;
	sy->kicks = sy->seen; /* the final sync follows: skip a pending one */
	pthread_cond_signal(&sy->cond);
	pthread_mutex_unlock(&sy->lock);
	pthread_join(sy->tid, NULL);
	sy->started = false;
}

/* One pull's layers, shared by its worker threads. */
struct layer_pull {
	const struct ward_registry_opts *o;
	const struct ward_registry_layer_sink *sink;
	const char *repo;
	struct ward_store *store;
	struct layer_task *tasks;
	size_t n_tasks;
	size_t *order; /* task indices, biggest blob first */
	pthread_mutex_t lock;
	size_t next;		  /* next position in order, under lock */
	int failed;		  /* set (atomically) at the first failure: the others stop */
	struct syncer sy;
	struct ward_error *first; /* the first failure wins, under lock */
	int first_rc;
};

static void
report(const struct ward_registry_opts *o, enum ward_registry_progress_event ev,
       const struct ward_descriptor *d, bool is_layer, size_t index, size_t n_layers,
       uint64_t done)
{
	struct ward_registry_progress p = {
		.event = ev,
		.digest = d->digest.s,
		.is_layer = is_layer,
		.index = index,
		.n_layers = n_layers,
		.done = done,
		.total = d->size,
	};

	if (o && o->progress)
		o->progress(o->progress_opaque, &p);
}

/* The HTTP body goes to the blob writer (digest and size checked on
 * commit), to the layer's unpacker and to the progress bar, in order. */
struct tee {
	struct ward_blob_writer *w;
	const struct ward_registry_layer_sink *sink;
	void *stream;
	const struct layer_pull *p;
	const struct layer_task *t;
	uint64_t done, reported;
};

static int
tee_write(void *opaque, const void *buf, size_t len, struct ward_error **err)
{
	struct tee *t = opaque;
	int rc;

	/* Another layer failed: the pull is lost, stop this one too. */
	if (__atomic_load_n(&t->p->failed, __ATOMIC_RELAXED))
		return ward_error_set(err, ECANCELED, "stopped: another layer failed");
	rc = ward_blob_write(t->w, buf, len, err);
	if (rc == 0 && t->stream)
		rc = t->sink->write(t->stream, buf, len, err);
	if (rc < 0)
		return rc;
	t->done += len;
	if (t->done - t->reported >= PROGRESS_STEP ||
	    (t->t->desc->size >= 0 && t->done == (uint64_t)t->t->desc->size)) {
		t->reported = t->done;
		report(t->p->o, WARD_PROGRESS_BYTES, t->t->desc, true, t->t->index, t->p->n_tasks,
		       t->done);
	}
	return 0;
}

/* The blob is stored but its layer is not unpacked (an earlier pull
 * without a sink, or `ward run` failed half-way): unpack it from the
 * store, as `ward run` would. */
static int
unpack_stored(struct layer_pull *p, struct layer_task *t, struct ward_error **err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = malloc(STORE_READ_CHUNK);
	uint64_t size = 0;
	int rc;

	if (!buf)
		return ward_error_set(err, ENOMEM, "layer %s", t->desc->digest.s);
	fd = ward_store_blob_open(p->store, &t->desc->digest, &size, err);
	if (fd < 0)
		return fd;
	rc = p->sink->begin(p->sink->opaque, t->desc, t->diff_id, &t->stream, err);
	if (rc < 0)
		return rc;
	for (;;) {
		ssize_t n = read(fd, buf, STORE_READ_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ward_error_set(err, errno, "layer %s: read blob", t->desc->digest.s);
		if (n == 0)
			break;
		rc = p->sink->write(t->stream, buf, (size_t)n, err);
		if (rc < 0)
			return rc;
	}
	/* The store's copy was verified when it was written; the diff id
	 * check in finish catches a blob tampered with since. */
	return p->sink->finish(t->stream, err);
}

static int
fetch_layer(struct layer_pull *p, struct ward_registry *r, struct layer_task *t,
	    struct ward_error **err)
{
	struct tee tee = {.sink = p->sink, .p = p, .t = t};
	const struct ward_descriptor *d = t->desc;
	int rc;

	if (ward_store_has_blob(p->store, &d->digest)) {
		if (!p->sink || p->sink->has(p->sink->opaque, t->diff_id)) {
			report(p->o, WARD_PROGRESS_SKIP, d, true, t->index, p->n_tasks, 0);
			return 0;
		}
		rc = unpack_stored(p, t, err);
		if (rc == 0)
			report(p->o, WARD_PROGRESS_SKIP, d, true, t->index, p->n_tasks, 0);
		return rc;
	}
	rc = ward_store_blob_begin(p->store, &d->digest, d->size, WARD_BLOB_MAX, &tee.w, err);
	if (rc < 0)
		return rc;
	if (p->sink) {
		rc = p->sink->begin(p->sink->opaque, d, t->diff_id, &t->stream, err);
		if (rc < 0)
			goto fail;
		tee.stream = t->stream;
	}
	report(p->o, WARD_PROGRESS_START, d, true, t->index, p->n_tasks, 0);
	/* The blob writer hashes what it writes: get_blob need not hash it too. */
	rc = ward_registry_get_blob_unhashed(r, p->repo, d->digest.s, d->size, WARD_BLOB_MAX,
					     tee_write, &tee, err);
	/* Then the diff id, before the blob is committed (commit checks size
	 * and digest), so a layer the manifest or the config does not vouch
	 * for leaves neither its blob nor its directory behind. */
	if (rc == 0 && t->stream) {
		rc = p->sink->finish(t->stream, err);
		if (rc == 0)
			syncer_kick(&p->sy);
	}
	if (rc < 0)
		goto fail;
	rc = ward_blob_commit(tee.w, NULL, err); /* consumes the writer */
	tee.w = NULL;
	if (rc < 0)
		goto fail;
	report(p->o, WARD_PROGRESS_DONE, d, true, t->index, p->n_tasks, tee.done);
	return 0;
fail:
	ward_blob_abort(tee.w);
	report(p->o, WARD_PROGRESS_FAIL, d, true, t->index, p->n_tasks, tee.done);
	return rc;
}

static void
record_failure(struct layer_pull *p, int rc, struct ward_error *e)
{
	__atomic_store_n(&p->failed, 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&p->lock);
	if (!p->first_rc) {
		p->first_rc = rc < 0 ? rc : -EIO;
		p->first = e;
		e = NULL;
	}
	pthread_mutex_unlock(&p->lock);
	ward_error_free(e);
}

/* Each worker takes the next layer (biggest first) until none is left or
 * one failed. */
static void
layer_worker_run(struct layer_pull *p, struct ward_registry *r)
{
	for (;;) {
		struct ward_error *e = NULL;
		struct layer_task *t;
		int rc;

		pthread_mutex_lock(&p->lock);
		t = !p->first_rc && p->next < p->n_tasks ? &p->tasks[p->order[p->next++]] : NULL;
		pthread_mutex_unlock(&p->lock);
		if (!t)
			return;
		rc = fetch_layer(p, r, t, &e);
		if (rc < 0) {
			if (!e)
				ward_error_set(&e, -rc, "layer %s", t->desc->digest.s);
			ward_error_wrap(&e, "layer %zu/%zu", t->index + 1, p->n_tasks);
			record_failure(p, rc, e);
		}
	}
}

struct worker {
	struct layer_pull *p;
	struct ward_registry *r;
	pthread_t tid;
};

static void *
layer_worker(void *data)
{
	struct worker *w = data;

	layer_worker_run(w->p, w->r);
	return NULL;
}

static int
cmp_size_desc(const void *a, const void *b, void *data)
{
	const struct layer_task *t = data;
	int64_t sa = t[*(const size_t *)a].desc->size, sb = t[*(const size_t *)b].desc->size;

	if (sa != sb)
		return sa > sb ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

/* Run the workers: this thread with r, the others with clones of it. */
static int
run_workers(struct layer_pull *p, struct ward_registry *r, struct ward_error **err)
{
	struct worker ws[WARD_REGISTRY_PARALLEL_MAX] = {0};
	unsigned want = p->o && p->o->max_parallel ? p->o->max_parallel : DEFAULT_PARALLEL;
	size_t n = 0;
	sigset_t all, old;

	if (want > WARD_REGISTRY_PARALLEL_MAX)
		want = WARD_REGISTRY_PARALLEL_MAX;
	if (want > p->n_tasks)
		want = (unsigned)p->n_tasks;
	/* Signals belong to the caller's thread, not the workers. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (p->sink && p->n_tasks > 1) {
		p->sy.sink = p->sink;
		p->sy.started = pthread_create(&p->sy.tid, NULL, syncer_main, &p->sy) == 0;
	}
	for (; n + 1 < want; n++) {
		ws[n].p = p;
		if (ward_registry_clone(r, &ws[n].r, NULL) < 0)
			break;
		if (pthread_create(&ws[n].tid, NULL, layer_worker, &ws[n]) != 0) {
			ward_registry_free(ws[n].r);
			break;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	layer_worker_run(p, r); /* with fewer threads than asked, this one does the rest */
	for (size_t i = 0; i < n; i++) {
		pthread_join(ws[i].tid, NULL);
		ward_registry_free(ws[i].r);
	}
	syncer_stop(&p->sy);
	if (p->first_rc) {
		if (err) {
			ward_error_free(*err);
			*err = p->first;
		} else {
			ward_error_free(p->first);
		}
		p->first = NULL;
		return p->first_rc;
	}
	return 0;
}

/* Publish the unpacked layers: one sync for all of them, then the
 * renames, so no layer directory appears before its data is on disk. */
static int
commit_layers(struct layer_pull *p, struct ward_error **err)
{
	bool any = false;
	int rc = 0;

	for (size_t i = 0; i < p->n_tasks; i++)
		any = any || p->tasks[i].stream;
	if (any)
		rc = p->sink->sync(p->sink->opaque, err);
	for (size_t i = 0; rc == 0 && i < p->n_tasks; i++) {
		if (p->tasks[i].stream)
			rc = p->sink->commit(TAKE_PTR(p->tasks[i].stream), err);
	}
	return rc;
}

static void
abort_layers(struct layer_pull *p)
{
	for (size_t i = 0; i < p->n_tasks; i++)
		if (p->tasks[i].stream)
			p->sink->abort(TAKE_PTR(p->tasks[i].stream));
}

/* The image config's diff ids, for the sink's checks. */
static int
read_diff_ids(struct ward_store *store, const struct ward_manifest *m,
	      struct ward_image_config **ret, struct ward_error **err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int rc;

	rc = ward_store_read_blob(store, &m->config.digest, WARD_MANIFEST_MAX, &buf, &len, err);
	if (rc < 0)
		return ward_error_wrap(err, "config %s", m->config.digest.s);
	rc = ward_image_config_parse(buf, len, ret, err);
	if (rc < 0)
		return ward_error_wrap(err, "config %s", m->config.digest.s);
	if ((*ret)->n_diff_ids != m->n_layers) {
		rc = ward_error_setk(err, WARD_E_INVALID, EINVAL,
				     "config %s: %zu diff ids for %zu layers", m->config.digest.s,
				     (*ret)->n_diff_ids, m->n_layers);
		ward_image_config_free(*ret);
		*ret = NULL;
	}
	return rc;
}

static int
fetch_layers(struct ward_registry *r, const struct ward_registry_opts *o, const char *repo,
	     const struct ward_manifest *m, struct ward_store *store, struct ward_error **err)
{
	_cleanup_(ward_image_config_freep) struct ward_image_config *cfg = NULL;
	_cleanup_free_ struct layer_task *tasks = NULL;
	_cleanup_free_ size_t *order = NULL;
	struct layer_pull p = {.o = o, .repo = repo, .store = store,
			       .sink = o ? o->layer_sink : NULL,
			       .lock = PTHREAD_MUTEX_INITIALIZER,
			       .sy = {.lock = PTHREAD_MUTEX_INITIALIZER,
				      .cond = PTHREAD_COND_INITIALIZER}};
	int rc;

	if (m->n_layers == 0)
		return 0;
	if (p.sink && (rc = read_diff_ids(store, m, &cfg, err)) < 0)
		return rc;
	tasks = calloc(m->n_layers, sizeof(*tasks));
	order = calloc(m->n_layers, sizeof(*order));
	if (!tasks || !order)
		return ward_error_set(err, ENOMEM, "layers");
	for (size_t i = 0; i < m->n_layers; i++) {
		tasks[i] = (struct layer_task){
			.desc = &m->layers[i], .diff_id = cfg ? &cfg->diff_ids[i] : NULL, .index = i};
		order[i] = i;
	}
	/* Biggest first: the longest download and unpack start at once, the
	 * small ones fill the gaps, and the pull ends sooner. */
	qsort_r(order, m->n_layers, sizeof(*order), cmp_size_desc, tasks);
	p.tasks = tasks;
	p.n_tasks = m->n_layers;
	p.order = order;
	rc = run_workers(&p, r, err);
	if (rc == 0 && p.sink)
		rc = commit_layers(&p, err);
	if (p.sink)
		abort_layers(&p);
	return rc;
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
	if (rc == 0)
		rc = fetch_layers(r, opts, ref->repository, m, store, err);
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
