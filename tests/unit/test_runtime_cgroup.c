/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cgroup module, pure parts: linux.resources parsing (valid and invalid,
 * with the field in the message), cgroupsPath normalisation, layout
 * detection from mountinfo text, the device-rule emulator and the eBPF
 * device program (run in a small interpreter here and compared with the
 * emulator), the v1->v2 conversions, features and state.json validation.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <linux/magic.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/vfs.h>

/* clang-format off: cmocka needs stdarg, stddef and setjmp first. */
#include <cmocka.h>
/* clang-format on */

#include <ward/runtime.h>

#include "runtime/cgroup_internal.h"

/* ---- helpers ------------------------------------------------------------ */

static int
parse_text(const char *text, struct ward_cgroup_resources **ret, struct ward_error **err)
{
	json_t *j = NULL;
	int r;

	r = ward_json_parse(text, strlen(text), "test", &j, err);
	if (r < 0)
		return r;
	r = ward_cgroup_resources_parse(j, "linux.resources", ret, err);
	json_decref(j);
	return r;
}

static struct ward_cgroup_resources *
must_parse(const char *text)
{
	struct ward_cgroup_resources *r = NULL;
	struct ward_error *err = NULL;

	if (parse_text(text, &r, &err) < 0) {
		print_error("parse %s: %s\n", text, err ? err->msg : "?");
		ward_error_free(err);
		fail();
	}
	assert_non_null(r);
	return r;
}

static void
check_parse_error(const char *text, const char *want)
{
	struct ward_cgroup_resources *r = NULL;
	struct ward_error *err = NULL;
	int rc = parse_text(text, &r, &err);

	if (rc >= 0) {
		print_error("expected an error for %s\n", text);
		ward_cgroup_resources_free(r);
		fail();
	}
	assert_null(r);
	assert_non_null(err);
	if (!strstr(err->msg, want)) {
		print_error("input %s\n  error '%s'\n  lacks '%s'\n", text, err->msg, want);
		ward_error_free(err);
		fail();
	}
	ward_error_free(err);
}

/* ---- parsing ------------------------------------------------------------ */

static void
test_parse_full_resources_sets_every_field(void **state)
{
	(void)state;
	struct ward_cgroup_resources *r = must_parse(
		"{\"memory\":{\"limit\":67108864,\"reservation\":33554432,\"swap\":134217728,"
		"\"kernel\":1000,\"kernelTCP\":2000,\"swappiness\":10,\"disableOOMKiller\":true,"
		"\"useHierarchy\":true,\"checkBeforeUpdate\":false},"
		"\"cpu\":{\"shares\":512,\"quota\":50000,\"burst\":1000,\"period\":100000,"
		"\"realtimeRuntime\":900,\"realtimePeriod\":1000,\"cpus\":\"0-1\",\"mems\":\"0\","
		"\"idle\":1},"
		"\"pids\":{\"limit\":32},"
		"\"blockIO\":{\"weight\":500,\"leafWeight\":300,"
		"\"weightDevice\":[{\"major\":8,\"minor\":0,\"weight\":600}],"
		"\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":1048576}],"
		"\"throttleWriteIOPSDevice\":[{\"major\":8,\"minor\":16,\"rate\":100}]},"
		"\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":209715200}],"
		"\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
		"{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rw\"}],"
		"\"network\":{\"classID\":1048577,\"priorities\":[{\"name\":\"eth0\",\"priority\":"
		"5}]},"
		"\"rdma\":{\"mlx5_0\":{\"hcaHandles\":3,\"hcaObjects\":10000}},"
		"\"unified\":{\"memory.high\":\"50000000\",\"io.latency\":\"target=100\"}}");

	assert_string_equal(r->where, "linux.resources");
	assert_true(r->memory.limit.set);
	assert_int_equal(r->memory.limit.v, 67108864);
	assert_int_equal(r->memory.reservation.v, 33554432);
	assert_int_equal(r->memory.swap.v, 134217728);
	assert_true(r->memory.kernel.set);
	assert_int_equal(r->memory.kernel_tcp.v, 2000);
	assert_true(r->memory.swappiness.set);
	assert_int_equal(r->memory.swappiness.v, 10);
	assert_true(r->memory.disable_oom_killer.set && r->memory.disable_oom_killer.v);
	assert_true(r->memory.use_hierarchy.set && r->memory.use_hierarchy.v);
	assert_true(r->memory.check_before_update.set && !r->memory.check_before_update.v);

	assert_int_equal(r->cpu.shares.v, 512);
	assert_int_equal(r->cpu.quota.v, 50000);
	assert_int_equal(r->cpu.burst.v, 1000);
	assert_int_equal(r->cpu.period.v, 100000);
	assert_int_equal(r->cpu.realtime_runtime.v, 900);
	assert_int_equal(r->cpu.realtime_period.v, 1000);
	assert_string_equal(r->cpu.cpus, "0-1");
	assert_string_equal(r->cpu.mems, "0");
	assert_true(r->cpu.idle.set);
	assert_int_equal(r->cpu.idle.v, 1);

	assert_true(r->pids_limit.set);
	assert_int_equal(r->pids_limit.v, 32);

	assert_int_equal(r->blkio.weight.v, 500);
	assert_int_equal(r->blkio.leaf_weight.v, 300);
	assert_int_equal(r->blkio.n_weight_device, 1);
	assert_int_equal(r->blkio.weight_device[0].major, 8);
	assert_int_equal(r->blkio.weight_device[0].weight.v, 600);
	assert_false(r->blkio.weight_device[0].leaf_weight.set);
	assert_int_equal(r->blkio.n_throttle[CGROUP_THROTTLE_READ_BPS], 1);
	assert_int_equal(r->blkio.throttle[CGROUP_THROTTLE_READ_BPS][0].rate, 1048576);
	assert_int_equal(r->blkio.n_throttle[CGROUP_THROTTLE_WRITE_IOPS], 1);
	assert_int_equal(r->blkio.throttle[CGROUP_THROTTLE_WRITE_IOPS][0].minor, 16);
	assert_int_equal(r->blkio.n_throttle[CGROUP_THROTTLE_WRITE_BPS], 0);

	assert_int_equal(r->n_hugepages, 1);
	assert_string_equal(r->hugepages[0].page_size, "2MB");
	assert_int_equal(r->hugepages[0].limit, 209715200);

	assert_true(r->has_devices);
	assert_int_equal(r->n_devices, 2);
	assert_false(r->devices[0].allow);
	assert_int_equal(r->devices[0].type, 'a');
	assert_int_equal(r->devices[0].access, CGROUP_DEV_ALL);
	assert_true(r->devices[1].allow);
	assert_int_equal(r->devices[1].type, 'c');
	assert_int_equal(r->devices[1].major, 1);
	assert_int_equal(r->devices[1].minor, 3);
	assert_int_equal(r->devices[1].access, CGROUP_DEV_READ | CGROUP_DEV_WRITE);

	assert_int_equal(r->network.class_id.v, 1048577);
	assert_int_equal(r->network.n_priorities, 1);
	assert_string_equal(r->network.priorities[0].name, "eth0");
	assert_int_equal(r->network.priorities[0].priority, 5);

	assert_int_equal(r->n_rdma, 1);
	assert_string_equal(r->rdma[0].device, "mlx5_0");
	assert_int_equal(r->rdma[0].hca_handles.v, 3);
	assert_int_equal(r->rdma[0].hca_objects.v, 10000);

	assert_int_equal(r->n_unified, 2);
	ward_cgroup_resources_free(r);
}

static void
test_parse_empty_object_sets_nothing(void **state)
{
	(void)state;
	struct ward_cgroup_resources *r = must_parse("{}");

	assert_false(r->memory.limit.set);
	assert_false(r->cpu.shares.set);
	assert_null(r->cpu.cpus);
	assert_false(r->pids_limit.set);
	/* No "devices" key: the devices controller is left alone. */
	assert_false(r->has_devices);
	assert_int_equal(r->n_devices, 0);
	ward_cgroup_resources_free(r);
}

static void
test_parse_zero_reads_as_unset_like_runc(void **state)
{
	(void)state;
	struct ward_cgroup_resources *r = must_parse(
		"{\"memory\":{\"limit\":0,\"swap\":0,\"reservation\":0,\"swappiness\":-1},"
		"\"cpu\":{\"shares\":0,\"quota\":0,\"period\":0,\"cpus\":\"\",\"burst\":0},"
		"\"pids\":{\"limit\":0},\"blockIO\":{\"weight\":0},\"devices\":[]}");

	assert_false(r->memory.limit.set);
	assert_false(r->memory.swap.set);
	assert_false(r->memory.reservation.set);
	assert_false(r->memory.swappiness.set);
	assert_false(r->cpu.shares.set);
	assert_false(r->cpu.quota.set);
	assert_false(r->cpu.period.set);
	assert_null(r->cpu.cpus);
	/* burst 0 is a real value (no burst), not "unset". */
	assert_true(r->cpu.burst.set);
	assert_false(r->pids_limit.set);
	assert_false(r->blkio.weight.set);
	/* An empty "devices" list is present: deny everything. */
	assert_true(r->has_devices);
	ward_cgroup_resources_free(r);
}

static void
test_parse_unlimited_values(void **state)
{
	(void)state;
	struct ward_cgroup_resources *r =
		must_parse("{\"memory\":{\"limit\":-1,\"swap\":-1},\"cpu\":{\"quota\":-1},"
			   "\"pids\":{\"limit\":-1}}");

	assert_true(r->memory.limit.set);
	assert_int_equal(r->memory.limit.v, -1);
	assert_int_equal(r->memory.swap.v, -1);
	assert_int_equal(r->cpu.quota.v, -1);
	assert_true(r->pids_limit.set);
	assert_int_equal(r->pids_limit.v, -1);
	ward_cgroup_resources_free(r);
}

static void
test_parse_json_null_reads_as_absent(void **state)
{
	(void)state;
	struct ward_cgroup_resources *r =
		must_parse("{\"memory\":{\"limit\":null},\"cpu\":null,\"devices\":null}");

	assert_false(r->memory.limit.set);
	assert_false(r->has_devices);
	ward_cgroup_resources_free(r);
}

static void
test_parse_device_defaults(void **state)
{
	(void)state;
	/* No type: "a"; no numbers: wildcards; no access: "rwm". */
	struct ward_cgroup_resources *r = must_parse(
		"{\"devices\":[{\"allow\":true},{\"allow\":false,\"type\":\"b\",\"major\":8,"
		"\"minor\":-1,\"access\":\"\"}]}");

	assert_int_equal(r->devices[0].type, 'a');
	assert_int_equal(r->devices[0].major, CGROUP_DEV_WILDCARD);
	assert_int_equal(r->devices[0].minor, CGROUP_DEV_WILDCARD);
	assert_int_equal(r->devices[0].access, CGROUP_DEV_ALL);
	assert_int_equal(r->devices[1].type, 'b');
	assert_int_equal(r->devices[1].major, 8);
	assert_int_equal(r->devices[1].minor, CGROUP_DEV_WILDCARD);
	assert_int_equal(r->devices[1].access, CGROUP_DEV_ALL);
	ward_cgroup_resources_free(r);
}

static const struct {
	const char *json, *want;
} bad_inputs[] = {
	{"[]", "linux.resources: expected an object, got array"},
	{"{\"memory\":[]}", "linux.resources.memory: expected an object, got array"},
	{"{\"memory\":{\"limit\":\"64M\"}}",
	 "linux.resources.memory.limit: expected an integer, got string"},
	{"{\"memory\":{\"limit\":1.5}}", "linux.resources.memory.limit: expected an integer"},
	{"{\"memory\":{\"limit\":-5}}", "linux.resources.memory.limit: -5 is neither"},
	{"{\"memory\":{\"reservation\":-2}}", "linux.resources.memory.reservation"},
	{"{\"memory\":{\"limit\":100,\"swap\":50}}", "linux.resources.memory.swap: 50 is below"},
	{"{\"memory\":{\"swappiness\":101}}", "linux.resources.memory.swappiness: 101 is outside"},
	{"{\"memory\":{\"swappiness\":-2}}", "linux.resources.memory.swappiness"},
	{"{\"memory\":{\"disableOOMKiller\":1}}",
	 "linux.resources.memory.disableOOMKiller: expected a boolean"},
	{"{\"cpu\":{\"shares\":1}}", "linux.resources.cpu.shares: 1 is outside [2, 262144]"},
	{"{\"cpu\":{\"shares\":262145}}", "linux.resources.cpu.shares"},
	{"{\"cpu\":{\"shares\":-3}}", "linux.resources.cpu.shares: must not be negative"},
	{"{\"cpu\":{\"quota\":-2}}", "linux.resources.cpu.quota"},
	{"{\"cpu\":{\"period\":4294967296}}", "linux.resources.cpu.period"},
	{"{\"cpu\":{\"idle\":2}}", "linux.resources.cpu.idle: 2 is outside [0, 1]"},
	{"{\"cpu\":{\"realtimeRuntime\":-7}}", "linux.resources.cpu.realtimeRuntime"},
	{"{\"cpu\":{\"cpus\":\"0-\"}}", "linux.resources.cpu.cpus: '0-' is not a CPU list"},
	{"{\"cpu\":{\"cpus\":\"3-1\"}}", "linux.resources.cpu.cpus"},
	{"{\"cpu\":{\"cpus\":\"0 1\"}}", "linux.resources.cpu.cpus"},
	{"{\"cpu\":{\"cpus\":\"0\\n1\"}}", "linux.resources.cpu.cpus"},
	{"{\"cpu\":{\"mems\":\"a\"}}", "linux.resources.cpu.mems"},
	{"{\"cpu\":{\"cpus\":7}}", "linux.resources.cpu.cpus: expected a string, got integer"},
	{"{\"pids\":{\"limit\":\"x\"}}", "linux.resources.pids.limit: expected an integer"},
	{"{\"blockIO\":{\"weight\":5}}", "linux.resources.blockIO.weight: 5 is outside [10, 1000]"},
	{"{\"blockIO\":{\"weight\":1001}}", "linux.resources.blockIO.weight"},
	{"{\"blockIO\":{\"weightDevice\":[{\"minor\":0,\"weight\":10}]}}",
	 "linux.resources.blockIO.weightDevice[0].major: required"},
	{"{\"blockIO\":{\"weightDevice\":[{\"major\":-1,\"minor\":0}]}}",
	 "linux.resources.blockIO.weightDevice[0].major: -1 is outside"},
	{"{\"blockIO\":{\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0}]}}",
	 "linux.resources.blockIO.throttleReadBpsDevice[0].rate: required"},
	{"{\"blockIO\":{\"throttleWriteIOPSDevice\":[7]}}",
	 "linux.resources.blockIO.throttleWriteIOPSDevice[0]: expected an object"},
	{"{\"hugepageLimits\":[{\"pageSize\":\"2MB/../x\",\"limit\":1}]}",
	 "linux.resources.hugepageLimits[0].pageSize: '2MB/../x' is not a page size"},
	{"{\"hugepageLimits\":[{\"pageSize\":\"MB\",\"limit\":1}]}",
	 "linux.resources.hugepageLimits[0].pageSize"},
	{"{\"hugepageLimits\":[{\"pageSize\":\"2mb\",\"limit\":1}]}",
	 "linux.resources.hugepageLimits[0].pageSize"},
	{"{\"hugepageLimits\":[{\"pageSize\":\"2MB\"}]}",
	 "linux.resources.hugepageLimits[0].limit: required"},
	{"{\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":1},{\"pageSize\":\"2MB\","
	 "\"limit\":2}]}",
	 "linux.resources.hugepageLimits[1].pageSize: '2MB' is listed twice"},
	{"{\"devices\":[{\"type\":\"c\"}]}", "linux.resources.devices[0].allow: required"},
	{"{\"devices\":[{\"allow\":\"yes\"}]}",
	 "linux.resources.devices[0].allow: expected a boolean"},
	{"{\"devices\":[{\"allow\":true,\"type\":\"u\"}]}", "linux.resources.devices[0].type"},
	{"{\"devices\":[{\"allow\":true,\"type\":\"cc\"}]}", "linux.resources.devices[0].type"},
	{"{\"devices\":[{\"allow\":true,\"access\":\"rwx\"}]}",
	 "linux.resources.devices[0].access: 'rwx'"},
	{"{\"devices\":[{\"allow\":true,\"access\":\"rr\"}]}", "linux.resources.devices[0].access"},
	{"{\"devices\":[{\"allow\":true,\"type\":\"c\",\"major\":-2}]}",
	 "linux.resources.devices[0].major: -2 is outside"},
	{"{\"devices\":[{\"allow\":true,\"type\":\"c\",\"minor\":4294967296}]}",
	 "linux.resources.devices[0].minor"},
	/* A hole punched in a wildcard cannot be enforced by v1: refused. */
	{"{\"devices\":[{\"allow\":false},{\"allow\":true,\"type\":\"c\"},{\"allow\":false,"
	 "\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"r\"}]}",
	 "linux.resources.devices[2]: cannot take c 1:3 out of the wildcard"},
	{"{\"network\":{\"classID\":-1}}", "linux.resources.network.classID"},
	{"{\"network\":{\"classID\":4294967296}}", "linux.resources.network.classID"},
	{"{\"network\":{\"priorities\":[{\"name\":\"eth0 1\",\"priority\":1}]}}",
	 "linux.resources.network.priorities[0].name: 'eth0 1' is not a network interface"},
	{"{\"network\":{\"priorities\":[{\"name\":\"averyveryverylongname\",\"priority\":1}]}}",
	 "linux.resources.network.priorities[0].name"},
	{"{\"network\":{\"priorities\":[{\"name\":\"eth0\"}]}}",
	 "linux.resources.network.priorities[0].priority: required"},
	{"{\"rdma\":{\"mlx 0\":{\"hcaHandles\":1}}}", "not an RDMA device name"},
	{"{\"rdma\":{\"mlx0\":{\"hcaHandles\":-1}}}", "linux.resources.rdma[\"mlx0\"].hcaHandles"},
	{"{\"rdma\":[]}", "linux.resources.rdma: expected an object, got array"},
	/* unified keys name files in the container's cgroup directory only. */
	{"{\"unified\":{\"../cgroup.procs\":\"1\"}}", "key '../cgroup.procs' is not a plain file"},
	{"{\"unified\":{\"..\":\"1\"}}", "key '..' is not a plain file"},
	{"{\"unified\":{\"memory/high\":\"1\"}}", "key 'memory/high' is not a plain file"},
	{"{\"unified\":{\"\":\"1\"}}", "is not a plain file"},
	{"{\"unified\":{\"memory.high\\n\":\"1\"}}", "is not a plain file"},
	{"{\"unified\":{\"cgroup.procs\":\"1\"}}", "linux.resources.unified.cgroup.procs: writing"},
	{"{\"unified\":{\"cgroup.kill\":\"1\"}}", "linux.resources.unified.cgroup.kill"},
	{"{\"unified\":{\"memory.high\":5}}",
	 "linux.resources.unified.memory.high: expected a string, got integer"},
	{"{\"unified\":[]}", "linux.resources.unified: expected an object"},
};

static void
test_parse_rejects_bad_values_naming_the_field(void **state)
{
	(void)state;
	for (size_t i = 0; i < WARD_ARRAY_SIZE(bad_inputs); i++)
		check_parse_error(bad_inputs[i].json, bad_inputs[i].want);
}

static void
test_parse_bounds_list_sizes(void **state)
{
	(void)state;
	size_t n = WARD_SPEC_MAX_LIST + 1, len = 0;
	char *buf = malloc(n * 20 + 64);

	assert_non_null(buf);
	len += (size_t)sprintf(buf, "{\"devices\":[");
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(buf + len, "%s{\"allow\":true}", i ? "," : "");
	sprintf(buf + len, "]}");
	check_parse_error(buf, "linux.resources.devices: 4097 entries, at most 4096 allowed");

	len = (size_t)sprintf(buf, "{\"unified\":{");
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(buf + len, "%s\"f%zu\":\"1\"", i ? "," : "", i);
	sprintf(buf + len, "}}");
	check_parse_error(buf, "linux.resources.unified: 4097 entries");
	free(buf);
}

static void
test_parse_refuses_long_unified_value(void **state)
{
	(void)state;
	char *buf = malloc(CGROUP_UNIFIED_VALUE_MAX + 64);
	int n;

	assert_non_null(buf);
	n = sprintf(buf, "{\"unified\":{\"memory.high\":\"");
	memset(buf + n, '1', CGROUP_UNIFIED_VALUE_MAX + 1);
	strcpy(buf + n + CGROUP_UNIFIED_VALUE_MAX + 1, "\"}}");
	check_parse_error(buf, "linux.resources.unified.memory.high: longer than");
	free(buf);
}

static void
test_parse_error_uses_given_prefix(void **state)
{
	(void)state;
	json_t *j = json_pack("{s:{s:s}}", "memory", "limit", "x");
	struct ward_cgroup_resources *r = NULL;
	struct ward_error *err = NULL;

	assert_true(ward_cgroup_resources_parse(j, "resources", &r, &err) < 0);
	assert_string_equal(err->msg, "resources.memory.limit: expected an integer, got string");
	ward_error_free(err);
	json_decref(j);
}

static void
test_resources_add_device_appends_after_parsed_rules(void **state)
{
	(void)state;
	struct ward_cgroup_resources *r = must_parse("{\"devices\":[{\"allow\":false}]}");
	struct ward_error *err = NULL;

	assert_int_equal(cgroup_resources_add_device(r, true, 'c', 1, 3, "rwm", &err), 0);
	assert_int_equal(r->n_devices, 2);
	assert_int_equal(r->devices[1].major, 1);
	assert_true(cgroup_resources_add_device(r, true, 'u', 1, 3, "rwm", &err) < 0);
	assert_non_null(strstr(err->msg, "type 'u'"));
	ward_error_freep(&err);
	assert_true(cgroup_resources_add_device(r, true, 'c', 1, 3, "rwq", &err) < 0);
	ward_error_freep(&err);
	ward_cgroup_resources_free(r);

	r = cgroup_resources_new(NULL);
	assert_non_null(r);
	assert_false(r->has_devices);
	assert_int_equal(cgroup_resources_add_device(r, true, 'c', CGROUP_DEV_WILDCARD,
						     CGROUP_DEV_WILDCARD, "m", &err),
			 0);
	assert_true(r->has_devices);
	ward_cgroup_resources_free(r);
}

/* ---- validators ------------------------------------------------------------ */

static void
test_cpuset_list_syntax(void **state)
{
	(void)state;
	static const char *const good[] = {"0", "0-3", "0-3,5", "1,3,5-7,9", "0-0", "65535"};
	static const char *const bad[] = {"",	   "-1",   "0-",  "3-1",      ",0",
					  "0,",	   "0,,1", "0 1", "a",	      "0-3-5",
					  "65536", "0x1",  "1\n", "00000001", "0-999999"};

	for (size_t i = 0; i < WARD_ARRAY_SIZE(good); i++)
		assert_true(cgroup_cpuset_list_valid(good[i]));
	for (size_t i = 0; i < WARD_ARRAY_SIZE(bad); i++) {
		if (cgroup_cpuset_list_valid(bad[i])) {
			print_error("'%s' accepted\n", bad[i]);
			fail();
		}
	}
}

static void
test_file_name_validation_stops_traversal(void **state)
{
	(void)state;
	static const char *const good[] = {"memory.high", "io.max", "cpu.weight.nice", "x"};
	static const char *const bad[] = {"", ".", "..", "../x", "a/b", "/abs", "a\nb", "a\x7f"};

	for (size_t i = 0; i < WARD_ARRAY_SIZE(good); i++)
		assert_true(cgroup_file_name_valid(good[i]));
	for (size_t i = 0; i < WARD_ARRAY_SIZE(bad); i++)
		assert_false(cgroup_file_name_valid(bad[i]));
}

static void
test_device_access_parse(void **state)
{
	(void)state;
	unsigned a = 0;

	assert_int_equal(cgroup_device_access_parse("rwm", &a), 0);
	assert_int_equal(a, CGROUP_DEV_ALL);
	assert_int_equal(cgroup_device_access_parse("m", &a), 0);
	assert_int_equal(a, CGROUP_DEV_MKNOD);
	assert_int_equal(cgroup_device_access_parse("wr", &a), 0);
	assert_int_equal(a, CGROUP_DEV_READ | CGROUP_DEV_WRITE);
	assert_true(cgroup_device_access_parse("rwmr", &a) < 0);
	assert_true(cgroup_device_access_parse("R", &a) < 0);
	assert_true(cgroup_device_access_parse("x", &a) < 0);
}

/* ---- cgroupsPath ---------------------------------------------------------- */

static void
check_path(const char *in, const char *id, const char *want, bool want_rel)
{
	struct ward_error *err = NULL;
	char *out = NULL;
	bool rel = !want_rel;

	if (cgroup_path_normalize(in, id, &out, &rel, &err) < 0) {
		print_error("'%s': %s\n", in ? in : "(null)", err->msg);
		ward_error_free(err);
		fail();
	}
	assert_string_equal(out, want);
	assert_int_equal(rel, want_rel);
	free(out);
}

static void
check_path_error(const char *in, const char *id, const char *want)
{
	struct ward_error *err = NULL;
	char *out = NULL;
	bool rel = false;

	assert_true(cgroup_path_normalize(in, id, &out, &rel, &err) < 0);
	assert_null(out);
	if (!strstr(err->msg, want)) {
		print_error("'%s': error '%s' lacks '%s'\n", in ? in : "(null)", err->msg, want);
		fail();
	}
	ward_error_free(err);
}

static void
test_cgroups_path_normalisation(void **state)
{
	(void)state;
	check_path(NULL, "abc", "ward/abc", false);
	check_path("", "abc", "ward/abc", false);
	check_path("/kubepods/pod1/ctr", "x", "kubepods/pod1/ctr", false);
	check_path("//a///b/./c/", "x", "a/b/c", false);
	check_path("mine/ctr", "x", "mine/ctr", true);
	check_path("./ctr", "x", "ctr", true);
	/* A colon alone is fine; only the three-part systemd form is refused. */
	check_path("/a:b", "x", "a:b", false);
	check_path("/system.slice:docker:abc", "x", "system.slice:docker:abc", false);
	check_path("pods/a:b:c", "x", "pods/a:b:c", true);
}

static void
test_cgroups_path_rejections(void **state)
{
	(void)state;
	check_path_error("/a/../../etc", "x", "'..' components are refused");
	check_path_error("..", "x", "'..' components are refused");
	check_path_error("a/..", "x", "'..'");
	check_path_error("system.slice:docker:abc", "x", "--systemd-cgroup is not supported");
	check_path_error("/", "x", "names the root cgroup itself");
	check_path_error("/./", "x", "root cgroup");
	check_path_error(".", "x", "runtime's own");
	check_path_error("/a/b\nc", "x", "control characters");
	check_path_error(NULL, "a/b", "container id 'a/b' cannot name a cgroup");
	check_path_error(NULL, "..", "cannot name a cgroup");
	check_path_error(NULL, NULL, "cannot name a cgroup");
}

static void
test_cgroups_path_bounds(void **state)
{
	(void)state;
	char buf[CGROUP_PATH_MAX + 16];
	size_t n = 0;

	for (int i = 0; i <= CGROUP_MAX_DEPTH; i++)
		n += (size_t)sprintf(buf + n, "/a");
	check_path_error(buf, "x", "more than 64 components");
	memset(buf, 'a', sizeof(buf) - 1);
	buf[0] = '/';
	buf[sizeof(buf) - 1] = '\0';
	check_path_error(buf, "x", "longer than");
	buf[0] = '/';
	memset(buf + 1, 'b', 300);
	buf[301] = '\0';
	check_path_error(buf, "x", "too long");
}

/* ---- layout detection ------------------------------------------------------ */

static const char hybrid_mountinfo[] =
	"22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:5 - cgroup cgroup "
	"rw,cpu,cpuacct\n"
	"34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
	"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
	"36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"
	"37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
	"40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd\n"
	"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate\n"
	"42 31 0:39 / /sys/fs/cgroup/other rw,relatime - cgroup cgroup rw,name=other\n"
	/* the memory hierarchy again (a bind mount): the first one wins */
	"43 22 0:32 /sub /mnt/mem rw,relatime - cgroup cgroup rw,memory\n";

static const char hybrid_proc_cgroup[] = "12:name=other:/\n"
					 "9:name=systemd:/user.slice/s.scope\n"
					 "5:devices:/\n"
					 "4:memory:/process_api/abc\n"
					 "3:cpuset:/\n"
					 "2:cpu,cpuacct:/user.slice\n"
					 "1:freezer:/\n"
					 "0::/user.slice/s.scope\n";

static const struct cgroup_mount *
find_mount(const struct cgroup_host *h, const char *mount)
{
	for (size_t i = 0; i < h->n; i++)
		if (strcmp(h->m[i].mount, mount) == 0)
			return &h->m[i];
	return NULL;
}

static void
test_host_parse_hybrid(void **state)
{
	(void)state;
	struct cgroup_host h = {0};
	struct ward_error *err = NULL;
	const struct cgroup_mount *m;

	assert_int_equal(cgroup_host_parse(hybrid_mountinfo, hybrid_proc_cgroup, &h, &err), 0);
	assert_int_equal(h.layout, CGROUP_LAYOUT_HYBRID);
	/* cpu,cpuacct cpuset memory devices freezer name=systemd unified */
	assert_int_equal(h.n, 7);
	m = find_mount(&h, "/sys/fs/cgroup/cpu,cpuacct");
	assert_non_null(m);
	assert_int_equal(m->ctrls, CGROUP_BIT(CGROUP_CPU) | CGROUP_BIT(CGROUP_CPUACCT));
	assert_string_equal(m->own, "/user.slice");
	m = find_mount(&h, "/sys/fs/cgroup/memory");
	assert_non_null(m);
	assert_string_equal(m->own, "/process_api/abc");
	assert_null(find_mount(&h, "/mnt/mem"));
	m = find_mount(&h, "/sys/fs/cgroup/systemd");
	assert_non_null(m);
	assert_int_equal(m->ctrls, CGROUP_BIT(CGROUP_NAME_SYSTEMD));
	assert_string_equal(m->own, "/user.slice/s.scope");
	assert_null(find_mount(&h, "/sys/fs/cgroup/other"));
	m = find_mount(&h, "/sys/fs/cgroup/unified");
	assert_non_null(m);
	assert_true(m->v2);
	assert_int_equal(m->ctrls, 0);
	assert_string_equal(m->own, "/user.slice/s.scope");
	cgroup_host_clear(&h);
}

static void
test_host_parse_pure_v2(void **state)
{
	(void)state;
	struct cgroup_host h = {0};
	struct ward_error *err = NULL;
	const char *mi = "22 1 8:1 / / rw - ext4 /dev/vda rw\n"
			 "30 22 0:26 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 "
			 "rw,nsdelegate,memory_recursiveprot\n"
			 "50 22 0:26 / /other rw - cgroup2 cgroup2 rw\n"
			 /* a leftover named v1 hierarchy is not used on a v2 host */
			 "51 22 0:44 / /run/systemd/v1 rw - cgroup cgroup rw,name=systemd\n";

	assert_int_equal(cgroup_host_parse(mi, "0::/init.scope\n", &h, &err), 0);
	assert_int_equal(h.layout, CGROUP_LAYOUT_V2);
	assert_int_equal(h.n, 1);
	assert_string_equal(h.m[0].mount, "/sys/fs/cgroup");
	assert_string_equal(h.m[0].own, "/init.scope");
	cgroup_host_clear(&h);
}

static void
test_host_parse_pure_v1_with_escapes_and_mount_root(void **state)
{
	(void)state;
	struct cgroup_host h = {0};
	struct ward_error *err = NULL;
	/* A container-style view: the hierarchy mounted from a sub-cgroup, at a
	 * mount point with a space (escaped \040 in mountinfo). */
	const char *mi = "60 1 0:32 /docker/abc /sys/fs/cgroup/my\\040mem ro - cgroup cgroup "
			 "ro,memory\n"
			 "61 1 0:33 /docker/abc /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n";
	const char *pc = "4:memory:/docker/abc/inner\n3:pids:/elsewhere\n";

	assert_int_equal(cgroup_host_parse(mi, pc, &h, &err), 0);
	assert_int_equal(h.layout, CGROUP_LAYOUT_V1);
	assert_int_equal(h.n, 2);
	assert_string_equal(h.m[0].mount, "/sys/fs/cgroup/my mem");
	assert_string_equal(h.m[0].root, "/docker/abc");
	assert_string_equal(h.m[0].own, "/inner");
	/* Our pids cgroup is outside what the mount shows. */
	assert_null(h.m[1].own);
	cgroup_host_clear(&h);
}

static void
test_host_parse_without_cgroups_fails(void **state)
{
	(void)state;
	struct cgroup_host h = {0};
	struct ward_error *err = NULL;

	assert_true(cgroup_host_parse("22 1 8:1 / / rw - ext4 /dev/vda rw\ngarbage\n", "", &h,
				      &err) < 0);
	assert_non_null(strstr(err->msg, "no cgroup filesystem is mounted"));
	assert_int_equal(err->kind, WARD_E_UNSUPPORTED);
	ward_error_free(err);
}

static void
test_host_detect_reads_this_host(void **state)
{
	(void)state;
	struct cgroup_host h = {0};
	struct ward_error *err = NULL;
	bool has_v2 = false;

	if (cgroup_host_detect(&h, &err) < 0) {
		print_message("no cgroups here: %s\n", err->msg);
		ward_error_free(err);
		skip();
	}
	assert_true(h.n > 0);
	for (size_t i = 0; i < h.n; i++) {
		struct statfs sfs;
		assert_int_equal(statfs(h.m[i].mount, &sfs), 0);
		assert_true((unsigned long)sfs.f_type ==
			    (unsigned long)(h.m[i].v2 ? CGROUP2_SUPER_MAGIC : CGROUP_SUPER_MAGIC));
		has_v2 |= h.m[i].v2;
	}
	assert_int_equal(has_v2, h.layout != CGROUP_LAYOUT_V1);
	cgroup_host_clear(&h);
}

/* ---- device rules: emulator ---------------------------------------------------- */

static struct cgroup_device_rule
rule(bool allow, char type, int64_t major, int64_t minor, const char *acc)
{
	struct cgroup_device_rule d = {
		.allow = allow, .type = type, .major = major, .minor = minor};

	assert_int_equal(cgroup_device_access_parse(acc, &d.access), 0);
	return d;
}

#define W CGROUP_DEV_WILDCARD
#define RD CGROUP_DEV_READ
#define WR CGROUP_DEV_WRITE
#define MK CGROUP_DEV_MKNOD

static void
test_devices_emulate_allow_list(void **state)
{
	(void)state;
	struct cgroup_device_rule rules[] = {
		rule(false, 'a', W, W, "rwm"), rule(true, 'c', 1, 3, "rwm"),
		rule(true, 'c', 1, 5, "r"),    rule(true, 'c', 1, 5, "w"),
		rule(true, 'c', 136, W, "rw"), rule(true, 'b', W, W, "m"),
		rule(false, 'c', 1, 3, "w"), /* takes w back from 1:3 */
	};
	struct cgroup_devices_state s = {0};
	struct ward_error *err = NULL;

	assert_int_equal(cgroup_devices_emulate(rules, WARD_ARRAY_SIZE(rules), "d", &s, &err), 0);
	assert_false(s.default_allow);
	assert_int_equal(s.n_exc, 4);
	assert_true(cgroup_devices_state_allows(&s, 'c', 1, 3, RD));
	assert_true(cgroup_devices_state_allows(&s, 'c', 1, 3, MK));
	assert_false(cgroup_devices_state_allows(&s, 'c', 1, 3, WR));
	assert_false(cgroup_devices_state_allows(&s, 'c', 1, 3, RD | WR));
	assert_true(cgroup_devices_state_allows(&s, 'c', 1, 5, RD | WR));
	assert_false(cgroup_devices_state_allows(&s, 'c', 1, 5, MK));
	assert_true(cgroup_devices_state_allows(&s, 'c', 136, 42, RD | WR));
	assert_false(cgroup_devices_state_allows(&s, 'b', 136, 42, RD));
	assert_true(cgroup_devices_state_allows(&s, 'b', 8, 0, MK));
	assert_false(cgroup_devices_state_allows(&s, 'b', 8, 0, RD));
	assert_false(cgroup_devices_state_allows(&s, 'c', 1, 7, RD));
	cgroup_devices_state_clear(&s);
}

static void
test_devices_emulate_deny_list_and_reset(void **state)
{
	(void)state;
	struct cgroup_device_rule rules[] = {
		rule(true, 'c', 1, 3, "rwm"), /* forgotten: "a" below resets */
		rule(true, 'a', W, W, "rwm"),
		rule(false, 'c', 10, 200, "rw"),
		rule(false, 'b', W, W, "w"),
	};
	struct cgroup_devices_state s = {0};
	struct ward_error *err = NULL;

	assert_int_equal(cgroup_devices_emulate(rules, WARD_ARRAY_SIZE(rules), "d", &s, &err), 0);
	assert_true(s.default_allow);
	assert_int_equal(s.n_exc, 2);
	assert_true(cgroup_devices_state_allows(&s, 'c', 1, 3, RD | WR | MK));
	/* A deny exception stops any request it overlaps. */
	assert_false(cgroup_devices_state_allows(&s, 'c', 10, 200, RD));
	assert_false(cgroup_devices_state_allows(&s, 'c', 10, 200, RD | MK));
	assert_true(cgroup_devices_state_allows(&s, 'c', 10, 200, MK));
	assert_false(cgroup_devices_state_allows(&s, 'b', 8, 1, WR));
	assert_true(cgroup_devices_state_allows(&s, 'b', 8, 1, RD));
	cgroup_devices_state_clear(&s);

	/* No rules at all: deny everything (the emulator's start). */
	assert_int_equal(cgroup_devices_emulate(NULL, 0, "d", &s, &err), 0);
	assert_false(s.default_allow);
	assert_false(cgroup_devices_state_allows(&s, 'c', 1, 3, RD));
	cgroup_devices_state_clear(&s);
}

static void
test_devices_emulate_refuses_hole_in_wildcard(void **state)
{
	(void)state;
	struct cgroup_device_rule rules[] = {
		rule(true, 'a', W, W, "rwm"), rule(false, 'c', 1, W, "rwm"),
		rule(true, 'c', 1, 3, "r"), /* would need splitting 1:* */
	};
	struct cgroup_devices_state s = {0};
	struct ward_error *err = NULL;

	assert_true(cgroup_devices_emulate(rules, WARD_ARRAY_SIZE(rules), "x.devices", &s, &err) <
		    0);
	assert_non_null(strstr(err->msg, "x.devices[2]: cannot take c 1:3"));
	ward_error_free(err);
	/* Disjoint access is fine: 1:* denies only w. */
	rules[1] = rule(false, 'c', 1, W, "w");
	err = NULL;
	assert_int_equal(cgroup_devices_emulate(rules, WARD_ARRAY_SIZE(rules), "x", &s, &err), 0);
	cgroup_devices_state_clear(&s);
}

static void
test_devices_state_from_list(void **state)
{
	(void)state;
	struct cgroup_devices_state s = {0};
	struct ward_error *err = NULL;

	assert_int_equal(cgroup_devices_state_from_list("a *:* rwm\n", &s, &err), 0);
	assert_true(s.default_allow);
	assert_int_equal(s.n_exc, 0);
	cgroup_devices_state_clear(&s);

	assert_int_equal(
		cgroup_devices_state_from_list("c 1:3 rwm\nc 136:* rw\nb *:* m\n", &s, &err), 0);
	assert_false(s.default_allow);
	assert_int_equal(s.n_exc, 3);
	assert_true(cgroup_devices_state_allows(&s, 'c', 136, 9, RD));
	assert_false(cgroup_devices_state_allows(&s, 'c', 136, 9, MK));
	cgroup_devices_state_clear(&s);

	assert_int_equal(cgroup_devices_state_from_list("", &s, &err), 0);
	assert_false(s.default_allow);
	cgroup_devices_state_clear(&s);

	assert_true(cgroup_devices_state_from_list("c 1:3 rwx\n", &s, &err) < 0);
	assert_non_null(strstr(err->msg, "line 1"));
	ward_error_freep(&err);
	assert_true(cgroup_devices_state_from_list("q 1:3 r\n", &s, &err) < 0);
	ward_error_freep(&err);
	assert_true(cgroup_devices_state_from_list("c 99999999999:3 r\n", &s, &err) < 0);
	ward_error_freep(&err);
}

/* ---- device rules: the eBPF program -------------------------------------------
 * A tiny interpreter for the instructions the builder emits, so the program's
 * meaning is checked here against the emulator; the live test attaches it to
 * a real cgroup. */

static int
run_prog(const struct bpf_insn *p, size_t n, uint32_t type, uint32_t access, uint32_t major,
	 uint32_t minor)
{
	uint32_t ctx[3] = {(access << 16) | type, major, minor};
	uint64_t reg[11] = {0};
	bool init[11] = {false};
	size_t pc = 0;

	init[1] = true; /* r1 = ctx, accessed only through LDX */
	for (size_t steps = 0; steps < 1000000; steps++) {
		const struct bpf_insn *i;
		uint8_t d, s;

		assert_true(pc < n);
		i = &p[pc];
		d = i->dst_reg;
		s = i->src_reg;
		switch (i->code) {
		case BPF_LDX | BPF_MEM | BPF_W:
			assert_int_equal(s, 1);
			assert_true(i->off >= 0 && i->off <= 8 && i->off % 4 == 0);
			reg[d] = ctx[i->off / 4];
			init[d] = true;
			break;
		case BPF_ALU | BPF_MOV | BPF_X:
			assert_true(init[s]);
			reg[d] = (uint32_t)reg[s];
			init[d] = true;
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			assert_true(init[d]);
			reg[d] = (uint32_t)reg[d] & (uint32_t)i->imm;
			break;
		case BPF_ALU | BPF_RSH | BPF_K:
			assert_true(init[d]);
			reg[d] = (uint32_t)reg[d] >> i->imm;
			break;
		case BPF_ALU64 | BPF_MOV | BPF_K:
			reg[d] = (uint64_t)(int64_t)i->imm;
			init[d] = true;
			break;
		case BPF_JMP32 | BPF_JNE | BPF_K:
			assert_true(init[d]);
			if ((uint32_t)reg[d] != (uint32_t)i->imm)
				pc += (size_t)i->off;
			break;
		case BPF_JMP32 | BPF_JEQ | BPF_K:
			assert_true(init[d]);
			if ((uint32_t)reg[d] == (uint32_t)i->imm)
				pc += (size_t)i->off;
			break;
		case BPF_JMP | BPF_EXIT:
			assert_true(init[0]);
			assert_true(reg[0] == 0 || reg[0] == 1);
			return (int)reg[0];
		default:
			print_error("unexpected opcode 0x%x at %zu\n", i->code, pc);
			fail();
		}
		pc++;
	}
	fail();
	return -1;
}

static void
check_prog_matches_state(const struct cgroup_devices_state *s)
{
	static const uint32_t nums[] = {0, 1, 3, 5, 8, 136, 4095, 0x80000000u, 0xffffffffu};
	struct bpf_insn *p = NULL;
	struct ward_error *err = NULL;
	size_t n = 0;

	assert_int_equal(cgroup_devices_bpf_build(s, &p, &n, &err), 0);
	assert_true(n <= 9 + 8 * s->n_exc);
	for (int t = 0; t < 2; t++)
		for (unsigned acc = 1; acc <= CGROUP_DEV_ALL; acc++)
			for (size_t a = 0; a < WARD_ARRAY_SIZE(nums); a++)
				for (size_t b = 0; b < WARD_ARRAY_SIZE(nums); b++) {
					char type = t ? 'b' : 'c';
					bool want = cgroup_devices_state_allows(s, type, nums[a],
										nums[b], acc);
					int got = run_prog(
						p, n, t ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR,
						acc, nums[a], nums[b]);
					if (got != (int)want) {
						print_error("%c %u:%u acc %u: prog %d, want %d\n",
							    type, nums[a], nums[b], acc, got, want);
						fail();
					}
				}
	free(p);
}

static void
test_bpf_program_matches_emulator(void **state)
{
	(void)state;
	struct cgroup_device_rule allow_list[] = {
		rule(false, 'a', W, W, "rwm"),
		rule(true, 'c', 1, 3, "rwm"),
		rule(true, 'c', 1, 5, "rw"),
		rule(true, 'c', 136, W, "rwm"),
		rule(true, 'c', W, W, "m"),
		rule(true, 'b', 8, 0, "r"),
		rule(true, 'c', 4095, 0xffffffff, "w"),
		rule(true, 'b', W, 0x80000000, "rwm"),
	};
	struct cgroup_device_rule deny_list[] = {
		rule(true, 'a', W, W, "rwm"),
		rule(false, 'c', 1, 3, "w"),
		rule(false, 'b', W, W, "rwm"),
		rule(false, 'c', 136, W, "rm"),
	};
	struct cgroup_devices_state s = {0};
	struct ward_error *err = NULL;

	assert_int_equal(
		cgroup_devices_emulate(allow_list, WARD_ARRAY_SIZE(allow_list), "d", &s, &err), 0);
	check_prog_matches_state(&s);
	cgroup_devices_state_clear(&s);
	assert_int_equal(
		cgroup_devices_emulate(deny_list, WARD_ARRAY_SIZE(deny_list), "d", &s, &err), 0);
	check_prog_matches_state(&s);
	cgroup_devices_state_clear(&s);
	/* Empty: deny everything; and allow everything. */
	assert_int_equal(cgroup_devices_emulate(NULL, 0, "d", &s, &err), 0);
	check_prog_matches_state(&s);
	cgroup_devices_state_clear(&s);
	assert_int_equal(cgroup_devices_emulate(deny_list, 1, "d", &s, &err), 0);
	check_prog_matches_state(&s);
	cgroup_devices_state_clear(&s);
}

static void
test_bpf_program_matches_emulator_random_rules(void **state)
{
	(void)state;
	static const int64_t nums[] = {W, 0, 1, 3, 5, 136};
	unsigned seed = 12345;

	for (int round = 0; round < 200; round++) {
		struct cgroup_device_rule rules[12];
		struct cgroup_devices_state s = {0};
		struct ward_error *err = NULL;
		size_t n = (size_t)(rand_r(&seed) % 12);

		for (size_t i = 0; i < n; i++) {
			int t = rand_r(&seed) % 7;
			rules[i].allow = rand_r(&seed) % 2;
			rules[i].type = t == 0 ? 'a' : t < 4 ? 'c' : 'b';
			rules[i].major = nums[rand_r(&seed) % WARD_ARRAY_SIZE(nums)];
			rules[i].minor = nums[rand_r(&seed) % WARD_ARRAY_SIZE(nums)];
			rules[i].access = 1 + (unsigned)(rand_r(&seed) % 7);
		}
		if (cgroup_devices_emulate(rules, n, "d", &s, &err) < 0) {
			/* hole punching: refused, fine */
			ward_error_free(err);
			continue;
		}
		check_prog_matches_state(&s);
		cgroup_devices_state_clear(&s);
	}
}

/* ---- conversions ------------------------------------------------------------------ */

static void
test_v2_conversions(void **state)
{
	(void)state;
	int64_t sw = 0;

	assert_int_equal(cgroup_v2_cpu_weight(0), 0);
	assert_int_equal(cgroup_v2_cpu_weight(2), 1);
	assert_int_equal(cgroup_v2_cpu_weight(1024), 39);
	assert_int_equal(cgroup_v2_cpu_weight(262144), 10000);
	assert_int_equal(cgroup_v2_io_weight(10), 1);
	assert_int_equal(cgroup_v2_io_weight(500), 4950);
	assert_int_equal(cgroup_v2_io_weight(1000), 10000);
	assert_int_equal(cgroup_v2_swap_max(-1, 100, &sw), 0);
	assert_int_equal(sw, -1);
	assert_int_equal(cgroup_v2_swap_max(300, 100, &sw), 0);
	assert_int_equal(sw, 200);
	assert_int_equal(cgroup_v2_swap_max(100, 100, &sw), 0);
	assert_int_equal(sw, 0);
	assert_true(cgroup_v2_swap_max(50, 100, &sw) < 0);
	assert_true(cgroup_v2_swap_max(100, 0, &sw) < 0);
	assert_true(cgroup_v2_swap_max(100, -1, &sw) < 0);
}

/* ---- features, persistence --------------------------------------------------------- */

static void
test_features_document(void **state)
{
	(void)state;
	json_t *f = ward_cgroup_features();

	assert_non_null(f);
	assert_true(json_is_true(json_object_get(f, "v1")));
	assert_true(json_is_true(json_object_get(f, "v2")));
	assert_true(json_is_false(json_object_get(f, "systemd")));
	assert_true(json_is_false(json_object_get(f, "systemdUser")));
	assert_true(json_is_true(json_object_get(f, "rdma")));
	json_decref(f);
}

/* A v1 cgroupfs mount of this host, or NULL (then those tests skip). */
static const char *
v1_mount(void)
{
	static const char *const candidates[] = {"/sys/fs/cgroup/memory", "/sys/fs/cgroup/pids",
						 "/sys/fs/cgroup/cpu"};
	struct statfs sfs;

	for (size_t i = 0; i < WARD_ARRAY_SIZE(candidates); i++)
		if (statfs(candidates[i], &sfs) == 0 &&
		    (unsigned long)sfs.f_type == (unsigned long)CGROUP_SUPER_MAGIC)
			return candidates[i];
	return NULL;
}

static int
from_text(const char *text, struct ward_cgroup **ret, struct ward_error **err)
{
	json_t *j = NULL;
	int r = ward_json_parse(text, strlen(text), "state", &j, err);

	if (r < 0)
		return r;
	r = ward_cgroup_from_json(j, ret, err);
	json_decref(j);
	return r;
}

static void
test_state_json_round_trip(void **state)
{
	(void)state;
	const char *m = v1_mount();
	char text[1024];
	struct ward_cgroup *cg = NULL, *cg2 = NULL;
	struct ward_error *err = NULL;
	json_t *j, *j2;

	if (!m)
		skip();
	snprintf(text, sizeof(text),
		 "{\"layout\":\"v1\",\"hierarchies\":[{\"version\":1,\"mount\":\"%s\","
		 "\"path\":\"%s/ward/never-created\",\"controllers\":[\"%s\"]}]}",
		 m, m, strrchr(m, '/') + 1);
	if (from_text(text, &cg, &err) < 0) {
		print_error("%s\n", err->msg);
		fail();
	}
	assert_int_equal(cg->layout, CGROUP_LAYOUT_V1);
	assert_int_equal(cg->n, 1);
	j = ward_cgroup_to_json(cg);
	assert_non_null(j);
	assert_int_equal(ward_cgroup_from_json(j, &cg2, &err), 0);
	j2 = ward_cgroup_to_json(cg2);
	assert_true(json_equal(j, j2));
	/* Destroying a cgroup that is already gone succeeds. */
	assert_int_equal(ward_cgroup_destroy(cg2, &err), 0);
	json_decref(j);
	json_decref(j2);
	ward_cgroup_free(cg);
	ward_cgroup_free(cg2);
}

static void
check_state_error(const char *text, const char *want)
{
	struct ward_cgroup *cg = NULL;
	struct ward_error *err = NULL;

	if (from_text(text, &cg, &err) >= 0) {
		print_error("accepted: %s\n", text);
		fail();
	}
	assert_null(cg);
	if (!strstr(err->msg, want)) {
		print_error("%s\n  error '%s' lacks '%s'\n", text, err->msg, want);
		fail();
	}
	ward_error_free(err);
}

static void
test_state_json_rejects_forged_paths(void **state)
{
	(void)state;
	const char *m = v1_mount();
	char text[1024];

	check_state_error("[]", "cgroup: expected an object");
	check_state_error("{\"hierarchies\":[]}", "cgroup.layout: required");
	check_state_error("{\"layout\":\"v3\",\"hierarchies\":[{}]}", "is not v1, v2 or hybrid");
	check_state_error("{\"layout\":\"v1\",\"hierarchies\":[]}", "cgroup.hierarchies: required");
	check_state_error("{\"layout\":\"v1\",\"hierarchies\":[1]}",
			  "cgroup.hierarchies[0]: expected an object");
	/* /tmp is not cgroupfs: destroy must never rmdir or write there. */
	check_state_error("{\"layout\":\"v1\",\"hierarchies\":[{\"version\":1,\"mount\":\"/tmp\","
			  "\"path\":\"/tmp/x\",\"controllers\":[\"memory\"]}]}",
			  "/tmp is not a cgroup filesystem");
	check_state_error("{\"layout\":\"v1\",\"hierarchies\":[{\"version\":3,\"mount\":\"/tmp\","
			  "\"path\":\"/tmp/x\"}]}",
			  "version: 3 is outside");
	if (!m)
		skip();
	snprintf(text, sizeof(text),
		 "{\"layout\":\"v1\",\"hierarchies\":[{\"version\":1,\"mount\":\"%s\","
		 "\"path\":\"%s/../../../etc\",\"controllers\":[\"memory\"]}]}",
		 m, m);
	check_state_error(text, "must be clean absolute paths");
	snprintf(text, sizeof(text),
		 "{\"layout\":\"v1\",\"hierarchies\":[{\"version\":1,\"mount\":\"%s\","
		 "\"path\":\"/etc/x\",\"controllers\":[\"memory\"]}]}",
		 m);
	check_state_error(text, "is not below mount");
	snprintf(text, sizeof(text),
		 "{\"layout\":\"v1\",\"hierarchies\":[{\"version\":1,\"mount\":\"%s\","
		 "\"path\":\"%s\",\"controllers\":[\"memory\"]}]}",
		 m, m);
	check_state_error(text, "is not below mount");
	snprintf(text, sizeof(text),
		 "{\"layout\":\"v1\",\"hierarchies\":[{\"version\":1,\"mount\":\"%s\","
		 "\"path\":\"%s/x\",\"controllers\":[\"nope\"]}]}",
		 m, m);
	check_state_error(text, "controllers[0]: unknown");
	snprintf(text, sizeof(text),
		 "{\"layout\":\"v1\",\"hierarchies\":[{\"version\":1,\"mount\":\"%s\","
		 "\"path\":\"%s/x\",\"controllers\":[]}]}",
		 m, m);
	check_state_error(text, "a v1 hierarchy lists its controllers");
	/* A v1 mount claimed as v2. */
	snprintf(text, sizeof(text),
		 "{\"layout\":\"v2\",\"hierarchies\":[{\"version\":2,\"mount\":\"%s\","
		 "\"path\":\"%s/x\"}]}",
		 m, m);
	check_state_error(text, "is not a cgroup2 filesystem");
	snprintf(text, sizeof(text),
		 "{\"layout\":\"hybrid\",\"hierarchies\":[{\"version\":1,\"mount\":\"%s\","
		 "\"path\":\"%s/x\",\"controllers\":[\"memory\"]}]}",
		 m, m);
	check_state_error(text, "do not make a hybrid layout");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_full_resources_sets_every_field),
		cmocka_unit_test(test_parse_empty_object_sets_nothing),
		cmocka_unit_test(test_parse_zero_reads_as_unset_like_runc),
		cmocka_unit_test(test_parse_unlimited_values),
		cmocka_unit_test(test_parse_json_null_reads_as_absent),
		cmocka_unit_test(test_parse_device_defaults),
		cmocka_unit_test(test_parse_rejects_bad_values_naming_the_field),
		cmocka_unit_test(test_parse_bounds_list_sizes),
		cmocka_unit_test(test_parse_refuses_long_unified_value),
		cmocka_unit_test(test_parse_error_uses_given_prefix),
		cmocka_unit_test(test_resources_add_device_appends_after_parsed_rules),
		cmocka_unit_test(test_cpuset_list_syntax),
		cmocka_unit_test(test_file_name_validation_stops_traversal),
		cmocka_unit_test(test_device_access_parse),
		cmocka_unit_test(test_cgroups_path_normalisation),
		cmocka_unit_test(test_cgroups_path_rejections),
		cmocka_unit_test(test_cgroups_path_bounds),
		cmocka_unit_test(test_host_parse_hybrid),
		cmocka_unit_test(test_host_parse_pure_v2),
		cmocka_unit_test(test_host_parse_pure_v1_with_escapes_and_mount_root),
		cmocka_unit_test(test_host_parse_without_cgroups_fails),
		cmocka_unit_test(test_host_detect_reads_this_host),
		cmocka_unit_test(test_devices_emulate_allow_list),
		cmocka_unit_test(test_devices_emulate_deny_list_and_reset),
		cmocka_unit_test(test_devices_emulate_refuses_hole_in_wildcard),
		cmocka_unit_test(test_devices_state_from_list),
		cmocka_unit_test(test_bpf_program_matches_emulator),
		cmocka_unit_test(test_bpf_program_matches_emulator_random_rules),
		cmocka_unit_test(test_v2_conversions),
		cmocka_unit_test(test_features_document),
		cmocka_unit_test(test_state_json_round_trip),
		cmocka_unit_test(test_state_json_rejects_forged_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
