//! A two-arm trial prepared for fragility analyses: the data with the arm as the Cox covariate,
//! which arm is experimental, the test, and the summary of any modified version of the data.

use rayon::prelude::*;
use serde::Serialize;

use super::hypothesis::{SurvivalError, SurvivalTest};
use crate::cox::{Cox, CoxOptions};
use crate::data::{Covariate, SurvData};
use crate::logrank::{LogRank, LogRankOptions};
use crate::rmst::{Rmst, RmstError, RmstOptions};

/// The prepared trial.
#[derive(Debug, Clone)]
pub struct Trial {
    /// The data, with the group column as the only covariate (a factor).
    pub data: SurvData,
    /// The group code of the experimental arm (the other arm is the control).
    pub experimental: u32,
    pub test: SurvivalTest,
    /// τ for RMST, fixed from the original data.
    pub tau: f64,
    pub alpha: f64,
}

/// The hazard ratio (experimental vs control) with its Wald interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct HazardRatio {
    pub hr: f64,
    pub lower: f64,
    pub upper: f64,
}

/// The main results of one version of the data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub events_experimental: usize,
    pub events_control: usize,
    /// Cox (Efron ties), experimental vs control; `null` when not estimable.
    pub hazard_ratio: Option<HazardRatio>,
    pub cox_wald_p: Option<f64>,
    pub cox_lr_p: Option<f64>,
    pub cox_score_p: Option<f64>,
    pub logrank_p: Option<f64>,
    /// RMST(experimental) − RMST(control) up to τ, with its Wald interval and p.
    pub rmst_difference: Option<f64>,
    pub rmst_lower: Option<f64>,
    pub rmst_upper: Option<f64>,
    pub rmst_p: Option<f64>,
}

impl Trial {
    /// Checks the data (two arms, no strata, entry times or weights, some events) and puts the
    /// group column in as the covariate. `experimental` names the experimental arm's level; by
    /// default it is the arm with fewer events than expected under no difference (HR < 1).
    pub fn prepare(
        data: &SurvData,
        experimental: Option<&str>,
        test: SurvivalTest,
        tau: Option<f64>,
        alpha: f64,
    ) -> Result<Trial, SurvivalError> {
        let file = || data.source.clone();
        let unsupported = |what: &str| SurvivalError::Unsupported {
            file: file(),
            what: what.to_string(),
        };
        if data.strata.is_some() {
            return Err(unsupported("strata"));
        }
        if data.entry.is_some() {
            return Err(unsupported("an entry time (delayed entry)"));
        }
        if data.weight.is_some() {
            return Err(unsupported("case weights"));
        }
        let group = data.group.clone().ok_or(SurvivalError::NoGroup { file: file() })?;
        if group.n_levels() != 2 {
            return Err(SurvivalError::NotTwoArms {
                file: file(),
                column: group.name.clone(),
                levels: group.levels.clone(),
            });
        }
        if !data.event.iter().any(|e| *e) {
            return Err(SurvivalError::NoEvents { file: file() });
        }
        let mut prepared = data.clone();
        prepared.covariates = vec![Covariate::Factor(group.clone())];
        let experimental = match experimental {
            Some(level) => group
                .levels
                .iter()
                .position(|l| l == level)
                .ok_or_else(|| SurvivalError::UnknownArm {
                    file: file(),
                    level: level.to_string(),
                    levels: group.levels.clone(),
                })? as u32,
            None => {
                let test = LogRank::test(&prepared, &LogRankOptions::default())
                    .map_err(|e| SurvivalError::Analysis { message: e.to_string() })?;
                // observed − expected < 0 in level 1: fewer events than expected, HR < 1
                if test.groups[1].weighted_o_minus_e <= 0.0 { 1 } else { 0 }
            }
        };
        let tau = match (test, tau) {
            (_, Some(tau)) => {
                // the original data must support a given τ, as for `Rmst::fit`; only the
                // modified data sets of the searches carry their curves forward to it
                let given = RmstOptions {
                    tau: Some(tau),
                    ..Default::default()
                };
                if let Err(e @ RmstError::TauBeyondData { .. }) = Rmst::fit(&prepared, &given) {
                    return Err(SurvivalError::TauBeyondData { message: e.to_string() });
                }
                tau
            }
            _ => Rmst::fit(&prepared, &RmstOptions::default())
                .map(|r| r.tau)
                .map_err(|e| SurvivalError::Analysis { message: e.to_string() })?,
        };
        Ok(Trial {
            data: prepared,
            experimental,
            test,
            tau,
            alpha,
        })
    }

    pub fn control(&self) -> u32 {
        1 - self.experimental
    }

    pub fn level(&self, code: u32) -> &str {
        self.data
            .group
            .as_ref()
            .map_or("", |g| g.levels[code as usize].as_str())
    }

    pub fn code(&self, row: usize) -> u32 {
        self.data.group.as_ref().map_or(0, |g| g.codes[row])
    }

    /// RMST options with τ fixed from the original data (a modified data set may not support
    /// it; its curves are then carried forward).
    fn rmst_options(&self) -> RmstOptions {
        RmstOptions {
            tau: Some(self.tau),
            allow_tau_beyond_data: true,
            ..Default::default()
        }
    }

    /// The p-value of the trial's test on `data` (a modified copy of the trial's data);
    /// `None` when the test is undefined there (e.g. an infinite hazard ratio for Wald).
    pub fn p_value(&self, data: &SurvData) -> Option<f64> {
        match self.test {
            SurvivalTest::LogRank => LogRank::test(data, &LogRankOptions::default()).ok().map(|t| t.p_value),
            SurvivalTest::CoxWald => Cox::fit(data, &CoxOptions::default()).ok()?.terms[0].p_value,
            SurvivalTest::CoxLr => {
                Cox::fit(data, &CoxOptions::default())
                    .ok()?
                    .tests
                    .likelihood_ratio
                    .p_value
            }
            SurvivalTest::Rmst => {
                Rmst::fit(data, &self.rmst_options()).ok()?.contrasts[0]
                    .difference
                    .p_value
            }
        }
    }

    /// p-values of `count` modified versions of the data, computed in parallel and returned in
    /// order.
    pub fn p_values_of(&self, count: usize, modified: impl Fn(usize) -> SurvData + Sync) -> Vec<Option<f64>> {
        (0..count).into_par_iter().map(|k| self.p_value(&modified(k))).collect()
    }

    /// Events per arm, Cox hazard ratio and tests, log-rank p and the RMST difference.
    pub fn summary(&self, data: &SurvData) -> Summary {
        let codes = &data.group.as_ref().map_or(&[][..], |g| &g.codes[..]);
        let events_in = |code: u32| {
            (0..data.n_rows())
                .filter(|&i| data.event[i] && codes[i] == code)
                .count()
        };
        let cox = Cox::fit(data, &CoxOptions::default()).ok();
        // Cox and RMST compare level 1 with level 0; turn them round when level 0 is experimental
        let flip = self.experimental == 0;
        let hazard_ratio = cox.as_ref().and_then(|fit| {
            let term = &fit.terms[0];
            let (hr, lower, upper) = (term.hr?, term.hr_lower?, term.hr_upper?);
            Some(if flip {
                HazardRatio {
                    hr: 1.0 / hr,
                    lower: 1.0 / upper,
                    upper: 1.0 / lower,
                }
            } else {
                HazardRatio { hr, lower, upper }
            })
        });
        let rmst = Rmst::fit(data, &self.rmst_options()).ok();
        let difference = rmst.as_ref().map(|r| r.contrasts[0].difference.clone());
        let sign = if flip { -1.0 } else { 1.0 };
        let signed = |x: Option<f64>| x.map(|v| sign * v);
        let (lower, upper) = match &difference {
            Some(d) if flip => (signed(d.upper), signed(d.lower)),
            Some(d) => (d.lower, d.upper),
            None => (None, None),
        };
        Summary {
            events_experimental: events_in(self.experimental),
            events_control: events_in(self.control()),
            hazard_ratio,
            cox_wald_p: cox.as_ref().and_then(|f| f.terms[0].p_value),
            cox_lr_p: cox.as_ref().and_then(|f| f.tests.likelihood_ratio.p_value),
            cox_score_p: cox.as_ref().and_then(|f| f.tests.score.p_value),
            logrank_p: LogRank::test(data, &LogRankOptions::default()).ok().map(|t| t.p_value),
            rmst_difference: difference.as_ref().and_then(|d| signed(d.estimate)),
            rmst_lower: lower,
            rmst_upper: upper,
            rmst_p: difference.and_then(|d| d.p_value),
        }
    }

    /// A copy of the trial's data with other rows: `rows[k]` = (source row, time, event, arm
    /// code). Line numbers come from the source rows.
    pub fn with_rows(&self, rows: &[(usize, f64, bool, u32)]) -> SurvData {
        let base = &self.data;
        let mut data = SurvData {
            source: base.source.clone(),
            time_column: base.time_column.clone(),
            time: rows.iter().map(|r| r.1).collect(),
            event: rows.iter().map(|r| r.2).collect(),
            entry: None,
            weight: None,
            group: base.group.clone(),
            strata: None,
            cluster: None,
            regimen: None,
            covariates: Vec::new(),
            lines: rows.iter().map(|r| base.lines[r.0]).collect(),
            dropped: base.dropped.clone(),
            times_tied_by_timefix: base.times_tied_by_timefix,
            order_cache: std::sync::OnceLock::new(),
        };
        if let Some(group) = data.group.as_mut() {
            group.codes = rows.iter().map(|r| r.3).collect();
            data.covariates = vec![Covariate::Factor(group.clone())];
        }
        data
    }

    /// The rows of the trial's data as (row, time, event, arm code).
    pub fn rows(&self) -> Vec<(usize, f64, bool, u32)> {
        (0..self.data.n_rows())
            .map(|i| (i, self.data.time[i], self.data.event[i], self.code(i)))
            .collect()
    }

    /// A copy of the data with the event status of `rows` flipped (times and arms unchanged, so
    /// the cached time order stays valid).
    pub fn with_flips(&self, events: &[bool], rows: &[usize]) -> SurvData {
        let mut data = self.data.clone();
        data.event.copy_from_slice(events);
        for &i in rows {
            data.event[i] = !data.event[i];
        }
        data
    }
}
