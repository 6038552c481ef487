//! Links the release binary as a position-dependent executable on Linux.
//!
//! A PIE has its ~50,000 relative relocations applied by the dynamic loader at every start,
//! which writes (and so copies) every page of `.data.rel.ro`: about 230 page faults and 0.75 M
//! instructions of a 1-step run's start-up (callgrind, `perf stat`; docs/performance.md). A
//! position-dependent executable has them resolved at link time. The price is that the
//! executable's own image is not address-randomised (its libraries, heap and stacks still
//! are); debug builds keep the default.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let linux = std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux");
    let gnu = std::env::var("CARGO_CFG_TARGET_ENV").as_deref() == Ok("gnu");
    let release = std::env::var("PROFILE").as_deref() == Ok("release");
    if linux && gnu && release {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
