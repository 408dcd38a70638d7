use clap::Parser;

fn main() {
    let cli = contrail_sim::cli::Cli::parse();
    std::process::exit(contrail_sim::cli::main(cli));
}
