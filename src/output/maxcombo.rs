//! MaxCombo results as table and CSV.

use std::fmt::Write as _;

use super::{Render, TextTable, csv_line, csv_num, num, p_equals, pvalue, write_notes_csv, write_notes_text};
use crate::maxcombo::MaxCombo;

impl Render for MaxCombo {
    fn table(&self) -> String {
        let mut out = String::new();
        let strata = self
            .strata_column
            .as_ref()
            .map_or_else(String::new, |s| format!(", stratified by {s}"));
        let _ = writeln!(
            out,
            "MaxCombo test, groups: {} ({} vs {}){strata}\n",
            self.group_column,
            self.groups.get(1).map_or("", String::as_str),
            self.groups.first().map_or("", String::as_str),
        );
        let mut t = TextTable::new(["weights", "U (O-E)", "variance", "z", "p alone"]);
        for s in &self.statistics {
            t.row(vec![
                s.weights.to_string(),
                num(s.u),
                num(s.variance),
                num(s.z),
                pvalue(s.p_value),
            ]);
        }
        out.push_str(&t.render());
        let _ = writeln!(
            out,
            "\nmax |z| = {}, {} (joint normal; integration error < {:.1e})",
            num(self.statistic),
            p_equals(self.p_value),
            self.p_value_error.max(1e-16)
        );
        write_notes_text(&mut out, &self.dropped_rows, &self.warnings);
        out
    }

    fn csv(&self) -> String {
        let mut out = String::new();
        write_notes_csv(&mut out, &self.dropped_rows, &self.warnings);
        let header = [
            "weights",
            "u",
            "variance",
            "z",
            "p_value",
            "max_abs_z",
            "maxcombo_p_value",
            "p_value_error",
        ];
        out.push_str(&csv_line(&header.map(String::from)));
        for s in &self.statistics {
            out.push_str(&csv_line(&[
                s.weights.to_string(),
                csv_num(Some(s.u)),
                csv_num(Some(s.variance)),
                csv_num(Some(s.z)),
                csv_num(Some(s.p_value)),
                csv_num(Some(self.statistic)),
                csv_num(Some(self.p_value)),
                csv_num(Some(self.p_value_error)),
            ]));
        }
        out
    }
}

crate::display_as_table!(MaxCombo);
