/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OCI distribution API v2 client over libcurl.
 *
 * One CURL easy handle per client: curl_easy_reset between requests keeps
 * its connection cache, so a pull reuses one TCP/TLS connection. Every
 * response is hostile: bodies are bounded (manifests 4 MiB, tokens 1 MiB,
 * error bodies 64 KiB), Content-Length is checked against what arrived,
 * redirects are bounded and limited to http(s) (https only for a TLS
 * registry: no downgrade), blob and manifest digests are verified, and
 * credentials never reach a host they were not stored for.
 */
#include <curl/curl.h>
#include <errno.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <ward/registry.h>

#include "internal.h"

#define ERROR_BODY_MAX (64u << 10)
#define HEADER_VALUE_MAX 4096
#define TOKEN_CACHE_MAX 64
#define ACCEPT_MANIFESTS                                                                    \
	"Accept: " WARD_MT_OCI_MANIFEST ", " WARD_MT_OCI_INDEX ", " WARD_MT_DOCKER_MANIFEST \
	", " WARD_MT_DOCKER_LIST

struct token {
	char *scope;
	char *token;
};

struct ward_registry {
	char *name; /* as the caller named it, key into auth.json */
	char *host; /* host[:port] we connect to */
	char *base; /* "https://host" */
	struct ward_registry_opts o;
	char *ca_file, *client_cert, *client_key;
	CURL *curl;
	char *user, *pass; /* for name, from auth.json; wiped on free */
	struct ward_authfile *af;
	bool af_borrowed; /* a clone's: owned by the client it was cloned from */
	bool basic; /* the registry asked for Basic: send it up front */
	struct token tokens[TOKEN_CACHE_MAX];
	size_t n_tokens;
	char curl_err[CURL_ERROR_SIZE];
};

enum sink { SINK_NONE, SINK_BUF, SINK_CB };

struct xfer {
	/* response of the last hop */
	long status;
	int64_t content_length;
	uint64_t received; /* body bytes of this response */
	char content_type[256];
	char dcd[80]; /* Docker-Content-Digest */
	char location[HEADER_VALUE_MAX];
	char content_range[128];
	char www_auth[WARD_AUTH_HEADER_MAX + 1];
	bool www_auth_too_long;
	/* error body (status >= 300) */
	char *ebuf;
	size_t elen;
	/* body sink */
	enum sink sink;
	char *buf;
	size_t len, cap;
	uint64_t max;
	bool too_big;
	/* callback sink: bytes already delivered across attempts */
	ward_registry_write_fn fn;
	void *opaque;
	uint64_t delivered, skip;
	bool decided, range_bad;
	EVP_MD_CTX *md;
	struct ward_error *cb_err;
	bool cb_failed;
	/* upload source */
	const char *up_buf;
	int up_fd;
	uint64_t up_len, up_off;
	bool up_fd_err;
};

/* ---- global init ---------------------------------------------------------- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

/* curl_global_init is not thread-safe and must run once per process; the
 * pthread_once makes the first caller do it and every later caller see its
 * result. It is written once and then only read: safe global state. */
static void
curl_init_once(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int
ward_registry_init(struct ward_error **err)
{
	int r = ward_dl_curl(err);

	if (r < 0)
		return r;
	pthread_once(&curl_once, curl_init_once);
	if (curl_init_rc != CURLE_OK)
		return ward_error_set(err, EIO, "curl_global_init: %s",
				      curl_easy_strerror(curl_init_rc));
	return 0;
}

/* ---- client ------------------------------------------------------------- */

static void
wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

void
ward_registry_free(struct ward_registry *r)
{
	size_t i;

	if (!r)
		return;
	if (r->curl)
		curl_easy_cleanup(r->curl);
	free(r->name);
	free(r->host);
	free(r->base);
	free(r->ca_file);
	free(r->client_cert);
	free(r->client_key);
	wipe_free(r->user);
	wipe_free(r->pass);
	if (!r->af_borrowed)
		ward_authfile_free(r->af);
	for (i = 0; i < r->n_tokens; i++) {
		free(r->tokens[i].scope);
		wipe_free(r->tokens[i].token);
	}
	free(r);
}

static char *
file_in(const char *dir, const char *name)
{
	struct stat st;
	char *p = ward_strdup_printf("%s/%s", dir, name);

	if (p && stat(p, &st) == 0 && S_ISREG(st.st_mode))
		return p;
	free(p);
	return NULL;
}

int
ward_registry_new(const char *registry, const struct ward_registry_opts *opts,
		  struct ward_registry **ret, struct ward_error **err)
{
	struct ward_registry *r;
	int rc;

	rc = ward_registry_init(err);
	if (rc < 0)
		return rc;
	if (!registry || !*registry || strpbrk(registry, "/ \t\r\n@?#"))
		return ward_error_setk(err, WARD_E_INVALID, 0, "registry '%s' is not a host[:port]",
				       registry ? registry : "");
	r = calloc(1, sizeof(*r));
	if (!r)
		return ward_error_set(err, ENOMEM, "registry '%s'", registry);
	if (opts)
		r->o = *opts;
	r->o.auth_file = NULL; /* not kept: the caller's string */
	r->o.cert_dir = NULL;
	if (!r->o.connect_timeout_ms)
		r->o.connect_timeout_ms = 10000;
	if (!r->o.low_speed_limit)
		r->o.low_speed_limit = 1;
	if (!r->o.low_speed_time_s)
		r->o.low_speed_time_s = 30;
	if (!r->o.max_tries)
		r->o.max_tries = 3;
	if (!r->o.retry_delay_ms)
		r->o.retry_delay_ms = 200;
	if (!r->o.max_redirects)
		r->o.max_redirects = 5;

	r->name = strdup(registry);
	/* Docker Hub's API lives on registry-1.docker.io. */
	r->host = strdup(strcmp(registry, "docker.io") ? registry : "registry-1.docker.io");
	if (!r->name || !r->host)
		goto nomem;
	r->base = ward_strdup_printf("%s://%s", r->o.plain_http ? "http" : "https", r->host);
	if (!r->base)
		goto nomem;
	if (opts && opts->cert_dir) {
		/* certs.d layout: ca.crt trusted in addition to the system CAs;
		 * client.cert + client.key for mutual TLS. */
		r->ca_file = file_in(opts->cert_dir, "ca.crt");
		r->client_cert = file_in(opts->cert_dir, "client.cert");
		r->client_key = file_in(opts->cert_dir, "client.key");
	}
	if (opts && opts->auth_file) {
		rc = ward_authfile_load(opts->auth_file, &r->af, err);
		if (rc < 0)
			goto fail;
		rc = ward_authfile_get(r->af, r->name, &r->user, &r->pass, err);
		if (rc < 0 && rc != -ENOENT)
			goto fail;
	}
	r->curl = curl_easy_init();
	if (!r->curl)
		goto nomem;
	*ret = r;
	return 0;
nomem:
	rc = ward_error_set(err, ENOMEM, "registry '%s'", registry);
fail:
	ward_registry_free(r);
	return rc;
}

static int
dup_str(const char *s, char **ret)
{
	*ret = NULL;
	if (!s)
		return 0;
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

int
ward_registry_clone(const struct ward_registry *r, struct ward_registry **ret,
		    struct ward_error **err)
{
	struct ward_registry *c = calloc(1, sizeof(*c));
	int rc = 0;

	if (!c)
		return ward_error_set(err, ENOMEM, "registry '%s'", r->name);
	c->o = r->o;
	c->af = r->af;
	c->af_borrowed = true;
	c->basic = r->basic;
	if (dup_str(r->name, &c->name) < 0 || dup_str(r->host, &c->host) < 0 ||
	    dup_str(r->base, &c->base) < 0 || dup_str(r->ca_file, &c->ca_file) < 0 ||
	    dup_str(r->client_cert, &c->client_cert) < 0 ||
	    dup_str(r->client_key, &c->client_key) < 0 || dup_str(r->user, &c->user) < 0 ||
	    dup_str(r->pass, &c->pass) < 0)
		rc = -ENOMEM;
	for (size_t i = 0; rc == 0 && i < r->n_tokens; i++) {
		if (dup_str(r->tokens[i].scope, &c->tokens[i].scope) < 0 ||
		    dup_str(r->tokens[i].token, &c->tokens[i].token) < 0) {
			rc = -ENOMEM;
			free(c->tokens[i].scope); /* the pair is not counted yet */
			wipe_free(c->tokens[i].token);
			break;
		}
		c->n_tokens++;
	}
	if (rc == 0 && !(c->curl = curl_easy_init()))
		rc = -ENOMEM;
	if (rc < 0) {
		ward_registry_free(c);
		return ward_error_set(err, ENOMEM, "registry '%s'", r->name);
	}
	*ret = c;
	return 0;
}

/* ---- curl callbacks ------------------------------------------------------- */

static void
copy_header(char *dst, size_t cap, const char *v, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, v, n);
	dst[n] = '\0';
}

static size_t
on_header(char *b, size_t size, size_t n, void *opaque)
{
	struct xfer *x = opaque;
	size_t len = size * n, nl, vl;
	const char *colon, *v;

	/* A new status line: a redirect hop or 100-continue. Forget the
	 * previous hop's headers. */
	if (len >= 5 && !memcmp(b, "HTTP/", 5)) {
		char line[64];
		long code = 0;
		copy_header(line, sizeof(line), b, len);
		if (sscanf(line, "HTTP/%*s %3ld", &code) == 1)
			x->status = code;
		x->content_length = -1;
		x->content_type[0] = x->dcd[0] = x->location[0] = x->content_range[0] = '\0';
		x->www_auth[0] = '\0';
		x->www_auth_too_long = false;
		x->received = 0;
		x->decided = false;
		return len;
	}
	colon = memchr(b, ':', len);
	if (!colon)
		return len;
	nl = (size_t)(colon - b);
	v = colon + 1;
	vl = len - nl - 1;
	while (vl && (*v == ' ' || *v == '\t'))
		v++, vl--;
	while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
		vl--;
	if (memchr(v, '\0', vl))
		return len; /* a NUL in a header value: ignore the header */
#define IS(name) (nl == sizeof(name) - 1 && !strncasecmp(b, name, nl))
	if (IS("content-length")) {
		char tmp[32];
		uint64_t cl;
		copy_header(tmp, sizeof(tmp), v, vl);
		if (ward_parse_u64(tmp, &cl) == 0 && cl <= INT64_MAX)
			x->content_length = (int64_t)cl;
	} else if (IS("content-type")) {
		copy_header(x->content_type, sizeof(x->content_type), v, vl);
	} else if (IS("docker-content-digest")) {
		copy_header(x->dcd, sizeof(x->dcd), v, vl);
	} else if (IS("location")) {
		copy_header(x->location, sizeof(x->location), v, vl);
	} else if (IS("content-range")) {
		copy_header(x->content_range, sizeof(x->content_range), v, vl);
	} else if (IS("www-authenticate")) {
		/* Several challenge headers combine into one list. */
		size_t have = strlen(x->www_auth);
		if (have + 2 + vl > WARD_AUTH_HEADER_MAX) {
			x->www_auth_too_long = true;
		} else {
			if (have)
				memcpy(x->www_auth + have, ", ", 2), have += 2;
			memcpy(x->www_auth + have, v, vl);
			x->www_auth[have + vl] = '\0';
		}
	}
#undef IS
	return len;
}

/* Decide, at the first body byte of a blob response, how it lines up with
 * what the callback already has. */
static bool
decide_range(struct xfer *x)
{
	unsigned long long start, end;

	x->decided = true;
	x->skip = 0;
	if (x->status == 206) {
		/* "bytes START-END/TOTAL": must start where we stopped, or the
		 * stitched blob would be garbage (caught by the digest, but
		 * refuse early). */
		if (sscanf(x->content_range, "bytes %20llu-%20llu", &start, &end) != 2 ||
		    start != x->delivered) {
			x->range_bad = true;
			return false;
		}
	} else {
		/* A 200 to a Range request: the whole blob again; drop the
		 * prefix the callback already has. */
		x->skip = x->delivered;
	}
	return true;
}

static size_t
on_body(char *b, size_t size, size_t n, void *opaque)
{
	struct xfer *x = opaque;
	size_t len = size * n;

	x->received += len;
	if (x->status < 200 || x->status >= 300) {
		/* Error bodies: keep the start for the message. */
		size_t room = ERROR_BODY_MAX - x->elen;
		size_t take = len < room ? len : room;
		if (take) {
			char *nb = realloc(x->ebuf, x->elen + take + 1);
			if (!nb)
				return 0;
			x->ebuf = nb;
			memcpy(x->ebuf + x->elen, b, take);
			x->elen += take;
			x->ebuf[x->elen] = '\0';
		}
		return len;
	}
	switch (x->sink) {
	case SINK_NONE:
		return len;
	case SINK_BUF:
		/* A hostile registry streaming an endless manifest. */
		if (x->len + len > x->max || x->len + len < x->len) {
			x->too_big = true;
			return 0;
		}
		if (x->len + len + 1 > x->cap) {
			size_t nc = x->cap ? x->cap : 16384;
			while (nc < x->len + len + 1)
				nc *= 2;
			char *nb = realloc(x->buf, nc);
			if (!nb)
				return 0;
			x->buf = nb;
			x->cap = nc;
		}
		memcpy(x->buf + x->len, b, len);
		x->len += len;
		x->buf[x->len] = '\0';
		return len;
	case SINK_CB:
		if (!x->decided && !decide_range(x))
			return 0;
		if (x->skip) {
			size_t d = x->skip < len ? (size_t)x->skip : len;
			x->skip -= d;
			b += d;
			if (d == len)
				return size * n;
			len -= d;
		}
		if (x->delivered + len > x->max) {
			x->too_big = true;
			return 0;
		}
		if (x->md && EVP_DigestUpdate(x->md, b, len) != 1)
			return 0;
		if (x->fn(x->opaque, b, len, &x->cb_err) < 0) {
			x->cb_failed = true;
			if (!x->cb_err)
				ward_error_set(&x->cb_err, EIO, "blob writer failed");
			return 0;
		}
		x->delivered += len;
		return size * n;
	}
	return 0;
}

static size_t
on_read(char *b, size_t size, size_t n, void *opaque)
{
	struct xfer *x = opaque;
	size_t want = size * n;
	uint64_t left = x->up_len - x->up_off;

	if (want > left)
		want = (size_t)left;
	if (!want)
		return 0;
	if (x->up_buf) {
		memcpy(b, x->up_buf + x->up_off, want);
	} else {
		ssize_t got = pread(x->up_fd, b, want, (off_t)x->up_off);
		if (got <= 0) {
			x->up_fd_err = true;
			return CURL_READFUNC_ABORT;
		}
		want = (size_t)got;
	}
	x->up_off += want;
	return want;
}

/* ---- one HTTP exchange ------------------------------------------------------ */

enum auth_mode { AUTH_NONE, AUTH_BASIC, AUTH_BEARER };

struct req {
	const char *method; /* GET HEAD PUT POST */
	const char *url;
	struct curl_slist *headers;
	bool bounded_time; /* apply opts.timeout_ms */
};

static CURLcode
perform(struct ward_registry *r, const struct req *q, struct xfer *x, enum auth_mode auth,
	const char *secret)
{
	CURL *c = r->curl;
	CURLcode cc;
	const char *protos = r->o.plain_http ? "http,https" : "https";

	curl_easy_reset(c); /* keeps the connection cache */
	x->status = 0;
	x->content_length = -1;
	x->received = 0;
	x->decided = false;
	x->up_off = 0;
	x->elen = 0;
	if (x->sink == SINK_BUF)
		x->len = 0;
	r->curl_err[0] = '\0';

	curl_easy_setopt(c, CURLOPT_URL, q->url);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, r->curl_err);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "ward/0");
	/* file://, gopher://, ... from a redirect would let a registry read
	 * local files or reach other services; a TLS registry may not
	 * redirect to plain http either (downgrade). */
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, protos);
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, protos);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, (long)r->o.max_redirects);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, r->o.connect_timeout_ms);
	/* A registry that stops sending (or never answers) fails instead of
	 * hanging the pull forever. */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, r->o.low_speed_limit);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, r->o.low_speed_time_s);
	if (q->bounded_time && r->o.timeout_ms > 0)
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, r->o.timeout_ms);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (r->ca_file) {
		curl_easy_setopt(c, CURLOPT_CAINFO, r->ca_file);
		curl_easy_setopt(c, CURLOPT_CAPATH, "/etc/ssl/certs");
	}
	if (r->client_cert && r->client_key) {
		curl_easy_setopt(c, CURLOPT_SSLCERT, r->client_cert);
		curl_easy_setopt(c, CURLOPT_SSLKEY, r->client_key);
	}
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	if (x->sink == SINK_BUF)
		curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->max);
	if (q->headers)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, q->headers);

	if (!strcmp(q->method, "HEAD")) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	} else if (!strcmp(q->method, "PUT")) {
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(c, CURLOPT_READDATA, x);
		curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)x->up_len);
	} else if (!strcmp(q->method, "POST")) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
	}

	/* curl sends these only to the host of q->url, never to a redirect
	 * target on another host (CURLOPT_UNRESTRICTED_AUTH stays 0): a blob
	 * redirect to a CDN does not get the registry password or token. */
	if (auth == AUTH_BASIC && r->user) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, r->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, r->pass);
	} else if (auth == AUTH_BEARER && secret) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
		curl_easy_setopt(c, CURLOPT_XOAUTH2_BEARER, secret);
	}

	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &x->status);
	return cc;
}

static bool
retryable_curl(CURLcode cc)
{
	switch (cc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return true;
	default:
		return false;
	}
}

static bool
tls_error(CURLcode cc)
{
	return cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CONNECT_ERROR ||
	       cc == CURLE_SSL_CACERT_BADFILE || cc == CURLE_SSL_CERTPROBLEM ||
	       cc == CURLE_SSL_ISSUER_ERROR || cc == CURLE_SSL_PINNEDPUBKEYNOTMATCH;
}

/* The registry's {"errors":[{"code":..,"message":..}]}, for the message. */
static const char *
error_detail(const struct xfer *x, char *out, size_t cap)
{
	json_t *j, *e;
	const char *code, *msg;

	out[0] = '\0';
	if (!x->ebuf || !x->elen)
		return out;
	j = json_loadb(x->ebuf, x->elen, JSON_REJECT_DUPLICATES, NULL);
	e = json_array_get(json_object_get(j, "errors"), 0);
	code = json_string_value(json_object_get(e, "code"));
	msg = json_string_value(json_object_get(e, "message"));
	if (code || msg) {
		int n = snprintf(out, cap, ": %s%s%s", code ? code : "", code && msg ? " " : "",
				 msg ? msg : "");
		if (n < 0)
			out[0] = '\0';
		/* The message is the registry's: strip control characters so
		 * it cannot forge lines on the user's terminal. */
		for (char *p = out; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = '?';
	}
	json_decref(j);
	return out;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- auth --------------------------------------------------------------- */

static const char *
cached_token(struct ward_registry *r, const char *scope)
{
	size_t i;

	for (i = 0; i < r->n_tokens; i++)
		if (!strcmp(r->tokens[i].scope, scope))
			return r->tokens[i].token;
	return NULL;
}

static int
cache_token(struct ward_registry *r, const char *scope, char *token, struct ward_error **err)
{
	size_t i;

	for (i = 0; i < r->n_tokens; i++)
		if (!strcmp(r->tokens[i].scope, scope)) {
			wipe_free(r->tokens[i].token);
			r->tokens[i].token = token;
			return 0;
		}
	if (r->n_tokens == TOKEN_CACHE_MAX) {
		/* Bounded: drop the oldest. */
		free(r->tokens[0].scope);
		wipe_free(r->tokens[0].token);
		memmove(&r->tokens[0], &r->tokens[1], sizeof(r->tokens[0]) * (TOKEN_CACHE_MAX - 1));
		r->n_tokens--;
	}
	r->tokens[r->n_tokens].scope = strdup(scope);
	if (!r->tokens[r->n_tokens].scope) {
		wipe_free(token);
		return ward_error_set(err, ENOMEM, "token cache");
	}
	r->tokens[r->n_tokens++].token = token;
	return 0;
}

/* Host[:port] of an http(s) URL, lowercase as curl normalises it. */
static int
url_host(const char *url, char **ret_scheme, char **ret_hostport)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL;
	int rc = -EINVAL;

	if (!u)
		return -ENOMEM;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		goto out;
	if (strcmp(scheme, "http") && strcmp(scheme, "https"))
		goto out;
	(void)curl_url_get(u, CURLUPART_PORT, &port, 0);
	*ret_hostport = port ? ward_strdup_printf("%s:%s", host, port) : strdup(host);
	*ret_scheme = strdup(scheme);
	rc = (*ret_hostport && *ret_scheme) ? 0 : -ENOMEM;
	if (rc < 0) {
		free(*ret_hostport);
		free(*ret_scheme);
	}
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return rc;
}

/* Fetch a bearer token for the challenge. Credentials go to the realm only
 * when they are for its host: the registry's own when the realm is on the
 * registry's host (or docker.io's auth.docker.io), else whatever auth.json
 * holds for the realm host, else none. A hostile registry naming
 * https://evil/ as realm learns nothing. */
static int
fetch_token(struct ward_registry *r, const struct ward_auth_challenge *ch, const char *scope,
	    char **ret, struct ward_error **err)
{
	_cleanup_free_ char *scheme = NULL, *rhost = NULL, *url = NULL;
	char *esc_service = NULL, *esc_scope = NULL, *user = NULL, *pass = NULL;
	const char *use_scope = ch->scope ? ch->scope : scope;
	struct xfer x = {.sink = SINK_BUF, .max = WARD_REGISTRY_TOKEN_MAX};
	struct req q = {.method = "GET", .bounded_time = true};
	char detail[512];
	CURLcode cc;
	int rc;

	if (!ch->realm)
		return ward_error_setk(err, WARD_E_INVALID, 0,
				       "registry %s: Bearer challenge without realm", r->name);
	if (url_host(ch->realm, &scheme, &rhost) < 0)
		return ward_error_setk(err, WARD_E_INVALID, 0,
				       "registry %s: token realm '%s' is not an http(s) URL",
				       r->name, ch->realm);
	/* A TLS registry whose tokens come over plain http: anyone on the
	 * path would read the credentials and the token. */
	if (!r->o.plain_http && strcmp(scheme, "https"))
		return ward_error_setk(err, WARD_E_DENIED, 0,
				       "registry %s: token realm '%s' is not https", r->name,
				       ch->realm);
	esc_service = ch->service ? curl_easy_escape(r->curl, ch->service, 0) : NULL;
	esc_scope = use_scope && *use_scope ? curl_easy_escape(r->curl, use_scope, 0) : NULL;
	url = ward_strdup_printf("%s%sservice=%s%s%s", ch->realm,
				 strchr(ch->realm, '?') ? "&" : "?", esc_service ? esc_service : "",
				 esc_scope ? "&scope=" : "", esc_scope ? esc_scope : "");
	curl_free(esc_service);
	curl_free(esc_scope);
	if (!url)
		return ward_error_set(err, ENOMEM, "token request");
	q.url = url;

	bool same = !strcasecmp(rhost, r->host) ||
		    (!strcmp(r->name, "docker.io") && !strcasecmp(rhost, "auth.docker.io"));
	if (same && r->user) {
		user = r->user;
		pass = r->pass;
	} else if (!same && r->af) {
		if (ward_authfile_get(r->af, rhost, &user, &pass, NULL) < 0)
			user = pass = NULL;
	}
	/* perform() sends r->user/r->pass: lend it the realm's. */
	char *save_user = r->user, *save_pass = r->pass;
	r->user = user;
	r->pass = pass;
	cc = perform(r, &q, &x, user ? AUTH_BASIC : AUTH_NONE, NULL);
	if (cc == CURLE_FILESIZE_EXCEEDED)
		x.too_big = true;
	r->user = save_user;
	r->pass = save_pass;
	if (user != save_user) {
		wipe_free(user);
		wipe_free(pass);
	}
	if (cc != CURLE_OK) {
		rc = ward_error_set(err, x.too_big ? EFBIG : EIO, "token from '%s': %s", ch->realm,
				    x.too_big	     ? "response too large"
				    : r->curl_err[0] ? r->curl_err
						     : curl_easy_strerror(cc));
		goto out;
	}
	if (x.status != 200) {
		rc = ward_error_setk(
			err, x.status == 401 || x.status == 403 ? WARD_E_DENIED : WARD_E_SYSTEM,
			x.status == 401 ? EACCES : EIO, "token from '%s': HTTP %ld%s", ch->realm,
			x.status, error_detail(&x, detail, sizeof(detail)));
		goto out;
	}
	rc = ward_auth_parse_token(x.buf ? x.buf : "", x.len, ret, err);
	if (rc < 0)
		ward_error_wrap(err, "token from '%s'", ch->realm);
out:
	if (x.buf)
		explicit_bzero(x.buf, x.len);
	free(x.buf);
	free(x.ebuf);
	return rc;
}

/*
 * Run a request with auth and retries: send what we know works for this
 * scope (cached token, or Basic once the registry asked for it); on a 401
 * answer its challenge once and retry. 5xx, 429 and dropped connections are
 * retried with backoff, max_tries in all. Returns 0 with x->status set, or
 * an error for transport failures; HTTP statuses are the caller's to judge.
 */
static int
exchange(struct ward_registry *r, const struct req *q, const char *scope, struct xfer *x,
	 struct ward_error **err)
{
	bool answered = false;
	unsigned tries = 0;
	long delay = r->o.retry_delay_ms;
	uint64_t d0 = x->delivered;
	CURLcode cc;
	int rc;

	for (;;) {
		const char *tok = scope ? cached_token(r, scope) : NULL;
		enum auth_mode m = tok ? AUTH_BEARER : (r->basic ? AUTH_BASIC : AUTH_NONE);

		cc = perform(r, q, x, m, tok);
		tries++;
		if (cc == CURLE_OK && x->content_length >= 0 && strcmp(q->method, "HEAD") &&
		    x->received != (uint64_t)x->content_length && x->status >= 200 &&
		    x->status < 300)
			cc = CURLE_PARTIAL_FILE; /* Content-Length lied: truncated */
		if (cc == CURLE_FILESIZE_EXCEEDED)
			x->too_big = true;
		if (cc != CURLE_OK) {
			if (x->cb_failed) {
				rc = ward_error_code(x->cb_err);
				if (err && !*err) {
					*err = x->cb_err;
					x->cb_err = NULL;
				}
				return rc;
			}
			if (x->too_big)
				return ward_error_setk(err, WARD_E_DENIED, EFBIG,
						       "%s %s: response larger than %llu bytes",
						       q->method, q->url,
						       (unsigned long long)x->max);
			if (x->range_bad)
				return ward_error_setk(err, WARD_E_INVALID, 0,
						       "GET %s: resumed at byte %llu but the "
						       "registry sent Content-Range '%s'",
						       q->url, (unsigned long long)x->delivered,
						       x->content_range);
			if (tls_error(cc))
				return ward_error_setk(err, WARD_E_DENIED, 0,
						       "TLS verification of %s failed: %s", r->host,
						       r->curl_err[0] ? r->curl_err
								      : curl_easy_strerror(cc));
			if (x->up_fd_err)
				return ward_error_set(err, EIO, "%s %s: reading the upload failed",
						      q->method, q->url);
			/* A blob that made progress resumes in get_blob with a
			 * new Range; retrying here would repeat the old one. */
			if (retryable_curl(cc) && tries < r->o.max_tries && x->delivered == d0)
				goto again;
			return ward_error_set(err, cc == CURLE_OPERATION_TIMEDOUT ? ETIMEDOUT : EIO,
					      "%s %s: %s%s", q->method, q->url,
					      cc == CURLE_PARTIAL_FILE
						      ? "connection closed before Content-Length: "
						      : "",
					      r->curl_err[0] ? r->curl_err
							     : curl_easy_strerror(cc));
		}
		if (x->status == 401 && !answered) {
			struct ward_auth_challenge ch[WARD_AUTH_CHALLENGES_MAX] = {0};
			const struct ward_auth_challenge *bearer = NULL, *basic = NULL;
			int n, i;

			answered = true;
			if (x->www_auth_too_long)
				return ward_error_setk(err, WARD_E_INVALID, 0,
						       "%s %s: WWW-Authenticate too long",
						       q->method, q->url);
			n = ward_auth_parse_challenges(x->www_auth, strlen(x->www_auth), ch,
						       WARD_ARRAY_SIZE(ch), err);
			if (n < 0)
				return ward_error_wrap(err, "%s %s", q->method, q->url);
			for (i = 0; i < n; i++) {
				if (ch[i].scheme == WARD_AUTH_BEARER && !bearer)
					bearer = &ch[i];
				if (ch[i].scheme == WARD_AUTH_BASIC && !basic)
					basic = &ch[i];
			}
			rc = 0;
			if (bearer) {
				char *token = NULL;
				rc = fetch_token(r, bearer, scope ? scope : "", &token, err);
				if (rc == 0)
					rc = cache_token(r, scope ? scope : "", token, err);
				/* An unscoped request (GET /v2/) keys on "". */
				if (rc == 0 && !scope)
					scope = "";
			} else if (basic && r->user && !r->basic) {
				r->basic = true;
			} else {
				rc = 1;
			}
			for (i = 0; i < n; i++)
				ward_auth_challenge_clear(&ch[i]);
			if (rc < 0)
				return rc;
			if (rc == 0)
				continue; /* retry once with the credentials */
		}
		if ((x->status >= 500 || x->status == 429) && tries < r->o.max_tries)
			goto again;
		return 0;
	again:
		if (r->o.log)
			ward_log_write(r->o.log, WARD_LOG_DEBUG,
				       "registry: %s %s: %s, retry %u/%u in %ld ms", q->method,
				       q->url,
				       cc != CURLE_OK ? curl_easy_strerror(cc) : "server error",
				       tries, r->o.max_tries - 1, delay);
		sleep_ms(delay);
		delay *= 4;
	}
}

/* Turn a final non-2xx status into an error naming the request. */
static int
status_error(struct ward_registry *r, const struct req *q, const struct xfer *x,
	     struct ward_error **err)
{
	char detail[512];

	error_detail(x, detail, sizeof(detail));
	if (x->status == 401 || x->status == 403)
		return ward_error_setk(err, WARD_E_DENIED, EACCES, "%s %s: HTTP %ld%s%s", q->method,
				       q->url, x->status,
				       x->status == 403 ? " forbidden"
				       : r->user	? " unauthorized: credentials rejected"
							: " unauthorized: no credentials",
				       detail);
	if (x->status == 404)
		return ward_error_setk(err, WARD_E_NOTFOUND, ENOENT, "%s %s: HTTP 404 not found%s",
				       q->method, q->url, detail);
	return ward_error_set(err, EIO, "%s %s: HTTP %ld%s", q->method, q->url, x->status, detail);
}

/* ---- URLs ------------------------------------------------------------------ */

static char *
api_url(struct ward_registry *r, const char *repo, const char *kind, const char *ref)
{
	return ward_strdup_printf("%s/v2/%s/%s/%s", r->base, repo, kind, ref);
}

static char *
scope_for(const char *repo, bool push)
{
	return ward_strdup_printf("repository:%s:%s", repo, push ? "pull,push" : "pull");
}

static int
check_repo_ref(const char *repo, const char *ref, bool digest_only, struct ward_error **err)
{
	if (!ward_ref_valid_repository(repo))
		return ward_error_setk(err, WARD_E_INVALID, 0, "invalid repository '%s'",
				       repo ? repo : "");
	if (!ref || (!ward_ref_valid_digest(ref) && (digest_only || !ward_ref_valid_tag(ref))))
		return ward_error_setk(err, WARD_E_INVALID, 0, "invalid %s '%s' for %s",
				       digest_only ? "digest" : "tag or digest", ref ? ref : "",
				       repo);
	return 0;
}

static void
sha256_of(const void *buf, size_t len, char out[80])
{
	unsigned char md[32];
	unsigned int n = 0;

	EVP_Digest(buf, len, md, &n, EVP_sha256(), NULL);
	ward_registry_sha256_hex(md, out);
}

/* ---- API ---------------------------------------------------------------- */

int
ward_registry_ping(struct ward_registry *r, struct ward_error **err)
{
	_cleanup_free_ char *url = ward_strdup_printf("%s/v2/", r->base);
	struct xfer x = {.sink = SINK_NONE};
	struct req q = {.method = "GET", .bounded_time = true};
	int rc;

	if (!url)
		return ward_error_set(err, ENOMEM, "ping");
	q.url = url;
	rc = exchange(r, &q, NULL, &x, err);
	if (rc == 0 && x.status != 200)
		rc = status_error(r, &q, &x, err);
	free(x.ebuf);
	return rc;
}

void
ward_manifest_blob_clear(struct ward_manifest_blob *m)
{
	free(m->body);
	free(m->media_type);
	memset(m, 0, sizeof(*m));
}

int
ward_registry_get_manifest(struct ward_registry *r, const char *repo, const char *reference,
			   struct ward_manifest_blob *ret, struct ward_error **err)
{
	_cleanup_free_ char *url = NULL, *scope = NULL;
	struct xfer x = {.sink = SINK_BUF, .max = WARD_REGISTRY_MANIFEST_MAX};
	struct req q = {.method = "GET", .bounded_time = true};
	char digest[80];
	int rc;

	rc = check_repo_ref(repo, reference, false, err);
	if (rc < 0)
		return rc;
	url = api_url(r, repo, "manifests", reference);
	scope = scope_for(repo, false);
	q.headers = curl_slist_append(NULL, ACCEPT_MANIFESTS);
	if (!url || !scope || !q.headers) {
		curl_slist_free_all(q.headers);
		return ward_error_set(err, ENOMEM, "get manifest");
	}
	q.url = url;
	rc = exchange(r, &q, scope, &x, err);
	curl_slist_free_all(q.headers);
	if (rc < 0)
		goto out;
	if (x.status != 200) {
		rc = status_error(r, &q, &x, err);
		goto out;
	}
	sha256_of(x.buf ? x.buf : "", x.len, digest);
	/* Pulled by digest: the registry must serve exactly those bytes. */
	if (ward_ref_valid_digest(reference) && strcmp(digest, reference)) {
		rc = ward_error_setk(err, WARD_E_DENIED, 0,
				     "GET %s: body has digest %s, not the requested %s", url,
				     digest, reference);
		goto out;
	}
	/* By tag, the registry's own claim must at least be consistent. */
	if (ward_str_has_prefix(x.dcd, "sha256:") && strcmp(x.dcd, digest)) {
		rc = ward_error_setk(
			err, WARD_E_DENIED, 0,
			"GET %s: Docker-Content-Digest %s does not match the body's %s", url, x.dcd,
			digest);
		goto out;
	}
	if (!x.buf) {
		x.buf = strdup("");
		if (!x.buf) {
			rc = ward_error_set(err, ENOMEM, "get manifest");
			goto out;
		}
	}
	memset(ret, 0, sizeof(*ret));
	ret->body = TAKE_PTR(x.buf);
	ret->len = x.len;
	ret->media_type = x.content_type[0] ? strdup(x.content_type) : NULL;
	memcpy(ret->digest, digest, sizeof(digest));
out:
	free(x.buf);
	free(x.ebuf);
	return rc;
}

int
ward_registry_head_manifest(struct ward_registry *r, const char *repo, const char *reference,
			    char ret_digest[80], char **ret_media_type, int64_t *ret_size,
			    struct ward_error **err)
{
	_cleanup_free_ char *url = NULL, *scope = NULL;
	struct xfer x = {.sink = SINK_NONE};
	struct req q = {.method = "HEAD", .bounded_time = true};
	int rc;

	rc = check_repo_ref(repo, reference, false, err);
	if (rc < 0)
		return rc;
	url = api_url(r, repo, "manifests", reference);
	scope = scope_for(repo, false);
	q.headers = curl_slist_append(NULL, ACCEPT_MANIFESTS);
	if (!url || !scope || !q.headers) {
		curl_slist_free_all(q.headers);
		return ward_error_set(err, ENOMEM, "head manifest");
	}
	q.url = url;
	rc = exchange(r, &q, scope, &x, err);
	curl_slist_free_all(q.headers);
	if (rc < 0)
		goto out;
	if (x.status == 404) {
		rc = -ENOENT;
		goto out;
	}
	if (x.status != 200) {
		rc = status_error(r, &q, &x, err);
		goto out;
	}
	if (ret_digest) {
		ret_digest[0] = '\0';
		if (ward_ref_valid_digest(x.dcd))
			memcpy(ret_digest, x.dcd, 72);
	}
	if (ret_media_type)
		*ret_media_type = x.content_type[0] ? strdup(x.content_type) : NULL;
	if (ret_size)
		*ret_size = x.content_length;
out:
	free(x.ebuf);
	return rc;
}

static int
get_blob(struct ward_registry *r, const char *repo, const char *digest, int64_t expected_size,
	 uint64_t max, ward_registry_write_fn write, void *opaque, bool hash,
	 struct ward_error **err)
{
	_cleanup_free_ char *url = NULL, *scope = NULL;
	struct xfer x = {.sink = SINK_CB, .fn = write, .opaque = opaque, .max = max};
	struct req q = {.method = "GET"};
	unsigned attempt;
	unsigned char md[32];
	unsigned int mdlen = 0;
	char got[80];
	int rc = 0;

	rc = check_repo_ref(repo, digest, true, err);
	if (rc < 0)
		return rc;
	if (expected_size >= 0 && (uint64_t)expected_size > max)
		return ward_error_setk(err, WARD_E_DENIED, EFBIG,
				       "blob %s: size %lld is over the limit %llu", digest,
				       (long long)expected_size, (unsigned long long)max);
	if (expected_size >= 0)
		x.max = (uint64_t)expected_size; /* not one byte more than the manifest says */
	url = api_url(r, repo, "blobs", digest);
	scope = scope_for(repo, false);
	x.md = hash ? EVP_MD_CTX_new() : NULL;
	if (!url || !scope || (hash && (!x.md || EVP_DigestInit_ex(x.md, EVP_sha256(), NULL) != 1))) {
		EVP_MD_CTX_free(x.md);
		return ward_error_set(err, ENOMEM, "get blob");
	}
	q.url = url;

	/* exchange() retries from scratch; around it, resume: each attempt
	 * asks for the bytes after what the callback already has. */
	for (attempt = 1;; attempt++) {
		char range[64];
		struct ward_error *e = NULL;

		curl_slist_free_all(q.headers);
		q.headers = NULL;
		if (x.delivered) {
			snprintf(range, sizeof(range), "Range: bytes=%llu-",
				 (unsigned long long)x.delivered);
			q.headers = curl_slist_append(NULL, range);
			if (!q.headers) {
				rc = ward_error_set(err, ENOMEM, "get blob");
				goto out;
			}
		}
		uint64_t before = x.delivered;
		rc = exchange(r, &q, scope, &x, &e);
		if (rc < 0) {
			/* Progress was made on a transport failure: resume. */
			if (x.delivered > before && !x.cb_failed && !x.too_big && !x.range_bad &&
			    attempt < r->o.max_tries + 8 && (rc == -EIO || rc == -ETIMEDOUT)) {
				ward_error_free(e);
				continue;
			}
			if (err) {
				ward_error_free(*err);
				*err = e;
			} else {
				ward_error_free(e);
			}
			goto out;
		}
		break;
	}
	if (x.status == 416 || (x.status != 200 && x.status != 206)) {
		rc = status_error(r, &q, &x, err);
		goto out;
	}
	if (expected_size >= 0 && x.delivered != (uint64_t)expected_size) {
		rc = ward_error_setk(err, WARD_E_DENIED, 0,
				     "blob %s: got %llu bytes, the manifest says %lld", digest,
				     (unsigned long long)x.delivered, (long long)expected_size);
		goto out;
	}
	if (!hash) {
		rc = 0; /* the caller's writer verifies the digest */
		goto out;
	}
	EVP_DigestFinal_ex(x.md, md, &mdlen);
	ward_registry_sha256_hex(md, got);
	/* The bytes are already with the caller's writer (which verifies on
	 * commit too); say loudly that they are not the blob asked for. */
	if (strcmp(got, digest)) {
		rc = ward_error_setk(err, WARD_E_DENIED, 0, "blob %s: content has digest %s",
				     digest, got);
		goto out;
	}
	rc = 0;
out:
	curl_slist_free_all(q.headers);
	EVP_MD_CTX_free(x.md);
	ward_error_free(x.cb_err);
	free(x.ebuf);
	return rc;
}

int
ward_registry_get_blob(struct ward_registry *r, const char *repo, const char *digest,
		       int64_t expected_size, uint64_t max, ward_registry_write_fn write,
		       void *opaque, struct ward_error **err)
{
	return get_blob(r, repo, digest, expected_size, max, write, opaque, true, err);
}

int
ward_registry_get_blob_unhashed(struct ward_registry *r, const char *repo, const char *digest,
				int64_t expected_size, uint64_t max, ward_registry_write_fn write,
				void *opaque, struct ward_error **err)
{
	return get_blob(r, repo, digest, expected_size, max, write, opaque, false, err);
}

int
ward_registry_head_blob(struct ward_registry *r, const char *repo, const char *digest,
			int64_t *ret_size, struct ward_error **err)
{
	_cleanup_free_ char *url = NULL, *scope = NULL;
	struct xfer x = {.sink = SINK_NONE};
	struct req q = {.method = "HEAD", .bounded_time = true};
	int rc;

	rc = check_repo_ref(repo, digest, true, err);
	if (rc < 0)
		return rc;
	url = api_url(r, repo, "blobs", digest);
	scope = scope_for(repo, false);
	if (!url || !scope)
		return ward_error_set(err, ENOMEM, "head blob");
	q.url = url;
	rc = exchange(r, &q, scope, &x, err);
	if (rc < 0)
		goto out;
	if (x.status == 404) {
		rc = -ENOENT;
		goto out;
	}
	if (x.status != 200) {
		rc = status_error(r, &q, &x, err);
		goto out;
	}
	if (ret_size)
		*ret_size = x.content_length;
out:
	free(x.ebuf);
	return rc;
}

/* Resolve an upload Location against the registry. An absolute URL on
 * another host is refused: the next request carries our token. */
static int
upload_url(struct ward_registry *r, const char *loc, const char *digest, char **ret,
	   struct ward_error **err)
{
	_cleanup_free_ char *base = NULL, *scheme = NULL, *host = NULL;
	char *esc;

	if (!loc[0])
		return ward_error_set(err, EIO, "POST upload: no Location in the answer");
	if (loc[0] == '/') {
		base = ward_strdup_printf("%s%s", r->base, loc);
	} else {
		if (url_host(loc, &scheme, &host) < 0 || strcasecmp(host, r->host) ||
		    strcmp(scheme, r->o.plain_http ? "http" : "https"))
			return ward_error_setk(err, WARD_E_DENIED, 0,
					       "upload location '%s' is not on %s", loc, r->base);
		base = strdup(loc);
	}
	esc = curl_easy_escape(r->curl, digest, 0);
	if (!base || !esc) {
		curl_free(esc);
		return ward_error_set(err, ENOMEM, "upload");
	}
	*ret = ward_strdup_printf("%s%cdigest=%s", base, strchr(base, '?') ? '&' : '?', esc);
	curl_free(esc);
	return *ret ? 0 : ward_error_set(err, ENOMEM, "upload");
}

static int
push_blob(struct ward_registry *r, const char *repo, const char *buf, int fd, uint64_t size,
	  const char *want, char ret_digest[80], struct ward_error **err)
{
	_cleanup_free_ char *url = NULL, *scope = NULL, *put = NULL;
	struct xfer x = {.sink = SINK_NONE};
	struct req q = {.method = "POST", .bounded_time = true};
	char digest[80];
	int rc;

	if (!ward_ref_valid_repository(repo))
		return ward_error_setk(err, WARD_E_INVALID, 0, "invalid repository '%s'", repo);
	if (buf) {
		sha256_of(buf, size, digest);
	} else {
		EVP_MD_CTX *md = EVP_MD_CTX_new();
		unsigned char out[32], chunk[65536];
		uint64_t off = 0;
		if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
			EVP_MD_CTX_free(md);
			return ward_error_set(err, ENOMEM, "push blob");
		}
		while (off < size) {
			size_t want_n = size - off < sizeof(chunk) ? size - off : sizeof(chunk);
			ssize_t n = pread(fd, chunk, want_n, (off_t)off);
			if (n <= 0) {
				EVP_MD_CTX_free(md);
				return ward_error_set(err, n < 0 ? errno : EIO,
						      "push blob: read at %llu",
						      (unsigned long long)off);
			}
			EVP_DigestUpdate(md, chunk, (size_t)n);
			off += (uint64_t)n;
		}
		EVP_DigestFinal_ex(md, out, NULL);
		EVP_MD_CTX_free(md);
		ward_registry_sha256_hex(out, digest);
	}
	if (want && strcmp(want, digest))
		return ward_error_setk(err, WARD_E_INVALID, 0,
				       "push blob: content has digest %s, not %s", digest, want);
	rc = ward_registry_head_blob(r, repo, digest, NULL, err);
	if (rc == 0)
		goto done; /* already there */
	if (rc != -ENOENT)
		return rc;

	url = ward_strdup_printf("%s/v2/%s/blobs/uploads/", r->base, repo);
	scope = scope_for(repo, true);
	if (!url || !scope)
		return ward_error_set(err, ENOMEM, "push blob");
	q.url = url;
	rc = exchange(r, &q, scope, &x, err);
	if (rc < 0)
		goto out;
	if (x.status != 202) {
		rc = status_error(r, &q, &x, err);
		goto out;
	}
	rc = upload_url(r, x.location, digest, &put, err);
	if (rc < 0)
		goto out;

	free(x.ebuf);
	memset(&x, 0, sizeof(x));
	x.sink = SINK_NONE;
	x.up_buf = buf;
	x.up_fd = fd;
	x.up_len = size;
	q = (struct req){.method = "PUT", .url = put};
	q.headers = curl_slist_append(NULL, "Content-Type: application/octet-stream");
	q.headers = q.headers ? curl_slist_append(q.headers, "Expect:") : NULL;
	if (!q.headers)
		return ward_error_set(err, ENOMEM, "push blob");
	rc = exchange(r, &q, scope, &x, err);
	curl_slist_free_all(q.headers);
	if (rc < 0)
		goto out;
	if (x.status != 201) {
		rc = status_error(r, &q, &x, err);
		goto out;
	}
done:
	if (ret_digest)
		memcpy(ret_digest, digest, 80);
	rc = 0;
out:
	free(x.ebuf);
	return rc;
}

int
ward_registry_push_blob(struct ward_registry *r, const char *repo, const void *buf, size_t len,
			const char *digest, char ret_digest[80], struct ward_error **err)
{
	if (!buf && len)
		return ward_error_setk(err, WARD_E_INVALID, 0, "push blob: no buffer for %zu bytes",
				       len);
	return push_blob(r, repo, buf ? buf : "", -1, len, digest, ret_digest, err);
}

int
ward_registry_push_blob_fd(struct ward_registry *r, const char *repo, int fd, uint64_t size,
			   const char *digest, char ret_digest[80], struct ward_error **err)
{
	if (fd < 0)
		return ward_error_setk(err, WARD_E_INVALID, 0, "push blob: invalid fd %d", fd);
	return push_blob(r, repo, NULL, fd, size, digest, ret_digest, err);
}

int
ward_registry_put_manifest(struct ward_registry *r, const char *repo, const char *reference,
			   const char *media_type, const void *body, size_t len,
			   char ret_digest[80], struct ward_error **err)
{
	_cleanup_free_ char *url = NULL, *scope = NULL, *ct = NULL;
	struct xfer x = {.sink = SINK_NONE, .up_buf = body, .up_len = len, .up_fd = -1};
	struct req q = {.method = "PUT", .bounded_time = true};
	char digest[80];
	int rc;

	rc = check_repo_ref(repo, reference, false, err);
	if (rc < 0)
		return rc;
	if (len > WARD_REGISTRY_MANIFEST_MAX)
		return ward_error_setk(err, WARD_E_INVALID, EFBIG,
				       "manifest of %zu bytes is over %u", len,
				       WARD_REGISTRY_MANIFEST_MAX);
	if (!media_type || strpbrk(media_type, "\r\n"))
		return ward_error_setk(err, WARD_E_INVALID, 0, "put manifest: invalid media type");
	sha256_of(body, len, digest);
	if (ward_ref_valid_digest(reference) && strcmp(reference, digest))
		return ward_error_setk(err, WARD_E_INVALID, 0,
				       "put manifest: body has digest %s, not %s", digest,
				       reference);
	url = api_url(r, repo, "manifests", reference);
	scope = scope_for(repo, true);
	ct = ward_strdup_printf("Content-Type: %s", media_type);
	if (!url || !scope || !ct)
		return ward_error_set(err, ENOMEM, "put manifest");
	q.url = url;
	q.headers = curl_slist_append(NULL, ct);
	q.headers = q.headers ? curl_slist_append(q.headers, "Expect:") : NULL;
	if (!q.headers)
		return ward_error_set(err, ENOMEM, "put manifest");
	rc = exchange(r, &q, scope, &x, err);
	curl_slist_free_all(q.headers);
	if (rc < 0)
		goto out;
	if (x.status != 201) {
		rc = status_error(r, &q, &x, err);
		goto out;
	}
	if (ward_str_has_prefix(x.dcd, "sha256:") && strcmp(x.dcd, digest)) {
		rc = ward_error_setk(err, WARD_E_INVALID, 0,
				     "put manifest: registry says %s, body is %s", x.dcd, digest);
		goto out;
	}
	if (ret_digest)
		memcpy(ret_digest, digest, 80);
out:
	free(x.ebuf);
	return rc;
}
