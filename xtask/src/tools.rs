//! Installing what the pipeline needs when it is missing. Each check is cheap, so every command
//! runs them every time; an install happens once per machine.

use std::path::PathBuf;

use crate::shell::{cmd, output, root, run, step};

/// Where Debian's Chromium and its driver live. Nothing here downloads a browser of its own.
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Adds the wasm32 target to the toolchain (a no-op when present).
pub fn wasm_target() -> Result<(), String> {
    let installed = output(cmd("rustup").args(["target", "list", "--installed"]))
        .is_some_and(|list| list.lines().any(|l| l.trim() == "wasm32-unknown-unknown"));
    if !installed {
        step("Installing the wasm32-unknown-unknown target");
        run(cmd("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    Ok(())
}

/// Returns the wasm-bindgen version pinned in Cargo.lock; the CLI must match it exactly.
fn locked_wasm_bindgen_version() -> Result<String, String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\"" {
            if let Some(version) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = \""))
                .and_then(|v| v.strip_suffix('"'))
            {
                return Ok(version.to_owned());
            }
        }
    }
    Err("Cargo.lock has no wasm-bindgen entry".into())
}

/// Installs wasm-bindgen-cli at the version in Cargo.lock unless that exact version is on PATH.
/// Without `--locked`: with it the install fails (see shared/reference/toolchain.md).
pub fn wasm_bindgen() -> Result<(), String> {
    let version = locked_wasm_bindgen_version()?;
    let installed = output(cmd("wasm-bindgen").arg("--version"));
    if installed.as_deref().map(str::trim) == Some(&format!("wasm-bindgen {version}")) {
        return Ok(());
    }
    step(&format!(
        "Installing wasm-bindgen-cli {version} to match Cargo.lock (about 4 minutes, once per machine)"
    ));
    run(cmd("cargo").args([
        "install",
        "wasm-bindgen-cli",
        "--version",
        &version,
        "--force",
    ]))
}

/// Installs Debian's Chromium and chromedriver with apt when they are missing (as root), or
/// says exactly what to install.
pub fn chromium() -> Result<(), String> {
    let present = |p: &str| std::path::Path::new(p).exists();
    if present(CHROMIUM) && present(CHROMEDRIVER) {
        return Ok(());
    }
    let is_root = output(cmd("id").arg("-u")).is_some_and(|uid| uid.trim() == "0");
    if !is_root {
        return Err(format!(
            "{CHROMIUM} and {CHROMEDRIVER} are needed for the browser tests: \
             run `sudo apt-get install chromium chromium-driver` and try again"
        ));
    }
    step("Installing Chromium and chromedriver with apt (about a minute)");
    run(cmd("apt-get").args(["update", "-qq"]))?;
    run(cmd("apt-get")
        .args(["install", "-y", "-qq", "chromium", "chromium-driver"])
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

/// Installs the npm packages of package.json (binaryen, playwright-core, axe-core, vite,
/// typescript) with `npm install` from the lock when node_modules is missing or older than the
/// lockfile.
pub fn npm_packages() -> Result<(), String> {
    let lock = root().join("package-lock.json");
    let installed = root().join("node_modules/.package-lock.json");
    let modified = |p: &PathBuf| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let fresh = matches!((modified(&installed), modified(&lock)), (Some(i), Some(l)) if i >= l);
    if !fresh {
        step("Installing npm packages (binaryen, esbuild, playwright-core, axe-core, vite, typescript)");
        // `npm install` from the lock rather than `npm ci`: rollup (under vite) lists optional
        // packages for other platforms that this machine's registry does not serve, so they
        // are missing from the lock, and `npm ci` refuses a lock with missing entries. With
        // `--no-save`, the lock is only read.
        run(cmd("npm").args(["install", "--no-save", "--no-audit", "--no-fund"]))?;
    }
    Ok(())
}

/// Returns binaryen's wasm-opt from node_modules. Never the one on PATH: Debian's binaryen 108
/// produces modules that crash at load.
pub fn wasm_opt() -> Result<PathBuf, String> {
    npm_bin("wasm-opt")
}

/// Returns esbuild from node_modules, which minifies the JavaScript the widget ships.
pub fn esbuild() -> Result<PathBuf, String> {
    npm_bin("esbuild")
}

fn npm_bin(name: &str) -> Result<PathBuf, String> {
    npm_packages()?;
    let path = root().join("node_modules/.bin").join(name);
    if path.exists() {
        Ok(path)
    } else {
        Err(format!("{} is missing after npm install", path.display()))
    }
}

/// The localstripe release the Stripe tests run against, pinned so that runs compare.
const LOCALSTRIPE: &str = "1.15.10";

/// Installs localstripe (a stand-in for Stripe's API and Stripe.js, test-only) into
/// `target/py-stripe`; returns its command.
pub fn localstripe() -> Result<PathBuf, String> {
    let bin = pypi_tool("py-stripe", "localstripe", LOCALSTRIPE)?;
    keep_localstripe_js_to_itself()?;
    Ok(bin)
}

/// The first line of localstripe's Stripe.js once it is wrapped (see below).
const WRAPPED: &str =
    "{ // esim-storefront: a block, so that this file's `class Element` stays its own";

/// localstripe's Stripe.js (`localstripe-v3.js`, served at `/js.stripe.com/v3/`) declares
/// `class Element` at the top level of a classic script: a global binding that shadows the
/// DOM's `Element` for every script of the page, so that each `instanceof Element` check
/// (wasm-bindgen's among them) fails once it has loaded, and the widget stops rendering.
/// Stripe's own Stripe.js declares nothing of the kind. The copy installed under `target/`
/// (a test tool only, never shipped) is wrapped in a block, which keeps the class to the file;
/// `Stripe`, which it assigns without declaring, stays global as before.
fn keep_localstripe_js_to_itself() -> Result<(), String> {
    let lib = root().join("target").join("py-stripe").join("lib");
    let entries = std::fs::read_dir(&lib).map_err(|e| format!("{}: {e}", lib.display()))?;
    for entry in entries.flatten() {
        let js = entry
            .path()
            .join("site-packages/localstripe/localstripe-v3.js");
        let Ok(text) = std::fs::read_to_string(&js) else {
            continue;
        };
        if !text.starts_with(WRAPPED) {
            std::fs::write(&js, format!("{WRAPPED}\n{text}\n}}\n"))
                .map_err(|e| format!("cannot write {}: {e}", js.display()))?;
        }
        return Ok(());
    }
    Err(format!(
        "localstripe-v3.js not found under {}",
        lib.display()
    ))
}

/// The schemathesis release the API fuzzing layer runs, pinned so that runs compare.
const SCHEMATHESIS: &str = "4.32.5";

/// Installs schemathesis into `target/py`; returns its command.
pub fn schemathesis() -> Result<PathBuf, String> {
    pypi_tool("py", "schemathesis", SCHEMATHESIS)
}

/// Installs `package` at `version` from PyPI into a virtual environment of its own at
/// `target/<venv>` unless that release is there; returns its command of the same name.
fn pypi_tool(venv: &str, package: &str, version: &str) -> Result<PathBuf, String> {
    let dir = root().join("target").join(venv);
    let (bin, pip) = (dir.join("bin").join(package), dir.join("bin").join("pip"));
    let shown = output(std::process::Command::new(&pip).args([
        "show",
        "--disable-pip-version-check",
        package,
    ]));
    let wanted = format!("Version: {version}");
    if bin.exists() && shown.is_some_and(|v| v.lines().any(|l| l.trim() == wanted)) {
        return Ok(bin);
    }
    step(&format!(
        "Installing {package} {version} from PyPI into target/{venv} (once per machine)"
    ));
    if !pip.exists() {
        run(cmd("python3").args(["-m", "venv"]).arg(&dir))?;
    }
    run(std::process::Command::new(&pip).args([
        "install",
        "--quiet",
        "--disable-pip-version-check",
        &format!("{package}=={version}"),
    ]))?;
    Ok(bin)
}
