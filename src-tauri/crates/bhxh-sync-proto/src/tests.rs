#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use serde_json::json;

fn report(id: Uuid, key: &str, revision: i64) -> PushItem {
    let (kind, period) = key.split_once(':').unwrap();
    PushItem {
        id,
        stream: Stream::Report,
        key: key.to_owned(),
        revision,
        payload: json!({
            "uuid": id, "kind": kind, "period": period, "revision": revision,
            "status": "approved", "number": "1/BC", "extra": [1, 2],
            "rows": [
                {"taskNumber": 1, "progress": {"status": "done", "percent": 100}},
                {"taskNumber": 2, "progress": null}
            ]
        }),
    }
}

#[test]
fn a_valid_report_item_passes_and_round_trips() {
    let id = Uuid::now_v7();
    let item = report(id, "month:2024-05", 2);
    item.validate().unwrap();
    let req = PushRequest {
        protocol: PROTOCOL_VERSION,
        items: vec![item],
    };
    req.validate_envelope().unwrap();
    let text = serde_json::to_string(&req).unwrap();
    assert!(text.contains("\"stream\":\"report\""));
    let back: PushRequest = serde_json::from_str(&text).unwrap();
    assert_eq!(back, req);
    for key in ["half:2024-H2", "year:2024"] {
        report(Uuid::now_v7(), key, 1).validate().unwrap();
    }
}

#[test]
fn bad_items_are_refused_with_the_reason() {
    let id = Uuid::now_v7();
    let mut v4 = report(Uuid::new_v4(), "month:2024-05", 1);
    v4.payload["uuid"] = json!(v4.id);
    assert!(
        v4.validate()
            .unwrap_err()
            .to_string()
            .contains("UUID phiên bản 7")
    );
    let mut wrong_rev = report(id, "month:2024-05", 1);
    wrong_rev.revision = 3;
    assert!(
        wrong_rev
            .validate()
            .unwrap_err()
            .to_string()
            .contains("lần sửa đổi")
    );
    assert!(report(id, "month:2024-13", 1).validate().is_err());
    assert!(report(id, "half:2024-H3", 1).validate().is_err());
    let mut key = report(id, "month:2024-05", 1);
    key.key = "month:2024-06".into();
    assert!(
        key.validate()
            .unwrap_err()
            .to_string()
            .contains("không khớp")
    );
    let mut pct = report(id, "month:2024-05", 1);
    pct.payload["rows"][0]["progress"]["percent"] = json!(101);
    assert!(pct.validate().unwrap_err().to_string().contains("101%"));
    let mut draft = report(id, "month:2024-05", 1);
    draft.payload["status"] = json!("draft");
    assert!(draft.validate().is_err());
    let mut zero = report(id, "month:2024-05", 1);
    zero.revision = 0;
    assert!(zero.validate().is_err());
    let mut big = report(id, "month:2024-05", 1);
    big.payload["extra"] = json!("x".repeat(MAX_PAYLOAD_BYTES));
    assert!(big.validate().unwrap_err().to_string().contains("vượt quá"));
}

#[test]
fn unknown_fields_and_streams_do_not_parse() {
    let id = Uuid::now_v7();
    let mut v = serde_json::to_value(report(id, "month:2024-05", 1)).unwrap();
    v["stream"] = json!("dossier");
    assert!(serde_json::from_value::<PushItem>(v.clone()).is_err());
    v["stream"] = json!("report");
    v["sneaky"] = json!(1);
    assert!(serde_json::from_value::<PushItem>(v).is_err());
}

#[test]
fn envelopes_check_version_size_and_duplicates() {
    let id = Uuid::now_v7();
    let item = report(id, "month:2024-05", 1);
    let mut req = PushRequest {
        protocol: 2,
        items: vec![item.clone()],
    };
    assert_eq!(req.validate_envelope(), Err(ProtoError::Version { got: 2 }));
    req.protocol = PROTOCOL_VERSION;
    req.items.push(item);
    assert_eq!(req.validate_envelope(), Err(ProtoError::DuplicateId { id }));
    req.items.clear();
    assert_eq!(req.validate_envelope(), Err(ProtoError::EmptyBatch));
    req.items = (0..=MAX_BATCH_ITEMS)
        .map(|_| report(Uuid::now_v7(), "month:2024-05", 1))
        .collect();
    assert!(matches!(
        req.validate_envelope(),
        Err(ProtoError::BatchTooLarge { .. })
    ));
}

fn result(id: Uuid) -> PushResult {
    PushResult {
        id,
        outcome: Outcome::Stored,
        hq_revision: 1,
        detail: None,
    }
}

#[test]
fn push_responses_must_answer_exactly_what_was_sent() {
    let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let ok = PushResponse {
        protocol: 1,
        results: vec![result(b), result(a)],
    };
    ok.validate_against(&[a, b]).unwrap();
    let foreign = PushResponse {
        protocol: 1,
        results: vec![result(a), result(c)],
    };
    assert!(
        foreign
            .validate_against(&[a, b])
            .unwrap_err()
            .to_string()
            .contains("không gửi")
    );
    let missing = PushResponse {
        protocol: 1,
        results: vec![result(a)],
    };
    assert!(missing.validate_against(&[a, b]).is_err());
    let twice = PushResponse {
        protocol: 1,
        results: vec![result(a), result(a)],
    };
    assert!(twice.validate_against(&[a]).is_err());
    let mut neg = result(a);
    neg.hq_revision = -1;
    assert!(
        PushResponse {
            protocol: 1,
            results: vec![neg]
        }
        .validate_against(&[a])
        .is_err()
    );
    assert!(
        PushResponse {
            protocol: 9,
            results: vec![result(a)]
        }
        .validate_against(&[a])
        .is_err()
    );
}

fn down(seq: i64) -> DownItem {
    DownItem {
        seq,
        id: Uuid::now_v7(),
        published_at: "2024-06-01T08:00:00+07:00".into(),
        item: Published::Directive {
            title: "Đẩy nhanh tiến độ".into(),
            body: "Nội dung".into(),
        },
    }
}

#[test]
fn pull_responses_must_move_forward_from_the_cursor() {
    let ok = PullResponse {
        protocol: 1,
        items: vec![down(5), down(7)],
        next_cursor: 7,
        more: false,
    };
    ok.validate_against(4, 10).unwrap();
    assert!(ok.validate_against(5, 10).is_err(), "seq 5 is not after 5");
    assert!(ok.validate_against(4, 1).is_err(), "more than asked");
    let mut wrong_next = ok.clone();
    wrong_next.next_cursor = 9;
    assert!(wrong_next.validate_against(4, 10).is_err());
    let empty = PullResponse {
        protocol: 1,
        items: vec![],
        next_cursor: 4,
        more: false,
    };
    empty.validate_against(4, 10).unwrap();
    let mut bad = ok.clone();
    bad.items[0].item = Published::Directive {
        title: " ".into(),
        body: String::new(),
    };
    assert!(bad.validate_against(4, 10).is_err());
    let text = serde_json::to_string(&ok).unwrap();
    assert!(text.contains("\"kind\":\"directive\""));
    let plan = Published::PlanChange {
        task_number: 8,
        target_value: Some(100.0),
        target_unit: Some("%".into()),
        deadline: Some("2024-12-31".into()),
        note: String::new(),
    };
    plan.validate().unwrap();
    let t = serde_json::to_string(&plan).unwrap();
    assert!(t.contains("\"kind\":\"planChange\"") && t.contains("\"taskNumber\":8"));
    let bad_date = Published::PlanChange {
        task_number: 8,
        target_value: None,
        target_unit: None,
        deadline: Some("31/12/2024".into()),
        note: String::new(),
    };
    assert!(bad_date.validate().is_err());
}

#[test]
fn hostile_bodies_are_plain_errors_not_crashes() {
    // A payload nested a hundred thousand deep (a stack overflow for a
    // recursive reader without a limit): serde_json stops at 128 levels.
    let id = Uuid::now_v7();
    let mut v = serde_json::to_value(report(id, "month:2024-05", 1)).unwrap();
    v["payload"] = json!(null);
    let text = serde_json::to_string(&v).unwrap().replace(
        "\"payload\":null",
        &format!("\"payload\":{}{}", "[".repeat(100_000), "]".repeat(100_000)),
    );
    let err = serde_json::from_str::<PushItem>(&text).unwrap_err();
    assert!(err.to_string().contains("recursion limit"), "{err}");
    // A request as large as HQ takes, of empty items: refused at the first.
    let mut body = String::from("{\"protocol\":1,\"items\":[");
    while body.len() < MAX_REQUEST_BYTES - 4 {
        body.push_str("{},");
    }
    body.push_str("{}]}");
    assert!(serde_json::from_str::<PushRequest>(&body).is_err());
    // A pull answer claiming a cursor far behind, with a gigantic count:
    // the numbers are read, never used to allocate.
    let resp = format!("{{\"items\":[],\"cursor\":{},\"more\":true}}", i64::MAX);
    drop(serde_json::from_str::<PullResponse>(&resp));
}

#[test]
fn witness_messages_check_their_heads() {
    let head = AuditHead {
        seq: 42,
        hash: "ab".repeat(32),
    };
    assert_eq!(head.validate(), Ok(()));
    for bad in [
        AuditHead {
            seq: 0,
            hash: "ab".repeat(32),
        },
        AuditHead {
            seq: 1,
            hash: "AB".repeat(32),
        },
        AuditHead {
            seq: 1,
            hash: "ab".repeat(31),
        },
    ] {
        assert!(bad.validate().is_err(), "{bad:?}");
    }
    let at = "2024-12-10T09:00:00+07:00".to_owned();
    let w = Witnessed {
        head: head.clone(),
        at: at.clone(),
    };
    let mut resp = WitnessResponse {
        protocol: PROTOCOL_VERSION,
        latest: Some(w.clone()),
        regressions: vec![Regression {
            from: w.clone(),
            to: w.clone(),
        }],
    };
    assert!(resp.validate().is_ok());
    resp.regressions[0].to.head.hash = "zz".into();
    assert!(resp.validate().is_err());
    resp.regressions = vec![
        Regression {
            from: w.clone(),
            to: w
        };
        MAX_REGRESSIONS + 1
    ];
    assert!(resp.validate().is_err());
    // Unknown fields do not parse.
    let text = r#"{"protocol":1,"head":{"seq":1,"hash":"00","extra":1}}"#;
    assert!(serde_json::from_str::<WitnessRequest>(text).is_err());
}

fn province_answer() -> serde_json::Value {
    json!({
        "protocol": 1, "asOfMonth": "2024-05", "generatedAt": "2024-06-03T08:00:00+07:00",
        "code": "HN", "name": "BHXH thành phố Hà Nội",
        "baseOffices": [
            {"code": "HN-1", "name": "BHXH cơ sở Ba Đình", "revoked": false, "late": false,
             "latestMonth": "2024-05", "latestRevision": 1, "lastSyncAt": "2024-06-01T08:00:00+07:00",
             "tasks": [{"taskNumber": 8, "percent": 40, "status": "in_progress"},
                       {"taskNumber": 9, "percent": null, "status": null}]},
            {"code": "HN-2", "name": "BHXH cơ sở Cầu Giấy", "revoked": false, "late": true,
             "latestMonth": null, "latestRevision": null, "lastSyncAt": null, "tasks": []}
        ]
    })
}

#[test]
fn a_province_answer_is_read_and_round_trips() {
    let body = serde_json::to_vec(&province_answer()).unwrap();
    let r = ProvinceResponse::parse(&body).unwrap();
    assert_eq!(r.base_offices.len(), 2);
    assert_eq!(r.base_offices[0].tasks[0].percent, Some(40));
    let again = serde_json::to_vec(&r).unwrap();
    assert_eq!(ProvinceResponse::parse(&again).unwrap(), r);
}

#[test]
fn a_malformed_province_answer_is_refused_with_the_reason() {
    let refused = |change: &dyn Fn(&mut serde_json::Value), said: &str| {
        let mut v = province_answer();
        change(&mut v);
        let e = ProvinceResponse::parse(&serde_json::to_vec(&v).unwrap()).unwrap_err();
        assert!(e.to_string().contains(said), "{e} should say {said}");
    };
    refused(&|v| v["protocol"] = json!(2), "Phiên bản giao thức 2");
    refused(&|v| v["asOfMonth"] = json!("2024-13"), "\"2024-13\"");
    refused(&|v| v["baseOffices"][1]["code"] = json!("HN-1"), "hai lần");
    refused(
        &|v| v["baseOffices"][0]["code"] = json!("HN"),
        "trùng mã đơn vị tỉnh",
    );
    refused(
        &|v| v["baseOffices"][0]["name"] = json!(""),
        "tên đơn vị trống",
    );
    refused(
        &|v| v["baseOffices"][0]["name"] = json!("x".repeat(301)),
        "dài quá 300",
    );
    refused(
        &|v| v["baseOffices"][0]["tasks"][0]["percent"] = json!(140),
        "tỷ lệ 140%",
    );
    refused(
        &|v| v["baseOffices"][0]["tasks"][0]["status"] = json!("xong"),
        "\"xong\"",
    );
    refused(
        &|v| v["baseOffices"][0]["tasks"][1]["taskNumber"] = json!(8),
        "số nhiệm vụ 8",
    );
    refused(
        &|v| v["baseOffices"][0]["latestRevision"] = json!(null),
        "cùng nhau",
    );
    refused(
        &|v| v["baseOffices"][0]["extra"] = json!(1),
        "unknown field",
    );
    refused(&|v| v["baseOffices"] = json!("HN-1"), "không đọc được");
    refused(
        &|v| v["baseOffices"][0]["tasks"][0]["percent"] = json!(-1),
        "không đọc được",
    );
    // not JSON at all, or cut off
    for body in [&b"<html>"[..], b"{\"protocol\": 1, \"asOf", b""] {
        let e = ProvinceResponse::parse(body).unwrap_err();
        assert!(
            e.to_string().contains("không đọc được tiến độ cấp tỉnh"),
            "{e}"
        );
    }
}
