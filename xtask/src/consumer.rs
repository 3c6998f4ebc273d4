//! The npm consumer app: `tests/consumer/` copied to `target/consumer/app`, the packed
//! `target/dist` tarball installed into it as a developer would install the package, its
//! TypeScript checked against the package's types, and built with Vite.

use std::fs;
use std::path::{Path, PathBuf};

use crate::dist::dist_dir;
use crate::shell::{cmd, root, run, step};

/// Builds the consumer app and returns the folder Vite wrote.
pub fn build() -> Result<PathBuf, String> {
    step("Building the npm consumer app: npm pack, install the tarball, tsc, vite build");
    let dir = root().join("target").join("consumer");
    let _ = fs::remove_dir_all(&dir);
    let app = dir.join("app");
    copy_dir(&root().join("tests").join("consumer"), &app)?;
    run(cmd("npm")
        .args(["pack", "--pack-destination"])
        .arg(&dir)
        .current_dir(dist_dir()))?;
    let tarball = fs::read_dir(&dir)
        .map_err(|e| e.to_string())?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "tgz"))
        .ok_or("npm pack wrote no tarball")?;
    run(cmd("npm")
        .args([
            "install",
            "--no-save",
            "--no-package-lock",
            "--no-audit",
            "--no-fund",
        ])
        .arg(&tarball)
        .current_dir(&app))?;
    let bin = |name: &str| root().join("node_modules").join(".bin").join(name);
    run(cmd(&bin("tsc").display().to_string())
        .args(["-p", "."])
        .current_dir(&app))?;
    run(cmd(&bin("vite").display().to_string())
        .args(["build", "--logLevel", "warn"])
        .current_dir(&app))?;
    Ok(app.join("dist"))
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    fs::create_dir_all(to).map_err(|e| format!("cannot create {}: {e}", to.display()))?;
    for entry in fs::read_dir(from).map_err(|e| format!("cannot read {}: {e}", from.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let target = to.join(path.file_name().unwrap_or_default());
        if path.is_dir() {
            copy_dir(&path, &target)?;
        } else {
            fs::copy(&path, &target).map_err(|e| format!("cannot copy {}: {e}", path.display()))?;
        }
    }
    Ok(())
}
