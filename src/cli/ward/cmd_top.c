/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ward top: the processes of a running container, read from /proc, with
 * podman's default columns (USER PID PPID %CPU ELAPSED TTY TIME COMMAND)
 * and descriptors. PIDs are shown as the container sees them and users are
 * named from the container's own /etc/passwd, as podman's psgo does.
 *
 * Everything under /proc/PID of a container process is written by the
 * container (its command line, its name): bounded reads, and control
 * characters are replaced before they reach the user's terminal.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/sysmacros.h>
#include <time.h>

#include <ward/containers.h>

#include "cli.h"

#define PROC_FILE_MAX (64u << 10)
#define CMDLINE_MAX 4096
#define PASSWD_MAX (4u << 20)
#define MAX_COLUMNS 32
#define MAX_PIDS 65536

enum col {
	COL_USER,
	COL_PID,
	COL_PPID,
	COL_PCPU,
	COL_ETIME,
	COL_TTY,
	COL_TIME,
	COL_ARGS,
	COL_COMM,
};

static const struct {
	const char *name, *header;
} descriptors[] = {
	[COL_USER] = {"user", "USER"},	    [COL_PID] = {"pid", "PID"},
	[COL_PPID] = {"ppid", "PPID"},	    [COL_PCPU] = {"pcpu", "%CPU"},
	[COL_ETIME] = {"etime", "ELAPSED"}, [COL_TTY] = {"tty", "TTY"},
	[COL_TIME] = {"time", "TIME"},	    [COL_ARGS] = {"args", "COMMAND"},
	[COL_COMM] = {"comm", "COMMAND"},
};

static const enum col default_cols[] = {COL_USER,  COL_PID, COL_PPID, COL_PCPU,
					COL_ETIME, COL_TTY, COL_TIME, COL_ARGS};

struct proc_info {
	pid_t host_pid, ns_pid, host_ppid, ns_ppid;
	uid_t euid;
	unsigned long long utime, stime, start; /* clock ticks */
	int tty_nr;
	char comm[64];
	char *args; /* malloc'd; NULL when out of memory */
};

struct top_ctx {
	long hz;
	unsigned long long now_ns; /* CLOCK_BOOTTIME, the clock of /proc/PID/stat's starttime */
	char *passwd;		   /* the container's /etc/passwd, or NULL */
	size_t passwd_len;
	const pid_t *pids;
	size_t n_pids;
};

/* ---- /proc ------------------------------------------------------------------ */

static int
read_proc(pid_t pid, const char *file, char **ret, size_t *ret_len, struct ward_error **err)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	return ward_fs_read_all(AT_FDCWD, path, PROC_FILE_MAX, ret, ret_len, err);
}

static int
parse_stat(struct proc_info *p, const char *buf, size_t len)
{
	struct ward_proc_stat st;

	if (ward_proc_parse_stat(buf, len, &st) < 0)
		return -EINVAL;
	p->host_ppid = st.ppid;
	p->tty_nr = st.tty_nr;
	p->utime = st.utime;
	p->stime = st.stime;
	p->start = st.start;
	memcpy(p->comm, st.comm, sizeof(p->comm));
	return 0;
}

/* Uid (effective) and NSpid (innermost) from /proc/PID/status. */
static void
parse_status(struct proc_info *p, const char *buf, size_t len)
{
	struct ward_proc_status st;

	ward_proc_parse_status(buf, len, &st);
	p->euid = st.has_euid ? st.euid : 0;
	p->ns_pid = st.ns_pid > 0 ? st.ns_pid : p->host_pid;
}

/* The command line, its first CMDLINE_MAX - 1 bytes (a process can make
 * it as long as it likes), NULs shown as spaces. */
static void
read_args(struct proc_info *p)
{
	char path[64], *buf = malloc(CMDLINE_MAX);
	_cleanup_close_ int fd = -1;
	size_t len = 0;
	ssize_t n = 0;

	if (!buf)
		return;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)p->host_pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	while (fd >= 0 && len < CMDLINE_MAX - 1 &&
	       ((n = read(fd, buf + len, CMDLINE_MAX - 1 - len)) > 0 || (n < 0 && errno == EINTR)))
		len += n > 0 ? (size_t)n : 0;
	while (len > 0 && buf[len - 1] == '\0')
		len--;
	if (len == 0) {
		/* A zombie or a kernel thread: ps shows [comm]. */
		snprintf(buf, CMDLINE_MAX, "[%s]", p->comm);
	} else {
		for (size_t i = 0; i < len; i++)
			if (buf[i] == '\0')
				buf[i] = ' ';
		buf[len] = '\0';
		ward_terminal_sanitize(buf);
	}
	p->args = buf;
}

/* 1 read, 0 the process is gone (it exited since we listed it). */
static int
read_proc_info(pid_t pid, struct proc_info *p)
{
	_cleanup_free_ char *stat = NULL, *status = NULL;
	size_t stat_len = 0, status_len = 0;

	memset(p, 0, sizeof(*p));
	p->host_pid = pid;
	if (read_proc(pid, "stat", &stat, &stat_len, NULL) < 0 ||
	    read_proc(pid, "status", &status, &status_len, NULL) < 0 ||
	    parse_stat(p, stat, stat_len) < 0)
		return 0;
	parse_status(p, status, status_len);
	read_args(p);
	return 1;
}

static int
cmp_host_pid(const void *a, const void *b)
{
	const struct proc_info *x = a, *y = b;

	return (x->host_pid > y->host_pid) - (x->host_pid < y->host_pid);
}

/* The parent as the container sees it: 0 when it is outside (the runtime,
 * or `ward exec` that started the process). all is sorted by host pid. */
static pid_t
ns_ppid(const struct proc_info *all, size_t n, pid_t host_ppid)
{
	struct proc_info key = {.host_pid = host_ppid};
	const struct proc_info *p = bsearch(&key, all, n, sizeof(*all), cmp_host_pid);

	return p ? p->ns_pid : 0;
}

/* ---- formatting ---------------------------------------------------------------- */

/* Go's time.Duration.String(), which podman prints: "8.504066227s",
 * "1m2.5s", "3h0m0s", "10ms", "0s". */
static void
go_duration(char *buf, size_t size, unsigned long long ns)
{
	char frac[16];
	int n;

	if (ns == 0) {
		snprintf(buf, size, "0s");
		return;
	}
	if (ns < 1000000000ULL) {
		static const struct {
			unsigned long long div;
			const char *unit;
		} u[] = {{1000000ULL, "ms"}, {1000ULL, "\xc2\xb5s"}, {1ULL, "ns"}};
		for (size_t i = 0; i < WARD_ARRAY_SIZE(u); i++) {
			if (ns < u[i].div)
				continue;
			n = snprintf(frac, sizeof(frac), "%0*llu", i == 2 ? 1 : (i == 0 ? 6 : 3),
				     ns % u[i].div);
			while (n > 0 && frac[n - 1] == '0')
				frac[--n] = '\0';
			snprintf(buf, size, "%llu%s%s%s", ns / u[i].div, n ? "." : "",
				 i == 2 ? "" : frac, u[i].unit);
			return;
		}
	}
	{
		unsigned long long s = ns / 1000000000ULL, h = s / 3600, m = (s / 60) % 60;
		n = snprintf(frac, sizeof(frac), "%09llu", ns % 1000000000ULL);
		while (n > 0 && frac[n - 1] == '0')
			frac[--n] = '\0';
		if (h)
			snprintf(buf, size, "%lluh%llum%llu%s%ss", h, m, s % 60, n ? "." : "",
				 frac);
		else if (m)
			snprintf(buf, size, "%llum%llu%s%ss", m, s % 60, n ? "." : "", frac);
		else
			snprintf(buf, size, "%llu%s%ss", s % 60, n ? "." : "", frac);
	}
}

static void
tty_name(char *buf, size_t size, int tty_nr)
{
	unsigned maj = major((dev_t)tty_nr), min = minor((dev_t)tty_nr);

	if (tty_nr == 0)
		snprintf(buf, size, "?");
	else if (maj >= 136 && maj <= 143)
		snprintf(buf, size, "pts/%u", (maj - 136) * 256 + min);
	else if (maj == 4 && min < 64)
		snprintf(buf, size, "tty%u", min);
	else if (maj == 4)
		snprintf(buf, size, "ttyS%u", min - 64);
	else
		snprintf(buf, size, "%u,%u", maj, min);
}

static void
user_name(const struct top_ctx *c, uid_t uid, char *buf, size_t size)
{
	if (!c->passwd || !ward_passwd_name(c->passwd, c->passwd_len, uid, buf, size))
		snprintf(buf, size, "%u", (unsigned)uid);
}

static unsigned long long
elapsed_ns(const struct top_ctx *c, const struct proc_info *p)
{
	unsigned long long start = p->start * (1000000000ULL / (unsigned long long)c->hz);

	return c->now_ns > start ? c->now_ns - start : 0;
}

/* One cell, formatted. JSON numbers come from the same values. */
static void
cell(const struct top_ctx *c, const struct proc_info *p, enum col k, char *buf, size_t size)
{
	unsigned long long ens = elapsed_ns(c, p);
	double e = (double)ens / 1e9, cpu = (double)(p->utime + p->stime) / (double)c->hz;

	switch (k) {
	case COL_USER:
		user_name(c, p->euid, buf, size);
		break;
	case COL_PID:
		snprintf(buf, size, "%d", (int)p->ns_pid);
		break;
	case COL_PPID:
		snprintf(buf, size, "%d", (int)p->ns_ppid);
		break;
	case COL_PCPU:
		snprintf(buf, size, "%.3f", e > 0 ? cpu * 100.0 / e : 0.0);
		break;
	case COL_ETIME:
		go_duration(buf, size, ens);
		break;
	case COL_TTY:
		tty_name(buf, size, p->tty_nr);
		break;
	case COL_TIME:
		/* CPU time at clock-tick precision, as psgo prints it. */
		go_duration(buf, size,
			    (p->utime + p->stime) * (1000000000ULL / (unsigned long long)c->hz));
		break;
	case COL_ARGS:
		snprintf(buf, size, "%s", p->args ? p->args : "");
		break;
	case COL_COMM:
		snprintf(buf, size, "%s", p->comm);
		break;
	}
}

/* ---- the command ------------------------------------------------------------------ */

static int
parse_descriptors(int argc, char **argv, enum col *cols, size_t *n, struct ward_error **err)
{
	*n = 0;
	for (int i = 0; i < argc; i++) {
		_cleanup_free_ char *copy = strdup(argv[i]);
		char *save = NULL;
		if (!copy)
			return ward_error_set(err, ENOMEM, "top");
		for (char *d = strtok_r(copy, ", ", &save); d; d = strtok_r(NULL, ", ", &save)) {
			size_t k;
			for (k = 0; k < WARD_ARRAY_SIZE(descriptors); k++)
				if (strcmp(d, descriptors[k].name) == 0)
					break;
			if (k == WARD_ARRAY_SIZE(descriptors))
				return ward_error_set(
					err, EINVAL,
					"top: unknown descriptor '%s': use user, pid, "
					"ppid, pcpu, etime, tty, time, args or comm",
					d);
			if (*n >= MAX_COLUMNS)
				return ward_error_set(err, E2BIG, "top: at most %d descriptors",
						      MAX_COLUMNS);
			cols[(*n)++] = (enum col)k;
		}
	}
	if (*n == 0) {
		memcpy(cols, default_cols, sizeof(default_cols));
		*n = WARD_ARRAY_SIZE(default_cols);
	}
	return 0;
}

static int
load_context(struct top_ctx *c, pid_t init_pid, struct ward_error **err)
{
	_cleanup_close_ int root = -1, fd = -1;
	struct timespec ts;
	char path[64];

	c->hz = sysconf(_SC_CLK_TCK);
	if (c->hz <= 0 || c->hz > 1000000000L)
		c->hz = 100;
	if (clock_gettime(CLOCK_BOOTTIME, &ts) < 0)
		return ward_error_set(err, errno, "top: clock");
	c->now_ns = (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec;
	/* Users are named from the container's /etc/passwd, resolved in its
	 * root: the host's names mean nothing there. */
	snprintf(path, sizeof(path), "/proc/%d/root", (int)init_pid);
	root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root >= 0 && (fd = ward_fs_open_in_root(root, "/etc/passwd", O_RDONLY, 0, NULL)) >= 0)
		(void)ward_fs_read_fd(fd, PASSWD_MAX, "/etc/passwd", &c->passwd, &c->passwd_len,
				      NULL);
	return 0;
}

static void
print_table(const struct top_ctx *c, const struct proc_info *v, size_t n, const enum col *cols,
	    size_t n_cols)
{
	size_t width[MAX_COLUMNS];
	char buf[CMDLINE_MAX + 64];

	for (size_t k = 0; k < n_cols; k++) {
		width[k] = strlen(descriptors[cols[k]].header);
		for (size_t i = 0; i < n; i++) {
			cell(c, &v[i], cols[k], buf, sizeof(buf));
			if (strlen(buf) > width[k])
				width[k] = strlen(buf);
		}
	}
	for (size_t k = 0; k < n_cols; k++)
		printf("%-*s%s", k + 1 < n_cols ? (int)width[k] : 0, descriptors[cols[k]].header,
		       k + 1 < n_cols ? "   " : "\n");
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < n_cols; k++) {
			cell(c, &v[i], cols[k], buf, sizeof(buf));
			printf("%-*s%s", k + 1 < n_cols ? (int)width[k] : 0, buf,
			       k + 1 < n_cols ? "   " : "\n");
		}
}

static int
print_json(const struct top_ctx *c, const struct proc_info *v, size_t n, const enum col *cols,
	   size_t n_cols)
{
	json_t *arr = json_array();
	char buf[CMDLINE_MAX + 64];
	char *text;

	for (size_t i = 0; arr && i < n; i++) {
		json_t *o = json_object();
		for (size_t k = 0; o && k < n_cols; k++) {
			json_t *val;
			cell(c, &v[i], cols[k], buf, sizeof(buf));
			if (cols[k] == COL_PID || cols[k] == COL_PPID)
				val = json_integer(atoi(buf));
			else if (cols[k] == COL_PCPU)
				val = json_real(strtod(buf, NULL));
			else
				val = json_string(buf);
			json_object_set_new(o, descriptors[cols[k]].name, val);
		}
		json_array_append_new(arr, o);
	}
	text = arr ? json_dumps(arr, JSON_INDENT(4)) : NULL;
	json_decref(arr);
	if (!text)
		return -ENOMEM;
	printf("%s\n", text);
	free(text);
	return 0;
}

static int
cmp_ns_pid(const void *a, const void *b)
{
	const struct proc_info *x = a, *y = b;

	return (x->ns_pid > y->ns_pid) - (x->ns_pid < y->ns_pid);
}

static int
top(struct ward_cli *cli, const char *name, int argc, char **argv, bool json,
    struct ward_error **err)
{
	struct ward_runtime rt = {.state_root = cli->run_root, .log = cli->log};
	struct ward_ctr_record *rec = NULL;
	struct top_ctx c = {0};
	_cleanup_free_ pid_t *pids = NULL;
	_cleanup_free_ struct proc_info *v = NULL;
	enum col cols[MAX_COLUMNS];
	size_t n_pids = 0, n = 0, n_cols = 0;
	pid_t init_pid = 0;
	int r;

	if ((r = parse_descriptors(argc, argv, cols, &n_cols, err)) < 0 ||
	    (r = ward_cli_container(cli, name, true, &rec, &init_pid, err)) < 0)
		return r;
	r = ward_container_pids(&rt, rec->id, &pids, &n_pids, err);
	ward_ctr_record_free(rec);
	if (r < 0)
		return ward_error_wrap(err, "top \"%s\"", name);
	if (n_pids > MAX_PIDS)
		n_pids = MAX_PIDS;
	if ((r = load_context(&c, init_pid, err)) < 0)
		return r;
	v = calloc(n_pids ? n_pids : 1, sizeof(*v));
	if (!v) {
		free(c.passwd);
		return ward_error_set(err, ENOMEM, "top");
	}
	for (size_t i = 0; i < n_pids; i++)
		n += (size_t)read_proc_info(pids[i], &v[n]);
	qsort(v, n, sizeof(*v), cmp_host_pid);
	for (size_t i = 0; i < n; i++)
		v[i].ns_ppid = ns_ppid(v, n, v[i].host_ppid);
	qsort(v, n, sizeof(*v), cmp_ns_pid);
	if (json)
		r = print_json(&c, v, n, cols, n_cols) < 0 ? ward_error_set(err, ENOMEM, "top") : 0;
	else
		print_table(&c, v, n, cols, n_cols);
	for (size_t i = 0; i < n; i++)
		free(v[i].args);
	free(c.passwd);
	return r;
}

int
ward_cmd_top(struct ward_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct ward_error *err = NULL;
	bool json = false;
	int c;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (ward_cli_parse_format("top", optarg, &json) != 0)
				return WARD_EXIT_ENGINE;
			break;
		case 'h':
			printf("usage: ward top [--format json] CONTAINER [DESCRIPTOR...]\n"
			       "  descriptors: user, pid, ppid, pcpu, etime, tty, time, args, "
			       "comm\n"
			       "  (default: user pid ppid pcpu etime tty time args)\n");
			return 0;
		default:
			return ward_cli_usage("top", "invalid option");
		}
	}
	if (optind >= argc)
		return ward_cli_usage("top", "give a CONTAINER");
	if (top(cli, argv[optind], argc - optind - 1, argv + optind + 1, json, &err) < 0)
		return ward_cli_fail(cli, err);
	return 0;
}
