/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The registry client against Debian's docker-registry (distribution 2.8)
 * started here on 127.0.0.1, a free port, a temp storage dir: plain HTTP
 * push/pull, skopeo interop (an image pushed by skopeo is read by ward),
 * htpasswd basic auth (and a wrong password), and TLS with a CA made here
 * (cert-dir option; without it verification fails). Runs unprivileged;
 * skips when docker-registry (or htpasswd, openssl, skopeo) is missing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* clang-format off: cmocka needs stdarg, stddef and setjmp first. */
#include <cmocka.h>
/* clang-format on */

#include <ward/image.h>
#include <ward/registry.h>

#include "registry/internal.h"

struct reg {
	char dir[64];
	char host[32];
	pid_t pid;
};

static bool
have(const char *tool)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", tool);
	return system(cmd) == 0;
}

static int
free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), p;

	assert_true(s >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &al), 0);
	p = ntohs(a.sin_port);
	close(s);
	return p;
}

static bool
port_open(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
				.sin_port = htons((uint16_t)port)};
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok = connect(s, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(s);
	return ok;
}

static void __attribute__((format(printf, 1, 2))) sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg("command failed: %s", cmd);
}

/* Start docker-registry; tls: generate a CA and a server cert for
 * 127.0.0.1 under dir/certs.d (ca.crt). htpasswd: user "ward" pass "s3cret". */
static void
start(struct reg *g, bool tls, bool htpasswd)
{
	char cfg[512];
	FILE *f;
	int port = free_port();

	snprintf(g->dir, sizeof(g->dir), "/tmp/ward-reglive.XXXXXX");
	assert_non_null(mkdtemp(g->dir));
	snprintf(g->host, sizeof(g->host), "127.0.0.1:%d", port);
	if (tls) {
		sh("cd %s && mkdir certs.d && "
		   "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=ward-test-ca "
		   "-keyout ca.key -out certs.d/ca.crt -addext basicConstraints=critical,CA:TRUE "
		   ">/dev/null 2>&1 && "
		   "openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout server.key "
		   "-out server.csr >/dev/null 2>&1 && "
		   "printf 'subjectAltName=IP:127.0.0.1\\nbasicConstraints=CA:FALSE\\n' > ext.cnf "
		   "&& "
		   "openssl x509 -req -in server.csr -CA certs.d/ca.crt -CAkey ca.key "
		   "-CAcreateserial -days 2 -extfile ext.cnf -out server.crt >/dev/null 2>&1",
		   g->dir);
	}
	if (htpasswd)
		sh("htpasswd -Bbn ward s3cret > %s/htpasswd 2>/dev/null", g->dir);
	snprintf(cfg, sizeof(cfg), "%s/config.yml", g->dir);
	f = fopen(cfg, "w");
	assert_non_null(f);
	fprintf(f,
		"version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n"
		"storage:\n  filesystem:\n    rootdirectory: %s/data\n"
		"http:\n  addr: %s\n",
		g->dir, g->host);
	if (tls)
		fprintf(f, "  tls:\n    certificate: %s/server.crt\n    key: %s/server.key\n",
			g->dir, g->dir);
	if (htpasswd)
		fprintf(f, "auth:\n  htpasswd:\n    realm: ward-test\n    path: %s/htpasswd\n",
			g->dir);
	fclose(f);

	g->pid = fork();
	assert_true(g->pid >= 0);
	if (g->pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		dup2(null, 2);
		execlp("docker-registry", "docker-registry", "serve", cfg, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200 && !port_open(port); i++) {
		struct timespec ts = {0, 50000000};
		if (waitpid(g->pid, NULL, WNOHANG) == g->pid) {
			g->pid = -1;
			fail_msg("docker-registry exited at start (config %s)", cfg);
		}
		nanosleep(&ts, NULL);
	}
	if (!port_open(port))
		fail_msg("docker-registry did not listen on %s", g->host);
}

static void
stop(struct reg *g)
{
	if (g->pid > 0) {
		kill(g->pid, SIGTERM);
		waitpid(g->pid, NULL, 0);
		g->pid = -1;
	}
	if (g->dir[0]) {
		sh("rm -rf -- '%s'", g->dir);
		g->dir[0] = '\0';
	}
}

static struct reg cur;

static int
teardown(void **state)
{
	(void)state;
	stop(&cur);
	return 0;
}

struct sink {
	char *buf;
	size_t len;
};

static int
sink_write(void *opaque, const void *b, size_t n, struct ward_error **err)
{
	struct sink *s = opaque;
	char *nb = realloc(s->buf, s->len + n + 1);

	if (!nb)
		return ward_error_set(err, ENOMEM, "sink");
	s->buf = nb;
	memcpy(s->buf + s->len, b, n);
	s->len += n;
	s->buf[s->len] = '\0';
	return 0;
}

static struct ward_registry *
client(const struct ward_registry_opts *o)
{
	struct ward_registry *r = NULL;
	struct ward_error *err = NULL;

	if (ward_registry_new(cur.host, o, &r, &err) < 0)
		fail_msg("client: %s", err->msg);
	return r;
}

/* Push a config, a layer and a manifest; pull them back. */
static void
push_and_pull(struct ward_registry *r)
{
	static const char layer[] = "not really a tarball, but a blob";
	static const char config[] = "{\"architecture\":\"amd64\",\"os\":\"linux\"}";
	char dl[80], dc[80], dm[80], *man, dm2[80];
	struct ward_manifest_blob m = {0};
	struct ward_error *err = NULL;
	struct sink s = {0};
	int64_t size = 0;

	if (ward_registry_push_blob(r, "ward/test", layer, strlen(layer), NULL, dl, &err) < 0)
		fail_msg("push layer: %s", err->msg);
	if (ward_registry_push_blob(r, "ward/test", config, strlen(config), NULL, dc, &err) < 0)
		fail_msg("push config: %s", err->msg);
	/* Second push is a HEAD hit. */
	assert_int_equal(
		ward_registry_push_blob(r, "ward/test", layer, strlen(layer), dl, NULL, &err), 0);
	man = ward_strdup_printf(
		"{\"schemaVersion\":2,\"mediaType\":\"%s\",\"config\":{\"mediaType\":"
		"\"application/vnd.oci.image.config.v1+json\",\"digest\":\"%s\",\"size\":%zu},"
		"\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
		"\"digest\":\"%s\",\"size\":%zu}]}",
		WARD_MT_OCI_MANIFEST, dc, strlen(config), dl, strlen(layer));
	if (ward_registry_put_manifest(r, "ward/test", "v1", WARD_MT_OCI_MANIFEST, man, strlen(man),
				       dm, &err) < 0)
		fail_msg("put manifest: %s", err->msg);

	if (ward_registry_get_manifest(r, "ward/test", "v1", &m, &err) < 0)
		fail_msg("get manifest: %s", err->msg);
	assert_string_equal(m.body, man);
	assert_string_equal(m.digest, dm);
	assert_string_equal(m.media_type, WARD_MT_OCI_MANIFEST);
	ward_manifest_blob_clear(&m);
	assert_int_equal(ward_registry_get_manifest(r, "ward/test", dm, &m, &err), 0);
	assert_string_equal(m.body, man);
	ward_manifest_blob_clear(&m);
	assert_int_equal(ward_registry_head_manifest(r, "ward/test", "v1", dm2, NULL, &size, &err),
			 0);
	assert_string_equal(dm2, dm);
	assert_int_equal(size, (int64_t)strlen(man));
	assert_int_equal(ward_registry_head_manifest(r, "ward/test", "nope", dm2, NULL, NULL, &err),
			 -ENOENT);

	assert_int_equal(ward_registry_head_blob(r, "ward/test", dl, &size, &err), 0);
	assert_int_equal(size, (int64_t)strlen(layer));
	if (ward_registry_get_blob(r, "ward/test", dl, (int64_t)strlen(layer), 1 << 20, sink_write,
				   &s, &err) < 0)
		fail_msg("get blob: %s", err->msg);
	assert_int_equal(s.len, strlen(layer));
	assert_memory_equal(s.buf, layer, s.len);
	free(s.buf);

	/* From a file: pread from offset 0, the fd's offset untouched. */
	char tmpl[] = "/tmp/ward-regblob.XXXXXX", dfd_digest[80];
	int fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	unlink(tmpl);
	assert_int_equal(write(fd, "file blob", 9), 9);
	if (ward_registry_push_blob_fd(r, "ward/test", fd, 9, NULL, dfd_digest, &err) < 0)
		fail_msg("push fd: %s", err->msg);
	close(fd);
	s = (struct sink){0};
	assert_int_equal(ward_registry_get_blob(r, "ward/test", dfd_digest, 9, 1 << 20, sink_write,
						&s, &err),
			 0);
	assert_string_equal(s.buf, "file blob");
	free(s.buf);
	/* A digest that does not match the content is refused before upload. */
	assert_true(ward_registry_push_blob(r, "ward/test", "abc", 3, dl, NULL, &err) < 0);
	assert_non_null(strstr(err->msg, "content has digest"));
	ward_error_freep(&err);

	assert_int_equal(
		ward_registry_head_blob(r, "ward/test",
					"sha256:"
					"0000000000000000000000000000000000000000000000000000"
					"000000000000",
					NULL, &err),
		-ENOENT);
	free(man);
}

static void
test_plain_http_push_then_pull_round_trips(void **state)
{
	struct ward_registry_opts o = {.plain_http = true};
	struct ward_registry *r;
	struct ward_error *err = NULL;

	(void)state;
	if (!have("docker-registry"))
		skip();
	start(&cur, false, false);
	r = client(&o);
	assert_int_equal(ward_registry_ping(r, &err), 0);
	push_and_pull(r);
	ward_registry_free(r);
	stop(&cur);
}

static void
test_image_pushed_by_skopeo_is_read_back(void **state)
{
	struct ward_registry_opts o = {.plain_http = true};
	struct ward_registry *r;
	struct ward_manifest_blob m = {0};
	struct ward_error *err = NULL;
	json_t *j, *layers, *l;
	size_t i;

	(void)state;
	if (!have("docker-registry") || !have("skopeo") || access("/bin/busybox", X_OK) != 0 ||
	    access("scripts/mkimage.sh", X_OK) != 0)
		skip();
	start(&cur, false, false);
	sh("scripts/mkimage.sh %s/img.tar >/dev/null && skopeo copy --quiet "
	   "--dest-tls-verify=false "
	   "oci-archive:%s/img.tar docker://%s/ward/busybox:latest >/dev/null",
	   cur.dir, cur.dir, cur.host);
	r = client(&o);
	if (ward_registry_get_manifest(r, "ward/busybox", "latest", &m, &err) < 0)
		fail_msg("%s", err->msg);
	assert_int_equal(ward_json_parse(m.body, m.len, "manifest", &j, &err), 0);
	layers = json_object_get(j, "layers");
	assert_true(json_array_size(layers) >= 1);
	json_array_foreach(layers, i, l) {
		struct sink s = {0};
		const char *d = json_string_value(json_object_get(l, "digest"));
		json_int_t sz = json_integer_value(json_object_get(l, "size"));
		if (ward_registry_get_blob(r, "ward/busybox", d, sz, (64u << 20), sink_write, &s,
					   &err) < 0)
			fail_msg("layer %s: %s", d, err->msg);
		assert_int_equal(s.len, (size_t)sz);
		free(s.buf);
	}
	/* The same layers straight into the image store, verified there. */
	struct ward_store *st = NULL;
	char root[128];
	snprintf(root, sizeof(root), "%s/store", cur.dir);
	if (ward_store_open(root, true, &st, &err) < 0)
		fail_msg("store: %s", err->msg);
	json_array_foreach(layers, i, l) {
		const char *d = json_string_value(json_object_get(l, "digest"));
		struct ward_digest wd;
		if (ward_registry_fetch_blob(r, "ward/busybox", d,
					     json_integer_value(json_object_get(l, "size")),
					     WARD_BLOB_MAX, st, &err) < 0)
			fail_msg("fetch %s: %s", d, err->msg);
		assert_int_equal(ward_digest_parse(d, &wd, &err), 0);
		assert_true(ward_store_has_blob(st, &wd));
	}
	ward_store_free(st);
	struct sink c = {0};
	json_t *cfg = json_object_get(j, "config");
	assert_int_equal(ward_registry_get_blob(r, "ward/busybox",
						json_string_value(json_object_get(cfg, "digest")),
						json_integer_value(json_object_get(cfg, "size")),
						1 << 20, sink_write, &c, &err),
			 0);
	assert_non_null(strstr(c.buf, "\"os\""));
	free(c.buf);
	json_decref(j);
	ward_manifest_blob_clear(&m);
	ward_registry_free(r);
	stop(&cur);
}

static void
test_basic_auth_from_auth_json_and_wrong_password(void **state)
{
	struct ward_registry_opts o = {.plain_http = true, .retry_delay_ms = 10};
	struct ward_registry *r;
	struct ward_authfile *a;
	struct ward_error *err = NULL;
	char path[128];

	(void)state;
	if (!have("docker-registry") || !have("htpasswd"))
		skip();
	start(&cur, false, true);
	snprintf(path, sizeof(path), "%s/auth.json", cur.dir);

	/* No credentials: a clear 401. */
	r = client(&o);
	assert_true(ward_registry_ping(r, &err) < 0);
	assert_int_equal(err->kind, WARD_E_DENIED);
	assert_non_null(strstr(err->msg, "401 unauthorized: no credentials"));
	ward_error_freep(&err);
	ward_registry_free(r);

	/* Wrong password. */
	a = ward_authfile_new();
	assert_int_equal(ward_authfile_set(a, cur.host, "ward", "wrong", &err), 0);
	assert_int_equal(ward_authfile_save(a, path, &err), 0);
	o.auth_file = path;
	r = client(&o);
	assert_true(ward_registry_ping(r, &err) < 0);
	assert_int_equal(err->kind, WARD_E_DENIED);
	assert_non_null(strstr(err->msg, "credentials rejected"));
	ward_error_freep(&err);
	ward_registry_free(r);

	/* Right password: the whole round trip. */
	assert_int_equal(ward_authfile_set(a, cur.host, "ward", "s3cret", &err), 0);
	assert_int_equal(ward_authfile_save(a, path, &err), 0);
	ward_authfile_free(a);
	r = client(&o);
	if (ward_registry_ping(r, &err) < 0)
		fail_msg("%s", err->msg);
	push_and_pull(r);
	ward_registry_free(r);
	stop(&cur);
}

static void
test_tls_needs_the_cert_dir_ca(void **state)
{
	struct ward_registry_opts o = {0};
	struct ward_registry *r;
	struct ward_error *err = NULL;
	char certs[128];

	(void)state;
	if (!have("docker-registry") || !have("openssl"))
		skip();
	start(&cur, true, false);

	/* System CAs only: the self-signed CA is unknown. */
	r = client(&o);
	assert_true(ward_registry_ping(r, &err) < 0);
	assert_int_equal(err->kind, WARD_E_DENIED);
	assert_non_null(strstr(err->msg, "TLS verification"));
	ward_error_freep(&err);
	ward_registry_free(r);

	snprintf(certs, sizeof(certs), "%s/certs.d", cur.dir);
	o.cert_dir = certs;
	r = client(&o);
	if (ward_registry_ping(r, &err) < 0)
		fail_msg("%s", err->msg);
	push_and_pull(r);
	ward_registry_free(r);

	/* tls_verify=false speaks http:// to a TLS port: it fails, it does not
	 * quietly skip verification. */
	o = (struct ward_registry_opts){.plain_http = true, .max_tries = 1};
	r = client(&o);
	assert_true(ward_registry_ping(r, &err) < 0);
	ward_error_freep(&err);
	ward_registry_free(r);
	stop(&cur);
}

int
main(void)
{
	/* A proxy from the environment must not see (or break) loopback tests. */
	setenv("NO_PROXY", "127.0.0.1,localhost", 1);
	setenv("no_proxy", "127.0.0.1,localhost", 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_plain_http_push_then_pull_round_trips, teardown),
		cmocka_unit_test_teardown(test_image_pushed_by_skopeo_is_read_back, teardown),
		cmocka_unit_test_teardown(test_basic_auth_from_auth_json_and_wrong_password,
					  teardown),
		cmocka_unit_test_teardown(test_tls_needs_the_cert_dir_ca, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
