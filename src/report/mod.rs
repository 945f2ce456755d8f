//! The one-command reanalysis report: data summary, Kaplan–Meier figure with risk table,
//! medians, log-rank test, Cox model (likelihood-ratio, Wald and score tests side by side, the
//! proportional-hazards test), RMST with contrasts, and for every number the survkit command
//! line that reproduces it. Written as one self-contained HTML page (inline SVG and CSS, no
//! scripts, nothing fetched) or as Markdown with the figure in an SVG file beside it.
//!
//! Each analysis section shows the same table its command prints, so the report and the
//! commands cannot disagree. Sections for the bootstrap and fragility analyses are marked as
//! placeholders until those analyses land.

use std::fmt::Write as _;

use serde::Serialize;

use crate::cox::zph::ZphTransform;
use crate::data::SurvData;
use crate::output::{Render, num};
use crate::plot::{ImageFormat, KmFigure, KmPlotOptions, PlotOptions, render};
use crate::{Cox, CoxOptions, KaplanMeier, KmOptions, LogRank, LogRankOptions, Rmst, RmstOptions};

/// What the report analyses: the file and columns as the user named them (for the command
/// lines), and τ.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportSpec {
    pub file: String,
    pub time: String,
    pub event: String,
    pub group: String,
    /// Numeric covariates added to the Cox model and the adjusted RMST.
    pub covariates: Vec<String>,
    pub tau: Option<f64>,
}

impl ReportSpec {
    fn base_command(&self, command: &str) -> String {
        format!(
            "survkit {command} {} --time {} --event {} --group {}",
            quote(&self.file),
            quote(&self.time),
            quote(&self.event),
            quote(&self.group)
        )
    }
    /// `survkit km …` for the report's curves and medians.
    pub fn km_command(&self) -> String {
        self.base_command("km")
    }
    pub fn plot_command(&self) -> String {
        format!("{} --risk-table --ci --median -o km.svg", self.base_command("plot km"))
    }
    pub fn logrank_command(&self) -> String {
        self.base_command("logrank")
    }
    pub fn cox_command(&self) -> String {
        let covariates: Vec<&str> = std::iter::once(self.group.as_str())
            .chain(self.covariates.iter().map(String::as_str))
            .collect();
        format!(
            "survkit cox {} --time {} --event {} --covariates {} --factors {} --zph",
            quote(&self.file),
            quote(&self.time),
            quote(&self.event),
            quote(&covariates.join(",")),
            quote(&self.group)
        )
    }
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
    pub title: String,
    pub command: String,
    pub output: String,
}

/// Rows, events and follow-up of one arm.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArmSummary {
    pub group: String,
    pub n: usize,
    pub events: usize,
    /// Median follow-up by the reverse Kaplan–Meier method (censoring as the event).
    pub median_follow_up: Option<f64>,
    pub max_follow_up: f64,
}

/// The report's content.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub spec: ReportSpec,
    pub rows_used: usize,
    pub dropped: String,
    pub arms: Vec<ArmSummary>,
    /// The Kaplan–Meier figure with risk table, as SVG.
    pub km_svg: String,
    pub sections: Vec<Section>,
    /// Analyses not yet available in survkit, shown as marked placeholders.
    pub placeholders: Vec<String>,
}

/// Sections still to come, with the issue that brings each.
const PLACEHOLDERS: [&str; 2] = [
    "Bootstrap intervals: not yet available (survkit's bootstrap and permutation engine will fill this section).",
    "Fragility: not yet available (survkit's fragility indices and their p-value path plot will fill this section).",
];

impl Report {
    /// Runs every analysis. `base` holds the time, event and group columns; `cox_data` also the
    /// group as a factor covariate and the covariates; `rmst_data` the group and the covariates
    /// as numbers (as each command loads them, so its rows and numbers are the command's).
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
        let km_svg = km_figure
            .and_then(|f| render(&f, ImageFormat::Svg, (f.layout.width, f.layout.height)))
            .map(|bytes| {
                let svg = String::from_utf8_lossy(&bytes);
                // inline SVG: no XML declaration
                svg[svg.find("<svg").unwrap_or(0)..].to_string()
            })
            .unwrap_or_else(|e| {
                format!(
                    "<p class=\"error\">The figure could not be drawn: {}</p>",
                    escape(&e.to_string())
                )
            });
        let mut sections = Vec::new();
        sections.push(Section {
            title: "Kaplan–Meier estimates and medians".into(),
            command: spec.km_command(),
            output: KaplanMeier::fit(base, &KmOptions::default()).map_or_else(|e| e.to_string(), |fit| fit.table()),
        });
        sections.push(Section {
            title: "Log-rank test".into(),
            command: spec.logrank_command(),
            output: LogRank::test(base, &LogRankOptions::default()).map_or_else(|e| e.to_string(), |t| t.table()),
        });
        let cox_options = CoxOptions {
            zph: Some(ZphTransform::Km),
            ..Default::default()
        };
        sections.push(Section {
            title: "Cox model: likelihood-ratio, Wald and score tests; proportional-hazards test".into(),
            command: spec.cox_command(),
            output: Cox::fit(cox_data, &cox_options).map_or_else(|e| e.to_string(), |fit| fit.table()),
        });
        let rmst_options = RmstOptions {
            tau: spec.tau,
            covariates: spec.covariates.clone(),
            ..Default::default()
        };
        sections.push(Section {
            title: "Restricted mean survival time with contrasts".into(),
            command: spec.rmst_command(),
            output: Rmst::fit(rmst_data, &rmst_options).map_or_else(|e| e.to_string(), |fit| fit.table()),
        });
        Report {
            spec: spec.clone(),
            rows_used: base.n_rows(),
            dropped: if base.dropped.count > 0 {
                base.dropped.to_string()
            } else {
                "no rows dropped".into()
            },
            arms: arm_summaries(base),
            km_svg,
            sections,
            placeholders: PLACEHOLDERS.iter().map(|s| s.to_string()).collect(),
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
        }
        for placeholder in &self.placeholders {
            let _ = writeln!(
                out,
                "<section class=\"placeholder\"><p>{}</p></section>",
                escape(placeholder)
            );
        }
        out.push_str("<p class=\"note\">Generated by survkit. Every number above is reproduced by the command shown with it.</p>\n</body>\n</html>\n");
        out
    }

    /// Markdown, with the figure in the SVG file `figure` (a path relative to the Markdown file).
    pub fn markdown(&self, figure: &str) -> String {
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
        }
        for placeholder in &self.placeholders {
            let _ = write!(out, "\n> {placeholder}\n");
        }
        out
    }
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
.placeholder{border:2px dashed #D55E00;padding:.2em 1em;margin:1.5em 0;color:#555}.error{color:#D55E00}";
