//! `backchannel-bench`: the load client, the raw-TCP floor and the benchmark
//! command that compares Backchannel with its peers (docs/benchmarks.md).

mod args;
mod client;
mod cluster;
mod floor;
mod http;
mod measure;
mod procfs;
mod publisher;
mod report;
mod results;
mod run;
mod slow;
mod stamp;
mod storms;
mod workers;
mod ws;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "Benchmarks for Backchannel and its peers (see docs/benchmarks.md)")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the comparison: start each server, load it, write the results.
    Run(Box<args::RunArgs>),
    /// A load-client worker (driven by `run` over stdin/stdout).
    Client(client::ClientArgs),
    /// The raw-TCP floor server.
    Floor {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:18084")]
        addr: std::net::SocketAddr,
    },
}

fn main() {
    let cli = Cli::parse();
    let code = match cli.cmd {
        Cmd::Run(args) => match run::run(*args) {
            Ok(code) => code,
            Err(e) => {
                eprintln!("bench: {e}");
                2
            }
        },
        Cmd::Client(args) => match client::run(args) {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("client: {e}");
                2
            }
        },
        Cmd::Floor { addr } => match floor::run(addr) {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("floor: {e}");
                2
            }
        },
    };
    std::process::exit(code);
}
