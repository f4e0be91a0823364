use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: supplygraph::allocator::MiMalloc = supplygraph::allocator::MiMalloc;

fn main() -> ExitCode {
    supplygraph::cli::main()
}
