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

/// A random RFC 4122 version-4 UUID drawn from `rng`.
pub fn uuid(rng: &mut impl RngCore) -> String {
    let mut b = [0u8; 16];
    rng.fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex = |r: &[u8]| r.iter().map(|x| format!("{x:02x}")).collect::<String>();
    format!(
        "{}-{}-{}-{}-{}",
        hex(&b[0..4]),
        hex(&b[4..6]),
        hex(&b[6..8]),
        hex(&b[8..10]),
        hex(&b[10..16])
    )
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

    #[test]
    fn uuid_has_version_and_variant() {
        let u = uuid(&mut stream(1, "x"));
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
    }
}
