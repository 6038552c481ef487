use clap::Parser as _;

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
