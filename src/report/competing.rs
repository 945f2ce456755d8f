//! The report's competing-risks sections, when the status column holds a censoring value and
//! two or more causes: the cumulative incidence of each cause by group at the quartiles of
//! follow-up, Gray's tests and the restricted mean time lost to each cause up to τ (as
//! `survkit cif` prints them) with the stacked cumulative incidence figure, and with two groups
//! the Fine–Gray subdistribution hazard ratio of the group for each cause (as `survkit
//! finegray`).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::{Report, ReportSpec, Section, SectionFigure, inline_svg, not_computed, quote};
use crate::competing::{Cif, CifOptions, CompetingData, FineGray, FineGrayOptions};
use crate::output::Render;
use crate::plot::{CifFigure, CifLayout, CifPlotOptions, PlotOptions};
use crate::table::Table;

/// How the report reads a status with causes.
#[derive(Debug, Clone, PartialEq)]
pub struct CompetingSpec {
    /// The status value of censored rows; every other value is a cause.
    pub censor_value: String,
}

impl CompetingSpec {
    /// ` --censor-value V` of the competing-risks commands.
    fn arguments(&self) -> String {
        format!(" --censor-value {}", quote(&self.censor_value))
    }
}

/// Whether the status column `status` of `table` holds more than two distinct values (numbers
/// compared as numbers, text as text; missing cells not counted): a censoring value and two or
/// more causes, rather than an event indicator. `false` when there is no such column.
pub fn status_has_causes(table: &Table, status: &str) -> bool {
    let Some(column) = table.column(status) else {
        return false;
    };
    match column.numbers() {
        Some(numbers) => {
            let distinct: BTreeSet<u64> = numbers
                .iter()
                .filter(|v| !v.is_nan())
                .map(|v| (v + 0.0).to_bits())
                .collect();
            distinct.len() > 2
        }
        None => {
            let distinct: BTreeSet<&str> = (0..column.len()).filter_map(|row| column.text(row)).collect();
            distinct.len() > 2
        }
    }
}

/// The 25th, 50th and 75th percentiles of the follow-up times (each an observed time: the
/// smallest with at least that share of times at or below it), without repeats.
fn follow_up_quartiles(times: &[f64]) -> Vec<f64> {
    let mut sorted: Vec<f64> = times.iter().copied().filter(|t| t.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    let mut quartiles: Vec<f64> = [0.25, 0.5, 0.75]
        .iter()
        .filter_map(|p| {
            let rank = (p * sorted.len() as f64).ceil() as usize;
            rank.checked_sub(1).and_then(|i| sorted.get(i)).copied()
        })
        .filter(|t| *t > 0.0)
        .collect();
    quartiles.dedup();
    quartiles
}

/// The largest τ at which every group's cumulative incidence is estimated: the smallest of
/// the groups' last follow-up times.
fn common_follow_up(data: &CompetingData) -> Option<f64> {
    let data = data.data();
    let n_groups = data.group.as_ref().map_or(1, |g| g.n_levels());
    let mut last = vec![f64::NEG_INFINITY; n_groups];
    for (i, &t) in data.time.iter().enumerate() {
        let g = data.group.as_ref().map_or(0, |g| g.codes[i] as usize);
        if let Some(end) = last.get_mut(g) {
            *end = end.max(t);
        }
    }
    let tau = last.iter().copied().fold(f64::INFINITY, f64::min);
    (tau.is_finite() && tau > 0.0).then_some(tau)
}

/// A list of times for a command line: each as Rust prints an f64, which reads back exactly.
fn time_list(times: &[f64]) -> String {
    times.iter().map(|t| format!("{t}")).collect::<Vec<_>>().join(",")
}

impl Report {
    /// Adds the competing-risks sections. `data` holds the time, status and group columns;
    /// `model_data` also the group as a factor covariate (as `survkit finegray --covariates G
    /// --factors G` loads them). The cumulative incidences are shown at the quartiles of
    /// follow-up, and the time lost up to the report's τ (default: the end of the shortest
    /// group's follow-up). A failed analysis becomes its section's "Not computed" line.
    pub fn add_competing_sections(
        &mut self,
        spec: &ReportSpec,
        competing: &CompetingSpec,
        data: &CompetingData,
        model_data: &CompetingData,
    ) {
        self.notes.push(format!(
            "The status column '{status}' holds causes {} (censoring value '{}'): the Kaplan–Meier, log-rank, Cox, RMST, bootstrap and fragility sections analyse failure from any cause, and each cause is analysed in the competing-risks sections. The single-event commands shown with those sections read 0/1 events: to rerun them, give them a 0/1 column of failure from any cause in place of '{status}'.",
            data.causes().join(", "),
            competing.censor_value,
            status = spec.event,
        ));
        let arguments = competing.arguments();
        let at = follow_up_quartiles(&data.data().time);
        let tau = spec.tau.or_else(|| common_follow_up(data));
        let mut cif_arguments = arguments.clone();
        if !at.is_empty() {
            let _ = write!(cif_arguments, " --at {}", time_list(&at));
        }
        if let Some(tau) = tau {
            let _ = write!(cif_arguments, " --tau {tau}");
        }
        let options = CifOptions {
            at,
            tau,
            ..Default::default()
        };
        let layout = PlotOptions::default();
        let plot = CifPlotOptions {
            ci: false,
            risk_table: true,
            arrangement: CifLayout::Stacked,
        };
        let (output, svg) = match Cif::fit(data, &options) {
            Ok(fit) => (
                fit.table(),
                inline_svg(CifFigure::build(data, &layout, &CifOptions::default(), &plot), &layout),
            ),
            Err(e) => (not_computed(e), String::new()),
        };
        self.sections.push(Section {
            title: "Competing risks: cumulative incidence of each cause, Gray's tests, time lost to each cause".into(),
            command: spec.base_command("cif") + &cif_arguments,
            output,
            figure: (!svg.is_empty()).then(|| SectionFigure {
                name: "cif".into(),
                alt: "Cumulative incidence of each cause stacked, one panel per group, with number at risk".into(),
                svg,
                command: format!(
                    "{}{arguments} --layout stacked --risk-table -o cif.svg",
                    spec.base_command("plot cif")
                ),
            }),
        });
        if data.data().group.as_ref().is_none_or(|g| g.n_levels() != 2) {
            return;
        }
        for cause in data.causes() {
            let output =
                FineGray::fit(model_data, &FineGrayOptions::new(cause)).map_or_else(not_computed, |fit| fit.table());
            self.sections.push(Section {
                title: format!(
                    "Fine–Gray subdistribution hazard ratio of {}, cause {cause}",
                    spec.group
                ),
                command: format!(
                    "survkit finegray {} --time {} --event {}{arguments} --cause {} --covariates {} --factors {}{}",
                    quote(&spec.file),
                    quote(&spec.time),
                    quote(&spec.event),
                    quote(cause),
                    quote(&spec.group),
                    quote(&spec.group),
                    spec.reference_argument()
                ),
                output,
                figure: None,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quartiles_are_observed_times() {
        assert_eq!(follow_up_quartiles(&[4.0, 1.0, 3.0, 2.0]), [1.0, 2.0, 3.0]);
        assert_eq!(follow_up_quartiles(&[5.0, 5.0, 5.0]), [5.0]);
        assert!(follow_up_quartiles(&[]).is_empty());
        assert!(follow_up_quartiles(&[0.0, 0.0]).is_empty());
    }

    #[test]
    fn causes_are_more_than_two_status_values() {
        let table = Table::from_csv_bytes("x", b"t,s,e,l\n1,0,0,cens\n2,1,1,pav\n3,2,1.0,death\n").unwrap();
        assert!(status_has_causes(&table, "s"));
        assert!(!status_has_causes(&table, "e"));
        assert!(status_has_causes(&table, "l"));
        assert!(!status_has_causes(&table, "nope"));
    }
}
