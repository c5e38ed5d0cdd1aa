#!/usr/bin/env bash
# Which top-level folders of src/ import which, read from the import lines themselves
# (static imports, re-exports and dynamic import()), and the imports that break the layering
# rules of docs/architecture.md:
#   - core, config, aws and spec import nothing from cli, commands, package, steps or sandbox;
#   - sandbox imports nothing from steps (what it shares with them lives in spec);
#   - sign-in (the Cognito client test-auth drives) imports nothing from cli, commands or sandbox.
# Exits 1 when there is such an import (test/unit/scripts/import-graph.test.ts runs it). Usage: scripts/import-graph.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# One rule a line: "<folders that may not import> <folders they may not import>" (regex alternations).
RULES='core|config|aws|spec cli|commands|package|steps|sandbox
sandbox steps
sign-in cli|commands|sandbox'

# One line per import of another folder: "<from> <to> <value|type> <file>:<line>".
edges=$(grep -rnoE "^(import|export)[^'\"]* from '\.[^']+'|import\('\.[^']+'\)" src --include='*.ts' |
  while IFS=: read -r file line match; do
    spec=${match#*\'}
    spec=${spec%%\'*}
    target=$(realpath -m --relative-to=. "$(dirname "$file")/$spec")
    from=$(cut -d/ -f2 <<<"$file")
    case $target in
      src/*) to=$(cut -d/ -f2 <<<"$target") ;;
      *) to="../${target%%/*}" ;;
    esac
    [ "$from" = "$to" ] && continue
    kind=value
    case $match in "import type"* | "export type"*) kind=type ;; esac
    echo "$from $to $kind $file:$line"
  done | sort)

echo "Import graph between top-level folders of src/ (imports; type-only ones in brackets):"
awk '{ n[$1" "$2]++; if ($3 == "type") t[$1" "$2]++ }
  END { for (k in n) { split(k, p, " "); printf "%s %s %d %d\n", p[1], p[2], n[k], t[k] } }' <<<"$edges" |
  sort | awk '
    $1 != prev { if (prev != "") print ""; printf "  %-9s -> ", $1; prev = $1; sep = "" }
    { printf "%s%s %d", sep, $2, $3; if ($4 > 0) printf " [%d type]", $4; sep = ", " }
    END { print "" }'

violations=$(while read -r lower upper; do grep -E "^($lower) ($upper) " <<<"$edges" || true; done <<<"$RULES")
echo
if [ -z "$violations" ]; then
  echo "Layering: no violations (core, config, aws, spec import nothing from cli, commands, package, steps, sandbox; sandbox nothing from steps; sign-in nothing from cli, commands, sandbox)."
  exit 0
fi
echo "Layering violations:"
awk '{ printf "  %s -> %s (%s)  %s\n", $1, $2, $3, $4 }' <<<"$violations"
exit 1
