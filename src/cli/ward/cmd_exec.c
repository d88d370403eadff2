/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ward exec: another process in a running container, with the container's
 * own process settings (env, capabilities, seccomp, no_new_privs, user) and
 * podman's flags on top. Also the helpers exec, top and diff share: finding
 * a container by name or id, and --init's ward-init.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <ward/containers.h>

#include "cli.h"

#define PASSWD_MAX (4u << 20)
#define MAX_ENV 4096
#define MAX_GROUPS 1024

enum { OPT_ENV_FILE = 256, OPT_PRIVILEGED, OPT_HELP };

struct exec_flags {
	bool interactive, tty, detach, privileged;
	const char *user, *workdir;
	json_t *env; /* KEY=VALUE added or replaced, in order */
};

/* ---- finding containers --------------------------------------------------- */

int
ward_cli_container(struct ward_cli *cli, const char *id_or_name, bool running,
		   struct ward_ctr_record **ret, pid_t *ret_pid, struct ward_error **err)
{
	struct ward_runtime rt = {.state_root = cli->run_root, .log = cli->log};
	struct ward_ctr_db *db = NULL;
	struct ward_ctr_record *rec = NULL;
	json_t *state = NULL;
	const char *status = NULL;
	json_int_t pid = 0;
	int r;

	if (ward_ctr_db_open(cli->root, false, &db, NULL) < 0)
		/* No store yet: no container was ever made under this root. */
		return ward_error_setk(err, WARD_E_NOTFOUND, ENOENT,
				       "no container with name or ID \"%s\" found", id_or_name);
	r = ward_ctr_db_get(db, id_or_name, &rec, err);
	ward_ctr_db_close(db);
	if (r < 0)
		return r;
	if (running) {
		/* The runtime's state is the truth about a live process; the
		 * record may lag behind a container that just exited. */
		if (ward_container_state(&rt, rec->id, &state, NULL) == 0) {
			status = json_string_value(json_object_get(state, "status"));
			pid = json_integer_value(json_object_get(state, "pid"));
		}
		if (!status || strcmp(status, "running") != 0 || pid <= 0) {
			r = ward_error_setk(err, WARD_E_STATE, 0,
					    "container \"%s\" is not running (%s): start it first",
					    id_or_name,
					    status ? status : ward_ctr_status_name(rec->status));
			json_decref(state);
			ward_ctr_record_free(rec);
			return r;
		}
		json_decref(state);
		*ret_pid = (pid_t)pid;
	}
	*ret = rec;
	return 0;
}

/* ---- --init ------------------------------------------------------------------ */

static bool
usable_init(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
}

int
ward_cli_find_init(struct ward_cli *cli, const char **ret, struct ward_error **err)
{
	const char *env = secure_getenv("WARD_INIT_PATH");
	char exe[PATH_MAX], a[PATH_MAX + 16], b[PATH_MAX + 16];
	ssize_t n;
	char *slash;

	if (env && *env) {
		if (!realpath(env, cli->init_path) || !usable_init(cli->init_path))
			return ward_error_setk(err, WARD_E_NOTFOUND, errno ? errno : ENOEXEC,
					       "--init: WARD_INIT_PATH '%s' is not an executable "
					       "file",
					       env);
		*ret = cli->init_path;
		return 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return ward_error_set(err, errno, "--init: find the ward binary (/proc/self/exe)");
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return ward_error_set(err, ENOENT, "--init: ward runs from '%s'", exe);
	*slash = '\0';
	/* Installed: beside ward. In the build tree build/test/ward's is
	 * build/ward-init, one level up. */
	snprintf(a, sizeof(a), "%s/ward-init", exe);
	snprintf(b, sizeof(b), "%s/../ward-init", exe);
	for (const char *c = a; c; c = c == a ? b : NULL)
		if (usable_init(c) && realpath(c, cli->init_path)) {
			*ret = cli->init_path;
			return 0;
		}
	return ward_error_setk(err, WARD_E_NOTFOUND, ENOENT,
			       "--init: no ward-init at '%s' or '%s'; build it (make "
			       "build/ward-init) or set WARD_INIT_PATH",
			       a, b);
}

/* ---- flags -------------------------------------------------------------------- */

static int
env_set(json_t *env, const char *kv)
{
	size_t klen = strcspn(kv, "=");
	size_t i;
	json_t *v;

	if (json_array_size(env) >= MAX_ENV)
		return -E2BIG;
	json_array_foreach(env, i, v) {
		const char *cur = json_string_value(v);
		if (cur && strncmp(cur, kv, klen) == 0 && cur[klen] == '=')
			return json_array_set_new(env, i, json_string(kv));
	}
	return json_array_append_new(env, json_string(kv));
}

/* -e KEY=VALUE, or -e KEY to pass ours through (podman's rule). */
static int
add_env(json_t *env, const char *kv, struct ward_error **err)
{
	_cleanup_free_ char *full = NULL;

	if (!*kv || *kv == '=')
		return ward_error_set(err, EINVAL, "--env '%s': expected KEY=VALUE or KEY", kv);
	if (!strchr(kv, '=')) {
		const char *v = getenv(kv);
		if (!v)
			return 0;
		full = ward_strdup_printf("%s=%s", kv, v);
		if (!full)
			return ward_error_set(err, ENOMEM, "--env");
		kv = full;
	}
	if (env_set(env, kv) < 0)
		return ward_error_set(err, E2BIG, "--env: at most %d variables", MAX_ENV);
	return 0;
}

static int
add_env_line(void *ctx, const char *kv, struct ward_error **err)
{
	return add_env(ctx, kv, err);
}

static void
exec_usage(void)
{
	printf("usage: ward exec [options] CONTAINER COMMAND [ARG...]\n"
	       "  -i, --interactive      keep stdin open\n"
	       "  -t, --tty              allocate a pseudo-terminal\n"
	       "  -d, --detach           run in the background, output discarded\n"
	       "  -e, --env K=V          set an environment variable (-e K passes ours)\n"
	       "  --env-file FILE        read KEY=VALUE lines\n"
	       "  -u, --user U[:G]       user (name or id) inside the container\n"
	       "  -w, --workdir DIR      working directory\n"
	       "  --privileged           all capabilities the engine holds (logged)\n");
}

static int
parse_flags(int argc, char **argv, struct exec_flags *f, struct ward_error **err)
{
	static const struct option opts[] = {
		{"interactive", no_argument, NULL, 'i'},
		{"tty", no_argument, NULL, 't'},
		{"detach", no_argument, NULL, 'd'},
		{"env", required_argument, NULL, 'e'},
		{"env-file", required_argument, NULL, OPT_ENV_FILE},
		{"user", required_argument, NULL, 'u'},
		{"workdir", required_argument, NULL, 'w'},
		{"privileged", no_argument, NULL, OPT_PRIVILEGED},
		{"help", no_argument, NULL, OPT_HELP},
		{0},
	};
	int c, r = 0;

	while (r == 0 && (c = getopt_long(argc, argv, "+itde:u:w:", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			f->interactive = true;
			break;
		case 't':
			f->tty = true;
			break;
		case 'd':
			f->detach = true;
			break;
		case 'e':
			r = add_env(f->env, optarg, err);
			break;
		case OPT_ENV_FILE:
			r = ward_cli_read_env_file(optarg, add_env_line, f->env, err);
			break;
		case 'u':
			f->user = optarg;
			break;
		case 'w':
			if (optarg[0] != '/')
				r = ward_error_set(err, EINVAL, "--workdir '%s': must be absolute",
						   optarg);
			f->workdir = optarg;
			break;
		case OPT_PRIVILEGED:
			f->privileged = true;
			break;
		case OPT_HELP:
			exec_usage();
			exit(0);
		default:
			r = ward_error_set(err, EINVAL,
					   "exec: invalid option (see ward exec --help)");
		}
	}
	if (r == 0 && argc - optind < 2)
		r = ward_error_set(err, EINVAL, "exec: give a CONTAINER and a COMMAND");
	if (r == 0 && f->tty && f->detach)
		r = ward_error_set(err, EINVAL,
				   "exec: --tty and --detach together are not supported");
	return r;
}

/* ---- users, looked up in the container's own /etc ------------------------ */

struct id_lookup {
	int root_fd;	      /* the container's root, as its processes see it */
	char *passwd, *group; /* file contents, read on first use */
};

static int
load(struct id_lookup *l, const char *file, char **buf, struct ward_error **err)
{
	_cleanup_close_ int fd = -1;

	if (*buf)
		return 0;
	/* The container's /etc/passwd may be a symlink to anywhere: resolved
	 * inside its root, never on the host. */
	fd = ward_fs_open_in_root(l->root_fd, file, O_RDONLY, 0, err);
	if (fd < 0)
		return fd;
	return ward_fs_read_fd(fd, PASSWD_MAX, file, buf, NULL, err);
}

/* Next "a:b:c:d" line of *cur split into at most 4 fields; 0 at the end. */
static int
next_entry(char **cur, char *f[4])
{
	char *line;

	while ((line = strsep(cur, "\n"))) {
		int i = 0;
		char *tok;
		for (tok = strsep(&line, ":"); tok && i < 4; tok = strsep(&line, ":"))
			f[i++] = tok;
		if (i >= 3)
			return i;
	}
	return 0;
}

/* name or numeric id in /etc/passwd (user) or /etc/group; 1 found. */
static int
find_id(struct id_lookup *l, bool group, const char *key, uint32_t *ret_id, uint32_t *ret_gid,
	char **ret_name, struct ward_error **err)
{
	const char *file = group ? "/etc/group" : "/etc/passwd";
	char **buf = group ? &l->group : &l->passwd;
	_cleanup_free_ char *copy = NULL;
	char *cur, *f[4];
	uint64_t want = 0, id, gid;
	bool numeric = ward_parse_u64(key, &want) == 0;
	int n;

	if (load(l, file, buf, err) < 0)
		return numeric ? (ward_error_freep(err), 0)
			       : ward_error_wrap(err, "user '%s'", key);
	if (!(copy = strdup(*buf)))
		return ward_error_set(err, ENOMEM, "user");
	cur = copy;
	while ((n = next_entry(&cur, f)) > 0) {
		if (ward_parse_u64(f[2], &id) < 0 || id >= UINT32_MAX)
			continue;
		if (numeric ? id != want : strcmp(f[0], key) != 0)
			continue;
		*ret_id = (uint32_t)id;
		if (ret_gid && n >= 4 && ward_parse_u64(f[3], &gid) == 0 && gid < UINT32_MAX)
			*ret_gid = (uint32_t)gid;
		if (ret_name && !(*ret_name = strdup(f[0])))
			return ward_error_set(err, ENOMEM, "user");
		return 1;
	}
	return 0;
}

/* Groups whose member list names user (podman sets them for exec -u). */
static int
supplementary_groups(struct id_lookup *l, const char *user, uint32_t primary, json_t *out,
		     struct ward_error **err)
{
	_cleanup_free_ char *copy = NULL;
	char *cur, *line;

	if (load(l, "/etc/group", &l->group, err) < 0) {
		ward_error_freep(err);
		return 0;
	}
	if (!(copy = strdup(l->group)))
		return ward_error_set(err, ENOMEM, "groups");
	cur = copy;
	while ((line = strsep(&cur, "\n")) && json_array_size(out) < MAX_GROUPS) {
		char *name = strsep(&line, ":"), *pw = strsep(&line, ":");
		char *gid_s = strsep(&line, ":"), *members = line, *m;
		uint64_t gid;
		(void)name;
		(void)pw;
		if (!gid_s || !members || ward_parse_u64(gid_s, &gid) < 0 || gid >= UINT32_MAX ||
		    gid == primary)
			continue;
		while ((m = strsep(&members, ",")))
			if (strcmp(m, user) == 0) {
				json_array_append_new(out, json_integer((json_int_t)gid));
				break;
			}
	}
	return 0;
}

/* -u USER[:GROUP] as podman resolves it: names (and the primary group of a
 * numeric uid) from the container's /etc/passwd and /etc/group, an unknown
 * name is an error, an unknown numeric id is used as it is (gid 0). */
static int
resolve_user(pid_t pid, const char *spec, json_t **ret, struct ward_error **err)
{
	_cleanup_free_ char *copy = strdup(spec), *name = NULL;
	struct id_lookup l = {.root_fd = -1};
	char rootpath[64], *colon;
	uint32_t uid = 0, gid = 0;
	json_t *groups = json_array();
	int r = 0;

	if (!copy || !groups) {
		json_decref(groups);
		return ward_error_set(err, ENOMEM, "user");
	}
	snprintf(rootpath, sizeof(rootpath), "/proc/%d/root", (int)pid);
	l.root_fd = open(rootpath, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (l.root_fd < 0) {
		r = ward_error_set(err, errno, "user '%s': open the container's root", spec);
		goto out;
	}
	colon = strchr(copy, ':');
	if (colon)
		*colon++ = '\0';
	if (!*copy) {
		r = ward_error_set(err, EINVAL, "--user '%s': give a user name or uid", spec);
		goto out;
	}
	r = find_id(&l, false, copy, &uid, &gid, &name, err);
	if (r == 0) {
		uint64_t v;
		if (ward_parse_u64(copy, &v) < 0 || v >= UINT32_MAX) {
			r = ward_error_setk(err, WARD_E_NOTFOUND, 0,
					    "--user '%s': no user '%s' in the container's "
					    "/etc/passwd",
					    spec, copy);
			goto out;
		}
		uid = (uint32_t)v;
	}
	if (r < 0)
		goto out;
	if (colon && *colon) {
		r = find_id(&l, true, colon, &gid, NULL, NULL, err);
		if (r == 0) {
			uint64_t v;
			if (ward_parse_u64(colon, &v) < 0 || v >= UINT32_MAX) {
				r = ward_error_setk(err, WARD_E_NOTFOUND, 0,
						    "--user '%s': no group '%s' in the container's "
						    "/etc/group",
						    spec, colon);
				goto out;
			}
			gid = (uint32_t)v;
		}
		if (r < 0)
			goto out;
	}
	if (name && (r = supplementary_groups(&l, name, gid, groups, err)) < 0)
		goto out;
	*ret = json_pack("{s:I, s:I, s:O}", "uid", (json_int_t)uid, "gid", (json_int_t)gid,
			 "additionalGids", groups);
	r = *ret ? 0 : ward_error_set(err, ENOMEM, "user");
out:
	json_decref(groups);
	free(l.passwd);
	free(l.group);
	if (l.root_fd >= 0)
		(void)close(l.root_fd);
	return r;
}

/* --privileged: every capability this process holds, in every set. */
static json_t *
held_caps(void)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2] = {0};
	json_t *known = ward_procattr_known_caps(), *caps = json_array();
	uint64_t prm;

	if (syscall(SYS_capget, &h, d) < 0)
		memset(d, 0, sizeof(d));
	prm = (uint64_t)d[1].permitted << 32 | d[0].permitted;
	for (size_t c = 0; caps && c < json_array_size(known) && c < 64; c++)
		if ((prm >> c) & 1)
			json_array_append(caps, json_array_get(known, c));
	json_decref(known);
	return caps;
}

/* The container's process object with the command line's changes. */
static int
build_process(struct ward_cli *cli, const char *id, pid_t pid, const struct exec_flags *f,
	      char **cmd, json_t **ret, struct ward_error **err)
{
	struct ward_runtime rt = {.state_root = cli->run_root, .log = cli->log};
	json_t *config = NULL, *proc, *args, *env;
	size_t i;
	json_t *v;
	int r;

	if ((r = ward_container_config_json(&rt, id, &config, err)) < 0)
		return r;
	proc = json_object_get(config, "process");
	proc = json_is_object(proc) ? json_deep_copy(proc) : json_object();
	json_decref(config);
	if (!proc)
		return ward_error_set(err, ENOMEM, "process");
	args = json_array();
	for (char **a = cmd; *a; a++)
		json_array_append_new(args, json_string(*a));
	json_object_set_new(proc, "args", args);
	json_object_set_new(proc, "terminal", json_boolean(f->tty));
	json_object_del(proc, "consoleSize");
	if (f->workdir)
		json_object_set_new(proc, "cwd", json_string(f->workdir));
	env = json_object_get(proc, "env");
	if (!json_is_array(env)) {
		env = json_array();
		json_object_set_new(proc, "env", env);
	}
	json_array_foreach(f->env, i, v)
		(void)env_set(env, json_string_value(v));
	if (f->tty) {
		bool has_term = false;
		json_array_foreach(env, i, v)
			has_term |= ward_str_has_prefix(json_string_value(v), "TERM=");
		if (!has_term)
			json_array_append_new(env, json_string("TERM=xterm"));
	}
	if (f->user) {
		json_t *user = NULL;
		if ((r = resolve_user(pid, f->user, &user, err)) < 0) {
			json_decref(proc);
			return r;
		}
		json_object_set_new(proc, "user", user);
	}
	if (f->privileged) {
		json_t *caps = held_caps();
		json_object_set_new(proc, "capabilities",
				    json_pack("{s:O, s:O, s:O}", "bounding", caps, "effective",
					      caps, "permitted", caps));
		json_decref(caps);
	}
	*ret = proc;
	return 0;
}

/* An absolute command that exists but is not an executable file is 126
 * (podman's "permission denied"), not "not found": looked up in the
 * container's root as execve will see it. Other cases are the runtime's. */
static int
check_executable(pid_t pid, const char *cmd, struct ward_error **err)
{
	_cleanup_close_ int root = -1, fd = -1;
	char path[64];
	struct stat st;

	if (cmd[0] != '/')
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
	root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0 || (fd = ward_fs_open_in_root(root, cmd, O_PATH, 0, NULL)) < 0 ||
	    fstat(fd, &st) < 0)
		return 0;
	if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111))
		return ward_error_setk(err, WARD_E_DENIED, EACCES,
				       "exec '%s': not an executable file", cmd);
	return 0;
}

/* podman's statuses: 127 the command is not there, 126 it cannot be run,
 * 125 the engine failed (or the container is not running). */
static int
exec_exit_code(const struct ward_error *e)
{
	if (!e || !e->msg || e->kind == WARD_E_STATE)
		return WARD_EXIT_ENGINE;
	if (strstr(e->msg, "exec '") || strstr(e->msg, "process.cwd '")) {
		if ((e->kind == WARD_E_NOTFOUND || e->errnum == ENOENT) &&
		    (e->errnum == 0 || e->errnum == ENOENT || e->errnum == ENOTDIR))
			return WARD_EXIT_NOT_FOUND;
		return WARD_EXIT_CANNOT_INVOKE;
	}
	return WARD_EXIT_ENGINE;
}

/* -d: the process gets /dev/null for stdio; ours come back afterwards. */
static int
detach_stdio(int saved[3])
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null < 0)
		return -errno;
	for (int i = 0; i < 3; i++) {
		saved[i] = fcntl(i, F_DUPFD_CLOEXEC, 3);
		(void)dup2(null, i);
	}
	(void)close(null);
	return 0;
}

static void
restore_stdio(int saved[3])
{
	for (int i = 0; i < 3; i++)
		if (saved[i] >= 0) {
			(void)dup2(saved[i], i);
			(void)close(saved[i]);
			saved[i] = -1;
		}
}

int
ward_cmd_exec(struct ward_cli *cli, int argc, char **argv)
{
	struct exec_flags f = {.env = json_array()};
	struct ward_runtime rt = {.state_root = cli->run_root, .log = cli->log};
	struct ward_ctr_record *rec = NULL;
	struct ward_process *p = NULL;
	struct ward_error *err = NULL;
	json_t *proc = NULL;
	int status = 0, saved[3] = {-1, -1, -1}, r;
	pid_t pid = 0;

	if (!f.env)
		return WARD_EXIT_ENGINE;
	r = parse_flags(argc, argv, &f, &err);
	if (r == 0 && (r = ward_cli_container(cli, argv[optind], true, &rec, &pid, &err)) == 0 &&
	    (r = build_process(cli, rec->id, pid, &f, argv + optind + 1, &proc, &err)) == 0 &&
	    (r = check_executable(pid, argv[optind + 1], &err)) == 0)
		r = ward_process_parse(proc, "process", &p, &err);
	if (r == 0) {
		struct ward_exec_opts o = {.id = rec->id, .process = p, .detach = f.detach};
		if (f.privileged)
			ward_log_write(&cli->log, WARD_LOG_WARNING,
				       "exec --privileged: all capabilities for '%s'",
				       argv[optind]);
		if (f.detach) {
			(void)detach_stdio(saved);
		} else if (!f.interactive && !f.tty) {
			/* Without -i the process gets no stdin (podman's behaviour). */
			int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
			if (null >= 0) {
				(void)dup2(null, 0);
				(void)close(null);
			}
		}
		r = ward_container_exec(&rt, &o, &status, &err);
		restore_stdio(saved);
		if (r < 0)
			(void)ward_error_wrap(&err, "container \"%s\"", argv[optind]);
	}
	json_decref(proc);
	json_decref(f.env);
	ward_process_free(p);
	ward_ctr_record_free(rec);
	if (r < 0) {
		int code = exec_exit_code(err);
		fprintf(stderr, "Error: %s\n", err && err->msg ? err->msg : "exec failed");
		ward_error_free(err);
		return code;
	}
	return status;
}
