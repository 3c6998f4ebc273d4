//! `cargo xtask dist`: the widget's release build, as an npm-ready folder in `target/dist/`.
//!
//! wasm (size profile, feature `split`) -> wasm_split (the main module and the chunks fetched
//! later, see `src/later.rs`) -> wasm-bindgen on the main module (`--target web`) -> wasm-opt
//! on every module (binaryen from npm; see `WASM_OPT_FLAGS`) -> the package files from
//! `pkg-template/` -> `.br` and `.gz` copies -> `size.json`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::exports;
use crate::shell::{self, cmd, root, step};
use crate::tools;

/// The base name of the generated files (`esim_storefront.js`, `esim_storefront_bg.wasm`).
pub const OUT_NAME: &str = "esim_storefront";

/// Returns the folder the bundle is written to.
pub fn dist_dir() -> PathBuf {
    root().join("target/dist")
}

/// Builds the bundle into `target/dist/` and prints its size.
pub fn run() -> Result<(), String> {
    tools::wasm_target()?;
    tools::wasm_bindgen()?;
    let wasm_opt = tools::wasm_opt()?;
    let esbuild = tools::esbuild()?;
    let dist = dist_dir();

    step(
        "Building the widget for wasm32 (profile wasm-release; a cold build takes about 2 minutes)",
    );
    shell::run(cmd("cargo").args([
        "build",
        "--lib",
        "--package",
        "esim-storefront",
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        "wasm-release",
        "--features",
        "split",
        "--config",
        &remap_paths()?,
    ]))?;
    let built = root().join("target/wasm32-unknown-unknown/wasm-release/esim_storefront.wasm");
    if dist.exists() {
        fs::remove_dir_all(&dist).map_err(|e| format!("cannot clear {}: {e}", dist.display()))?;
    }

    step("Splitting off the panels a first visit does not need (wasm_split)");
    let main = split(&built, &dist)?;
    let chunks = wasm_files(&dist)?;

    step("Generating JavaScript bindings for the main module (wasm-bindgen --target web)");
    shell::run(
        cmd("wasm-bindgen")
            .args([
                "--target",
                "web",
                "--out-name",
                OUT_NAME,
                "--keep-lld-exports",
            ])
            // The chunks share the main module's function table, which only LLD exports.
            .arg("--out-dir")
            .arg(&dist)
            .arg(&main),
    )?;
    fs::remove_file(&main).map_err(|e| format!("cannot remove {}: {e}", main.display()))?;

    let wasm = dist.join(format!("{OUT_NAME}_bg.wasm"));
    step("Dropping the exports of wasm-streams, which nothing calls (src/exports.rs)");
    let (stripped, dropped) = exports::without(&read(&wasm)?, exports::unused)?;
    if dropped == 0 {
        println!("    none found: nothing to drop");
    }
    write(&wasm, &stripped)?;
    let (glue, types) = (
        dist.join(format!("{OUT_NAME}.js")),
        dist.join(format!("{OUT_NAME}.d.ts")),
    );
    let (mut js, mut ts) = (read_to_string(&glue)?, read_to_string(&types)?);
    for class in exports::CLASSES {
        match (
            exports::glue_without(&js, class),
            exports::types_without(&ts, class),
        ) {
            (Some(j), Some(t)) => (js, ts) = (j, t),
            _ => println!("    {class} is not in the glue as wasm-bindgen used to write it: kept"),
        }
    }
    write(&glue, js.as_bytes())?;
    write(&types, ts.as_bytes())?;

    step("Optimising every module for size (wasm-opt -Oz, without its inlining)");
    for module in std::iter::once(&wasm).chain(&chunks) {
        shell::run(
            cmd(&wasm_opt.to_string_lossy())
                .args(WASM_OPT_FLAGS)
                .arg(module)
                .arg("-o")
                .arg(module),
        )?;
    }

    step("Writing the npm package files from pkg-template/");
    copy_template(&root().join("pkg-template"), &dist)?;

    step("Minifying the JavaScript a page loads (esbuild)");
    let mut shipped = vec![
        dist.join("esim-storefront.js"),
        dist.join(format!("{OUT_NAME}.js")),
        dist.join(SPLIT_LINK),
    ];
    collect_js(&dist.join("snippets"), &mut shipped)?;
    for file in &shipped {
        // wasm-bindgen's glue names its types in a comment that minifying would drop.
        let types = read_to_string(file)?
            .lines()
            .next()
            .filter(|l| l.starts_with("/* @ts-self-types="))
            .map(|l| format!("{l}\n"));
        // A transform, not a bundle: imports, exports and `new URL(…, import.meta.url)` stay
        // as they are, for the browser and for the bundlers of npm users.
        shell::run(
            cmd(&esbuild.to_string_lossy())
                .arg(file)
                .args(["--minify", "--log-level=error", "--allow-overwrite"])
                .arg(format!("--outfile={}", file.display())),
        )?;
        if let Some(types) = types {
            let minified = read_to_string(file)?;
            write(file, (types + &minified).as_bytes())?;
        }
    }

    step("Compressing (brotli, gzip) and measuring");
    let js = dist.join(format!("{OUT_NAME}.js"));
    let wasm_size = compress_and_measure(&wasm)?;
    let js_size = compress_and_measure(&js)?;
    // Everything a first visit by script tag downloads: the loader, the glue, the modules it
    // imports, the wasm (which holds the stylesheet).
    let loader_size = compress_and_measure(&dist.join("esim-storefront.js"))?;
    let mut snippets = vec![dist.join(SPLIT_LINK)];
    collect_js(&dist.join("snippets"), &mut snippets)?;
    let mut later = Vec::new();
    for chunk in &chunks {
        let mut size = compress_and_measure(chunk)?;
        size["file"] = Value::String(file_name(chunk));
        later.push(size);
    }
    let mut snippet_sizes = Vec::new();
    for snippet in &snippets {
        snippet_sizes.push(compress_and_measure(snippet)?);
    }
    let total =
        |key: &str| wasm_size[key].as_u64().unwrap_or(0) + js_size[key].as_u64().unwrap_or(0);
    let first_visit = |key: &str| {
        total(key)
            + loader_size[key].as_u64().unwrap_or(0)
            + snippet_sizes
                .iter()
                .map(|s| s[key].as_u64().unwrap_or(0))
                .sum::<u64>()
    };
    let report = json!({
        "wasm": wasm_size,
        "js": js_size,
        "loader": loader_size,
        "snippets": snippet_sizes,
        "later": later,
        "total": { "raw": total("raw"), "gzip": total("gzip"), "brotli": total("brotli") },
        "first_visit": {
            "raw": first_visit("raw"),
            "gzip": first_visit("gzip"),
            "brotli": first_visit("brotli"),
            "aim_brotli": FIRST_VISIT_AIM,
            "budget_brotli": FIRST_VISIT_BUDGET,
        },
    });
    write(
        &dist.join("size.json"),
        serde_json::to_string_pretty(&report)
            .unwrap_or_default()
            .as_bytes(),
    )?;

    println!(
        "    target/dist: wasm {} B ({} B brotli), js {} B ({} B brotli), total {} B brotli",
        report["wasm"]["raw"],
        report["wasm"]["brotli"],
        report["js"]["raw"],
        report["js"]["brotli"],
        report["total"]["brotli"],
    );
    let later_brotli: u64 = later.iter().filter_map(|c| c["brotli"].as_u64()).sum();
    println!(
        "    later, when a panel is first shown: {} chunks, {} B brotli in all",
        later.len(),
        later_brotli
    );
    println!("    {}", first_visit_verdict(first_visit("brotli")));
    Ok(())
}

/// How wasm-opt shrinks each module. Its inlining makes the code smaller but less alike, and
/// brotli, which is what a visitor downloads, then does worse: measured on the main module,
/// -Oz gave 474 KB raw / 143.6 KB brotli, -Oz without `inlining-optimizing` 488 KB / 133.6 KB.
const WASM_OPT_FLAGS: &[&str] = &["-Oz", "--skip-pass=inlining-optimizing"];

/// Rustflags (added to those in .cargo/config.toml) that write this machine's paths in panic
/// locations as short relative ones: the shipped wasm names no home directory and is the same
/// wherever it is built (brotli made the long paths cheap already: 0.1 KB).
fn remap_paths() -> Result<String, String> {
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| home.join(".cargo"));
    let sysroot = shell::output(cmd("rustc").args(["--print", "sysroot"]))
        .ok_or("cannot ask rustc for its sysroot")?;
    let remaps = [
        (root(), "esim-storefront".to_owned()),
        (cargo_home.join("registry/src"), "crates".to_owned()),
        (
            PathBuf::from(sysroot.trim()).join("lib/rustlib/src/rust"),
            "rust".to_owned(),
        ),
    ];
    let flags: Vec<String> = remaps
        .iter()
        .map(|(from, to)| format!("\"--remap-path-prefix={}={to}\"", from.display()))
        .collect();
    Ok(format!(
        "target.wasm32-unknown-unknown.rustflags=[{}]",
        flags.join(", ")
    ))
}

/// The module the main wasm imports the chunk loaders from, next to the glue.
const SPLIT_LINK: &str = "__wasm_split.js";

/// Splits `built` at its split points: writes the chunks and their loader into `dist`, and
/// returns the main module (still to go through wasm-bindgen).
fn split(built: &Path, dist: &Path) -> Result<PathBuf, String> {
    let input = fs::read(built).map_err(|e| format!("cannot read {}: {e}", built.display()))?;
    fs::create_dir_all(dist).map_err(|e| format!("cannot create {}: {e}", dist.display()))?;
    let main = dist.join("main.split.wasm");
    let link = format!("./{SPLIT_LINK}");
    let glue = format!("./{OUT_NAME}.js");
    let mut options = wasm_split_cli_support::Options::new(&input);
    options.output_dir = dist;
    options.main_out_path = &main;
    options.link_name = &link;
    options.main_module = &glue;
    wasm_split_cli_support::transform(options).map_err(|e| format!("wasm_split: {e:#}"))?;
    Ok(main)
}

/// The `.wasm` files in `dir`, sorted.
fn wasm_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().is_some_and(|e| e == "wasm") && !path.ends_with("main.split.wasm") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The first visit's transfer size (brotli) the widget aims at, and the most it may be.
pub const FIRST_VISIT_AIM: u64 = 100 * 1024;
pub const FIRST_VISIT_BUDGET: u64 = 150 * 1024;

/// Says how `bytes` (brotli) of a first visit compare with the aim and the budget.
pub fn first_visit_verdict(bytes: u64) -> String {
    let kb = |b: u64| b as f64 / 1024.0;
    let verdict = if bytes <= FIRST_VISIT_AIM {
        "within the aim".to_owned()
    } else if bytes <= FIRST_VISIT_BUDGET {
        format!(
            "within the budget, {:.1} KB over the aim",
            kb(bytes - FIRST_VISIT_AIM)
        )
    } else {
        format!(
            "OVER THE BUDGET by {:.1} KB",
            kb(bytes - FIRST_VISIT_BUDGET)
        )
    };
    format!(
        "first visit (loader, glue, snippets, wasm with styles): {:.1} KB brotli; aim {:.0} KB, budget {:.0} KB: {verdict}",
        kb(bytes),
        kb(FIRST_VISIT_AIM),
        kb(FIRST_VISIT_BUDGET)
    )
}

fn collect_js(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            collect_js(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "js") {
            out.push(path);
        }
    }
    out.sort();
    Ok(())
}

/// Copies the package skeleton, giving package.json the crate's version.
fn copy_template(template: &Path, dist: &Path) -> Result<(), String> {
    let entries =
        fs::read_dir(template).map_err(|e| format!("cannot read {}: {e}", template.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        let name = path.file_name().unwrap_or_default();
        let target = dist.join(name);
        if name == "package.json" {
            // Edited as text: a JSON round trip would sort the keys, and an `exports` entry's
            // conditions must keep their order ("types" before "default").
            let text = read_to_string(&path)?;
            let placeholder = "\"version\": \"0.0.0\"";
            if !text.contains(placeholder) {
                return Err(format!("pkg-template/package.json must hold {placeholder}"));
            }
            let version = format!("\"version\": \"{}\"", env!("CARGO_PKG_VERSION"));
            write(&target, text.replacen(placeholder, &version, 1).as_bytes())?;
        } else if path.is_file() {
            fs::copy(&path, &target).map_err(|e| format!("cannot copy {}: {e}", path.display()))?;
        }
    }
    Ok(())
}

/// Writes `file.br` and `file.gz` beside `file` and returns its raw and compressed sizes.
fn compress_and_measure(file: &Path) -> Result<Value, String> {
    let raw = fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;

    let mut br = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut raw.as_slice(), &mut br, &params)
        .map_err(|e| format!("brotli: {e}"))?;

    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&raw).map_err(|e| format!("gzip: {e}"))?;
    let gz = gz.finish().map_err(|e| format!("gzip: {e}"))?;

    let with_ext = |ext: &str| PathBuf::from(format!("{}.{ext}", file.display()));
    write(&with_ext("br"), &br)?;
    write(&with_ext("gz"), &gz)?;
    Ok(json!({ "raw": raw.len(), "gzip": gz.len(), "brotli": br.len() }))
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn read_to_string(path: &Path) -> Result<String, String> {
    fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
