/* SPDX-License-Identifier: Apache-2.0 */
/* Manifests, indexes, configs and platforms: hostile input names its field. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* clang-format off: cmocka needs stdarg, stddef and setjmp first. */
#include <cmocka.h>
/* clang-format on */

#include <ward/image.h>

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define DESC(mt, d, size) "{\"mediaType\":\"" mt "\",\"digest\":\"" d "\",\"size\":" #size "}"
#define CFG_DESC DESC("application/vnd.oci.image.config.v1+json", D1, 100)
#define LAYER DESC("application/vnd.oci.image.layer.v1.tar+gzip", D2, 2000)
#define OCI_MANIFEST(...) "{\"schemaVersion\":2," __VA_ARGS__ "}"

struct doc_case {
	const char *name;
	const char *json;
	const char *hint;
	const char *error; /* substring; NULL = must parse */
};

static const struct doc_case manifest_cases[] = {
	{"oci minimal", OCI_MANIFEST("\"config\":" CFG_DESC ",\"layers\":[" LAYER "]"), NULL, NULL},
	{"oci with mediaType",
	 OCI_MANIFEST("\"mediaType\":\"" WARD_MT_OCI_MANIFEST "\",\"config\":" CFG_DESC
		      ",\"layers\":[]"),
	 NULL, NULL},
	{"docker schema 2",
	 OCI_MANIFEST("\"mediaType\":\"" WARD_MT_DOCKER_MANIFEST "\",\"config\":" DESC(
		 "application/vnd.docker.container.image.v1+json", D1,
		 5) ",\"layers\":[" DESC("application/vnd.docker.image.rootfs.diff.tar.gzip", D2,
					 7) "]"),
	 WARD_MT_DOCKER_MANIFEST, NULL},
	{"not an object", "[]", NULL, "manifest: expected an object, got array"},
	{"not json", "{", NULL, "manifest: line"},
	{"schemaVersion missing", "{\"config\":" CFG_DESC ",\"layers\":[]}", NULL,
	 "manifest.schemaVersion: required"},
	{"schemaVersion 1", "{\"schemaVersion\":1}", NULL,
	 "manifest.schemaVersion: 1 is not supported"},
	{"schemaVersion string", "{\"schemaVersion\":\"2\"}", NULL,
	 "manifest.schemaVersion: expected an integer, got string"},
	{"config missing", OCI_MANIFEST("\"layers\":[]"), NULL, "manifest.config: required"},
	{"config a string", OCI_MANIFEST("\"config\":\"x\",\"layers\":[]"), NULL,
	 "manifest.config: expected an object, got string"},
	{"layers missing", OCI_MANIFEST("\"config\":" CFG_DESC), NULL, "manifest.layers: required"},
	{"layers an object", OCI_MANIFEST("\"config\":" CFG_DESC ",\"layers\":{}"), NULL,
	 "manifest.layers: expected an array, got object"},
	{"layer digest missing",
	 OCI_MANIFEST("\"config\":" CFG_DESC ",\"layers\":[" LAYER "," LAYER
		      ",{\"mediaType\":\"a/b\",\"size\":1}]"),
	 NULL, "manifest.layers[2].digest: required"},
	{"layer digest uppercase",
	 OCI_MANIFEST("\"config\":" CFG_DESC ",\"layers\":[{\"mediaType\":\"a/b\",\"size\":1,"
		      "\"digest\":\"sha256:AAAA\"}]"),
	 NULL, "manifest.layers[0].digest: invalid digest 'sha256:AAAA'"},
	{"layer digest sha512",
	 OCI_MANIFEST("\"config\":" CFG_DESC ",\"layers\":[{\"mediaType\":\"a/b\",\"size\":1,"
		      "\"digest\":\"sha512:00\"}]"),
	 NULL, "invalid digest 'sha512:00'"},
	{"layer digest path traversal",
	 OCI_MANIFEST("\"config\":" CFG_DESC ",\"layers\":[{\"mediaType\":\"a/b\",\"size\":1,"
		      "\"digest\":\"sha256:../../../../etc/passwd\"}]"),
	 NULL, "invalid digest"},
	{"size negative", OCI_MANIFEST("\"config\":" DESC("a/b", D1, -1) ",\"layers\":[]"), NULL,
	 "manifest.config.size"},
	{"size too big",
	 OCI_MANIFEST("\"config\":" DESC("a/b", D1, 9223372036854775807) ",\"layers\":[]"), NULL,
	 "manifest.config.size"},
	{"size a string",
	 OCI_MANIFEST("\"config\":{\"mediaType\":\"a/b\",\"digest\":\"" D1
		      "\",\"size\":\"1\"},\"layers\":[]"),
	 NULL, "manifest.config.size: expected an integer, got string"},
	{"size missing",
	 OCI_MANIFEST("\"config\":{\"mediaType\":\"a/b\",\"digest\":\"" D1 "\"},\"layers\":[]"),
	 NULL, "manifest.config.size: required"},
	{"mediaType missing in descriptor",
	 OCI_MANIFEST("\"config\":{\"digest\":\"" D1 "\",\"size\":1},\"layers\":[]"), NULL,
	 "manifest.config.mediaType: required"},
	{"mediaType with CRLF",
	 OCI_MANIFEST("\"config\":" DESC("a/b\\r\\nX-Evil: 1", D1, 1) ",\"layers\":[]"), NULL,
	 "manifest.config.mediaType: invalid media type"},
	{"unsupported mediaType",
	 OCI_MANIFEST("\"mediaType\":\"text/html\",\"config\":" CFG_DESC ",\"layers\":[]"), NULL,
	 "manifest.mediaType: unsupported media type 'text/html'"},
	{"index served as manifest",
	 OCI_MANIFEST("\"mediaType\":\"" WARD_MT_OCI_INDEX "\",\"manifests\":[]"), NULL,
	 "unsupported media type"},
	{"hint disagrees",
	 OCI_MANIFEST("\"mediaType\":\"" WARD_MT_OCI_MANIFEST "\",\"config\":" CFG_DESC
		      ",\"layers\":[]"),
	 WARD_MT_DOCKER_MANIFEST, "does not match"},
	{"ambiguous manifest with manifests",
	 OCI_MANIFEST("\"config\":" CFG_DESC ",\"layers\":[],\"manifests\":[]"), NULL,
	 "ambiguous document"},
	{"embedded NUL", OCI_MANIFEST("\"config\":" DESC("a/b\\u0000", D1, 1) ",\"layers\":[]"),
	 NULL, "NUL"},
};

static const struct doc_case index_cases[] = {
	{"oci index",
	 OCI_MANIFEST("\"mediaType\":\"" WARD_MT_OCI_INDEX
		      "\",\"manifests\":[{\"mediaType\":\"" WARD_MT_OCI_MANIFEST
		      "\",\"digest\":\"" D1 "\",\"size\":3,\"platform\":{\"os\":\"linux\","
		      "\"architecture\":\"amd64\"}}]"),
	 NULL, NULL},
	{"docker list", OCI_MANIFEST("\"mediaType\":\"" WARD_MT_DOCKER_LIST "\",\"manifests\":[]"),
	 NULL, NULL},
	{"manifests missing", "{\"schemaVersion\":2}", NULL, "index.manifests: required"},
	{"manifests a number", OCI_MANIFEST("\"manifests\":3"), NULL,
	 "index.manifests: expected an array, got integer"},
	{"entry digest bad",
	 OCI_MANIFEST("\"manifests\":[{\"mediaType\":\"a/b\",\"digest\":\"x\",\"size\":3}]"), NULL,
	 "index.manifests[0].digest: invalid digest 'x'"},
	{"platform without os",
	 OCI_MANIFEST("\"manifests\":[{\"mediaType\":\"a/b\",\"digest\":\"" D1
		      "\",\"size\":3,\"platform\":{\"architecture\":\"amd64\"}}]"),
	 NULL, "index.manifests[0].platform.os: required"},
	{"platform arch wrong type",
	 OCI_MANIFEST("\"manifests\":[{\"mediaType\":\"a/b\",\"digest\":\"" D1
		      "\",\"size\":3,\"platform\":{\"os\":\"linux\",\"architecture\":7}}]"),
	 NULL, "index.manifests[0].platform.architecture: expected a string, got integer"},
	{"ambiguous index with layers", OCI_MANIFEST("\"manifests\":[],\"layers\":[]"), NULL,
	 "ambiguous document"},
	{"manifest served as index",
	 OCI_MANIFEST("\"mediaType\":\"" WARD_MT_OCI_MANIFEST "\",\"manifests\":[]"), NULL,
	 "unsupported media type"},
};

#define CONFIG_JSON(...)                                                                \
	"{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\"," \
	"\"diff_ids\":[\"" D1 "\"]}" __VA_ARGS__ "}"

static const struct doc_case config_cases[] = {
	{"minimal", CONFIG_JSON(""), NULL, NULL},
	{"os missing",
	 "{\"architecture\":\"amd64\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}", NULL,
	 "image config: os: required"},
	{"rootfs missing", "{\"architecture\":\"amd64\",\"os\":\"linux\"}", NULL,
	 "image config: rootfs: required"},
	{"rootfs type wrong",
	 "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"x\",\"diff_ids\":[]}"
	 "}",
	 NULL, "rootfs.type: 'x' is not 'layers'"},
	{"diff_id invalid",
	 "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
	 "\"diff_ids\":[\"" D1 "\",\"md5:x\"]}}",
	 NULL, "rootfs.diff_ids[1]: invalid digest"},
	{"Env a string", CONFIG_JSON(",\"config\":{\"Env\":\"PATH=/bin\"}"), NULL,
	 "config.Env: expected an array, got string"},
	{"Env element not a string", CONFIG_JSON(",\"config\":{\"Env\":[\"A=1\",2]}"), NULL,
	 "config.Env[1]: expected a string"},
	{"Env without =", CONFIG_JSON(",\"config\":{\"Env\":[\"FOO\"]}"), NULL,
	 "config.Env[0]: 'FOO' is not KEY=VALUE"},
	{"Cmd an object", CONFIG_JSON(",\"config\":{\"Cmd\":{}}"), NULL,
	 "config.Cmd: expected an array, got object"},
	{"User a number", CONFIG_JSON(",\"config\":{\"User\":0}"), NULL,
	 "config.User: expected a string, got integer"},
	{"Labels value not a string", CONFIG_JSON(",\"config\":{\"Labels\":{\"a\":1}}"), NULL,
	 "config.Labels.a: expected a string, got integer"},
	{"ExposedPorts an array", CONFIG_JSON(",\"config\":{\"ExposedPorts\":[\"80/tcp\"]}"), NULL,
	 "config.ExposedPorts: expected an object, got array"},
	{"history not objects", CONFIG_JSON(",\"history\":[1]"), NULL,
	 "history[0]: expected an object, got integer"},
	{"empty_layer a string", CONFIG_JSON(",\"history\":[{\"empty_layer\":\"yes\"}]"), NULL,
	 "history[0].empty_layer: expected a boolean"},
};

static void
check_case(const struct doc_case *c, int kind)
{
	struct ward_error *err = NULL;
	int r;

	if (kind == 0) {
		struct ward_manifest *m = NULL;
		r = ward_manifest_parse(c->json, strlen(c->json), c->hint, &m, &err);
		ward_manifest_free(m);
	} else if (kind == 1) {
		struct ward_index *i = NULL;
		r = ward_index_parse(c->json, strlen(c->json), c->hint, &i, &err);
		ward_index_free(i);
	} else {
		struct ward_image_config *cfg = NULL;
		r = ward_image_config_parse(c->json, strlen(c->json), &cfg, &err);
		ward_image_config_free(cfg);
	}
	if (!c->error) {
		if (r < 0)
			fail_msg("%s: unexpected error: %s", c->name, err->msg);
	} else {
		if (r >= 0)
			fail_msg("%s: parsed, expected error '%s'", c->name, c->error);
		if (!strstr(err->msg, c->error))
			fail_msg("%s: error '%s' lacks '%s'", c->name, err->msg, c->error);
	}
	ward_error_free(err);
}

static void
test_manifest_cases_name_the_field(void **state)
{
	(void)state;
	for (size_t i = 0; i < WARD_ARRAY_SIZE(manifest_cases); i++)
		check_case(&manifest_cases[i], 0);
}

static void
test_index_cases_name_the_field(void **state)
{
	(void)state;
	for (size_t i = 0; i < WARD_ARRAY_SIZE(index_cases); i++)
		check_case(&index_cases[i], 1);
}

static void
test_config_cases_name_the_field(void **state)
{
	(void)state;
	for (size_t i = 0; i < WARD_ARRAY_SIZE(config_cases); i++)
		check_case(&config_cases[i], 2);
}

static void
test_digest_parse_accepts_only_canonical_sha256(void **state)
{
	static const char *bad[] = {
		"",
		"sha256:",
		"sha256:"
		"111",
		D1 "1",
		"SHA256:1111111111111111111111111111111111111111111111111111111111111111",
		"sha256:111111111111111111111111111111111111111111111111111111111111111G",
		"sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"sha512:1111111111111111111111111111111111111111111111111111111111111111",
		" sha256:1111111111111111111111111111111111111111111111111111111111111111",
	};
	struct ward_error *err = NULL;
	struct ward_digest d;

	(void)state;
	assert_int_equal(ward_digest_parse(D1, &d, &err), 0);
	assert_string_equal(ward_digest_hex(&d), &D1[7]);
	for (size_t i = 0; i < WARD_ARRAY_SIZE(bad); i++) {
		assert_true(ward_digest_parse(bad[i], &d, &err) < 0);
		assert_non_null(strstr(err->msg, "invalid digest"));
		ward_error_freep(&err);
	}
}

static void
test_digest_of_matches_known_vector(void **state)
{
	struct ward_digest d, s;
	struct ward_hasher *h = ward_hasher_new();

	(void)state;
	ward_digest_of("abc", 3, &d);
	assert_string_equal(
		d.s, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_non_null(h);
	ward_hasher_update(h, "a", 1);
	ward_hasher_update(h, "bc", 2);
	ward_hasher_final(h, &s);
	ward_hasher_free(h);
	assert_string_equal(d.s, s.s);
}

static void
test_manifest_fields_are_read(void **state)
{
	const char *j = OCI_MANIFEST("\"config\":" CFG_DESC ",\"layers\":[" LAYER "," LAYER "]");
	struct ward_manifest *m = NULL;
	struct ward_error *err = NULL;

	(void)state;
	assert_int_equal(ward_manifest_parse(j, strlen(j), NULL, &m, &err), 0);
	assert_string_equal(m->media_type, WARD_MT_OCI_MANIFEST);
	assert_string_equal(m->config.digest.s, D1);
	assert_int_equal(m->config.size, 100);
	assert_int_equal(m->n_layers, 2);
	assert_string_equal(m->layers[1].media_type, "application/vnd.oci.image.layer.v1.tar+gzip");
	assert_int_equal(m->layers[1].size, 2000);
	ward_manifest_free(m);
}

static char *
repeat_json(const char *head, const char *elem, size_t n, const char *tail)
{
	size_t hl = strlen(head), el = strlen(elem), tl = strlen(tail);
	char *buf = malloc(hl + n * (el + 1) + tl + 1), *p = buf;

	assert_non_null(buf);
	memcpy(p, head, hl);
	p += hl;
	for (size_t i = 0; i < n; i++) {
		if (i)
			*p++ = ',';
		memcpy(p, elem, el);
		p += el;
	}
	memcpy(p, tail, tl + 1);
	return buf;
}

static void
test_manifest_refuses_huge_layer_array(void **state)
{
	struct ward_manifest *m = NULL;
	struct ward_error *err = NULL;
	char *j;

	(void)state;
	j = repeat_json("{\"schemaVersion\":2,\"config\":" CFG_DESC ",\"layers\":[", LAYER,
			WARD_MANIFEST_MAX_LAYERS + 1, "]}");
	assert_true(ward_manifest_parse(j, strlen(j), NULL, &m, &err) < 0);
	assert_non_null(strstr(err->msg, "manifest.layers"));
	ward_error_freep(&err);
	free(j);
	j = repeat_json("{\"schemaVersion\":2,\"config\":" CFG_DESC ",\"layers\":[", LAYER,
			WARD_MANIFEST_MAX_LAYERS, "]}");
	assert_int_equal(ward_manifest_parse(j, strlen(j), NULL, &m, &err), 0);
	assert_int_equal(m->n_layers, WARD_MANIFEST_MAX_LAYERS);
	ward_manifest_free(m);
	free(j);
}

static void
test_index_refuses_huge_manifest_array(void **state)
{
	struct ward_index *idx = NULL;
	struct ward_error *err = NULL;
	char *j;

	(void)state;
	j = repeat_json("{\"schemaVersion\":2,\"manifests\":[", CFG_DESC,
			WARD_INDEX_MAX_MANIFESTS + 1, "]}");
	assert_true(ward_index_parse(j, strlen(j), NULL, &idx, &err) < 0);
	assert_non_null(strstr(err->msg, "index.manifests"));
	ward_error_freep(&err);
	free(j);
}

static void
test_config_refuses_huge_env(void **state)
{
	struct ward_image_config *c = NULL;
	struct ward_error *err = NULL;
	char *j;

	(void)state;
	j = repeat_json("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":"
			"\"layers\",\"diff_ids\":[]},\"config\":{\"Env\":[",
			"\"A=1\"", WARD_CONFIG_MAX_ENTRIES + 1, "]}}");
	assert_true(ward_image_config_parse(j, strlen(j), &c, &err) < 0);
	assert_non_null(strstr(err->msg, "config.Env"));
	ward_error_freep(&err);
	free(j);
}

static void
test_manifest_refuses_more_than_4mib(void **state)
{
	size_t len = WARD_MANIFEST_MAX + 1;
	char *buf = malloc(len);
	struct ward_manifest *m = NULL;
	struct ward_index *i = NULL;
	struct ward_image_config *c = NULL;
	struct ward_error *err = NULL;

	(void)state;
	assert_non_null(buf);
	memset(buf, ' ', len);
	buf[0] = '{';
	buf[len - 1] = '}';
	assert_int_equal(ward_manifest_parse(buf, len, NULL, &m, &err), -EFBIG);
	assert_non_null(strstr(err->msg, "more than the 4194304 allowed"));
	ward_error_freep(&err);
	assert_int_equal(ward_index_parse(buf, len, NULL, &i, &err), -EFBIG);
	ward_error_freep(&err);
	assert_int_equal(ward_image_config_parse(buf, len, &c, &err), -EFBIG);
	ward_error_freep(&err);
	free(buf);
}

static void
test_config_fields_are_read(void **state)
{
	const char *j = CONFIG_JSON(
		",\"variant\":\"v8\",\"config\":{\"Env\":[\"PATH=/"
		"bin\",\"A=b=c\"],\"Entrypoint\":[\"/init\"],"
		"\"Cmd\":[\"sh\",\"-c\",\"x\"],\"WorkingDir\":\"/srv\",\"User\":\"1000:1000\","
		"\"ExposedPorts\":{\"80/tcp\":{},\"53/udp\":{}},\"Volumes\":{\"/data\":{}},"
		"\"Labels\":{\"k\":\"v\"},\"StopSignal\":\"SIGTERM\","
		"\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"]}},"
		"\"history\":[{\"created_by\":\"a\"},{\"empty_layer\":true},{}]");
	struct ward_image_config *c = NULL;
	struct ward_error *err = NULL;

	(void)state;
	if (ward_image_config_parse(j, strlen(j), &c, &err) < 0)
		fail_msg("%s", err->msg);
	assert_string_equal(c->os, "linux");
	assert_string_equal(c->architecture, "amd64");
	assert_string_equal(c->variant, "v8");
	assert_int_equal(ward_strv_length(c->env), 2);
	assert_string_equal(c->env[1], "A=b=c");
	assert_string_equal(c->entrypoint[0], "/init");
	assert_int_equal(ward_strv_length(c->cmd), 3);
	assert_string_equal(c->working_dir, "/srv");
	assert_string_equal(c->user, "1000:1000");
	assert_int_equal(ward_strv_length(c->exposed_ports), 2);
	assert_string_equal(c->volumes[0], "/data");
	assert_int_equal(c->n_labels, 1);
	assert_string_equal(c->label_keys[0], "k");
	assert_string_equal(c->label_values[0], "v");
	assert_string_equal(c->stop_signal, "SIGTERM");
	assert_true(c->has_healthcheck);
	assert_int_equal(c->n_diff_ids, 1);
	assert_string_equal(c->diff_ids[0].s, D1);
	assert_int_equal(c->n_history, 3);
	assert_int_equal(c->n_history_layers, 2);
	ward_image_config_free(c);
}

static void
test_platform_parse_accepts_os_arch_variant(void **state)
{
	static const char *bad[] = {"linux",	   "linux/",	   "/amd64",	"linux/amd64/v8/x",
				    "Linux/amd64", "linux/amd 64", "linux//v8", ""};
	struct ward_error *err = NULL;
	struct ward_platform p;

	(void)state;
	assert_int_equal(ward_platform_parse("linux/arm64/v8", &p, &err), 0);
	assert_string_equal(p.os, "linux");
	assert_string_equal(p.architecture, "arm64");
	assert_string_equal(p.variant, "v8");
	assert_int_equal(ward_platform_parse("linux/amd64", &p, &err), 0);
	assert_string_equal(p.variant, "");
	for (size_t i = 0; i < WARD_ARRAY_SIZE(bad); i++) {
		if (ward_platform_parse(bad[i], &p, &err) == 0)
			fail_msg("'%s' accepted", bad[i]);
		assert_non_null(strstr(err->msg, "invalid platform"));
		ward_error_freep(&err);
	}
}

static void
test_platform_host_uses_go_names(void **state)
{
	struct ward_platform p;

	(void)state;
	ward_platform_host(&p);
	assert_string_equal(p.os, "linux");
#if defined(__x86_64__)
	assert_string_equal(p.architecture, "amd64");
#elif defined(__aarch64__)
	assert_string_equal(p.architecture, "arm64");
	assert_string_equal(p.variant, "v8");
#endif
}

#define ENTRY(d, plat) \
	"{\"mediaType\":\"" WARD_MT_OCI_MANIFEST "\",\"digest\":\"" d "\",\"size\":1" plat "}"
#define PLAT(os, arch, var) ",\"platform\":{\"os\":\"" os "\",\"architecture\":\"" arch "\"" var "}"

static void
test_index_pick_matches_platform(void **state)
{
	const char *j = OCI_MANIFEST(
		"\"manifests\":[" ENTRY(D1, "") "," ENTRY(D1, PLAT("linux", "arm", ",\"variant\":\"v6\"")) "," ENTRY(
			D2,
			PLAT("linux", "arm",
			     ",\"variant\":\"v7\"")) "," ENTRY(D1,
							       PLAT("linux", "arm64",
								    "")) "," ENTRY(D2,
										   PLAT("linux",
											"amd64",
											"")) "]");
	const struct ward_index_entry *e = NULL;
	struct ward_index *idx = NULL;
	struct ward_error *err = NULL;
	struct ward_platform p;

	(void)state;
	if (ward_index_parse(j, strlen(j), NULL, &idx, &err) < 0)
		fail_msg("%s", err->msg);
	assert_int_equal(ward_platform_parse("linux/arm/v7", &p, &err), 0);
	assert_int_equal(ward_index_pick(idx, &p, &e, &err), 0);
	assert_ptr_equal(e, &idx->manifests[2]);
	assert_int_equal(ward_platform_parse("linux/arm64/v8", &p, &err), 0);
	assert_int_equal(ward_index_pick(idx, &p, &e, &err), 0);
	assert_ptr_equal(e, &idx->manifests[3]);
	assert_int_equal(ward_platform_parse("linux/amd64", &p, &err), 0);
	assert_int_equal(ward_index_pick(idx, &p, &e, &err), 0);
	assert_string_equal(e->desc.digest.s, D2);
	assert_int_equal(ward_platform_parse("linux/s390x", &p, &err), 0);
	assert_int_equal(ward_index_pick(idx, &p, &e, &err), -ENOENT);
	assert_int_equal(err->kind, WARD_E_NOTFOUND);
	assert_non_null(strstr(err->msg, "no manifest for linux/s390x (have: linux/arm/v6, "
					 "linux/arm/v7, linux/arm64, linux/amd64)"));
	ward_error_freep(&err);
	ward_index_free(idx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digest_parse_accepts_only_canonical_sha256),
		cmocka_unit_test(test_digest_of_matches_known_vector),
		cmocka_unit_test(test_manifest_cases_name_the_field),
		cmocka_unit_test(test_index_cases_name_the_field),
		cmocka_unit_test(test_config_cases_name_the_field),
		cmocka_unit_test(test_manifest_fields_are_read),
		cmocka_unit_test(test_manifest_refuses_huge_layer_array),
		cmocka_unit_test(test_manifest_refuses_more_than_4mib),
		cmocka_unit_test(test_index_refuses_huge_manifest_array),
		cmocka_unit_test(test_config_refuses_huge_env),
		cmocka_unit_test(test_config_fields_are_read),
		cmocka_unit_test(test_platform_parse_accepts_os_arch_variant),
		cmocka_unit_test(test_platform_host_uses_go_names),
		cmocka_unit_test(test_index_pick_matches_platform),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
