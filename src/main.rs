use clap::Parser as _;

// mimalloc over the system allocator: a run allocates and frees many small values per step
// (YAML nodes at load, headers, records); glibc's malloc and free were 22% of a 500-step
// run's instructions (callgrind). See docs/performance.md for the before/after figures.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = apiflow::cli::Cli::parse();
    std::process::exit(apiflow::app::main(cli));
}
