/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ward scan IMAGE | --rootfs DIR | --sbom FILE: inventory, match against
 * the OSV database, filter, print, and gate. Exit statuses follow the CI
 * scanners (Trivy's --exit-code, Grype's --fail-on), not ward's engine
 * convention, so a pipeline tells "vulnerable" from "could not scan":
 *   0 clean (nothing at or above --fail-on), 1 findings at or above
 *   --fail-on, 2 the scan itself failed (bad arguments included).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include <ward/image.h>
#include <ward/scan.h>

#include "cli.h"

#define SCAN_EXIT_CLEAN 0
#define SCAN_EXIT_FINDINGS 1
#define SCAN_EXIT_FAILED 2
#define SCAN_VEX_MAX 64 /* --vex documents */
#define DEFAULT_MAX_DB_AGE (7 * 86400)

enum scan_format { FMT_TABLE, FMT_JSON, FMT_SARIF, FMT_CYCLONEDX, FMT_SPDX };

struct scan_opts {
	const char *image, *rootfs, *sbom, *output, *ignorefile, *db;
	const char *vex[SCAN_VEX_MAX];
	size_t n_vex;
	enum scan_format format;
	struct ward_scan_filter filter;
	bool fail_on_set, strict, no_cache, ignorefile_given, max_sev_set;
	bool no_default_ignorefile;
	enum ward_severity fail_on, max_sev;
	int64_t max_db_age;
};

static int scan_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int
scan_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "Error: ward scan: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nSee 'ward scan --help'.\n");
	return SCAN_EXIT_FAILED;
}

static int
scan_fail(struct ward_error *err)
{
	fprintf(stderr, "Error: ward scan: %s\n", err && err->msg ? err->msg : "unknown error");
	ward_error_free(err);
	return SCAN_EXIT_FAILED;
}

static void
scan_help(void)
{
	printf("usage: ward scan [OPTIONS] IMAGE | --rootfs DIR | --sbom FILE\n\n"
	       "  --format F          table (default), json, sarif, cyclonedx, spdx\n"
	       "  --output FILE       write the report to FILE instead of stdout\n"
	       "  --severity LIST     only these severities (CRITICAL,HIGH,MEDIUM,LOW,UNKNOWN)\n"
	       "  --ignore-unfixed    drop findings that have no fixed version\n"
	       "  --fail-on SEV       exit 1 when an unsuppressed finding at or above SEV remains\n"
	       "  --max-severity SEV  exit 1 when one above SEV remains (the policy's\n"
	       "                      vulnerabilityScan rule, which `ward run` enforces)\n"
	       "  --ignorefile F      ignore file (default: .wardignore when present)\n"
	       "  --vex F             OpenVEX document (repeatable)\n"
	       "  --max-db-age D      warn when the data is older (default 7d; s, m, h, d, w)\n"
	       "  --strict            an old database is an error, not a warning\n"
	       "  --db PATH           vulnerability database (default ROOT/vulndb/osv.db)\n"
	       "  --no-cache          do not use or store cached image results\n\n"
	       "exit status: 0 clean, 1 findings at or above --fail-on, 2 the scan failed\n");
}

/* "7d", "36h", "90m", "3600s", "3600", "2w" into seconds. */
static int
parse_duration(const char *s, int64_t *ret)
{
	static const struct {
		char unit;
		int64_t mul;
	} units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}, {'w', 7 * 86400}};
	char num[32];
	size_t l = strlen(s);
	int64_t mul = 1;
	uint64_t n;

	if (l == 0 || l >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, l + 1);
	for (size_t i = 0; i < WARD_ARRAY_SIZE(units); i++)
		if (num[l - 1] == units[i].unit) {
			mul = units[i].mul;
			num[--l] = '\0';
			break;
		}
	if (l == 0 || ward_parse_u64(num, &n) < 0 || n > (uint64_t)INT64_MAX / (uint64_t)mul)
		return -EINVAL;
	*ret = (int64_t)n * mul;
	return 0;
}

static int
parse_args(int argc, char **argv, struct scan_opts *o)
{
	enum {
		OPT_ROOTFS = 256,
		OPT_SBOM,
		OPT_FORMAT,
		OPT_OUTPUT,
		OPT_SEVERITY,
		OPT_UNFIXED,
		OPT_FAIL_ON,
		OPT_MAX_SEV,
		OPT_IGNOREFILE,
		OPT_VEX,
		OPT_MAX_AGE,
		OPT_STRICT,
		OPT_DB,
		OPT_NO_CACHE,
		OPT_HELP,
	};
	static const struct option opts[] = {
		{"rootfs", required_argument, NULL, OPT_ROOTFS},
		{"sbom", required_argument, NULL, OPT_SBOM},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"output", required_argument, NULL, OPT_OUTPUT},
		{"severity", required_argument, NULL, OPT_SEVERITY},
		{"ignore-unfixed", no_argument, NULL, OPT_UNFIXED},
		{"fail-on", required_argument, NULL, OPT_FAIL_ON},
		{"max-severity", required_argument, NULL, OPT_MAX_SEV},
		{"ignorefile", required_argument, NULL, OPT_IGNOREFILE},
		{"vex", required_argument, NULL, OPT_VEX},
		{"max-db-age", required_argument, NULL, OPT_MAX_AGE},
		{"strict", no_argument, NULL, OPT_STRICT},
		{"db", required_argument, NULL, OPT_DB},
		{"no-cache", no_argument, NULL, OPT_NO_CACHE},
		{"help", no_argument, NULL, OPT_HELP},
		{0},
	};
	static const char *const formats[] = {"table", "json", "sarif", "cyclonedx", "spdx"};
	struct ward_error *err = NULL;
	size_t k;
	int c, n_targets;

	/* Flags may follow IMAGE (as Trivy and Grype take them): optind 0 makes
	 * glibc start over and permute, instead of stopping at the first
	 * operand as main()'s "+" parse left it. */
	optind = 0;
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (c) {
		case OPT_ROOTFS:
			o->rootfs = optarg;
			break;
		case OPT_SBOM:
			o->sbom = optarg;
			break;
		case OPT_FORMAT:
			for (k = 0; k < WARD_ARRAY_SIZE(formats); k++)
				if (strcmp(optarg, formats[k]) == 0)
					break;
			if (k == WARD_ARRAY_SIZE(formats))
				return scan_usage("--format '%s': table, json, sarif, cyclonedx or "
						  "spdx",
						  optarg);
			o->format = (enum scan_format)k;
			break;
		case 'o':
		case OPT_OUTPUT:
			o->output = optarg;
			break;
		case OPT_SEVERITY:
			if (ward_severity_mask_parse(optarg, &o->filter.severity_mask, &err) < 0) {
				scan_usage("--severity: %s", err->msg);
				ward_error_free(err);
				return SCAN_EXIT_FAILED;
			}
			break;
		case OPT_UNFIXED:
			o->filter.ignore_unfixed = true;
			break;
		case OPT_FAIL_ON:
			if (ward_severity_from_name(optarg, &o->fail_on, &err) < 0) {
				scan_usage("--fail-on: %s", err->msg);
				ward_error_free(err);
				return SCAN_EXIT_FAILED;
			}
			o->fail_on_set = true;
			break;
		case OPT_MAX_SEV:
			if (ward_severity_from_name(optarg, &o->max_sev, &err) < 0 ||
			    o->max_sev == WARD_SEV_UNKNOWN) {
				scan_usage("--max-severity '%s': LOW, MEDIUM, HIGH or CRITICAL",
					   optarg);
				ward_error_free(err);
				return SCAN_EXIT_FAILED;
			}
			o->max_sev_set = true;
			break;
		case OPT_IGNOREFILE:
			o->ignorefile = optarg;
			o->ignorefile_given = true;
			break;
		case OPT_VEX:
			if (o->n_vex >= SCAN_VEX_MAX)
				return scan_usage("more than %d --vex documents", SCAN_VEX_MAX);
			o->vex[o->n_vex++] = optarg;
			break;
		case OPT_MAX_AGE:
			if (parse_duration(optarg, &o->max_db_age) < 0)
				return scan_usage("--max-db-age '%s': a duration such as 7d, 36h, "
						  "90m or 3600s",
						  optarg);
			break;
		case OPT_STRICT:
			o->strict = true;
			break;
		case OPT_DB:
			o->db = optarg;
			break;
		case OPT_NO_CACHE:
			o->no_cache = true;
			break;
		case OPT_HELP:
			scan_help();
			return -1;
		default:
			return scan_usage("invalid option");
		}
	}
	if (optind < argc)
		o->image = argv[optind++];
	if (optind < argc)
		return scan_usage("unexpected argument '%s'", argv[optind]);
	n_targets = !!o->image + !!o->rootfs + !!o->sbom;
	if (n_targets != 1)
		return scan_usage("name exactly one of IMAGE, --rootfs DIR or --sbom FILE");
	return 0;
}

static void
human_age(int64_t s, char *buf, size_t size)
{
	if (s >= 2 * 86400)
		snprintf(buf, size, "%lld days", (long long)(s / 86400));
	else if (s >= 2 * 3600)
		snprintf(buf, size, "%lld hours", (long long)(s / 3600));
	else
		snprintf(buf, size, "%lld minutes", (long long)(s / 60));
}

/* The freshness of the data: the newest `modified` of any record (what the
 * feed knew when it was exported), so importing an old dump today does not
 * pass for fresh data; the import time when no record carries a date. */
static int
check_db_age(const struct scan_opts *o, const char *path, const struct ward_vulndb_status *st)
{
	int64_t now = (int64_t)time(NULL);
	int64_t t = st->newest_modified > 0 ? st->newest_modified : st->last_import;
	char age[64], limit[64];

	if (t <= 0 || now - t <= o->max_db_age)
		return 0;
	human_age(now - t, age, sizeof(age));
	human_age(o->max_db_age, limit, sizeof(limit));
	if (o->strict) {
		fprintf(stderr,
			"Error: ward scan: the vulnerability database %s is %s old (limit %s, "
			"--strict): import fresh OSV data with 'ward db import'\n",
			path, age, limit);
		return SCAN_EXIT_FAILED;
	}
	fprintf(stderr,
		"WARNING: the vulnerability database %s is %s old (--max-db-age %s):\n"
		"WARNING: vulnerabilities published since are NOT reported; import fresh OSV "
		"data with 'ward db import'\n",
		path, age, limit);
	return 0;
}

static int
read_file(const char *path, size_t max, char **ret, size_t *ret_len, struct ward_error **err)
{
	return ward_fs_read_all(AT_FDCWD, path, max, ret, ret_len, err);
}

/* The inventory of a root filesystem directory or an SBOM file. */
static int
inventory_of(const struct scan_opts *o, struct ward_inventory **ret, struct ward_error **err)
{
	_cleanup_free_ char *buf = NULL, *src = NULL;
	_cleanup_close_ int fd = -1;
	size_t len = 0;
	int r;

	if (o->rootfs) {
		fd = open(o->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return ward_error_set(err, errno, "rootfs '%s'", o->rootfs);
		if (!(src = ward_strdup_printf("rootfs %s", o->rootfs)))
			return ward_error_set(err, ENOMEM, "scan");
		return ward_scan_inventory(fd, src, ret, err);
	}
	if ((r = read_file(o->sbom, WARD_SBOM_MAX, &buf, &len, err)) < 0)
		return ward_error_wrap(err, "sbom '%s'", o->sbom);
	return ward_sbom_read(buf, len, o->sbom, ret, err);
}

/* The cache lives beside the database it was computed against: scan-cache.db
 * beside osv.db (the default), NAME.scan-cache.db beside any other NAME, so
 * two databases in one directory never share results. */
static int
cache_path(const char *db_path, char *buf, size_t size, struct ward_error **err)
{
	const char *slash = strrchr(db_path, '/');
	const char *base = slash ? slash + 1 : db_path;
	int dir_len = slash ? (int)(slash - db_path) + 1 : 0;
	int n;

	if (strcmp(base, "osv.db") == 0)
		n = snprintf(buf, size, "%.*sscan-cache.db", dir_len, db_path);
	else
		n = snprintf(buf, size, "%.*s%s.scan-cache.db", dir_len, db_path, base);
	if (n < 0 || (size_t)n >= size)
		return ward_error_set(err, ENAMETOOLONG, "scan cache beside '%s'", db_path);
	return 0;
}

static int
prepare_layers(struct ward_cli *cli, struct ward_store *s, const struct ward_image *img,
	       struct ward_error **err)
{
	_cleanup_close_ int layers = ward_layers_open(cli->root, err);
	char **lowers = NULL;
	int n;

	if (layers < 0)
		return layers;
	n = ward_image_prepare_layers(s, layers, cli->root, img, &lowers, err);
	ward_strv_free(lowers);
	return n < 0 ? n : 0;
}

/* Scan an image from the store, through the cache unless --no-cache. */
static int
scan_image(struct ward_cli *cli, const struct scan_opts *o, struct ward_vulndb *db,
	   const char *db_path, const struct ward_vulndb_status *st, struct ward_scan_report **ret,
	   bool *ret_cached, struct ward_error **err)
{
	_cleanup_(ward_scan_cache_closep) struct ward_scan_cache *cache = NULL;
	struct ward_store *s = NULL;
	struct ward_image *img = NULL;
	struct ward_inventory *inv = NULL;
	struct ward_scan_report *rep = NULL;
	_cleanup_free_ char *name = NULL, *src = NULL;
	struct ward_descriptor d;
	_cleanup_close_ int fd = -1;
	char cpath[4096];
	int r;

	if ((r = ward_store_open(cli->root, false, &s, err)) < 0)
		return ward_error_wrap(err, "image store '%s'", cli->root);
	if ((r = ward_cli_image_lookup(s, o->image, &name, &d, err)) < 0 ||
	    (r = ward_image_open(s, name, NULL, &img, err)) < 0)
		goto out;
	if (!o->no_cache) {
		struct ward_error *e = NULL;
		/* The cache only saves time: when it cannot be used, scan and say so. */
		if (cache_path(db_path, cpath, sizeof(cpath), &e) < 0 ||
		    ward_scan_cache_open(cpath, &cache, &e) < 0) {
			ward_log_write(&cli->log, WARD_LOG_WARNING, "scan cache unavailable: %s",
				       e->msg);
			ward_error_free(e);
		} else if ((r = ward_scan_cache_get(cache, img->manifest_digest.s, st->last_import,
						    &rep, &e)) == 1) {
			*ret_cached = true;
			goto done;
		} else if (r < 0) {
			ward_log_write(&cli->log, WARD_LOG_WARNING, "scan cache: %s", e->msg);
			ward_error_freep(&e);
		}
	}
	if (!(src = ward_strdup_printf("image %s", img->manifest_digest.s))) {
		r = ward_error_set(err, ENOMEM, "scan");
		goto out;
	}
	/* The overlay needs every layer unpacked (a `ward load`ed image may not
	 * be yet): the same digest-checked unpack `ward run` does. */
	if ((r = prepare_layers(cli, s, img, err)) < 0 ||
	    (r = ward_scan_open_image_rootfs(s, &img->manifest_digest, &fd, err)) < 0 ||
	    (r = ward_scan_inventory(fd, src, &inv, err)) < 0)
		goto out;
	if ((r = ward_vulndb_match(db, inv, &rep, err)) < 0)
		goto out;
	if (!(rep->image_digest = strdup(img->manifest_digest.s)) ||
	    !(rep->image_ref = strdup(name))) {
		r = ward_error_set(err, ENOMEM, "scan");
		goto out;
	}
	if (cache) {
		struct ward_error *e = NULL;
		if (ward_scan_cache_put(cache, rep, &e) < 0) {
			ward_log_write(&cli->log, WARD_LOG_WARNING, "scan cache: %s", e->msg);
			ward_error_free(e);
		}
	}
done:
	/* A cached report names the image as it was first scanned; this scan's
	 * name is the one the user asked for. */
	free(rep->image_ref);
	rep->image_ref = strdup(name);
	rep->scanned_at = (int64_t)time(NULL);
	*ret = TAKE_PTR(rep);
	r = 0;
out:
	if (r < 0)
		ward_error_wrap(err, "image %s", o->image);
	ward_scan_report_free(rep);
	ward_image_free(img);
	ward_store_free(s);
	return r;
}

static int
load_filters(const struct scan_opts *o, struct ward_ignore_file **ret_ig, struct ward_vex **vex,
	     struct ward_error **err)
{
	const char *ig = o->ignorefile ? o->ignorefile : ".wardignore";
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r;

	if (o->ignorefile_given || (!o->no_default_ignorefile && access(ig, F_OK) == 0)) {
		if ((r = read_file(ig, WARD_IGNORE_FILE_MAX, &buf, &len, err)) < 0 ||
		    (r = ward_ignore_parse(buf, len, ig, ret_ig, err)) < 0)
			return ward_error_wrap(err, "ignore file");
		free(TAKE_PTR(buf));
	}
	for (size_t i = 0; i < o->n_vex; i++) {
		if ((r = read_file(o->vex[i], WARD_VEX_MAX, &buf, &len, err)) < 0 ||
		    (r = ward_vex_parse(buf, len, o->vex[i], &vex[i], err)) < 0)
			return ward_error_wrap(err, "--vex");
		free(TAKE_PTR(buf));
	}
	return 0;
}

/* Dumped to memory and written once: json_dumpf writes token by token,
 * which dominated the time of a large SARIF report. */
static int
write_json(FILE *out, json_t *j, struct ward_error **err)
{
	_cleanup_free_ char *text = json_dumps(j, JSON_INDENT(2));
	size_t len = text ? strlen(text) : 0;

	json_decref(j);
	if (!text)
		return ward_error_set(err, ENOMEM, "report");
	if (fwrite(text, 1, len, out) != len || fputc('\n', out) == EOF)
		return ward_error_set(err, errno ? errno : EIO, "write the report");
	return 0;
}

static int
render(const struct scan_opts *o, const struct ward_scan_report *rep, FILE *out, bool color,
       struct ward_error **err)
{
	_cleanup_free_ struct ward_vuln_finding *open_f = NULL;
	_cleanup_free_ char *sbom = NULL;
	size_t len = 0, n_open = 0;
	json_t *j = NULL;
	int r;

	switch (o->format) {
	case FMT_TABLE:
		return ward_scan_report_table(rep, out, color, err);
	case FMT_JSON:
		if ((r = ward_scan_report_json(rep, false, &j, err)) < 0)
			return r;
		return write_json(out, j, err);
	case FMT_SARIF:
		if ((r = ward_scan_report_sarif(rep, &j, err)) < 0)
			return r;
		return write_json(out, j, err);
	case FMT_CYCLONEDX:
	case FMT_SPDX:
		/* Suppressed findings stay out of the SBOM's vulnerabilities: listed
		 * there without an analysis they would read as open. Shallow copies,
		 * read only. */
		if (!(open_f = calloc(rep->n_findings + 1, sizeof(*open_f))))
			return ward_error_set(err, ENOMEM, "report");
		for (size_t i = 0; i < rep->n_findings; i++)
			if (!rep->findings[i].suppressed)
				open_f[n_open++] = rep->findings[i];
		if ((r = ward_sbom_write(rep->inv, open_f, n_open,
					 o->format == FMT_SPDX ? WARD_SBOM_SPDX
							       : WARD_SBOM_CYCLONEDX,
					 &sbom, &len, err)) < 0)
			return r;
		if (fwrite(sbom, 1, len, out) != len ||
		    (len && sbom[len - 1] != '\n' && fputc('\n', out) == EOF))
			return ward_error_set(err, errno ? errno : EIO, "write the report");
		return 0;
	}
	return 0;
}

static int
output(const struct scan_opts *o, const struct ward_scan_report *rep, struct ward_error **err)
{
	bool color = false;
	FILE *out = stdout;
	int r;

	if (o->output) {
		if (!(out = fopen(o->output, "we")))
			return ward_error_set(err, errno, "--output '%s'", o->output);
	} else {
		color = isatty(STDOUT_FILENO) && !secure_getenv("NO_COLOR");
	}
	r = render(o, rep, out, color, err);
	if (fflush(out) == EOF && r == 0)
		r = ward_error_set(err, errno, "write the report");
	if (out != stdout && fclose(out) == EOF && r == 0)
		r = ward_error_set(err, errno, "--output '%s'", o->output);
	return r;
}

int
ward_cmd_scan(struct ward_cli *cli, int argc, char **argv)
{
	struct scan_opts o = {.format = FMT_TABLE, .max_db_age = DEFAULT_MAX_DB_AGE};
	struct ward_vex *vex[SCAN_VEX_MAX] = {0};
	struct ward_ignore_file *ig = NULL;
	struct ward_vulndb *db = NULL;
	struct ward_vulndb_status st = {0};
	struct ward_scan_filter_stats fst = {0};
	struct ward_scan_report *rep = NULL;
	struct ward_inventory *inv = NULL;
	struct ward_error *err = NULL;
	char db_path[4096];
	bool cached = false;
	size_t failing = 0;
	int r, rc = SCAN_EXIT_FAILED;

	if ((r = parse_args(argc, argv, &o)) != 0)
		return r < 0 ? 0 : r;
	if ((r = ward_cli_vulndb_path(cli, o.db, db_path, sizeof(db_path), &err)) < 0)
		return scan_fail(err);
	/* Filters first: a typo in an ignore file must not cost a whole scan. */
	if (load_filters(&o, &ig, vex, &err) < 0)
		goto fail;
	if (access(db_path, F_OK) < 0) {
		fprintf(stderr,
			"Error: ward scan: no vulnerability database at %s: import OSV data "
			"first with 'ward db import PATH...'\n",
			db_path);
		goto out;
	}
	if (ward_vulndb_open(db_path, false, &db, &err) < 0 ||
	    ward_vulndb_freshness(db, &st, &err) < 0) {
		ward_error_wrap(&err, "vulnerability database %s", db_path);
		goto fail;
	}
	if (st.records == 0) {
		fprintf(stderr,
			"Error: ward scan: the vulnerability database %s holds no records: "
			"import OSV data with 'ward db import PATH...'\n",
			db_path);
		goto out;
	}
	if (check_db_age(&o, db_path, &st) != 0)
		goto out;
	if (o.image) {
		if (scan_image(cli, &o, db, db_path, &st, &rep, &cached, &err) < 0)
			goto fail;
	} else {
		if (inventory_of(&o, &inv, &err) < 0 || ward_vulndb_match(db, inv, &rep, &err) < 0)
			goto fail; /* the report owns inv even on failure */
	}
	ward_log_write(&cli->log, WARD_LOG_INFO, "%s: %zu packages, %zu findings%s",
		       rep->inv && rep->inv->source ? rep->inv->source : "scan",
		       rep->inv ? rep->inv->n_pkgs : 0, rep->n_findings, cached ? " (cached)" : "");
	if (rep->inv && rep->inv->n_warnings) {
		fprintf(stderr, "Warning: %zu package database record%s skipped",
			rep->inv->n_warnings, rep->inv->n_warnings == 1 ? "" : "s");
		if (rep->inv->n_warnings_kept)
			fprintf(stderr, " (first: %s)", rep->inv->warnings[0]);
		fputc('\n', stderr);
	}
	o.filter.ignore = ig;
	o.filter.vex = (const struct ward_vex *const *)vex;
	o.filter.n_vex = o.n_vex;
	if (ward_scan_filter_apply(rep, &o.filter, &fst, &err) < 0)
		goto fail;
	for (size_t i = 0; i < fst.n_warnings; i++)
		fprintf(stderr, "Warning: %s\n", fst.warnings[i]);
	if (output(&o, rep, &err) < 0)
		goto fail;
	rc = SCAN_EXIT_CLEAN;
	if (o.fail_on_set && (failing = ward_scan_failing(rep, o.fail_on)) > 0) {
		fprintf(stderr, "ward scan: %zu finding%s at or above %s (--fail-on)\n", failing,
			failing == 1 ? "" : "s", ward_severity_name(o.fail_on));
		rc = SCAN_EXIT_FINDINGS;
	}
	if (o.max_sev_set && o.max_sev < WARD_SEV_CRITICAL &&
	    (failing = ward_scan_failing(rep, (enum ward_severity)(o.max_sev + 1))) > 0) {
		fprintf(stderr, "ward scan: %zu finding%s above %s (--max-severity)\n", failing,
			failing == 1 ? "" : "s", ward_severity_name(o.max_sev));
		rc = SCAN_EXIT_FINDINGS;
	}
	goto out;
fail:
	rc = scan_fail(err);
out:
	ward_scan_filter_stats_clear(&fst);
	ward_scan_report_free(rep);
	ward_vulndb_status_clear(&st);
	ward_vulndb_close(db);
	ward_ignore_free(ig);
	for (size_t i = 0; i < o.n_vex; i++)
		ward_vex_free(vex[i]);
	return rc;
}

/* ---- the policy's vulnerabilityScan rule ------------------------------------------ */

/* The first few failing findings, for the refusal message. */
static void
describe_failing(const struct ward_scan_report *rep, enum ward_severity above, char *buf,
		 size_t size)
{
	size_t used = 0, shown = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < rep->n_findings && shown < 3; i++) {
		const struct ward_vuln_finding *f = &rep->findings[i];
		const struct ward_package *p = &rep->inv->pkgs[f->pkg];
		int n;

		if (f->suppressed || f->severity <= above)
			continue;
		n = snprintf(buf + used, size - used, "%s%s %s in %s %s", shown ? ", " : "", f->id,
			     ward_severity_name(f->severity), p->name, p->version);
		if (n < 0 || (size_t)n >= size - used)
			break;
		used += (size_t)n;
		shown++;
	}
}

int
ward_cli_scan_gate(struct ward_cli *cli, const char *image,
		   const struct ward_policy_scan_rule *rule, struct ward_error **err)
{
	/* No .wardignore from the working directory: a policy's outcome must
	 * not depend on where ward runs. */
	struct scan_opts o = {.image = image, .no_default_ignorefile = true};
	struct ward_vex *vex[SCAN_VEX_MAX] = {0};
	struct ward_ignore_file *ig = NULL;
	struct ward_vulndb *db = NULL;
	struct ward_vulndb_status st = {0};
	struct ward_scan_filter_stats fst = {0};
	struct ward_scan_report *rep = NULL;
	char db_path[4096], which[512];
	bool cached = false;
	int64_t age;
	size_t failing;
	int r;

	o.filter.ignore_unfixed = rule->ignore_unfixed;
	o.ignorefile = rule->ignore_file;
	o.ignorefile_given = rule->ignore_file != NULL;
	for (size_t i = 0; rule->vex && rule->vex[i] && i < SCAN_VEX_MAX; i++)
		o.vex[o.n_vex++] = rule->vex[i];
	if ((r = ward_cli_vulndb_path(cli, NULL, db_path, sizeof(db_path), err)) < 0)
		return r;
	/* No data, empty data and stale data all fail the rule: "no finding"
	 * from a scan that could not see is not a pass. */
	if (access(db_path, F_OK) < 0)
		return ward_error_setk(err, WARD_E_DENIED, ENOENT,
				       "no vulnerability database at %s (import OSV data with "
				       "'ward db import')",
				       db_path);
	if ((r = ward_vulndb_open(db_path, false, &db, err)) < 0 ||
	    (r = ward_vulndb_freshness(db, &st, err)) < 0) {
		ward_error_wrap(err, "vulnerability database %s", db_path);
		goto out;
	}
	age = (int64_t)time(NULL) - (st.newest_modified > 0 ? st.newest_modified : st.last_import);
	if (st.records == 0 || age > rule->max_db_age) {
		r = ward_error_setk(err, WARD_E_DENIED, ESTALE,
				    st.records ? "the vulnerability database %s is older than the "
						 "rule's maxDbAge (import fresh OSV data)"
					       : "the vulnerability database %s holds no records",
				    db_path);
		goto out;
	}
	if ((r = load_filters(&o, &ig, vex, err)) < 0)
		goto out;
	if ((r = scan_image(cli, &o, db, db_path, &st, &rep, &cached, err)) < 0)
		goto out;
	o.filter.ignore = ig;
	o.filter.vex = (const struct ward_vex *const *)vex;
	o.filter.n_vex = o.n_vex;
	if ((r = ward_scan_filter_apply(rep, &o.filter, &fst, err)) < 0)
		goto out;
	failing = rule->max_severity < WARD_SEV_CRITICAL
			  ? ward_scan_failing(rep, (enum ward_severity)(rule->max_severity + 1))
			  : 0;
	if (failing > 0) {
		describe_failing(rep, rule->max_severity, which, sizeof(which));
		r = ward_error_setk(err, WARD_E_DENIED, EACCES,
				    "%zu finding%s above %s (%s%s); see 'ward scan %s'", failing,
				    failing == 1 ? "" : "s", ward_severity_name(rule->max_severity),
				    which, failing > 3 ? ", ..." : "", image);
		goto out;
	}
	ward_log_write(&cli->log, WARD_LOG_INFO, "scan of %s: nothing above %s%s", image,
		       ward_severity_name(rule->max_severity), cached ? " (cached)" : "");
	r = 0;
out:
	ward_scan_filter_stats_clear(&fst);
	ward_scan_report_free(rep);
	ward_vulndb_status_clear(&st);
	ward_vulndb_close(db);
	ward_ignore_free(ig);
	for (size_t i = 0; i < o.n_vex; i++)
		ward_vex_free(vex[i]);
	return r;
}
