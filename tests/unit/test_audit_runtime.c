/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ward audit, CIS section 5 on config.json: a hardened config passes every
 * check; each case below loosens one field and must fail exactly the check
 * it names, with evidence naming the field. Hostile configs (huge, deeply
 * nested, wrong types, thousands of mounts) give errors or findings, never a
 * crash. The JSON and SARIF forms carry what the checks found.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* clang-format off: cmocka needs stdarg, stddef and setjmp first. */
#include <cmocka.h>
/* clang-format on */

#include <ward/audit.h>

static const char hardened_text[] =
	"{\"ociVersion\":\"1.2.0\","
	"\"process\":{\"user\":{\"uid\":1000,\"gid\":1000},\"args\":[\"/bin/sh\"],"
	"\"env\":[\"PATH=/bin\",\"HOME=/home/ward\"],\"noNewPrivileges\":true,"
	"\"capabilities\":{\"bounding\":[\"CAP_KILL\"],\"effective\":[\"CAP_KILL\"],"
	"\"permitted\":[\"CAP_KILL\"]}},"
	"\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
	"\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
	"{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"/srv/data\","
	"\"options\":[\"rbind\",\"ro\"]}],"
	"\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\"},{\"type\":\"ipc\"},"
	"{\"type\":\"uts\"},{\"type\":\"mount\"},{\"type\":\"user\"}],"
	"\"uidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}],"
	"\"resources\":{\"memory\":{\"limit\":67108864},\"cpu\":{\"quota\":50000,\"period\":100000}"
	","
	"\"pids\":{\"limit\":64},\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]},"
	"\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],"
	"\"action\":\"SCMP_ACT_ALLOW\"}]},"
	"\"maskedPaths\":[\"/proc/kcore\"]}}";

static json_t *
hardened(void)
{
	json_error_t e;
	json_t *j = json_loads(hardened_text, 0, &e);

	if (!j)
		fail_msg("hardened config: %s", e.text);
	return j;
}

/* Set (or, with v NULL, delete) a dotted path, creating objects on the way. */
static void
set_path(json_t *j, const char *path, json_t *v)
{
	char buf[256], *save = NULL, *tok, *next;

	snprintf(buf, sizeof(buf), "%s", path);
	tok = strtok_r(buf, ".", &save);
	while (tok) {
		next = strtok_r(NULL, ".", &save);
		if (!next) {
			if (v)
				json_object_set_new(j, tok, v);
			else
				json_object_del(j, tok);
			return;
		}
		if (!json_is_object(json_object_get(j, tok)))
			json_object_set_new(j, tok, json_object());
		j = json_object_get(j, tok);
		tok = next;
	}
}

static struct ward_audit_report *
audit_json(json_t *doc, const struct ward_audit_opts *o)
{
	struct ward_audit_report *r = NULL;
	struct ward_error *err = NULL;
	char *text = json_dumps(doc, 0);
	int rc;

	assert_non_null(text);
	assert_int_equal(ward_audit_report_new(&r, &err), 0);
	rc = ward_audit_runtime_config(r, "bundle t", text, strlen(text), o, &err);
	if (rc < 0)
		fail_msg("audit: %s", err ? err->msg : "?");
	free(text);
	json_decref(doc);
	return r;
}

static const struct ward_audit_finding *
find(const struct ward_audit_report *r, const char *id, bool passed)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i].check->id, id) == 0 && r->v[i].passed == passed)
			return &r->v[i];
	return NULL;
}

static void
check_fails(const struct ward_audit_report *r, const char *id, enum ward_audit_severity sev,
	    const char *evidence)
{
	const struct ward_audit_finding *f = find(r, id, false);

	if (!f)
		fail_msg("check %s did not fail", id);
	if (f->severity != sev)
		fail_msg("check %s: severity %s, want %s (%s)", id,
			 ward_audit_severity_name(f->severity), ward_audit_severity_name(sev),
			 f->evidence);
	if (evidence && !strstr(f->evidence, evidence))
		fail_msg("check %s: evidence '%s' lacks '%s'", id, f->evidence, evidence);
	assert_non_null(f->remediation);
	assert_true(strlen(f->remediation) > 10);
}

static void
test_hardened_config_passes_every_check(void **state)
{
	(void)state;
	struct ward_audit_report *r = audit_json(hardened(), NULL);
	static const char *const ids[] = {"5.3",  "5.4",  "5.5",  "5.9",  "5.10", "5.11", "5.12",
					  "5.15", "5.16", "5.17", "5.19", "5.20", "5.21", "5.25",
					  "5.28", "5.30", "5.31", "4.1",  "5.6"};

	for (size_t i = 0; i < r->n; i++)
		if (!r->v[i].passed && r->v[i].severity > WARD_AUDIT_INFO)
			fail_msg("hardened config failed %s: %s", r->v[i].check->id,
				 r->v[i].evidence);
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if (!find(r, ids[i], true))
			fail_msg("check %s has no pass entry", ids[i]);
	assert_int_equal(ward_audit_count_failed(r, WARD_AUDIT_LOW), 0);
	ward_audit_report_free(r);
}

/* ---- one loosened field per case ---------------------------------------- */

struct loosen {
	const char *name;
	const char *path; /* dotted path set to json (NULL json: deleted) */
	const char *json;
	const char *id;
	enum ward_audit_severity sev;
	const char *evidence;
};

static const struct loosen cases[] = {
	{"cap SYS_ADMIN", "process.capabilities.bounding", "[\"CAP_KILL\",\"CAP_SYS_ADMIN\"]",
	 "5.3", WARD_AUDIT_HIGH, "process.capabilities.bounding contains CAP_SYS_ADMIN"},
	{"cap NET_BROADCAST", "process.capabilities.effective", "[\"CAP_NET_BROADCAST\"]", "5.3",
	 WARD_AUDIT_MEDIUM, "CAP_NET_BROADCAST"},
	{"no netns", "linux.namespaces",
	 "[{\"type\":\"pid\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},{\"type\":\"user\"}]", "5.9",
	 WARD_AUDIT_HIGH, "no \"network\" entry"},
	{"host pidns", "linux.namespaces",
	 "[{\"type\":\"pid\",\"path\":\"/proc/1/ns/pid\"},{\"type\":\"network\"},"
	 "{\"type\":\"ipc\"},{\"type\":\"uts\"},{\"type\":\"user\"}]",
	 "5.15", WARD_AUDIT_HIGH, "joins /proc/1/ns/pid"},
	{"no ipcns", "linux.namespaces",
	 "[{\"type\":\"pid\"},{\"type\":\"network\"},{\"type\":\"uts\"},{\"type\":\"user\"}]",
	 "5.16", WARD_AUDIT_HIGH, "\"ipc\""},
	{"no utsns", "linux.namespaces",
	 "[{\"type\":\"pid\"},{\"type\":\"network\"},{\"type\":\"ipc\"},{\"type\":\"user\"}]",
	 "5.20", WARD_AUDIT_MEDIUM, "\"uts\""},
	{"no userns", "linux.namespaces",
	 "[{\"type\":\"pid\"},{\"type\":\"network\"},{\"type\":\"ipc\"},{\"type\":\"uts\"}]",
	 "5.30", WARD_AUDIT_MEDIUM, "\"user\""},
	{"root maps to root", "linux.uidMappings",
	 "[{\"containerID\":0,\"hostID\":0,\"size\":65536}]", "5.30", WARD_AUDIT_HIGH,
	 "container uid 0 to host uid 0"},
	{"bind /etc rw", "mounts",
	 "[{\"destination\":\"/host-etc\",\"type\":\"bind\",\"source\":\"/etc\","
	 "\"options\":[\"rbind\",\"rw\"]}]",
	 "5.5", WARD_AUDIT_HIGH, "binds the host's /etc at /host-etc read-write"},
	{"bind //etc/../etc/ssl/ ro", "mounts",
	 "[{\"destination\":\"/ssl\",\"source\":\"//etc/../etc/ssl/\",\"options\":[\"bind\","
	 "\"ro\"]}]",
	 "5.5", WARD_AUDIT_MEDIUM, "/etc/ssl"},
	{"bind / rw", "mounts",
	 "[{\"destination\":\"/host\",\"type\":\"bind\",\"source\":\"/\",\"options\":[\"rbind\"]}]",
	 "5.5", WARD_AUDIT_CRITICAL, "the host's / at /host"},
	{"bind the store", "mounts",
	 "[{\"destination\":\"/x\",\"type\":\"bind\",\"source\":\"/var/lib/ward/layers\"}]", "5.5",
	 WARD_AUDIT_HIGH, "/var/lib/ward/layers"},
	{"docker.sock", "mounts",
	 "[{\"destination\":\"/var/run/docker.sock\",\"type\":\"bind\","
	 "\"source\":\"/var/run/docker.sock\"}]",
	 "5.31", WARD_AUDIT_CRITICAL, "/var/run/docker.sock"},
	{"containerd.sock", "mounts",
	 "[{\"destination\":\"/c.sock\",\"type\":\"bind\","
	 "\"source\":\"/run/containerd/containerd.sock\"}]",
	 "5.31", WARD_AUDIT_CRITICAL, "/run/containerd/containerd.sock"},
	{"podman.sock", "mounts",
	 "[{\"destination\":\"/p\",\"type\":\"bind\",\"source\":\"/run/podman/podman.sock\"}]",
	 "5.31", WARD_AUDIT_CRITICAL, "podman.sock"},
	{"ward's run root", "mounts",
	 "[{\"destination\":\"/w\",\"type\":\"bind\",\"source\":\"/run/ward\"}]", "5.31",
	 WARD_AUDIT_CRITICAL, "/run/ward"},
	{"all of /run", "mounts",
	 "[{\"destination\":\"/r\",\"type\":\"bind\",\"source\":\"/run/\"}]", "5.31",
	 WARD_AUDIT_CRITICAL, "binds /run "},
	{"bind /dev/sda", "mounts",
	 "[{\"destination\":\"/dev/sda\",\"type\":\"bind\",\"source\":\"/dev/sda\"}]", "5.17",
	 WARD_AUDIT_HIGH, "host device /dev/sda"},
	{"rshared", "mounts",
	 "[{\"destination\":\"/m\",\"type\":\"bind\",\"source\":\"/srv/m\",\"options\":"
	 "[\"rbind\",\"rshared\"]}]",
	 "5.19", WARD_AUDIT_MEDIUM, "shared propagation"},
	{"rootfsPropagation", "linux.rootfsPropagation", "\"shared\"", "5.19", WARD_AUDIT_MEDIUM,
	 "linux.rootfsPropagation is shared"},
	{"devices allow all", "linux.resources.devices", "[{\"allow\":true,\"access\":\"rwm\"}]",
	 "5.17", WARD_AUDIT_HIGH, "allows every device"},
	{"linux.devices", "linux.devices",
	 "[{\"path\":\"/dev/kmsg\",\"type\":\"c\",\"major\":1,\"minor\":11}]", "5.17",
	 WARD_AUDIT_MEDIUM, "/dev/kmsg"},
	{"no memory limit", "linux.resources.memory", NULL, "5.10", WARD_AUDIT_MEDIUM,
	 "linux.resources.memory.limit is not set"},
	{"memory limit of the wrong type", "linux.resources.memory.limit", "\"64m\"", "5.10",
	 WARD_AUDIT_MEDIUM, "memory.limit"},
	{"no cpu", "linux.resources.cpu", NULL, "5.11", WARD_AUDIT_LOW, "cpu.quota"},
	{"pids unlimited", "linux.resources.pids.limit", "-1", "5.28", WARD_AUDIT_MEDIUM,
	 "pids.limit"},
	{"seccomp unconfined", "linux.seccomp", NULL, "5.21", WARD_AUDIT_HIGH,
	 "linux.seccomp is absent"},
	{"seccomp allow all", "linux.seccomp", "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}", "5.21",
	 WARD_AUDIT_HIGH, "every syscall is allowed"},
	{"seccomp deny list", "linux.seccomp",
	 "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mount\"],"
	 "\"action\":\"SCMP_ACT_ERRNO\"}]}",
	 "5.21", WARD_AUDIT_LOW, "deny list"},
	{"nnp off", "process.noNewPrivileges", "false", "5.25", WARD_AUDIT_HIGH,
	 "process.noNewPrivileges is false"},
	{"nnp unset", "process.noNewPrivileges", NULL, "5.25", WARD_AUDIT_HIGH, "not set"},
	{"writable rootfs", "root.readonly", "false", "5.12", WARD_AUDIT_MEDIUM,
	 "root.readonly is false"},
	{"root user", "process.user.uid", "0", "4.1", WARD_AUDIT_MEDIUM, "process.user.uid is 0"},
	{"sshd", "process.args", "[\"/usr/sbin/sshd\",\"-D\"]", "5.6", WARD_AUDIT_MEDIUM, "sshd"},
	{"password in env", "process.env", "[\"DB_PASSWORD=hunter2-but-longer\"]", "4.10",
	 WARD_AUDIT_HIGH, "password-variable hunt"},
};

static void
test_each_loosened_field_fails_its_check(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct loosen *c = &cases[i];
		json_t *doc = hardened(), *v = NULL;
		json_error_t e;
		struct ward_audit_report *r;

		if (c->json && !(v = json_loads(c->json, JSON_DECODE_ANY, &e)))
			fail_msg("case %s: %s", c->name, e.text);
		set_path(doc, c->path, v);
		r = audit_json(doc, NULL);
		print_message("# case %s\n", c->name);
		check_fails(r, c->id, c->sev, c->evidence);
		/* The loosened field fails its check only: no pass entry for it. */
		if (find(r, c->id, true) && strcmp(c->id, "5.19") != 0)
			fail_msg("case %s: %s both passed and failed", c->name, c->id);
		ward_audit_report_free(r);
	}
}

static void
test_privileged_is_critical_and_names_the_evidence(void **state)
{
	(void)state;
	json_t *doc = hardened();
	struct ward_audit_report *r;

	set_path(doc, "process.capabilities.bounding",
		 json_pack("[s,s,s]", "CAP_SYS_ADMIN", "CAP_SYS_MODULE", "CAP_SYS_RAWIO"));
	set_path(doc, "linux.seccomp", NULL);
	set_path(doc, "linux.maskedPaths", json_array());
	set_path(doc, "linux.resources.devices",
		 json_pack("[{s:b,s:s}]", "allow", 1, "access", "rwm"));
	r = audit_json(doc, NULL);
	check_fails(r, "5.4", WARD_AUDIT_CRITICAL,
		    "process.capabilities.bounding contains CAP_SYS_ADMIN");
	check_fails(r, "5.4", WARD_AUDIT_CRITICAL, "linux.seccomp is absent");
	check_fails(r, "5.3", WARD_AUDIT_HIGH, "also dangerous: CAP_SYS_MODULE, CAP_SYS_RAWIO");
	check_fails(r, "5.17", WARD_AUDIT_HIGH, "allows every device");
	check_fails(r, "5.21", WARD_AUDIT_HIGH, NULL);
	assert_true(ward_audit_count_failed(r, WARD_AUDIT_CRITICAL) >= 1);
	ward_audit_report_free(r);
}

static void
test_engine_root_option_marks_a_custom_store_sensitive(void **state)
{
	(void)state;
	json_t *doc = hardened();
	struct ward_audit_opts o = {.engine_root = "/srv/ward-store", .run_root = "/srv/ward-run"};
	struct ward_audit_report *r;

	set_path(doc, "mounts",
		 json_pack("[{s:s,s:s,s:s},{s:s,s:s,s:s}]", "destination", "/a", "type", "bind",
			   "source", "/srv/ward-store/containers", "destination", "/b", "type",
			   "bind", "source", "/srv/ward-run/abc"));
	r = audit_json(doc, &o);
	check_fails(r, "5.5", WARD_AUDIT_HIGH, "/srv/ward-store/containers");
	check_fails(r, "5.31", WARD_AUDIT_CRITICAL, "/srv/ward-run/abc");
	ward_audit_report_free(r);
	/* The same bind with the default roots is an ordinary directory. */
	doc = hardened();
	set_path(doc, "mounts",
		 json_pack("[{s:s,s:s,s:s}]", "destination", "/a", "type", "bind", "source",
			   "/srv/ward-store/containers"));
	r = audit_json(doc, NULL);
	assert_non_null(find(r, "5.5", true));
	ward_audit_report_free(r);
}

static void
test_bind_source_through_a_symlink_is_judged_by_its_target(void **state)
{
	(void)state;
	char dir[] = "/tmp/ward-audit-link-XXXXXX", link[64];
	json_t *doc = hardened();
	struct ward_audit_report *r;

	assert_non_null(mkdtemp(dir));
	snprintf(link, sizeof(link), "%s/innocent", dir);
	assert_int_equal(symlink("/etc", link), 0);
	set_path(doc, "mounts",
		 json_pack("[{s:s,s:s,s:s}]", "destination", "/x", "type", "bind", "source", link));
	r = audit_json(doc, NULL);
	check_fails(r, "5.5", WARD_AUDIT_HIGH, "(resolves to /etc)");
	check_fails(r, "5.5", WARD_AUDIT_HIGH, "innocent");
	ward_audit_report_free(r);
	assert_int_equal(unlink(link), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* ---- hostile configs ------------------------------------------------------ */

static int
audit_text(const char *text, size_t len, struct ward_audit_report **ret, struct ward_error **err)
{
	assert_int_equal(ward_audit_report_new(ret, err), 0);
	return ward_audit_runtime_config(*ret, "bundle hostile", text, len, NULL, err);
}

static void
test_hostile_config_sizes_depth_and_types(void **state)
{
	(void)state;
	struct ward_audit_report *r = NULL;
	struct ward_error *err = NULL;
	size_t big = WARD_AUDIT_CONFIG_MAX + 1, depth = 5000;
	char *text = malloc(big + 1), *deep = malloc(depth * 2 + 1);

	assert_non_null(text);
	assert_non_null(deep);
	/* Past the size bound: refused before parsing. */
	memset(text, ' ', big);
	text[0] = '{';
	text[big - 1] = '}';
	text[big] = '\0';
	assert_true(audit_text(text, big, &r, &err) < 0);
	assert_int_equal(err->kind, WARD_E_DENIED);
	assert_non_null(strstr(err->msg, "more than"));
	ward_error_free(err);
	err = NULL;
	ward_audit_report_free(r);
	/* 5000 levels of nesting: a clear error, no stack overflow. */
	for (size_t i = 0; i < depth; i++) {
		deep[i] = '[';
		deep[depth + i] = ']';
	}
	deep[2 * depth] = '\0';
	assert_true(audit_text(deep, 2 * depth, &r, &err) < 0);
	assert_non_null(err);
	ward_error_free(err);
	err = NULL;
	ward_audit_report_free(r);
	/* Not an object. */
	assert_true(audit_text("[1,2]", 5, &r, &err) < 0);
	assert_int_equal(err->kind, WARD_E_INVALID);
	ward_error_free(err);
	err = NULL;
	ward_audit_report_free(r);
	/* Every field the wrong type: findings, not errors, not crashes. */
	static const char odd[] = "{\"process\":5,\"root\":\"x\",\"mounts\":{\"a\":1},"
				  "\"linux\":{\"namespaces\":\"pid\",\"resources\":[],"
				  "\"seccomp\":7,\"devices\":{},\"uidMappings\":3}}";
	assert_int_equal(audit_text(odd, strlen(odd), &r, &err), 0);
	check_fails(r, "5.9", WARD_AUDIT_HIGH, "not an array");
	check_fails(r, "5.21", WARD_AUDIT_HIGH, "not an object");
	check_fails(r, "5.10", WARD_AUDIT_MEDIUM, NULL);
	check_fails(r, "5.12", WARD_AUDIT_MEDIUM, NULL);
	ward_audit_report_free(r);
	/* Embedded NUL in a string: refused by the parser. */
	static const char nul[] = "{\"root\":{\"path\":\"a\\u0000b\"}}";
	assert_true(audit_text(nul, strlen(nul), &r, &err) < 0);
	ward_error_free(err);
	ward_audit_report_free(r);
	free(text);
	free(deep);
}

static void
test_thousands_of_mounts_and_caps_are_bounded(void **state)
{
	(void)state;
	json_t *doc = hardened(), *mounts = json_array(), *caps = json_array();
	struct ward_audit_report *r;
	bool warned = false;

	for (int i = 0; i < 5000; i++) {
		char src[32];
		snprintf(src, sizeof(src), "/srv/m%d", i);
		json_array_append_new(mounts,
				      json_pack("{s:s,s:s,s:s}", "destination", src, "type", "bind",
						"source", i == 4999 ? "/etc" : src));
	}
	for (int i = 0; i < 10000; i++)
		json_array_append_new(caps, json_string(i % 2 ? "CAP_SYS_ADMIN" : "CAP_KILL"));
	set_path(doc, "mounts", mounts);
	set_path(doc, "process.capabilities.bounding", caps);
	r = audit_json(doc, NULL);
	for (size_t i = 0; i < r->n_warnings; i++)
		warned |= strstr(r->warnings[i], "more than 4096 mounts") != NULL;
	assert_true(warned);
	/* Mount 4999 (/etc) lies past the bound: not read, so not reported. */
	assert_non_null(find(r, "5.5", true));
	check_fails(r, "5.3", WARD_AUDIT_HIGH, "CAP_SYS_ADMIN");
	ward_audit_report_free(r);
}

/* ---- output ----------------------------------------------------------------- */

static void
test_json_and_sarif_shapes(void **state)
{
	(void)state;
	json_t *doc = hardened(), *j, *runs, *rules, *results, *rule = NULL, *v;
	struct ward_audit_report *r;
	size_t i;
	bool rule_54 = false, result_54 = false;

	set_path(doc, "linux.seccomp", NULL);
	set_path(doc, "process.capabilities.bounding", json_pack("[s]", "CAP_SYS_ADMIN"));
	set_path(doc, "linux.maskedPaths", NULL);
	r = audit_json(doc, NULL);
	/* JSON: failures only unless all. */
	j = ward_audit_report_json(r, false);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "benchmark")),
			    "CIS Docker Benchmark v1.6.0");
	json_array_foreach(json_object_get(j, "findings"), i, v)
		assert_string_equal(json_string_value(json_object_get(v, "status")), "fail");
	assert_int_equal(
		json_integer_value(json_object_get(
			json_object_get(json_object_get(j, "summary"), "failed"), "critical")),
		1);
	assert_true(json_integer_value(json_object_get(json_object_get(j, "summary"), "passed")) >
		    5);
	json_decref(j);
	j = ward_audit_report_json(r, true);
	assert_int_equal(json_array_size(json_object_get(j, "findings")), r->n);
	json_decref(j);
	/* SARIF: a rule per check that ran, help = remediation, results by level. */
	j = ward_audit_report_sarif(r);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "version")), "2.1.0");
	runs = json_object_get(j, "runs");
	assert_int_equal(json_array_size(runs), 1);
	rules = json_object_get(
		json_object_get(json_object_get(json_array_get(runs, 0), "tool"), "driver"),
		"rules");
	results = json_object_get(json_array_get(runs, 0), "results");
	json_array_foreach(rules, i, v)
		if (strcmp(json_string_value(json_object_get(v, "id")), "5.4") == 0) {
			rule = v;
			rule_54 = true;
		}
	assert_true(rule_54);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(rule, "help"), "text")),
		ward_audit_check_find("5.4")->remediation);
	json_array_foreach(results, i, v) {
		size_t idx = (size_t)json_integer_value(json_object_get(v, "ruleIndex"));
		const char *id = json_string_value(json_object_get(v, "ruleId"));
		/* ruleIndex points at the rule of the same id. */
		assert_string_equal(
			json_string_value(json_object_get(json_array_get(rules, idx), "id")), id);
		if (strcmp(id, "5.4") == 0) {
			result_54 = true;
			assert_string_equal(json_string_value(json_object_get(v, "level")),
					    "error");
		}
	}
	assert_true(result_54);
	assert_int_equal(json_array_size(results), ward_audit_count_failed(r, WARD_AUDIT_INFO));
	json_decref(j);
	ward_audit_report_free(r);
}

static void
test_severity_names_round_trip(void **state)
{
	(void)state;
	enum ward_audit_severity s;
	struct ward_error *err = NULL;

	for (int i = WARD_AUDIT_INFO; i <= WARD_AUDIT_CRITICAL; i++) {
		assert_int_equal(
			ward_audit_severity_parse(
				ward_audit_severity_name((enum ward_audit_severity)i), &s, NULL),
			0);
		assert_int_equal((int)s, i);
	}
	assert_int_equal(ward_audit_severity_parse("HIGH", &s, NULL), 0);
	assert_int_equal(s, WARD_AUDIT_HIGH);
	assert_true(ward_audit_severity_parse("severe", &s, &err) < 0);
	assert_non_null(strstr(err->msg, "severe"));
	ward_error_free(err);
	/* Every catalogue entry is complete. */
	size_t n;
	const struct ward_audit_check *c = ward_audit_checks(&n);
	assert_true(n >= 30);
	for (size_t i = 0; i < n; i++) {
		assert_non_null(c[i].id);
		assert_non_null(c[i].title);
		assert_non_null(c[i].remediation);
		assert_non_null(c[i].rationale);
		assert_ptr_equal(ward_audit_check_find(c[i].id), &c[i]);
	}
	assert_null(ward_audit_check_find("9.99"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hardened_config_passes_every_check),
		cmocka_unit_test(test_each_loosened_field_fails_its_check),
		cmocka_unit_test(test_privileged_is_critical_and_names_the_evidence),
		cmocka_unit_test(test_engine_root_option_marks_a_custom_store_sensitive),
		cmocka_unit_test(test_bind_source_through_a_symlink_is_judged_by_its_target),
		cmocka_unit_test(test_hostile_config_sizes_depth_and_types),
		cmocka_unit_test(test_thousands_of_mounts_and_caps_are_bounded),
		cmocka_unit_test(test_json_and_sarif_shapes),
		cmocka_unit_test(test_severity_names_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
