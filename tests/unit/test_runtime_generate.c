/* SPDX-License-Identifier: Apache-2.0 */
/* config.json generation for `ward run`: defaults are hardened, flags
 * loosen them only as asked, and the result is a valid spec. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <ward/runtime.h>

static char *img_entry[] = {"/docker-entrypoint.sh", NULL};
static char *img_cmd[] = {"nginx", "-g", "daemon off;", NULL};
static char *img_env[] = {"NGINX_VERSION=1.25", "PATH=/opt/bin:/usr/bin", NULL};

static const struct ward_image_run_config image = {
	.env = img_env, .entrypoint = img_entry, .cmd = img_cmd, .workdir = "/srv", .user = NULL};

static json_t *
generate(const struct ward_image_run_config *img, const struct ward_run_opts *o)
{
	struct ward_error *err = NULL;
	json_t *j = NULL;

	if (ward_spec_generate(img, o, "/tmp/rootfs", -1, &j, &err) < 0)
		fail_msg("generate: %s", err->msg);
	return j;
}

/* The generated document must itself pass ward's config.json parser. */
static void
assert_valid_spec(json_t *j)
{
	char *text = json_dumps(j, 0);
	struct ward_spec *s = NULL;
	struct ward_error *err = NULL;

	if (ward_spec_parse(text, strlen(text), &s, &err) < 0)
		fail_msg("generated spec does not parse: %s", err->msg);
	ward_spec_free(s);
	free(text);
}

static const char *
arg(json_t *j, size_t i)
{
	return json_string_value(json_array_get(json_object_get(json_object_get(j, "process"), "args"), i));
}

static size_t
nargs(json_t *j)
{
	return json_array_size(json_object_get(json_object_get(j, "process"), "args"));
}

static void
test_defaults_are_hardened(void **state)
{
	struct ward_run_opts o = {0};
	json_t *j = generate(&image, &o), *proc = json_object_get(j, "process");
	json_t *lnx = json_object_get(j, "linux");
	json_t *caps = json_object_get(json_object_get(proc, "capabilities"), "effective");
	bool has_netns = false;
	size_t i;
	json_t *v;

	(void)state;
	assert_valid_spec(j);
	assert_true(json_is_true(json_object_get(proc, "noNewPrivileges")));
	assert_int_equal(json_array_size(caps), 14);
	json_array_foreach(caps, i, v) assert_string_not_equal(json_string_value(v), "CAP_SYS_ADMIN");
	assert_true(json_array_size(json_object_get(lnx, "maskedPaths")) > 5);
	assert_true(json_array_size(json_object_get(lnx, "readonlyPaths")) > 3);
	assert_int_equal(json_integer_value(json_object_get(
				 json_object_get(json_object_get(lnx, "resources"), "pids"), "limit")),
			 2048);
	json_array_foreach(json_object_get(lnx, "namespaces"), i, v) if (
		strcmp(json_string_value(json_object_get(v, "type")), "network") == 0) has_netns = true;
	assert_true(has_netns);
	assert_string_equal(json_string_value(json_object_get(proc, "cwd")), "/srv");
	json_decref(j);
}

static void
test_entrypoint_and_cmd_follow_docker(void **state)
{
	char *cmd[] = {"sh", "-c", "echo hi", NULL};
	struct ward_run_opts o = {0};
	json_t *j;

	(void)state;
	j = generate(&image, &o); /* entrypoint + image cmd */
	assert_int_equal(nargs(j), 4);
	assert_string_equal(arg(j, 0), "/docker-entrypoint.sh");
	assert_string_equal(arg(j, 1), "nginx");
	json_decref(j);

	o.command = cmd; /* entrypoint + given command */
	j = generate(&image, &o);
	assert_int_equal(nargs(j), 4);
	assert_string_equal(arg(j, 1), "sh");
	json_decref(j);

	o.has_entrypoint = true; /* --entrypoint "" + command: the command alone */
	o.entrypoint = "";
	j = generate(&image, &o);
	assert_int_equal(nargs(j), 3);
	assert_string_equal(arg(j, 0), "sh");
	json_decref(j);

	o.command = NULL; /* --entrypoint X drops the image's cmd */
	o.entrypoint = "/bin/true";
	j = generate(&image, &o);
	assert_int_equal(nargs(j), 1);
	assert_string_equal(arg(j, 0), "/bin/true");
	json_decref(j);
}

static void
test_no_command_is_an_error(void **state)
{
	struct ward_image_run_config empty = {0};
	struct ward_run_opts o = {0};
	struct ward_error *err = NULL;
	json_t *j = NULL;

	(void)state;
	assert_true(ward_spec_generate(&empty, &o, "/r", -1, &j, &err) < 0);
	assert_non_null(strstr(err->msg, "no command"));
	ward_error_free(err);
}

static void
test_env_merges_with_later_winning(void **state)
{
	char *env[] = {"NGINX_VERSION=2", "EXTRA=1", NULL};
	struct ward_run_opts o = {.env = env, .tty = true};
	json_t *j = generate(&image, &o);
	char *text = json_dumps(json_object_get(json_object_get(j, "process"), "env"), 0);

	(void)state;
	assert_non_null(strstr(text, "\"NGINX_VERSION=2\""));
	assert_null(strstr(text, "NGINX_VERSION=1.25"));
	assert_non_null(strstr(text, "\"PATH=/opt/bin:/usr/bin\""));
	assert_non_null(strstr(text, "\"EXTRA=1\""));
	assert_non_null(strstr(text, "TERM=xterm"));
	free(text);
	json_decref(j);
}

static void
test_caps_add_drop_and_privileged(void **state)
{
	char *add[] = {"net_admin", NULL}, *drop[] = {"CAP_CHOWN", "mknod", NULL};
	char *all[] = {"ALL", NULL}, *bogus[] = {"CAP_BOGUS", NULL};
	struct ward_run_opts o = {.cap_add = add, .cap_drop = drop};
	struct ward_error *err = NULL;
	json_t *j = generate(&image, &o), *caps;
	char *text;

	(void)state;
	caps = json_object_get(json_object_get(json_object_get(j, "process"), "capabilities"),
			       "bounding");
	text = json_dumps(caps, 0);
	assert_non_null(strstr(text, "CAP_NET_ADMIN"));
	assert_null(strstr(text, "CAP_CHOWN"));
	assert_null(strstr(text, "CAP_MKNOD"));
	free(text);
	json_decref(j);

	o = (struct ward_run_opts){.cap_drop = all};
	j = generate(&image, &o);
	assert_int_equal(json_array_size(json_object_get(
				 json_object_get(json_object_get(j, "process"), "capabilities"),
				 "effective")),
			 0);
	assert_valid_spec(j);
	json_decref(j);

	o = (struct ward_run_opts){.cap_add = bogus};
	j = NULL;
	assert_true(ward_spec_generate(&image, &o, "/r", -1, &j, &err) < 0);
	assert_non_null(strstr(err->msg, "CAP_BOGUS"));
	ward_error_free(err);

	o = (struct ward_run_opts){.privileged = true};
	j = generate(&image, &o);
	assert_null(json_object_get(json_object_get(j, "linux"), "maskedPaths"));
	assert_true(json_array_size(json_object_get(
			    json_object_get(json_object_get(j, "process"), "capabilities"),
			    "effective")) > 30);
	assert_valid_spec(j);
	json_decref(j);
}

static void
test_resources_and_mounts(void **state)
{
	struct ward_volume vols[] = {{"/srv/data", "/data", true}};
	char *tmpfs[] = {"/run", NULL};
	struct ward_run_opts o = {.memory = 64 << 20, .cpus_milli = 1500, .pids_limit = -1,
				  .volumes = vols, .n_volumes = 1, .tmpfs = tmpfs, .read_only = true};
	json_t *j = generate(&image, &o);
	json_t *res = json_object_get(json_object_get(j, "linux"), "resources");
	char *mounts = json_dumps(json_object_get(j, "mounts"), 0);
	struct ward_volume bad[] = {{"relative", "/data", false}};
	struct ward_error *err = NULL;
	json_t *k = NULL;

	(void)state;
	assert_int_equal(json_integer_value(json_object_get(json_object_get(res, "memory"), "limit")),
			 64 << 20);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(res, "cpu"), "quota")),
			 150000);
	assert_null(json_object_get(res, "pids"));
	assert_non_null(strstr(mounts, "\"/data\""));
	assert_non_null(strstr(mounts, "\"/run\""));
	assert_true(json_is_true(json_object_get(json_object_get(j, "root"), "readonly")));
	assert_valid_spec(j);
	free(mounts);
	json_decref(j);

	o = (struct ward_run_opts){.volumes = bad, .n_volumes = 1};
	assert_true(ward_spec_generate(&image, &o, "/r", -1, &k, &err) < 0);
	assert_non_null(strstr(err->msg, "--volume"));
	ward_error_free(err);
}

static void
write_file(const char *dir, const char *name, const char *text)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
test_user_names_resolve_inside_the_rootfs(void **state)
{
	char dir[] = "/tmp/ward-gen-XXXXXX";
	char etc[600];
	struct ward_run_opts o = {.user = "web:staff"};
	struct ward_error *err = NULL;
	json_t *j = NULL;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(etc, sizeof(etc), "%s/etc", dir);
	assert_int_equal(mkdir(etc, 0755), 0);
	write_file(etc, "passwd", "root:x:0:0::/root:/bin/sh\nweb:x:1001:1002::/srv:/bin/sh\n");
	write_file(etc, "group", "root:x:0:\nstaff:x:50:\n");
	fd = open(dir, O_PATH | O_DIRECTORY);
	assert_true(ward_spec_generate(&image, &o, dir, fd, &j, &err) == 0);
	assert_int_equal(json_integer_value(json_object_get(
				 json_object_get(json_object_get(j, "process"), "user"), "uid")),
			 1001);
	assert_int_equal(json_integer_value(json_object_get(
				 json_object_get(json_object_get(j, "process"), "user"), "gid")),
			 50);
	json_decref(j);

	o.user = "web"; /* the user's primary group from passwd */
	assert_true(ward_spec_generate(&image, &o, dir, fd, &j, &err) == 0);
	assert_int_equal(json_integer_value(json_object_get(
				 json_object_get(json_object_get(j, "process"), "user"), "gid")),
			 1002);
	json_decref(j);

	o.user = "nobody-here";
	assert_true(ward_spec_generate(&image, &o, dir, fd, &j, &err) < 0);
	assert_non_null(strstr(err->msg, "not found"));
	ward_error_free(err);
	err = NULL;

	/* An image whose /etc/passwd points at the host's: read inside the
	 * rootfs (where it does not exist), never the host file. */
	snprintf(etc, sizeof(etc), "%s/etc/passwd", dir);
	unlink(etc);
	assert_int_equal(symlink("/etc/passwd", etc), 0);
	o.user = "root";
	assert_true(ward_spec_generate(&image, &o, dir, fd, &j, &err) < 0);
	ward_error_free(err);
	close(fd);
	{
		char cmd[600];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		assert_int_equal(system(cmd), 0);
	}
}

/* In a child: load the default profile (default caps) and probe it. */
static int
probe_default_profile(void)
{
	json_t *caps = json_array(), *prof;
	struct ward_seccomp *sc = NULL;
	struct ward_error *err = NULL;
	int lfd = -1;

	for (const char *const *c = ward_default_capabilities(); *c; c++)
		json_array_append_new(caps, json_string(*c));
	prof = ward_seccomp_default_profile(caps);
	if (ward_seccomp_parse(prof, "linux.seccomp", &sc, &err) < 0)
		return 10;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || ward_seccomp_load(sc, &lfd, &err) < 0)
		return 11;
	if (getppid() <= 0)
		return 12; /* ordinary calls still work */
	if (unshare(CLONE_NEWNS) == 0 || errno != EPERM)
		return 13; /* namespaces need CAP_SYS_ADMIN */
	if (syscall(SYS_clone3, NULL, 0) == 0 || errno != ENOSYS)
		return 14; /* clone3 says ENOSYS, so libc falls back to clone */
	if (mount("none", "/mnt", "tmpfs", 0, NULL) == 0 || errno != EPERM)
		return 15;
	if (socket(40 /* AF_VSOCK */, SOCK_STREAM, 0) >= 0 || errno != EPERM)
		return 16;
	if (personality(0x0400000 /* READ_IMPLIES_EXEC */) != -1 || errno != EPERM)
		return 17;
	if (socket(AF_UNIX, SOCK_STREAM, 0) < 0)
		return 18;
	return 0;
}

static void
test_default_seccomp_profile_denies_what_docker_denies(void **state)
{
	int status = 0;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(probe_default_profile());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("probe failed at step %d (status %#x)", WEXITSTATUS(status), status);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_are_hardened),
		cmocka_unit_test(test_entrypoint_and_cmd_follow_docker),
		cmocka_unit_test(test_no_command_is_an_error),
		cmocka_unit_test(test_env_merges_with_later_winning),
		cmocka_unit_test(test_caps_add_drop_and_privileged),
		cmocka_unit_test(test_resources_and_mounts),
		cmocka_unit_test(test_user_names_resolve_inside_the_rootfs),
		cmocka_unit_test(test_default_seccomp_profile_denies_what_docker_denies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
