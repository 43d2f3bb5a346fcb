#!/usr/bin/env bash
# Dynamic security scan of a throwaway local Embargo server (not part of CI):
#   sqlmap  - SQL injection, on every route parameter, JSON body field, path segment and header
#   wapiti  - injection, XSS, file, command, CRLF, header, CSP and cookie checks
# Everything runs against 127.0.0.1 only, on a temporary data directory with demo data, and is
# bounded in time. Findings are printed at the end; the raw reports are kept in .tmp/security-scan/.
#
# The server runs as in production behind a TLS-terminating proxy (EMBARGO_TRUST_PROXY=true, an
# https public URL, every scan request carries X-Forwarded-Proto: https), so the scanners see the
# production headers (HSTS, Secure cookies, HTTPS enforcement) rather than the plain-HTTP dev mode.
#
#   npm run security:scan          (or scripts/security/scan.sh)
#
# Settings (environment variables):
#   SCAN_PORT              server port on 127.0.0.1 (default: 18080 when isolated, else a free port)
#   SCAN_SQLMAP_SECONDS    time limit per sqlmap target (default 180)
#   SCAN_SQLMAP_LEVEL      sqlmap --level, 1-5 (default: 2 for reads, 3 for writes, which also
#                          attacks the User-Agent and Referer headers that go into the audit log)
#   SCAN_SQLMAP_RISK       sqlmap --risk, 1-3 (default 2)
#   SCAN_WAPITI_SECONDS    time limit for wapiti (default 900)
#   SCAN_ISOLATE           1 (default): run in a private network namespace where only loopback
#                          exists, when `unshare` allows it; 0: run in the normal network
#   SCAN_REPORT_DIR        where the raw reports go (default .tmp/security-scan)
#   SCAN_KEEP              1: keep the temporary data directory and server log
#
# sqlmap and wapiti are Debian packages (apt-get install sqlmap wapiti); a missing tool is skipped
# with a message. Exit status: 0 nothing found, 1 a tool reported something, 2 the scan could not run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SELF="$ROOT/scripts/security/scan.sh"

# ---- Isolation: only loopback exists in a fresh network namespace, so no request can leave. ----
ISOLATED=0
if [[ "${EMBARGO_SCAN_NETNS:-}" == 1 ]]; then
  ISOLATED=1
elif [[ "${SCAN_ISOLATE:-1}" == 1 ]] && command -v unshare >/dev/null 2>&1 && command -v ip >/dev/null 2>&1 \
  && unshare --net --map-root-user true 2>/dev/null; then
  export EMBARGO_SCAN_NETNS=1
  exec unshare --net --map-root-user bash -c 'ip link set lo up && exec bash "$0" "$@"' "$SELF" "$@"
fi

SQLMAP_SECONDS="${SCAN_SQLMAP_SECONDS:-180}"
SQLMAP_LEVEL="${SCAN_SQLMAP_LEVEL:-}"
SQLMAP_RISK="${SCAN_SQLMAP_RISK:-2}"
WAPITI_SECONDS="${SCAN_WAPITI_SECONDS:-900}"
REPORT_DIR="${SCAN_REPORT_DIR:-$ROOT/.tmp/security-scan}"
POLICY="$ROOT/examples/embargo.yaml"
ADMIN_EMAIL="admin@example.org"

say() { printf '%s\n' "$*"; }
section() { printf '\n== %s ==\n' "$*"; }
die() { printf 'security scan: %s\n' "$*" >&2; exit 2; }

command -v node >/dev/null 2>&1 || die "node is required"
command -v curl >/dev/null 2>&1 || die "curl is required"

if [[ -n "${SCAN_PORT:-}" ]]; then
  PORT="$SCAN_PORT"
elif [[ "$ISOLATED" == 1 ]]; then
  PORT=18080
else
  PORT="$(node -e "const s=require('node:net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close();});")"
fi
BASE="http://127.0.0.1:$PORT"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/embargo-scan.XXXXXX")"
SERVER_PID=""
TOOL_PID=""
cleanup() {
  local status=$?
  if [[ -n "$TOOL_PID" ]] && kill -0 "$TOOL_PID" 2>/dev/null; then kill -INT "$TOOL_PID" 2>/dev/null || true; wait "$TOOL_PID" 2>/dev/null || true; fi
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 20); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    say "Stopped the scan server."
  fi
  if [[ "${SCAN_KEEP:-0}" == 1 ]]; then say "Kept $WORK (data directory, server log)."; else rm -rf "$WORK"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'printf "security scan: failed at line %s\\n" "$LINENO" >&2; exit 2' ERR
trap 'exit 130' INT TERM

# Runs a scanner with a time limit. In the background and waited for, so that Ctrl-C stops the scan at
# once (timeout puts the tool in its own process group, out of reach of the terminal's signals).
bounded() {
  local seconds=$1 status=0
  shift
  timeout --signal=INT --kill-after=30 "$seconds" "$@" </dev/null &
  TOOL_PID=$!
  wait "$TOOL_PID" || status=$?
  TOOL_PID=""
  return "$status"
}

# The server and the CLI see only these settings (env -i): a real DATABASE_URL, key or settings file
# in the caller's environment can never be touched by the scan. Rate limits are lifted so that the
# scanners test the application rather than the limiter, and the access token outlives a slow scan.
EMBARGO_ENV=(PATH="$PATH" HOME="${HOME:-$WORK}" TMPDIR="${TMPDIR:-/tmp}" LANG=C.UTF-8
  EMBARGO_DATA_DIR="$WORK/data" EMBARGO_CONFIG="$POLICY" HOST=127.0.0.1 PORT="$PORT"
  EMBARGO_PUBLIC_URL="https://127.0.0.1:$PORT" EMBARGO_TRUST_PROXY=true EMBARGO_LOG_LEVEL=warn
  EMBARGO_RATE_LIMIT_PER_MINUTE=1000000 EMBARGO_INTAKE_RATE_LIMIT_PER_MINUTE=1000000 EMBARGO_PRINCIPAL_RATE_LIMIT_PER_MINUTE=1000000
  EMBARGO_ACCESS_TOKEN_TTL_SECONDS=14400)
# Reads one field (a dotted path) from the JSON on standard input.
json() { node -e 'let t="";process.stdin.on("data",(c)=>t+=c).on("end",()=>{let v=JSON.parse(t);for(const k of process.argv[1].split("."))v=v?.[k];if(v===undefined||v===null)process.exit(1);console.log(typeof v==="object"?JSON.stringify(v):v);});' "$1"; }
PROTO_HEADER="X-Forwarded-Proto: https"
api() { curl -sS --max-time 30 -H "$PROTO_HEADER" -H 'content-type: application/json' "$@"; }

section "Embargo security scan"
say "Target: $BASE (temporary data in $WORK)"
if [[ "$ISOLATED" == 1 ]]; then
  say "Network: private namespace with loopback only; nothing can leave this machine."
else
  say "Network: normal (no namespace isolation); every request goes to 127.0.0.1 and the modules that call out are off."
fi

# ---- Demo admin first: the embedded database allows one process, so the server is not up yet. ----
ADMIN_PASSWORD="scan-$(node -e "console.log(require('node:crypto').randomBytes(18).toString('base64url'))")"
printf '%s\n' "$ADMIN_PASSWORD" | env -i "${EMBARGO_ENV[@]}" node "$ROOT/bin/embargo.js" user add --email "$ADMIN_EMAIL" --role admin --name "Scan Admin" --password-stdin >"$WORK/user-add.log" 2>&1 \
  || { cat "$WORK/user-add.log" >&2; die "could not create the demo admin"; }

# env execs node, so $! is the server itself and stopping it needs no process-group games.
env -i "${EMBARGO_ENV[@]}" node "$ROOT/bin/embargo.js" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
say "Starting the server (pid $SERVER_PID)..."
for _ in $(seq 1 120); do
  curl -fsS --max-time 2 -o /dev/null "$BASE/healthz" 2>/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 30 "$WORK/server.log" >&2; die "the server stopped during start-up"; }
  sleep 1
done
curl -fsS --max-time 2 -o /dev/null "$BASE/healthz" || { tail -n 30 "$WORK/server.log" >&2; die "the server did not answer within 120 s"; }

# ---- Demo data through the public API ----
PROJECT="$(api "$BASE/api/v1/projects" | json items.0.slug)" || die "no project in $POLICY"
LOGIN_BODY="$(node -e 'console.log(JSON.stringify({email:process.argv[1],password:process.argv[2]}))' "$ADMIN_EMAIL" "$ADMIN_PASSWORD")"
LOGIN="$(api -X POST "$BASE/api/v1/auth/login" -d "$LOGIN_BODY")"
ADMIN_TOKEN="$(printf '%s' "$LOGIN" | json accessToken)" || die "demo admin login failed: $LOGIN"
# A second session whose refresh token the refresh route scan may spend (and revoke) on its own.
REFRESH_TOKEN="$(api -X POST "$BASE/api/v1/auth/login" -d "$LOGIN_BODY" | json refreshToken)" || die "second login failed"
ADMIN_ID="$(api -H "authorization: Bearer $ADMIN_TOKEN" "$BASE/api/v1/auth/me" | json id)" || die "GET /api/v1/auth/me failed"

REPORT_IDS=()
REPORTER_TOKEN=""
submit() {
  local body answer
  body="$(node -e 'const [t,d,v]=process.argv.slice(1);console.log(JSON.stringify({title:t,description:d,stepsToReproduce:"1. Save the sample file. 2. Run quillcsv sniff on it.",impact:"Wrong parsing of untrusted files.",affectedVersions:[v],contactEmail:"reporter@example.org"}))' "$1" "$2" "$3")"
  answer="$(api -X POST "$BASE/api/v1/projects/$PROJECT/reports" -d "$body")"
  REPORT_IDS+=("$(printf '%s' "$answer" | json id)") || die "report intake failed: $answer"
  [[ -n "$REPORTER_TOKEN" ]] || REPORTER_TOKEN="$(printf '%s' "$answer" | json accessToken)"
}
submit "Quoted delimiter confusion in the sniffer" "A quoted field containing the delimiter makes the sniffer pick the wrong dialect." "2.1.0"
submit "Unbounded memory use on long lines" "A single 2 GB line is buffered whole." "2.0.3"
submit "Formula cells written unescaped" "Cells starting with = are exported as formulas." "1.9.0"
REPORT_ID="${REPORT_IDS[0]}"
api -X POST "$BASE/api/v1/reports/$REPORT_ID/messages" -H "authorization: Bearer $REPORTER_TOKEN" -d '{"body":"Here is a smaller sample file."}' >/dev/null
api -X POST "$BASE/api/v1/reports/${REPORT_IDS[1]}/transitions" -H "authorization: Bearer $ADMIN_TOKEN" -d '{"to":"acknowledged"}' >/dev/null
say "Demo data: project $PROJECT, ${#REPORT_IDS[@]} reports, a reporter message, a triage transition; admin $ADMIN_EMAIL."

if [[ "$(curl -sS -o /dev/null -w '%{http_code}' -H "$PROTO_HEADER" "$BASE/")" == 503 ]]; then
  say "Note: the web app is not built (npm run build), so its pages answer 503; only the API and documents are scanned in depth."
fi
api "$BASE/openapi.json" >"$WORK/openapi.json"
node "$ROOT/scripts/security/targets.mjs" "$WORK/openapi.json" "$BASE" "$PROJECT" "$REPORT_ID" "$ADMIN_ID" "$REFRESH_TOKEN" >"$WORK/targets.tsv"
say "Targets: $(wc -l <"$WORK/targets.tsv") routes from /openapi.json."

rm -rf "$REPORT_DIR"
mkdir -p "$REPORT_DIR"
FINDINGS=0
SUMMARY=()

header_for() {
  case "$1" in
    admin) printf 'Authorization: Bearer %s' "$ADMIN_TOKEN" ;;
    reporter) printf 'Authorization: Bearer %s' "$REPORTER_TOKEN" ;;
    *) printf '' ;;
  esac
}

# ---- sqlmap ----
section "sqlmap"
if ! command -v sqlmap >/dev/null 2>&1; then
  say "sqlmap is not installed: skipped (Debian/Ubuntu: apt-get install sqlmap)."
  SUMMARY+=("sqlmap: not installed, skipped")
else
  say "$(sqlmap --version 2>/dev/null | head -n 1), level ${SQLMAP_LEVEL:-2 (reads) / 3 (writes)}, risk $SQLMAP_RISK, at most ${SQLMAP_SECONDS}s per target"
  mkdir -p "$REPORT_DIR/sqlmap"
  SQLMAP_HITS=0
  SQLMAP_NOTES=()
  SQLMAP_SKIPPED=0
  while IFS=$'\t' read -r name method url auth body marked; do
    # A read without query or path parameters has no input of its own; headers are covered by the writes.
    if [[ "$method" == GET && "$marked" != *'*'* && "$url" != *'?'* ]]; then
      SQLMAP_SKIPPED=$((SQLMAP_SKIPPED + 1))
      continue
    fi
    level="${SQLMAP_LEVEL:-$([[ "$method" == GET ]] && echo 2 || echo 3)}"
    args=(--batch --flush-session --disable-coloring --skip-waf --level "$level" --risk "$SQLMAP_RISK" --time-sec 2 --timeout 15 --retries 1
      --answers "follow=N" --output-dir "$WORK/sqlmap/$name" -u "$marked" --method "$method" -H "$PROTO_HEADER")
    hdr="$(header_for "$auth")"
    [[ -n "$hdr" ]] && args+=(-H "$hdr")
    # Not a reason to stop: a route may answer 404 for the demo data (no PGP key, no advisory with
    # that id), and login and refresh answer 401 (a wrong password, a spent token) and then 429
    # (login throttling). A 401 anywhere else stops sqlmap: the scan's token no longer works.
    case "$auth" in
      login | refresh) args+=(--ignore-code 401,404,429) ;;
      *) args+=(--ignore-code 404) ;;
    esac
    if [[ "$body" != "-" ]]; then args+=(--data "$body" -H 'Content-Type: application/json'); fi
    log="$REPORT_DIR/sqlmap/$name.log"
    start=$SECONDS
    status=0
    bounded "$SQLMAP_SECONDS" sqlmap "${args[@]}" >"$log" 2>&1 || status=$?
    took=$((SECONDS - start))
    result="clean"
    # A results line counts unless sqlmap's own confirmation step dismissed it ("false positive or
    # unexploitable": a heuristic hit that did not survive the re-check, e.g. an answer that changes
    # by itself, such as an upload route that starts answering 409 once the report is full).
    if grep -q "identified the following injection point" "$log" \
      || grep -hv '^Target URL' "$WORK/sqlmap/$name"/results-*.csv 2>/dev/null | grep -qv 'false positive or unexploitable'; then
      result="INJECTABLE"
      SQLMAP_HITS=$((SQLMAP_HITS + 1))
    elif [[ $status -eq 124 || $status -eq 130 ]]; then
      result="time limit reached"
    elif ! grep -qE "do not appear to be injectable|does not seem to be injectable|no parameter\(s\) found" "$log"; then
      result="incomplete (see $log)"
    fi
    codes="$( (sed -n '/HTTP error codes detected during run:/,/^\[/p' "$log" | grep -E '^[0-9]{3} ' || true) | tr '\n' ';' | sed 's/;$//; s/;/, /g')"
    printf '  %-46s %-4s %-8s %4ss  %s%s\n' "$name" "$method" "$auth" "$took" "$result" "${codes:+  [HTTP: $codes]}"
    # Internal errors under attack are worth a look even when nothing was injectable (503 is the
    # web app's "not built yet" page).
    if grep -q '500 (' <<<"$codes"; then SQLMAP_NOTES+=("$name: HTTP 500 during the scan ($codes); see $log"); fi
    if grep -q 'false positive or unexploitable injection point detected' "$log"; then say "      (a heuristic hit that sqlmap's own re-check dismissed as a false positive; not counted; see $log)"; fi
    if [[ "$result" == INJECTABLE ]]; then
      sed -n '/identified the following injection point/,/^---$/p' "$log" | sed 's/^/      /'
      sed -n '/^---$/,/^---$/p' "$log" | sed 's/^/      /'
    fi
    cp "$WORK/sqlmap/$name"/results-*.csv "$REPORT_DIR/sqlmap/" 2>/dev/null || true
  done <"$WORK/targets.tsv"
  if [[ $SQLMAP_HITS -gt 0 ]]; then
    FINDINGS=$((FINDINGS + SQLMAP_HITS))
    SUMMARY+=("sqlmap: $SQLMAP_HITS injectable target(s) (details above, logs in $REPORT_DIR/sqlmap)")
  else
    SUMMARY+=("sqlmap: no injectable parameter in $(($(wc -l <"$WORK/targets.tsv") - SQLMAP_SKIPPED)) targets")
  fi
  for note in "${SQLMAP_NOTES[@]+"${SQLMAP_NOTES[@]}"}"; do
    FINDINGS=$((FINDINGS + 1))
    SUMMARY+=("sqlmap: $note")
  done
  say "  ($SQLMAP_SKIPPED reads without parameters skipped: they have no input but headers, which the writes cover)"
  grep -q $'\tlogin\t' "$WORK/targets.tsv" && say "  (login locks an address after 20 failures, so most login payloads are answered 429: expected)"
fi

# ---- wapiti ----
section "wapiti"
if ! command -v wapiti >/dev/null 2>&1; then
  say "wapiti is not installed: skipped (Debian/Ubuntu: apt-get install wapiti)."
  SUMMARY+=("wapiti: not installed, skipped")
else
  # Modules that reach outside the target are never loaded: ssrf and xxe (external endpoint), wapp and
  # nikto (download databases). redirect follows a redirect to an outside site when it finds one,
  # so it only runs when the namespace guarantees that such a request goes nowhere.
  modules="sql,blindsql,xss,permanentxss,exec,file,crlf,http_headers,csp,cookieflags,methods,backup,htaccess,shellshock,csrf"
  [[ "$ISOLATED" == 1 ]] && modules="$modules,redirect"
  say "$(wapiti --version 2>/dev/null | grep -m1 -o 'Wapiti-[0-9.]*'), modules: $modules, at most ${WAPITI_SECONDS}s"
  starts=()
  while IFS=$'\t' read -r _name method url auth _body _marked; do
    [[ "$method" == GET && "$auth" == admin ]] && starts+=(-s "$url")
  done <"$WORK/targets.tsv"
  attack_seconds=$((WAPITI_SECONDS / 8))
  # wapiti loads every module at start, and its Wappalyzer module downloads a database from the web
  # when it finds none: an empty one keeps wapiti offline.
  mkdir -p "$WORK/wapiti-config"
  printf '{}\n' >"$WORK/wapiti-config/apps.json"
  status=0
  bounded "$((WAPITI_SECONDS + 120))" \
    wapiti -u "$BASE/" --scope folder "${starts[@]}" -H "$PROTO_HEADER" -H "$(header_for admin)" -m "$modules" \
    --max-scan-time "$WAPITI_SECONDS" --max-attack-time "$attack_seconds" -d 4 --max-links-per-page 100 -t 15 \
    --flush-session --store-session "$WORK/wapiti-session" --store-config "$WORK/wapiti-config" --no-bugreport -v 1 \
    -f json -o "$REPORT_DIR/wapiti.json" >"$REPORT_DIR/wapiti.log" 2>&1 || status=$?
  if [[ ! -s "$REPORT_DIR/wapiti.json" ]]; then
    tail -n 20 "$REPORT_DIR/wapiti.log" | sed 's/^/  /'
    FINDINGS=$((FINDINGS + 1))
    SUMMARY+=("wapiti: no report (exit $status); see $REPORT_DIR/wapiti.log")
  else
    [[ $status -eq 124 || $status -eq 130 ]] && say "  (time limit reached; the report covers what was scanned)"
    # Vulnerabilities and anomalies (server errors, timeouts) both count as findings, except the
    # reviewed ones in ACCEPTED (each explained in docs/security.md) and "backup files" that are
    # only the web app's page served again (checked against the server while it still runs).
    node - "$REPORT_DIR/wapiti.json" "$WORK/wapiti.count" "$PROTO_HEADER" <<'NODE' || printf '1' >"$WORK/wapiti.count"
const fs = require('node:fs');
const [, , reportFile, countFile, protoHeader] = process.argv;
const [headerName, headerValue] = protoHeader.split(/:\s*/);
async function body(url) {
  // As a browser (and wapiti) asks: some addresses answer the web app to browsers and JSON to API clients.
  const response = await fetch(url, { headers: { [headerName]: headerValue, accept: 'text/html,application/xhtml+xml,*/*;q=0.8' }, redirect: 'manual' });
  return `${response.status} ${response.headers.get('content-type')}\n${await response.text()}`;
}
/** The web app answers its pages (/p/:project, /r/:id...) for any value, "demo.bak" included. */
async function isSamePage(info) {
  const match = /^Backup file (\S+) found for (\S+)/.exec(info);
  if (!match) return false;
  const [found, original] = await Promise.all([body(match[1]), body(match[2])]);
  return found.startsWith('200 text/html') && found === original;
}
const ACCEPTED = [
  {
    category: 'HTTP Secure Headers',
    info: 'X-XSS-Protection is not set',
    why: 'Embargo sends "X-XSS-Protection: 0" on purpose (helmet default, OWASP advice): browsers removed the XSS auditor, which could itself leak data across sites; the strict CSP is the XSS defence.',
  },
];
(async () => {
const report = JSON.parse(fs.readFileSync(reportFile, 'utf8'));
let count = 0;
let samePage = 0;
for (const group of ['vulnerabilities', 'anomalies']) {
  for (const [category, items] of Object.entries(report[group] ?? {})) {
    for (const item of items) {
      const where = `${item.method} ${item.path}${item.parameter ? ` (parameter ${item.parameter})` : ''}`;
      const info = String(item.info).split('\n')[0];
      const accepted = ACCEPTED.find((rule) => rule.category === category && info.includes(rule.info));
      if (accepted) {
        console.log(`  [accepted] ${category}: ${where}: ${info}\n      ${accepted.why}`);
        continue;
      }
      if (category === 'Backup file' && (await isSamePage(info))) {
        samePage += 1;
        continue;
      }
      count += 1;
      console.log(`  [${group === 'vulnerabilities' ? 'vulnerability' : 'anomaly'}] ${category}: ${where}`);
      console.log(`      ${info}`);
      if (item.curl_command) console.log(`      ${item.curl_command.split('\n').join(' ').slice(0, 400)}`);
    }
  }
}
if (samePage > 0) {
  console.log(`  [accepted] Backup file: ${samePage} hit(s) such as /p/demo.bak answer exactly the web app page of /p/demo (its client-side routes accept any value); no file is served.`);
}
console.log(`  ${count} finding(s)`);
fs.writeFileSync(countFile, String(count));
})().catch((error) => {
  console.error(`  could not read the wapiti report: ${error.message}`);
  process.exit(1);
});
NODE
    wapiti_count="$(cat "$WORK/wapiti.count")"
    if [[ "$wapiti_count" -gt 0 ]]; then
      FINDINGS=$((FINDINGS + wapiti_count))
      SUMMARY+=("wapiti: $wapiti_count finding(s) (details above, report in $REPORT_DIR/wapiti.json)")
    else
      SUMMARY+=("wapiti: no vulnerability and no anomaly")
    fi
  fi
fi

if ! kill -0 "$SERVER_PID" 2>/dev/null; then
  FINDINGS=$((FINDINGS + 1))
  SUMMARY+=("the server died during the scan; see the log below")
  tail -n 40 "$WORK/server.log"
fi
cp "$WORK/server.log" "$REPORT_DIR/server.log"

section "Summary"
for line in "${SUMMARY[@]}"; do say "  $line"; done
say "  Raw reports: $REPORT_DIR"
if [[ $FINDINGS -gt 0 ]]; then exit 1; fi
say "  Nothing to report."
