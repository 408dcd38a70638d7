//! Seeded randomness: one ChaCha stream per component, derived from the scenario seed and the
//! component's name, so adding a component never changes another's draws.

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

/// The random stream of the component called `name` under `seed`.
pub fn stream(seed: u64, name: &str) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(fnv1a(name.as_bytes()));
    rng
}

/// FNV-1a: a fixed, platform-independent hash for naming streams.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The hash a forwarding plane spreads flows with: FNV-1a of the header bytes, salted, then
/// MurmurHash3's 64-bit finalizer. Without the finalizer the low bits of FNV-1a depend only on
/// the low bits of each input byte, so consecutive source ports would pick ECMP members in
/// strict rotation instead of by hash.
pub fn flow_hash(bytes: &[u8], salt: u64) -> u32 {
    let mut h = fnv1a(bytes) ^ salt;
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^= h >> 33;
    (h ^ (h >> 32)) as u32
}

/// A random RFC 4122 version-4 UUID drawn from `rng`.
pub fn uuid(rng: &mut impl RngCore) -> String {
    let mut b = [0u8; 16];
    rng.fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(36);
    for (i, x) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(char::from(HEX[usize::from(x >> 4)]));
        out.push(char::from(HEX[usize::from(x & 0x0f)]));
    }
    out
}

/// A uniform draw in `0..n` (n > 0), free of modulo bias for the small n used here.
pub fn below(rng: &mut impl RngCore, n: u64) -> u64 {
    if n == 0 { 0 } else { rng.next_u64() % n }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a1 = stream(7, "kube-manager").next_u64();
        let a2 = stream(7, "kube-manager").next_u64();
        let b = stream(7, "svc-monitor").next_u64();
        let c = stream(8, "kube-manager").next_u64();
        assert_eq!(a1, a2);
        assert_ne!(a1, b);
        assert_ne!(a1, c);
    }

    /// ECMP members chosen by `flow_hash % n` for consecutive source ports, as curl opens them.
    fn choices(n: u32, salt: u64) -> Vec<u32> {
        (40001u16..40065)
            .map(|port| {
                let mut b = [10, 47, 255, 252, 10, 111, 1, 2, 6, 0, 0, 0x22, 0xb8];
                b[9..11].copy_from_slice(&port.to_be_bytes());
                flow_hash(&b, salt) % n
            })
            .collect()
    }

    #[test]
    fn flow_hash_spreads_consecutive_ports_like_a_hash_not_a_rotation() {
        for salt in [0, 0x9e37_79b9_7f4a_7c15] {
            let picks = choices(4, salt);
            // A hash repeats the previous member about a quarter of the time; a rotation never.
            let repeats = picks.windows(2).filter(|w| w[0] == w[1]).count();
            assert!(repeats >= 6, "{repeats} repeats in 64: {picks:?}");
            for member in 0..4 {
                let count = picks.iter().filter(|&&p| p == member).count();
                assert!(
                    (4..=28).contains(&count),
                    "member {member} got {count} of 64: {picks:?}"
                );
            }
        }
        assert_ne!(choices(4, 0), choices(4, 1), "the salt changes the choices");
    }

    #[test]
    fn uuid_has_version_and_variant() {
        let u = uuid(&mut stream(1, "x"));
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
    }
}
