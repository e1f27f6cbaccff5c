#!/usr/bin/env bash
# Runs the whole product locally on 127.0.0.1: LocalAws (STS + IAM-enforcing DynamoDB over dynalite + dev token
# issuer), the sample Applications API, and the gateway. Seeds demo data, prints a walkthrough with real results,
# then keeps running until Ctrl-C / SIGTERM and stops every process it started; when one of them dies, it stops the
# others and says which. Usage and environment variables: ./run.sh --help.
set -euo pipefail

# A script started with '&' by a non-interactive shell inherits SIGINT ignored, and bash cannot trap a signal that was
# ignored on entry: start over once with the default disposition, so kill -INT still stops everything.
if [ -z "${RUN_SH_SIGNALS_RESET:-}" ] && env --default-signal=INT true 2>/dev/null; then
  exec env --default-signal=INT RUN_SH_SIGNALS_RESET=1 bash "${BASH_SOURCE[0]}" "$@"
fi

cd "$(dirname "$0")"
ROOT=$(pwd)

usage() {
  cat <<'EOF'
usage: ./run.sh [--demo] [--no-build] [--instances N] [--help]

  (no option)     walkthrough, then keep running until Ctrl-C or SIGTERM; stops everything it started
  --demo          walkthrough only; exit 0 if every expectation held, non-zero naming the failing step
  --no-build      use the existing Release build (the tests use this after ./test.sh has built)
  --instances N   N gateways (1-9; 1 is the default) sharing one Redis (redis-server; installed with apt-get when missing)
                  behind a round-robin front door on GATEWAY_PORT; instance i listens on GATEWAY_PORT+i.
                  The front door health-checks the instances (/readyz every second) and retries idempotent
                  requests an instance refused; an instance that exits is restarted (up to 5 times each) while
                  the others serve, and Redis dying is reported and the fleet goes on without it
  -h, --help      print this and exit

Environment:
  LOCALAWS_PORT  LocalAws (STS, DynamoDB, dev tokens)   default 4566
  BACKEND_PORT   sample Applications API                default 5100
  GATEWAY_PORT   gateway (the front door with --instances)  default 5000
  REDIS_PORT     redis-server (--instances only)        default 6379
  RUN_LOG_DIR    logs and the pids file                 default .run/<GATEWAY_PORT>
                 (so runs on different ports do not share it)
EOF
}

DEMO=0
BUILD=1
INSTANCES=1
while (($#)); do
  case "$1" in
    --demo) DEMO=1 ;;
    --no-build) BUILD=0 ;;
    --instances) [ $# -ge 2 ] || { echo "run.sh: --instances needs a number (1-9)" >&2; exit 2; }; INSTANCES=$2; shift ;;
    --instances=*) INSTANCES=${1#--instances=} ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown argument '$1' (use --demo or --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ "$INSTANCES" =~ ^[1-9]$ ]] || { echo "run.sh: --instances must be a number from 1 to 9, not '$INSTANCES'" >&2; exit 2; }

LOCALAWS_PORT=${LOCALAWS_PORT:-4566}
BACKEND_PORT=${BACKEND_PORT:-5100}
GATEWAY_PORT=${GATEWAY_PORT:-5000}
REDIS_PORT=${REDIS_PORT:-6379}
LOCALAWS_URL="http://127.0.0.1:${LOCALAWS_PORT}"
BACKEND_URL="http://127.0.0.1:${BACKEND_PORT}"
GATEWAY_URL="http://127.0.0.1:${GATEWAY_PORT}"
LOG_DIR="${RUN_LOG_DIR:-$ROOT/.run/$GATEWAY_PORT}"
CONFIGURATION=Release

die() { echo "run.sh: $*" >&2; exit 1; }

for tool in dotnet node npm curl; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is required but not on PATH"
done

PORT_SPECS=("LOCALAWS_PORT:$LOCALAWS_PORT" "BACKEND_PORT:$BACKEND_PORT" "GATEWAY_PORT:$GATEWAY_PORT")
if ((INSTANCES > 1)); then
  PORT_SPECS+=("REDIS_PORT:$REDIS_PORT")
  for i in $(seq 1 "$INSTANCES"); do PORT_SPECS+=("GATEWAY_PORT+$i:$((GATEWAY_PORT + i))"); done
  if ! command -v redis-server >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "==> Installing redis-server (apt-get install -y redis-server)"
      { apt-get install -y redis-server || { apt-get update && apt-get install -y redis-server; }; } >/dev/null 2>&1 \
        || die "could not install redis-server with apt-get; install it yourself (Debian/Ubuntu: apt-get install -y redis-server) for --instances"
    else
      die "--instances needs redis-server, which is not installed, and run.sh can install it only as root with apt-get; install it (Debian/Ubuntu: sudo apt-get install -y redis-server)"
    fi
  fi
fi

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for spec in "${PORT_SPECS[@]}"; do
  name=${spec%%:*}; port=${spec#*:}
  [[ "$port" =~ ^[0-9]+$ ]] && (( port > 0 && port < 65536 )) || die "$name='$port' is not a valid port"
  if port_busy "$port"; then die "port $port ($name) is already in use on 127.0.0.1; stop that process or set $name"; fi
done

mkdir -p "$LOG_DIR"
: >"$LOG_DIR/pids"   # "name pid" of every process started, for whoever wants to check they are gone
PIDS=()
declare -A NAMES=()   # pid -> name
cleanup() {
  local code=$?
  trap - EXIT INT TERM
  if ((${#PIDS[@]})); then
    echo "Stopping ${#PIDS[@]} process(es)..."
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do
      # 10 s: a gateway serves on for Shutdown:DrainDelay (5 s) after SIGTERM, then exits 0 (docs/deploy.md).
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    done
  fi
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "==> Installing dynalite (npm ci) if needed"
if [ ! -d tools/dynalite/node_modules ]; then
  (cd tools/dynalite && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci in tools/dynalite failed"
fi

if [ "$BUILD" = 1 ]; then
  # One line per project as it is built (and every error line), so a first build's minutes show progress; the full
  # output goes to build.log.
  PROJECTS=$(grep -c '\.csproj"' Gateway.sln || true)
  echo "==> Building ($CONFIGURATION, $PROJECTS projects; full log: $LOG_DIR/build.log)"
  BUILD_STARTED=$SECONDS
  set +e
  dotnet build Gateway.sln -c "$CONFIGURATION" --nologo -v minimal -tl:off -clp:NoSummary 2>&1 | tee "$LOG_DIR/build.log" | {
    built=0 restored=0
    while IFS= read -r line; do
      case "$line" in
        *"Restored "*|*"All projects are up-to-date for restore."*)
          ((restored)) || printf '    restored NuGet packages (%ds)\n' $((SECONDS - BUILD_STARTED))
          restored=1 ;;
        *": error "*) printf '    %s\n' "$line" ;;
        *" -> "*)
          built=$((built + 1)); name=${line%% -> *}; name=${name##* }
          printf '    [%d/%d] %s (%ds)\n' "$built" "$PROJECTS" "$name" $((SECONDS - BUILD_STARTED)) ;;
      esac
    done
  }
  BUILD_STATUS=${PIPESTATUS[0]}
  set -e
  ((BUILD_STATUS == 0)) || { tail -n 30 "$LOG_DIR/build.log" >&2; die "build failed (full log: $LOG_DIR/build.log)"; }
fi

bin() { echo "$ROOT/$1/bin/$CONFIGURATION/net10.0/$2"; }

start() { # name, then command...; output goes to $LOG_DIR/name.log (appended when APPEND_LOG=1: a restart)
  local name=$1; shift
  if [ "${APPEND_LOG:-0}" = 1 ]; then "$@" >>"$LOG_DIR/$name.log" 2>&1 & else "$@" >"$LOG_DIR/$name.log" 2>&1 & fi
  PIDS+=("$!")
  NAMES[$!]=$name
  echo "$name $!" >>"$LOG_DIR/pids"
}

wait_for() { # name url seconds pid [any]  ("any": any HTTP answer counts, otherwise a 2xx is needed)
  local name=$1 url=$2 seconds=$3 pid=$4 fail_flag=-f
  [ "${5:-}" = any ] && fail_flag=
  for _ in $(seq 1 $((seconds * 5))); do
    if curl $fail_flag -sS -o /dev/null --max-time 2 "$url" 2>/dev/null; then return 0; fi
    kill -0 "$pid" 2>/dev/null || { tail -n 20 "$LOG_DIR/$name.log" >&2; die "$name exited during start-up (log: $LOG_DIR/$name.log)"; }
    sleep 0.2
  done
  tail -n 20 "$LOG_DIR/$name.log" >&2
  die "$name did not become ready at $url within ${seconds}s (log: $LOG_DIR/$name.log)"
}

echo "==> Starting LocalAws on $LOCALAWS_URL (IAM and tables from deploy/cloudformation/tenant-gateway.yaml; seeds the demo organizations)"
start localaws dotnet "$(bin tools/LocalAws LocalAws.dll)" --port "$LOCALAWS_PORT" --cloudformation "$ROOT/deploy/cloudformation/tenant-gateway.yaml"
wait_for localaws "$LOCALAWS_URL/_localaws/health" 90 "${PIDS[-1]}"

# The environment overrides below (sample API and gateway) are the list in tests/Gateway.Testing/TopologyEnvironment.cs,
# which the tests' and load tests' GatewayTopology uses; tests/RunScript.Tests/RunScriptEnvironmentTests fails when a
# key or a value here differs from it. Change both together.
echo "==> Starting the sample Applications API on $BACKEND_URL"
ASPNETCORE_ENVIRONMENT=Local \
TenantContext__DynamoDb__ServiceUrl="$LOCALAWS_URL" \
  start backend dotnet "$(bin samples/Applications.Api Applications.Api.dll)" --urls "$BACKEND_URL"
wait_for backend "$BACKEND_URL/healthz" 60 "${PIDS[-1]}"

start_gateway() { # name url [restart]  (restart: append to the log and do not wait for /readyz: the front door's
  # health checks put the instance back in rotation once it is ready)
  local restart=${3:-}
  local APPEND_LOG=0
  [ "$restart" = restart ] && APPEND_LOG=1
  # JSON log lines, as in production (appsettings.Local.json picks "simple"), so `Gateway.dll audit` reads
  # $LOG_DIR/<name>.log. A log format, not wiring: not in the TopologyEnvironment list the override block below matches.
  local -x Logging__Console__FormatterName=json
  ASPNETCORE_ENVIRONMENT=Local \
  TenantIsolation__Aws__StsServiceUrl="$LOCALAWS_URL" \
  TenantIsolation__Aws__DynamoDbServiceUrl="$LOCALAWS_URL" \
  TenantIsolation__Aws__SsmServiceUrl="$LOCALAWS_URL" \
  TenantIsolation__Aws__IamServiceUrl="$LOCALAWS_URL" \
  Authentication__Authority="$LOCALAWS_URL" \
  ReverseProxy__Clusters__applications__Destinations__d1__Address="$BACKEND_URL/" \
    start "$1" dotnet "$(bin src/Gateway Gateway.dll)" --urls "$2"
  [ "$restart" = restart ] || wait_for "$1" "$2/readyz" 60 "${PIDS[-1]}"
}

if ((INSTANCES == 1)); then
  echo "==> Starting the gateway on $GATEWAY_URL"
  start_gateway gateway "$GATEWAY_URL"
else
  echo "==> Starting redis-server on 127.0.0.1:$REDIS_PORT (no persistence)"
  start redis redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no
  for _ in $(seq 1 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.2; done
  redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 || die "redis-server did not answer on port $REDIS_PORT (log: $LOG_DIR/redis.log)"
  # One fresh sealing key per run: credentials reach Redis only sealed with it (docs/gateway.md, "Fleet mode").
  export TenantIsolation__SharedCache__Redis="127.0.0.1:$REDIS_PORT"
  export TenantIsolation__SharedCache__Sealing__ActiveKeyId="runsh"
  TenantIsolation__SharedCache__Sealing__Keys__runsh=$(head -c 32 /dev/urandom | base64)
  export TenantIsolation__SharedCache__Sealing__Keys__runsh
  # The fleet's size: while Redis is away each instance enforces limit / N (rate limits, the AssumeRole budget).
  export TenantIsolation__RateLimits__ExpectedInstances="$INSTANCES"
  DESTINATIONS=()
  for i in $(seq 1 "$INSTANCES"); do
    url="http://127.0.0.1:$((GATEWAY_PORT + i))"
    echo "==> Starting gateway instance $i on $url"
    start_gateway "gateway$i" "$url"
    DESTINATIONS+=("$url")
  done
  echo "==> Starting the front door (round-robin over $INSTANCES instances) on $GATEWAY_URL"
  start frontdoor dotnet "$(bin tools/FrontDoor FrontDoor.dll)" --port "$GATEWAY_PORT" --destinations "$(IFS=,; echo "${DESTINATIONS[*]}")"
  wait_for frontdoor "$GATEWAY_URL/readyz" 30 "${PIDS[-1]}"
fi

GATEWAY_DLL=src/Gateway/bin/$CONFIGURATION/net10.0/Gateway.dll   # relative to $ROOT, as the operator verbs run there
if ((INSTANCES == 1)); then
  GATEWAY_LOGS=$(printf '%q' "$LOG_DIR/gateway.log")
else
  GATEWAY_LOGS=$(for i in $(seq 1 "$INSTANCES"); do printf '%q ' "$LOG_DIR/gateway$i.log"; done)
  GATEWAY_LOGS=${GATEWAY_LOGS% }
fi

# ---- walkthrough -------------------------------------------------------------------------------------------------
token() { # sub -> access token
  curl -fsS -X POST "$LOCALAWS_URL/_localaws/tokens" -H 'Content-Type: application/json' \
    -d "{\"sub\":\"$1\",\"expiresInSeconds\":900}" | sed -E 's/.*"access_token":"([^"]+)".*/\1/'
}

FAILED=()
STEP=0
# step "title" expected_status expected_code_or_- curl-args...
step() {
  local title=$1 expected_status=$2 expected_code=$3; shift 3
  STEP=$((STEP + 1))
  local body status
  body=$(curl -sS -w $'\n%{http_code}' --max-time 15 "$@") || body=$'\n000'
  status=${body##*$'\n'}; body=${body%$'\n'*}
  local code=""
  if [[ "$body" =~ \"code\":\"([a-z_]+)\" ]]; then code=${BASH_REMATCH[1]}; fi
  local verdict="ok"
  if [[ "$status" != "$expected_status" ]] || { [[ "$expected_code" != "-" ]] && [[ "$code" != "$expected_code" ]]; }; then
    verdict="UNEXPECTED: wanted $expected_status"
    [[ "$expected_code" != "-" ]] && verdict+=" $expected_code"
    FAILED+=("step $STEP: $title (got $status${code:+ $code})")
  fi
  printf '\n%d. %s\n   -> HTTP %s%s   [%s]\n' "$STEP" "$title" "$status" "${code:+ $code}" "$verdict"
  printf '   %s\n' "$(echo "$body" | tr -d '\n' | cut -c1-300)"
}

ALICE=$(token alice); BOB=$(token bob); CAROL=$(token carol); DAVE=$(token dave)
[ -n "$ALICE" ] && [ -n "$BOB" ] && [ -n "$CAROL" ] && [ -n "$DAVE" ] || die "could not mint dev tokens from $LOCALAWS_URL/_localaws/tokens"

echo
echo "==> Walkthrough (real requests through the gateway at $GATEWAY_URL)"
step "alice (ADMINISTRATOR of acme) lists Acme's applications" 200 - \
  "$GATEWAY_URL/api/applications" -H "Authorization: Bearer $ALICE" -H "X-Organization-Id: acme"
step "alice asks for Globex, where she is not a member" 403 not_a_member \
  "$GATEWAY_URL/api/applications" -H "Authorization: Bearer $ALICE" -H "X-Organization-Id: globex"
step "bob (MEMBER of globex) lists Globex's applications" 200 - \
  "$GATEWAY_URL/orgs/globex/applications" -H "Authorization: Bearer $BOB"
step "alice creates an application in Acme (read-write session)" 201 - \
  -X POST "$GATEWAY_URL/api/applications" -H "Authorization: Bearer $ALICE" -H "X-Organization-Id: acme" \
  -H 'Content-Type: application/json' -d '{"name":"alice-was-here"}'
step "carol (VIEWER of acme) tries to create an application in Acme: IAM refuses the read-only session" 403 tenant_access_denied \
  -X POST "$GATEWAY_URL/api/applications" -H "Authorization: Bearer $CAROL" -H "X-Organization-Id: acme" \
  -H 'Content-Type: application/json' -d '{"name":"carol-was-here"}'
step "alice calls the deliberately unsafe endpoint for globex: the backend bug is contained by IAM" 403 tenant_access_denied \
  "$GATEWAY_URL/api/unsafe/applications?organizationId=globex" -H "Authorization: Bearer $ALICE" -H "X-Organization-Id: acme"
step "dave (ADMINISTRATOR of suspended initech) is refused" 403 organization_suspended \
  "$GATEWAY_URL/api/applications" -H "Authorization: Bearer $DAVE" -H "X-Organization-Id: initech"
step "a request without a token is refused" 401 unauthenticated \
  "$GATEWAY_URL/api/applications" -H "X-Organization-Id: acme"

echo
if ((${#FAILED[@]})); then
  echo "Walkthrough: ${#FAILED[@]} step(s) did not behave as expected:" >&2
  printf '  - %s\n' "${FAILED[@]}" >&2
  [ "$DEMO" = 1 ] && exit 1
else
  echo "Walkthrough: all $STEP steps behaved as expected."
fi
[ "$DEMO" = 1 ] && exit 0

cat <<EOF

Everything is running (logs in $LOG_DIR):
  LocalAws      $LOCALAWS_URL   (STS, IAM-enforcing DynamoDB, dev tokens)
  sample API    $BACKEND_URL
  gateway       $GATEWAY_URL$( ((INSTANCES > 1)) && echo "   (front door over $INSTANCES instances on ports $((GATEWAY_PORT + 1))-$((GATEWAY_PORT + INSTANCES)), Redis on $REDIS_PORT)")

Get a token (users: alice, bob, carol, dave, erin):
  TOKEN=\$(curl -s -X POST $LOCALAWS_URL/_localaws/tokens -H 'Content-Type: application/json' \\
    -d '{"sub":"alice","expiresInSeconds":900}' | sed -E 's/.*"access_token":"([^"]+)".*/\1/')

Try it:
  curl -s $GATEWAY_URL/api/applications -H "Authorization: Bearer \$TOKEN" -H 'X-Organization-Id: acme'
  curl -s -X POST $GATEWAY_URL/api/applications -H "Authorization: Bearer \$TOKEN" -H 'X-Organization-Id: acme' \\
    -H 'Content-Type: application/json' -d '{"name":"my-app"}'
  curl -s "$GATEWAY_URL/api/unsafe/applications?organizationId=globex" -H "Authorization: Bearer \$TOKEN" -H 'X-Organization-Id: acme'
  curl -s $GATEWAY_URL/metrics | grep gateway_

Operator verbs against this run: from the repository root (they read the gateway's appsettings*.json there), with
the variables pointing them at this run's LocalAws (README, "Operator verbs against run.sh"):
  cd $(printf '%q' "$ROOT")
  export ASPNETCORE_ENVIRONMENT=Local TenantIsolation__Aws__StsServiceUrl=$LOCALAWS_URL \\
    TenantIsolation__Aws__DynamoDbServiceUrl=$LOCALAWS_URL TenantIsolation__Aws__SsmServiceUrl=$LOCALAWS_URL \\
    TenantIsolation__Aws__IamServiceUrl=$LOCALAWS_URL
  dotnet $GATEWAY_DLL verify --json $(printf '%q' "$LOG_DIR/verify.json")
  dotnet $GATEWAY_DLL report --out $(printf '%q' "$LOG_DIR/evidence") --verify-json $(printf '%q' "$LOG_DIR/verify.json")
  dotnet $GATEWAY_DLL audit --organization globex $GATEWAY_LOGS
EOF
if ((INSTANCES > 1)); then
  cat <<EOF
  TenantIsolation__SharedCache__Redis=127.0.0.1:$REDIS_PORT dotnet $GATEWAY_DLL evict --user carol --organization acme
    (revokes a membership on every instance now instead of after the membership TTL)
EOF
else
  cat <<EOF
  (evict needs a fleet: ./run.sh --instances N prints it; a single gateway forgets a membership after
   TenantIsolation:Membership:PositiveTtl, 30 s)
EOF
fi
cat <<EOF

Press Ctrl-C to stop everything.
EOF
# Supervision. Any process exiting stops everything, except with --instances N: a gateway instance that exits (crashed,
# killed or stopped cleanly) is restarted on its port (at most MAX_RESTARTS times each; the others keep serving through
# the front door meanwhile), and redis-server exiting is reported and the fleet goes on without the shared cache.
MAX_RESTARTS=5
declare -A RESTARTS=()
forget() { # pid: no longer ours to wait for or stop
  local kept=() pid
  for pid in "${PIDS[@]}"; do [ "$pid" = "$1" ] || kept+=("$pid"); done
  PIDS=("${kept[@]}")
}
while :; do
  DEAD=
  code=0
  wait -n -p DEAD "${PIDS[@]}" || code=$?
  name=${NAMES[$DEAD]:-a process}
  forget "$DEAD"
  if ((INSTANCES > 1)) && [[ "$name" =~ ^gateway([1-9])$ ]]; then
    i=${BASH_REMATCH[1]}
    RESTARTS[$name]=$(( ${RESTARTS[$name]:-0} + 1 ))
    if (( RESTARTS[$name] <= MAX_RESTARTS )); then
      echo "run.sh: $name (pid $DEAD) exited with code $code; restarting it on port $((GATEWAY_PORT + i)) (restart ${RESTARTS[$name]} of $MAX_RESTARTS); the other instances keep serving through the front door (log: $LOG_DIR/$name.log)" >&2
      start_gateway "$name" "http://127.0.0.1:$((GATEWAY_PORT + i))" restart
    else
      echo "run.sh: $name (pid $DEAD) exited with code $code; not restarting it again after $MAX_RESTARTS restarts; the other instances keep serving through the front door (log: $LOG_DIR/$name.log)" >&2
    fi
    continue
  fi
  if ((INSTANCES > 1)) && [ "$name" = redis ]; then
    echo "run.sh: redis (pid $DEAD) exited with code $code; going on without the shared cache: each gateway serves from its own cache and STS, and evict cannot reach the fleet until run.sh is restarted (log: $LOG_DIR/redis.log)" >&2
    continue
  fi
  echo "run.sh: $name (pid $DEAD) exited with code $code; stopping everything (log: $LOG_DIR/$name.log)" >&2
  exit 1
done
