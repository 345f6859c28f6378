#!/usr/bin/env bash
# Mutation testing of the core (issue 22): a measure of the suite, not part of CI.
#
#   bash tools/mutation.sh                 # the fixed sample (MUTATION_SAMPLE=40, MUTATION_SEED=22, MUTATION_WORKERS=1)
#   MUTATION_SAMPLE=0 bash tools/mutation.sh   # every mutant (hours on 2 cores: not on a shared machine)
#
# mutmut 3.x (pinned: its CLI and config changed completely from 2.x; config in pyproject.toml
# [tool.mutmut]) runs in a copy of the repository, under nice -n 19, on MUTATION_WORKERS workers (1 by
# default: the machine is shared; about 35 s a mutant a worker, plus ~10 min to generate the mutants
# and collect coverage, so the default sample takes about 35 minutes; MUTATION_WORKERS=2 MUTATION_SAMPLE=80
# is the same time on 2 free cores).  The core is kefu_xl/engine, kefu_xl/payroll, kefu_xl/rules,
# kefu_xl/close (plan, seal, importing) and kefu_xl/core/calendar.py; the tests are
# the fast ones that exercise it (pytest_add_cli_args_test_selection).  A fixed random sample of the
# mutants is run (every core mutant is generated, MUTATION_SAMPLE of them drawn with MUTATION_SEED),
# and the result is written to mutation-results.txt beside this repo's docs/MUTATION.md: one line per
# sampled mutant with its status.  Surviving mutants: `mutmut show NAME` in the copy (printed at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
SAMPLE=${MUTATION_SAMPLE:-40}
WORKERS=${MUTATION_WORKERS:-1}
SEED=${MUTATION_SEED:-22}
WORK=${MUTATION_DIR:-/tmp/kefu-mutation}
python3 -c "import mutmut, sys; v = mutmut.__version__; sys.exit(0 if v.startswith('3.') else 'mutmut 3.x needed, found ' + v)" 2>/dev/null \
  || python3 -m pip install -q "mutmut==3.8.1"
rm -rf "$WORK"; mkdir -p "$WORK"
cp -r kefu_xl tests pyproject.toml "$WORK/"
cd "$WORK"
export PYTHONPATH=""   # mutmut puts its mutants/ copy first on sys.path
run() { nice -n 19 mutmut run --max-children $WORKERS "$@"; }
# 1. generate every mutant and collect which tests cover what (by running one mutant)
first="kefu_xl.payroll.pay.x_cumulative_tax__mutmut_1"
run "$first" > generate.log 2>&1 || { tail -30 generate.log; exit 1; }
# 2. the fixed sample
python3 - "$SAMPLE" "$SEED" > sample.txt <<'PY'
import json, pathlib, random, sys
sample, seed = int(sys.argv[1]), int(sys.argv[2])
names = sorted(k for meta in pathlib.Path("mutants").rglob("*.py.meta")
               for k in json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"])
print(len(names), file=sys.stderr)
picked = names if sample <= 0 or sample >= len(names) else sorted(random.Random(seed).sample(names, sample))
print("\n".join(picked))
PY
total=$(python3 -c "import json,pathlib;print(sum(len(json.loads(m.read_text())['exit_code_by_key']) for m in pathlib.Path('mutants').rglob('*.py.meta')))")
echo "core mutants generated: $total; sampled: $(wc -l < sample.txt) (seed $SEED)"
# 3. run the sample (names on the command line; mutmut reruns named mutants)
xargs -a sample.txt bash -c 'nice -n 19 mutmut run --max-children '"$WORKERS"' "$@"' _ > run.log 2>&1 || { tail -30 run.log; exit 1; }
# 4. the result
python3 - "$root/mutation-results.txt" <<'PY'
import json, pathlib, sys
from collections import Counter
from mutmut.stats import status_by_exit_code
picked = set(pathlib.Path("sample.txt").read_text().split())
status = {}
for meta in pathlib.Path("mutants").rglob("*.py.meta"):
    for k, v in json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"].items():
        if k in picked:
            status[k] = status_by_exit_code[v]
lines = [f"{status[k]}\t{k}" for k in sorted(status)]
pathlib.Path(sys.argv[1]).write_text("\n".join(lines) + "\n", encoding="utf-8")
c = Counter(status.values())
killed = c["killed"] + c["timeout"] + c["caught by type check"]
print(dict(c))
print(f"killed {killed} of {len(status)} sampled ({100 * killed / max(1, len(status)):.1f}%); "
      f"see {sys.argv[1]} and docs/MUTATION.md (equivalent mutants)")
PY
echo "survivors: cd $WORK && mutmut show NAME"
