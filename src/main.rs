use clap::Parser as _;

/// The whole command runs on one thread with a large stack: includes and nested steps recurse
/// (bounded by the loader's limits, 32 include levels), and in a debug build the deepest chain
/// the loader allows needs more than the 8 MiB a main thread gets. Untouched stack pages cost
/// no memory.
const STACK: usize = 64 * 1024 * 1024;

fn main() {
    let cli = apiflow::cli::Cli::parse();
    let code = std::thread::Builder::new()
        .name("apiflow".into())
        .stack_size(STACK)
        .spawn(move || apiflow::app::main(cli))
        .map(|t| t.join().unwrap_or(1))
        .unwrap_or_else(|e| {
            eprintln!("error: cannot start the main thread: {e}");
            1
        });
    std::process::exit(code);
}
