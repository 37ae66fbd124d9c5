//! The `backchannel` command: serve (the default), and maintenance subcommands.

use clap::{Parser, Subcommand};

use backchannel::config::Config;

/// Backchannel: live notes, Q&A and polls for virtual conferences.
#[derive(Debug, Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    config: Config,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (the default when no subcommand is given).
    Serve,
    /// Give every session a new stream epoch, so every client reloads a fresh
    /// snapshot instead of resuming. Run it after restoring a backup.
    RotateEpochs,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    backchannel::telemetry::init(cli.config.log_format, std::io::stderr);
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    runtime.enable_all();
    if let Some(n) = cli.config.worker_threads {
        runtime.worker_threads(n.max(1));
    }
    let runtime = runtime.build()?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => runtime.block_on(serve(cli.config)),
        Command::RotateEpochs => runtime.block_on(async {
            let store = backchannel::store::Store::open_offline(&cli.config.database_url)?;
            let count = backchannel::store::sessions::rotate_epochs_all(&store).await?;
            println!("gave {count} sessions a new epoch");
            Ok(())
        }),
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.bind))?;
    backchannel::run(listener, config, shutdown_signal()).await
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
