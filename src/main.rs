use std::process::ExitCode;

fn main() -> ExitCode {
    supplygraph::cli::main()
}
