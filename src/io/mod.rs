//! Getting data in and out: CSV import and result formats.

pub mod import;
pub mod format;
