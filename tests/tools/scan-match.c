/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan-match — drive libward's vulnerability database directly, to measure
 * it (bench/scan) and to look at what it finds without the CLI.
 *
 *   scan-match import DB PATH...
 *       import OSV files, directories or zips into DB (created if needed);
 *       prints the import statistics, the time and the rate in records/s.
 *   scan-match scan DB ROOTFS [REPEAT]
 *       the whole scan REPEAT times (default 1): open DB, read the rootfs'
 *       inventory, match, close; prints each time in ms (and the match's
 *       part), then the medians, the package and finding counts.
 *   scan-match findings DB ROOTFS
 *       one line per finding: package, installed version, id, severity,
 *       fixed version, aliases.
 *   scan-match status DB
 *
 * Exit status: 0, 1 on error, 2 on usage.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ward/scan.h>

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
die_err(const char *what, struct ward_error *err)
{
	fprintf(stderr, "scan-match: %s: %s\n", what, err && err->msg ? err->msg : "failed");
	ward_error_free(err);
	return 1;
}

static int
cmd_import(const char *dbpath, char **paths, size_t n)
{
	struct ward_vulndb_import_stats st = {0};
	struct ward_error *err = NULL;
	struct ward_vulndb *db = NULL;
	double t0, t1;

	if (ward_vulndb_open(dbpath, true, &db, &err) < 0)
		return die_err("open", err);
	t0 = now_ms();
	if (ward_vulndb_import(db, paths, n, &st, &err) < 0) {
		ward_vulndb_close(db);
		return die_err("import", err);
	}
	t1 = now_ms();
	ward_vulndb_close(db);
	printf("records %zu withdrawn %zu skipped %zu unchanged %zu files %zu warnings %zu\n",
	       st.records, st.withdrawn, st.skipped, st.unchanged, st.files, st.n_warnings);
	for (size_t i = 0; i < st.n_warnings_kept && i < 5; i++)
		printf("warning: %s\n", st.warnings[i]);
	printf("import_ms %.1f rate %.0f records/s\n", t1 - t0,
	       (double)(st.records + st.unchanged + st.withdrawn + st.skipped) / ((t1 - t0) / 1e3));
	ward_vulndb_import_stats_clear(&st);
	return 0;
}

static double last_match_ms; /* of the latest scan_once: a tool, one thread */

static int
scan_once(const char *dbpath, const char *rootfs, struct ward_scan_report **ret)
{
	double t0;
	struct ward_error *err = NULL;
	struct ward_vulndb *db = NULL;
	struct ward_inventory *inv = NULL;
	int fd = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (fd < 0) {
		perror(rootfs);
		return -1;
	}
	if (ward_vulndb_open(dbpath, false, &db, &err) < 0) {
		close(fd);
		return die_err("open", err), -1;
	}
	r = ward_scan_inventory(fd, "rootfs", &inv, &err);
	close(fd);
	if (r < 0) {
		ward_vulndb_close(db);
		return die_err("inventory", err), -1;
	}
	t0 = now_ms();
	r = ward_vulndb_match(db, inv, ret, &err);
	last_match_ms = now_ms() - t0;
	ward_vulndb_close(db);
	if (r < 0)
		return die_err("match", err), -1;
	return 0;
}

static int
dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int
cmd_scan(const char *dbpath, const char *rootfs, int repeat)
{
	double *t = calloc((size_t)repeat, sizeof(double));
	double *mt = calloc((size_t)repeat, sizeof(double));
	size_t pkgs = 0, findings = 0;

	if (!t || !mt) {
		free(t);
		free(mt);
		return 1;
	}
	for (int i = 0; i < repeat; i++) {
		struct ward_scan_report *rep = NULL;
		double t0 = now_ms();
		if (scan_once(dbpath, rootfs, &rep) < 0) {
			free(t);
			free(mt);
			return 1;
		}
		t[i] = now_ms() - t0;
		mt[i] = last_match_ms;
		pkgs = rep->inv->n_pkgs;
		findings = rep->n_findings;
		ward_scan_report_free(rep);
		printf("scan_ms %.2f match_ms %.2f\n", t[i], mt[i]);
	}
	qsort(t, (size_t)repeat, sizeof(double), dbl_cmp);
	qsort(mt, (size_t)repeat, sizeof(double), dbl_cmp);
	printf("median_ms %.2f match_median_ms %.2f packages %zu findings %zu\n", t[repeat / 2],
	       mt[repeat / 2], pkgs, findings);
	free(t);
	free(mt);
	return 0;
}

static int
cmd_findings(const char *dbpath, const char *rootfs)
{
	struct ward_scan_report *rep = NULL;

	if (scan_once(dbpath, rootfs, &rep) < 0)
		return 1;
	for (size_t i = 0; i < rep->n_findings; i++) {
		const struct ward_vuln_finding *f = &rep->findings[i];
		const struct ward_package *p = &rep->inv->pkgs[f->pkg];
		printf("%s\t%s\t%s\t%s\t%s\t%s", p->name, p->version, f->matched_name, f->id,
		       ward_severity_name(f->severity), f->fixed_version ? f->fixed_version : "-");
		for (size_t k = 0; k < f->n_aliases; k++)
			printf("%s%s", k ? "," : "\t", f->aliases[k]);
		printf("\n");
	}
	ward_scan_report_free(rep);
	return 0;
}

static int
cmd_status(const char *dbpath)
{
	struct ward_vulndb_status st = {0};
	struct ward_error *err = NULL;
	struct ward_vulndb *db = NULL;

	if (ward_vulndb_open(dbpath, false, &db, &err) < 0)
		return die_err("open", err);
	if (ward_vulndb_status(db, &st, &err) < 0) {
		ward_vulndb_close(db);
		return die_err("status", err);
	}
	printf("records %zu last_import %lld newest_modified %lld\n", st.records,
	       (long long)st.last_import, (long long)st.newest_modified);
	for (size_t i = 0; i < st.n_sources; i++)
		printf("%s\t%zu\n", st.sources[i].ecosystem, st.sources[i].records);
	ward_vulndb_status_clear(&st);
	ward_vulndb_close(db);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "import") == 0)
		return cmd_import(argv[2], argv + 3, (size_t)(argc - 3));
	if ((argc == 4 || argc == 5) && strcmp(argv[1], "scan") == 0) {
		int repeat = argc == 5 ? atoi(argv[4]) : 1;
		return cmd_scan(argv[2], argv[3], repeat > 0 && repeat < 100000 ? repeat : 1);
	}
	if (argc == 4 && strcmp(argv[1], "findings") == 0)
		return cmd_findings(argv[2], argv[3]);
	if (argc == 3 && strcmp(argv[1], "status") == 0)
		return cmd_status(argv[2]);
	fprintf(stderr, "usage: scan-match import DB PATH... | scan DB ROOTFS [REPEAT] | "
			"findings DB ROOTFS | status DB\n");
	return 2;
}
