/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan-inventory — libward's package inventory and SBOMs from the command
 * line, for tests/e2e/scan-inventory.bats.
 *
 *   scan-inventory list [--json] ROOTFS
 *       one line per package: TYPE NAME VERSION SRCNAME SRCVERSION ARCH
 *       LICENSE LOCATION PURL (tab-separated; the source columns hold the
 *       binary's name/version when the package has no other source, as
 *       dpkg-query's ${source:Package} does; '-' for an empty column).
 *       Then "os<TAB>ID<TAB>VERSION_ID" and, on stderr, every warning
 *       kept and "warnings: N".
 *   scan-inventory sbom cyclonedx|spdx ROOTFS [FINDINGS]
 *       the SBOM on stdout. FINDINGS: a file of lines
 *       "PKGNAME<TAB>ID<TAB>SEVERITY<TAB>SCORE<TAB>VECTOR<TAB>FIXED<TAB>ALIAS"
 *       ('-' for none) attached to the first package of that name.
 *   scan-inventory read FILE
 *       an SBOM read back, printed as `list` prints.
 *   scan-inventory time ROOTFS RUNS
 *       runs ward_scan_inventory RUNS times; prints "median_ms N packages P".
 *   scan-inventory image STORE_ROOT DIGEST
 *       the image's layers under a detached overlay, listed as `list`.
 *
 * Exit status: 0, 1 on error (message on stderr), 2 on usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ward/image.h>
#include <ward/scan.h>

static int
fail(struct ward_error *err)
{
	fprintf(stderr, "scan-inventory: %s\n", err && err->msg ? err->msg : "error");
	ward_error_free(err);
	return 1;
}

static const char *
col(const char *s)
{
	return s && *s ? s : "-";
}

static void
print_inv(const struct ward_inventory *inv, bool json)
{
	if (json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < inv->n_pkgs; i++) {
			const struct ward_package *p = &inv->pkgs[i];
			json_array_append_new(
				arr, json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s}",
					       "type", ward_pkg_type_name(p->type), "name", p->name,
					       "version", p->version, "source_name", p->source_name,
					       "source_version", p->source_version, "arch", p->arch,
					       "license", p->license, "location", p->location,
					       "purl", p->purl));
		}
		json_t *o = json_pack("{s:s?, s:s?, s:o, s:I}", "os_id", inv->os.id, "os_version",
				      inv->os.version_id, "packages", arr, "warnings",
				      (json_int_t)inv->n_warnings);
		json_dumpf(o, stdout, JSON_INDENT(1));
		putchar('\n');
		json_decref(o);
	} else {
		for (size_t i = 0; i < inv->n_pkgs; i++) {
			const struct ward_package *p = &inv->pkgs[i];
			printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", ward_pkg_type_name(p->type),
			       p->name, p->version, p->source_name ? p->source_name : p->name,
			       p->source_version ? p->source_version : p->version, col(p->arch),
			       col(p->license), col(p->location), col(p->purl));
		}
		printf("os\t%s\t%s\n", col(inv->os.id), col(inv->os.version_id));
	}
	for (size_t i = 0; i < inv->n_warnings_kept; i++)
		fprintf(stderr, "warning: %s\n", inv->warnings[i]);
	fprintf(stderr, "warnings: %zu\n", inv->n_warnings);
}

static int
scan(const char *dir, struct ward_inventory **inv, struct ward_error **err)
{
	int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC), r;
	char *src;

	if (fd < 0) {
		fprintf(stderr, "scan-inventory: open %s: %s\n", dir, strerror(errno));
		return -1;
	}
	src = ward_strdup_printf("rootfs %s", dir);
	r = ward_scan_inventory(fd, src, inv, err);
	free(src);
	close(fd);
	return r;
}

static char *
nul_if_dash(char *s)
{
	return !s || strcmp(s, "-") == 0 ? NULL : strdup(s);
}

/* Findings from a TSV file, for SBOM output with vulnerabilities. */
static int
load_findings(const char *path, const struct ward_inventory *inv, struct ward_vuln_finding **ret,
	      size_t *ret_n)
{
	FILE *f = fopen(path, "r");
	struct ward_vuln_finding *v = NULL;
	size_t n = 0;
	char line[4096];

	if (!f) {
		fprintf(stderr, "scan-inventory: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *fld[7] = {0}, *save = NULL, *t;
		size_t k = 0, pkg = (size_t)-1;
		line[strcspn(line, "\n")] = '\0';
		for (t = strtok_r(line, "\t", &save); t && k < 7; t = strtok_r(NULL, "\t", &save))
			fld[k++] = t;
		if (k < 6)
			continue;
		for (size_t i = 0; i < inv->n_pkgs; i++)
			if (strcmp(inv->pkgs[i].name, fld[0]) == 0) {
				pkg = i;
				break;
			}
		if (pkg == (size_t)-1)
			continue;
		v = realloc(v, (n + 1) * sizeof(*v));
		memset(&v[n], 0, sizeof(v[n]));
		v[n].pkg = pkg;
		v[n].id = strdup(fld[1]);
		if (ward_severity_from_name(fld[2], &v[n].severity, NULL) < 0)
			v[n].severity = WARD_SEV_UNKNOWN;
		v[n].cvss_score = strcmp(fld[3], "-") == 0 ? -1 : strtod(fld[3], NULL);
		v[n].cvss_vector = nul_if_dash(fld[4]);
		v[n].fixed_version = nul_if_dash(fld[5]);
		if (fld[6] && strcmp(fld[6], "-") != 0) {
			v[n].aliases = calloc(1, sizeof(char *));
			v[n].aliases[0] = strdup(fld[6]);
			v[n].n_aliases = 1;
		}
		v[n].summary = strdup("generated finding");
		n++;
	}
	fclose(f);
	*ret = v;
	*ret_n = n;
	return 0;
}

static void
free_findings(struct ward_vuln_finding *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].id);
		free(v[i].cvss_vector);
		free(v[i].fixed_version);
		free(v[i].summary);
		for (size_t k = 0; k < v[i].n_aliases; k++)
			free(v[i].aliases[k]);
		free(v[i].aliases);
	}
	free(v);
}

static int
cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct ward_error *err = NULL;
	struct ward_inventory *inv = NULL;

	if (argc >= 3 && strcmp(argv[1], "list") == 0) {
		bool json = strcmp(argv[2], "--json") == 0;
		if (json && argc < 4)
			goto usage;
		if (scan(argv[json ? 3 : 2], &inv, &err) < 0)
			return fail(err);
		print_inv(inv, json);
		ward_inventory_free(inv);
		return 0;
	}
	if (argc >= 4 && strcmp(argv[1], "sbom") == 0) {
		enum ward_sbom_format fmt;
		struct ward_vuln_finding *f = NULL;
		size_t nf = 0, len = 0;
		char *out = NULL;
		if (ward_sbom_format_from_name(argv[2], &fmt, &err) < 0 ||
		    scan(argv[3], &inv, &err) < 0)
			return fail(err);
		if (argc >= 5 && load_findings(argv[4], inv, &f, &nf) < 0)
			return 1;
		if (ward_sbom_write(inv, f, nf, fmt, &out, &len, &err) < 0)
			return fail(err);
		fwrite(out, 1, len, stdout);
		putchar('\n');
		free(out);
		free_findings(f, nf);
		ward_inventory_free(inv);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "read") == 0) {
		char *buf = NULL;
		size_t len = 0;
		if (ward_fs_read_all(AT_FDCWD, argv[2], WARD_SBOM_MAX, &buf, &len, &err) < 0 ||
		    ward_sbom_read(buf, len, argv[2], &inv, &err) < 0)
			return fail(err);
		free(buf);
		print_inv(inv, false);
		ward_inventory_free(inv);
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "time") == 0) {
		int runs = atoi(argv[3]);
		long ms[64];
		size_t pkgs = 0;
		if (runs < 1 || runs > 64)
			goto usage;
		for (int i = 0; i < runs; i++) {
			struct timespec a, b;
			clock_gettime(CLOCK_MONOTONIC, &a);
			if (scan(argv[2], &inv, &err) < 0)
				return fail(err);
			clock_gettime(CLOCK_MONOTONIC, &b);
			ms[i] = (b.tv_sec - a.tv_sec) * 1000000L + (b.tv_nsec - a.tv_nsec) / 1000;
			pkgs = inv->n_pkgs;
			ward_inventory_free(inv);
		}
		qsort(ms, (size_t)runs, sizeof(long), cmp_long);
		printf("median_ms %.1f packages %zu\n", (double)ms[runs / 2] / 1000.0, pkgs);
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "image") == 0) {
		struct ward_store *s = NULL;
		struct ward_digest d;
		int fd = -1;
		if (ward_store_open(argv[2], false, &s, &err) < 0 ||
		    ward_digest_parse(argv[3], &d, &err) < 0 ||
		    ward_scan_open_image_rootfs(s, &d, &fd, &err) < 0 ||
		    ward_scan_inventory(fd, argv[3], &inv, &err) < 0)
			return fail(err);
		close(fd);
		ward_store_free(s);
		print_inv(inv, false);
		ward_inventory_free(inv);
		return 0;
	}
usage:
	fprintf(stderr, "usage: scan-inventory list [--json] ROOTFS | sbom cyclonedx|spdx ROOTFS "
			"[FINDINGS] | read FILE | time ROOTFS RUNS | image STORE DIGEST\n");
	return 2;
}
