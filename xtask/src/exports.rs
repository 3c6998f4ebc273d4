//! Drops the wasm exports of a dependency the widget never calls, so that wasm-opt can remove
//! their code.
//!
//! Leptos always turns on `server_fn`'s `browser` feature, which brings `wasm-streams`, whose
//! `#[wasm_bindgen]` classes (`IntoUnderlyingSource`, `IntoUnderlyingByteSource`,
//! `IntoUnderlyingSink`) are exported from every module that links it. Exports are roots: their
//! methods and everything those reach stayed in the first download (1.2 KB brotli of wasm, and
//! the classes in the glue) though the widget streams nothing. The classes go from the glue and
//! its types as well, so that nothing a page or a bundler sees names the missing exports.

use wasm_encoder::{ExportKind, ExportSection, Module, RawSection};
use wasmparser::{ExternalKind, Parser, Payload};

/// Whether an export belongs to `wasm-streams`' classes: their methods
/// (`intounderlyingsource_pull`) and their destructors (`__wbg_intounderlyingsink_free`).
pub fn unused(name: &str) -> bool {
    let name = name.strip_prefix("__wbg_").unwrap_or(name);
    name.starts_with("intounderlying")
}

/// Returns `wasm` without the exports `drop` names, every other section as it was, and how
/// many exports went.
pub fn without(wasm: &[u8], drop: impl Fn(&str) -> bool) -> Result<(Vec<u8>, usize), String> {
    let mut module = Module::new();
    let mut dropped = 0;
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(|e| format!("cannot read the wasm module: {e}"))?;
        if let Payload::ExportSection(reader) = &payload {
            let mut exports = ExportSection::new();
            for export in reader.clone() {
                let export = export.map_err(|e| format!("cannot read an export: {e}"))?;
                if drop(export.name) {
                    dropped += 1;
                    continue;
                }
                let kind = match export.kind {
                    ExternalKind::Func | ExternalKind::FuncExact => ExportKind::Func,
                    ExternalKind::Table => ExportKind::Table,
                    ExternalKind::Memory => ExportKind::Memory,
                    ExternalKind::Global => ExportKind::Global,
                    ExternalKind::Tag => ExportKind::Tag,
                };
                exports.export(export.name, kind, export.index);
            }
            module.section(&exports);
        } else if let Some((id, range)) = payload.as_section() {
            module.section(&RawSection {
                id,
                data: &wasm[range.start as usize..range.end as usize],
            });
        }
    }
    Ok((module.finish(), dropped))
}

/// The classes of `wasm-streams` that wasm-bindgen writes into the glue.
pub const CLASSES: [&str; 3] = [
    "IntoUnderlyingByteSource",
    "IntoUnderlyingSink",
    "IntoUnderlyingSource",
];

/// Returns wasm-bindgen's glue (`esim_storefront.js`) without `class`: its definition, its
/// `Symbol.dispose` line and its finalization registry. `None` if the glue is not of the shape
/// wasm-bindgen writes (then it is best left as it is).
pub fn glue_without(js: &str, class: &str) -> Option<String> {
    let start = js.find(&format!("export class {class} {{"))?;
    let dispose = format!(
        "\nif (Symbol.dispose) {class}.prototype[Symbol.dispose] = {class}.prototype.free;\n"
    );
    let end = start + js[start..].find(&dispose)? + dispose.len();
    let js = format!("{}{}", &js[..start], &js[end..]);
    let start = js.find(&format!("const {class}Finalization = "))?;
    let end = start + js[start..].find("));\n")? + "));\n".len();
    Some(format!("{}{}", &js[..start], &js[end..]))
}

/// Returns the glue's TypeScript declarations without `class`.
pub fn types_without(ts: &str, class: &str) -> Option<String> {
    let start = ts.find(&format!("export class {class} {{"))?;
    let end = start + ts[start..].find("\n}\n")? + "\n}\n".len();
    Some(format!("{}{}", &ts[..start], &ts[end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module exporting two functions, one of them `wasm-streams`'.
    fn module() -> Vec<u8> {
        use wasm_encoder::{CodeSection, Function, FunctionSection, Instruction, TypeSection};
        let mut module = Module::new();
        let mut types = TypeSection::new();
        types.ty().function([], []);
        module.section(&types);
        let mut functions = FunctionSection::new();
        functions.function(0).function(0);
        module.section(&functions);
        let mut exports = ExportSection::new();
        exports.export("mount", ExportKind::Func, 0);
        exports.export("intounderlyingsink_write", ExportKind::Func, 1);
        module.section(&exports);
        let mut code = CodeSection::new();
        for _ in 0..2 {
            let mut f = Function::new([]);
            f.instruction(&Instruction::End);
            code.function(&f);
        }
        module.section(&code);
        module.finish()
    }

    const GLUE: &str = "import x from 'y';\n\nexport class IntoUnderlyingSink {\n    free() {\n        wasm.__wbg_intounderlyingsink_free(ptr, 0);\n    }\n}\nif (Symbol.dispose) IntoUnderlyingSink.prototype[Symbol.dispose] = IntoUnderlyingSink.prototype.free;\n\nexport class MountHandle {\n}\nconst IntoUnderlyingSinkFinalization = (typeof FinalizationRegistry === 'undefined')\n    ? { register: () => {}, unregister: () => {} }\n    : new FinalizationRegistry(ptr => wasm.__wbg_intounderlyingsink_free(ptr, 1));\nconst MountHandleFinalization = 1;\n";

    #[test]
    fn the_classes_leave_the_glue_and_its_types() {
        let js = glue_without(GLUE, "IntoUnderlyingSink").unwrap();
        assert_eq!(
            js,
            "import x from 'y';\n\n\nexport class MountHandle {\n}\nconst MountHandleFinalization = 1;\n"
        );
        assert_eq!(
            glue_without(&js, "IntoUnderlyingSink"),
            None,
            "not there: None"
        );
        let ts = "export class IntoUnderlyingSink {\n    free(): void;\n}\n\nexport class MountHandle {\n}\n";
        assert_eq!(
            types_without(ts, "IntoUnderlyingSink").unwrap(),
            "\nexport class MountHandle {\n}\n"
        );
    }

    fn export_names(wasm: &[u8]) -> Vec<String> {
        let mut names = Vec::new();
        for payload in Parser::new(0).parse_all(wasm) {
            if let Payload::ExportSection(reader) = payload.unwrap() {
                names.extend(reader.into_iter().map(|e| e.unwrap().name.to_owned()));
            }
        }
        names
    }

    #[test]
    fn only_the_streams_exports_go_and_the_module_stays_valid() {
        let (out, dropped) = without(&module(), unused).unwrap();
        assert_eq!(dropped, 1);
        assert_eq!(export_names(&out), ["mount"]);
        wasmparser::validate(&out).expect("a valid module");
        assert!(unused("__wbg_intounderlyingbytesource_free"));
        assert!(!unused("mounthandle_free") && !unused("__wbg_mounthandle_free"));
    }
}
