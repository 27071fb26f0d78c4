//! Helpers shared by the integration tests: running the binary, temporary files,
//! and the shared reference problems.
#![allow(dead_code)] // each test file uses its own subset

use dopt::internals::frontend;
use dopt::internals::layer::Layer;
use dopt::internals::sema::Dims;
use dopt::internals::values::{Values, array_from_json};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Run `dopt ARGS` in the crate root: (exit code, stdout, stderr).
pub fn dopt(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dopt"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run dopt");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A layer file of format 3 rewritten as format 2: the payload without its last two
/// bytes (the solver choice and the warm-start flag, which format 2 lacks), with the
/// version and checksum of format 2. The rest (a GP flag, say) is left as it is.
pub fn as_format_2(bytes: &[u8]) -> Vec<u8> {
    let len = u64::from_le_bytes(bytes[12..20].try_into().unwrap()) as usize;
    let payload = &bytes[20..20 + len - 2];
    let mut old = Vec::new();
    old.extend_from_slice(b"DOPTLAYR");
    old.extend_from_slice(&2u32.to_le_bytes());
    old.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    old.extend_from_slice(payload);
    old.extend_from_slice(&dopt::internals::layer::checksum(payload).to_le_bytes());
    old
}

/// A path in this test process's own temporary folder (`tag` keeps test files apart).
pub fn temp_path(tag: &str, name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("dopt-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name).to_str().unwrap().to_string()
}

/// Write `bytes` to a temporary file and return its path.
pub fn temp_file(tag: &str, name: &str, bytes: &[u8]) -> String {
    let p = temp_path(tag, name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// The folder of the shared reference problems (copied from ../shared/reference).
pub fn problems_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/reference/problems")
}

/// The names of the reference problems, sorted.
pub fn reference_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(problems_dir())
        .unwrap()
        .filter_map(|e| {
            let p = e.unwrap().path();
            (p.extension()? == "json").then(|| p.file_stem().unwrap().to_str().unwrap().to_string())
        })
        .collect();
    names.sort();
    names
}

/// The JSON of reference problem `name`.
pub fn reference_json(name: &str) -> Value {
    let text = std::fs::read_to_string(problems_dir().join(format!("{name}.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The compiled layer of reference problem `name`.
pub fn reference_layer(name: &str) -> Layer {
    let path = problems_dir().join(format!("{name}.dopt"));
    let src = frontend::read_source(path.to_str().unwrap()).unwrap();
    let c = frontend::analyze(&src, &Dims::new()).unwrap_or_else(|f| panic!("{name}:\n{}", f.render()));
    Layer::new(c.program, &c.analysis).unwrap_or_else(|d| panic!("{name}: {}", d.message))
}

/// A JSON object of named arrays as `Values`.
pub fn values(v: &Value) -> Values {
    v.as_object().unwrap().iter().map(|(k, x)| (k.clone(), array_from_json(x).unwrap())).collect()
}

/// SplitMix64: a small deterministic generator for test inputs.
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in [lo, hi).
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u = 1.0 - self.unit();
        let v = self.unit();
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
    /// `n` standard normals.
    pub fn normals(&mut self, n: usize) -> Vec<f64> {
        (0..n).map(|_| self.normal()).collect()
    }
}

/// The largest entrywise difference of two equally long slices.
pub fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len(), "comparing slices of different lengths");
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max)
}

/// `n` deterministic values in [-1, 1) for `seed`.
pub fn random_vec(n: usize, seed: u64) -> Vec<f64> {
    let mut r = Rng(seed);
    (0..n).map(|_| r.uniform(-1.0, 1.0)).collect()
}
