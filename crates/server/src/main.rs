//! `telltale-server`: parses the configuration, connects the database, serves until SIGTERM or
//! Ctrl-C (requests in flight finish), then closes the database.

use std::process::ExitCode;

use clap::Parser;
use telltale_server::config::Config;
use telltale_server::{app, retention, serve, AppState};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Config::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("telltale-server: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: Config) -> Result<(), String> {
    let keys = config.keys()?;
    let settings = config.settings(&keys)?;
    let state = AppState::new(
        &config.database,
        config.db_connections,
        settings,
        config.token_secret.as_deref(),
    )
    .await?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("listening on {}: {e}", config.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    tracing::info!(%addr, database = %state.store.kind_name(), "telltale-server listening");
    if config.demo {
        // Demo mode prints what a newcomer needs; a real deployment never prints a key.
        println!("Telltale is running (demo mode).");
        println!("  portal:     http://{addr}/portal/");
        println!("  dashboard:  http://{addr}/dashboard/");
        println!("  portal login password:  {}", config.demo_password);
        println!("  reviewer key:           {}", keys.reviewer);
        println!("  portal key (login backend): {}", keys.portal);
    }
    tokio::spawn(retention::run(state.clone()));
    tokio::spawn(state.store.clone().checkpoints());
    let router = app(state.clone(), Some(&config.www), Some(&config.pkg));
    let limits = serve::Limits {
        connections: config.max_connections as usize,
        ..serve::Limits::default()
    };
    serve::serve(listener, router, limits, shutdown())
        .await
        .map_err(|e| format!("serving: {e}"))?;
    state.store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on SIGTERM or Ctrl-C.
async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
