//! Writes the widget's stylesheet without its comments and spare white space into OUT_DIR,
//! for `src/mount` to include: the source stays readable and commented, the bundle carries
//! what the browser reads (about 500 bytes less after brotli).

use std::path::Path;

const SOURCE: &str = "src/style/widget.css";

fn main() {
    println!("cargo:rerun-if-changed={SOURCE}");
    let css = std::fs::read_to_string(SOURCE).expect("src/style/widget.css is readable");
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(Path::new(&out).join("widget.css"), minify(&css)).expect("OUT_DIR is writable");
}

/// Drops comments, turns each run of white space into one space, and drops the space beside
/// `{ } ; , >` and after `:`. Quoted strings are kept as they are. (A colon is followed by
/// white space only in declarations, never in a selector, so `a :hover` keeps its meaning.)
fn minify(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut chars = css.chars().peekable();
    let mut space = false;
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut last = ' ';
                for c in chars.by_ref() {
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
                space = true;
            }
            '"' | '\'' => {
                push_space(&mut out, &mut space, c);
                out.push(c);
                for inner in chars.by_ref() {
                    out.push(inner);
                    if inner == c {
                        break;
                    }
                }
            }
            c if c.is_whitespace() => space = true,
            c => {
                push_space(&mut out, &mut space, c);
                out.push(c);
            }
        }
    }
    out.trim().to_owned()
}

/// Writes the space owed before `next`, unless either side is punctuation that needs none.
fn push_space(out: &mut String, space: &mut bool, next: char) {
    let tight = |c: char| matches!(c, '{' | '}' | ';' | ',' | '>');
    if std::mem::take(space) {
        match out.chars().last() {
            Some(before) if !tight(before) && before != ':' && !tight(next) => out.push(' '),
            _ => {}
        }
    }
}
