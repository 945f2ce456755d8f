//! `--formula` as an alternative spelling of the column options: for km, logrank, cox, rmst,
//! bootstrap, permutation and survival fragility
//! on lung, both spellings give byte-identical output (every format) and the same notes.

mod common;

use common::survkit;

/// Runs both spellings of one command (`fragility survival`: words apart) with the same extra arguments and compares the bytes.
fn same_output(command: &str, columns: &[&str], formula: &str, extra: &[&str]) {
    for format in ["table", "json", "csv"] {
        let tail = [extra, &["--format", format][..]].concat();
        let words: Vec<&str> = command.split(' ').chain(["datasets/lung.csv"]).collect();
        let by_columns = survkit(&[&words[..], columns, &tail].concat());
        let by_formula = survkit(&[&words[..], &["--formula", formula][..], &tail].concat());
        assert!(
            by_columns.status.success(),
            "{command} {columns:?}: {}",
            String::from_utf8_lossy(&by_columns.stderr)
        );
        assert_eq!(by_columns.status, by_formula.status, "{formula}");
        assert_eq!(
            String::from_utf8_lossy(&by_columns.stdout),
            String::from_utf8_lossy(&by_formula.stdout),
            "{command} {formula} --format {format}"
        );
        assert_eq!(by_columns.stderr, by_formula.stderr, "{formula}");
    }
}

const TIME_EVENT: [&str; 4] = ["--time", "time", "--event", "status"];

#[test]
fn km() {
    same_output(
        "km",
        &[&TIME_EVENT[..], &["--group", "sex"]].concat(),
        "Surv(time, status) ~ sex",
        &["--at", "365"],
    );
    same_output("km", &TIME_EVENT, "Surv(time, status) ~ 1", &[]);
    same_output(
        "km",
        &[&TIME_EVENT[..], &["--group", "sex", "--strata", "ph.ecog"]].concat(),
        "Surv(time, status) ~ sex + strata(ph.ecog)",
        &[],
    );
}

#[test]
fn logrank() {
    same_output(
        "logrank",
        &[&TIME_EVENT[..], &["--group", "sex"]].concat(),
        "Surv(time, status) ~ sex",
        &[],
    );
    same_output(
        "logrank",
        &[&TIME_EVENT[..], &["--group", "ph.ecog", "--strata", "sex"]].concat(),
        "Surv(time, status) ~ ph.ecog + strata(sex)",
        &["--weights", "fh:0,1"],
    );
}

#[test]
fn cox() {
    same_output(
        "cox",
        &[
            &TIME_EVENT[..],
            &[
                "--covariates",
                "age,sex,ph.ecog",
                "--factors",
                "ph.ecog",
                "--strata",
                "inst",
            ],
        ]
        .concat(),
        "Surv(time, status) ~ age + sex + factor(ph.ecog) + strata(inst)",
        &[],
    );
    same_output(
        "cox",
        &[
            &TIME_EVENT[..],
            &[
                "--event-value",
                "2",
                "--covariates",
                "sex,age",
                "--factors",
                "sex",
                "--reference",
                "sex=2",
                "--cluster",
                "inst",
            ],
        ]
        .concat(),
        "Surv(time, status == 2) ~ relevel(sex, ref = 2) + age + cluster(inst)",
        &["--ties", "breslow"],
    );
}

#[test]
fn rmst() {
    same_output(
        "rmst",
        &[&TIME_EVENT[..], &["--group", "sex"]].concat(),
        "Surv(time, status) ~ sex",
        &["--tau", "365"],
    );
    same_output(
        "rmst",
        &[&TIME_EVENT[..], &["--group", "sex", "--covariates", "age,ph.ecog"]].concat(),
        "Surv(time, status) ~ sex + age + ph.ecog",
        &[],
    );
}

#[test]
fn formula_errors_point_at_the_problem() {
    let out = survkit(&["km", "datasets/lung.csv", "--formula", "Surv(time, status ~ sex"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("expected ')', found '~' at position 19:\n  Surv(time, status ~ sex\n                    ^"),
        "{stderr}"
    );
    let out = survkit(&["cox", "datasets/lung.csv", "--formula", "Surv(time, status) ~ agee"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("column 'agee'"));
    let out = survkit(&[
        "cox",
        "datasets/lung.csv",
        "--formula",
        "Surv(time, status) ~ age",
        "--covariates",
        "age",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = survkit(&[
        "plot",
        "km",
        "datasets/lung.csv",
        "--formula",
        "Surv(time, status) ~ sex",
        "-o",
        "never-written.svg",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--formula is not available for this command yet"));
}

#[test]
fn bootstrap() {
    same_output(
        "bootstrap",
        &[
            &TIME_EVENT[..],
            &["--group", "sex", "--covariates", "age,ph.ecog", "--factors", "ph.ecog"],
        ]
        .concat(),
        "Surv(time, status) ~ sex + age + factor(ph.ecog)",
        &["--statistic", "log-hr", "--replicates", "100", "--seed", "11"],
    );
    same_output(
        "bootstrap",
        &[&TIME_EVENT[..], &["--group", "sex", "--strata", "ph.ecog"]].concat(),
        "Surv(time, status) ~ sex + strata(ph.ecog)",
        &["--statistic", "hr", "--replicates", "100", "--seed", "11"],
    );
    same_output(
        "bootstrap",
        &[&TIME_EVENT[..], &["--group", "sex"]].concat(),
        "Surv(time, status) ~ sex",
        &["--statistic", "rmst-diff", "--replicates", "100", "--seed", "11"],
    );
}

#[test]
fn permutation_and_fragility() {
    let sex = [&TIME_EVENT[..], &["--group", "sex"]].concat();
    let formula = "Surv(time, status) ~ sex";
    same_output("permutation", &sex, formula, &["--seed", "5", "--permutations", "500"]);
    same_output("fragility survival", &sex, formula, &[]);
}
