#!/bin/sh
# mkbundle.sh DIR — make an OCI bundle from Debian's busybox-static.
#
#   DIR/rootfs       /bin/busybox, a relative symlink for every applet, /etc/passwd
#                    and /etc/group (root, nobody, ward uid/gid 1000), /tmp (1777),
#                    empty /proc /sys /dev /root /home/ward
#   DIR/config.json  `$OCI_RUNTIME spec` output when that works (a runtime's own
#                    default spec is worth exercising), else a copy of what `runc spec`
#                    writes; in both cases process.terminal is set to false.
#
# Environment:
#   OCI_RUNTIME     runtime whose `spec` to try first (optional)
#   BUSYBOX         static busybox to install (default /bin/busybox)
#   MKBUNDLE_CACHE  directory for the template rootfs, built once and copied per
#                   bundle (default ${TMPDIR:-/tmp}/ward-mkbundle-<uid>)
#
# The rootfs gets its own copy of busybox and of every other regular file, never a
# hard link to the host's or to the cache: tests run hostile containers
# (CVE-2019-5736 style) that write to the binaries they execute, and a shared inode
# would let one test corrupt the others.
set -eu

usage() {
	echo "usage: $0 DIR" >&2
	exit 2
}
[ $# -eq 1 ] || usage
dir=$1
[ -n "$dir" ] || usage

busybox=${BUSYBOX:-/bin/busybox}
if [ ! -x "$busybox" ]; then
	echo "mkbundle: $busybox not found (apt-get install busybox-static)" >&2
	exit 1
fi

cache=${MKBUNDLE_CACHE:-${TMPDIR:-/tmp}/ward-mkbundle-$(id -u)}
# The template is keyed by busybox's size and mtime so an upgraded package rebuilds it.
key=$(stat -L -c '%s-%Y' "$busybox")
template=$cache/rootfs-$key

build_template() {
	mkdir -p "$cache"
	chmod 700 "$cache"
	tmp=$(mktemp -d "$cache/.build.XXXXXX")
	r=$tmp/rootfs
	mkdir -p "$r/bin" "$r/sbin" "$r/usr/bin" "$r/usr/sbin" "$r/etc" "$r/proc" "$r/sys" \
		"$r/dev" "$r/tmp" "$r/root" "$r/home/ward" "$r/mnt" "$r/run" "$r/var/tmp"
	chmod 1777 "$r/tmp" "$r/var/tmp"
	chmod 700 "$r/root"
	cp "$busybox" "$r/bin/busybox"
	chmod 755 "$r/bin/busybox"
	# Applet links are relative so they resolve inside the rootfs whether it is seen
	# from the host or from the container (an absolute /bin/busybox link would point at
	# the host's busybox when the runtime or a test inspects the bundle from outside).
	"$busybox" --list-full | while IFS= read -r applet; do
		case $applet in
		*/*) ;;
		*) continue ;; # "linuxrc" at the top: not wanted in a container
		esac
		[ "$applet" = bin/busybox ] && continue
		d=${applet%/*}
		up=""
		rest=$d
		while [ -n "$rest" ]; do
			up="../$up"
			case $rest in
			*/*) rest=${rest#*/} ;;
			*) rest="" ;;
			esac
		done
		mkdir -p "$r/$d"
		[ -e "$r/$applet" ] || [ -L "$r/$applet" ] || ln -s "${up}bin/busybox" "$r/$applet"
	done
	cat >"$r/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
ward:x:1000:1000:ward:/home/ward:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
	cat >"$r/etc/group" <<'EOF'
root:x:0:
tty:x:5:
wheel:x:10:ward
users:x:100:
ward:x:1000:
nogroup:x:65534:
EOF
	chown 1000:1000 "$r/home/ward"
	echo "ward-e2e" >"$r/etc/hostname"
	: >"$r/etc/resolv.conf"
	printf '127.0.0.1\tlocalhost\n' >"$r/etc/hosts"
	# Publish atomically: concurrent mkbundle calls either see a whole template or
	# build their own and lose the rename race harmlessly.
	if ! mv -T "$r" "$template" 2>/dev/null; then
		[ -d "$template/bin" ] || {
			echo "mkbundle: cannot publish template $template" >&2
			rm -rf "$tmp"
			exit 1
		}
	fi
	rm -rf "$tmp"
}

[ -x "$template/bin/busybox" ] || build_template

mkdir -p "$dir"
if [ -e "$dir/rootfs" ]; then
	echo "mkbundle: $dir/rootfs already exists" >&2
	exit 1
fi
# Directories are new, applet symlinks are hard links to the template's (a symlink's
# target cannot be changed in place, so sharing them is safe and ten times faster
# than copying), and every regular file is a private copy: containers write to
# /etc/passwd or attack /bin/busybox, and that must stay within their own bundle.
cp -al "$template" "$dir/rootfs"
find "$dir/rootfs" -type f | while IFS= read -r f; do
	cp -p "$f" "$f.mkbundle-copy"
	mv -f "$f.mkbundle-copy" "$f"
done

write_default_config() {
	cat >"$1" <<'EOF'
{
	"ociVersion": "1.0.2-dev",
	"process": {
		"terminal": false,
		"user": {
			"uid": 0,
			"gid": 0
		},
		"args": [
			"sh"
		],
		"env": [
			"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			"TERM=xterm"
		],
		"cwd": "/",
		"capabilities": {
			"bounding": [
				"CAP_AUDIT_WRITE",
				"CAP_KILL",
				"CAP_NET_BIND_SERVICE"
			],
			"effective": [
				"CAP_AUDIT_WRITE",
				"CAP_KILL",
				"CAP_NET_BIND_SERVICE"
			],
			"permitted": [
				"CAP_AUDIT_WRITE",
				"CAP_KILL",
				"CAP_NET_BIND_SERVICE"
			],
			"ambient": [
				"CAP_AUDIT_WRITE",
				"CAP_KILL",
				"CAP_NET_BIND_SERVICE"
			]
		},
		"rlimits": [
			{
				"type": "RLIMIT_NOFILE",
				"hard": 1024,
				"soft": 1024
			}
		],
		"noNewPrivileges": true
	},
	"root": {
		"path": "rootfs",
		"readonly": true
	},
	"hostname": "runc",
	"mounts": [
		{
			"destination": "/proc",
			"type": "proc",
			"source": "proc"
		},
		{
			"destination": "/dev",
			"type": "tmpfs",
			"source": "tmpfs",
			"options": [
				"nosuid",
				"strictatime",
				"mode=755",
				"size=65536k"
			]
		},
		{
			"destination": "/dev/pts",
			"type": "devpts",
			"source": "devpts",
			"options": [
				"nosuid",
				"noexec",
				"newinstance",
				"ptmxmode=0666",
				"mode=0620",
				"gid=5"
			]
		},
		{
			"destination": "/dev/shm",
			"type": "tmpfs",
			"source": "shm",
			"options": [
				"nosuid",
				"noexec",
				"nodev",
				"mode=1777",
				"size=65536k"
			]
		},
		{
			"destination": "/dev/mqueue",
			"type": "mqueue",
			"source": "mqueue",
			"options": [
				"nosuid",
				"noexec",
				"nodev"
			]
		},
		{
			"destination": "/sys",
			"type": "sysfs",
			"source": "sysfs",
			"options": [
				"nosuid",
				"noexec",
				"nodev",
				"ro"
			]
		},
		{
			"destination": "/sys/fs/cgroup",
			"type": "cgroup",
			"source": "cgroup",
			"options": [
				"nosuid",
				"noexec",
				"nodev",
				"relatime",
				"ro"
			]
		}
	],
	"linux": {
		"resources": {
			"devices": [
				{
					"allow": false,
					"access": "rwm"
				}
			]
		},
		"namespaces": [
			{
				"type": "pid"
			},
			{
				"type": "network"
			},
			{
				"type": "ipc"
			},
			{
				"type": "uts"
			},
			{
				"type": "mount"
			}
		],
		"maskedPaths": [
			"/proc/acpi",
			"/proc/asound",
			"/proc/kcore",
			"/proc/keys",
			"/proc/latency_stats",
			"/proc/timer_list",
			"/proc/timer_stats",
			"/proc/sched_debug",
			"/sys/firmware",
			"/proc/scsi"
		],
		"readonlyPaths": [
			"/proc/bus",
			"/proc/fs",
			"/proc/irq",
			"/proc/sys",
			"/proc/sysrq-trigger"
		]
	}
}
EOF
}

# Ask the runtime first; anything but a parseable JSON object with a process and a
# root falls back to the built-in copy.
cfg=$dir/config.json
rm -f "$cfg"
generated=0
if [ -n "${OCI_RUNTIME:-}" ] && [ -x "$OCI_RUNTIME" ] && command -v jq >/dev/null 2>&1; then
	spec_tmp=$(mktemp -d "$dir/.spec.XXXXXX")
	if (cd "$spec_tmp" && "$OCI_RUNTIME" spec </dev/null >/dev/null 2>&1) &&
		jq -e 'type == "object" and (.process | type == "object") and (.root | type == "object")' \
			"$spec_tmp/config.json" >/dev/null 2>&1; then
		jq '.process.terminal = false' "$spec_tmp/config.json" >"$cfg"
		generated=1
	fi
	rm -rf "$spec_tmp"
fi
[ "$generated" = 1 ] || write_default_config "$cfg"
