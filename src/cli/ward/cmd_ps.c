/* SPDX-License-Identifier: Apache-2.0 */
/* ward ps: the container list, podman's columns and JSON fields. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ctr_cli.h"

/* ---- time formatting (podman's / go-units' wording) --------------------- */

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
human_duration(int64_t ms, char *buf, size_t size)
{
	int64_t s = ms / 1000, m = s / 60, h = m / 60;

	if (s < 1)
		snprintf(buf, size, "Less than a second");
	else if (s == 1)
		snprintf(buf, size, "1 second");
	else if (s < 60)
		snprintf(buf, size, "%lld seconds", (long long)s);
	else if (m == 1)
		snprintf(buf, size, "About a minute");
	else if (m < 60)
		snprintf(buf, size, "%lld minutes", (long long)m);
	else if (h == 1)
		snprintf(buf, size, "About an hour");
	else if (h < 48)
		snprintf(buf, size, "%lld hours", (long long)h);
	else if (h < 24 * 7 * 2)
		snprintf(buf, size, "%lld days", (long long)(h / 24));
	else if (h < 24 * 30 * 2)
		snprintf(buf, size, "%lld weeks", (long long)(h / 24 / 7));
	else if (h < 24 * 365 * 2)
		snprintf(buf, size, "%lld months", (long long)(h / 24 / 30));
	else
		snprintf(buf, size, "%lld years", (long long)(h / 24 / 365));
}

static void
status_text(const struct ward_ctr_record *r, char *buf, size_t size)
{
	char d[64];

	switch (r->status) {
	case WARD_CTR_CREATED:
		snprintf(buf, size, "Created");
		return;
	case WARD_CTR_RUNNING:
	case WARD_CTR_PAUSED:
		human_duration(now_ms() - r->started_ms, d, sizeof(d));
		snprintf(buf, size, "Up %s%s", d, r->status == WARD_CTR_PAUSED ? " (Paused)" : "");
		return;
	case WARD_CTR_EXITED:
		human_duration(now_ms() - r->finished_ms, d, sizeof(d));
		snprintf(buf, size, "Exited (%d) %s ago", r->exit_code, d);
		return;
	}
	snprintf(buf, size, "Unknown");
}

/* RFC 3339 with nanoseconds, UTC; Go's zero time for "never". */
void
ward_cli_rfc3339(int64_t ms, char *buf, size_t size)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms <= 0) {
		snprintf(buf, size, "0001-01-01T00:00:00Z");
		return;
	}
	gmtime_r(&t, &tm);
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (long long)(ms % 1000) * 1000000);
}

/* The command as one line ("sh -c echo hi"). */
static char *
command_line(const char *json)
{
	json_t *a = json ? json_loads(json, 0, NULL) : NULL;
	size_t i, len = 0;
	json_t *v;
	char *s;

	if (!json_is_array(a)) {
		json_decref(a);
		return strdup("");
	}
	json_array_foreach(a, i, v)
		len += strlen(json_string_value(v) ? json_string_value(v) : "") + 1;
	s = calloc(1, len + 1);
	if (s)
		json_array_foreach(a, i, v) {
			if (i)
				strcat(s, " ");
			strcat(s, json_string_value(v) ? json_string_value(v) : "");
		}
	json_decref(a);
	return s;
}

/* ---- ps ----------------------------------------------------------------- */

#define PS_MAX_FILTERS 32

struct ps_flags {
	bool all, quiet, json, no_trunc;
	const char *filters[PS_MAX_FILTERS]; /* "key=value" */
	size_t n_filters;
};

/* podman's --filter keys: status, name (substring), id (prefix); a
 * status filter also lists exited containers, as podman does. */
static int
check_filter(const char *f, struct ward_error **err)
{
	static const char *const keys[] = {"status=", "name=", "id="};
	static const char *const states[] = {"created", "running", "paused", "exited"};

	for (size_t i = 0; i < WARD_ARRAY_SIZE(keys); i++) {
		if (!ward_str_has_prefix(f, keys[i]))
			continue;
		if (i > 0)
			return 0;
		for (size_t k = 0; k < WARD_ARRAY_SIZE(states); k++)
			if (strcmp(f + 7, states[k]) == 0)
				return 0;
		return ward_error_setk(
			err, WARD_E_INVALID, 0,
			"--filter '%s': status is created, running, paused or exited", f);
	}
	return ward_error_setk(err, WARD_E_INVALID, 0,
			       "--filter '%s': use status=S, name=TEXT or id=PREFIX", f);
}

/* Filters of one key are alternatives (OR), different keys all apply. */
static bool
matches(const struct ps_flags *f, const struct ward_ctr_record *r)
{
	static const char *const keys[] = {"status=", "name=", "id="};

	for (size_t k = 0; k < WARD_ARRAY_SIZE(keys); k++) {
		bool seen = false, any = false;
		size_t kl = strlen(keys[k]);
		for (size_t i = 0; i < f->n_filters; i++) {
			const char *v = f->filters[i] + kl;
			if (!ward_str_has_prefix(f->filters[i], keys[k]))
				continue;
			seen = true;
			if ((k == 0 && strcmp(v, ward_ctr_status_name(r->status)) == 0) ||
			    (k == 1 && strstr(r->name, v)) ||
			    (k == 2 && ward_str_has_prefix(r->id, v)))
				any = true;
		}
		if (seen && !any)
			return false;
	}
	return true;
}

static json_t *
ps_json_one(const struct ward_ctr_record *r)
{
	char st[128], created[64];
	json_t *cmd = r->command ? json_loads(r->command, 0, NULL) : NULL;

	status_text(r, st, sizeof(st));
	ward_cli_rfc3339(r->created_ms, created, sizeof(created));
	return json_pack("{s:s, s:[s], s:s?, s:s, s:o, s:I, s:s, s:s, s:s, s:i, s:b, s:I, s:I, "
			 "s:i, s:b}",
			 "Id", r->id, "Names", r->name, "Image", r->image, "ImageID",
			 r->image_digest ? r->image_digest + 7 : "", "Command",
			 json_is_array(cmd) ? cmd : (json_decref(cmd), json_array()), "Created",
			 (json_int_t)(r->created_ms / 1000), "CreatedAt", created, "State",
			 ward_ctr_status_name(r->status), "Status", st, "ExitCode", r->exit_code,
			 "Exited", r->status == WARD_CTR_EXITED, "StartedAt",
			 (json_int_t)(r->started_ms / 1000), "ExitedAt",
			 (json_int_t)(r->finished_ms / 1000), "Pid", (int)r->pid, "AutoRemove",
			 r->auto_remove);
}

static void
ps_table(struct ward_ctr_record **v, const struct ps_flags *f)
{
	static const char *const head[] = {"CONTAINER ID", "IMAGE",  "COMMAND",
					   "CREATED",	   "STATUS", "NAMES"};
	size_t w[6], n = 0;
	char ***rows = NULL;

	for (size_t i = 0; v[i]; i++)
		n++;
	rows = calloc(n + 1, sizeof(*rows));
	for (int c = 0; c < 6; c++)
		w[c] = strlen(head[c]);
	for (size_t i = 0; rows && i < n; i++) {
		char st[128], cr[80], d[64];
		char *cmd = command_line(v[i]->command);
		rows[i] = calloc(6, sizeof(char *));
		if (!rows[i] || !cmd) {
			free(cmd);
			continue;
		}
		if (!f->no_trunc && strlen(cmd) > 20)
			strcpy(cmd + 17, "...");
		status_text(v[i], st, sizeof(st));
		human_duration(now_ms() - v[i]->created_ms, d, sizeof(d));
		snprintf(cr, sizeof(cr), "%s ago", d);
		rows[i][0] = f->no_trunc ? strdup(v[i]->id) : strndup(v[i]->id, 12);
		rows[i][1] = strdup(v[i]->image ? v[i]->image : "");
		rows[i][2] = cmd;
		rows[i][3] = strdup(cr);
		rows[i][4] = strdup(st);
		rows[i][5] = strdup(v[i]->name);
		for (int c = 0; c < 6; c++)
			if (rows[i][c] && strlen(rows[i][c]) > w[c])
				w[c] = strlen(rows[i][c]);
	}
	for (int c = 0; c < 5; c++)
		printf("%-*s  ", (int)w[c], head[c]);
	printf("%s\n", head[5]);
	for (size_t i = 0; rows && i < n; i++) {
		for (int c = 0; rows[i] && c < 6; c++) {
			const char *cell = rows[i][c] ? rows[i][c] : "";
			if (c < 5)
				printf("%-*s  ", (int)w[c], cell);
			else
				printf("%s\n", cell);
			free(rows[i][c]);
		}
		free(rows[i]);
	}
	free(rows);
}

int
ward_cmd_ps(struct ward_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"all", no_argument, NULL, 'a'},
		{"quiet", no_argument, NULL, 'q'},
		{"format", required_argument, NULL, 'f'},
		{"no-trunc", no_argument, NULL, 'T'},
		{"filter", required_argument, NULL, 'F'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	static const char usage[] =
		"ward ps [-a] [-q] [--no-trunc] [--format json] [--filter KEY=VALUE]";
	struct ps_flags f = {0};
	struct ward_ctr_db *db = NULL;
	struct ward_ctr_record **v = NULL;
	struct ward_error *err = NULL;
	json_t *out = NULL;
	size_t k = 0;
	int c;

	while ((c = getopt_long(argc, argv, "+aqh", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			f.all = true;
			break;
		case 'q':
			f.quiet = true;
			break;
		case 'f':
			if (strcmp(optarg, "json") != 0 && strcmp(optarg, "{{json .}}") != 0)
				return ward_cli_usage("ps", "--format '%s': only json is supported",
						      optarg);
			f.json = true;
			break;
		case 'T':
			f.no_trunc = true;
			break;
		case 'F':
			if (f.n_filters >= PS_MAX_FILTERS)
				return ward_cli_usage("ps", "at most %d --filter", PS_MAX_FILTERS);
			if (check_filter(optarg, &err) < 0)
				return ward_cli_ctr_fail(err);
			f.filters[f.n_filters++] = optarg;
			if (ward_str_has_prefix(optarg, "status="))
				f.all = true;
			break;
		case 'h':
			printf("usage: %s\n", usage);
			return 0;
		default:
			return ward_cli_bad_usage("ps", usage) < 0 ? WARD_EXIT_ENGINE : 0;
		}
	}
	if (ward_cli_ctr_db(cli, true, &db, &err) < 0 || ward_ctr_db_list(db, &v, &err) < 0) {
		ward_ctr_db_close(db);
		return ward_cli_ctr_fail(err);
	}
	/* Show the truth, not what a dead monitor last wrote. */
	for (size_t i = 0; v[i]; i++) {
		if (ward_ctr_reconcile(db, v[i], &err) < 0)
			ward_error_freep(&err);
		if ((f.all || ward_cli_ctr_live(v[i])) && matches(&f, v[i]))
			v[k++] = v[i];
		else
			ward_ctr_record_free(v[i]);
	}
	v[k] = NULL;
	ward_ctr_db_close(db);
	if (f.json) {
		char *s;
		out = json_array();
		for (size_t i = 0; out && v[i]; i++)
			json_array_append_new(out, ps_json_one(v[i]));
		s = out ? json_dumps(out, JSON_INDENT(4)) : NULL;
		printf("%s\n", s ? s : "[]");
		free(s);
		json_decref(out);
	} else if (f.quiet) {
		for (size_t i = 0; v[i]; i++)
			printf("%.*s\n", f.no_trunc ? WARD_CTR_ID_LEN : 12, v[i]->id);
	} else {
		ps_table(v, &f);
	}
	ward_ctr_record_list_free(v);
	return 0;
}
