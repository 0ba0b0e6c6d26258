//! Development package of the splants workspace: it owns the top-level `examples/`,
//! `benches/` and `tests/` (cargo builds those only inside a package) and the bundled
//! server binary. It is not published.
