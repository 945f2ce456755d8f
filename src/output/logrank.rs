//! Log-rank results as table and CSV.

use std::fmt::Write as _;

use super::{Render, TextTable, csv_line, csv_num, num, p_equals, write_notes_csv, write_notes_text};
use crate::logrank::LogRank;

impl Render for LogRank {
    fn table(&self) -> String {
        let mut out = String::new();
        let kind = if self.trend { "trend test" } else { "test" };
        let strata = self
            .strata_column
            .as_ref()
            .map_or_else(String::new, |s| format!(", stratified by {s}"));
        let _ = writeln!(
            out,
            "Log-rank family {kind}, weights: {}, groups: {}{strata}\n",
            self.weights, self.group_column
        );
        let weighted = self.weights != crate::logrank::Weights::LogRank;
        let mut header = vec!["group", "n", "observed", "expected"];
        if weighted {
            header.extend(["weighted O", "weighted E"]);
        }
        header.extend(["(O-E)^2/E", "(O-E)^2/V"]);
        let mut t = TextTable::new(header);
        for g in &self.groups {
            let (o, e) = if weighted {
                (g.weighted_observed, g.weighted_expected)
            } else {
                (g.observed, g.expected)
            };
            let mut row = vec![g.group.clone(), g.n.to_string(), num(g.observed), num(g.expected)];
            if weighted {
                row.extend([num(o), num(e)]);
            }
            row.extend([
                num((o - e) * (o - e) / e),
                num(g.weighted_o_minus_e * g.weighted_o_minus_e / g.variance),
            ]);
            t.row(row);
        }
        out.push_str(&t.render());
        let _ = writeln!(
            out,
            "\nChisq = {} on {} degrees of freedom, {}",
            num(self.statistic),
            num(self.df),
            p_equals(self.p_value)
        );
        write_notes_text(&mut out, &self.dropped_rows, &self.warnings);
        out
    }

    fn csv(&self) -> String {
        let mut out = String::new();
        write_notes_csv(&mut out, &self.dropped_rows, &self.warnings);
        let header = [
            "group",
            "n",
            "observed",
            "expected",
            "weighted_observed",
            "weighted_expected",
            "weighted_o_minus_e",
            "variance",
            "statistic",
            "df",
            "p_value",
            "weights",
            "trend",
        ];
        out.push_str(&csv_line(&header.map(String::from)));
        for g in &self.groups {
            out.push_str(&csv_line(&[
                g.group.clone(),
                g.n.to_string(),
                csv_num(Some(g.observed)),
                csv_num(Some(g.expected)),
                csv_num(Some(g.weighted_observed)),
                csv_num(Some(g.weighted_expected)),
                csv_num(Some(g.weighted_o_minus_e)),
                csv_num(Some(g.variance)),
                csv_num(Some(self.statistic)),
                csv_num(Some(self.df)),
                csv_num(Some(self.p_value)),
                self.weights.to_string(),
                self.trend.to_string(),
            ]));
        }
        out
    }
}

crate::display_as_table!(LogRank);
