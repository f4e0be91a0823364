//! Unsigned LEB128 varints and zigzag signed integers, shared by the
//! hand-written formats (records, adjacency lists).

/// Reads one varint at `*at`, advancing it; `None` if cut short or longer
/// than 64 bits.
pub fn read(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let mut v: u64 = 0;
    for shift in (0..64).step_by(7) {
        let b = *bytes.get(*at)?;
        *at += 1;
        v |= ((b & 0x7f) as u64) << shift;
        if b & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

pub fn push(buf: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        buf.push((v as u8) | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

/// Small magnitudes of either sign become small unsigned numbers.
pub fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

pub fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_cut_or_overlong_input() {
        for v in [0u64, 1, 127, 128, 300, u32::MAX as u64, u64::MAX] {
            let mut b = Vec::new();
            push(&mut b, v);
            let mut at = 0;
            assert_eq!(read(&b, &mut at), Some(v));
            assert_eq!(at, b.len());
            let mut at = 0;
            assert_eq!(read(&b[..b.len() - 1], &mut at), None);
        }
        assert_eq!(read(&[0xff; 11], &mut 0), None);
        for v in [0i64, -1, 1, i64::MIN, i64::MAX, -64, 63] {
            assert_eq!(unzigzag(zigzag(v)), v);
        }
        assert!(zigzag(-1) < 2 && zigzag(1) < 3);
    }
}
