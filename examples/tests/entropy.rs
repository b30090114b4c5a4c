//! The `certgate` binary seeds aws-lc from the operating system: it is built without
//! aws-lc's CPU-jitter entropy source (`AWS_LC_SYS_NO_JITTER_ENTROPY` in the checkout's
//! `.cargo/config.toml`), whose start-up every one-shot command would otherwise pay
//! (benches/README.md, "One-shot commands as whole processes").

#[test]
fn certgate_is_built_without_the_cpu_jitter_entropy_source() {
    let binary = std::fs::read(env!("CARGO_BIN_EXE_certgate")).unwrap_or_default();
    assert!(!binary.is_empty(), "cannot read the certgate binary");
    // The jitter source's entry point, present (as a symbol) whenever aws-lc builds it.
    // (Searched as text: std's string search is fast even in a debug build.)
    assert!(
        !String::from_utf8_lossy(&binary).contains("jent_entropy_init"),
        "certgate links aws-lc's CPU-jitter entropy source: build from inside the checkout \
         (so that .cargo/config.toml applies) or set AWS_LC_SYS_NO_JITTER_ENTROPY=1"
    );
}
