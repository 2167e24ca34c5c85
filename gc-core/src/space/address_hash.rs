//! A hasher for object and descriptor addresses.
//!
//! The collector keys a few tables by address: the verifier's set of large
//! objects, pretenuring's sites (a `TypeInfo` address). std's default
//! SipHash resists hash flooding, which an address key cannot mount, at
//! tens of nanoseconds a lookup; pretenuring looks its site up on every
//! allocation of a pretenured type. One multiply is enough.

use std::hash::Hasher;

/// Hashes one address: the 128-bit product with a 64-bit odd constant (the
/// golden ratio's), folded to 64 bits, so that both the low bits (the
/// bucket) and the high bits (the tag) depend on every address bit, and the
/// 16-byte alignment's zero low bits do not cluster.
#[derive(Default)]
pub(crate) struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Not used for addresses (`write_usize` is); a plain fold for others.
        for &byte in bytes {
            self.write_usize(self.0 as usize ^ byte as usize);
        }
    }

    fn write_usize(&mut self, address: usize) {
        let product = u128::from(address as u64 ^ self.0) * 0x9E37_79B9_7F4A_7C15;
        self.0 = (product as u64) ^ ((product >> 64) as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn the_address_hasher_spreads_aligned_addresses_over_low_bits() {
        let buckets: HashSet<u64> = (0..1024usize)
            .map(|i| {
                let mut hasher = AddressHasher::default();
                hasher.write_usize(0x7f00_0000_0000 + i * 16);
                hasher.finish() & 1023
            })
            .collect();
        assert!(
            buckets.len() > 550,
            "{} of 1024 buckets used",
            buckets.len()
        );
    }
}
