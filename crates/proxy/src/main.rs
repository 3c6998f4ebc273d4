//! `esim-proxy`: run the storefront API.

use std::path::PathBuf;
use std::process::ExitCode;

use esim_providers::ProviderSpec;
use esim_proxy::config::{Config, LogFormat, TOKEN_SECRET_ENV};

const USAGE: &str = "\
usage:
  esim-proxy --sandbox [options]        run against the built-in sandbox provider; needs nothing else
  esim-proxy --config FILE [options]    run as configured in FILE (secrets from the environment)
  esim-proxy --provider NAME [options]  run against vellosim, cloudesim, veloesim or pressone with
                                        every other setting at its default (or from --config FILE)
  esim-proxy token --sub ID [--ttl S]   print a customer token signed with $ESIM_PROXY_TOKEN_SECRET (for testing)
  esim-proxy orders unresolved [options]
                                        list the orders held for review (their outcome at the
                                        provider is unknown) and those still in flight
  esim-proxy orders settle ID --esim ICCID [--esim ICCID ...] [options]
  esim-proxy orders settle ID --failed [options]
                                        settle an order held for review: with the eSIMs found
                                        for it at the provider, or as failed (not charged)
                                        (options: the same --config/--provider/--database as the server)

options:
  --listen ADDR      address to listen on (default 127.0.0.1:8080)
  --www DIR          serve this folder at /
  --dist DIR         serve the built widget at /pkg/
  --database PATH    SQLite file, :memory:, or postgres://user@host:port/db (password in
                     ESIM_PROXY_DATABASE_PASSWORD)
  --sandbox-state F  keep the sandbox provider's state in this file across restarts
  --provider-url URL the provider's base URL (or ESIM_PROXY_PROVIDER_URL)
  --log-format F     text (the default) or json: one JSON object a line, with the request id

secrets, from the environment only:
  ESIM_PROXY_TOKEN_SECRET             signs customer tokens (32 bytes or more)
  ESIM_PROXY_PROVIDER_KEY             Vellosim, CloudeSIM or VeloeSIM API key
  ESIM_PROXY_PROVIDER_CLIENT_ID       PressOne client id
  ESIM_PROXY_PROVIDER_CLIENT_SECRET   PressOne client secret
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("token") {
        return token(&args[1..]);
    }
    if args.first().map(String::as_str) == Some("orders") {
        return orders(&args[1..]);
    }
    match parse(&args) {
        Ok(config) => run(config),
        Err(message) => {
            eprintln!("esim-proxy: {message}\n\n{USAGE}");
            ExitCode::FAILURE
        }
    }
}

fn parse(args: &[String]) -> Result<Config, String> {
    let mut config = None;
    let mut provider = None;
    let mut overrides = Vec::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let mut value = || iter.next().cloned().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--sandbox" => config = Some(Config::sandbox()),
            "--config" => config = Some(Config::from_file(std::path::Path::new(&value()?))?),
            "--provider" => provider = Some(ProviderSpec::named(&value()?)?),
            "--listen" | "--www" | "--dist" | "--database" | "--sandbox-state"
            | "--provider-url" | "--log-format" => overrides.push((arg.clone(), value()?)),
            "-h" | "--help" => return Err("help".into()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let mut config = match (config, &provider) {
        (Some(config), _) => config,
        (None, Some(_)) => Config::defaults(),
        (None, None) => return Err("choose --sandbox, --config FILE or --provider NAME".into()),
    };
    if let Some(provider) = provider {
        config.provider = provider;
        config.read_provider_env()?;
    }
    for (flag, value) in overrides {
        match flag.as_str() {
            "--listen" => {
                config.listen = value
                    .parse()
                    .map_err(|_| format!("--listen: {value:?} is not an address"))?
            }
            "--www" => config.www_dir = Some(PathBuf::from(value)),
            "--dist" => config.dist_dir = Some(PathBuf::from(value)),
            "--database" => config.database = value,
            "--log-format" => {
                config.log_format = match value.as_str() {
                    "text" => LogFormat::Text,
                    "json" => LogFormat::Json,
                    other => return Err(format!("--log-format: {other:?} is not text or json")),
                }
            }
            "--sandbox-state" => match &mut config.provider {
                ProviderSpec::Sandbox { state_path, .. } => {
                    *state_path = Some(PathBuf::from(value))
                }
                other => {
                    return Err(format!(
                        "--sandbox-state is for the sandbox provider, not {}",
                        other.name()
                    ))
                }
            },
            "--provider-url" => config.provider.set_base_url(value)?,
            _ => {}
        }
    }
    config.validate()?;
    Ok(config)
}

fn run(config: Config) -> ExitCode {
    let filter = || {
        tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| "esim_proxy=info,tower_http=warn".into())
    };
    match config.log_format {
        LogFormat::Text => tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .with_env_filter(filter())
            .init(),
        // One object a line, for a log collector: the request's span (method, path, request
        // id, client) in `span`, and every span around it in `spans`.
        LogFormat::Json => tracing_subscriber::fmt()
            .json()
            .with_writer(std::io::stderr)
            .with_current_span(true)
            .with_span_list(true)
            .with_env_filter(filter())
            .init(),
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("esim-proxy: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let listen = config.listen;
        let proxy = match esim_proxy::build(config) {
            Ok(proxy) => proxy,
            Err(e) => {
                eprintln!("esim-proxy: {e}");
                return ExitCode::FAILURE;
            }
        };
        match proxy.service.reconcile().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                orders = n,
                "reconciled orders left in flight by the last run"
            ),
            Err(e) => tracing::warn!(error = %e.message, "could not reconcile orders at start"),
        }
        // Orders still unresolved are asked about every few seconds, each at its own pace.
        let sweeper = proxy.service.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                if let Err(e) = sweeper.sweep().await {
                    tracing::warn!(error = %e.message, "could not look at unresolved orders");
                }
            }
        });
        let listener = match tokio::net::TcpListener::bind(listen).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("esim-proxy: cannot listen on {listen}: {e}");
                return ExitCode::FAILURE;
            }
        };
        let address = listener
            .local_addr()
            .map_or(listen.to_string(), |a| a.to_string());
        println!(
            "esim-proxy listening on http://{address}/ (provider: {})",
            proxy.service.provider.name()
        );
        let served =
            esim_proxy::serve(proxy.router, listener, &proxy.service.config.connections).await;
        // Purchases and top-ups already sent run to their end and are recorded before exit.
        let limit = std::time::Duration::from_secs(proxy.service.config.purchase_timeout_secs + 10);
        let left = proxy.service.drain(limit).await;
        if left > 0 {
            tracing::warn!(
                running = left,
                "exiting with purchases still running: they will be reconciled at the next start"
            );
        }
        match served {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("esim-proxy: {e}");
                ExitCode::FAILURE
            }
        }
    })
}

fn token(args: &[String]) -> ExitCode {
    let mut sub = None;
    let mut ttl: i64 = 3600;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match (arg.as_str(), iter.next()) {
            ("--sub", Some(v)) => sub = Some(v.clone()),
            ("--ttl", Some(v)) => match v.parse() {
                Ok(n) => ttl = n,
                Err(_) => {
                    eprintln!("esim-proxy: --ttl needs seconds");
                    return ExitCode::FAILURE;
                }
            },
            _ => {
                eprintln!("{USAGE}");
                return ExitCode::FAILURE;
            }
        }
    }
    let (Some(sub), Ok(secret)) = (sub, std::env::var(TOKEN_SECRET_ENV)) else {
        eprintln!("esim-proxy: token needs --sub and the {TOKEN_SECRET_ENV} environment variable");
        return ExitCode::FAILURE;
    };
    let claims = esim_proxy::auth::Claims {
        sub,
        exp: esim_proxy::service::now() + ttl,
        nbf: None,
    };
    println!("{}", esim_proxy::auth::sign(&claims, secret.as_bytes()));
    ExitCode::SUCCESS
}

/// `esim-proxy orders unresolved|settle …`: the merchant's view of orders whose outcome the
/// proxy could not find out by itself.
fn orders(args: &[String]) -> ExitCode {
    let fail = |message: String| {
        eprintln!("esim-proxy orders: {message}\n\n{USAGE}");
        ExitCode::FAILURE
    };
    let (command, rest) = match args.split_first() {
        Some((command, rest)) => (command.as_str(), rest),
        None => return fail("say unresolved or settle".into()),
    };
    let mut id = None;
    let mut iccids = Vec::new();
    let mut failed = false;
    let mut options = Vec::new();
    let mut iter = rest.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--esim" => match iter.next() {
                Some(iccid) => iccids.push(iccid.trim().to_owned()),
                None => return fail("--esim needs an ICCID".into()),
            },
            "--failed" => failed = true,
            other if command == "settle" && id.is_none() && !other.starts_with("--") => {
                id = Some(other.to_owned())
            }
            _ => options.push(arg.clone()),
        }
    }
    let config = match parse(&options) {
        Ok(config) => config,
        Err(message) => return fail(message),
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => return fail(format!("cannot start the runtime: {e}")),
    };
    runtime.block_on(async move {
        let proxy = match esim_proxy::build(config) {
            Ok(proxy) => proxy,
            Err(e) => return fail(e),
        };
        let service = proxy.service;
        match command {
            "unresolved" => {
                let list = match service.store.orders_unresolved().await {
                    Ok(list) => list,
                    Err(e) => return fail(e.to_string()),
                };
                if list.is_empty() {
                    println!("No unresolved orders.");
                    return ExitCode::SUCCESS;
                }
                println!("order\tstate\tcreated\treference\tpackage\tquantity\towner\temail");
                for o in list {
                    let state = match o.status {
                        esim_proxy::store::OrderStatus::NeedsReview => "needs_review",
                        esim_proxy::store::OrderStatus::Pending => "pending",
                        _ => "in_flight",
                    };
                    println!(
                        "{}\t{state}\t{}\t{}\t{}\t{}\t{}\t{}",
                        o.id,
                        esim_core::time::format_utc(o.created_at),
                        o.reference,
                        o.package_code,
                        o.quantity,
                        o.owner,
                        o.email.as_deref().unwrap_or("-")
                    );
                }
                ExitCode::SUCCESS
            }
            "settle" => {
                let Some(id) = id else {
                    return fail("settle needs an order id".into());
                };
                if failed != iccids.is_empty() {
                    return fail("settle needs --esim ICCID (one or more) or --failed".into());
                }
                match service.settle_by_hand(&id, &iccids).await {
                    Ok(order) => {
                        println!(
                            "Order {} is now {}.",
                            order.id,
                            if failed {
                                "failed (not charged)"
                            } else {
                                "completed"
                            }
                        );
                        ExitCode::SUCCESS
                    }
                    Err(e) => {
                        eprintln!(
                            "esim-proxy orders: {}{}",
                            e.message,
                            e.cause.map(|c| format!(" ({c})")).unwrap_or_default()
                        );
                        ExitCode::FAILURE
                    }
                }
            }
            other => fail(format!("unknown command {other:?}")),
        }
    })
}
