#!/usr/bin/env bash
# Runs deploy/nginx/embargo.conf for real in front of `embargo serve` and checks what it promises:
# TLS termination with a certificate made here by openssl, HTTPS requests reach Embargo (which
# trusts the proxy's X-Forwarded-*), HSTS once on every answer, plain HTTP redirected, a forged
# X-Forwarded-For not believed, /metrics not exposed. Everything runs as a non-daemon on free ports
# on 127.0.0.1 with a temporary prefix, and is removed at the end.
#
# nginx is installed from Debian (nginx-light) when missing and we are root with apt-get; otherwise
# the check is skipped with exit code 77. Exit 0: all checks passed; 1: a check failed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CONF="${EMBARGO_NGINX_CONF:-$ROOT/deploy/nginx/embargo.conf}"
HOSTNAME_UNDER_TEST="embargo.test"

skip() { echo "SKIP: $*"; exit 77; }
for tool in curl openssl node; do command -v "$tool" >/dev/null || skip "$tool is not installed"; done
NGINX="$(command -v nginx || true)"
[ -z "$NGINX" ] && [ -x /usr/sbin/nginx ] && NGINX=/usr/sbin/nginx
if [ -z "$NGINX" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "nginx is missing: installing nginx-light from Debian"
    # Debian starts services on installation unless policy-rc.d forbids it; the check never uses that instance.
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx-light >/dev/null || skip "could not install nginx-light"
    NGINX=/usr/sbin/nginx
  else
    skip "nginx is not installed (apt-get install nginx-light), and installing it needs root"
  fi
fi

WORK="$(mktemp -d /tmp/embargo-nginx-check.XXXXXX)"
EMBARGO_PID=""
NGINX_PID=""
cleanup() {
  [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null || true
  [ -n "$EMBARGO_PID" ] && kill "$EMBARGO_PID" 2>/dev/null && wait "$EMBARGO_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
APP_PORT="$(free_port)"
HTTPS_PORT="$(free_port)"
HTTP_PORT="$(free_port)"
PUBLIC_URL="https://$HOSTNAME_UNDER_TEST:$HTTPS_PORT"

# A self-signed certificate for the name under test; curl trusts it through --cacert only.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=$HOSTNAME_UNDER_TEST" \
  -addext "subjectAltName=DNS:$HOSTNAME_UNDER_TEST" -keyout "$WORK/tls.key" -out "$WORK/tls.pem" 2>/dev/null

# Embargo as the conf's header says: on 127.0.0.1 only, trusting the proxy, public URL https.
METRICS_TOKEN="$(openssl rand -hex 16)"
(
  cd "$ROOT"
  exec env -i PATH="$PATH" HOME="${HOME:-/root}" HOST=127.0.0.1 PORT="$APP_PORT" \
    EMBARGO_DATA_DIR="$WORK/data" EMBARGO_CONFIG="$ROOT/test/fixtures/policy.yaml" \
    EMBARGO_PUBLIC_URL="$PUBLIC_URL" EMBARGO_TRUST_PROXY=true EMBARGO_METRICS_TOKEN="$METRICS_TOKEN" \
    EMBARGO_LOG_LEVEL=info EMBARGO_WEB_DIST="$ROOT/test/fixtures/web-dist" \
    node bin/embargo.js serve
) >"$WORK/embargo.log" 2>&1 &
EMBARGO_PID=$!

# The shipped conf with only names, ports and paths replaced (IPv6 listeners dropped: 127.0.0.1 only).
mkdir -p "$WORK/nginx/logs" "$WORK/nginx/tmp"
sed -e "s#https://security.example.org#$PUBLIC_URL#g" \
    -e "s#security.example.org#$HOSTNAME_UNDER_TEST#g" \
    -e "/listen \[::\]/d" \
    -e "s#listen 80;#listen 127.0.0.1:$HTTP_PORT;#" \
    -e "s#listen 443 ssl#listen 127.0.0.1:$HTTPS_PORT ssl#" \
    -e "s#server 127.0.0.1:8080;#server 127.0.0.1:$APP_PORT;#" \
    -e "s#/etc/ssl/certs/$HOSTNAME_UNDER_TEST.pem#$WORK/tls.pem#" \
    -e "s#/etc/ssl/private/$HOSTNAME_UNDER_TEST.key#$WORK/tls.key#" \
    "$CONF" >"$WORK/nginx/embargo.conf"
LEFT="$(grep -vE '^[[:space:]]*#' "$WORK/nginx/embargo.conf" | grep -nE "8080|:443|listen 80;|example\.org|/etc/ssl" || true)"
if [ -n "$LEFT" ]; then
  echo "FAIL: the conf changed shape; this script's substitutions no longer apply:"
  echo "$LEFT"
  exit 1
fi
# As root the workers run as nobody: they must be able to reach the prefix and write their temp files.
chmod 755 "$WORK" "$WORK/nginx"
chmod 777 "$WORK/nginx/tmp"
cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
$( [ "$(id -u)" = 0 ] && echo "user nobody nogroup;" )
events { worker_connections 256; }
http {
    access_log $WORK/nginx/logs/access.log;
    client_body_temp_path $WORK/nginx/tmp/body;
    proxy_temp_path $WORK/nginx/tmp/proxy;
    fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
    uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
    scgi_temp_path $WORK/nginx/tmp/scgi;
    include $WORK/nginx/embargo.conf;
}
EOF
"$NGINX" -t -q -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf"
"$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' &
NGINX_PID=$!

for _ in $(seq 1 240); do
  curl -sf -o /dev/null "http://127.0.0.1:$APP_PORT/readyz" && break
  kill -0 "$EMBARGO_PID" 2>/dev/null || { echo "FAIL: embargo serve exited:"; cat "$WORK/embargo.log"; exit 1; }
  sleep 0.5
done
curl -sf -o /dev/null "http://127.0.0.1:$APP_PORT/readyz" || { echo "FAIL: Embargo not ready"; cat "$WORK/embargo.log"; exit 1; }

FAILED=0
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; FAILED=1; }
check() { local what="$1"; shift; if "$@"; then ok "$what"; else fail "$what"; fi; }
RESOLVE=(--resolve "$HOSTNAME_UNDER_TEST:$HTTPS_PORT:127.0.0.1" --resolve "$HOSTNAME_UNDER_TEST:$HTTP_PORT:127.0.0.1")
https() { curl -sS --max-time 20 --cacert "$WORK/tls.pem" "${RESOLVE[@]}" "$@"; }

# 1. TLS with the generated certificate, verified; the answer comes from Embargo.
https -D "$WORK/h1" -o "$WORK/b1" "$PUBLIC_URL/api/v1/projects/alpha"
check "HTTPS reaches Embargo (GET /api/v1/projects/alpha: 200)" grep -q "^HTTP/[0-9.]* 200" "$WORK/h1"
check "the body is Embargo's (project alpha)" grep -q '"slug":"alpha"' "$WORK/b1"
check "HSTS on HTTPS answers, exactly once" test "$(grep -ci '^strict-transport-security: max-age=31536000; includeSubDomains' "$WORK/h1")" = 1
check "Embargo's security headers pass through (CSP)" grep -qi "^content-security-policy: default-src 'self'" "$WORK/h1"

# 2. A report over HTTPS: accepted (Embargo believed X-Forwarded-Proto: https), links use the public URL.
https -D "$WORK/h2" -o "$WORK/b2" -X POST "$PUBLIC_URL/api/v1/projects/alpha/reports" \
  -H 'content-type: application/json' -H 'x-forwarded-for: 203.0.113.66' -H 'user-agent: nginx-check' \
  -d '{"title":"through the proxy","description":"d","stepsToReproduce":"s"}'
check "a report submitted over HTTPS is accepted (201)" grep -q "^HTTP/[0-9.]* 201" "$WORK/h2"
check "its status link uses EMBARGO_PUBLIC_URL" grep -q "\"statusUrl\":\"$PUBLIC_URL/" "$WORK/b2"
sleep 0.5
check "Embargo saw the proxy's address for the client, not a forged X-Forwarded-For" \
  bash -c "grep '\"url\":\"/api/v1/projects/alpha/reports\"' '$WORK/embargo.log' | grep -q '\"remoteAddress\":\"127.0.0.1\"' && ! grep -q '203.0.113.66' '$WORK/embargo.log'"

# 3. Plain HTTP at the proxy: redirected to HTTPS at the public name.
curl -sS --max-time 20 "${RESOLVE[@]}" -D "$WORK/h3" -o /dev/null "http://$HOSTNAME_UNDER_TEST:$HTTP_PORT/api/v1/projects/alpha?x=1"
check "plain HTTP is redirected (301)" grep -q "^HTTP/[0-9.]* 301" "$WORK/h3"
check "to the same path on the public HTTPS URL" grep -qi "^location: $PUBLIC_URL/api/v1/projects/alpha?x=1" "$WORK/h3"

# 4. HSTS also on nginx's own answers, and /metrics not served through the proxy.
https -D "$WORK/h4" -o /dev/null "$PUBLIC_URL/metrics"
check "/metrics is not exposed through the proxy (404)" grep -q "^HTTP/[0-9.]* 404" "$WORK/h4"
check "HSTS on nginx's own answers too" grep -qi "^strict-transport-security:" "$WORK/h4"

# 5. Embargo itself refuses plain HTTP for anything but probes (what keeps a misrouted request safe).
curl -sS --max-time 20 -D "$WORK/h5" -o "$WORK/b5" -X POST "http://127.0.0.1:$APP_PORT/api/v1/projects/alpha/reports" \
  -H 'content-type: application/json' -d '{"title":"plain","description":"d","stepsToReproduce":"s"}'
check "a report over plain HTTP straight to Embargo is refused (HTTPS_REQUIRED)" grep -q '"code":"HTTPS_REQUIRED"' "$WORK/b5"
curl -sS --max-time 20 -D "$WORK/h6" -o /dev/null "http://127.0.0.1:$APP_PORT/api/v1/projects/alpha"
check "a plain HTTP read straight to Embargo is redirected to the public URL (308)" \
  bash -c "grep -q '^HTTP/[0-9.]* 308' '$WORK/h6' && grep -qi '^location: $PUBLIC_URL/api/v1/projects/alpha' '$WORK/h6'"

if [ "$FAILED" != 0 ]; then
  echo "--- nginx error log"; cat "$WORK/nginx/logs/error.log" || true
  echo "--- embargo log (last lines)"; tail -n 40 "$WORK/embargo.log" || true
  exit 1
fi
echo "nginx check passed: $CONF"
