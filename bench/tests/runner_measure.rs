//! The runner's measurements against the in-process mock (tiny sizes; plumbing, not speed).

use std::sync::Arc;
use std::time::Duration;

use clawgate_bench::mock::{MockUpstream, Reply};
use clawgate_bench::runner::measure::{self, Client, Endpoint, Target};
use clawgate_bench::runner::{open_loop, streams};

#[actix_web::test]
async fn latency_streaming_and_load_measure_the_mock() {
    let mock = MockUpstream::start().await.unwrap();
    let direct = Target::Direct(mock.addr());

    let (took, body) = Client::new(direct).turn("u").await.unwrap();
    assert!(took > Duration::ZERO);
    assert!(String::from_utf8_lossy(&body).contains("Hello from the mock model."));

    let lat = measure::latency(direct, &[], 2, 5, 2).await.unwrap();
    assert_eq!(lat.direct.samples, 10);
    assert!(lat.direct.p50_us > 0.0 && lat.direct.p99_us >= lat.direct.p50_us);
    assert!(lat.gateway.is_none() && lat.added_p50_us.is_none());

    mock.set_default(
        Reply::chunks(&["a", "b", "c", "d"]).with_chunk_delay(Duration::from_millis(2)),
    );
    let st = measure::streaming(direct, &[], 2, 2, (4, 2)).await.unwrap();
    assert_eq!(st.direct.streams, 4);
    assert!(
        st.direct.gap_p50_us >= 1_000.0,
        "paced 2 ms apart: {}",
        st.direct.gap_p50_us
    );
    mock.set_default(Reply::default());

    let users: measure::UserFn = Arc::new(|c, n| (n < 5).then(|| format!("s{c}")));
    let load = measure::load(direct, 4, Duration::from_secs(5), 1_000, users).await;
    assert_eq!((load.requests, load.errors), (20, 0));
    assert!(load.rps > 0.0 && load.p99_us >= load.p50_us);

    // Errors are counted, not fatal.
    mock.push(Reply::error(500, "boom"));
    let users: measure::UserFn = Arc::new(|_, n| (n < 3).then(|| "x".to_string()));
    let load = measure::load(direct, 1, Duration::from_secs(5), 1_000, users).await;
    assert_eq!((load.requests, load.errors), (2, 1));
    assert!(load.first_error.unwrap().contains("status 500"));
    mock.stop().await;
}

/// The floor forwarder on its own thread (it serves until the test process ends).
fn start_floor(upstream: String) -> Target {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || clawgate_bench::floor::serve(listener, &upstream, "mock-model", 1));
    Endpoint {
        addr,
        path: "/v1/chat/completions".into(),
        auth: "Bearer x".into(),
        model: "openclaw".into(),
    }
    .leak()
}

#[actix_web::test]
async fn the_floor_forwards_and_is_measured_beside_the_mock() {
    let mock = MockUpstream::start().await.unwrap();
    let direct = Target::Direct(mock.addr());
    let floor = start_floor(mock.base_url());
    // The listener is bound already: the first request waits in its backlog until the
    // forwarder's System runs.
    let before = mock.request_count();
    let (_, body) = Client::new(floor).turn("u").await.unwrap();
    assert!(String::from_utf8_lossy(&body).contains("Hello from the mock model."));
    assert_eq!(
        mock.request_count(),
        before + 1,
        "one upstream request per turn"
    );

    let others = [("floor".to_string(), floor)];
    let lat = measure::latency(direct, &others, 2, 5, 1).await.unwrap();
    assert_eq!(lat.compared.len(), 1);
    assert_eq!(
        (lat.compared[0].name.as_str(), lat.compared[0].side.samples),
        ("floor", 10)
    );
    assert!(lat.gateway.is_none() && lat.gateway_over_floor_p50.is_none());

    let ol = open_loop::search(
        direct,
        floor,
        "floor",
        &[50.0, 100.0],
        Duration::from_millis(200),
        open_loop::CpuOf::None,
    )
    .await;
    // The search stops after a step over 10 ms added p99 (a loaded machine can cause one):
    // otherwise it goes on to the next rate.
    let first = &ol.steps[0];
    assert_eq!(first.sent, 10, "{ol:?}");
    if first.added_p99_us <= 10_000.0 && first.errors == 0 {
        assert_eq!(ol.steps.len(), 2, "{ol:?}");
        assert_eq!(ol.steps[1].sent, 20);
    } else {
        assert_eq!(
            ol.steps.len(),
            1,
            "stops after a step over the bound: {ol:?}"
        );
    }
    assert!(ol.steps.iter().all(|s| s.ok + s.errors == s.sent));

    mock.set_default(Reply::chunks(&["a", "b", "c"]).with_chunk_delay(Duration::from_millis(20)));
    let st = streams::hold(
        floor,
        "floor",
        20,
        3,
        Duration::from_millis(20),
        Duration::from_secs(20),
    )
    .await;
    mock.set_default(Reply::default());
    assert_eq!(
        (st.opened, st.completed, st.lost_chunks),
        (20, 20, 0),
        "{st:?}"
    );
    assert!(
        st.peak_concurrent >= 2 && st.peak_concurrent <= 20,
        "{st:?}"
    );
    mock.stop().await;
}
