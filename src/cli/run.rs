//! Running a parsed command: load, compute, render, write.

use std::io::Write;
use std::path::Path;

use anyhow::anyhow;
use survkit::{Columns, SurvData};

use super::Failure;
use super::args::{Cli, Command, DataArgs, OutputArgs};

pub fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Km(args) => super::km::run(args),
        Command::Logrank(args) => super::logrank::run(args),
        Command::Cox(args) => super::cox::run(args),
        Command::Rmst(args) => super::rmst::run(args),
        Command::Bootstrap(args) => super::bootstrap::run(args),
        Command::Permutation(args) => super::permutation::run(args),
        Command::Fragility(args) => super::fragility::run(args),
        Command::Reconstruct(args) => super::reconstruct::run(args),
        Command::Plot(args) => super::plot::run(args),
        Command::Report(args) => super::report::run(args),
        Command::Design(args) => super::design::run(args),
        Command::Simulate(args) => super::simulate::run(args),
    }
}

/// Builds the column spec from the arguments and reads the file.
pub fn load(args: &DataArgs) -> Result<SurvData, Failure> {
    load_with(args, |columns| columns)
}

/// As [`load`], letting a command add columns of its own (covariates, clusters).
pub fn load_with(args: &DataArgs, extra: impl FnOnce(Columns) -> Columns) -> Result<SurvData, Failure> {
    let mut columns = Columns::new(&args.time, &args.event).strict(args.strict);
    columns.group.clone_from(&args.group);
    columns.strata.clone_from(&args.strata);
    columns.entry.clone_from(&args.entry);
    columns.weight.clone_from(&args.weight);
    columns.event_value.clone_from(&args.event_value);
    for spec in &args.reference {
        let (column, level) = spec
            .split_once('=')
            .ok_or_else(|| Failure::input(anyhow!("--reference expects COL=LEVEL, got '{spec}'")))?;
        columns = columns.reference(column.trim(), level.trim());
    }
    SurvData::read_csv(&args.file, &extra(columns)).map_err(Failure::input)
}

/// Dropped rows and warnings always go to stderr too, whatever the format.
pub fn report_to_stderr(data: &SurvData, warnings: &[String]) {
    if data.dropped.count > 0 {
        eprintln!("note: {}", data.dropped);
    }
    for w in warnings {
        eprintln!("warning: {w}");
    }
}

/// Writes the whole text to the output file (via a temporary file renamed into place) or to
/// stdout. A closed stdout pipe is not an error.
pub fn emit(output: &OutputArgs, text: &str) -> Result<(), Failure> {
    match &output.output {
        Some(path) => write_atomically(path, text).map_err(Failure::input),
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout.write_all(text.as_bytes()).and_then(|_| stdout.flush()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Failure::analysis(e)),
                _ => Ok(()),
            }
        }
    }
}

pub fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    write_bytes_atomically(path, text.as_bytes())
}

/// As [`write_atomically`], for bytes (images).
pub fn write_bytes_atomically(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| anyhow!("{}: not a file name", path.display()))?
        .to_string_lossy();
    let tmp = dir.join(format!(".{name}.survkit-tmp"));
    std::fs::write(&tmp, contents).map_err(|e| anyhow!("{}: cannot write: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        anyhow!("{}: cannot write: {e}", path.display())
    })
}
