use super::*;

fn prepared(headers: &[(&str, &str)]) -> PreparedRequest {
    PreparedRequest {
        method: "POST".into(),
        url: url::Url::parse("http://127.0.0.1:9/x").unwrap(),
        headers: headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect(),
        body: PreparedBody::Bytes {
            bytes: b"{}".to_vec(),
            content_type: Some("application/json"),
        },
        timeout: None,
        transport: super::super::Transport::default(),
    }
}

#[tokio::test]
async fn the_request_and_its_record_carry_every_header() {
    let key = PoolKey {
        https: false,
        verify_tls: true,
        ca_file: None,
    };
    let client = build(&key).unwrap();
    let req = prepared(&[("X-One", "1"), ("x-one", "2")]);
    let (request, wire) = build_request(&client, &req, Some("a=b")).await.unwrap();
    let sent: Vec<_> = request.headers().get_all("x-one").iter().collect();
    assert_eq!(sent, ["1", "2"]);
    assert_eq!(request.headers()["cookie"], "a=b");
    assert_eq!(request.headers()["content-type"], "application/json");
    let names: Vec<&str> = wire.headers.iter().map(|(n, _)| n.as_ref()).collect();
    assert_eq!(
        names,
        [
            "host",
            "x-one",
            "x-one",
            "cookie",
            "content-type",
            "user-agent",
            "accept",
            "accept-encoding",
            "content-length"
        ]
    );
    assert_eq!(wire.headers[0].1, "127.0.0.1:9");
    assert_eq!(wire.headers[8].1, "2");

    // The builder's own checks, with its messages.
    for (headers, message) in [
        (vec![("bad name", "v")], "invalid HTTP header name"),
        (vec![("x", "a\nb")], "failed to parse header value"),
    ] {
        match build_request(&client, &prepared(&headers), None).await {
            Err(TransportError::Other(m)) => assert_eq!(m, message),
            other => panic!("{:?}", other.map(|(_, w)| w)),
        }
    }
}
