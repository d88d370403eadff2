/* SPDX-License-Identifier: Apache-2.0 */
#ifndef WARD_AUDIT_INTERNAL_H
#define WARD_AUDIT_INTERNAL_H

#include <ward/audit.h>

/* Bytes of a value quoted in evidence; longer values are cut with "…". */
#define AUDIT_EVIDENCE_VALUE_MAX 200

/* Printable, bounded copy of untrusted text for evidence (control bytes as
 * '?', so a hostile config cannot drive the terminal). Static buffer-free:
 * writes into buf. */
void audit_sanitize(const char *s, char *buf, size_t size);

/* A secret found while scanning, recorded under check 4.10. */
struct audit_secret_ctx {
	struct ward_audit_report *r;
	const char *target;
	const char *path;  /* file or "Env" / "history[3]" */
	const char *where; /* label for evidence ("layer sha256:…", "config.Env[2]") */
	int rc;
};
int audit_secret_record(void *opaque, const struct ward_secret_match *m);

#endif
