#!/usr/bin/env bash
# Check that each surviving mutant of the sampled run (tools/mutation.sh) is now killed by the test
# named for it in docs/MUTATION.md: the mutant's diff (`mutmut show`, from the run's folder) is
# applied to a copy of the current repository and the named test must fail there (and pass here).
#   bash tools/mutation_verify.sh            (after tools/mutation.sh; MUTATION_DIR as there)
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
WORK=${MUTATION_DIR:-/tmp/kefu-mutation}
list=$(sed -n 's/^| `\([^`]*\)` | killed by `\([^`]*\)`.*/\1 \2/p' docs/MUTATION.md)
bad=0
while read -r name test; do
  [ -n "$name" ] || continue
  diff=$(cd "$WORK" && mutmut show "$name" 2>/dev/null | tail -n +2)
  tmp=$(mktemp -d)
  cp -r "$root/kefu_xl" "$root/tests" "$root/pyproject.toml" "$tmp/"
  if ! (cd "$tmp" && printf '%s\n' "$diff" | patch -s -p0 --fuzz=3 >/dev/null 2>&1); then
    echo "not applied  $name (the code changed since the run)"; rm -rf "$tmp"; continue
  fi
  if (cd "$tmp" && PYTHONPATH=$tmp nice -n 19 python3 -m pytest -q -x -p no:cacheprovider "tests/$test" >/dev/null 2>&1); then
    echo "SURVIVED     $name ($test)"; bad=1
  else
    echo "killed       $name ($test)"
  fi
  rm -rf "$tmp"
done <<< "$list"
exit $bad
