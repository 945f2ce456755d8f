//! The one-command reanalysis report: data summary, Kaplan–Meier figure with risk table,
//! medians, log-rank test, Cox model (likelihood-ratio, Wald and score tests side by side, the
//! proportional-hazards test), RMST with contrasts, a bootstrap of the Cox log hazard ratio
//! (2,000 replicates, seed 1, so the report is reproducible) with its histogram, the status-flip
//! fragility index with its p-value path, when a function score is given the win statistics and
//! the CAFS joint rank test ([`FunctionSpec`]), when the status holds causes the cumulative
//! incidence of each cause with Gray's tests and Fine–Gray models ([`CompetingSpec`]), and for
//! every number the survkit command line that
//! reproduces it. Written as one self-contained HTML page (inline SVG and CSS, no scripts,
//! nothing fetched) or as Markdown with the figures in SVG files beside it.
//!
//! Each analysis section shows the same table its command prints, and each figure is the one its
//! `survkit plot` command draws, so the report and the commands cannot disagree.

mod competing;
mod function;

pub use competing::{CompetingSpec, status_has_causes};
pub use function::{CAFS_SEED, FunctionSpec};

use std::fmt::Write as _;

use serde::Serialize;

use crate::bootstrap::{Bootstrap, BootstrapOptions, BootstrapReplicates, Statistic};
use crate::comparisons::Comparisons;
use crate::cox::zph::ZphTransform;
use crate::data::SurvData;
use crate::fragility::{SurvivalFragility, SurvivalOptions};
use crate::multiplicity::Adjustment;
use crate::output::{Render, num};
use crate::plot::{
    BootstrapFigure, Figure, FragilityFigure, ImageFormat, KmFigure, KmPlotOptions, PlotOptions, render,
};
use crate::{Cox, CoxOptions, KaplanMeier, KmOptions, LogRank, LogRankOptions, Rmst, RmstOptions};

/// The report's bootstrap: replicates and seed, fixed so the report is reproducible.
pub const BOOTSTRAP_REPLICATES: usize = 2000;
/// The seed of the report's bootstrap.
pub const BOOTSTRAP_SEED: u64 = 1;

/// What the report analyses: the file and columns as the user named them (for the command
/// lines), and τ.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportSpec {
    /// The data file, as named on the command line.
    pub file: String,
    /// The time column.
    pub time: String,
    /// The event column.
    pub event: String,
    /// The group column.
    pub group: String,
    /// The reference arm (a level of the group), as `--reference`; `None` for the first level.
    pub reference: Option<String>,
    /// Numeric covariates added to the Cox model and the adjusted RMST.
    pub covariates: Vec<String>,
    /// RMST truncation time τ; `None` for the largest τ the data support.
    pub tau: Option<f64>,
}

impl ReportSpec {
    fn base_command(&self, command: &str) -> String {
        let mut line = format!(
            "survkit {command} {} --time {} --event {} --group {}",
            quote(&self.file),
            quote(&self.time),
            quote(&self.event),
            quote(&self.group)
        );
        // `win` and `cafs` name the reference level alone; the others COL=LEVEL
        match &self.reference {
            Some(level) if matches!(command, "win" | "cafs") => {
                let _ = write!(line, " --reference {}", quote(level));
            }
            _ => line.push_str(&self.reference_argument()),
        }
        line
    }
    /// ` --reference COL=LEVEL` when a reference arm was named, else nothing.
    pub(crate) fn reference_argument(&self) -> String {
        self.reference.as_ref().map_or_else(String::new, |level| {
            format!(" --reference {}", quote(&format!("{}={level}", self.group)))
        })
    }
    /// `survkit km …` for the report's curves and medians.
    pub fn km_command(&self) -> String {
        self.base_command("km")
    }
    /// `survkit plot km …`: the report's Kaplan–Meier figure (risk table, bands, medians).
    pub fn plot_command(&self) -> String {
        format!("{} --risk-table --ci --median -o km.svg", self.base_command("plot km"))
    }
    /// `survkit logrank …` for the report's log-rank test.
    pub fn logrank_command(&self) -> String {
        self.base_command("logrank")
    }
    /// `survkit cox …`: the group as a factor, the covariates, the proportional-hazards test.
    pub fn cox_command(&self) -> String {
        let covariates: Vec<&str> = std::iter::once(self.group.as_str())
            .chain(self.covariates.iter().map(String::as_str))
            .collect();
        format!(
            "survkit cox {} --time {} --event {} --covariates {} --factors {}{} --zph",
            quote(&self.file),
            quote(&self.time),
            quote(&self.event),
            quote(&covariates.join(",")),
            quote(&self.group),
            self.reference_argument()
        )
    }
    /// `survkit rmst …`: the RMST and its contrasts, at `tau` and adjusted for the covariates.
    pub fn rmst_command(&self) -> String {
        let mut command = self.base_command("rmst");
        if let Some(tau) = self.tau {
            let _ = write!(command, " --tau {tau}");
        }
        if !self.covariates.is_empty() {
            let _ = write!(command, " --covariates {}", quote(&self.covariates.join(",")));
        }
        command
    }
    fn bootstrap_arguments(&self) -> String {
        let mut arguments = format!(" --statistic log-hr --replicates {BOOTSTRAP_REPLICATES} --seed {BOOTSTRAP_SEED}");
        if !self.covariates.is_empty() {
            let _ = write!(arguments, " --covariates {}", quote(&self.covariates.join(",")));
        }
        arguments
    }
    /// `survkit bootstrap …`: the Cox log hazard ratio of the group (adjusted for the covariates).
    pub fn bootstrap_command(&self) -> String {
        self.base_command("bootstrap") + &self.bootstrap_arguments()
    }
    /// `survkit plot bootstrap …`: the histogram of the report's bootstrap.
    pub fn bootstrap_plot_command(&self) -> String {
        format!(
            "{}{} -o bootstrap.svg",
            self.base_command("plot bootstrap"),
            self.bootstrap_arguments()
        )
    }
    /// `survkit fragility survival …`: the status-flip index of the log-rank test.
    pub fn fragility_command(&self) -> String {
        self.base_command("fragility survival")
    }
    /// `survkit plot fragility …`: the p-value path of the report's fragility index.
    pub fn fragility_plot_command(&self) -> String {
        format!("{} -o fragility.svg", self.base_command("plot fragility"))
    }
}

/// A word for a shell command line, quoted when it needs to be.
fn quote(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-/,=+:".contains(c))
    {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// One analysis section: its title, the command reproducing it, and its output (or why it
/// could not be computed).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Section {
    /// The section's heading.
    pub title: String,
    /// The survkit command line that reproduces the output.
    pub command: String,
    /// The text table the command prints, or a line saying why it could not be computed.
    pub output: String,
    /// A figure shown with the section.
    pub figure: Option<SectionFigure>,
}

/// A figure of a section: inline SVG, the command that draws it, and the name of its file
/// beside a Markdown report (`STEM-NAME.svg`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SectionFigure {
    /// The figure's name, for its file beside a Markdown report.
    pub name: String,
    /// The figure's alternative text.
    pub alt: String,
    /// The inline SVG, or an HTML paragraph saying why it could not be drawn.
    pub svg: String,
    /// The survkit command line that draws the figure.
    pub command: String,
}

/// Rows, events and follow-up of one arm.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArmSummary {
    /// The group level ("all" without a group column).
    pub group: String,
    /// Rows of the arm.
    pub n: usize,
    /// Events in the arm.
    pub events: usize,
    /// Median follow-up by the reverse Kaplan–Meier method (censoring as the event).
    pub median_follow_up: Option<f64>,
    /// Longest follow-up time in the arm (data time unit).
    pub max_follow_up: f64,
}

/// The report's content.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// What was analysed.
    pub spec: ReportSpec,
    /// Rows used (after dropped rows).
    pub rows_used: usize,
    /// The dropped rows in words, or "no rows dropped".
    pub dropped: String,
    /// Notes on how the data were read, shown under the data summary (none for a 0/1 event).
    pub notes: Vec<String>,
    /// Per-arm counts and follow-up, in the group's level order.
    pub arms: Vec<ArmSummary>,
    /// The Kaplan–Meier figure with risk table, as SVG.
    pub km_svg: String,
    /// The analysis sections in order: Kaplan–Meier, log-rank, Cox, RMST, bootstrap, fragility,
    /// then the function sections when added.
    pub sections: Vec<Section>,
}

/// `figure` as inline SVG (no XML declaration), or a paragraph saying why it could not be drawn.
fn inline_svg<F: Figure>(figure: Result<F, crate::plot::PlotError>, layout: &PlotOptions) -> String {
    figure
        .and_then(|f| render(&f, ImageFormat::Svg, layout.size()))
        .map(|bytes| {
            let svg = String::from_utf8_lossy(&bytes);
            svg[svg.find("<svg").unwrap_or(0)..].to_string()
        })
        .unwrap_or_else(|e| {
            format!(
                "<p class=\"error\">The figure could not be drawn: {}</p>",
                escape(&e.to_string())
            )
        })
}

impl Report {
    /// Runs every analysis. `base` holds the time, event and group columns; `cox_data` also the
    /// group as a factor covariate and the covariates; `rmst_data` the group and the covariates
    /// as numbers (as each command loads them, so its rows and numbers are the command's).
    ///
    /// # Example
    /// ```
    /// use survkit::report::{Report, ReportSpec};
    /// use survkit::{Columns, SurvData};
    /// let (file, columns) = ("datasets/aml.csv", Columns::new("time", "status").group("x"));
    /// let data = SurvData::read_csv(file, &columns)?;
    /// let cox_data = SurvData::read_csv(file, &columns.covariates(["x"]).factors(["x"]))?;
    /// let (time, event, group) = ("time".into(), "status".into(), "x".into());
    /// let (covariates, tau, reference) = (Vec::new(), None, None);
    /// let spec = ReportSpec { file: file.into(), time, event, group, reference, covariates, tau };
    /// let report = Report::build(&spec, &data, &cox_data, &data);
    /// assert_eq!((report.arms[0].n, report.arms[0].events), (11, 7));
    /// assert!(report.html().contains("<svg"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn build(spec: &ReportSpec, base: &SurvData, cox_data: &SurvData, rmst_data: &SurvData) -> Report {
        let km_figure = KmFigure::build(
            base,
            &PlotOptions::default(),
            &KmPlotOptions {
                ci: true,
                median: true,
                risk_table: true,
                annotate: false,
                ..Default::default()
            },
        );
        let km_svg = inline_svg(km_figure, &PlotOptions::default());
        let mut sections = Vec::new();
        sections.push(Section {
            title: "Kaplan–Meier estimates and medians".into(),
            command: spec.km_command(),
            output: KaplanMeier::fit(base, &KmOptions::default()).map_or_else(not_computed, |fit| fit.table()),
            figure: None,
        });
        sections.push(Section {
            title: "Log-rank test".into(),
            command: spec.logrank_command(),
            output: LogRank::test(base, &LogRankOptions::default()).map_or_else(not_computed, |t| t.table()),
            figure: None,
        });
        let cox_options = CoxOptions {
            zph: Some(ZphTransform::Km),
            ..Default::default()
        };
        sections.push(Section {
            title: "Cox model: likelihood-ratio, Wald and score tests; proportional-hazards test".into(),
            command: spec.cox_command(),
            output: Cox::fit(cox_data, &cox_options).map_or_else(not_computed, |fit| fit.table()),
            figure: None,
        });
        let rmst_options = RmstOptions {
            tau: spec.tau,
            covariates: spec.covariates.clone(),
            ..Default::default()
        };
        sections.push(Section {
            title: "Restricted mean survival time with contrasts".into(),
            command: spec.rmst_command(),
            output: Rmst::fit(rmst_data, &rmst_options).map_or_else(not_computed, |fit| {
                if !more_than_two_arms(rmst_data) {
                    return fit.table();
                }
                // as `survkit rmst` with more than two arms: each arm against the reference at
                // the τ of all arms, beside the fit of all arms
                let fixed = RmstOptions {
                    tau: Some(fit.tau),
                    ..rmst_options.clone()
                };
                let p_of = |r: &Rmst| r.contrasts.first().and_then(|c| c.difference.p_value);
                Comparisons::run(rmst_data, None, Adjustment::None, |pair| Rmst::fit(pair, &fixed), p_of).map_or_else(
                    not_computed,
                    |mut arms| {
                        arms.global = Some(fit);
                        arms.table()
                    },
                )
            }),
            figure: None,
        });
        sections.push(bootstrap_section(spec, rmst_data));
        sections.push(fragility_section(spec, base));
        Report {
            spec: spec.clone(),
            rows_used: base.n_rows(),
            dropped: if base.dropped.count > 0 {
                base.dropped.to_string()
            } else {
                "no rows dropped".into()
            },
            notes: Vec::new(),
            arms: arm_summaries(base),
            km_svg,
            sections,
        }
    }

    /// One self-contained HTML page.
    pub fn html(&self) -> String {
        let mut out = String::new();
        let title = format!("survkit reanalysis of {}", self.spec.file);
        let _ = write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
            escape(&title),
            escape(&title)
        );
        let _ = write!(
            out,
            "<h2>Data</h2>\n<p>{} rows used; {}.</p>\n",
            self.rows_used,
            escape(&self.dropped)
        );
        out.push_str("<table>\n<tr><th>group</th><th>n</th><th>events</th><th>median follow-up</th><th>longest follow-up</th></tr>\n");
        for arm in &self.arms {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&arm.group),
                arm.n,
                arm.events,
                arm.median_follow_up.map_or("NA".into(), num),
                num(arm.max_follow_up)
            );
        }
        out.push_str("</table>\n<p class=\"note\">Median follow-up by the reverse Kaplan–Meier method (censoring as the event).</p>\n");
        for note in &self.notes {
            let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(note));
        }
        let _ = write!(
            out,
            "<h2>Kaplan–Meier curves</h2>\n<figure>{}</figure>\n<pre class=\"command\">{}</pre>\n",
            self.km_svg,
            escape(&self.spec.plot_command())
        );
        for section in &self.sections {
            let _ = write!(
                out,
                "<h2>{}</h2>\n<pre class=\"command\">{}</pre>\n<pre>{}</pre>\n",
                escape(&section.title),
                escape(&section.command),
                escape(&section.output)
            );
            if let Some(figure) = &section.figure {
                let _ = write!(
                    out,
                    "<figure>{}</figure>\n<pre class=\"command\">{}</pre>\n",
                    figure.svg,
                    escape(&figure.command)
                );
            }
        }
        out.push_str("<p class=\"note\">Generated by survkit. Every number above is reproduced by the command shown with it.</p>\n</body>\n</html>\n");
        out
    }

    /// Markdown, with the figures in SVG files beside it named `STEM-km.svg` and
    /// `STEM-NAME.svg` for each section figure (see [`Report::figure_files`]).
    pub fn markdown(&self, stem: &str) -> String {
        let figure = format!("{stem}-km.svg");
        let mut out = format!(
            "# survkit reanalysis of {}\n\n## Data\n\n{} rows used; {}.\n\n",
            self.spec.file, self.rows_used, self.dropped
        );
        out.push_str("| group | n | events | median follow-up | longest follow-up |\n|---|---|---|---|---|\n");
        for arm in &self.arms {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                arm.group,
                arm.n,
                arm.events,
                arm.median_follow_up.map_or("NA".into(), num),
                num(arm.max_follow_up)
            );
        }
        for note in &self.notes {
            let _ = write!(out, "\n{note}\n");
        }
        let _ = write!(
            out,
            "\n## Kaplan–Meier curves\n\n![Kaplan–Meier curves with number at risk]({figure})\n\n```text\n{}\n```\n",
            self.spec.plot_command()
        );
        for section in &self.sections {
            let _ = write!(
                out,
                "\n## {}\n\n```text\n$ {}\n{}```\n",
                section.title, section.command, section.output
            );
            if let Some(figure) = &section.figure {
                let _ = write!(
                    out,
                    "\n![{}]({stem}-{}.svg)\n\n```text\n{}\n```\n",
                    figure.alt, figure.name, figure.command
                );
            }
        }
        out
    }

    /// The SVG files a Markdown report with stem `stem` refers to: (file name, content).
    pub fn figure_files(&self, stem: &str) -> Vec<(String, String)> {
        std::iter::once((format!("{stem}-km.svg"), self.km_svg.clone()))
            .chain(
                self.sections
                    .iter()
                    .filter_map(|s| s.figure.as_ref())
                    .map(|f| (format!("{stem}-{}.svg", f.name), f.svg.clone())),
            )
            .collect()
    }
}

/// The bootstrap of the Cox log hazard ratio of the group (with the covariates), its table and
/// histogram from one run.
fn bootstrap_section(spec: &ReportSpec, data: &SurvData) -> Section {
    let options = BootstrapOptions {
        statistic: Statistic::LogHr,
        replicates: 0..BOOTSTRAP_REPLICATES,
        seed: BOOTSTRAP_SEED,
        threads: std::thread::available_parallelism().map_or(1, usize::from),
        ..Default::default()
    };
    let layout = PlotOptions::default();
    let (output, figure) = if more_than_two_arms(data) {
        // as `survkit bootstrap` with more than two arms: each arm against the reference
        let p_of = |b: &Bootstrap| b.estimate_p_value;
        let arms = Comparisons::run(
            data,
            None,
            Adjustment::None,
            |pair| Bootstrap::run(pair, &options),
            p_of,
        );
        (arms.map_or_else(not_computed, |arms| arms.table()), String::new())
    } else {
        match BootstrapReplicates::run(data, &options, &|| {}) {
            Ok(replicates) => (
                replicates.summary().table(),
                inline_svg(BootstrapFigure::from_replicates(&replicates, &layout), &layout),
            ),
            Err(e) => (not_computed(e), String::new()),
        }
    };
    Section {
        title: format!(
            "Bootstrap of the Cox log hazard ratio ({BOOTSTRAP_REPLICATES} replicates, seed {BOOTSTRAP_SEED})"
        ),
        command: spec.bootstrap_command(),
        output,
        figure: (!figure.is_empty()).then(|| SectionFigure {
            name: "bootstrap".into(),
            alt: "Histogram of the bootstrap replicates with the estimate and intervals".into(),
            svg: figure,
            command: spec.bootstrap_plot_command(),
        }),
    }
}

/// The status-flip fragility index of the log-rank test, its table and p-value path.
fn fragility_section(spec: &ReportSpec, data: &SurvData) -> Section {
    let layout = PlotOptions::default();
    let (output, figure) = if more_than_two_arms(data) {
        // as `survkit fragility survival` with more than two arms: each arm (experimental)
        // against the reference
        let analyse = |pair: &SurvData| {
            let options = SurvivalOptions {
                experimental: crate::comparisons::arm_of(pair),
                ..Default::default()
            };
            SurvivalFragility::compute(pair, &options)
        };
        let arms = Comparisons::run(data, None, Adjustment::None, analyse, |f| Some(f.p_value));
        (arms.map_or_else(not_computed, |arms| arms.table()), String::new())
    } else {
        match SurvivalFragility::compute(data, &SurvivalOptions::default()) {
            Ok(result) => (
                result.table(),
                inline_svg(Ok(FragilityFigure::from_result(&result, &layout)), &layout),
            ),
            Err(e) => (not_computed(e), String::new()),
        }
    };
    Section {
        title: "Fragility: status-flip fragility index of the log-rank test".into(),
        command: spec.fragility_command(),
        output,
        figure: (!figure.is_empty()).then(|| SectionFigure {
            name: "fragility".into(),
            alt: "p-value path of the status-flip fragility index".into(),
            svg: figure,
            command: spec.fragility_plot_command(),
        }),
    }
}

/// Whether the group has more than two arms: then the two-arm sections compare each arm with
/// the reference, as their commands do.
fn more_than_two_arms(data: &SurvData) -> bool {
    data.group.as_ref().is_some_and(|g| g.n_levels() > 2)
}

/// Per-arm counts and follow-up (reverse Kaplan–Meier median: censoring as the event).
fn arm_summaries(data: &SurvData) -> Vec<ArmSummary> {
    let mut reverse = data.clone();
    reverse.event = data.event.iter().map(|e| !e).collect();
    reverse.order_cache = std::sync::OnceLock::new();
    let follow_up = KaplanMeier::fit(&reverse, &KmOptions::default()).ok();
    let levels: Vec<String> = data
        .group
        .as_ref()
        .map_or_else(|| vec!["all".to_string()], |g| g.levels.clone());
    levels
        .iter()
        .enumerate()
        .map(|(k, level)| {
            let rows: Vec<usize> = (0..data.n_rows())
                .filter(|&i| data.group.as_ref().is_none_or(|g| g.codes[i] as usize == k))
                .collect();
            ArmSummary {
                group: level.clone(),
                n: rows.len(),
                events: rows.iter().filter(|&&i| data.event[i]).count(),
                median_follow_up: follow_up
                    .as_ref()
                    .and_then(|f| f.curves.iter().find(|c| c.group.as_deref().is_none_or(|g| g == level)))
                    .and_then(|c| c.median.estimate),
                max_follow_up: rows.iter().map(|&i| data.time[i]).fold(0.0, f64::max),
            }
        })
        .collect()
}

/// Text escaped for HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const CSS: &str = "body{font-family:'DejaVu Sans',Verdana,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#111;line-height:1.4}\
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}\
table{border-collapse:collapse}td,th{padding:.2em .8em;border-bottom:1px solid #ddd;text-align:right}td:first-child,th:first-child{text-align:left}\
pre{background:#f6f6f6;padding:.6em;overflow-x:auto;font-size:.85em}pre.command{background:#eef4fa;border-left:3px solid #0072B2}\
figure{margin:0}figure svg{max-width:100%;height:auto}.note{color:#555;font-size:.9em}\
.error{color:#D55E00}";

/// The text of a section whose analysis could not be done on these data: the reason, marked.
fn not_computed(error: impl std::fmt::Display) -> String {
    format!("Not computed: {error}")
}
