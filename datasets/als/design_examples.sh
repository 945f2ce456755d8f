#!/bin/sh
# The design, power and simulation worked examples of the README (issue 19), from the
# repository root with survkit on PATH (or: cargo run --release --).
#
# Assumptions stated, not published figures:
#   * RESTORE-ALS: about 690 participants, 2:1 treatment:control, event-driven; the effects are
#     RESCUE-ALS's HR 0.408 (als/rescue_als_ole_hr.csv) and a more modest 0.7; two-sided
#     alpha 0.05, 80% power. The sample-size line further assumes a control median of 24 months,
#     18 months' accrual, 12 months' follow-up and 10% dropout a year.
#   * HEALEY regimen C: 59 treated vs 41 placebo (als/healey_regimen_c_counts.csv) over 24 weeks,
#     with about 10% death or permanent assisted ventilation on placebo (hazard 0.0044 a week,
#     about 6.5 events in all).
#   * The nasal small-extracellular-vesicle 3+3 trial (NCT06598202): three doses with DLT
#     probabilities 5%, 10% and 20% (an illustrative curve, not data).
set -e

survkit design events --hr 0.408 --ratio 2:1
survkit design events --hr 0.7 --ratio 2:1
survkit design events --hr 0.7 --ratio 2:1 --method freedman
survkit design sample-size --hr 0.7 --ratio 2:1 --control-median 24 --accrual-time 18 \
  --follow-up 12 --dropout-rate 0.1 --dropout-time 12

survkit design power --hr 0.408 --events 6.5 --ratio 59:41
survkit design detectable-hr --events 6.5 --ratio 59:41
survkit simulate --participants 100 --ratio 59:41 --control-hazard 0.0044 --hr 0.408 \
  --analysis-time 24 --trials 100000 --seed 19
# a null 100-participant trial: how often a survival look gives p < 0.05
survkit simulate --participants 100 --ratio 59:41 --control-hazard 0.0044 --hr 1 \
  --analysis-time 24 --trials 100000 --seed 20

survkit design three-plus-three --dlt 0.05,0.1,0.2
