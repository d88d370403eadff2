/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image archives (`ward save`, `ward load`) and the store's disk use
 * (`ward system df`, `ward system prune`).
 *
 * An archive is read as a stream and never extracted: each regular member
 * goes into the store's ingest/ through a blob writer while it is hashed,
 * small ones are also kept in memory so configs and manifests can be read
 * back, and only when every image of the archive resolved (digests, diff
 * ids, sizes, names) are the blobs committed and the names tagged. Until
 * then nothing under blobs/ or in index.json changed; on any error the
 * writers are aborted and their ingest files removed.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <ward/image.h>

#include "internal.h"

#define CHUNK (1u << 20)
#define OCI_LAYOUT_MAX 4096u
#define LEGACY_MAX (1u << 20) /* docker's "repositories" */
#define MT_LAYER_TAR "application/vnd.oci.image.layer.v1.tar"
#define BLOBS_PREFIX "blobs/sha256/"
#define REACH_MAX_NODES (1u << 20)
#define DU_MAX_DEPTH 1024u

#define _cleanup_json_ _cleanup_(json_decrefp)

static void
archive_readp(struct archive **a)
{
	if (*a)
		archive_read_free(*a);
}

static void
archive_writep(struct archive **a)
{
	if (*a)
		archive_write_free(*a);
}

static int
archive_fail(struct archive *a, enum ward_error_kind kind, struct ward_error **err,
	     const char *what)
{
	const char *msg = archive_error_string(a);
	int e = archive_errno(a);

	ward_error_setk(err, kind, 0, "%s: %s", what, msg ? msg : "archive error");
	return e > 0 ? -e : -EIO;
}

static bool
is_gzip(const unsigned char *m)
{
	return m[0] == 0x1f && m[1] == 0x8b;
}

static bool
is_zstd(const unsigned char *m)
{
	return m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd;
}

int
ward_archive_format_parse(const char *s, enum ward_archive_format *ret, struct ward_error **err)
{
	if (s && strcmp(s, "docker-archive") == 0)
		*ret = WARD_ARCHIVE_DOCKER;
	else if (s && strcmp(s, "oci-archive") == 0)
		*ret = WARD_ARCHIVE_OCI;
	else
		return ward_error_setk(err, WARD_E_INVALID, EINVAL,
				       "archive format '%.*s': use docker-archive or oci-archive",
				       64, s ? s : "");
	return 0;
}

/* ---- digest sets ---------------------------------------------------------- */

/* A sorted set of digests (bsearch lookups, memmove inserts): archives and
 * stores hold thousands of blobs at most, far below where that matters. */
struct digest_set {
	struct ward_digest *v;
	size_t n, cap;
};

static size_t
set_pos(const struct digest_set *set, const struct ward_digest *d, bool *found)
{
	size_t lo = 0, hi = set->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(set->v[mid].s, d->s);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

static bool
set_has(const struct digest_set *set, const struct ward_digest *d)
{
	bool found;

	(void)set_pos(set, d, &found);
	return found;
}

/* 1 when added, 0 when already there, -ENOMEM. */
static int
set_add(struct digest_set *set, const struct ward_digest *d)
{
	bool found;
	size_t i = set_pos(set, d, &found);

	if (found)
		return 0;
	if (set->n == set->cap) {
		size_t nc = set->cap ? set->cap * 2 : 64;
		struct ward_digest *nv = realloc(set->v, nc * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		set->v = nv;
		set->cap = nc;
	}
	memmove(&set->v[i + 1], &set->v[i], (set->n - i) * sizeof(*set->v));
	set->v[i] = *d;
	set->n++;
	return 1;
}

static void
set_free(struct digest_set *set)
{
	free(set->v);
	set->v = NULL;
	set->n = set->cap = 0;
}

/* ==== save ================================================================== */

struct saver {
	struct ward_store *s;
	struct archive *a;
	char *buf;		   /* CHUNK */
	struct digest_set written; /* blobs (OCI) or configs and diff ids (docker) */
};

static int
put_header(struct saver *sv, const char *name, int64_t size, mode_t type, struct ward_error **err)
{
	struct archive_entry *e = archive_entry_new();
	int r;

	if (!e)
		return ward_error_set(err, ENOMEM, "archive member '%s'", name);
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, type == AE_IFDIR ? 0755 : 0644);
	archive_entry_set_size(e, type == AE_IFDIR ? 0 : size);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	/* Fixed times: saving the same images twice gives the same bytes. */
	archive_entry_set_mtime(e, 0, 0);
	r = archive_write_header(sv->a, e);
	archive_entry_free(e);
	if (r != ARCHIVE_OK)
		return archive_fail(sv->a, WARD_E_SYSTEM, err, name);
	return 0;
}

static int
put_data(struct saver *sv, const char *name, const void *buf, size_t len, struct ward_error **err)
{
	la_ssize_t n = archive_write_data(sv->a, buf, len);

	if (n < 0 || (size_t)n != len)
		return archive_fail(sv->a, WARD_E_SYSTEM, err, name);
	return 0;
}

static int
put_buf(struct saver *sv, const char *name, const void *buf, size_t len, struct ward_error **err)
{
	int r = put_header(sv, name, (int64_t)len, AE_IFREG, err);

	return r < 0 ? r : put_data(sv, name, buf, len, err);
}

static ssize_t
read_some(int fd, void *buf, size_t len)
{
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

/* A blob byte for byte, hashed on the way: a store blob changed on disk is
 * refused rather than shipped under a digest it no longer has. */
static int
put_blob(struct saver *sv, const char *name, const struct ward_descriptor *d,
	 struct ward_error **err)
{
	_cleanup_(ward_hasher_freep) struct ward_hasher *h = NULL;
	_cleanup_close_ int fd = -1;
	struct ward_digest got;
	uint64_t size = 0, done = 0;
	int r;

	fd = ward_store_blob_open(sv->s, &d->digest, &size, err);
	if (fd < 0)
		return ward_error_wrap(err, "save '%s'", name);
	if (d->size >= 0 && size != (uint64_t)d->size)
		return ward_error_setk(err, WARD_E_DENIED, 0,
				       "blob %s: %llu bytes in the store, its descriptor says %lld",
				       d->digest.s, (unsigned long long)size, (long long)d->size);
	h = ward_hasher_new();
	if (!h)
		return ward_error_set(err, ENOMEM, "save '%s'", name);
	if ((r = put_header(sv, name, (int64_t)size, AE_IFREG, err)) < 0)
		return r;
	while (done < size) {
		size_t want = size - done < CHUNK ? (size_t)(size - done) : CHUNK;
		ssize_t n = read_some(fd, sv->buf, want);
		if (n < 0)
			return ward_error_set(err, (int)-n, "blob %s: read", d->digest.s);
		if (n == 0)
			return ward_error_set(err, EIO, "blob %s: shrank while being saved",
					      d->digest.s);
		ward_hasher_update(h, sv->buf, (size_t)n);
		if ((r = put_data(sv, name, sv->buf, (size_t)n, err)) < 0)
			return r;
		done += (uint64_t)n;
	}
	ward_hasher_final(h, &got);
	if (strcmp(got.s, d->digest.s) != 0)
		return ward_error_setk(err, WARD_E_DENIED, 0,
				       "blob %s: digest mismatch in the store (got %s)",
				       d->digest.s, got.s);
	return 0;
}

/* The uncompressed stream of a layer blob (gzip, zstd or plain tar): with
 * sv NULL it is only measured and hashed, else also written as member name. */
static int
layer_pass(int fd, struct saver *sv, const char *name, char *buf, uint64_t *ret_size,
	   struct ward_digest *ret_diff_id, struct ward_error **err)
{
	_cleanup_(archive_readp) struct archive *in = NULL;
	_cleanup_(ward_hasher_freep) struct ward_hasher *h = ward_hasher_new();
	unsigned char m[4] = {0};
	uint64_t total = 0;
	bool compressed;
	int r;

	if (!h)
		return ward_error_set(err, ENOMEM, "layer");
	if (pread(fd, m, sizeof(m), 0) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return ward_error_set(err, errno, "layer: read");
	compressed = is_gzip(m) || is_zstd(m);
	if (compressed) {
		struct archive_entry *e;
		if (ward_dl_archive(err) < 0)
			return -ENOENT;
		in = archive_read_new();
		if (!in)
			return ward_error_set(err, ENOMEM, "layer");
		/* Only the two filters layers use: less decoder surface. */
		archive_read_support_filter_gzip(in);
		archive_read_support_filter_zstd(in);
		archive_read_support_format_raw(in);
		if (archive_read_open_fd(in, fd, CHUNK) != ARCHIVE_OK ||
		    archive_read_next_header(in, &e) != ARCHIVE_OK)
			return archive_fail(in, WARD_E_INVALID, err, "layer: decompress");
	}
	for (;;) {
		la_ssize_t n =
			compressed ? archive_read_data(in, buf, CHUNK) : read_some(fd, buf, CHUNK);
		if (n < 0 && compressed)
			return archive_fail(in, WARD_E_INVALID, err, "layer: decompress");
		if (n < 0)
			return ward_error_set(err, (int)-n, "layer: read");
		if (n == 0)
			break;
		total += (uint64_t)n;
		if (total > WARD_LAYER_MAX_BYTES)
			return ward_error_setk(err, WARD_E_DENIED, EFBIG,
					       "layer: more than %llu bytes uncompressed",
					       (unsigned long long)WARD_LAYER_MAX_BYTES);
		ward_hasher_update(h, buf, (size_t)n);
		if (sv && (r = put_data(sv, name, buf, (size_t)n, err)) < 0)
			return r;
	}
	ward_hasher_final(h, ret_diff_id);
	*ret_size = total;
	return 0;
}

/* A tar header needs the member's size before its data, and a compressed
 * layer's uncompressed size is known only once it was read: decompress
 * twice (measure, then stream) rather than spool gigabytes to a temp file.
 * Both passes must hash to the config's diff id. */
static int
put_layer_uncompressed(struct saver *sv, const char *name, const struct ward_descriptor *layer,
		       const struct ward_digest *diff_id, struct ward_error **err)
{
	_cleanup_close_ int fd = -1;
	struct ward_digest got, again;
	uint64_t size = 0, size2 = 0;
	int r;

	fd = ward_store_blob_open(sv->s, &layer->digest, NULL, err);
	if (fd < 0)
		return ward_error_wrap(err, "save layer %s", layer->digest.s);
	if ((r = layer_pass(fd, NULL, name, sv->buf, &size, &got, err)) < 0)
		return ward_error_wrap(err, "save layer %s", layer->digest.s);
	if (strcmp(got.s, diff_id->s) != 0)
		return ward_error_setk(err, WARD_E_DENIED, EBADMSG,
				       "layer %s: decompresses to %s, the image config says %s",
				       layer->digest.s, got.s, diff_id->s);
	if ((r = put_header(sv, name, (int64_t)size, AE_IFREG, err)) < 0 ||
	    (r = layer_pass(fd, sv, name, sv->buf, &size2, &again, err)) < 0)
		return ward_error_wrap(err, "save layer %s", layer->digest.s);
	if (size2 != size || strcmp(again.s, got.s) != 0)
		return ward_error_setk(err, WARD_E_DENIED, EBADMSG,
				       "layer %s: changed while being saved", layer->digest.s);
	return 0;
}

/* A RepoTags entry: docker wants NAME:TAG; digest references have none. */
static char *
docker_tag(const char *name)
{
	const char *slash = strrchr(name, '/');

	if (strchr(name, '@'))
		return NULL;
	if (strchr(slash ? slash : name, ':'))
		return strdup(name);
	return ward_strdup_printf("%s:latest", name);
}

static int
save_docker_image(struct saver *sv, const char *name, json_t *manifest, struct ward_error **err)
{
	_cleanup_(ward_image_freep) struct ward_image *img = NULL;
	_cleanup_free_ char *cfg_name = NULL, *tag = NULL;
	json_t *layers = json_array(), *entry, *tags = json_array();
	int r;

	entry = json_object();
	if (!layers || !tags || !entry || json_array_append_new(manifest, entry) < 0) {
		json_decref(layers);
		json_decref(tags);
		return ward_error_set(err, ENOMEM, "save");
	}
	json_object_set_new(entry, "Layers", layers);
	json_object_set_new(entry, "RepoTags", tags);
	if ((r = ward_image_open(sv->s, name, NULL, &img, err)) < 0)
		return r;
	cfg_name = ward_strdup_printf("%s.json", ward_digest_hex(&img->manifest->config.digest));
	tag = docker_tag(name);
	if (!cfg_name || json_object_set_new(entry, "Config", json_string(cfg_name)) < 0 ||
	    (tag && json_array_append_new(tags, json_string(tag)) < 0))
		return ward_error_set(err, ENOMEM, "save");
	if ((r = set_add(&sv->written, &img->manifest->config.digest)) < 0)
		return ward_error_set(err, -r, "save");
	if (r > 0 && (r = put_blob(sv, cfg_name, &img->manifest->config, err)) < 0)
		return ward_error_wrap(err, "save '%s'", name);
	for (size_t i = 0; i < img->manifest->n_layers; i++) {
		const struct ward_digest *diff_id = &img->config->diff_ids[i];
		_cleanup_free_ char *lname =
			ward_strdup_printf("%s/layer.tar", ward_digest_hex(diff_id));
		if (!lname || json_array_append_new(layers, json_string(lname)) < 0)
			return ward_error_set(err, ENOMEM, "save");
		if ((r = set_add(&sv->written, diff_id)) < 0)
			return ward_error_set(err, -r, "save");
		if (r > 0 && (r = put_layer_uncompressed(sv, lname, &img->manifest->layers[i],
							 diff_id, err)) < 0)
			return ward_error_wrap(err, "save '%s'", name);
	}
	return 0;
}

static int
save_docker(struct saver *sv, char *const *names, struct ward_error **err)
{
	_cleanup_json_ json_t *manifest = json_array();
	_cleanup_free_ char *text = NULL;
	int r;

	if (!manifest)
		return ward_error_set(err, ENOMEM, "save");
	for (char *const *n = names; *n; n++)
		if ((r = save_docker_image(sv, *n, manifest, err)) < 0)
			return r;
	text = json_dumps(manifest, JSON_COMPACT);
	if (!text)
		return ward_error_set(err, ENOMEM, "save");
	/* Last, as docker writes it: the loader must not depend on order. */
	return put_buf(sv, "manifest.json", text, strlen(text), err);
}

static int
put_blob_once(struct saver *sv, const struct ward_descriptor *d, struct ward_error **err)
{
	char name[sizeof(BLOBS_PREFIX) + 64];
	int r = set_add(&sv->written, &d->digest);

	if (r < 0)
		return ward_error_set(err, -r, "save");
	if (r == 0)
		return 0;
	snprintf(name, sizeof(name), BLOBS_PREFIX "%s", ward_digest_hex(&d->digest));
	return put_blob(sv, name, d, err);
}

static int
save_oci_image(struct saver *sv, const char *name, json_t *manifests, struct ward_error **err)
{
	_cleanup_(ward_image_freep) struct ward_image *img = NULL;
	_cleanup_free_ char *raw = NULL;
	struct ward_descriptor md = {0};
	size_t len = 0;
	json_t *entry;
	int r;

	if ((r = ward_image_open(sv->s, name, NULL, &img, err)) < 0)
		return r;
	if ((r = ward_store_read_blob(sv->s, &img->manifest_digest, WARD_MANIFEST_MAX, &raw, &len,
				      err)) < 0)
		return ward_error_wrap(err, "save '%s'", name);
	snprintf(md.media_type, sizeof(md.media_type), "%s", img->manifest->media_type);
	md.digest = img->manifest_digest;
	md.size = (int64_t)len;
	if ((r = put_blob_once(sv, &img->manifest->config, err)) < 0)
		return ward_error_wrap(err, "save '%s'", name);
	for (size_t i = 0; i < img->manifest->n_layers; i++)
		if ((r = put_blob_once(sv, &img->manifest->layers[i], err)) < 0)
			return ward_error_wrap(err, "save '%s'", name);
	if ((r = put_blob_once(sv, &md, err)) < 0)
		return ward_error_wrap(err, "save '%s'", name);
	entry = json_pack("{s:s, s:s, s:I, s:{s:s}}", "mediaType", md.media_type, "digest",
			  md.digest.s, "size", (json_int_t)md.size, "annotations",
			  WARD_REF_NAME_ANNOTATION, name);
	if (entry && img->config->os && img->config->architecture)
		json_object_set_new(entry, "platform",
				    json_pack("{s:s, s:s}", "os", img->config->os, "architecture",
					      img->config->architecture));
	if (!entry || json_array_append_new(manifests, entry) < 0)
		return ward_error_set(err, ENOMEM, "save");
	return 0;
}

static int
save_oci(struct saver *sv, char *const *names, struct ward_error **err)
{
	static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
	_cleanup_json_ json_t *index = NULL;
	_cleanup_free_ char *text = NULL;
	json_t *manifests = json_array();
	int r;

	index = json_pack("{s:i, s:s, s:o}", "schemaVersion", 2, "mediaType", WARD_MT_OCI_INDEX,
			  "manifests", manifests);
	if (!index)
		return ward_error_set(err, ENOMEM, "save");
	if ((r = put_buf(sv, "oci-layout", layout, strlen(layout), err)) < 0 ||
	    (r = put_header(sv, "blobs/", 0, AE_IFDIR, err)) < 0 ||
	    (r = put_header(sv, BLOBS_PREFIX, 0, AE_IFDIR, err)) < 0)
		return r;
	for (char *const *n = names; *n; n++)
		if ((r = save_oci_image(sv, *n, manifests, err)) < 0)
			return r;
	text = json_dumps(index, JSON_COMPACT);
	if (!text)
		return ward_error_set(err, ENOMEM, "save");
	return put_buf(sv, "index.json", text, strlen(text), err);
}

int
ward_archive_save(struct ward_store *s, char *const *names, enum ward_archive_format fmt,
		  int out_fd, struct ward_error **err)
{
	_cleanup_(archive_writep) struct archive *a = NULL;
	_cleanup_free_ char *buf = malloc(CHUNK);
	struct saver sv = {.s = s};
	int r;

	if (!names || !names[0])
		return ward_error_setk(err, WARD_E_INVALID, EINVAL, "save: no image named");
	if (ward_dl_archive(err) < 0)
		return -ENOENT;
	if (!buf || !(a = archive_write_new()))
		return ward_error_set(err, ENOMEM, "save");
	if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_add_filter_none(a) != ARCHIVE_OK ||
	    archive_write_open_fd(a, out_fd) != ARCHIVE_OK)
		return archive_fail(a, WARD_E_SYSTEM, err, "save");
	sv.a = a;
	sv.buf = buf;
	r = fmt == WARD_ARCHIVE_OCI ? save_oci(&sv, names, err) : save_docker(&sv, names, err);
	set_free(&sv.written);
	if (r < 0)
		return r;
	if (archive_write_close(a) != ARCHIVE_OK)
		return archive_fail(a, WARD_E_SYSTEM, err, "save");
	return 0;
}

/* ==== load ================================================================== */

struct member {
	char *name;		    /* cleaned: "a/b", no "./", no "//" */
	struct ward_blob_writer *w; /* in ingest/, uncommitted */
	struct ward_digest digest;  /* of its data */
	uint64_t size;
	char *data; /* the whole content when small enough, NUL-terminated */
	unsigned char magic[4];
	bool used;
};

struct load_image {
	char *manifest; /* JSON we made (docker-archive); NULL: the manifest is a member */
	size_t manifest_len;
	struct ward_digest digest;
	char media_type[WARD_MEDIA_TYPE_MAX];
	char **tags;
};

struct loader {
	struct ward_store *s;
	struct member *m;
	size_t n, cap;
	size_t headers;
	uint64_t total; /* bytes declared by all members */
	uint64_t small_bytes;
	char *manifest_json, *index_json, *layout;
	size_t manifest_len, index_len, layout_len;
	char *links[WARD_ARCHIVE_MAX_BLOBS]; /* legacy layer symlinks, never followed */
	size_t n_links;
	struct load_image *images;
	size_t n_images;
	char *buf; /* CHUNK */
};

static void
loader_free(struct loader *l)
{
	for (size_t i = 0; i < l->n; i++) {
		ward_blob_abort(l->m[i].w); /* removes its ingest file */
		free(l->m[i].name);
		free(l->m[i].data);
	}
	free(l->m);
	for (size_t i = 0; i < l->n_images; i++) {
		free(l->images[i].manifest);
		ward_strv_free(l->images[i].tags);
	}
	free(l->images);
	for (size_t i = 0; i < l->n_links; i++)
		free(l->links[i]);
	free(l->manifest_json);
	free(l->index_json);
	free(l->layout);
	free(l->buf);
}

/* A member name fit for an error message: control bytes would let an
 * archive write escape sequences to the user's terminal. */
static const char *
shown(const char *raw, char *out, size_t size)
{
	size_t i = 0;

	for (; raw && raw[i] && i + 1 < size; i++)
		out[i] = (unsigned char)raw[i] < 0x20 || raw[i] == 0x7f ? '?' : raw[i];
	out[i] = '\0';
	return out;
}

/*
 * Clean a member name (or a name manifest.json refers to) lexically:
 * "./a//b/" -> "a/b". Absolute names and ".." are refused outright: ward
 * never extracts, but a name that climbs out of the archive is a sign of an
 * archive built to attack the tools that do, and docker refuses it too.
 * Returns 0, or -EINVAL with *why set.
 */
static int
clean_name(const char *raw, char *out, size_t size, const char **why)
{
	size_t o = 0;
	const char *p = raw;

	if (raw[0] == '/') {
		*why = "absolute path";
		return -EINVAL;
	}
	for (const char *c = raw; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f) {
			*why = "control character in the name";
			return -EINVAL;
		}
	while (*p) {
		const char *end = strchrnul(p, '/');
		size_t len = (size_t)(end - p);
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			*why = "'..' in the path";
			return -EINVAL;
		}
		if (len > 0 && !(len == 1 && p[0] == '.')) {
			if (o + len + 2 > size) {
				*why = "name too long";
				return -EINVAL;
			}
			if (o)
				out[o++] = '/';
			memcpy(out + o, p, len);
			o += len;
		}
		p = *end ? end + 1 : end;
	}
	out[o] = '\0';
	return 0;
}

static struct member *
find_member(struct loader *l, const char *clean)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->m[i].name, clean) == 0)
			return &l->m[i];
	return NULL;
}

static bool
hex64(const char *s)
{
	size_t i = 0;

	for (; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return i == 64;
}

/* manifest.json, index.json, oci-layout: read whole, at most max bytes. */
static int
read_special(struct archive *a, const char *name, int64_t size, size_t max, char **ret,
	     size_t *ret_len, struct ward_error **err)
{
	_cleanup_free_ char *buf = NULL;
	size_t done = 0;

	if (*ret)
		return ward_error_setk(err, WARD_E_INVALID, EINVAL,
				       "archive member '%s' appears twice", name);
	/* A manifest.json of gigabytes would be read into memory: refuse it by
	 * its header, before reading a byte. */
	if ((uint64_t)size > max)
		return ward_error_setk(err, WARD_E_DENIED, EFBIG,
				       "archive member '%s': %lld bytes, at most %zu", name,
				       (long long)size, max);
	buf = malloc((size_t)size + 1);
	if (!buf)
		return ward_error_set(err, ENOMEM, "archive member '%s'", name);
	while (done < (size_t)size) {
		la_ssize_t n = archive_read_data(a, buf + done, (size_t)size - done);
		if (n < 0)
			return archive_fail(a, WARD_E_INVALID, err, name);
		if (n == 0)
			break;
		done += (size_t)n;
	}
	if (done != (size_t)size)
		return ward_error_setk(err, WARD_E_INVALID, EIO,
				       "archive member '%s': truncated (%zu of %lld bytes)", name,
				       done, (long long)size);
	buf[done] = '\0';
	*ret = TAKE_PTR(buf);
	*ret_len = done;
	return 0;
}

static struct member *
new_member(struct loader *l, const char *name)
{
	struct member *m;

	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 32;
		struct member *nm = realloc(l->m, nc * sizeof(*nm));
		if (!nm)
			return NULL;
		l->m = nm;
		l->cap = nc;
	}
	m = &l->m[l->n];
	memset(m, 0, sizeof(*m));
	m->name = strdup(name);
	if (!m->name)
		return NULL;
	l->n++;
	return m;
}

/* Stream one regular member into an ingest blob writer, hashing it. */
static int
spool(struct loader *l, struct archive *a, const char *name, int64_t size, struct ward_error **err)
{
	_cleanup_(ward_hasher_freep) struct ward_hasher *h = ward_hasher_new();
	struct ward_digest expected;
	bool has_expected = false;
	struct member *m;
	uint64_t done = 0;
	int r;

	if (find_member(l, name))
		return ward_error_setk(err, WARD_E_INVALID, EINVAL,
				       "archive member '%s' appears twice", name);
	/* Every spooled member holds an open ingest file until the end. */
	if (l->n >= WARD_ARCHIVE_MAX_BLOBS)
		return ward_error_setk(err, WARD_E_DENIED, E2BIG,
				       "archive member '%s': more than %u files in one archive; "
				       "save fewer images per archive",
				       name, WARD_ARCHIVE_MAX_BLOBS);
	if (ward_str_has_prefix(name, BLOBS_PREFIX) && hex64(name + strlen(BLOBS_PREFIX))) {
		snprintf(expected.s, sizeof(expected.s), "sha256:%.64s",
			 name + strlen(BLOBS_PREFIX));
		has_expected = true;
	}
	if (!h || !(m = new_member(l, name)))
		return ward_error_set(err, ENOMEM, "archive member '%s'", name);
	if ((uint64_t)size <= WARD_MANIFEST_MAX &&
	    l->small_bytes + (uint64_t)size <= WARD_ARCHIVE_SMALL_BUDGET) {
		m->data = malloc((size_t)size + 1);
		if (!m->data)
			return ward_error_set(err, ENOMEM, "archive member '%s'", name);
		l->small_bytes += (uint64_t)size;
	}
	r = ward_store_blob_begin(l->s, has_expected ? &expected : NULL, size, WARD_BLOB_MAX, &m->w,
				  err);
	if (r < 0)
		return ward_error_wrap(err, "archive member '%s'", name);
	for (;;) {
		la_ssize_t n = archive_read_data(a, l->buf, CHUNK);
		if (n < 0)
			return archive_fail(a, WARD_E_INVALID, err, name);
		if (n == 0)
			break;
		if (done + (uint64_t)n > (uint64_t)size)
			return ward_error_setk(
				err, WARD_E_INVALID, EFBIG,
				"archive member '%s': more data than its header says", name);
		if (done < sizeof(m->magic))
			memcpy(m->magic + done, l->buf,
			       (size_t)n < sizeof(m->magic) - done ? (size_t)n
								   : sizeof(m->magic) - done);
		if (m->data)
			memcpy(m->data + done, l->buf, (size_t)n);
		if ((r = ward_blob_write(m->w, l->buf, (size_t)n, err)) < 0)
			return ward_error_wrap(err, "archive member '%s'", name);
		ward_hasher_update(h, l->buf, (size_t)n);
		done += (uint64_t)n;
	}
	if (done != (uint64_t)size)
		return ward_error_setk(err, WARD_E_INVALID, EIO,
				       "archive member '%s': truncated (%llu of %lld bytes)", name,
				       (unsigned long long)done, (long long)size);
	if (m->data)
		m->data[done] = '\0';
	m->size = done;
	ward_hasher_final(h, &m->digest);
	/* Content addressing: a blob that does not hash to its name is a
	 * substituted one. */
	if (has_expected && strcmp(m->digest.s, expected.s) != 0)
		return ward_error_setk(err, WARD_E_DENIED, EBADMSG,
				       "archive member '%s': digest mismatch (its content hashes "
				       "to %s)",
				       name, m->digest.s);
	return 0;
}

/* docker's per-layer "<id>/json" and "<id>/VERSION": legacy metadata that
 * manifest.json supersedes; skipped rather than spooled. */
static bool
legacy_member(const char *name)
{
	const char *slash = strchr(name, '/');

	return slash && !strchr(slash + 1, '/') &&
	       (strcmp(slash + 1, "json") == 0 || strcmp(slash + 1, "VERSION") == 0);
}

/* "<64 hex>/layer.tar": the only place docker-archive writers put links. */
static bool
legacy_layer_link(const char *name)
{
	char hex[65];

	if (strlen(name) != 64 + strlen("/layer.tar") || strcmp(name + 64, "/layer.tar") != 0)
		return false;
	memcpy(hex, name, 64);
	hex[64] = '\0';
	return hex64(hex);
}

static int
read_member(struct loader *l, struct archive *a, struct archive_entry *e, struct ward_error **err)
{
	const char *raw = archive_entry_pathname(e), *why = NULL;
	char name[WARD_ARCHIVE_NAME_MAX + 2], show[128];
	mode_t type = archive_entry_filetype(e);
	int64_t size = archive_entry_size(e);
	_cleanup_free_ char *ignored = NULL;
	size_t ignored_len = 0;

	if (!raw || !*raw)
		return ward_error_setk(err, WARD_E_INVALID, EINVAL,
				       "archive member #%zu has no name", l->headers);
	if (strlen(raw) > WARD_ARCHIVE_NAME_MAX)
		return ward_error_setk(err, WARD_E_DENIED, ENAMETOOLONG,
				       "archive member '%s...': name longer than %u bytes",
				       shown(raw, show, 64), WARD_ARCHIVE_NAME_MAX);
	if (clean_name(raw, name, sizeof(name), &why) < 0)
		return ward_error_setk(err, WARD_E_DENIED, EINVAL,
				       "archive member '%s': %s refused",
				       shown(raw, show, sizeof(show)), why);
	/* Links are how archives attack extractors (a symlink, then a file
	 * written through it); an image archive needs none. */
	if (archive_entry_hardlink(e))
		return ward_error_setk(err, WARD_E_DENIED, EINVAL,
				       "archive member '%s': hard links are refused in image "
				       "archives",
				       name);
	if (type == AE_IFLNK) {
		/* docker and skopeo add <id>/layer.tar as a symlink to the
		 * real layer for old readers. It is never followed (nothing is
		 * extracted, and manifest.json naming it is refused); any other
		 * symlink is refused. */
		if (legacy_layer_link(name) && l->n_links < WARD_ARCHIVE_MAX_BLOBS) {
			char *c = strdup(name);
			if (!c)
				return ward_error_set(err, ENOMEM, "archive member '%s'", name);
			l->links[l->n_links++] = c;
			return 0;
		}
		return ward_error_setk(
			err, WARD_E_DENIED, EINVAL,
			"archive member '%s': symlinks are refused in image archives", name);
	}
	if (type == AE_IFDIR)
		return 0;
	if (type != AE_IFREG)
		return ward_error_setk(err, WARD_E_DENIED, EINVAL,
				       "archive member '%s': not a regular file or directory",
				       name);
	if (!*name)
		return ward_error_setk(err, WARD_E_INVALID, EINVAL,
				       "archive member '%s': a file without a name",
				       shown(raw, show, sizeof(show)));
	if (!archive_entry_size_is_set(e) || size < 0)
		return ward_error_setk(err, WARD_E_INVALID, EINVAL, "archive member '%s': no size",
				       name);
	/* A sparse member expands to its declared size from a few bytes:
	 * gigabytes of zeros into ingest/. Image archives have none. */
	if (archive_entry_sparse_count(e) > 0)
		return ward_error_setk(err, WARD_E_DENIED, EINVAL,
				       "archive member '%s': sparse files are refused in image "
				       "archives",
				       name);
	/* All members together, as one layer may be: a small gzip'd archive
	 * must not fill the disk. */
	if (__builtin_add_overflow(l->total, (uint64_t)size, &l->total) ||
	    l->total > WARD_ARCHIVE_MAX_BYTES)
		return ward_error_setk(
			err, WARD_E_DENIED, EFBIG,
			"archive member '%s': the archive holds more than %llu bytes", name,
			(unsigned long long)WARD_ARCHIVE_MAX_BYTES);
	if (strcmp(name, "manifest.json") == 0)
		return read_special(a, name, size, WARD_MANIFEST_MAX, &l->manifest_json,
				    &l->manifest_len, err);
	if (strcmp(name, "index.json") == 0)
		return read_special(a, name, size, WARD_MANIFEST_MAX, &l->index_json, &l->index_len,
				    err);
	if (strcmp(name, "oci-layout") == 0)
		return read_special(a, name, size, OCI_LAYOUT_MAX, &l->layout, &l->layout_len, err);
	if (strcmp(name, "repositories") == 0 || legacy_member(name))
		return read_special(a, name, size, LEGACY_MAX, &ignored, &ignored_len, err);
	return spool(l, a, name, size, err);
}

static int
read_archive(struct loader *l, int fd, struct ward_error **err)
{
	_cleanup_(archive_readp) struct archive *a = NULL;
	char last[WARD_ARCHIVE_NAME_MAX + 2] = "";
	int r;

	if (ward_dl_archive(err) < 0)
		return -ENOENT;
	a = archive_read_new();
	if (!a)
		return ward_error_set(err, ENOMEM, "load");
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_fd(a, fd, CHUNK) != ARCHIVE_OK)
		return archive_fail(a, WARD_E_INVALID, err, "archive");
	for (;;) {
		struct archive_entry *e;
		r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			char what[WARD_ARCHIVE_NAME_MAX + 64];
			snprintf(what, sizeof(what), "archive%s%s%s",
				 *last ? " (after member '" : "", last, *last ? "')" : "");
			return archive_fail(a, WARD_E_INVALID, err, what);
		}
		if (++l->headers > WARD_ARCHIVE_MAX_MEMBERS)
			return ward_error_setk(err, WARD_E_DENIED, E2BIG,
					       "archive: more than %u members",
					       WARD_ARCHIVE_MAX_MEMBERS);
		if ((r = read_member(l, a, e, err)) < 0)
			return r;
		shown(archive_entry_pathname(e), last, sizeof(last));
	}
	if (l->headers == 0)
		return ward_error_setk(err, WARD_E_INVALID, EINVAL, "archive: empty");
	return 0;
}

/* ---- load: docker-archive ---------------------------------------------------- */

/* A JSON value's type for an error message; an absent key is NULL. */
static const char *
json_kind(const json_t *j)
{
	return j ? ward_json_type_name(j) : "nothing";
}

static int
ref_member(struct loader *l, json_t *v, const char *where, struct member **ret,
	   struct ward_error **err)
{
	char name[WARD_ARCHIVE_NAME_MAX + 2], show[128];
	const char *why = NULL;

	if (!json_is_string(v))
		return ward_error_setk(err, WARD_E_INVALID, EINVAL, "%s: expected a string, got %s",
				       where, json_kind(v));
	if (strlen(json_string_value(v)) > WARD_ARCHIVE_NAME_MAX ||
	    clean_name(json_string_value(v), name, sizeof(name), &why) < 0)
		return ward_error_setk(err, WARD_E_DENIED, EINVAL, "%s: '%s': %s refused", where,
				       shown(json_string_value(v), show, sizeof(show)),
				       why ? why : "name too long");
	*ret = find_member(l, name);
	for (size_t i = 0; !*ret && i < l->n_links; i++)
		if (strcmp(l->links[i], name) == 0)
			return ward_error_setk(err, WARD_E_DENIED, EINVAL,
					       "%s: member '%s' is a symlink; ward never follows "
					       "links in an archive",
					       where, name);
	if (!*ret)
		return ward_error_setk(err, WARD_E_INVALID, ENOENT,
				       "%s: member '%s' is not in the archive (truncated?)", where,
				       name);
	return 0;
}

static int
add_tag(char ***tags, size_t *n, const char *tag, const char *where, struct ward_error **err)
{
	char **nv;

	if (!image_ref_name_valid(tag))
		return ward_error_setk(err, WARD_E_INVALID, EINVAL,
				       "%s: '%.*s' is not a valid image name", where, 100, tag);
	nv = realloc(*tags, (*n + 2) * sizeof(*nv));
	if (!nv)
		return ward_error_set(err, ENOMEM, "%s", where);
	*tags = nv;
	nv[*n] = strdup(tag);
	if (!nv[*n])
		return ward_error_set(err, ENOMEM, "%s", where);
	nv[++*n] = NULL;
	return 0;
}

static int
docker_tags(json_t *entry, const char *where, struct load_image *img, struct ward_error **err)
{
	json_t *tags = json_object_get(entry, "RepoTags");
	char w[128];
	size_t n = 0;
	int r;

	if (tags && !json_is_null(tags) && !json_is_array(tags))
		return ward_error_setk(err, WARD_E_INVALID, EINVAL,
				       "%s.RepoTags: expected an array, got %s", where,
				       json_kind(tags));
	if (json_array_size(tags) > WARD_ARCHIVE_MAX_TAGS)
		return ward_error_setk(err, WARD_E_DENIED, E2BIG,
				       "%s.RepoTags: %zu names, at most %u", where,
				       json_array_size(tags), WARD_ARCHIVE_MAX_TAGS);
	for (size_t i = 0; i < json_array_size(tags); i++) {
		json_t *t = json_array_get(tags, i);
		snprintf(w, sizeof(w), "%s.RepoTags[%zu]", where, i);
		if (!json_is_string(t))
			return ward_error_setk(err, WARD_E_INVALID, EINVAL,
					       "%s: expected a string, got %s", w, json_kind(t));
		if ((r = add_tag(&img->tags, &n, json_string_value(t), w, err)) < 0)
			return r;
	}
	return 0;
}

static int
docker_layer(struct loader *l, json_t *v, const char *where, const struct ward_digest *diff_id,
	     json_t *layers, struct ward_error **err)
{
	struct member *m = NULL;
	int r;

	if ((r = ref_member(l, v, where, &m, err)) < 0)
		return r;
	if (is_gzip(m->magic) || is_zstd(m->magic))
		return ward_error_setk(err, WARD_E_UNSUPPORTED, ENOTSUP,
				       "%s: member '%s' is compressed; ward loads docker-archive "
				       "layers as plain tar (as docker save writes them)",
				       where, m->name);
	/* A docker-archive layer is the uncompressed tar, so its digest is its
	 * diff id: anything else is not the layer the config describes. */
	if (strcmp(m->digest.s, diff_id->s) != 0)
		return ward_error_setk(err, WARD_E_DENIED, EBADMSG,
				       "%s: member '%s' hashes to %s, but the config's "
				       "rootfs.diff_ids says %s",
				       where, m->name, m->digest.s, diff_id->s);
	m->used = true;
	if (json_array_append_new(layers,
				  json_pack("{s:s, s:s, s:I}", "mediaType", MT_LAYER_TAR, "digest",
					    m->digest.s, "size", (json_int_t)m->size)) < 0)
		return ward_error_set(err, ENOMEM, "%s", where);
	return 0;
}

static int
docker_image(struct loader *l, json_t *entry, const char *where, struct load_image *img,
	     struct ward_error **err)
{
	_cleanup_(ward_image_config_freep) struct ward_image_config *c = NULL;
	_cleanup_json_ json_t *manifest = NULL;
	json_t *layers_in, *layers = json_array();
	struct member *cfg = NULL;
	char w[160];
	int r;

	manifest = json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:o}", "schemaVersion", 2, "mediaType",
			     WARD_MT_OCI_MANIFEST, "config", "mediaType", WARD_MT_OCI_CONFIG,
			     "digest", "", "size", (json_int_t)0, "layers", layers);
	if (!manifest)
		return ward_error_set(err, ENOMEM, "%s", where);
	if (!json_is_object(entry))
		return ward_error_setk(err, WARD_E_INVALID, EINVAL,
				       "%s: expected an object, got %s", where, json_kind(entry));
	snprintf(w, sizeof(w), "%s.Config", where);
	if ((r = ref_member(l, json_object_get(entry, "Config"), w, &cfg, err)) < 0)
		return r;
	if (!cfg->data || cfg->size > WARD_MANIFEST_MAX)
		return ward_error_setk(err, WARD_E_DENIED, EFBIG,
				       "%s: member '%s' is %llu bytes, too large for a config", w,
				       cfg->name, (unsigned long long)cfg->size);
	if ((r = ward_image_config_parse(cfg->data, cfg->size, &c, err)) < 0)
		return ward_error_wrap(err, "%s: member '%s'", w, cfg->name);
	cfg->used = true;
	json_object_set_new(json_object_get(manifest, "config"), "digest",
			    json_string(cfg->digest.s));
	json_object_set_new(json_object_get(manifest, "config"), "size",
			    json_integer((json_int_t)cfg->size));
	layers_in = json_object_get(entry, "Layers");
	if (!json_is_array(layers_in))
		return ward_error_setk(err, WARD_E_INVALID, EINVAL,
				       "%s.Layers: expected an array, got %s", where,
				       json_kind(layers_in));
	if (json_array_size(layers_in) != c->n_diff_ids)
		return ward_error_setk(err, WARD_E_INVALID, EINVAL,
				       "%s.Layers: %zu layers, but the config has %zu diff ids",
				       where, json_array_size(layers_in), c->n_diff_ids);
	for (size_t i = 0; i < c->n_diff_ids; i++) {
		snprintf(w, sizeof(w), "%s.Layers[%zu]", where, i);
		if ((r = docker_layer(l, json_array_get(layers_in, i), w, &c->diff_ids[i], layers,
				      err)) < 0)
			return r;
	}
	if ((r = docker_tags(entry, where, img, err)) < 0)
		return r;
	img->manifest = json_dumps(manifest, JSON_COMPACT | JSON_SORT_KEYS);
	if (!img->manifest)
		return ward_error_set(err, ENOMEM, "%s", where);
	img->manifest_len = strlen(img->manifest);
	ward_digest_of(img->manifest, img->manifest_len, &img->digest);
	snprintf(img->media_type, sizeof(img->media_type), "%s", WARD_MT_OCI_MANIFEST);
	return 0;
}

static int
plan_docker(struct loader *l, struct ward_error **err)
{
	_cleanup_json_ json_t *j = NULL;
	char where[64];
	int r;

	if ((r = ward_json_parse(l->manifest_json, l->manifest_len, "manifest.json", &j, err)) < 0)
		return r;
	if (!json_is_array(j) || json_array_size(j) == 0)
		return ward_error_setk(err, WARD_E_INVALID, EINVAL,
				       "manifest.json: expected a non-empty array, got %s",
				       json_kind(j));
	if (json_array_size(j) > WARD_ARCHIVE_MAX_IMAGES)
		return ward_error_setk(err, WARD_E_DENIED, E2BIG,
				       "manifest.json: %zu images, at most %u in one archive",
				       json_array_size(j), WARD_ARCHIVE_MAX_IMAGES);
	l->images = calloc(json_array_size(j), sizeof(*l->images));
	if (!l->images)
		return ward_error_set(err, ENOMEM, "manifest.json");
	for (size_t i = 0; i < json_array_size(j); i++) {
		snprintf(where, sizeof(where), "manifest.json[%zu]", i);
		l->n_images = i + 1;
		if ((r = docker_image(l, json_array_get(j, i), where, &l->images[i], err)) < 0)
			return r;
	}
	return 0;
}

/* ---- load: oci-archive --------------------------------------------------------- */

/* The member holding blob d (NULL when the store already has it). */
static int
oci_blob(struct loader *l, const struct ward_descriptor *d, const char *where, struct member **ret,
	 struct ward_error **err)
{
	char name[sizeof(BLOBS_PREFIX) + 64];
	struct member *m;

	snprintf(name, sizeof(name), BLOBS_PREFIX "%s", ward_digest_hex(&d->digest));
	m = find_member(l, name);
	*ret = m;
	if (!m) {
		if (ward_store_has_blob(l->s, &d->digest))
			return 0;
		return ward_error_setk(err, WARD_E_INVALID, ENOENT,
				       "%s: blob %s is missing from the archive (member '%s')",
				       where, d->digest.s, name);
	}
	if (d->size >= 0 && (uint64_t)d->size != m->size)
		return ward_error_setk(err, WARD_E_DENIED, EBADMSG,
				       "%s: member '%s' is %llu bytes, the descriptor says %lld",
				       where, name, (unsigned long long)m->size,
				       (long long)d->size);
	m->used = true;
	return 0;
}

/* The content of a small blob: the member's copy, or the store's. */
static int
oci_json(struct loader *l, const struct ward_descriptor *d, const char *where, char **ret,
	 size_t *ret_len, struct ward_error **err)
{
	struct member *m = NULL;
	int r;

	if ((r = oci_blob(l, d, where, &m, err)) < 0)
		return r;
	if (!m)
		return ward_store_read_blob(l->s, &d->digest, WARD_MANIFEST_MAX, ret, ret_len, err);
	if (!m->data)
		return ward_error_setk(err, WARD_E_DENIED, EFBIG,
				       "%s: member '%s' is %llu bytes, too large for a manifest or "
				       "config",
				       where, m->name, (unsigned long long)m->size);
	*ret = malloc(m->size + 1);
	if (!*ret)
		return ward_error_set(err, ENOMEM, "%s", where);
	memcpy(*ret, m->data, m->size + 1);
	*ret_len = m->size;
	return 0;
}

static int
oci_manifest(struct loader *l, const struct ward_descriptor *d, const char *where,
	     struct ward_error **err)
{
	_cleanup_(ward_manifest_freep) struct ward_manifest *man = NULL;
	_cleanup_(ward_image_config_freep) struct ward_image_config *c = NULL;
	_cleanup_free_ char *buf = NULL, *cbuf = NULL;
	size_t len = 0, clen = 0;
	struct member *m;
	char w[200];
	int r;

	if ((r = oci_json(l, d, where, &buf, &len, err)) < 0 ||
	    (r = ward_manifest_parse(buf, len, d->media_type, &man, err)) < 0)
		return ward_error_wrap(err, "%s", where);
	snprintf(w, sizeof(w), "%s -> config", where);
	if ((r = oci_json(l, &man->config, w, &cbuf, &clen, err)) < 0 ||
	    (r = ward_image_config_parse(cbuf, clen, &c, err)) < 0)
		return ward_error_wrap(err, "%s", w);
	if (c->n_diff_ids != man->n_layers)
		return ward_error_setk(err, WARD_E_INVALID, EINVAL,
				       "%s: %zu layers but the config has %zu diff ids", where,
				       man->n_layers, c->n_diff_ids);
	for (size_t i = 0; i < man->n_layers; i++) {
		snprintf(w, sizeof(w), "%s -> layers[%zu]", where, i);
		if ((r = oci_blob(l, &man->layers[i], w, &m, err)) < 0)
			return r;
	}
	return 0;
}

static int
oci_index_entry(struct loader *l, const struct ward_descriptor *d, const char *where,
		struct ward_error **err)
{
	_cleanup_(ward_index_freep) struct ward_index *idx = NULL;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	char w[200];
	int r;

	if (ward_media_type_is_manifest(d->media_type))
		return oci_manifest(l, d, where, err);
	if (!ward_media_type_is_index(d->media_type))
		return ward_error_setk(err, WARD_E_UNSUPPORTED, ENOTSUP,
				       "%s: media type '%.*s' is not an image", where, 100,
				       d->media_type);
	if ((r = oci_json(l, d, where, &buf, &len, err)) < 0 ||
	    (r = ward_index_parse(buf, len, d->media_type, &idx, err)) < 0)
		return ward_error_wrap(err, "%s", where);
	if (idx->n_manifests > WARD_ARCHIVE_MAX_IMAGES)
		return ward_error_setk(err, WARD_E_DENIED, E2BIG, "%s: %zu manifests, at most %u",
				       where, idx->n_manifests, WARD_ARCHIVE_MAX_IMAGES);
	/* One level: an index of indexes has no use in an archive and would
	 * make resolution recursive. */
	for (size_t i = 0; i < idx->n_manifests; i++) {
		snprintf(w, sizeof(w), "%s -> manifests[%zu]", where, i);
		if (!ward_media_type_is_manifest(idx->manifests[i].desc.media_type))
			return ward_error_setk(err, WARD_E_UNSUPPORTED, ENOTSUP,
					       "%s: media type '%.*s' is not an image manifest", w,
					       100, idx->manifests[i].desc.media_type);
		if ((r = oci_manifest(l, &idx->manifests[i].desc, w, err)) < 0)
			return r;
	}
	return 0;
}

static int
check_oci_layout(struct loader *l, struct ward_error **err)
{
	_cleanup_json_ json_t *j = NULL;
	const char *version = NULL;
	int r;

	if (!l->layout)
		return ward_error_setk(err, WARD_E_INVALID, EINVAL,
				       "archive: index.json without an oci-layout member; not an "
				       "oci-archive");
	if ((r = ward_json_parse(l->layout, l->layout_len, "oci-layout", &j, err)) < 0)
		return r;
	if (!json_is_object(j) ||
	    (r = ward_json_get_string(j, "oci-layout", "imageLayoutVersion", &version, err)) <= 0)
		return r < 0 ? r
			     : ward_error_setk(err, WARD_E_INVALID, EINVAL,
					       "oci-layout.imageLayoutVersion: required");
	if (!ward_str_has_prefix(version, "1."))
		return ward_error_setk(err, WARD_E_UNSUPPORTED, ENOTSUP,
				       "oci-layout.imageLayoutVersion: '%.*s' is not supported", 32,
				       version);
	return 0;
}

static int
plan_oci(struct loader *l, struct ward_error **err)
{
	_cleanup_(ward_index_freep) struct ward_index *idx = NULL;
	char where[64];
	int r;

	if ((r = check_oci_layout(l, err)) < 0 ||
	    (r = ward_index_parse(l->index_json, l->index_len, WARD_MT_OCI_INDEX, &idx, err)) < 0)
		return r;
	if (idx->n_manifests == 0)
		return ward_error_setk(err, WARD_E_INVALID, EINVAL, "index.json: no images");
	if (idx->n_manifests > WARD_ARCHIVE_MAX_IMAGES)
		return ward_error_setk(err, WARD_E_DENIED, E2BIG,
				       "index.json: %zu images, at most %u in one archive",
				       idx->n_manifests, WARD_ARCHIVE_MAX_IMAGES);
	l->images = calloc(idx->n_manifests, sizeof(*l->images));
	if (!l->images)
		return ward_error_set(err, ENOMEM, "index.json");
	for (size_t i = 0; i < idx->n_manifests; i++) {
		const struct ward_index_entry *e = &idx->manifests[i];
		struct load_image *img = &l->images[i];
		size_t n = 0;

		snprintf(where, sizeof(where), "index.json.manifests[%zu]", i);
		l->n_images = i + 1;
		if ((r = oci_index_entry(l, &e->desc, where, err)) < 0)
			return r;
		img->digest = e->desc.digest;
		snprintf(img->media_type, sizeof(img->media_type), "%s", e->desc.media_type);
		if (e->ref_name && (r = add_tag(&img->tags, &n, e->ref_name, where, err)) < 0)
			return r;
	}
	return 0;
}

/* ---- load: commit --------------------------------------------------------------- */

static int
commit_all(struct loader *l, char ***ret_names, struct ward_error **err)
{
	_cleanup_strv_ char **names = NULL;
	size_t n = 0;
	int r;

	for (size_t i = 0; i < l->n; i++) {
		struct member *m = &l->m[i];
		struct ward_blob_writer *w = TAKE_PTR(m->w);
		if (!m->used || ward_store_has_blob(l->s, &m->digest)) {
			ward_blob_abort(w); /* unreferenced, or stored already */
			continue;
		}
		if ((r = ward_blob_commit(w, NULL, err)) < 0)
			return ward_error_wrap(err, "archive member '%s'", m->name);
	}
	for (size_t i = 0; i < l->n_images; i++) {
		struct load_image *img = &l->images[i];
		struct ward_digest got;
		if (img->manifest && (r = ward_store_put_blob(l->s, img->manifest,
							      img->manifest_len, &got, err)) < 0)
			return ward_error_wrap(err, "load: manifest");
		if (!img->tags) {
			/* Nothing names it: the digest does, so it is not garbage. */
			size_t k = 0;
			if ((r = add_tag(&img->tags, &k, img->digest.s, "load", err)) < 0)
				return r;
		}
	}
	for (size_t i = 0; i < l->n_images; i++)
		for (char **t = l->images[i].tags; *t; t++) {
			char **nv;
			if ((r = ward_store_tag(l->s, *t, l->images[i].media_type,
						&l->images[i].digest, err)) < 0)
				return ward_error_wrap(err, "load");
			nv = realloc(names, (n + 2) * sizeof(*nv));
			if (!nv)
				return ward_error_set(err, ENOMEM, "load");
			names = nv;
			names[n] = strdup(*t);
			names[n + 1] = NULL;
			if (!names[n])
				return ward_error_set(err, ENOMEM, "load");
			n++;
		}
	*ret_names = TAKE_PTR(names);
	return (int)n;
}

int
ward_archive_load(struct ward_store *s, int in_fd, char ***ret_names, struct ward_error **err)
{
	struct loader l = {.s = s, .buf = malloc(CHUNK)};
	int r;

	if (!l.buf)
		return ward_error_set(err, ENOMEM, "load");
	r = read_archive(&l, in_fd, err);
	if (r >= 0) {
		if (l.manifest_json)
			r = plan_docker(&l, err);
		else if (l.index_json)
			r = plan_oci(&l, err);
		else
			r = ward_error_setk(
				err, WARD_E_INVALID, EINVAL,
				"archive has neither manifest.json (docker-archive) nor "
				"index.json (oci-archive)");
	}
	if (r >= 0)
		r = commit_all(&l, ret_names, err);
	loader_free(&l);
	return r < 0 ? ward_error_wrap(err, "load") : r;
}

/* ==== disk use and prune ========================================================= */

static int
du_dir(int dfd, dev_t dev, unsigned depth, uint64_t *acc, struct ward_error **err)
{
	struct dirent *de;
	DIR *d;
	int fd, r = 0;

	if (depth > DU_MAX_DEPTH)
		return ward_error_setk(err, WARD_E_DENIED, ELOOP, "disk use: deeper than %u levels",
				       DU_MAX_DEPTH);
	fd = dup(dfd);
	if (fd < 0)
		return ward_error_set(err, errno, "disk use");
	d = fdopendir(fd);
	if (!d) {
		(void)close(fd);
		return ward_error_set(err, errno, "disk use");
	}
	while (r >= 0 && (de = readdir(d))) {
		struct stat st;
		int sub;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue; /* removed meanwhile */
		*acc += (uint64_t)st.st_blocks * 512u;
		/* Another filesystem mounted inside (a container's rootfs
		 * overlay) is not this tree's disk use. */
		if (!S_ISDIR(st.st_mode) || st.st_dev != dev)
			continue;
		sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			continue;
		r = du_dir(sub, dev, depth + 1, acc, err);
		(void)close(sub);
	}
	closedir(d);
	return r;
}

int
ward_dir_usage(int dirfd, const char *name, uint64_t *ret, struct ward_error **err)
{
	_cleanup_close_ int fd = -1;
	uint64_t acc = 0;
	struct stat st;
	int r;

	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT) {
			*ret = 0;
			return 0;
		}
		return ward_error_set(err, errno, "disk use of '%s'", name);
	}
	if (fstat(fd, &st) < 0)
		return ward_error_set(err, errno, "disk use of '%s'", name);
	acc = (uint64_t)st.st_blocks * 512u;
	if ((r = du_dir(fd, st.st_dev, 0, &acc, err)) < 0)
		return ward_error_wrap(err, "'%s'", name);
	*ret = acc;
	return 0;
}

/* What a set of roots keeps: the blobs reachable from them (present in the
 * store) and the diff ids of the manifests reached. */
struct reach {
	struct ward_store *s;
	struct digest_set blobs, diff_ids;
	uint64_t bytes;
	size_t visited;
};

static void
reach_free(struct reach *r)
{
	set_free(&r->blobs);
	set_free(&r->diff_ids);
}

/* 1 when newly reached, 0 when reached before, 2 when not in the store. */
static int
reach_blob(struct reach *r, const struct ward_digest *d, struct ward_error **err)
{
	char path[sizeof(BLOBS_PREFIX) + 64];
	struct stat st;
	int a;

	if (++r->visited > REACH_MAX_NODES)
		return ward_error_setk(err, WARD_E_DENIED, E2BIG, "more than %u references",
				       REACH_MAX_NODES);
	if (set_has(&r->blobs, d))
		return 0;
	if (!ward_store_has_blob(r->s, d))
		return 2;
	snprintf(path, sizeof(path), BLOBS_PREFIX "%s", ward_digest_hex(d));
	if (fstatat(ward_store_fd(r->s), path, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 2;
	if ((a = set_add(&r->blobs, d)) < 0)
		return ward_error_set(err, -a, "reach");
	r->bytes += (uint64_t)st.st_size;
	return 1;
}

/* What a digest with no descriptor (a container's image) is. */
static const char *
sniff_type(const char *buf, size_t len)
{
	_cleanup_json_ json_t *j = NULL;
	const char *mt;

	if (ward_json_parse(buf, len, "blob", &j, NULL) < 0 || !json_is_object(j))
		return NULL;
	mt = json_string_value(json_object_get(j, "mediaType"));
	if (ward_media_type_is_index(mt) || ward_media_type_is_manifest(mt))
		return ward_media_type_is_index(mt) ? WARD_MT_OCI_INDEX : WARD_MT_OCI_MANIFEST;
	if (json_is_array(json_object_get(j, "manifests")))
		return WARD_MT_OCI_INDEX;
	if (json_is_object(json_object_get(j, "config")))
		return WARD_MT_OCI_MANIFEST;
	return NULL;
}

static int
reach_manifest(struct reach *r, const char *buf, size_t len, const char *mt, const char *what,
	       struct ward_error **err)
{
	_cleanup_(ward_manifest_freep) struct ward_manifest *m = NULL;
	_cleanup_(ward_image_config_freep) struct ward_image_config *c = NULL;
	_cleanup_free_ char *cbuf = NULL;
	size_t clen = 0;
	int a;

	if ((a = ward_manifest_parse(buf, len, mt, &m, err)) < 0 ||
	    (a = reach_blob(r, &m->config.digest, err)) < 0)
		return ward_error_wrap(err, "%s", what);
	/* Without its config an image's layers are unknown: keeping or
	 * removing any layer would be a guess. */
	if ((a = ward_store_read_blob(r->s, &m->config.digest, WARD_MANIFEST_MAX, &cbuf, &clen,
				      err)) < 0 ||
	    (a = ward_image_config_parse(cbuf, clen, &c, err)) < 0)
		return ward_error_wrap(err, "%s: config", what);
	for (size_t i = 0; i < c->n_diff_ids; i++)
		if ((a = set_add(&r->diff_ids, &c->diff_ids[i])) < 0)
			return ward_error_set(err, -a, "%s", what);
	for (size_t i = 0; i < m->n_layers; i++)
		if ((a = reach_blob(r, &m->layers[i].digest, err)) < 0)
			return ward_error_wrap(err, "%s", what);
	return 0;
}

/* Reach a tag's or container's image. A missing root is an error: its
 * layers are unknown. Missing index children are not: a pull stores only
 * the platform it picked. */
static int
reach_root(struct reach *r, const struct ward_digest *d, const char *mt, const char *what,
	   struct ward_error **err)
{
	_cleanup_(ward_index_freep) struct ward_index *idx = NULL;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int a;

	a = reach_blob(r, d, err);
	if (a < 0)
		return a;
	if (a == 0)
		return 0;
	if (a == 2)
		return ward_error_setk(err, WARD_E_NOTFOUND, ENOENT,
				       "%s: manifest %s is not in the store, so its layers are "
				       "unknown",
				       what, d->s);
	if ((a = ward_store_read_blob(r->s, d, WARD_MANIFEST_MAX, &buf, &len, err)) < 0)
		return ward_error_wrap(err, "%s", what);
	if (!mt || !*mt)
		mt = sniff_type(buf, len);
	if (!mt)
		return ward_error_setk(err, WARD_E_INVALID, EINVAL,
				       "%s: %s is neither a manifest nor an index", what, d->s);
	if (!ward_media_type_is_index(mt))
		return reach_manifest(r, buf, len, mt, what, err);
	if ((a = ward_index_parse(buf, len, mt, &idx, err)) < 0)
		return ward_error_wrap(err, "%s", what);
	for (size_t i = 0; i < idx->n_manifests; i++) {
		const struct ward_descriptor *c = &idx->manifests[i].desc;
		_cleanup_free_ char *cb = NULL;
		size_t cl = 0;
		if (!ward_media_type_is_manifest(c->media_type))
			continue; /* nested indexes: ward never pulls those */
		if ((a = reach_blob(r, &c->digest, err)) < 0)
			return a;
		if (a != 1)
			continue;
		if ((a = ward_store_read_blob(r->s, &c->digest, WARD_MANIFEST_MAX, &cb, &cl, err)) <
			    0 ||
		    (a = reach_manifest(r, cb, cl, c->media_type, what, err)) < 0)
			return ward_error_wrap(err, "%s", what);
	}
	return 0;
}

struct plan {
	struct reach keep;   /* what stays */
	struct reach active; /* what containers use */
	struct digest_set in_use, images;
	char **untag;
	size_t n_untag;
	struct digest_set mounted; /* diff ids of layers in a mounted overlay */
};

static void
plan_free(struct plan *p)
{
	reach_free(&p->keep);
	reach_free(&p->active);
	set_free(&p->in_use);
	set_free(&p->images);
	set_free(&p->mounted);
	ward_strv_free(p->untag);
}

/* Used by a container: the tag's digest, or a manifest of its index. */
static bool
tag_in_use(struct ward_store *s, const struct ward_descriptor *d, const struct digest_set *in_use)
{
	_cleanup_(ward_index_freep) struct ward_index *idx = NULL;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;

	if (set_has(in_use, &d->digest))
		return true;
	if (!ward_media_type_is_index(d->media_type) ||
	    ward_store_read_blob(s, &d->digest, WARD_MANIFEST_MAX, &buf, &len, NULL) < 0 ||
	    ward_index_parse(buf, len, d->media_type, &idx, NULL) < 0)
		return false;
	for (size_t i = 0; i < idx->n_manifests; i++)
		if (set_has(in_use, &idx->manifests[i].desc.digest))
			return true;
	return false;
}

/*
 * Layers some overlay on this host is mounted from, whoever mounted it (a
 * `ward run` that has no container record yet): any 64-hex name after
 * "/layers/" in /proc/self/mountinfo. Keeping a few too many (another
 * root's layers with the same diff id) is harmless; removing a mounted one
 * is not.
 */
static int
mounted_layers(struct digest_set *set, struct ward_error **err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r;

	r = ward_fs_read_all(AT_FDCWD, "/proc/self/mountinfo", 64u << 20, &buf, &len, err);
	if (r < 0)
		return ward_error_wrap(err, "mounted layers");
	for (char *p = buf; (p = strstr(p, "/layers/")); p++) {
		size_t off = (size_t)(p - buf) + 8;
		struct ward_digest d;
		char hex[65];
		if (off + 64 > len)
			break;
		memcpy(hex, buf + off, 64);
		hex[64] = '\0';
		if (!hex64(hex))
			continue;
		snprintf(d.s, sizeof(d.s), "sha256:%s", hex);
		if (set_add(set, &d) < 0)
			return ward_error_set(err, ENOMEM, "mounted layers");
	}
	return 0;
}

static int
make_plan(struct ward_store *s, char *const *in_use, bool all, struct plan *p,
	  struct ward_error **err)
{
	_cleanup_strv_ char **names = NULL;
	char what[WARD_STORE_NAME_MAX + 64];
	int r;

	p->keep.s = p->active.s = s;
	for (char *const *u = in_use; u && *u; u++) {
		struct ward_digest d;
		if ((r = ward_digest_parse(*u, &d, err)) < 0)
			return ward_error_wrap(err, "container image");
		if (set_add(&p->in_use, &d) < 0 || set_add(&p->images, &d) < 0)
			return ward_error_set(err, ENOMEM, "prune");
		snprintf(what, sizeof(what), "image %s (used by a container)", d.s);
		if ((r = reach_root(&p->keep, &d, NULL, what, err)) < 0 ||
		    (r = reach_root(&p->active, &d, NULL, what, err)) < 0)
			return r;
	}
	if ((r = ward_store_list(s, &names, err)) < 0)
		return r;
	for (char **n = names; *n; n++) {
		_cleanup_(ward_image_freep) struct ward_image *img = NULL;
		struct ward_descriptor d;
		if (ward_store_resolve(s, *n, &d, NULL) < 0)
			continue; /* untagged meanwhile */
		/* An image is its manifest; an index tag counts as the manifest
		 * this host runs. */
		if (ward_image_open(s, *n, NULL, &img, NULL) == 0)
			r = set_add(&p->images, &img->manifest_digest);
		else
			r = set_add(&p->images, &d.digest);
		if (r < 0)
			return ward_error_set(err, ENOMEM, "prune");
		if (all && !tag_in_use(s, &d, &p->in_use)) {
			char **nv = realloc(p->untag, (p->n_untag + 2) * sizeof(*nv));
			if (!nv)
				return ward_error_set(err, ENOMEM, "prune");
			p->untag = nv;
			nv[p->n_untag] = strdup(*n);
			nv[p->n_untag + 1] = NULL;
			if (!nv[p->n_untag++])
				return ward_error_set(err, ENOMEM, "prune");
			continue;
		}
		snprintf(what, sizeof(what), "image '%s'", *n);
		if ((r = reach_root(&p->keep, &d.digest, d.media_type, what, err)) < 0)
			return r;
	}
	return mounted_layers(&p->mounted, err);
}

/* Calls fn for every <layers>/<64 hex> directory. */
static int
each_layer(int layers_fd, int (*fn)(int layers_fd, const char *hex, void *data), void *data,
	   struct ward_error **err)
{
	struct dirent *de;
	int fd = dup(layers_fd), r = 0;
	DIR *d;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			(void)close(fd);
		return ward_error_set(err, errno, "layers");
	}
	rewinddir(d);
	while (r >= 0 && (de = readdir(d)))
		if (hex64(de->d_name))
			r = fn(layers_fd, de->d_name, data);
	closedir(d);
	return r < 0 ? ward_error_set(err, -r, "layers") : 0;
}

static uint64_t
blobs_bytes(struct ward_store *s)
{
	struct dirent *de;
	uint64_t total = 0;
	int fd = openat(ward_store_fd(s), "blobs/sha256",
			O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d;

	if (fd < 0)
		return 0;
	d = fdopendir(fd);
	if (!d) {
		(void)close(fd);
		return 0;
	}
	while ((de = readdir(d))) {
		struct stat st;
		if (hex64(de->d_name) &&
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode))
			total += (uint64_t)st.st_size;
	}
	closedir(d);
	return total;
}

static bool
layer_keep(const struct plan *p, const char *hex)
{
	struct ward_digest d;

	snprintf(d.s, sizeof(d.s), "sha256:%s", hex);
	return set_has(&p->keep.diff_ids, &d) || set_has(&p->mounted, &d);
}

struct usage_walk {
	const struct plan *p;
	struct ward_store_usage *u;
};

static int
usage_layer(int layers_fd, const char *hex, void *data)
{
	struct usage_walk *w = data;
	struct ward_digest d;
	uint64_t bytes = 0;

	snprintf(d.s, sizeof(d.s), "sha256:%s", hex);
	if (ward_dir_usage(layers_fd, hex, &bytes, NULL) < 0)
		bytes = 0;
	w->u->layers++;
	w->u->layers_bytes += bytes;
	if (set_has(&w->p->active.diff_ids, &d) || set_has(&w->p->mounted, &d))
		w->u->layers_active++;
	if (!layer_keep(w->p, hex))
		w->u->layers_reclaimable += bytes;
	return 0;
}

int
ward_store_usage(struct ward_store *s, int layers_fd, char *const *in_use,
		 struct ward_store_usage *ret, struct ward_error **err)
{
	struct plan p = {0};
	struct ward_store_usage u = {0};
	struct usage_walk w = {.p = &p, .u = &u};
	int r;

	r = make_plan(s, in_use, true, &p, err);
	if (r >= 0) {
		u.images = p.images.n;
		u.images_active = p.in_use.n;
		u.images_bytes = blobs_bytes(s);
		u.images_reclaimable =
			u.images_bytes > p.keep.bytes ? u.images_bytes - p.keep.bytes : 0;
		r = each_layer(layers_fd, usage_layer, &w, err);
	}
	plan_free(&p);
	if (r < 0)
		return ward_error_wrap(err, "disk use of '%s'", ward_store_root(s));
	*ret = u;
	return 0;
}

struct prune_walk {
	const struct plan *p;
	char **doomed;
	size_t n;
};

static int
collect_layer(int layers_fd, const char *hex, void *data)
{
	struct prune_walk *w = data;
	char **nv;

	(void)layers_fd;
	if (layer_keep(w->p, hex))
		return 0;
	nv = realloc(w->doomed, (w->n + 2) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	w->doomed = nv;
	nv[w->n] = strdup(hex);
	nv[w->n + 1] = NULL;
	if (!nv[w->n])
		return -ENOMEM;
	w->n++;
	return 0;
}

/* Rename first, then delete: ward_layers_unpack_blob takes an existing
 * layers/<diff id> as unpacked and verified, and must never find one half
 * removed. */
static int
remove_layer(int layers_fd, const char *hex, uint64_t *ret_bytes, struct ward_error **err)
{
	unsigned char rnd[6];
	char tmp[64];
	uint64_t bytes = 0;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return ward_error_set(err, errno, "layer %.12s: getrandom", hex);
	snprintf(tmp, sizeof(tmp), ".tmp-prune-%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2],
		 rnd[3], rnd[4], rnd[5]);
	(void)ward_dir_usage(layers_fd, hex, &bytes, NULL);
	if (renameat(layers_fd, hex, layers_fd, tmp) < 0) {
		if (errno == ENOENT)
			return 0;
		return ward_error_set(err, errno, "layer sha256:%s: rename", hex);
	}
	if (ward_fs_remove_tree(layers_fd, tmp, err) < 0)
		return ward_error_wrap(err, "layer sha256:%s", hex);
	*ret_bytes += bytes;
	return 1;
}

/* .tmp-prune-* are layers an earlier prune renamed away and did not finish
 * deleting (it was killed): dead by construction, so always safe to remove. */
static void
remove_dead_layers(int layers_fd)
{
	struct dirent *de;
	int fd = dup(layers_fd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;

	if (!d) {
		if (fd >= 0)
			(void)close(fd);
		return;
	}
	rewinddir(d);
	while ((de = readdir(d)))
		if (ward_str_has_prefix(de->d_name, ".tmp-prune-"))
			(void)ward_fs_remove_tree(layers_fd, de->d_name, NULL);
	closedir(d);
}

int
ward_store_prune(struct ward_store *s, int layers_fd, char *const *in_use, bool all,
		 struct ward_prune_result *ret, struct ward_error **err)
{
	struct plan p = {0};
	struct prune_walk w = {.p = &p};
	struct ward_prune_result res = {0};
	struct ward_digest *keep = NULL;
	uint64_t before, after;
	int r;

	/* Everything is decided before anything is removed. */
	r = make_plan(s, in_use, all, &p, err);
	if (r >= 0)
		r = each_layer(layers_fd, collect_layer, &w, err);
	if (r >= 0 && p.in_use.n && !(keep = calloc(p.in_use.n, sizeof(*keep))))
		r = ward_error_set(err, ENOMEM, "prune");
	if (r < 0)
		goto out;
	if (keep)
		memcpy(keep, p.in_use.v, p.in_use.n * sizeof(*keep));
	for (size_t i = 0; i < p.n_untag; i++) {
		struct ward_error *e = NULL;
		if (ward_store_untag(s, p.untag[i], &e) == 0)
			res.images++;
		else if (ward_error_code(e) != -ENOENT) {
			if (err) {
				ward_error_free(*err);
				*err = e;
			} else {
				ward_error_free(e);
			}
			r = -EIO;
			goto out;
		}
		ward_error_free(e);
	}
	before = blobs_bytes(s);
	if ((r = ward_store_gc(s, keep, p.in_use.n, &res.blobs, err)) < 0)
		goto out;
	after = blobs_bytes(s);
	res.bytes = before > after ? before - after : 0;
	/* A `ward run` may have mounted a layer since the plan was made. */
	set_free(&p.mounted);
	if ((r = mounted_layers(&p.mounted, err)) < 0)
		goto out;
	for (size_t i = 0; i < w.n && r >= 0; i++) {
		if (layer_keep(&p, w.doomed[i]))
			continue;
		r = remove_layer(layers_fd, w.doomed[i], &res.bytes, err);
		if (r > 0)
			res.layers++;
	}
	if (r >= 0)
		remove_dead_layers(layers_fd);
out:
	free(keep);
	ward_strv_free(w.doomed);
	plan_free(&p);
	if (r < 0)
		return ward_error_wrap(err, "prune '%s'", ward_store_root(s));
	*ret = res;
	return 0;
}
