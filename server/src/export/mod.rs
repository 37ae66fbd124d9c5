//! Highlights and their exports: a session's takeaways pack (see
//! [`highlights`]) rendered as Markdown, JSON, CSV (a zip of tables) or a
//! print-ready HTML page, per session or per event; an attendee's own
//! starred takeaways; the attendance peak that packs report.
//!
//! Packs are computed from the store on request, in one read snapshot: a
//! live session exports what it holds at that moment, and an ended one is
//! ready the instant it ends (nothing to wait for, nothing cached to go
//! stale). The JSON document is described by `docs/export.schema.json`.

pub mod archive_page;
pub mod attendance;
pub mod cli;
pub mod csv;
pub mod highlights;
pub mod html;
pub mod markdown;
pub mod model;
pub mod takeaways;
pub mod text;
pub mod timeline;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{AppError, AppResult};
use highlights::Export;

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Markdown (`.md`).
    Md,
    /// JSON (`.json`), as described by docs/export.schema.json.
    Json,
    /// A zip of CSV tables (`.zip`).
    Csv,
    /// A print-ready HTML page (`.html`).
    Html,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 4] = [Format::Md, Format::Json, Format::Csv, Format::Html];

    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Md => "md",
            Format::Json => "json",
            Format::Csv => "zip",
            Format::Html => "html",
        }
    }

    /// The media type.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Md => "text/markdown; charset=utf-8",
            Format::Json => "application/json",
            Format::Csv => "application/zip",
            Format::Html => "text/html; charset=utf-8",
        }
    }

    /// The name used on the command line and in `?format=`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Md => "md",
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Html => "html",
        }
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "md" | "markdown" => Ok(Format::Md),
            "json" => Ok(Format::Json),
            "csv" | "zip" => Ok(Format::Csv),
            "html" => Ok(Format::Html),
            other => Err(format!(
                "unknown format `{other}`: use md, json, csv or html"
            )),
        }
    }
}

/// A rendered export, ready to send or write.
#[derive(Debug, Clone)]
pub struct ExportFile {
    /// A safe file name (ASCII letters, digits, dashes and the extension).
    pub filename: String,
    /// The media type.
    pub content_type: &'static str,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// The file name of an export: `<slug>-highlights.<ext>`.
pub fn filename(export: &Export, format: Format) -> String {
    let name = match (export.scope, export.sessions.first()) {
        ("session", Some(s)) => text::slug(&s.title),
        _ => text::slug(&export.event.name),
    };
    format!("{name}-highlights.{}", format.extension())
}

/// Render `export` in `format`.
pub fn render(export: &Export, format: Format) -> AppResult<ExportFile> {
    let bytes = match format {
        Format::Md => markdown::render(export).into_bytes(),
        Format::Json => {
            let mut bytes = serde_json::to_vec_pretty(export).map_err(AppError::internal)?;
            bytes.push(b'\n');
            bytes
        }
        Format::Csv => csv::render(export)?,
        Format::Html => html::render(export, &html::Mode::File).into_bytes(),
    };
    Ok(ExportFile {
        filename: filename(export, format),
        content_type: format.content_type(),
        bytes,
    })
}
