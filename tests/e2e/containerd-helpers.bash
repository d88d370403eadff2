# Helpers for tests/e2e/containerd.bats: a private containerd 1.6 started for
# one test file, with the OCI runtime under test plugged into the runc v2 shim
# through ctr's --runc-binary.
#
# Environment:
#   OCI_RUNTIME       runtime binary (default: build/test/ward-oci, relative to
#                     the repository root found from this file)
#   CTRD_TIMEOUT      seconds one ctr command may take (default 60)
#   CTRD_SNAPSHOTTER  overlayfs (default, falls back to native when the
#                     kernel or the tmp filesystem refuses overlay) or native
#
# Everything containerd writes lives under $BATS_FILE_TMPDIR except what the
# shim and runtime put in /run/containerd/runc/<namespace> (the runtime's
# --root, which containerd chooses), /run/containerd/s (shim sockets) and the
# cgroups /<namespace>/<id>. The namespace is unique per run, and teardown
# removes only what this run made (directories only when empty).

E2E_REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# ctrd_resolve_runtime: set OCI_RUNTIME to an absolute path, or fail naming it.
ctrd_resolve_runtime() {
	local rt=${OCI_RUNTIME:-$E2E_REPO_ROOT/build/test/ward-oci}
	if [[ $rt != */* ]]; then
		rt=$(command -v "$rt") || {
			echo "OCI_RUNTIME=${OCI_RUNTIME} not found on PATH" >&2
			return 1
		}
	fi
	[[ $rt == /* ]] || rt=$PWD/$rt
	if [ ! -x "$rt" ]; then
		echo "OCI runtime $rt is missing or not executable (build it, or set OCI_RUNTIME)" >&2
		return 1
	fi
	export OCI_RUNTIME=$rt
}

# ctrd_preflight: reasons this host cannot run the suite, on stdout.
ctrd_preflight() {
	local t
	[ "$(id -u)" = 0 ] || echo "containerd tests need root"
	for t in containerd ctr containerd-shim-runc-v2; do
		command -v "$t" >/dev/null 2>&1 || echo "$t not installed (apt-get install containerd)"
	done
	[ -x /bin/busybox ] || echo "/bin/busybox missing (apt-get install busybox-static)"
	command -v script >/dev/null 2>&1 || echo "script(1) missing (util-linux)"
}

# ctrd_start: start containerd for this test file (call from setup_file).
# Exports CTRD_DIR CTRD_SOCK CTRD_NS CTRD_PID CTRD_IMAGE CONTAINERD_SNAPSHOTTER.
ctrd_start() {
	CTRD_DIR=$BATS_FILE_TMPDIR/ctrd
	mkdir -p "$CTRD_DIR/root" "$CTRD_DIR/state" "$CTRD_DIR/opt" "$CTRD_DIR/tmp" "$CTRD_DIR/fifo"
	# sun_path holds 108 bytes with the NUL; containerd also listens on
	# "<address>.ttrpc". Fall back to a short directory of our own.
	CTRD_SOCKDIR=$CTRD_DIR
	if [ ${#CTRD_DIR} -gt 80 ]; then
		CTRD_SOCKDIR=$(mktemp -d /tmp/ward-ctrd.XXXXXX)
	fi
	CTRD_SOCK=$CTRD_SOCKDIR/containerd.sock
	# Unique namespace: the shim's runtime root is /run/containerd/runc/<ns>,
	# shared by every containerd on the host.
	CTRD_NS=wardtest-$$-$RANDOM
	CTRD_LOG=$CTRD_DIR/containerd.log

	cat >"$CTRD_DIR/config.toml" <<EOF
version = 2
root = "$CTRD_DIR/root"
state = "$CTRD_DIR/state"
temp = "$CTRD_DIR/tmp"
# No CRI (it starts slowly and wants CNI), no snapshotters this test cannot
# use. (The v1 linux runtime stays: the 1.6 tasks service needs it loaded.)
disabled_plugins = [
  "io.containerd.grpc.v1.cri",
  "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.zfs",
  "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing",
]

[grpc]
  address = "$CTRD_SOCK"

[ttrpc]
  address = "$CTRD_SOCK.ttrpc"

[debug]
  address = ""
  level = "info"

[metrics]
  address = ""

[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = "$CTRD_DIR/opt"
EOF

	containerd --config "$CTRD_DIR/config.toml" >"$CTRD_LOG" 2>&1 </dev/null &
	CTRD_PID=$!
	export CTRD_DIR CTRD_SOCKDIR CTRD_SOCK CTRD_NS CTRD_PID CTRD_LOG

	local i
	for ((i = 0; i < 100; i++)); do
		if ctr --address "$CTRD_SOCK" version >/dev/null 2>&1; then
			break
		fi
		if ! kill -0 "$CTRD_PID" 2>/dev/null; then
			echo "containerd exited during start-up; its log:" >&2
			tail -n 30 "$CTRD_LOG" >&2
			return 1
		fi
		sleep 0.1
	done
	if ((i == 100)); then
		echo "containerd did not answer on $CTRD_SOCK within 10s; its log:" >&2
		tail -n 30 "$CTRD_LOG" >&2
		return 1
	fi

	# overlayfs unless the host refuses it (containerd's overlayfs plugin
	# checks the backing filesystem at start-up).
	local snap=${CTRD_SNAPSHOTTER:-overlayfs}
	if [ "$snap" = overlayfs ] &&
		! ctrc plugins ls 2>/dev/null | grep -E 'io\.containerd\.snapshotter\.v1[[:space:]]+overlayfs' | grep -qw ok; then
		snap=native
	fi
	export CONTAINERD_SNAPSHOTTER=$snap
}

# ctrd_import_busybox: build the busybox OCI archive and import it.
ctrd_import_busybox() {
	CTRD_IMAGE=localhost/ward/busybox:e2e
	export CTRD_IMAGE
	"$E2E_REPO_ROOT/scripts/mkimage.sh" -r "$CTRD_IMAGE" "$CTRD_DIR/busybox-oci.tar" >/dev/null || return 1
	ctrc images import "$CTRD_DIR/busybox-oci.tar" >/dev/null || return 1
	# ctr run would pull (and fail, offline) if the image were not there.
	ctrc images ls -q | grep -qxF "$CTRD_IMAGE" || {
		echo "imported image $CTRD_IMAGE not listed by ctr images ls" >&2
		return 1
	}
}

# ctrc ARGS...: ctr against the private containerd in the test namespace,
# bounded by CTRD_TIMEOUT seconds (default 60) so a hung runtime fails the
# test instead of the whole run.
ctrc() {
	timeout --foreground -k 5 "${CTRD_TIMEOUT:-60}" \
		ctr --address "$CTRD_SOCK" --namespace "$CTRD_NS" "$@"
}

# ctr_run [RUN-OPTIONS...] ID CMD...: ctr run with the runtime under test.
# Options that take a value must be written --opt=value (one word).
# The image is inserted before ID; options go first.
ctr_run() {
	local opts=()
	while [ $# -gt 0 ] && [[ $1 == -* ]]; do
		opts+=("$1")
		shift
	done
	ctrc run --runc-binary "$OCI_RUNTIME" --fifo-dir "$CTRD_DIR/fifo" "${opts[@]}" "$CTRD_IMAGE" "$@"
}

# ctr_exec [EXEC-OPTIONS...] ID CMD...: ctr tasks exec, its I/O fifos kept
# under our directory (ctr leaves a detached exec's fifos behind).
ctr_exec() {
	ctrc tasks exec --fifo-dir "$CTRD_DIR/fifo" "$@"
}

# ctr_cmdline ARGS...: a shell-quoted ctr command line for script(1), which
# gives ctr the terminal it needs for --tty.
ctr_cmdline() {
	printf '%q ' timeout -k 5 "${CTRD_TIMEOUT:-60}" ctr --address "$CTRD_SOCK" --namespace "$CTRD_NS" "$@"
}

# ctr_task_status ID: RUNNING, PAUSED, STOPPED, CREATED... or nothing.
ctr_task_status() {
	ctrc tasks ls 2>/dev/null | awk -v id="$1" '$1 == id { print $3 }'
}

# ctr_task_pid ID: host PID of the task's init process.
ctr_task_pid() {
	ctrc tasks ls 2>/dev/null | awk -v id="$1" '$1 == id { print $2 }'
}

# ctr_wait_status ID STATUS [TENTHS]: poll until the task has STATUS.
ctr_wait_status() {
	local i n=${3:-100}
	for ((i = 0; i < n; i++)); do
		[ "$(ctr_task_status "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	echo "task $1 is '$(ctr_task_status "$1")', not $2, after $((n / 10))s" >&2
	return 1
}

# ctr_cleanup_container ID: remove a test's container whatever state it is in.
ctr_cleanup_container() {
	local id=$1 st
	st=$(ctr_task_status "$id")
	if [ -n "$st" ]; then
		[ "$st" = PAUSED ] && ctrc tasks resume "$id" >/dev/null 2>&1
		if [ "$st" != STOPPED ]; then
			ctrc tasks kill -a -s SIGKILL "$id" >/dev/null 2>&1
			ctr_wait_status "$id" STOPPED 50 2>/dev/null
		fi
		ctrc tasks delete "$id" >/dev/null 2>&1 || ctrc tasks delete -f "$id" >/dev/null 2>&1
	fi
	ctrc containers delete "$id" >/dev/null 2>&1
	return 0
}

# ctrd_stop: remove leftovers and stop our containerd (call from teardown_file).
ctrd_stop() {
	[ -n "${CTRD_PID:-}" ] || return 0
	local id i
	if kill -0 "$CTRD_PID" 2>/dev/null; then
		for id in $(ctrc containers ls -q 2>/dev/null); do
			ctr_cleanup_container "$id"
		done
		for id in $(ctrc images ls -q 2>/dev/null); do
			ctrc images rm "$id" >/dev/null 2>&1
		done
		# Stop only the containerd this file started, by its PID.
		kill -TERM "$CTRD_PID" 2>/dev/null
		for ((i = 0; i < 100; i++)); do
			kill -0 "$CTRD_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$CTRD_PID" 2>/dev/null && kill -KILL "$CTRD_PID" 2>/dev/null
	fi
	wait "$CTRD_PID" 2>/dev/null
	# Snapshot and task rootfs mounts under our directory, if any survived.
	awk -v d="$CTRD_DIR/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null; done
	# The shim puts containers in cgroup /<ns>/<id>; the runtime removes the
	# <id> level on delete, nobody removes <ns>. Only empty ones go.
	find /sys/fs/cgroup -mindepth 1 -maxdepth 3 -type d -name "$CTRD_NS" 2>/dev/null |
		while read -r cg; do find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null; done
	# ward-oci's compiled-seccomp cache lives in its root, this namespace's dir.
	rm -rf "/run/containerd/runc/$CTRD_NS/.seccomp-cache"
	rmdir "/run/containerd/runc/$CTRD_NS" 2>/dev/null
	rmdir /run/containerd/runc /run/containerd/s /run/containerd/fifo /run/containerd 2>/dev/null
	[ "$CTRD_SOCKDIR" != "$CTRD_DIR" ] && rm -rf "$CTRD_SOCKDIR"
	CTRD_PID=
}

# ctr_runtime_log ID: the runtime's log.json for a container, if still there.
ctr_runtime_log() {
	cat "$CTRD_DIR/state/io.containerd.runtime.v2.task/$CTRD_NS/$1/log.json" 2>/dev/null
}

# ctrd_dump_on_failure: from teardown; show containerd's view when a test failed.
ctrd_dump_on_failure() {
	[ -n "${BATS_TEST_COMPLETED:-}" ] && return 0
	echo "# --- last run: status ${status:-?}, output:"
	printf '%s\n' "${output:-}" | sed 's/^/#   /'
	echo "# --- containerd warnings and errors (last 20) ---"
	grep -E 'level=(warning|error|fatal)' "$CTRD_LOG" 2>/dev/null | tail -n 20 | sed 's/^/#   /'
}
