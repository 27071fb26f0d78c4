//! Parametric affine expressions: each entry r is Σⱼ Aᵣⱼ(θ) xⱼ + cᵣ(θ), where every
//! coefficient is itself affine in the flattened parameters θ. Stored sparsely as
//! terms (row, column, parameter, value); column [`CONST`] is the constant part and
//! parameter [`ONE`] the part that does not depend on θ.
//!
//! Forms are kept *compact*: terms sorted by (row, column, parameter), each key at
//! most once, no zero factor. A zero factor is a structural zero (`x - x`, `0 * x`),
//! zero for every θ, so dropping it never makes the pattern of the problem data
//! depend on parameter values (a parameter whose value is zero keeps its term).
//! Compactness bounds a form by its entries times the variables and parameters they
//! involve, however often a shared `let` is reused (`a1 = a0 + a0`, `a2 = a1 + a1`,
//! … would otherwise double the list at each level). `add` appends and compacts once
//! the unsorted tail is as long as the compact head, so a long chain of sums costs
//! O(t log t) for t terms, not O(t²).

/// Column index of the constant part.
pub const CONST: u32 = u32::MAX;
/// Parameter index of the θ-free part.
pub const ONE: u32 = u32::MAX;

/// One coefficient: entry `row` gets `val · θ[param] · x[col]` (θ[[`ONE`]] = 1,
/// x[[`CONST`]] = 1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Term {
    /// The entry of the expression.
    pub row: u32,
    /// The cone-program variable, or [`CONST`].
    pub col: u32,
    /// The entry of θ, or [`ONE`].
    pub param: u32,
    /// The numeric factor.
    pub val: f64,
}

/// A vector of `size` parametric affine entries (see the module docs).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Affine {
    /// Number of entries.
    pub size: usize,
    /// The coefficients: the first `head` are compact, the rest not yet merged
    /// (equal keys add up).
    terms: Vec<Term>,
    head: usize,
}

#[allow(clippy::should_implement_trait)] // builder-style methods that consume self
impl Affine {
    /// `size` zero entries.
    pub fn zeros(size: usize) -> Affine {
        Affine { size, terms: Vec::new(), head: 0 }
    }

    /// A form from terms in any order (equal keys add up).
    pub fn from_terms(size: usize, terms: Vec<Term>) -> Affine {
        Affine { size, terms, head: 0 }.compact()
    }

    /// The coefficients, compact (see the module docs; a copy is made only when
    /// the form has an unmerged tail: call [`Affine::compact`] first to avoid it).
    pub fn terms(&self) -> std::borrow::Cow<'_, [Term]> {
        match self.ensure_sorted() {
            std::borrow::Cow::Borrowed(a) => std::borrow::Cow::Borrowed(&a.terms),
            std::borrow::Cow::Owned(a) => std::borrow::Cow::Owned(a.terms),
        }
    }

    /// The number of terms (an upper bound before compaction).
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// No term: every entry is zero.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Entries xⱼ for j in `cols` (a variable block).
    pub fn variable(cols: std::ops::Range<usize>) -> Affine {
        Affine::variables_at(cols)
    }

    /// Entries θₖ for k in `params` (a parameter block).
    pub fn parameter(params: std::ops::Range<usize>) -> Affine {
        Affine::parameters_at(params)
    }

    /// Constant entries.
    pub fn constant(values: &[f64]) -> Affine {
        let terms = values
            .iter()
            .enumerate()
            .filter(|(_, v)| **v != 0.0)
            .map(|(r, v)| Term { row: r as u32, col: CONST, param: ONE, val: *v })
            .collect();
        Affine::from_terms(values.len(), terms)
    }

    /// Entries x\[`cols[i]`\] (variable columns, in any order).
    pub fn variables_at(cols: impl IntoIterator<Item = usize>) -> Affine {
        Affine::unit_entries(cols.into_iter().map(|c| (c as u32, ONE)))
    }

    /// Entries θ\[`params[i]`\] (parameter entries, in any order).
    pub fn parameters_at(params: impl IntoIterator<Item = usize>) -> Affine {
        Affine::unit_entries(params.into_iter().map(|k| (CONST, k as u32)))
    }

    /// Entry r is 1 · θ\[param\] · x\[col\] for the r-th (col, param).
    fn unit_entries(keys: impl Iterator<Item = (u32, u32)>) -> Affine {
        let terms: Vec<Term> =
            keys.enumerate().map(|(r, (col, param))| Term { row: r as u32, col, param, val: 1.0 }).collect();
        Affine::from_terms(terms.len(), terms)
    }

    /// Some entry depends on a variable.
    pub fn has_vars(&self) -> bool {
        self.terms().iter().any(|t| t.col != CONST)
    }

    /// Some coefficient depends on θ.
    pub fn has_params(&self) -> bool {
        self.terms().iter().any(|t| t.param != ONE)
    }

    /// Every entry times the number `c`.
    pub fn scale(mut self, c: f64) -> Affine {
        self.terms.iter_mut().for_each(|t| t.val *= c);
        if c == 0.0 {
            return Affine::zeros(self.size);
        }
        self
    }

    /// Every entry negated.
    pub fn neg(self) -> Affine {
        self.scale(-1.0)
    }

    /// The sum of two expressions of the same size.
    pub fn add(mut self, other: Affine) -> Affine {
        debug_assert_eq!(self.size, other.size);
        if self.terms.is_empty() {
            return Affine { size: self.size, ..other };
        }
        self.terms.extend(other.terms);
        if self.terms.len() - self.head >= self.head {
            self = self.compact();
        }
        self
    }

    /// The compact form (see the module docs): sorted by (row, column, parameter),
    /// equal keys added, zero factors dropped.
    pub fn compact(mut self) -> Affine {
        if self.head == self.terms.len() {
            return self;
        }
        let mut terms = std::mem::take(&mut self.terms);
        terms.sort_unstable_by_key(key);
        let mut out: Vec<Term> = Vec::with_capacity(terms.len());
        for t in terms {
            match out.last_mut() {
                Some(last) if key(last) == key(&t) => last.val += t.val,
                _ => out.push(t),
            }
        }
        out.retain(|t| t.val != 0.0);
        out.shrink_to_fit();
        Affine { size: self.size, head: out.len(), terms: out }
    }

    /// Stack expressions one after another.
    pub fn concat(parts: Vec<Affine>) -> Affine {
        let mut out = Affine::zeros(0);
        for p in parts {
            let off = out.size as u32;
            let p = p.compact();
            out.terms.extend(p.terms.into_iter().map(|t| Term { row: t.row + off, ..t }));
            out.size += p.size;
        }
        out.head = out.terms.len();
        out
    }

    /// Out-entry i is in-entry `rows[i]` (gather; used for broadcasting, indexing,
    /// transposes and reshapes).
    pub fn gather(&self, rows: &[usize]) -> Affine {
        let sorted = self.ensure_sorted();
        let by_row = sorted.by_row();
        let mut terms = Vec::new();
        for (i, &r) in rows.iter().enumerate() {
            for t in &sorted.terms[by_row[r]..by_row[r + 1]] {
                terms.push(Term { row: i as u32, ..*t });
            }
        }
        // Rows in order, each row's terms compact: compact.
        Affine { size: rows.len(), head: terms.len(), terms }
    }

    /// A linear map of the entries: out\[o\] = Σ w · in\[i\] over `(o, i, w)` triples.
    pub fn linear_map(&self, out_size: usize, map: &[(usize, usize, f64)]) -> Affine {
        let sorted = self.ensure_sorted();
        let by_row = sorted.by_row();
        let mut terms = Vec::new();
        for &(o, i, w) in map {
            if w == 0.0 {
                continue;
            }
            for t in &sorted.terms[by_row[i]..by_row[i + 1]] {
                terms.push(Term { row: o as u32, col: t.col, param: t.param, val: t.val * w });
            }
        }
        Affine::from_terms(out_size, terms)
    }

    /// Sort the terms by row and return the start of each row's run (length size+1).
    /// Sorting is stable, so equal rows keep their order.
    fn by_row(&self) -> Vec<usize> {
        let mut starts = vec![0usize; self.size + 1];
        for t in &self.terms {
            starts[t.row as usize + 1] += 1;
        }
        for i in 0..self.size {
            starts[i + 1] += starts[i];
        }
        starts
    }

    fn ensure_sorted(&self) -> std::borrow::Cow<'_, Affine> {
        if self.head == self.terms.len() {
            std::borrow::Cow::Borrowed(self)
        } else {
            std::borrow::Cow::Owned(self.clone().compact())
        }
    }

    /// The compact form (sorted by row, then column and parameter).
    pub fn sorted(self) -> Affine {
        self.compact()
    }

    /// The number of terms of each entry (the form compact).
    pub fn row_lengths(&self) -> Vec<usize> {
        let sorted = self.ensure_sorted();
        let mut lens = vec![0usize; self.size];
        for t in &sorted.terms {
            lens[t.row as usize] += 1;
        }
        lens
    }

    /// The product of entries: out\[o\] = Σ w · self\[i\] · other\[j\] over `(o, i, j, w)`,
    /// where one of the two factors is free of variables and the other free of
    /// parameters (DPP), so that every product term stays affine in θ and linear in x.
    pub fn bilinear(
        &self,
        other: &Affine,
        out_size: usize,
        map: &[(usize, usize, usize, f64)],
    ) -> Result<Affine, String> {
        self.bilinear_iter(other, out_size, map.iter().copied())
    }

    /// [`Affine::bilinear`] with the map given one entry at a time.
    pub fn bilinear_iter(
        &self,
        other: &Affine,
        out_size: usize,
        map: impl IntoIterator<Item = (usize, usize, usize, f64)>,
    ) -> Result<Affine, String> {
        let (a, b) = (self.ensure_sorted(), other.ensure_sorted());
        let (ra, rb) = (a.by_row(), b.by_row());
        let mut terms = Vec::new();
        for (o, i, j, w) in map {
            for s in &a.terms[ra[i]..ra[i + 1]] {
                for t in &b.terms[rb[j]..rb[j + 1]] {
                    let col = match (s.col, t.col) {
                        (CONST, c) | (c, CONST) => c,
                        _ => return Err("product of two expressions with variables".into()),
                    };
                    let param = match (s.param, t.param) {
                        (ONE, k) | (k, ONE) => k,
                        _ => return Err("product of two parameter-dependent factors".into()),
                    };
                    terms.push(Term { row: o as u32, col, param, val: s.val * t.val * w });
                }
            }
        }
        Ok(Affine::from_terms(out_size, terms))
    }

    /// Evaluate with parameter values θ and variable values x.
    pub fn eval(&self, theta: &[f64], x: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; self.size];
        for t in &self.terms {
            let p = if t.param == ONE { 1.0 } else { theta[t.param as usize] };
            let v = if t.col == CONST { 1.0 } else { x[t.col as usize] };
            out[t.row as usize] += t.val * p * v;
        }
        out
    }
}

/// The sort key of the compact form.
fn key(t: &Term) -> (u32, u32, u32) {
    (t.row, t.col, t.param)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn affine_algebra_evaluates_correctly() {
        // e = [x0 + 2, θ1 * x1 - θ0]
        let x = Affine::variable(0..2);
        let th = Affine::parameter(0..2);
        let two = Affine::constant(&[2.0, 0.0]);
        let first = x.gather(&[0]).add(two.gather(&[0]));
        let second = x
            .gather(&[1])
            .bilinear(&th.gather(&[1]), 1, &[(0, 0, 0, 1.0)])
            .unwrap()
            .add(th.gather(&[0]).neg());
        let e = Affine::concat(vec![first, second]).sorted();
        assert_eq!(e.eval(&[3.0, 5.0], &[1.0, 2.0]), vec![3.0, 7.0]);
        // A linear map: out = 2 e0 - e1.
        let m = e.linear_map(1, &[(0, 0, 2.0), (0, 1, -1.0)]);
        assert_eq!(m.eval(&[3.0, 5.0], &[1.0, 2.0]), vec![-1.0]);
        assert!(x.bilinear(&x, 1, &[(0, 0, 1, 1.0)]).is_err());
    }

    /// Equal keys merge, cancellations vanish, a parameter's term stays: the form of
    /// (x0 + θ0·x1) + (x0 − θ0·x1 + 3) is 2·x0 + 3, and doubling a form 40 times
    /// keeps its 2 terms with factor 2⁴⁰.
    #[test]
    fn forms_stay_compact() {
        let x = Affine::variable(0..2);
        let th = Affine::parameter(0..1);
        let px1 = x.gather(&[1]).bilinear(&th, 1, &[(0, 0, 0, 1.0)]).unwrap();
        let a = x.gather(&[0]).add(px1.clone());
        let b = x.gather(&[0]).add(px1.clone().neg()).add(Affine::constant(&[3.0]));
        let e = a.add(b).compact();
        let want = [
            Term { row: 0, col: 0, param: ONE, val: 2.0 },
            Term { row: 0, col: CONST, param: ONE, val: 3.0 },
        ];
        assert_eq!(&*e.terms(), &want);
        assert_eq!(px1.terms().len(), 1); // θ0·x1 kept whatever θ0's value
        let mut d = e;
        for _ in 0..40 {
            d = d.clone().add(d);
        }
        assert_eq!(d.len(), 2);
        assert_eq!(d.eval(&[0.0], &[1.0, 0.0]), vec![5.0 * 2f64.powi(40)]);
    }
}
