#!/bin/sh
# Build a busybox OCI image archive locally, with no network: an OCI image
# layout (oci-layout, index.json, blobs/sha256/...) packed as a tar, holding one
# gzip layer of a busybox rootfs, an image config and a manifest. The index
# entry carries org.opencontainers.image.ref.name (and containerd's
# io.containerd.image.name) so `ctr images import` names the image.
#
#   scripts/mkimage.sh [-r REF] [-b BUSYBOX] [-c CMD] [-p] OUT.tar
#
#   -r REF      image reference to annotate (default localhost/ward/busybox:latest)
#   -b BUSYBOX  static busybox binary to install (default /bin/busybox,
#               Debian's busybox-static)
#   -c CMD      default command, run as /bin/sh -c CMD (default: Cmd ["sh"])
#   -p          record the package the binary came from, as distroless images
#               do: the host's /etc/os-release and dpkg's entry for
#               busybox-static in /var/lib/dpkg/status.d/ (so `ward scan`
#               sees what the image holds)
#
# The archive is reproducible: same busybox and options give the same digests
# (sorted tar members, fixed mtimes, owner 0:0, gzip -n). The manifest digest
# is printed on stdout. Needs no root.
set -eu

ref=localhost/ward/busybox:latest
busybox=/bin/busybox
cmd=
pkgdb=

usage() {
	echo "usage: $0 [-r REF] [-b BUSYBOX] [-c CMD] [-p] OUT.tar" >&2
	exit 2
}

while getopts r:b:c:ph opt; do
	case $opt in
	p) pkgdb=1 ;;
	r) ref=$OPTARG ;;
	b) busybox=$OPTARG ;;
	c) cmd=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || usage
out=$1

[ -x "$busybox" ] || { echo "mkimage: busybox not found or not executable: $busybox" >&2; exit 1; }
# A dynamically linked busybox would need the host's libc inside the image.
if command -v file >/dev/null 2>&1 && ! file -L "$busybox" | grep -q 'statically linked'; then
	echo "mkimage: $busybox is not statically linked (install busybox-static)" >&2
	exit 1
fi
case $ref in
*[!A-Za-z0-9._:/@-]*) echo "mkimage: bad image reference: $ref" >&2; exit 1 ;;
esac
case $cmd in
*[\"\\]*) echo "mkimage: -c CMD must not contain quotes or backslashes" >&2; exit 1 ;;
esac

case $(uname -m) in
x86_64) arch=amd64 ;;
aarch64) arch=arm64 ;;
i?86) arch=386 ;;
armv7l | armv6l) arch=arm ;;
ppc64le) arch=ppc64le ;;
s390x) arch=s390x ;;
riscv64) arch=riscv64 ;;
*) echo "mkimage: unknown machine $(uname -m)" >&2; exit 1 ;;
esac

for tool in tar gzip sha256sum; do
	command -v $tool >/dev/null 2>&1 || { echo "mkimage: $tool is required" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/mkimage.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# --- rootfs ---------------------------------------------------------------
rootfs=$work/rootfs
mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/dev" "$rootfs/proc" "$rootfs/sys" \
	"$rootfs/tmp" "$rootfs/root" "$rootfs/var/tmp" "$rootfs/run" "$rootfs/home"
chmod 1777 "$rootfs/tmp" "$rootfs/var/tmp"
chmod 700 "$rootfs/root"
cp "$busybox" "$rootfs/bin/busybox"
chmod 755 "$rootfs/bin/busybox"
for applet in $("$busybox" --list); do
	case $applet in
	busybox | */* | '') continue ;;
	esac
	ln -s busybox "$rootfs/bin/$applet"
done
ln -s bin "$rootfs/sbin"
mkdir -p "$rootfs/usr"
ln -s ../bin "$rootfs/usr/bin"
ln -s ../bin "$rootfs/usr/sbin"
cat >"$rootfs/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$rootfs/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
EOF
echo "ward-busybox" >"$rootfs/etc/hostname"
: >"$rootfs/etc/hosts"
: >"$rootfs/etc/resolv.conf"
if [ -n "$pkgdb" ]; then
	mkdir -p "$rootfs/var/lib/dpkg/status.d"
	dpkg-query -s busybox-static >"$rootfs/var/lib/dpkg/status.d/busybox-static" ||
		{ echo "mkimage: -p: busybox-static is not installed" >&2; exit 1; }
	cp /etc/os-release "$rootfs/etc/os-release"
fi

# --- layer ------------------------------------------------------------------
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=posix \
	--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
	-C "$rootfs" -cf "$work/layer.tar" .
diff_id=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
gzip -n -9 <"$work/layer.tar" >"$work/layer.tar.gz"

layout=$work/layout
blobs=$layout/blobs/sha256
mkdir -p "$blobs"

# put FILE: move FILE into the blob store; sets blob_digest and blob_size.
put() {
	blob_digest=$(sha256sum "$1" | cut -d' ' -f1)
	blob_size=$(wc -c <"$1" | tr -d ' ')
	mv "$1" "$blobs/$blob_digest"
}

put "$work/layer.tar.gz"
layer_digest=$blob_digest layer_size=$blob_size

if [ -n "$cmd" ]; then
	cmd_json="[\"/bin/sh\",\"-c\",\"$cmd\"]"
else
	cmd_json='["sh"]'
fi

# --- config -----------------------------------------------------------------
printf '%s' "{\"architecture\":\"$arch\",\"os\":\"linux\",\
\"config\":{\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"],\
\"Cmd\":$cmd_json,\"WorkingDir\":\"/\"},\
\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:$diff_id\"]},\
\"history\":[{\"created\":\"1970-01-01T00:00:00Z\",\"created_by\":\"scripts/mkimage.sh (busybox $("$busybox" 2>&1 | head -1 | sed -n 's/^BusyBox v\([^ ]*\).*/\1/p'))\"}]}" \
	>"$work/config.json"
put "$work/config.json"
config_digest=$blob_digest config_size=$blob_size

# --- manifest ---------------------------------------------------------------
printf '%s' "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\
\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:$config_digest\",\"size\":$config_size},\
\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$layer_digest\",\"size\":$layer_size}]}" \
	>"$work/manifest.json"
put "$work/manifest.json"
manifest_digest=$blob_digest manifest_size=$blob_size

# --- index and layout marker --------------------------------------------------
printf '%s' "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\
\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:$manifest_digest\",\"size\":$manifest_size,\
\"annotations\":{\"io.containerd.image.name\":\"$ref\",\"org.opencontainers.image.ref.name\":\"$ref\"},\
\"platform\":{\"architecture\":\"$arch\",\"os\":\"linux\"}}]}" >"$layout/index.json"
printf '%s' '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"

tmpout="$out.tmp.$$"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=ustar \
	-C "$layout" -cf "$tmpout" oci-layout index.json blobs
mv "$tmpout" "$out"
echo "sha256:$manifest_digest"
