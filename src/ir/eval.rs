//! Numeric evaluation of the IR's operators on dense arrays (numpy semantics).

use crate::ir::array::Array;
use crate::ir::hir::Sel;
use crate::ir::shape::Shape;

/// numpy's `.T`: a matrix transposed; a vector or scalar unchanged.
pub fn transpose(a: &Array) -> Array {
    if !a.shape.is_matrix() {
        return a.clone();
    }
    let (m, n) = a.shape.rows_cols();
    let mut data = vec![0.0; m * n];
    for i in 0..m {
        for j in 0..n {
            data[j * m + i] = a.data[i * n + j];
        }
    }
    Array { shape: a.shape.transpose(), data }
}

/// numpy's `@` (shapes already checked; `out` is the result shape).
pub fn matmul(a: &Array, b: &Array, out: Shape) -> Array {
    let (m, k) = if a.shape.is_vector() { (1, a.shape.dims()[0]) } else { a.shape.rows_cols() };
    let n = if b.shape.is_vector() { 1 } else { b.shape.rows_cols().1 };
    let mut data = vec![0.0; m * n];
    for i in 0..m {
        for t in 0..k {
            let x = a.data[i * k + t];
            if x != 0.0 {
                for j in 0..n {
                    data[i * n + j] += x * b.data[t * n + j];
                }
            }
        }
    }
    Array { shape: out, data }
}

/// Positions (row, column) in the operand selected by an index, in row-major order
/// of the result.
pub fn index_positions(base: Shape, sels: &[Sel]) -> Vec<(usize, usize)> {
    let range = |s: &Sel| match *s {
        Sel::At(i) => i..i + 1,
        Sel::Range(a, b) => a..b,
    };
    match base.ndim() {
        0 => vec![(0, 0)],
        1 => range(&sels[0]).map(|i| (i, 0)).collect(),
        _ => {
            let mut v = Vec::new();
            for i in range(&sels[0]) {
                for j in range(&sels[1]) {
                    v.push((i, j));
                }
            }
            v
        }
    }
}

/// The entries picked by one [`Sel`] per axis of `a`, with the result shape `out`
/// (computed by the checker: one axis per `Sel::Range`).
pub fn index(a: &Array, sels: &[Sel], out: Shape) -> Array {
    let (_, cols) = a.shape.rows_cols();
    let data = index_positions(a.shape, sels).into_iter().map(|(i, j)| a.data[i * cols + j]).collect();
    Array { shape: out, data }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matmul_index_transpose() {
        let a = Array { shape: Shape::matrix(2, 3), data: vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0] };
        let x = Array { shape: Shape::vector(3), data: vec![1.0, 0.0, -1.0] };
        assert_eq!(matmul(&a, &x, Shape::vector(2)).data, vec![-2.0, -2.0]);
        let y = Array { shape: Shape::vector(2), data: vec![1.0, 1.0] };
        assert_eq!(matmul(&y, &a, Shape::vector(3)).data, vec![5.0, 7.0, 9.0]);
        assert_eq!(transpose(&a).data, vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
        let col = index(&a, &[Sel::Range(0, 2), Sel::At(1)], Shape::vector(2));
        assert_eq!(col.data, vec![2.0, 5.0]);
    }
}
