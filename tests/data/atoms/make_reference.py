"""Reference values for the atoms added by issue 11, computed with cvxpy 1.9.3.

Writes, next to this script:
- solves.json: small problems, each written both in .dopt (the `dopt` field, read by
  tests/atoms_reference.rs) and in cvxpy (below), with cvxpy's optimal objective and
  variables at the given parameter values (Clarabel at tolerance 1e-10);
- verdicts.json: cvxpy's curvature, sign, DCP and DPP verdicts and shapes of
  expressions that use the new atoms, in the layout of ../reference/curvature.json
  (read by tests/curvature.rs).

Run with a Python that has cvxpy 1.9.3 and Clarabel:  python make_reference.py
The tests read only the JSON files; cvxpy is not needed to run them.
"""

import json
import os
import warnings

import cvxpy as cp
import numpy as np

assert cp.__version__ == "1.9.3", cp.__version__
warnings.simplefilter("ignore")  # cp.conv's deprecation notice
HERE = os.path.dirname(os.path.abspath(__file__))
TOL = dict(tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10, max_iter=500)


def tolist(v):
    v = np.asarray(v, dtype=float)
    return float(v) if v.ndim == 0 else v.tolist()


# ---------------------------------------------------------------------------------
# Solves: (name, dopt text, parameter values, cvxpy builder). A builder gets the
# parameter values and returns (problem, {dopt variable name: cvxpy variable}).

CASES = []


def case(name, dopt, params):
    def wrap(build):
        CASES.append((name, dopt, params, build))
        return build

    return wrap


X_SVM = np.array([[1.0, 2.0], [2.0, 0.5], [-1.0, -1.5], [-2.0, 0.3], [0.5, 1.2], [-0.4, -2.0]])
Y_SVM = np.array([1.0, 1.0, -1.0, -1.0, 1.0, -1.0])


def mat_text(a):
    a = np.asarray(a)
    if a.ndim == 1:
        return "[" + ", ".join(repr(float(v)) for v in a) + "]"
    return "[" + ", ".join(mat_text(r) for r in a) + "]"


@case(
    "svm_mean",
    f"""# soft-margin SVM with the mean hinge loss, as a cvxpy user writes it
constant X[6, 2] = {mat_text(X_SVM)}
constant y[6] = {mat_text(Y_SVM)}
parameter lam nonneg
parameter r[2]
variable w[2]
variable b
variable Z[3, 2]
minimize mean(pos(1 - multiply(y, X @ w + b))) + lam * sum_squares(w) + 0.1 * square(b) + sum_squares(mean(Z, axis=0) - r) + 0.5 * sum_squares(Z) + square(mean(Z) - 1)
""",
    {"lam": 0.3, "r": [0.5, -0.2]},
)
def _(p):
    w, b, Z = cp.Variable(2), cp.Variable(), cp.Variable((3, 2))
    obj = (
        cp.mean(cp.pos(1 - cp.multiply(Y_SVM, X_SVM @ w + b)))
        + p["lam"] * cp.sum_squares(w)
        + 0.1 * cp.square(b)
        + cp.sum_squares(cp.mean(Z, axis=0) - np.array(p["r"]))
        + 0.5 * cp.sum_squares(Z)
        + cp.square(cp.mean(Z) - 1)
    )
    return cp.Problem(cp.Minimize(obj)), {"w": w, "b": b, "Z": Z}


A_ROWS = np.array([[1.0, -2.0, 0.5], [0.2, 0.1, -0.3], [3.0, 1.0, 2.0], [-0.5, 0.4, 0.0]])


@case(
    "rowwise_norms_axis",
    f"""# group lasso over the rows, as a cvxpy user writes it: row-wise norms with axis=,
# and the other reductions along an axis (keepdims included)
constant A[4, 3] = {mat_text(A_ROWS)}
parameter lam nonneg
variable X[4, 3]
variable Y[4, 3]
minimize 0.5 * sum_squares(X - A) + lam * sum(norm(X, 2, axis=1)) + 0.2 * sum(norm1(X, axis=0)) + 0.5 * sum_squares(Y - A) + 0.3 * sum(log_sum_exp(Y, axis=1)) + 0.2 * sum(max(Y, axis=0, keepdims=True)) - 0.1 * sum(min(Y, axis=1)) + 0.1 * sum(norm_inf(Y, axis=1)) + 0.15 * sum(sum_largest(Y, 2, axis=1)) + 0.05 * sum(sum_squares(Y, axis=0))
""",
    {"lam": 0.6},
)
def _(p):
    X, Y = cp.Variable((4, 3)), cp.Variable((4, 3))
    obj = (
        0.5 * cp.sum_squares(X - A_ROWS)
        + p["lam"] * cp.sum(cp.norm(X, 2, axis=1))
        + 0.2 * cp.sum(cp.norm1(X, axis=0))
        + 0.5 * cp.sum_squares(Y - A_ROWS)
        + 0.3 * cp.sum(cp.log_sum_exp(Y, axis=1))
        + 0.2 * cp.sum(cp.max(Y, axis=0, keepdims=True))
        - 0.1 * cp.sum(cp.min(Y, axis=1))
        + 0.1 * cp.sum(cp.norm_inf(Y, axis=1))
        + 0.15 * cp.sum(cp.hstack([cp.sum_largest(Y[i, :], 2) for i in range(4)]))
        + 0.05 * cp.sum(cp.hstack([cp.sum_squares(Y[:, j]) for j in range(3)]))
    )
    return cp.Problem(cp.Minimize(obj)), {"X": X, "Y": Y}


@case(
    "svm_norm",
    f"""# soft-margin SVM with the mean hinge loss and norm(w) with its default p
constant X[6, 2] = {mat_text(X_SVM)}
constant y[6] = {mat_text(Y_SVM)}
parameter lam nonneg
variable w[2]
variable b
minimize mean(pos(1 - multiply(y, X @ w + b))) + lam * square(norm(w)) + 0.1 * square(b)
""",
    {"lam": 0.2},
)
def _(p):
    w, b = cp.Variable(2), cp.Variable()
    obj = cp.mean(cp.pos(1 - cp.multiply(Y_SVM, X_SVM @ w + b))) + p["lam"] * cp.square(cp.norm(w)) + 0.1 * cp.square(b)
    return cp.Problem(cp.Minimize(obj)), {"w": w, "b": b}


B_MAT = np.array([[1.0, 0.5, -0.3], [0.2, -1.0, 0.8]])


@case(
    "matrix_norms",
    f"""# cvxpy's matrix norms through norm(X, p) with a string or numeric p
constant B[2, 3] = {mat_text(B_MAT)}
parameter s nonneg
variable X[2, 3]
variable Y[2, 3]
variable Z[2, 3]
variable V[2, 3]
minimize s * norm(X, "nuc") + sum_squares(X - B) + 0.5 * norm(Y, 2) + sum_squares(Y - B) + 0.4 * norm(Z, 1) + 0.3 * norm(Z, "inf") + sum_squares(Z - B) + 0.6 * norm(V, "fro") + sum_squares(V - B)
""",
    {"s": 0.4},
)
def _(p):
    X, Y, Z, V = (cp.Variable((2, 3)) for _ in range(4))
    obj = (
        p["s"] * cp.norm(X, "nuc")
        + cp.sum_squares(X - B_MAT)
        + 0.5 * cp.norm(Y, 2)
        + cp.sum_squares(Y - B_MAT)
        + 0.4 * cp.norm(Z, 1)
        + 0.3 * cp.norm(Z, "inf")
        + cp.sum_squares(Z - B_MAT)
        + 0.6 * cp.norm(V, "fro")
        + cp.sum_squares(V - B_MAT)
    )
    return cp.Problem(cp.Minimize(obj)), {"X": X, "Y": Y, "Z": Z, "V": V}


@case(
    "geo_mean_weighted",
    """# weighted geometric mean: the optimal budget split is proportional to the weights
parameter c[3] nonneg
variable x[3]
variable z[4]
maximize geo_mean(x, [1, 2, 0.5]) + geo_mean(z, [0.3, 0, 0.7, 1]) - 0.5 * sum_squares(z)
subject to
    c @ x <= 1
""",
    {"c": [1.0, 0.5, 2.0]},
)
def _(p):
    x, z = cp.Variable(3), cp.Variable(4)
    obj = cp.geo_mean(x, [1, 2, 0.5]) + cp.geo_mean(z, [0.3, 0, 0.7, 1]) - 0.5 * cp.sum_squares(z)
    return cp.Problem(cp.Maximize(obj), [np.array(p["c"]) @ x <= 1]), {"x": x, "z": z}


C_TV1 = [0.1, 1.2, 0.9, 1.1, 3.0, 2.8, 0.2]


@case(
    "tv_denoise_1d",
    f"""# total-variation denoising of a signal
constant c[7] = {mat_text(C_TV1)}
parameter lam nonneg
variable x[7]
minimize sum_squares(x - c) + lam * tv(x)
""",
    {"lam": 0.35},
)
def _(p):
    x = cp.Variable(7)
    return cp.Problem(cp.Minimize(cp.sum_squares(x - np.array(C_TV1)) + p["lam"] * cp.tv(x))), {"x": x}


IMG = np.array([[0.2, 0.4, 1.5, 1.4], [0.1, 0.3, 1.6, 1.2], [0.9, 1.1, 0.2, 0.1]])
IMG2 = np.array([[1.0, 0.8, 0.1, 0.0], [1.2, 0.9, 0.3, -0.2], [0.4, 0.2, 0.9, 1.1]])


@case(
    "tv_denoise_2d",
    f"""# isotropic total-variation denoising of an image, and of a two-channel image
constant C[3, 4] = {mat_text(IMG)}
constant D[3, 4] = {mat_text(IMG2)}
parameter lam nonneg
variable X[3, 4]
variable U[3, 4]
variable V[3, 4]
minimize sum_squares(X - C) + lam * tv(X) + sum_squares(U - C) + sum_squares(V - D) + lam * tv(U, V)
""",
    {"lam": 0.4},
)
def _(p):
    X, U, V = cp.Variable((3, 4)), cp.Variable((3, 4)), cp.Variable((3, 4))
    obj = (
        cp.sum_squares(X - IMG)
        + p["lam"] * cp.tv(X)
        + cp.sum_squares(U - IMG)
        + cp.sum_squares(V - IMG2)
        + p["lam"] * cp.tv(U, V)
    )
    return cp.Problem(cp.Minimize(obj)), {"X": X, "U": U, "V": V}


@case(
    "log1p_xexp",
    """# log1p utility and the xexp penalty
parameter d[3] nonneg
parameter c[3]
variable y[3]
variable x[3] nonneg
maximize sum(log1p(y)) - d @ y - 0.1 * sum_squares(y) - sum(xexp(x)) + c @ x
""",
    {"d": [0.5, 2.0, 1.2], "c": [2.0, 3.5, 1.5]},
)
def _(p):
    y, x = cp.Variable(3), cp.Variable(3, nonneg=True)
    obj = (
        cp.sum(cp.log1p(y))
        - np.array(p["d"]) @ y
        - 0.1 * cp.sum_squares(y)
        - cp.sum(cp.xexp(x))
        + np.array(p["c"]) @ x
    )
    return cp.Problem(cp.Maximize(obj)), {"y": y, "x": x}


C_CM = [1.3, -0.4, 0.9, 2.1, 0.5]
M_CM = np.array([[0.5, -1.0, 2.0], [1.5, 0.2, -0.3]])


@case(
    "cummax_ptp",
    f"""# running-maximum and range penalties
constant c[5] = {mat_text(C_CM)}
constant M[2, 3] = {mat_text(M_CM)}
parameter s nonneg
variable x[5]
variable Y[2, 3]
minimize sum_squares(x - c) + s * sum(cummax(x)) + 0.4 * ptp(x) + sum_squares(Y - M) + 0.3 * sum(cummax(Y, axis=1)) + 0.2 * ptp(Y) + 0.15 * sum(ptp(Y, axis=0)) + 0.1 * sum(ptp(Y, 1))
""",
    {"s": 0.3},
)
def _(p):
    x, Y = cp.Variable(5), cp.Variable((2, 3))
    obj = (
        cp.sum_squares(x - np.array(C_CM))
        + p["s"] * cp.sum(cp.cummax(x))
        + 0.4 * cp.ptp(x)
        + cp.sum_squares(Y - M_CM)
        + 0.3 * cp.sum(cp.cummax(Y, axis=1))
        + 0.2 * cp.ptp(Y)
        + 0.15 * cp.sum(cp.ptp(Y, axis=0))
        + 0.1 * cp.sum(cp.ptp(Y, axis=1))
    )
    return cp.Problem(cp.Minimize(obj)), {"x": x, "Y": Y}


SIG = [0.5, 1.7, 2.4, 1.1, -0.3]
B_OUT = np.array([[0.3, -0.2], [1.0, 0.4], [-0.6, 0.9]])
C_UT = np.array([[2.0, 0.5, -0.4], [0.1, 1.0, 0.8], [0.3, -0.7, 1.5]])


@case(
    "deconvolution_outer_upper_tri",
    f"""# deconvolution with a parameter kernel, a rank-one fit and triangle bounds
constant sig[5] = {mat_text(SIG)}
constant B[3, 2] = {mat_text(B_OUT)}
constant C[3, 3] = {mat_text(C_UT)}
constant k[3] = [1.0, 0.5, 0.25]
parameter a[2]
parameter g[3]
variable x[3]
variable z[3]
variable u[3]
variable Y[3, 3]
minimize sum_squares(convolve(k, x) - sig) + 0.1 * sum_squares(x) + sum_squares(conv(k, z) - sig) + sum_squares(z) + sum_squares(outer(u, a) - B) + 0.2 * sum_squares(u) + vdot(g, u) + scalar_product(g, z) + sum_squares(Y - C)
subject to
    upper_tri(Y) >= 0.2
""",
    {"a": [0.8, -0.3], "g": [0.3, -0.5, 0.2]},
)
def _(p):
    x, z, u, Y = cp.Variable(3), cp.Variable(3), cp.Variable(3), cp.Variable((3, 3))
    k = np.array([1.0, 0.5, 0.25])
    sig = np.array(SIG)
    g = np.array(p["g"])
    obj = (
        cp.sum_squares(cp.convolve(k, x) - sig)
        + 0.1 * cp.sum_squares(x)
        + cp.sum_squares(cp.conv(k, z) - sig)
        + cp.sum_squares(z)
        + cp.sum_squares(cp.outer(u, np.array(p["a"])) - B_OUT)
        + 0.2 * cp.sum_squares(u)
        + cp.vdot(g, u)
        + cp.scalar_product(g, z)
        + cp.sum_squares(Y - C_UT)
    )
    return cp.Problem(cp.Minimize(obj), [cp.upper_tri(Y) >= 0.2]), {"x": x, "z": z, "u": u, "Y": Y}


@case(
    "inv_prod_harmonic_mean",
    """# a reciprocal-product barrier and a harmonic-mean utility
parameter c[3] nonneg
parameter e[3] nonneg
variable x[3]
variable y[3]
minimize inv_prod(x) + c @ x - harmonic_mean(y) + e @ y + 0.1 * sum_squares(y)
""",
    {"c": [1.0, 2.0, 0.5], "e": [0.1, 0.25, 0.15]},
)
def _(p):
    x, y = cp.Variable(3), cp.Variable(3)
    obj = (
        cp.inv_prod(x)
        + np.array(p["c"]) @ x
        - cp.harmonic_mean(y)
        + np.array(p["e"]) @ y
        + 0.1 * cp.sum_squares(y)
    )
    return cp.Problem(cp.Minimize(obj)), {"x": x, "y": y}


C_RISK = [1.4, -0.3, 0.6, -1.2, 0.1, 0.8]


@case(
    "cvar_dotsort",
    f"""# tail-risk penalties: CVaR and an ordered weighted sum
constant c[6] = {mat_text(C_RISK)}
parameter w[3]
variable x[6]
variable y[6]
minimize sum_squares(x - c) + cvar(x, 0.6) + sum_squares(y - c) + dotsort(y, w)
""",
    {"w": [0.7, -0.2, 0.35]},
)
def _(p):
    x, y = cp.Variable(6), cp.Variable(6)
    c = np.array(C_RISK)
    obj = cp.sum_squares(x - c) + cp.cvar(x, 0.6) + cp.sum_squares(y - c) + cp.dotsort(y, np.array(p["w"]))
    return cp.Problem(cp.Minimize(obj)), {"x": x, "y": y}


A_TR = np.array([[1.0, -0.4, 0.7], [0.2, 1.5, -0.9]])


@case(
    "transpose_fit",
    f"""# a fit through the transpose, with row sums of the transpose bounded
constant A[2, 3] = {mat_text(A_TR)}
parameter w[2]
variable X[3, 2]
minimize sum_squares(transpose(X) - A) + 0.5 * sum_squares(X @ w)
subject to
    sum(transpose(X), axis=1) >= 0.8
""",
    {"w": [1.0, -0.5]},
)
def _(p):
    X = cp.Variable((3, 2))
    obj = cp.sum_squares(cp.transpose(X) - A_TR) + 0.5 * cp.sum_squares(X @ np.array(p["w"]))
    return cp.Problem(cp.Minimize(obj), [cp.sum(cp.transpose(X), axis=1) >= 0.8]), {"X": X}



D_CAT = np.array([[1.0, -0.5, 0.3, 0.8, -1.2], [0.4, 0.9, -0.7, 0.2, 1.1]])
E_CAT = np.array([[0.6, 1.3, -0.2], [-0.9, 0.1, 0.5], [1.4, -0.3, 0.7]])


@case(
    "concatenate_axes",
    f"""# the same blocks fitted joined along each axis, and two vectors joined
constant D[2, 5] = {mat_text(D_CAT)}
constant E[3, 3] = {mat_text(E_CAT)}
parameter c[4]
variable x[2]
variable y[2]
variable Y[2, 3]
variable Z[2, 2]
variable W[1, 3]
minimize sum_squares(concatenate(x, y) - c) + sum_squares(concatenate(Y, Z, axis=1) - D) + sum_squares(concatenate(Y, W, axis=0) - E)
subject to
    concatenate(x, y, axis=-1) >= 0
""",
    {"c": [1.0, -0.6, 0.4, -1.5]},
)
def _(p):
    x, y = cp.Variable(2), cp.Variable(2)
    Y, Z, W = cp.Variable((2, 3)), cp.Variable((2, 2)), cp.Variable((1, 3))
    obj = (
        cp.sum_squares(cp.concatenate([x, y]) - np.array(p["c"]))
        + cp.sum_squares(cp.concatenate([Y, Z], axis=1) - D_CAT)
        + cp.sum_squares(cp.concatenate([Y, W], axis=0) - E_CAT)
    )
    cons = [cp.concatenate([x, y], axis=0) >= 0]  # cvxpy 1.9 takes no negative axis
    return cp.Problem(cp.Minimize(obj), cons), {"x": x, "y": y, "Y": Y, "Z": Z, "W": W}



C_BM = np.array([[1.0, 0.3, -0.5, 0.2], [0.3, 2.0, 0.8, -0.4], [-0.5, 0.8, 1.5, 0.1], [0.2, -0.4, 0.1, 0.9]])


@case(
    "bmat_blocks",
    f"""# a symmetric block matrix fitted to C, with bounds on its top row of blocks
constant C[4, 4] = {mat_text(C_BM)}
parameter s
variable A[2, 2]
variable B[2, 2]
variable d[2]
minimize sum_squares(bmat([[A, B], [transpose(B), diag(d)]]) - C) + s * sum(d)
subject to
    bmat([[A, B]]) >= -0.3
    bmat([[A], [B]]) <= 1.2
""",
    {"s": 0.7},
)
def _(p):
    A, B, d = cp.Variable((2, 2)), cp.Variable((2, 2)), cp.Variable(2)
    obj = cp.sum_squares(cp.bmat([[A, B], [B.T, cp.diag(d)]]) - C_BM) + p["s"] * cp.sum(d)
    cons = [cp.bmat([[A, B]]) >= -0.3, cp.bmat([[A], [B]]) <= 1.2]
    return cp.Problem(cp.Minimize(obj), cons), {"A": A, "B": B, "d": d}



C_EIG = np.array([[2.0, -1.0, 0.5], [-1.0, 3.0, 0.25], [0.5, 0.25, -1.0]])


@case(
    "lambda_sum_largest_smallest",
    f"""# a symmetric fit with its two largest eigenvalues capped and its smallest 1.5 rewarded
constant C[3, 3] = {mat_text(C_EIG)}
parameter s
variable X[3, 3] symmetric
minimize sum_squares(X - C) - 0.5 * lambda_sum_smallest(X, 1.5)
subject to
    lambda_sum_largest(X, 2) <= s
""",
    {"s": 3.5},
)
def _(p):
    X = cp.Variable((3, 3), symmetric=True)
    obj = cp.sum_squares(X - C_EIG) - 0.5 * cp.lambda_sum_smallest(X, 1.5)
    return cp.Problem(cp.Minimize(obj), [cp.lambda_sum_largest(X, 2) <= p["s"]]), {"X": X}


C_SP = [0.4, -1.3, 2.2, 0.9, -0.5]
B_SP = np.array([[1.0, -0.5, 0.3, 2.0], [0.2, 0.8, -1.1, 0.4], [-0.7, 1.5, 0.6, -0.2]])


@case(
    "mixed_norm_var_std",
    f"""# group lasso through mixed_norm, and variance and standard-deviation penalties
constant A[4, 3] = {mat_text(A_ROWS)}
constant c[5] = {mat_text(C_SP)}
constant B[3, 4] = {mat_text(B_SP)}
parameter lam nonneg
variable X[4, 3]
variable y[5]
variable Z[3, 4]
minimize 0.5 * sum_squares(X - A) + lam * mixed_norm(X) + 0.2 * mixed_norm(X, 1, "inf") + 0.1 * mixed_norm(X, "inf", 2) + sum_squares(y - c) + 0.5 * var(y) + 0.3 * std(y, ddof=1) + sum_squares(Z - B) + 0.2 * sum(var(Z, axis=1)) + 0.1 * sum(std(Z, axis=0, keepdims=True)) + 0.05 * var(Z, ddof=1.5)
""",
    {"lam": 0.6},
)
def _(p):
    X, y, Z = cp.Variable((4, 3)), cp.Variable(5), cp.Variable((3, 4))
    obj = (
        0.5 * cp.sum_squares(X - A_ROWS)
        + p["lam"] * cp.mixed_norm(X)
        + 0.2 * cp.mixed_norm(X, 1, "inf")
        + 0.1 * cp.mixed_norm(X, "inf", 2)
        + cp.sum_squares(y - np.array(C_SP))
        + 0.5 * cp.var(y)
        + 0.3 * cp.std(y, ddof=1)
        + cp.sum_squares(Z - B_SP)
        + 0.2 * cp.sum(cp.var(Z, axis=1))
        + 0.1 * cp.sum(cp.std(Z, axis=0, keepdims=True))
        + 0.05 * cp.var(Z, ddof=1.5)
    )
    return cp.Problem(cp.Minimize(obj)), {"X": X, "y": y, "Z": Z}


P_MF = np.array([[2.0, 0.5, -0.3], [0.5, 1.5, 0.2], [-0.3, 0.2, 1.0]])
B_MF = np.array([[1.0, 0.4], [-0.3, 0.8]])
W_TI = np.array([[2.0, 0.3], [0.3, 1.0]])


@case(
    "matrix_frac_tr_inv",
    f"""# matrix_frac with a parameter P, with a matrix X, and with a variable P;
# tr_inv against a linear cost (optimal S = W^(-1/2))
constant B[2, 2] = {mat_text(B_MF)}
constant W[2, 2] = {mat_text(W_TI)}
parameter P[3, 3] psd
parameter c[3]
variable x[3]
variable Y[3, 2]
variable Q[2, 2] symmetric
variable S[2, 2] symmetric
minimize matrix_frac(x, P) - c @ x + matrix_frac(Y, P) + sum_squares(Y[0, :] - 1) + matrix_frac(B, Q) + trace(Q) + tr_inv(S) + trace(W @ S)
""",
    {"P": P_MF.tolist(), "c": [1.0, -0.5, 0.8]},
)
def _(p):
    x, Y = cp.Variable(3), cp.Variable((3, 2))
    Q, S = cp.Variable((2, 2), symmetric=True), cp.Variable((2, 2), symmetric=True)
    P = cp.Parameter((3, 3), PSD=True, value=np.array(p["P"]))
    obj = (
        cp.matrix_frac(x, P)
        - np.array(p["c"]) @ x
        + cp.matrix_frac(Y, P)
        + cp.sum_squares(Y[0, :] - 1)
        + cp.matrix_frac(B_MF, Q)
        + cp.trace(Q)
        + cp.tr_inv(S)
        + cp.trace(W_TI @ S)
    )
    return cp.Problem(cp.Minimize(obj)), {"x": x, "Y": Y, "Q": Q, "S": S}


C_VN = np.array([[0.5, 0.2, -0.1], [0.2, -0.3, 0.4], [-0.1, 0.4, 0.1]])


@case(
    "von_neumann_entr",
    f"""# the maximum-entropy density operator against a linear cost: X = expm(-I - C)
parameter C[3, 3] symmetric
variable X[3, 3] symmetric
variable Y[2, 2] symmetric
maximize von_neumann_entr(X) - trace(C @ X) + von_neumann_entr(Y)
subject to
    trace(Y) == 1
    Y[0, 1] == 0.3
""",
    {"C": C_VN.tolist()},
)
def _(p):
    X, Y = cp.Variable((3, 3), symmetric=True), cp.Variable((2, 2), symmetric=True)
    C = cp.Parameter((3, 3), symmetric=True, value=np.array(p["C"]))
    obj = cp.von_neumann_entr(X) - cp.trace(C @ X) + cp.von_neumann_entr(Y)
    return cp.Problem(cp.Maximize(obj), [cp.trace(Y) == 1, Y[0, 1] == 0.3]), {"X": X, "Y": Y}


@case(
    "log_normcdf_loggamma",
    """# cvxpy's approximations of log Φ and log Γ in a smooth problem
parameter d[3]
parameter e[4]
variable y[3]
variable x[4]
minimize sum(loggamma(y)) - d @ y + 0.5 * sum_squares(x) - sum(log_normcdf(x)) + e @ x
""",
    {"d": [1.5, -0.8, 0.4], "e": [0.5, -1.0, 2.5, 0.1]},
)
def _(p):
    y, x = cp.Variable(3), cp.Variable(4)
    obj = (
        cp.sum(cp.loggamma(y))
        - np.array(p["d"]) @ y
        + 0.5 * cp.sum_squares(x)
        - cp.sum(cp.log_normcdf(x))
        + np.array(p["e"]) @ x
    )
    return cp.Problem(cp.Minimize(obj)), {"y": y, "x": x}


# Values of the approximating atoms at constant points, as cvxpy computes them (the
# approximation itself, not log Φ or log Γ).
APPROX_POINTS = [-5.0, -3.7, -3.5, -2.0, -0.6, 0.0, 0.3, 1.0, 2.5, 3.0, 4.2]
GAMMA_POINTS = [0.02, 0.3, 0.9, 1.0, 1.7, 2.5, 4.75, 12.0, 60.0]


def approx_values():
    return [
        {"atom": "log_normcdf", "x": APPROX_POINTS, "value": tolist(cp.log_normcdf(np.array(APPROX_POINTS)).value)},
        {"atom": "loggamma", "x": GAMMA_POINTS, "value": tolist(cp.loggamma(np.array(GAMMA_POINTS)).value)},
    ]


# Clarabel ends "optimal_inaccurate" at 1e-10 and 1e-9 on cvxpy's form of loggamma
# (a maximum of ten pieces through exponential cones): solved at 1e-8.
LOOSER = {"log_normcdf_loggamma": 1e-8}


def solves():
    out = []
    for name, dopt, params, build in CASES:
        prob, variables = build(params)
        assert prob.is_dcp(), name
        tol = TOL if name not in LOOSER else dict(TOL, **{k: LOOSER[name] for k in ("tol_gap_abs", "tol_gap_rel", "tol_feas")})
        prob.solve(solver=cp.CLARABEL, **tol)
        assert prob.status == cp.OPTIMAL, (name, prob.status)
        out.append(
            {
                "name": name,
                "dopt": dopt,
                "params": params,
                "objective": float(prob.value),
                "variables": {k: tolist(v.value) for k, v in variables.items()},
            }
        )
    return out


# ---------------------------------------------------------------------------------
# Verdicts: cvxpy's facts about expressions over shared declarations.

DECLS = """dim n = 3
variable x[n]
variable y[n]
variable u[n] nonneg
variable X[n, n]
variable Z[2, 3]
variable V[n, n] symmetric
parameter p
parameter a[n]
parameter wn[2] nonneg
parameter S[n, n] psd
constant c[n] = [1.0, 2.0, 3.0]
constant k[2] = [0.5, -1.0]
"""


def env():
    return {
        "x": cp.Variable(3),
        "y": cp.Variable(3),
        "u": cp.Variable(3, nonneg=True),
        "X": cp.Variable((3, 3)),
        "Z": cp.Variable((2, 3)),
        "V": cp.Variable((3, 3), symmetric=True),
        "p": cp.Parameter(),
        "a": cp.Parameter(3),
        "wn": cp.Parameter(2, nonneg=True),
        "S": cp.Parameter((3, 3), PSD=True),
        "c": np.array([1.0, 2.0, 3.0]),
        "k": np.array([0.5, -1.0]),
    }


# (dopt expression, the same in cvxpy, note). The cvxpy side is evaluated over env().
EXPRESSIONS = [
    ("transpose(Z)", "cp.transpose(Z)", None),
    ("transpose(-u)", "cp.transpose(-u)", None),
    ("concatenate(x, u)", "cp.concatenate([x, u])", None),
    ("concatenate(u, c, axis=0)", "cp.concatenate([u, c], axis=0)", None),
    ("concatenate(Z, Z, axis=1)", "cp.concatenate([Z, Z], axis=1)", None),
    ("bmat([[Z], [-Z]])", "cp.bmat([[Z], [-Z]])", None),
    ("bmat([[X, X], [X, X]])", "cp.bmat([[X, X], [X, X]])", None),
    ("lambda_sum_largest(X, 2)", "cp.lambda_sum_largest(X, 2)", None),
    ("lambda_sum_smallest(X, 1.5)", "cp.lambda_sum_smallest(X, 1.5)", None),
    ("lambda_sum_largest(X, 2) + lambda_sum_smallest(X, 2)", "cp.lambda_sum_largest(X, 2) + cp.lambda_sum_smallest(X, 2)", None),
    ("-lambda_sum_smallest(p * X, 2)", "-cp.lambda_sum_smallest(p * X, 2)", None),
    ("mean(x)", "cp.mean(x)", None),
    ("mean(Z, 0)", "cp.mean(Z, axis=0)", None),
    ("mean(Z, axis=1)", "cp.mean(Z, axis=1)", None),
    ("mean(u)", "cp.mean(u)", None),
    ("norm2(Z, axis=1)", "cp.norm(Z, 2, axis=1)", None),
    ("norm(Z, 1, axis=0, keepdims=True)", "cp.norm(Z, 1, axis=0, keepdims=True)", None),
    ("norm(x)", "cp.norm(x)", None),
    ("norm(X)", "cp.norm(X)", None),
    ("norm(X, \"nuc\")", "cp.norm(X, 'nuc')", None),
    ("norm(X, \"fro\")", "cp.norm(X, 'fro')", None),
    ("norm(X, \"inf\")", "cp.norm(X, 'inf')", None),
    ("norm(u, \"inf\")", "cp.norm(u, 'inf')", None),
    ("norm(Z, 1)", "cp.norm(Z, 1)", None),
    ("-norm(Z, 2)", "-cp.norm(Z, 2)", None),
    ("max(Z, axis=0)", "cp.max(Z, axis=0)", None),
    ("min(Z, axis=1, keepdims=True)", "cp.min(Z, axis=1, keepdims=True)", None),
    ("log_sum_exp(Z, axis=1)", "cp.log_sum_exp(Z, axis=1)", None),
    ("-log_sum_exp(Z, axis=0)", "-cp.log_sum_exp(Z, axis=0)", None),
    ("norm_inf(Z, axis=0)", "cp.norm_inf(Z, axis=0)", None),
    ("sum(Z, axis=1, keepdims=True)", "cp.sum(Z, axis=1, keepdims=True)", None),
    ("mean(Z, axis=0, keepdims=True)", "cp.mean(Z, axis=0, keepdims=True)", None),
    ("geo_mean(u, [1, 2, 0.5])", "cp.geo_mean(u, [1, 2, 0.5])", None),
    ("geo_mean(x, [1, 0, 3])", "cp.geo_mean(x, [1, 0, 3])", None),
    ("geo_mean(square(x), c)", "cp.geo_mean(cp.square(x), c)", None),
    ("geo_mean(p * u, c)", "cp.geo_mean(p * u, c)", None),
    ("mean(-square(x))", "cp.mean(-cp.square(x))", None),
    ("log1p(x)", "cp.log1p(x)", None),
    ("log1p(u)", "cp.log1p(u)", None),
    ("log1p(-square(x))", "cp.log1p(-cp.square(x))", None),
    ("log1p(square(x))", "cp.log1p(cp.square(x))", None),
    ("xexp(u)", "cp.xexp(u)", None),
    ("xexp(x)", "cp.xexp(x)", None),
    ("xexp(square(x))", "cp.xexp(cp.square(x))", None),
    ("tv(x)", "cp.tv(x)", None),
    ("tv(X)", "cp.tv(X)", None),
    ("tv(Z)", "cp.tv(Z)", None),
    ("tv(X, X.T)", "cp.tv(X, X.T)", None),
    ("tv(square(x))", "cp.tv(cp.square(x))", None),
    ("tv(p * x)", "cp.tv(p * x)", None),
    ("cummax(x)", "cp.cummax(x)", None),
    ("cummax(Z, 1)", "cp.cummax(Z, axis=1)", None),
    ("cummax(square(x))", "cp.cummax(cp.square(x))", None),
    ("cummax(-square(x))", "cp.cummax(-cp.square(x))", None),
    ("cummax(u)", "cp.cummax(u)", None),
    ("ptp(x)", "cp.ptp(x)", None),
    ("ptp(Z)", "cp.ptp(Z)", None),
    ("ptp(square(x))", "cp.ptp(cp.square(x))", None),
    ("ptp(Z, 0)", "cp.ptp(Z, axis=0)", None),
    ("ptp(Z, axis=1)", "cp.ptp(Z, axis=1)", None),
    ("ptp(x, 0)", "cp.ptp(x, axis=0)", None),
    ("outer(x, c)", "cp.outer(x, c)", None),
    ("outer(a, x)", "cp.outer(a, x)", None),
    ("outer(c, u)", "cp.outer(c, u)", None),
    ("outer(x, y)", "cp.outer(x, y)", None),
    ("outer(p * a, x)", "cp.outer(p * a, x)", None),
    ("vdot(x, c)", "cp.vdot(x, c)", None),
    ("vdot(a, x)", "cp.vdot(a, x)", None),
    ("vdot(x, y)", "cp.vdot(x, y)", None),
    ("scalar_product(c, u)", "cp.scalar_product(c, u)", None),
    ("upper_tri(X)", "cp.vec(cp.upper_tri(X))", "cvxpy's upper_tri is a column [3, 1]; dopt's is a vector [3] (compared after cp.vec)"),
    ("upper_tri(-X)", "cp.vec(cp.upper_tri(-X))", "cvxpy's upper_tri is a column; compared after cp.vec"),
    ("convolve(k, x)", "cp.convolve(k, x)", None),
    ("convolve(c, u)", "cp.convolve(c, u)", None),
    ("convolve(x, k)", "cp.convolve(x, k)", "cvxpy needs a constant first argument (it raises); dopt accepts either order"),
    ("convolve(wn, x)", "cp.convolve(wn, x)", "cvxpy's DPP rule wants a parameter-free kernel; dopt accepts a parameter kernel (as multiply)"),
    ("conv(k, x)", "cp.conv(k, x)", None),
    ("inv_prod(u)", "cp.inv_prod(u)", None),
    ("inv_prod(x)", "cp.inv_prod(x)", None),
    ("inv_prod(sqrt(u))", "cp.inv_prod(cp.sqrt(u))", None),
    ("inv_prod(square(x))", "cp.inv_prod(cp.square(x))", None),
    ("harmonic_mean(u)", "cp.harmonic_mean(u)", None),
    ("harmonic_mean(sqrt(u))", "cp.harmonic_mean(cp.sqrt(u))", None),
    ("harmonic_mean(square(x))", "cp.harmonic_mean(cp.square(x))", None),
    ("dotsort(x, k)", "cp.dotsort(x, k)", None),
    ("dotsort(u, wn)", "cp.dotsort(u, wn)", None),
    ("dotsort(-square(x), -c)", "cp.dotsort(-cp.square(x), -c)", None),
    ("dotsort(square(x), k)", "cp.dotsort(cp.square(x), k)", None),
    (
        "dotsort(p * x, wn)",
        "cp.dotsort(p * x, wn)",
        "cvxpy's is_dpp() says True, but solving such a problem fails in cvxpy's coefficient "
        "extractor (an AssertionError: the products w_i * (p * x)_j are not affine in the "
        "parameters); dopt asks x to be free of parameters when w is a parameter",
    ),
    ("cvar(x, 0.5)", "cp.cvar(x, 0.5)", None),
    ("cvar(square(x), 0.9)", "cp.cvar(cp.square(x), 0.9)", None),
    ("cvar(-square(x), 0.5)", "cp.cvar(-cp.square(x), 0.5)", None),
    ("cvar(u, 0.2)", "cp.cvar(u, 0.2)", None),
    ("mixed_norm(Z)", "cp.mixed_norm(Z)", None),
    ("mixed_norm(X, 1, \"inf\")", "cp.mixed_norm(X, 1, 'inf')", None),
    ("-mixed_norm(Z, 2, 2)", "-cp.mixed_norm(Z, 2, 2)", None),
    ("mixed_norm(square(X))", "cp.mixed_norm(cp.square(X))", None),
    ("var(x)", "cp.var(x)", None),
    ("var(Z, axis=1)", "cp.var(Z, axis=1)", None),
    ("var(Z, axis=0, keepdims=True, ddof=1)", "cp.var(Z, axis=0, keepdims=True, ddof=1)", None),
    ("-var(u)", "-cp.var(u)", None),
    ("var(square(x))", "cp.var(cp.square(x))", None),
    ("var(p * x)", "cp.var(p * x)", None),
    ("std(x)", "cp.std(x)", None),
    ("std(Z, axis=0)", "cp.std(Z, axis=0)", None),
    ("std(x, ddof=1)", "cp.std(x, ddof=1)", None),
    ("std(sqrt(u))", "cp.std(cp.sqrt(u))", None),
    ("matrix_frac(x, X)", "cp.matrix_frac(x, X)", None),
    ("matrix_frac(Z.T, X)", "cp.matrix_frac(Z.T, X)", None),
    ("matrix_frac(x, S)", "cp.matrix_frac(x, S)", None),
    ("matrix_frac(x, p * S)", "cp.matrix_frac(x, p * S)", None),
    ("matrix_frac(square(x), X)", "cp.matrix_frac(cp.square(x), X)", None),
    ("tr_inv(X)", "cp.tr_inv(X)", None),
    ("tr_inv(S)", "cp.tr_inv(S)", None),
    ("-tr_inv(X)", "-cp.tr_inv(X)", None),
    (
        "von_neumann_entr(X)",
        "cp.von_neumann_entr(X)",
        "cvxpy refuses an argument it cannot see is symmetric (it asks for hermitian_wrap); dopt "
        "takes any square argument and adds X = X.T to the form, as for lambda_max",
    ),
    ("von_neumann_entr(V)", "cp.von_neumann_entr(V)", None),
    ("von_neumann_entr(p * S)", "cp.von_neumann_entr(p * S)", None),
    ("-von_neumann_entr(V)", "-cp.von_neumann_entr(V)", None),
    ("tr_inv(V)", "cp.tr_inv(V)", None),
    ("log_normcdf(x)", "cp.log_normcdf(x)", None),
    ("log_normcdf(Z)", "cp.log_normcdf(Z)", None),
    ("log_normcdf(-square(x))", "cp.log_normcdf(-cp.square(x))", None),
    ("log_normcdf(square(x))", "cp.log_normcdf(cp.square(x))", None),
    ("loggamma(u)", "cp.loggamma(u)", None),
    ("loggamma(x)", "cp.loggamma(x)", None),
    ("loggamma(square(x))", "cp.loggamma(cp.square(x))", None),
    ("loggamma(Z)", "cp.loggamma(Z)", None),
]

# Where dopt is meant to differ from cvxpy (see the notes): dopt's own verdict.
DOPT_DIFFERS = {
    "convolve(x, k)": {"curvature": "AFFINE", "sign": "UNKNOWN", "is_dcp": True, "is_dpp": True},
    "convolve(wn, x)": {"is_dpp": True},
    "dotsort(p * x, wn)": {"is_dpp": False},
    "von_neumann_entr(X)": {"curvature": "CONCAVE", "sign": "UNKNOWN", "is_dcp": True, "is_dpp": True},
}


def verdicts():
    cases = []
    for dopt, py, note in EXPRESSIONS:
        e = env()
        try:
            ex = eval(py, {"cp": cp, "np": np}, e)
            v = {
                "curvature": ex.curvature,
                "sign": ex.sign,
                "is_dcp": bool(ex.is_dcp()),
                "is_dpp": bool(ex.is_dcp(dpp=True)),
            }
            shape = list(ex.shape)
        except ValueError as err:
            v = {"error": str(err)}
            shape = None
        case = {"expr": dopt, "cvxpy": v, "shape": shape}
        if dopt in DOPT_DIFFERS:
            case["dopt"] = DOPT_DIFFERS[dopt]
        if note:
            case["note"] = note
        cases.append(case)
    return cases


def main():
    s = solves()
    with open(os.path.join(HERE, "solves.json"), "w") as f:
        json.dump(
            {
                "generator": "make_reference.py, cvxpy " + cp.__version__ + ", Clarabel at 1e-10",
                "cases": s,
                "approximations": approx_values(),
            },
            f,
            indent=1,
        )
        f.write("\n")
    v = verdicts()
    with open(os.path.join(HERE, "verdicts.json"), "w") as f:
        json.dump(
            {
                "description": "cvxpy " + cp.__version__ + " verdicts for expressions with the atoms of issue 11, "
                "in the layout of ../reference/curvature.json. `dopt` (where present) is dopt's intended "
                "verdict where it differs from cvxpy's on purpose (see `note`); `error` means cvxpy "
                "rejects the expression.",
                "decls": DECLS,
                "cases": v,
            },
            f,
            indent=1,
        )
        f.write("\n")
    print(f"{len(s)} solves, {len(v)} verdicts")


if __name__ == "__main__":
    main()
