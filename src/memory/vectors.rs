//! The vector leg: every chunk embedding of an agent, normalised and kept in memory in one
//! flat array, scored by cosine (a dot product) against the query's.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// An agent's embeddings made by one provider and model.
#[derive(Debug, Default)]
pub struct VectorSet {
    /// The embedding-cache key (`provider:model`) they were made by.
    pub key: String,
    dims: usize,
    ids: Vec<i64>,
    data: Vec<f32>,
}

/// Dot product in eight independent lanes, so the compiler can use SIMD (a single running
/// sum would have to be added in order).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    acc.iter().sum::<f32>() + tail
}

#[derive(PartialEq)]
struct Scored(f32, i64);

impl Eq for Scored {}

impl PartialOrd for Scored {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Scored {
    // Reversed: the heap's top is the worst kept score.
    fn cmp(&self, other: &Self) -> Ordering {
        other.0.total_cmp(&self.0)
    }
}

impl VectorSet {
    /// Builds the set from stored `(id, path, embedding)` rows (rows of another dimension than
    /// the first are left out).
    pub fn new(key: String, rows: Vec<(i64, String, Vec<f32>)>) -> VectorSet {
        let dims = rows.first().map(|r| r.2.len()).unwrap_or(0);
        let mut set = VectorSet {
            key,
            dims,
            ids: Vec::with_capacity(rows.len()),
            data: Vec::with_capacity(rows.len() * dims),
        };
        for (id, _, v) in rows {
            if v.len() == dims && dims > 0 {
                set.ids.push(id);
                set.data.extend(super::embed::normalize(v));
            }
        }
        set
    }

    /// How many vectors it holds.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The `k` chunks most similar to `query` (cosine, best first).
    pub fn top(&self, query: &[f32], k: usize) -> Vec<(i64, f32)> {
        if self.dims == 0 || query.len() != self.dims || k == 0 {
            return Vec::new();
        }
        let q = super::embed::normalize(query.to_vec());
        let mut heap: BinaryHeap<Scored> = BinaryHeap::with_capacity(k + 1);
        for (i, v) in self.data.chunks_exact(self.dims).enumerate() {
            let s = dot(v, &q);
            if heap.len() < k {
                heap.push(Scored(s, self.ids[i]));
            } else if heap.peek().is_some_and(|w| s > w.0) {
                heap.pop();
                heap.push(Scored(s, self.ids[i]));
            }
        }
        let mut out: Vec<(i64, f32)> = heap.into_iter().map(|Scored(s, id)| (id, s)).collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_k_by_cosine() {
        let set = VectorSet::new(
            "k".into(),
            vec![
                (1, "a".into(), vec![1.0, 0.0]),
                (2, "b".into(), vec![0.7, 0.7]),
                (3, "c".into(), vec![0.0, 2.0]),
            ],
        );
        let top = set.top(&[0.0, 1.0], 2);
        assert_eq!(top.iter().map(|t| t.0).collect::<Vec<_>>(), [3, 2]);
        assert!((top[0].1 - 1.0).abs() < 1e-6);
        let a: Vec<f32> = (0..19).map(|i| i as f32).collect();
        assert_eq!(dot(&a, &a), a.iter().map(|x| x * x).sum::<f32>());
    }
}
