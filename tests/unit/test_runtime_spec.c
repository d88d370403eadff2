/* SPDX-License-Identifier: Apache-2.0 */
/* config.json parsing: every hostile or malformed input names its field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sched.h>
#include <cmocka.h>

#include <ward/runtime.h>

#define BASE_PROCESS "\"process\":{\"cwd\":\"/\",\"args\":[\"sh\"],\"user\":{\"uid\":0,\"gid\":0}}"
#define BASE_ROOT "\"root\":{\"path\":\"rootfs\"}"
#define BASE_NS "\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"pid\"}]}"
#define CONFIG(...) "{\"ociVersion\":\"1.0.2\"," __VA_ARGS__ "}"

struct spec_case {
	const char *name;
	const char *json;
	const char *error; /* substring of the message; NULL = must parse */
};

static const struct spec_case cases[] = {
	{"minimal", CONFIG(BASE_ROOT "," BASE_PROCESS "," BASE_NS), NULL},
	{"no process is fine for parsing", CONFIG(BASE_ROOT), NULL},
	{"not an object", "[1,2]", "config.json: expected an object"},
	{"missing ociVersion", "{" BASE_ROOT "}", "ociVersion: required"},
	{"ociVersion 2", "{\"ociVersion\":\"2.0.0\"," BASE_ROOT "}", "ociVersion: '2.0.0'"},
	{"missing root", CONFIG(BASE_PROCESS), "root: required"},
	{"root path wrong type", CONFIG("\"root\":{\"path\":7}"),
	 "root.path: expected a string, got integer"},
	{"args a string", CONFIG(BASE_ROOT ",\"process\":{\"cwd\":\"/\",\"args\":\"sh\"}"),
	 "process.args: expected an array, got string"},
	{"args element not a string", CONFIG(BASE_ROOT ",\"process\":{\"cwd\":\"/\",\"args\":[1]}"),
	 "process.args[0]: expected a string"},
	{"empty args", CONFIG(BASE_ROOT ",\"process\":{\"cwd\":\"/\",\"args\":[]}"),
	 "process.args: required"},
	{"relative cwd", CONFIG(BASE_ROOT ",\"process\":{\"cwd\":\"tmp\",\"args\":[\"sh\"]}"),
	 "process.cwd: 'tmp' must be an absolute path"},
	{"cwd with dotdot", CONFIG(BASE_ROOT ",\"process\":{\"cwd\":\"/a/../..\",\"args\":[\"sh\"]}"),
	 "contains '..'"},
	{"missing cwd", CONFIG(BASE_ROOT ",\"process\":{\"args\":[\"sh\"]}"), "process.cwd: required"},
	{"env without =",
	 CONFIG(BASE_ROOT ",\"process\":{\"cwd\":\"/\",\"args\":[\"sh\"],\"env\":[\"FOO\"]}"),
	 "is not KEY=VALUE"},
	{"namespaces an object", CONFIG(BASE_ROOT ",\"linux\":{\"namespaces\":{}}"),
	 "linux.namespaces: expected an array, got object"},
	{"unknown namespace", CONFIG(BASE_ROOT ",\"linux\":{\"namespaces\":[{\"type\":\"foo\"}]}"),
	 "linux.namespaces[0].type: unknown namespace type 'foo'"},
	{"duplicate namespace",
	 CONFIG(BASE_ROOT ",\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"pid\"}]}"),
	 "listed twice"},
	{"relative namespace path",
	 CONFIG(BASE_ROOT ",\"linux\":{\"namespaces\":[{\"type\":\"net\",\"path\":\"x\"}]}"),
	 "unknown namespace type 'net'"},
	{"namespace path relative",
	 CONFIG(BASE_ROOT ",\"linux\":{\"namespaces\":[{\"type\":\"network\",\"path\":\"x\"}]}"),
	 "linux.namespaces[0].path: 'x' must be absolute"},
	{"mount destination dotdot",
	 CONFIG(BASE_ROOT ",\"mounts\":[{\"destination\":\"/../etc\",\"type\":\"tmpfs\"}]"),
	 "mounts[0]"},
	{"mount destination relative",
	 CONFIG(BASE_ROOT ",\"mounts\":[{\"destination\":\"etc\",\"type\":\"tmpfs\"}]"),
	 "must be an absolute path"},
	{"mount without type", CONFIG(BASE_ROOT ",\"mounts\":[{\"destination\":\"/x\"}]"),
	 "mounts[0].type: required"},
	{"bind without source",
	 CONFIG(BASE_ROOT ",\"mounts\":[{\"destination\":\"/x\",\"options\":[\"rbind\"]}]"),
	 "mounts[0].source: required for a bind mount"},
	{"mount options not strings",
	 CONFIG(BASE_ROOT ",\"mounts\":[{\"destination\":\"/x\",\"type\":\"tmpfs\",\"options\":[1]}]"),
	 "mounts[0].options[0]: expected a string"},
	{"unsupported mount option",
	 CONFIG(BASE_ROOT
		",\"mounts\":[{\"destination\":\"/x\",\"type\":\"tmpfs\",\"options\":[\"tmpcopyup\"]}]"),
	 "option 'tmpcopyup' is not supported"},
	{"uid map without userns",
	 CONFIG(BASE_ROOT ",\"linux\":{\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]}"),
	 "without a user namespace"},
	{"userns without maps", CONFIG(BASE_ROOT ",\"linux\":{\"namespaces\":[{\"type\":\"user\"}]}"),
	 "needs uidMappings"},
	{"idmap overflow",
	 CONFIG(BASE_ROOT ",\"linux\":{\"namespaces\":[{\"type\":\"user\"}],\"uidMappings\":[{\"containerID\":"
			  "4294967295,\"hostID\":0,\"size\":2}]}"),
	 "overflows"},
	{"device bad type",
	 CONFIG(BASE_ROOT ",\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"z\",\"major\":1,\"minor\":1}]}"),
	 "linux.devices[0].type"},
	{"device path dotdot",
	 CONFIG(BASE_ROOT
		",\"linux\":{\"devices\":[{\"path\":\"/dev/../../x\",\"type\":\"c\",\"major\":1,\"minor\":1}]}"),
	 "contains '..'"},
	{"sysctl traversal", CONFIG(BASE_ROOT ",\"linux\":{\"sysctl\":{\"../../etc\":\"1\"}}"),
	 "linux.sysctl: invalid key"},
	{"sysctl value type", CONFIG(BASE_ROOT ",\"linux\":{\"sysctl\":{\"net.ipv4.ip_forward\":1}}"),
	 "linux.sysctl.net.ipv4.ip_forward: expected a string"},
	{"masked path relative", CONFIG(BASE_ROOT ",\"linux\":{\"maskedPaths\":[\"proc/kcore\"]}"),
	 "linux.maskedPaths[0]"},
	{"bad propagation", CONFIG(BASE_ROOT ",\"linux\":{\"rootfsPropagation\":\"weird\"}"),
	 "linux.rootfsPropagation: unknown value 'weird'"},
	{"personality domain", CONFIG(BASE_ROOT ",\"linux\":{\"personality\":{\"domain\":\"BSD\"}}"),
	 "linux.personality.domain: unknown domain"},
	{"hook relative path", CONFIG(BASE_ROOT ",\"hooks\":{\"prestart\":[{\"path\":\"x\"}]}"),
	 "hooks.prestart[0].path: 'x' must be absolute"},
	{"unknown hook kind", CONFIG(BASE_ROOT ",\"hooks\":{\"prerun\":[]}"),
	 "unknown hook kind 'prerun'"},
	{"hook timeout zero",
	 CONFIG(BASE_ROOT ",\"hooks\":{\"poststop\":[{\"path\":\"/bin/true\",\"timeout\":0}]}"),
	 "hooks.poststop[0].timeout"},
	{"hostname without uts", CONFIG(BASE_ROOT ",\"hostname\":\"x\""), "without a uts namespace"},
	{"annotation not a string", CONFIG(BASE_ROOT ",\"annotations\":{\"a\":1}"),
	 "annotations.a: expected a string"},
	{"duplicate keys", "{\"ociVersion\":\"1.0.0\",\"ociVersion\":\"1.0.0\"," BASE_ROOT "}",
	 "duplicate"},
	{"intelRdt unsupported", CONFIG(BASE_ROOT ",\"linux\":{\"intelRdt\":{\"closID\":\"x\"}}"),
	 "linux.intelRdt: not supported"},
	{"timeOffsets need timens",
	 CONFIG(BASE_ROOT ",\"linux\":{\"timeOffsets\":{\"monotonic\":{\"secs\":1}}}"),
	 "needs a time namespace"},
	{"selinux label", CONFIG(BASE_ROOT ",\"process\":{\"cwd\":\"/\",\"args\":[\"sh\"],"
					   "\"selinuxLabel\":\"system_u:x\"}"),
	 "process.selinuxLabel: SELinux is not enabled"},
	{"seccomp wrong type", CONFIG(BASE_ROOT ",\"linux\":{\"seccomp\":[]}"),
	 "linux.seccomp: expected an object"},
	{"resources wrong type", CONFIG(BASE_ROOT ",\"linux\":{\"resources\":{\"memory\":{\"limit\":\"1\"}}}"),
	 "linux.resources.memory.limit"},
};

static void
check_case(const struct spec_case *c)
{
	struct ward_spec *s = NULL;
	struct ward_error *err = NULL;
	int r = ward_spec_parse(c->json, strlen(c->json), &s, &err);

	if (!c->error) {
		if (r < 0)
			fail_msg("%s: unexpected error: %s", c->name, err ? err->msg : "?");
		assert_non_null(s);
		ward_spec_free(s);
		return;
	}
	if (r >= 0) {
		ward_spec_free(s);
		fail_msg("%s: parsed, expected an error containing '%s'", c->name, c->error);
	}
	assert_non_null(err);
	if (!strstr(err->msg, c->error))
		fail_msg("%s: error '%s' lacks '%s'", c->name, err->msg, c->error);
	ward_error_free(err);
}

static void
test_spec_cases_name_the_field(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(&cases[i]);
}

static void
test_spec_parses_mount_options_into_flags(void **state)
{
	const char *json = CONFIG(BASE_ROOT ",\"mounts\":[{\"destination\":\"/dev\",\"type\":\"tmpfs\","
					    "\"source\":\"tmpfs\",\"options\":[\"nosuid\",\"ro\",\"rw\","
					    "\"mode=755\",\"size=64k\",\"rslave\"]},"
					    "{\"destination\":\"/m\",\"type\":\"none\",\"source\":\"/tmp\","
					    "\"options\":[\"rbind\",\"ro\",\"rro\"]}]");
	struct ward_spec *s = NULL;
	struct ward_error *err = NULL;

	(void)state;
	assert_int_equal(ward_spec_parse(json, strlen(json), &s, &err), 0);
	assert_int_equal(s->n_mounts, 2);
	assert_true(s->mounts[0].flags & MS_NOSUID);
	assert_false(s->mounts[0].flags & MS_RDONLY); /* "rw" after "ro" wins */
	assert_string_equal(s->mounts[0].data, "mode=755,size=64k");
	assert_int_equal(s->mounts[0].propagation, MS_SLAVE | MS_REC);
	assert_true(s->mounts[1].bind);
	assert_true(s->mounts[1].recursive);
	assert_true(s->mounts[1].rro);
	ward_spec_free(s);
}

static void
test_spec_records_namespaces_and_paths(void **state)
{
	const char *json = CONFIG(BASE_ROOT ",\"linux\":{\"namespaces\":[{\"type\":\"network\","
					    "\"path\":\"/var/run/netns/x\"},{\"type\":\"mount\"}]}");
	struct ward_spec *s = NULL;
	struct ward_error *err = NULL;

	(void)state;
	assert_int_equal(ward_spec_parse(json, strlen(json), &s, &err), 0);
	assert_true(s->ns[WARD_NS_NETWORK].enabled);
	assert_string_equal(s->ns[WARD_NS_NETWORK].path, "/var/run/netns/x");
	assert_true(s->ns[WARD_NS_MOUNT].enabled);
	assert_null(s->ns[WARD_NS_MOUNT].path);
	assert_false(s->ns[WARD_NS_PID].enabled);
	assert_int_equal(ward_ns_clone_flag(WARD_NS_NETWORK), CLONE_NEWNET);
	ward_spec_free(s);
}

static void
test_spec_rejects_oversized_and_nul(void **state)
{
	struct ward_spec *s = NULL;
	struct ward_error *err = NULL;
	size_t big = WARD_SPEC_MAX_SIZE + 1;
	char *buf = malloc(big);
	const char nul[] = "{\"ociVersion\":\"1.0.0\0\"}";

	(void)state;
	assert_non_null(buf);
	memset(buf, ' ', big);
	assert_true(ward_spec_parse(buf, big, &s, &err) < 0);
	assert_non_null(strstr(err->msg, "larger than"));
	ward_error_free(err);
	err = NULL;
	free(buf);
	assert_true(ward_spec_parse(nul, sizeof(nul) - 1, &s, &err) < 0);
	assert_non_null(strstr(err->msg, "NUL"));
	ward_error_free(err);
}

static void
test_spec_rejects_deep_nesting(void **state)
{
	size_t depth = 10000, len = depth * 2 + 64;
	char *buf = malloc(len);
	struct ward_spec *s = NULL;
	struct ward_error *err = NULL;
	size_t n = 0;

	(void)state;
	assert_non_null(buf);
	n += (size_t)sprintf(buf, "{\"ociVersion\":\"1.0.0\",\"x\":");
	for (size_t i = 0; i < depth; i++)
		buf[n++] = '[';
	for (size_t i = 0; i < depth; i++)
		buf[n++] = ']';
	buf[n++] = '}';
	assert_true(ward_spec_parse(buf, n, &s, &err) < 0);
	assert_non_null(err);
	ward_error_free(err);
	free(buf);
}

static void
test_default_spec_parses(void **state)
{
	json_t *j;
	char *text;
	struct ward_spec *s = NULL;
	struct ward_error *err = NULL;

	(void)state;
	for (int rootless = 0; rootless < 2; rootless++) {
		j = ward_spec_default(rootless);
		assert_non_null(j);
		text = json_dumps(j, 0);
		json_decref(j);
		if (ward_spec_parse(text, strlen(text), &s, &err) < 0)
			fail_msg("default spec (rootless=%d): %s", rootless, err->msg);
		assert_true(s->ns[WARD_NS_MOUNT].enabled);
		assert_int_equal(s->ns[WARD_NS_USER].enabled, rootless);
		ward_spec_free(s);
		free(text);
	}
}

static void
test_container_id_rules(void **state)
{
	static const char *const good[] = {"a", "web-1", "x.y_z+1", "0abc"};
	static const char *const bad[] = {"", "../x", ".hidden", "a/b", "-a", "a b", "a\n"};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(ward_container_check_id(good[i], NULL), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_true(ward_container_check_id(bad[i], NULL) < 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_cases_name_the_field),
		cmocka_unit_test(test_spec_parses_mount_options_into_flags),
		cmocka_unit_test(test_spec_records_namespaces_and_paths),
		cmocka_unit_test(test_spec_rejects_oversized_and_nul),
		cmocka_unit_test(test_spec_rejects_deep_nesting),
		cmocka_unit_test(test_default_spec_parses),
		cmocka_unit_test(test_container_id_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
