//! The grammar-aware generator: a tape of bytes (proptest's or libFuzzer's) drives
//! every choice, and the program is built well-formed, DCP and DPP by construction,
//! with a known strictly feasible point `x0` (so the problem is solvable) and a
//! regularized objective (so it is bounded). An exhausted tape reads as zeros, and
//! choice 0 is always the simplest, so shrinking a tape simplifies the program.

use super::arr::{self, Arr};
use super::expr::{self, E, Env, Item, Ix, Kw, Op, bin, call, neg, num};
use std::rc::Rc;

pub struct Tape<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Tape<'a> {
    pub fn new(b: &'a [u8]) -> Tape<'a> {
        Tape { b, i: 0 }
    }
    pub fn byte(&mut self) -> u8 {
        let v = self.b.get(self.i).copied().unwrap_or(0);
        self.i += 1;
        v
    }
    /// 0..n (0 once the tape is used up).
    pub fn pick(&mut self, n: usize) -> usize {
        if n <= 1 { 0 } else { self.byte() as usize % n }
    }
    /// True with about `pct` percent (false once the tape is used up).
    pub fn chance(&mut self, pct: u32) -> bool {
        (self.byte() as u32 % 100) + pct >= 100
    }
    /// A small number that prints and adds exactly.
    pub fn nice(&mut self) -> f64 {
        const V: [f64; 12] = [0.5, 1.0, -1.0, 2.0, -0.5, 0.25, 1.5, -2.0, 3.0, 0.0, 0.75, -1.5];
        V[self.pick(V.len())]
    }
    pub fn pos(&mut self) -> f64 {
        const V: [f64; 6] = [1.0, 0.5, 2.0, 0.25, 1.5, 3.0];
        V[self.pick(V.len())]
    }
    pub fn used(&self) -> usize {
        self.i.min(self.b.len())
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Attr {
    Free,
    Nonneg,
    Nonpos,
    Symmetric,
    Psd,
    Nsd,
}

impl Attr {
    pub fn word(self) -> &'static str {
        match self {
            Attr::Free => "",
            Attr::Nonneg => "nonneg",
            Attr::Nonpos => "nonpos",
            Attr::Symmetric => "symmetric",
            Attr::Psd => "psd",
            Attr::Nsd => "nsd",
        }
    }
    pub fn symmetric(self) -> bool {
        matches!(self, Attr::Symmetric | Attr::Psd | Attr::Nsd)
    }
}

#[derive(Clone, Debug)]
pub struct Decl {
    pub name: String,
    pub sh: Vec<usize>,
    pub attr: Attr,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cmp {
    Eq,
    Le,
    Ge,
    /// `>>`
    Succ,
    /// `<<`
    Prec,
}

impl Cmp {
    pub fn symbol(self) -> &'static str {
        match self {
            Cmp::Eq => "==",
            Cmp::Le => "<=",
            Cmp::Ge => ">=",
            Cmp::Succ => ">>",
            Cmp::Prec => "<<",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Con {
    pub label: Option<String>,
    pub fors: Vec<(String, Ix, Ix)>,
    pub sides: Vec<E>,
    pub ops: Vec<Cmp>,
}

/// A generated program with everything needed to judge a solve of it.
#[derive(Clone, Debug)]
pub struct Case {
    pub text: String,
    /// Dims declared without a default, given through the API.
    pub given: Vec<(String, i64)>,
    pub params: Vec<Decl>,
    /// Parameter values that keep the declared attributes (θ at which x0 is feasible).
    pub values: Vec<Arr>,
    pub vars: Vec<Decl>,
    pub x0: Vec<Arr>,
    /// Values of constants and dims, for the evaluator.
    pub env: Env,
    pub objective: Option<(bool, E)>,
    pub cons: Vec<Con>,
    /// `output` lists every variable (or there is no `output`): all are returned.
    pub all_outputs: bool,
    /// The objective has a strongly convex regularizer on every variable (bounded).
    pub regularized: bool,
    /// Uses an exponential or semidefinite cone (looser accuracy).
    pub hard_cones: bool,
    /// Deliberately broken: the objective has the wrong curvature (E0505 expected).
    pub broken: bool,
    /// Some value at x0 is huge (`exp(exp(…))`): the solver may fail honestly, so
    /// only the no-panic and finite-or-refused properties apply.
    pub extreme: bool,
    /// Bytes of the tape the program took.
    pub tape_used: usize,
}

struct DefInfo {
    name: String,
    /// 0 affine, 1 convex, 2 concave.
    kind: u8,
    args: Vec<Vec<usize>>,
    out: Vec<usize>,
    pf: bool,
    body: Rc<E>,
}

pub struct G<'a> {
    pub t: Tape<'a>,
    dims: Vec<(String, usize)>,
    params: Vec<Decl>,
    vars: Vec<Decl>,
    env: Env,
    decls: Vec<String>,
    lets: Vec<String>,
    defs: Vec<DefInfo>,
    def_lines: Vec<String>,
    id: usize,
    budget: i32,
    /// Shapes of the arguments of the `def` whose body is being generated.
    in_def: Option<Vec<(String, Vec<usize>)>>,
    hard: bool,
}

const MAX_DEPTH: u32 = 4;

impl<'a> G<'a> {
    fn fresh(&mut self, prefix: &str) -> String {
        self.id += 1;
        format!("{prefix}{}", self.id)
    }

    fn small(&mut self) -> usize {
        if self.dims.is_empty() || self.t.chance(30) {
            1 + self.t.pick(3)
        } else {
            self.dims[self.t.pick(self.dims.len())].1
        }
    }

    fn shape(&mut self) -> Vec<usize> {
        match self.t.pick(4) {
            0 => vec![],
            1 => vec![self.small()],
            2 => vec![self.small(), self.small()],
            _ => {
                let n = self.small();
                vec![n, n]
            }
        }
    }

    /// An extent as text: a dim of that value, a dim plus a number, or the number.
    fn extent(&mut self, v: usize) -> String {
        let same: Vec<String> = self.dims.iter().filter(|d| d.1 == v).map(|d| d.0.clone()).collect();
        if !same.is_empty() && self.t.chance(70) {
            return same[self.t.pick(same.len())].clone();
        }
        let below: Vec<(String, usize)> = self.dims.iter().filter(|d| d.1 < v).cloned().collect();
        if !below.is_empty() && self.t.chance(30) {
            let (n, w) = below[self.t.pick(below.len())].clone();
            return format!("{n} + {}", v - w);
        }
        v.to_string()
    }

    fn shape_text(&mut self, sh: &[usize]) -> String {
        if sh.is_empty() {
            return String::new();
        }
        let parts: Vec<String> = sh.iter().map(|&v| self.extent(v)).collect();
        format!("[{}]", parts.join(", "))
    }

    /// A random value of shape `sh` that keeps `attr` strictly.
    fn value(&mut self, sh: &[usize], attr: Attr) -> Arr {
        let size: usize = sh.iter().product();
        let mut a = Arr::new(sh.to_vec(), (0..size).map(|_| self.t.nice()).collect());
        match attr {
            Attr::Free => {}
            Attr::Nonneg => a = a.map(|v| v.abs() + 0.25),
            Attr::Nonpos => a = a.map(|v| -v.abs() - 0.25),
            Attr::Symmetric => a = expr::sym(&a),
            Attr::Psd | Attr::Nsd => {
                let n = sh[0];
                let mut p = arr::matmul(&a, &a.t());
                for i in 0..n {
                    p.d[i * n + i] += 0.5;
                }
                a = if attr == Attr::Nsd { p.map(|v| -v) } else { p };
            }
        }
        a
    }

    fn attr_for(&mut self, sh: &[usize], param: bool) -> Attr {
        let square = sh.len() == 2 && sh[0] == sh[1];
        if square && self.t.chance(40) {
            return [Attr::Symmetric, Attr::Psd, Attr::Nsd][self.t.pick(3)];
        }
        if self.t.chance(if param { 25 } else { 30 }) {
            return [Attr::Nonneg, Attr::Nonpos][self.t.pick(2)];
        }
        Attr::Free
    }

    /// A list literal of `a` (numbers, rows of numbers).
    fn list(a: &Arr) -> String {
        let f = |v: f64| if v < 0.0 { format!("-{}", expr::fmt_num(-v)) } else { expr::fmt_num(v) };
        match a.sh.len() {
            0 => f(a.d[0]),
            1 => format!("[{}]", a.d.iter().map(|v| f(*v)).collect::<Vec<_>>().join(", ")),
            _ => {
                let n = a.sh[1];
                let rows: Vec<String> = (0..a.sh[0])
                    .map(|i| {
                        format!(
                            "[{}]",
                            a.d[i * n..(i + 1) * n].iter().map(|v| f(*v)).collect::<Vec<_>>().join(", ")
                        )
                    })
                    .collect();
                format!("[{}]", rows.join(", "))
            }
        }
    }

    /// Declare a constant of value `a` and return its name.
    fn declare_const(&mut self, a: Arr) -> E {
        let name = self.fresh("c");
        let sh = self.shape_text(&a.sh);
        let value = if a.d.iter().all(|&v| v == a.d[0]) && !a.sh.is_empty() && self.t.chance(50) {
            // A scalar fills the shape.
            Self::list(&Arr::scalar(a.d[0]))
        } else {
            Self::list(&a)
        };
        self.decls.push(format!("constant {name}{sh} = {value}"));
        self.env.vals.insert(name.clone(), a);
        E::Ref(name)
    }

    /// A parameter-free constant of shape `sh` (or a scalar, which broadcasts).
    fn constant(&mut self, sh: &[usize]) -> E {
        match self.t.pick(5) {
            0 => num(self.t.nice()),
            1 if !sh.is_empty() => {
                let mut kws: Vec<Kw> =
                    sh.iter().map(|&v| Kw { name: "n", value: v as f64, named: false }).collect();
                kws.truncate(2);
                let f = if self.t.chance(50) { "ones" } else { "zeros" };
                E::Call(f, vec![], kws)
            }
            2 if sh.len() == 2 && sh[0] == sh[1] => {
                E::Call("eye", vec![], vec![Kw { name: "n", value: sh[0] as f64, named: false }])
            }
            _ => {
                let v = self.value(sh, Attr::Free);
                self.declare_const(v)
            }
        }
    }

    /// A parameter of shape `sh` or a scalar one, if there is one.
    fn param(&mut self, sh: &[usize], want: Option<Attr>) -> Option<E> {
        let fits: Vec<String> = self
            .params
            .iter()
            .filter(|p| (p.sh == sh || p.sh.is_empty()) && want.is_none_or(|w| w == p.attr))
            .map(|p| p.name.clone())
            .collect();
        if fits.is_empty() {
            return None;
        }
        Some(E::Ref(fits[self.t.pick(fits.len())].clone()))
    }

    /// A coefficient for `coef * expr` of shape `sh`; `Some` flag says it holds a parameter.
    fn coef(&mut self, sh: &[usize], pf: bool) -> (E, bool) {
        if !pf
            && self.t.chance(50)
            && let Some(p) = self.param(sh, None)
        {
            return (p, true);
        }
        if self.t.chance(70) {
            let v = self.t.nice();
            (num(if v == 0.0 { 2.0 } else { v }), false)
        } else {
            (self.constant(sh), false)
        }
    }

    fn nonneg_coef(&mut self, pf: bool) -> (E, bool) {
        if !pf
            && self.t.chance(40)
            && let Some(p) = self.param(&[], Some(Attr::Nonneg))
        {
            return (p, true);
        }
        (E::Num(self.t.pos()), false)
    }

    fn ix(&mut self, v: i64, len: usize) -> Ix {
        let named: Vec<String> = self.dims.iter().filter(|d| d.1 as i64 == v).map(|d| d.0.clone()).collect();
        if !named.is_empty() && self.t.chance(30) {
            return Ix::Name(named[0].clone());
        }
        if v < len as i64 && self.t.chance(20) {
            return Ix::Lit(v - len as i64);
        }
        Ix::Lit(v)
    }

    /// `a:b` for positions a..b of an axis of length `len`, in one of its spellings.
    fn slice(&mut self, a: usize, b: usize, len: usize) -> Item {
        let lo = if a == 0 && self.t.chance(50) { None } else { Some(self.ix(a as i64, len)) };
        let hi = if b == len && self.t.chance(50) { None } else { Some(self.ix(b as i64, len)) };
        Item::Slice(lo, hi)
    }

    /// A variable-holding affine expression of shape `sh` from one variable (or def argument).
    fn leaf(&mut self, sh: &[usize]) -> E {
        if let Some(args) = self.in_def.clone() {
            let fits: Vec<usize> = (0..args.len()).filter(|&k| args[k].1 == sh).collect();
            if !fits.is_empty() && self.t.chance(80) {
                let k = fits[self.t.pick(fits.len())];
                return E::Arg(k, args[k].0.clone());
            }
        }
        let vars = self.vars.clone();
        let mut opts: Vec<E> = Vec::new();
        for v in &vars {
            let r = E::Ref(v.name.clone());
            match (v.sh.len(), sh.len()) {
                _ if v.sh == sh => {
                    opts.push(r.clone());
                    opts.push(r);
                }
                (2, 2) if v.sh[0] == sh[1] && v.sh[1] == sh[0] => opts.push(E::T(Box::new(r))),
                (1, 0) => {
                    let i = self.t.pick(v.sh[0]);
                    let it = Item::At(self.ix(i as i64, v.sh[0]));
                    opts.push(E::Index(Box::new(r), vec![it]));
                }
                (1, 1) if sh[0] <= v.sh[0] => {
                    let a = self.t.pick(v.sh[0] - sh[0] + 1);
                    let it = self.slice(a, a + sh[0], v.sh[0]);
                    opts.push(E::Index(Box::new(r), vec![it]));
                }
                (2, 0) => {
                    let (i, j) = (self.t.pick(v.sh[0]), self.t.pick(v.sh[1]));
                    let items =
                        vec![Item::At(self.ix(i as i64, v.sh[0])), Item::At(self.ix(j as i64, v.sh[1]))];
                    opts.push(E::Index(Box::new(r), items));
                }
                (2, 1) if sh[0] <= v.sh[1] => {
                    let i = self.t.pick(v.sh[0]);
                    let a = self.t.pick(v.sh[1] - sh[0] + 1);
                    let s = self.slice(a, a + sh[0], v.sh[1]);
                    let row = Item::At(self.ix(i as i64, v.sh[0]));
                    // `X[i]` is the whole row.
                    let items = if sh[0] == v.sh[1] && self.t.chance(40) { vec![row] } else { vec![row, s] };
                    opts.push(E::Index(Box::new(r), items));
                }
                (2, 1) if sh[0] <= v.sh[0] => {
                    let j = self.t.pick(v.sh[1]);
                    let a = self.t.pick(v.sh[0] - sh[0] + 1);
                    let s = self.slice(a, a + sh[0], v.sh[0]);
                    opts.push(E::Index(Box::new(r), vec![s, Item::At(self.ix(j as i64, v.sh[1]))]));
                }
                (2, 2) if sh[0] <= v.sh[0] && sh[1] <= v.sh[1] => {
                    let a = self.t.pick(v.sh[0] - sh[0] + 1);
                    let b = self.t.pick(v.sh[1] - sh[1] + 1);
                    let items = vec![self.slice(a, a + sh[0], v.sh[0]), self.slice(b, b + sh[1], v.sh[1])];
                    opts.push(E::Index(Box::new(r), items));
                }
                _ => {}
            }
        }
        if !opts.is_empty() && (sh.is_empty() || self.t.pick(6) != 0) {
            let k = self.t.pick(opts.len());
            return opts.swap_remove(k);
        }
        // Broadcast a scalar entry of some variable.
        let s = self.leaf(&[]);
        if sh.is_empty() {
            return s;
        }
        let kws: Vec<Kw> = sh.iter().map(|&v| Kw { name: "n", value: v as f64, named: false }).collect();
        if self.t.chance(50) {
            bin(Op::Mul, s, E::Call("ones", vec![], kws))
        } else {
            bin(Op::Add, E::Call("zeros", vec![], kws), s)
        }
    }

    fn spend(&mut self, d: u32) -> bool {
        self.budget -= 1;
        d == 0 || self.budget <= 0
    }

    /// `e + c` with c making `e` at least `margin` entrywise at x0 (the domain of
    /// log, sqrt, inv_pos, …).
    fn lift(&mut self, e: E, margin: f64) -> E {
        let v = e.eval(&mut self.env);
        let c = (margin - v.min()).max(0.0);
        if c == 0.0 && self.t.chance(50) {
            return e;
        }
        // A value at x0 that overflowed makes the case `extreme`; keep the text valid.
        let c = if c.is_finite() { (c * 4.0).ceil() / 4.0 + 0.25 } else { 1.0 };
        bin(Op::Add, e, E::Num(c))
    }

    fn can_lift(&self) -> bool {
        self.in_def.is_none()
    }

    /// Another shape with the same number of entries.
    fn reshaped(&mut self, sh: &[usize]) -> Vec<usize> {
        let size: usize = sh.iter().product();
        let divs: Vec<usize> = divisors(size);
        match self.t.pick(2) {
            0 => vec![size],
            _ => {
                let a = divs[self.t.pick(divs.len())];
                vec![a, size / a]
            }
        }
    }

    pub fn aff(&mut self, sh: &[usize], pf: bool, d: u32) -> E {
        if self.spend(d) {
            return self.leaf(sh);
        }
        let d = d - 1;
        let sh = sh.to_vec();
        match self.t.pick(20) {
            0 | 1 => self.leaf(&sh),
            2 => bin(Op::Add, self.aff(&sh, pf, d), self.aff(&sh, pf, d)),
            3 => bin(Op::Sub, self.aff(&sh, pf, d), self.aff(&sh, pf, d)),
            4 => neg(self.aff(&sh, pf, d)),
            5 => {
                let (c, has_p) = self.coef(&sh, pf);
                let e = self.aff(&sh, pf || has_p, d);
                if self.t.chance(50) { bin(Op::Mul, c, e) } else { bin(Op::Mul, e, c) }
            }
            6 => bin(Op::Div, self.aff(&sh, pf, d), E::Num(self.t.pos())),
            7 => {
                let k = self.small();
                let use_p = !pf && self.t.chance(30);
                let (csh, esh, left) = match sh.len() {
                    0 => (vec![k], vec![k], self.t.chance(50)),
                    1 => {
                        if self.t.chance(50) {
                            (vec![sh[0], k], vec![k], true)
                        } else {
                            (vec![k, sh[0]], vec![k], false)
                        }
                    }
                    _ => {
                        if self.t.chance(50) {
                            (vec![sh[0], k], vec![k, sh[1]], true)
                        } else {
                            (vec![k, sh[1]], vec![sh[0], k], false)
                        }
                    }
                };
                let c = match (use_p, self.param_exact(&csh)) {
                    (true, Some(p)) => p,
                    _ => {
                        let v = self.value(&csh, Attr::Free);
                        self.declare_const(v)
                    }
                };
                let e = self.aff(&esh, true, d);
                if left { bin(Op::MatMul, c, e) } else { bin(Op::MatMul, e, c) }
            }
            8 => {
                let c = if !pf && self.t.chance(70) { self.param(&sh, None) } else { None };
                let c = c.unwrap_or_else(|| self.constant(&sh));
                let e = self.aff(&sh, pf, d);
                if self.t.chance(50) { bin(Op::Add, e, c) } else { bin(Op::Sub, c, e) }
            }
            9 => match sh.len() {
                0 => {
                    let s = self.shape();
                    call("sum", vec![self.aff(&s, pf, d)])
                }
                1 => {
                    let k = self.small();
                    let (s, axis) = if self.t.chance(50) { (vec![k, sh[0]], 0) } else { (vec![sh[0], k], 1) };
                    let axis = if self.t.chance(20) { axis - 2 } else { axis };
                    let named = self.t.chance(50);
                    E::Call(
                        "sum",
                        vec![self.aff(&s, pf, d)],
                        vec![Kw { name: "axis", value: axis as f64, named }],
                    )
                }
                _ => self.leaf(&sh),
            },
            10 if !sh.is_empty() => {
                let axis = if sh.len() == 2 { self.t.pick(2) } else { 0 };
                let kws = if axis == 0 && self.t.chance(50) {
                    vec![]
                } else {
                    vec![Kw { name: "axis", value: axis as f64, named: true }]
                };
                E::Call("cumsum", vec![self.aff(&sh, pf, d)], kws)
            }
            11 if !sh.is_empty() => {
                let axis = if sh.len() == 2 { self.t.pick(2) } else { 0 };
                let k = 1 + self.t.pick(2);
                let mut s = sh.clone();
                s[axis] += k;
                let mut kws = vec![Kw { name: "k", value: k as f64, named: self.t.chance(50) }];
                if axis == 1 || self.t.chance(30) {
                    let named = kws[0].named || self.t.chance(50);
                    kws.push(Kw { name: "axis", value: axis as f64, named });
                }
                E::Call("diff", vec![self.aff(&s, pf, d)], kws)
            }
            12 if !sh.is_empty() => {
                let s = self.reshaped(&sh);
                let inner = self.aff(&s, pf, d);
                if sh.len() == 1 && s.len() == 2 && self.t.chance(50) {
                    return call("vec", vec![inner]);
                }
                let kws = sh
                    .iter()
                    .enumerate()
                    .map(|(k, &v)| Kw { name: ["m", "n"][k], value: v as f64, named: false })
                    .collect();
                E::Call("reshape", vec![inner], kws)
            }
            13 if !sh.is_empty() => {
                let total = if sh.len() == 1 { sh[0] } else { sh[1] };
                if sh.len() == 2 && self.t.chance(50) {
                    // vstack of row blocks.
                    let a = 1 + self.t.pick(sh[0]);
                    if a == sh[0] {
                        return call("vstack", vec![self.aff(&sh, pf, d)]);
                    }
                    let top = if a == 1 && self.t.chance(50) { vec![sh[1]] } else { vec![a, sh[1]] };
                    return call("vstack", vec![self.aff(&top, pf, d), self.aff(&[sh[0] - a, sh[1]], pf, d)]);
                }
                let a = 1 + self.t.pick(total);
                let mk = |g: &mut G, w: usize| {
                    if sh.len() == 1 {
                        let s = if w == 1 && g.t.chance(30) { vec![] } else { vec![w] };
                        g.aff(&s, pf, d)
                    } else {
                        g.aff(&[sh[0], w], pf, d)
                    }
                };
                let mut args = vec![mk(self, a)];
                if a < total {
                    args.push(mk(self, total - a));
                }
                call("hstack", args)
            }
            14 => match sh.len() {
                0 => {
                    let k = self.small();
                    call("trace", vec![self.aff(&[k, k], pf, d)])
                }
                1 => call("diag", vec![self.aff(&[sh[0], sh[0]], pf, d)]),
                _ if sh[0] == sh[1] => call("diag", vec![self.aff(&[sh[0]], pf, d)]),
                _ => self.leaf(&sh),
            },
            15 if !sh.is_empty() => {
                // kron(C, e) with C of extents dividing sh.
                let (p, q) = if sh.len() == 1 {
                    let divs: Vec<usize> = divisors(sh[0]);
                    (divs[self.t.pick(divs.len())], 1)
                } else {
                    let dr: Vec<usize> = divisors(sh[0]);
                    let dc: Vec<usize> = divisors(sh[1]);
                    (dr[self.t.pick(dr.len())], dc[self.t.pick(dc.len())])
                };
                let (csh, esh) = if sh.len() == 1 {
                    (vec![p], vec![sh[0] / p])
                } else {
                    (vec![p, q], vec![sh[0] / p, sh[1] / q])
                };
                let v = self.value(&csh, Attr::Free);
                let c = self.declare_const(v);
                call("kron", vec![c, self.aff(&esh, pf, d)])
            }
            16 => {
                let (c, has_p) = self.coef(&sh, pf);
                call("multiply", vec![c, self.aff(&sh, pf || has_p, d)])
            }
            17 if sh.len() == 2 => E::T(Box::new(self.aff(&[sh[1], sh[0]], pf, d))),
            17 if sh.len() < 2 => {
                // An index or slice of a larger expression.
                let len = sh.first().copied().unwrap_or(1) + self.t.pick(3);
                let inner = self.aff(&[len], pf, d);
                let a = self.t.pick(len - sh.first().copied().unwrap_or(1) + 1);
                let item = if sh.is_empty() {
                    Item::At(self.ix(a as i64, len))
                } else {
                    self.slice(a, a + sh[0], len)
                };
                E::Index(Box::new(inner), vec![item])
            }
            18 if self.in_def.is_none() && self.lets_ok() => {
                let body = self.aff(&sh, pf, d);
                self.bind(body)
            }
            19 => self.def_call(0, &sh, pf, d),
            _ => self.leaf(&sh),
        }
    }

    fn param_exact(&mut self, sh: &[usize]) -> Option<E> {
        let fits: Vec<String> = self.params.iter().filter(|p| p.sh == sh).map(|p| p.name.clone()).collect();
        if fits.is_empty() { None } else { Some(E::Ref(fits[self.t.pick(fits.len())].clone())) }
    }

    fn lets_ok(&self) -> bool {
        self.lets.len() < 4
    }

    fn bind(&mut self, body: E) -> E {
        let name = self.fresh("l");
        let line = format!("let {name} = {}", body.text(self.t.chance(20)));
        self.lets.push(line);
        E::Let(name, Rc::new(body))
    }

    /// A call of a `def` of the given kind (0 affine, 1 convex, 2 concave) and result shape.
    fn def_call(&mut self, kind: u8, sh: &[usize], pf: bool, d: u32) -> E {
        if self.in_def.is_some() || self.defs.len() >= 3 {
            return match kind {
                0 => self.leaf(sh),
                1 => self.cvx_leaf(sh),
                _ => neg(self.cvx_leaf(sh)),
            };
        }
        let reuse: Vec<usize> = (0..self.defs.len())
            .filter(|&k| self.defs[k].kind == kind && self.defs[k].out == sh && (self.defs[k].pf || !pf))
            .collect();
        let k = if !reuse.is_empty() && self.t.chance(60) {
            reuse[self.t.pick(reuse.len())]
        } else {
            let name = self.fresh("f");
            let nargs = 1 + self.t.pick(2);
            let mut args = vec![];
            for a in 0..nargs {
                let s = if a == 0 && self.t.chance(60) { sh.to_vec() } else { self.shape() };
                args.push((format!("{name}a{a}"), s));
            }
            self.in_def = Some(args.clone());
            let body = match kind {
                0 => self.aff(sh, pf, d),
                1 => self.cvx(sh, pf, d),
                _ => self.ccv(sh, pf, d),
            };
            self.in_def = None;
            let names: Vec<String> = args.iter().map(|a| a.0.clone()).collect();
            let trailing = if self.t.chance(20) { "," } else { "" };
            self.def_lines.push(format!("def {name}({}{trailing}) = {}", names.join(", "), body.text(false)));
            self.defs.push(DefInfo {
                name,
                kind,
                args: args.into_iter().map(|a| a.1).collect(),
                out: sh.to_vec(),
                pf,
                body: Rc::new(body),
            });
            self.defs.len() - 1
        };
        let shapes = self.defs[k].args.clone();
        let args: Vec<E> = shapes.iter().map(|s| self.aff(s, true, d.min(1))).collect();
        E::Def(self.defs[k].name.clone(), args, self.defs[k].body.clone())
    }

    fn cvx_leaf(&mut self, sh: &[usize]) -> E {
        let l = self.leaf(sh);
        if sh.is_empty() && self.t.chance(50) { call("abs", vec![l]) } else { call("square", vec![l]) }
    }

    /// A convex expression of shape `sh`, and whether it is known nonnegative.
    pub fn cvx(&mut self, sh: &[usize], pf: bool, d: u32) -> E {
        self.cvx_s(sh, pf, d).0
    }

    fn cvx_s(&mut self, sh: &[usize], pf: bool, d: u32) -> (E, bool) {
        if self.spend(d) {
            return (self.cvx_leaf(sh), true);
        }
        let d = d - 1;
        let sh = sh.to_vec();
        let scalar = sh.is_empty();
        match self.t.pick(if scalar { 22 } else { 12 }) {
            0 => (self.cvx_leaf(&sh), true),
            1 => {
                const F: [(&str, bool); 6] = [
                    ("abs", true),
                    ("pos", true),
                    ("neg", true),
                    ("square", true),
                    ("exp", true),
                    ("logistic", true),
                ];
                let (f, nn) = F[self.t.pick(F.len())];
                self.hard |= f == "exp" || f == "logistic";
                (call(f, vec![self.aff(&sh, pf, d)]), nn)
            }
            2 => {
                let e = self.aff(&sh, pf, d);
                if self.t.chance(50) {
                    let m = self.t.pos();
                    let named = self.t.chance(50);
                    let kws =
                        if self.t.chance(20) { vec![] } else { vec![Kw { name: "M", value: m, named }] };
                    (E::Call("huber", vec![e], kws), true)
                } else {
                    let p = [2.0, 4.0][self.t.pick(2)];
                    (
                        E::Call("power", vec![e], vec![Kw { name: "p", value: p, named: self.t.chance(30) }]),
                        true,
                    )
                }
            }
            3 if self.can_lift() => {
                let e = self.aff(&sh, pf, d);
                match self.t.pick(4) {
                    0 => {
                        self.hard = true;
                        (call("inv_pos", vec![self.lift(e, 0.5)]), true)
                    }
                    1 => {
                        let p = [1.5, 3.0, -1.0, -0.5][self.t.pick(4)];
                        self.hard = true;
                        let margin = if p < 0.0 { 0.5 } else { 0.0 };
                        (
                            E::Call(
                                "power",
                                vec![self.lift(e, margin)],
                                vec![Kw { name: "p", value: p, named: false }],
                            ),
                            true,
                        )
                    }
                    k => {
                        self.hard = true;
                        let y = self.aff(&sh, pf, d);
                        let (x, y) = (self.lift(e, 0.25), self.lift(y, 0.5));
                        if k == 2 {
                            (call("kl_div", vec![x, y]), true)
                        } else {
                            (call("rel_entr", vec![x, y]), false)
                        }
                    }
                }
            }
            4 => {
                let (a, na) = self.cvx_s(&sh, pf, d);
                if self.t.chance(50) {
                    let (b, nb) = self.cvx_s(&sh, pf, d);
                    (bin(Op::Add, a, b), na && nb)
                } else {
                    (bin(Op::Add, a, self.aff(&sh, pf, d)), false)
                }
            }
            5 => {
                let (c, has_p) = self.nonneg_coef(pf);
                let (e, nn) = self.cvx_s(&sh, pf || has_p, d);
                (if self.t.chance(70) { bin(Op::Mul, c, e) } else { bin(Op::Mul, e, c) }, nn)
            }
            6 => (neg(self.ccv(&sh, pf, d)), false),
            7 => {
                // Increasing convex atoms of a convex argument.
                let (e, nn) = self.cvx_s(&sh, pf, d);
                match self.t.pick(4) {
                    0 => {
                        self.hard = true;
                        (call("exp", vec![e]), true)
                    }
                    1 => (call("pos", vec![e]), true),
                    2 if nn => (call("square", vec![e]), true),
                    _ => {
                        let (b, nb) = self.cvx_s(&sh, pf, d);
                        (call("maximum", vec![e, b]), nn || nb)
                    }
                }
            }
            8 => {
                let mut args = vec![self.aff(&sh, pf, d), self.aff(&sh, pf, d)];
                if self.t.chance(20) {
                    args.push(self.constant(&sh));
                }
                (call("maximum", args), false)
            }
            9 if !scalar => {
                // An entry range of a larger convex array.
                let len = sh[0] + self.t.pick(2);
                let mut s = sh.clone();
                s[0] = len;
                let (e, nn) = self.cvx_s(&s, pf, d);
                let a = self.t.pick(len - sh[0] + 1);
                let mut items = vec![self.slice(a, a + sh[0], len)];
                if sh.len() == 2 && self.t.chance(50) {
                    items.push(Item::Slice(None, None));
                }
                (E::Index(Box::new(e), items), nn)
            }
            10 => {
                if self.in_def.is_none() && self.lets_ok() && self.t.chance(50) {
                    let (e, nn) = self.cvx_s(&sh, pf, d);
                    (self.bind(e), nn)
                } else {
                    (self.def_call(1, &sh, pf, d), false)
                }
            }
            11 if !scalar && sh.len() == 1 => {
                let k = self.small();
                let (s, axis) = if self.t.chance(50) { (vec![k, sh[0]], 0) } else { (vec![sh[0], k], 1) };
                let (e, nn) = self.cvx_s(&s, pf, d);
                (
                    E::Call(
                        "sum",
                        vec![e],
                        vec![Kw { name: "axis", value: axis as f64, named: self.t.chance(50) }],
                    ),
                    nn,
                )
            }
            // Scalar reductions.
            12 => {
                let s = self.shape();
                let e = self.aff(&s, pf, d);
                const F: [&str; 5] = ["norm1", "norm2", "norm_inf", "norm_fro", "sum_squares"];
                (call(F[self.t.pick(F.len())], vec![e]), true)
            }
            13 => {
                let s = if self.t.chance(20) { vec![] } else { vec![self.small()] };
                let e = self.aff(&s, pf, d);
                let p = [1.0, 2.0, 3.0, 1.5][self.t.pick(4)];
                self.hard |= p != 1.0 && p != 2.0;
                let named = self.t.chance(50);
                (E::Call("norm", vec![e], vec![Kw { name: "p", value: p, named }]), true)
            }
            14 => {
                let s = self.shape();
                let e = self.aff(&s, pf, d);
                let y = if self.can_lift() && self.t.chance(50) {
                    let y = self.aff(&[], true, d);
                    self.lift(y, 0.5)
                } else {
                    E::Num(self.t.pos())
                };
                (call("quad_over_lin", vec![e, y]), true)
            }
            15 => {
                let s = self.shape();
                let size: usize = s.iter().product();
                let (e, _) =
                    if self.t.chance(30) { self.cvx_s(&s, pf, d) } else { (self.aff(&s, pf, d), false) };
                match self.t.pick(3) {
                    0 => (call("max", vec![e]), false),
                    1 => {
                        self.hard = true;
                        (call("log_sum_exp", vec![e]), false)
                    }
                    _ => {
                        let k = 1 + self.t.pick(size);
                        (
                            E::Call(
                                "sum_largest",
                                vec![e],
                                vec![Kw { name: "k", value: k as f64, named: self.t.chance(50) }],
                            ),
                            false,
                        )
                    }
                }
            }
            16 => {
                let n = self.small();
                let e = self.aff(&[n], pf, d);
                let b = self.value(&[n, n], Attr::Free);
                let mut p = arr::matmul(&b, &b.t());
                for i in 0..n {
                    p.d[i * n + i] += 0.25;
                }
                let c = self.declare_const(p);
                (call("quad_form", vec![e, c]), true)
            }
            17 => {
                let n = self.small();
                self.hard = true;
                (call("lambda_max", vec![self.symm(n, pf, d)]), false)
            }
            18 => {
                let s = vec![self.small(), self.small()];
                self.hard = true;
                let f = if self.t.chance(50) { "sigma_max" } else { "norm_nuc" };
                (call(f, vec![self.aff(&s, pf, d)]), true)
            }
            19 => {
                let s = self.shape();
                let (e, nn) = self.cvx_s(&s, pf, d);
                (call("sum", vec![e]), nn)
            }
            20 => {
                let s = self.shape();
                let (e, nn) = self.cvx_s(&s, pf, d);
                if nn {
                    const F: [&str; 3] = ["norm2", "norm1", "sum_squares"];
                    (call(F[self.t.pick(3)], vec![e]), true)
                } else {
                    (call("max", vec![e]), false)
                }
            }
            _ => (self.cvx_leaf(&sh), true),
        }
    }

    pub fn ccv(&mut self, sh: &[usize], pf: bool, d: u32) -> E {
        if self.spend(d) {
            return neg(self.cvx_leaf(sh));
        }
        let d = d - 1;
        let sh = sh.to_vec();
        let scalar = sh.is_empty();
        match self.t.pick(if scalar { 14 } else { 9 }) {
            0 => neg(self.cvx(&sh, pf, d)),
            1 if self.can_lift() => {
                let e = self.aff(&sh, pf, d);
                self.hard = true;
                match self.t.pick(4) {
                    0 => call("log", vec![self.lift(e, 0.5)]),
                    1 => call("sqrt", vec![self.lift(e, 0.0)]),
                    2 => call("entr", vec![self.lift(e, 0.0)]),
                    _ => E::Call(
                        "power",
                        vec![self.lift(e, 0.0)],
                        vec![Kw { name: "p", value: 0.5, named: false }],
                    ),
                }
            }
            2 => {
                let mut args = vec![self.aff(&sh, pf, d), self.ccv(&sh, pf, d)];
                if self.t.chance(20) {
                    args.push(self.constant(&sh));
                }
                call("minimum", args)
            }
            3 => {
                let a = self.ccv(&sh, pf, d);
                let b = if self.t.chance(50) { self.ccv(&sh, pf, d) } else { self.aff(&sh, pf, d) };
                bin(Op::Add, a, b)
            }
            4 => {
                let (c, has_p) = self.nonneg_coef(pf);
                let e = self.ccv(&sh, pf || has_p, d);
                bin(Op::Mul, c, e)
            }
            5 if self.can_lift() => {
                let e = self.ccv(&sh, pf, d);
                self.hard = true;
                if self.t.chance(50) {
                    call("log", vec![self.lift(e, 0.5)])
                } else {
                    call("sqrt", vec![self.lift(e, 0.0)])
                }
            }
            6 => {
                if self.in_def.is_none() && self.lets_ok() && self.t.chance(50) {
                    let e = self.ccv(&sh, pf, d);
                    self.bind(e)
                } else {
                    self.def_call(2, &sh, pf, d)
                }
            }
            7 => bin(Op::Sub, self.aff(&sh, pf, d), self.cvx(&sh, pf, d)),
            9 => {
                let s = self.shape();
                let size: usize = s.iter().product();
                let e = if self.t.chance(30) { self.ccv(&s, pf, d) } else { self.aff(&s, pf, d) };
                match self.t.pick(3) {
                    0 => call("min", vec![e]),
                    1 => call("sum", vec![e]),
                    _ => {
                        let k = 1 + self.t.pick(size);
                        E::Call(
                            "sum_smallest",
                            vec![e],
                            vec![Kw { name: "k", value: k as f64, named: self.t.chance(50) }],
                        )
                    }
                }
            }
            10 if self.can_lift() => {
                let s = if self.t.chance(20) { vec![] } else { vec![self.small()] };
                let e = self.aff(&s, pf, d);
                self.hard = true;
                call("geo_mean", vec![self.lift(e, 0.25)])
            }
            11 => {
                let n = self.small();
                self.hard = true;
                call("lambda_min", vec![self.symm(n, pf, d)])
            }
            12 if self.can_lift() => {
                let n = self.small();
                let s = self.symm(n, pf, d);
                let v = expr::sym(&s.eval(&mut self.env));
                let lo = arr::eig_sym(&v)[0];
                let c = ((0.5 - lo).max(0.0) * 4.0).ceil() / 4.0;
                let c = if c.is_finite() { c } else { 1.0 };
                self.hard = true;
                let s = if c > 0.0 {
                    let eye = E::Call("eye", vec![], vec![Kw { name: "n", value: n as f64, named: false }]);
                    bin(Op::Add, s, bin(Op::Mul, E::Num(c), eye))
                } else {
                    s
                };
                call("log_det", vec![s])
            }
            _ => neg(self.cvx_leaf(&sh)),
        }
    }

    /// A symmetric affine `[n, n]` expression.
    pub fn symm(&mut self, n: usize, pf: bool, d: u32) -> E {
        let syms: Vec<String> = self
            .vars
            .iter()
            .filter(|v| v.sh == [n, n] && v.attr.symmetric())
            .map(|v| v.name.clone())
            .collect();
        if self.spend(d) {
            if !syms.is_empty() {
                return E::Ref(syms[self.t.pick(syms.len())].clone());
            }
            return call("diag", vec![self.leaf(&[n])]);
        }
        let d = d - 1;
        match self.t.pick(8) {
            0 if !syms.is_empty() => E::Ref(syms[self.t.pick(syms.len())].clone()),
            1 => {
                let x = self.aff(&[n, n], pf, d);
                if self.in_def.is_none() && self.lets_ok() && self.t.chance(50) {
                    let b = self.bind(x);
                    bin(Op::Add, b.clone(), E::T(Box::new(b)))
                } else {
                    bin(Op::Add, x.clone(), E::T(Box::new(x)))
                }
            }
            2 => bin(Op::Add, self.symm(n, pf, d), self.symm(n, pf, d)),
            3 => bin(Op::Mul, num(self.t.nice()), self.symm(n, pf, d)),
            4 => {
                let eye = E::Call("eye", vec![], vec![Kw { name: "n", value: n as f64, named: false }]);
                let c =
                    if !pf && self.t.chance(50) { self.param(&[n, n], Some(Attr::Symmetric)) } else { None };
                let c = c.unwrap_or(bin(Op::Mul, num(self.t.nice()), eye));
                bin(Op::Sub, self.symm(n, pf, d), c)
            }
            5 => neg(self.symm(n, pf, d)),
            6 => {
                // C @ S @ C.T with a constant C.
                let k = self.small();
                let v = self.value(&[n, k], Attr::Free);
                let c = self.declare_const(v);
                let s = self.symm(k, pf, d);
                bin(Op::MatMul, bin(Op::MatMul, c.clone(), s), E::T(Box::new(c)))
            }
            _ => call("diag", vec![self.aff(&[n], pf, d)]),
        }
    }
}

fn divisors(n: usize) -> Vec<usize> {
    (1..=n).filter(|&d| n.is_multiple_of(d)).collect()
}

/// Generate a case from a tape.
pub fn generate(bytes: &[u8]) -> Case {
    let mut g = G {
        t: Tape::new(bytes),
        dims: vec![],
        params: vec![],
        vars: vec![],
        env: Env::default(),
        decls: vec![],
        lets: vec![],
        defs: vec![],
        def_lines: vec![],
        id: 0,
        budget: 60,
        in_def: None,
        hard: false,
    };
    let mut head: Vec<String> = vec![];
    let mut given = vec![];
    // Dims.
    for (k, name) in ["n", "m", "r"].iter().enumerate().take(1 + g.t.pick(3)) {
        let value = 1 + g.t.pick(4);
        let line = match g.t.pick(5) {
            0 => {
                given.push((name.to_string(), value as i64));
                format!("dim {name}")
            }
            1 if k > 0 && g.dims[0].1 < value => {
                format!("dim {name} = {} + {}", g.dims[0].0, value - g.dims[0].1)
            }
            2 if k > 0 => format!("dim {name} = {} * {value} / {}", g.dims[0].0, g.dims[0].1),
            _ => format!("dim {name} = {value}"),
        };
        head.push(line);
        g.dims.push((name.to_string(), value));
        g.env.ints.insert(name.to_string(), value as i64);
    }
    // Parameters and variables.
    for _ in 0..g.t.pick(4) {
        let sh = g.shape();
        let attr = g.attr_for(&sh, true);
        let name = g.fresh("p");
        let st = g.shape_text(&sh);
        head.push(format!("parameter {name}{st} {}", attr.word()).trim_end().to_string());
        let v = g.value(&sh, attr);
        g.env.vals.insert(name.clone(), v);
        g.params.push(Decl { name, sh, attr });
    }
    for _ in 0..1 + g.t.pick(3) {
        let sh = g.shape();
        let attr = g.attr_for(&sh, false);
        let name = g.fresh("x");
        let st = g.shape_text(&sh);
        head.push(format!("variable {name}{st} {}", attr.word()).trim_end().to_string());
        let v = g.value(&sh, attr);
        g.env.vals.insert(name.clone(), v);
        g.vars.push(Decl { name, sh, attr });
    }
    // Objective: 0 minimize, 1 maximize, 2 none.
    let sense = [0, 0, 0, 1, 1, 2][g.t.pick(6)];
    let mut objective = None;
    let mut broken = false;
    let mut regularized = sense == 2;
    if sense < 2 {
        let f = if sense == 0 { g.cvx(&[], false, MAX_DEPTH) } else { g.ccv(&[], false, MAX_DEPTH) };
        let mut f = f;
        if !g.t.chance(15) {
            regularized = true;
            for v in g.vars.clone() {
                let w = E::Num([0.1, 1.0, 0.5][g.t.pick(3)]);
                let r = bin(Op::Mul, w, call("sum_squares", vec![E::Ref(v.name.clone())]));
                f = bin(if sense == 0 { Op::Add } else { Op::Sub }, f, r);
            }
        }
        broken = regularized && g.t.chance(5);
        objective = Some((sense == 1, f));
    }
    // Constraints.
    let mut cons = vec![];
    let mut eqs = 0;
    for _ in 0..g.t.pick(5) {
        g.budget = g.budget.max(12);
        if let Some(c) = constraint(&mut g, &mut eqs) {
            cons.push(c);
        }
    }
    let mut extreme = false;
    let big = |a: &Arr| a.d.iter().any(|v| !v.is_finite() || v.abs() > 1e5);
    if let Some((_, f)) = &objective {
        extreme |= big(&f.eval(&mut g.env));
    }
    for c in &cons {
        let mut env = g.env.clone();
        for_each(&c.fors, &mut env, &mut |env| {
            for s in &c.sides {
                extreme |= big(&s.eval(env));
            }
        });
    }
    let mut outputs = None;
    let mut all_outputs = true;
    if g.t.chance(25) {
        let mut names: Vec<String> = g.vars.iter().map(|v| v.name.clone()).collect();
        for k in (1..names.len()).rev() {
            let j = g.t.pick(k + 1);
            names.swap(k, j);
        }
        if names.len() > 1 && g.t.chance(20) {
            names.pop();
            all_outputs = false;
        }
        outputs = Some(names);
    }

    // Text.
    let full = g.t.chance(15);
    let late = g.t.chance(10);
    let mut lines = head;
    let mut extra: Vec<String> = g.decls.clone();
    extra.extend(g.def_lines.iter().cloned());
    extra.extend(g.lets.iter().cloned());
    if !late {
        lines.append(&mut extra);
    }
    if let Some((max, f)) = &objective {
        let word = if *max != broken { "maximize" } else { "minimize" };
        lines.push(format!("{word} {}", f.text(full)));
    }
    if !cons.is_empty() {
        lines.push("subject to".into());
        for c in &cons {
            lines.push(con_text(c, full));
        }
    }
    lines.append(&mut extra);
    if let Some(o) = outputs {
        lines.push(format!("output {}", o.join(", ")));
    }
    let text = lines.join("\n") + "\n";
    let x0 = g.vars.iter().map(|v| g.env.vals[&v.name].clone()).collect();
    let values = g.params.iter().map(|p| g.env.vals[&p.name].clone()).collect();
    let mut env = g.env.clone();
    for v in g.vars.iter().chain(g.params.iter()) {
        env.vals.remove(&v.name);
    }
    Case {
        text,
        given,
        params: g.params,
        values,
        vars: g.vars,
        x0,
        env,
        objective,
        cons,
        all_outputs,
        regularized,
        hard_cones: g.hard,
        broken,
        extreme,
        tape_used: g.t.used(),
    }
}

pub fn con_text(c: &Con, full: bool) -> String {
    let mut s = String::new();
    if let Some(l) = &c.label {
        s += &format!("{l}: ");
    }
    for (v, a, b) in &c.fors {
        s += &format!("for {v} in {}..{}: ", a.text(), b.text());
    }
    s += &c.sides[0].text(full);
    for (op, side) in c.ops.iter().zip(&c.sides[1..]) {
        s += &format!(" {} {}", op.symbol(), side.text(full));
    }
    s
}

/// `side + c`, spelled `side - |c|` for a negative c.
fn shift(side: E, c: f64) -> E {
    if c < 0.0 { bin(Op::Sub, side, E::Num(-c)) } else { bin(Op::Add, side, E::Num(c)) }
}

fn constraint(g: &mut G, eqs: &mut usize) -> Option<Con> {
    let label = if g.t.chance(40) { Some(g.fresh("k")) } else { None };
    let d = 2;
    let kind = g.t.pick(6);
    let con = match kind {
        0 | 1 => {
            // convex <= concave (or the mirror), shifted to hold at x0 with a margin.
            let sh = if g.t.chance(60) { vec![] } else { g.shape() };
            let lhs = g.cvx(&sh, false, d);
            let rhs = match g.t.pick(3) {
                0 => g.ccv(&sh, false, d),
                1 => g.aff(&sh, false, d),
                _ => g.constant(&sh),
            };
            let gap = arr::zip(&lhs.eval(&mut g.env), &rhs.eval(&mut g.env), |a, b| a - b).max();
            if !gap.is_finite() {
                return None;
            }
            let c = ((gap + g.t.pos()) * 4.0).ceil() / 4.0;
            let rhs = shift(rhs, c);
            if kind == 0 {
                Con { label, fors: vec![], sides: vec![lhs, rhs], ops: vec![Cmp::Le] }
            } else {
                Con { label, fors: vec![], sides: vec![rhs, lhs], ops: vec![Cmp::Ge] }
            }
        }
        2 if *eqs < 2 => {
            *eqs += 1;
            let sh = if g.t.chance(60) { vec![] } else { g.shape() };
            let lhs = g.aff(&sh, false, d);
            let rhs = if g.t.chance(50) { g.aff(&sh, false, d) } else { g.constant(&sh) };
            let off = arr::zip(&lhs.eval(&mut g.env), &rhs.eval(&mut g.env), |a, b| a - b);
            if off.d.iter().any(|v| !v.is_finite()) {
                return None;
            }
            let off = if off.sh.is_empty() { num(off.d[0]) } else { g.declare_const(off) };
            Con { label, fors: vec![], sides: vec![lhs, bin(Op::Add, rhs, off)], ops: vec![Cmp::Eq] }
        }
        3 => {
            let sh = if g.t.chance(50) { vec![] } else { g.shape() };
            let e = g.aff(&sh, false, d);
            let v = e.eval(&mut g.env);
            if v.d.iter().any(|v| !v.is_finite()) {
                return None;
            }
            let lo = ((v.min() - g.t.pos()) * 4.0).floor() / 4.0;
            let hi = ((v.max() + g.t.pos()) * 4.0).ceil() / 4.0;
            let (lo, hi) = (num(lo), num(hi));
            if g.t.chance(50) {
                Con { label: None, fors: vec![], sides: vec![lo, e, hi], ops: vec![Cmp::Le, Cmp::Le] }
            } else {
                Con { label: None, fors: vec![], sides: vec![hi, e, lo], ops: vec![Cmp::Ge, Cmp::Ge] }
            }
        }
        4 => {
            let n = g.small();
            let s = g.symm(n, false, d);
            let v = expr::sym(&s.eval(&mut g.env));
            if v.d.iter().any(|v| !v.is_finite()) {
                return None;
            }
            let e = arr::eig_sym(&v);
            let eye = || E::Call("eye", vec![], vec![Kw { name: "n", value: n as f64, named: false }]);
            g.hard = true;
            let scaled = |c: f64| {
                if c < 0.0 { neg(bin(Op::Mul, E::Num(-c), eye())) } else { bin(Op::Mul, E::Num(c), eye()) }
            };
            if g.t.chance(50) {
                let c = ((e[0] - 0.25) * 4.0).floor() / 4.0;
                Con { label, fors: vec![], sides: vec![s, scaled(c)], ops: vec![Cmp::Succ] }
            } else {
                let c = ((e[n - 1] + 0.25) * 4.0).ceil() / 4.0;
                Con { label, fors: vec![], sides: vec![s, scaled(c)], ops: vec![Cmp::Prec] }
            }
        }
        _ => {
            // for t in a..b: f(v[t]) <= c, over an axis of a variable.
            let vars: Vec<Decl> = g.vars.iter().filter(|v| !v.sh.is_empty()).cloned().collect();
            if vars.is_empty() {
                return None;
            }
            let v = vars[g.t.pick(vars.len())].clone();
            let len = v.sh[0];
            let a = g.t.pick(len);
            let b = a + 1 + g.t.pick(len - a);
            let t = g.fresh("t");
            let lo = g.ix(a as i64, len + 1);
            let lo = if matches!(lo, Ix::Lit(x) if x < 0) { Ix::Lit(a as i64) } else { lo };
            let hi = g.ix(b as i64, len + 1);
            let hi = if matches!(hi, Ix::Lit(x) if x < 0) { Ix::Lit(b as i64) } else { hi };
            let mut fors = vec![(t.clone(), lo, hi)];
            let mut items = vec![Item::At(Ix::Name(t.clone()))];
            if v.sh.len() == 2 && g.t.chance(50) {
                let u = g.fresh("t");
                let a2 = g.t.pick(v.sh[1]);
                fors.push((u.clone(), Ix::Lit(a2 as i64), Ix::Lit(v.sh[1] as i64)));
                items.push(Item::At(Ix::Name(u)));
            }
            let entry = E::Index(Box::new(E::Ref(v.name.clone())), items);
            let f = match g.t.pick(4) {
                0 => entry,
                1 => call("square", vec![entry]),
                2 => call("abs", vec![entry]),
                _ => bin(Op::Mul, E::Num(g.t.pos()), entry),
            };
            let f = if g.t.chance(30) { bin(Op::Add, f, g.aff(&[], false, 1)) } else { f };
            // The largest left side over every instance.
            let mut worst = f64::NEG_INFINITY;
            let mut env = g.env.clone();
            for_each(&fors, &mut env, &mut |env| {
                worst = worst.max(f.eval(env).max());
            });
            if !worst.is_finite() {
                return None;
            }
            let c = ((worst + g.t.pos()) * 4.0).ceil() / 4.0;
            Con { label, fors, sides: vec![f, num(c)], ops: vec![Cmp::Le] }
        }
    };
    Some(con)
}

/// Run `body` once per instance of nested `for` clauses.
pub fn for_each(fors: &[(String, Ix, Ix)], env: &mut Env, body: &mut dyn FnMut(&mut Env)) {
    let Some(((v, a, b), rest)) = fors.split_first() else {
        body(env);
        return;
    };
    let (a, b) = (a.eval(env), b.eval(env));
    for i in a..b {
        env.ints.insert(v.clone(), i);
        for_each(rest, env, body);
    }
    env.ints.remove(v);
}
