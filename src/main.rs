//! The `interdict` binary: all the work is in the library's `cli` module.

// Evaluation allocates many small, short-lived values (evidence) on every
// core; glibc's malloc spent a third of a large run in locks and
// consolidation. mimalloc's thread-local heaps do not.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    interdict::cli::main()
}
