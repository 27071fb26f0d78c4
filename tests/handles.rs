//! The Rust API's ergonomics (issue 11): conversions into `Array`, typed parameter and
//! output handles, batch results with one `Result`, and library errors that name no
//! command-line flag.

use dopt::{Array, BatchPolicy, Dims, Layer, Problem, Status, Values};

fn sparsemax(n: i64) -> Layer {
    Problem::from_file("std:sparsemax").unwrap().compile(&Dims::new().with("n", n)).unwrap()
}

fn close(a: &[f64], b: &[f64], tol: f64) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(p, q)| (p - q).abs() <= tol)
}

// ---------------------------------------------------------------------------------
// Conversions into `Array`
// ---------------------------------------------------------------------------------

#[test]
fn numbers_lists_and_rows_convert_into_arrays() {
    assert_eq!(Array::from(2.5), Array::scalar(2.5));
    let v = Array::from(vec![1.0, -2.0, 3.0]);
    assert_eq!((v.shape.dims(), v.data.as_slice()), (&[3][..], &[1.0, -2.0, 3.0][..]));
    assert_eq!(Array::from(&[1.0, -2.0, 3.0][..]), v);
    assert_eq!(Array::from([1.0, -2.0, 3.0]), v);
    assert_eq!(Array::from(&[1.0, -2.0, 3.0]), v);
    // Rows as written: entry (1, 0) is the first of the second row.
    let m = Array::from([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]);
    assert_eq!(m.shape.dims(), &[2, 3]);
    assert_eq!((m.at(0, 2), m.at(1, 0)), (3.0, 4.0));
    assert_eq!(Array::try_from(vec![vec![1.0, 2.0, 3.0], vec![4.0, 5.0, 6.0]]).unwrap(), m);
    assert_eq!(Array::matrix(2, 3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap(), m);
}

#[test]
fn ragged_rows_and_wrong_lengths_are_errors() {
    let e = Array::try_from(vec![vec![1.0, 2.0], vec![3.0], vec![4.0, 5.0]]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "the rows of a matrix must have the same length: row 1 has 1 entries, row 0 has 2"
    );
    let rows = [vec![1.0], vec![2.0, 3.0]];
    assert!(Array::try_from(&rows[..]).is_err());
    let e = Array::matrix(2, 2, &[1.0, 2.0, 3.0]).unwrap_err();
    assert_eq!(e.to_string(), "a 2×2 matrix has 4 entries, not 3");
    // An m·n that overflows is an error too, not a panic.
    assert!(Array::matrix(usize::MAX, 2, &[]).is_err());
    // `?` turns it into the crate's error, E0702.
    let as_error = || -> Result<Array, dopt::Error> { Ok(Array::matrix(1, 2, &[1.0])?) };
    let e = as_error().unwrap_err();
    assert_eq!(e.diagnostics[0].code.id, "E0702");
    assert!(e.to_string().contains("a 1×2 matrix has 2 entries, not 1"), "{e}");
}

// ---------------------------------------------------------------------------------
// Handles
// ---------------------------------------------------------------------------------

/// sparsemax(0.8, 0.1, 0.5, −0.3): τ = (0.8 + 0.5 − 1)/2 = 0.15 on the support {0, 2},
/// so y = (0.65, 0, 0.35, 0); on the support the Jacobian is I − 11ᵀ/2.
#[test]
fn handles_give_the_string_keyed_solution_and_gradient_on_sparsemax() {
    let layer = sparsemax(4);
    let (x, y) = (layer.param("x").unwrap(), layer.output("y").unwrap());
    assert_eq!((x.name(), x.shape().dims(), x.index()), ("x", &[4][..], 0));
    assert_eq!((y.name(), y.shape().dims(), y.is_dual()), ("y", &[4][..], false));
    let xv = [0.8, 0.1, 0.5, -0.3];

    let mut inputs = layer.inputs();
    inputs.set(&x, xv).unwrap();
    assert_eq!(inputs.get(&x), Some(&xv[..]));
    let by_handle = layer.forward(&inputs).unwrap();
    let by_name = layer.forward(&Values::from([("x".to_string(), Array::from(xv))])).unwrap();
    let yh = &by_handle.get(&y).unwrap().data;
    assert!(close(yh, &[0.65, 0.0, 0.35, 0.0], 1e-6), "{yh:?}");
    assert!(close(yh, &by_name.variables["y"].data, 1e-12));
    assert_eq!(by_handle.theta, by_name.theta);

    // d y₀ / dx = (½, 0, −½, 0), by handle and by name.
    let mut dy = layer.cotangents();
    dy.set(&y, [1.0, 0.0, 0.0, 0.0]).unwrap();
    let g = layer.backward(&by_handle, &dy).unwrap();
    let g_name = layer
        .backward(&by_name, &Values::from([("y".to_string(), Array::from([1.0, 0.0, 0.0, 0.0]))]))
        .unwrap();
    assert!(close(g.get(&x).unwrap(), &[0.5, 0.0, -0.5, 0.0], 1e-9), "{:?}", g.params["x"].data);
    assert!(close(g.get(&x).unwrap(), &g_name.params["x"].data, 1e-12));

    // Setting again replaces: x = (2, 0, 0, 0) gives τ = 1 and y = e₀.
    inputs.set_data(&x, &[2.0, 0.0, 0.0, 0.0]).unwrap();
    let out = layer.forward(&inputs).unwrap();
    assert!(close(&out.get(&y).unwrap().data, &[1.0, 0.0, 0.0, 0.0], 1e-6));
}

#[test]
fn a_misspelled_name_fails_at_set_up_with_a_suggestion() {
    let layer = sparsemax(4);
    // One-letter names get no suggestion (every name is one edit away): the list.
    let e = layer.param("xx").unwrap_err();
    assert_eq!(e.diagnostics[0].code.id, "E0702");
    assert_eq!(e.diagnostics[0].message, "`xx` is not a parameter of this problem");
    assert_eq!(e.diagnostics[0].notes, ["the parameters are: x"]);
    let text = "parameter weights[2]\nparameter lam\nvariable y[2]\nminimize sum_squares(y - weights) + lam * sum(y)\n";
    let l = Problem::from_str("w.dopt", text).unwrap().compile(&Dims::new()).unwrap();
    assert_eq!(l.param("wieghts").unwrap_err().diagnostics[0].help, ["did you mean `weights`?"]);
    assert_eq!(l.param("Lam").unwrap_err().diagnostics[0].help, ["did you mean `lam`?"]);
    let e = layer.output("Y").unwrap_err();
    assert_eq!(e.diagnostics[0].message, "`Y` is not an output of this problem");
    assert_eq!(e.diagnostics[0].help, ["did you mean `y`?"]);

    // Duals by `dual:LABEL`; a variable that is not an output is named as such.
    let text = "dim n\nparameter x[n]\nvariable y[n]\nvariable t\noutput y\n\
                minimize sum_squares(y - x) + square(t)\nsubject to\n    pos: y >= 0\n";
    let l = Problem::from_str("relu.dopt", text).unwrap().compile(&Dims::new().with("n", 3)).unwrap();
    let pos = l.output("dual:pos").unwrap();
    assert!(pos.is_dual() && pos.name() == "pos" && pos.shape().dims() == [3]);
    assert_eq!(l.output("dual:ps").unwrap_err().diagnostics[0].help, ["did you mean `dual:pos`?"]);
    let e = l.output("t").unwrap_err();
    assert_eq!(e.diagnostics[0].notes[0], "`t` is a variable, but not in the file's `output` list");
    // The dual read by handle: λ = −2x on the active entry, at x = (1, −2, 0.5).
    let x = l.param("x").unwrap();
    let mut inputs = l.inputs();
    inputs.set(&x, [1.0, -2.0, 0.5]).unwrap();
    let out = l.forward(&inputs).unwrap();
    assert!(close(&out.get(&pos).unwrap().data, &[0.0, 4.0, 0.0], 1e-6));
    // A dual's cotangent by handle equals the `dual:pos` key: d(λ₁)/dx₁ = −2.
    let mut dl = l.cotangents();
    dl.set(&pos, [0.0, 1.0, 0.0]).unwrap();
    let g = l.backward(&out, &dl).unwrap();
    let g_name =
        l.backward(&out, &Values::from([("dual:pos".to_string(), Array::from([0.0, 1.0, 0.0]))])).unwrap();
    assert!(close(g.get(&x).unwrap(), &[0.0, -2.0, 0.0], 1e-6), "{:?}", g.params["x"].data);
    assert!(close(g.get(&x).unwrap(), &g_name.params["x"].data, 1e-12));
}

#[test]
fn a_wrong_value_fails_when_it_is_set_naming_the_shapes() {
    let layer = sparsemax(4);
    let (x, y) = (layer.param("x").unwrap(), layer.output("y").unwrap());
    let mut inputs = layer.inputs();
    inputs.set(&x, [0.8, 0.1, 0.5, -0.3]).unwrap();
    let e = inputs.set(&x, [1.0, 2.0, 3.0]).unwrap_err();
    assert_eq!(e.diagnostics[0].message, "parameter `x`: expected shape [4] (declared [n]), got [3]");
    let e = inputs.set(&x, [[1.0, 2.0], [3.0, 4.0]]).unwrap_err();
    assert!(e.diagnostics[0].message.ends_with("got [2, 2]"), "{e}");
    let e = inputs.set_data(&x, &[1.0]).unwrap_err();
    assert_eq!(e.diagnostics[0].message, "parameter `x`: expected 4 entries (shape [4]), got 1");
    let e = inputs.set(&x, [f64::NAN, 0.0, 0.0, 0.0]).unwrap_err();
    assert_eq!(e.diagnostics[0].message, "parameter `x`: entry 0 is NaN; values must be finite");
    // The refused values left the old one in place.
    let out = layer.forward(&inputs).unwrap();
    assert!(close(&out.get(&y).unwrap().data, &[0.65, 0.0, 0.35, 0.0], 1e-6));

    let mut dy = layer.cotangents();
    let e = dy.set(&y, 1.0).unwrap_err();
    assert_eq!(e.diagnostics[0].message, "`y`: expected shape [4], got []");
    assert!(dy.set_objective(f64::INFINITY).is_err());
}

#[test]
fn a_parameter_never_set_and_a_handle_of_another_layer_are_refused() {
    let (four, three) = (sparsemax(4), sparsemax(3));
    let e = four.forward(&four.inputs()).unwrap_err();
    assert_eq!(e.diagnostics[0].message, "no value for parameter `x`");
    let x3 = three.param("x").unwrap();
    let mut inputs = four.inputs();
    let e = inputs.set(&x3, [1.0, 2.0, 3.0]).unwrap_err();
    assert!(e.to_string().contains("the parameter handle `x` was made by another layer"), "{e}");
    let e = three.forward(&inputs).unwrap_err();
    assert!(e.to_string().contains("these inputs were made by another layer"), "{e}");
    // A clone and a layer read back from its file accept the original's handles.
    let x4 = four.param("x").unwrap();
    let again = Layer::from_bytes(&four.to_bytes()).unwrap();
    let mut inputs = again.inputs();
    inputs.set(&x4, [0.8, 0.1, 0.5, -0.3]).unwrap();
    let y = four.clone().output("y").unwrap();
    assert!(close(&again.forward(&inputs).unwrap().get(&y).unwrap().data, &[0.65, 0.0, 0.35, 0.0], 1e-6));
    let out3 = three.forward(&Values::from([("x".to_string(), Array::from([1.0, 0.0, 0.0]))])).unwrap();
    assert!(out3.get(&y).is_err());
}

#[test]
fn a_geometric_program_refuses_the_inputs_of_the_same_problem_without_geometric() {
    // Same parameters and variables, but one is a GP: its values are positive numbers
    // that it maps to logs. Found in review: p = −1 set through the other layer's
    // handle reached log and came back `optimal` with a NaN objective.
    let text = "parameter p\nvariable x\nminimize p * x\nsubject to\n    x >= 1\n";
    let dcp = Problem::from_str("a.dopt", text).unwrap().compile(&Dims::new()).unwrap();
    let gp =
        Problem::from_str("b.dopt", &format!("geometric\n{text}")).unwrap().compile(&Dims::new()).unwrap();
    let mut inputs = dcp.inputs();
    inputs.set(&dcp.param("p").unwrap(), -1.0).unwrap();
    let e = gp.forward(&inputs).unwrap_err();
    assert!(e.to_string().contains("these inputs were made by another layer"), "{e}");
    let e = gp.inputs().set(&dcp.param("p").unwrap(), -1.0).unwrap_err();
    assert!(e.to_string().contains("made by another layer"), "{e}");
    // Through its own handle the GP refuses a value that is not positive, and solves a
    // positive one: min p·x over x >= 1 is p.
    let mut own = gp.inputs();
    assert!(own.set(&gp.param("p").unwrap(), -1.0).is_err());
    own.set(&gp.param("p").unwrap(), 2.5).unwrap();
    assert!((gp.forward(&own).unwrap().objective - 2.5).abs() < 1e-6);
}

// ---------------------------------------------------------------------------------
// Batches
// ---------------------------------------------------------------------------------

/// min (y − c)² s.t. 1 ≤ y ≤ u: y = clip(c, 1, u), infeasible for u < 1.
const CLIP: &str =
    "parameter c\nparameter u\nvariable y\nminimize square(y - c)\nsubject to\n    y >= 1\n    y <= u\n";

#[test]
fn a_batch_with_an_infeasible_member_keeps_the_others_solutions() {
    let layer = Problem::from_str("clip.dopt", CLIP).unwrap().compile(&Dims::new()).unwrap();
    let (c, u, y) = (layer.param("c").unwrap(), layer.param("u").unwrap(), layer.output("y").unwrap());
    let members: Vec<_> = [(2.0, 3.0), (0.0, 0.0), (0.5, 2.0), (5.0, 4.0)]
        .iter()
        .map(|&(cv, uv)| {
            let mut m = layer.inputs();
            m.set(&c, cv).unwrap();
            m.set(&u, uv).unwrap();
            m
        })
        .collect();
    let batch = layer.forward_batch(&members, BatchPolicy::PerMember).unwrap();
    assert_eq!(batch.len(), 4);
    let opt = Some(Status::Optimal);
    assert_eq!(batch.statuses(), [opt, Some(Status::Infeasible), opt, opt]);
    let ys: Vec<f64> =
        [0, 2, 3].iter().map(|&i| batch.solution(i).unwrap().get(&y).unwrap().data[0]).collect();
    assert!(close(&ys, &[2.0, 1.0, 4.0], 1e-6), "{ys:?}");
    assert!(batch.solution(1).is_none() && batch.get(1).is_some() && batch.error(1).is_none());
    assert_eq!(batch.succeeded().map(|(i, _)| i).collect::<Vec<_>>(), [0, 1, 2, 3]);

    // A member with bad input has its own error (no status); the others are solved.
    let by_name: Vec<Values> = [2.0, f64::NAN]
        .iter()
        .map(|&cv| {
            [("c".to_string(), Array::from(cv)), ("u".to_string(), Array::from(3.0))].into_iter().collect()
        })
        .collect();
    let batch = layer.forward_batch(&by_name, BatchPolicy::PerMember).unwrap();
    assert_eq!(batch.statuses(), [opt, None]);
    assert!(batch.error(1).unwrap().to_string().contains("parameter `c`: entry 0 is NaN"));
    assert!(batch.clone().into_values().is_err());
    assert!((batch[0].as_ref().unwrap().variables["y"].data[0] - 2.0).abs() < 1e-6);

    // Strict: the first failing member is the call's error.
    let e = layer.forward_batch(&members, BatchPolicy::FailBatch).unwrap_err();
    assert!(e.to_string().contains("batch member 1: the solve ended with status `infeasible`"), "{e}");
    let ok = layer.forward_batch(&[members[0].clone(), members[3].clone()], BatchPolicy::FailBatch).unwrap();
    let outs = ok.into_values().unwrap();

    // Backward over the batch by handles: dy/dc = 1 inside the box, dy/du = 1 at y = u.
    let cots: Vec<_> = (0..2)
        .map(|_| {
            let mut d = layer.cotangents();
            d.set(&y, 1.0).unwrap();
            d
        })
        .collect();
    let grads = layer.backward_batch(&outs, &cots, BatchPolicy::FailBatch).unwrap().into_values().unwrap();
    assert!(close(&[grads[0].get(&c).unwrap()[0], grads[0].get(&u).unwrap()[0]], &[1.0, 0.0], 1e-6));
    assert!(close(&[grads[1].get(&c).unwrap()[0], grads[1].get(&u).unwrap()[0]], &[0.0, 1.0], 1e-6));
}

// ---------------------------------------------------------------------------------
// Library errors name no command-line flag
// ---------------------------------------------------------------------------------

#[test]
fn dim_errors_from_the_library_name_no_flag() {
    let p = Problem::from_str("nodim.dopt", "dim n\nvariable x[n]\nminimize sum(x)\n").unwrap();
    let missing = p.compile(&Dims::new()).unwrap_err().to_string();
    assert!(missing.contains("dim `n` has no value"), "{missing}");
    assert!(missing.contains("give `n` a value in the dims the problem is compiled with"), "{missing}");
    for (dims, needle) in [
        (Dims::new().with("n", 0), "dim `n` is given 0, out of range"),
        (Dims::new().with("n", 2).with("m", 3), "dim `m` is given a value, but the file declares no dim `m`"),
        (Dims::new().with("x", 3), "`x` is given a value as a dim, but it is a variable, not a dim"),
    ] {
        let e = p.compile(&dims).unwrap_err().to_string();
        assert!(e.contains(needle), "{e}");
        assert!(!e.contains("--dim") && !e.contains("command line"), "{e}");
    }
    assert!(!missing.contains("--dim") && !missing.contains("command line"), "{missing}");
}
