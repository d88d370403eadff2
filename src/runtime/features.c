/* SPDX-License-Identifier: Apache-2.0 */
/* `features` (the OCI features document) and `spec` (a default config). */
#include <errno.h>
#include <stdio.h>

#include "internal.h"

static json_t *
strings(const char *const *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

json_t *
ward_runtime_features(void)
{
	static const char *const hooks[] = {"prestart",       "createRuntime", "createContainer",
					    "startContainer", "poststart",     "poststop"};
	static const char *const mount_options[] = {
		"async",      "atime",      "bind",       "defaults",    "dev",
		"diratime",   "dirsync",    "exec",       "iversion",    "lazytime",
		"loud",       "mand",       "noatime",    "nodev",       "nodiratime",
		"noexec",     "noiversion", "nolazytime", "nomand",      "norelatime",
		"nostrictatime", "nosuid",  "nosymfollow", "private",    "rbind",
		"relatime",   "remount",    "ro",         "rprivate",    "rro",
		"rshared",    "rslave",     "runbindable", "rw",         "shared",
		"silent",     "slave",      "strictatime", "suid",       "sync",
		"unbindable"};
	json_t *f, *lnx, *ns = json_array();

	for (int t = 0; t < WARD_NS_COUNT; t++)
		json_array_append_new(ns, json_string(ward_ns_name(t)));
	lnx = json_pack("{s:o, s:o, s:o, s:o, s:{s:b}, s:{s:b}, s:{s:b}, s:{s:{s:b}}}",
			"namespaces", ns, "capabilities", ward_procattr_known_caps(), "cgroup",
			ward_cgroup_features(), "seccomp", ward_seccomp_features(), "apparmor",
			"enabled", 0, "selinux", "enabled", 0, "intelRdt", "enabled", 0,
			"mountExtensions", "idmap", "enabled", 0);
	f = json_pack("{s:s, s:s, s:o, s:o, s:o, s:{s:s}}", "ociVersionMin", "1.0.0",
		      "ociVersionMax", WARD_OCI_VERSION, "hooks",
		      strings(hooks, WARD_ARRAY_SIZE(hooks)), "mountOptions",
		      strings(mount_options, WARD_ARRAY_SIZE(mount_options)), "linux", lnx,
		      "annotations", "run.ward.version", "0.1.0");
	return f;
}

/* The same defaults `runc spec` writes. */
static const char default_spec[] =
	"{\"ociVersion\":\"" WARD_OCI_VERSION "\","
	"\"process\":{\"terminal\":true,\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],"
	"\"env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\","
	"\"TERM=xterm\"],\"cwd\":\"/\","
	"\"capabilities\":{\"bounding\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
	"\"effective\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
	"\"permitted\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
	"\"ambient\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"]},"
	"\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,\"soft\":1024}],"
	"\"noNewPrivileges\":true},"
	"\"root\":{\"path\":\"rootfs\",\"readonly\":true},\"hostname\":\"ward\","
	"\"mounts\":["
	"{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
	"{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
	"\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
	"{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\","
	"\"options\":[\"nosuid\",\"noexec\",\"newinstance\",\"ptmxmode=0666\",\"mode=0620\",\"gid=5\"]},"
	"{\"destination\":\"/dev/shm\",\"type\":\"tmpfs\",\"source\":\"shm\","
	"\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"mode=1777\",\"size=65536k\"]},"
	"{\"destination\":\"/dev/mqueue\",\"type\":\"mqueue\",\"source\":\"mqueue\","
	"\"options\":[\"nosuid\",\"noexec\",\"nodev\"]},"
	"{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\","
	"\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"ro\"]},"
	"{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\",\"source\":\"cgroup\","
	"\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"relatime\",\"ro\"]}],"
	"\"linux\":{\"resources\":{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]},"
	"\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\"},{\"type\":\"ipc\"},"
	"{\"type\":\"uts\"},{\"type\":\"mount\"},{\"type\":\"cgroup\"}],"
	"\"maskedPaths\":[\"/proc/acpi\",\"/proc/asound\",\"/proc/kcore\",\"/proc/keys\","
	"\"/proc/latency_stats\",\"/proc/timer_list\",\"/proc/timer_stats\",\"/proc/sched_debug\","
	"\"/sys/firmware\",\"/proc/scsi\",\"/sys/devices/virtual/powercap\"],"
	"\"readonlyPaths\":[\"/proc/bus\",\"/proc/fs\",\"/proc/irq\",\"/proc/sys\","
	"\"/proc/sysrq-trigger\"]}}";

static void
make_rootless(json_t *spec)
{
	json_t *lnx = json_object_get(spec, "linux");
	json_t *ns = json_object_get(lnx, "namespaces");
	json_t *mounts = json_object_get(spec, "mounts");
	size_t i;
	json_t *v;
	uid_t uid = getuid();
	gid_t gid = getgid();

	/* No network namespace (no way to set it up unprivileged), a user
	 * namespace mapping the caller to root, /sys bound from the host, and
	 * no cgroup resources (rootless has no cgroup delegation by default). */
	for (i = json_array_size(ns); i-- > 0;) {
		const char *t = json_string_value(json_object_get(json_array_get(ns, i), "type"));
		if (t && (strcmp(t, "network") == 0 || strcmp(t, "cgroup") == 0))
			json_array_remove(ns, i);
	}
	json_array_append_new(ns, json_pack("{s:s}", "type", "user"));
	json_object_set_new(lnx, "uidMappings",
			    json_pack("[{s:i, s:i, s:i}]", "containerID", 0, "hostID", (int)uid,
				      "size", 1));
	json_object_set_new(lnx, "gidMappings",
			    json_pack("[{s:i, s:i, s:i}]", "containerID", 0, "hostID", (int)gid,
				      "size", 1));
	json_object_del(lnx, "resources");
	json_array_foreach(mounts, i, v)
	{
		const char *d = json_string_value(json_object_get(v, "destination"));
		if (d && strcmp(d, "/sys") == 0) {
			json_array_set_new(mounts, i,
					   json_pack("{s:s, s:s, s:s, s:[s,s,s,s,s]}", "destination",
						     "/sys", "type", "none", "source", "/sys",
						     "options", "rbind", "nosuid", "noexec",
						     "nodev", "ro"));
		}
	}
	for (i = json_array_size(mounts); i-- > 0;) {
		const char *d =
			json_string_value(json_object_get(json_array_get(mounts, i), "destination"));
		if (d && strcmp(d, "/sys/fs/cgroup") == 0)
			json_array_remove(mounts, i);
	}
	/* devpts' gid=5 does not exist in a one-id mapping. */
	json_array_foreach(mounts, i, v)
	{
		json_t *opts = json_object_get(v, "options");
		for (size_t k = json_array_size(opts); k-- > 0;)
			if (strcmp(json_string_value(json_array_get(opts, k)), "gid=5") == 0)
				json_array_remove(opts, k);
	}
}

json_t *
ward_spec_default(bool rootless)
{
	json_t *spec = json_loads(default_spec, 0, NULL);

	if (spec && rootless)
		make_rootless(spec);
	return spec;
}
