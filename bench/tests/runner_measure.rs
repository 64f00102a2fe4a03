//! The runner's measurements against the in-process mock (tiny sizes; plumbing, not speed).

use std::sync::Arc;
use std::time::Duration;

use clawgate_bench::mock::{MockUpstream, Reply};
use clawgate_bench::runner::measure::{self, Client, Target};

#[actix_web::test]
async fn latency_streaming_and_load_measure_the_mock() {
    let mock = MockUpstream::start().await.unwrap();
    let direct = Target::Direct(mock.addr());

    let (took, body) = Client::new(direct).turn("u").await.unwrap();
    assert!(took > Duration::ZERO);
    assert!(String::from_utf8_lossy(&body).contains("Hello from the mock model."));

    let lat = measure::latency(direct, None, 2, 5, 2).await.unwrap();
    assert_eq!(lat.direct.samples, 10);
    assert!(lat.direct.p50_us > 0.0 && lat.direct.p99_us >= lat.direct.p50_us);
    assert!(lat.gateway.is_none() && lat.added_p50_us.is_none());

    mock.set_default(
        Reply::chunks(&["a", "b", "c", "d"]).with_chunk_delay(Duration::from_millis(2)),
    );
    let st = measure::streaming(direct, None, 2, 2, (4, 2))
        .await
        .unwrap();
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
