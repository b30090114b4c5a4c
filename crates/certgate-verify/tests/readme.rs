//! The README's `ServerConfig` example is the crate's doc example, which `cargo test`
//! compiles: the two must stay the same code.

#![allow(clippy::unwrap_used)]

fn block_after<'a>(text: &'a str, marker: &str, fence: &str) -> &'a str {
    let start = text.find(marker).unwrap();
    let rest = &text[start..];
    let open = rest.find(fence).unwrap() + fence.len();
    let body = &rest[open..];
    &body[..body.find("```").unwrap()]
}

#[test]
fn readme_example_is_the_compiled_doc_example() {
    let readme = include_str!("../../../README.md");
    let lib = include_str!("../src/lib.rs");
    let doc: String = lib
        .lines()
        .filter_map(|l| l.strip_prefix("//!"))
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n");
    let in_readme = block_after(
        readme,
        "## Verifying client certificates in your own `ServerConfig`",
        "```rust,ignore\n",
    );
    let in_doc = block_after(&doc, "in your own `ServerConfig`", "```no_run\n");
    assert_eq!(in_readme.trim(), in_doc.trim());
}
