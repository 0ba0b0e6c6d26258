//! `splants-dev`: the workspace package that owns the examples, benchmarks and cross-crate
//! tests of splants (cargo builds those only inside a package). It has no code of its own; the
//! `splants-server` binary is a bin of the `splants` crate (`--features server`).
