//! The XLSX read back with calamine.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

mod common;

use bhxh_report::render_xlsx;
use calamine::{Data, Reader, Xlsx};
use common::{PARAGRAPH, sample};

fn cells(bytes: Vec<u8>) -> Vec<Vec<String>> {
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(book.sheet_names(), vec!["Báo cáo".to_string()]);
    let range = book.worksheet_range("Báo cáo").unwrap();
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::String(s) => s.clone(),
                    Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

#[test]
fn header_texts_and_tables_read_back_intact() {
    let rows = cells(render_xlsx(&sample()).unwrap());
    let all: Vec<&str> = rows.iter().flatten().map(String::as_str).collect();
    for expected in [
        "BẢO HIỂM XÃ HỘI VIỆT NAM",
        "BẢO HIỂM XÃ HỘI TỈNH HÒA BÌNH",
        "Số: 12/BC-BHXH",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Hòa Bình, ngày 05 tháng 01 năm 2024",
        "BÁO CÁO",
        PARAGRAPH,
        "Nơi nhận:",
        "- Lưu: VT, TCT.",
        "KT. GIÁM ĐỐC",
        "Nguyễn Thị Ánh Tuyết",
    ] {
        assert!(all.contains(&expected), "missing {expected:?}");
    }

    // The table: header row, then every row cell by cell, in order.
    let table = common::plan_table();
    let start = rows
        .iter()
        .position(|r| r.first().map(String::as_str) == Some("STT"))
        .unwrap();
    let headers: Vec<&str> = rows[start][..5].iter().map(String::as_str).collect();
    assert_eq!(
        headers,
        [
            "STT",
            "Nội dung công việc",
            "Đơn vị chủ trì",
            "Thời hạn",
            "Người theo dõi"
        ]
    );
    for (i, row) in table.rows.iter().enumerate() {
        let got = &rows[start + 1 + i];
        if row.group {
            assert_eq!(got[0], row.cells[0]);
        } else {
            assert_eq!(&got[..5], &row.cells[..], "row {}", i + 1);
        }
    }
}
