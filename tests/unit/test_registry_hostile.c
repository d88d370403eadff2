/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The registry client against a hostile registry: a tiny HTTP server
 * forked on 127.0.0.1 (one child per connection) that lies about digests,
 * truncates bodies, sends oversize manifests, hangs, fails with 5xx,
 * drops a blob halfway (resume with Range), redirects to file://, and
 * runs a bearer-token flow whose realm may sit on another host.
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
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* clang-format off: cmocka needs stdarg, stddef and setjmp first. */
#include <cmocka.h>
/* clang-format on */

#include <openssl/evp.h>

#include <ward/image.h>
#include <ward/registry.h>

#include "registry/internal.h"

struct shared {
	int flaky_hits, down_hits, token_hits, foreign_token_auth, same_token_auth, resume_ranges;
	int foreign_token_hits, same_token_hits, cdn_hits, cdn_auth;
};

static struct shared *sh;
static pid_t server_pid = -1;
static int port;
static char host[32];

#define RESUME_LEN (256 * 1024)
static unsigned char resume_data[RESUME_LEN];
static char d_good[80], d_trunc[80], d_resume[80], d_redir[80], d_manifest[80], d_cdn[80];
static const char manifest_body[] = "{\"schemaVersion\":2}";

static void
digest_of(const void *b, size_t n, char out[80])
{
	unsigned char md[32];
	EVP_Digest(b, n, md, NULL, EVP_sha256(), NULL);
	ward_registry_sha256_hex(md, out);
}

static void
send_all(int fd, const void *b, size_t n)
{
	const char *p = b;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void
respond(int fd, int code, const char *extra, const void *body, size_t len)
{
	char h[2048];
	int n = snprintf(h, sizeof(h),
			 "HTTP/1.1 %d X\r\nContent-Length: %zu\r\nConnection: close\r\n%s\r\n",
			 code, len, extra ? extra : "");
	send_all(fd, h, (size_t)n);
	if (body && len)
		send_all(fd, body, len);
}

static void
handle(int fd)
{
	char req[16384], path[1024] = "", method[16] = "", extra[2048];
	size_t got = 0;
	const char *auth, *range;

	while (got < sizeof(req) - 1) {
		ssize_t n = read(fd, req + got, sizeof(req) - 1 - got);
		if (n <= 0)
			return;
		got += (size_t)n;
		req[got] = '\0';
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	if (sscanf(req, "%15s %1023s", method, path) != 2)
		return;
	auth = strcasestr(req, "\r\nAuthorization: ");
	range = strcasestr(req, "\r\nRange: bytes=");

	if (!strcmp(path, "/v2/")) {
		respond(fd, 200, NULL, "{}", 2);
	} else if (!strcmp(path, "/v2/t/manifests/ok")) {
		snprintf(extra, sizeof(extra),
			 "Content-Type: " WARD_MT_OCI_MANIFEST "\r\nDocker-Content-Digest: %s\r\n",
			 d_manifest);
		respond(fd, 200, extra, manifest_body, strlen(manifest_body));
	} else if (!strcmp(path, "/v2/t/manifests/lying")) {
		respond(fd, 200,
			"Docker-Content-Digest: sha256:"
			"0000000000000000000000000000000000000000000000000000000000000000\r\n",
			manifest_body, strlen(manifest_body));
	} else if (!strncmp(path, "/v2/t/manifests/sha256:", 23)) {
		respond(fd, 200, NULL, manifest_body, strlen(manifest_body));
	} else if (!strcmp(path, "/v2/t/manifests/big") ||
		   !strcmp(path, "/v2/t/manifests/bigstream")) {
		size_t len = (4u << 20) + 1;
		char *b = malloc(len);
		memset(b, ' ', len);
		if (!strcmp(path, "/v2/t/manifests/big")) {
			respond(fd, 200, NULL, b, len);
		} else {
			/* No Content-Length: read-until-close. */
			const char *h = "HTTP/1.1 200 X\r\nConnection: close\r\n\r\n";
			send_all(fd, h, strlen(h));
			send_all(fd, b, len);
		}
		free(b);
	} else if (!strcmp(path, "/v2/t/manifests/hang")) {
		sleep(60);
	} else if (!strcmp(path, "/v2/t/manifests/flaky")) {
		if (__atomic_fetch_add(&sh->flaky_hits, 1, __ATOMIC_SEQ_CST) == 0)
			respond(fd, 503, NULL, "down", 4);
		else
			respond(fd, 200, NULL, manifest_body, strlen(manifest_body));
	} else if (!strcmp(path, "/v2/t/manifests/down")) {
		__atomic_fetch_add(&sh->down_hits, 1, __ATOMIC_SEQ_CST);
		const char *e =
			"{\"errors\":[{\"code\":\"UNAVAILABLE\",\"message\":\"try later\"}]}";
		respond(fd, 502, NULL, e, strlen(e));
	} else if (!strcmp(path, "/v2/t/manifests/filerealm")) {
		respond(fd, 401, "WWW-Authenticate: Bearer realm=\"file:///etc/passwd\"\r\n", "{}",
			2);
	} else if (!strcmp(path, "/v2/t/blobs/uploads/") && !strcmp(method, "POST")) {
		/* Upload URL on another host: the PUT would carry our token. */
		snprintf(extra, sizeof(extra),
			 "Location: http://localhost:%d/v2/t/blobs/uploads/u1\r\n", port);
		respond(fd, 202, extra, NULL, 0);
	} else if (!strcmp(path, "/v2/t/manifests/missing")) {
		const char *e = "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"no\"}]}";
		respond(fd, 404, NULL, e, strlen(e));
	} else if (!strcmp(path, "/v2/t/manifests/secret") ||
		   !strcmp(path, "/v2/t/manifests/foreign") ||
		   !strcmp(path, "/v2/t/manifests/same")) {
		const char *which = path + 16;
		if (auth && !strncmp(auth + 17, "Bearer tok123\r\n", 15)) {
			respond(fd, 200, NULL, manifest_body, strlen(manifest_body));
			return;
		}
		/* foreign: realm on "localhost", another host than 127.0.0.1. */
		snprintf(extra, sizeof(extra),
			 "WWW-Authenticate: Bearer realm=\"http://%s:%d/token/%s\","
			 "service=\"ward-test\",scope=\"repository:t:pull\"\r\n",
			 !strcmp(which, "foreign") ? "localhost" : "127.0.0.1", port, which);
		respond(fd, 401, extra, "{}", 2);
	} else if (!strcmp(path, "/cdn/blob")) {
		sh->cdn_hits++;
		sh->cdn_auth = auth != NULL;
		respond(fd, 200, NULL, "cdn", 3);
	} else if (!strncmp(path, "/token/", 7)) {
		const char *which = path + 7;
		if (!strncmp(which, "foreign", 7)) {
			sh->foreign_token_hits++;
			sh->foreign_token_auth = auth != NULL;
		} else if (!strncmp(which, "same", 4)) {
			sh->same_token_hits++;
			sh->same_token_auth = auth != NULL;
		} else if (strncmp(which, "cdn", 3)) {
			sh->token_hits++;
		}
		respond(fd, 200, NULL, "{\"token\":\"tok123\"}", 18);
	} else if (!strncmp(path, "/v2/t/blobs/", 12)) {
		const char *d = path + 12;
		if (!strcmp(d, d_good)) {
			respond(fd, 200, NULL, "evil", 4); /* the digest is of "good" */
		} else if (!strcmp(d, d_trunc)) {
			const char *h = "HTTP/1.1 200 X\r\nContent-Length: 100\r\n\r\n0123456789";
			send_all(fd, h, strlen(h));
		} else if (!strcmp(d, d_resume)) {
			if (!range) {
				snprintf(extra, sizeof(extra),
					 "HTTP/1.1 200 X\r\nContent-Length: %d\r\n\r\n",
					 RESUME_LEN);
				send_all(fd, extra, strlen(extra));
				send_all(fd, resume_data, RESUME_LEN / 3); /* then drop */
			} else {
				unsigned long start = strtoul(range + 15, NULL, 10);
				sh->resume_ranges++;
				snprintf(extra, sizeof(extra), "Content-Range: bytes %lu-%d/%d\r\n",
					 start, RESUME_LEN - 1, RESUME_LEN);
				respond(fd, 206, extra, resume_data + start, RESUME_LEN - start);
			}
		} else if (!strcmp(d, d_cdn)) {
			/* Behind a token, then off to a "CDN" on another host name. */
			if (auth && !strncmp(auth + 17, "Bearer tok123\r\n", 15)) {
				snprintf(extra, sizeof(extra),
					 "Location: http://localhost:%d/cdn/blob\r\n", port);
				respond(fd, 307, extra, NULL, 0);
			} else {
				snprintf(extra, sizeof(extra),
					 "WWW-Authenticate: Bearer "
					 "realm=\"http://127.0.0.1:%d/token/"
					 "cdn\",service=\"ward-test\"\r\n",
					 port);
				respond(fd, 401, extra, "{}", 2);
			}
		} else if (!strcmp(d, d_redir)) {
			respond(fd, 302, "Location: file:///etc/passwd\r\n", NULL, 0);
		} else {
			respond(fd, 404, NULL, "{}", 2);
		}
	} else {
		respond(fd, 404, NULL, "{}", 2);
	}
}

static int
setup(void **state)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	int s;

	(void)state;
	for (size_t i = 0; i < RESUME_LEN; i++)
		resume_data[i] = (unsigned char)(i * 7 + (i >> 8));
	digest_of("good", 4, d_good);
	digest_of("truncated", 9, d_trunc);
	digest_of(resume_data, RESUME_LEN, d_resume);
	digest_of("redirect", 8, d_redir);
	digest_of("cdn", 3, d_cdn);
	digest_of(manifest_body, strlen(manifest_body), d_manifest);

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return -1;
	memset(sh, 0, sizeof(*sh));
	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 64) < 0 ||
	    getsockname(s, (struct sockaddr *)&a, &al) < 0)
		return -1;
	port = ntohs(a.sin_port);
	snprintf(host, sizeof(host), "127.0.0.1:%d", port);
	server_pid = fork();
	if (server_pid < 0)
		return -1;
	if (server_pid > 0)
		setpgid(server_pid, server_pid); /* no race with the child's own call */
	if (server_pid == 0) {
		/* Own process group: teardown kills the server and any
		 * handler still sleeping in "hang" with one kill(-pgid). */
		setpgid(0, 0);
		signal(SIGCHLD, SIG_IGN); /* reap handlers */
		for (;;) {
			int c = accept(s, NULL, NULL);
			if (c < 0)
				continue;
			if (fork() == 0) {
				handle(c);
				shutdown(c, SHUT_WR);
				close(c);
				_exit(0);
			}
			close(c);
		}
	}
	close(s);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	if (server_pid > 0) {
		/* The group the server created: it and its handlers. */
		kill(-server_pid, SIGKILL);
		kill(server_pid, SIGKILL);
		waitpid(server_pid, NULL, 0);
	}
	return 0;
}

static struct ward_registry *
client(const struct ward_registry_opts *o)
{
	struct ward_registry_opts d = {.plain_http = true, .retry_delay_ms = 10};
	struct ward_registry *r = NULL;
	struct ward_error *err = NULL;

	if (!o)
		o = &d;
	if (ward_registry_new(host, o, &r, &err) < 0)
		fail_msg("client: %s", err->msg);
	return r;
}

struct sink {
	unsigned char *buf;
	size_t len, cap;
	int calls;
};

static int
sink_write(void *opaque, const void *b, size_t n, struct ward_error **err)
{
	struct sink *s = opaque;

	(void)err;
	if (s->len + n > s->cap) {
		s->cap = (s->len + n) * 2;
		s->buf = realloc(s->buf, s->cap);
	}
	memcpy(s->buf + s->len, b, n);
	s->len += n;
	s->calls++;
	return 0;
}

static void
test_manifest_by_tag_is_fetched_and_digest_checked(void **state)
{
	struct ward_registry *r = client(NULL);
	struct ward_manifest_blob m = {0};
	struct ward_error *err = NULL;

	(void)state;
	assert_int_equal(ward_registry_ping(r, &err), 0);
	if (ward_registry_get_manifest(r, "t", "ok", &m, &err) < 0)
		fail_msg("%s", err->msg);
	assert_int_equal(m.len, strlen(manifest_body));
	assert_string_equal(m.body, manifest_body);
	assert_string_equal(m.media_type, WARD_MT_OCI_MANIFEST);
	assert_string_equal(m.digest, d_manifest);
	ward_manifest_blob_clear(&m);
	ward_registry_free(r);
}

static void
test_manifest_with_lying_digest_header_is_refused(void **state)
{
	struct ward_registry *r = client(NULL);
	struct ward_manifest_blob m = {0};
	struct ward_error *err = NULL;

	(void)state;
	assert_true(ward_registry_get_manifest(r, "t", "lying", &m, &err) < 0);
	assert_int_equal(err->kind, WARD_E_DENIED);
	assert_non_null(strstr(err->msg, "does not match"));
	ward_error_freep(&err);
	/* By digest: the body must hash to it. */
	assert_true(ward_registry_get_manifest(r, "t", d_good, &m, &err) < 0);
	assert_int_equal(err->kind, WARD_E_DENIED);
	assert_non_null(strstr(err->msg, "not the requested"));
	ward_error_freep(&err);
	ward_registry_free(r);
}

static void
test_manifest_over_4mib_is_refused(void **state)
{
	struct ward_registry *r = client(NULL);
	struct ward_manifest_blob m = {0};
	struct ward_error *err = NULL;

	(void)state;
	assert_true(ward_registry_get_manifest(r, "t", "big", &m, &err) < 0);
	assert_non_null(strstr(err->msg, "larger than 4194304"));
	ward_error_freep(&err);
	assert_true(ward_registry_get_manifest(r, "t", "bigstream", &m, &err) < 0);
	assert_non_null(strstr(err->msg, "larger than 4194304"));
	ward_error_freep(&err);
	ward_registry_free(r);
}

static void
test_blob_with_wrong_digest_is_refused(void **state)
{
	struct ward_registry *r = client(NULL);
	struct ward_error *err = NULL;
	struct sink s = {0};

	(void)state;
	assert_true(ward_registry_get_blob(r, "t", d_good, -1, 1 << 20, sink_write, &s, &err) < 0);
	assert_int_equal(err->kind, WARD_E_DENIED);
	assert_non_null(strstr(err->msg, "content has digest"));
	ward_error_freep(&err);
	/* With the size from the manifest: more bytes than that are refused. */
	free(s.buf);
	s = (struct sink){0};
	assert_true(ward_registry_get_blob(r, "t", d_good, 2, 1 << 20, sink_write, &s, &err) < 0);
	assert_non_null(strstr(err->msg, "larger than 2"));
	ward_error_freep(&err);
	free(s.buf);
	ward_registry_free(r);
}

static void
test_blob_with_wrong_digest_never_lands_in_the_store(void **state)
{
	struct ward_registry *r = client(NULL);
	struct ward_error *err = NULL;
	struct ward_store *st = NULL;
	struct ward_digest d;
	char root[] = "/tmp/ward-regstore.XXXXXX", cmd[128];

	(void)state;
	assert_non_null(mkdtemp(root));
	if (ward_store_open(root, true, &st, &err) < 0)
		fail_msg("store: %s", err->msg);
	assert_true(ward_registry_fetch_blob(r, "t", d_good, 4, 1 << 20, st, &err) < 0);
	assert_int_equal(err->kind, WARD_E_DENIED);
	ward_error_freep(&err);
	assert_int_equal(ward_digest_parse(d_good, &d, &err), 0);
	assert_false(ward_store_has_blob(st, &d));
	ward_store_free(st);
	ward_registry_free(r);
	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", root);
	assert_int_equal(system(cmd), 0);
}

static void
test_truncated_blob_fails_after_bounded_retries(void **state)
{
	struct ward_registry *r = client(NULL);
	struct ward_error *err = NULL;
	struct sink s = {0};

	(void)state;
	assert_true(ward_registry_get_blob(r, "t", d_trunc, -1, 1 << 20, sink_write, &s, &err) < 0);
	assert_non_null(strstr(err->msg, "Content-Length"));
	/* The callback saw the 10 bytes once, not once per attempt. */
	assert_int_equal(s.len, 10);
	ward_error_freep(&err);
	free(s.buf);
	ward_registry_free(r);
}

static void
test_dropped_blob_resumes_with_range_and_bytes_arrive_once(void **state)
{
	struct ward_registry *r = client(NULL);
	struct ward_error *err = NULL;
	struct sink s = {0};

	(void)state;
	if (ward_registry_get_blob(r, "t", d_resume, RESUME_LEN, 1 << 20, sink_write, &s, &err) < 0)
		fail_msg("%s", err->msg);
	assert_int_equal(s.len, RESUME_LEN);
	assert_memory_equal(s.buf, resume_data, RESUME_LEN);
	assert_true(sh->resume_ranges >= 1);
	free(s.buf);
	ward_registry_free(r);
}

static void
test_hanging_registry_times_out_within_bound(void **state)
{
	struct ward_registry_opts o = {.plain_http = true, .low_speed_time_s = 1, .max_tries = 1};
	struct ward_registry *r = client(&o);
	struct ward_manifest_blob m = {0};
	struct ward_error *err = NULL;
	long t0 = ward_now_ms(), dt;

	(void)state;
	assert_true(ward_registry_get_manifest(r, "t", "hang", &m, &err) < 0);
	dt = ward_now_ms() - t0;
	assert_true(dt < 5000);
	assert_int_equal(ward_error_code(err), -ETIMEDOUT);
	ward_error_freep(&err);

	/* An overall bound works too. */
	ward_registry_free(r);
	o = (struct ward_registry_opts){
		.plain_http = true, .timeout_ms = 500, .max_tries = 2, .retry_delay_ms = 10};
	r = client(&o);
	t0 = ward_now_ms();
	assert_true(ward_registry_get_manifest(r, "t", "hang", &m, &err) < 0);
	assert_true(ward_now_ms() - t0 < 3000);
	ward_error_freep(&err);
	ward_registry_free(r);
}

static void
test_5xx_is_retried_then_succeeds(void **state)
{
	struct ward_registry *r = client(NULL);
	struct ward_manifest_blob m = {0};
	struct ward_error *err = NULL;

	(void)state;
	if (ward_registry_get_manifest(r, "t", "flaky", &m, &err) < 0)
		fail_msg("%s", err->msg);
	assert_int_equal(sh->flaky_hits, 2);
	ward_manifest_blob_clear(&m);

	/* Always down: exactly max_tries attempts, then the registry's error. */
	assert_true(ward_registry_get_manifest(r, "t", "down", &m, &err) < 0);
	assert_int_equal(sh->down_hits, 3);
	assert_non_null(strstr(err->msg, "HTTP 502: UNAVAILABLE try later"));
	ward_error_freep(&err);

	assert_int_equal(ward_registry_get_manifest(r, "t", "missing", &m, &err), -ENOENT);
	assert_int_equal(err->kind, WARD_E_NOTFOUND);
	assert_non_null(strstr(err->msg, "MANIFEST_UNKNOWN"));
	ward_error_freep(&err);
	ward_registry_free(r);
}

static void
test_token_realm_that_is_not_http_is_refused(void **state)
{
	struct ward_registry *r = client(NULL);
	struct ward_manifest_blob m = {0};
	struct ward_error *err = NULL;

	(void)state;
	assert_true(ward_registry_get_manifest(r, "t", "filerealm", &m, &err) < 0);
	assert_non_null(strstr(err->msg, "not an http(s) URL"));
	ward_error_freep(&err);
	ward_registry_free(r);
}

static void
test_upload_location_on_another_host_is_refused(void **state)
{
	struct ward_registry *r = client(NULL);
	struct ward_error *err = NULL;

	(void)state;
	assert_true(ward_registry_push_blob(r, "t", "x", 1, NULL, NULL, &err) < 0);
	assert_int_equal(err->kind, WARD_E_DENIED);
	assert_non_null(strstr(err->msg, "is not on"));
	ward_error_freep(&err);
	ward_registry_free(r);
}

static void
test_token_is_not_sent_to_a_redirect_on_another_host(void **state)
{
	struct ward_registry *r = client(NULL);
	struct ward_error *err = NULL;
	struct sink s = {0};

	(void)state;
	if (ward_registry_get_blob(r, "t", d_cdn, 3, 1 << 20, sink_write, &s, &err) < 0)
		fail_msg("%s", err->msg);
	assert_int_equal(s.len, 3);
	assert_memory_equal(s.buf, "cdn", 3);
	assert_int_equal(sh->cdn_hits, 1);
	assert_int_equal(sh->cdn_auth, 0);
	free(s.buf);
	ward_registry_free(r);
}

static void
test_redirect_to_file_url_is_refused(void **state)
{
	struct ward_registry *r = client(NULL);
	struct ward_error *err = NULL;
	struct sink s = {0};

	(void)state;
	assert_true(ward_registry_get_blob(r, "t", d_redir, -1, 1 << 20, sink_write, &s, &err) < 0);
	assert_int_equal(s.len, 0);
	ward_error_freep(&err);
	ward_registry_free(r);
}

static void
test_bearer_token_is_fetched_once_and_cached(void **state)
{
	struct ward_registry *r = client(NULL);
	struct ward_manifest_blob m = {0};
	struct ward_error *err = NULL;

	(void)state;
	if (ward_registry_get_manifest(r, "t", "secret", &m, &err) < 0)
		fail_msg("%s", err->msg);
	ward_manifest_blob_clear(&m);
	assert_int_equal(ward_registry_get_manifest(r, "t", "secret", &m, &err), 0);
	ward_manifest_blob_clear(&m);
	assert_int_equal(sh->token_hits, 1);
	ward_registry_free(r);
}

static void
test_credentials_go_only_to_their_host(void **state)
{
	char dir[] = "/tmp/ward-regtest.XXXXXX", path[256];
	struct ward_registry_opts o = {.plain_http = true, .retry_delay_ms = 10};
	struct ward_authfile *a = ward_authfile_new();
	struct ward_registry *r;
	struct ward_manifest_blob m = {0};
	struct ward_error *err = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/auth.json", dir);
	assert_int_equal(ward_authfile_set(a, host, "alice", "pw", &err), 0);
	assert_int_equal(ward_authfile_save(a, path, &err), 0);
	ward_authfile_free(a);
	o.auth_file = path;
	r = client(&o);

	/* Realm on the registry's own host: gets the registry's password. */
	if (ward_registry_get_manifest(r, "t", "same", &m, &err) < 0)
		fail_msg("%s", err->msg);
	ward_manifest_blob_clear(&m);
	assert_int_equal(sh->same_token_hits, 1);
	assert_int_equal(sh->same_token_auth, 1);
	ward_registry_free(r);

	/* Realm on another host: asked anonymously. */
	r = client(&o);
	if (ward_registry_get_manifest(r, "t", "foreign", &m, &err) < 0)
		fail_msg("%s", err->msg);
	ward_manifest_blob_clear(&m);
	assert_int_equal(sh->foreign_token_hits, 1);
	assert_int_equal(sh->foreign_token_auth, 0);
	ward_registry_free(r);
	unlink(path);
	rmdir(dir);
}

static void
test_client_rejects_invalid_names_before_any_request(void **state)
{
	struct ward_registry *r = NULL;
	struct ward_error *err = NULL;
	struct ward_manifest_blob m = {0};

	(void)state;
	assert_true(ward_registry_new("a/b", NULL, &r, &err) < 0);
	ward_error_freep(&err);
	r = client(NULL);
	assert_true(ward_registry_get_manifest(r, "T", "ok", &m, &err) < 0);
	assert_non_null(strstr(err->msg, "invalid repository 'T'"));
	ward_error_freep(&err);
	assert_true(ward_registry_get_manifest(r, "t", "../x", &m, &err) < 0);
	ward_error_freep(&err);
	assert_true(ward_registry_get_blob(r, "t", "latest", -1, 1, sink_write, NULL, &err) < 0);
	ward_error_freep(&err);
	ward_registry_free(r);
}

int
main(void)
{
	/* A proxy from the environment must not see (or break) loopback tests. */
	setenv("NO_PROXY", "127.0.0.1,localhost", 1);
	setenv("no_proxy", "127.0.0.1,localhost", 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_manifest_by_tag_is_fetched_and_digest_checked),
		cmocka_unit_test(test_manifest_with_lying_digest_header_is_refused),
		cmocka_unit_test(test_manifest_over_4mib_is_refused),
		cmocka_unit_test(test_blob_with_wrong_digest_is_refused),
		cmocka_unit_test(test_blob_with_wrong_digest_never_lands_in_the_store),
		cmocka_unit_test(test_truncated_blob_fails_after_bounded_retries),
		cmocka_unit_test(test_dropped_blob_resumes_with_range_and_bytes_arrive_once),
		cmocka_unit_test(test_hanging_registry_times_out_within_bound),
		cmocka_unit_test(test_5xx_is_retried_then_succeeds),
		cmocka_unit_test(test_redirect_to_file_url_is_refused),
		cmocka_unit_test(test_token_is_not_sent_to_a_redirect_on_another_host),
		cmocka_unit_test(test_token_realm_that_is_not_http_is_refused),
		cmocka_unit_test(test_upload_location_on_another_host_is_refused),
		cmocka_unit_test(test_bearer_token_is_fetched_once_and_cached),
		cmocka_unit_test(test_credentials_go_only_to_their_host),
		cmocka_unit_test(test_client_rejects_invalid_names_before_any_request),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
