//! The generator's own expression tree: printed as `.dopt` text and evaluated with
//! [`super::arr`], so a test knows what every generated program means.

use super::arr::{self, Arr};
use std::collections::HashMap;
use std::rc::Rc;

/// A compile-time integer (indices, slice bounds, `for` bounds, extents).
#[derive(Clone, Debug)]
pub enum Ix {
    Lit(i64),
    /// A dim or a `for` variable.
    Name(String),
    Add(Box<Ix>, Box<Ix>),
    Sub(Box<Ix>, Box<Ix>),
}

impl Ix {
    pub fn eval(&self, env: &Env) -> i64 {
        match self {
            Ix::Lit(v) => *v,
            Ix::Name(n) => *env.ints.get(n).unwrap_or_else(|| panic!("no integer `{n}`")),
            Ix::Add(a, b) => a.eval(env) + b.eval(env),
            Ix::Sub(a, b) => a.eval(env) - b.eval(env),
        }
    }
    pub fn text(&self) -> String {
        match self {
            Ix::Lit(v) if *v < 0 => format!("-{}", -v),
            Ix::Lit(v) => v.to_string(),
            Ix::Name(n) => n.clone(),
            Ix::Add(a, b) => format!("{} + {}", a.text(), b.text()),
            Ix::Sub(a, b) => format!("{} - {}", a.text(), b.paren()),
        }
    }
    fn paren(&self) -> String {
        match self {
            Ix::Add(..) | Ix::Sub(..) => format!("({})", self.text()),
            _ => self.text(),
        }
    }
}

#[derive(Clone, Debug)]
pub enum Item {
    At(Ix),
    /// `a:b`, either bound optional.
    Slice(Option<Ix>, Option<Ix>),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Op {
    Add,
    Sub,
    Mul,
    Div,
    MatMul,
}

/// A compile-time argument of an atom (`axis`, `k`, `p`, `M`, extents of `reshape`).
#[derive(Clone, Debug)]
pub struct Kw {
    pub name: &'static str,
    pub value: f64,
    /// Written `name=value` (else positional).
    pub named: bool,
}

#[derive(Clone, Debug)]
pub enum E {
    /// A nonnegative literal (negative numbers are `Neg(Num)`).
    Num(f64),
    /// A parameter, variable, constant or dim by name.
    Ref(String),
    /// A `let` (printed as its name, evaluated as its body).
    Let(String, Rc<E>),
    /// Parameter `k` of the enclosing `def`.
    Arg(usize, String),
    Def(String, Vec<E>, Rc<E>),
    Neg(Box<E>),
    Bin(Op, Box<E>, Box<E>),
    T(Box<E>),
    Index(Box<E>, Vec<Item>),
    Call(&'static str, Vec<E>, Vec<Kw>),
}

pub fn bin(op: Op, a: E, b: E) -> E {
    E::Bin(op, Box::new(a), Box::new(b))
}
pub fn neg(a: E) -> E {
    E::Neg(Box::new(a))
}
pub fn call(f: &'static str, args: Vec<E>) -> E {
    E::Call(f, args, vec![])
}
/// A signed number: `Num` or `Neg(Num)`.
pub fn num(v: f64) -> E {
    if v < 0.0 || (v == 0.0 && v.is_sign_negative()) { neg(E::Num(-v)) } else { E::Num(v) }
}

/// Values of names, integers (dims, `for` variables) and the arguments of the `def`
/// being expanded.
#[derive(Clone, Debug, Default)]
pub struct Env {
    pub vals: HashMap<String, Arr>,
    pub ints: HashMap<String, i64>,
    pub args: Vec<Vec<Arr>>,
}

fn norm_index(i: i64, n: usize) -> usize {
    let j = if i < 0 { i + n as i64 } else { i };
    assert!(j >= 0 && (j as usize) < n, "generated index {i} out of range {n}");
    j as usize
}

fn range(item: &Item, n: usize, env: &Env) -> (Vec<usize>, bool) {
    match item {
        Item::At(i) => (vec![norm_index(i.eval(env), n)], false),
        Item::Slice(a, b) => {
            let s = a.as_ref().map_or(0, |a| {
                let v = a.eval(env);
                if v < 0 { (v + n as i64) as usize } else { v as usize }
            });
            let e = b.as_ref().map_or(n, |b| {
                let v = b.eval(env);
                if v < 0 { (v + n as i64) as usize } else { v as usize }
            });
            assert!(s < e && e <= n, "generated slice {s}:{e} of {n}");
            ((s..e).collect(), true)
        }
    }
}

pub fn index(a: &Arr, items: &[Item], env: &Env) -> Arr {
    match a.sh.len() {
        1 => {
            let (r, keep) = range(&items[0], a.sh[0], env);
            let d: Vec<f64> = r.iter().map(|&i| a.d[i]).collect();
            if keep { Arr::new(vec![d.len()], d) } else { Arr::scalar(d[0]) }
        }
        2 => {
            let (m, n) = (a.sh[0], a.sh[1]);
            let (rows, kr) = range(&items[0], m, env);
            let (cols, kc) =
                if items.len() > 1 { range(&items[1], n, env) } else { ((0..n).collect(), true) };
            let mut d = Vec::new();
            for &i in &rows {
                for &j in &cols {
                    d.push(a.d[i * n + j]);
                }
            }
            let mut sh = vec![];
            if kr {
                sh.push(rows.len());
            }
            if kc {
                sh.push(cols.len());
            }
            Arr::new(sh, d)
        }
        _ => panic!("generated an index of a scalar"),
    }
}

fn kw(kws: &[Kw], name: &str) -> Option<f64> {
    kws.iter().find(|k| k.name == name).map(|k| k.value)
}

impl E {
    pub fn eval(&self, env: &mut Env) -> Arr {
        match self {
            E::Num(v) => Arr::scalar(*v),
            E::Ref(n) => match env.vals.get(n) {
                Some(v) => v.clone(),
                None => Arr::scalar(*env.ints.get(n).unwrap_or_else(|| panic!("no value `{n}`")) as f64),
            },
            E::Let(_, body) => body.eval(env),
            E::Arg(k, _) => env.args.last().expect("argument outside a def")[*k].clone(),
            E::Def(_, args, body) => {
                let vals: Vec<Arr> = args.iter().map(|a| a.eval(env)).collect();
                env.args.push(vals);
                let r = body.eval(env);
                env.args.pop();
                r
            }
            E::Neg(a) => a.eval(env).map(|v| -v),
            E::Bin(op, a, b) => {
                let (a, b) = (a.eval(env), b.eval(env));
                match op {
                    Op::Add => arr::zip(&a, &b, |x, y| x + y),
                    Op::Sub => arr::zip(&a, &b, |x, y| x - y),
                    Op::Mul => arr::zip(&a, &b, |x, y| x * y),
                    Op::Div => arr::zip(&a, &b, |x, y| x / y),
                    Op::MatMul => arr::matmul(&a, &b),
                }
            }
            E::T(a) => a.eval(env).t(),
            E::Index(a, items) => {
                let a = a.eval(env);
                index(&a, items, env)
            }
            E::Call(f, args, kws) => {
                let v: Vec<Arr> = args.iter().map(|a| a.eval(env)).collect();
                atom(f, &v, kws)
            }
        }
    }

    /// Binding strength for printing: 1 `+ -`, 2 `* / @`, 3 unary, 4 operands.
    fn prec(&self) -> u8 {
        match self {
            E::Bin(Op::Add | Op::Sub, ..) => 1,
            E::Bin(..) => 2,
            E::Neg(_) => 3,
            _ => 4,
        }
    }

    /// The text, with parentheses only where precedence needs them (`full`: around
    /// every operator).
    pub fn text(&self, full: bool) -> String {
        let wrap = |e: &E, need: bool| {
            if need || (full && e.prec() < 4) { format!("({})", e.text(full)) } else { e.text(full) }
        };
        match self {
            E::Num(v) => fmt_num(*v),
            E::Ref(n) | E::Let(n, _) | E::Arg(_, n) => n.clone(),
            E::Def(n, args, _) => {
                format!("{n}({})", args.iter().map(|a| a.text(full)).collect::<Vec<_>>().join(", "))
            }
            E::Neg(a) => format!("-{}", wrap(a, a.prec() < 3)),
            E::Bin(op, a, b) => {
                let p = self.prec();
                let s = match op {
                    Op::Add => "+",
                    Op::Sub => "-",
                    Op::Mul => "*",
                    Op::Div => "/",
                    Op::MatMul => "@",
                };
                format!("{} {s} {}", wrap(a, a.prec() < p), wrap(b, b.prec() <= p))
            }
            E::T(a) => format!("{}.T", wrap(a, a.prec() < 4 || matches!(**a, E::Num(_)))),
            E::Index(a, items) => {
                let it: Vec<String> = items
                    .iter()
                    .map(|i| match i {
                        Item::At(x) => x.text(),
                        Item::Slice(a, b) => format!(
                            "{}:{}",
                            a.as_ref().map_or(String::new(), |a| a.text()),
                            b.as_ref().map_or(String::new(), |b| b.text())
                        ),
                    })
                    .collect();
                format!("{}[{}]", wrap(a, a.prec() < 4 || matches!(**a, E::Num(_))), it.join(", "))
            }
            E::Call(f, args, kws) => {
                let mut parts: Vec<String> = args.iter().map(|a| a.text(full)).collect();
                for k in kws {
                    let v = if k.value == k.value.trunc() && k.value.abs() < 1e9 {
                        format!("{}", k.value as i64)
                    } else {
                        fmt_num(k.value)
                    };
                    let v = if k.value < 0.0 { format!("-{}", &v[1..]) } else { v };
                    parts.push(if k.named { format!("{}={v}", k.name) } else { v });
                }
                format!("{f}({})", parts.join(", "))
            }
        }
    }
}

/// A nonnegative number as a `.dopt` literal that reads back exactly.
pub fn fmt_num(v: f64) -> String {
    let s = format!("{v:?}");
    if s.contains('e') && !s.contains('.') {
        // `1e-7` is fine as it is.
        return s;
    }
    s
}

/// The value of atom `f` (and of the built-ins `zeros`, `ones`, `eye`).
pub fn atom(f: &str, v: &[Arr], kws: &[Kw]) -> Arr {
    let s = |x: f64| Arr::scalar(x);
    let a = || &v[0];
    match f {
        "zeros" | "ones" => {
            let sh: Vec<usize> = kws.iter().map(|k| k.value as usize).collect();
            Arr::filled(&sh, if f == "ones" { 1.0 } else { 0.0 })
        }
        "eye" => Arr::eye(kws[0].value as usize),
        "sum" => match kw(kws, "axis") {
            Some(ax) => arr::sum_axis(a(), ax as i64),
            None => s(a().sum()),
        },
        "trace" => s(arr::diag(a()).sum()),
        "diag" => arr::diag(a()),
        "reshape" => {
            let sh: Vec<usize> = kws.iter().map(|k| k.value as usize).collect();
            Arr::new(sh, a().d.clone())
        }
        "vec" => Arr::new(vec![a().d.len()], a().d.clone()),
        "hstack" => arr::hstack(v),
        "vstack" => arr::vstack(v),
        "cumsum" => arr::along(a(), kw(kws, "axis").unwrap_or(0.0) as i64, arr::cumsum),
        "diff" => {
            let k = kw(kws, "k").unwrap_or(1.0) as usize;
            arr::along(a(), kw(kws, "axis").unwrap_or(0.0) as i64, |x| arr::diff(x, k))
        }
        "multiply" => arr::zip(&v[0], &v[1], |x, y| x * y),
        "kron" => arr::kron(&v[0], &v[1]),
        "abs" => a().map(f64::abs),
        "pos" => a().map(|x| x.max(0.0)),
        "neg" => a().map(|x| (-x).max(0.0)),
        "square" => a().map(|x| x * x),
        "power" => {
            let p = kw(kws, "p").unwrap();
            a().map(|x| {
                if p == 1.0 {
                    x
                } else if p == 0.0 {
                    1.0
                } else {
                    pw(x, p)
                }
            })
        }
        "exp" => a().map(f64::exp),
        "log" => a().map(f64::ln),
        "sqrt" => a().map(|x| x.max(0.0).sqrt()),
        "entr" => a().map(|x| -arr::xlogx(x)),
        "logistic" => a().map(|x| if x > 0.0 { x + (-x).exp().ln_1p() } else { x.exp().ln_1p() }),
        "inv_pos" => a().map(|x| 1.0 / x),
        "huber" => {
            let m = kw(kws, "M").unwrap_or(1.0);
            a().map(|x| if x.abs() <= m { x * x } else { 2.0 * m * x.abs() - m * m })
        }
        "kl_div" => arr::zip(&v[0], &v[1], |x, y| arr::xlogxy(x, y) - x + y),
        "rel_entr" => arr::zip(&v[0], &v[1], arr::xlogxy),
        "maximum" => v[1..].iter().fold(v[0].clone(), |m, b| arr::zip(&m, b, f64::max)),
        "minimum" => v[1..].iter().fold(v[0].clone(), |m, b| arr::zip(&m, b, f64::min)),
        "norm1" => s(a().d.iter().map(|x| x.abs()).sum()),
        "norm2" | "norm_fro" => s(a().d.iter().map(|x| x * x).sum::<f64>().sqrt()),
        "norm_inf" => s(a().max_abs()),
        "norm" => {
            let p = kw(kws, "p").unwrap();
            s(a().d.iter().map(|x| x.abs().powf(p)).sum::<f64>().powf(1.0 / p))
        }
        "sum_squares" => s(a().d.iter().map(|x| x * x).sum()),
        "quad_form" => {
            let x = a();
            let xv = if x.sh.is_empty() { Arr::new(vec![1], x.d.clone()) } else { x.clone() };
            let p = if v[1].sh.is_empty() { Arr::new(vec![1, 1], v[1].d.clone()) } else { v[1].clone() };
            s(arr::matmul(&xv, &arr::matmul(&p, &xv)).d[0])
        }
        "quad_over_lin" => s(a().d.iter().map(|x| x * x).sum::<f64>() / v[1].d[0]),
        "log_sum_exp" => {
            let m = a().max();
            s(m + a().d.iter().map(|x| (x - m).exp()).sum::<f64>().ln())
        }
        "max" => s(a().max()),
        "min" => s(a().min()),
        "sum_largest" | "sum_smallest" => {
            let k = kw(kws, "k").unwrap() as usize;
            let mut d = a().d.clone();
            d.sort_by(|x, y| x.partial_cmp(y).unwrap_or(std::cmp::Ordering::Equal));
            if f == "sum_largest" {
                d.reverse();
            }
            s(d[..k].iter().sum())
        }
        "geo_mean" => {
            let n = a().d.len() as f64;
            s(a().d.iter().map(|x| x.max(0.0).powf(1.0 / n)).product::<f64>())
        }
        "lambda_max" => s(*arr::eig_sym(&sym(a())).last().unwrap()),
        "lambda_min" => s(arr::eig_sym(&sym(a()))[0]),
        "log_det" => s(arr::eig_sym(&sym(a())).iter().map(|e| e.ln()).sum()),
        "sigma_max" => s(arr::singular_values(a()).into_iter().fold(0.0, f64::max)),
        "norm_nuc" => s(arr::singular_values(a()).iter().sum()),
        _ => panic!("the evaluator does not know atom `{f}`"),
    }
}

fn pw(x: f64, p: f64) -> f64 {
    if p.fract() == 0.0 && (p as i64) % 2 == 0 && p > 0.0 { x.powf(p) } else { x.max(0.0).powf(p) }
}

/// The symmetric part (X + Xᵀ)/2.
pub fn sym(a: &Arr) -> Arr {
    arr::zip(a, &a.t(), |x, y| 0.5 * (x + y))
}
