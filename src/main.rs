//! The `survkit` command: a thin layer that parses arguments and runs the library.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
