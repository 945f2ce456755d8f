//! `survkit report --score`: the win-statistics and CAFS sections show exactly what their
//! commands print, and their figures are written beside a Markdown report.

mod common;

use common::survkit;

#[test]
fn report_sections_match_their_commands() {
    sections_match_their_commands(&[]);
}

/// A hierarchy of three levels: the sections' commands carry the margin and the later score.
#[test]
fn report_sections_of_a_hierarchy_match_their_commands() {
    sections_match_their_commands(&["--threshold", "2", "--then", "fvc_change:higher:5"]);
}

fn sections_match_their_commands(hierarchy: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("als.md");
    let file = common::ALS_FUNCTION;
    let mut report = vec!["report", file];
    report.extend(common::ALS_FUNCTION_COLUMNS);
    report.extend(hierarchy);
    report.extend(["--format", "md", "-o", out.to_str().unwrap()]);
    let run = survkit(&report);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let md = std::fs::read_to_string(&out).unwrap();
    for (command, extra) in [("win", vec![]), ("cafs", vec!["--seed", "1"])] {
        let mut args = vec![command, file];
        args.extend(common::ALS_FUNCTION_COLUMNS);
        args.extend(hierarchy);
        args.extend(extra);
        let printed = String::from_utf8(survkit(&args).stdout).unwrap();
        assert!(
            md.contains(&format!("$ survkit {}\n{printed}", args.join(" "))),
            "{command} section differs"
        );
    }
    for figure in ["win", "cafs"] {
        assert!(dir.path().join(format!("als-{figure}.svg")).exists(), "{figure} figure");
    }
    // the breakdown has a bar group for every level of the hierarchy
    let svg = std::fs::read_to_string(dir.path().join("als-win.svg")).unwrap();
    let later = hierarchy.contains(&"--then");
    assert_eq!(svg.contains("decided on fvc_change"), later);
}
