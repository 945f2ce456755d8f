//! Running a parsed command: load, compute, render, write.

use std::io::Write;
use std::path::Path;

use anyhow::anyhow;
use survkit::comparisons::Comparisons;
use survkit::counts::{CountColumns, Counts};
use survkit::model::{Shape, frame_for};
use survkit::{Columns, Formula, Render, SurvData, Table};

use super::Failure;
use super::args::{Cli, Command, ComparisonArgs, CountArgs, DataArgs, OutputArgs};

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
        Command::Plot(args) => super::plot::run(*args),
        Command::Report(args) => super::report::run(args),
        Command::Cif(args) => super::cif::run(args),
        Command::Composite(args) => super::composite::run(args),
        Command::Finegray(args) => super::finegray::run(args),
        Command::Win(args) => super::win::run(args),
        Command::Cafs(args) => super::cafs::run(args),
        Command::Design(args) => super::design::run(args),
        Command::Simulate(args) => super::simulate::run(args),
    }
}

/// Builds the column spec from the arguments (and `extra`: a command's own columns, such as
/// covariates or clusters) and reads the file.
pub fn load_with(args: &DataArgs, extra: impl FnOnce(Columns) -> Columns) -> Result<SurvData, Failure> {
    remember_input(&args.file);
    SurvData::read(&args.file, &extra(columns(args)?)).map_err(Failure::input)
}

/// As [`load_with`], or from `--formula` read as `shape` says (the command's own column options
/// then conflict with it, so `extra` is not used).
pub fn load_model(args: &DataArgs, shape: Shape, extra: impl FnOnce(Columns) -> Columns) -> Result<SurvData, Failure> {
    load_model_and(args, shape, extra, |columns| columns)
}

/// As [`load_model`], reading also the regimen column of `--regimen`, with or without
/// `--formula`.
pub fn load_arms(
    args: &DataArgs,
    comparisons: &ComparisonArgs,
    shape: Shape,
    extra: impl FnOnce(Columns) -> Columns,
) -> Result<SurvData, Failure> {
    load_model_and(
        args,
        shape,
        |columns| comparisons.columns(extra(columns)),
        |columns| comparisons.columns(columns),
    )
}

/// As [`load_model`]; `formula_extra` adds to the columns a formula names.
fn load_model_and(
    args: &DataArgs,
    shape: Shape,
    extra: impl FnOnce(Columns) -> Columns,
    formula_extra: impl FnOnce(Columns) -> Columns,
) -> Result<SurvData, Failure> {
    let Some(formula) = &args.formula else {
        return load_with(args, extra);
    };
    remember_input(&args.file);
    let formula = Formula::parse(formula).map_err(|e| Failure::input(anyhow!("--formula: {e}")))?;
    let table = Table::read(&args.file).map_err(Failure::input)?;
    frame_for(&table, &formula, shape, |columns| {
        columns.weight.clone_from(&args.weight);
        columns.strict = args.strict;
        *columns = formula_extra(std::mem::take(columns));
    })
    .map_err(Failure::input)
}

/// The column spec the arguments describe.
pub fn columns(args: &DataArgs) -> Result<Columns, Failure> {
    let (Some(time), Some(event)) = (&args.time, &args.event) else {
        return Err(Failure::input(match args.formula {
            Some(_) => {
                anyhow!("--formula is not available for this command yet; name the columns with --time and --event")
            }
            None => anyhow!(
                "name the time and event columns with --time COL and --event COL (or give the model with --formula)"
            ),
        }));
    };
    let mut columns = Columns::new(time, event).strict(args.strict);
    columns.group.clone_from(&args.group);
    columns.strata.clone_from(&args.strata);
    columns.entry.clone_from(&args.entry);
    columns.weight.clone_from(&args.weight);
    columns.event_value.clone_from(&args.event_value);
    for spec in &args.reference {
        let (column, level) = parse_reference(spec)?;
        columns = columns.reference(column, level);
    }
    Ok(columns)
}

/// Reads the counts file of `--counts`, its columns named by the column options; a column
/// called `stratum` is read as the strata only by a command that `takes_strata` (otherwise
/// its rows are summed over it).
pub fn load_counts(args: &DataArgs, counts: &CountArgs, takes_strata: bool) -> Result<Counts, Failure> {
    remember_input(&args.file);
    let mut columns = CountColumns::default().strict(args.strict);
    let named = [
        (&args.time, &mut columns.time),
        (&counts.n_event, &mut columns.n_event),
        (&counts.n_censor, &mut columns.n_censor),
    ];
    for (given, column) in named {
        if let Some(name) = given {
            column.clone_from(name);
        }
    }
    let table = Table::read(&args.file).map_err(Failure::input)?;
    let given_or_present = |given: &Option<String>, default: &str| given_or_present(&table, given, default);
    columns.n_enter = given_or_present(&counts.n_enter, "n_enter");
    columns.group = given_or_present(&args.group, "group");
    columns.strata = match takes_strata {
        true => given_or_present(&args.strata, "stratum"),
        false => args.strata.clone(),
    };
    for spec in &args.reference {
        let (column, level) = parse_reference(spec)?;
        columns = columns.reference(column, level);
    }
    Counts::from_table(&table, &columns).map_err(Failure::input)
}

/// An optional column of a counts table: the one an option names, else the one called
/// `default` when the table has it (the contract's names are read without options).
pub fn given_or_present(table: &Table, given: &Option<String>, default: &str) -> Option<String> {
    given
        .clone()
        .or_else(|| table.names().iter().any(|n| n == default).then(|| default.to_string()))
}

/// The counts of the input for an estimator that needs only counts: a Parquet file read in
/// one streaming pass (memory bounded by the distinct times), any other file read as a table
/// and its rows counted in parallel parts; the results, dropped rows and errors are those of
/// the rows. `None` when the analysis needs the rows (case weights, covariates, clusters):
/// then read them with [`load_model`].
pub fn counts_of_rows(args: &DataArgs, shape: Shape) -> Result<Option<Counts>, Failure> {
    if args.weight.is_some() {
        return Ok(None);
    }
    let formula = match &args.formula {
        Some(text) => Some(Formula::parse(text).map_err(|e| Failure::input(anyhow!("--formula: {e}")))?),
        None => None,
    };
    if formula.as_ref().is_some_and(|f| !survkit::model::counted(f, shape)) {
        return Ok(None);
    }
    let given = match &formula {
        Some(_) => None,
        None => Some(columns(args)?),
    };
    remember_input(&args.file);
    let strict = |c: &mut Columns| c.strict = args.strict;
    let counts = match (&formula, &given) {
        (Some(f), _) if survkit::table::is_parquet(&args.file) => {
            survkit::model::stream_counts(&args.file, f, shape, strict).map_err(Failure::input)?
        }
        (None, Some(columns)) if survkit::table::is_parquet(&args.file) => {
            Some(Counts::stream_parquet(&args.file, columns).map_err(Failure::input)?)
        }
        (Some(f), _) => {
            let table = Table::read(&args.file).map_err(Failure::input)?;
            survkit::model::counts_frame(&table, f, shape, strict).map_err(Failure::input)?
        }
        (None, Some(columns)) => {
            let table = read_used_columns(&args.file, columns)?;
            Some(Counts::from_rows(&table, columns).map_err(Failure::input)?)
        }
        (None, None) => None,
    };
    Ok(counts)
}

/// The columns of a table file that `columns` names (all of a Parquet or Arrow file), for an
/// analysis that reads no other.
pub fn read_used_columns(file: &std::path::Path, columns: &Columns) -> Result<Table, Failure> {
    let optional = [
        &columns.entry,
        &columns.weight,
        &columns.group,
        &columns.strata,
        &columns.cluster,
        &columns.regimen,
    ];
    let names: Vec<&str> = [&columns.time, &columns.event]
        .into_iter()
        .chain(optional.into_iter().flatten())
        .chain(&columns.covariates)
        .chain(&columns.factors)
        .map(String::as_str)
        .collect();
    Table::read_columns(file, &names).map_err(Failure::input)
}

/// Refuses, under `--counts`, a platform trial's regimens (a column of the participants).
pub fn refuse_regimen_of_counts(comparisons: &ComparisonArgs) -> Result<(), Failure> {
    if comparisons.regimen.is_some() {
        return Err(Failure::input(anyhow!(
            "--regimen needs each participant's regimen, which counts per (group, stratum, time) do not carry: read the participants' rows, or select each arm's concurrent controls in the GROUP BY"
        )));
    }
    Ok(())
}

/// As [`run_comparisons`], from counts (no regimens): each arm against the reference from the
/// counts of its pair, as from the pair's rows.
pub fn run_count_comparisons<T, E: std::fmt::Display>(
    counts: &Counts,
    comparisons: &ComparisonArgs,
    analyse: impl Fn(&Counts) -> Result<T, E>,
    p_of: impl Fn(&T) -> Option<f64>,
    global: impl FnOnce() -> Option<T>,
) -> Result<Option<Comparisons<T>>, Failure> {
    let pair = comparisons.pair()?;
    let levels = counts.group().map_or(0, |g| g.n_levels());
    if pair.is_none() && levels <= 2 {
        return Ok(None);
    }
    let compare = pair.as_ref().map(|(a, b)| (a.as_str(), b.as_str()));
    let mut result =
        Comparisons::run_counts(counts, compare, comparisons.adjust, analyse, p_of).map_err(Failure::input)?;
    if compare.is_none() {
        result.global = global();
    }
    Ok(Some(result))
}

/// `--reference COL=LEVEL`: (column, level).
pub fn parse_reference(spec: &str) -> Result<(&str, &str), Failure> {
    let (column, level) = spec
        .split_once('=')
        .ok_or_else(|| Failure::input(anyhow!("--reference expects COL=LEVEL, got '{spec}'")))?;
    Ok((column.trim(), level.trim()))
}

/// Every column in `--factors` must also be in `--covariates`.
pub fn check_factors(factors: &[String], covariates: &[String]) -> Result<(), Failure> {
    match factors.iter().find(|f| !covariates.contains(f)) {
        Some(factor) => Err(Failure::input(anyhow!(
            "--factors names '{factor}', which is not in --covariates"
        ))),
        None => Ok(()),
    }
}

/// The files this run reads, so that no output overwrites one of them.
static INPUTS: std::sync::Mutex<Vec<std::path::PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Notes that this run reads `path`.
pub fn remember_input(path: &Path) {
    if let Ok(mut inputs) = INPUTS.lock() {
        inputs.push(path.to_path_buf());
    }
}

/// Refuses to write over a file this run reads.
fn check_not_input(path: &Path) -> anyhow::Result<()> {
    let Ok(target) = path.canonicalize() else {
        return Ok(()); // a new file cannot be an input
    };
    let inputs = INPUTS.lock().map(|i| i.clone()).unwrap_or_default();
    if inputs
        .iter()
        .any(|input| input.canonicalize().is_ok_and(|i| i == target))
    {
        return Err(anyhow!(
            "{}: this is an input file of the analysis; refusing to overwrite it (choose another output file)",
            path.display()
        ));
    }
    Ok(())
}

/// Dropped rows and warnings always go to stderr too, whatever the format.
pub fn report_to_stderr(data: &SurvData, warnings: &[String]) {
    report_notes(&data.dropped, warnings);
}

/// As [`report_to_stderr`], for input other than participants' rows (counts).
pub fn report_notes(dropped: &survkit::DroppedRows, warnings: &[String]) {
    if dropped.count > 0 {
        eprintln!("note: {dropped}");
    }
    for w in warnings {
        eprintln!("warning: {w}");
    }
}

/// Writes the whole text to the output file (via a temporary file renamed into place) or to
/// stdout. A closed stdout pipe is not an error.
pub fn emit(output: &OutputArgs, text: &str) -> Result<(), Failure> {
    emit_to(output.output.as_deref(), text)
}

/// As [`emit`], to `path` or, when `None`, standard output.
pub fn emit_to(path: Option<&Path>, text: &str) -> Result<(), Failure> {
    match path {
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
    check_not_input(path)?;
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

/// Each arm against the reference (a group of more than two arms, or `--compare A,B`): runs
/// `analyse` on each pair's rows and adjusts the p-values `p_of` gives; `global` is the analysis
/// of all arms, where one exists. `None` (nothing done) for two arms without `--compare`, where
/// the command's own two-arm output stands.
pub fn run_comparisons<T, E: std::fmt::Display>(
    data: &SurvData,
    comparisons: &ComparisonArgs,
    analyse: impl Fn(&SurvData) -> Result<T, E>,
    p_of: impl Fn(&T) -> Option<f64>,
    global: impl FnOnce() -> Option<T>,
) -> Result<Option<Comparisons<T>>, Failure> {
    let Some(pair) = comparisons.wanted(data)? else {
        return Ok(None);
    };
    let compare = pair.as_ref().map(|(a, b)| (a.as_str(), b.as_str()));
    let adjust = comparisons.adjust;
    // a platform's global analysis would mix regimens and their controls: comparisons only
    let result = match comparisons.control(data) {
        Some(control) => Comparisons::run_platform(data, compare, control, adjust, analyse, p_of),
        None => Comparisons::run(data, compare, adjust, analyse, p_of).map(|mut result| {
            if compare.is_none() {
                result.global = global();
            }
            result
        }),
    };
    result.map(Some).map_err(Failure::input)
}

/// The data of each comparison [`run_comparisons`] runs, in its order.
pub fn comparison_data(data: &SurvData, comparisons: &ComparisonArgs) -> Result<Vec<SurvData>, Failure> {
    let pair = comparisons.pair()?;
    let compare = pair.as_ref().map(|(a, b)| (a.as_str(), b.as_str()));
    let pairs = match comparisons.control(data) {
        Some(control) => {
            survkit::platform::platform_pairs(data, compare, control).map(|p| p.into_iter().map(|p| p.data).collect())
        }
        None => survkit::comparisons::pairs(data, compare).map(|p| p.into_iter().map(|(_, _, d)| d).collect()),
    };
    pairs.map_err(Failure::input)
}

/// Reports dropped rows and each comparison's warnings (or why it was not computed) on stderr,
/// and writes the comparisons.
pub fn emit_comparisons<T: Render>(
    dropped: &survkit::DroppedRows,
    result: &Comparisons<T>,
    warnings_of: impl Fn(&T) -> &[String],
    output: &OutputArgs,
) -> Result<(), Failure> {
    if dropped.count > 0 {
        eprintln!("note: {dropped}");
    }
    for c in &result.comparisons {
        let name = format!("{} vs {}", c.arm, c.reference);
        match &c.result {
            Ok(r) => warnings_of(r).iter().for_each(|w| eprintln!("warning ({name}): {w}")),
            Err(e) => eprintln!("warning ({name}): not computed: {e}"),
        }
    }
    emit(output, &result.render(output.format))
}
