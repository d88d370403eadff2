/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ward trust policy: containers-policy.json(5) (which images are trusted,
 * by which keys, under which names) and containers-registries.d(5) (where
 * GPG "simple signing" signatures live), with the semantics containers/image
 * gives them, so one policy file means the same to ward, skopeo and podman.
 *
 * Both files are written by whoever can edit /etc or pass --policy, and are
 * parsed strictly: unknown fields, wrong types, empty requirement lists and
 * requirements ward cannot enforce (fulcio, rekor, X.509) are errors naming
 * the file, the line and the field, never a silently weaker reading. Every
 * size, count and depth is bounded by a WARD_POLICY_* or WARD_REGISTRIES_D_*
 * constant.
 *
 * Evaluation fails closed: any error (a key file that cannot be read, a
 * malformed signature, no signature at all) is a rejection.
 */
#ifndef WARD_POLICY_H
#define WARD_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include <ward/image.h>
#include <ward/scan.h>
#include <ward/sign.h>
#include <ward/util.h>

#define WARD_POLICY_FILE_MAX (1u << 20)	  /* one policy.json */
#define WARD_POLICY_SCOPES_MAX 4096u	  /* scopes over all transports */
#define WARD_POLICY_REQUIREMENTS_MAX 64u  /* requirements in one list */
#define WARD_POLICY_KEYPATHS_MAX 64u	  /* keyPaths entries of one signedBy */
#define WARD_POLICY_SCOPE_MAX 1024u	  /* bytes of one scope string */
#define WARD_POLICY_SIGNATURES_MAX 10000u /* signatures looked at per image */
/* GPG signatures one signedBy looks at: each costs a gpg process (GPGME),
 * milliseconds, so an image carrying more is refused before any is run. */
#define WARD_POLICY_GPG_SIGNATURES_MAX 128u
#define WARD_POLICY_KEYFILE_MAX (1u << 20) /* one keyPath file (GPG or PEM) */

/* Where ward looks for a policy when no --policy is given, in order. The
 * first file that exists is used; one that exists but does not parse is an
 * error (never a fall-through to the next). /etc/containers/policy.json is
 * the one skopeo and podman enforce, so an administrator configures trust
 * once for all three. */
#define WARD_POLICY_PATH "/etc/ward/policy.json"
#define WARD_POLICY_CONTAINERS_PATH "/etc/containers/policy.json"

/* A parsed, validated policy. Opaque; free with ward_policy_free (NULL ok). */
struct ward_policy;

/*
 * Parse a policy from (buf, len); `name` (the file name) starts every error:
 * "NAME:LINE: transports.docker.\"example.com\"[0].keyPath: expected a string,
 * got integer". Syntax errors carry jansson's line; semantic ones the line
 * of the offending key in buf. Errors have kind WARD_E_INVALID, or
 * WARD_E_UNSUPPORTED for valid fields ward cannot enforce (sigstoreSigned
 * fulcio, rekorPublicKey..., pki, signedBy keyType other than GPGKeys). Key files
 * are not read here but at evaluation, as containers/image does. *ret is the
 * caller's.
 */
WARD_PUBLIC int ward_policy_parse(const char *buf, size_t len, const char *name,
				  struct ward_policy **ret, struct ward_error **err);
/* Read and parse the file at path (at most WARD_POLICY_FILE_MAX bytes); a
 * missing file is -ENOENT with kind WARD_E_NOTFOUND. */
WARD_PUBLIC int ward_policy_load(const char *path, struct ward_policy **ret,
				 struct ward_error **err);
/*
 * The policy ward enforces when no --policy was given: the first of
 * `candidates` (NULL-terminated; NULL means {WARD_POLICY_PATH,
 * WARD_POLICY_CONTAINERS_PATH}) that exists. When none exists, ward is
 * secure by default: the result is a built-in policy whose default is
 * reject, named "built-in policy (no policy file: PATH, PATH; create one or
 * use --insecure-policy)", so every refusal says why and how to fix it.
 * Only a missing file falls through to the next candidate.
 */
WARD_PUBLIC int ward_policy_load_default(const char *const *candidates, struct ward_policy **ret,
					 struct ward_error **err);
/* The --insecure-policy policy: default [insecureAcceptAnything], named
 * "built-in insecure policy (--insecure-policy)". The front end logs that it
 * chose it. */
WARD_PUBLIC int ward_policy_insecure(struct ward_policy **ret, struct ward_error **err);
/* The file name (or built-in description) decisions and errors start with. */
WARD_PUBLIC const char *ward_policy_origin(const struct ward_policy *p);
WARD_PUBLIC void ward_policy_free(struct ward_policy *p);
static inline void
ward_policy_freep(struct ward_policy **p)
{
	ward_policy_free(*p);
	*p = NULL;
}

/* ---- evaluation (src/policy/policy_eval.c) ------------------------------ */

enum ward_policy_sig_kind {
	WARD_POLICY_SIG_GPG,	/* an OpenPGP signed message (signedBy) */
	WARD_POLICY_SIG_COSIGN, /* simple-signing payload + base64 signature (sigstoreSigned) */
};

/* One signature of the image, as stored (nothing in it is trusted yet). */
struct ward_policy_signature {
	enum ward_policy_sig_kind kind;
	/* GPG: the signed message (signature-N file / store blob), at most
	 * WARD_SIGN_GPG_SIG_MAX bytes. COSIGN: the payload layer's bytes, at
	 * most WARD_SIGN_PAYLOAD_MAX. */
	const void *data;
	size_t len;
	/* COSIGN only: the dev.cosignproject.cosign/signature annotation. */
	const char *cosign_sig_b64;
};

/*
 * ward's own requirement, {"type": "vulnerabilityScan", "maxSeverity":
 * "HIGH", "ignoreUnfixed": false, "ignoreFile": "/etc/ward/wardignore",
 * "vex": ["/etc/ward/vex.json"], "maxDbAge": "7d"}: the image's scan (the
 * same matching and filters as `ward scan`) must have no unsuppressed
 * finding above maxSeverity, so `ward scan --max-severity HIGH` in CI and
 * this rule at `ward run` are one rule. Paths must be absolute.
 */
struct ward_policy_scan_rule {
	enum ward_severity max_severity; /* findings above it reject the image */
	bool ignore_unfixed;
	const char *ignore_file;    /* NULL: none */
	const char *const *vex;	    /* NULL-terminated, or NULL */
	int64_t max_db_age;	    /* seconds; older data fails the rule */
};

/* Run the scan for a vulnerabilityScan requirement: 0 when the image passes,
 * else a negative errno with *err naming what failed (the findings, or why
 * the scan could not run: no database, data too old). */
typedef int (*ward_policy_scan_fn)(void *opaque, const struct ward_policy_scan_rule *rule,
				   struct ward_error **err);

/* Supplies the image's signatures on demand, so signatures are only fetched
 * (registry, lookaside) when the chosen scope has a signed requirement.
 * Called at most once per evaluation; *ret_sigs stays the callback's (valid
 * until ward_policy_evaluate returns). More than WARD_POLICY_SIGNATURES_MAX
 * is refused. */
typedef int (*ward_policy_signatures_fn)(void *opaque,
					 const struct ward_policy_signature **ret_sigs,
					 size_t *ret_n, struct ward_error **err);

/*
 * The image being checked. Transports ward evaluates:
 *  - "docker": an image from a registry, or one in ward's store, which is
 *    checked under the docker reference it was pulled or tagged as (so a
 *    local image gets exactly the requirements its registry name has; a
 *    renamed image fails the signatures' identity check). docker_reference
 *    is required: fully qualified "host[:port]/repo:tag" or "...@sha256:..."
 *    (parsed by ward_ref_parse; a reference with both a tag and a digest is
 *    refused as containers/image refuses it, because the scope it selects
 *    would be ambiguous).
 *  - "oci-archive", "oci", "dir": images read from a local path (`ward
 *    load`); path is the resolved (realpath) absolute path of the archive or
 *    layout. Scopes are paths: the path itself, then each parent directory.
 *  - "docker-archive": likewise, but as in containers/image only its ""
 *    scope exists.
 *    For the path transports docker_reference (optional) is the name the
 *    archive claims; it is what signedIdentity compares signatures against.
 * Other names in "transports" are accepted in the file (other tools use them)
 * but ward never evaluates them.
 */
struct ward_policy_image {
	const char *transport;
	const char *docker_reference;
	const char *path;
	/* The digest of the manifest being verified: the one that will be
	 * unpacked and run. Required for signed requirements. */
	const struct ward_digest *manifest_digest;
	/* Signatures: the array, or the callback when get_signatures is set. */
	const struct ward_policy_signature *sigs;
	size_t n_sigs;
	ward_policy_signatures_fn get_signatures;
	void *opaque;
	/* Check every signature and return all that verify (`ward verify`);
	 * false: a signed requirement stops at its first verified signature
	 * (`ward pull`, `ward run`). */
	bool verify_all;
	/* vulnerabilityScan requirements: evaluated after every other
	 * requirement of the scope passed (so nothing of an unverified image is
	 * unpacked or read), by this callback. NULL (`ward pull`, which checks
	 * before anything is fetched): they are left for `ward run` and the
	 * decision's scan_deferred is set. */
	ward_policy_scan_fn scan;
	void *scan_opaque;
};

/* A signature that satisfied a signed requirement. */
struct ward_policy_verified {
	enum ward_policy_sig_kind kind;
	size_t sig_index;		   /* index into the image's signatures */
	size_t requirement;		   /* index in the scope's requirement list */
	struct ward_sign_payload *payload; /* the verified, parsed payload; owned */
	/* GPG: the key's fingerprint (uppercase hex). COSIGN: "KEYTYPE sha256:HEX"
	 * (ward_sign_key_describe + ward_sign_key_fingerprint). Owned. */
	char *signer;
};

struct ward_policy_decision {
	char *origin;  /* policy file name or built-in description */
	char *scope;   /* "default", "docker scope \"r.io/app\"", "docker default scope \"\"" */
	char *rules;   /* the requirements applied: "reject", "signedBy, sigstoreSigned" */
	char *message; /* "policy ORIGIN: SCOPE: RULES" */
	struct ward_policy_verified *verified;
	size_t n_verified;
	bool scan_deferred; /* a vulnerabilityScan requirement was not evaluated */
};
/* Free what a decision owns and zero it (accepts a zeroed decision). */
WARD_PUBLIC void ward_policy_decision_clear(struct ward_policy_decision *d);

/*
 * Decide whether img is trusted, as containers/image does: the most specific
 * scope of img's transport that the policy names (docker: the full
 * reference, the repository, each parent namespace, the registry host, then
 * "*.domain" wildcards from the most specific; path transports: the path,
 * then each parent directory), else the transport's "" scope, else
 * "default". Every requirement of that list must pass; a signed requirement
 * passes when at least one signature passes all of: the cryptographic check
 * by one of its keys, the strict payload parse, payload digest equal to
 * img->manifest_digest, and signedIdentity against img->docker_reference.
 *
 * 0: accepted; *ret (may be NULL) is filled and is the caller's to clear.
 * Rejected: -EACCES with kind WARD_E_DENIED and a message naming the rule,
 * e.g. "policy /etc/ward/policy.json: docker scope \"127.0.0.1:5000/app\":
 * reject: the policy rejects this image" or "...: signedBy: no signature
 * verified (2 GPG signatures: 1: ...; 2: signature is for manifest ...)".
 * More than WARD_POLICY_SIGNATURES_MAX signatures, or more than
 * WARD_POLICY_GPG_SIGNATURES_MAX GPG ones for a signedBy, are refused
 * (WARD_E_INVALID, -E2BIG) before any is checked. Any other
 * error (unreadable key file, bad reference) is also a refusal: callers
 * treat every negative return as "do not run".
 */
WARD_PUBLIC int ward_policy_evaluate(const struct ward_policy *p,
				     const struct ward_policy_image *img,
				     struct ward_policy_decision *ret, struct ward_error **err);

/* Whether evaluating img would need its signatures (the chosen scope has a
 * signedBy or sigstoreSigned requirement), so `ward pull` can skip fetching
 * them. An invalid img is an error. */
WARD_PUBLIC int ward_policy_needs_signatures(const struct ward_policy *p,
					     const struct ward_policy_image *img, bool *ret,
					     struct ward_error **err);

/* ---- signedIdentity on its own (src/policy/identity.c) ------------------ */

/* The signedIdentity rules, for `ward verify --key` without a policy. */
enum ward_policy_identity_type {
	WARD_POLICY_ID_MATCH_REPO_DIGEST_OR_EXACT, /* the default */
	WARD_POLICY_ID_MATCH_EXACT,
	WARD_POLICY_ID_MATCH_REPOSITORY,
	WARD_POLICY_ID_EXACT_REFERENCE,	 /* value: dockerReference */
	WARD_POLICY_ID_EXACT_REPOSITORY, /* value: dockerRepository */
	WARD_POLICY_ID_REMAP_IDENTITY,	 /* value: prefix, value2: signedPrefix */
};

struct ward_policy_identity {
	enum ward_policy_identity_type type;
	const char *value;
	const char *value2;
};

/*
 * 0 when a signature claiming signed_reference (critical.identity.docker-
 * reference, normalised as docker does: "busybox" is
 * docker.io/library/busybox) is acceptable for an image named
 * image_reference under rule id; -EACCES (WARD_E_DENIED) naming both
 * references otherwise; WARD_E_INVALID when image_reference is not a valid
 * fully qualified reference.
 */
WARD_PUBLIC int ward_policy_identity_match(const struct ward_policy_identity *id,
					   const char *image_reference,
					   const char *signed_reference, struct ward_error **err);

/* ---- registries.d (src/policy/registries_d.c) --------------------------- */

#define WARD_REGISTRIES_D_PATH "/etc/ward/registries.d"
#define WARD_REGISTRIES_D_CONTAINERS_PATH "/etc/containers/registries.d"
#define WARD_REGISTRIES_D_FILE_MAX (256u << 10) /* one *.yaml file */
#define WARD_REGISTRIES_D_FILES_MAX 256u	/* *.yaml files in the directory */
#define WARD_REGISTRIES_D_SCOPES_MAX 4096u	/* docker: scopes over all files */
#define WARD_REGISTRIES_D_DEPTH_MAX 8u		/* YAML nesting */
#define WARD_REGISTRIES_D_URL_MAX 4096u

/* The merged *.yaml files of one registries.d directory. Opaque. */
struct ward_registries_d;

/*
 * Parse one registries.d YAML document (buf, len) named `name` into *cfg
 * (created when *cfg is NULL, else merged into): top-level `default-docker:`
 * and `docker:` (a map of scope "host[:port][/namespace...][/repo[:tag]]" to
 * a namespace); a namespace has `lookaside`, `lookaside-staging` (and their
 * old names `sigstore`, `sigstore-staging`; the new name wins when both are
 * given, as in containers/image) and `use-sigstore-attachments` (bool).
 * Scopes are spelled as policy.json docker scopes (a scope that could never
 * match, like "busybox", is refused). URLs must be file://,
 * http:// or https://. Unknown keys, anchors/aliases, tags, a scope or
 * default-docker defined twice (also across files): WARD_E_INVALID naming
 * "name:LINE".
 */
WARD_PUBLIC int ward_registries_d_parse(const char *buf, size_t len, const char *name,
					struct ward_registries_d **cfg, struct ward_error **err);
/*
 * Load every *.yaml file of the first directory of `dirs` (NULL-terminated;
 * NULL means {WARD_REGISTRIES_D_PATH, WARD_REGISTRIES_D_CONTAINERS_PATH})
 * that exists, in name order, as containers/image reads one directory (no
 * merge across directories). No directory: an empty configuration.
 */
WARD_PUBLIC int ward_registries_d_load(const char *const *dirs, struct ward_registries_d **ret,
				       struct ward_error **err);
/* The directory the configuration was read from, or NULL when none. */
WARD_PUBLIC const char *ward_registries_d_dir(const struct ward_registries_d *c);
WARD_PUBLIC void ward_registries_d_free(struct ward_registries_d *c);
static inline void
ward_registries_d_freep(struct ward_registries_d **c)
{
	ward_registries_d_free(*c);
	*c = NULL;
}

struct ward_registries_d_entry {
	char *lookaside;	 /* base URL to read signatures from */
	char *lookaside_staging; /* base URL to write to: lookaside-staging, else lookaside */
	bool use_sigstore_attachments;
	/* No scope set a lookaside: both URLs are containers/image's built-in
	 * file:///var/lib/containers/sigstore (where skopeo and podman write
	 * by default). */
	bool builtin_default;
};
WARD_PUBLIC void ward_registries_d_entry_clear(struct ward_registries_d_entry *e);

/*
 * The settings for docker_reference (fully qualified, tag or digest), each
 * field from the most specific scope that sets it: the full reference, the
 * repository, each parent namespace, the host, the "*.domain" wildcards,
 * then default-docker (as containers/image; a scope without the setting
 * passes to the next). *ret is the caller's to clear.
 */
WARD_PUBLIC int ward_registries_d_lookup(const struct ward_registries_d *c,
					 const char *docker_reference,
					 struct ward_registries_d_entry *ret,
					 struct ward_error **err);

/*
 * The lookaside location of signature number `index` (counting from 1) of
 * the manifest `digest` of `docker_reference`, as containers/image lays it
 * out: "BASE/REPO@sha256=HEX/signature-INDEX", REPO the repository path
 * without the registry host ("library/busybox"). base is a lookaside URL
 * (trailing '/' ignored). *ret is the caller's to free. For a file:// base,
 * ward_lookaside_path gives the local path instead (the URL path, which must
 * be absolute; "..", "." components and percent-escapes are refused).
 */
WARD_PUBLIC int ward_lookaside_url(const char *base, const char *docker_reference,
				   const struct ward_digest *digest, unsigned index, char **ret,
				   struct ward_error **err);
WARD_PUBLIC int ward_lookaside_path(const char *base, const char *docker_reference,
				    const struct ward_digest *digest, unsigned index, char **ret,
				    struct ward_error **err);

#endif
