//! Parametric affine expressions: each entry r is Σⱼ Aᵣⱼ(θ) xⱼ + cᵣ(θ), where every
//! coefficient is itself affine in the flattened parameters θ. Stored sparsely as
//! terms (row, column, parameter, value); column [`CONST`] is the constant part and
//! parameter [`ONE`] the part that does not depend on θ. Duplicates add up.

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
    /// The coefficients, in no particular order; duplicates add up.
    pub terms: Vec<Term>,
}

#[allow(clippy::should_implement_trait)] // builder-style methods that consume self
impl Affine {
    /// `size` zero entries.
    pub fn zeros(size: usize) -> Affine {
        Affine { size, terms: Vec::new() }
    }

    /// Entries xⱼ for j in `cols` (a variable block).
    pub fn variable(cols: std::ops::Range<usize>) -> Affine {
        let terms = cols
            .clone()
            .enumerate()
            .map(|(r, c)| Term { row: r as u32, col: c as u32, param: ONE, val: 1.0 })
            .collect();
        Affine { size: cols.len(), terms }
    }

    /// Entries θₖ for k in `params` (a parameter block).
    pub fn parameter(params: std::ops::Range<usize>) -> Affine {
        let terms = params
            .clone()
            .enumerate()
            .map(|(r, k)| Term { row: r as u32, col: CONST, param: k as u32, val: 1.0 })
            .collect();
        Affine { size: params.len(), terms }
    }

    /// Constant entries.
    pub fn constant(values: &[f64]) -> Affine {
        let terms = values
            .iter()
            .enumerate()
            .filter(|(_, v)| **v != 0.0)
            .map(|(r, v)| Term { row: r as u32, col: CONST, param: ONE, val: *v })
            .collect();
        Affine { size: values.len(), terms }
    }

    /// Some entry depends on a variable.
    pub fn has_vars(&self) -> bool {
        self.terms.iter().any(|t| t.col != CONST)
    }

    /// Some coefficient depends on θ.
    pub fn has_params(&self) -> bool {
        self.terms.iter().any(|t| t.param != ONE)
    }

    /// Every entry times the number `c`.
    pub fn scale(mut self, c: f64) -> Affine {
        self.terms.iter_mut().for_each(|t| t.val *= c);
        self
    }

    /// Every entry negated.
    pub fn neg(self) -> Affine {
        self.scale(-1.0)
    }

    /// The sum of two expressions of the same size.
    pub fn add(mut self, other: Affine) -> Affine {
        debug_assert_eq!(self.size, other.size);
        self.terms.extend(other.terms);
        self
    }

    /// Stack expressions one after another.
    pub fn concat(parts: Vec<Affine>) -> Affine {
        let mut out = Affine::zeros(0);
        for p in parts {
            let off = out.size as u32;
            out.terms.extend(p.terms.into_iter().map(|t| Term { row: t.row + off, ..t }));
            out.size += p.size;
        }
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
        Affine { size: rows.len(), terms }
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
        Affine { size: out_size, terms }
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
        if self.terms.is_sorted_by_key(|t| t.row) {
            std::borrow::Cow::Borrowed(self)
        } else {
            std::borrow::Cow::Owned(self.clone().sorted())
        }
    }

    /// Make the terms sorted by row (needed by `gather`/`linear_map`/`products`).
    pub fn sorted(mut self) -> Affine {
        self.terms.sort_by_key(|t| t.row);
        self
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
        Ok(Affine { size: out_size, terms })
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
}
