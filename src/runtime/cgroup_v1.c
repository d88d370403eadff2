/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cgroup v1: one hierarchy per controller (or per group of controllers),
 * used on v1 hosts and for all limits on hybrid hosts.
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include <ward/runtime.h>
#include <ward/util.h>

#include "cgroup_internal.h"

#define FREEZE_TRIES 1000
#define THAW_TRIES 1000
#define MEMORY_UNLIMITED_V1 0x7ffffffffffff000ULL /* what v1 shows for "-1" */

static const struct cgroup_hier *
need(const struct ward_cgroup *cg, enum cgroup_ctrl c, const char *where, const char *field,
     struct ward_error **err)
{
	const struct cgroup_hier *h = cgroup_find(cg, c);

	if (!h)
		(void)ward_error_setk(err, WARD_E_UNSUPPORTED, EOPNOTSUPP,
				      "%s.%s: the cgroup v1 '%s' controller is not mounted on this "
				      "host",
				      where, field, cgroup_ctrl_name(c));
	return h;
}

int
cgroup_v1_check(const struct ward_cgroup *cg, const struct ward_cgroup_resources *res,
		struct ward_error **err)
{
	const char *w = res->where;
	bool blkio = res->blkio.weight.set || res->blkio.leaf_weight.set ||
		     res->blkio.n_weight_device > 0;

	if (res->n_unified > 0)
		return ward_error_setk(err, WARD_E_UNSUPPORTED, EOPNOTSUPP,
				       "%s.unified: unified resources are only available on cgroup "
				       "v2 (this host's cgroups are %s)",
				       w, cgroup_layout_name(cg->layout));
	for (int t = 0; t < CGROUP_THROTTLE_COUNT; t++)
		blkio = blkio || res->blkio.n_throttle[t] > 0;
	/* memory.kernel is not checked: it is ignored, as runc 1.1 does
	 * (kernel memory limits are deprecated, and a no-op since Linux 6.x). */
	if ((res->memory.limit.set || res->memory.reservation.set || res->memory.swap.set ||
	     res->memory.kernel_tcp.set || res->memory.swappiness.set ||
	     res->memory.disable_oom_killer.set || res->memory.use_hierarchy.set) &&
	    !need(cg, CGROUP_MEMORY, w, "memory", err))
		return -EOPNOTSUPP;
	if ((res->cpu.shares.set || res->cpu.quota.set || res->cpu.period.set ||
	     res->cpu.burst.set || res->cpu.realtime_period.set || res->cpu.realtime_runtime.set ||
	     res->cpu.idle.set) &&
	    !need(cg, CGROUP_CPU, w, "cpu", err))
		return -EOPNOTSUPP;
	if (res->cpu.cpus && !need(cg, CGROUP_CPUSET, w, "cpu.cpus", err))
		return -EOPNOTSUPP;
	if (res->cpu.mems && !need(cg, CGROUP_CPUSET, w, "cpu.mems", err))
		return -EOPNOTSUPP;
	if (res->pids_limit.set && !need(cg, CGROUP_PIDS, w, "pids.limit", err))
		return -EOPNOTSUPP;
	if (blkio && !need(cg, CGROUP_BLKIO, w, "blockIO", err))
		return -EOPNOTSUPP;
	if (res->n_hugepages && !need(cg, CGROUP_HUGETLB, w, "hugepageLimits", err))
		return -EOPNOTSUPP;
	if (res->has_devices && !need(cg, CGROUP_DEVICES, w, "devices", err))
		return -EOPNOTSUPP;
	if (res->network.class_id.set && !need(cg, CGROUP_NET_CLS, w, "network.classID", err))
		return -EOPNOTSUPP;
	if (res->network.n_priorities && !need(cg, CGROUP_NET_PRIO, w, "network.priorities", err))
		return -EOPNOTSUPP;
	if (res->n_rdma && !need(cg, CGROUP_RDMA, w, "rdma", err))
		return -EOPNOTSUPP;
	return 0;
}

/* ---- cpuset ---------------------------------------------------------------- */

static int
copy_if_empty(const char *parent, const char *dir, const char *file, struct ward_error **err)
{
	_cleanup_free_ char *cur = NULL, *up = NULL;
	int r;

	r = cgroup_read(dir, file, &cur, err);
	if (r < 0)
		return r;
	if (cur[0] != '\0' && cur[0] != '\n')
		return 0;
	r = cgroup_read(parent, file, &up, err);
	if (r < 0)
		return r;
	if (up[0] == '\0' || up[0] == '\n')
		return 0;
	return cgroup_write(dir, file, up, err);
}

int
cgroup_v1_cpuset_init(const struct cgroup_hier *h, struct ward_error **err)
{
	char buf[CGROUP_PATH_MAX], parent[CGROUP_PATH_MAX];
	size_t mlen = strcmp(h->mount, "/") == 0 ? 0 : strlen(h->mount);
	char *p, *next;

	if (strlen(h->path) >= sizeof(buf) || strncmp(h->path, h->mount, mlen) != 0 ||
	    h->path[mlen] != '/')
		return ward_error_set(err, EINVAL, "cpuset: %s is not below %s", h->path, h->mount);
	strcpy(buf, h->path);
	/* From the first level below the mount down to the leaf, each with its
	 * parent: a new v1 cpuset has empty cpus and mems and takes no tasks. */
	for (p = buf + mlen;; p = next) {
		int r;

		next = strchr(p + 1, '/');
		if (next)
			*next = '\0';
		memcpy(parent, buf, (size_t)(p - buf));
		parent[p - buf] = '\0';
		if (p == buf)
			strcpy(parent, "/");
		r = copy_if_empty(parent, buf, "cpuset.cpus", err);
		if (r >= 0)
			r = copy_if_empty(parent, buf, "cpuset.mems", err);
		if (r < 0)
			return ward_error_wrap(err, "initialise cpuset");
		if (!next)
			return 0;
		*next = '/';
	}
}

/* ---- devices ---------------------------------------------------------------- */

static void
rule_string(char *buf, size_t size, const struct cgroup_device_rule *d, unsigned access)
{
	char maj[16] = "*", min[16] = "*", acc[4];
	size_t n = 0;

	if (d->major != CGROUP_DEV_WILDCARD)
		snprintf(maj, sizeof(maj), "%lld", (long long)d->major);
	if (d->minor != CGROUP_DEV_WILDCARD)
		snprintf(min, sizeof(min), "%lld", (long long)d->minor);
	if (access & CGROUP_DEV_READ)
		acc[n++] = 'r';
	if (access & CGROUP_DEV_WRITE)
		acc[n++] = 'w';
	if (access & CGROUP_DEV_MKNOD)
		acc[n++] = 'm';
	acc[n] = '\0';
	snprintf(buf, size, "%c %s:%s %s", d->type, maj, min, acc);
}

static const struct cgroup_device_rule *
find_exc(const struct cgroup_devices_state *s, const struct cgroup_device_rule *d)
{
	for (size_t i = 0; i < s->n_exc; i++)
		if (s->exc[i].type == d->type && s->exc[i].major == d->major &&
		    s->exc[i].minor == d->minor)
			return &s->exc[i];
	return NULL;
}

static bool
same_state(const struct cgroup_devices_state *a, const struct cgroup_devices_state *b)
{
	if (a->default_allow != b->default_allow || a->n_exc != b->n_exc)
		return false;
	for (size_t i = 0; i < a->n_exc; i++) {
		const struct cgroup_device_rule *e = find_exc(b, &a->exc[i]);
		if (!e || e->access != a->exc[i].access)
			return false;
	}
	return true;
}

/*
 * Move the devices cgroup from what devices.list shows to the target with
 * the fewest disruptive writes (runc's Transition): a running container's
 * open("/dev/null") must not fail during `update`.
 */
static int
devices_apply(const struct cgroup_hier *h, const struct ward_cgroup_resources *res,
	      struct ward_error **err)
{
	struct cgroup_devices_state target = {0}, cur = {0}, after = {0};
	_cleanup_free_ char *list = NULL, *w = ward_strdup_printf("%s.devices", res->where);
	const char *file_gain, *file_drop;
	char rule[64];
	bool reset;
	int r;

	if (!w)
		return ward_error_set(err, ENOMEM, "devices");
	r = cgroup_devices_emulate(res->devices, res->n_devices, w, &target, err);
	if (r < 0)
		return r;
	r = cgroup_read(h->path, "devices.list", &list, err);
	if (r < 0)
		goto out;
	r = cgroup_devices_state_from_list(list, &cur, err);
	if (r < 0)
		goto out;
	/* An allow-all cgroup cannot show its deny exceptions: start over. */
	reset = cur.default_allow || cur.default_allow != target.default_allow;
	file_gain = target.default_allow ? "devices.deny" : "devices.allow";
	file_drop = target.default_allow ? "devices.allow" : "devices.deny";
	if (reset) {
		r = cgroup_write(h->path, target.default_allow ? "devices.allow" : "devices.deny",
				 "a", err);
		if (r < 0)
			goto out;
		cgroup_devices_state_clear(&cur);
	}
	for (size_t i = 0; i < cur.n_exc; i++) {
		const struct cgroup_device_rule *t = find_exc(&target, &cur.exc[i]);
		unsigned dropped = cur.exc[i].access & ~(t ? t->access : 0);

		if (!dropped)
			continue;
		rule_string(rule, sizeof(rule), &cur.exc[i], dropped);
		if ((r = cgroup_write(h->path, file_drop, rule, err)) < 0)
			goto out;
	}
	for (size_t i = 0; i < target.n_exc; i++) {
		const struct cgroup_device_rule *c = find_exc(&cur, &target.exc[i]);
		unsigned gained = target.exc[i].access & ~(c ? c->access : 0);

		if (!gained)
			continue;
		rule_string(rule, sizeof(rule), &target.exc[i], gained);
		if ((r = cgroup_write(h->path, file_gain, rule, err)) < 0)
			goto out;
	}
	/* Read back: the kernel silently ignores some writes (a rule the parent
	 * does not grant is refused, but a no-op removal is not), so check that
	 * what is enforced is what was asked for. Only a deny-all cgroup can be
	 * compared; an allow-all one does not list its denials. */
	if (!target.default_allow) {
		free(list);
		list = NULL;
		r = cgroup_read(h->path, "devices.list", &list, err);
		if (r >= 0)
			r = cgroup_devices_state_from_list(list, &after, err);
		if (r >= 0 && !same_state(&after, &target))
			r = ward_error_set(err, EPERM,
					   "%s: the kernel's device list differs from the rules "
					   "after applying them",
					   h->path);
	}
out:
	cgroup_devices_state_clear(&target);
	cgroup_devices_state_clear(&cur);
	cgroup_devices_state_clear(&after);
	return r < 0 ? r : 0;
}

/* ---- memory ---------------------------------------------------------------------- */

static int
write_limit(const char *dir, const char *file, int64_t v, struct ward_error **err)
{
	return cgroup_writef(dir, file, err, "%lld", (long long)v);
}

static int
memory_limit(const char *dir, int64_t v, struct ward_error **err)
{
	uint64_t usage = 0, peak = 0;
	int r = write_limit(dir, "memory.limit_in_bytes", v, err);

	if (r != -EBUSY)
		return r;
	/* EBUSY: below what the cgroup uses now; say how much that is. */
	(void)cgroup_read_u64(dir, "memory.usage_in_bytes", false, &usage, NULL);
	(void)cgroup_read_u64(dir, "memory.max_usage_in_bytes", false, &peak, NULL);
	return ward_error_set(err, EBUSY,
			      "cannot set the memory limit to %lld (current usage %llu, peak "
			      "%llu)",
			      (long long)v, (unsigned long long)usage, (unsigned long long)peak);
}

static int
memory_apply(const char *dir, const struct ward_cgroup_resources *res, struct ward_error **err)
{
	const char *w = res->where;
	struct cgroup_i64 limit = res->memory.limit, swap = res->memory.swap;
	int r;

	/* Unlimited memory and no word on swap: unlimited swap too (runc). */
	if (limit.set && limit.v == -1 && !swap.set &&
	    cgroup_file_exists(dir, "memory.memsw.limit_in_bytes")) {
		swap.v = -1;
		swap.set = true;
	}
	/* Without swap accounting "unlimited" holds anyway; a real swap limit
	 * cannot be enforced and is refused. */
	if (swap.set && swap.v == -1 && !cgroup_file_exists(dir, "memory.memsw.limit_in_bytes"))
		swap.set = false;
	if (swap.set && !cgroup_file_exists(dir, "memory.memsw.limit_in_bytes"))
		return ward_error_setk(err, WARD_E_UNSUPPORTED, EOPNOTSUPP,
				       "%s.memory.swap: this kernel does not account swap "
				       "(memory.memsw.limit_in_bytes is missing; boot with "
				       "swapaccount=1)",
				       w);
	/* memsw must stay >= limit at every step: raise swap first when it
	 * grows past the current limit. */
	if (limit.set && swap.set) {
		uint64_t cur = 0;
		r = cgroup_read_u64(dir, "memory.limit_in_bytes", false, &cur, err);
		if (r < 0)
			return cgroup_field_error(err, w, "memory.limit");
		if (swap.v == -1 || cur < (uint64_t)swap.v) {
			if ((r = write_limit(dir, "memory.memsw.limit_in_bytes", swap.v, err)) < 0)
				return cgroup_field_error(err, w, "memory.swap");
			swap.set = false;
		}
	}
	if (limit.set && (r = memory_limit(dir, limit.v, err)) < 0)
		return cgroup_field_error(err, w, "memory.limit");
	if (swap.set && (r = write_limit(dir, "memory.memsw.limit_in_bytes", swap.v, err)) < 0)
		return cgroup_field_error(err, w, "memory.swap");
	if (res->memory.reservation.set && (r = write_limit(dir, "memory.soft_limit_in_bytes",
							    res->memory.reservation.v, err)) < 0)
		return cgroup_field_error(err, w, "memory.reservation");
	/* memory.kernel: ignored, as runc 1.1 does (see cgroup_v1_check). */
	if (res->memory.kernel_tcp.set && (r = write_limit(dir, "memory.kmem.tcp.limit_in_bytes",
							   res->memory.kernel_tcp.v, err)) < 0)
		return cgroup_field_error(err, w, "memory.kernelTCP");
	if (res->memory.disable_oom_killer.set &&
	    (r = cgroup_write(dir, "memory.oom_control",
			      res->memory.disable_oom_killer.v ? "1" : "0", err)) < 0)
		return cgroup_field_error(err, w, "memory.disableOOMKiller");
	if (res->memory.swappiness.set &&
	    (r = cgroup_writef(dir, "memory.swappiness", err, "%llu",
			       (unsigned long long)res->memory.swappiness.v)) < 0)
		return cgroup_field_error(err, w, "memory.swappiness");
	if (res->memory.use_hierarchy.set) {
		r = cgroup_write(dir, "memory.use_hierarchy",
				 res->memory.use_hierarchy.v ? "1" : "0", err);
		if (r == -EINVAL && !res->memory.use_hierarchy.v)
			return ward_error_setk(err, WARD_E_UNSUPPORTED, EOPNOTSUPP,
					       "%s.memory.useHierarchy: false is not supported by "
					       "this kernel (memory accounting is always "
					       "hierarchical)",
					       w);
		if (r < 0)
			return cgroup_field_error(err, w, "memory.useHierarchy");
	}
	return 0;
}

/* ---- cpu ------------------------------------------------------------------------ */

static int
cpu_apply(const char *dir, const struct ward_cgroup_resources *res, struct ward_error **err)
{
	const char *w = res->where;
	bool period_pending = false;
	int r;

	if (res->cpu.realtime_period.set &&
	    (r = cgroup_writef(dir, "cpu.rt_period_us", err, "%llu",
			       (unsigned long long)res->cpu.realtime_period.v)) < 0)
		return cgroup_field_error(err, w, "cpu.realtimePeriod");
	if (res->cpu.realtime_runtime.set) {
		r = write_limit(dir, "cpu.rt_runtime_us", res->cpu.realtime_runtime.v, err);
		if (r == -EINVAL || r == -EBUSY)
			return ward_error_wrap(
				err,
				"%s.cpu.realtimeRuntime: more than the parent cgroup's "
				"cpu.rt_runtime_us leaves, or more than the period",
				w);
		if (r < 0)
			return cgroup_field_error(err, w, "cpu.realtimeRuntime");
	}
	if (res->cpu.shares.set) {
		uint64_t got = 0;
		if ((r = cgroup_writef(dir, "cpu.shares", err, "%llu",
				       (unsigned long long)res->cpu.shares.v)) < 0)
			return cgroup_field_error(err, w, "cpu.shares");
		/* The kernel clamps silently; say so instead of running with
		 * another weight than configured. */
		if (cgroup_read_u64(dir, "cpu.shares", false, &got, NULL) == 0 &&
		    got != res->cpu.shares.v)
			return ward_error_set(
				err, ERANGE, "%s.cpu.shares: the kernel set %llu, not %llu", w,
				(unsigned long long)got, (unsigned long long)res->cpu.shares.v);
	}
	if (res->cpu.period.set) {
		r = cgroup_writef(dir, "cpu.cfs_period_us", err, "%llu",
				  (unsigned long long)res->cpu.period.v);
		/* A shorter period can make old_quota/new_period exceed the
		 * parent's quota: retry after the quota is in place (runc). */
		if (r == -EINVAL && res->cpu.quota.set)
			period_pending = true;
		else if (r < 0)
			return cgroup_field_error(err, w, "cpu.period");
	}
	if (res->cpu.quota.set) {
		if ((r = write_limit(dir, "cpu.cfs_quota_us", res->cpu.quota.v, err)) < 0)
			return cgroup_field_error(err, w, "cpu.quota");
		if (period_pending &&
		    (r = cgroup_writef(dir, "cpu.cfs_period_us", err, "%llu",
				       (unsigned long long)res->cpu.period.v)) < 0)
			return cgroup_field_error(err, w, "cpu.period");
	}
	if (res->cpu.burst.set && (r = cgroup_writef(dir, "cpu.cfs_burst_us", err, "%llu",
						     (unsigned long long)res->cpu.burst.v)) < 0)
		return cgroup_field_error(err, w, "cpu.burst");
	if (res->cpu.idle.set &&
	    (r = cgroup_writef(dir, "cpu.idle", err, "%lld", (long long)res->cpu.idle.v)) < 0)
		return cgroup_field_error(err, w, "cpu.idle");
	return 0;
}

/* ---- blkio --------------------------------------------------------------------- */

static const char *const throttle_files[CGROUP_THROTTLE_COUNT] = {
	[CGROUP_THROTTLE_READ_BPS] = "blkio.throttle.read_bps_device",
	[CGROUP_THROTTLE_WRITE_BPS] = "blkio.throttle.write_bps_device",
	[CGROUP_THROTTLE_READ_IOPS] = "blkio.throttle.read_iops_device",
	[CGROUP_THROTTLE_WRITE_IOPS] = "blkio.throttle.write_iops_device",
};
static const char *const throttle_fields[CGROUP_THROTTLE_COUNT] = {
	[CGROUP_THROTTLE_READ_BPS] = "throttleReadBpsDevice",
	[CGROUP_THROTTLE_WRITE_BPS] = "throttleWriteBpsDevice",
	[CGROUP_THROTTLE_READ_IOPS] = "throttleReadIOPSDevice",
	[CGROUP_THROTTLE_WRITE_IOPS] = "throttleWriteIOPSDevice",
};

static int
blkio_apply(const char *dir, const struct ward_cgroup_resources *res, struct ward_error **err)
{
	const char *w = res->where;
	/* CFQ's blkio.weight went with CFQ (Linux 5.0); BFQ has its own. */
	bool cfq = cgroup_file_exists(dir, "blkio.weight");
	const char *wfile = cfq ? "blkio.weight" : "blkio.bfq.weight";
	const char *wdfile = cfq ? "blkio.weight_device" : "blkio.bfq.weight_device";
	char field[96];
	int r;

	if (res->blkio.weight.set &&
	    (r = cgroup_writef(dir, wfile, err, "%llu", (unsigned long long)res->blkio.weight.v)) <
		    0)
		return cgroup_field_error(err, w, "blockIO.weight");
	if (res->blkio.leaf_weight.set &&
	    (r = cgroup_writef(dir, "blkio.leaf_weight", err, "%llu",
			       (unsigned long long)res->blkio.leaf_weight.v)) < 0)
		return cgroup_field_error(err, w, "blockIO.leafWeight");
	for (size_t i = 0; i < res->blkio.n_weight_device; i++) {
		const struct cgroup_weight_device *d = &res->blkio.weight_device[i];

		snprintf(field, sizeof(field), "blockIO.weightDevice[%zu]", i);
		if (d->weight.set &&
		    (r = cgroup_writef(dir, wdfile, err, "%lld:%lld %llu", (long long)d->major,
				       (long long)d->minor, (unsigned long long)d->weight.v)) < 0)
			return cgroup_field_error(err, w, field);
		if (d->leaf_weight.set &&
		    (r = cgroup_writef(dir, "blkio.leaf_weight_device", err, "%lld:%lld %llu",
				       (long long)d->major, (long long)d->minor,
				       (unsigned long long)d->leaf_weight.v)) < 0)
			return cgroup_field_error(err, w, field);
	}
	for (int t = 0; t < CGROUP_THROTTLE_COUNT; t++)
		for (size_t i = 0; i < res->blkio.n_throttle[t]; i++) {
			const struct cgroup_throttle_device *d = &res->blkio.throttle[t][i];

			snprintf(field, sizeof(field), "blockIO.%s[%zu]", throttle_fields[t], i);
			if ((r = cgroup_writef(dir, throttle_files[t], err, "%lld:%lld %llu",
					       (long long)d->major, (long long)d->minor,
					       (unsigned long long)d->rate)) < 0)
				return cgroup_field_error(err, w, field);
		}
	return 0;
}

/* ---- hugetlb, net, rdma ------------------------------------------------------------ */

static int
hugetlb_apply(const char *dir, const struct ward_cgroup_resources *res, struct ward_error **err)
{
	for (size_t i = 0; i < res->n_hugepages; i++) {
		const struct cgroup_hugepage *hp = &res->hugepages[i];
		char file[64], field[64];
		int r;

		snprintf(field, sizeof(field), "hugepageLimits[%zu]", i);
		snprintf(file, sizeof(file), "hugetlb.%s.limit_in_bytes", hp->page_size);
		if (!cgroup_file_exists(dir, file))
			return ward_error_setk(err, WARD_E_UNSUPPORTED, EOPNOTSUPP,
					       "%s.%s.pageSize: huge pages of %s are not supported "
					       "by this host",
					       res->where, field, hp->page_size);
		if ((r = cgroup_writef(dir, file, err, "%llu", (unsigned long long)hp->limit)) < 0)
			return cgroup_field_error(err, res->where, field);
		/* The reservation limit (Linux 5.7+) follows, as runc 1.1 does:
		 * otherwise a reservation made at mmap time escapes the limit. */
		snprintf(file, sizeof(file), "hugetlb.%s.rsvd.limit_in_bytes", hp->page_size);
		if (cgroup_file_exists(dir, file) &&
		    (r = cgroup_writef(dir, file, err, "%llu", (unsigned long long)hp->limit)) < 0)
			return cgroup_field_error(err, res->where, field);
	}
	return 0;
}

static int
rdma_write(const char *dir, const struct ward_cgroup_resources *res, struct ward_error **err)
{
	for (size_t i = 0; i < res->n_rdma; i++) {
		const struct cgroup_rdma *d = &res->rdma[i];
		char line[160], field[96];
		int n, r;

		if (!d->hca_handles.set && !d->hca_objects.set)
			continue;
		n = snprintf(line, sizeof(line), "%s", d->device);
		if (d->hca_handles.set)
			n += snprintf(line + n, sizeof(line) - (size_t)n, " hca_handle=%llu",
				      (unsigned long long)d->hca_handles.v);
		if (d->hca_objects.set)
			snprintf(line + n, sizeof(line) - (size_t)n, " hca_object=%llu",
				 (unsigned long long)d->hca_objects.v);
		snprintf(field, sizeof(field), "rdma[\"%s\"]", d->device);
		if ((r = cgroup_write(dir, "rdma.max", line, err)) < 0)
			return cgroup_field_error(err, res->where, field);
	}
	return 0;
}

int
cgroup_rdma_apply(const char *dir, const struct ward_cgroup_resources *res, struct ward_error **err)
{
	return rdma_write(dir, res, err);
}

static int
net_apply(const struct ward_cgroup *cg, const struct ward_cgroup_resources *res,
	  struct ward_error **err)
{
	const struct cgroup_hier *h;
	int r;

	if (res->network.class_id.set) {
		h = cgroup_find(cg, CGROUP_NET_CLS);
		if (h && (r = cgroup_writef(h->path, "net_cls.classid", err, "%llu",
					    (unsigned long long)res->network.class_id.v)) < 0)
			return cgroup_field_error(err, res->where, "network.classID");
	}
	h = cgroup_find(cg, CGROUP_NET_PRIO);
	for (size_t i = 0; h && i < res->network.n_priorities; i++) {
		const struct cgroup_net_prio *p = &res->network.priorities[i];
		char field[64];

		snprintf(field, sizeof(field), "network.priorities[%zu]", i);
		if ((r = cgroup_writef(h->path, "net_prio.ifpriomap", err, "%s %u", p->name,
				       p->priority)) < 0)
			return cgroup_field_error(err, res->where, field);
	}
	return 0;
}

/* ---- apply ------------------------------------------------------------------------- */

int
cgroup_v1_apply(const struct ward_cgroup *cg, const struct ward_cgroup_resources *res, bool update,
		struct ward_error **err)
{
	const struct cgroup_hier *h;
	int r;

	(void)update; /* v1 itself refuses a memory limit below usage (EBUSY) */
	if ((h = cgroup_find(cg, CGROUP_CPUSET))) {
		if (res->cpu.cpus &&
		    (r = cgroup_write(h->path, "cpuset.cpus", res->cpu.cpus, err)) < 0)
			return cgroup_field_error(err, res->where, "cpu.cpus");
		if (res->cpu.mems &&
		    (r = cgroup_write(h->path, "cpuset.mems", res->cpu.mems, err)) < 0)
			return cgroup_field_error(err, res->where, "cpu.mems");
	}
	if (res->has_devices && (h = cgroup_find(cg, CGROUP_DEVICES)) &&
	    (r = devices_apply(h, res, err)) < 0)
		return cgroup_field_error(err, res->where, "devices");
	if ((h = cgroup_find(cg, CGROUP_MEMORY)) && (r = memory_apply(h->path, res, err)) < 0)
		return r;
	if ((h = cgroup_find(cg, CGROUP_CPU)) && (r = cpu_apply(h->path, res, err)) < 0)
		return r;
	if (res->pids_limit.set && (h = cgroup_find(cg, CGROUP_PIDS))) {
		if (res->pids_limit.v < 0)
			r = cgroup_write(h->path, "pids.max", "max", err);
		else
			r = cgroup_writef(h->path, "pids.max", err, "%lld",
					  (long long)res->pids_limit.v);
		if (r < 0)
			return cgroup_field_error(err, res->where, "pids.limit");
	}
	if ((h = cgroup_find(cg, CGROUP_BLKIO)) && (r = blkio_apply(h->path, res, err)) < 0)
		return r;
	if ((h = cgroup_find(cg, CGROUP_HUGETLB)) && (r = hugetlb_apply(h->path, res, err)) < 0)
		return r;
	if ((r = net_apply(cg, res, err)) < 0)
		return r;
	if ((h = cgroup_find(cg, CGROUP_RDMA)) && (r = rdma_write(h->path, res, err)) < 0)
		return r;
	return 0;
}

/* ---- freezer ---------------------------------------------------------------------- */

static int
freezer_state(const char *dir, char *buf, size_t size, struct ward_error **err)
{
	_cleanup_free_ char *s = NULL;
	int r = cgroup_read(dir, "freezer.state", &s, err);

	size_t n;

	if (r < 0)
		return r;
	n = strcspn(s, "\n");
	if (n >= size)
		n = size - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return 0;
}

static void
pause_us(long us)
{
	(void)usleep((useconds_t)us);
}

int
cgroup_v1_freeze(const struct cgroup_hier *h, bool frozen, struct ward_error **err)
{
	char state[16];
	int r;

	if (!frozen) {
		if ((r = cgroup_write(h->path, "freezer.state", "THAWED", err)) < 0)
			return r;
		for (int i = 0; i < THAW_TRIES; i++) {
			if ((r = freezer_state(h->path, state, sizeof(state), err)) < 0)
				return r;
			if (strcmp(state, "THAWED") == 0)
				return 0;
			pause_us(1000);
		}
		return ward_error_set(err, ETIMEDOUT, "thaw %s: still %s", h->path, state);
	}
	/* v1 can stay FREEZING while tasks keep forking or arriving; retry the
	 * write, and now and then thaw and pause so new tasks settle (what runc
	 * found to work). Bounded: about a second at most. */
	for (int i = 0; i < FREEZE_TRIES; i++) {
		if (i % 50 == 49) {
			(void)cgroup_write(h->path, "freezer.state", "THAWED", NULL);
			pause_us(10000);
		}
		if ((r = cgroup_write(h->path, "freezer.state", "FROZEN", err)) < 0)
			return r;
		if (i % 25 == 24)
			pause_us(100);
		if ((r = freezer_state(h->path, state, sizeof(state), err)) < 0)
			return r;
		if (strcmp(state, "FROZEN") == 0)
			return 0;
		if (strcmp(state, "FREEZING") != 0)
			return ward_error_set(err, EIO, "freeze %s: unexpected state '%s'", h->path,
					      state);
	}
	/* Stuck half-frozen is the worst outcome: thaw back and fail. */
	(void)cgroup_write(h->path, "freezer.state", "THAWED", NULL);
	return ward_error_set(err, ETIMEDOUT, "freeze %s: still FREEZING after %d tries", h->path,
			      FREEZE_TRIES);
}

int
cgroup_v1_is_frozen(const struct cgroup_hier *h, struct ward_error **err)
{
	char state[16];
	int r = freezer_state(h->path, state, sizeof(state), err);

	if (r < 0)
		return r;
	return strcmp(state, "FROZEN") == 0;
}

/* ---- stats ------------------------------------------------------------------------- */

static json_t *
jint(uint64_t v)
{
	return json_integer(v > INT64_MAX ? INT64_MAX : (json_int_t)v);
}

void
cgroup_v1_stats(const struct ward_cgroup *cg, json_t *out)
{
	const struct cgroup_hier *h;
	uint64_t v;

	if ((h = cgroup_find(cg, CGROUP_CPUACCT))) {
		json_t *usage = json_object();
		long tck = sysconf(_SC_CLK_TCK);

		if (usage) {
			if (cgroup_read_u64(h->path, "cpuacct.usage", false, &v, NULL) == 0)
				json_object_set_new(usage, "total", jint(v));
			/* cpuacct.stat counts USER_HZ ticks. */
			if (tck > 0 &&
			    cgroup_read_key_u64(h->path, "cpuacct.stat", "user", &v, NULL) == 0)
				json_object_set_new(usage, "user",
						    jint(v * (1000000000ULL / (uint64_t)tck)));
			if (tck > 0 &&
			    cgroup_read_key_u64(h->path, "cpuacct.stat", "system", &v, NULL) == 0)
				json_object_set_new(usage, "kernel",
						    jint(v * (1000000000ULL / (uint64_t)tck)));
			json_object_set_new(out, "cpu", json_pack("{s:o}", "usage", usage));
		}
	}
	if ((h = cgroup_find(cg, CGROUP_MEMORY))) {
		json_t *usage = json_object();

		if (usage) {
			if (cgroup_read_u64(h->path, "memory.usage_in_bytes", false, &v, NULL) == 0)
				json_object_set_new(usage, "usage", jint(v));
			if (cgroup_read_u64(h->path, "memory.max_usage_in_bytes", false, &v,
					    NULL) == 0)
				json_object_set_new(usage, "max", jint(v));
			/* "limit" is left out when there is none. */
			if (cgroup_read_u64(h->path, "memory.limit_in_bytes", false, &v, NULL) ==
				    0 &&
			    v < MEMORY_UNLIMITED_V1)
				json_object_set_new(usage, "limit", jint(v));
			if (cgroup_read_u64(h->path, "memory.failcnt", false, &v, NULL) == 0)
				json_object_set_new(usage, "failcnt", jint(v));
			json_object_set_new(out, "memory", json_pack("{s:o}", "usage", usage));
		}
	}
	if ((h = cgroup_find(cg, CGROUP_PIDS))) {
		json_t *pids = json_object();

		if (pids) {
			if (cgroup_read_u64(h->path, "pids.current", false, &v, NULL) == 0)
				json_object_set_new(pids, "current", jint(v));
			/* 0 = no limit, as runc reports it. */
			if (cgroup_read_u64(h->path, "pids.max", true, &v, NULL) == 0)
				json_object_set_new(pids, "limit", jint(v == UINT64_MAX ? 0 : v));
			json_object_set_new(out, "pids", pids);
		}
	}
}
