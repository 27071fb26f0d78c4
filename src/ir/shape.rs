//! Array shapes: 0-d (scalar), 1-d (vector) and 2-d (matrix), with numpy's rules.

use std::fmt;

/// The shape of a value: `[]`, `[n]` or `[m, n]`. `Copy`, no allocation.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Shape {
    nd: u8,
    d: [usize; 2],
}

impl Shape {
    /// The shape `[]` of a scalar.
    pub const SCALAR: Shape = Shape { nd: 0, d: [1, 1] };

    /// `[n]`.
    pub fn vector(n: usize) -> Shape {
        Shape { nd: 1, d: [n, 1] }
    }

    /// `[m, n]`.
    pub fn matrix(m: usize, n: usize) -> Shape {
        Shape { nd: 2, d: [m, n] }
    }

    /// A shape from a list of 0, 1 or 2 extents; `None` for more axes.
    pub fn from_dims(dims: &[usize]) -> Option<Shape> {
        match *dims {
            [] => Some(Shape::SCALAR),
            [n] => Some(Shape::vector(n)),
            [m, n] => Some(Shape::matrix(m, n)),
            _ => None,
        }
    }

    /// Number of axes: 0, 1 or 2.
    pub fn ndim(&self) -> usize {
        self.nd as usize
    }

    /// The extents, one per axis.
    pub fn dims(&self) -> &[usize] {
        &self.d[..self.nd as usize]
    }

    /// Number of entries (1 for a scalar).
    pub fn size(&self) -> usize {
        self.dims().iter().product()
    }

    /// 0-d.
    pub fn is_scalar(&self) -> bool {
        self.nd == 0
    }

    /// 1-d.
    pub fn is_vector(&self) -> bool {
        self.nd == 1
    }

    /// 2-d.
    pub fn is_matrix(&self) -> bool {
        self.nd == 2
    }

    /// A 2-d shape with equal extents.
    pub fn is_square(&self) -> bool {
        self.nd == 2 && self.d[0] == self.d[1]
    }

    /// Rows and columns when the value is seen as a matrix: a scalar is 1×1 and a
    /// vector of length n is n×1 (a column), as in the cone program's layout.
    pub fn rows_cols(&self) -> (usize, usize) {
        match self.nd {
            0 => (1, 1),
            1 => (self.d[0], 1),
            _ => (self.d[0], self.d[1]),
        }
    }

    /// numpy's `.T`: reverses the axes (a vector or scalar is unchanged).
    pub fn transpose(&self) -> Shape {
        match self.nd {
            2 => Shape::matrix(self.d[1], self.d[0]),
            _ => *self,
        }
    }

    /// numpy broadcasting of two shapes: align from the right; extents must be
    /// equal or one of them 1. `None` when they are incompatible.
    pub fn broadcast(a: Shape, b: Shape) -> Option<Shape> {
        let nd = a.nd.max(b.nd);
        let mut out = [1usize; 2];
        for k in 0..nd as usize {
            // k counts axes from the right.
            let ea = if k < a.nd as usize { a.d[a.nd as usize - 1 - k] } else { 1 };
            let eb = if k < b.nd as usize { b.d[b.nd as usize - 1 - k] } else { 1 };
            let e = if ea == eb || eb == 1 {
                ea
            } else if ea == 1 {
                eb
            } else {
                return None;
            };
            out[nd as usize - 1 - k] = e;
        }
        Some(Shape {
            nd,
            d: if nd == 0 {
                [1, 1]
            } else if nd == 1 {
                [out[0], 1]
            } else {
                out
            },
        })
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.nd {
            0 => write!(f, "[]"),
            1 => write!(f, "[{}]", self.d[0]),
            _ => write!(f, "[{}, {}]", self.d[0], self.d[1]),
        }
    }
}

impl fmt::Debug for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasting_follows_numpy() {
        let s = Shape::SCALAR;
        let v3 = Shape::vector(3);
        let m23 = Shape::matrix(2, 3);
        assert_eq!(Shape::broadcast(s, v3), Some(v3));
        assert_eq!(Shape::broadcast(v3, m23), Some(m23));
        assert_eq!(Shape::broadcast(Shape::matrix(2, 1), Shape::matrix(1, 3)), Some(m23));
        assert_eq!(Shape::broadcast(Shape::vector(2), m23), None);
        assert_eq!(Shape::broadcast(Shape::vector(4), Shape::vector(3)), None);
        assert_eq!(Shape::broadcast(Shape::vector(1), Shape::vector(3)), Some(v3));
        assert_eq!(Shape::broadcast(s, s), Some(s));
    }

    #[test]
    fn display_and_sizes() {
        assert_eq!(Shape::matrix(5, 3).to_string(), "[5, 3]");
        assert_eq!(Shape::SCALAR.to_string(), "[]");
        assert_eq!(Shape::matrix(5, 3).size(), 15);
        assert_eq!(Shape::matrix(5, 3).transpose(), Shape::matrix(3, 5));
        assert_eq!(Shape::vector(4).rows_cols(), (4, 1));
    }
}
