/* SPDX-License-Identifier: Apache-2.0 */
/* create, start, run, kill, delete, pause, resume, update: runc's verbs. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/magic.h>
#include <linux/sched.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "internal.h"

struct create_ctx {
	const struct ward_runtime *rt;
	const struct ward_create_opts *o;
	struct ward_spec *spec;
	char *config;       /* raw config.json */
	size_t config_len;
	char bundle[PATH_MAX];
	char rootfs[PATH_MAX];
	int state_dirfd;    /* O_PATH */
	int state_rwfd;     /* O_RDONLY|O_DIRECTORY, for *at writes */
	bool state_made;
	int console_fd;
	int sync[2];
	pid_t pid;          /* container init, host pid */
	pid_t direct_child; /* what we must reap: init or the intermediate */
	struct ward_cgroup *cgroup;
	bool in_cgroup;     /* born there (CLONE_INTO_CGROUP) */
	/* v1 and hybrid hosts: init moves itself into the made cgroup. */
	struct ward_cgroup_attach attach;
	bool self_attach;
	bool v2_only;       /* the host has only cgroup2 */
	bool host_mountns;  /* no mount namespace of its own (see note_host_mountns) */
	uint64_t rootfs_mount_id; /* host_mountns: the mount at rootfs before */
};

static void
rfc3339_now(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	char base[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%09ldZ", base, ts.tv_nsec);
}

/* ---- create: validation ------------------------------------------------- */

static int
resolve_paths(struct create_ctx *c, struct ward_error **err)
{
	char joined[PATH_MAX * 2];
	struct stat st;

	if (!realpath(c->o->bundle ? c->o->bundle : ".", c->bundle))
		return ward_error_set(err, errno, "bundle '%s'", c->o->bundle ? c->o->bundle : ".");
	if (c->spec->root_path[0] == '/')
		snprintf(joined, sizeof(joined), "%s", c->spec->root_path);
	else
		snprintf(joined, sizeof(joined), "%s/%s", c->bundle, c->spec->root_path);
	if (!realpath(joined, c->rootfs))
		return ward_error_set(err, errno, "root.path '%s'", c->spec->root_path);
	if (stat(c->rootfs, &st) < 0 || !S_ISDIR(st.st_mode))
		return ward_error_set(err, ENOTDIR, "root.path '%s'", c->spec->root_path);
	return 0;
}

/* True when the namespace at path is the one we run in. */
static bool
same_namespace(const char *path, const char *proc_name)
{
	char self[64];
	struct stat a, b;

	snprintf(self, sizeof(self), "/proc/self/ns/%s", proc_name);
	return stat(path, &a) == 0 && stat(self, &b) == 0 && a.st_ino == b.st_ino &&
	       a.st_dev == b.st_dev;
}

/* The spec says a namespace type not listed is inherited. For "mount" that
 * is the host's mount table: the config's mounts are made there, under a
 * private bind of the rootfs that delete detaches, and the process is only
 * chroot'ed, which root with CAP_SYS_CHROOT can leave. So say it. */
static int
note_host_mountns(struct create_ctx *c, struct ward_error **err)
{
	const struct ward_spec_namespace *mnt = &c->spec->ns[WARD_NS_MOUNT];

	/* Joining our own mount namespace by path is the same as none. */
	c->host_mountns = !mnt->enabled || (mnt->path && same_namespace(mnt->path, "mnt"));
	if (!c->host_mountns)
		return 0;
	ward_log_write(&c->rt->log, WARD_LOG_WARNING,
		       "linux.namespaces: container '%s' shares the runtime's mount namespace "
		       "(none, or the runtime's own): it is only chroot'ed into '%s'",
		       c->o->id, c->rootfs);
	c->rootfs_mount_id = ward_mount_id_at(c->rootfs);
	if (!c->rootfs_mount_id)
		return ward_error_set(err, errno ? errno : EIO,
				      "root.path '%s': cannot read its mount id", c->rootfs);
	return 0;
}

static int
validate_for_create(struct create_ctx *c, struct ward_error **err)
{
	const struct ward_spec *s = c->spec;

	/* The spec allows a container without a process: it is made, and
	 * `start` fails (as the spec says it must). */
	if (!s->process) {
		if (c->o->console_socket)
			return ward_error_set(err, EINVAL, "--console-socket given but "
							  "config.json has no process");
		return 0;
	}
	/* Fail at create, not when the process starts (crun fails in capset). */
	if (!s->ns[WARD_NS_USER].enabled && s->process->attr) {
		int r = ward_procattr_check_caps(s->process->attr, err);
		if (r < 0)
			return r;
	}
	if (s->process->terminal && !c->o->console_socket && c->console_fd < 0)
		return ward_error_set(err, EINVAL,
				      "process.terminal is true: --console-socket is required "
				      "(or run it in the foreground)");
	if (!s->process->terminal && c->o->console_socket)
		return ward_error_set(err, EINVAL,
				      "--console-socket given but process.terminal is false");
	/* A label only means something with SELinux; without it the mounts
	 * are unlabeled either way (crun and runc behave the same), so say so
	 * in the log rather than fail. */
	if (s->mount_label && *s->mount_label)
		ward_log_write(&c->rt->log, WARD_LOG_WARNING,
			       "linux.mountLabel '%s' ignored: SELinux is not enabled on this host",
			       s->mount_label);
	if (s->ns[WARD_NS_TIME].enabled && s->ns[WARD_NS_TIME].path && s->has_time_offsets)
		return ward_error_set(err, EINVAL,
				      "linux.timeOffsets: cannot be set when joining a time namespace");
	return 0;
}

/* Default devices allowed in the devices cgroup even when the config
 * denies everything (what runc and Docker allow). */
static const char *const default_allowed_devices =
	"[{\"allow\":true,\"type\":\"c\",\"access\":\"m\"},"
	"{\"allow\":true,\"type\":\"b\",\"access\":\"m\"},"
	"{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"},"
	"{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":5,\"access\":\"rwm\"},"
	"{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":7,\"access\":\"rwm\"},"
	"{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":8,\"access\":\"rwm\"},"
	"{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":9,\"access\":\"rwm\"},"
	"{\"allow\":true,\"type\":\"c\",\"major\":5,\"minor\":0,\"access\":\"rwm\"},"
	"{\"allow\":true,\"type\":\"c\",\"major\":5,\"minor\":1,\"access\":\"rwm\"},"
	"{\"allow\":true,\"type\":\"c\",\"major\":5,\"minor\":2,\"access\":\"rwm\"},"
	"{\"allow\":true,\"type\":\"c\",\"major\":136,\"access\":\"rwm\"}]";

/*
 * Rebuild linux.resources with the device rules the runtime implies: the
 * config's rules, then the default devices and every linux.devices entry
 * allowed, as runc does, so a "deny all" config still has /dev/null.
 */
static int
effective_resources(const char *config, size_t len, struct ward_cgroup_resources **ret,
		    struct ward_error **err)
{
	json_t *root = NULL, *res, *devs, *extra = NULL, *v;
	size_t i;
	int r;

	r = ward_json_parse(config, len, "config.json", &root, err);
	if (r < 0)
		return r;
	res = json_object_get(json_object_get(root, "linux"), "resources");
	if (!json_is_object(res)) {
		json_t *lnx = json_object_get(root, "linux");
		res = json_object();
		json_object_set_new(lnx, "resources", res);
	}
	devs = json_object_get(res, "devices");
	if (!json_is_array(devs)) {
		devs = json_array();
		json_object_set_new(res, "devices", devs);
	}
	extra = json_loads(default_allowed_devices, 0, NULL);
	json_array_extend(devs, extra);
	json_decref(extra);
	json_array_foreach(json_object_get(json_object_get(root, "linux"), "devices"), i, v)
	{
		const char *t = json_string_value(json_object_get(v, "type"));
		json_t *rule;

		/* FIFOs are not device-cgroup objects; 'u' (unbuffered) is 'c'. */
		if (!t || strcmp(t, "p") == 0)
			continue;
		rule = json_pack("{s:b, s:s, s:O?, s:O?, s:s}", "allow", 1, "type",
				 strcmp(t, "u") == 0 ? "c" : t, "major",
				 json_object_get(v, "major"), "minor", json_object_get(v, "minor"),
				 "access", "rwm");
		if (rule)
			json_array_append_new(devs, rule);
	}
	r = ward_cgroup_resources_parse(res, "linux.resources", ret, err);
	json_decref(root);
	return r;
}

/* ---- create: the state directory ---------------------------------------- */

/* The host id that container id 0 maps to (the init process is root in its
 * user namespace until exec). */
static uid_t
map_root(const struct ward_idmap *maps, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (maps[i].container_id == 0)
			return maps[i].host_id;
	return 0;
}

static uid_t
container_root_uid(const struct ward_spec *s)
{
	if (!s->ns[WARD_NS_USER].enabled || s->ns[WARD_NS_USER].path)
		return 0;
	return map_root(s->uid_mappings, s->n_uid_mappings);
}

static gid_t
container_root_gid(const struct ward_spec *s)
{
	if (!s->ns[WARD_NS_USER].enabled || s->ns[WARD_NS_USER].path)
		return 0;
	return (gid_t)map_root(s->gid_mappings, s->n_gid_mappings);
}

static int
make_state_dir(struct create_ctx *c, struct ward_error **err)
{
	_cleanup_close_ int rootfd = -1;
	char p[32];

	rootfd = ward_state_open_root(c->rt, true, err);
	if (rootfd < 0)
		return rootfd;
	{
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/%s", c->rt->state_root, c->o->id);
		/* 0711: the container's root may be another host uid (user
		 * namespace); it needs to reach exec.fifo, nothing else here. */
		if (mkdir(path, 0711) < 0) {
			if (errno == EEXIST)
				return ward_error_setk(err, WARD_E_EXISTS, EEXIST,
						       "container '%s' already exists", c->o->id);
			return ward_error_set(err, errno, "create state directory '%s'", path);
		}
	}
	c->state_made = true;
	c->state_dirfd = openat(rootfd, c->o->id, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (c->state_dirfd < 0)
		return ward_error_set(err, errno, "open state directory");
	snprintf(p, sizeof(p), "/proc/self/fd/%d", c->state_dirfd);
	c->state_rwfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->state_rwfd < 0)
		return ward_error_set(err, errno, "open state directory");
	if (ward_fs_write_replace(c->state_rwfd, "config.json", c->config, c->config_len, 0600, err) <
	    0)
		return -EIO;
	if (mkfifoat(c->state_rwfd, "exec.fifo", 0600) < 0)
		return ward_error_set(err, errno, "create exec.fifo");
	if (fchownat(c->state_rwfd, "exec.fifo", container_root_uid(c->spec),
		     container_root_gid(c->spec), 0) < 0)
		return ward_error_set(err, errno, "chown exec.fifo");
	return 0;
}

/* ---- create: clone ------------------------------------------------------ */

static bool
needs_intermediate(const struct ward_spec *s)
{
	for (int t = 0; t < WARD_NS_COUNT; t++)
		if (s->ns[t].enabled && s->ns[t].path)
			return true;
	return s->ns[WARD_NS_TIME].enabled;
}

static int
clone_flags(const struct ward_spec *s)
{
	int flags = 0;

	for (int t = 0; t < WARD_NS_COUNT; t++) {
		/* cgroup: unshared by init after it is in its cgroup; time: can
		 * only come from unshare (its flag collides with CSIGNAL). */
		if (t == WARD_NS_CGROUP || t == WARD_NS_TIME)
			continue;
		if (s->ns[t].enabled && !s->ns[t].path)
			flags |= ward_ns_clone_flag(t);
	}
	return flags;
}

static __attribute__((noreturn)) void
run_init(struct create_ctx *c)
{
	struct ward_init_args a = {
		.spec = c->spec,
		.process = c->spec->process,
		.rootfs = c->rootfs,
		.id = c->o->id,
		.bundle = c->bundle,
		.sync_fd = c->sync[1],
		.state_dirfd = c->state_dirfd,
		.console_fd = c->console_fd,
		.no_pivot = c->o->no_pivot,
		.no_new_keyring = c->o->no_new_keyring,
		.preserve_fds = c->o->preserve_fds,
		.new_userns = c->spec->ns[WARD_NS_USER].enabled && !c->spec->ns[WARD_NS_USER].path,
		.host_mountns = c->host_mountns,
		.attach = c->self_attach ? &c->attach : NULL,
		.born_in_v2 = c->in_cgroup,
	};

	(void)close(c->sync[0]);
	ward_init_main(&a);
}

static int
join_namespaces(const struct ward_spec *s, struct ward_error **err)
{
	/* The user namespace first: joining it gives the capabilities needed
	 * for the namespaces it owns. */
	static const enum ward_ns_type order[] = {WARD_NS_USER, WARD_NS_IPC,     WARD_NS_UTS,
						  WARD_NS_NETWORK, WARD_NS_PID,  WARD_NS_CGROUP,
						  WARD_NS_TIME,  WARD_NS_MOUNT};

	for (size_t i = 0; i < WARD_ARRAY_SIZE(order); i++) {
		const struct ward_spec_namespace *n = &s->ns[order[i]];
		_cleanup_close_ int fd = -1;

		if (!n->enabled || !n->path)
			continue;
		fd = open(n->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return ward_error_set(err, errno, "linux.namespaces: open %s namespace '%s'",
					      ward_ns_name(order[i]), n->path);
		if (setns(fd, ward_ns_clone_flag(order[i])) < 0)
			return ward_error_set(err, errno, "linux.namespaces: join %s namespace '%s'",
					      ward_ns_name(order[i]), n->path);
	}
	return 0;
}

static int
setup_time_namespace(const struct ward_spec *s, struct ward_error **err)
{
	_cleanup_close_ int fd = -1;
	char buf[128];
	int n;

	if (!s->ns[WARD_NS_TIME].enabled || s->ns[WARD_NS_TIME].path)
		return 0;
	if (unshare(CLONE_NEWTIME) < 0)
		return ward_error_set(err, errno, "unshare the time namespace");
	if (!s->has_time_offsets)
		return 0;
	fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return ward_error_set(err, errno, "linux.timeOffsets");
	n = snprintf(buf, sizeof(buf), "monotonic %lld %lld\nboottime %lld %lld\n",
		     (long long)s->time_offsets[0][0], (long long)s->time_offsets[0][1],
		     (long long)s->time_offsets[1][0], (long long)s->time_offsets[1][1]);
	if (ward_fs_write_all(fd, buf, (size_t)n) < 0)
		return ward_error_set(err, errno, "linux.timeOffsets: write offsets");
	return 0;
}

static __attribute__((noreturn)) void
run_intermediate(struct create_ctx *c)
{
	struct ward_error *err = NULL;
	pid_t pid;

	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (join_namespaces(c->spec, &err) < 0 || setup_time_namespace(c->spec, &err) < 0) {
		(void)ward_sync_send_error(c->sync[1], err);
		_exit(1);
	}
	pid = (pid_t)syscall(SYS_clone, clone_flags(c->spec) | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid < 0) {
		ward_error_set(&err, errno, "clone the container process");
		(void)ward_sync_send_error(c->sync[1], err);
		_exit(1);
	}
	if (pid == 0)
		run_init(c);
	(void)ward_sync_send(c->sync[1], WARD_SYNC_PID, pid, -1);
	_exit(0);
}

/* Clone the container process; into its cgroup directly when the host
 * allows (pure v2), which spares the migration. */
static pid_t
clone_child(struct create_ctx *c)
{
	/* Born in the cgroup2 directory only when that is the whole story: on
	 * v1 and hybrid hosts init must also move itself into the v1 ones. */
	bool into = c->cgroup && (c->v2_only || c->self_attach);
	_cleanup_close_ int cgfd = into ? ward_cgroup_clone_fd(c->cgroup, NULL) : -1;

	/* in_cgroup is set in the parent and in the child */
	return ward_clone_in_cgroup(clone_flags(c->spec), cgfd, &c->in_cgroup);
}

pid_t
ward_clone_in_cgroup(unsigned long flags, int cgroup_fd, bool *ret_born)
{
	if (cgroup_fd >= 0) {
		struct clone_args args = {.flags = flags | CLONE_INTO_CGROUP,
					  .exit_signal = SIGCHLD,
					  .cgroup = (uint64_t)cgroup_fd};
		pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));

		if (pid >= 0) {
			*ret_born = true;
			return pid;
		}
		/* An older kernel, a seccomp'd caller, or no write access to the
		 * directory (a joined user namespace): plain clone. */
	}
	return (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
}

static int
spawn(struct create_ctx *c, struct ward_error **err)
{
	struct ward_sync_msg m;
	pid_t pid;
	int status;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, c->sync) < 0)
		return ward_error_set(err, errno, "socketpair");
	if (!needs_intermediate(c->spec)) {
		pid = clone_child(c);
		if (pid < 0)
			return ward_error_set(err, errno, "clone the container process");
		if (pid == 0)
			run_init(c);
		c->pid = c->direct_child = pid;
		(void)close(c->sync[1]);
		c->sync[1] = -1;
		return 0;
	}
	pid = fork();
	if (pid < 0)
		return ward_error_set(err, errno, "fork");
	if (pid == 0)
		run_intermediate(c);
	(void)close(c->sync[1]);
	c->sync[1] = -1;
	c->direct_child = pid;
	if (ward_sync_expect(c->sync[0], WARD_SYNC_PID, &m, NULL, "container setup", err) < 0) {
		(void)waitpid(pid, &status, 0);
		c->direct_child = 0;
		return -EIO;
	}
	(void)waitpid(pid, &status, 0);
	c->direct_child = 0;
	c->pid = m.pid;
	return 0;
}

static int
write_id_map(pid_t pid, const char *file, const struct ward_idmap *maps, size_t n,
	     struct ward_error **err)
{
	char path[64], buf[WARD_SPEC_MAX_IDMAPS * 36];
	size_t len = 0;
	_cleanup_close_ int fd = -1;

	for (size_t i = 0; i < n; i++) {
		int w = snprintf(buf + len, sizeof(buf) - len, "%u %u %u\n", maps[i].container_id,
				 maps[i].host_id, maps[i].size);
		if (w < 0 || (size_t)w >= sizeof(buf) - len)
			return ward_error_set(err, E2BIG, "linux.%s: too long", file);
		len += (size_t)w;
	}
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return ward_error_set(err, errno, "open %s", path);
	/* uid_map must be written in one write(2). */
	if (write(fd, buf, len) != (ssize_t)len)
		return ward_error_set(err, errno, "write %s", path);
	return 0;
}

static int
map_ids(struct create_ctx *c, struct ward_error **err)
{
	const struct ward_spec *s = c->spec;

	if (!s->ns[WARD_NS_USER].enabled || s->ns[WARD_NS_USER].path)
		return 0;
	if (write_id_map(c->pid, "gid_map", s->gid_mappings, s->n_gid_mappings, err) < 0)
		return ward_error_wrap(err, "linux.gidMappings");
	if (write_id_map(c->pid, "uid_map", s->uid_mappings, s->n_uid_mappings, err) < 0)
		return ward_error_wrap(err, "linux.uidMappings");
	return 0;
}

static char *
creating_state(struct create_ctx *c, const char *status)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:i, s:s}", "ociVersion", WARD_OCI_VERSION, "id",
			      c->o->id, "status", status, "pid", (int)c->pid, "bundle", c->bundle);
	char *s;

	if (!j)
		return NULL;
	json_object_set_new(j, "annotations",
			    c->spec->annotations ? json_incref(c->spec->annotations) : json_object());
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return s;
}

static int
save_state(struct create_ctx *c, struct ward_error **err)
{
	char created[64];
	struct ward_state st = {.id = (char *)c->o->id, .pid = c->pid, .bundle = c->bundle,
				.rootfs = c->rootfs, .created = created, .owner = "",
				.annotations = c->spec->annotations, .cgroup = c->cgroup,
				.rootfs_mount_id = c->rootfs_mount_id,
				.no_process = !c->spec->process, .dirfd = c->state_dirfd};

	if (ward_proc_start_time(c->pid, &st.start_time) < 0)
		return ward_error_set(err, ESRCH, "the container process exited during setup");
	rfc3339_now(created, sizeof(created));
	return ward_state_save(&st, err);
}

static int
run_parent_hooks(struct create_ctx *c, struct ward_error **err)
{
	_cleanup_free_ char *state = NULL;
	int r;

	if (!c->spec->hooks[WARD_HOOK_PRESTART].n && !c->spec->hooks[WARD_HOOK_CREATE_RUNTIME].n)
		return 0;
	state = creating_state(c, "created");
	if (!state)
		return ward_error_set(err, ENOMEM, "state");
	r = ward_hooks_run(&c->spec->hooks[WARD_HOOK_PRESTART], "prestart", state, err);
	if (r < 0)
		return r;
	return ward_hooks_run(&c->spec->hooks[WARD_HOOK_CREATE_RUNTIME], "createRuntime", state,
			      err);
}

static int
forward_seccomp_listener(struct create_ctx *c, struct ward_error **err)
{
	struct ward_sync_msg m;
	_cleanup_close_ int lfd = -1;
	_cleanup_free_ char *state = NULL;
	json_t *j;
	int r;

	r = ward_sync_expect(c->sync[0], WARD_SYNC_SECCOMP_FD, &m, &lfd, "container setup", err);
	if (r < 0)
		return r;
	if (lfd < 0)
		return ward_error_set(err, EPROTO, "seccomp listener fd missing");
	/* The OCI containerProcessState the agent expects. */
	j = json_pack("{s:s, s:[s], s:i, s:s?}", "ociVersion", WARD_OCI_VERSION, "fds",
		      "seccompFd", "pid", (int)c->pid, "metadata",
		      ward_seccomp_listener_metadata(c->spec->seccomp));
	if (j) {
		json_t *st = json_pack("{s:s, s:s, s:s, s:i, s:s}", "ociVersion", WARD_OCI_VERSION,
				       "id", c->o->id, "status", "creating", "pid", (int)c->pid,
				       "bundle", c->bundle);
		json_object_set_new(j, "state", st);
		state = json_dumps(j, JSON_COMPACT);
		json_decref(j);
	}
	if (!state)
		return ward_error_set(err, ENOMEM, "seccomp state");
	return ward_seccomp_send_listener(ward_seccomp_listener_path(c->spec->seccomp), lfd, state,
					  err);
}

static int
drive_setup(struct create_ctx *c, struct ward_error **err)
{
	struct ward_sync_msg m;
	int r;

	if ((r = map_ids(c, err)) < 0)
		return r;
	/* GO first: the process builds its filesystem while we place it (when
	 * it neither was born in its cgroup nor moves itself there). */
	if ((r = ward_sync_send(c->sync[0], WARD_SYNC_GO, c->pid, -1)) < 0)
		return ward_error_set(err, -r, "signal the container process");
	if (c->spec->process && c->spec->process->attr &&
	    (r = ward_procattr_apply_oom_score_adj(c->spec->process->attr, c->pid, err)) < 0)
		return r;
	if (!c->in_cgroup && !c->self_attach && (r = ward_cgroup_enter(c->cgroup, c->pid, err)) < 0)
		return ward_error_wrap(err, "cgroup");
	ward_log_write(&c->rt->log, WARD_LOG_DEBUG, "create '%s': in its cgroup", c->o->id);
	if ((r = save_state(c, err)) < 0)
		return r;
	if ((r = ward_sync_send(c->sync[0], WARD_SYNC_CGROUP_DONE, 0, -1)) < 0)
		return ward_error_set(err, -r, "signal the container process");
	if ((r = ward_sync_expect(c->sync[0], WARD_SYNC_MOUNTS_DONE, &m, NULL, "container setup",
				  err)) < 0)
		return r;
	ward_log_write(&c->rt->log, WARD_LOG_DEBUG, "create '%s': filesystem ready", c->o->id);
	if ((r = run_parent_hooks(c, err)) < 0)
		return r;
	if ((r = ward_sync_send(c->sync[0], WARD_SYNC_HOOKS_DONE, 0, -1)) < 0)
		return ward_error_set(err, -r, "signal the container process");
	if (c->spec->seccomp && ward_seccomp_wants_listener(c->spec->seccomp) &&
	    (r = forward_seccomp_listener(c, err)) < 0)
		return r;
	if ((r = ward_sync_expect(c->sync[0], WARD_SYNC_READY, &m, NULL, "container setup", err)) <
	    0)
		return r;
	if (c->o->pid_file && (r = ward_write_pid_file(c->o->pid_file, c->pid, err)) < 0)
		return r;
	return 0;
}

static void
create_cleanup(struct create_ctx *c, bool failed)
{
	if (failed) {
		int status;
		if (c->pid > 0)
			(void)kill(c->pid, SIGKILL);
		if (c->direct_child > 0)
			(void)waitpid(c->direct_child, &status, 0);
		if (c->cgroup) {
			/* The killed init may need a moment to leave its cgroup. */
			for (int i = 0; i < 200; i++) {
				if (ward_cgroup_destroy(c->cgroup, NULL) == 0)
					break;
				usleep(5000);
			}
		}
		(void)ward_mounts_release_host_rootfs(c->rootfs, c->rootfs_mount_id, NULL);
		if (c->state_made) {
			char path[PATH_MAX];
			snprintf(path, sizeof(path), "%s", c->o->id);
			(void)ward_state_remove(c->rt, path, NULL);
		}
	}
	ward_cgroup_free(c->cgroup);
	ward_spec_free(c->spec);
	free(c->config);
	for (int i = 0; i < 2; i++)
		if (c->sync[i] >= 0)
			(void)close(c->sync[i]);
	if (c->console_fd >= 0)
		(void)close(c->console_fd);
	if (c->state_dirfd >= 0)
		(void)close(c->state_dirfd);
	if (c->state_rwfd >= 0)
		(void)close(c->state_rwfd);
}

/* The whole hierarchy is cgroup2 (most hosts today). */
static bool
cgroup_v2_only(void)
{
	struct statfs sf;

	return statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
}

/* Make the cgroup before the process exists, so clone3 can start it there. */
static int
precreate_cgroup(struct create_ctx *c, struct ward_error **err)
{
	struct ward_cgroup_resources *res = NULL;
	int r = effective_resources(c->config, c->config_len, &res, err);

	if (r < 0)
		return r;
	r = ward_cgroup_create(c->spec->cgroups_path, c->o->id, res, 0, &c->cgroup, err);
	ward_cgroup_resources_free(res);
	return r < 0 ? ward_error_wrap(err, "cgroup") : 0;
}

/* console_fd: our end of a socketpair that receives the pty master when
 * the caller proxies the terminal itself (foreground run), or -1. */
/* <state root>/.seccomp-cache, root-only; -1 when it cannot be trusted
 * (then every container compiles its profile, as without a cache). */
static int
open_seccomp_cache(const struct ward_runtime *rt)
{
	_cleanup_close_ int root = open(rt->state_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	int fd;

	if (root < 0)
		return -1;
	if (mkdirat(root, ".seccomp-cache", 0700) < 0 && errno != EEXIST)
		return -1;
	fd = openat(root, ".seccomp-cache", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 077)) {
		(void)close(fd);
		return -1;
	}
	return fd;
}

/* linux.seccomp, compiled once per distinct profile (see seccomp.c). */
static int
compile_seccomp(const struct ward_runtime *rt, struct ward_spec *spec, struct ward_error **err)
{
	_cleanup_close_ int cache = -1;
	int r;

	if (!spec->seccomp_json)
		return 0;
	cache = open_seccomp_cache(rt);
	r = ward_seccomp_parse_cached(spec->seccomp_json, "linux.seccomp", cache, &spec->seccomp,
				      NULL, err);
	json_decref(spec->seccomp_json);
	spec->seccomp_json = NULL;
	return r;
}

int
ward_container_create_internal(const struct ward_runtime *rt, const struct ward_create_opts *o,
			       int console_fd, pid_t *ret_pid, struct ward_error **err)
{
	struct create_ctx c = {.rt = rt, .o = o, .state_dirfd = -1, .state_rwfd = -1,
			       .console_fd = console_fd, .sync = {-1, -1}, .attach = {.v2 = -1}};
	_cleanup_close_ int bundle_fd = -1;
	int r;

	if ((r = ward_container_check_id(o->id, err)) < 0)
		return r;
	bundle_fd = open(o->bundle ? o->bundle : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (bundle_fd < 0)
		return ward_error_set(err, errno, "bundle '%s'", o->bundle ? o->bundle : ".");
	r = ward_fs_read_all(bundle_fd, "config.json", WARD_SPEC_MAX_SIZE, &c.config,
			     &c.config_len, err);
	if (r < 0)
		goto out;
	if ((r = ward_spec_parse_flags(c.config, c.config_len, WARD_SPEC_SECCOMP_DEFERRED, &c.spec,
				       err)) < 0 ||
	    (r = compile_seccomp(rt, c.spec, err)) < 0 || (r = validate_for_create(&c, err)) < 0 ||
	    (r = resolve_paths(&c, err)) < 0 || (r = note_host_mountns(&c, err)) < 0)
		goto out;
	if ((r = make_state_dir(&c, err)) < 0)
		goto out;
	if (o->console_socket && (c.console_fd = ward_console_connect(o->console_socket, err)) < 0) {
		r = c.console_fd;
		goto out;
	}
	ward_log_write(&rt->log, WARD_LOG_DEBUG, "create '%s': bundle %s, rootfs %s", o->id,
		       c.bundle, c.rootfs);
	if ((r = precreate_cgroup(&c, err)) < 0)
		goto out;
	/* On v1 hierarchies a migration by pid waits for an RCU grace period;
	 * init moving itself does not. Pure v2: born in the cgroup instead. */
	c.v2_only = cgroup_v2_only();
	c.self_attach = !c.v2_only && ward_cgroup_attach_open(c.cgroup, &c.attach, NULL) == 0;
	r = spawn(&c, err);
	if (c.self_attach)
		ward_cgroup_attach_close(&c.attach); /* init has its own copies */
	if (r < 0)
		goto out;
	ward_log_write(&rt->log, WARD_LOG_DEBUG, "create '%s': container process %d", o->id,
		       (int)c.pid);
	if ((r = drive_setup(&c, err)) < 0)
		goto out;
	ward_log_write(&rt->log, WARD_LOG_DEBUG, "create '%s': ready, waiting for start", o->id);
	*ret_pid = c.pid;
	c.direct_child = 0; /* it lives on: reaped by whoever inherits it, or run */
out:
	create_cleanup(&c, r < 0);
	if (r < 0)
		return ward_error_wrap(err, "create '%s'", o->id ? o->id : "");
	return r;
}

int
ward_container_create(const struct ward_runtime *rt, const struct ward_create_opts *o,
		      pid_t *ret_pid, struct ward_error **err)
{
	pid_t pid = 0;
	int r = ward_container_create_internal(rt, o, -1, &pid, err);

	if (r < 0)
		return r;
	if (ret_pid)
		*ret_pid = pid;
	return 0;
}

/* ---- start -------------------------------------------------------------- */

static int
reopen_dir(int pathfd, struct ward_error **err)
{
	char p[32];
	int fd;

	snprintf(p, sizeof(p), "/proc/self/fd/%d", pathfd);
	fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return ward_error_set(err, errno, "open state directory");
	return fd;
}

static int
load_spec_from_state(const struct ward_state *st, struct ward_spec **ret, struct ward_error **err)
{
	return ward_spec_load_flags(st->dirfd, WARD_SPEC_NO_SECCOMP, ret, err);
}

/* Wait on exec.fifo while watching the process: 1 when a byte was read, 0
 * at EOF (the process's end closed: execve succeeded), -ESRCH when the
 * process exited first, other negative errno on failure. */
static int
wait_fifo(int fifo, int pidfd)
{
	for (;;) {
		struct pollfd p[2] = {{.fd = fifo, .events = POLLIN}, {.fd = pidfd, .events = POLLIN}};
		char b;
		int r = poll(p, 2, -1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (p[0].revents & (POLLIN | POLLHUP)) {
			ssize_t n = read(fifo, &b, 1);
			if (n >= 0)
				return (int)n;
			if (errno != EAGAIN && errno != EINTR)
				return -errno;
		}
		if (p[1].revents & POLLIN)
			return -ESRCH;
	}
}

static int
wait_fifo_reader(int fifo, int pidfd, const char *id, struct ward_error **err)
{
	for (;;) {
		int r = wait_fifo(fifo, pidfd);

		if (r == 1)
			return 0;
		if (r == -ESRCH)
			return ward_error_setk(err, WARD_E_STATE, ESRCH,
					       "container '%s' exited before it could start", id);
		if (r < 0)
			return ward_error_set(err, -r, "wait for container '%s'", id);
		/* EOF before the byte: no writer yet; the pidfd tells a death. */
	}
}

/* The process holds its end of the fifo until execve closes it: EOF (or
 * its death) means the user's program is running. */
static void
wait_exec(int fifo, int pidfd)
{
	while (wait_fifo(fifo, pidfd) == 1)
		;
}

int
ward_container_start(const struct ward_runtime *rt, const char *id, struct ward_error **err)
{
	_cleanup_(ward_state_freep) struct ward_state *st = NULL;
	_cleanup_close_ int dfd = -1, fifo = -1, pidfd = -1;
	struct ward_spec *spec = NULL;
	enum ward_status status;
	int r;

	if ((r = ward_state_load(rt, id, &st, err)) < 0 || (r = ward_state_status(st, &status, err)) < 0)
		return ward_error_wrap(err, "start");
	if (status != WARD_STATUS_CREATED)
		return ward_error_setk(err, WARD_E_STATE, 0,
				       "start '%s': the container is %s, not created", id,
				       ward_status_name(status));
	if ((pidfd = ward_state_pidfd(st, err)) < 0 || (dfd = reopen_dir(st->dirfd, err)) < 0)
		return ward_error_wrap(err, "start '%s'", id);
	if (st->no_process) {
		/* Nothing to run: the waiting init goes, the container is stopped. */
		(void)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
		return ward_error_setk(err, WARD_E_INVALID, 0,
				       "start '%s': config.json has no process to start", id);
	}
	fifo = openat(dfd, "exec.fifo", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fifo < 0)
		return ward_error_set(err, errno, "start '%s': open exec.fifo", id);
	r = wait_fifo_reader(fifo, pidfd, id, err);
	if (r < 0)
		return ward_error_wrap(err, "start");
	(void)unlinkat(dfd, "exec.fifo", 0);
	wait_exec(fifo, pidfd);
	ward_log_write(&rt->log, WARD_LOG_DEBUG, "start '%s': process %d running", id, (int)st->pid);
	if (load_spec_from_state(st, &spec, NULL) == 0 && spec->hooks[WARD_HOOK_POSTSTART].n) {
		_cleanup_free_ char *s = ward_state_oci_string(st, WARD_STATUS_RUNNING);
		if (s)
			ward_hooks_run_warn(&spec->hooks[WARD_HOOK_POSTSTART], "poststart", s,
					    &rt->log, id);
	}
	ward_spec_free(spec);
	return 0;
}

/* ---- state, list -------------------------------------------------------- */

int
ward_container_state(const struct ward_runtime *rt, const char *id, json_t **ret,
		     struct ward_error **err)
{
	_cleanup_(ward_state_freep) struct ward_state *st = NULL;
	enum ward_status status;
	json_t *j;
	int r;

	if ((r = ward_state_load(rt, id, &st, err)) < 0 || (r = ward_state_status(st, &status, err)) < 0)
		return ward_error_wrap(err, "state");
	j = ward_state_oci_json(st, status);
	if (!j)
		return ward_error_set(err, ENOMEM, "state");
	json_object_set_new(j, "rootfs", json_string(st->rootfs ? st->rootfs : ""));
	json_object_set_new(j, "created", json_string(st->created ? st->created : ""));
	json_object_set_new(j, "owner", json_string(st->owner ? st->owner : ""));
	*ret = j;
	return 0;
}

int
ward_container_list(const struct ward_runtime *rt, json_t **ret, struct ward_error **err)
{
	json_t *arr = json_array();
	DIR *d;
	struct dirent *de;

	if (!arr)
		return ward_error_set(err, ENOMEM, "list");
	d = opendir(rt->state_root);
	if (!d) {
		if (errno == ENOENT) {
			*ret = arr;
			return 0;
		}
		json_decref(arr);
		return ward_error_set(err, errno, "list '%s'", rt->state_root);
	}
	while ((de = readdir(d))) {
		json_t *j = NULL;
		if (de->d_name[0] == '.')
			continue;
		/* A directory mid-create or mid-delete is skipped, not fatal. */
		if (ward_container_state(rt, de->d_name, &j, NULL) == 0)
			json_array_append_new(arr, j);
	}
	closedir(d);
	*ret = arr;
	return 0;
}
