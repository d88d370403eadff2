/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ward audit: configuration checks after the CIS Docker Benchmark v1.6.0
 * (section 4, images; section 5, container runtime) of images, containers,
 * OCI bundles and root filesystems, checks of ward's own files on the host,
 * and secrets left in image layers. docs/audit.md lists every check.
 *
 * Everything audited is hostile: config.json and image configs are parsed
 * with bounds (WARD_AUDIT_CONFIG_MAX, WARD_JSON_MAX_DEPTH), layer files are
 * read through their parent directory fd, never following a symlink and
 * never leaving the tree, within WARD_AUDIT_FILE_MAX / _MAX_FILES / _MAX_DEPTH.
 * A secret found is never stored in a report: only its redacted form
 * ("AKIA…(20 chars)"), so no output format can leak it.
 */
#ifndef WARD_AUDIT_H
#define WARD_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ward/util.h>

#define WARD_AUDIT_CONFIG_MAX (4u << 20)   /* config.json / image config bytes */
#define WARD_AUDIT_MAX_FINDINGS 20000u	   /* kept per report; more are counted */
#define WARD_AUDIT_FILE_MAX (8u << 20)	   /* bytes of one file scanned for secrets */
#define WARD_AUDIT_MAX_FILES 500000u	   /* files visited in one tree */
#define WARD_AUDIT_MAX_DEPTH 200u	   /* directory depth in one tree */
#define WARD_AUDIT_SCAN_BYTES (2ull << 30) /* bytes read for secrets in one tree */
#define WARD_AUDIT_SECRETS_PER_FILE 32u	   /* secrets reported from one file */
#define WARD_AUDIT_SETUID_MAX 256u	   /* setuid/setgid files reported per tree */

enum ward_audit_severity {
	WARD_AUDIT_INFO = 0,
	WARD_AUDIT_LOW,
	WARD_AUDIT_MEDIUM,
	WARD_AUDIT_HIGH,
	WARD_AUDIT_CRITICAL,
};

/* "info", "low", "medium", "high", "critical". Static storage. */
WARD_PUBLIC const char *ward_audit_severity_name(enum ward_audit_severity s);
/* Inverse (case-insensitive); anything else is WARD_E_INVALID naming it. */
WARD_PUBLIC int ward_audit_severity_parse(const char *s, enum ward_audit_severity *ret,
					  struct ward_error **err);

/* One check of the catalogue (static storage). */
struct ward_audit_check {
	const char *id;	 /* CIS "section.check" ("5.4"), or ward's "H1".."H9" for the host */
	const char *cis; /* the CIS Docker Benchmark v1.6.0 item it follows */
	const char *title;
	enum ward_audit_severity severity; /* of a failure, unless a finding raises it */
	const char *remediation;	   /* the ward flag or command that fixes it */
	const char *rationale;		   /* the attack it stops */
};

/* The catalogue, NULL-terminated by a zero entry; *ret_n its length. */
WARD_PUBLIC const struct ward_audit_check *ward_audit_checks(size_t *ret_n);
/* The check of that id, NULL when none. */
WARD_PUBLIC const struct ward_audit_check *ward_audit_check_find(const char *id);

struct ward_audit_finding {
	const struct ward_audit_check *check;
	enum ward_audit_severity severity;
	bool passed;	   /* the check ran and found nothing */
	char *target;	   /* "container web", "image busybox:latest", "bundle DIR", "host" */
	char *evidence;	   /* the field and value found; secrets only redacted */
	char *remediation; /* specific fix, else a copy of the check's */
	char *path;	   /* file the finding is about, NULL when none */
	unsigned line;	   /* 1-based line in path, 0 when none */
};

struct ward_audit_report {
	struct ward_audit_finding *v;
	size_t n, cap;
	size_t dropped; /* findings past WARD_AUDIT_MAX_FINDINGS */
	char **targets; /* audited, in order, NULL-terminated */
	size_t n_targets;
	/* tree walks (layers, --rootfs) */
	uint64_t files_scanned; /* regular files read for secrets */
	uint64_t files_skipped; /* too large, binary, unreadable or past the limits */
	uint64_t bytes_scanned;
	char **warnings; /* things not audited and why, NULL-terminated */
	size_t n_warnings;
};

WARD_PUBLIC int ward_audit_report_new(struct ward_audit_report **ret, struct ward_error **err);
WARD_PUBLIC void ward_audit_report_free(struct ward_audit_report *r);
static inline void
ward_audit_report_freep(struct ward_audit_report **r)
{
	ward_audit_report_free(*r);
}
/* Record a finding (evidence formatted). remediation NULL: the check's.
 * passed findings carry severity INFO. Returns 0 or -ENOMEM. */
WARD_PUBLIC int ward_audit_add(struct ward_audit_report *r, const char *check_id,
			       const char *target, bool passed, enum ward_audit_severity sev,
			       const char *path, unsigned line, const char *remediation,
			       const char *fmt, ...) __attribute__((format(printf, 9, 10)));
WARD_PUBLIC int ward_audit_warn(struct ward_audit_report *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
WARD_PUBLIC int ward_audit_add_target(struct ward_audit_report *r, const char *target);
/* Failed findings at or above sev. */
WARD_PUBLIC size_t ward_audit_count_failed(const struct ward_audit_report *r,
					   enum ward_audit_severity sev);
WARD_PUBLIC size_t ward_audit_count_passed(const struct ward_audit_report *r);

/* ---- targets ------------------------------------------------------------- */

/* The trust policy's verdict on an image, which the front end evaluates
 * (include/ward/policy.h) and 4.2 reports. */
enum ward_audit_trust {
	WARD_AUDIT_TRUST_UNKNOWN = 0, /* not evaluated */
	WARD_AUDIT_TRUST_SIGNED,      /* admitted with a verified signature */
	WARD_AUDIT_TRUST_UNSIGNED,    /* admitted without one (insecureAcceptAnything) */
	WARD_AUDIT_TRUST_REFUSED,     /* `ward run` would refuse it */
};

struct ward_audit_opts {
	const char *engine_root; /* --root (default /var/lib/ward): a sensitive mount source */
	const char *run_root;	 /* --runroot (default /run/ward) */
	/* registries.conf as loaded (struct ward_registries_conf *), or NULL:
	 * blocked and insecure registries raise 4.2. */
	const void *registries_conf;
	uint64_t file_max;   /* 0: WARD_AUDIT_FILE_MAX */
	uint64_t max_files;  /* 0: WARD_AUDIT_MAX_FILES */
	uint64_t scan_bytes; /* 0: WARD_AUDIT_SCAN_BYTES */
	bool no_secrets;     /* skip reading file contents */
	/* 4.2 for the image being audited: the policy's verdict and its message
	 * (the decision, or why it refused). */
	enum ward_audit_trust trust;
	const char *trust_detail;
};

/*
 * Section 5 (and 4.1 for the process user) on an OCI runtime config,
 * config.json text of at most WARD_AUDIT_CONFIG_MAX bytes. Malformed JSON or
 * a document that is not an object: WARD_E_INVALID naming `target`; fields of
 * the wrong type are findings' evidence, not errors, so one odd field never
 * hides the rest of the audit.
 */
WARD_PUBLIC int ward_audit_runtime_config(struct ward_audit_report *r, const char *target,
					  const char *buf, size_t len,
					  const struct ward_audit_opts *o, struct ward_error **err);
/* <dir>/config.json of an OCI bundle, read without following a symlink. */
WARD_PUBLIC int ward_audit_bundle(struct ward_audit_report *r, const char *target, const char *dir,
				  const struct ward_audit_opts *o, struct ward_error **err);

/*
 * Section 4 on an OCI / Docker image config (the JSON blob): 4.1 USER,
 * 4.6 HEALTHCHECK, 4.10 secrets in Env and in history (build args and RUN
 * lines), and 4.2 the image's origin from its reference `ref` (the name
 * it was pulled or tagged as; NULL when unknown).
 */
WARD_PUBLIC int ward_audit_image_config(struct ward_audit_report *r, const char *target,
					const char *ref, const char *buf, size_t len,
					const struct ward_audit_opts *o, struct ward_error **err);

/*
 * 4.8 (setuid/setgid) and 4.10 (secrets in files) over one directory tree
 * (an unpacked layer or a root filesystem). label names the tree in
 * evidence ("layer 1 sha256:1234…"). Symlinks are never followed,
 * other file systems are not entered, and every limit reached is a warning
 * in the report (the audit goes on).
 */
WARD_PUBLIC int ward_audit_tree(struct ward_audit_report *r, const char *target, const char *label,
				int dirfd, const struct ward_audit_opts *o,
				struct ward_error **err);

/* The host: ward's own files and keys (checks H1..H9). Paths that are
 * absent are passed checks saying so. */
struct ward_audit_host_paths {
	const char *root;      /* engine root */
	const char *run_root;  /* state of live containers */
	const char *etc_dir;   /* /etc/ward: policy.json, keys */
	const char *authfile;  /* registry credentials (auth.json) */
	char *const *binaries; /* ward's executables, NULL-terminated, may be NULL */
};
WARD_PUBLIC int ward_audit_host(struct ward_audit_report *r, const struct ward_audit_host_paths *p,
				struct ward_error **err);

/* ---- secrets ---------------------------------------------------------------- */

enum ward_secret_kind {
	WARD_SECRET_PRIVATE_KEY = 0, /* PEM "-----BEGIN ... PRIVATE KEY-----", OpenSSH */
	WARD_SECRET_AWS_ACCESS_KEY_ID,
	WARD_SECRET_AWS_SECRET_KEY,
	WARD_SECRET_GCP_SERVICE_ACCOUNT,
	WARD_SECRET_GITHUB_TOKEN,
	WARD_SECRET_SLACK_TOKEN,
	WARD_SECRET_SLACK_WEBHOOK,
	WARD_SECRET_PASSWORD_VAR, /* PASSWORD=..., TOKEN=... in an environment */
	WARD_SECRET_KIND_COUNT,
};

/* "private-key", "aws-access-key-id", ... Static storage. */
WARD_PUBLIC const char *ward_secret_kind_name(enum ward_secret_kind k);

struct ward_secret_match {
	enum ward_secret_kind kind;
	enum ward_audit_severity severity;
	unsigned line;	   /* 1-based */
	char redacted[64]; /* first 4 characters, "…", the length: never the secret */
	char detail[96];   /* e.g. "with a secret access key 1 line(s) away"; "" when none */
};

/* Called per match; a negative return stops the scan and is returned. */
typedef int (*ward_secret_fn)(void *opaque, const struct ward_secret_match *m);

/*
 * Look for secrets in (buf, len), which may hold NULs and any bytes. At most
 * WARD_AUDIT_SECRETS_PER_FILE matches are reported. Returns the count
 * reported or the callback's negative value.
 */
WARD_PUBLIC int ward_secrets_scan(const char *buf, size_t len, ward_secret_fn fn, void *opaque);
/* One environment entry "KEY=VALUE" (Env of an image, process.env): the
 * detectors above on VALUE, and a PASSWORD/SECRET/TOKEN-like KEY with a
 * literal VALUE. Same return as ward_secrets_scan. */
WARD_PUBLIC int ward_secrets_scan_env(const char *kv, ward_secret_fn fn, void *opaque);
/* "abcd…(N chars)" of (s, n) into buf; fewer than 8 characters show none. */
WARD_PUBLIC void ward_secret_redact(const char *s, size_t n, char *buf, size_t size);

/* ---- output ------------------------------------------------------------------ */

/* The report as JSON (docs/audit.md); all: passed checks too. Caller decrefs. */
WARD_PUBLIC json_t *ward_audit_report_json(const struct ward_audit_report *r, bool all);
/* SARIF 2.1.0: one run, tool.driver "ward audit" with a rule per check that
 * ran, a result per failed finding. Caller decrefs. NULL on ENOMEM. */
WARD_PUBLIC json_t *ward_audit_report_sarif(const struct ward_audit_report *r);

#endif
