#!/usr/bin/env bash
# Fails when a C++ file differs from .clang-format (clang-format 14).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
files=$(git ls-files '*.cc' '*.h')
if [ "${1:-}" = "--fix" ]; then
  clang-format -i $files
  exit 0
fi
bad=0
for f in $files; do
  if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
    echo "format: $f differs from .clang-format (run scripts/format-check.sh --fix)"
    bad=1
  fi
done
[ "$bad" = 0 ] && echo "format: $(echo "$files" | wc -l) files clean"
exit "$bad"
