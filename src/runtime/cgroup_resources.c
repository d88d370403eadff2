/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.resources of config.json: parsed and validated before any cgroup is
 * touched, so a hostile or mistaken config fails with the field's name. Also
 * the cgroup v1 device-rule semantics (cgroup_devices_emulate) shared by the
 * v1 writer and the v2 eBPF compiler.
 */
#include <errno.h>
#include <stdio.h>

#include <ward/runtime.h>
#include <ward/util.h>

#include "cgroup_internal.h"

#define NET_IFNAME_MAX 15 /* IFNAMSIZ - 1 */
#define RDMA_NAME_MAX 64  /* IB_DEVICE_NAME_MAX */
#define PAGE_SIZE_STR_MAX 16

/* ---- small helpers ---------------------------------------------------------- */

static char *
sub(const char *where, const char *key)
{
	return ward_strdup_printf("%s%s%s", where, *where ? "." : "", key);
}

static char *
sub_index(const char *where, const char *key, size_t i)
{
	return ward_strdup_printf("%s%s%s[%zu]", where, *where ? "." : "", key, i);
}

static int
oom(struct ward_error **err, const char *where)
{
	return ward_error_set(err, ENOMEM, "%s", where);
}

static int
missing(struct ward_error **err, const char *where, const char *key)
{
	return ward_error_set(err, EINVAL, "%s.%s: required", where, key);
}

static int
require_object(json_t *j, const char *where, struct ward_error **err)
{
	if (!json_is_object(j))
		return ward_error_set(err, EINVAL, "%s: expected an object, got %s", where,
				      ward_json_type_name(j));
	return 0;
}

/*
 * An int64 where 0 means "not given" (runc's Go zero value) and -1 means
 * "unlimited"; any other negative number is refused.
 */
static int
get_limit(json_t *obj, const char *where, const char *key, struct cgroup_i64 *ret,
	  struct ward_error **err)
{
	int64_t v = 0;
	int r;

	r = ward_json_get_int64(obj, where, key, &v, err);
	if (r <= 0)
		return r;
	if (v < -1)
		return ward_error_set(err, ERANGE,
				      "%s.%s: %lld is neither -1 (unlimited) nor a count of bytes",
				      where, key, (long long)v);
	if (v != 0) {
		ret->v = v;
		ret->set = true;
	}
	return 0;
}

static int
get_u64(json_t *obj, const char *where, const char *key, bool zero_unset, uint64_t max,
	struct cgroup_u64 *ret, struct ward_error **err)
{
	uint64_t v = 0;
	int r;

	r = ward_json_get_uint64(obj, where, key, &v, err);
	if (r <= 0)
		return r;
	if (v > max)
		return ward_error_set(err, ERANGE, "%s.%s: %llu is above the maximum %llu", where,
				      key, (unsigned long long)v, (unsigned long long)max);
	if (zero_unset && v == 0)
		return 0;
	ret->v = v;
	ret->set = true;
	return 0;
}

static int
get_bool(json_t *obj, const char *where, const char *key, struct cgroup_bool *ret,
	 struct ward_error **err)
{
	int r = ward_json_get_bool(obj, where, key, &ret->v, err);

	if (r < 0)
		return r;
	ret->set = r > 0;
	return 0;
}

/* A device number that must be given: 0..UINT32_MAX (the width the kernel's
 * cgroup interfaces parse). */
static int
get_devnum(json_t *obj, const char *where, const char *key, int64_t *ret, struct ward_error **err)
{
	int r = ward_json_get_range(obj, where, key, 0, UINT32_MAX, ret, err);

	if (r < 0)
		return r;
	if (r == 0)
		return missing(err, where, key);
	return 0;
}

/* ---- validators ---------------------------------------------------------- */

bool
cgroup_cpuset_list_valid(const char *s)
{
	const char *p = s;

	/* Checked here rather than left to the kernel so the error names the
	 * field; ids are bounded so a huge number cannot reach a bitmap parser. */
	if (!s || !*s || strlen(s) > CGROUP_CPUSET_MAX)
		return false;
	for (;;) {
		unsigned long lo = 0, hi;
		int digits = 0;

		while (*p >= '0' && *p <= '9') {
			lo = lo * 10 + (unsigned long)(*p++ - '0');
			if (++digits > 5 || lo > CGROUP_CPUSET_MAX_ID)
				return false;
		}
		if (!digits)
			return false;
		hi = lo;
		if (*p == '-') {
			p++;
			hi = 0;
			digits = 0;
			while (*p >= '0' && *p <= '9') {
				hi = hi * 10 + (unsigned long)(*p++ - '0');
				if (++digits > 5 || hi > CGROUP_CPUSET_MAX_ID)
					return false;
			}
			if (!digits || hi < lo)
				return false;
		}
		if (*p == '\0')
			return true;
		if (*p != ',')
			return false;
		p++;
	}
}

bool
cgroup_file_name_valid(const char *s)
{
	size_t n;

	if (!s || !*s)
		return false;
	n = strlen(s);
	if (n > CGROUP_NAME_MAX)
		return false;
	/* "..", "/" or a path would let a config write any file of the host
	 * relative to the container's cgroup directory (e.g. "../../cgroup.procs"
	 * to move host processes, or escape cgroupfs entirely). */
	if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (const char *p = s; *p; p++)
		if (*p == '/' || (unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

int
cgroup_device_access_parse(const char *s, unsigned *ret)
{
	unsigned acc = 0;

	for (const char *p = s; *p; p++) {
		unsigned bit;

		switch (*p) {
		case 'r':
			bit = CGROUP_DEV_READ;
			break;
		case 'w':
			bit = CGROUP_DEV_WRITE;
			break;
		case 'm':
			bit = CGROUP_DEV_MKNOD;
			break;
		default:
			return -EINVAL;
		}
		if (acc & bit)
			return -EINVAL;
		acc |= bit;
	}
	*ret = acc;
	return 0;
}

/* "2MB", "1GB", "64KB": the page size names the file hugetlb.<size>.limit_in_bytes
 * (or .max), so only digits and a unit get through. */
static bool
page_size_valid(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 3 || n > PAGE_SIZE_STR_MAX)
		return false;
	if (strcmp(s + n - 2, "KB") != 0 && strcmp(s + n - 2, "MB") != 0 &&
	    strcmp(s + n - 2, "GB") != 0)
		return false;
	if (s[0] < '1' || s[0] > '9')
		return false;
	for (i = 1; i < n - 2; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Interface names go into net_prio.ifpriomap as "<name> <prio>": whitespace
 * would smuggle a second field, so names follow the kernel's dev_valid_name. */
static bool
ifname_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > NET_IFNAME_MAX || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (const char *p = s; *p; p++)
		if (*p == '/' || *p == ':' || (unsigned char)*p <= 0x20 || *p == 0x7f)
			return false;
	return true;
}

/* rdma.max lines are "<device> hca_handle=N hca_object=M": same concern. */
static bool
rdma_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > RDMA_NAME_MAX)
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == '=')
			return false;
	return true;
}

/* ---- sections ------------------------------------------------------------ */

static int
parse_memory(json_t *m, const char *where, struct ward_cgroup_resources *r, struct ward_error **err)
{
	int64_t swappiness = -1;
	int rc;

	if ((rc = require_object(m, where, err)) < 0)
		return rc;
	if ((rc = get_limit(m, where, "limit", &r->memory.limit, err)) < 0 ||
	    (rc = get_limit(m, where, "reservation", &r->memory.reservation, err)) < 0 ||
	    (rc = get_limit(m, where, "swap", &r->memory.swap, err)) < 0 ||
	    (rc = get_limit(m, where, "kernel", &r->memory.kernel, err)) < 0 ||
	    (rc = get_limit(m, where, "kernelTCP", &r->memory.kernel_tcp, err)) < 0)
		return rc;
	/* -1 is runc's "not set" for swappiness (a uint64 of all ones in Go). */
	rc = ward_json_get_range(m, where, "swappiness", -1, 100, &swappiness, err);
	if (rc < 0)
		return rc;
	if (swappiness >= 0) {
		r->memory.swappiness.v = (uint64_t)swappiness;
		r->memory.swappiness.set = true;
	}
	if ((rc = get_bool(m, where, "disableOOMKiller", &r->memory.disable_oom_killer, err)) < 0 ||
	    (rc = get_bool(m, where, "useHierarchy", &r->memory.use_hierarchy, err)) < 0 ||
	    (rc = get_bool(m, where, "checkBeforeUpdate", &r->memory.check_before_update, err)) < 0)
		return rc;
	/* swap is memory+swap: below the memory limit the kernel refuses it on
	 * v1 and the v2 conversion would go negative. */
	if (r->memory.swap.set && r->memory.swap.v > 0 && r->memory.limit.set &&
	    r->memory.limit.v > 0 && r->memory.swap.v < r->memory.limit.v)
		return ward_error_set(
			err, EINVAL, "%s.swap: %lld is below limit %lld (swap counts memory+swap)",
			where, (long long)r->memory.swap.v, (long long)r->memory.limit.v);
	return 0;
}

static int
parse_cpu(json_t *c, const char *where, struct ward_cgroup_resources *r, struct ward_error **err)
{
	const char *s = NULL;
	int64_t v = 0;
	int rc;

	if ((rc = require_object(c, where, err)) < 0)
		return rc;
	/* 2..262144 is what the kernel's cpu.shares holds (it clamps silently). */
	rc = ward_json_get_uint64(c, where, "shares", &r->cpu.shares.v, err);
	if (rc < 0)
		return rc;
	if (rc > 0 && r->cpu.shares.v != 0) {
		if (r->cpu.shares.v < 2 || r->cpu.shares.v > 262144)
			return ward_error_set(err, ERANGE, "%s.shares: %llu is outside [2, 262144]",
					      where, (unsigned long long)r->cpu.shares.v);
		r->cpu.shares.set = true;
	}
	rc = ward_json_get_int64(c, where, "quota", &v, err);
	if (rc < 0)
		return rc;
	if (rc > 0 && v != 0) {
		if (v < -1)
			return ward_error_set(err, ERANGE,
					      "%s.quota: %lld is neither -1 (unlimited) nor a "
					      "count of microseconds",
					      where, (long long)v);
		r->cpu.quota.v = v;
		r->cpu.quota.set = true;
	}
	if ((rc = get_u64(c, where, "period", true, UINT32_MAX, &r->cpu.period, err)) < 0 ||
	    (rc = get_u64(c, where, "burst", false, INT64_MAX, &r->cpu.burst, err)) < 0 ||
	    (rc = get_u64(c, where, "realtimePeriod", true, UINT32_MAX, &r->cpu.realtime_period,
			  err)) < 0)
		return rc;
	v = 0;
	rc = ward_json_get_int64(c, where, "realtimeRuntime", &v, err);
	if (rc < 0)
		return rc;
	if (rc > 0 && v != 0) {
		if (v < -1)
			return ward_error_set(err, ERANGE,
					      "%s.realtimeRuntime: %lld is neither -1 nor a count "
					      "of microseconds",
					      where, (long long)v);
		r->cpu.realtime_runtime.v = v;
		r->cpu.realtime_runtime.set = true;
	}
	v = 0;
	rc = ward_json_get_range(c, where, "idle", 0, 1, &v, err);
	if (rc < 0)
		return rc;
	if (rc > 0) {
		r->cpu.idle.v = v;
		r->cpu.idle.set = true;
	}
	s = NULL;
	if ((rc = ward_json_get_string(c, where, "cpus", &s, err)) < 0)
		return rc;
	if (s && *s) {
		if (!cgroup_cpuset_list_valid(s))
			return ward_error_set(err, EINVAL,
					      "%s.cpus: '%.64s' is not a CPU list like \"0-3,5\"",
					      where, s);
		if (!(r->cpu.cpus = strdup(s)))
			return oom(err, where);
	}
	s = NULL;
	if ((rc = ward_json_get_string(c, where, "mems", &s, err)) < 0)
		return rc;
	if (s && *s) {
		if (!cgroup_cpuset_list_valid(s))
			return ward_error_set(err, EINVAL,
					      "%s.mems: '%.64s' is not a node list like \"0-1,3\"",
					      where, s);
		if (!(r->cpu.mems = strdup(s)))
			return oom(err, where);
	}
	return 0;
}

static int
parse_pids(json_t *p, const char *where, struct ward_cgroup_resources *r, struct ward_error **err)
{
	int64_t v = 0;
	int rc;

	if ((rc = require_object(p, where, err)) < 0)
		return rc;
	rc = ward_json_get_int64(p, where, "limit", &v, err);
	if (rc < 0)
		return rc;
	/* runc: 0 leaves pids.max alone, any negative value is "max". */
	if (rc > 0 && v != 0) {
		r->pids_limit.v = v < 0 ? -1 : v;
		r->pids_limit.set = true;
	}
	return 0;
}

static int
parse_weight(json_t *obj, const char *where, const char *key, struct cgroup_u64 *ret,
	     struct ward_error **err)
{
	int64_t v = 0;
	int rc;

	/* uint16 in the spec; the kernel's blkio/BFQ weights are 10..1000 (0:
	 * not given, as in runc). */
	rc = ward_json_get_range(obj, where, key, 0, 1000, &v, err);
	if (rc <= 0)
		return rc;
	if (v == 0)
		return 0;
	if (v < 10)
		return ward_error_set(err, ERANGE, "%s.%s: %lld is outside [10, 1000]", where, key,
				      (long long)v);
	ret->v = (uint64_t)v;
	ret->set = true;
	return 0;
}

static const char *const throttle_keys[CGROUP_THROTTLE_COUNT] = {
	[CGROUP_THROTTLE_READ_BPS] = "throttleReadBpsDevice",
	[CGROUP_THROTTLE_WRITE_BPS] = "throttleWriteBpsDevice",
	[CGROUP_THROTTLE_READ_IOPS] = "throttleReadIOPSDevice",
	[CGROUP_THROTTLE_WRITE_IOPS] = "throttleWriteIOPSDevice",
};

static int
parse_blkio(json_t *b, const char *where, struct ward_cgroup_resources *r, struct ward_error **err)
{
	json_t *arr = NULL, *e;
	size_t i;
	int rc;

	if ((rc = require_object(b, where, err)) < 0)
		return rc;
	if ((rc = parse_weight(b, where, "weight", &r->blkio.weight, err)) < 0 ||
	    (rc = parse_weight(b, where, "leafWeight", &r->blkio.leaf_weight, err)) < 0)
		return rc;

	rc = ward_json_get_array(b, where, "weightDevice", WARD_SPEC_MAX_LIST, &arr, err);
	if (rc < 0)
		return rc;
	if (rc > 0 && json_array_size(arr) > 0) {
		r->blkio.weight_device =
			calloc(json_array_size(arr), sizeof(*r->blkio.weight_device));
		if (!r->blkio.weight_device)
			return oom(err, where);
		json_array_foreach(arr, i, e) {
			_cleanup_free_ char *w = sub_index(where, "weightDevice", i);
			struct cgroup_weight_device *d = &r->blkio.weight_device[i];

			if (!w)
				return oom(err, where);
			if ((rc = require_object(e, w, err)) < 0 ||
			    (rc = get_devnum(e, w, "major", &d->major, err)) < 0 ||
			    (rc = get_devnum(e, w, "minor", &d->minor, err)) < 0 ||
			    (rc = parse_weight(e, w, "weight", &d->weight, err)) < 0 ||
			    (rc = parse_weight(e, w, "leafWeight", &d->leaf_weight, err)) < 0)
				return rc;
			r->blkio.n_weight_device++;
		}
	}
	for (int t = 0; t < CGROUP_THROTTLE_COUNT; t++) {
		arr = NULL;
		rc = ward_json_get_array(b, where, throttle_keys[t], WARD_SPEC_MAX_LIST, &arr, err);
		if (rc < 0)
			return rc;
		if (rc == 0 || json_array_size(arr) == 0)
			continue;
		r->blkio.throttle[t] = calloc(json_array_size(arr), sizeof(*r->blkio.throttle[t]));
		if (!r->blkio.throttle[t])
			return oom(err, where);
		json_array_foreach(arr, i, e) {
			_cleanup_free_ char *w = sub_index(where, throttle_keys[t], i);
			struct cgroup_throttle_device *d = &r->blkio.throttle[t][i];

			if (!w)
				return oom(err, where);
			if ((rc = require_object(e, w, err)) < 0 ||
			    (rc = get_devnum(e, w, "major", &d->major, err)) < 0 ||
			    (rc = get_devnum(e, w, "minor", &d->minor, err)) < 0)
				return rc;
			rc = ward_json_get_uint64(e, w, "rate", &d->rate, err);
			if (rc < 0)
				return rc;
			if (rc == 0)
				return missing(err, w, "rate");
			r->blkio.n_throttle[t]++;
		}
	}
	return 0;
}

static int
parse_hugepages(json_t *arr, const char *where, struct ward_cgroup_resources *r,
		struct ward_error **err)
{
	json_t *e;
	size_t i;
	int rc;

	if (json_array_size(arr) == 0)
		return 0;
	r->hugepages = calloc(json_array_size(arr), sizeof(*r->hugepages));
	if (!r->hugepages)
		return oom(err, where);
	json_array_foreach(arr, i, e) {
		_cleanup_free_ char *w = sub_index(where, "hugepageLimits", i);
		struct cgroup_hugepage *h = &r->hugepages[i];
		const char *ps = NULL;

		if (!w)
			return oom(err, where);
		if ((rc = require_object(e, w, err)) < 0 ||
		    (rc = ward_json_get_string(e, w, "pageSize", &ps, err)) < 0)
			return rc;
		if (!ps)
			return missing(err, w, "pageSize");
		if (!page_size_valid(ps))
			return ward_error_set(err, EINVAL,
					      "%s.pageSize: '%.32s' is not a page size like "
					      "\"2MB\" or \"1GB\"",
					      w, ps);
		for (size_t k = 0; k < r->n_hugepages; k++)
			if (strcmp(r->hugepages[k].page_size, ps) == 0)
				return ward_error_set(err, EINVAL,
						      "%s.pageSize: '%s' is listed twice", w, ps);
		rc = ward_json_get_uint64(e, w, "limit", &h->limit, err);
		if (rc < 0)
			return rc;
		if (rc == 0)
			return missing(err, w, "limit");
		if (!(h->page_size = strdup(ps)))
			return oom(err, where);
		r->n_hugepages++;
	}
	return 0;
}

static int
parse_device(json_t *e, const char *w, struct cgroup_device_rule *d, struct ward_error **err)
{
	const char *type = "a", *access = NULL;
	int rc;

	if ((rc = require_object(e, w, err)) < 0)
		return rc;
	rc = ward_json_get_bool(e, w, "allow", &d->allow, err);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return missing(err, w, "allow");
	if ((rc = ward_json_get_string(e, w, "type", &type, err)) < 0)
		return rc;
	if (strcmp(type, "a") != 0 && strcmp(type, "b") != 0 && strcmp(type, "c") != 0)
		return ward_error_set(err, EINVAL,
				      "%s.type: '%.16s' is not one of \"a\" (all), \"b\" (block), "
				      "\"c\" (char)",
				      w, type);
	d->type = type[0];
	/* Absent (or -1, runc's encoding) means "*", any number. */
	d->major = d->minor = CGROUP_DEV_WILDCARD;
	if ((rc = ward_json_get_range(e, w, "major", -1, UINT32_MAX, &d->major, err)) < 0 ||
	    (rc = ward_json_get_range(e, w, "minor", -1, UINT32_MAX, &d->minor, err)) < 0)
		return rc;
	if ((rc = ward_json_get_string(e, w, "access", &access, err)) < 0)
		return rc;
	/* No access given reads as all of "rwm". */
	if (!access || !*access)
		access = "rwm";
	if (cgroup_device_access_parse(access, &d->access) < 0)
		return ward_error_set(err, EINVAL,
				      "%s.access: '%.16s' is not made of the letters r, w, m "
				      "(each at most once)",
				      w, access);
	return 0;
}

static int
parse_devices(json_t *arr, const char *where, struct ward_cgroup_resources *r,
	      struct ward_error **err)
{
	struct cgroup_devices_state st = {0};
	json_t *e;
	size_t i;
	int rc;

	r->has_devices = true;
	if (json_array_size(arr) == 0)
		return 0;
	r->devices = calloc(json_array_size(arr), sizeof(*r->devices));
	if (!r->devices)
		return oom(err, where);
	json_array_foreach(arr, i, e) {
		_cleanup_free_ char *w = sub_index(where, "devices", i);

		if (!w)
			return oom(err, where);
		if ((rc = parse_device(e, w, &r->devices[i], err)) < 0)
			return rc;
		r->n_devices++;
	}
	/* Run the rules once now: a list that cannot be applied faithfully
	 * (a hole punched in a wildcard) fails at parse time, naming the rule. */
	{
		_cleanup_free_ char *w = sub(where, "devices");

		if (!w)
			return oom(err, where);
		rc = cgroup_devices_emulate(r->devices, r->n_devices, w, &st, err);
		cgroup_devices_state_clear(&st);
	}
	return rc;
}

static int
parse_network(json_t *n, const char *where, struct ward_cgroup_resources *r,
	      struct ward_error **err)
{
	json_t *arr = NULL, *e;
	size_t i;
	int rc;

	if ((rc = require_object(n, where, err)) < 0)
		return rc;
	if ((rc = get_u64(n, where, "classID", false, UINT32_MAX, &r->network.class_id, err)) < 0)
		return rc;
	rc = ward_json_get_array(n, where, "priorities", WARD_SPEC_MAX_LIST, &arr, err);
	if (rc <= 0 || json_array_size(arr) == 0)
		return rc < 0 ? rc : 0;
	r->network.priorities = calloc(json_array_size(arr), sizeof(*r->network.priorities));
	if (!r->network.priorities)
		return oom(err, where);
	json_array_foreach(arr, i, e) {
		_cleanup_free_ char *w = sub_index(where, "priorities", i);
		struct cgroup_net_prio *p = &r->network.priorities[i];
		const char *name = NULL;
		int64_t prio = 0;

		if (!w)
			return oom(err, where);
		if ((rc = require_object(e, w, err)) < 0 ||
		    (rc = ward_json_get_string(e, w, "name", &name, err)) < 0)
			return rc;
		if (!name)
			return missing(err, w, "name");
		if (!ifname_valid(name))
			return ward_error_set(err, EINVAL,
					      "%s.name: '%.32s' is not a network interface name", w,
					      name);
		rc = ward_json_get_range(e, w, "priority", 0, UINT32_MAX, &prio, err);
		if (rc < 0)
			return rc;
		if (rc == 0)
			return missing(err, w, "priority");
		if (!(p->name = strdup(name)))
			return oom(err, where);
		p->priority = (uint32_t)prio;
		r->network.n_priorities++;
	}
	return 0;
}

static int
parse_rdma(json_t *obj, const char *where, struct ward_cgroup_resources *r, struct ward_error **err)
{
	const char *key;
	json_t *v;
	int rc;

	if ((rc = require_object(obj, where, err)) < 0)
		return rc;
	if (json_object_size(obj) > CGROUP_RDMA_MAX)
		return ward_error_set(err, E2BIG, "%s: %zu devices, at most %d allowed", where,
				      json_object_size(obj), CGROUP_RDMA_MAX);
	if (json_object_size(obj) == 0)
		return 0;
	r->rdma = calloc(json_object_size(obj), sizeof(*r->rdma));
	if (!r->rdma)
		return oom(err, where);
	json_object_foreach(obj, key, v) {
		_cleanup_free_ char *w = ward_strdup_printf("%s[\"%.64s\"]", where, key);
		struct cgroup_rdma *d = &r->rdma[r->n_rdma];

		if (!w)
			return oom(err, where);
		if (!rdma_name_valid(key))
			return ward_error_set(err, EINVAL, "%s: not an RDMA device name", w);
		if ((rc = require_object(v, w, err)) < 0 ||
		    (rc = get_u64(v, w, "hcaHandles", false, UINT32_MAX, &d->hca_handles, err)) <
			    0 ||
		    (rc = get_u64(v, w, "hcaObjects", false, UINT32_MAX, &d->hca_objects, err)) < 0)
			return rc;
		if (!(d->device = strdup(key)))
			return oom(err, where);
		r->n_rdma++;
	}
	return 0;
}

/* Files whose write moves or kills processes: a config must not be able to
 * pull arbitrary host pids into (or kill them through) the container's
 * cgroup. */
static const char *const unified_refused[] = {
	"cgroup.procs",
	"cgroup.threads",
	"cgroup.kill",
	"tasks",
};

static int
parse_unified(json_t *obj, const char *where, struct ward_cgroup_resources *r,
	      struct ward_error **err)
{
	const char *key;
	json_t *v;
	int rc;

	if ((rc = require_object(obj, where, err)) < 0)
		return rc;
	if (json_object_size(obj) > WARD_SPEC_MAX_LIST)
		return ward_error_set(err, E2BIG, "%s: %zu entries, at most %d allowed", where,
				      json_object_size(obj), WARD_SPEC_MAX_LIST);
	if (json_object_size(obj) == 0)
		return 0;
	r->unified = calloc(json_object_size(obj), sizeof(*r->unified));
	if (!r->unified)
		return oom(err, where);
	json_object_foreach(obj, key, v) {
		struct cgroup_unified *u = &r->unified[r->n_unified];

		if (!cgroup_file_name_valid(key))
			return ward_error_set(err, EINVAL,
					      "%s: key '%.64s' is not a plain file name of the "
					      "cgroup directory (no '/', '.' or '..')",
					      where, key);
		for (size_t k = 0; k < WARD_ARRAY_SIZE(unified_refused); k++)
			if (strcmp(key, unified_refused[k]) == 0)
				return ward_error_set(err, EPERM,
						      "%s.%s: writing this file moves or kills "
						      "processes and is refused",
						      where, key);
		if (!json_is_string(v))
			return ward_error_set(err, EINVAL, "%s.%s: expected a string, got %s",
					      where, key, ward_json_type_name(v));
		if (strlen(json_string_value(v)) != json_string_length(v))
			return ward_error_set(err, EINVAL, "%s.%s: contains a NUL byte", where,
					      key);
		if (json_string_length(v) > CGROUP_UNIFIED_VALUE_MAX)
			return ward_error_set(err, E2BIG, "%s.%s: longer than %d bytes", where, key,
					      CGROUP_UNIFIED_VALUE_MAX);
		if (!(u->key = strdup(key)) || !(u->value = strdup(json_string_value(v)))) {
			free(u->key);
			u->key = NULL;
			return oom(err, where);
		}
		r->n_unified++;
	}
	return 0;
}

/* ---- public -------------------------------------------------------------- */

struct ward_cgroup_resources *
cgroup_resources_new(const char *where)
{
	struct ward_cgroup_resources *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->where = strdup(where ? where : "linux.resources");
	if (!r->where) {
		free(r);
		return NULL;
	}
	return r;
}

int
ward_cgroup_resources_parse(json_t *resources, const char *where,
			    struct ward_cgroup_resources **ret, struct ward_error **err)
{
	_cleanup_(ward_cgroup_resources_freep) struct ward_cgroup_resources *r = NULL;
	json_t *v = NULL;
	int rc;

	if (!where)
		where = "linux.resources";
	if (!resources)
		return ward_error_set(err, EINVAL, "%s: missing", where);
	if ((rc = require_object(resources, where, err)) < 0)
		return rc;
	r = cgroup_resources_new(where);
	if (!r)
		return oom(err, where);

#define SECTION(key, fn)                                                   \
	do {                                                               \
		v = NULL;                                                  \
		rc = ward_json_get_object(resources, where, key, &v, err); \
		if (rc < 0)                                                \
			return rc;                                         \
		if (v) {                                                   \
			_cleanup_free_ char *w = sub(where, key);          \
			if (!w)                                            \
				return oom(err, where);                    \
			if ((rc = fn(v, w, r, err)) < 0)                   \
				return rc;                                 \
		}                                                          \
	} while (0)

	SECTION("memory", parse_memory);
	SECTION("cpu", parse_cpu);
	SECTION("pids", parse_pids);
	SECTION("blockIO", parse_blkio);
	SECTION("network", parse_network);
	SECTION("rdma", parse_rdma);
	SECTION("unified", parse_unified);
#undef SECTION

	v = NULL;
	rc = ward_json_get_array(resources, where, "hugepageLimits", WARD_SPEC_MAX_LIST, &v, err);
	if (rc < 0)
		return rc;
	if (v && (rc = parse_hugepages(v, where, r, err)) < 0)
		return rc;
	v = NULL;
	rc = ward_json_get_array(resources, where, "devices", WARD_SPEC_MAX_LIST, &v, err);
	if (rc < 0)
		return rc;
	if (v && (rc = parse_devices(v, where, r, err)) < 0)
		return rc;

	*ret = TAKE_PTR(r);
	return 0;
}

int
cgroup_resources_add_device(struct ward_cgroup_resources *r, bool allow, char type, int64_t major,
			    int64_t minor, const char *access, struct ward_error **err)
{
	struct cgroup_device_rule d = {
		.allow = allow, .type = type, .major = major, .minor = minor};
	struct cgroup_device_rule *nv;

	if (type != 'a' && type != 'b' && type != 'c')
		return ward_error_set(err, EINVAL, "device rule: type '%c' is not a, b or c", type);
	if (major < CGROUP_DEV_WILDCARD || major > UINT32_MAX || minor < CGROUP_DEV_WILDCARD ||
	    minor > UINT32_MAX)
		return ward_error_set(err, ERANGE, "device rule %c %lld:%lld: number out of range",
				      type, (long long)major, (long long)minor);
	if (cgroup_device_access_parse(access && *access ? access : "rwm", &d.access) < 0)
		return ward_error_set(err, EINVAL, "device rule: access '%s' is not rwm letters",
				      access);
	if (r->n_devices >= 2 * WARD_SPEC_MAX_LIST)
		return ward_error_set(err, E2BIG, "device rules: more than %d",
				      2 * WARD_SPEC_MAX_LIST);
	nv = realloc(r->devices, (r->n_devices + 1) * sizeof(*nv));
	if (!nv)
		return ward_error_set(err, ENOMEM, "device rules");
	nv[r->n_devices++] = d;
	r->devices = nv;
	r->has_devices = true;
	return 0;
}

void
ward_cgroup_resources_free(struct ward_cgroup_resources *r)
{
	if (!r)
		return;
	free(r->where);
	free(r->cpu.cpus);
	free(r->cpu.mems);
	free(r->blkio.weight_device);
	for (int t = 0; t < CGROUP_THROTTLE_COUNT; t++)
		free(r->blkio.throttle[t]);
	for (size_t i = 0; i < r->n_hugepages; i++)
		free(r->hugepages[i].page_size);
	free(r->hugepages);
	free(r->devices);
	for (size_t i = 0; i < r->network.n_priorities; i++)
		free(r->network.priorities[i].name);
	free(r->network.priorities);
	for (size_t i = 0; i < r->n_rdma; i++)
		free(r->rdma[i].device);
	free(r->rdma);
	for (size_t i = 0; i < r->n_unified; i++) {
		free(r->unified[i].key);
		free(r->unified[i].value);
	}
	free(r->unified);
	free(r);
}

/* ---- device rule emulation -------------------------------------------------- */

struct dev_meta {
	char type;
	int64_t major, minor;
};

static bool
meta_eq(const struct cgroup_device_rule *a, const struct dev_meta *b)
{
	return a->type == b->type && a->major == b->major && a->minor == b->minor;
}

static struct cgroup_device_rule *
state_find(struct cgroup_devices_state *s, const struct dev_meta *m)
{
	for (size_t i = 0; i < s->n_exc; i++)
		if (meta_eq(&s->exc[i], m))
			return &s->exc[i];
	return NULL;
}

static int
state_add(struct cgroup_devices_state *s, const struct cgroup_device_rule *rule)
{
	struct dev_meta m = {rule->type, rule->major, rule->minor};
	struct cgroup_device_rule *e = state_find(s, &m), *nv;

	if (e) {
		e->access |= rule->access;
		return 0;
	}
	nv = realloc(s->exc, (s->n_exc + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	s->exc = nv;
	s->exc[s->n_exc] = *rule;
	s->exc[s->n_exc].allow = !s->default_allow;
	s->n_exc++;
	return 0;
}

static int
state_remove(struct cgroup_devices_state *s, const struct cgroup_device_rule *rule,
	     const char *where, size_t idx, struct ward_error **err)
{
	const struct dev_meta partial[] = {
		{rule->type, CGROUP_DEV_WILDCARD, rule->minor},
		{rule->type, rule->major, CGROUP_DEV_WILDCARD},
		{rule->type, CGROUP_DEV_WILDCARD, CGROUP_DEV_WILDCARD},
	};
	struct dev_meta m = {rule->type, rule->major, rule->minor};
	struct cgroup_device_rule *e;

	/* v1 keeps a list of exceptions and only removes exact matches: taking
	 * "c 1:3" out of an exception "c *:*" is silently a no-op there, so
	 * the device the user meant to exclude would stay reachable. */
	for (size_t k = 0; k < WARD_ARRAY_SIZE(partial); k++) {
		if (partial[k].major == rule->major && partial[k].minor == rule->minor)
			continue;
		e = state_find(s, &partial[k]);
		if (e && (e->access & rule->access))
			return ward_error_set(
				err, EINVAL,
				"%s[%zu]: cannot take %c %lld:%lld out of the wildcard "
				"rule before it (cgroup v1 cannot punch holes in "
				"wildcards; list the devices explicitly)",
				where, idx, rule->type, (long long)rule->major,
				(long long)rule->minor);
	}
	e = state_find(s, &m);
	if (!e)
		return 0;
	e->access &= ~rule->access;
	if (e->access == 0) {
		*e = s->exc[s->n_exc - 1];
		s->n_exc--;
	}
	return 0;
}

void
cgroup_devices_state_clear(struct cgroup_devices_state *s)
{
	free(s->exc);
	s->exc = NULL;
	s->n_exc = 0;
}

int
cgroup_devices_emulate(const struct cgroup_device_rule *rules, size_t n, const char *where,
		       struct cgroup_devices_state *ret, struct ward_error **err)
{
	struct cgroup_devices_state s = {.default_allow = false};
	int r;

	/* The starting point is "deny everything" (runc's emulator): rules
	 * given in a config are an allow-list unless they begin with "a". */
	for (size_t i = 0; i < n; i++) {
		const struct cgroup_device_rule *rule = &rules[i];

		if (rule->type == 'a') {
			/* "a" resets the whole list, like writing "a" to v1's
			 * devices.allow or devices.deny. */
			cgroup_devices_state_clear(&s);
			s.default_allow = rule->allow;
			continue;
		}
		if (rule->allow == s.default_allow)
			r = state_remove(&s, rule, where, i, err);
		else
			r = state_add(&s, rule) < 0 ? ward_error_set(err, ENOMEM, "%s", where) : 0;
		if (r < 0) {
			cgroup_devices_state_clear(&s);
			return r;
		}
	}
	*ret = s;
	return 0;
}

int
cgroup_devices_state_from_list(const char *list, struct cgroup_devices_state *ret,
			       struct ward_error **err)
{
	struct cgroup_devices_state s = {.default_allow = false};
	const char *p = list;
	size_t lineno = 0;

	/* devices.list prints the allowed exceptions of a deny-all cgroup, or
	 * the single line "a *:* rwm" for an allow-all one (whose deny
	 * exceptions it cannot show). */
	while (*p) {
		struct cgroup_device_rule d = {.allow = true};
		char type, maj[16], min[16], acc[8];
		const char *nl = strchr(p, '\n');
		char line[64];
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		lineno++;
		if (len == 0) {
			p += nl ? 1 : 0;
			if (!nl)
				break;
			continue;
		}
		if (len >= sizeof(line))
			goto bad;
		memcpy(line, p, len);
		line[len] = '\0';
		p += len + (nl ? 1 : 0);
		if (sscanf(line, "%c %15[0-9*]:%15[0-9*] %7s", &type, maj, min, acc) != 4)
			goto bad;
		if (type == 'a') {
			cgroup_devices_state_clear(&s);
			s.default_allow = true;
			continue;
		}
		if (type != 'b' && type != 'c')
			goto bad;
		d.type = type;
		if (strcmp(maj, "*") == 0) {
			d.major = CGROUP_DEV_WILDCARD;
		} else {
			uint64_t v;
			if (ward_parse_u64(maj, &v) < 0 || v > UINT32_MAX)
				goto bad;
			d.major = (int64_t)v;
		}
		if (strcmp(min, "*") == 0) {
			d.minor = CGROUP_DEV_WILDCARD;
		} else {
			uint64_t v;
			if (ward_parse_u64(min, &v) < 0 || v > UINT32_MAX)
				goto bad;
			d.minor = (int64_t)v;
		}
		if (cgroup_device_access_parse(acc, &d.access) < 0 || d.access == 0)
			goto bad;
		if (!s.default_allow && state_add(&s, &d) < 0) {
			cgroup_devices_state_clear(&s);
			return ward_error_set(err, ENOMEM, "devices.list");
		}
	}
	*ret = s;
	return 0;
bad:
	cgroup_devices_state_clear(&s);
	return ward_error_set(err, EINVAL, "devices.list: line %zu is malformed", lineno);
}

bool
cgroup_devices_state_allows(const struct cgroup_devices_state *s, char type, uint32_t major,
			    uint32_t minor, unsigned access)
{
	for (size_t i = 0; i < s->n_exc; i++) {
		const struct cgroup_device_rule *e = &s->exc[i];

		if (e->type != type)
			continue;
		if (e->major != CGROUP_DEV_WILDCARD && e->major != (int64_t)major)
			continue;
		if (e->minor != CGROUP_DEV_WILDCARD && e->minor != (int64_t)minor)
			continue;
		if (s->default_allow) {
			/* A deny exception stops any request it overlaps (v1's
			 * match_exception_partial). */
			if (e->access & access)
				return false;
		} else if ((access & ~e->access) == 0) {
			/* An allow exception must cover every bit asked for. */
			return true;
		}
	}
	return s->default_allow;
}
