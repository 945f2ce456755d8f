//! The report's section on function and survival together, when a function score is given:
//! the win statistics with their pairwise breakdown, and the CAFS joint rank test with the
//! Finkelstein–Schoenfeld test and the ranks by arm.

use super::{Report, ReportSpec, Section, SectionFigure, inline_svg, quote};
use crate::bootstrap::permutation::PermutationPlan;
use crate::data::SurvData;
use crate::output::Render;
use crate::plot::{CafsFigure, PlotOptions, WinFigure};
use crate::win::{Cafs, CafsOptions, Direction, LaterScore, WinOptions, WinStatistics};

/// The seed of the report's CAFS permutations, fixed so the report is reproducible.
pub const CAFS_SEED: u64 = 1;

/// The function score the report compares after death.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionSpec {
    /// The numeric score column.
    pub score: String,
    /// Which way the score is better.
    pub direction: Direction,
    /// Score differences of at most this much are ties.
    pub threshold: f64,
    /// Scores compared after the first.
    pub later: Vec<LaterScore>,
}

impl FunctionSpec {
    /// The score options of `survkit win`, `cafs` and `plot win|cafs`.
    fn arguments(&self) -> String {
        let mut arguments = format!(" --score {}", quote(&self.score));
        if self.direction == Direction::LowerIsBetter {
            arguments.push_str(" --lower-is-better");
        }
        if self.threshold > 0.0 {
            arguments.push_str(&format!(" --threshold {}", self.threshold));
        }
        for l in &self.later {
            let direction = match l.direction {
                Direction::HigherIsBetter => "higher",
                Direction::LowerIsBetter => "lower",
            };
            let level = format!("{}:{direction}:{}", l.column, l.threshold);
            arguments.push_str(&format!(" --then {}", quote(&level)));
        }
        arguments
    }
}

/// "alsfrs, then fvc": the scores in the order they decide.
fn scores_in_order(function: &FunctionSpec) -> String {
    std::iter::once(function.score.as_str())
        .chain(function.later.iter().map(|l| l.column.as_str()))
        .collect::<Vec<_>>()
        .join(", then ")
}

impl Report {
    /// Adds the win-statistics and CAFS sections. `data` holds the time, event and group
    /// columns and the score as a numeric covariate (as `survkit win` loads them); the first
    /// group level is the reference arm.
    pub fn add_function_sections(&mut self, spec: &ReportSpec, function: &FunctionSpec, data: &SurvData) {
        let layout = PlotOptions::default();
        let arguments = function.arguments();
        let win_options = WinOptions {
            direction: function.direction,
            threshold: function.threshold,
            later_scores: function.later.clone(),
            ..WinOptions::new(&function.score)
        };
        let (output, svg) = match WinStatistics::compute(data, &win_options) {
            Ok(result) => (
                result.table(),
                inline_svg(Ok(WinFigure::from_result(&result, &layout)), &layout),
            ),
            Err(e) => (e.to_string(), String::new()),
        };
        self.sections.push(Section {
            title: format!(
                "Win statistics: death over the common follow-up, then {}",
                scores_in_order(function)
            ),
            command: spec.base_command("win") + &arguments,
            output,
            figure: (!svg.is_empty()).then(|| SectionFigure {
                name: "win".into(),
                alt: "Pairwise outcomes by level of the hierarchy".into(),
                svg,
                command: format!("{}{arguments} -o win.svg", spec.base_command("plot win")),
            }),
        });
        let cafs_options = CafsOptions {
            direction: function.direction,
            threshold: function.threshold,
            later_scores: function.later.clone(),
            permutation: PermutationPlan {
                seed: CAFS_SEED,
                threads: std::thread::available_parallelism().map_or(1, usize::from),
                ..PermutationPlan::default()
            },
            ..CafsOptions::new(&function.score)
        };
        let (output, svg) = match Cafs::test(data, &cafs_options, &|| {}) {
            Ok(result) => (
                result.table(),
                inline_svg(Ok(CafsFigure::from_result(&result, &layout)), &layout),
            ),
            Err(e) => (e.to_string(), String::new()),
        };
        self.sections.push(Section {
            title: "CAFS joint rank test and Finkelstein–Schoenfeld test".into(),
            command: format!("{}{arguments} --seed {CAFS_SEED}", spec.base_command("cafs")),
            output,
            figure: (!svg.is_empty()).then(|| SectionFigure {
                name: "cafs".into(),
                alt: "CAFS ranks by arm with the mean ranks".into(),
                svg,
                command: format!("{}{arguments} -o cafs.svg", spec.base_command("plot cafs")),
            }),
        });
    }
}
