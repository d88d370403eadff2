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

/* Streaming SHA-256 for data too large to hold (layers, diff_ids).
 * ward_hasher_new returns NULL when out of memory; _free accepts NULL;
 * _final may be called once, after which only _free is valid. */
struct ward_hasher;
WARD_PUBLIC struct ward_hasher *ward_hasher_new(void);
WARD_PUBLIC void ward_hasher_update(struct ward_hasher *h, const void *buf, size_t len);
WARD_PUBLIC void ward_hasher_final(struct ward_hasher *h, struct ward_digest *ret);
WARD_PUBLIC void ward_hasher_free(struct ward_hasher *h);
static inline void
ward_hasher_freep(struct ward_hasher **h)
{
	ward_hasher_free(*h);
}

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
/* Past max or expected_size: -EFBIG, and the writer refuses further writes. */
WARD_PUBLIC int ward_blob_write(struct ward_blob_writer *w, const void *buf, size_t len,
				struct ward_error **err);
/* Verify size (short: "truncated") and digest ("blob sha256:..: digest
 * mismatch (got sha256:...)", kind WARD_E_DENIED), fsync, make it 0444 and
 * rename it into blobs/sha256. Always consumes w: on failure the temp file
 * is removed and nothing appears under blobs/. */
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
static inline void
ward_store_freep(struct ward_store **s)
{
	ward_store_free(*s);
}
static inline void
ward_blob_abortp(struct ward_blob_writer **w)
{
	ward_blob_abort(*w);
}

/*
 * Names live in index.json as org.opencontainers.image.ref.name annotations
 * (what skopeo's `oci:DIR:NAME` and umoci's `DIR:TAG` use). Updates are
 * read-modify-write under an flock on root/.lock and replace index.json
 * atomically, so concurrent writers in other processes never lose a tag.
 * A name is [A-Za-z0-9]+ separated by single [-._:@/+] (or "--"), at most
 * WARD_STORE_NAME_MAX bytes; anything else is -EINVAL naming it.
 */
#define WARD_STORE_NAME_MAX 255
#define WARD_MEDIA_TYPE_MAX 256
#define WARD_INDEX_MAX_MANIFESTS 1024

/* A content descriptor: media type, digest, size. Plain data, no free. */
struct ward_descriptor {
	char media_type[WARD_MEDIA_TYPE_MAX];
	struct ward_digest digest;
	int64_t size;
};

/* Point `name` at the manifest or index blob d (which must be in the store:
 * -ENOENT otherwise) with the given media type; an existing entry of that
 * name is replaced. Entries without our annotation are kept untouched. */
WARD_PUBLIC int ward_store_tag(struct ward_store *s, const char *name, const char *media_type,
			       const struct ward_digest *d, struct ward_error **err);
/* Look a name up; *ret is the index.json descriptor. -ENOENT (kind
 * WARD_E_NOTFOUND) when no entry carries it. */
WARD_PUBLIC int ward_store_resolve(struct ward_store *s, const char *name,
				   struct ward_descriptor *ret, struct ward_error **err);
/* Remove the entry of that name (its blobs stay until ward_store_gc).
 * -ENOENT when absent. */
WARD_PUBLIC int ward_store_untag(struct ward_store *s, const char *name,
				 struct ward_error **err);
/* All names, sorted, as a NULL-terminated vector the caller frees with
 * ward_strv_free. Returns the count. */
WARD_PUBLIC int ward_store_list(struct ward_store *s, char ***ret, struct ward_error **err);
/*
 * Remove every blob not reachable from the index.json entries or from the
 * extra roots keep[0..n_keep). Reachability follows indexes (their
 * manifests) and image manifests (config and layers); other blobs are
 * leaves. A root that cannot be read or parsed aborts the collection with
 * nothing removed (deleting on a guess would break images). Also removes
 * ingest temp files older than an hour (writers that crashed). Must not run
 * while another process commits blobs it has not tagged yet. *ret_removed
 * (may be NULL) counts removed blobs.
 */
WARD_PUBLIC int ward_store_gc(struct ward_store *s, const struct ward_digest *keep,
			      size_t n_keep, size_t *ret_removed, struct ward_error **err);
/* The root path and the directory fd of the layout (owned by the store). */
WARD_PUBLIC const char *ward_store_root(const struct ward_store *s);
WARD_PUBLIC int ward_store_fd(const struct ward_store *s);

/* ==== manifests (src/image/manifest.c) ==================================== */

#define WARD_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define WARD_MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define WARD_MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define WARD_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define WARD_MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define WARD_MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"

#define WARD_MANIFEST_MAX_LAYERS 1024
#define WARD_CONFIG_MAX_ENTRIES 4096 /* Env, Cmd, Entrypoint, Labels, ports, volumes */
#define WARD_CONFIG_MAX_HISTORY 4096
#define WARD_PLATFORM_FIELD_MAX 32

/* An image manifest (OCI or Docker schema 2). media_type is the document's
 * own or, when it has none, the hint or the OCI type. */
struct ward_manifest {
	char media_type[WARD_MEDIA_TYPE_MAX];
	struct ward_descriptor config;
	struct ward_descriptor *layers;
	size_t n_layers;
};

struct ward_platform {
	char os[WARD_PLATFORM_FIELD_MAX];
	char architecture[WARD_PLATFORM_FIELD_MAX];
	char variant[WARD_PLATFORM_FIELD_MAX]; /* "" when none */
};

struct ward_index_entry {
	struct ward_descriptor desc;
	bool has_platform;
	struct ward_platform platform;
	char *ref_name; /* org.opencontainers.image.ref.name or NULL */
};

/* An OCI index or Docker manifest list (also index.json of a layout). */
struct ward_index {
	char media_type[WARD_MEDIA_TYPE_MAX];
	struct ward_index_entry *manifests;
	size_t n_manifests;
};

/* What ward uses from an image config; absent fields are NULL / 0. */
struct ward_image_config {
	char *os, *architecture, *variant;
	char **env, **entrypoint, **cmd; /* NULL-terminated vectors */
	char *working_dir, *user, *stop_signal;
	char **exposed_ports; /* keys of ExposedPorts, e.g. "80/tcp" */
	char **volumes;       /* keys of Volumes */
	char **label_keys, **label_values; /* parallel, n_labels each */
	size_t n_labels;
	bool has_healthcheck;
	struct ward_digest *diff_ids;
	size_t n_diff_ids;
	size_t n_history;        /* history entries */
	size_t n_history_layers; /* of which not empty_layer */
};

/*
 * Parse (buf, len) of at most WARD_MANIFEST_MAX bytes. media_type_hint (the
 * descriptor's or Content-Type, may be NULL) must agree with the document's
 * own mediaType when both are present. Wrong types and missing required
 * fields are -EINVAL naming the field ("manifest.layers[2].digest: ...").
 * A manifest carrying "manifests", or an index carrying "config"/"layers",
 * is refused: such ambiguous documents let one digest mean two things
 * (GHSA-77vh-xpmg-72qh / CVE-2021-41190). The caller owns *ret.
 */
WARD_PUBLIC int ward_manifest_parse(const char *buf, size_t len, const char *media_type_hint,
				    struct ward_manifest **ret, struct ward_error **err);
WARD_PUBLIC void ward_manifest_free(struct ward_manifest *m);
WARD_PUBLIC int ward_index_parse(const char *buf, size_t len, const char *media_type_hint,
				 struct ward_index **ret, struct ward_error **err);
WARD_PUBLIC void ward_index_free(struct ward_index *idx);
WARD_PUBLIC int ward_image_config_parse(const char *buf, size_t len,
					struct ward_image_config **ret, struct ward_error **err);
WARD_PUBLIC void ward_image_config_free(struct ward_image_config *c);
static inline void
ward_manifest_freep(struct ward_manifest **m)
{
	ward_manifest_free(*m);
}
static inline void
ward_index_freep(struct ward_index **i)
{
	ward_index_free(*i);
}
static inline void
ward_image_config_freep(struct ward_image_config **c)
{
	ward_image_config_free(*c);
}

/* true for the manifest / index media types ward parses. */
WARD_PUBLIC bool ward_media_type_is_manifest(const char *mt);
WARD_PUBLIC bool ward_media_type_is_index(const char *mt);

/* "os/arch[/variant]" (e.g. "linux/arm64/v8"); -EINVAL naming it. */
WARD_PUBLIC int ward_platform_parse(const char *s, struct ward_platform *ret,
				    struct ward_error **err);
/* This host in GOOS/GOARCH terms: x86_64 -> linux/amd64, aarch64 ->
 * linux/arm64/v8, armv7l -> linux/arm/v7, i686 -> linux/386, ... */
WARD_PUBLIC void ward_platform_host(struct ward_platform *ret);
/* Choose the entry for `want` (NULL: the host). A variant in `want` must
 * match, except that an entry without one is taken when nothing matches
 * exactly (and arm64 treats "" and "v8" alike). Entries without a platform
 * are never picked. -ENOENT (WARD_E_NOTFOUND) listing what the index has. */
WARD_PUBLIC int ward_index_pick(const struct ward_index *idx, const struct ward_platform *want,
				const struct ward_index_entry **ret, struct ward_error **err);

/* ==== layers (src/image/unpack.c) ==== */

/*
 * Layer unpacking the way containerd's overlay snapshotter stores a layer:
 * one directory per layer, usable as an overlayfs lower dir, OCI whiteouts
 * turned into overlayfs ones.
 */
#define WARD_LAYER_MAX_ENTRIES 1000000u   /* tar entries in one layer */
#define WARD_LAYER_MAX_BYTES (64ull << 30) /* uncompressed tar bytes (zip-bomb guard) */
/* Path components per entry: below ward_fs_remove_tree's depth limit, so a
 * layer (or a failed half of one) can always be deleted again. */
#define WARD_LAYER_MAX_DEPTH 200u

enum ward_layer_compression {
	WARD_LAYER_COMPRESSION_AUTO = 0, /* detect by magic: gzip, zstd or plain tar */
	WARD_LAYER_COMPRESSION_NONE,
	WARD_LAYER_COMPRESSION_GZIP,
	WARD_LAYER_COMPRESSION_ZSTD,
};

struct ward_unpack_opts {
	enum ward_layer_compression compression; /* from the media type; AUTO: by magic */
	uint64_t max_bytes;   /* uncompressed tar bytes and declared file sizes; 0: default */
	uint64_t max_entries; /* 0: WARD_LAYER_MAX_ENTRIES */
};

struct ward_unpack_result {
	char diff_id[80];     /* "sha256:<hex>" of the uncompressed tar stream */
	uint64_t entries;     /* tar entries processed (whiteouts included) */
	uint64_t tar_bytes;   /* uncompressed tar stream length */
	uint64_t file_bytes;  /* regular-file data written */
	enum ward_layer_compression compression; /* what the blob turned out to be */
};

/*
 * Unpack the layer blob read from src_fd (tar, tar+gzip, tar+zstd) into the
 * empty directory dest_dirfd, hashing the uncompressed stream into
 * ret->diff_id; the caller compares it with the image config's diff_ids.
 * o may be NULL (defaults).
 *
 * Nothing is ever written outside dest_dirfd: entry names are cleaned
 * lexically (a leading '/' is stripped as Docker does; `..` that would climb
 * above the root is refused), parents are resolved with openat2
 * RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS, so a path through a symlink (even one
 * pointing inside the layer) is refused, and the last component is created
 * with *at() calls and O_NOFOLLOW. Hardlinks must name an earlier entry of
 * this layer, reached without symlinks. Later entries replace earlier ones
 * (tar semantics; the old one is removed without following symlinks).
 * Ownership is applied only when running as root; xattrs: user.*, trusted.*
 * (except trusted.overlay.*, which only whiteouts may set) and
 * security.capability, on files and directories (not on symlinks or
 * device nodes; POSIX ACLs are not restored). libarchive cuts a name at an
 * embedded NUL, so such a name cannot smuggle a second path.
 *
 * Decompression runs on a helper thread that is joined before return; when
 * src_fd is a pipe, its writer must not wait for this call to return.
 *
 * Errors name the entry ("layer entry '../x': path escapes the layer"):
 * WARD_E_DENIED for escapes and limits, WARD_E_INVALID for malformed
 * archives and whiteouts. On failure dest_dirfd is left PARTIALLY FILLED:
 * the caller must remove it (ward_fs_remove_tree). ret is written only on
 * success.
 */
WARD_PUBLIC int ward_layer_unpack(int src_fd, int dest_dirfd, const struct ward_unpack_opts *o,
				  struct ward_unpack_result *ret, struct ward_error **err);

/* ==== archives and disk use (src/image/archive.c) ========================= */

/*
 * `ward save` / `ward load`: images as one tar stream, in the two formats
 * podman and skopeo speak.
 *   oci-archive     a tar of an OCI image layout (oci-layout, index.json
 *                   whose entries carry org.opencontainers.image.ref.name,
 *                   blobs/sha256/<hex>); blobs are copied byte for byte, so
 *                   manifest digests survive a round trip.
 *   docker-archive  `docker save`: manifest.json [{Config, RepoTags, Layers}],
 *                   <config hex>.json and <diff id hex>/layer.tar, each layer
 *                   an uncompressed tar (stored gzip/zstd layers are
 *                   decompressed while they stream into the archive).
 */
enum ward_archive_format {
	WARD_ARCHIVE_DOCKER = 0, /* podman's default */
	WARD_ARCHIVE_OCI,
};

#define WARD_ARCHIVE_MAX_MEMBERS 8192u /* tar headers read from one archive */
/* Blobs spooled at once: each holds an open ingest file until it is
 * committed or dropped, so this stays well below a default RLIMIT_NOFILE. */
#define WARD_ARCHIVE_MAX_BLOBS 512u
#define WARD_ARCHIVE_MAX_IMAGES 128u /* manifest.json / index.json entries */
#define WARD_ARCHIVE_MAX_TAGS 64u    /* RepoTags of one image */
#define WARD_ARCHIVE_NAME_MAX 1024u  /* bytes in a member name */
#define WARD_ARCHIVE_MAX_BYTES WARD_BLOB_MAX /* all members together (gzip bombs) */
/* Members up to WARD_MANIFEST_MAX are also kept in memory (configs and
 * manifests are read back before anything is committed), within this total. */
#define WARD_ARCHIVE_SMALL_BUDGET (64u << 20)

/* "docker-archive" or "oci-archive"; anything else is -EINVAL naming it. */
WARD_PUBLIC int ward_archive_format_parse(const char *s, enum ward_archive_format *ret,
					  struct ward_error **err);

/*
 * Write the images `names` (NULL-terminated, at least one; tags in the store;
 * an index resolves to the host's platform) to out_fd as one tar archive.
 * Every blob is digest-verified while it streams out, and a decompressed
 * layer must hash to its diff id; on error the stream is incomplete and the
 * caller must discard it (the CLI writes to a temp file and renames).
 */
WARD_PUBLIC int ward_archive_save(struct ward_store *s, char *const *names,
				  enum ward_archive_format fmt, int out_fd,
				  struct ward_error **err);

/*
 * Read an oci-archive or docker-archive (plain tar, gzip or zstd; detected
 * from the content: manifest.json makes it a docker-archive, else index.json
 * an OCI layout) from in_fd as a stream, never extracting anything to disk.
 * Every regular member is spooled into the store's ingest/ as it arrives
 * and hashed; blobs/sha256/<hex> members must hash to their name, docker
 * layers to the config's rootfs.diff_ids (compressed docker layers are
 * refused). Only once every image resolved are its blobs committed and its
 * names tagged (RepoTags or ref.name; an image with neither is tagged by its
 * manifest digest). Refused, naming the member, with nothing committed or
 * tagged and the ingest files removed: absolute names or `..`, symlinks
 * (but for the `<hex>/layer.tar` links docker and skopeo add for old readers:
 * skipped, never followed, refused when manifest.json names one), hard links,
 * devices and sparse files, duplicate members, JSON members over
 * WARD_MANIFEST_MAX, more than the limits above, digest mismatches, missing
 * blobs, truncated archives (WARD_E_DENIED for forgeries and limits,
 * WARD_E_INVALID for malformed input). *ret_names (NULL-terminated, caller
 * frees with ward_strv_free) lists the names tagged; returns their count.
 */
WARD_PUBLIC int ward_archive_load(struct ward_store *s, int in_fd, char ***ret_names,
				  struct ward_error **err);

/*
 * Disk use of the store and the layer cache, for `ward system df`. in_use:
 * manifest digests containers were made from (ward_ctr_db_images_in_use),
 * NULL-terminated, may be NULL. Reclaimable is what ward_store_prune with
 * all=true would free.
 */
struct ward_store_usage {
	size_t images, images_active;       /* distinct manifests tagged or in use */
	uint64_t images_bytes;              /* every blob in blobs/sha256 */
	uint64_t images_reclaimable;
	size_t layers, layers_active;       /* <root>/layers/<diff id> */
	uint64_t layers_bytes;              /* allocated blocks, hard links per name */
	uint64_t layers_reclaimable;
};

WARD_PUBLIC int ward_store_usage(struct ward_store *s, int layers_fd, char *const *in_use,
				 struct ward_store_usage *ret, struct ward_error **err);

struct ward_prune_result {
	size_t images;  /* names untagged (all=true only) */
	size_t blobs;   /* blobs removed */
	size_t layers;  /* unpacked layers removed */
	uint64_t bytes; /* blob bytes and layer blocks freed */
};

/*
 * `ward system prune`: with all, untag every image no container uses (by
 * its tag's digest or the manifest it resolves to); then remove every blob
 * not reachable from a remaining tag or an in_use digest (ward_store_gc),
 * and every unpacked layer that no remaining image, in_use image or mounted
 * overlay (from /proc/self/mountinfo) uses. The keep sets are computed in
 * full before anything is removed: an image whose manifest or config cannot
 * be read aborts with nothing removed, since its layers are unknown. A layer
 * is renamed away before it is deleted, so a concurrent run never takes a
 * half-removed layer for an unpacked one.
 */
WARD_PUBLIC int ward_store_prune(struct ward_store *s, int layers_fd, char *const *in_use,
				 bool all, struct ward_prune_result *ret, struct ward_error **err);

/* Allocated bytes (st_blocks) below dirfd/name, not following symlinks or
 * crossing mounts; a missing name is 0. */
WARD_PUBLIC int ward_dir_usage(int dirfd, const char *name, uint64_t *ret,
			       struct ward_error **err);

/* ==== container changes (src/image/diff.c) =============================== */

/*
 * `ward diff`: what a container changed in its image, read from its
 * overlay upper directory as containers/storage and Docker read it.
 */
#define WARD_DIFF_MAX_ENTRIES 1000000u /* names read from one upper dir */
#define WARD_DIFF_MAX_DEPTH WARD_LAYER_MAX_DEPTH

enum ward_change_kind {
	WARD_CHANGE_MODIFIED, /* "C" */
	WARD_CHANGE_ADDED,    /* "A" */
	WARD_CHANGE_DELETED,  /* "D" */
};

struct ward_change {
	enum ward_change_kind kind;
	char *path; /* absolute in the container, "/etc/passwd" */
};

struct ward_diff_limits {
	uint64_t max_entries; /* 0: WARD_DIFF_MAX_ENTRIES */
	unsigned max_depth;   /* 0: WARD_DIFF_MAX_DEPTH */
};

/* 'C', 'A' or 'D' (podman's letters). */
WARD_PUBLIC char ward_change_kind_letter(enum ward_change_kind k);

/*
 * Walk upper_fd (the overlay's upper dir) against lower_fds[0..n_lowers)
 * (the image's layer dirs, TOP first, as overlayfs lists them) and list the
 * changes in walk order (sorted names, a directory before its contents):
 *   - a whiteout (char device 0:0) is D;
 *   - an opaque directory (trusted.overlay.opaque=y) is C, and everything
 *     under it is A (the lower contents are hidden);
 *   - a path the image has (resolved as overlayfs does: whiteouts, opaque
 *     dirs and non-directories in upper layers hide the lower ones) is C,
 *     except a directory with the same mode, size and mtime (copied up only
 *     because something below it changed); anything else is A;
 *   - the parent directory of an A or D is reported as C (once, before its
 *     first change) even when it looks unchanged, the root never.
 * Symlinks are reported, never followed; lookups in the layers never follow
 * symlinks either. More than lim->max_entries names or directories deeper
 * than lim->max_depth (lim may be NULL) are WARD_E_DENIED naming the path.
 * *ret (free with ward_changes_free) and *ret_n are written on success.
 */
WARD_PUBLIC int ward_diff_overlay(int upper_fd, const int *lower_fds, size_t n_lowers,
				  const struct ward_diff_limits *lim, struct ward_change **ret,
				  size_t *ret_n, struct ward_error **err);
WARD_PUBLIC void ward_changes_free(struct ward_change *v, size_t n);

/*
 * The layer directories (<root>/layers/<diff id hex>, top first) of the
 * image whose manifest (or index: the host's entry) has manifest_digest,
 * read from the store at root with every blob digest-verified. *ret is
 * NULL-terminated (ward_strv_free); returns the count.
 */
WARD_PUBLIC int ward_image_lower_dirs(const char *root, const char *manifest_digest,
				      char ***ret, struct ward_error **err);

/* ==== images opened from the store (src/image/image.c) =================== */

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

/* ==== unpacked layers (src/image/layers.c) ================================ */

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

/* ==== overlay snapshots (src/image/snapshot.c) ============================= */

#define WARD_SNAPSHOT_MAX_LAYERS 500 /* overlayfs' own limit */

/*
 * Mount an overlayfs at target: lowers[0] is the TOP layer (as overlayfs
 * orders lowerdir), upper and work are the container's own directories (on
 * the same filesystem; upper NULL for a read-only view). Layers are added
 * one by one with fsconfig "lowerdir+" (no page-size limit on the option
 * string); kernels without it get a single lowerdir= option. setuid
 * bits and device nodes from images are kept, as Docker keeps them; the
 * runtime's mount namespace and capabilities confine them.
 */
WARD_PUBLIC int ward_snapshot_mount(const char *const *lowers, size_t n, const char *upper,
				    const char *work, const char *target, struct ward_error **err);
WARD_PUBLIC int ward_snapshot_unmount(const char *target, struct ward_error **err);

#endif
