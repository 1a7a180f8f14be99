#!/usr/bin/env sh
# Prints the java of a JDK 25+ installed beside the default one (children on JDK 25 use an AOT
# cache), found by its release file rather than a fixed path; prints nothing when there is none.
# Used by .ci/run, benchmarks/run.sh and benchmarks/cold-levers.sh.
for release in /usr/lib/jvm/*/release; do
  feature=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release" 2>/dev/null)
  if [ -n "$feature" ] && [ "$feature" -ge 25 ] && [ -x "$(dirname "$release")/bin/java" ]; then
    echo "$(dirname "$release")/bin/java"
    exit 0
  fi
done
