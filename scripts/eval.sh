#!/usr/bin/env bash
# `npm run eval`: the detectors' figures on the public data sets (../shared/data), with the
# published protocols: the CMU keystroke benchmark at three timer resolutions (DET curves in
# target/) and at small enrollments, free text (Aalto), whole sessions (the core's session
# decision), and SapiMouse at 15, 30 and 60 s blocks.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p telltale-eval
eval=target/release/telltale-eval
echo "== CMU keystroke benchmark (Killourhy and Maxion 2009 protocol) =="
for r in 0 1 16.7; do
  "$eval" keystroke --timer-resolution-ms "$r" --plot "target/det-keystroke-${r}ms.svg"
  echo
done
echo "== CMU at small enrollments: training rows per subject (development half, held-out half, all) =="
for u in dev held-out all; do
  "$eval" keystroke --train 5,10,20,50,100,200 --users "$u"
  echo
done
echo "== the same against practised impostors (each other subject's last 5 repetitions) =="
"$eval" keystroke --train 5,10,20,50,100,200 --practised-impostors
echo
echo "== Free text, Aalto subset (key classes only; Gunetti-Picardi reads key identity): development half, held-out half =="
for u in dev held-out; do
  "$eval" freetext --users "$u"
  echo
done
echo "== Whole sessions: the core's session decision (false flags per genuine hour, time from takeover to flag) =="
for u in dev held-out; do
  "$eval" session --users "$u"
  echo
done
echo "== SapiMouse (data README protocol) =="
for u in dev held-out all; do
  "$eval" pointer --block-seconds 15,30,60 --users "$u"
  echo
done
