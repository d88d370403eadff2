/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Container verbs over the container store (podman's flags and output):
 * stop, kill, rm, start, restart, wait and `ward container VERB`, and the
 * helpers the other container verbs share (ps, logs, inspect are in
 * cmd_ps.c, cmd_logs.c, cmd_inspect.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <ward/image.h>

#include "ctr_cli.h"

#define WAIT_MONITOR_MS 10000 /* how long an exited container's monitor may take to finish */

/* ---- shared helpers ----------------------------------------------------- */

int
ward_cli_ctr_fail(struct ward_error *err)
{
	fprintf(stderr, "Error: %s\n", err && err->msg ? err->msg : "unknown error");
	ward_error_free(err);
	return WARD_EXIT_ENGINE;
}

static int
abs_path(const char *p, char *buf, size_t size, struct ward_error **err)
{
	char cwd[4096];

	if (p[0] == '/') {
		if ((size_t)snprintf(buf, size, "%s", p) >= size)
			return ward_error_set(err, ENAMETOOLONG, "'%s'", p);
		return 0;
	}
	if (!getcwd(cwd, sizeof(cwd)))
		return ward_error_set(err, errno, "getcwd");
	if ((size_t)snprintf(buf, size, "%s/%s", cwd, p) >= size)
		return ward_error_set(err, ENAMETOOLONG, "'%s'", p);
	return 0;
}

int
ward_cli_ctr_abs(const struct ward_cli *cli, struct ward_cli *abs, char *root_buf, char *run_buf,
		 size_t size, struct ward_error **err)
{
	int r;

	*abs = *cli;
	if ((r = abs_path(cli->root, root_buf, size, err)) < 0 ||
	    (r = abs_path(cli->run_root, run_buf, size, err)) < 0)
		return ward_error_wrap(err, "--root/--runroot");
	abs->root = root_buf;
	abs->run_root = run_buf;
	return 0;
}

int
ward_cli_ctr_db(struct ward_cli *cli, bool create, struct ward_ctr_db **ret,
		struct ward_error **err)
{
	return ward_ctr_db_open(cli->root, create, ret, err);
}

char *
ward_ctr_opts_format(const struct ward_ctr_opts *o)
{
	json_t *j = json_pack("{s:b, s:b}", "tty", o->tty, "interactive", o->interactive);
	json_t *lowers;
	char *s;

	if (!j)
		return NULL;
	if (o->lowers) {
		lowers = json_array();
		for (size_t i = 0; lowers && o->lowers[i]; i++)
			json_array_append_new(lowers, json_string(o->lowers[i]));
		json_object_set_new(j, "lowers", lowers);
	}
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return s;
}

int
ward_ctr_opts_parse(const char *text, struct ward_ctr_opts *ret, struct ward_error **err)
{
	json_t *j = NULL;
	int r;

	*ret = (struct ward_ctr_opts){0};
	if (!text)
		return 0;
	if ((r = ward_json_parse(text, strlen(text), "spec_opts", &j, err)) < 0)
		return r;
	if ((r = ward_json_get_bool(j, "spec_opts", "tty", &ret->tty, err)) < 0 ||
	    (r = ward_json_get_bool(j, "spec_opts", "interactive", &ret->interactive, err)) < 0 ||
	    (r = ward_json_get_strv(j, "spec_opts", "lowers", WARD_SNAPSHOT_MAX_LAYERS,
				    &ret->lowers, err)) < 0) {
		json_decref(j);
		ward_ctr_opts_clear(ret);
		return r;
	}
	json_decref(j);
	return 0;
}

void
ward_ctr_opts_clear(struct ward_ctr_opts *o)
{
	ward_strv_free(o->lowers);
	o->lowers = NULL;
}

/* Paths of a container's directory: derived from --root and the id (checked
 * hex), never from the record's text, so a tampered db row cannot make rm
 * remove another directory. */
int
ward_cli_ctr_dir(struct ward_cli *cli, const char *id, const char *sub, char *buf, size_t size,
		 struct ward_error **err)
{
	size_t n = strlen(id);

	if (n != WARD_CTR_ID_LEN || strspn(id, "0123456789abcdef") != n)
		return ward_error_setk(err, WARD_E_INVALID, EINVAL, "container id '%s' is invalid",
				       id);
	if ((size_t)snprintf(buf, size, "%s/containers/%s%s%s", cli->root, id, sub ? "/" : "",
			     sub ? sub : "") >= size)
		return ward_error_set(err, ENAMETOOLONG, "--root '%s'", cli->root);
	return 0;
}

int
ward_cli_ctr_mount(const char *bundle, const struct ward_ctr_opts *o, struct ward_error **err)
{
	char rootfs[4200], upper[4200], work[4200];

	if (!o->lowers)
		return 0;
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", bundle);
	snprintf(upper, sizeof(upper), "%s/upper", bundle);
	snprintf(work, sizeof(work), "%s/work", bundle);
	/* Never stack a second overlay on a stale one. */
	(void)ward_snapshot_unmount(rootfs, NULL);
	return ward_snapshot_mount((const char *const *)o->lowers, ward_strv_length(o->lowers),
				   upper, work, rootfs, err);
}

/* An exited container's monitor still unmounts and deletes state: wait for
 * it to be gone before touching the same things. */
static void
wait_monitor_gone(const struct ward_ctr_record *r)
{
	long deadline = ward_now_ms() + WAIT_MONITOR_MS;

	while (ward_ctr_pid_alive(r->monitor_pid, r->monitor_start) && ward_now_ms() < deadline)
		(void)poll(NULL, 0, 20);
}

int
ward_cli_ctr_start(struct ward_cli *cli, const struct ward_ctr_record *r, bool attach,
		   bool interactive, struct ward_monitor *ret, struct ward_error **err)
{
	struct ward_runtime rt;
	struct ward_ctr_opts o = {0};
	char bundle[4096], log[4200], rootfs[4200], root_buf[4096], run_buf[4096];
	struct ward_cli abs;
	int rc;

	if ((rc = ward_cli_ctr_abs(cli, &abs, root_buf, run_buf, sizeof(root_buf), err)) < 0)
		return rc;
	cli = &abs;
	rt = (struct ward_runtime){.state_root = cli->run_root, .log = {.fd = -1}};
	if ((rc = ward_cli_ctr_dir(cli, r->id, NULL, bundle, sizeof(bundle), err)) < 0)
		return rc;
	if ((rc = ward_ctr_opts_parse(r->spec_opts, &o, err)) < 0)
		return ward_error_wrap(err, "container %s", r->name);
	wait_monitor_gone(r);
	if (ward_ctr_pid_alive(r->monitor_pid, r->monitor_start)) {
		ward_ctr_opts_clear(&o);
		return ward_error_setk(err, WARD_E_STATE, EBUSY,
				       "container %s: its previous monitor (pid %d) is still "
				       "finishing; try again",
				       r->name, (int)r->monitor_pid);
	}
	/* Left over from a crash: the runtime would refuse the id. */
	{
		struct ward_error *ign = NULL; /* the runtime frees through err */
		(void)ward_container_delete(&rt, r->id, true, &ign);
		ward_error_free(ign);
	}
	if ((rc = ward_cli_ctr_mount(bundle, &o, err)) < 0) {
		ward_ctr_opts_clear(&o);
		return ward_error_wrap(err, "mount the root filesystem of %s", r->name);
	}
	snprintf(log, sizeof(log), "%s/ctr.log", bundle);
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", bundle);
	{
		struct ward_monitor_opts mo = {.root = cli->root,
					       .run_root = cli->run_root,
					       .id = r->id,
					       .bundle = bundle,
					       .log_path = log,
					       .rootfs_mount = o.lowers ? rootfs : NULL,
					       .tty = o.tty,
					       .attach = attach,
					       .interactive = interactive && o.interactive,
					       .auto_remove = r->auto_remove};
		rc = ward_monitor_spawn(&mo, ret, err);
	}
	if (rc < 0 && o.lowers)
		(void)ward_snapshot_unmount(rootfs, NULL);
	ward_ctr_opts_clear(&o);
	return rc;
}

int
ward_cli_ctr_remove(struct ward_cli *cli, struct ward_ctr_db *db, const struct ward_ctr_record *r,
		    struct ward_error **err)
{
	struct ward_runtime rt = {.state_root = cli->run_root, .log = {.fd = -1}};
	char dir[4096], rootfs[4200];
	_cleanup_close_ int pfd = -1;
	int rc;

	if ((rc = ward_cli_ctr_dir(cli, r->id, NULL, dir, sizeof(dir), err)) < 0)
		return rc;
	wait_monitor_gone(r);
	if ((rc = ward_container_delete(&rt, r->id, true, err)) < 0)
		return ward_error_wrap(err, "remove %s", r->name);
	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", dir);
	if ((rc = ward_snapshot_unmount(rootfs, err)) < 0)
		return ward_error_wrap(err, "remove %s", r->name);
	snprintf(dir, sizeof(dir), "%s/containers", cli->root);
	pfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0 && errno != ENOENT)
		return ward_error_set(err, errno, "open '%s'", dir);
	if (pfd >= 0 && (rc = ward_fs_remove_tree(pfd, r->id, err)) < 0 && rc != -ENOENT)
		return ward_error_wrap(err, "remove %s", r->name);
	ward_error_freep(err);
	return ward_ctr_db_delete(db, r->id, err);
}

/* Look up and reconcile one container. */
int
ward_cli_ctr_get(struct ward_ctr_db *db, const char *what, struct ward_ctr_record **ret,
		 struct ward_error **err)
{
	int r = ward_ctr_db_get(db, what, ret, err);

	if (r < 0)
		return r;
	if ((r = ward_ctr_reconcile(db, *ret, err)) < 0) {
		ward_ctr_record_free(TAKE_PTR(*ret));
		return r;
	}
	return 0;
}

bool
ward_cli_ctr_live(const struct ward_ctr_record *r)
{
	return r->status == WARD_CTR_RUNNING || r->status == WARD_CTR_PAUSED;
}

/* Parse flags with getopt_long; on a bad flag print usage and return -1. */
int
ward_cli_bad_usage(const char *cmd, const char *usage)
{
	fprintf(stderr, "Error: ward %s: invalid option\nusage: %s\n", cmd, usage);
	return -1;
}

/* ---- stop, kill --------------------------------------------------------- */

static int
parse_signal(const char *s, int *ret)
{
	static const struct {
		const char *name;
		int sig;
	} names[] = {
		{"HUP", SIGHUP},       {"INT", SIGINT},	  {"QUIT", SIGQUIT},   {"ILL", SIGILL},
		{"TRAP", SIGTRAP},     {"ABRT", SIGABRT}, {"BUS", SIGBUS},     {"FPE", SIGFPE},
		{"KILL", SIGKILL},     {"USR1", SIGUSR1}, {"SEGV", SIGSEGV},   {"USR2", SIGUSR2},
		{"PIPE", SIGPIPE},     {"ALRM", SIGALRM}, {"TERM", SIGTERM},   {"CHLD", SIGCHLD},
		{"CONT", SIGCONT},     {"STOP", SIGSTOP}, {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN},
		{"TTOU", SIGTTOU},     {"URG", SIGURG},	  {"XCPU", SIGXCPU},   {"XFSZ", SIGXFSZ},
		{"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},
		{"PWR", SIGPWR},       {"SYS", SIGSYS},
	};
	uint64_t n;

	if (ward_parse_u64(s, &n) == 0) {
		if (n < 1 || n > 64)
			return -EINVAL;
		*ret = (int)n;
		return 0;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < WARD_ARRAY_SIZE(names); i++)
		if (strcasecmp(s, names[i].name) == 0) {
			*ret = names[i].sig;
			return 0;
		}
	return -EINVAL;
}

/* SIGTERM, then SIGKILL after timeout_s; an exited container is fine. */
static int
stop_one(struct ward_cli *cli, struct ward_ctr_db *db, const struct ward_ctr_record *r,
	 long timeout_s, struct ward_error **err)
{
	struct ward_runtime rt = {.state_root = cli->run_root, .log = {.fd = -1}};
	int code, rc;

	if (!ward_cli_ctr_live(r))
		return 0;
	if (r->status == WARD_CTR_PAUSED) {
		struct ward_error *ign = NULL; /* the runtime frees through err */
		(void)ward_container_resume(&rt, r->id, &ign);
		ward_error_free(ign);
	}
	{
		struct ward_error *ign = NULL; /* the runtime frees through err */
		(void)ward_container_kill(&rt, r->id, SIGTERM, false, &ign);
		ward_error_free(ign);
	}
	rc = ward_ctr_wait_exited(db, r->id, timeout_s * 1000, &code, err);
	if (rc == 0) {
		{
			struct ward_error *ign = NULL; /* the runtime frees through err */
			(void)ward_container_kill(&rt, r->id, SIGKILL, true, &ign);
			ward_error_free(ign);
		}
		rc = ward_ctr_wait_exited(db, r->id, 30000, &code, err);
		if (rc == 0)
			return ward_error_setk(err, WARD_E_STATE, ETIMEDOUT,
					       "container %s did not exit after SIGKILL", r->name);
	}
	if (rc < 0 && *err && (*err)->kind == WARD_E_NOTFOUND) {
		ward_error_freep(err); /* --rm: the monitor removed it */
		return 0;
	}
	if (rc >= 0)
		wait_monitor_gone(r);
	return rc < 0 ? rc : 0;
}

/* Run fn on each named container; print what the user gave on success
 * (podman); 125 if any failed. The db is opened per container: fn may close
 * it (*db = NULL) before it forks a monitor, since an sqlite handle must not
 * cross a fork. */
typedef int (*ctr_fn)(struct ward_cli *cli, struct ward_ctr_db **db, struct ward_ctr_record *r,
		      void *data, struct ward_error **err);

static int
for_each(struct ward_cli *cli, int argc, char **argv, ctr_fn fn, void *data, bool print_id)
{
	struct ward_error *err = NULL;
	int status = 0;

	if (optind >= argc)
		return ward_cli_usage(argv[0], "give at least one container");
	for (int i = optind; i < argc; i++) {
		struct ward_ctr_db *db = NULL;
		struct ward_ctr_record *r = NULL;
		if (ward_cli_ctr_db(cli, true, &db, &err) < 0 ||
		    ward_cli_ctr_get(db, argv[i], &r, &err) < 0 ||
		    fn(cli, &db, r, data, &err) < 0) {
			fprintf(stderr, "Error: %s\n", err && err->msg ? err->msg : "failed");
			ward_error_freep(&err);
			status = WARD_EXIT_ENGINE;
		} else if (print_id) {
			printf("%s\n", argv[i]);
			fflush(stdout);
		}
		ward_ctr_record_free(r);
		ward_ctr_db_close(db);
	}
	return status;
}

/* --all: fn on every container (live_only: the running ones), by full id. */
static int
for_all(struct ward_cli *cli, const char *cmd, bool live_only, ctr_fn fn, void *data)
{
	struct ward_ctr_db *db = NULL;
	struct ward_ctr_record **v = NULL;
	struct ward_error *err = NULL;
	char **names = NULL;
	size_t n = 0, k = 1;
	int rc, saved = optind;

	if (ward_cli_ctr_db(cli, true, &db, &err) < 0 || ward_ctr_db_list(db, &v, &err) < 0) {
		ward_ctr_db_close(db);
		return ward_cli_ctr_fail(err);
	}
	while (v[n])
		n++;
	names = calloc(n + 2, sizeof(*names));
	if (!names) {
		ward_ctr_record_list_free(v);
		ward_ctr_db_close(db);
		return ward_cli_ctr_fail(NULL);
	}
	names[0] = (char *)cmd;
	for (size_t i = 0; i < n; i++) {
		if (ward_ctr_reconcile(db, v[i], &err) < 0)
			ward_error_freep(&err);
		if (!live_only || ward_cli_ctr_live(v[i]))
			names[k++] = v[i]->id;
	}
	ward_ctr_db_close(db);
	optind = 1;
	rc = k > 1 ? for_each(cli, (int)k, names, fn, data, true) : 0;
	optind = saved;
	free(names);
	ward_ctr_record_list_free(v);
	return rc;
}

static int
stop_fn(struct ward_cli *cli, struct ward_ctr_db **dbp, struct ward_ctr_record *r, void *data,
	struct ward_error **err)
{
	struct ward_ctr_db *db = *dbp;
	return stop_one(cli, db, r, *(long *)data, err);
}

static int
parse_timeout(const char *s, long *ret)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*end || end == s || v < 0 || v > 86400)
		return -EINVAL;
	*ret = v;
	return 0;
}

int
ward_cmd_stop(struct ward_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"time", required_argument, NULL, 't'},
		{"timeout", required_argument, NULL, 't'},
		{"all", no_argument, NULL, 'a'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	static const char usage[] = "ward stop [-a] [-t SECONDS] CONTAINER...";
	long timeout = 10;
	bool all = false;
	int c;

	while ((c = getopt_long(argc, argv, "+at:h", opts, NULL)) != -1) {
		if (c == 't' && parse_timeout(optarg, &timeout) < 0)
			return ward_cli_usage("stop", "-t '%s': seconds (0 to 86400)", optarg);
		if (c == 'a')
			all = true;
		else if (c == 'h') {
			printf("usage: %s\n", usage);
			return 0;
		} else if (c != 't')
			return ward_cli_bad_usage("stop", usage) < 0 ? WARD_EXIT_ENGINE : 0;
	}
	if (all)
		return for_all(cli, "stop", true, stop_fn, &timeout);
	return for_each(cli, argc, argv, stop_fn, &timeout, true);
}

static int
kill_fn(struct ward_cli *cli, struct ward_ctr_db **dbp, struct ward_ctr_record *r, void *data,
	struct ward_error **err)
{
	struct ward_ctr_db *db = *dbp;
	struct ward_runtime rt = {.state_root = cli->run_root, .log = {.fd = -1}};

	(void)db;
	if (!ward_cli_ctr_live(r))
		return ward_error_setk(err, WARD_E_STATE, 0,
				       "can only kill running containers. %.12s is in state %s",
				       r->id, ward_ctr_status_name(r->status));
	return ward_container_kill(&rt, r->id, *(int *)data, false, err);
}

int
ward_cmd_kill(struct ward_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"signal", required_argument, NULL, 's'},
		{"all", no_argument, NULL, 'a'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	static const char usage[] = "ward kill [-a] [-s SIGNAL] CONTAINER...";
	int sig = SIGKILL, c;
	bool all = false;

	while ((c = getopt_long(argc, argv, "+as:h", opts, NULL)) != -1) {
		if (c == 'a') {
			all = true;
			continue;
		}
		if (c == 's' && parse_signal(optarg, &sig) < 0)
			return ward_cli_usage("kill",
					      "-s '%s': a signal name (TERM, SIGHUP) or "
					      "number (1-64)",
					      optarg);
		if (c == 'h') {
			printf("usage: %s\n", usage);
			return 0;
		}
		if (c != 's')
			return ward_cli_bad_usage("kill", usage) < 0 ? WARD_EXIT_ENGINE : 0;
	}
	if (all)
		return for_all(cli, "kill", true, kill_fn, &sig);
	return for_each(cli, argc, argv, kill_fn, &sig, true);
}

/* ---- rm ----------------------------------------------------------------- */

static int
rm_fn(struct ward_cli *cli, struct ward_ctr_db **dbp, struct ward_ctr_record *r, void *data,
      struct ward_error **err)
{
	struct ward_ctr_db *db = *dbp;
	bool force = *(bool *)data;
	struct ward_ctr_record *now = NULL;
	int rc;

	if (ward_cli_ctr_live(r) && !force)
		return ward_error_setk(err, WARD_E_STATE, 0,
				       "cannot remove container %.12s (%s) as it is %s; stop it "
				       "first (ward stop %s) or use ward rm -f",
				       r->id, r->name, ward_ctr_status_name(r->status), r->name);
	if (ward_cli_ctr_live(r) && (rc = stop_one(cli, db, r, 0, err)) < 0)
		return rc;
	/* An --rm container is removed by its own monitor when it exits. */
	if (ward_ctr_db_get(db, r->id, &now, NULL) < 0)
		return 0;
	ward_ctr_record_free(now);
	return ward_cli_ctr_remove(cli, db, r, err);
}

int
ward_cmd_rm(struct ward_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"force", no_argument, NULL, 'f'},
		{"all", no_argument, NULL, 'a'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	static const char usage[] = "ward rm [-a] [-f] CONTAINER...";
	bool force = false, all = false;
	int c;

	while ((c = getopt_long(argc, argv, "+afh", opts, NULL)) != -1) {
		if (c == 'f')
			force = true;
		else if (c == 'a')
			all = true;
		else if (c == 'h') {
			printf("usage: %s\n", usage);
			return 0;
		} else
			return ward_cli_bad_usage("rm", usage) < 0 ? WARD_EXIT_ENGINE : 0;
	}
	if (all)
		return for_all(cli, "rm", false, rm_fn, &force);
	return for_each(cli, argc, argv, rm_fn, &force, true);
}

/* ---- start, restart, wait ----------------------------------------------- */

struct start_data {
	bool attach, interactive;
	long timeout; /* restart: the stop timeout; -1 for start */
	int status;   /* with attach: the container's exit status */
};

static int
start_fn(struct ward_cli *cli, struct ward_ctr_db **dbp, struct ward_ctr_record *r, void *data,
	 struct ward_error **err)
{
	struct ward_ctr_db *db = *dbp;
	struct start_data *d = data;
	struct ward_monitor m = {.report_fd = -1};
	struct ward_ctr_record *fresh = NULL;
	int rc;

	if (d->timeout >= 0) {
		if ((rc = stop_one(cli, db, r, d->timeout, err)) < 0)
			return rc;
		if ((rc = ward_cli_ctr_get(db, r->id, &fresh, err)) < 0)
			return rc;
		r = fresh;
	} else if (ward_cli_ctr_live(r)) {
		return 0; /* podman: starting a running container is a no-op */
	}
	ward_ctr_db_close(db);
	*dbp = NULL;
	rc = ward_cli_ctr_start(cli, r, d->attach, d->interactive, &m, err);
	if (rc == 0 && d->attach)
		rc = ward_monitor_wait(&m, &d->status, err);
	ward_monitor_release(&m);
	ward_ctr_record_free(fresh);
	return rc;
}

int
ward_cmd_start(struct ward_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"attach", no_argument, NULL, 'a'},
		{"interactive", no_argument, NULL, 'i'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	static const char usage[] = "ward start [-a] [-i] CONTAINER...";
	struct start_data d = {.timeout = -1};
	int c, rc;

	while ((c = getopt_long(argc, argv, "+aih", opts, NULL)) != -1) {
		if (c == 'a')
			d.attach = true;
		else if (c == 'i')
			d.interactive = true;
		else if (c == 'h') {
			printf("usage: %s\n", usage);
			return 0;
		} else
			return ward_cli_bad_usage("start", usage) < 0 ? WARD_EXIT_ENGINE : 0;
	}
	if (d.attach && argc - optind != 1)
		return ward_cli_usage("start", "-a attaches to exactly one container");
	rc = for_each(cli, argc, argv, start_fn, &d, !d.attach);
	return rc == 0 && d.attach ? d.status : rc;
}

int
ward_cmd_restart(struct ward_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"time", required_argument, NULL, 't'},
		{"timeout", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	static const char usage[] = "ward restart [-t SECONDS] CONTAINER...";
	struct start_data d = {.timeout = 10};
	int c;

	while ((c = getopt_long(argc, argv, "+t:h", opts, NULL)) != -1) {
		if (c == 't' && parse_timeout(optarg, &d.timeout) < 0)
			return ward_cli_usage("restart", "-t '%s': seconds (0 to 86400)", optarg);
		if (c == 'h') {
			printf("usage: %s\n", usage);
			return 0;
		}
		if (c != 't')
			return ward_cli_bad_usage("restart", usage) < 0 ? WARD_EXIT_ENGINE : 0;
	}
	return for_each(cli, argc, argv, start_fn, &d, true);
}

static int
wait_fn(struct ward_cli *cli, struct ward_ctr_db **dbp, struct ward_ctr_record *r, void *data,
	struct ward_error **err)
{
	struct ward_ctr_db *db = *dbp;
	int code = 0, rc;

	(void)cli;
	(void)data;
	rc = ward_ctr_wait_exited(db, r->id, -1, &code, err);
	if (rc < 0)
		return rc;
	printf("%d\n", code);
	fflush(stdout);
	return 0;
}

int
ward_cmd_wait(struct ward_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};
	int c;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'h') {
			printf("usage: ward wait CONTAINER...\n");
			return 0;
		}
		return ward_cli_bad_usage("wait", "ward wait CONTAINER...") < 0 ? WARD_EXIT_ENGINE
										: 0;
	}
	return for_each(cli, argc, argv, wait_fn, NULL, false);
}

/* ---- ward container VERB ------------------------------------------------ */

int
ward_cmd_container(struct ward_cli *cli, int argc, char **argv)
{
	static const struct ward_cmd verbs[] = {
		{"run", "", ward_cmd_run},     {"ps", "", ward_cmd_ps},
		{"ls", "", ward_cmd_ps},       {"list", "", ward_cmd_ps},
		{"logs", "", ward_cmd_logs},   {"stop", "", ward_cmd_stop},
		{"kill", "", ward_cmd_kill},   {"rm", "", ward_cmd_rm},
		{"start", "", ward_cmd_start}, {"restart", "", ward_cmd_restart},
		{"wait", "", ward_cmd_wait},   {"inspect", "", ward_cmd_inspect},
	};

	if (argc < 2)
		return ward_cli_usage("container", "give a verb: run, ps, ls, logs, stop, kill, "
						   "rm, start, restart, wait, inspect");
	for (size_t i = 0; i < WARD_ARRAY_SIZE(verbs); i++)
		if (strcmp(argv[1], verbs[i].name) == 0) {
			optind = 1;
			return verbs[i].run(cli, argc - 1, argv + 1);
		}
	return ward_cli_usage("container", "unknown verb '%s'", argv[1]);
}
