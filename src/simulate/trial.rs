//! One simulated trial: participants drawn, the analysis cut, the log-rank test and the Cox fit.

use nalgebra::DMatrix;
use rand_chacha::rand_core::Rng;
use serde::{Deserialize, Serialize};

use super::{AnalysisAt, GroupSequential, SimulateOptions, TrialDesign};
use crate::bootstrap::counts::{LogRankScratch, Sorted};
use crate::bootstrap::engine::stream;
use crate::cox::newton;
use crate::cox::partial::Evaluation;
use crate::data::{Columns, SurvData};
use crate::dist::chisq_sf;
use crate::fragility::survival::{SurvivalFragility, SurvivalOptions};
use crate::logrank::Weights;
use crate::maxcombo::{accumulate, combine};
use crate::risk_set::RiskTable;
use crate::rmst::area_under_km;

/// Newton–Raphson settings of [`crate::CoxOptions::default`] (R's `coxph.control`).
const COX_EPS: f64 = 1e-9;
const COX_MAX_ITER: usize = 20;

/// What one trial gives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialOutcome {
    /// Calendar time of the analysis (time 0 is the start of accrual).
    pub analysis_time: f64,
    /// Number of events at the analysis.
    pub events: usize,
    /// Whether fewer events than the target happened (analysed after the last event).
    pub target_not_reached: bool,
    /// Log-rank test p-value; `None` when no test was possible.
    pub logrank_p: Option<f64>,
    /// MaxCombo p-value, when asked for.
    pub maxcombo_p: Option<f64>,
    /// RMST difference (treatment − control) up to τ and its Wald p-value, when asked for.
    pub rmst_difference: Option<f64>,
    /// Wald p-value of the RMST difference, when asked for; `None` also when an arm is empty or
    /// the SE is 0.
    pub rmst_p: Option<f64>,
    /// The log-rank status-flip fragility index of a significant two-arm trial, when asked for.
    #[serde(default)]
    pub fragility_index: Option<i64>,
    /// Cox Wald test p-value; `None` without a finite fit.
    pub wald_p: Option<f64>,
    /// Cox likelihood-ratio test p-value; `None` without a finite fit.
    pub lr_p: Option<f64>,
    /// Cox score test p-value at β = 0; `None` when the information there is singular (fewer
    /// than two arms with anyone at risk at an event).
    pub score_p: Option<f64>,
    /// log HR of each arm but the control, and its model SE (empty without a finite fit).
    pub log_hr: Vec<f64>,
    /// Model SE of each log HR (empty without a finite fit).
    pub se_log_hr: Vec<f64>,
    /// The group-sequential test's course, when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequential: Option<SequentialOutcome>,
}

/// The course of the group-sequential log-rank test in one trial.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SequentialOutcome {
    /// The look (1-based) at which the trial stopped for efficacy, or the last look.
    pub stage: usize,
    /// Whether the test rejected (at `stage`).
    pub efficacy: bool,
    /// Events at that look.
    pub events: usize,
    /// Calendar time of that look.
    pub analysis_time: f64,
}

/// A participant as drawn: arm, entry, event and dropout times (from entry).
#[derive(Debug, Clone, Copy)]
struct Participant {
    arm: u32,
    entry: f64,
    event: f64,
    dropout: f64,
}

/// Buffers reused across the trials of one thread.
pub struct Workspace {
    participants: Vec<Participant>,
    event_times: Vec<f64>,
    observed: Vec<(f64, bool, u32)>,
    sorted: Sorted,
    counts: Vec<u32>,
    scratch: LogRankScratch,
    /// Numbers at risk and events by arm at each distinct event time (n_censor unused).
    table: RiskTable,
    /// Each arm's own counts, for the RMST.
    arm_tables: Vec<RiskTable>,
}

impl Workspace {
    pub fn new(design: &TrialDesign) -> Workspace {
        let k = design.arms.len();
        Workspace {
            participants: Vec::with_capacity(design.participants),
            event_times: Vec::with_capacity(design.participants),
            observed: Vec::with_capacity(design.participants),
            sorted: Sorted {
                order: Vec::new(),
                time: Vec::new(),
                event: Vec::new(),
                arm: Vec::new(),
                n_arms: k,
                arm_positions: vec![Vec::new(); k],
                // single-event trials: no cumulative incidence is asked of them
                cause: Vec::new(),
            },
            counts: Vec::new(),
            scratch: LogRankScratch::default(),
            table: RiskTable {
                time: Vec::new(),
                n_groups: k,
                n_risk: Vec::new(),
                n_event: Vec::new(),
                n_censor: Vec::new(),
            },
            arm_tables: Vec::new(),
        }
    }

    /// Trial `replicate` of the run.
    pub fn run(&mut self, design: &TrialDesign, options: &SimulateOptions, replicate: u64) -> TrialOutcome {
        self.draw(design, options.seed, replicate);
        let (analysis_time, target_not_reached) = self.analysis_time(design);
        let events = self.cut(analysis_time);
        let logrank_p = self
            .sorted
            .logrank(&self.counts, &self.sorted.arm, options.weights, &mut self.scratch)
            .map(|(chisq, df)| chisq_sf(chisq, df));
        let k = design.arms.len();
        self.event_table(k);
        let cox = self.cox(k);
        let maxcombo_p = options
            .maxcombo
            .as_ref()
            .and_then(|weights| self.maxcombo(weights, options.seed));
        let (rmst_difference, rmst_p) = options.rmst_tau.map_or((None, None), |tau| self.rmst(tau));
        let significant = logrank_p.is_some_and(|p| p < options.alpha);
        let fragility_index = (options.fragility && significant && k == 2)
            .then(|| self.fragility(options.alpha))
            .flatten();
        let sequential = options
            .group_sequential
            .as_ref()
            .and_then(|gs| self.sequential(design, gs, options.weights, analysis_time, events));
        TrialOutcome {
            sequential,
            maxcombo_p,
            rmst_difference,
            rmst_p,
            fragility_index,
            analysis_time,
            events,
            target_not_reached,
            logrank_p,
            wald_p: cox.wald_p,
            lr_p: cox.lr_p,
            score_p: cox.score_p,
            log_hr: cox.log_hr,
            se_log_hr: cox.se_log_hr,
        }
    }

    fn draw(&mut self, design: &TrialDesign, seed: u64, replicate: u64) {
        let mut rng = stream(seed, replicate);
        // uniform on (0, 1): never 0, so −log u is finite
        let mut uniform = move || ((rng.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
        self.participants.clear();
        for (g, arm) in design.arms.iter().enumerate() {
            for _ in 0..design.arm_sizes[g] {
                let entry = design.entry(uniform());
                let event = arm.hazard.inverse_cumulative(-uniform().ln());
                let exposure = -uniform().ln();
                let dropout = if design.dropout_hazard > 0.0 {
                    exposure / design.dropout_hazard
                } else {
                    f64::INFINITY
                };
                self.participants.push(Participant {
                    arm: g as u32,
                    entry,
                    event,
                    dropout,
                });
            }
        }
    }

    /// The calendar time of the analysis, and whether the target events were missed.
    fn analysis_time(&mut self, design: &TrialDesign) -> (f64, bool) {
        match design.analysis {
            AnalysisAt::Time(t) => (t, false),
            AnalysisAt::Events(target) => {
                self.event_times.clear();
                self.event_times.extend(
                    self.participants
                        .iter()
                        .filter(|p| p.event <= p.dropout && p.event.is_finite())
                        .map(|p| p.entry + p.event),
                );
                if self.event_times.len() >= target {
                    let (_, nth, _) = self.event_times.select_nth_unstable_by(target - 1, f64::total_cmp);
                    (*nth, false)
                } else {
                    let last = self.event_times.iter().copied().fold(design.accrual_time, f64::max);
                    (last, true)
                }
            }
        }
    }

    /// The data at the analysis, sorted by follow-up time into `sorted`; returns the events.
    fn cut(&mut self, analysis_time: f64) -> usize {
        self.observed.clear();
        for p in &self.participants {
            if p.entry >= analysis_time {
                continue;
            }
            // an event by the analysis is judged on the calendar time entry + event, as the
            // analysis time itself was found, so the D-th event is always in
            let observed = if p.event <= p.dropout && p.entry + p.event <= analysis_time {
                (p.event, true, p.arm)
            } else {
                (p.dropout.min(analysis_time - p.entry), false, p.arm)
            };
            self.observed.push(observed);
        }
        // simulated times are continuous: ties have probability 0, and the unstable sort is
        // deterministic all the same
        self.observed.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        let sorted = &mut self.sorted;
        let m = self.observed.len();
        sorted.order.clear();
        sorted.order.extend(0..m);
        sorted.time.clear();
        sorted.time.extend(self.observed.iter().map(|o| o.0));
        sorted.event.clear();
        sorted.event.extend(self.observed.iter().map(|o| o.1));
        sorted.arm.clear();
        sorted.arm.extend(self.observed.iter().map(|o| o.2));
        for positions in &mut sorted.arm_positions {
            positions.clear();
        }
        for (pos, arm) in sorted.arm.iter().enumerate() {
            sorted.arm_positions[*arm as usize].push(pos);
        }
        self.counts.clear();
        self.counts.resize(m, 1);
        self.observed.iter().filter(|o| o.1).count()
    }

    /// The Cox fit and its three tests on k − 1 df (Breslow, equal to Efron without tied
    /// event times):
    /// - Wald: β̂' I(β̂) β̂;
    /// - likelihood ratio: 2 (ℓ(β̂) − ℓ(0));
    /// - score: U(0)' I(0)⁻¹ U(0). With U_g(0) = Σ_j (d_gj − d_j n_gj/n_j) and
    ///   I_gh(0) = Σ_j d_j (δ_gh n_gj/n_j − n_gj n_hj/n_j²) it is the log-rank statistic whenever
    ///   every event time has one event (the log-rank variance has the hypergeometric factor
    ///   (n_j − d_j)/(n_j − 1), which is 1 at d_j = 1), as simulated event times have.
    ///
    /// The Wald and LR tests need a finite estimate (every arm with an event, Newton–Raphson
    /// converged); the score test needs only I(0) invertible.
    fn cox(&self, k: usize) -> CoxTests {
        let (risk, deaths) = (&self.table.n_risk, &self.table.n_event);
        let p = k - 1;
        let objective = |beta: &[f64]| counting_loglik(risk, deaths, k, beta);
        let at_zero = objective(&vec![0.0; p]);
        let score_p = quadratic_form(&at_zero.score, &at_zero.information, p).map(|score| chisq_sf(score, p as f64));
        let mut tests = CoxTests {
            wald_p: None,
            lr_p: None,
            score_p,
            log_hr: Vec::new(),
            se_log_hr: Vec::new(),
        };
        let times = risk.len() / k;
        let mut arm_events = vec![0.0; k];
        for j in 0..times {
            for g in 0..k {
                arm_events[g] += deaths[j * k + g];
            }
        }
        if arm_events.contains(&0.0) {
            return tests;
        }
        let fit = newton::maximise(&objective, &vec![0.0; p], &[], COX_EPS, COX_MAX_ITER);
        let information = DMatrix::from_row_slice(p, p, &fit.at_beta.information);
        let Some(variance) = newton::inverse(&information) else {
            return tests;
        };
        let se: Vec<f64> = (0..p).map(|g| variance[(g, g)].sqrt()).collect();
        let finite = fit.beta.iter().chain(&se).all(|v| v.is_finite()) && se.iter().all(|s| *s > 0.0);
        if !fit.converged || !finite {
            return tests;
        }
        // Wald χ² = β' V⁻¹ β with V = I(β̂)⁻¹
        let beta = nalgebra::DVector::from_column_slice(&fit.beta);
        let wald = (beta.transpose() * &information * &beta)[(0, 0)];
        let lr = (2.0 * (fit.at_beta.loglik - at_zero.loglik)).max(0.0);
        tests.wald_p = Some(chisq_sf(wald, p as f64));
        tests.lr_p = Some(chisq_sf(lr, p as f64)).filter(|p| p.is_finite());
        tests.log_hr = fit.beta;
        tests.se_log_hr = se;
        tests
    }

    /// The RMST difference of two arms up to τ (treatment − control) and its Wald p-value
    /// 2Φ(−|Δ|/√(v₁ + v₀)), with each arm's Greenwood-type variance ([`area_under_km`]).
    fn rmst(&mut self, tau: f64) -> (Option<f64>, Option<f64>) {
        self.sorted.arm_tables(&self.counts, &mut self.arm_tables);
        if self.arm_tables.len() != 2 || self.arm_tables.iter().any(RiskTable::is_empty) {
            return (None, None);
        }
        let control = area_under_km(&self.arm_tables[0], tau);
        let treatment = area_under_km(&self.arm_tables[1], tau);
        let difference = treatment.rmst - control.rmst;
        let se = (control.variance + treatment.variance).sqrt();
        let p = crate::dist::wald_p(difference, se);
        (Some(difference).filter(|d| d.is_finite()), p.filter(|p| p.is_finite()))
    }

    /// The log-rank status-flip fragility index ([`crate::fragility::survival`]) of the trial's
    /// data, loaded as survkit loads any CSV.
    fn fragility(&self, alpha: f64) -> Option<i64> {
        let csv = self.csv();
        let columns = Columns::new("time", "status").group("arm");
        let data = SurvData::from_csv_bytes("simulated trial", csv.as_bytes(), &columns).ok()?;
        let options = SurvivalOptions {
            alpha,
            ..SurvivalOptions::default()
        };
        SurvivalFragility::compute(&data, &options).ok()?.fragility_index
    }

    /// The group-sequential log-rank test: the final look's statistic from the final
    /// analysis's table, then the interim looks in turn, each at the calendar time of its
    /// round(t_k D)-th event, until one crosses its boundary. Looks whose events never
    /// happen are skipped (the final analysis is then after the last event).
    fn sequential(
        &mut self,
        design: &TrialDesign,
        gs: &GroupSequential,
        weights: Weights,
        final_time: f64,
        final_events: usize,
    ) -> Option<SequentialOutcome> {
        let AnalysisAt::Events(target) = design.analysis else {
            return None;
        };
        let targets = gs.look_events(target)?;
        let last = targets.len() - 1;
        let final_z = self.benefit_z(weights);
        for (look, d) in targets[..last].iter().enumerate() {
            if *d > self.event_times.len() {
                break;
            }
            let (_, nth, _) = self.event_times.select_nth_unstable_by(d - 1, f64::total_cmp);
            let time = *nth;
            let events = self.cut(time);
            self.event_table(2);
            if self.benefit_z(weights).is_some_and(|z| gs.rejects(look, z)) {
                return Some(SequentialOutcome {
                    stage: look + 1,
                    efficacy: true,
                    events,
                    analysis_time: time,
                });
            }
        }
        Some(SequentialOutcome {
            stage: last + 1,
            efficacy: final_z.is_some_and(|z| gs.rejects(last, z)),
            events: final_events,
            analysis_time: final_time,
        })
    }

    /// The standardised weighted log-rank statistic of two arms, −U/√V with
    /// U = Σ_j w_j (d_1j − d_j n_1j/n_j) of the treatment arm (so positive when it has fewer
    /// events than expected) and V its variance ([`accumulate`]); `None` when V is 0.
    fn benefit_z(&self, weights: Weights) -> Option<f64> {
        let mut u = [0.0];
        let mut cov = DMatrix::zeros(1, 1);
        accumulate(&self.table, &[weights], &mut u, &mut cov);
        let variance = cov[(0, 0)];
        (variance > 0.0)
            .then(|| -u[0] / variance.sqrt())
            .filter(|z| z.is_finite())
    }

    /// The data at the analysis as CSV (`time,status,arm`, the arm's index).
    fn csv(&self) -> String {
        let sorted = &self.sorted;
        let mut csv = String::with_capacity(24 * sorted.time.len() + 16);
        csv.push_str("time,status,arm\n");
        for k in 0..sorted.time.len() {
            csv.push_str(&format!(
                "{},{},{}\n",
                sorted.time[k],
                u8::from(sorted.event[k]),
                sorted.arm[k]
            ));
        }
        csv
    }

    /// The MaxCombo p-value of two arms (see [`crate::maxcombo`]).
    fn maxcombo(&self, weights: &[Weights], seed: u64) -> Option<f64> {
        let m = weights.len();
        let mut u = vec![0.0; m];
        let mut cov = DMatrix::zeros(m, m);
        accumulate(&self.table, weights, &mut u, &mut cov);
        combine(&u, &cov, seed).map(|c| c.p_value)
    }

    /// Numbers at risk and events by arm at each distinct event time of `sorted`.
    fn event_table(&mut self, k: usize) {
        let sorted = &self.sorted;
        let table = &mut self.table;
        table.time.clear();
        table.n_risk.clear();
        table.n_event.clear();
        let mut at_risk = vec![0.0; k];
        for arm in &sorted.arm {
            at_risk[*arm as usize] += 1.0;
        }
        let mut pos = 0;
        let n = sorted.time.len();
        let mut events = vec![0.0; k];
        while pos < n {
            let t = sorted.time[pos];
            let start = pos;
            events.iter_mut().for_each(|e| *e = 0.0);
            while pos < n && sorted.time[pos] == t {
                if sorted.event[pos] {
                    events[sorted.arm[pos] as usize] += 1.0;
                }
                pos += 1;
            }
            if events.iter().any(|e| *e > 0.0) {
                table.time.push(t);
                table.n_risk.extend_from_slice(&at_risk);
                table.n_event.extend_from_slice(&events);
            }
            for q in start..pos {
                at_risk[sorted.arm[q] as usize] -= 1.0;
            }
        }
    }
}

/// The Cox model's tests of one trial (see [`Workspace::cox`]).
struct CoxTests {
    wald_p: Option<f64>,
    lr_p: Option<f64>,
    score_p: Option<f64>,
    log_hr: Vec<f64>,
    se_log_hr: Vec<f64>,
}

/// U' I⁻¹ U for the p × p matrix I (row-major); `None` when I is singular or the result is
/// not finite.
fn quadratic_form(score: &[f64], information: &[f64], p: usize) -> Option<f64> {
    let inverse = newton::inverse(&DMatrix::from_row_slice(p, p, information))?;
    let u = nalgebra::DVector::from_column_slice(score);
    let value = (u.transpose() * inverse * &u)[(0, 0)];
    value.is_finite().then_some(value.max(0.0))
}

/// ℓ(β), U(β) and I(β) of the Cox model with arm indicators (β for arms 1..k, control 0), in
/// the counting form over event times (Breslow):
/// ℓ = Σ_j [Σ_{g≥1} d_gj β_g − d_j log S0_j], S0_j = Σ_g n_gj e^{β_g}, p_gj = n_gj e^{β_g}/S0_j,
/// U_g = Σ_j (d_gj − d_j p_gj), I_gh = Σ_j d_j (δ_gh p_gj − p_gj p_hj).
fn counting_loglik(risk: &[f64], deaths: &[f64], k: usize, beta: &[f64]) -> Evaluation {
    let p = k - 1;
    let mut loglik = 0.0;
    let mut score = vec![0.0; p];
    let mut information = vec![0.0; p * p];
    let exp_beta: Vec<f64> = std::iter::once(1.0).chain(beta.iter().map(|b| b.exp())).collect();
    let mut share = vec![0.0; k];
    for j in 0..risk.len() / k {
        let n = &risk[j * k..(j + 1) * k];
        let d = &deaths[j * k..(j + 1) * k];
        let s0: f64 = (0..k).map(|g| n[g] * exp_beta[g]).sum();
        let total: f64 = d.iter().sum();
        for g in 0..k {
            share[g] = n[g] * exp_beta[g] / s0;
        }
        loglik -= total * s0.ln();
        for g in 1..k {
            loglik += d[g] * beta[g - 1];
            score[g - 1] += d[g] - total * share[g];
            for h in 1..k {
                let delta = if g == h { share[g] } else { 0.0 };
                information[(g - 1) * p + (h - 1)] += total * (delta - share[g] * share[h]);
            }
        }
    }
    Evaluation {
        loglik,
        score,
        information,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Columns, Cox, CoxOptions, LogRank, LogRankOptions, SurvData, Ties};

    /// A trial's log-rank p and Cox fit equal survkit's LogRank::test and Cox::fit (Breslow) on
    /// the same data written out as CSV.
    #[test]
    fn analyses_match_the_library() {
        use crate::simulate::{Arm, PiecewiseHazard};
        let control = PiecewiseHazard::new(vec![6.0], vec![0.08, 0.05], "control").unwrap();
        let arms = vec![
            Arm {
                name: "control".into(),
                allocation: 1.0,
                hazard: control.clone(),
            },
            Arm {
                name: "treatment".into(),
                allocation: 2.0,
                hazard: control.scaled(&[0.7], "treatment").unwrap(),
            },
        ];
        let design = TrialDesign::new(arms, 300, 12.0, 0.02, AnalysisAt::Events(150)).unwrap();
        let options = SimulateOptions {
            trials: 0..1,
            seed: 7,
            threads: 1,
            alpha: 0.05,
            weights: crate::Weights::LogRank,
            maxcombo: Some(crate::maxcombo::MaxComboOptions::default().weights),
            rmst_tau: Some(10.0),
            fragility: true,
            group_sequential: None,
        };
        let mut workspace = Workspace::new(&design);
        let outcome = workspace.run(&design, &options, 3);
        assert_eq!(outcome.events, 150);
        let csv = workspace.csv();
        let columns = Columns::new("time", "status").group("arm");
        let data = SurvData::from_csv_bytes("trial", csv.as_bytes(), &columns).unwrap();
        let lr = LogRank::test(&data, &LogRankOptions::default()).unwrap();
        let combo = crate::maxcombo::MaxCombo::test(&data, &crate::maxcombo::MaxComboOptions::default()).unwrap();
        assert!((combo.p_value - outcome.maxcombo_p.unwrap()).abs() < 1e-12);
        let rmst_options = crate::RmstOptions {
            tau: Some(10.0),
            conf_level: 0.95,
            covariates: Vec::new(),
            allow_tau_beyond_data: false,
        };
        let rmst = crate::Rmst::fit(&data, &rmst_options).unwrap();
        let difference = &rmst.contrasts[0].difference;
        assert!((difference.estimate.unwrap() - outcome.rmst_difference.unwrap()).abs() < 1e-10);
        assert!((difference.p_value.unwrap() - outcome.rmst_p.unwrap()).abs() < 1e-10);
        // the trial is significant (checked), so its fragility index was computed
        assert!(lr.p_value < 0.05, "{}", lr.p_value);
        let fragility = crate::fragility::survival::SurvivalFragility::compute(&data, &Default::default()).unwrap();
        assert_eq!(outcome.fragility_index, fragility.fragility_index);
        assert!(outcome.fragility_index.is_some_and(|f| f > 0));
        assert!((lr.p_value - outcome.logrank_p.unwrap()).abs() < 1e-12 * lr.p_value.max(1e-300) + 1e-15);
        let cox_columns = Columns::new("time", "status").covariates(["arm"]);
        let data = SurvData::from_csv_bytes("trial", csv.as_bytes(), &cox_columns).unwrap();
        let options = CoxOptions {
            ties: Ties::Breslow,
            ..CoxOptions::default()
        };
        let fit = Cox::fit(&data, &options).unwrap();
        let beta = fit.terms[0].coef.unwrap();
        assert!(
            (beta - outcome.log_hr[0]).abs() < 1e-8,
            "{beta} vs {}",
            outcome.log_hr[0]
        );
        assert!((fit.terms[0].se.unwrap() - outcome.se_log_hr[0]).abs() < 1e-8);
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-8 * a.abs().max(1e-300);
        let lr_p = fit.tests.likelihood_ratio.p_value.unwrap();
        assert!(close(lr_p, outcome.lr_p.unwrap()), "LR {lr_p} vs {:?}", outcome.lr_p);
        let score_p = fit.tests.score.p_value.unwrap();
        assert!(
            close(score_p, outcome.score_p.unwrap()),
            "score {score_p} vs {:?}",
            outcome.score_p
        );
        // no tied event times: the score test is the log-rank test
        assert!(close(lr.p_value, outcome.score_p.unwrap()));
    }

    /// Three arms: the LR and score tests on 2 df equal `Cox::fit`'s (Breslow) with the arm as
    /// a factor; piecewise accrual changes the entry times only.
    #[test]
    fn three_arm_tests_match_the_library() {
        use crate::simulate::{Arm, PiecewiseHazard};
        let control = PiecewiseHazard::constant(0.06, "control").unwrap();
        let arm = |name: &str, hr: f64| Arm {
            name: name.into(),
            allocation: 1.0,
            hazard: control.scaled(&[hr], name).unwrap(),
        };
        let arms = vec![arm("control", 1.0), arm("a", 0.7), arm("b", 0.85)];
        let design = TrialDesign::new(arms, 240, 12.0, 0.01, AnalysisAt::Events(120))
            .unwrap()
            .with_accrual_periods(vec![4.0], vec![1.0, 3.0])
            .unwrap();
        let options = SimulateOptions {
            trials: 0..1,
            seed: 2,
            threads: 1,
            alpha: 0.05,
            weights: crate::Weights::LogRank,
            maxcombo: None,
            rmst_tau: None,
            fragility: false,
            group_sequential: None,
        };
        let mut workspace = Workspace::new(&design);
        let outcome = workspace.run(&design, &options, 0);
        let early = workspace.participants.iter().filter(|p| p.entry < 4.0).count();
        // a quarter of the accrual mass (1·4 of 1·4 + 3·8 = 28 → 1/7) before time 4
        assert!((early as f64 / 240.0 - 1.0 / 7.0).abs() < 0.08, "{early}");
        assert!(workspace.participants.iter().all(|p| p.entry > 0.0 && p.entry < 12.0));
        let csv = workspace.csv();
        let columns = Columns::new("time", "status").covariates(["arm"]).factors(["arm"]);
        let data = SurvData::from_csv_bytes("trial", csv.as_bytes(), &columns).unwrap();
        let options = CoxOptions {
            ties: Ties::Breslow,
            ..CoxOptions::default()
        };
        let fit = Cox::fit(&data, &options).unwrap();
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-8 * a.abs().max(1e-300);
        assert!(close(
            fit.tests.likelihood_ratio.p_value.unwrap(),
            outcome.lr_p.unwrap()
        ));
        assert!(close(fit.tests.score.p_value.unwrap(), outcome.score_p.unwrap()));
        assert!(close(fit.tests.wald.p_value.unwrap(), outcome.wald_p.unwrap()));
    }
}
