/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the ignore-file and OpenVEX parsers of `ward scan` and the filter
 * that applies them. The first byte picks the parser (even: ignore file,
 * odd: OpenVEX); the rest is the document. A refused document must come
 * with a message naming it; an accepted one is applied to a small report
 * (purls with qualifiers, an image digest) and then the report rendered
 * as JSON, SARIF and a table: every call must return cleanly, and the
 * filter must never add findings or leave a suppressed one without a
 * reason.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ward/scan.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *
xs(const char *s)
{
	char *d = strdup(s);
	if (!d)
		abort();
	return d;
}

static struct ward_scan_report *
make_report(void)
{
	static const char *const names[] = {"libssl3", "bash"};
	static const char *const purls[] = {
		"pkg:deb/debian/libssl3@3.0.11-1?arch=amd64&distro=debian-12",
		"pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64"};
	static const char *const ids[] = {"CVE-2024-0001", "CVE-2024-0002", "GHSA-aaaa-bbbb-cccc"};
	struct ward_scan_report *r = calloc(1, sizeof(*r));

	if (!r || !(r->inv = calloc(1, sizeof(*r->inv))) ||
	    !(r->inv->pkgs = calloc(2, sizeof(*r->inv->pkgs))) ||
	    !(r->findings = calloc(3, sizeof(*r->findings))))
		abort();
	r->inv->n_pkgs = 2;
	for (size_t i = 0; i < 2; i++) {
		r->inv->pkgs[i].name = xs(names[i]);
		r->inv->pkgs[i].version = xs("1.0-1");
		r->inv->pkgs[i].purl = xs(purls[i]);
		r->inv->pkgs[i].location = xs("/var/lib/dpkg/status");
	}
	r->inv->pkgs[0].source_name = xs("openssl");
	r->n_findings = 3;
	for (size_t i = 0; i < 3; i++) {
		struct ward_vuln_finding *f = &r->findings[i];
		f->pkg = i % 2;
		f->id = xs(ids[i]);
		f->severity = (enum ward_severity)(i + 2);
		f->cvss_score = -1;
		if (i != 1)
			f->fixed_version = xs("1.0-2");
		if (!(f->aliases = calloc(1, sizeof(char *))))
			abort();
		f->aliases[0] = xs(i ? "DSA-1-1" : "DLA-2-1");
		f->n_aliases = 1;
	}
	r->image_digest =
		xs("sha256:1111111111111111111111111111111111111111111111111111111111111111");
	return r;
}

static void
render(const struct ward_scan_report *r)
{
	json_t *j = NULL;
	FILE *f = fopen("/dev/null", "w");

	if (ward_scan_report_json(r, true, &j, NULL) == 0)
		json_decref(j);
	if (ward_scan_report_sarif(r, &j, NULL) == 0)
		json_decref(j);
	if (f) {
		(void)ward_scan_report_table(r, f, true, NULL);
		fclose(f);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ward_ignore_file *ig = NULL;
	struct ward_vex *vx = NULL;
	struct ward_error *err = NULL;
	struct ward_scan_report *r;
	struct ward_scan_filter f = {.now = 1790000000};
	struct ward_scan_filter_stats st = {0};
	const struct ward_vex *vs[1];
	const char *buf = (const char *)data + 1;
	size_t len = size ? size - 1 : 0;
	int rc;

	if (size < 1)
		return 0;
	if (data[0] % 2 == 0)
		rc = ward_ignore_parse(buf, len, "fuzz.ignore", &ig, &err);
	else
		rc = ward_vex_parse(buf, len, "fuzz.vex", &vx, &err);
	if (rc < 0) {
		if (!err || !err->msg ||
		    !strstr(err->msg, data[0] % 2 ? "fuzz.vex" : "fuzz.ignore"))
			__builtin_trap();
		ward_error_free(err);
		return 0;
	}
	r = make_report();
	f.ignore = ig;
	if (vx) {
		vs[0] = vx;
		f.vex = vs;
		f.n_vex = 1;
	}
	f.ignore_unfixed = data[0] & 2;
	if (ward_scan_filter_apply(r, &f, &st, &err) < 0)
		__builtin_trap(); /* only ENOMEM may fail */
	if (r->n_findings > 3)
		__builtin_trap();
	for (size_t i = 0; i < r->n_findings; i++)
		if (r->findings[i].suppressed && !r->findings[i].suppressed_by)
			__builtin_trap();
	render(r);
	(void)ward_scan_failing(r, WARD_SEV_LOW);
	ward_scan_filter_stats_clear(&st);
	ward_scan_report_free(r);
	ward_ignore_free(ig);
	ward_vex_free(vx);
	return 0;
}
