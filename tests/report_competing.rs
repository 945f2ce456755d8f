//! `survkit report` on a status with causes: the competing-risks sections show exactly what
//! their commands print, and a report on a 0/1 event column is what it was before them.

mod common;

use common::survkit;

/// Runs `survkit report FILE ARGS --format md` into `STEM.md` in a temporary folder (STEM the
/// file's stem); returns the Markdown and the folder.
fn report_md(file: &str, args: &[&str]) -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let stem = std::path::Path::new(file).file_stem().unwrap();
    let out = dir.path().join(stem).with_extension("md");
    let mut all = vec!["report", file];
    all.extend(args);
    all.extend(["--format", "md", "-o", out.to_str().unwrap()]);
    let run = survkit(&all);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    (std::fs::read_to_string(&out).unwrap(), dir)
}

#[test]
fn competing_sections_match_survkit_cif_and_finegray() {
    let (md, dir) = report_md(
        "datasets/mgus2_cr.csv",
        &["--time", "time", "--event", "status", "--group", "sex"],
    );
    assert!(md.contains("holds causes 1, 2 (censoring value '0')"));
    let commands: Vec<&str> = md
        .lines()
        .filter_map(|line| line.strip_prefix("$ survkit "))
        .filter(|command| command.starts_with("cif ") || command.starts_with("finegray "))
        .collect();
    // the cumulative incidence at the quartiles of follow-up with the time lost up to the end
    // of the shorter follow-up, then a Fine–Gray model per cause
    assert_eq!(
        commands,
        [
            "cif datasets/mgus2_cr.csv --time time --event status --group sex --censor-value 0 --at 37,81,136 --tau 394",
            "finegray datasets/mgus2_cr.csv --time time --event status --censor-value 0 --cause 1 --covariates sex --factors sex",
            "finegray datasets/mgus2_cr.csv --time time --event status --censor-value 0 --cause 2 --covariates sex --factors sex",
        ]
    );
    for command in commands {
        let args: Vec<&str> = command.split(' ').collect();
        let run = survkit(&args);
        assert!(
            run.status.success(),
            "{command}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        let printed = String::from_utf8(run.stdout).unwrap();
        assert!(
            md.contains(&format!("$ survkit {command}\n{printed}")),
            "{command}: section differs"
        );
    }
    for needle in ["Gray's test", "Restricted mean time lost", "sex=M  0.2328  1.262"] {
        assert!(md.contains(needle), "{needle}");
    }
    // the figure beside the report is the stacked figure its command draws
    let figure = std::fs::read_to_string(dir.path().join("mgus2_cr-cif.svg")).unwrap();
    let svg = dir.path().join("cif.svg");
    let plot = "plot cif datasets/mgus2_cr.csv --time time --event status --group sex --censor-value 0 --layout stacked --risk-table -o";
    assert!(md.contains(&format!("survkit {plot} cif.svg")));
    let mut args: Vec<&str> = plot.split(' ').collect();
    let svg_arg = svg.to_str().unwrap();
    args.push(svg_arg);
    assert!(survkit(&args).status.success());
    let drawn = std::fs::read_to_string(&svg).unwrap();
    assert_eq!(figure, drawn[drawn.find("<svg").unwrap()..]);
}

#[test]
fn a_report_on_a_0_1_event_is_unchanged() {
    let args = ["--time", "time", "--event", "status", "--group", "x"];
    let (md, _dir) = report_md("datasets/aml.csv", &args);
    // written by the report before the competing-risks sections existed
    let path = format!("{}/tests/golden/report_aml.md", env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("SURVKIT_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &md).unwrap();
    }
    assert_eq!(md, std::fs::read_to_string(&path).unwrap());
    assert!(!md.contains("Competing risks"));
    // --censor-value applies only to a status with causes
    let (with_censor, _dir) = report_md("datasets/aml.csv", &[&args[..], &["--censor-value", "7"]].concat());
    assert_eq!(md, with_censor);
}

#[test]
fn a_competing_section_that_cannot_be_computed_is_a_note() {
    // τ beyond the men's follow-up: the cumulative incidence section says why, the report is written
    let (md, _dir) = report_md(
        "datasets/mgus2_cr.csv",
        &["--time", "time", "--event", "status", "--group", "sex", "--tau", "1000"],
    );
    let section = &md[md.find("## Competing risks").unwrap()..];
    assert!(section.contains("Not computed: "), "{section}");
    assert!(section.contains("beyond the follow-up"));
}

/// A three-arm report with a named reference (colon, Obs): every single-event section shows
/// exactly what its printed command prints (the RMST, bootstrap and fragility ones a block per
/// comparison with Obs), and each command names the reference.
#[test]
fn a_three_arm_report_with_a_reference_matches_its_commands() {
    let (md, _dir) = report_md(
        "datasets/colon.csv",
        &[
            "--time",
            "time",
            "--event",
            "status",
            "--group",
            "rx",
            "--reference",
            "Obs",
        ],
    );
    let commands: Vec<&str> = md
        .lines()
        .filter_map(|line| line.strip_prefix("$ survkit "))
        .filter(|command| !command.starts_with("plot ") && !command.contains(" -o "))
        .collect();
    assert_eq!(commands.len(), 6, "{commands:?}");
    for command in commands {
        assert!(command.contains("--reference rx=Obs"), "{command}");
        let args: Vec<&str> = command.split(' ').collect();
        let run = survkit(&args);
        assert!(
            run.status.success(),
            "{command}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        let printed = String::from_utf8(run.stdout).unwrap();
        assert!(
            md.contains(&format!("$ survkit {command}\n{printed}")),
            "{command}: section differs"
        );
    }
    for needle in [
        "== rx=Lev vs rx=Obs",
        "== rx=Lev+5FU vs rx=Obs",
        "rx=Lev+5FU vs rx=Obs  0.001978",
    ] {
        assert!(md.contains(needle), "{needle}");
    }
}
