//! `heapsnap`: a thin command line over heapsnap-core. Each subcommand lives in
//! `commands/`; this file only parses arguments and maps errors to exit codes.

mod commands;
mod human;
mod load;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(name = "heapsnap", version, about = "Why did memory blow up? Fast answers from V8 heap snapshots.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Options every command that reads snapshots shares.
#[derive(Args, Clone, Copy, Debug)]
pub struct Common {
    /// Print JSON for machines instead of text for people.
    #[arg(long, global = true)]
    json: bool,
    /// No progress output on stderr.
    #[arg(long, short, global = true)]
    quiet: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Totals, DevTools' Statistics, and the classes that retain the most.
    Summary {
        file: PathBuf,
        /// How many classes to list (0 = all).
        #[arg(short = 'n', long, default_value_t = 25)]
        limit: usize,
        #[command(flatten)]
        common: Common,
    },
    /// The objects with the largest retained size.
    Top {
        file: PathBuf,
        /// How many objects to list.
        #[arg(short = 'n', long, default_value_t = 25)]
        limit: usize,
        #[command(flatten)]
        common: Common,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Summary { file, limit, common } => commands::summary::run(&file, limit, common),
        Command::Top { file, limit, common } => commands::top::run(&file, limit, common),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("heapsnap: {e}");
            ExitCode::from(2)
        }
    }
}
