//! The memory index: files, chunks, embeddings and keyword search.

use super::*;

pub(super) fn chunk(line: i64, text: &str, emb: Option<Vec<f32>>) -> NewChunk {
    NewChunk {
        start_line: line,
        end_line: line + 1,
        hash: format!("h-{text}"),
        text: text.into(),
        fts_body: clawgate::memory::text::index_body(text),
        embedding: emb.map(|v| ("m".to_string(), v)),
    }
}

pub(super) fn file(path: &str) -> MemoryFile {
    MemoryFile {
        path: path.into(),
        source: "memory".into(),
        hash: format!("fh-{path}"),
        mtime: 1,
        size: 2,
    }
}

pub(super) async fn memory(s: &Store) {
    let ids = s
        .memory_put_file(
            "main",
            file("MEMORY.md"),
            vec![
                chunk(5, "alpha beta", Some(vec![1.0, 0.5])),
                chunk(1, "gamma", None),
            ],
        )
        .await
        .unwrap();
    assert_eq!(ids.len(), 2);
    assert_eq!(
        s.memory_files("main").await.unwrap(),
        vec![file("MEMORY.md")]
    );
    assert!(s.memory_files("beta").await.unwrap().is_empty());

    let by_line: Vec<String> = s
        .memory_file_chunks("main", "MEMORY.md")
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.text)
        .collect();
    assert_eq!(by_line, ["gamma", "alpha beta"]);
    let picked = s
        .memory_chunks("main", vec![ids[1], 999_999, ids[0]])
        .await
        .unwrap();
    assert_eq!(
        picked.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![ids[1], ids[0]],
        "asked order, missing left out"
    );
    assert!(s
        .memory_chunks("beta", ids.clone())
        .await
        .unwrap()
        .is_empty());

    assert_eq!(
        s.memory_vectors("main", "m").await.unwrap(),
        vec![(ids[0], "MEMORY.md".to_string(), vec![1.0, 0.5])]
    );
    let missing = s.memory_missing_vectors("main", "m", 10).await.unwrap();
    assert_eq!(
        missing,
        vec![(ids[1], "h-gamma".to_string(), "gamma".to_string())]
    );
    assert_eq!(
        s.memory_missing_vectors("main", "other", 10)
            .await
            .unwrap()
            .len(),
        2
    );
    s.memory_set_vectors("main", "m", vec![(ids[1], vec![0.25, -2.0])])
        .await
        .unwrap();
    let counts = s.memory_counts("main", "m").await.unwrap();
    assert_eq!((counts.files, counts.chunks, counts.vectors), (1, 2, 2));

    s.memory_put_file("main", file("MEMORY.md"), vec![chunk(1, "delta", None)])
        .await
        .unwrap();
    let counts = s.memory_counts("main", "m").await.unwrap();
    assert_eq!(
        (counts.files, counts.chunks, counts.vectors),
        (1, 1, 0),
        "replaced"
    );
    s.memory_put_file("main", file("notes.md"), vec![chunk(1, "epsilon", None)])
        .await
        .unwrap();
    s.memory_remove_file("main", "MEMORY.md").await.unwrap();
    assert_eq!(
        s.memory_files("main").await.unwrap(),
        vec![file("notes.md")]
    );

    s.memory_cache_put(
        "m",
        vec![("h1".into(), vec![0.25]), ("h2".into(), vec![1.5, 2.5])],
    )
    .await
    .unwrap();
    s.memory_cache_put("m", vec![("h1".into(), vec![0.75])])
        .await
        .unwrap();
    assert_eq!(
        s.memory_cache_get("m", vec!["h2".into(), "nope".into(), "h1".into()])
            .await
            .unwrap(),
        vec![
            ("h2".to_string(), vec![1.5, 2.5]),
            ("h1".to_string(), vec![0.75])
        ]
    );
    assert!(s
        .memory_cache_get("other", vec!["h1".into()])
        .await
        .unwrap()
        .is_empty());

    s.memory_clear("main").await.unwrap();
    assert!(s.memory_files("main").await.unwrap().is_empty());
    assert_eq!(s.memory_counts("main", "m").await.unwrap().chunks, 0);
    assert_eq!(
        s.memory_cache_get("m", vec!["h1".into()])
            .await
            .unwrap()
            .len(),
        1,
        "the cache stays"
    );
}

/// Keyword search with the queries the memory service builds (`memory::text::fts_query`).
pub(super) async fn memory_keyword_search(s: &Store) {
    use clawgate::memory::text::{fts_query, query_terms};
    s.memory_put_file(
        "main",
        file("MEMORY.md"),
        vec![
            chunk(1, "The project deadlines are in March", None),
            chunk(3, "项目截止日期是三月十五日", None),
            chunk(5, "Lunch with Alice on Friday", None),
            chunk(7, "Alice prefers deadlines on Friday; Alice", None),
        ],
    )
    .await
    .unwrap();
    s.memory_put_file(
        "beta",
        file("MEMORY.md"),
        vec![chunk(1, "deadline for beta", None)],
    )
    .await
    .unwrap();
    let search = |q: &str| {
        let expr = fts_query(&query_terms(q)).unwrap();
        let s = s.clone();
        async move {
            s.memory_text_search("main", &expr, 10)
                .await
                .unwrap()
                .into_iter()
                .map(|h| (h.chunk.text, h.bm25))
                .collect::<Vec<_>>()
        }
    };
    // A prefix term: `deadline` finds `deadlines`, in this agent's chunks only.
    let hits = search("deadline").await;
    let texts: Vec<&str> = hits.iter().map(|h| h.0.as_str()).collect();
    assert_eq!(texts.len(), 2, "{texts:?}");
    assert!(texts.iter().all(|t| t.contains("deadlines")));
    assert!(hits.iter().all(|h| h.1 > 0.0), "larger is better, positive");
    // CJK: bigrams of the query meet the bigrams of the text.
    let hits = search("截止日期").await;
    assert_eq!(hits.len(), 1);
    assert!(hits[0].0.starts_with("项目"));
    // Any term matches; the chunk with more of them ranks first.
    let hits = search("alice friday").await;
    assert_eq!(hits.len(), 2);
    assert!(hits[0].1 >= hits[1].1);
    // The agent's id is not searchable text.
    assert!(search("main").await.is_empty());
    assert!(search("zebra").await.is_empty());
}
