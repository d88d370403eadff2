/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CIS section 5 (container runtime) on the OCI runtime config a container
 * actually runs with (its bundle's config.json). The JSON is read directly,
 * not through ward_spec_parse: the audit must report on configs the
 * runtime would refuse too, and one field of the wrong type is evidence,
 * never a reason to stop auditing the rest.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>

#include <ward/runtime.h>

#include "internal.h"

#define CAPS_MAX 256	  /* entries read from one capability set */
#define LIST_MAX 4096	  /* mounts, namespaces, devices, env entries read */
#define EVIDENCE_MAX 1024 /* bytes of a list quoted in evidence */

struct rt {
	struct ward_audit_report *r;
	const char *target;
	const struct ward_audit_opts *o;
	json_t *doc;
};

static int fail(struct rt *c, const char *id, enum ward_audit_severity sev, const char *remediation,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int
fail(struct rt *c, const char *id, enum ward_audit_severity sev, const char *remediation,
     const char *fmt, ...)
{
	va_list ap;
	char *ev = NULL;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&ev, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	r = ward_audit_add(c->r, id, c->target, false, sev, NULL, 0, remediation, "%s", ev);
	free(ev);
	return r;
}

static int pass(struct rt *c, const char *id, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int
pass(struct rt *c, const char *id, const char *fmt, ...)
{
	va_list ap;
	char *ev = NULL;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&ev, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	r = ward_audit_add(c->r, id, c->target, true, WARD_AUDIT_INFO, NULL, 0, NULL, "%s", ev);
	free(ev);
	return r;
}

/* The member at a dotted path of objects; NULL when any step is absent or
 * not an object. */
static json_t *
get_path(json_t *j, const char *path)
{
	char buf[128];
	char *save = NULL, *tok;

	if ((size_t)snprintf(buf, sizeof(buf), "%s", path) >= sizeof(buf))
		return NULL;
	for (tok = strtok_r(buf, ".", &save); tok && j; tok = strtok_r(NULL, ".", &save))
		j = json_is_object(j) ? json_object_get(j, tok) : NULL;
	return j;
}

static bool
str_in(const char *s, const char *const *v)
{
	for (; v && *v; v++)
		if (strcmp(s, *v) == 0)
			return true;
	return false;
}

/* Append s to a bounded comma list. */
static void
list_add(char *buf, size_t size, const char *s)
{
	size_t n = strlen(buf);
	char clean[AUDIT_EVIDENCE_VALUE_MAX + 8];

	audit_sanitize(s, clean, sizeof(clean));
	if (n + strlen(clean) + 8 >= size) {
		if (n + 4 < size && !strstr(buf, ", ..."))
			strcat(buf, ", ...");
		return;
	}
	if (n)
		strcat(buf, ", ");
	strcat(buf, clean);
}

/* ---- capabilities and privileged ------------------------------------------- */

static const char *const dangerous_caps[] = {
	"CAP_SYS_ADMIN",
	"CAP_SYS_MODULE",
	"CAP_SYS_RAWIO",
	"CAP_SYS_PTRACE",
	"CAP_SYS_BOOT",
	"CAP_NET_ADMIN",
	"CAP_DAC_READ_SEARCH",
	"CAP_BPF",
	"CAP_PERFMON",
	"CAP_SYS_TIME",
	"CAP_MAC_ADMIN",
	"CAP_MAC_OVERRIDE",
	"CAP_SYSLOG",
	"CAP_LINUX_IMMUTABLE",
	"CAP_SYS_RESOURCE",
	"CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND",
	"CAP_AUDIT_CONTROL",
	"CAP_SYS_NICE",
	"CAP_IPC_OWNER",
	"CAP_LEASE",
	"CAP_SYS_PACCT",
	"CAP_SYS_TTY_CONFIG",
	"CAP_CHECKPOINT_RESTORE",
	NULL,
};

static const char *const cap_sets[] = {"bounding", "effective", "permitted", "inheritable",
				       "ambient"};

static bool
has_cap(json_t *caps, const char *set, const char *name)
{
	json_t *a = json_object_get(caps, set), *v;
	size_t i;

	json_array_foreach(a, i, v) {
		if (i >= CAPS_MAX)
			break;
		if (json_is_string(v) && strcmp(json_string_value(v), name) == 0)
			return true;
	}
	return false;
}

static int
check_caps(struct rt *c)
{
	json_t *caps = get_path(c->doc, "process.capabilities");
	const char *const *defaults = ward_default_capabilities();
	char added[EVIDENCE_MAX] = "", bad[EVIDENCE_MAX / 2] = "", seen_sets[64] = "";
	const char *first_bad = NULL, *first_bad_set = NULL;
	size_t n_added = 0;

	if (!get_path(c->doc, "process"))
		return pass(c, "5.3", "no process in config.json: nothing runs with capabilities");
	if (caps && !json_is_object(caps))
		return fail(c, "5.3", WARD_AUDIT_MEDIUM, NULL,
			    "process.capabilities is %s, not an object", ward_json_type_name(caps));
	for (size_t s = 0; caps && s < WARD_ARRAY_SIZE(cap_sets); s++) {
		json_t *a = json_object_get(caps, cap_sets[s]), *v;
		size_t i;
		if (!json_is_array(a))
			continue;
		json_array_foreach(a, i, v) {
			const char *name;
			if (i >= CAPS_MAX)
				break;
			if (!json_is_string(v))
				continue;
			name = json_string_value(v);
			if (str_in(name, defaults))
				continue;
			/* Each capability once, however many sets hold it. */
			bool dup = false;
			for (size_t t = 0; t < s && !dup; t++)
				dup = has_cap(caps, cap_sets[t], name);
			if (dup)
				continue;
			n_added++;
			list_add(added, sizeof(added), name);
			if (!strstr(seen_sets, cap_sets[s]))
				list_add(seen_sets, sizeof(seen_sets), cap_sets[s]);
		}
	}
	/* The worst first, in the order of dangerous_caps: CAP_SYS_ADMIN leads. */
	for (const char *const *d = dangerous_caps; *d; d++)
		for (size_t s = 0; s < WARD_ARRAY_SIZE(cap_sets); s++) {
			if (!has_cap(caps, cap_sets[s], *d))
				continue;
			if (!first_bad) {
				first_bad = *d;
				first_bad_set = cap_sets[s];
			} else if (first_bad != *d && !strstr(bad, *d)) {
				list_add(bad, sizeof(bad), *d);
			}
			break;
		}
	if (!n_added)
		return pass(c, "5.3",
			    "process.capabilities holds only capabilities of Docker's "
			    "default set");
	if (first_bad) {
		char clean[AUDIT_EVIDENCE_VALUE_MAX + 8];
		audit_sanitize(first_bad, clean, sizeof(clean));
		return fail(c, "5.3", WARD_AUDIT_HIGH, NULL,
			    "process.capabilities.%s contains %s%s%s (%zu capabilities beyond "
			    "Docker's default set)",
			    first_bad_set, clean, bad[0] ? "; also dangerous: " : "", bad, n_added);
	}
	return fail(c, "5.3", WARD_AUDIT_MEDIUM, NULL,
		    "process.capabilities (%s) adds %zu capabilities beyond Docker's default set: "
		    "%s",
		    seen_sets, n_added, added);
}

static bool
devices_allow_all(json_t *doc)
{
	json_t *a = get_path(doc, "linux.resources.devices"), *v;
	size_t i;

	json_array_foreach(a, i, v) {
		json_t *allow = json_object_get(v, "allow"), *type = json_object_get(v, "type");
		if (i >= LIST_MAX)
			break;
		if (!json_is_true(allow))
			continue;
		if ((!type ||
		     (json_is_string(type) && strcmp(json_string_value(type), "a") == 0)) &&
		    !json_object_get(v, "major") && !json_object_get(v, "minor"))
			return true;
	}
	return false;
}

static int
check_privileged(struct rt *c)
{
	json_t *caps = get_path(c->doc, "process.capabilities");
	json_t *masked = get_path(c->doc, "linux.maskedPaths");
	bool sys_admin = json_is_object(caps) && has_cap(caps, "bounding", "CAP_SYS_ADMIN");
	bool no_seccomp = !get_path(c->doc, "linux.seccomp");
	bool all_devices = devices_allow_all(c->doc);
	bool no_mask = !json_is_array(masked) || json_array_size(masked) == 0;

	/* What --privileged means for ward, docker and podman alike: every
	 * capability, no seccomp, every device, no masked /proc paths. */
	if (sys_admin && no_seccomp && (all_devices || no_mask))
		return fail(c, "5.4", WARD_AUDIT_CRITICAL, NULL,
			    "privileged: process.capabilities.bounding contains CAP_SYS_ADMIN, "
			    "linux.seccomp is absent%s%s",
			    all_devices ? ", linux.resources.devices allows every device" : "",
			    no_mask ? ", linux.maskedPaths is empty" : "");
	return pass(c, "5.4", "not privileged (%s)",
		    !sys_admin	  ? "no CAP_SYS_ADMIN"
		    : !no_seccomp ? "seccomp filter set"
				  : "devices and /proc restricted");
}

/* ---- namespaces -------------------------------------------------------------- */

struct ns_check {
	const char *type, *id, *what;
	enum ward_audit_severity sev;
};

static const struct ns_check ns_checks[] = {
	{"network", "5.9", "network", WARD_AUDIT_HIGH}, {"pid", "5.15", "process", WARD_AUDIT_HIGH},
	{"ipc", "5.16", "IPC", WARD_AUDIT_HIGH},	{"uts", "5.20", "UTS", WARD_AUDIT_MEDIUM},
	{"user", "5.30", "user", WARD_AUDIT_MEDIUM},
};

static json_t *
find_ns(json_t *doc, const char *type, bool *ret_bad_type)
{
	json_t *a = get_path(doc, "linux.namespaces"), *v;
	size_t i;

	*ret_bad_type = a && !json_is_array(a);
	json_array_foreach(a, i, v) {
		json_t *t = json_object_get(v, "type");
		if (i >= LIST_MAX)
			break;
		if (json_is_string(t) && strcmp(json_string_value(t), type) == 0)
			return v;
	}
	return NULL;
}

static int
check_user_mappings(struct rt *c)
{
	json_t *a = get_path(c->doc, "linux.uidMappings"), *v;
	size_t i;

	json_array_foreach(a, i, v) {
		json_int_t cid = json_integer_value(json_object_get(v, "containerID"));
		json_int_t hid = json_integer_value(json_object_get(v, "hostID"));
		json_int_t size = json_integer_value(json_object_get(v, "size"));
		if (i >= LIST_MAX)
			break;
		/* Container uid 0 lands on host uid 0: the namespace buys nothing. */
		if (cid <= 0 && cid + size > 0 && hid - cid == 0)
			return fail(c, "5.30", WARD_AUDIT_HIGH, NULL,
				    "linux.uidMappings[%zu] maps container uid 0 to host uid 0", i);
	}
	return pass(c, "5.30", "a user namespace with its own uid mapping");
}

static int
check_namespaces(struct rt *c)
{
	int r;

	for (size_t k = 0; k < WARD_ARRAY_SIZE(ns_checks); k++) {
		const struct ns_check *n = &ns_checks[k];
		bool bad_type;
		json_t *ns = find_ns(c->doc, n->type, &bad_type), *path;
		char clean[AUDIT_EVIDENCE_VALUE_MAX + 8];

		if (bad_type)
			r = fail(c, n->id, n->sev, NULL, "linux.namespaces is not an array");
		else if (!ns)
			r = fail(c, n->id, n->sev, NULL,
				 "linux.namespaces has no \"%s\" entry: the host's %s namespace is "
				 "shared",
				 n->type, n->what);
		else if ((path = json_object_get(ns, "path")) && json_is_string(path) &&
			 *json_string_value(path)) {
			const char *p = json_string_value(path);
			audit_sanitize(p, clean, sizeof(clean));
			/* /proc/1/ns/... is the host's own namespace. */
			if (ward_str_has_prefix(p, "/proc/1/ns/"))
				r = fail(c, n->id, n->sev, NULL,
					 "linux.namespaces \"%s\" joins %s: the host's namespace",
					 n->type, clean);
			else
				r = fail(c, n->id, WARD_AUDIT_LOW, NULL,
					 "linux.namespaces \"%s\" joins the existing namespace %s "
					 "(shared with whatever else runs in it)",
					 n->type, clean);
		} else if (strcmp(n->type, "user") == 0)
			r = check_user_mappings(c);
		else
			r = pass(c, n->id, "its own %s namespace", n->what);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- mounts -------------------------------------------------------------------- */

/* Lexically clean an absolute path: "//", ".", "..", trailing '/'. */
static void
clean_path(const char *in, char *out, size_t size)
{
	size_t o = 0;
	const char *p = in;

	if (size < 2) {
		if (size)
			out[0] = '\0';
		return;
	}
	out[o++] = '/';
	while (*p) {
		const char *s;
		size_t n;
		while (*p == '/')
			p++;
		s = p;
		while (*p && *p != '/')
			p++;
		n = (size_t)(p - s);
		if (n == 0 || (n == 1 && s[0] == '.'))
			continue;
		if (n == 2 && s[0] == '.' && s[1] == '.') {
			while (o > 1 && out[o - 1] != '/')
				o--;
			if (o > 1)
				o--;
			continue;
		}
		if (o + n + 2 >= size)
			break;
		if (o > 1)
			out[o++] = '/';
		memcpy(out + o, s, n);
		o += n;
	}
	out[o] = '\0';
}

static bool
path_under(const char *p, const char *dir)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return true;
	return strncmp(p, dir, n) == 0 && (p[n] == '\0' || p[n] == '/');
}

static const char *const engine_sockets[] = {
	"/run/docker.sock",
	"/var/run/docker.sock",
	"/run/containerd/containerd.sock",
	"/run/podman/podman.sock",
	"/run/crio/crio.sock",
	"/var/run/crio/crio.sock",
	"/run/containerd",
	"/run/podman",
	"/run/docker",
	"/var/run/containerd/containerd.sock",
	"/var/run/podman/podman.sock",
	"/run/user",
	NULL,
};

/* Directories holding sockets: binding them binds the sockets. */
static const char *const socket_parents[] = {"/run", "/var/run", NULL};

static const char *const sensitive_dirs[] = {
	"/",	  "/etc", "/proc", "/sys",  "/boot", "/dev",	 "/usr", "/lib",
	"/lib64", "/bin", "/sbin", "/root", "/var",  "/var/lib", NULL,
};
/* Anything below these is sensitive too. */
static const char *const sensitive_trees[] = {"/etc",  "/boot",		"/proc", "/sys",
					      "/root", "/var/lib/ward", NULL};
static const char *const harmless_devices[] = {
	"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty", NULL};

static bool
mount_has_opt(json_t *m, const char *opt)
{
	json_t *a = json_object_get(m, "options"), *v;
	size_t i;

	json_array_foreach(a, i, v) {
		if (i >= LIST_MAX)
			break;
		if (json_is_string(v) && strcmp(json_string_value(v), opt) == 0)
			return true;
	}
	return false;
}

static bool
is_engine_socket(const struct rt *c, const char *src)
{
	char own[4200];

	if (str_in(src, engine_sockets) || str_in(src, socket_parents))
		return true;
	/* ward's own state (and a future wardd socket) under its run root. */
	clean_path(c->o && c->o->run_root ? c->o->run_root : "/run/ward", own, sizeof(own));
	if (path_under(src, own) || path_under(own, src))
		return true;
	return strlen(src) > 5 && strcmp(src + strlen(src) - 5, ".sock") == 0;
}

static int
check_mounts(struct rt *c)
{
	json_t *a = get_path(c->doc, "mounts"), *m;
	char root_clean[4200];
	bool found_55 = false, found_531 = false, found_519 = false;
	size_t i;
	int r;

	clean_path(c->o && c->o->engine_root ? c->o->engine_root : "/var/lib/ward", root_clean,
		   sizeof(root_clean));
	json_array_foreach(a, i, m) {
		json_t *src = json_object_get(m, "source"),
		       *dst = json_object_get(m, "destination");
		json_t *type = json_object_get(m, "type");
		const char *s;
		char sc[4200], sclean[AUDIT_EVIDENCE_VALUE_MAX + 8],
			dclean[AUDIT_EVIDENCE_VALUE_MAX + 8];
		bool bind, ro;
		struct stat st;

		if (i >= LIST_MAX) {
			(void)ward_audit_warn(c->r, "%s: more than %d mounts, the rest not audited",
					      c->target, LIST_MAX);
			break;
		}
		if (mount_has_opt(m, "shared") || mount_has_opt(m, "rshared")) {
			audit_sanitize(json_string_value(dst), dclean, sizeof(dclean));
			found_519 = true;
			if ((r = fail(c, "5.19", WARD_AUDIT_MEDIUM, NULL,
				      "mounts[%zu] (%s) has shared propagation", i, dclean)) < 0)
				return r;
		}
		bind = (json_is_string(type) && strcmp(json_string_value(type), "bind") == 0) ||
		       mount_has_opt(m, "bind") || mount_has_opt(m, "rbind");
		if (!bind || !json_is_string(src) || json_string_value(src)[0] != '/')
			continue;
		s = json_string_value(src);
		clean_path(s, sc, sizeof(sc));
		/* The runtime follows symlinks in a bind source on the host: a
		 * harmless-looking /srv/x -> /etc is /etc. Judge what it resolves to
		 * now (when it exists here), and show both. */
		{
			char rp[PATH_MAX], both[2 * AUDIT_EVIDENCE_VALUE_MAX + 32],
				c1[AUDIT_EVIDENCE_VALUE_MAX + 8];
			if (realpath(sc, rp) && strcmp(rp, sc) != 0 && strlen(rp) < sizeof(sc)) {
				audit_sanitize(sc, c1, sizeof(c1));
				audit_sanitize(rp, sclean, sizeof(sclean));
				(void)snprintf(both, sizeof(both), "%s (resolves to %s)", c1,
					       sclean);
				audit_sanitize(both, sclean, sizeof(sclean));
				memcpy(sc, rp, strlen(rp) + 1);
			} else {
				audit_sanitize(sc, sclean, sizeof(sclean));
			}
		}
		audit_sanitize(json_is_string(dst) ? json_string_value(dst) : "?", dclean,
			       sizeof(dclean));
		ro = mount_has_opt(m, "ro");
		r = 0;
		/* A bind source is a host path by definition: stat'ing it tells
		 * whether it is some engine's socket not in the list. */
		if (is_engine_socket(c, sc) || (lstat(sc, &st) == 0 && S_ISSOCK(st.st_mode))) {
			found_531 = true;
			r = fail(c, "5.31", WARD_AUDIT_CRITICAL, NULL,
				 "mounts[%zu] binds %s (a container engine socket or the directory "
				 "holding one) at %s",
				 i, sclean, dclean);
			if (r < 0)
				return r;
		}
		/* A bind of / holds both the sockets and /etc: both checks fire. */
		if (ward_str_has_prefix(sc, "/dev/") && str_in(sc, harmless_devices)) {
			continue;
		} else if (ward_str_has_prefix(sc, "/dev/")) {
			r = fail(c, "5.17", ro ? WARD_AUDIT_MEDIUM : WARD_AUDIT_HIGH, NULL,
				 "mounts[%zu] binds the host device %s at %s%s", i, sclean, dclean,
				 ro ? " (read-only)" : " read-write");
		} else {
			bool hit = str_in(sc, sensitive_dirs) || path_under(sc, root_clean);
			for (const char *const *t = sensitive_trees; !hit && *t; t++)
				hit = path_under(sc, *t);
			if (!hit)
				continue;
			found_55 = true;
			r = fail(c, "5.5",
				 strcmp(sc, "/") == 0 && !ro ? WARD_AUDIT_CRITICAL
				 : ro			     ? WARD_AUDIT_MEDIUM
							     : WARD_AUDIT_HIGH,
				 ro ? NULL
				    : "remove the -v mount of the host directory; if the container "
				      "must read it, mount only the files needed with :ro",
				 "mounts[%zu] binds the host's %s at %s %s", i, sclean, dclean,
				 ro ? "read-only" : "read-write");
		}
		if (r < 0)
			return r;
	}
	if (!found_55 && (r = pass(c, "5.5", "no sensitive host directory is bind-mounted")) < 0)
		return r;
	if (!found_531 && (r = pass(c, "5.31", "no container engine socket is mounted")) < 0)
		return r;
	{
		json_t *prop = get_path(c->doc, "linux.rootfsPropagation");
		if (json_is_string(prop) && (strcmp(json_string_value(prop), "shared") == 0 ||
					     strcmp(json_string_value(prop), "rshared") == 0)) {
			found_519 = true;
			if ((r = fail(c, "5.19", WARD_AUDIT_MEDIUM, NULL,
				      "linux.rootfsPropagation is %s", json_string_value(prop))) <
			    0)
				return r;
		}
	}
	if (!found_519 && (r = pass(c, "5.19", "no mount has shared propagation")) < 0)
		return r;
	return 0;
}

/* ---- devices ------------------------------------------------------------------- */

static int
check_devices(struct rt *c)
{
	json_t *devs = get_path(c->doc, "linux.devices"), *d;
	char list[EVIDENCE_MAX] = "";
	size_t i, n = 0;
	bool any55 = false;

	for (size_t k = 0; k < c->r->n; k++)
		any55 |= !c->r->v[k].passed && strcmp(c->r->v[k].check->id, "5.17") == 0 &&
			 strcmp(c->r->v[k].target, c->target) == 0;
	if (devices_allow_all(c->doc))
		return fail(c, "5.17", WARD_AUDIT_HIGH, NULL,
			    "linux.resources.devices allows every device (\"allow\": true with no "
			    "type, major or minor)");
	json_array_foreach(devs, i, d) {
		json_t *p = json_object_get(d, "path");
		if (i >= LIST_MAX)
			break;
		if (json_is_string(p) && !str_in(json_string_value(p), harmless_devices)) {
			list_add(list, sizeof(list), json_string_value(p));
			n++;
		}
	}
	if (n)
		return fail(c, "5.17", WARD_AUDIT_MEDIUM, NULL,
			    "linux.devices creates %zu host device(s) in the container: %s", n,
			    list);
	if (any55)
		return 0;
	return pass(c, "5.17", "no host device is exposed");
}

/* ---- resources, seccomp, flags ------------------------------------------------- */

static bool
positive_int(json_t *doc, const char *path, json_int_t *ret)
{
	json_t *v = get_path(doc, path);

	if (!json_is_integer(v) || json_integer_value(v) <= 0)
		return false;
	if (ret)
		*ret = json_integer_value(v);
	return true;
}

static int
check_resources(struct rt *c)
{
	json_int_t v = 0, period = 0;
	int r;

	if (positive_int(c->doc, "linux.resources.memory.limit", &v))
		r = pass(c, "5.10", "linux.resources.memory.limit is %lld bytes", (long long)v);
	else
		r = fail(c, "5.10", WARD_AUDIT_MEDIUM, NULL,
			 "linux.resources.memory.limit is not set: memory is unlimited");
	if (r < 0)
		return r;
	if (positive_int(c->doc, "linux.resources.cpu.quota", &v)) {
		(void)positive_int(c->doc, "linux.resources.cpu.period", &period);
		r = pass(c, "5.11", "linux.resources.cpu.quota is %lld (period %lld)", (long long)v,
			 (long long)(period ? period : 100000));
	} else if (positive_int(c->doc, "linux.resources.cpu.shares", &v))
		r = pass(c, "5.11", "linux.resources.cpu.shares is %lld", (long long)v);
	else
		r = fail(c, "5.11", WARD_AUDIT_LOW, NULL,
			 "neither linux.resources.cpu.quota nor cpu.shares is set");
	if (r < 0)
		return r;
	if (positive_int(c->doc, "linux.resources.pids.limit", &v))
		r = pass(c, "5.28", "linux.resources.pids.limit is %lld", (long long)v);
	else
		r = fail(c, "5.28", WARD_AUDIT_MEDIUM, NULL,
			 "linux.resources.pids.limit is not set (or not positive): processes are "
			 "unlimited");
	return r;
}

static int
check_seccomp(struct rt *c)
{
	json_t *s = get_path(c->doc, "linux.seccomp"), *calls, *e;
	const char *def;
	size_t i, n_block = 0;

	if (!s)
		return fail(c, "5.21", WARD_AUDIT_HIGH, NULL,
			    "linux.seccomp is absent: no syscall filter (seccomp unconfined)");
	if (!json_is_object(s))
		return fail(c, "5.21", WARD_AUDIT_HIGH, NULL, "linux.seccomp is %s, not an object",
			    ward_json_type_name(s));
	def = json_string_value(json_object_get(s, "defaultAction"));
	calls = json_object_get(s, "syscalls");
	if (def && (strcmp(def, "SCMP_ACT_ALLOW") == 0 || strcmp(def, "SCMP_ACT_LOG") == 0)) {
		json_array_foreach(calls, i, e) {
			const char *act = json_string_value(json_object_get(e, "action"));
			if (i >= LIST_MAX)
				break;
			if (act && strcmp(act, "SCMP_ACT_ALLOW") != 0 &&
			    strcmp(act, "SCMP_ACT_LOG") != 0)
				n_block++;
		}
		if (!n_block)
			return fail(
				c, "5.21", WARD_AUDIT_HIGH, NULL,
				"linux.seccomp.defaultAction is %s and no rule blocks anything: "
				"every syscall is allowed",
				def);
		return fail(c, "5.21", WARD_AUDIT_LOW,
			    "use ward's default profile (an allow list) instead of a deny list",
			    "linux.seccomp.defaultAction is %s with %zu blocking rule(s): a deny "
			    "list misses new syscalls",
			    def, n_block);
	}
	return pass(c, "5.21", "linux.seccomp.defaultAction is %s with %zu rule(s)",
		    def ? def : "(unset)", json_is_array(calls) ? json_array_size(calls) : 0);
}

static int
check_process(struct rt *c)
{
	json_t *p = get_path(c->doc, "process"), *nnp, *uid, *args, *env, *v;
	int r;
	size_t i;

	if (!p)
		return ward_audit_warn(c->r, "%s: config.json has no process", c->target);
	nnp = json_object_get(p, "noNewPrivileges");
	if (json_is_true(nnp))
		r = pass(c, "5.25", "process.noNewPrivileges is true");
	else
		r = fail(c, "5.25", WARD_AUDIT_HIGH, NULL, "process.noNewPrivileges is %s",
			 json_is_false(nnp) ? "false"
			 : nnp		    ? ward_json_type_name(nnp)
					    : "not set (false)");
	if (r < 0)
		return r;
	uid = get_path(c->doc, "process.user.uid");
	if (json_is_integer(uid) && json_integer_value(uid) != 0)
		r = ward_audit_add(c->r, "4.1", c->target, true, WARD_AUDIT_INFO, NULL, 0, NULL,
				   "process.user.uid is %lld", (long long)json_integer_value(uid));
	else
		r = fail(
			c, "4.1", WARD_AUDIT_MEDIUM,
			"run it as an unprivileged user: `ward run --user 1000:1000` (or a USER in "
			"the image)",
			"process.user.uid is %s: the process runs as root",
			uid ? "0" : "not set (0)");
	if (r < 0)
		return r;
	args = json_object_get(p, "args");
	v = json_array_get(args, 0);
	if (json_is_string(v)) {
		const char *a0 = json_string_value(v), *base = strrchr(a0, '/');
		base = base ? base + 1 : a0;
		if (strcmp(base, "sshd") == 0 || strcmp(base, "dropbear") == 0)
			r = fail(c, "5.6", WARD_AUDIT_MEDIUM, NULL, "process.args[0] is %s", base);
		else
			r = pass(c, "5.6", "the process is not an ssh daemon");
		if (r < 0)
			return r;
	}
	{
		const char *aa = json_string_value(json_object_get(p, "apparmorProfile"));
		char en[8] = "";
		_cleanup_close_ int fd =
			open("/sys/module/apparmor/parameters/enabled", O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && read(fd, en, sizeof(en) - 1) < 0)
			en[0] = '\0';
		if (aa && *aa)
			r = pass(c, "5.1", "process.apparmorProfile is set");
		else if (en[0] != 'Y')
			r = pass(c, "5.1", "AppArmor is not enabled on this host: not applicable");
		else
			r = fail(c, "5.1", WARD_AUDIT_INFO, NULL,
				 "process.apparmorProfile is not set on a host with AppArmor");
		if (r < 0)
			return r;
	}
	/* 4.10 at run time: credentials passed in the environment are visible in
	 * /proc/PID/environ, `ward inspect` and ward.db. */
	env = json_object_get(p, "env");
	json_array_foreach(env, i, v) {
		char where[64];
		struct audit_secret_ctx sc = {.r = c->r, .target = c->target, .where = where};
		if (i >= LIST_MAX)
			break;
		if (!json_is_string(v))
			continue;
		(void)snprintf(where, sizeof(where), "process.env[%zu]", i);
		if ((r = ward_secrets_scan_env(json_string_value(v), audit_secret_record, &sc)) < 0)
			return r;
	}
	return 0;
}

static int
check_rootfs(struct rt *c)
{
	json_t *ro = get_path(c->doc, "root.readonly");

	if (json_is_true(ro))
		return pass(c, "5.12", "root.readonly is true");
	return fail(c, "5.12", WARD_AUDIT_MEDIUM, NULL, "root.readonly is %s",
		    json_is_false(ro) ? "false"
		    : ro	      ? ward_json_type_name(ro)
				      : "not set (false)");
}

int
ward_audit_runtime_config(struct ward_audit_report *r, const char *target, const char *buf,
			  size_t len, const struct ward_audit_opts *o, struct ward_error **err)
{
	struct rt c = {.r = r, .target = target, .o = o};
	int rc;

	if (len > WARD_AUDIT_CONFIG_MAX)
		return ward_error_setk(err, WARD_E_DENIED, EFBIG,
				       "%s: config.json is %zu bytes, more than %u", target, len,
				       WARD_AUDIT_CONFIG_MAX);
	if ((rc = ward_json_parse(buf, len, "config.json", &c.doc, err)) < 0)
		return ward_error_wrap(err, "%s", target);
	if (!json_is_object(c.doc)) {
		rc = ward_error_setk(err, WARD_E_INVALID, 0, "%s: config.json is %s, not an object",
				     target, ward_json_type_name(c.doc));
		json_decref(c.doc);
		return rc;
	}
	if ((rc = ward_audit_add_target(r, target)) >= 0 && (rc = check_privileged(&c)) >= 0 &&
	    (rc = check_caps(&c)) >= 0 && (rc = check_namespaces(&c)) >= 0 &&
	    (rc = check_mounts(&c)) >= 0 && (rc = check_devices(&c)) >= 0 &&
	    (rc = check_resources(&c)) >= 0 && (rc = check_seccomp(&c)) >= 0 &&
	    (rc = check_rootfs(&c)) >= 0)
		rc = check_process(&c);
	json_decref(c.doc);
	if (rc < 0)
		return ward_error_set(err, -rc, "%s: audit", target);
	return 0;
}

int
ward_audit_bundle(struct ward_audit_report *r, const char *target, const char *dir,
		  const struct ward_audit_opts *o, struct ward_error **err)
{
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int rc;

	if (dfd < 0)
		return ward_error_setk(err, errno == ENOENT ? WARD_E_NOTFOUND : WARD_E_SYSTEM,
				       errno, "bundle '%s'", dir);
	/* A symlinked config.json could make the audit read (and quote) any
	 * file on the host. */
	fd = openat(dfd, "config.json", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return ward_error_setk(err, errno == ENOENT ? WARD_E_NOTFOUND : WARD_E_SYSTEM,
				       errno, "bundle '%s': config.json", dir);
	if ((rc = ward_fs_read_fd(fd, WARD_AUDIT_CONFIG_MAX, "config.json", &buf, &len, err)) < 0)
		return ward_error_wrap(err, "bundle '%s'", dir);
	return ward_audit_runtime_config(r, target, buf, len, o, err);
}
