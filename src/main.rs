use clap::Parser as _;

// mimalloc over the system allocator: a run allocates and frees many small values per step
// (YAML nodes at load, headers, records); glibc's malloc and free were 22% of a 500-step
// run's instructions (callgrind). See docs/performance.md for the before/after figures.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = apiflow::cli::Cli::parse();
    // Includes (up to 32 deep) and nested steps recurse through the runner's futures; the main
    // thread's default stack is too small for the deepest chains the loader allows, so the
    // program runs on a thread with a larger one (reserved, only touched pages are used).
    let code = std::thread::Builder::new()
        .name("apiflow".into())
        .stack_size(apiflow::app::STACK_BYTES)
        .spawn(move || apiflow::app::main(cli))
        .map(|t| t.join().unwrap_or(apiflow::app::exit::FAILED))
        .unwrap_or_else(|_| apiflow::app::exit::FAILED);
    std::process::exit(code);
}
