//! `--map NEW=COLUMN,…`: reads a file's column under another name (and
//! optionally a type, `since:date=Year of order`) without editing the file.

use std::collections::HashMap;

#[derive(Debug, Clone, Default)]
pub struct ColumnMap {
    /// File header (trimmed) → the header to read it as.
    renames: HashMap<String, String>,
}

impl ColumnMap {
    /// Parses one or more `--map` arguments, each `NEW=COLUMN[,NEW=COLUMN…]`.
    pub fn parse(args: &[String]) -> Result<ColumnMap, String> {
        let mut renames = HashMap::new();
        for arg in args {
            for pair in arg.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let Some((new, old)) = pair.split_once('=') else {
                    return Err(format!(
                        "--map takes NEW=COLUMN pairs, e.g. src=Supplier,dst=Recipient; got '{pair}'"
                    ));
                };
                let (new, old) = (new.trim(), old.trim());
                if new.is_empty() || old.is_empty() {
                    return Err(format!("--map pair '{pair}' has an empty side"));
                }
                if renames.insert(old.to_string(), new.to_string()).is_some() {
                    return Err(format!("--map names column '{old}' twice"));
                }
            }
        }
        Ok(ColumnMap { renames })
    }

    pub fn is_empty(&self) -> bool {
        self.renames.is_empty()
    }

    /// The header to read `header` as.
    pub fn apply<'a>(&'a self, header: &'a str) -> &'a str {
        let trimmed = header.trim().trim_start_matches('\u{feff}');
        self.renames
            .get(trimmed)
            .map(String::as_str)
            .unwrap_or(header)
    }

    /// The mapped columns that none of `headers` has (a misspelt `--map`).
    pub fn unused<'a>(&'a self, headers: &[String]) -> Vec<&'a str> {
        let mut out: Vec<&str> = self
            .renames
            .keys()
            .filter(|k| !headers.iter().any(|h| h == *k))
            .map(String::as_str)
            .collect();
        out.sort_unstable();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_rename_columns_and_may_carry_a_type() {
        let m = ColumnMap::parse(&[
            "src=Supplier, dst=Recipient".into(),
            "since:int=Year of order".into(),
        ])
        .unwrap();
        assert_eq!(m.apply("Supplier"), "src");
        assert_eq!(m.apply(" Recipient "), "dst");
        assert_eq!(m.apply("Year of order"), "since:int");
        assert_eq!(m.apply("status"), "status");
        assert_eq!(
            m.unused(&["Supplier".into(), "Recipient".into()]),
            ["Year of order"]
        );
    }

    #[test]
    fn malformed_maps_are_refused() {
        assert!(ColumnMap::parse(&["src".into()]).is_err());
        assert!(ColumnMap::parse(&["=Supplier".into()]).is_err());
        assert!(ColumnMap::parse(&["src=A,dst=A".into()]).is_err());
    }
}
