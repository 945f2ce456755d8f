//! The report's section on function and survival together, when a function score is given:
//! the win statistics with their pairwise breakdown, and the CAFS joint rank test with the
//! Finkelstein–Schoenfeld test and the ranks by arm.

use super::{Report, ReportSpec, Section, SectionFigure, inline_svg, quote};
use crate::bootstrap::permutation::PermutationPlan;
use crate::data::SurvData;
use crate::output::Render;
use crate::plot::{CafsFigure, PlotOptions, WinFigure};
use crate::win::{Cafs, CafsOptions, Direction, WinOptions, WinStatistics};

/// The seed of the report's CAFS permutations, fixed so the report is reproducible.
pub const CAFS_SEED: u64 = 1;

/// The function score the report compares after death.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionSpec {
    /// The numeric score column.
    pub score: String,
    /// Which way the score is better.
    pub direction: Direction,
}

impl FunctionSpec {
    /// The score options of `survkit win`, `cafs` and `plot win|cafs`.
    fn arguments(&self) -> String {
        let mut arguments = format!(" --score {}", quote(&self.score));
        if self.direction == Direction::LowerIsBetter {
            arguments.push_str(" --lower-is-better");
        }
        arguments
    }
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
                function.score
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
