use clap::Parser as _;

// mimalloc over the system allocator: a run allocates and frees many small values per step
// (YAML nodes at load, headers, records); glibc's malloc and free were 22% of a 500-step
// run's instructions (callgrind). See docs/performance.md for the before/after figures.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = apiflow::cli::Cli::parse();
    // On the main thread, the only thread of a one-file run: a second thread (a large-stack
    // runner, a signal waiter) made the scheduler keep the run off the CPU of the server it
    // talks to, over 2x the time per step (docs/performance.md). Include chains grow their
    // stack where they recurse (run/include.rs).
    let code = apiflow::app::main(cli);
    std::process::exit(code);
}
