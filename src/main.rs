use clap::Parser as _;

fn main() {
    let cli = apiflow::cli::Cli::parse();
    std::process::exit(apiflow::app::main(cli));
}
