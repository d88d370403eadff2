/* SPDX-License-Identifier: Apache-2.0 */
/* ward db import PATH..., ward db status: the OSV vulnerability database. */
#include <errno.h>
#include <stdio.h>
#include <time.h>

#include <ward/scan.h>

#include "cli.h"

int
ward_cli_vulndb_path(struct ward_cli *cli, const char *flag, char *buf, size_t size,
		     struct ward_error **err)
{
	int n = flag ? snprintf(buf, size, "%s", flag)
		     : snprintf(buf, size, "%s/vulndb/osv.db", cli->root);

	if (n < 0 || (size_t)n >= size)
		return ward_error_set(err, ENAMETOOLONG, "vulnerability database path");
	return 0;
}

static void
db_help(void)
{
	printf("usage: ward db import [--db PATH] PATH...   import OSV JSON files, directories "
	       "or zip archives\n"
	       "       ward db status [--db PATH] [--format table|json]\n\n"
	       "  --db PATH   the database (default ROOT/vulndb/osv.db)\n");
}

static void
iso_time(int64_t t, char *buf, size_t size)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t <= 0 || !gmtime_r(&tt, &tm) || !strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, size, "never");
}

static int
parse_db_opts(int argc, char **argv, const char *verb, const char **db, bool *json,
	      bool allow_format)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},
		{"format", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			*db = optarg;
			break;
		case 'f':
			if (!allow_format)
				return ward_cli_usage(verb, "--format: only for 'db status'");
			if (ward_cli_parse_format(verb, optarg, json) != 0)
				return WARD_EXIT_ENGINE;
			break;
		case 'h':
			db_help();
			return -1;
		default:
			return ward_cli_usage(verb, "invalid option");
		}
	}
	return 0;
}

static int
db_import(struct ward_cli *cli, int argc, char **argv)
{
	struct ward_vulndb_import_stats st = {0};
	struct ward_vulndb *db = NULL;
	struct ward_error *err = NULL;
	const char *flag = NULL;
	char path[4096];
	bool json = false;
	long t0;
	double secs;
	int r;

	if ((r = parse_db_opts(argc, argv, "db import", &flag, &json, false)) != 0)
		return r < 0 ? 0 : r;
	if (optind >= argc)
		return ward_cli_usage("db import", "usage: ward db import [--db PATH] PATH...");
	if (ward_cli_vulndb_path(cli, flag, path, sizeof(path), &err) < 0 ||
	    ward_vulndb_open(path, true, &db, &err) < 0)
		return ward_cli_fail(cli, err);
	t0 = ward_now_ms();
	r = ward_vulndb_import(db, argv + optind, (size_t)(argc - optind), &st, &err);
	secs = (double)(ward_now_ms() - t0) / 1000.0;
	ward_vulndb_close(db);
	if (r < 0) {
		ward_vulndb_import_stats_clear(&st);
		ward_error_wrap(&err, "db import (nothing was imported)");
		return ward_cli_fail(cli, err);
	}
	for (size_t i = 0; i < st.n_warnings_kept; i++)
		fprintf(stderr, "Warning: %s\n", st.warnings[i]);
	if (st.n_warnings > st.n_warnings_kept)
		fprintf(stderr, "Warning: ... and %zu more\n", st.n_warnings - st.n_warnings_kept);
	printf("Imported %zu record%s from %zu file%s into %s in %.2fs", st.records,
	       st.records == 1 ? "" : "s", st.files, st.files == 1 ? "" : "s", path, secs);
	if (secs >= 0.01) /* a rate over a few milliseconds says nothing */
		printf(" (%.0f records/s)", (double)(st.records + st.unchanged) / secs);
	printf(": %zu unchanged, %zu withdrawn, %zu skipped\n", st.unchanged, st.withdrawn,
	       st.skipped);
	ward_vulndb_import_stats_clear(&st);
	return 0;
}

static int
db_status(struct ward_cli *cli, int argc, char **argv)
{
	struct ward_vulndb_status st = {0};
	struct ward_vulndb *db = NULL;
	struct ward_error *err = NULL;
	const char *flag = NULL;
	char path[4096], last[32], newest[32];
	int64_t now = (int64_t)time(NULL), fresh;
	bool json = false;
	int r;

	if ((r = parse_db_opts(argc, argv, "db status", &flag, &json, true)) != 0)
		return r < 0 ? 0 : r;
	if (optind < argc)
		return ward_cli_usage("db status", "unexpected argument '%s'", argv[optind]);
	if (ward_cli_vulndb_path(cli, flag, path, sizeof(path), &err) < 0)
		return ward_cli_fail(cli, err);
	if (access(path, F_OK) < 0) {
		ward_error_setk(&err, WARD_E_NOTFOUND, ENOENT,
				"no vulnerability database at %s (ward db import PATH... makes it)",
				path);
		return ward_cli_fail(cli, err);
	}
	if (ward_vulndb_open(path, false, &db, &err) < 0 || ward_vulndb_status(db, &st, &err) < 0) {
		ward_vulndb_close(db);
		ward_error_wrap(&err, "db status");
		return ward_cli_fail(cli, err);
	}
	ward_vulndb_close(db);
	fresh = st.newest_modified > 0 ? st.newest_modified : st.last_import;
	iso_time(st.last_import, last, sizeof(last));
	iso_time(st.newest_modified, newest, sizeof(newest));
	if (json) {
		json_t *src = json_array(), *doc;
		char *text;
		for (size_t i = 0; src && i < st.n_sources; i++)
			json_array_append_new(src, json_pack("{s:s, s:I}", "ecosystem",
							     st.sources[i].ecosystem, "records",
							     (json_int_t)st.sources[i].records));
		doc = json_pack(
			"{s:s, s:I, s:s?, s:s?, s:o, s:o}", "path", path, "records",
			(json_int_t)st.records, "lastImport", st.last_import > 0 ? last : NULL,
			"newestModified", st.newest_modified > 0 ? newest : NULL, "ageSeconds",
			fresh > 0 ? json_integer(now - fresh) : json_null(), "sources", src);
		text = doc ? json_dumps(doc, JSON_INDENT(2)) : NULL;
		json_decref(doc);
		if (!text) {
			ward_vulndb_status_clear(&st);
			ward_error_set(&err, ENOMEM, "db status");
			return ward_cli_fail(cli, err);
		}
		puts(text);
		free(text);
	} else {
		printf("Database:        %s\n", path);
		printf("Records:         %zu\n", st.records);
		printf("Last import:     %s\n", last);
		printf("Newest modified: %s\n", newest);
		if (fresh > 0)
			printf("Age:             %lld days %lld hours\n",
			       (long long)((now - fresh) / 86400),
			       (long long)((now - fresh) % 86400 / 3600));
		printf("\n%-40s %s\n", "ECOSYSTEM", "RECORDS");
		for (size_t i = 0; i < st.n_sources; i++)
			printf("%-40s %zu\n", st.sources[i].ecosystem, st.sources[i].records);
	}
	ward_vulndb_status_clear(&st);
	return 0;
}

int
ward_cmd_db(struct ward_cli *cli, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		db_help();
		return argc < 2 ? WARD_EXIT_ENGINE : 0;
	}
	argv++;
	argc--;
	optind = 1;
	if (strcmp(argv[0], "import") == 0)
		return db_import(cli, argc, argv);
	if (strcmp(argv[0], "status") == 0)
		return db_status(cli, argc, argv);
	return ward_cli_usage("db", "unknown verb '%s' (import or status)", argv[0]);
}
