//! Running commands, loudly: every command is echoed before it runs, and failures say which
//! command failed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Returns the workspace root (the parent of this crate's folder).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the workspace")
        .to_path_buf()
}

/// Prints a step header, so nothing sits silent for minutes.
pub fn step(message: &str) {
    println!("==> {message}");
}

/// Returns a command for `program` run from the workspace root.
pub fn cmd(program: &str) -> Command {
    let mut command = Command::new(program);
    command.current_dir(root());
    command
}

/// Runs `command` with inherited output; fails with the command line if it does not succeed.
pub fn run(command: &mut Command) -> Result<(), String> {
    println!("    $ {}", describe(command));
    let status = command
        .stdin(Stdio::null())
        .status()
        .map_err(|e| format!("could not start {}: {e}", describe(command)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{} failed ({status})", describe(command)))
    }
}

/// Runs `command` and returns its standard output, or `None` if it cannot run or fails.
pub fn output(command: &mut Command) -> Option<String> {
    let out = command
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Returns the command line as text for messages.
pub fn describe(command: &Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Returns a port free on 127.0.0.1 right now.
pub fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port on 127.0.0.1: {e}"))
}
