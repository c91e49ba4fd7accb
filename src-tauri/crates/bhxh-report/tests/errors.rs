//! Bad tables are precise errors, never panics.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

mod common;

use bhxh_report::{Block, ReportError, Row, render_pdf, render_xlsx};
use common::{plan_table, sample};

#[test]
fn a_row_with_the_wrong_number_of_cells_is_reported_precisely() {
    let mut table = plan_table();
    table.rows[2] = Row::new(["2", "Thiếu ô", "Văn phòng", "Năm 2024"]);
    let mut doc = sample();
    doc.blocks = vec![
        Block::Paragraph("Mở đầu".into()),
        Block::Table(plan_table()),
        Block::Table(table),
    ];

    for result in [render_pdf(&doc), render_xlsx(&doc)] {
        let err = result.unwrap_err();
        assert!(
            matches!(
                err,
                ReportError::RowCells {
                    table: 2,
                    row: 3,
                    expected: 5,
                    found: 4
                }
            ),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "bảng thứ 2, dòng 3: có 4 ô nhưng bảng có 5 cột"
        );
    }
}

#[test]
fn a_group_row_may_have_one_cell_but_not_two() {
    let mut table = plan_table();
    table.rows[0].cells.push("thừa".into());
    let mut doc = sample();
    doc.blocks = vec![Block::Table(table)];
    let err = render_pdf(&doc).unwrap_err();
    assert!(
        matches!(
            err,
            ReportError::RowCells {
                table: 1,
                row: 1,
                expected: 5,
                found: 2
            }
        ),
        "{err:?}"
    );
}

#[test]
fn a_table_wider_than_the_text_area_is_refused() {
    let mut table = plan_table();
    table.columns[1].width_mm += 10.0;
    let mut doc = sample();
    doc.blocks = vec![Block::Table(table)];
    for result in [render_pdf(&doc), render_xlsx(&doc)] {
        let err = result.unwrap_err();
        match &err {
            ReportError::TableTooWide {
                table: 1,
                width_mm,
                available_mm,
            } => {
                assert!((width_mm - 175.0).abs() < 0.01);
                assert!((available_mm - 165.0).abs() < 0.01);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            err.to_string(),
            "bảng thứ 1 rộng 175.0 mm, vượt quá vùng soạn thảo 165.0 mm giữa hai lề"
        );
    }
}

#[test]
fn empty_or_too_narrow_columns_are_refused() {
    let mut doc = sample();
    let mut table = plan_table();
    table.columns[0].width_mm = 3.0;
    doc.blocks = vec![Block::Table(table)];
    assert!(matches!(
        render_pdf(&doc).unwrap_err(),
        ReportError::ColumnWidth {
            table: 1,
            column: 1,
            ..
        }
    ));

    let mut table = plan_table();
    table.columns[2].width_mm = f32::NAN;
    doc.blocks = vec![Block::Table(table)];
    assert!(matches!(
        render_pdf(&doc).unwrap_err(),
        ReportError::ColumnWidth {
            table: 1,
            column: 3,
            ..
        }
    ));

    doc.blocks = vec![Block::Table(bhxh_report::Table::default())];
    assert!(matches!(
        render_xlsx(&doc).unwrap_err(),
        ReportError::NoColumns { table: 1 }
    ));
}

#[test]
fn an_empty_report_still_renders() {
    let doc = bhxh_report::ReportDoc::default();
    assert!(render_pdf(&doc).unwrap().starts_with(b"%PDF"));
    assert!(!render_xlsx(&doc).unwrap().is_empty());
}

#[test]
fn a_table_header_taller_than_a_page_is_refused() {
    let mut table = plan_table();
    table.columns[0].header = "Số thứ tự ".repeat(400);
    let mut doc = sample();
    doc.blocks = vec![Block::Paragraph("Mở đầu".into()), Block::Table(table)];
    let err = render_pdf(&doc).unwrap_err();
    assert!(
        matches!(err, ReportError::HeaderTooTall { table: 1 }),
        "{err:?}"
    );
}

#[test]
fn a_huge_cell_spans_pages_and_terminates() {
    let mut table = plan_table();
    table.rows[1].cells[1] = "Hòa Bình ".repeat(2000);
    let mut doc = sample();
    doc.blocks = vec![Block::Table(table)];
    let pdf = render_pdf(&doc).unwrap();
    assert!(pdf.starts_with(b"%PDF"));
}
