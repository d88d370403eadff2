/* SPDX-License-Identifier: Apache-2.0 */
/* Private to src/policy: the parsed policy, the JSON line tracker, reference
 * normalisation shared by scope lookup and signedIdentity. */
#ifndef WARD_POLICY_INTERNAL_H
#define WARD_POLICY_INTERNAL_H

#include <ward/policy.h>
#include <ward/registry.h>

/* ---- JSON key paths and their lines (json_lines.c) ------------------------ */

#define JPATH_MAX 16 /* deeper than any policy member */

struct jpath_elem {
	const char *key; /* NULL: an array index */
	size_t idx;
};

struct jpath {
	size_t n;
	struct jpath_elem e[JPATH_MAX];
};

/* The line (from 1) where the member at `path` starts in (buf, len): the
 * line of its key for object members, of its first byte for array
 * elements; 1 for the empty path. buf must have been accepted by jansson,
 * but the scanner stays within (buf, len) and bounded on any input. 0 when
 * the path is not found. Called only to report an error, so a policy that
 * parses costs no second pass. */
unsigned policy_json_line(const char *buf, size_t len, const struct jpath *path);
/* Append "transports.docker[\"a.io\"][0].keyPath" to out (cap bytes). */
void policy_jpath_format(const struct jpath *path, char *out, size_t cap);

/* A refusal: kind WARD_E_DENIED, errno EACCES, returns -EACCES, and no
 * strerror ("Permission denied") appended to a message that says why. */
int policy_deny(struct ward_error **err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- references (identity.c) --------------------------------------------- */

/* A docker reference as reference.ParseNormalizedNamed reads it: short
 * names qualified with docker.io (and library/), no default tag added. */
struct nref {
	struct ward_ref *ref;
	bool name_only; /* neither tag nor digest was written */
	char *name;	/* "registry/repository" */
	char *str;	/* canonical string: name[:tag][@digest] */
};
int policy_nref_parse(const char *s, bool allow_short, struct nref *ret, struct ward_error **err);
void policy_nref_clear(struct nref *r);
/* Validate a remapIdentity prefix/signedPrefix: a host[:port] or a fully
 * qualified "host[:port]/repo/path" name. */
int policy_identity_check_prefix(const char *s, struct ward_error **err);

/* A docker scope (policy.json transports.docker, registries.d docker:)
 * must be "*.domain", a host[:port], a repository or a reference spelled
 * as lookups spell them, or it would silently never match: "busybox" and
 * "docker.io/busybox" are refused, naming docker.io/library/busybox. */
int policy_check_docker_scope(const char *s, struct ward_error **err);
/* The docker scopes to try for a reference, most specific first (see
 * ward_policy_evaluate); NULL-terminated, the caller's. */
int policy_docker_candidates(const char *ref, char ***ret, struct ward_error **err);

/* ---- the parsed policy (policy.c) ----------------------------------------- */

enum policy_req_type {
	REQ_ACCEPT,
	REQ_REJECT,
	REQ_SIGNED_BY,
	REQ_SIGSTORE,
	REQ_SCAN, /* vulnerabilityScan (ward's own) */
};

struct policy_blob {
	unsigned char *p;
	size_t len;
};

struct policy_req {
	enum policy_req_type type;
	char **key_paths;	      /* keyPath / keyPaths (NULL-terminated) or NULL */
	struct policy_blob *key_data; /* keyData / keyDatas, decoded */
	size_t n_key_data;
	enum ward_policy_identity_type id_type;
	char *id_value, *id_value2;
	/* REQ_SCAN: the rule; its strings are owned here. */
	struct ward_policy_scan_rule scan;
	char *scan_ignore_file;
	char **scan_vex;
};

struct policy_reqs {
	struct policy_req *v;
	size_t n;
};

struct policy_scope {
	char *name;
	struct policy_reqs reqs;
};

struct policy_transport {
	char *name;
	struct policy_scope *scopes; /* sorted by name (strcmp) for bsearch */
	size_t n_scopes;
};

struct ward_policy {
	char *origin;
	struct policy_reqs def;
	struct policy_transport *transports;
	size_t n_transports;
};

const char *policy_req_type_name(enum policy_req_type t);
/* Read a regular file of at most max bytes (FIFOs and devices refused,
 * so a planted path cannot hang ward); NUL-terminated. ENOENT has kind
 * WARD_E_NOTFOUND. */
int policy_read_file(const char *path, size_t max, char **ret, size_t *ret_len,
		     struct ward_error **err);

/* An absolute path as filepath.Clean leaves it: no "//", ".", ".."
 * components or trailing '/', and not "/" itself. */
bool policy_clean_abs_path(const char *s);

#endif
