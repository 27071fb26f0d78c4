//! Records how the extension was optimized (`dopt._native.build_opt_level`), so that
//! the benchmark can say whether it measured a release build.
fn main() {
    let opt = std::env::var("OPT_LEVEL").unwrap_or_else(|_| "unknown".into());
    println!("cargo:rustc-env=DOPT_OPT_LEVEL={opt}");
    println!("cargo:rerun-if-env-changed=OPT_LEVEL");
}
