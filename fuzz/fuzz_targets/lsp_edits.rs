//! (d) The language server under arbitrary edits (see `fuzz/lsp_edits.rs`).
#![no_main]

#[path = "../lsp_edits.rs"]
mod lsp_edits;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/customs");
    lsp_edits::lsp_edits(&folder, data)
});
