//! "Did you mean ...?" for unknown names: the closest candidates by edit distance.

/// Levenshtein distance between two short strings (in characters).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let sub = prev[j - 1] + usize::from(a[i - 1] != b[j - 1]);
            cur[j] = sub.min(prev[j] + 1).min(cur[j - 1] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The best candidate for `name`, if one is close enough: distance at most a third
/// of the name's length times 2/5 (at least 1; no typo allowance for names of one or
/// two letters), or the same letters ignoring `_` and case.
pub fn best_match<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let squash = |s: &str| s.chars().filter(|c| *c != '_').flat_map(char::to_lowercase).collect::<String>();
    let len = name.chars().count();
    let limit = if len <= 2 { 0 } else { (len * 2 / 5).max(1) };
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if c == name {
            continue;
        }
        let d = if squash(c) == squash(name) { 0 } else { edit_distance(name, c) };
        if d <= limit && best.is_none_or(|(bd, bc)| d < bd || (d == bd && c < bc)) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(edit_distance("norm_2", "norm2"), 1);
        assert_eq!(best_match("norm_2", ["norm1", "norm2", "norm"]), Some("norm2"));
        assert_eq!(best_match("lamda", ["lam", "lambda_max", "A"]), Some("lam"));
        assert_eq!(best_match("sumsquares", ["sum_squares", "sum"]), Some("sum_squares"));
        assert_eq!(best_match("zzz", ["norm2"]), None);
    }
}
