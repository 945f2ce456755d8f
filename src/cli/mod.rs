//! Command-line parsing (clap derive) and dispatch. Arguments are validated into the
//! library's option structs; the library computes, this module prints.
//!
//! Exit status: 0 success, 1 analysis error, 2 bad input or usage. A closed pipe
//! (`survkit km ... | head`) is not an error.

mod args;
mod bootstrap;
mod cafs;
mod cif;
mod composite;
mod cox;
mod design;
mod finegray;
mod fragility;
mod hint;
mod km;
mod logrank;
mod permutation;
mod plot;
mod reconstruct;
mod report;
mod rmst;
mod run;
mod simulate;
mod win;

use std::process::ExitCode;

use clap::Parser;

pub use args::Cli;

/// Exit status for bad input or usage.
const EXIT_INPUT: u8 = 2;
/// Exit status for an analysis that cannot be done on valid input.
const EXIT_ANALYSIS: u8 = 1;

pub fn main() -> ExitCode {
    let outcome = run::run(Cli::parse());
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {}", failure.error);
            if let Some(hint) = hint::hint(&failure.error) {
                eprintln!("hint: {hint}");
            }
            ExitCode::from(failure.status)
        }
    }
}

/// An error with the exit status it deserves.
pub struct Failure {
    pub error: anyhow::Error,
    pub status: u8,
}

impl Failure {
    pub fn input(error: impl Into<anyhow::Error>) -> Self {
        Failure {
            error: error.into(),
            status: EXIT_INPUT,
        }
    }
    pub fn analysis(error: impl Into<anyhow::Error>) -> Self {
        Failure {
            error: error.into(),
            status: EXIT_ANALYSIS,
        }
    }
}
