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
    /// Write an event's highlights (the whole event and each session) to a
    /// directory, straight from the store; the server may be running or not.
    Export {
        /// The event's id.
        #[arg(long)]
        event: String,
        /// md, json, csv (a zip of tables) or html.
        #[arg(long, default_value = "md")]
        format: backchannel::export::Format,
        /// Directory to write into (created if needed).
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Create an event's sessions from a pretalx / frab schedule (JSON); talks
    /// imported before (same guid) are updated. Without --event, a new event is created.
    ImportSchedule {
        /// The schedule.json file.
        file: std::path::PathBuf,
        /// Import into this event.
        #[arg(long)]
        event: Option<String>,
    },
    /// Write an event's schedule as pretalx / frab JSON (to stdout, or --out).
    ExportSchedule {
        /// The event's id.
        #[arg(long)]
        event: String,
        /// File to write (default: stdout).
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
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
        Command::Export { event, format, out } => runtime.block_on(async {
            let store = backchannel::store::Store::open_offline(&cli.config.database_url)?;
            let files = backchannel::export::cli::export_event(
                &store,
                &event,
                format,
                &out,
                &mut std::io::stderr(),
            )
            .await?;
            println!("wrote {} files to {}", files.len(), out.display());
            Ok(())
        }),
        Command::ImportSchedule { file, event } => runtime.block_on(async {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| anyhow::anyhow!("reading {}: {e}", file.display()))?;
            let store = backchannel::store::Store::open_offline(&cli.config.database_url)?;
            let report = backchannel::schedule::import::import(&store, event, &text)
                .await
                .map_err(|e| anyhow::anyhow!("{}: {}", file.display(), e.message))?;
            println!(
                "event {}: {} sessions created, {} updated",
                report.event_id, report.created, report.updated
            );
            if let Some(token) = report.organizer_token {
                println!("organizer token of the new event (shown once): {token}");
            }
            Ok(())
        }),
        Command::ExportSchedule { event, out } => runtime.block_on(async {
            let store = backchannel::store::Store::open_offline(&cli.config.database_url)?;
            let doc = store
                .read(move |conn| backchannel::schedule::export::export(conn, &event))
                .await
                .map_err(|e| anyhow::anyhow!(e.message))?;
            let text = format!("{}\n", serde_json::to_string_pretty(&doc)?);
            match out {
                Some(path) => std::fs::write(&path, text)
                    .map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))?,
                None => print!("{text}"),
            }
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
