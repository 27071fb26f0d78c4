//! Dense arrays of at most two axes with numpy's broadcasting, and the numbers of every
//! atom the generator uses: the test's own evaluator, independent of dopt's.

#[derive(Clone, Debug, PartialEq)]
pub struct Arr {
    pub sh: Vec<usize>,
    pub d: Vec<f64>,
}

impl Arr {
    pub fn scalar(v: f64) -> Arr {
        Arr { sh: vec![], d: vec![v] }
    }
    pub fn new(sh: Vec<usize>, d: Vec<f64>) -> Arr {
        assert_eq!(sh.iter().product::<usize>(), d.len());
        Arr { sh, d }
    }
    pub fn filled(sh: &[usize], v: f64) -> Arr {
        Arr { sh: sh.to_vec(), d: vec![v; sh.iter().product()] }
    }
    pub fn eye(n: usize) -> Arr {
        let mut a = Arr::filled(&[n, n], 0.0);
        for i in 0..n {
            a.d[i * n + i] = 1.0;
        }
        a
    }
    pub fn map(&self, f: impl Fn(f64) -> f64) -> Arr {
        Arr { sh: self.sh.clone(), d: self.d.iter().map(|&v| f(v)).collect() }
    }
    /// (rows, cols) of a matrix; a vector is one row.
    pub fn rc(&self) -> (usize, usize) {
        match self.sh.len() {
            0 => (1, 1),
            1 => (1, self.sh[0]),
            _ => (self.sh[0], self.sh[1]),
        }
    }
    pub fn at(&self, i: usize, j: usize) -> f64 {
        self.d[i * self.rc().1 + j]
    }
    pub fn sum(&self) -> f64 {
        self.d.iter().sum()
    }
    pub fn max(&self) -> f64 {
        self.d.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
    }
    pub fn min(&self) -> f64 {
        self.d.iter().cloned().fold(f64::INFINITY, f64::min)
    }
    pub fn max_abs(&self) -> f64 {
        self.d.iter().fold(0.0, |m, v| m.max(v.abs()))
    }
    pub fn t(&self) -> Arr {
        if self.sh.len() < 2 {
            return self.clone();
        }
        let (m, n) = (self.sh[0], self.sh[1]);
        let mut d = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                d[j * m + i] = self.d[i * n + j];
            }
        }
        Arr::new(vec![n, m], d)
    }
}

/// numpy broadcasting of two shapes (at most two axes).
pub fn broadcast(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let n = a.len().max(b.len());
    let mut out = vec![0; n];
    for k in 0..n {
        let x = if k + a.len() >= n { a[k + a.len() - n] } else { 1 };
        let y = if k + b.len() >= n { b[k + b.len() - n] } else { 1 };
        out[k] = if x == y || y == 1 {
            x
        } else if x == 1 {
            y
        } else {
            return None;
        };
    }
    Some(out)
}

/// The entry of `a` that lands at position `idx` of the broadcast shape `sh`.
fn pick(a: &Arr, sh: &[usize], idx: &[usize]) -> f64 {
    let off = sh.len() - a.sh.len();
    let mut flat = 0;
    for (k, &e) in a.sh.iter().enumerate() {
        let i = if e == 1 { 0 } else { idx[k + off] };
        flat = flat * e + i;
    }
    a.d[flat]
}

pub fn zip(a: &Arr, b: &Arr, f: impl Fn(f64, f64) -> f64) -> Arr {
    let sh = broadcast(&a.sh, &b.sh).expect("generator made shapes that do not broadcast");
    let size: usize = sh.iter().product();
    let mut d = Vec::with_capacity(size);
    let mut idx = vec![0; sh.len()];
    for _ in 0..size {
        d.push(f(pick(a, &sh, &idx), pick(b, &sh, &idx)));
        for k in (0..sh.len()).rev() {
            idx[k] += 1;
            if idx[k] < sh[k] {
                break;
            }
            idx[k] = 0;
        }
    }
    Arr::new(sh, d)
}

pub fn matmul(a: &Arr, b: &Arr) -> Arr {
    let (m, k) = if a.sh.len() == 1 { (1, a.sh[0]) } else { (a.sh[0], a.sh[1]) };
    let (k2, n) = if b.sh.len() == 1 { (b.sh[0], 1) } else { (b.sh[0], b.sh[1]) };
    assert_eq!(k, k2, "matmul shapes");
    let mut d = vec![0.0; m * n];
    for i in 0..m {
        for j in 0..n {
            d[i * n + j] = (0..k).map(|t| a.d[i * k + t] * b.d[t * n + j]).sum();
        }
    }
    let sh = match (a.sh.len(), b.sh.len()) {
        (1, 1) => vec![],
        (1, _) => vec![n],
        (_, 1) => vec![m],
        _ => vec![m, n],
    };
    Arr::new(sh, d)
}

/// Sum over `axis` of a matrix (numpy: the axis that disappears); a vector sums to a scalar.
pub fn sum_axis(a: &Arr, axis: i64) -> Arr {
    if a.sh.len() < 2 {
        return Arr::scalar(a.sum());
    }
    let (m, n) = (a.sh[0], a.sh[1]);
    if axis.rem_euclid(2) == 0 {
        Arr::new(vec![n], (0..n).map(|j| (0..m).map(|i| a.d[i * n + j]).sum()).collect())
    } else {
        Arr::new(vec![m], (0..m).map(|i| (0..n).map(|j| a.d[i * n + j]).sum()).collect())
    }
}

/// Running sums (cumsum) or k-th differences (diff) along an axis.
pub fn along(a: &Arr, axis: i64, f: impl Fn(&[f64]) -> Vec<f64>) -> Arr {
    if a.sh.len() < 2 {
        let d = f(&a.d);
        return Arr::new(vec![d.len()], d);
    }
    let (m, n) = (a.sh[0], a.sh[1]);
    if axis.rem_euclid(2) == 0 {
        let cols: Vec<Vec<f64>> =
            (0..n).map(|j| f(&(0..m).map(|i| a.d[i * n + j]).collect::<Vec<_>>())).collect();
        let mm = cols[0].len();
        let mut d = vec![0.0; mm * n];
        for (j, c) in cols.iter().enumerate() {
            for (i, v) in c.iter().enumerate() {
                d[i * n + j] = *v;
            }
        }
        Arr::new(vec![mm, n], d)
    } else {
        let rows: Vec<Vec<f64>> = (0..m).map(|i| f(&a.d[i * n..(i + 1) * n])).collect();
        let nn = rows[0].len();
        Arr::new(vec![m, nn], rows.concat())
    }
}

pub fn cumsum(v: &[f64]) -> Vec<f64> {
    let mut s = 0.0;
    v.iter()
        .map(|x| {
            s += x;
            s
        })
        .collect()
}

pub fn diff(v: &[f64], k: usize) -> Vec<f64> {
    let mut w = v.to_vec();
    for _ in 0..k {
        w = w.windows(2).map(|p| p[1] - p[0]).collect();
    }
    w
}

pub fn hstack(parts: &[Arr]) -> Arr {
    if parts[0].sh.len() < 2 {
        let d: Vec<f64> = parts.iter().flat_map(|p| p.d.clone()).collect();
        return Arr::new(vec![d.len()], d);
    }
    let m = parts[0].sh[0];
    let n: usize = parts.iter().map(|p| p.sh[1]).sum();
    let mut d = Vec::with_capacity(m * n);
    for i in 0..m {
        for p in parts {
            let c = p.sh[1];
            d.extend_from_slice(&p.d[i * c..(i + 1) * c]);
        }
    }
    Arr::new(vec![m, n], d)
}

pub fn vstack(parts: &[Arr]) -> Arr {
    let n = parts[0].rc().1;
    let rows: usize = parts.iter().map(|p| p.rc().0).sum();
    Arr::new(vec![rows, n], parts.iter().flat_map(|p| p.d.clone()).collect())
}

pub fn diag(a: &Arr) -> Arr {
    if a.sh.len() == 1 {
        let n = a.sh[0];
        let mut o = Arr::filled(&[n, n], 0.0);
        for i in 0..n {
            o.d[i * n + i] = a.d[i];
        }
        o
    } else {
        let n = a.sh[0];
        Arr::new(vec![n], (0..n).map(|i| a.d[i * n + i]).collect())
    }
}

pub fn kron(a: &Arr, b: &Arr) -> Arr {
    if a.sh.is_empty() || b.sh.is_empty() {
        return zip(a, b, |x, y| x * y);
    }
    if a.sh.len() == 1 && b.sh.len() == 1 {
        let d = a.d.iter().flat_map(|x| b.d.iter().map(move |y| x * y)).collect::<Vec<_>>();
        return Arr::new(vec![d.len()], d);
    }
    let (p, q) = a.rc();
    let (m, n) = b.rc();
    let mut d = vec![0.0; p * m * q * n];
    for i in 0..p {
        for j in 0..q {
            for k in 0..m {
                for l in 0..n {
                    d[(i * m + k) * (q * n) + j * n + l] = a.at(i, j) * b.at(k, l);
                }
            }
        }
    }
    Arr::new(vec![p * m, q * n], d)
}

/// Eigenvalues of a symmetric matrix (cyclic Jacobi), ascending.
pub fn eig_sym(a: &Arr) -> Vec<f64> {
    let n = a.sh[0];
    let mut m = a.d.clone();
    for _ in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| m[i * n + j] * m[i * n + j])
            .sum();
        if off < 1e-30 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = m[p * n + q];
                if apq.abs() < 1e-300 {
                    continue;
                }
                let theta = (m[q * n + q] - m[p * n + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (akp, akq) = (m[k * n + p], m[k * n + q]);
                    m[k * n + p] = c * akp - s * akq;
                    m[k * n + q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let (apk, aqk) = (m[p * n + k], m[q * n + k]);
                    m[p * n + k] = c * apk - s * aqk;
                    m[q * n + k] = s * apk + c * aqk;
                }
            }
        }
    }
    let mut e: Vec<f64> = (0..n).map(|i| m[i * n + i]).collect();
    e.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    e
}

/// Singular values of a matrix (square roots of the eigenvalues of AᵀA).
pub fn singular_values(a: &Arr) -> Vec<f64> {
    let a2 = if a.sh.len() < 2 { Arr::new(vec![1, a.d.len()], a.d.clone()) } else { a.clone() };
    eig_sym(&matmul(&a2.t(), &a2)).into_iter().map(|v| v.max(0.0).sqrt()).collect()
}

/// x ln x with 0 ln 0 = 0 (and tiny negative round-off read as 0).
pub fn xlogx(x: f64) -> f64 {
    if x <= 0.0 && x > -1e-9 { 0.0 } else { x * x.ln() }
}

/// x ln(x/y) with the same convention at x = 0.
pub fn xlogxy(x: f64, y: f64) -> f64 {
    if x <= 0.0 && x > -1e-9 { 0.0 } else { x * (x / y).ln() }
}
