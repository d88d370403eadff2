/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.json -> struct ward_spec. Everything is validated here, before the
 * runtime creates anything, so a hostile config fails cleanly.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <ward/runtime.h>

#include "internal.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

/* ---- namespaces --------------------------------------------------------- */

static const struct {
	const char *spec_name;
	const char *proc_name;
	int flag;
} ns_table[WARD_NS_COUNT] = {
	[WARD_NS_PID] = {"pid", "pid", CLONE_NEWPID},
	[WARD_NS_NETWORK] = {"network", "net", CLONE_NEWNET},
	[WARD_NS_MOUNT] = {"mount", "mnt", CLONE_NEWNS},
	[WARD_NS_IPC] = {"ipc", "ipc", CLONE_NEWIPC},
	[WARD_NS_UTS] = {"uts", "uts", CLONE_NEWUTS},
	[WARD_NS_USER] = {"user", "user", CLONE_NEWUSER},
	[WARD_NS_CGROUP] = {"cgroup", "cgroup", CLONE_NEWCGROUP},
	[WARD_NS_TIME] = {"time", "time", CLONE_NEWTIME},
};

const char *
ward_ns_name(enum ward_ns_type t)
{
	return t < WARD_NS_COUNT ? ns_table[t].spec_name : "?";
}

const char *
ward_ns_proc_name(enum ward_ns_type t)
{
	return t < WARD_NS_COUNT ? ns_table[t].proc_name : "?";
}

int
ward_ns_clone_flag(enum ward_ns_type t)
{
	return t < WARD_NS_COUNT ? ns_table[t].flag : 0;
}

static int
parse_namespaces(json_t *lnx, struct ward_spec *s, struct ward_error **err)
{
	json_t *arr = NULL, *v;
	size_t i;
	int r;

	r = ward_json_get_array(lnx, "linux", "namespaces", WARD_NS_COUNT * 4, &arr, err);
	if (r <= 0)
		return r;
	json_array_foreach(arr, i, v)
	{
		char where[64];
		const char *type = NULL;
		int t;

		snprintf(where, sizeof(where), "linux.namespaces[%zu]", i);
		if (!json_is_object(v))
			return ward_error_set(err, EINVAL, "%s: expected an object, got %s", where,
					      ward_json_type_name(v));
		r = ward_json_get_string(v, where, "type", &type, err);
		if (r < 0)
			return r;
		if (!type)
			return ward_error_set(err, EINVAL, "%s.type: required", where);
		for (t = 0; t < WARD_NS_COUNT; t++)
			if (strcmp(type, ns_table[t].spec_name) == 0)
				break;
		if (t == WARD_NS_COUNT)
			return ward_error_set(err, EINVAL, "%s.type: unknown namespace type '%s'", where,
					      type);
		/* The spec: a duplicated namespace type MUST be an error. */
		if (s->ns[t].enabled)
			return ward_error_set(err, EINVAL, "%s.type: namespace '%s' listed twice",
					      where, type);
		s->ns[t].enabled = true;
		r = ward_json_dup_string(v, where, "path", &s->ns[t].path, err);
		if (r < 0)
			return r;
		if (s->ns[t].path && s->ns[t].path[0] != '/')
			return ward_error_set(err, EINVAL, "%s.path: '%s' must be absolute", where,
					      s->ns[t].path);
	}
	return 0;
}

static int
parse_idmaps(json_t *lnx, const char *key, struct ward_idmap **ret, size_t *ret_n,
	     struct ward_error **err)
{
	json_t *arr = NULL, *v;
	size_t i;
	int r;

	r = ward_json_get_array(lnx, "linux", key, WARD_SPEC_MAX_IDMAPS, &arr, err);
	if (r <= 0)
		return r;
	*ret = calloc(json_array_size(arr) + 1, sizeof(**ret));
	if (!*ret)
		return ward_error_set(err, ENOMEM, "linux.%s", key);
	json_array_foreach(arr, i, v)
	{
		char where[64];
		int64_t c = -1, h = -1, n = -1;

		snprintf(where, sizeof(where), "linux.%s[%zu]", key, i);
		if (!json_is_object(v))
			return ward_error_set(err, EINVAL, "%s: expected an object", where);
		if (ward_json_get_range(v, where, "containerID", 0, UINT32_MAX, &c, err) < 0 ||
		    ward_json_get_range(v, where, "hostID", 0, UINT32_MAX, &h, err) < 0 ||
		    ward_json_get_range(v, where, "size", 1, UINT32_MAX, &n, err) < 0)
			return -EINVAL;
		if (c < 0 || h < 0 || n < 0)
			return ward_error_set(err, EINVAL,
					      "%s: containerID, hostID and size are required", where);
		if (c + n - 1 > UINT32_MAX || h + n - 1 > UINT32_MAX)
			return ward_error_set(err, ERANGE, "%s: range overflows 32 bits", where);
		(*ret)[i] = (struct ward_idmap){(uint32_t)c, (uint32_t)h, (uint32_t)n};
	}
	*ret_n = json_array_size(arr);
	return 0;
}

/* ---- mounts ------------------------------------------------------------- */

struct mount_opt {
	const char *name;
	bool clear;          /* the option clears the flag ("rw" clears MS_RDONLY) */
	unsigned long flag;
};

static const struct mount_opt mount_opts[] = {
	{"async", true, MS_SYNCHRONOUS},   {"atime", true, MS_NOATIME},
	{"defaults", false, 0},            {"dev", true, MS_NODEV},
	{"diratime", true, MS_NODIRATIME}, {"dirsync", false, MS_DIRSYNC},
	{"exec", true, MS_NOEXEC},         {"iversion", false, MS_I_VERSION},
	{"lazytime", false, MS_LAZYTIME},  {"loud", true, MS_SILENT},
	{"mand", false, MS_MANDLOCK},      {"noatime", false, MS_NOATIME},
	{"nodev", false, MS_NODEV},        {"nodiratime", false, MS_NODIRATIME},
	{"noexec", false, MS_NOEXEC},      {"noiversion", true, MS_I_VERSION},
	{"nolazytime", true, MS_LAZYTIME}, {"nomand", true, MS_MANDLOCK},
	{"norelatime", true, MS_RELATIME}, {"nostrictatime", true, MS_STRICTATIME},
	{"nosuid", false, MS_NOSUID},      {"nosymfollow", false, MS_NOSYMFOLLOW},
	{"relatime", false, MS_RELATIME},  {"remount", false, MS_REMOUNT},
	{"ro", false, MS_RDONLY},          {"rw", true, MS_RDONLY},
	{"silent", false, MS_SILENT},      {"strictatime", false, MS_STRICTATIME},
	{"suid", true, MS_NOSUID},         {"sync", false, MS_SYNCHRONOUS},
};

static const struct {
	const char *name;
	unsigned long flag;
} propagation_opts[] = {
	{"private", MS_PRIVATE},
	{"rprivate", MS_PRIVATE | MS_REC},
	{"shared", MS_SHARED},
	{"rshared", MS_SHARED | MS_REC},
	{"slave", MS_SLAVE},
	{"rslave", MS_SLAVE | MS_REC},
	{"unbindable", MS_UNBINDABLE},
	{"runbindable", MS_UNBINDABLE | MS_REC},
};

int
ward_spec_parse_propagation(const char *name, unsigned long *ret)
{
	for (size_t i = 0; i < WARD_ARRAY_SIZE(propagation_opts); i++)
		if (strcmp(name, propagation_opts[i].name) == 0) {
			*ret = propagation_opts[i].flag;
			return 0;
		}
	return -EINVAL;
}

static int
append_data(char **data, const char *opt)
{
	char *n = *data ? ward_strdup_printf("%s,%s", *data, opt) : strdup(opt);

	if (!n)
		return -ENOMEM;
	free(*data);
	*data = n;
	return 0;
}

static int
mount_apply_option(struct ward_mount *m, const char *opt)
{
	unsigned long prop;

	for (size_t i = 0; i < WARD_ARRAY_SIZE(mount_opts); i++) {
		if (strcmp(opt, mount_opts[i].name) != 0)
			continue;
		if (mount_opts[i].clear) {
			m->flags &= ~mount_opts[i].flag;
			m->clear_flags |= mount_opts[i].flag;
		} else {
			m->flags |= mount_opts[i].flag;
			m->clear_flags &= ~mount_opts[i].flag;
		}
		return 0;
	}
	if (strcmp(opt, "bind") == 0 || strcmp(opt, "rbind") == 0) {
		m->bind = true;
		m->recursive = opt[0] == 'r';
		return 0;
	}
	if (ward_spec_parse_propagation(opt, &prop) == 0) {
		m->propagation = prop;
		return 0;
	}
	if (strcmp(opt, "rro") == 0) {
		m->rro = true;
		m->flags |= MS_RDONLY;
		return 0;
	}
	if (strcmp(opt, "idmap") == 0 || strcmp(opt, "ridmap") == 0) {
		m->idmap = true;
		return 0;
	}
	/* crun's "tmpcopyup" and the like are runtime extensions we do not
	 * implement; passing them to the kernel would fail obscurely, so they
	 * are rejected with the option named. Everything else is fs data. */
	if (strcmp(opt, "tmpcopyup") == 0 || ward_str_has_prefix(opt, "x-"))
		return -ENOTSUP;
	return append_data(&m->data, opt);
}

/* Reject a destination with ".." components: inside the rootfs it would be
 * confined anyway by RESOLVE_IN_ROOT, but such a config is almost surely an
 * attack or a mistake and the spec wants absolute container paths. */
int
ward_spec_check_container_path(const char *path, const char *where, struct ward_error **err)
{
	const char *p = path;

	if (path[0] != '/')
		return ward_error_set(err, EINVAL, "%s: '%s' must be an absolute path", where, path);
	if (strlen(path) >= 4096)
		return ward_error_set(err, ENAMETOOLONG, "%s: path too long", where);
	while ((p = strstr(p, ".."))) {
		bool start = p == path || p[-1] == '/';
		bool end = p[2] == '\0' || p[2] == '/';
		if (start && end)
			return ward_error_set(err, EINVAL, "%s: '%s' contains '..'", where, path);
		p += 2;
	}
	return 0;
}

static int
parse_mount(json_t *v, const char *where, struct ward_mount *m, struct ward_error **err)
{
	_cleanup_strv_ char **opts = NULL;
	int r;

	if (!json_is_object(v))
		return ward_error_set(err, EINVAL, "%s: expected an object, got %s", where,
				      ward_json_type_name(v));
	if (ward_json_dup_string(v, where, "destination", &m->destination, err) < 0 ||
	    ward_json_dup_string(v, where, "type", &m->type, err) < 0 ||
	    ward_json_dup_string(v, where, "source", &m->source, err) < 0 ||
	    ward_json_get_strv(v, where, "options", 256, &opts, err) < 0)
		return -EINVAL;
	if (!m->destination)
		return ward_error_set(err, EINVAL, "%s.destination: required", where);
	r = ward_spec_check_container_path(m->destination, where, err);
	if (r < 0)
		return ward_error_wrap(err, "destination");
	for (char **o = opts; o && *o; o++) {
		r = mount_apply_option(m, *o);
		if (r == -ENOTSUP)
			return ward_error_setk(err, WARD_E_UNSUPPORTED, 0,
					       "%s.options: option '%s' is not supported", where, *o);
		if (r < 0)
			return ward_error_set(err, -r, "%s.options", where);
	}
	if (m->type && strcmp(m->type, "bind") == 0)
		m->bind = true;
	if (m->bind && !m->source)
		return ward_error_set(err, EINVAL, "%s.source: required for a bind mount", where);
	if (!m->bind && !m->type)
		return ward_error_set(err, EINVAL, "%s.type: required unless the mount is a bind",
				      where);
	if (m->data && strlen(m->data) >= 4096)
		return ward_error_set(err, E2BIG, "%s.options: too long for the kernel", where);
	return 0;
}

static int
parse_mounts(json_t *root, struct ward_spec *s, struct ward_error **err)
{
	json_t *arr = NULL, *v;
	size_t i;
	int r;

	r = ward_json_get_array(root, "", "mounts", WARD_SPEC_MAX_MOUNTS, &arr, err);
	if (r <= 0)
		return r;
	s->mounts = calloc(json_array_size(arr) + 1, sizeof(*s->mounts));
	if (!s->mounts)
		return ward_error_set(err, ENOMEM, "mounts");
	json_array_foreach(arr, i, v)
	{
		char where[48];

		snprintf(where, sizeof(where), "mounts[%zu]", i);
		s->n_mounts = i + 1;
		r = parse_mount(v, where, &s->mounts[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- devices, sysctl, misc linux ---------------------------------------- */

static int
parse_device(json_t *v, const char *where, struct ward_device *d, struct ward_error **err)
{
	const char *type = NULL;
	int64_t mode = -1, uid = -1, gid = -1;
	int r;

	if (!json_is_object(v))
		return ward_error_set(err, EINVAL, "%s: expected an object", where);
	if (ward_json_dup_string(v, where, "path", &d->path, err) < 0 ||
	    ward_json_get_string(v, where, "type", &type, err) < 0 ||
	    ward_json_get_range(v, where, "major", 0, 0xfff, &d->major, err) < 0 ||
	    ward_json_get_range(v, where, "minor", 0, 0xfffff, &d->minor, err) < 0 ||
	    ward_json_get_range(v, where, "fileMode", 0, 07777, &mode, err) < 0 ||
	    ward_json_get_range(v, where, "uid", 0, UINT32_MAX, &uid, err) < 0 ||
	    ward_json_get_range(v, where, "gid", 0, UINT32_MAX, &gid, err) < 0)
		return -EINVAL;
	if (!d->path)
		return ward_error_set(err, EINVAL, "%s.path: required", where);
	r = ward_spec_check_container_path(d->path, where, err);
	if (r < 0)
		return r;
	if (!type || strlen(type) != 1 || !strchr("cbup", type[0]))
		return ward_error_set(err, EINVAL, "%s.type: must be one of c, b, u, p", where);
	d->type = type[0];
	if (d->type != 'p' && (!json_object_get(v, "major") || !json_object_get(v, "minor")))
		return ward_error_set(err, EINVAL, "%s: major and minor are required for type %c",
				      where, d->type);
	if (mode >= 0) {
		d->file_mode = (mode_t)mode;
		d->has_file_mode = true;
	}
	if (uid >= 0) {
		d->uid = (uid_t)uid;
		d->has_uid = true;
	}
	if (gid >= 0) {
		d->gid = (gid_t)gid;
		d->has_gid = true;
	}
	return 0;
}

static int
parse_devices(json_t *lnx, struct ward_spec *s, struct ward_error **err)
{
	json_t *arr = NULL, *v;
	size_t i;
	int r;

	r = ward_json_get_array(lnx, "linux", "devices", WARD_SPEC_MAX_LIST, &arr, err);
	if (r <= 0)
		return r;
	s->devices = calloc(json_array_size(arr) + 1, sizeof(*s->devices));
	if (!s->devices)
		return ward_error_set(err, ENOMEM, "linux.devices");
	json_array_foreach(arr, i, v)
	{
		char where[48];

		snprintf(where, sizeof(where), "linux.devices[%zu]", i);
		s->n_devices = i + 1;
		r = parse_device(v, where, &s->devices[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int check_sysctl_namespaced(const struct ward_spec *s, const char *key,
				   struct ward_error **err);

static int
parse_sysctl(json_t *lnx, struct ward_spec *s, struct ward_error **err)
{
	json_t *obj = NULL, *v;
	const char *key;
	size_t i = 0;
	int r;

	r = ward_json_get_object(lnx, "linux", "sysctl", &obj, err);
	if (r <= 0)
		return r;
	if (json_object_size(obj) > WARD_SPEC_MAX_LIST)
		return ward_error_set(err, E2BIG, "linux.sysctl: too many entries");
	s->sysctl = calloc(json_object_size(obj) + 1, sizeof(*s->sysctl));
	if (!s->sysctl)
		return ward_error_set(err, ENOMEM, "linux.sysctl");
	json_object_foreach(obj, key, v)
	{
		/* The key becomes a path under /proc/sys: "../" or "/" would let a
		 * config write anywhere in the container's procfs. */
		if (!*key || strstr(key, "..") || strchr(key, '/') || key[0] == '.')
			return ward_error_set(err, EINVAL, "linux.sysctl: invalid key '%s'", key);
		if (!json_is_string(v))
			return ward_error_set(err, EINVAL, "linux.sysctl.%s: expected a string, got %s",
					      key, ward_json_type_name(v));
		if (check_sysctl_namespaced(s, key, err) < 0)
			return -EINVAL;
		s->sysctl[i].key = strdup(key);
		s->sysctl[i].value = strdup(json_string_value(v));
		s->n_sysctl = i + 1;
		if (!s->sysctl[i].key || !s->sysctl[i].value)
			return ward_error_set(err, ENOMEM, "linux.sysctl");
		i++;
	}
	return 0;
}

/* The kernel namespaces a sysctl lives in; anything else is host-wide and a
 * container must never change it (runc refuses them the same way). */
static int
check_sysctl_namespaced(const struct ward_spec *s, const char *key, struct ward_error **err)
{
	static const char *const ipc_keys[] = {"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",
					       "kernel.sem",    "kernel.shmall", "kernel.shmmax",
					       "kernel.shmmni", "kernel.shm_rmid_forced"};

	for (size_t i = 0; i < WARD_ARRAY_SIZE(ipc_keys); i++)
		if (strcmp(key, ipc_keys[i]) == 0)
			goto ipc;
	if (ward_str_has_prefix(key, "fs.mqueue."))
		goto ipc;
	if (ward_str_has_prefix(key, "net.")) {
		if (!s->ns[WARD_NS_NETWORK].enabled)
			return ward_error_set(err, EINVAL,
					      "linux.sysctl.%s: needs a network namespace (it would "
					      "change the host's)",
					      key);
		if (s->ns[WARD_NS_NETWORK].path) {
			struct stat a, b;
			if (stat(s->ns[WARD_NS_NETWORK].path, &a) == 0 &&
			    stat("/proc/self/ns/net", &b) == 0 && a.st_ino == b.st_ino &&
			    a.st_dev == b.st_dev)
				return ward_error_set(err, EINVAL,
						      "linux.sysctl.%s: the network namespace joined "
						      "is the host's",
						      key);
		}
		return 0;
	}
	if (strcmp(key, "kernel.hostname") == 0 || strcmp(key, "kernel.domainname") == 0) {
		if (!s->ns[WARD_NS_UTS].enabled)
			return ward_error_set(err, EINVAL, "linux.sysctl.%s: needs a uts namespace",
					      key);
		return 0;
	}
	return ward_error_setk(err, WARD_E_DENIED, 0,
			       "linux.sysctl.%s: not namespaced; a container may not change the "
			       "host's kernel settings",
			       key);
ipc:
	if (!s->ns[WARD_NS_IPC].enabled)
		return ward_error_set(err, EINVAL, "linux.sysctl.%s: needs an ipc namespace", key);
	return 0;
}

static int
parse_path_list(json_t *lnx, const char *key, char ***ret, struct ward_error **err)
{
	char where[48];
	int r;

	r = ward_json_get_strv(lnx, "linux", key, WARD_SPEC_MAX_LIST, ret, err);
	if (r <= 0)
		return r;
	for (size_t i = 0; (*ret)[i]; i++) {
		snprintf(where, sizeof(where), "linux.%s[%zu]", key, i);
		r = ward_spec_check_container_path((*ret)[i], where, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int
parse_personality(json_t *lnx, struct ward_spec *s, struct ward_error **err)
{
	json_t *obj = NULL;
	const char *domain = NULL;
	json_t *flags = NULL;
	int r;

	r = ward_json_get_object(lnx, "linux", "personality", &obj, err);
	if (r <= 0)
		return r;
	if (ward_json_get_string(obj, "linux.personality", "domain", &domain, err) < 0 ||
	    ward_json_get_array(obj, "linux.personality", "flags", 16, &flags, err) < 0)
		return -EINVAL;
	if (!domain)
		return ward_error_set(err, EINVAL, "linux.personality.domain: required");
	if (strcmp(domain, "LINUX") == 0)
		s->personality = PER_LINUX;
	else if (strcmp(domain, "LINUX32") == 0)
		s->personality = PER_LINUX32;
	else
		return ward_error_set(err, EINVAL,
				      "linux.personality.domain: unknown domain '%s' (LINUX or LINUX32)",
				      domain);
	/* The spec defines no flags yet; refuse rather than ignore. */
	if (flags && json_array_size(flags) > 0)
		return ward_error_setk(err, WARD_E_UNSUPPORTED, 0,
				       "linux.personality.flags: no flags are supported");
	s->has_personality = true;
	return 0;
}

static int
parse_time_offsets(json_t *lnx, struct ward_spec *s, struct ward_error **err)
{
	static const char *const clocks[] = {"monotonic", "boottime"};
	json_t *obj = NULL;
	const char *key;
	json_t *v;
	int r;

	r = ward_json_get_object(lnx, "linux", "timeOffsets", &obj, err);
	if (r <= 0)
		return r;
	json_object_foreach(obj, key, v)
	{
		char where[64];
		size_t c;

		for (c = 0; c < 2; c++)
			if (strcmp(key, clocks[c]) == 0)
				break;
		if (c == 2)
			return ward_error_set(err, EINVAL, "linux.timeOffsets: unknown clock '%s'",
					      key);
		snprintf(where, sizeof(where), "linux.timeOffsets.%s", key);
		if (!json_is_object(v))
			return ward_error_set(err, EINVAL, "%s: expected an object", where);
		if (ward_json_get_int64(v, where, "secs", &s->time_offsets[c][0], err) < 0 ||
		    ward_json_get_range(v, where, "nanosecs", 0, 999999999, &s->time_offsets[c][1],
					err) < 0)
			return -EINVAL;
	}
	s->has_time_offsets = true;
	return 0;
}

/* Fields the spec defines for platforms or modules this host lacks. The spec
 * says a runtime MUST error on settings it cannot apply; listing them here
 * makes "not supported" explicit rather than a silent skip. */
static int
refuse_unsupported_linux(json_t *lnx, struct ward_error **err)
{
	static const char *const unsupported[] = {"intelRdt", "memoryPolicy"};

	for (size_t i = 0; i < WARD_ARRAY_SIZE(unsupported); i++)
		if (json_object_get(lnx, unsupported[i]) &&
		    !json_is_null(json_object_get(lnx, unsupported[i])))
			return ward_error_setk(err, WARD_E_UNSUPPORTED, 0,
					       "linux.%s: not supported by ward on this host",
					       unsupported[i]);
	return 0;
}

static int
parse_linux(json_t *root, struct ward_spec *s, unsigned flags, struct ward_error **err)
{
	json_t *lnx = NULL, *sub = NULL;
	const char *prop = NULL;
	int r;

	r = ward_json_get_object(root, "", "linux", &lnx, err);
	if (r <= 0)
		return r;
	if ((r = parse_namespaces(lnx, s, err)) < 0 ||
	    (r = parse_idmaps(lnx, "uidMappings", &s->uid_mappings, &s->n_uid_mappings, err)) < 0 ||
	    (r = parse_idmaps(lnx, "gidMappings", &s->gid_mappings, &s->n_gid_mappings, err)) < 0 ||
	    (r = parse_devices(lnx, s, err)) < 0 || (r = parse_sysctl(lnx, s, err)) < 0 ||
	    (r = parse_path_list(lnx, "maskedPaths", &s->masked_paths, err)) < 0 ||
	    (r = parse_path_list(lnx, "readonlyPaths", &s->readonly_paths, err)) < 0 ||
	    (r = parse_personality(lnx, s, err)) < 0 || (r = parse_time_offsets(lnx, s, err)) < 0 ||
	    (r = refuse_unsupported_linux(lnx, err)) < 0)
		return r;
	if (ward_json_dup_string(lnx, "linux", "cgroupsPath", &s->cgroups_path, err) < 0 ||
	    ward_json_dup_string(lnx, "linux", "mountLabel", &s->mount_label, err) < 0 ||
	    ward_json_get_string(lnx, "linux", "rootfsPropagation", &prop, err) < 0)
		return -EINVAL;
	if (prop && ward_spec_parse_propagation(prop, &s->rootfs_propagation) < 0)
		return ward_error_set(err, EINVAL, "linux.rootfsPropagation: unknown value '%s'",
				      prop);
	sub = NULL;
	r = ward_json_get_object(lnx, "linux", "resources", &sub, err);
	if (r < 0)
		return r;
	if (sub && (r = ward_cgroup_resources_parse(sub, "linux.resources", &s->resources, err)) < 0)
		return r;
	sub = NULL;
	r = ward_json_get_object(lnx, "linux", "seccomp", &sub, err);
	if (r < 0)
		return r;
	if (sub && (flags & WARD_SPEC_SECCOMP_DEFERRED) && !(flags & WARD_SPEC_NO_SECCOMP))
		s->seccomp_json = json_incref(sub);
	else if (sub && !(flags & WARD_SPEC_NO_SECCOMP) &&
		 (r = ward_seccomp_parse(sub, "linux.seccomp", &s->seccomp, err)) < 0)
		return r;
	if ((s->n_uid_mappings || s->n_gid_mappings) && !s->ns[WARD_NS_USER].enabled)
		return ward_error_set(err, EINVAL,
				      "linux.uidMappings: mappings given without a user namespace");
	if (s->ns[WARD_NS_USER].enabled && !s->ns[WARD_NS_USER].path &&
	    (!s->n_uid_mappings || !s->n_gid_mappings))
		return ward_error_set(err, EINVAL,
				      "linux.uidMappings: a new user namespace needs uidMappings "
				      "and gidMappings");
	if (s->has_time_offsets && !s->ns[WARD_NS_TIME].enabled)
		return ward_error_set(err, EINVAL, "linux.timeOffsets: needs a time namespace");
	return 0;
}

/* ---- process ------------------------------------------------------------ */

void
ward_process_free(struct ward_process *p)
{
	if (!p)
		return;
	free(p->cwd);
	ward_strv_free(p->args);
	ward_strv_free(p->env);
	free(p->apparmor_profile);
	free(p->selinux_label);
	ward_procattr_free(p->attr);
	free(p);
}

static int
parse_console_size(json_t *proc, const char *where, struct ward_process *p,
		   struct ward_error **err)
{
	char w[64];
	json_t *cs = NULL;
	int64_t h = 0, wd = 0;
	int r;

	r = ward_json_get_object(proc, where, "consoleSize", &cs, err);
	if (r <= 0)
		return r;
	snprintf(w, sizeof(w), "%s.consoleSize", where);
	if (ward_json_get_range(cs, w, "height", 0, UINT16_MAX, &h, err) < 0 ||
	    ward_json_get_range(cs, w, "width", 0, UINT16_MAX, &wd, err) < 0)
		return -EINVAL;
	p->console_height = (unsigned)h;
	p->console_width = (unsigned)wd;
	return 0;
}

int
ward_process_parse(json_t *proc, const char *where, struct ward_process **ret,
		   struct ward_error **err)
{
	struct ward_process *p;
	char w[64];
	int r;

	if (!json_is_object(proc))
		return ward_error_set(err, EINVAL, "%s: expected an object, got %s", where,
				      ward_json_type_name(proc));
	p = calloc(1, sizeof(*p));
	if (!p)
		return ward_error_set(err, ENOMEM, "%s", where);
	if (ward_json_get_bool(proc, where, "terminal", &p->terminal, err) < 0 ||
	    ward_json_dup_string(proc, where, "cwd", &p->cwd, err) < 0 ||
	    ward_json_get_strv(proc, where, "args", WARD_SPEC_MAX_ARGS, &p->args, err) < 0 ||
	    ward_json_get_strv(proc, where, "env", WARD_SPEC_MAX_ARGS, &p->env, err) < 0 ||
	    ward_json_dup_string(proc, where, "apparmorProfile", &p->apparmor_profile, err) < 0 ||
	    ward_json_dup_string(proc, where, "selinuxLabel", &p->selinux_label, err) < 0 ||
	    parse_console_size(proc, where, p, err) < 0)
		goto fail;
	if (!p->cwd) {
		ward_error_set(err, EINVAL, "%s.cwd: required", where);
		goto fail;
	}
	snprintf(w, sizeof(w), "%s.cwd", where);
	/* A relative cwd would resolve against whatever directory the runtime
	 * happens to hold, which is how CVE-2024-21626 escaped; the spec also
	 * requires an absolute path. */
	if (ward_spec_check_container_path(p->cwd, w, err) < 0)
		goto fail;
	if (!p->args || !p->args[0]) {
		ward_error_set(err, EINVAL, "%s.args: required and must not be empty", where);
		goto fail;
	}
	for (char **e = p->env; e && *e; e++)
		if (!strchr(*e, '=')) {
			ward_error_set(err, EINVAL, "%s.env: entry '%.64s' is not KEY=VALUE", where,
				       *e);
			goto fail;
		}
	/* Both LSMs are absent on this host; the spec says the runtime MUST
	 * error when it cannot apply a requested profile. */
	if (p->apparmor_profile && *p->apparmor_profile &&
	    access("/sys/kernel/security/apparmor", F_OK) != 0) {
		ward_error_setk(err, WARD_E_UNSUPPORTED, 0,
				"%s.apparmorProfile: AppArmor is not enabled on this host", where);
		goto fail;
	}
	if (p->selinux_label && *p->selinux_label) {
		ward_error_setk(err, WARD_E_UNSUPPORTED, 0,
				"%s.selinuxLabel: SELinux is not enabled on this host", where);
		goto fail;
	}
	r = ward_procattr_parse(proc, where, &p->attr, err);
	if (r < 0)
		goto fail;
	*ret = p;
	return 0;
fail:
	ward_process_free(p);
	return ward_error_code(err ? *err : NULL);
}

/* ---- hooks -------------------------------------------------------------- */

static const char *const hook_names[WARD_HOOK_KIND_COUNT] = {
	[WARD_HOOK_PRESTART] = "prestart",
	[WARD_HOOK_CREATE_RUNTIME] = "createRuntime",
	[WARD_HOOK_CREATE_CONTAINER] = "createContainer",
	[WARD_HOOK_START_CONTAINER] = "startContainer",
	[WARD_HOOK_POSTSTART] = "poststart",
	[WARD_HOOK_POSTSTOP] = "poststop",
};

const char *
ward_hook_kind_name(enum ward_hook_kind k)
{
	return k < WARD_HOOK_KIND_COUNT ? hook_names[k] : "?";
}

void
ward_hooks_clear(struct ward_hook_list hooks[WARD_HOOK_KIND_COUNT])
{
	for (int k = 0; k < WARD_HOOK_KIND_COUNT; k++) {
		for (size_t i = 0; i < hooks[k].n; i++) {
			free(hooks[k].v[i].path);
			ward_strv_free(hooks[k].v[i].args);
			ward_strv_free(hooks[k].v[i].env);
		}
		free(hooks[k].v);
		hooks[k].v = NULL;
		hooks[k].n = 0;
	}
}

static int
parse_hook(json_t *v, const char *where, struct ward_hook *h, struct ward_error **err)
{
	if (!json_is_object(v))
		return ward_error_set(err, EINVAL, "%s: expected an object", where);
	if (ward_json_dup_string(v, where, "path", &h->path, err) < 0 ||
	    ward_json_get_strv(v, where, "args", WARD_SPEC_MAX_ARGS, &h->args, err) < 0 ||
	    ward_json_get_strv(v, where, "env", WARD_SPEC_MAX_ARGS, &h->env, err) < 0 ||
	    ward_json_get_range(v, where, "timeout", 1, 24 * 3600, &h->timeout, err) < 0)
		return -EINVAL;
	if (!h->path)
		return ward_error_set(err, EINVAL, "%s.path: required", where);
	if (h->path[0] != '/')
		return ward_error_set(err, EINVAL, "%s.path: '%s' must be absolute", where, h->path);
	if (json_object_get(v, "timeout") && json_integer_value(json_object_get(v, "timeout")) < 1)
		return ward_error_set(err, EINVAL, "%s.timeout: must be greater than zero", where);
	return 0;
}

int
ward_hooks_parse(json_t *hooks, struct ward_hook_list out[WARD_HOOK_KIND_COUNT],
		 struct ward_error **err)
{
	const char *key;
	json_t *v;

	json_object_foreach(hooks, key, v)
	{
		int k;

		for (k = 0; k < WARD_HOOK_KIND_COUNT; k++)
			if (strcmp(key, hook_names[k]) == 0)
				break;
		if (k == WARD_HOOK_KIND_COUNT)
			return ward_error_set(err, EINVAL, "hooks: unknown hook kind '%s'", key);
		if (json_is_null(v))
			continue;
		if (!json_is_array(v))
			return ward_error_set(err, EINVAL, "hooks.%s: expected an array, got %s", key,
					      ward_json_type_name(v));
		if (json_array_size(v) > WARD_SPEC_MAX_HOOKS)
			return ward_error_set(err, E2BIG, "hooks.%s: more than %d hooks", key,
					      WARD_SPEC_MAX_HOOKS);
		out[k].v = calloc(json_array_size(v) + 1, sizeof(*out[k].v));
		if (!out[k].v)
			return ward_error_set(err, ENOMEM, "hooks.%s", key);
		for (size_t i = 0; i < json_array_size(v); i++) {
			char where[64];
			int r;

			snprintf(where, sizeof(where), "hooks.%s[%zu]", key, i);
			out[k].n = i + 1;
			r = parse_hook(json_array_get(v, i), where, &out[k].v[i], err);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* ---- the whole document ------------------------------------------------- */

void
ward_spec_free(struct ward_spec *s)
{
	if (!s)
		return;
	free(s->oci_version);
	free(s->root_path);
	free(s->hostname);
	free(s->domainname);
	ward_process_free(s->process);
	for (size_t i = 0; i < s->n_mounts; i++) {
		free(s->mounts[i].destination);
		free(s->mounts[i].type);
		free(s->mounts[i].source);
		free(s->mounts[i].data);
	}
	free(s->mounts);
	ward_hooks_clear(s->hooks);
	json_decref(s->annotations);
	for (int t = 0; t < WARD_NS_COUNT; t++)
		free(s->ns[t].path);
	free(s->uid_mappings);
	free(s->gid_mappings);
	for (size_t i = 0; i < s->n_devices; i++)
		free(s->devices[i].path);
	free(s->devices);
	free(s->cgroups_path);
	ward_cgroup_resources_free(s->resources);
	for (size_t i = 0; i < s->n_sysctl; i++) {
		free(s->sysctl[i].key);
		free(s->sysctl[i].value);
	}
	free(s->sysctl);
	ward_seccomp_free(s->seccomp);
	json_decref(s->seccomp_json);
	ward_strv_free(s->masked_paths);
	ward_strv_free(s->readonly_paths);
	free(s->mount_label);
	free(s);
}

static int
parse_root(json_t *root, struct ward_spec *s, struct ward_error **err)
{
	json_t *obj = NULL;
	int r;

	r = ward_json_get_object(root, "", "root", &obj, err);
	if (r < 0)
		return r;
	if (!obj)
		return ward_error_set(err, EINVAL, "root: required");
	if (ward_json_dup_string(obj, "root", "path", &s->root_path, err) < 0 ||
	    ward_json_get_bool(obj, "root", "readonly", &s->root_readonly, err) < 0)
		return -EINVAL;
	if (!s->root_path || !*s->root_path)
		return ward_error_set(err, EINVAL, "root.path: required");
	return 0;
}

static int
parse_annotations(json_t *root, struct ward_spec *s, struct ward_error **err)
{
	json_t *obj = NULL, *v;
	const char *key;
	int r;

	r = ward_json_get_object(root, "", "annotations", &obj, err);
	if (r <= 0)
		return r;
	json_object_foreach(obj, key, v) if (!json_is_string(v)) return ward_error_set(
		err, EINVAL, "annotations.%s: expected a string, got %s", key,
		ward_json_type_name(v));
	s->annotations = json_incref(obj);
	return 0;
}

static int
check_version(const char *v, struct ward_error **err)
{
	unsigned major = 0;

	if (sscanf(v, "%3u.", &major) != 1 || major != 1)
		return ward_error_set(err, EINVAL,
				      "ociVersion: '%s' is not a 1.x runtime-spec version", v);
	return 0;
}

static int
spec_from_json(json_t *root, struct ward_spec *s, unsigned flags, struct ward_error **err)
{
	json_t *proc = NULL, *hooks = NULL;
	int r;

	if (!json_is_object(root))
		return ward_error_set(err, EINVAL, "config.json: expected an object, got %s",
				      ward_json_type_name(root));
	if (ward_json_dup_string(root, "", "ociVersion", &s->oci_version, err) < 0 ||
	    ward_json_dup_string(root, "", "hostname", &s->hostname, err) < 0 ||
	    ward_json_dup_string(root, "", "domainname", &s->domainname, err) < 0)
		return -EINVAL;
	if (!s->oci_version)
		return ward_error_set(err, EINVAL, "ociVersion: required");
	if ((r = check_version(s->oci_version, err)) < 0 || (r = parse_root(root, s, err)) < 0 ||
	    (r = parse_mounts(root, s, err)) < 0 || (r = parse_annotations(root, s, err)) < 0 ||
	    (r = parse_linux(root, s, flags, err)) < 0)
		return r;
	if (s->hostname && strlen(s->hostname) > 64)
		return ward_error_set(err, EINVAL, "hostname: longer than 64 bytes");
	if (s->domainname && strlen(s->domainname) > 64)
		return ward_error_set(err, EINVAL, "domainname: longer than 64 bytes");
	if (s->hostname && *s->hostname && !s->ns[WARD_NS_UTS].enabled)
		return ward_error_set(err, EINVAL, "hostname: set without a uts namespace");
	r = ward_json_get_object(root, "", "process", &proc, err);
	if (r < 0)
		return r;
	if (proc && (r = ward_process_parse(proc, "process", &s->process, err)) < 0)
		return r;
	r = ward_json_get_object(root, "", "hooks", &hooks, err);
	if (r < 0)
		return r;
	if (hooks && (r = ward_hooks_parse(hooks, s->hooks, err)) < 0)
		return r;
	return 0;
}

int
ward_spec_parse_flags(const char *buf, size_t len, unsigned flags, struct ward_spec **ret,
		      struct ward_error **err)
{
	json_t *root = NULL;
	struct ward_spec *s;
	int r;

	if (len > WARD_SPEC_MAX_SIZE)
		return ward_error_set(err, EFBIG, "config.json: larger than %u bytes",
				      WARD_SPEC_MAX_SIZE);
	r = ward_json_parse(buf, len, "config.json", &root, err);
	if (r < 0)
		return r;
	s = calloc(1, sizeof(*s));
	if (!s) {
		json_decref(root);
		return ward_error_set(err, ENOMEM, "config.json");
	}
	r = spec_from_json(root, s, flags, err);
	json_decref(root);
	if (r < 0) {
		ward_spec_free(s);
		return r;
	}
	*ret = s;
	return 0;
}

int
ward_spec_parse(const char *buf, size_t len, struct ward_spec **ret, struct ward_error **err)
{
	return ward_spec_parse_flags(buf, len, 0, ret, err);
}

int
ward_spec_load_flags(int bundle_fd, unsigned flags, struct ward_spec **ret,
		     struct ward_error **err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r;

	r = ward_fs_read_all(bundle_fd, "config.json", WARD_SPEC_MAX_SIZE, &buf, &len, err);
	if (r < 0)
		return r;
	return ward_spec_parse_flags(buf, len, flags, ret, err);
}

int
ward_spec_load(int bundle_fd, struct ward_spec **ret, struct ward_error **err)
{
	return ward_spec_load_flags(bundle_fd, 0, ret, err);
}
