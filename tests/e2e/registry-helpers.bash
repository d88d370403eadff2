# Helpers for e2e tests that need an OCI registry: Debian's docker-registry
# (distribution 2.8) started on 127.0.0.1, a free port, with its storage and
# config in a temp dir. Runs unprivileged.
#
#   start_registry [--tls] [--htpasswd]   exports REG_DIR REG_HOST REG_PID and,
#                                         with --tls, REG_CERT_DIR (holds ca.crt,
#                                         pass it as the cert-dir option or to
#                                         skopeo --dest-cert-dir); with
#                                         --htpasswd, REG_USER REG_PASS and
#                                         REG_AUTH_FILE (a containers auth.json
#                                         holding them, mode 0600)
#   stop_registry                         kills REG_PID (only it), removes REG_DIR
#   registry_preflight                    reasons this host cannot run them, on stdout
#
# The plain-HTTP registry needs tls_verify=false on the client side
# (skopeo --dest-tls-verify=false / --src-tls-verify=false).

# registry_preflight [--tls] [--htpasswd]
registry_preflight() {
	local a
	command -v docker-registry >/dev/null 2>&1 || echo "docker-registry not installed (apt-get install docker-registry)"
	for a in "$@"; do
		case $a in
		--tls) command -v openssl >/dev/null 2>&1 || echo "openssl not installed" ;;
		--htpasswd) command -v htpasswd >/dev/null 2>&1 || echo "htpasswd not installed (apt-get install apache2-utils)" ;;
		esac
	done
}

# _registry_free_port: a port nothing listens on right now.
_registry_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null && return
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 30000))
		(: </dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo "$p"; return; }
	done
	return 1
}

_registry_make_certs() {
	local d=$1
	mkdir -p "$d/certs.d"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=ward-test-ca \
		-keyout "$d/ca.key" -out "$d/certs.d/ca.crt" \
		-addext basicConstraints=critical,CA:TRUE >/dev/null 2>&1 || return 1
	openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout "$d/server.key" \
		-out "$d/server.csr" >/dev/null 2>&1 || return 1
	printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >"$d/ext.cnf"
	openssl x509 -req -in "$d/server.csr" -CA "$d/certs.d/ca.crt" -CAkey "$d/ca.key" \
		-CAcreateserial -days 2 -extfile "$d/ext.cnf" -out "$d/server.crt" >/dev/null 2>&1
}

start_registry() {
	local tls=0 auth=0 port cfg i
	for a in "$@"; do
		case $a in
		--tls) tls=1 ;;
		--htpasswd) auth=1 ;;
		*) echo "start_registry: unknown option $a" >&2; return 2 ;;
		esac
	done
	REG_DIR=$(mktemp -d "${BATS_FILE_TMPDIR:-${TMPDIR:-/tmp}}/registry.XXXXXX") || return 1
	port=$(_registry_free_port) || { echo "no free port" >&2; return 1; }
	REG_HOST=127.0.0.1:$port
	cfg=$REG_DIR/config.yml
	cat >"$cfg" <<-EOF
	version: 0.1
	log:
	  level: error
	  accesslog:
	    disabled: true
	storage:
	  filesystem:
	    rootdirectory: $REG_DIR/data
	  delete:
	    enabled: true
	http:
	  addr: $REG_HOST
	EOF
	if [ $tls = 1 ]; then
		_registry_make_certs "$REG_DIR" || { echo "openssl failed" >&2; return 1; }
		printf '  tls:\n    certificate: %s\n    key: %s\n' \
			"$REG_DIR/server.crt" "$REG_DIR/server.key" >>"$cfg"
		export REG_CERT_DIR=$REG_DIR/certs.d
	fi
	if [ $auth = 1 ]; then
		export REG_USER=ward REG_PASS=s3cret
		htpasswd -Bbn "$REG_USER" "$REG_PASS" >"$REG_DIR/htpasswd" 2>/dev/null ||
			{ echo "htpasswd failed" >&2; return 1; }
		printf 'auth:\n  htpasswd:\n    realm: ward-test\n    path: %s\n' \
			"$REG_DIR/htpasswd" >>"$cfg"
		export REG_AUTH_FILE=$REG_DIR/auth.json
		(umask 077; printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$REG_HOST" \
			"$(printf '%s:%s' "$REG_USER" "$REG_PASS" | base64 -w0)" >"$REG_AUTH_FILE")
	fi
	docker-registry serve "$cfg" >"$REG_DIR/registry.log" 2>&1 &
	REG_PID=$!
	export REG_DIR REG_HOST REG_PID
	for i in $(seq 100); do
		if (: </dev/tcp/127.0.0.1/"$port") 2>/dev/null; then
			return 0
		fi
		kill -0 "$REG_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "docker-registry did not start on $REG_HOST:" >&2
	cat "$REG_DIR/registry.log" >&2
	stop_registry
	return 1
}

stop_registry() {
	if [ -n "${REG_PID:-}" ]; then
		kill "$REG_PID" 2>/dev/null
		wait "$REG_PID" 2>/dev/null || true
		unset REG_PID
	fi
	if [ -n "${REG_DIR:-}" ] && [ -d "$REG_DIR" ]; then
		rm -rf -- "$REG_DIR"
	fi
	unset REG_DIR REG_HOST REG_CERT_DIR REG_USER REG_PASS REG_AUTH_FILE
}
