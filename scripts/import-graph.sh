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

# One line per import of another folder: "<from> <to> <value|type> <file>:<line>". One perl
# process reads every file whole, so imports that Prettier wraps over several lines count too.
edges=$(find src -name '*.ts' -print0 | xargs -0 perl -0777 -ne '
    my $file = $ARGV;
    my @dir = split m{/}, $file;
    pop @dir;
    while (/(?:^|\n)[ \t]*((?:import|export)\b[^;]*?\bfrom\s*\x27(\.[^\x27]+)\x27|.*?\bimport\(\s*\x27(\.[^\x27]+)\x27)/g) {
      my ($statement, $spec) = ($1, $2 // $3);
      my $line = 1 + (substr($_, 0, $-[1]) =~ tr/\n//);
      my @path = @dir;
      for my $part (split m{/}, $spec) {
        if ($part eq "..") { pop @path } elsif ($part ne ".") { push @path, $part }
      }
      my $from = (split m{/}, $file)[1];
      my $to = $path[0] eq "src" ? $path[1] : "../$path[0]";
      next if $from eq $to;
      my $kind = $statement =~ /^(?:import|export) type\b/ ? "type" : "value";
      print "$from $to $kind $file:$line\n";
    }' | sort)

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
