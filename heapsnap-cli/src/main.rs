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
    /// Accept a file whose nodes and edges are complete but whose strings are missing or cut
    /// (a process killed while writing): names become placeholders, sizes stay exact.
    #[arg(long, global = true)]
    salvage: bool,
}

impl Common {
    pub fn load_options(&self) -> load::LoadOptions {
        load::LoadOptions { quiet: self.quiet, salvage: self.salvage }
    }
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
    /// What grew between two snapshots, what is duplicated, and who holds it.
    Diff {
        /// The earlier (baseline) snapshot.
        base: PathBuf,
        /// The later snapshot.
        spike: PathBuf,
        /// How many findings, holders, clusters and classes to list (0 = all classes).
        #[arg(short = 'n', long, default_value_t = 10)]
        limit: usize,
        /// Exit with status 1 when the total retained size grew by more than SIZE
        /// (e.g. 50MB, 1.5GB, 64MiB, 10%).
        #[arg(long, value_name = "SIZE", value_parser = commands::diff::parse_threshold)]
        fail_on_growth: Option<commands::diff::Threshold>,
        /// Skip the duplicate-object analysis (faster on huge snapshots).
        #[arg(long)]
        no_duplicates: bool,
        #[command(flatten)]
        common: Common,
    },
    /// Objects with identical content (clusters of copies) and duplicate strings.
    Duplicates {
        file: PathBuf,
        /// How many clusters and strings to list (0 = all).
        #[arg(short = 'n', long, default_value_t = 20)]
        limit: usize,
        /// How many edges deep content is compared.
        #[arg(long, default_value_t = 6)]
        depth: usize,
        #[command(flatten)]
        common: Common,
    },
    /// An object's retaining path from a GC root and its retainers (`heapsnap path FILE @123`).
    Path {
        file: PathBuf,
        /// The object id, with or without `@`.
        id: String,
        /// How many retainers to list.
        #[arg(short = 'n', long, default_value_t = 20)]
        limit: usize,
        #[command(flatten)]
        common: Common,
    },
    /// What a (possibly truncated) file holds: header, how many nodes and edges, strings, and
    /// where it ends. Exit status 0 when complete, 2 otherwise.
    Check {
        file: PathBuf,
        #[command(flatten)]
        common: Common,
    },
    /// Serve the Model Context Protocol on stdin/stdout, so an AI agent can open snapshots and
    /// ask what grew, what is duplicated and who holds it.
    Mcp {
        /// A directory or file the agent may open (repeatable). Default: the current directory
        /// (none when that is the filesystem root, as when a desktop client starts the server).
        #[arg(long, value_name = "PATH")]
        allow: Vec<PathBuf>,
        /// Replace string contents (values, not property or class names) by length and hash
        /// in every answer, for agents backed by a third-party model.
        #[arg(long)]
        redact: bool,
    },
    /// Write a copy safe to share: string contents (values, URLs, source text) replaced by
    /// placeholders of the same length; class and property names, sizes and structure kept.
    Redact {
        input: PathBuf,
        /// Output file (`.gz` to compress).
        output: PathBuf,
        /// Also replace class, function and property names (except those DevTools' rules
        /// read, like `Object` and `__proto__`); numbers stay the same, names become hashes.
        #[arg(long)]
        names: bool,
        #[command(flatten)]
        common: Common,
    },
    /// Open the browser viewer on 127.0.0.1 with one snapshot (or a baseline and a spike)
    /// preloaded; prints the address. Nothing is uploaded anywhere.
    View {
        /// One snapshot, or a baseline then a spike.
        #[arg(required = true, num_args = 1..=2)]
        files: Vec<PathBuf>,
        /// Port (default: a free one).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Directory of the built viewer (default: heapsnap-wasm/www of this source tree).
        #[arg(long)]
        assets: Option<PathBuf>,
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
        Command::Check { file, common } => commands::check::run(&file, common),
        Command::View { files, port, assets } => {
            commands::view::run(&files, &assets.unwrap_or_else(commands::view::default_assets), port)
        }
        Command::Redact { input, output, names, common } => commands::redact::run(&input, &output, names, common),
        Command::Mcp { allow, redact } => {
            return match heapsnap_mcp::serve_stdio(&heapsnap_mcp::Config { allow, redact }) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("heapsnap mcp: {e}");
                    ExitCode::from(2)
                }
            };
        }
        Command::Diff { base, spike, limit, fail_on_growth, no_duplicates, common } => {
            commands::diff::run(&base, &spike, commands::diff::Args { limit, fail_on_growth, no_duplicates }, common)
        }
        Command::Duplicates { file, limit, depth, common } => commands::duplicates::run(&file, limit, depth, common),
        Command::Path { file, id, limit, common } => commands::path::run(&file, &id, limit, common),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("heapsnap: {e}");
            if e.kind == heapsnap_core::ErrorKind::Truncated {
                let hint = if e.section == heapsnap_core::Section::Strings {
                    "its nodes and edges are complete: --salvage reports sizes and structure with placeholder names"
                } else {
                    "`heapsnap check FILE` shows what it holds"
                };
                eprintln!("heapsnap: the file is truncated; {hint}");
            }
            ExitCode::from(2)
        }
    }
}
