#!/bin/sh
# Runs a build step with its output in a log file, shown only when the step fails: a `./mvnw -q` build prints
# problems only, not CMake's configure messages and progress lines. Usage: quiet.sh LOG COMMAND [ARGS...]
log=$1
shift
mkdir -p "$(dirname "$log")"
if "$@" > "$log" 2>&1; then
  exit 0
else
  status=$?
  cat "$log" >&2
  echo "native: '$*' failed with status $status (its output above, also in $log)" >&2
  exit "$status"
fi
