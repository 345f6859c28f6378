#!/usr/bin/env bash
# The four one-line changes of issue 22's table, each applied alone to a copy of the
# repository; the named tests must fail on every one of them.  Not part of CI.
#   bash tools/mutation_table.sh          (about a minute; run under nice on a shared machine)
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
fail=0
check() {  # name file python-regex replacement tests...
  local name=$1 file=$2 pat=$3 rep=$4; shift 4
  local tmp; tmp=$(mktemp -d)
  cp -r "$root/kefu_xl" "$root/tests" "$root/pyproject.toml" "$tmp/"
  python3 - "$tmp/$file" "$pat" "$rep" <<'PY' || { echo "NOT APPLIED  $name"; fail=1; rm -rf "$tmp"; return; }
import re, sys
path, pat, rep = sys.argv[1:]
src = open(path, encoding="utf-8").read()
new, n = re.subn(pat, rep, src)
if n != 1:
    sys.exit(f"pattern matched {n} times in {path}")
open(path, "w", encoding="utf-8").write(new)
PY
  if (cd "$tmp" && PYTHONPATH=$tmp nice -n 19 python3 -m pytest -q -x -p no:cacheprovider "$@" >/dev/null 2>&1); then
    echo "SURVIVED     $name"; fail=1
  else
    echo "killed       $name  (by $*)"
  fi
  rm -rf "$tmp"
}
# baseline: the unchanged copy passes the same tests (so a failure below is the mutant's doing)
tmp=$(mktemp -d); cp -r kefu_xl tests pyproject.toml "$tmp/"
if ! (cd "$tmp" && PYTHONPATH=$tmp nice -n 19 python3 -m pytest -q -p no:cacheprovider tests/test_edges.py >/dev/null 2>&1); then
  echo "baseline: tests/test_edges.py fails on the unchanged copy"; exit 1
fi
rm -rf "$tmp"; echo "baseline     tests/test_edges.py passes unchanged"
check "quick deduction 31920 -> 31290" kefu_xl/payroll/pay.py \
  'Decimal\(31920\)' 'Decimal(31290)' \
  tests/test_edges.py::test_S8_cumulative_tax_at_400000_uses_quick_deduction_31920
check "weekday() < 5 -> < 6 (Saturday a working day)" kefu_xl/core/calendar.py \
  'return WORK if d\.weekday\(\) < 5' 'return WORK if d.weekday() < 6' \
  tests/test_edges.py::test_E_6_B_5_publication_window_three_working_days_boundary_day
check "D-7 streak: length % n == 0 dropped" kefu_xl/engine/month.py \
  'every_month or length % n == 0' 'every_month or True' \
  tests/test_edges.py::test_D_7_three_months_first_pays_200_at_3_and_6_not_at_2_4_5
check "e.status dropped from the sealed event fingerprint" kefu_xl/close/seal.py \
  'e\.rating, e\.status, ' 'e.rating, ' \
  tests/test_edges.py::test_E_6_sealed_counted_event_changed_to_pending_is_an_edit_but_a_pending_one_approved_later_is_not
check "publication window as_of > ends -> >=" kefu_xl/engine/month.py \
  'return as_of > ends' 'return as_of >= ends' \
  tests/test_edges.py::test_E_6_B_5_publication_window_three_working_days_boundary_day
exit $fail
