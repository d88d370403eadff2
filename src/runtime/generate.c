/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.json from an image config and run flags, hardened by default:
 * Docker's default capability set, no_new_privs, masked and read-only
 * kernel paths, private namespaces and a pids limit. Every loosening is a
 * flag the caller must pass (and log).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <strings.h>

#include "caps.h"
#include "internal.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define DEFAULT_PIDS_LIMIT 2048 /* podman's default */
#define PASSWD_MAX (4u << 20)
#define CPU_PERIOD_US 100000

static const char *const default_caps[] = {
	"CAP_CHOWN",  "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",     "CAP_MKNOD",
	"CAP_NET_RAW", "CAP_SETGID",      "CAP_SETUID",           "CAP_SETFCAP",    "CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",     "CAP_AUDIT_WRITE", NULL,
};

static const char *const masked_paths[] = {
	"/proc/asound",        "/proc/acpi",        "/proc/kcore",      "/proc/keys",
	"/proc/latency_stats", "/proc/timer_list",  "/proc/timer_stats", "/proc/sched_debug",
	"/proc/scsi",          "/sys/firmware",     "/sys/devices/virtual/powercap", NULL,
};

static const char *const readonly_paths[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

const char *const *
ward_default_capabilities(void)
{
	return default_caps;
}

static json_t *
strv_json(const char *const *v)
{
	json_t *a = json_array();

	for (; a && v && *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

/* "net_admin", "NET_ADMIN", "CAP_NET_ADMIN" -> "CAP_NET_ADMIN" */
static char *
cap_name(const char *s)
{
	char *n = strncasecmp(s, "CAP_", 4) == 0 ? strdup(s) : ward_strdup_printf("CAP_%s", s);

	for (char *p = n; p && *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	return n;
}

static bool
json_array_has_string(json_t *a, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(a, i, v) if (strcmp(json_string_value(v), s) == 0) return true;
	return false;
}

/* "All capabilities" means all the runtime holds (and the kernel knows): a
 * host can withhold some even from root (here CAP_SYS_RESOURCE), and asking
 * for those would fail the container. */
static json_t *
all_held_caps(void)
{
	uint64_t eff = 0, prm = 0, inh = 0;
	json_t *a = json_array();
	unsigned last = ward_cap_last_cap();

	if (ward_caps_get(&eff, &prm, &inh) < 0)
		prm = 0;
	for (unsigned c = 0; a && c <= last && c < 64; c++)
		if ((prm >> c) & 1 && ward_cap_name(c))
			json_array_append_new(a, json_string(ward_cap_name(c)));
	return a;
}

static int
capability_set(const struct ward_run_opts *o, json_t **ret, struct ward_error **err)
{
	json_t *caps = o->privileged ? all_held_caps() : strv_json(default_caps);

	for (char **p = o->cap_drop; p && *p; p++) {
		_cleanup_free_ char *n = NULL;
		if (strcasecmp(*p, "ALL") == 0) {
			json_array_clear(caps);
			continue;
		}
		n = cap_name(*p);
		for (size_t i = json_array_size(caps); n && i-- > 0;)
			if (strcmp(json_string_value(json_array_get(caps, i)), n) == 0)
				json_array_remove(caps, i);
	}
	for (char **p = o->cap_add; p && *p; p++) {
		_cleanup_free_ char *n = NULL;
		json_t *known;
		if (strcasecmp(*p, "ALL") == 0) {
			json_decref(caps);
			caps = all_held_caps();
			continue;
		}
		n = cap_name(*p);
		known = ward_procattr_known_caps();
		if (!n || !json_array_has_string(known, n)) {
			json_decref(known);
			json_decref(caps);
			return ward_error_set(err, EINVAL, "--cap-add: unknown capability '%s'", *p);
		}
		json_decref(known);
		if (!json_array_has_string(caps, n))
			json_array_append_new(caps, json_string(n));
	}
	*ret = caps;
	return 0;
}

/* Look name up in an /etc/passwd or /etc/group of the rootfs. */
static int
lookup_id(int rootfs_fd, const char *file, const char *name, uint32_t *ret_id, uint32_t *ret_gid,
	  struct ward_error **err)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_close_ int fd = -1;
	char *line, *save = NULL;
	int r;

	if (rootfs_fd < 0)
		return ward_error_set(err, ENOENT, "user '%s': no rootfs to look it up in", name);
	/* The image's /etc/passwd may be a symlink anywhere: resolve in root. */
	fd = ward_fs_open_in_root(rootfs_fd, file, O_RDONLY, 0, err);
	if (fd < 0)
		return ward_error_wrap(err, "user '%s'", name);
	r = ward_fs_read_fd(fd, PASSWD_MAX, file, &buf, NULL, err);
	if (r < 0)
		return r;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[4] = {0}, *tok;
		int i = 0;
		uint64_t id, gid;

		for (tok = strsep(&line, ":"); tok && i < 4; tok = strsep(&line, ":"))
			f[i++] = tok;
		if (i < 3 || strcmp(f[0], name) != 0 || ward_parse_u64(f[2], &id) < 0 ||
		    id > UINT32_MAX)
			continue;
		*ret_id = (uint32_t)id;
		if (ret_gid && i >= 4 && ward_parse_u64(f[3], &gid) == 0 && gid <= UINT32_MAX)
			*ret_gid = (uint32_t)gid;
		return 0;
	}
	return ward_error_setk(err, WARD_E_NOTFOUND, 0, "user '%s': not found in the image's %s",
			       name, file);
}

static int
parse_id(int rootfs_fd, const char *file, const char *s, uint32_t *ret, uint32_t *ret_gid,
	 struct ward_error **err)
{
	uint64_t v;

	if (ward_parse_u64(s, &v) == 0) {
		if (v >= UINT32_MAX)
			return ward_error_set(err, ERANGE, "user '%s': id out of range", s);
		*ret = (uint32_t)v;
		return 0;
	}
	return lookup_id(rootfs_fd, file, s, ret, ret_gid, err);
}

static int
resolve_user(const char *spec, int rootfs_fd, json_t **ret, struct ward_error **err)
{
	_cleanup_free_ char *copy = strdup(spec ? spec : "");
	char *colon;
	uint32_t uid = 0, gid = 0;
	int r;

	if (!copy)
		return ward_error_set(err, ENOMEM, "user");
	colon = strchr(copy, ':');
	if (colon)
		*colon = '\0';
	if (*copy && (r = parse_id(rootfs_fd, "/etc/passwd", copy, &uid, &gid, err)) < 0)
		return r;
	if (colon && *(colon + 1) &&
	    (r = parse_id(rootfs_fd, "/etc/group", colon + 1, &gid, NULL, err)) < 0)
		return r;
	*ret = json_pack("{s:I, s:I}", "uid", (json_int_t)uid, "gid", (json_int_t)gid);
	return *ret ? 0 : ward_error_set(err, ENOMEM, "user");
}

static json_t *
build_env(const struct ward_image_run_config *img, const struct ward_run_opts *o)
{
	json_t *env = json_array();
	bool has_path = false;

	/* Image first, then -e: a later KEY replaces an earlier one. */
	for (int pass = 0; pass < 2; pass++) {
		char **src = pass == 0 ? img->env : o->env;
		for (char **e = src; e && *e; e++) {
			size_t k = strcspn(*e, "=");
			size_t i;
			json_t *v;
			bool replaced = false;

			json_array_foreach(env, i, v)
			{
				const char *cur = json_string_value(v);
				if (strncmp(cur, *e, k) == 0 && cur[k] == '=') {
					json_array_set_new(env, i, json_string(*e));
					replaced = true;
					break;
				}
			}
			if (!replaced)
				json_array_append_new(env, json_string(*e));
			if (strncmp(*e, "PATH=", 5) == 0)
				has_path = true;
		}
	}
	if (!has_path)
		json_array_insert_new(env, 0, json_string(DEFAULT_PATH));
	if (o->tty)
		json_array_append_new(env, json_string("TERM=xterm"));
	return env;
}

static int
build_args(const struct ward_image_run_config *img, const struct ward_run_opts *o, json_t **ret,
	   struct ward_error **err)
{
	json_t *args = json_array();

	/* --init: ward-init is PID 1 and runs the command as its child. */
	if (o->init_path) {
		json_array_append_new(args, json_string(WARD_INIT_DEST));
		json_array_append_new(args, json_string("--"));
	}
	/* Docker's rule: --entrypoint replaces the image's entrypoint and drops
	 * its cmd; a command on the line replaces the image's cmd. */
	if (o->has_entrypoint) {
		if (o->entrypoint && *o->entrypoint)
			json_array_append_new(args, json_string(o->entrypoint));
	} else {
		for (char **p = img->entrypoint; p && *p; p++)
			json_array_append_new(args, json_string(*p));
	}
	if (o->command && o->command[0]) {
		for (char **p = o->command; *p; p++)
			json_array_append_new(args, json_string(*p));
	} else if (!o->has_entrypoint) {
		for (char **p = img->cmd; p && *p; p++)
			json_array_append_new(args, json_string(*p));
	}
	if (json_array_size(args) == (o->init_path ? 2 : 0)) {
		json_decref(args);
		return ward_error_set(err, EINVAL,
				      "no command: the image has no entrypoint or cmd; give one");
	}
	*ret = args;
	return 0;
}

static json_t *
default_mounts(const struct ward_run_opts *o)
{
	json_t *m = json_pack(
		"[{s:s, s:s, s:s, s:[s,s,s]},"
		" {s:s, s:s, s:s, s:[s,s,s,s]},"
		" {s:s, s:s, s:s, s:[s,s,s,s,s,s]},"
		" {s:s, s:s, s:s, s:[s,s,s,s,s]},"
		" {s:s, s:s, s:s, s:[s,s,s]},"
		" {s:s, s:s, s:s, s:[s,s,s,s]}]",
		"destination", "/proc", "type", "proc", "source", "proc", "options", "nosuid", "noexec",
		"nodev", "destination", "/dev", "type", "tmpfs", "source", "tmpfs", "options", "nosuid",
		"strictatime", "mode=755", "size=65536k", "destination", "/dev/pts", "type", "devpts",
		"source", "devpts", "options", "nosuid", "noexec", "newinstance", "ptmxmode=0666",
		"mode=0620", "gid=5", "destination", "/dev/shm", "type", "tmpfs", "source", "shm",
		"options", "nosuid", "noexec", "nodev", "mode=1777", "size=65536k", "destination",
		"/dev/mqueue", "type", "mqueue", "source", "mqueue", "options", "nosuid", "noexec",
		"nodev", "destination", "/sys", "type", "sysfs", "source", "sysfs", "options", "nosuid",
		"noexec", "nodev", o->privileged ? "rw" : "ro");

	json_array_append_new(m, json_pack("{s:s, s:s, s:s, s:[s,s,s,s]}", "destination",
					   "/sys/fs/cgroup", "type", "cgroup", "source", "cgroup",
					   "options", "nosuid", "noexec", "nodev",
					   o->privileged ? "rw" : "ro"));
	return m;
}

static int
add_user_mounts(json_t *mounts, const struct ward_run_opts *o, struct ward_error **err)
{
	for (size_t i = 0; i < o->n_volumes; i++) {
		const struct ward_volume *v = &o->volumes[i];
		if (!v->source || v->source[0] != '/' || !v->destination ||
		    ward_spec_check_container_path(v->destination, "--volume", err) < 0)
			return ward_error_set(err, EINVAL,
					      "--volume '%s:%s': both paths must be absolute, "
					      "without '..'",
					      v->source ? v->source : "", v->destination ? v->destination : "");
		json_array_append_new(mounts,
				      json_pack("{s:s, s:s, s:s, s:[s,s,s]}", "destination",
						v->destination, "type", "bind", "source", v->source,
						"options", "rbind", v->readonly ? "ro" : "rw", "nosuid"));
	}
	if (o->init_path) {
		/* Read-only and nosuid: the container can run ward-init, never
		 * replace it (writing through /proc/1/exe meets EROFS). */
		if (o->init_path[0] != '/')
			return ward_error_set(err, EINVAL, "--init: '%s' is not an absolute path",
					      o->init_path);
		json_array_append_new(mounts, json_pack("{s:s, s:s, s:s, s:[s,s,s,s]}", "destination",
							WARD_INIT_DEST, "type", "bind", "source",
							o->init_path, "options", "bind", "ro",
							"nosuid", "nodev"));
	}
	for (char **t = o->tmpfs; t && *t; t++) {
		if (ward_spec_check_container_path(*t, "--tmpfs", err) < 0)
			return -EINVAL;
		json_array_append_new(mounts,
				      json_pack("{s:s, s:s, s:s, s:[s,s,s]}", "destination", *t,
						"type", "tmpfs", "source", "tmpfs", "options", "nosuid",
						"nodev", "mode=1777"));
	}
	return 0;
}

static json_t *
build_linux(const struct ward_run_opts *o)
{
	json_t *ns = json_pack("[{s:s},{s:s},{s:s},{s:s},{s:s}]", "type", "pid", "type", "ipc",
			       "type", "uts", "type", "mount", "type", "cgroup");
	json_t *res = json_object();
	json_t *lnx;
	int64_t pids = o->pids_limit ? o->pids_limit : DEFAULT_PIDS_LIMIT;

	if (!o->network_host)
		json_array_append_new(ns, json_pack("{s:s}", "type", "network"));
	if (pids > 0)
		json_object_set_new(res, "pids", json_pack("{s:I}", "limit", (json_int_t)pids));
	if (o->memory > 0)
		json_object_set_new(res, "memory", json_pack("{s:I}", "limit", (json_int_t)o->memory));
	if (o->cpus_milli > 0)
		json_object_set_new(res, "cpu",
				    json_pack("{s:I, s:I}", "quota",
					      (json_int_t)(o->cpus_milli * CPU_PERIOD_US / 1000),
					      "period", (json_int_t)CPU_PERIOD_US));
	/* Devices: deny all but the defaults the runtime adds; privileged
	 * containers get every device. */
	json_object_set_new(res, "devices",
			    json_pack("[{s:b, s:s}]", "allow", o->privileged, "access", "rwm"));
	lnx = json_pack("{s:o, s:o}", "namespaces", ns, "resources", res);
	if (!o->privileged) {
		json_object_set_new(lnx, "maskedPaths", strv_json(masked_paths));
		json_object_set_new(lnx, "readonlyPaths", strv_json(readonly_paths));
	}
	return lnx;
}

static int
build_seccomp(const struct ward_run_opts *o, json_t *caps, json_t **ret, struct ward_error **err)
{
	json_t *p;

	*ret = NULL;
	if (o->privileged || o->seccomp_unconfined)
		return 0;
	if (!o->seccomp_json) {
		*ret = ward_seccomp_default_profile(caps);
		return *ret ? 0 : ward_error_set(err, ENOMEM, "seccomp profile");
	}
	if (ward_json_parse(o->seccomp_json, strlen(o->seccomp_json), "seccomp profile", &p, err) < 0)
		return -EINVAL;
	if (!json_is_object(p)) {
		json_decref(p);
		return ward_error_set(err, EINVAL, "seccomp profile: expected an object");
	}
	*ret = p;
	return 0;
}

int
ward_spec_generate(const struct ward_image_run_config *img, const struct ward_run_opts *o,
		   const char *rootfs, int rootfs_fd, json_t **ret, struct ward_error **err)
{
	json_t *args = NULL, *user = NULL, *caps = NULL, *seccomp = NULL, *mounts, *proc, *spec;
	const char *cwd = o->workdir && *o->workdir ? o->workdir
			  : img->workdir && *img->workdir ? img->workdir
							  : "/";
	int r;

	if (cwd[0] != '/')
		return ward_error_set(err, EINVAL, "working directory '%s' must be absolute", cwd);
	if ((r = build_args(img, o, &args, err)) < 0)
		return r;
	if ((r = resolve_user(o->user ? o->user : img->user, rootfs_fd, &user, err)) < 0 ||
	    (r = capability_set(o, &caps, err)) < 0) {
		json_decref(args);
		json_decref(user);
		return r;
	}
	proc = json_pack("{s:b, s:o, s:o, s:o, s:s, s:b, s:{s:O, s:O, s:O}}", "terminal", o->tty,
			 "user", user, "args", args, "env", build_env(img, o), "cwd", cwd,
			 "noNewPrivileges", !o->allow_new_privileges, "capabilities", "bounding",
			 caps, "effective", caps, "permitted", caps);
	json_decref(caps);
	mounts = default_mounts(o);
	r = add_user_mounts(mounts, o, err);
	if (r < 0 || !proc) {
		json_decref(proc);
		json_decref(mounts);
		return r < 0 ? r : ward_error_set(err, ENOMEM, "config");
	}
	r = build_seccomp(o, json_object_get(json_object_get(proc, "capabilities"), "bounding"),
			  &seccomp, err);
	if (r < 0) {
		json_decref(proc);
		json_decref(mounts);
		return r;
	}
	spec = json_pack("{s:s, s:o, s:{s:s, s:b}, s:s, s:o, s:o}", "ociVersion", WARD_OCI_VERSION,
			 "process", proc, "root", "path", rootfs, "readonly", o->read_only,
			 "hostname", o->hostname && *o->hostname ? o->hostname : "ward", "mounts",
			 mounts, "linux", build_linux(o));
	if (!spec) {
		json_decref(seccomp);
		return ward_error_set(err, ENOMEM, "config");
	}
	if (seccomp)
		json_object_set_new(json_object_get(spec, "linux"), "seccomp", seccomp);
	*ret = spec;
	return 0;
}
