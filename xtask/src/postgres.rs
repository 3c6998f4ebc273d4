//! A throwaway PostgreSQL server for the tests: Debian's PostgreSQL (installed with apt when
//! missing), a cluster made with `initdb` under `target/postgres/` (as the unprivileged
//! `postgres` user when this runs as root: PostgreSQL refuses to run as root), started on a
//! free loopback port, and stopped (its files removed) when dropped.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::shell::{self, cmd, output, root, run, step};

/// A running test cluster.
pub struct Postgres {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    as_postgres: bool,
}

impl Postgres {
    /// Makes and starts a fresh cluster, waiting until it accepts connections.
    pub fn start() -> Result<Postgres, String> {
        let bin = server_bin()?;
        let as_postgres = output(cmd("id").arg("-u")).is_some_and(|uid| uid.trim() == "0");
        let dir = root().join("target").join("postgres");
        if dir.exists() {
            // A cluster an earlier run left (killed before it stopped it): stopped, removed.
            let data = dir.join("data");
            if data.join("postmaster.pid").exists() {
                let mut stop = Command::new(bin.join("pg_ctl"));
                stop.arg("-D").arg(&data).args(["-m", "immediate", "stop"]);
                let _ = output(&mut as_user(stop, as_postgres));
            }
            std::fs::remove_dir_all(&dir)
                .map_err(|e| format!("cannot remove {}: {e}", dir.display()))?;
        }
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        if as_postgres {
            run(cmd("chown").arg("postgres:postgres").arg(&dir))?;
        }
        let data = dir.join("data");
        let port = shell::free_port()?;
        step(&format!(
            "Starting a throwaway PostgreSQL on 127.0.0.1:{port} (cluster in {})",
            dir.display()
        ));
        let mut initdb = Command::new(bin.join("initdb"));
        initdb.arg("-D").arg(&data).args([
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        ]);
        quiet(as_user(initdb, as_postgres), &dir.join("initdb.log"))?;
        let postgres = Postgres {
            bin,
            data,
            port,
            as_postgres,
        };
        // Durability is not what these tests measure: fsync off makes them quick.
        let mut start = Command::new(postgres.bin.join("pg_ctl"));
        start
            .arg("-D")
            .arg(&postgres.data)
            .arg("-l")
            .arg(dir.join("server.log"))
            .arg("-o")
            .arg(format!(
                "-p {port} -h 127.0.0.1 -k {} -F -c max_connections=200",
                dir.display()
            ))
            .args(["-w", "-t", "60", "start"]);
        quiet(as_user(start, as_postgres), &dir.join("pg_ctl.log"))
            .map_err(|e| format!("{e}; see {}", dir.join("server.log").display()))?;
        Ok(postgres)
    }

    /// The URL of its `postgres` database, where tests create their own.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let mut stop = Command::new(self.bin.join("pg_ctl"));
        stop.arg("-D")
            .arg(&self.data)
            .args(["-m", "immediate", "-w", "stop"]);
        let _ = output(&mut as_user(stop, self.as_postgres));
        if let Some(dir) = self.data.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Debian's PostgreSQL server programs (the newest installed), installing them with apt
/// first (as root) when they are missing.
fn server_bin() -> Result<PathBuf, String> {
    if let Some(bin) = installed() {
        return Ok(bin);
    }
    let is_root = output(cmd("id").arg("-u")).is_some_and(|uid| uid.trim() == "0");
    if !is_root {
        return Err("PostgreSQL's server is needed for the store's PostgreSQL tests: run `sudo apt-get install postgresql` and try again".into());
    }
    step("Installing PostgreSQL with apt (about a minute, once per machine)");
    run(cmd("apt-get").args(["update", "-qq"]))?;
    run(cmd("apt-get")
        .args(["install", "-y", "-qq", "postgresql"])
        .env("DEBIAN_FRONTEND", "noninteractive"))?;
    installed().ok_or_else(|| {
        "apt installed postgresql, but no initdb is in /usr/lib/postgresql/*/bin".into()
    })
}

fn installed() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// `command`, run as the `postgres` user when `as_postgres`.
fn as_user(command: Command, as_postgres: bool) -> Command {
    if !as_postgres {
        return command;
    }
    let mut wrapped = cmd("runuser");
    wrapped
        .args(["-u", "postgres", "--"])
        .arg(command.get_program())
        .args(command.get_args());
    wrapped
}

/// Runs `command` with its output in `log`, which the error names if it fails.
fn quiet(mut command: Command, log: &Path) -> Result<(), String> {
    println!("    $ {}", shell::describe(&command));
    let out = command
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("could not start {}: {e}", shell::describe(&command)))?;
    let _ = std::fs::write(log, [out.stdout, out.stderr].concat());
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{} failed ({}); its output is in {}",
            shell::describe(&command),
            out.status,
            log.display()
        ))
    }
}
