use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: supplygraph::allocator::MiMalloc = supplygraph::allocator::MiMalloc;

/// The CLI runs on a thread with a large stack (reserved, not committed):
/// evaluation that recurses over deep values or long paths gets room a
/// main thread's 8 MiB does not give.
const STACK_BYTES: usize = 1 << 30;

fn main() -> ExitCode {
    let cli = std::thread::Builder::new()
        .name("supplygraph".into())
        .stack_size(STACK_BYTES)
        .spawn(supplygraph::cli::main);
    match cli.map(|t| t.join()) {
        Ok(Ok(code)) => code,
        // A panic was already reported by the panic hook.
        Ok(Err(_)) => ExitCode::from(101),
        // No thread could be made: run where we are.
        Err(_) => supplygraph::cli::main(),
    }
}
