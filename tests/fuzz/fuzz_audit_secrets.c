/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the audit's readers of hostile bytes: the secret detectors over a
 * layer file's contents (any bytes, NULs included), an environment entry,
 * and the config.json and image config auditors. Invariants: every match
 * has a known kind, a line within the input, and a redacted form that is
 * short and shows at most four characters of the secret; every report
 * renders as JSON and SARIF.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ward/audit.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct ctx {
	size_t lines;
};

static int
check_match(void *opaque, const struct ward_secret_match *m)
{
	const struct ctx *c = opaque;
	const char *ell = strstr(m->redacted, "\xe2\x80\xa6(");

	if ((unsigned)m->kind >= WARD_SECRET_KIND_COUNT || m->line > c->lines + 1 || !ell ||
	    ell - m->redacted > 4 || strlen(m->redacted) >= sizeof(m->redacted) ||
	    m->severity > WARD_AUDIT_CRITICAL)
		__builtin_trap();
	return 0;
}

static void
render(struct ward_audit_report *r)
{
	json_t *j = ward_audit_report_json(r, true), *s = ward_audit_report_sarif(r);

	if (!j || !s)
		__builtin_trap();
	json_decref(j);
	json_decref(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctx c = {1};
	struct ward_audit_report *r = NULL;
	struct ward_error *err = NULL;
	char *text;

	if (size < 1 || size > (1u << 20))
		return 0;
	for (size_t i = 1; i < size; i++)
		c.lines += data[i] == '\n';
	switch (data[0] % 4) {
	case 0:
		if (ward_secrets_scan((const char *)data + 1, size - 1, check_match, &c) < 0)
			__builtin_trap();
		break;
	case 1:
		if (!(text = strndup((const char *)data + 1, size - 1)))
			return 0;
		c.lines = 0;
		if (ward_secrets_scan_env(text, check_match, &c) < 0)
			__builtin_trap();
		free(text);
		break;
	case 2:
	case 3:
		if (ward_audit_report_new(&r, NULL) < 0)
			return 0;
		if ((data[0] % 4 == 2
			     ? ward_audit_runtime_config(r, "bundle fuzz", (const char *)data + 1,
							 size - 1, NULL, &err)
			     : ward_audit_image_config(r, "image fuzz", "quay.io/a/b:1",
						       (const char *)data + 1, size - 1, NULL,
						       &err)) < 0) {
			if (!err || !err->msg)
				__builtin_trap();
			ward_error_free(err);
		} else {
			render(r);
		}
		ward_audit_report_free(r);
		break;
	}
	return 0;
}
