//! What a statement may hold in memory. Rows stream through the operators;
//! only pipeline breakers (grouping, sorting, DISTINCT, the eager barrier
//! before a write, the result itself) keep rows, and each charges the bytes
//! it keeps here, so a statement fails with `MemoryLimit` naming the
//! operator instead of exhausting the machine.

use crate::error::{Error, ErrorKind, Phase};
use crate::value::Value;

/// Bytes charged against a per-statement limit.
#[derive(Debug, Clone)]
pub struct MemoryBudget {
    pub limit: usize,
    used: usize,
    peak: usize,
    /// The process size past which the statement is stopped, set at the
    /// first look (see `check_process`).
    ceiling: Option<usize>,
}

impl Default for MemoryBudget {
    fn default() -> Self {
        MemoryBudget::new(default_limit())
    }
}

impl MemoryBudget {
    pub fn new(limit: usize) -> Self {
        MemoryBudget {
            limit,
            used: 0,
            peak: 0,
            ceiling: None,
        }
    }

    /// Takes `bytes` for `operator`, or fails when the statement would hold
    /// more than its limit.
    pub fn charge(&mut self, bytes: usize, operator: &str) -> Result<(), Error> {
        let used = self.used.saturating_add(bytes);
        if used > self.limit {
            return Err(Error::new(
                ErrorKind::MemoryError,
                "MemoryLimit",
                Phase::Runtime,
                format!(
                    "{operator} would hold more than the statement's memory limit of {} \
                     (--memory-limit); narrow the query or raise the limit",
                    human(self.limit)
                ),
            ));
        }
        self.used = used;
        self.peak = self.peak.max(used);
        Ok(())
    }

    /// Whether `check_process` has taken the process's size yet.
    pub fn watching(&self) -> bool {
        self.ceiling.is_some()
    }

    /// Values built inside one expression (a list comprehension over a
    /// range, say) are not held by any operator, so the process itself is
    /// watched: past its size at the first look (the first thousand rows or
    /// items) plus the limit (at least
    /// 1 GiB, so that caches filling are not mistaken for it) the statement
    /// stops with MemoryLimit instead of the allocator aborting the
    /// process. Called every few thousand rows or items.
    pub fn check_process(&mut self) -> Result<(), Error> {
        let Some(rss) = process_rss() else {
            return Ok(());
        };
        let ceiling = *self
            .ceiling
            .get_or_insert_with(|| rss.saturating_add(self.limit.max(1 << 30)));
        if rss > ceiling {
            return Err(Error::new(
                ErrorKind::MemoryError,
                "MemoryLimit",
                Phase::Runtime,
                format!(
                    "the statement's values grew the process past {} ({} more than early \
                     in the statement; --memory-limit); narrow the query or raise the limit",
                    human(ceiling),
                    human(self.limit.max(1 << 30))
                ),
            ));
        }
        Ok(())
    }

    /// Gives back what an operator no longer holds.
    pub fn release(&mut self, bytes: usize) {
        self.used = self.used.saturating_sub(bytes);
    }

    /// The most the statement held at once.
    pub fn peak(&self) -> usize {
        self.peak
    }
}

/// Half the machine's memory, as `/proc/meminfo` tells it (8 GiB where it
/// cannot be read). DuckDB defaults to 80% of RAM for its buffer manager;
/// these figures count values, not the allocator's overhead or the store's
/// caches, so more headroom is left.
pub fn default_limit() -> usize {
    static LIMIT: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *LIMIT.get_or_init(|| {
        std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|s| {
                let line = s.lines().find(|l| l.starts_with("MemTotal:"))?;
                let kib: usize = line.split_whitespace().nth(1)?.parse().ok()?;
                Some(kib.saturating_mul(1024) / 2)
            })
            .unwrap_or(8 << 30)
    })
}

/// The process's resident size, from `/proc/self/statm` (Linux).
fn process_rss() -> Option<usize> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: usize = statm.split_whitespace().nth(1)?.parse().ok()?;
    // SAFETY: sysconf only reads a configuration value.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    Some(pages.saturating_mul(if page > 0 { page as usize } else { 4096 }))
}

/// `--memory-limit SIZE` as the CLI and `serve` read it.
pub fn parse_limit(size: &str) -> Result<usize, String> {
    parse_size(size)
        .ok_or_else(|| format!("--memory-limit needs a size such as 512M or 2G, not `{size}`"))
}

/// `--cache-size SIZE` as the CLI and `serve` read it.
pub fn parse_cache_size(size: &str) -> Result<usize, String> {
    parse_size(size)
        .ok_or_else(|| format!("--cache-size needs a size such as 512M or 2G, not `{size}`"))
}

/// Reads `512M`, `2G`, `1.5GiB`, `100000` (bytes).
pub fn parse_size(s: &str) -> Option<usize> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num.parse().ok()?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => 1024.0 * 1024.0,
        "g" | "gb" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tb" | "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    let bytes = n * mult;
    (bytes.is_finite() && bytes >= 1.0 && bytes < usize::MAX as f64).then_some(bytes as usize)
}

/// `1.5 GiB`, `512 MiB`, `300 bytes`.
pub fn human(bytes: usize) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    let mut v = bytes as f64 / 1024.0;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    let shown = format!("{v:.1}");
    format!("{} {}", shown.trim_end_matches(".0"), UNITS[u])
}

/// The bytes a value takes: its own slot plus what it owns on the heap.
pub fn value_bytes(v: &Value) -> usize {
    std::mem::size_of::<Value>() + heap_bytes(v)
}

fn heap_bytes(v: &Value) -> usize {
    own_bytes(v, true)
}

/// What `v` owns on the heap; lists and maps item by item when `deep`,
/// else estimated from their lengths (their items' slots, not what the
/// items own).
fn own_bytes(v: &Value, deep: bool) -> usize {
    let slot = std::mem::size_of::<Value>();
    match v {
        Value::String(s) => s.len(),
        Value::List(items) if deep => items.iter().map(value_bytes).sum(),
        Value::List(items) => items.len() * slot,
        Value::Map(m) if deep => m.iter().map(|(k, v)| k.len() + 48 + value_bytes(v)).sum(),
        Value::Map(m) => m.len() * (48 + slot),
        Value::Path(p) => 8 * (p.nodes.len() + p.rels.len()) + 48,
        _ => 0,
    }
}

/// The bytes a row takes.
pub fn row_bytes(row: &[Value]) -> usize {
    24 + row.iter().map(value_bytes).sum::<usize>()
}

/// `row_bytes` without walking into lists and maps: what a batch checks
/// per row, where an exact walk would cost as much as the row.
pub fn shallow_row_bytes(row: &[Value]) -> usize {
    let slot = std::mem::size_of::<Value>();
    24 + row
        .iter()
        .map(|v| slot + own_bytes(v, false))
        .sum::<usize>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_and_without_units() {
        assert_eq!(parse_size("100"), Some(100));
        assert_eq!(parse_size("2k"), Some(2048));
        assert_eq!(parse_size("512M"), Some(512 << 20));
        assert_eq!(parse_size("1.5GiB"), Some(3 << 29));
        assert_eq!(parse_size("2 gb"), Some(2 << 30));
        for bad in ["", "x", "-1", "0", "1.2.3G", "5Q", "NaN"] {
            assert_eq!(parse_size(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_budget_fails_past_its_limit_and_names_the_operator() {
        let mut b = MemoryBudget::new(100);
        b.charge(60, "Sort").unwrap();
        let e = b.charge(50, "Sort").unwrap_err();
        assert_eq!(e.code, "MemoryLimit");
        assert!(e.message.contains("Sort"), "{}", e.message);
        b.release(60);
        b.charge(90, "Distinct").unwrap();
        assert_eq!(b.peak(), 90);
    }

    #[test]
    fn values_count_what_they_own() {
        let s = Value::String("x".repeat(1000));
        assert!(value_bytes(&s) >= 1000);
        let l = Value::List(vec![s.clone(), s]);
        assert!(value_bytes(&l) >= 2000);
        assert_eq!(human(1536), "1.5 KiB");
        assert_eq!(human(3 << 30), "3 GiB");
    }
}
