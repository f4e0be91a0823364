//! Getting data in and out: CSV import and result formats.

pub mod format;
pub mod import;
