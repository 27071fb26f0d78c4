//! Compiled layer files: `dopt compile … -o LAYER` writes one, [`Layer::load`] reads it.
//!
//! Layout (little-endian):
//!
//! ```text
//! magic     8 bytes   "DOPTLAYR"
//! version   u32       FORMAT_VERSION
//! length    u64       byte length of the payload
//! payload   …         the signature and the cone program (see `put_layer`)
//! checksum  u64       FNV-1a 64 of the payload
//! ```
//!
//! A file that is truncated, corrupted (checksum), of another format version or not a
//! layer at all is refused with a message that says which. A payload that passes the
//! checksum is still validated before use (patterns within bounds, ranges consistent),
//! so a hand-made file cannot make a call panic.

use super::{ConstraintInfo, Error, Layer, Signature};
use crate::diag::{Diagnostic, codes};
use crate::ir::cone::{Cone, ConeProgram, ConstraintRows, Pattern, RowLayout};
use crate::ir::hir::{Attrs, Decl};
use crate::ir::shape::Shape;
use crate::solve::{Settings, SolverChoice};
use crate::source::Span;
use std::ops::Range;

/// The first 8 bytes of every layer file.
pub const MAGIC: &[u8; 8] = b"DOPTLAYR";
/// Bumped whenever the payload layout changes.
pub const FORMAT_VERSION: u32 = 3;
/// The oldest version still read: version 2 is version 3 without geometric programs
/// (bit 1 of the objective flags, which version 2 leaves 0) and without the solver
/// choice and warm-start flag at the end of the payload (they read as `auto` and on).
pub const OLDEST_VERSION: u32 = 2;
const HEADER: usize = 8 + 4 + 8;

/// FNV-1a, 64 bits: enough to detect corruption (not an integrity guarantee).
pub fn checksum(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

impl Layer {
    /// The layer file's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::default();
        put_layer(&mut w, self);
        let payload = w.0;
        let mut out = Vec::with_capacity(HEADER + payload.len() + 8);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        out.extend_from_slice(&payload);
        out.extend_from_slice(&checksum(&payload).to_le_bytes());
        out
    }

    /// A layer from a layer file's bytes; the error (E0902) says what is wrong with
    /// them: not a layer file, truncated, corrupted, or of another format version.
    pub fn from_bytes(bytes: &[u8]) -> Result<Layer, Error> {
        crate::frontend::guard("Layer::from_bytes", || {
            Layer::decode(bytes).map_err(|e| Error::from(Diagnostic::error(codes::BAD_LAYER_FILE, e)))
        })
    }

    fn decode(bytes: &[u8]) -> Result<Layer, String> {
        if bytes.len() < 8 || &bytes[..8] != MAGIC {
            if near_magic(bytes) {
                return Err(format!(
                    "damaged layer file: its header starts with {:?} instead of \"DOPTLAYR\"",
                    String::from_utf8_lossy(&bytes[..8])
                ));
            }
            return Err("not a dopt layer file (no DOPTLAYR header)".into());
        }
        if bytes.len() < HEADER {
            return Err("truncated layer file (the header is incomplete)".into());
        }
        let version = u32::from_le_bytes(bytes[8..12].try_into().unwrap_or_default());
        if !(OLDEST_VERSION..=FORMAT_VERSION).contains(&version) {
            return Err(format!(
                "layer file format version {version}, but this dopt reads versions {OLDEST_VERSION} to {FORMAT_VERSION}: \
                 compile the layer again with this version"
            ));
        }
        let len = u64::from_le_bytes(bytes[12..20].try_into().unwrap_or_default());
        let have = (bytes.len() - HEADER) as u64;
        if have < len.saturating_add(8) {
            return Err(format!(
                "truncated layer file: {} bytes of payload and checksum expected, {have} present",
                len.saturating_add(8)
            ));
        }
        if have > len + 8 {
            return Err(format!("corrupted layer file: {} bytes after the end of the layer", have - len - 8));
        }
        let payload = &bytes[HEADER..HEADER + len as usize];
        let stored = u64::from_le_bytes(bytes[HEADER + len as usize..].try_into().unwrap_or_default());
        if checksum(payload) != stored {
            return Err("corrupted layer file: checksum mismatch".into());
        }
        let mut r = Reader { bytes: payload, at: 0 };
        let layer = get_layer(&mut r, version).map_err(|e| format!("corrupted layer file: {e}"))?;
        if r.at != payload.len() {
            return Err("corrupted layer file: unread bytes at the end of the payload".into());
        }
        validate(&layer).map_err(|e| format!("corrupted layer file: {e}"))?;
        Ok(layer.planned())
    }

    /// Write the layer file (the format of the module docs): the signature, the cone
    /// program, [`Layer::settings`] and [`Layer::diff`]; not the solver pool.
    ///
    /// # Errors
    /// E0903, naming the path, when it cannot be written.
    ///
    /// # Example
    /// ```
    /// use dopt::{Array, Dims, Layer, Problem, Values};
    ///
    /// let text = "dim n\nparameter x[n]\nvariable y[n]\nminimize sum_squares(y - x)\n\
    ///             subject to\n    y >= 0\n";
    /// let layer = Problem::from_str("relu.dopt", text)?.compile(&Dims::new().with("n", 2))?;
    /// let path = std::env::temp_dir().join(format!("dopt-doc-{}.layer", std::process::id()));
    /// layer.save(&path)?;
    /// let loaded = Layer::load(&path)?;
    /// std::fs::remove_file(&path).ok();
    ///
    /// assert_eq!(loaded.sig, layer.sig);
    /// let x = Values::from([("x".to_string(), Array::vector(&[-1.0, 3.0]))]);
    /// let y = &loaded.forward(&x)?.variables["y"].data;
    /// assert!(y[0].abs() < 1e-6 && (y[1] - 3.0).abs() < 1e-6);
    ///
    /// let e = Layer::from_bytes(b"not a layer").unwrap_err();
    /// assert!(e[0].message.contains("not a dopt layer file"));
    /// # Ok::<(), dopt::Error>(())
    /// ```
    pub fn save(&self, path: impl AsRef<std::path::Path>) -> Result<(), Error> {
        let path = path.as_ref();
        crate::frontend::guard("Layer::save", || {
            std::fs::write(path, self.to_bytes()).map_err(|e| {
                Error::from(Diagnostic::error(
                    codes::UNWRITABLE,
                    format!("cannot write `{}`: {e}", path.display()),
                ))
            })
        })
    }

    /// Read a layer file written by [`Layer::save`] (example there).
    ///
    /// # Errors
    /// E0901 when the path cannot be read; E0902, naming the path, when it is not a
    /// layer file, is truncated or corrupted (checksum, or a payload that fails
    /// validation), or has another format version than [`FORMAT_VERSION`].
    pub fn load(path: impl AsRef<std::path::Path>) -> Result<Layer, Error> {
        let path = path.as_ref();
        crate::frontend::guard("Layer::load", || Layer::load_unguarded(path))
    }

    fn load_unguarded(path: &std::path::Path) -> Result<Layer, Error> {
        let bytes = std::fs::read(path).map_err(|e| {
            Error::from(Diagnostic::error(
                codes::UNREADABLE,
                format!("cannot read `{}`: {e}", path.display()),
            ))
        })?;
        Layer::decode(&bytes).map_err(|e| {
            Error::from(Diagnostic::error(codes::BAD_LAYER_FILE, format!("`{}`: {e}", path.display())))
        })
    }
}

/// Whether these bytes start like a layer file (for the command line's FILE argument).
pub fn is_layer_file(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

/// Whether the start of a file is a layer file's, possibly damaged: the magic, or 8
/// bytes within two bytes of it, or a NUL byte (a layer header has several; `.dopt`
/// text has none). Such a file is read as a layer (and refused as damaged, E0902)
/// rather than parsed as source text.
pub fn looks_like_layer_file(head: &[u8]) -> bool {
    is_layer_file(head) || near_magic(head) || head.contains(&0)
}

/// The first 8 bytes differ from [`MAGIC`] in one or two places.
fn near_magic(bytes: &[u8]) -> bool {
    bytes.len() >= 8 && bytes[..8].iter().zip(MAGIC).filter(|(a, b)| a != b).count() <= 2
}

// ---------------------------------------------------------------------------------------
// Payload
// ---------------------------------------------------------------------------------------

fn put_layer(w: &mut Writer, l: &Layer) {
    let s = &l.sig;
    w.str(&s.source);
    w.u64(s.dims.len() as u64);
    for (k, v) in &s.dims {
        w.str(k);
        w.u64(*v as u64);
    }
    for list in [&s.params, &s.vars] {
        w.u64(list.len() as u64);
        for d in list {
            put_decl(w, d);
        }
    }
    w.usizes(&s.outputs);
    w.u64(s.constraints.len() as u64);
    for c in &s.constraints {
        w.opt_str(c.label.as_deref());
        put_shape(w, c.shape);
    }
    // Bit 0: the objective; bit 1 (format 3): a geometric program.
    w.u8(s.has_objective as u8 | (s.geometric as u8) << 1);

    let c = &l.cone;
    w.u64(c.n as u64);
    w.u64(c.m as u64);
    w.u64(c.cones.len() as u64);
    for cone in &c.cones {
        match *cone {
            Cone::Zero(n) => (w.u8(0), w.u64(n as u64)),
            Cone::Nonneg(n) => (w.u8(1), w.u64(n as u64)),
            Cone::Soc(n) => (w.u8(2), w.u64(n as u64)),
            Cone::Exp => (w.u8(3), w.u64(0)),
            Cone::Pow(a) => (w.u8(4), w.f64(a)),
            Cone::Psd(n) => (w.u8(5), w.u64(n as u64)),
        };
    }
    put_pattern(w, &c.p);
    put_pattern(w, &c.a);
    let (rows, cols) = c.map.shape();
    w.u64(rows as u64);
    w.u64(cols as u64);
    w.usizes(c.map.indptr().as_slice().unwrap_or(&[]));
    w.usizes(c.map.indices());
    w.f64s(c.map.data());
    w.u64(c.nparams as u64);
    for list in [&c.var_cols, &c.param_entries] {
        w.u64(list.len() as u64);
        for r in list.iter() {
            w.range(r);
        }
    }
    for &layout in &c.var_layout {
        put_layout(w, layout);
    }
    w.u64(c.constraint_rows.len() as u64);
    for r in &c.constraint_rows {
        w.u64(r.constraint as u64);
        w.range(&r.rows);
        put_layout(w, r.layout);
        w.f64(r.sign);
    }
    w.f64(c.objective_sign);

    let st = &l.settings;
    w.f64(st.tol_gap_abs);
    w.f64(st.tol_gap_rel);
    w.f64(st.tol_feas);
    w.u64(st.max_iter as u64);
    match l.diff.smoothing {
        Some(mu) => (w.u8(1), w.f64(mu)),
        None => (w.u8(0), w.f64(0.0)),
    };
    w.u8(match st.solver {
        SolverChoice::Auto => 0,
        SolverChoice::Clarabel => 1,
        SolverChoice::ActiveSet => 2,
    });
    w.u8(st.warm_start as u8);
}

fn get_layer(r: &mut Reader, version: u32) -> Result<Layer, String> {
    let source = r.str()?;
    let nd = r.len()?;
    let mut dims = Vec::new();
    for _ in 0..nd {
        dims.push((r.str()?, r.usize()?));
    }
    let np = r.len()?;
    let params = (0..np).map(|_| get_decl(r)).collect::<Result<Vec<_>, _>>()?;
    let nv = r.len()?;
    let vars = (0..nv).map(|_| get_decl(r)).collect::<Result<Vec<_>, _>>()?;
    let outputs = r.usizes()?;
    let nc = r.len()?;
    let mut constraints = Vec::new();
    for _ in 0..nc {
        let label = r.opt_str()?;
        constraints.push(ConstraintInfo { label, shape: get_shape(r)? });
    }
    let flags = r.u8()?;
    if flags > 3 || (version < 3 && flags > 1) {
        return Err(format!("bad objective flags {flags}"));
    }
    let (has_objective, geometric) = (flags & 1 != 0, flags & 2 != 0);
    let sig = Signature { source, dims, params, vars, outputs, constraints, has_objective, geometric };

    let n = r.usize()?;
    let m = r.usize()?;
    let ncones = r.len()?;
    let mut cones = Vec::new();
    for _ in 0..ncones {
        let tag = r.u8()?;
        cones.push(match tag {
            0 => Cone::Zero(r.usize()?),
            1 => Cone::Nonneg(r.usize()?),
            2 => Cone::Soc(r.usize()?),
            3 => {
                r.u64()?;
                Cone::Exp
            }
            4 => Cone::Pow(r.f64()?),
            5 => Cone::Psd(r.usize()?),
            t => return Err(format!("unknown cone tag {t}")),
        });
    }
    let p = get_pattern(r)?;
    let a = get_pattern(r)?;
    let rows = r.usize()?;
    let cols = r.usize()?;
    let indptr = r.usizes()?;
    let indices = r.usizes()?;
    let data = r.f64s()?;
    let map = sprs::CsMat::try_new((rows, cols), indptr, indices, data)
        .map_err(|e| format!("the parameter map is not a valid sparse matrix ({})", e.3))?;
    let nparams = r.usize()?;
    let mut lists = Vec::new();
    for _ in 0..2 {
        let k = r.len()?;
        lists.push((0..k).map(|_| r.range()).collect::<Result<Vec<_>, _>>()?);
    }
    let param_entries = lists.pop().unwrap_or_default();
    let var_cols = lists.pop().unwrap_or_default();
    let var_layout = (0..var_cols.len()).map(|_| get_layout(r)).collect::<Result<Vec<_>, _>>()?;
    let ncr = r.len()?;
    let mut constraint_rows = Vec::new();
    for _ in 0..ncr {
        let constraint = r.usize()?;
        let rows = r.range()?;
        let layout = get_layout(r)?;
        let sign = r.f64()?;
        constraint_rows.push(ConstraintRows { constraint, rows, layout, sign });
    }
    let objective_sign = r.f64()?;
    let cone = ConeProgram {
        n,
        m,
        cones,
        p,
        a,
        map,
        nparams,
        var_cols,
        var_layout,
        param_entries,
        constraint_rows,
        objective_sign,
    };
    let settings = Settings {
        tol_gap_abs: r.f64()?,
        tol_gap_rel: r.f64()?,
        tol_feas: r.f64()?,
        max_iter: u32::try_from(r.u64()?).map_err(|_| "max_iter out of range")?,
        // Printing is the caller's choice, not the file's.
        verbose: false,
        ..Settings::default()
    };
    let tol_ok = |t: f64| t > 0.0 && t < 1.0;
    if !(tol_ok(settings.tol_gap_abs) && tol_ok(settings.tol_gap_rel) && tol_ok(settings.tol_feas)) {
        return Err("solver tolerances out of range".into());
    }
    let smoothing = match (r.u8()?, r.f64()?) {
        (0, _) => None,
        (_, mu) if mu > 0.0 && mu.is_finite() => Some(mu),
        _ => return Err("a smoothing parameter that is not positive".into()),
    };
    let mut settings = settings;
    if version >= 3 {
        settings.solver = match r.u8()? {
            0 => SolverChoice::Auto,
            1 => SolverChoice::Clarabel,
            2 => SolverChoice::ActiveSet,
            k => return Err(format!("unknown solver choice {k}")),
        };
        settings.warm_start = match r.u8()? {
            0 => false,
            1 => true,
            k => return Err(format!("warm-start flag {k} (expected 0 or 1)")),
        };
    }
    Ok(Layer::from_parts(sig, cone, settings, super::DiffOptions { smoothing }))
}

fn put_layout(w: &mut Writer, layout: RowLayout) {
    match layout {
        RowLayout::Elementwise => (w.u8(0), w.u64(0)),
        RowLayout::Psd(n) => (w.u8(1), w.u64(n as u64)),
        RowLayout::Triangle(n) => (w.u8(2), w.u64(n as u64)),
    };
}

fn get_layout(r: &mut Reader) -> Result<RowLayout, String> {
    let (tag, n) = (r.u8()?, r.usize()?);
    Ok(match tag {
        0 => RowLayout::Elementwise,
        1 => RowLayout::Psd(n),
        2 => RowLayout::Triangle(n),
        t => return Err(format!("unknown layout tag {t}")),
    })
}

fn put_decl(w: &mut Writer, d: &Decl) {
    w.str(&d.name);
    w.u64(d.span.start as u64);
    w.u64(d.span.end as u64);
    put_shape(w, d.shape);
    w.str(&d.shape_text);
    let a = d.attrs;
    w.u8(a.nonneg as u8
        | (a.nonpos as u8) << 1
        | (a.symmetric as u8) << 2
        | (a.psd as u8) << 3
        | (a.nsd as u8) << 4);
}

fn get_decl(r: &mut Reader) -> Result<Decl, String> {
    let name = r.str()?;
    let start = u32::try_from(r.u64()?).map_err(|_| "a span out of range")?;
    let end = u32::try_from(r.u64()?).map_err(|_| "a span out of range")?;
    let shape = get_shape(r)?;
    let shape_text = r.str()?;
    let b = r.u8()?;
    let attrs = Attrs {
        nonneg: b & 1 != 0,
        nonpos: b & 2 != 0,
        symmetric: b & 4 != 0,
        psd: b & 8 != 0,
        nsd: b & 16 != 0,
    };
    Ok(Decl { name, shape, shape_text, attrs, span: Span { start, end } })
}

fn put_shape(w: &mut Writer, s: Shape) {
    w.usizes(s.dims());
}

fn get_shape(r: &mut Reader) -> Result<Shape, String> {
    let d = r.usizes()?;
    Shape::from_dims(&d).ok_or_else(|| format!("a shape with {} axes", d.len()))
}

fn put_pattern(w: &mut Writer, p: &Pattern) {
    w.u64(p.nrows as u64);
    w.u64(p.ncols as u64);
    w.usizes(&p.colptr);
    w.usizes(&p.rowval);
}

fn get_pattern(r: &mut Reader) -> Result<Pattern, String> {
    Ok(Pattern { nrows: r.usize()?, ncols: r.usize()?, colptr: r.usizes()?, rowval: r.usizes()? })
}

/// Every index a call will use is within bounds.
fn validate(l: &Layer) -> Result<(), String> {
    let c = &l.cone;
    let s = &l.sig;
    let check_pattern = |p: &Pattern, rows: usize, cols: usize, what: &str| -> Result<(), String> {
        let ok = p.nrows == rows
            && p.ncols == cols
            && p.colptr.len() == cols + 1
            && p.colptr.first() == Some(&0)
            && p.colptr.windows(2).all(|w| w[0] <= w[1])
            && p.colptr.last() == Some(&p.rowval.len())
            && p.rowval.iter().all(|&i| i < rows);
        if ok { Ok(()) } else { Err(format!("the pattern of {what} is inconsistent")) }
    };
    check_pattern(&c.p, c.n, c.n, "P")?;
    check_pattern(&c.a, c.m, c.n, "A")?;
    if c.p
        .colptr
        .iter()
        .enumerate()
        .skip(1)
        .any(|(j, _)| c.p.rowval[c.p.colptr[j - 1]..c.p.colptr[j]].iter().any(|&i| i > j - 1))
    {
        return Err("P is not upper triangular".into());
    }
    // Sizes before any arithmetic on them: a corrupt size must not overflow.
    let tri = |n: usize| n.checked_mul(n + 1).map(|t| t / 2);
    let mut rows = 0usize;
    for k in &c.cones {
        let d = match *k {
            Cone::Psd(n) => tri(n.min(usize::MAX - 1)),
            Cone::Zero(n) | Cone::Nonneg(n) | Cone::Soc(n) => Some(n),
            Cone::Exp | Cone::Pow(_) => Some(3),
        };
        rows = d.and_then(|d| rows.checked_add(d)).ok_or("a cone size out of range")?;
    }
    if rows != c.m {
        return Err(format!("the cones cover {rows} rows, A has {}", c.m));
    }
    if c.cones.iter().any(|k| matches!(k, Cone::Pow(a) if !(*a > 0.0 && *a < 1.0))) {
        return Err("a power cone exponent outside (0, 1)".into());
    }
    if c.map.shape() != (c.offsets().end, c.nparams + 1) {
        return Err("the parameter map has the wrong size".into());
    }
    if !c.map.is_csr() || c.map.data().iter().any(|v| !v.is_finite()) {
        return Err("the parameter map has invalid entries".into());
    }
    let in_range = |r: &Range<usize>, end: usize| r.start <= r.end && r.end <= end;
    let size = |s: Shape| s.dims().iter().try_fold(1usize, |a, &d| a.checked_mul(d));
    if s.params.iter().chain(&s.vars).any(|d| size(d.shape).is_none())
        || s.constraints.iter().any(|c| size(c.shape).is_none())
    {
        return Err("a shape out of range".into());
    }
    if c.var_cols.len() != s.vars.len()
        || c.var_layout.len() != s.vars.len()
        || c.var_cols
            .iter()
            .zip(&c.var_layout)
            .zip(&s.vars)
            .any(|((r, l), d)| !in_range(r, c.n) || size(d.shape).and_then(|e| l.len(e)) != Some(r.len()))
    {
        return Err("variable columns do not match the variables".into());
    }
    if c.param_entries.len() != s.params.len()
        || c.param_entries
            .iter()
            .zip(&s.params)
            .any(|(r, d)| !in_range(r, c.nparams) || r.len() != d.shape.size())
    {
        return Err("parameter entries do not match the parameters".into());
    }
    if s.outputs.iter().any(|&v| v >= s.vars.len()) {
        return Err("an output is not a variable".into());
    }
    for r in &c.constraint_rows {
        let Some(info) = s.constraints.get(r.constraint) else {
            return Err("constraint rows point at no constraint".into());
        };
        let want = match r.layout {
            RowLayout::Elementwise => info.shape.dims().iter().try_fold(1usize, |a, &d| a.checked_mul(d)),
            RowLayout::Psd(n) => tri(n.min(usize::MAX - 1)),
            RowLayout::Triangle(_) => None,
        };
        if !in_range(&r.rows, c.m) || Some(r.rows.len()) != want {
            return Err("constraint rows out of range".into());
        }
    }
    for d in s.params.iter().chain(&s.vars) {
        if (d.attrs.symmetric || d.attrs.psd || d.attrs.nsd)
            && !(d.shape.is_matrix() && d.shape.dims()[0] == d.shape.dims()[1])
        {
            return Err(format!("`{}` is declared symmetric but is not square", d.name));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Bytes
// ---------------------------------------------------------------------------------------

#[derive(Default)]
struct Writer(Vec<u8>);

impl Writer {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn f64(&mut self, v: f64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn str(&mut self, s: &str) {
        self.u64(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
    }
    fn opt_str(&mut self, s: Option<&str>) {
        match s {
            Some(s) => {
                self.u8(1);
                self.str(s);
            }
            None => self.u8(0),
        }
    }
    fn usizes(&mut self, v: &[usize]) {
        self.u64(v.len() as u64);
        v.iter().for_each(|x| self.u64(*x as u64));
    }
    fn f64s(&mut self, v: &[f64]) {
        self.u64(v.len() as u64);
        v.iter().for_each(|x| self.f64(*x));
    }
    fn range(&mut self, r: &Range<usize>) {
        self.u64(r.start as u64);
        self.u64(r.end as u64);
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, k: usize) -> Result<&[u8], String> {
        if self.bytes.len() - self.at < k {
            return Err("the payload ends early".into());
        }
        let s = &self.bytes[self.at..self.at + k];
        self.at += k;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    fn u64(&mut self) -> Result<u64, String> {
        let b = self.take(8)?;
        Ok(u64::from_le_bytes(b.try_into().map_err(|_| "short read")?))
    }
    fn f64(&mut self) -> Result<f64, String> {
        Ok(f64::from_bits(self.u64()?))
    }
    fn usize(&mut self) -> Result<usize, String> {
        usize::try_from(self.u64()?).map_err(|_| "a size out of range".to_string())
    }
    /// A count of items that each take at least one byte: bounded by what is left.
    fn len(&mut self) -> Result<usize, String> {
        let k = self.usize()?;
        if k > self.bytes.len() - self.at {
            return Err(format!("a count of {k} items in {} remaining bytes", self.bytes.len() - self.at));
        }
        Ok(k)
    }
    fn str(&mut self) -> Result<String, String> {
        let k = self.len()?;
        String::from_utf8(self.take(k)?.to_vec()).map_err(|_| "a name that is not UTF-8".to_string())
    }
    fn opt_str(&mut self) -> Result<Option<String>, String> {
        match self.u8()? {
            0 => Ok(None),
            _ => Ok(Some(self.str()?)),
        }
    }
    fn usizes(&mut self) -> Result<Vec<usize>, String> {
        let k = self.len()?;
        (0..k).map(|_| self.usize()).collect()
    }
    fn f64s(&mut self) -> Result<Vec<f64>, String> {
        let k = self.len()?;
        (0..k).map(|_| self.f64()).collect()
    }
    fn range(&mut self) -> Result<Range<usize>, String> {
        Ok(self.usize()?..self.usize()?)
    }
}
