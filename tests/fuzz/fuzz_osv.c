/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the OSV record parser (and the CVSS v3 vector parser on inputs that
 * start with "CVSS:"). Every call must return cleanly; a parsed record must
 * hold only what the parser promises: ids, names and versions without
 * control characters, every kept range with an introduced event and its
 * events in the range's version order, a stored form that splits back
 * into the same number of lines, a severity in range. A refused record
 * must come with an error naming the document.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ward/scan.h>

#include "scan/osv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static bool
special(const struct osv_event *e)
{
	return (e->kind == OSV_EV_INTRODUCED && strcmp(e->version, "0") == 0) ||
	       (e->kind == OSV_EV_LIMIT && strcmp(e->version, "*") == 0);
}

static void
check_record(const struct osv_record *rec)
{
	if (!rec->id || !*rec->id || !printable(rec->id))
		__builtin_trap();
	for (size_t i = 0; i < rec->n_aliases; i++)
		if (!printable(rec->aliases[i]) || strcmp(rec->aliases[i], rec->id) == 0)
			__builtin_trap();
	for (size_t i = 0; i < rec->n_affected; i++) {
		const struct osv_affected *a = &rec->affected[i];
		size_t lines = 0, want = 0;
		char *enc;

		if (!a->name || !*a->name || !printable(a->name) || !a->key ||
		    (unsigned)a->severity > WARD_SEV_CRITICAL || a->cvss > 10.0 ||
		    (a->n_ranges == 0 && a->n_versions == 0))
			__builtin_trap();
		for (size_t k = 0; k < a->n_ranges; k++) {
			const struct osv_range *rg = &a->ranges[k];
			enum ward_version_scheme s = osv_range_scheme(rg->type, &a->eco);
			bool intro = false;

			want += 1 + rg->n_events;
			for (size_t e = 0; e < rg->n_events; e++) {
				const struct osv_event *ev = &rg->events[e];
				intro |= ev->kind == OSV_EV_INTRODUCED;
				if (!special(ev) &&
				    !ward_version_valid(s, osv_version_for(s, ev->version)))
					__builtin_trap();
				if (e > 0 && !special(ev) && !special(&rg->events[e - 1])) {
					int c = 2;
					if (ward_version_compare(
						    s,
						    osv_version_for(s, rg->events[e - 1].version),
						    osv_version_for(s, ev->version), &c,
						    NULL) < 0 ||
					    c > 0)
						__builtin_trap();
				}
			}
			if (!intro)
				__builtin_trap();
		}
		want += a->n_versions;
		for (size_t k = 0; k < a->n_versions; k++)
			if (!printable(a->versions[k]))
				__builtin_trap();
		enc = osv_ranges_encode(a);
		if (!enc)
			continue; /* out of memory */
		if (*enc)
			lines = 1;
		for (const char *p = enc; *p; p++)
			lines += *p == '\n';
		if (lines != want)
			__builtin_trap();
		free(enc);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct osv_warnings w = {0};
	struct osv_record rec = {0};
	struct ward_error *err = NULL;
	char *buf;

	if (size > 1u << 20)
		return 0;
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	if (size >= 5 && memcmp(buf, "CVSS:", 5) == 0) {
		double score = -1;
		if (ward_cvss3_base_score(buf, &score, &err) == 0) {
			if (score < 0 || score > 10.0 || err)
				__builtin_trap();
		} else if (!err || !err->msg) {
			__builtin_trap();
		}
		ward_error_free(err);
		free(buf);
		return 0;
	}
	if (osv_parse(buf, size, "fuzz.json", &rec, &w, &err) == 0) {
		check_record(&rec);
		osv_record_clear(&rec);
	} else if (!err || !err->msg || !strstr(err->msg, "fuzz.json")) {
		__builtin_trap();
	}
	for (size_t i = 0; i < w.n_kept; i++)
		if (!printable(w.kept[i]))
			__builtin_trap();
	ward_error_free(err);
	osv_warnings_clear(&w);
	free(buf);
	return 0;
}
