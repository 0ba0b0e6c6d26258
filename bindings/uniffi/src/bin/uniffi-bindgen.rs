//! uniffi's bindgen, pinned with the crate (PyPI's lags): generates the Kotlin and Swift code
//! from the built library (`uniffi-bindgen generate --library target/debug/libsplants_uniffi.so
//! --language kotlin --config bindings/uniffi/uniffi.toml --out-dir …`).

fn main() {
    uniffi::uniffi_bindgen_main()
}
